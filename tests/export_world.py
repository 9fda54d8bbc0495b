"""A store for the export tests, filled through the real write path (insert_document + save_extraction).

Not a test module: tests/test_export_*.py import it. Three fixture articles (tests/fixtures/export/)
with hand-built extractions covering every field the exports map (actors of each kind, an unresolved
civilian target, places with and without coordinates, partial dates, a denial linked to the claim it
denies, text with commas, quotes and non-ASCII), plus the bundled sample article run through the real
extraction pipeline.
"""

from __future__ import annotations

from pathlib import Path

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

FIXTURES = Path(__file__).parent / "fixtures" / "export"
SAMPLE = Path(__file__).parent.parent / "src" / "khabar" / "samples" / "isis-k-tajik-border.txt"

DOC_K = "k" * 40
DOC_D = "d" * 40
DOC_E = "e" * 40  # no events, one claim

ACTORS = [
    Actor("iskp", "Islamic State Khorasan Province", "armed_group", "AF", aliases=["ISIS-K", "ISKP"]),
    Actor("taliban", "Taliban", "armed_group", "AF", aliases=["Islamic Emirate of Afghanistan"]),
    Actor("tj", "Tajikistan", "state", "TJ", aliases=["Таджикистан"]),
    Actor("tj_gov", "Government of Tajikistan", "government", "TJ", parent="tj"),
    Actor("person:abedi", "Obaidullah Abedi", "person", "AF", role="police spokesman", affiliation="taliban"),
]
KUNDUZ = Place("kunduz", "Kunduz", "AF", "Kunduz", 36.728965, 68.857002, "city", 1135689)
DUSHANBE = Place("dushanbe", "Dushanbe", "TJ", "Dushanbe", 38.53575, 68.77905, "city", 1221874)


def text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def span(t: str, phrase: str) -> Span:
    start = t.index(phrase)
    return Span(phrase, start, start + len(phrase))


def loc(p: Place) -> Location:
    return Location(p.name, p.country, p.lat, p.lon, p.precision, p.geonames_id, p.id, p.admin1)


def extraction_k(t: str) -> Extraction:
    attack = t.split("\n")[1]
    said = t.split("\n")[2]
    deny = t.split("\n")[3]
    s_iskp = span(t, "Islamic State Khorasan Province")
    s_kunduz = span(t, "Kunduz on")
    return Extraction(
        doc_id=DOC_K,
        entities=[
            Entity(s_iskp.text, s_iskp.start, s_iskp.end, "ORG", actor_id="iskp"),
            Entity("Kunduz", s_kunduz.start, s_kunduz.start + 6, "GPE", place_id="kunduz"),
            Entity("Obaidullah Abedi", t.index("Obaidullah Abedi"), t.index("Obaidullah Abedi") + 16, "PERSON",
                   actor_id="person:abedi"),
        ],
        actors=ACTORS,
        places=[KUNDUZ],
        events=[
            Event("ev-k1", "ASSAULT", span(t, attack), mode="firearms", acled_type="Violence against civilians",
                  acled_subtype="Attack", actor=Ref("iskp", "Islamic State Khorasan Province"),
                  target=Ref(None, "civilians"), location=loc(KUNDUZ),
                  date=DateValue("2023-03-03", "2023-03-03", "day", "3 March 2023"), fatalities=4, wounded=12,
                  confidence=0.9, trigger="attacked"),
            Event("ev-k2", "MOBILIZE", span(t, said), mode="troops", acled_type="Strategic developments",
                  acled_subtype="Change to group/activity", actor=Ref("taliban", "Taliban"),
                  location=Location("Kunduz province", "AF", None, None, "admin1", None, None, "Kunduz"),
                  date=DateValue("2023-03", "2023-03", "month"), confidence=0.6, trigger="deployed"),
            Event("ev-k3", "MOBILIZE", span(t, deny), mode="troops", acled_type="Strategic developments",
                  acled_subtype="Change to group/activity", status="denied", actor=Ref("taliban", "Taliban"),
                  confidence=0.4, trigger="deployed"),
        ],
        claims=[
            Claim("cl-k1", "said", "assert", "2,000 Taliban fighters were deployed, \"to secure the city; everyone\"",
                  span(t, said), speaker=Speaker("person:abedi", "Obaidullah Abedi", "police spokesman", "taliban"),
                  subject=Ref("taliban", "Taliban"), quantity=Quantity(2000.0, "fighters", False, "2,000"),
                  date=DateValue("2023-03-03", "2023-03-03", "day"), confidence=0.8),
            Claim("cl-k2", "denied", "deny", "any fighters had been deployed", span(t, deny),
                  speaker=Speaker("taliban", "Taliban"), subject=Ref("taliban", "Taliban"),
                  denies=Ref("person:abedi", "Obaidullah Abedi"), denies_claim="cl-k1", confidence=0.7),
        ],
        document_date=DateValue("2023-03-03", "2023-03-03", "day", "3 March 2023"),
        stages_run=["ner", "actors", "places", "time", "quantities", "events", "claims"],
        stages_skipped={},
    )


def extraction_d(t: str) -> Extraction:
    protest = t.split("\n")[1]
    return Extraction(
        doc_id=DOC_D,
        entities=[Entity("Dushanbe", t.index("Dushanbe"), t.index("Dushanbe") + 8, "GPE", place_id="dushanbe")],
        actors=ACTORS,
        places=[DUSHANBE],
        events=[
            Event("ev-d1", "PROTEST", span(t, protest), mode="demonstrate", acled_type="Protests",
                  acled_subtype="Peaceful protest", actor=Ref(None, "Traders"), target=Ref("tj_gov", "Government of Tajikistan"),
                  location=loc(DUSHANBE), date=DateValue("2023-03-07", "2023-03-07", "day"), confidence=0.85),
        ],
        claims=[
            Claim("cl-d1", "announced", "assert", "the border crossings would stay closed",
                  span(t, t.split("\n")[2]), speaker=Speaker("tj_gov", "Government of Tajikistan"),
                  subject=Ref("tj", "Tajikistan"), date=DateValue("2023-03", "2023-03", "month")),
        ],
        stages_run=["ner"],
        stages_skipped={"claims": "test"},
    )


def extraction_e(t: str) -> Extraction:
    return Extraction(
        doc_id=DOC_E,
        claims=[Claim("cl-e1", "said", "assert", "Таджикистан готов", span(t, "Таджикистан готов"),
                      speaker=Speaker(None, "Анонимный источник"))],
    )


TEXT_E = "Источник сообщил: Таджикистан готов к обороне границы."


def documents() -> list[tuple[Document, Extraction]]:
    tk, td = text("kunduz-market.txt"), text("dushanbe-protest.txt")
    return [
        (Document(DOC_K, tk, title="Gunmen attack market in Kunduz, \"dozens\" wounded",
                  url="https://news.example.org/kunduz?a=1&b=2", source="Example News",
                  published="2023-03-03T10:00:00Z", language="en", meta={"section": "world"}), extraction_k(tk)),
        (Document(DOC_D, td, title="Protest in Dushanbe", url="https://asia.example.net/dushanbe",
                  source="Asia-Plus", published="2023-03-07", language="en", path="/tmp/dushanbe.txt"),
         extraction_d(td)),
        (Document(DOC_E, TEXT_E, title="Источник", source="Радио", published="2023-03-08", language="ru"),
         extraction_e(TEXT_E)),
    ]


def fill(engine, *, pipeline: bool = False) -> None:  # noqa: ANN001 - sqlalchemy Engine
    """Store the hand-built documents; with pipeline=True also the sample article, really extracted."""
    with engine.begin() as conn:
        for doc, ext in documents():
            insert_document(conn, doc)
            save_extraction(conn, ext, version="test")
    if pipeline:
        from khabar.extract.pipeline import load_pipeline

        sample = SAMPLE.read_text(encoding="utf-8")
        doc = Document("5" * 40, sample, title="ISIS on the borders", url="https://example.com/isis-k",
                       source="Sample", published="2023-02-20", language="en")
        pipe = load_pipeline()
        (ext,) = list(pipe.pipe([doc]))
        with engine.begin() as conn:
            insert_document(conn, doc)
            save_extraction(conn, ext, version=pipe.version)
