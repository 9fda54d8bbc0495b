"""Filtered listings over a real SQLite store filled through save_extraction (tests/records_world.py)."""

from __future__ import annotations

import pytest

from khabar.store import queries as Q
from records_world import DOC_A, DOC_B, DOC_C, fill


@pytest.fixture
def conn(engine):  # noqa: ANN001, ANN201
    fill(engine)
    with engine.connect() as c:
        yield c


def ids(items) -> list[str]:  # noqa: ANN001
    return [x["id"] for x in items]


def test_events_filters(conn) -> None:  # noqa: ANN001
    assert ids(Q.query_events(conn)) == ["ev-a-treaty", "ev-a-arrest", "ev-b-attack", "ev-a-rockets", "ev-c-plan"]
    assert ids(Q.query_events(conn, sort="-date"))[:3] == ["ev-b-attack", "ev-a-arrest", "ev-a-treaty"]
    assert ids(Q.query_events(conn, type="assault", sort="confidence")) == ["ev-b-attack", "ev-a-rockets", "ev-c-plan"]
    assert ids(Q.query_events(conn, type="AGREE,COERCE")) == ["ev-a-treaty", "ev-a-arrest"]
    assert ids(Q.query_events(conn, country="pk")) == ["ev-b-attack"]
    assert ids(Q.query_events(conn, status="historical")) == ["ev-a-treaty"]
    assert ids(Q.query_events(conn, status=["planned", "alleged"])) == ["ev-b-attack", "ev-c-plan"]
    assert ids(Q.query_events(conn, doc=DOC_B[:6])) == ["ev-b-attack"]
    assert ids(Q.query_events(conn, min_confidence=0.85)) == ["ev-b-attack"]


def test_events_actor_by_alias_and_hierarchy(conn) -> None:  # noqa: ANN001
    assert ids(Q.query_events(conn, actor="ISIS Khorasan")) == ["ev-a-rockets"]
    # the parent group's events include its branch's
    assert ids(Q.query_events(conn, actor="Daesh")) == ["ev-a-rockets"]
    assert ids(Q.query_events(conn, target="tajikistan")) == ["ev-a-rockets"]
    assert ids(Q.query_events(conn, target="Таджикистан")) == ["ev-a-rockets"]
    assert ids(Q.query_events(conn, actor="taliban")) == ["ev-a-arrest"]  # not TTP: exact id/name/alias
    assert Q.query_events(conn, actor="nobody at all") == []


def test_events_dates_overlap_partial_values(conn) -> None:  # noqa: ANN001
    # a month-precision event overlaps a day inside it; undated events never match a date filter
    assert ids(Q.query_events(conn, since="2023-02-10", until="2023-02-10")) == ["ev-a-arrest"]
    assert ids(Q.query_events(conn, until="1999")) == ["ev-a-treaty"]
    assert ids(Q.query_events(conn, since="2024")) == ["ev-b-attack"]
    assert ids(Q.query_events(conn, since="2023-03", until="2023-12")) == []


def test_events_bbox_and_record_shape(conn) -> None:  # noqa: ANN001
    # Central Asia, GeoJSON order (min_lon, min_lat, max_lon, max_lat)
    assert ids(Q.query_events(conn, bbox=(60, 30, 75, 45))) == ["ev-a-treaty", "ev-a-arrest", "ev-b-attack"]
    e = Q.query_events(conn, actor="taliban")[0]
    assert e["arrested"] == 6 and e["location"]["country"] == "AF" and e["date"]["precision"] == "month"
    assert e["evidence"]["text"].startswith("The Taliban arrested")
    with pytest.raises(ValueError):
        Q.query_events(conn, bbox=(1, 2, 3))
    with pytest.raises(ValueError):
        Q.query_events(conn, sort="random")


def test_events_paging_and_counts(conn) -> None:  # noqa: ANN001
    everything = ids(Q.query_events(conn))
    assert ids(Q.query_events(conn, limit=2)) + ids(Q.query_events(conn, limit=2, offset=2)) + ids(
        Q.query_events(conn, limit=2, offset=4)) == everything
    assert Q.count_events(conn) == 5
    assert Q.count_events(conn, doc="", type=[], country="", actor="") == 5  # empty means no filter
    assert Q.count_events(conn, type="ASSAULT", country="ML") == 1
    assert Q.count_events(conn, actor="iskp") == 1


def test_claims_filters(conn) -> None:  # noqa: ANN001
    assert ids(Q.query_claims(conn, speaker="csto")) == ["cl-a-csto"]
    assert ids(Q.query_claims(conn, speaker="ОДКБ")) == ["cl-a-csto"]
    assert ids(Q.query_claims(conn, stance="deny")) == ["cl-a-denial"]
    assert ids(Q.query_claims(conn, has_quantity=True)) == ["cl-a-csto", "cl-b-army"]
    assert set(ids(Q.query_claims(conn, subject="ISIS-K"))) == {"cl-a-minister", "cl-a-csto", "cl-a-denial"}
    # --actor: speaker, subject or the one whose claim is denied
    assert set(ids(Q.query_claims(conn, actor="CSTO"))) == {"cl-a-csto", "cl-a-denial"}
    # unresolved speaker names match by substring
    assert ids(Q.query_claims(conn, speaker="resident")) == ["cl-c-residents"]
    assert ids(Q.query_claims(conn, country="PK")) == ["cl-b-army"]
    assert ids(Q.query_claims(conn, unit="militant")) == ["cl-b-army"]
    d = Q.query_claims(conn, stance="deny")[0]
    assert d["denies"] == {"id": "csto", "name": "CSTO"} and d["denies_claim"] == "cl-a-csto"


def test_claims_date_falls_back_to_publication(conn) -> None:  # noqa: ANN001
    # the minister's claim is dated 2023-02-15; the other two in doc A only by publication (2023-02-16)
    assert ids(Q.query_claims(conn, until="2023-02-15")) == ["cl-a-minister"]
    assert set(ids(Q.query_claims(conn, since="2023-02-16", until="2023-02-16"))) == {"cl-a-csto", "cl-a-denial"}
    assert ids(Q.query_claims(conn, since="2024-06")) == ["cl-c-residents"]
    assert ids(Q.query_claims(conn, sort="-date"))[0] == "cl-c-residents"
    assert Q.count_claims(conn, since="2024") == 2


def test_actors_and_places(conn) -> None:  # noqa: ANN001
    assert ids(Q.query_actors(conn, type="state")) == ["tj"]
    assert ids(Q.query_actors(conn, country="tj")) == ["tj_mvd", "person:rahimzoda", "tj"]
    assert ids(Q.query_actors(conn, parent="Tajikistan")) == ["tj_mvd"]
    assert ids(Q.query_actors(conn, name="khorasan")) == ["iskp"]
    assert set(ids(Q.query_actors(conn, doc=DOC_A))) == {"person:rahimzoda", "taliban", "iskp"}
    top = Q.query_actors(conn, sort="mentions", with_counts=True, limit=1)[0]
    assert top["mentions"] == 1 and top["documents"] == 1 and "aliases" in top
    person = Q.query_actors(conn, type="person")[0]
    assert person["role"] == "Interior Minister" and person["affiliation"] == "tj"
    assert Q.count_actors(conn, type="armed_group") == 5
    assert ids(Q.query_places(conn, country="AF")) == ["kabul"]
    assert ids(Q.query_places(conn, doc=DOC_C)) == ["bamako"]
    assert ids(Q.query_places(conn, bbox=(-10, 0, 0, 20))) == ["bamako"]
    assert ids(Q.query_places(conn, name="pesh", with_counts=True)) == ["peshawar"]
    assert Q.count_places(conn) == 4


def test_filters_are_parameters_not_sql(conn) -> None:  # noqa: ANN001
    hostile = "x' OR '1'='1"
    assert Q.query_events(conn, actor=hostile) == []
    assert Q.query_events(conn, type=hostile) == []
    assert Q.query_claims(conn, speaker="%") == []  # LIKE wildcards are escaped
    assert Q.query_actors(conn, name="%") == []
    assert ids(Q.query_actors(conn, name="cs_o")) == []  # "_" is a character, not "any character"
    assert Q.count_events(conn, doc=DOC_A) == 3 and Q.count_events(conn, doc=DOC_C) == 1
