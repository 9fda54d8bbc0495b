"""Claims grouped by subject, normalised unit and place, and the timeline of a figure."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from khabar.analyse.claims import group_claims, load_claims, normalise_unit, timeline, unit_table
from khabar.analyse.config import load_config

_spec = importlib.util.spec_from_file_location(
    "analyse_loader", Path(__file__).parent / "fixtures" / "analyse" / "loader.py"
)
loader = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(loader)


@pytest.fixture
def stored(engine):  # noqa: ANN201
    with engine.begin() as conn:
        loader.load(conn)
    return engine


def test_units_normalise_to_one_measure() -> None:
    table = unit_table(load_config())
    assert {normalise_unit(u, table) for u in ("fighters", "Terrorists", "armed  men", "militant",
                                                "ISIS-K fighters")} == {"fighters"}
    assert normalise_unit("tanks", table) == "tanks"
    assert normalise_unit(None, table) is None


def test_user_config_extends_units(tmp_path) -> None:
    extra = tmp_path / "units.yaml"
    extra.write_text("claims:\n  units:\n    fighters: [mujahideen]\n", encoding="utf-8")
    assert normalise_unit("mujahideen", unit_table(load_config(extra))) == "fighters"


def test_timeline_by_alias_in_date_order(stored) -> None:
    with stored.connect() as conn:
        rows = timeline(conn, "ISIS-K")  # an alias of the KB actor iskp
        by_id = timeline(conn, "iskp")
    assert rows == by_id
    assert [(r["date"], r["speaker"], r["stance"], r["value"]) for r in rows] == [
        ("2026-02-16", "Anatoly Sidorov", "assert", 6500),
        ("2026-02-16", "Anatoly Sidorov", "assert", 4000),
        ("2026-02-18", "Amir Khan Muttaqi", "deny", 4000),
        ("2026-02-20", "Ramazon Rahimzoda", "assert", 4000),
        ("2026-03-10", "Zabihullah Mujahid", "assert", 1500),
    ]
    assert {r["unit"] for r in rows} == {"fighters"}
    assert rows[3]["unit_text"] == "militants" and rows[3]["approximate"] is True
    assert rows[3]["source"] == "Dushanbe Herald" and rows[3]["evidence"].startswith("some 4,000 militants")


def test_location_qualifier_separates_measures(stored) -> None:
    with stored.connect() as conn:
        groups = group_claims(load_claims(conn, subject="iskp"))
    assert {k: sorted(c["value"] for c in v) for k, v in groups.items()} == {
        ("iskp", "fighters", "af"): [1500, 6500],
        ("iskp", "fighters", "border-af-tj"): [4000, 4000, 4000],
    }


def test_unit_filter_and_unknown_subject(stored) -> None:
    with stored.connect() as conn:
        assert len(timeline(conn, "iskp", unit="militants")) == 5  # a synonym selects the measure
        assert timeline(conn, "iskp", unit="refugees") == []
        assert timeline(conn, "no such group") == []
