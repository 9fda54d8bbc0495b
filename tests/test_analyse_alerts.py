"""Watch rules: matching, evidence links, JSON lines, a real webhook on 127.0.0.1, and no repeats."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest

from khabar.analyse.alerts import RuleError, deliver, evaluate, load_rules, sentence_around

_spec = importlib.util.spec_from_file_location(
    "analyse_loader", Path(__file__).parent / "fixtures" / "analyse" / "loader.py"
)
loader = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(loader)
RULES = Path(__file__).parent / "fixtures" / "analyse" / "rules.yaml"


@pytest.fixture
def stored(engine):  # noqa: ANN201
    with engine.begin() as conn:
        loader.load(conn)
    return engine


def test_rules_match_actor_country_type_and_radius(stored) -> None:
    with stored.connect() as conn:
        alerts = evaluate(conn, load_rules(RULES))
    by_rule: dict[str, list[str]] = {}
    for a in alerts:
        by_rule.setdefault(a["rule"], []).append(a.get("event_id") or a["mention"]["text"])
    assert by_rule["iskp-central-asia"] == ["khatlon-clash-e0"]  # ISKP in TJ; Kunduz is AF
    assert sorted(by_rule["near-kunduz"]) == sorted(
        f"{d}-e0" for d in ("kunduz-observer", "kunduz-asiawire", "kunduz-regional-copy", "kunduz-frontier")
    )
    assert sorted(by_rule["afghan-tajik-border-mentions"]) == ["Afghan-Tajik border"] * 3  # three documents
    clash = next(a for a in alerts if a["rule"] == "iskp-central-asia")
    assert clash["doc_id"] == "khatlon-clash" and clash["source"] == "Dushanbe Herald"
    assert clash["sentence"].startswith("Tajik border guards clashed") and clash["sentence"].endswith("killed.")
    assert next(a for a in alerts if a["rule"] == "near-kunduz")["distance_km"] < 5


def test_alerts_fire_once_jsonl_and_webhook(stored, hook, tmp_path) -> None:
    rules = load_rules(RULES)
    out = tmp_path / "alerts.jsonl"
    with stored.begin() as conn:
        first = evaluate(conn, rules)
        with out.open("a", encoding="utf-8") as fh:
            done, error = deliver(conn, first, out=fh, webhook=hook.url)
    assert error is None and done == len(first) == 8
    assert [json.loads(line)["key"] for line in out.read_text().splitlines()] == [a["key"] for a in first]
    assert [a["key"] for a in hook.received] == [a["key"] for a in first]
    assert hook.received[0]["evidence"]["text"] and hook.received[0]["doc_id"]
    with stored.begin() as conn:
        assert evaluate(conn, rules) == []  # the second run reports nothing twice


def test_failed_webhook_is_retried_next_run(stored, hook) -> None:
    rules = load_rules(RULES)
    hook.status = 500
    with stored.begin() as conn:
        done, error = deliver(conn, evaluate(conn, rules), webhook=hook.url)
    assert done == 0 and "HTTP 500" in error
    hook.status = 200
    with stored.begin() as conn:
        pending = evaluate(conn, rules)
        assert len(pending) == 8
        assert deliver(conn, pending, webhook=hook.url) == (8, None)


def test_new_data_alerts_only_new(engine) -> None:
    rules = load_rules(RULES)
    with engine.begin() as conn:
        loader.load(conn, ["kunduz-observer"])
        deliver(conn, evaluate(conn, rules), out=io.StringIO())
        loader.load(conn, ["kunduz-asiawire"])
        new = evaluate(conn, rules)
    assert [(a["rule"], a["event_id"]) for a in new] == [("near-kunduz", "kunduz-asiawire-e0")]


def test_bad_rules_name_file_rule_and_field(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - name: r1\n    near: {lat: 95, lon: 10, km: 5}\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"bad.yaml: rule 'r1': field 'near' out of range"):
        load_rules(bad)
    bad.write_text("rules:\n  - name: r1\n    actor: [iskp]\n", encoding="utf-8")
    with pytest.raises(RuleError, match="unknown field"):
        load_rules(bad)
    bad.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(RuleError, match="not valid YAML"):
        load_rules(bad)


def test_sentence_around() -> None:
    text = "First one. The attack killed 3. Later, more."
    assert sentence_around(text, 15, 21) == "The attack killed 3."
