"""Incident clustering over crafted reports stored in a real store (tests/fixtures/analyse/reports.yaml)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from khabar.analyse.config import load_config
from khabar.analyse.incidents import (
    cluster_pending,
    find_incidents,
    get_incident,
    incident_of_event,
    list_incidents,
    rebuild_incidents,
    update_incidents,
)
from khabar.model import Extraction
from khabar.store.records import save_extraction
from khabar.store.schema import incident_events, incidents

_spec = importlib.util.spec_from_file_location(
    "analyse_loader", Path(__file__).parent / "fixtures" / "analyse" / "loader.py"
)
loader = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(loader)

KUNDUZ = ["kunduz-observer", "kunduz-asiawire", "kunduz-regional-copy", "kunduz-frontier"]
KABUL = ["kabul-minibus-observer", "kabul-minibus-asiawire", "kabul-checkpoint-frontier"]


@pytest.fixture
def clustered(engine):  # noqa: ANN201
    with engine.begin() as conn:
        ids = loader.load(conn)
        update_incidents(conn, ids)
    return engine


def test_same_event_from_three_outlets_merges_with_figure_spread(clustered) -> None:
    with clustered.connect() as conn:
        inc_ids = {incident_of_event(conn, f"{d}-e0") for d in KUNDUZ}
        assert len(inc_ids) == 1
        inc = get_incident(conn, inc_ids.pop())
    assert inc["report_count"] == 4 and inc["document_count"] == 4
    # the Regional Times wire copy of Asia Wire counts once
    assert inc["independent_sources"] == 3
    assert set(inc["sources"]) == {"Kabul Observer", "Asia Wire", "Regional Times", "Frontier Daily"}
    fat = inc["figures"]["fatalities"]
    assert sorted(r["value"] for r in fat["reports"]) == [12, 14, 15, 15]
    assert (fat["min"], fat["max"], fat["consensus"]) == (12, 15, 14)
    assert inc["first_reported"] == "2026-10-09T11:30:00+00:00"
    assert inc["location"]["name"] == "Kunduz" and inc["date"] == {"start": "2026-10-09", "end": "2026-10-09"}
    joined = [r for r in inc["reports"] if r["link"] and "components" in r["link"]]
    assert len(joined) == 3  # every merge keeps its transparent score
    for r in joined:
        assert r["score"] >= load_config()["incidents"]["threshold"]
        assert set(r["link"]["components"]) == {"type", "actors", "place", "date", "evidence", "figures"}


def test_two_events_same_day_same_city_stay_apart(clustered) -> None:
    with clustered.connect() as conn:
        minibus = {incident_of_event(conn, f"{d}-e0") for d in KABUL[:2]}
        checkpoint = incident_of_event(conn, "kabul-checkpoint-frontier-e0")
        assert len(minibus) == 1 and checkpoint not in minibus
        assert get_incident(conn, checkpoint)["report_count"] == 1
        kunduz = incident_of_event(conn, "kunduz-observer-e0")
        listed = list_incidents(conn, min_sources=2)
    assert {i["id"]: i["independent_sources"] for i in listed} == {kunduz: 3, minibus.pop(): 2}


def test_incremental_update_touches_only_new_documents(engine) -> None:
    with engine.begin() as conn:
        loader.load(conn, KUNDUZ[:2])
        update_incidents(conn, KUNDUZ[:2])
        before = conn.execute(select(incidents.c.id, incidents.c.updated_at)).all()
        assert len(before) == 1
        loader.load(conn, ["khatlon-clash"])
        stats = update_incidents(conn, ["khatlon-clash"])
        assert stats["created"] == 1 and stats["joined"] == 0
        loader.load(conn, KUNDUZ[2:])
        stats = update_incidents(conn, KUNDUZ[2:])
        assert stats == {"events": 2, "joined": 2, "created": 0, "merged": 0, "pruned": 0}
        assert conn.execute(select(func.count()).select_from(incidents)).scalar_one() == 2


def test_reextraction_and_catch_up_keep_clusters_consistent(clustered) -> None:
    with clustered.begin() as conn:
        inc = incident_of_event(conn, "kunduz-frontier-e0")
        # re-extraction that finds no event any more: the report leaves its incident
        save_extraction(conn, Extraction(doc_id="kunduz-frontier"))
        update_incidents(conn, ["kunduz-frontier"])
        shown = get_incident(conn, inc)  # show-incident summarises the live members
        assert shown["report_count"] == 3 and "Frontier Daily" not in shown["sources"]
        listed = next(i for i in find_incidents(conn) if i["id"] == inc)  # and so do listings
        assert listed["report_count"] == 3 and listed["figures"]["fatalities"]["max"] == 15
        # events never clustered (an ingest that did not call update) are picked up by the catch-up
        conn.execute(delete(incident_events))
        conn.execute(delete(incidents))
        stats = cluster_pending(conn)
        assert stats["events"] == 7
        assert cluster_pending(conn)["events"] == 0
        assert len({incident_of_event(conn, f"{d}-e0") for d in KUNDUZ[:3]}) == 1


def test_bridging_report_merges_incidents_and_thresholds_come_from_config(engine, tmp_path) -> None:
    strict = tmp_path / "strict.yaml"
    strict.write_text("incidents:\n  threshold: 0.99\n", encoding="utf-8")
    cfg = load_config(strict)
    with engine.begin() as conn:
        ids = loader.load(conn, KUNDUZ)
        update_incidents(conn, ids, cfg)
        # nothing reaches 0.99 except the near-identical wire copy... which scores 0.94: all apart
        assert conn.execute(select(func.count()).select_from(incidents)).scalar_one() == 4
        stats = rebuild_incidents(conn)  # default threshold: one incident again
        assert stats["created"] == 1
        assert conn.execute(select(func.count()).select_from(incidents)).scalar_one() == 1


def test_denied_events_are_not_merged(engine) -> None:
    spec = next(s for s in loader.specs() if s["id"] == "kunduz-asiawire")
    doc, ext, _ = loader.build(spec)
    ext.events[0].status = "denied"
    with engine.begin() as conn:
        loader.load(conn, ["kunduz-observer"])
        from khabar.store.documents import insert_document

        insert_document(conn, doc)
        save_extraction(conn, ext)
        stats = update_incidents(conn, ["kunduz-observer", doc.id])
    assert stats["events"] == 1


def test_cluster_pending_for_new_documents_touches_only_unclustered_events(engine) -> None:
    spec = next(s for s in loader.specs() if s["id"] == "kunduz-frontier")
    doc, ext, _ = loader.build(spec)
    ext.events[0].status = "denied"  # never clustered: must not be picked up again and again
    with engine.begin() as conn:
        loader.load(conn, KUNDUZ[:2])
        assert cluster_pending(conn, doc_ids=KUNDUZ[:2])["events"] == 2
        before = dict(conn.execute(select(incidents.c.id, incidents.c.updated_at)).all())
        from khabar.store.documents import insert_document

        insert_document(conn, doc)
        save_extraction(conn, ext)
        loader.load(conn, ["khatlon-clash"])
        stats = cluster_pending(conn, doc_ids=[doc.id, "khatlon-clash", KUNDUZ[0]])
        assert stats == {"events": 1, "joined": 0, "created": 1, "merged": 0, "pruned": 0}
        after = dict(conn.execute(select(incidents.c.id, incidents.c.updated_at)).all())
        assert {k: after[k] for k in before} == before  # the Kunduz incident was not rewritten
        assert cluster_pending(conn)["events"] == 0  # the denied report stays out, and is not "pending"


def test_find_incidents_filters_through_member_reports(clustered) -> None:
    with clustered.connect() as conn:
        def where(**kw) -> list[str]:  # noqa: ANN003
            return sorted(i["location"]["name"] for i in find_incidents(conn, **kw))

        assert where() == ["Kabul", "Kabul", "Khatlon", "Kunduz"]
        assert where(min_sources=2) == ["Kabul", "Kunduz"]
        assert where(country="tj") == ["Khatlon"] and where(type="fight") == ["Khatlon"]
        assert where(actor="ISKP") == ["Kabul", "Khatlon", "Kunduz"]  # id, case-insensitive
        assert where(actor="unidentified gunmen") == ["Kabul"]  # an unresolved name
        assert where(since="2026-10-10", until="2026-10-12") == ["Kabul", "Kabul"]
        assert where(until="2026-10") == ["Kabul", "Kabul", "Khatlon", "Kunduz"]  # a partial date: whole month
        first = find_incidents(conn)[0]
        assert first["location"]["name"] == "Khatlon" and "reports" not in first  # newest first, no detail
