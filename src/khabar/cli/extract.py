"""`khabar extract`: (re)run extraction over stored documents, e.g. after the knowledge base changed.

The work is scale.writer.extract_store, the same writer `khabar ingest` uses: documents stream from the
store a chunk at a time, results are committed a batch per transaction (a crash or Ctrl-C loses at most
the open batch, and save_extraction replaces a document's previous extraction whole), and documents already
extracted with the current version are what a plain re-run skips. A document the pipeline fails on is
reported in one line and the run goes on; the exit status says whether anything failed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import click
from rich.progress import Progress
from rich.text import Text
from sqlalchemy.engine import Engine

from khabar.cli.base import cli, console, err_console, fail, print_json
from khabar.scale.progress import add_extract_task, bar_reporter, extract_columns
from khabar.scale.writer import extract_store, pending_ids
from khabar.store.documents import get_document


def select_ids(engine: Engine, *, doc_ids: Sequence[str], everything: bool, version: str) -> tuple[list[str], list[str]]:
    """(document ids to extract, the --doc values that name no document). Default: the stale ones."""
    if not doc_ids:
        return pending_ids(engine, None if everything else version), []
    unknown: list[str] = []
    ids: list[str] = []
    with engine.connect() as conn:
        for value in doc_ids:
            doc = get_document(conn, value)
            if doc is None:
                unknown.append(value)
            elif doc.id not in ids:
                ids.append(doc.id)
    return ids, unknown


@cli.command()
@click.option("--doc", "doc_ids", multiple=True, metavar="ID", help="This document (id or unique prefix; repeatable).")
@click.option("--all", "everything", is_flag=True, help="Every stored document.")
@click.option("--stale", is_flag=True,
              help="Documents not extracted by the current pipeline version (the default).")
@click.option("--kb", "kb_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra actor knowledge base YAML (repeatable).")
@click.option("--places", "place_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra places YAML (repeatable).")
@click.option("--engine", "engine_name", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: processes on this machine; dask: a dask.distributed cluster (--scheduler).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler, e.g. tcp://HOST:8786 (with --engine dask; default: a local cluster).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(0),
              help="Processes to use; 0 = one per CPU.")
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(1),
              help="Documents per worker task and per store transaction.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary (counts, failures) for scripting.")
@click.pass_obj
def extract(state, doc_ids, everything, stale, kb_paths, place_paths, engine_name, scheduler, workers,  # noqa: ANN001
            batch_size, as_json) -> None:
    """(Re)run extraction over stored documents, e.g. after the knowledge base changed.

    \b
    Examples:
      khabar extract                         # what the current pipeline has not done yet
      khabar extract --all --kb my_actors.yaml --workers 0
      khabar extract --doc 3f2a9c
      khabar extract --engine dask --scheduler tcp://10.0.0.5:8786
    """
    if sum(bool(x) for x in (doc_ids, everything, stale)) > 1:
        fail("use only one of --doc, --all, --stale")
    if scheduler and engine_name != "dask":
        fail("--scheduler needs --engine dask")
    from khabar.extract.pipeline import pipeline_version  # imports spaCy: only when this command runs

    engine = state.engine()
    version = pipeline_version(kb_paths, place_paths)
    ids, unknown = select_ids(engine, doc_ids=doc_ids, everything=everything, version=version)
    failures: list[tuple[str, str]] = []
    for value in unknown:
        err_console.print(Text(f"error: --doc {value}: no such document (or the prefix is not unique)", style="red"))
        failures.append((value, "no such document"))
    started = time.monotonic()
    stored = 0
    if ids:
        with Progress(*extract_columns(), console=err_console, transient=True,
                      disable=as_json or not err_console.is_terminal) as bar:
            task = add_extract_task(bar, len(ids))
            # force: `ids` is already the selection (stale ones, or what --doc/--all asked for)
            try:
                stats = extract_store(engine, ids, force=True, extract_engine=engine_name, workers=workers,
                                      scheduler=scheduler, kb_paths=kb_paths, place_paths=place_paths,
                                      batch_size=batch_size, progress=bar_reporter(bar, task))
            except KeyboardInterrupt:
                left = len(pending_ids(engine, version, ids))
                err_console.print(f"interrupted: {len(ids) - left} of {len(ids)} document(s) extracted and "
                                  "stored whole; run `khabar extract` again to do the rest", soft_wrap=True)
                raise SystemExit(130) from None
        stored = stats.extracted
        for doc_id, reason in stats.failures:
            err_console.print(Text(f"error: document {doc_id}: {reason}", style="red"), soft_wrap=True)
        failures += stats.failures
    elapsed = time.monotonic() - started
    summary = {"version": version, "selected": len(ids), "extracted": stored, "failed": len(failures),
               "failures": [{"doc": d, "reason": r} for d, r in failures], "seconds": round(elapsed, 2)}
    if as_json:
        print_json(summary)
    elif not ids and not failures:
        console.print(Text(f"nothing to extract: every document is up to date with {version}"))
    else:
        rate = f", {stored / elapsed:.1f} docs/s" if elapsed > 0 and stored else ""
        console.print(Text(f"extracted {stored} of {len(ids)} document(s) with {version} in {elapsed:.1f}s{rate}"))
    if failures:
        fail(f"{len(failures)} document(s) not extracted; fix or skip them and run `khabar extract` again")
