"""The analysis commands, run through click on a real SQLite store filled from tests/fixtures/analyse."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from khabar.cli.base import cli
from khabar.cli.main import load_commands
from khabar.store import db as store_db

_spec = importlib.util.spec_from_file_location(
    "analyse_loader", Path(__file__).parent / "fixtures" / "analyse" / "loader.py"
)
loader = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(loader)
RULES = Path(__file__).parent / "fixtures" / "analyse" / "rules.yaml"
COMMANDS = ("incidents", "show-incident", "contradictions", "trends", "reliability", "alerts", "cluster")

load_commands()


@pytest.fixture
def store(tmp_path):  # noqa: ANN201
    """A SQLite file holding every fixture report, not clustered yet."""
    path = tmp_path / "khabar.db"
    with store_db.open_store(str(path)).begin() as conn:
        loader.load(conn)
    yield str(path)
    store_db.close_all()


def run(db: str, *args: str, ok: bool = True):  # noqa: ANN201 - click Result
    result = CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


def as_json(db: str, *args: str):  # noqa: ANN201
    return json.loads(run(db, *args, "--json").stdout)


@pytest.fixture
def clustered(store):  # noqa: ANN201
    run(store, "cluster")
    return store


def test_every_command_has_help_with_an_example() -> None:
    for name in COMMANDS:
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert "Example:" in result.output and f"khabar {name}" in result.output
        assert "--config" in result.output


def test_cluster_then_incidents_with_filters(store) -> None:
    assert as_json(store, "incidents") == []  # nothing merged before clustering
    stats = as_json(store, "cluster")
    assert stats["events"] == 8 and stats["incidents"] == 4
    assert as_json(store, "cluster")["events"] == 0  # nothing pending the second time
    multi = as_json(store, "incidents", "--min-sources", "2")
    assert sorted((i["location"]["name"], i["independent_sources"], i["document_count"]) for i in multi) == [
        ("Kabul", 2, 2), ("Kunduz", 3, 4)]
    kunduz = next(i for i in multi if i["location"]["name"] == "Kunduz")
    fat = kunduz["figures"]["fatalities"]
    assert (fat["consensus"], fat["min"], fat["max"]) == (14, 12, 15)
    assert kunduz["first_reported"] == "2026-10-09T11:30:00+00:00"
    assert [i["location"]["country"] for i in as_json(store, "incidents", "--country", "tj")] == ["TJ"]
    assert {i["type"] for i in as_json(store, "incidents", "--type", "fight")} == {"FIGHT"}
    assert len(as_json(store, "incidents", "--actor", "iskp")) == 3
    dated = as_json(store, "incidents", "--since", "2026-10-10", "--until", "2026-10-12")
    assert sorted(i["location"]["name"] for i in dated) == ["Kabul", "Kabul"]
    assert [i["location"]["name"] for i in as_json(store, "incidents", "--until", "2026-10-09")] == ["Kunduz"]
    text = run(store, "incidents").stdout
    assert "fatalities 14 (12-15)" in text and "sources 3 (4 docs)" in text


def test_show_incident_lists_every_report_with_evidence(clustered) -> None:
    kunduz = next(i for i in as_json(clustered, "incidents", "--min-sources", "3"))
    shown = as_json(clustered, "show-incident", kunduz["id"][:10])  # a unique prefix is enough
    assert [r["source"] for r in shown["reports"]] == [
        "Kabul Observer", "Asia Wire", "Regional Times", "Frontier Daily"]
    assert all(r["evidence"]["text"] for r in shown["reports"])
    text = run(clustered, "show-incident", kunduz["id"]).stdout
    assert "consensus 14, range 12-15" in text
    assert "has risen to 14" in text and "killing 12 worshippers" in text and "merged at 0." in text
    missing = run(clustered, "show-incident", "inc-doesnotexist", ok=False)
    assert missing.exit_code == 1 and "incident inc-doesnotexist: not found" in missing.stderr


def test_contradictions_with_both_evidence_sentences(store) -> None:
    pairs = as_json(store, "contradictions")
    assert sorted(p["kind"] for p in pairs) == ["denial", "disagreement"]
    denial = next(p for p in pairs if p["kind"] == "denial")
    assert denial["a"]["speaker"] == "Anatoly Sidorov" and denial["b"]["speaker"] == "Amir Khan Muttaqi"
    with_agreements = as_json(store, "contradictions", "--agreements", "--subject", "ISIS-K")
    assert sorted(p["kind"] for p in with_agreements) == ["agreement", "denial", "disagreement"]
    assert as_json(store, "contradictions", "--subject", "nobody-at-all") == []
    text = run(store, "contradictions").stdout
    assert "[assert]" in text and "[deny]" in text  # markup-escaped, not swallowed
    assert "no more than 1,500 ISIS Khorasan fighters" in text and "reached about 6,500" in text


def test_trends_and_rises_with_config_override(store, tmp_path) -> None:
    series = as_json(store, "trends", "--by", "country")
    assert {s["key"]: s["total"] for s in series} == {"AF": 7, "TJ": 1}
    assert as_json(store, "trends", "--rises-only") == []  # 2 weeks of history: nothing to test against
    cfg = tmp_path / "short.yaml"
    cfg.write_text("trends:\n  baseline_periods: 1\n  p_value: 0.05\n", encoding="utf-8")
    rises = as_json(store, "trends", "--daily", "--rises-only", "--config", str(cfg))
    assert [(r["key"], r["period"], r["count"]) for r in rises] == [("ASSAULT", "2026-10-12", 3)]
    assert "ASSAULT" in run(store, "trends", "--daily", "--rises-only", "--config", str(cfg)).stdout


def test_reliability_grades_from_config(clustered, tmp_path) -> None:
    cfg = tmp_path / "grades.yaml"
    cfg.write_text("reliability:\n  sources:\n    kabul observer: {reliability: B, credibility: 2}\n"
                   "  speakers:\n    taliban-mujahid: {reliability: D, credibility: 4}\n", encoding="utf-8")
    data = as_json(clustered, "reliability", "--config", str(cfg))
    src = {r["source"]: r for r in data["sources"]}
    assert src["Kabul Observer"]["grade"]["code"] == "B2" and src["Kabul Observer"]["grade"]["configured"]
    assert src["Asia Wire"]["grade"]["code"] == "F6" and not src["Asia Wire"]["grade"]["configured"]
    assert src["Asia Wire"]["events_corroborated"] == 2
    assert "B2" in run(clustered, "reliability", "--config", str(cfg)).stdout
    cfg.write_text("reliability:\n  default: {reliability: Z, credibility: 9}\n", encoding="utf-8")
    bad = run(clustered, "reliability", "--config", str(cfg), ok=False)
    assert bad.exit_code == 1 and "grades.yaml" in bad.stderr and "A-F" in bad.stderr


def test_bad_config_file_names_file_and_section(store, tmp_path) -> None:
    cfg = tmp_path / "typo.yaml"
    cfg.write_text("incident:\n  threshold: 0.5\n", encoding="utf-8")
    result = run(store, "cluster", "--config", str(cfg), ok=False)
    assert result.exit_code == 1 and "typo.yaml: unknown section(s) incident" in result.stderr


def test_cluster_rebuild_uses_config_thresholds(clustered, tmp_path) -> None:
    cfg = tmp_path / "strict.yaml"
    cfg.write_text("incidents:\n  threshold: 0.99\n", encoding="utf-8")
    assert as_json(clustered, "cluster", "--rebuild", "--config", str(cfg))["incidents"] == 8
    assert as_json(clustered, "cluster", "--rebuild")["incidents"] == 4


def test_alerts_twice_report_nothing_twice(store, hook, tmp_path) -> None:
    out = tmp_path / "alerts.jsonl"
    first = as_json(store, "alerts", "--rules", str(RULES), "--out", str(out), "--webhook", hook.url)
    assert len(first) == 8
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [a["key"] for a in lines] == [a["key"] for a in first] == [a["key"] for a in hook.received]
    clash = next(a for a in lines if a["rule"] == "iskp-central-asia")
    assert clash["doc_id"] == "khatlon-clash" and clash["sentence"].startswith("Tajik border guards clashed")
    again = run(store, "alerts", "--rules", str(RULES), "--out", str(out), "--webhook", hook.url)
    assert again.stdout == "" and "no new alerts" in again.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 8 and len(hook.received) == 8


def test_alerts_failed_webhook_exits_nonzero_and_retries(store, hook) -> None:
    hook.status = 503
    failed = run(store, "alerts", "--rules", str(RULES), "--webhook", hook.url, ok=False)
    assert failed.exit_code == 1 and "HTTP 503" in failed.stderr and "0 of 8" in failed.stderr
    assert as_json(store, "alerts", "--rules", str(RULES), "--dry-run")  # still pending, dry run keeps them
    hook.status = 200
    text = run(store, "alerts", "--rules", str(RULES), "--webhook", hook.url)
    assert "8 new alert(s)" in text.stderr and "Tajik border guards clashed" in text.stdout
    assert len(hook.received) == 8


def test_alerts_bad_rules_file_is_one_clear_line(store, tmp_path) -> None:
    bad = tmp_path / "watch.yaml"
    bad.write_text("rules:\n  - name: r1\n    near: {lat: 36.7}\n", encoding="utf-8")
    result = run(store, "alerts", "--rules", str(bad), ok=False)
    assert result.exit_code == 1
    assert "watch.yaml: rule 'r1': field 'near' needs numbers lat, lon and km" in result.stderr


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):  # noqa: ANN201
    """A store filled by the real extraction pipeline from the bundled sample article (loaded once)."""
    from khabar.extract.pipeline import load_pipeline
    from khabar.model import Document
    from khabar.store.documents import insert_document
    from khabar.store.records import save_extraction

    samples = Path(__file__).parent.parent / "src" / "khabar" / "samples"
    text = (samples / "isis-k-tajik-border.txt").read_text(encoding="utf-8")
    pipe = load_pipeline()
    doc = Document(id="sample-isisk", text=text, source="Sample Outlet", url="https://sample.example/isis-k",
                   published="2024-02-15", title="ISIS-K near the Tajik border", language="en")
    ext = pipe.extract(doc)
    path = tmp_path_factory.mktemp("sample") / "khabar.db"
    with store_db.open_store(str(path)).begin() as conn:
        insert_document(conn, doc)
        save_extraction(conn, ext, version=pipe.version)
    yield str(path), ext
    store_db.close_all()


def test_commands_on_a_store_filled_by_the_real_pipeline(sample_store, tmp_path) -> None:
    db, ext = sample_store
    assert ext.events and ext.claims
    stats = as_json(db, "cluster")
    assert stats["events"] >= 1 and stats["incidents"] >= 1
    listed = as_json(db, "incidents")
    assert sum(i["report_count"] for i in listed) == stats["events"]
    shown = as_json(db, "show-incident", listed[0]["id"])
    text = (Path(__file__).parent.parent / "src" / "khabar" / "samples" / "isis-k-tajik-border.txt").read_text(
        encoding="utf-8")
    for r in shown["reports"]:
        ev = r["evidence"]
        assert text[ev["start"]:ev["end"]] == ev["text"]  # evidence points into the stored article
    # the article's headline conflict: the Taliban minister denies the CSTO's figure
    denials = [p for p in as_json(db, "contradictions", "--subject", "iskp") if p["kind"] == "denial"]
    assert any("Muttaqi" in (p["b"]["speaker"] or "") and "Sidorov" in (p["a"]["speaker"] or "") for p in denials)
    rules = tmp_path / "watch.yaml"
    rules.write_text("rules:\n  - name: iskp-anywhere\n    actors: [iskp]\n", encoding="utf-8")
    first = as_json(db, "alerts", "--rules", str(rules))
    assert first and all(a["sentence"] and a["doc_id"] == "sample-isisk" for a in first)
    assert as_json(db, "alerts", "--rules", str(rules)) == []
