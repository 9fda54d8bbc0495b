"""JSONL export and `khabar import`: canonical records out, the same records back in an empty store."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from export_world import DOC_D, DOC_E, DOC_K, fill
from khabar.cli.base import cli
from khabar.cli.main import load_commands
from khabar.export.importer import import_lines
from khabar.export.jsonl import write_jsonl
from khabar.export.select import Filters
from khabar.store import db as store_db
from khabar.store.records import build_record

load_commands()


def _export(engine, f: Filters = Filters(), with_text: bool = True) -> list[dict]:  # noqa: ANN001, B008
    out = io.StringIO()
    with engine.connect() as conn:
        n = write_jsonl(conn, out, f, with_text=with_text)
    lines = out.getvalue().splitlines()
    assert n == len(lines)
    return [json.loads(line) for line in lines]


def test_one_record_per_document_equal_to_build_record(engine) -> None:  # noqa: ANN001
    fill(engine)
    recs = _export(engine)
    assert [r["id"] for r in recs] == sorted([DOC_K, DOC_D, DOC_E])
    with engine.connect() as conn:
        for r in recs:
            assert r == json.loads(json.dumps(build_record(conn, r["id"], with_text=True)))
    k = next(r for r in recs if r["id"] == DOC_K)
    assert k["text"].startswith("Gunmen attack market")
    ev = next(e for e in k["events"] if e["id"] == "ev-k1")
    assert ev["actor"] == {"id": "iskp", "name": "Islamic State Khorasan Province"}
    assert ev["location"]["lat"] == pytest.approx(36.728965)
    assert ev["date"] == {"start": "2023-03-03", "end": "2023-03-03", "precision": "day"}
    assert ev["fatalities"] == 4 and ev["wounded"] == 12
    assert k["text"][ev["evidence"]["start"]:ev["evidence"]["end"]] == ev["evidence"]["text"]
    denial = next(c for c in k["claims"] if c["id"] == "cl-k2")
    assert denial["stance"] == "deny" and denial["denies_claim"] == "cl-k1"
    e = next(r for r in recs if r["id"] == DOC_E)
    assert e["claims"][0]["content"] == "Таджикистан готов"


def test_without_text_and_filters(engine) -> None:  # noqa: ANN001
    fill(engine)
    assert all("text" not in r for r in _export(engine, with_text=False))
    assert [r["id"] for r in _export(engine, Filters(type="PROTEST"))] == [DOC_D]
    assert [r["id"] for r in _export(engine, Filters(country="af"))] == [DOC_K]
    assert [r["id"] for r in _export(engine, Filters(actor="ISIS-K"))] == [DOC_K]
    # dates overlap as intervals: the March-only event of DOC_K matches "since the 5th" too
    assert [r["id"] for r in _export(engine, Filters(since="2023-03-05"))] == [DOC_D, DOC_K]
    assert [r["id"] for r in _export(engine, Filters(until="2023-03-04"))] == [DOC_K]
    assert [r["id"] for r in _export(engine, Filters(doc=(DOC_E[:6],)))] == [DOC_E]
    assert _export(engine, Filters(type="RETREAT")) == []


def test_round_trip_restores_the_same_records(engine, tmp_path) -> None:  # noqa: ANN001
    fill(engine)
    original = _export(engine)
    other = store_db.open_store(str(tmp_path / "restored.db"))
    res = import_lines(other, [json.dumps(r, ensure_ascii=False) for r in original])
    assert (res.imported, res.errors) == (3, [])
    assert _export(other) == original
    again = import_lines(other, [json.dumps(r) for r in original])
    assert (again.imported, again.skipped_existing) == (0, 3)
    assert import_lines(other, [json.dumps(r) for r in original], replace=True).imported == 3
    assert _export(other) == original


def test_import_reports_bad_lines_and_keeps_the_rest(engine, tmp_path) -> None:  # noqa: ANN001
    fill(engine)
    good = _export(engine)
    no_text = _export(engine, with_text=False)[0]
    broken = dict(good[1], events=[{"id": "x"}])
    lines = ["{not json", json.dumps(no_text), json.dumps(broken), json.dumps(good[0]), "[1, 2]"]
    other = store_db.open_store(str(tmp_path / "partial.db"))
    errors: list[str] = []
    res = import_lines(other, lines, name="in.jsonl", on_error=errors.append)
    assert res.imported == 1
    assert len(res.errors) == 4 and errors == res.errors
    assert errors[0].startswith("in.jsonl:1: JSONDecodeError")
    assert "in.jsonl:2:" in errors[1] and "--with-text" in errors[1]
    assert errors[2].startswith("in.jsonl:3: KeyError")
    with other.connect() as conn:  # the broken record left nothing half-stored
        assert build_record(conn, good[1]["id"]) is None
        assert build_record(conn, good[0]["id"]) is not None


def test_cli_export_and_import(tmp_path) -> None:  # noqa: ANN001
    src = str(tmp_path / "src.db")
    fill(store_db.open_store(src))
    runner = CliRunner()
    out = tmp_path / "dump.jsonl"
    r = runner.invoke(cli, ["--db", src, "export", "--format", "jsonl", "--with-text", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3
    dst = str(tmp_path / "dst.db")
    r = runner.invoke(cli, ["--db", dst, "import", str(out)])
    assert r.exit_code == 0, r.output
    assert "imported 3 documents" in r.output
    r2 = runner.invoke(cli, ["--db", dst, "export", "--format", "jsonl", "--with-text"])
    assert r2.exit_code == 0
    assert r2.stdout == out.read_text(encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("garbage\n", encoding="utf-8")
    r3 = runner.invoke(cli, ["--db", dst, "import", str(bad)])
    assert r3.exit_code != 0


def test_empty_selection_is_an_empty_file(engine, tmp_path) -> None:  # noqa: ANN001
    assert _export(engine) == []
    runner = CliRunner()
    out = tmp_path / "empty.jsonl"
    r = runner.invoke(cli, ["--db", str(tmp_path / "none.db"), "export", "--format", "jsonl", "-o", str(out)])
    assert r.exit_code == 0 and out.read_text() == ""


def test_round_trip_of_a_really_extracted_article(tmp_path) -> None:  # noqa: ANN001
    src = store_db.open_store(str(tmp_path / "extracted.db"))
    fill(src, pipeline=True)
    original = _export(src)
    sample = next(r for r in original if r["id"] == "5" * 40)
    assert sample["events"] and sample["claims"] and sample["entities"]
    dst = store_db.open_store(str(tmp_path / "restored.db"))
    res = import_lines(dst, [json.dumps(r, ensure_ascii=False) for r in original])
    assert (res.imported, res.errors) == (len(original), [])
    assert _export(dst) == original
