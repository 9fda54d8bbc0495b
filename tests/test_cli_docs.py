"""`khabar docs` and `khabar show` over a store filled by the real ingester."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from khabar.cli.base import cli
from khabar.cli.main import load_commands
from khabar.ingest.items import Options
from khabar.ingest.runner import Runner

load_commands()


@pytest.fixture
def filled(engine, db_url: str, samples_dir: Path, fixtures_dir: Path) -> str:
    counts = Runner(engine, Options(), progress=False).run(
        [str(samples_dir), str(fixtures_dir / "ingest" / "jsonl" / "wire-copies.jsonl")])
    assert counts.failed == 0
    return db_url


def run(db_url: str, *args: str):  # noqa: ANN201
    result = CliRunner().invoke(cli, ["--db", db_url, *args], catch_exceptions=False)
    return result


def ids(result) -> list[str]:  # noqa: ANN001
    return [r["id"] for r in json.loads(result.stdout)]


def test_docs_filters(filled: str) -> None:
    everything = json.loads(run(filled, "docs", "--json").stdout)
    assert len(everything) == 14
    dates = [d["published"] for d in everything if d["published"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    pamir = json.loads(run(filled, "docs", "--source", "pamir observer", "--json").stdout)
    assert {d["source"] for d in pamir} == {"Pamir Observer"} and len(pamir) == 2
    window = json.loads(run(filled, "docs", "--since", "2023-03-01", "--until", "2023-03-03", "--json").stdout)
    assert sorted(d["published"][:10] for d in window) == ["2023-03-01", "2023-03-02", "2023-03-03"]
    assert len(ids(run(filled, "docs", "--search", "water station", "--json"))) == 2
    assert ids(run(filled, "docs", "--language", "fr", "--json")) == []
    assert len(ids(run(filled, "docs", "--limit", "3", "--json"))) == 3


def test_docs_table(filled: str) -> None:
    out = run(filled, "docs", "--search", "Kunduz").stdout
    assert out.count("28971a4d8017") == 1 and "Steppe Wi" in out  # one row: the Kunduz raid
    assert "Taliban say they killed" in " ".join(out.split()) and "2023-03-03" in out
    assert run(filled, "docs", "--search", "zzzznothing").stdout.strip() == "no documents match"


def test_show_sources_near_duplicates_and_text(filled: str) -> None:
    wire = json.loads(run(filled, "docs", "--search", "water station", "--source",
                          "Central Asia Press Agency", "--json").stdout)[0]
    out = run(filled, "show", wire["id"][:10]).stdout
    assert "sources (2)" in out and "Steppe Wire" in out
    assert "near-duplicates (1)" in out and "Frontier Herald" in out
    assert "Gunmen killed three guards" in out
    record = json.loads(run(filled, "show", wire["id"], "--json").stdout)
    assert record["id"] == wire["id"] and record["text"].startswith("MAZAR-I-SHARIF")
    assert [s["source"] for s in record["sources"]] == ["Central Asia Press Agency", "Steppe Wire"]
    assert record["near_duplicates"][0]["source"] == "Frontier Herald"
    assert record["events"] == [] and record["extraction"] is None  # not extracted yet


def test_show_unknown(filled: str) -> None:
    result = run(filled, "show", "ffffffffff")
    assert result.exit_code == 1 and "no document" in result.stderr


def test_show_marks_extracted_facts(engine, filled: str) -> None:
    from khabar.model import Claim, Entity, Event, Extraction, Ref, Span, Speaker
    from khabar.store.records import save_extraction

    doc = json.loads(run(filled, "docs", "--search", "Kunduz", "--json").stdout)[0]
    record = json.loads(run(filled, "show", doc["id"], "--json").stdout)
    text = record["text"]
    start = text.index("Taliban forces")
    with engine.begin() as conn:
        save_extraction(conn, Extraction(
            doc_id=doc["id"],
            entities=[Entity("Taliban", start, start + 7, "ACTOR", actor_id="taliban")],
            events=[Event("ev1", "ASSAULT", Span(text[start:start + 40], start, start + 40),
                          actor=Ref("taliban", "Taliban"))],
            claims=[Claim("cl1", "said", "assert", "six killed", Span(text[:30], 0, 30),
                          speaker=Speaker(None, "a spokesman"))],
        ), "test")
    out = run(filled, "show", doc["id"]).stdout
    assert "events (1)" in out and "ASSAULT" in out and "actor=Taliban" in out
    assert "claims (1)" in out and "a spokesman said (assert)" in out
