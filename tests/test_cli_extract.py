"""`khabar extract` over a real SQLite store with the real pipeline (loaded in the CLI process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from khabar.cli.base import cli
from khabar.cli.main import load_commands
from khabar.model import Document
from khabar.store.documents import insert_document
from khabar.store.records import build_record
from khabar.store.schema import documents

load_commands()

GOMA = ("Fighters of the Red Valley Front attacked a police post in Nakuru on Monday, killing two officers, "
        "police said.")
NEWS = "The Pakistan Army said on Tuesday that militants attacked a checkpoint in Peshawar, killing three soldiers."


@pytest.fixture
def store(engine, samples_dir: Path):  # noqa: ANN001, ANN201
    sample = (samples_dir / "isis-k-tajik-border.txt").read_text(encoding="utf-8")
    with engine.begin() as conn:
        insert_document(conn, Document("a" * 40, sample, title="ISIS-K on the Tajik border", language="en"))
        insert_document(conn, Document("b" * 40, GOMA, published="2024-03-05", language="en"))
        insert_document(conn, Document("c" * 40, NEWS, published="2024-05-01", language="en"))
    return engine


def run(db_url: str, *args: str):  # noqa: ANN201
    return CliRunner().invoke(cli, ["--db", db_url, "extract", *args], catch_exceptions=False)


def summary(result) -> dict:  # noqa: ANN001
    return json.loads(result.stdout)


def versions(engine) -> dict[str, str | None]:  # noqa: ANN001
    with engine.connect() as conn:
        return dict(conn.execute(select(documents.c.id, documents.c.extract_version)).all())


def test_stale_by_default_then_nothing_left(store, db_url: str) -> None:  # noqa: ANN001
    res = run(db_url, "--json")
    assert res.exit_code == 0, res.output
    s = summary(res)
    assert s["selected"] == 3 and s["extracted"] == 3 and s["failed"] == 0
    assert set(versions(store).values()) == {s["version"]}
    with store.connect() as conn:
        rec = build_record(conn, "a" * 40)
    assert rec["events"] and rec["claims"]
    assert any(c["stance"] == "deny" for c in rec["claims"])
    again = summary(run(db_url, "--json"))
    assert again["selected"] == 0 and again["extracted"] == 0
    res = run(db_url)
    assert res.exit_code == 0 and "nothing to extract" in res.output


def test_doc_prefix_all_and_kb_change(store, db_url: str, fixtures_dir: Path) -> None:  # noqa: ANN001
    s = summary(run(db_url, "--doc", "bbbbbb", "--json"))
    assert s["selected"] == 1 and s["extracted"] == 1
    assert versions(store)["a" * 40] is None  # only the named document
    s = summary(run(db_url, "--all", "--json"))
    assert s["extracted"] == 3
    kb = fixtures_dir / "cli" / "extra_actors.yaml"
    before = s["version"]
    # a changed knowledge base makes every document stale, and the new actor is found
    s = summary(run(db_url, "--stale", "--kb", str(kb), "--json"))
    assert s["version"] != before and s["extracted"] == 3
    with store.connect() as conn:
        rec = build_record(conn, "b" * 40)
    assert "red-valley-front" in {a["id"] for a in rec["actors"]}


def test_bad_document_is_one_line_and_the_rest_is_stored(store, db_url: str) -> None:  # noqa: ANN001
    huge = "word " * 230_000  # longer than spaCy's max_length: the pipeline refuses this one document
    with store.begin() as conn:
        insert_document(conn, Document("f" * 40, huge, language="en"))
    res = run(db_url, "--batch-size", "1")
    assert res.exit_code != 0
    lines = [ln for ln in res.stderr.splitlines() if "ffffffff" in ln]
    assert lines and all(ln.startswith("error: document") for ln in lines)
    assert "1 document(s) not extracted" in res.stderr
    v = versions(store)
    assert v["f" * 40] is None and all(v[x * 40] for x in "abc")


def test_unknown_doc_and_conflicting_options(store, db_url: str) -> None:  # noqa: ANN001
    res = run(db_url, "--doc", "nosuchdoc", "--doc", "cccc")
    assert res.exit_code != 0 and "--doc nosuchdoc: no such document" in res.stderr
    assert versions(store)["c" * 40] is not None
    res = run(db_url, "--all", "--stale")
    assert res.exit_code != 0 and "only one of" in res.stderr
    res = run(db_url, "--kb", "/nonexistent.yaml")
    assert res.exit_code != 0


def test_interrupted_run_then_rerun_does_only_the_rest(store, db_url: str, monkeypatch) -> None:  # noqa: ANN001
    """Ctrl-C after two documents: both are stored whole, and the plain re-run extracts the third only."""
    import khabar.cli.extract as cli_extract

    real = cli_extract.bar_reporter

    def ctrl_c_after_two(bar, task):  # noqa: ANN001, ANN202
        report = real(bar, task)

        def wrapped(p) -> None:  # noqa: ANN001
            report(p)
            if p.done >= 2:
                raise KeyboardInterrupt

        return wrapped

    monkeypatch.setattr(cli_extract, "bar_reporter", ctrl_c_after_two)
    res = run(db_url, "--batch-size", "1")
    assert res.exit_code == 130 and "interrupted: 2 of 3 document(s) extracted" in res.stderr
    assert sum(v is not None for v in versions(store).values()) == 2
    monkeypatch.setattr(cli_extract, "bar_reporter", real)
    s = summary(run(db_url, "--json"))
    assert (s["selected"], s["extracted"], s["failed"]) == (1, 1, 0)
    assert set(versions(store).values()) == {s["version"]}


def test_scheduler_needs_dask_engine(store, db_url: str) -> None:  # noqa: ANN001
    res = run(db_url, "--scheduler", "tcp://127.0.0.1:1")
    assert res.exit_code != 0 and "--scheduler needs --engine dask" in res.stderr
    assert set(versions(store).values()) == {None}
