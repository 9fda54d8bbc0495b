"""The `khabar` command group and what its commands share: the store option, JSON output, errors.

Each command lives in its own module of khabar.cli and attaches itself to `cli` with @cli.command();
khabar.cli.main imports every module of the package, so adding a command never edits a shared file.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console

from khabar import __version__

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


class State:
    """Per-invocation settings every command can read (ctx.obj)."""

    def __init__(self, db: str | None) -> None:
        self.db = db

    def engine(self):  # noqa: ANN201 - sqlalchemy Engine
        from khabar.store.db import open_store

        return open_store(self.db)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    envvar="KHABAR_DB",
    default=None,
    metavar="PATH|URL",
    help="Store: a SQLite file (default ./khabar.db) or postgresql://user@host/dbname. Env: KHABAR_DB.",
)
@click.version_option(__version__, prog_name="khabar")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """khabar: news about conflict and security -> a source-attributed knowledge base, offline.

    \b
    Typical session:
      khabar demo                          # ingest and extract the bundled samples
      khabar ingest articles/ feed.xml     # load files, folders, feeds, JSONL, WARC
      khabar events --actor iskp --json    # what happened, who did it, where, when
      khabar serve                         # map, timeline and evidence in the browser
    """
    ctx.obj = State(db)


def json_option(f):  # noqa: ANN001, ANN201 - click decorator
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (one array) for scripting.")(f)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(message: str, code: int = 1) -> None:
    """One clear line on stderr and a non-zero exit."""
    err_console.print(f"[red]error:[/red] {message}", markup=True, soft_wrap=True)
    raise SystemExit(code)
