"""The scorer on hand-made gold/predicted records with known counts, and one real run on tests/gold/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from khabar.cli.base import cli
from khabar.cli.main import load_commands
from khabar.evaluate import (
    Score,
    _gold_doc,
    load_gold,
    same_date,
    same_place,
    same_quantity,
    score,
    unit_key,
)

load_commands()
GOLD = Path(__file__).parent / "gold" / "gold.jsonl"
TEXT = "Rebels attacked a police post in Nakuru on Monday. Police arrested two men in Eldoret. The governor said 5 people died."


def span(phrase: str) -> dict:
    start = TEXT.index(phrase)
    return {"text": phrase, "start": start, "end": start + len(phrase)}


SENT1, SENT2, SENT3 = (span(s) for s in (
    "Rebels attacked a police post in Nakuru on Monday.", "Police arrested two men in Eldoret.",
    "The governor said 5 people died."))

GOLD_REC = {
    "id": "d1", "text": TEXT,
    "actors": [{"id": "rvf", "name": "Red Valley Front"}, {"id": "ke", "name": "Kenya"},
               {"name": "Jane Doe", "optional": True}],
    "events": [
        {"type": "ASSAULT", "evidence": {"text": "attacked a police post"}, "actor": {"id": "rvf", "name": "Red Valley Front"},
         "target": {"name": "police"}, "location": {"name": "Nakuru", "country": "KE"},
         "date": {"start": "2024-03-04", "end": "2024-03-04"}},
        {"type": "COERCE", "evidence": {"text": "arrested two men"}, "actor": {"name": "police"},
         "location": {"name": "Eldoret", "country": "KE"}, "arrested": 2},
    ],
    "claims": [{"evidence": {"text": "5 people died"}, "speaker": {"name": "the governor"}, "stance": "assert",
                "quantity": {"value": 5, "unit": "people", "approximate": False}}],
}

PRED_REC = {
    "id": "d1",
    "actors": [{"id": "rvf", "name": "RVF"}, {"id": "ke", "name": "Kenya"}, {"id": "x", "name": "Nobody"}],
    "events": [
        {"type": "ASSAULT", "status": "occurred", "actor": {"id": "rvf", "name": "Rebels"},
         "target": {"id": None, "name": "a police post"}, "location": {"name": "Nakuru", "country": "KE"},
         "date": {"start": "2024-03-04", "end": "2024-03-04", "precision": "day"}, "evidence": SENT1},
        {"type": "ASSAULT", "status": "occurred", "actor": {"id": None, "name": "Police"}, "target": None,
         "location": {"name": "Eldoret", "country": "KE"}, "date": None, "evidence": SENT2},
    ],
    "claims": [
        {"speaker": {"id": None, "name": "Governor"}, "stance": "assert",
         "quantity": {"value": 5.0, "unit": "people", "approximate": False}, "evidence": SENT3},
        {"speaker": {"id": None, "name": "police"}, "stance": "assert",
         "quantity": {"value": 2.0, "unit": "men", "approximate": False}, "evidence": SENT2},
    ],
}


def counts(s: dict) -> tuple[int, int, int]:
    return s["tp"], s["pred"], s["gold"]


def test_score_arithmetic() -> None:
    s = Score(tp=9, pred=17, gold=13)
    assert s.precision == pytest.approx(9 / 17) and s.recall == pytest.approx(9 / 13)
    assert s.f1 == pytest.approx(18 / 30)
    assert Score().f1 == 1.0  # nothing to find and nothing claimed: vacuously perfect
    assert Score(tp=0, pred=3, gold=0).precision == 0.0


def test_known_counts_per_field() -> None:
    gold = _gold_doc(json.loads(json.dumps(GOLD_REC)), Path("."), "test")
    r = score([gold], {"d1": PRED_REC}).to_dict()
    assert counts(r["actors"]) == (2, 3, 2)  # the optional Jane Doe is neither found nor missed
    ev = r["events"]["fields"]
    assert counts(ev["type"]) == (1, 2, 2)  # the arrest predicted as ASSAULT matches no gold COERCE
    assert counts(ev["actor"]) == (1, 2, 2)
    assert counts(ev["target"]) == (0, 1, 1)  # "a police post" is not "police"
    assert counts(ev["location"]) == (1, 2, 2)
    assert counts(ev["date"]) == (1, 1, 1)
    assert counts(ev["status"]) == (0, 1, 0)  # not annotated on the matched pair; the spurious one counts
    assert counts(ev["arrested"]) == (0, 0, 1)
    assert counts(r["events"]["overall"]) == (4, 8, 8)
    cl = r["claims"]["fields"]
    assert counts(cl["claim"]) == counts(cl["speaker"]) == counts(cl["quantity"]) == (1, 2, 1)
    assert counts(r["claims"]["overall"]) == (3, 6, 3)
    assert counts(r["overall"]) == (9, 17, 13)
    assert r["overall"]["f1"] == pytest.approx(0.6)
    assert r["per_document"] == [{"id": "d1", "actors": 0.8, "events": 0.5, "claims": pytest.approx(0.6667, abs=1e-4),
                                  "overall": 0.6}]
    kinds = {(e["area"], next(k for k in ("missed", "spurious", "field") if k in e)) for e in r["errors"]}
    assert ("events", "missed") in kinds and ("actors", "spurious") in kinds and ("events", "field") in kinds


def test_perfect_prediction_scores_one_and_a_wrong_one_does_not() -> None:
    gold = _gold_doc(json.loads(json.dumps(GOLD_REC)), Path("."), "test")
    perfect = {
        "actors": [{"id": "rvf", "name": "x"}, {"id": "ke", "name": "Kenya"}],
        "events": [
            {**PRED_REC["events"][0], "target": {"id": None, "name": "Police"}},
            {"type": "COERCE", "actor": {"id": None, "name": "police"}, "location": {"name": "Eldoret", "country": "KE"},
             "arrested": 2, "evidence": SENT2},
        ],
        "claims": [PRED_REC["claims"][0]],
    }
    r = score([gold], {"d1": perfect}).to_dict()
    assert r["overall"]["f1"] == 1.0 and not r["errors"]
    wrong = json.loads(json.dumps(perfect))
    wrong["claims"][0]["stance"] = "deny"
    wrong["events"][1]["location"]["country"] = "UG"
    r = score([gold], {"d1": wrong}).to_dict()
    assert r["claims"]["fields"]["stance"]["f1"] == 0.0 and r["events"]["fields"]["location"]["tp"] == 1
    assert score([gold], {}).to_dict()["overall"]["recall"] == 0.0  # no prediction at all


def test_claims_in_one_sentence_pair_by_quantity() -> None:
    text = "Officials said 100 fighters were in the north and 200 in the south."
    whole = {"text": text, "start": 0, "end": len(text)}
    gold = _gold_doc({"id": "d", "text": text, "claims": [
        {"evidence": {"text": "100 fighters"}, "stance": "assert", "quantity": {"value": 100, "unit": "fighters"}},
        {"evidence": {"text": "200 in the south"}, "stance": "assert", "quantity": {"value": 200}},
    ]}, Path("."), "t")
    pred = {"claims": [
        {"stance": "assert", "quantity": {"value": 200.0, "unit": None}, "evidence": whole},
        {"stance": "assert", "quantity": {"value": 100.0, "unit": "militants", "approximate": False}, "evidence": whole},
    ]}
    r = score([gold], {"d": pred}).to_dict()
    assert counts(r["claims"]["fields"]["quantity"]) == (2, 2, 2)


def test_field_comparisons() -> None:
    assert same_date({"start": "2023-02"}, {"start": "2023-02-11", "end": "2023-02-20"})
    assert not same_date({"start": "2023-02-15", "end": "2023-02-15"}, {"start": "2023-02", "end": "2023-02"})
    assert same_date({"start": "2021-08", "end": "2023-02"}, {"start": "2023-02-01", "end": "2023-02-28"})
    assert not same_date({"start": "2023-02-15"}, None)
    assert same_place({"name": "Karte Naw", "country": "AF"}, {"name": "Karte Naw area", "country": "AF"})
    assert not same_place({"name": "Kabul", "country": "AF"}, {"name": "Kabul", "country": "PK"})
    assert same_place({"name": "Boni", "lat": 15.05, "lon": -1.82}, {"name": "Boni village", "lat": 15.1, "lon": -1.8})
    assert not same_place({"name": "Boni", "lat": 15.05, "lon": -1.82}, {"name": "Mopti", "lat": 14.46, "lon": -4.2})
    units: dict[str, str] = {"fighters": "fighters", "terrorists": "fighters", "armed men": "fighters"}
    assert unit_key("armed men", units) == unit_key("terrorists", units)
    assert unit_key("soldiers", units) == unit_key("soldier", units) and unit_key("people", units) == "person"
    g = {"value": 4000, "unit": "armed men", "approximate": False}
    assert same_quantity(g, {"value": 4000.0, "unit": "armed man", "approximate": False}, units)
    assert not same_quantity(g, {"value": 4000.0, "unit": "armed men", "approximate": True}, units)
    assert not same_quantity(g, {"value": 6500.0, "unit": "armed men", "approximate": False}, units)


def test_bad_gold_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join([
        json.dumps(GOLD_REC),
        "{not json",
        json.dumps({"id": "x", "text": "Short text.", "events": [{"type": "ASSAULT", "evidence": {"text": "absent"}}]}),
        json.dumps({"id": "y", "path": "missing.txt"}),
    ]) + "\n", encoding="utf-8")
    docs, errors = load_gold(gold)
    assert [d["id"] for d in docs] == ["d1"]
    assert len(errors) == 3 and all(str(gold) in e for e in errors)
    assert any(":2: not JSON" in e for e in errors) and any("'absent' is not in the document" in e for e in errors)
    preds = tmp_path / "pred.jsonl"
    preds.write_text(json.dumps(PRED_REC) + "\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["eval", str(gold), "--predictions", str(preds), "--json"])
    assert res.exit_code != 0 and "3 unusable line(s)" in res.stderr
    assert json.loads(res.stdout)["overall"]["f1"] == pytest.approx(0.6)


@pytest.mark.slow
def test_end_to_end_on_the_gold_set() -> None:
    """Runs the real pipeline on tests/gold/ and reports the numbers (pytest -s shows them)."""
    res = CliRunner().invoke(cli, ["eval", str(GOLD), "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    print("\nkhabar eval tests/gold/gold.jsonl:", {k: r[k]["f1"] if k == "actors" else r[k]["overall"]["f1"]
                                                  for k in ("actors", "events", "claims")}, "overall", r["overall"])
    assert r["documents"] == 4
    assert r["overall"]["f1"] >= 0.6 and r["claims"]["fields"]["speaker"]["f1"] >= 0.6
    # the gold set's own sample article: the denial of the CSTO figure is a denial
    denial = [e for e in r["errors"] if e.get("evidence") == "denied what he described as" and e.get("field") == "stance"]
    assert not denial
    res = CliRunner().invoke(cli, ["eval", str(GOLD), "--min-f1", "0.99"])
    assert res.exit_code != 0 and "below --min-f1" in res.stderr
