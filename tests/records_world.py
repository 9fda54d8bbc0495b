"""A small store filled through the real write path (insert_document + save_extraction), for query tests.

Not a test module: tests/test_store_queries.py and tests/test_cli_records.py import it. Three documents
from three regions, with actors in a KB hierarchy, events of several types/statuses/dates/places, and
claims with quantities, a denial and one claim dated only by its document.
"""

from __future__ import annotations

from khabar.model import (
    Actor,
    Claim,
    DateValue,
    Document,
    Entity,
    Event,
    Extraction,
    Location,
    Place,
    Quantity,
    Ref,
    Span,
    Speaker,
)
from khabar.store.documents import insert_document
from khabar.store.records import save_extraction

DOC_A = "a1" * 20
DOC_B = "b2" * 20
DOC_C = "c3" * 20

ACTORS = {
    "islamic_state": Actor("islamic_state", "Islamic State", "armed_group", aliases=["ISIS", "Daesh"]),
    "iskp": Actor("iskp", "Islamic State Khorasan Province", "armed_group", "AF", parent="islamic_state",
                  aliases=["ISIS-K", "ISKP", "ISIS Khorasan"]),
    "taliban": Actor("taliban", "Taliban", "armed_group", "AF", aliases=["Islamic Emirate of Afghanistan"]),
    "tj": Actor("tj", "Tajikistan", "state", "TJ", aliases=["Таджикистан"]),
    "tj_mvd": Actor("tj_mvd", "Ministry of Internal Affairs of Tajikistan", "government", "TJ", parent="tj"),
    "csto": Actor("csto", "Collective Security Treaty Organization", "igo", aliases=["CSTO", "ОДКБ"]),
    "ttp": Actor("ttp", "Tehrik-i-Taliban Pakistan", "armed_group", "PK", aliases=["TTP"]),
    "pk_army": Actor("pk_army", "Pakistan Army", "government", "PK"),
    "jnim": Actor("jnim", "Jama'at Nasr al-Islam wal Muslimin", "armed_group", "ML", aliases=["JNIM"]),
    "person:rahimzoda": Actor("person:rahimzoda", "Ramazon Rahimzoda", "person", "TJ", role="Interior Minister",
                              affiliation="tj"),
}

PLACES = {
    "kabul": Place("kabul", "Kabul", "AF", "Kabul", 34.53, 69.17, "city", 1138958),
    "tashkent": Place("tashkent", "Tashkent", "UZ", "Tashkent", 41.31, 69.28, "city", 1512569),
    "peshawar": Place("peshawar", "Peshawar", "PK", "Khyber Pakhtunkhwa", 34.01, 71.58, "city", 1168197),
    "bamako": Place("bamako", "Bamako", "ML", "Bamako", 12.65, -8.0, "city", 2460596),
}


def _loc(pid: str) -> Location:
    p = PLACES[pid]
    return Location(p.name, p.country, p.lat, p.lon, p.precision, p.geonames_id, p.id, p.admin1)


def _span(text: str, phrase: str) -> Span:
    start = text.index(phrase)
    return Span(phrase, start, start + len(phrase))


TEXT_A = (
    "Tajik Interior Minister Ramazon Rahimzoda said on Wednesday, February 15 that the army is ready. "
    "The Taliban arrested six foreign citizens in a raid in Kabul in February. "
    "ISIS-K fired rockets from Afghanistan at Tajikistan. "
    "The CSTO said about 4,000 ISIS-K fighters are near the border. "
    "The Taliban denied the CSTO figure. "
    "A treaty was signed in Tashkent in May 1992."
)
TEXT_B = (
    "Militants of the TTP attacked a checkpoint in Peshawar on Monday, killing three soldiers, "
    "the Pakistan Army said. The army said dozens of militants had been killed since March."
)
TEXT_C = "JNIM fighters are trying to encircle Bamako, residents said."


def extraction_a() -> Extraction:
    t = TEXT_A
    ev = [
        Event("ev-a-arrest", "COERCE", _span(t, "The Taliban arrested six foreign citizens in a raid in Kabul in February."),
              mode="arrest", actor=Ref("taliban", "Taliban"), location=_loc("kabul"),
              date=DateValue("2023-02-01", "2023-02-28", "month"), arrested=6, confidence=0.8),
        Event("ev-a-rockets", "ASSAULT", _span(t, "ISIS-K fired rockets from Afghanistan at Tajikistan."),
              acled_type="Explosions/Remote violence", acled_subtype="Shelling/artillery/missile attack",
              actor=Ref("iskp", "ISIS-K"), target=Ref("tj", "Tajikistan"), confidence=0.7),
        Event("ev-a-treaty", "AGREE", _span(t, "A treaty was signed in Tashkent in May 1992."), status="historical",
              location=_loc("tashkent"), date=DateValue("1992-05-01", "1992-05-31", "month"), confidence=0.6),
    ]
    cl = [
        Claim("cl-a-minister", "said", "assert", "the army is ready",
              _span(t, "Tajik Interior Minister Ramazon Rahimzoda said on Wednesday, February 15 that the army is ready."),
              speaker=Speaker("person:rahimzoda", "Ramazon Rahimzoda", "Interior Minister", "tj"),
              subject=Ref("iskp", "ISIS-K"), date=DateValue("2023-02-15", "2023-02-15", "day"), confidence=0.9),
        Claim("cl-a-csto", "said", "assert", "about 4,000 ISIS-K fighters are near the border",
              _span(t, "The CSTO said about 4,000 ISIS-K fighters are near the border."),
              speaker=Speaker("csto", "CSTO"), subject=Ref("iskp", "ISIS-K"),
              quantity=Quantity(4000, "fighters", True, "about 4,000"), confidence=0.8),
        Claim("cl-a-denial", "denied", "deny", "the CSTO figure", _span(t, "The Taliban denied the CSTO figure."),
              speaker=Speaker("taliban", "Taliban"), subject=Ref("iskp", "ISIS-K"), denies=Ref("csto", "CSTO"),
              denies_claim="cl-a-csto", confidence=0.7),
    ]
    ents = [
        Entity("Ramazon Rahimzoda", t.index("Ramazon"), t.index("Ramazon") + 17, "PERSON", actor_id="person:rahimzoda"),
        Entity("Taliban", t.index("Taliban"), t.index("Taliban") + 7, "ACTOR", actor_id="taliban"),
        Entity("Kabul", t.index("Kabul"), t.index("Kabul") + 5, "PLACE", place_id="kabul"),
        Entity("ISIS-K", t.index("ISIS-K"), t.index("ISIS-K") + 6, "ACTOR", actor_id="iskp"),
        Entity("Tashkent", t.index("Tashkent"), t.index("Tashkent") + 8, "PLACE", place_id="tashkent"),
    ]
    kb = [ACTORS[k] for k in ("islamic_state", "iskp", "taliban", "tj", "tj_mvd", "csto", "person:rahimzoda")]
    return Extraction(DOC_A, ents, kb, [PLACES["kabul"], PLACES["tashkent"]], ev, cl,
                      stages_run=["ner", "actors", "places", "time", "quantities", "events", "claims"])


def extraction_b() -> Extraction:
    t = TEXT_B
    first = t.split(". ")[0] + "."
    ev = [
        Event("ev-b-attack", "ASSAULT", _span(t, first), mode="firearms", acled_type="Battles",
              acled_subtype="Armed clash", status="alleged", actor=Ref("ttp", "TTP"),
              target=Ref("pk_army", "Pakistan Army"), location=_loc("peshawar"),
              date=DateValue("2024-04-29", "2024-04-29", "day"), fatalities=3, confidence=0.9),
    ]
    cl = [
        Claim("cl-b-army", "said", "assert", "dozens of militants had been killed since March",
              _span(t, "The army said dozens of militants had been killed since March."),
              speaker=Speaker("pk_army", "Pakistan Army"), subject=Ref("ttp", "TTP"),
              quantity=Quantity(24, "militants", True, "dozens")),
    ]
    ents = [Entity("Peshawar", t.index("Peshawar"), t.index("Peshawar") + 8, "PLACE", place_id="peshawar"),
            Entity("TTP", t.index("TTP"), t.index("TTP") + 3, "ACTOR", actor_id="ttp")]
    return Extraction(DOC_B, ents, [ACTORS["ttp"], ACTORS["pk_army"]], [PLACES["peshawar"]], ev, cl)


def extraction_c() -> Extraction:
    t = TEXT_C
    ev = [Event("ev-c-plan", "ASSAULT", _span(t, t), status="planned", actor=Ref("jnim", "JNIM"),
                location=_loc("bamako"), confidence=0.4)]
    cl = [Claim("cl-c-residents", "said", "assert", "JNIM fighters are trying to encircle Bamako", _span(t, t),
                speaker=Speaker(None, "residents"), subject=Ref("jnim", "JNIM"))]
    ents = [Entity("Bamako", t.index("Bamako"), t.index("Bamako") + 6, "PLACE", place_id="bamako")]
    return Extraction(DOC_C, ents, [ACTORS["jnim"]], [PLACES["bamako"]], ev, cl)


DOCUMENTS = [
    Document(DOC_A, TEXT_A, title="Tajik border", source="Eurasianet", published="2023-02-16", language="en"),
    Document(DOC_B, TEXT_B, title="Peshawar attack", source="Dawn", published="2024-04-30T08:00:00", language="en"),
    Document(DOC_C, TEXT_C, title="Bamako", source="Sahel Monitor", published="2024-06-02", language="en"),
]


def fill(engine) -> None:  # noqa: ANN001 - sqlalchemy Engine
    """Store the three documents and their extractions, each in one transaction, like ingest does."""
    for doc, make in zip(DOCUMENTS, (extraction_a, extraction_b, extraction_c), strict=True):
        with engine.begin() as conn:
            insert_document(conn, doc)
            save_extraction(conn, make(), "test-1")
