"""`khabar ingest` as a user runs it: exit codes, summary, error lines, stdin, JSON counts."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from click.testing import CliRunner

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
