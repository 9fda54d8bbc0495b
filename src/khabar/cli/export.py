"""`khabar export`: the store's records in the formats analysts' tools read (JSONL, ACLED CSV, GeoJSON,
STIX 2.1, PLOVER JSON, Parquet), with the same filters as `khabar events`."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import click

from khabar.cli.base import cli, err_console, fail
from khabar.export.select import Filters

FORMATS = ("jsonl", "acled-csv", "geojson", "stix", "plover", "parquet")


@contextmanager
def _text_output(path: str | None):  # noqa: ANN202 - context manager of TextIO
    """stdout, or a file written under a temporary name and renamed when complete (no half files)."""
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _run(fmt: str, conn: Any, out: TextIO, f: Filters, opts: dict[str, Any]) -> str:
    """Write one text format; returns the summary line."""
    if fmt == "jsonl":
        from khabar.export.jsonl import write_jsonl

        n = write_jsonl(conn, out, f, with_text=opts["with_text"])
        return f"{n} documents"
    if fmt == "acled-csv":
        from khabar.export.acled import write_acled_csv

        n, skipped = write_acled_csv(conn, out, f)
        return f"{n} events ({skipped} without an ACLED event type or not reported as occurred left out)"
    if fmt == "geojson":
        from khabar.export.geojson import write_geojson

        n, missing = write_geojson(conn, out, f)
        return f"{n} events ({missing} without coordinates left out)"
    if fmt == "stix":
        from khabar.export.stix import write_stix

        counts = write_stix(conn, out, f, tlp=opts["tlp"], with_text=opts["with_text"])
        return ", ".join(f"{v} {k}" for k, v in counts.items())
    if fmt == "plover":
        from khabar.export.plover import write_plover

        n = write_plover(conn, out, f, with_text=opts["with_text"])
        return f"{n} events"
    raise click.UsageError(f"unknown format {fmt}")


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="Output format.")
@click.option("-o", "--output", "output", default=None, metavar="FILE|DIR",
              help="Output file (a directory for parquet); stdout when omitted.")
@click.option("--with-text", is_flag=True, help="Include document full text (jsonl, stix, plover, parquet).")
@click.option("--actor", default=None, help="Actor id, name or alias (actor of the event).")
@click.option("--type", "type_", default=None, help="Event type(s), comma-separated (PLOVER, e.g. ASSAULT).")
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 country code(s) of the event place.")
@click.option("--since", default=None, help="Events dated on/after this ISO date (partial allowed).")
@click.option("--until", default=None, help="Events dated on/before this ISO date (partial allowed).")
@click.option("--doc", multiple=True, help="Document id or prefix (repeatable).")
@click.option("--tlp", type=click.Choice(["clear", "green", "amber", "red"]), default=None,
              help="STIX: mark every object with this TLP level.")
@click.pass_obj
def export_cmd(state, fmt: str, output: str | None, with_text: bool, actor: str | None, type_: str | None,  # noqa: ANN001
               country: str | None, since: str | None, until: str | None, doc: tuple[str, ...],
               tlp: str | None) -> None:
    """Export documents, events and claims for other tools.

    \b
    Examples:
      khabar export --format jsonl --with-text -o backup.jsonl   # restorable with khabar import
      khabar export --format acled-csv --country AF -o af.csv
      khabar export --format geojson --type ASSAULT > assaults.geojson
      khabar export --format stix --tlp amber -o bundle.json
      khabar export --format parquet -o tables/
    """
    f = Filters(actor=actor, type=type_, country=country, since=since, until=until, doc=tuple(doc))
    report: Callable[[str], None] = lambda s: err_console.print(s, soft_wrap=True, highlight=False)  # noqa: E731
    try:
        with state.engine().connect() as conn:
            if fmt == "parquet":
                if not output:
                    fail("parquet needs -o DIR (it writes one file per table)")
                from khabar.export.parquet import write_parquet

                counts = write_parquet(conn, Path(output), f, with_text=with_text)
                report(f"exported to {output}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
                return
            with _text_output(output) as out:
                summary = _run(fmt, conn, out, f, {"with_text": with_text, "tlp": tlp})
    except ValueError as exc:
        fail(str(exc))
    report(f"exported {summary}" + (f" to {output}" if output else ""))
