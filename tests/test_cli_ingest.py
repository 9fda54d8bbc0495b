"""`khabar ingest` as a user runs it: exit codes, summary, error lines, stdin, JSON counts."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from khabar.cli.base import cli
from khabar.cli.main import load_commands

load_commands()


def run(db_url: str, *args: str, input: bytes | None = None):  # noqa: A002, ANN201
    return CliRunner().invoke(cli, ["--db", db_url, "ingest", "--no-progress", *args], input=input,
                              catch_exceptions=False)


def test_ingest_samples_then_again(db_url: str, samples_dir: Path) -> None:
    first = run(db_url, str(samples_dir), "--no-extract")
    assert first.exit_code == 0, first.output
    assert "11 new (1 linked to near-duplicates), 0 duplicate, 0 failed" in first.stdout
    again = run(db_url, str(samples_dir), "--no-extract", "--json")
    data = json.loads(again.stdout)
    assert again.exit_code == 0 and (data["new"], data["duplicate"], data["failed"]) == (0, 11, 0)


def _closed_port_url() -> str:
    with socket.socket() as s:  # bound, then closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"


def test_bad_inputs_exit_non_zero_with_one_line_each(db_url: str, fixtures_dir: Path) -> None:
    bad = fixtures_dir / "ingest" / "bad"
    url = _closed_port_url()
    result = run(db_url, str(bad / "billion-laughs.xml"), str(bad / "latin1.txt"),
                 str(fixtures_dir / "ingest" / "html"), url, "--retries", "0", "--no-extract")
    assert result.exit_code == 1
    err = result.stderr
    assert "billion-laughs.xml: hostile XML refused" in err
    assert "latin1.txt: not valid UTF-8" in err
    assert f"{url}: unreachable" in err
    assert "1 new, 0 duplicate, 3 failed" in result.stdout


def test_stdin_and_encoding_option(db_url: str, fixtures_dir: Path) -> None:
    data = (fixtures_dir / "ingest" / "bad" / "latin1.txt").read_bytes()
    result = run(db_url, "-", "--encoding", "latin-1", "--no-extract", input=data)
    assert result.exit_code == 0 and "1 new" in result.stdout


def test_max_bytes_cap(db_url: str, samples_dir: Path) -> None:
    result = run(db_url, str(samples_dir / "isis-k-tajik-border.txt"), "--max-bytes", "1000", "--no-extract")
    assert result.exit_code == 1 and "oversized" in result.stderr


def test_help_has_examples() -> None:
    out = CliRunner().invoke(cli, ["ingest", "--help"]).output
    assert "Examples:" in out and "khabar ingest articles/" in out and "--follow" in out


def test_scheduler_needs_dask_engine(db_url: str, samples_dir: Path) -> None:
    result = run(db_url, str(samples_dir), "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 1 and "--scheduler needs --engine dask" in result.stderr


def _without_times(value):  # noqa: ANN001, ANN202 - JSON in, JSON out
    """A record minus what legitimately differs between two runs: when things happened, how long."""
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items()
                if not (k.endswith("_at") or k in {"seconds", "elapsed", "timings", "ms"})}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def _store_records(url: str) -> dict[str, str]:
    from khabar.store import db as store_db
    from khabar.store.records import build_record
    from khabar.store.schema import documents

    engine = store_db.open_store(url)
    with engine.connect() as conn:
        ids = list(conn.execute(select(documents.c.id).order_by(documents.c.id)).scalars())
        return {i: json.dumps(_without_times(build_record(conn, i)), sort_keys=True) for i in ids}


@pytest.mark.slow
def test_dask_cluster_gives_the_same_records_as_local(tmp_path: Path, samples_dir: Path) -> None:
    """`khabar ingest --engine dask --scheduler tcp://...` against a 2-worker LocalCluster on 127.0.0.1
    stores the same records as `--engine local`, prints the cluster and its dashboard link, and reports
    every document extracted; a cluster whose workers run other code is refused with one clear line."""
    distributed = pytest.importorskip("distributed")
    local_url, dask_url = f"sqlite:///{tmp_path / 'local.db'}", f"sqlite:///{tmp_path / 'dask.db'}"
    local = run(local_url, str(samples_dir), "--engine", "local", "--json")
    assert local.exit_code == 0, local.output
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0") as cluster:
        remote = run(dask_url, str(samples_dir), "--engine", "dask", "--scheduler", cluster.scheduler_address,
                     "--batch-size", "2", "--json")

        def other_code() -> None:  # what a worker with another khabar installed would compute
            import khabar.extract.pipeline as p

            p.pipeline_version = lambda *a: "khabar-0.0.0+elsewhere"

        with distributed.Client(cluster) as client:
            client.run(other_code)
        odd_url = f"sqlite:///{tmp_path / 'odd.db'}"
        odd = run(odd_url, str(samples_dir / "wire-stories.jsonl"), "--engine", "dask", "--scheduler",
                  cluster.scheduler_address)
    assert remote.exit_code == 0, remote.output
    counts = json.loads(remote.stdout)
    assert counts["extracted"] == counts["new"] == json.loads(local.stdout)["extracted"] > 5
    assert f"dask: 2 worker(s) at {cluster.scheduler_address}; dashboard: http://127.0.0.1:" in remote.stderr
    want = _store_records(local_url)
    assert any('"events": [{' in r for r in want.values())  # real extractions, not empty records
    assert _store_records(dask_url) == want
    # a cluster running other code is refused before any result is stored under this machine's version
    assert odd.exit_code == 1 and "Dask workers differ from this machine's pipeline" in odd.stderr
    assert "3 documents stored without extraction" in odd.stderr
    again = run(dask_url, str(samples_dir), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1", "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["extracted"] == 0  # nothing left: no cluster used
