"""Per-source and per-speaker reliability counts, and configured Admiralty grades."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from khabar.analyse.config import load_config
from khabar.analyse.incidents import update_incidents
from khabar.analyse.reliability import grade_for, grade_for_speaker, reliability_table

_spec = importlib.util.spec_from_file_location(
    "analyse_loader", Path(__file__).parent / "fixtures" / "analyse" / "loader.py"
)
loader = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(loader)


@pytest.fixture
def cfg(tmp_path):  # noqa: ANN201
    p = tmp_path / "grades.yaml"
    p.write_text(
        "reliability:\n"
        "  sources:\n"
        "    kabul observer: {reliability: B, credibility: 2}\n"
        "    asiawire.example: {reliability: A, credibility: 1}\n"
        "  speakers:\n"
        "    muttaqi: {reliability: D, credibility: 4}\n",
        encoding="utf-8",
    )
    return load_config(p)


def test_grades_from_config_by_name_host_and_default(cfg) -> None:
    assert grade_for("Kabul Observer", cfg=cfg)["code"] == "B2"
    assert grade_for("Asia Wire", "https://www.asiawire.example/x", cfg=cfg)["code"] == "A1"
    unknown = grade_for("Nobody News", cfg=cfg)
    assert unknown["code"] == "F6" and unknown["configured"] is False
    assert grade_for_speaker("muttaqi", cfg=cfg)["meaning"] == "not usually reliable; doubtful"


def test_bad_grade_is_refused(tmp_path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("reliability:\n  sources:\n    X: {reliability: G, credibility: 9}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="G9"):
        grade_for("X", cfg=load_config(p))


def test_table_counts_contradicted_and_corroborated(engine, cfg) -> None:
    with engine.begin() as conn:
        ids = loader.load(conn)
        update_incidents(conn, ids, cfg)
        table = reliability_table(conn, cfg)
    speakers = {r["speaker"]: r for r in table["speakers"]}
    sidorov = speakers["Anatoly Sidorov"]
    assert (sidorov["claims"], sidorov["denied"], sidorov["disagreed"], sidorov["corroborated"]) == (2, 1, 1, 1)
    assert sidorov["contradicted"] == 2
    assert speakers["Ramazon Rahimzoda"]["corroborated"] == 1
    assert speakers["Amir Khan Muttaqi"]["grade"]["code"] == "D4"
    sources = {r["source"]: r for r in table["sources"]}
    observer = sources["Kabul Observer"]
    assert observer["grade"]["code"] == "B2" and observer["documents"] == 3
    # Kunduz (3 independent sources) and the minibus (2) are corroborated; Mujahid's claim disagreed
    assert (observer["events"], observer["events_corroborated"], observer["disagreed"]) == (2, 2, 1)
    assert sources["Frontier Daily"]["events_corroborated"] == 1  # the checkpoint attack stands alone
    assert sources["Asia Wire"]["grade"]["code"] == "A1"


def test_add_grades_carries_grades_into_the_canonical_record(engine, cfg) -> None:
    from khabar.analyse.reliability import add_grades
    from khabar.store.records import build_record

    with engine.begin() as conn:
        loader.load(conn, ["taliban-denial", "kunduz-asiawire"])
        denial = add_grades(build_record(conn, "taliban-denial"), cfg)
        wire = add_grades(build_record(conn, "kunduz-asiawire"), cfg)
    assert denial["reliability"]["code"] == "F6" and not denial["reliability"]["configured"]
    graded = [c["speaker"]["reliability"]["code"] for c in denial["claims"] if c["speaker"]]
    assert graded and set(graded) == {"D4"}  # the configured speaker, matched by id
    assert wire["reliability"]["code"] == "A1"  # by the URL's host
