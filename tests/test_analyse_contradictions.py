"""Denials, disagreeing figures and agreements between speakers, each with both evidence sentences."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from khabar.analyse.config import load_config
from khabar.analyse.contradictions import find_contradictions

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


def _pairs(items):  # noqa: ANN001, ANN202
    return [(p["kind"], p["a"]["speaker"], p["a"]["value"], p["b"]["speaker"], p["b"]["value"]) for p in items]


def test_denial_disagreement_and_agreement(stored) -> None:
    with stored.connect() as conn:
        found = find_contradictions(conn)
    assert _pairs(found) == [
        ("denial", "Anatoly Sidorov", 4000, "Amir Khan Muttaqi", 4000),
        ("agreement", "Anatoly Sidorov", 4000, "Ramazon Rahimzoda", 4000),
        ("disagreement", "Anatoly Sidorov", 6500, "Zabihullah Mujahid", 1500),
    ]
    denial = found[0]
    assert denial["a"]["evidence"] == "about 4,000 terrorists had moved near the Afghan-Tajik border"
    assert denial["b"]["evidence"].startswith("Taliban Foreign Minister Amir Khan Muttaqi denied")
    assert denial["a"]["source"] == "Central Asia Monitor" and denial["b"]["source"] == "Afghan Voice"
    assert found[2]["difference"] == pytest.approx(0.769, abs=0.001)


def test_tolerance_and_window_from_config(stored, tmp_path) -> None:
    loose = tmp_path / "loose.yaml"
    loose.write_text("contradictions:\n  tolerance: 0.9\nclaims:\n  compare_window_days: 365\n", encoding="utf-8")
    short = tmp_path / "short.yaml"
    short.write_text("claims:\n  compare_window_days: 10\n", encoding="utf-8")
    with stored.connect() as conn:
        assert [p["kind"] for p in find_contradictions(conn, cfg=load_config(loose))] == ["denial", "agreement"]
        # Sidorov (16 Feb) and Mujahid (10 Mar) are 22 days apart: not compared with a 10-day window
        assert [p["kind"] for p in find_contradictions(conn, cfg=load_config(short))] == ["denial", "agreement"]


def test_wire_copy_does_not_double_pairs(engine) -> None:
    spec = next(s for s in loader.specs() if s["id"] == "tajik-minister")
    copy = dict(spec, id="tajik-minister-copy", source="Asia Wire", near=["tajik-minister", 0.95],
                text=spec["text"] + " The minister spoke in Dushanbe.")
    from khabar.store.documents import insert_document
    from khabar.store.records import save_extraction

    with engine.begin() as conn:
        loader.load(conn, ["csto-briefing", "tajik-minister"])
        doc, ext, near = loader.build(copy)
        insert_document(conn, doc, near=near)
        save_extraction(conn, ext)
        kinds = [p["kind"] for p in find_contradictions(conn)]
    assert kinds == ["agreement"]  # Sidorov vs Rahimzoda once; Rahimzoda vs his own copy never
