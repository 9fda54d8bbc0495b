"""`khabar ingest PATH_OR_URL...`: load files, folders, feeds, JSONL, WARC, URLs or stdin into the store."""

from __future__ import annotations

import sys

import click

from khabar.cli.base import cli, console, err_console, fail, print_json
from khabar.ingest.items import DEFAULT_MAX_BYTES, Options
from khabar.ingest.runner import ExtractOptions, Runner


@cli.command()
@click.argument("targets", nargs=-1, required=True, metavar="PATH_OR_URL...")
@click.option("--follow", is_flag=True, help="For feeds: fetch each entry's linked page and store its main text.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse files, downloads and WARC records larger than this (decompressed).")
@click.option("--encoding", default=None, metavar="NAME",
              help="Text encoding of the inputs (default: UTF-8, BOMs honoured), e.g. cp1251.")
@click.option("--timeout", type=float, default=20.0, show_default=True, help="HTTP timeout in seconds.")
@click.option("--retries", type=click.IntRange(min=0), default=2, show_default=True,
              help="HTTP retries on network errors and 429/5xx, with exponential back-off.")
@click.option("--no-extract", is_flag=True, help="Only store documents; extract later.")
@click.option("--workers", type=click.IntRange(min=0), default=1, show_default=True,
              help="Extraction worker processes (0 = one per CPU; with --engine dask and no --scheduler, the "
                   "size of the local cluster started for the run).")
@click.option("--engine", "engine_name", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Extraction engine: local processes, or a dask.distributed cluster.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler, e.g. tcp://HOST:8786 (with --engine dask); its dashboard link is printed.")
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True,
              help="Documents per extraction task and per store transaction.")
@click.option("--kb", "kb_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra actor knowledge-base YAML file (repeatable).")
@click.option("--places", "place_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra gazetteer file (repeatable).")
@click.option("--no-progress", is_flag=True, help="No progress bar (it is hidden anyway when not a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's counts as JSON.")
@click.pass_obj
def ingest(state, targets: tuple[str, ...], follow: bool, max_bytes: int, encoding: str | None, timeout: float,
           retries: int, no_extract: bool, workers: int, engine_name: str, scheduler: str | None,
           batch_size: int, kb_paths: tuple[str, ...], place_paths: tuple[str, ...], no_progress: bool,
           as_json: bool) -> None:  # noqa: ANN001
    """Load articles into the store: files, folders (recursively), RSS/Atom feeds, JSONL, WARC, URLs, `-`.

    Each document is stored once (by normalized content); the same text from another outlet adds a
    source, a near-identical copy is stored and linked. Bad items get one line each; the run goes on and
    exits non-zero when anything failed. New documents are then extracted unless --no-extract.

    \b
    Examples:
      khabar ingest articles/ saved-feed.xml crawl.warc.gz
      khabar ingest https://example.org/rss.xml --follow     # re-poll: only what changed
      cat items.jsonl | khabar ingest - --no-extract
      khabar ingest crawl/ --engine dask --scheduler tcp://10.0.0.5:8786
    """
    if scheduler and engine_name != "dask":
        fail("--scheduler needs --engine dask")
    opts = Options(max_bytes=max_bytes, encoding=encoding, follow=follow, timeout=timeout, retries=retries)
    extract = ExtractOptions(enabled=not no_extract, engine=engine_name, workers=workers, scheduler=scheduler,
                             batch_size=batch_size, kb_paths=kb_paths, place_paths=place_paths)
    runner = Runner(state.engine(), opts, extract, err=err_console, progress=not no_progress)
    counts = runner.run(targets, stdin=sys.stdin.buffer if "-" in targets else None)
    if as_json:
        print_json({k: v for k, v in vars(counts).items() if k != "doc_ids"})
    else:
        console.print(counts.summary(), soft_wrap=True)
    if counts.interrupted:
        raise SystemExit(130)
    if not counts.ok:
        raise SystemExit(1)
