"""Whole runs against a real store: dedup across outlets, idempotent re-runs, interruptions, hooks."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from khabar.ingest import runner as runner_mod
from khabar.ingest.items import Options
from khabar.ingest.runner import ExtractOptions, Runner
from khabar.store.documents import near_duplicates_of, sources_of
from khabar.store.schema import doc_bands, document_sources, documents, near_duplicates


def _run(engine, *targets: str, **kw):
    return Runner(engine, Options(), kw.pop("extract", None), progress=False, **kw).run(list(targets))


def _table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (documents, document_sources, doc_bands, near_duplicates)}


def test_wire_story_in_three_outlets(engine, fixtures_dir: Path) -> None:
    counts = _run(engine, str(fixtures_dir / "ingest" / "jsonl" / "wire-copies.jsonl"))
    # identical text from CAPA and Steppe Wire: one document, two sources; the Frontier Herald rewrite is
    # a near-duplicate: its own document, linked both ways
    assert (counts.new, counts.duplicate, counts.near, counts.failed) == (3, 1, 1, 0)
    with engine.connect() as conn:
        wire_id, copy_id = counts.new_ids[0], counts.new_ids[1]
        assert [s["source"] for s in sources_of(conn, wire_id)] == ["Central Asia Press Agency", "Steppe Wire"]
        near = near_duplicates_of(conn, copy_id)
        assert [n["id"] for n in near] == [wire_id] and near[0]["source"] == "Central Asia Press Agency"
        assert [n["id"] for n in near_duplicates_of(conn, wire_id)] == [copy_id]
        group = conn.execute(select(documents.c.near_dup_group).where(documents.c.id == copy_id)).scalar()
        assert group == wire_id
        assert near_duplicates_of(conn, counts.new_ids[2]) == []  # the passports story is unrelated


def test_every_sample_format_and_idempotent_rerun(engine, samples_dir: Path) -> None:
    first = _run(engine, str(samples_dir))
    assert first.failed == 0 and first.new == 11 and first.near == 1
    before = _table_counts(engine)
    second = _run(engine, str(samples_dir))
    assert (second.new, second.duplicate, second.failed) == (0, 11, 0)
    assert _table_counts(engine) == before  # re-ingesting adds nothing, not even a source row


def test_bad_items_fail_alone_and_are_named(engine, fixtures_dir: Path, capsys) -> None:
    from rich.console import Console

    err = Console(stderr=True, width=300, highlight=False)
    counts = Runner(engine, Options(), progress=False, err=err).run(
        [str(fixtures_dir / "ingest" / "bad"), str(fixtures_dir / "ingest" / "html")])
    assert counts.new == 2 and counts.failed >= 11 and not counts.ok
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == counts.failed
    assert all(line.startswith("failed: ") and ": " in line[8:] for line in lines)
    assert any("billion-laughs.xml: hostile XML refused" in line for line in lines)


def test_exception_mid_document_leaves_no_half_written_doc(engine, samples_dir: Path, monkeypatch) -> None:
    real = runner_mod.insert_document
    calls = {"n": 0}

    def crashing(conn, doc, **kw):
        calls["n"] += 1
        stored = real(conn, doc, **kw)  # the rows are written inside the transaction ...
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")  # ... and the failure after them must roll all back
        return stored

    monkeypatch.setattr(runner_mod, "insert_document", crashing)
    counts = _run(engine, str(samples_dir / "wire-stories.jsonl"), str(samples_dir / "steppe-wire-security.rss"))
    assert (counts.new, counts.failed) == (5, 1)
    with engine.connect() as conn:
        ids = {r.id for r in conn.execute(select(documents.c.id))}
        assert len(ids) == 5
        for table in (document_sources, doc_bands):
            assert {r.doc_id for r in conn.execute(select(table.c.doc_id))} <= ids
        if engine.dialect.name == "sqlite":
            fts = {r[0] for r in conn.execute(text("SELECT doc_id FROM documents_fts"))}
            assert fts == ids
    monkeypatch.undo()
    retry = _run(engine, str(samples_dir / "wire-stories.jsonl"), str(samples_dir / "steppe-wire-security.rss"))
    assert (retry.new, retry.duplicate, retry.failed) == (1, 5, 0)


def test_ctrl_c_stops_cleanly(engine, samples_dir: Path, monkeypatch) -> None:
    real = runner_mod.store_document
    calls = {"n": 0}

    def interrupted(conn, doc):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(conn, doc)

    monkeypatch.setattr(runner_mod, "store_document", interrupted)
    counts = _run(engine, str(samples_dir))
    assert counts.interrupted and counts.new == 3 and not counts.ok
    assert "INTERRUPTED" in counts.summary()
    assert _table_counts(engine)["documents"] == 3


@pytest.mark.slow
def test_killed_process_keeps_committed_documents(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(300):
        (folder / f"a{i:04d}.txt").write_text(
            f"Report {i}\n\nOfficials in district {i} said on day {i % 28 + 1} that {i * 7} families received "
            f"aid, and that road number {i * 3} would reopen after repairs to bridge {i * 11}.")
    db = tmp_path / "k.db"
    cmd = [sys.executable, "-m", "khabar", "--db", str(db), "ingest", str(folder), "--no-extract", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen, deadline = 0, time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as c:
                    seen = c.execute("SELECT count(*) FROM documents").fetchone()[0]
            except sqlite3.OperationalError:
                seen = 0
            if seen >= 5:
                break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n_docs = c.execute("SELECT count(*) FROM documents").fetchone()[0]
        assert 5 <= n_docs < 300, "the kill came mid-run"
        orphans = c.execute("SELECT count(*) FROM documents d WHERE NOT EXISTS "
                            "(SELECT 1 FROM document_sources s WHERE s.doc_id = d.id) OR NOT EXISTS "
                            "(SELECT 1 FROM doc_bands b WHERE b.doc_id = d.id) OR NOT EXISTS "
                            "(SELECT 1 FROM documents_fts f WHERE f.doc_id = d.id)").fetchone()[0]
        assert orphans == 0
        assert c.execute("SELECT count(*) FROM documents_fts").fetchone()[0] == n_docs
    done = subprocess.run(cmd + ["--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM documents").fetchone()[0] == 300


def test_extraction_failure_is_reported_documents_kept(engine, samples_dir: Path, monkeypatch) -> None:
    import khabar.scale.writer as scale_engine  # the writer's handle on the engine

    def broken(docs, **kw):
        raise RuntimeError("model missing")
        yield  # pragma: no cover

    monkeypatch.setattr(scale_engine, "extract_stream", broken)
    counts = _run(engine, str(samples_dir / "wire-stories.jsonl"), extract=ExtractOptions(enabled=True))
    assert counts.new == 3 and counts.extract_failed == 3 and not counts.ok
    assert _table_counts(engine)["documents"] == 3


def test_cluster_failure_is_a_warning(engine, monkeypatch, capsys) -> None:
    import khabar.analyse.incidents as incidents

    def boom(conn, doc_ids=None):
        raise ValueError("bad config")

    monkeypatch.setattr(incidents, "cluster_pending", boom, raising=False)
    runner = Runner(engine, Options(), ExtractOptions(enabled=True), progress=False)
    counts = runner_mod.Counts()
    runner._cluster(counts)
    assert counts.ok and "warning: incident clustering: ValueError: bad config" in capsys.readouterr().err


def test_rerun_extracts_what_an_earlier_run_stored_but_did_not_extract(engine, samples_dir: Path,
                                                                       monkeypatch) -> None:
    import khabar.scale.writer as scale_engine  # the writer's handle on the engine
    from khabar.model import Extraction

    seen: list[list[str]] = []

    def broken(docs, **kw):
        raise RuntimeError("killed during extraction")
        yield  # pragma: no cover

    def empty(docs, **kw):  # the contract's shape: one Extraction per document, in input order
        batch = [d.id for d in docs]
        seen.append(batch)
        for doc_id in batch:
            yield Extraction(doc_id=doc_id, stages_run=["test"])

    jsonl = str(samples_dir / "wire-stories.jsonl")
    monkeypatch.setattr(scale_engine, "extract_stream", broken)
    assert _run(engine, jsonl, extract=ExtractOptions(enabled=True)).extract_failed == 3
    monkeypatch.setattr(scale_engine, "extract_stream", empty)
    again = _run(engine, jsonl, extract=ExtractOptions(enabled=True))
    assert (again.new, again.duplicate, again.extracted) == (0, 3, 3) and again.ok
    third = _run(engine, jsonl, extract=ExtractOptions(enabled=True))
    assert third.extracted == 0 and len(seen) == 1  # extracted documents are not extracted again
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).where(documents.c.extracted_at.is_(None))).scalar_one() == 0


def test_interrupted_extraction_rerun_completes_only_the_missing_part(engine, samples_dir: Path,
                                                                      monkeypatch) -> None:
    """Real extraction, Ctrl-C after two of three documents (one per transaction): the two stay extracted,
    the re-run of the same ingest extracts the third only."""
    import khabar.scale.writer as writer

    real = writer.extract_stream
    sent: list[list[str]] = []

    def ctrl_c_after_two(docs, **kw):  # noqa: ANN001, ANN202
        for i, ext in enumerate(real(docs, **kw)):
            if i == 2:
                raise KeyboardInterrupt
            yield ext

    def recording(docs, **kw):  # noqa: ANN001, ANN202
        docs = list(docs)
        sent.append([d.id for d in docs])
        return real(docs, **kw)

    jsonl = str(samples_dir / "wire-stories.jsonl")
    monkeypatch.setattr(writer, "extract_stream", ctrl_c_after_two)
    first = _run(engine, jsonl, extract=ExtractOptions(enabled=True, batch_size=1))
    assert first.interrupted and first.new == 3
    with engine.connect() as conn:
        done = set(conn.execute(select(documents.c.id).where(documents.c.extract_version.is_not(None))).scalars())
    assert len(done) == 2
    monkeypatch.setattr(writer, "extract_stream", recording)
    again = _run(engine, jsonl, extract=ExtractOptions(enabled=True, batch_size=1))
    assert again.ok and (again.duplicate, again.extracted) == (3, 1)
    assert len(sent) == 1 and len(sent[0]) == 1 and sent[0][0] not in done


def test_losing_a_race_to_a_concurrent_ingester_counts_as_duplicate(engine, db_url: str, monkeypatch) -> None:
    """Another ingester commits the same text between our existence check and our insert."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's concurrent transactions")
    from khabar.ingest.normalize import make_document
    from khabar.store.db import open_store

    doc = make_document("Border guards repelled an armed group near the river crossing on Monday, officials said.",
                        source="Outlet A", url="https://a.example/1")
    rival = make_document(doc.text, source="Outlet B", url="https://b.example/1")
    real_find_near = runner_mod.find_near

    def rival_commits_first(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        monkeypatch.setattr(runner_mod, "find_near", real_find_near)  # the rival itself runs unhindered
        with open_store(db_url).begin() as other:
            assert runner_mod.store_document(other, rival)[0] == "new"
        return real_find_near(*args, **kwargs)

    monkeypatch.setattr(runner_mod, "find_near", rival_commits_first)
    with engine.begin() as conn:
        outcome, _ = runner_mod.store_document(conn, doc)
    assert outcome == "duplicate"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(documents)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(document_sources)).scalar() == 2
