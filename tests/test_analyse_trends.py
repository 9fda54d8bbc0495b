"""Weekly/daily counts and unusual rises (Poisson tail against each series' own history)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from khabar.analyse.config import load_config
from khabar.analyse.trends import poisson_tail, rises, trends
from khabar.model import DateValue, Document, Event, Extraction, Location, Ref, Span
from khabar.store.documents import insert_document
from khabar.store.records import save_extraction

MONDAY = date(2026, 1, 5)


def _store(engine, weekly: dict[str, list[int]]) -> None:  # noqa: ANN001
    """Per actor, a list of weekly event counts starting MONDAY; events spread over the week's days."""
    with engine.begin() as conn:
        n = 0
        for actor, counts in weekly.items():
            for week, count in enumerate(counts):
                for j in range(count):
                    n += 1
                    day = MONDAY + timedelta(days=7 * week + j % 7)
                    text = f"Report {n}: {actor} fighters attacked a post in Khatlon on {day.isoformat()}."
                    doc = Document(id=f"d{n:05d}", text=text, source="Trend Wire", published=day.isoformat())
                    insert_document(conn, doc)
                    ev = Event(id=f"e{n:05d}", type="ASSAULT" if actor == "iskp" else "FIGHT",
                               evidence=Span(text, 0, len(text)), actor=Ref(actor, actor.upper()),
                               location=Location("Khatlon", country="TJ", admin1="Khatlon", lat=37.9, lon=69.3),
                               date=DateValue(day.isoformat(), day.isoformat(), "day"))
                    save_extraction(conn, Extraction(doc_id=doc.id, events=[ev]))


def test_poisson_tail_known_values() -> None:
    assert poisson_tail(0, 2.0) == 1.0
    assert poisson_tail(1, 2.0) == pytest.approx(1 - 0.1353352832, rel=1e-9)
    assert poisson_tail(9, 1.0) == pytest.approx(1.1252e-6, rel=1e-3)
    assert poisson_tail(3, 0.0) == 0.0


def test_rise_is_flagged_against_own_history_with_min_count(engine) -> None:
    _store(engine, {
        "iskp": [1, 0, 1, 1, 0, 1, 1, 0, 9],  # quiet, then 9 in week 9: a rise
        "jamaat": [4, 5, 3, 4, 5, 4, 3, 4, 6],  # always busy: 6 is not unusual
        "lone": [0, 0, 0, 0, 0, 0, 0, 0, 2],  # 2 after silence: below min_count
    })
    with engine.connect() as conn:
        series = trends(conn, by="actor")
        flagged = rises(series)
    assert [(r["key"], r["period"], r["count"]) for r in flagged] == [("iskp", "2026-03-02", 9)]
    assert flagged[0]["baseline"] == pytest.approx(5 / 8) and flagged[0]["p_value"] < 0.01
    by_key = {s["key"]: s for s in series}
    assert by_key["jamaat"]["total"] == 38 and [p["count"] for p in by_key["lone"]["periods"]][-1] == 2
    assert by_key["iskp"]["periods"][0]["p_value"] is None  # not enough history to test


def test_other_groupings_daily_and_config(engine, tmp_path) -> None:
    _store(engine, {"iskp": [1, 0, 1, 1, 0, 1, 1, 0, 9], "jamaat": [2] * 9})
    with engine.connect() as conn:
        assert {s["key"]: s["total"] for s in trends(conn, by="type")} == {"ASSAULT": 14, "FIGHT": 18}
        assert [s["key"] for s in trends(conn, by="admin1")] == ["TJ/Khatlon"]
        daily = trends(conn, by="country", daily=True)
        assert daily[0]["period"] == "day" and len(daily[0]["periods"]) == 8 * 7 + 7
        strict = tmp_path / "strict.yaml"
        strict.write_text("trends:\n  min_count: 10\n", encoding="utf-8")
        assert rises(trends(conn, by="actor", cfg=load_config(strict))) == []
        with pytest.raises(ValueError, match="--by"):
            trends(conn, by="colour")
