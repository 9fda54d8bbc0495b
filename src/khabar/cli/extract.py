"""`khabar extract`: (re)run extraction over stored documents, e.g. after the knowledge base changed.

Documents stream from the store a chunk at a time and each result is committed on its own, so a crash or
Ctrl-C loses at most the document in hand, and a document is never left half old, half new
(save_extraction replaces its previous extraction in one transaction). A document the pipeline fails on is
reported in one line and the run goes on; the exit status says whether anything failed.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.engine import Engine

from khabar.cli.base import cli, console, err_console, fail, print_json
from khabar.model import Document
from khabar.store.documents import get_document, row_to_document
from khabar.store.records import save_extraction
from khabar.store.schema import documents

_CHUNK = 200

try:  # the scale engine reports documents it could not extract after yielding all the others
    from khabar.scale.engine import ExtractionFailed
except ImportError:  # pragma: no cover - older engine without per-document failure reports

    class ExtractionFailed(Exception):  # type: ignore[no-redef]
        failures: list[tuple[str, str]] = []


def pipeline_version(kb_paths: Sequence[str], place_paths: Sequence[str]) -> str:
    """The version the pipeline would stamp, computed from code and data without loading spaCy."""
    from khabar.extract.pipeline import _version  # the pipeline's own rule, defined once

    return _version(tuple(kb_paths), tuple(place_paths))


def select_ids(engine: Engine, *, doc_ids: Sequence[str], everything: bool, version: str) -> tuple[list[str], list[str]]:
    """(document ids to extract, the --doc values that name no document)."""
    unknown: list[str] = []
    with engine.connect() as conn:
        if doc_ids:
            ids: list[str] = []
            for value in doc_ids:
                doc = get_document(conn, value)
                if doc is None:
                    unknown.append(value)
                elif doc.id not in ids:
                    ids.append(doc.id)
            return ids, unknown
        q = select(documents.c.id).order_by(documents.c.ingested_at, documents.c.id)
        if not everything:
            q = q.where(documents.c.extract_version.is_(None) | (documents.c.extract_version != version))
        return list(conn.execute(q).scalars()), unknown


def load_documents(engine: Engine, ids: Sequence[str], sent: deque[str], gone: list[str]) -> Iterator[Document]:
    """Stored documents in `ids` order, read a chunk at a time; each id is noted in `sent` when handed
    out, or in `gone` when the document was deleted since it was selected."""
    for i in range(0, len(ids), _CHUNK):
        chunk = list(ids[i : i + _CHUNK])
        with engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(select(documents).where(documents.c.id.in_(chunk)))}
        for doc_id in chunk:
            if doc_id in rows:
                sent.append(doc_id)
                yield row_to_document(rows[doc_id])
            else:
                gone.append(doc_id)


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


def run_extraction(
    engine: Engine,
    ids: Sequence[str],
    *,
    version: str,
    kb_paths: Sequence[str] = (),
    place_paths: Sequence[str] = (),
    workers: int = 1,
    batch_size: int = 32,
    on_done: Any = None,
    on_error: Any = None,
) -> tuple[int, list[tuple[str, str]]]:
    """Extract and store `ids`; returns (stored count, [(doc_id, reason)]). Callbacks get doc ids."""
    from khabar.scale.engine import extract_stream

    sent: deque[str] = deque()
    gone: list[str] = []
    failures: list[tuple[str, str]] = []
    stored = 0

    def failed(doc_id: str, reason: str) -> None:
        failures.append((doc_id, reason))
        if on_error:
            on_error(doc_id, reason)

    stream = extract_stream(load_documents(engine, ids, sent, gone), workers=workers, kb_paths=kb_paths,
                            place_paths=place_paths, batch_size=batch_size)
    try:
        for ext in stream:
            while sent and sent[0] != ext.doc_id:  # skipped by the engine: reported below if failed
                sent.popleft()
            if sent:
                sent.popleft()
            try:
                with engine.begin() as conn:
                    save_extraction(conn, ext, version)
            except Exception as exc:  # noqa: BLE001 - one document's bad result must not stop the run
                failed(ext.doc_id, f"could not store: {_one_line(exc)}")
                continue
            stored += 1
            if on_done:
                on_done(ext.doc_id)
    except ExtractionFailed as exc:
        for doc_id, reason in exc.failures:
            failed(doc_id, reason)
    except Exception as exc:  # noqa: BLE001 - an engine without per-document recovery stopped here
        reason = _one_line(exc)
        failed(sent[0] if sent else "?", reason)
        done = {d for d, _ in failures}
        for doc_id in ids[ids.index(sent[0]) + 1 if sent and sent[0] in ids else len(ids):]:
            if doc_id not in done:
                failed(doc_id, "not extracted: the run stopped at an earlier error")
    for doc_id in gone:
        failed(doc_id, "deleted from the store while extraction ran")
    return stored, failures


@cli.command()
@click.option("--doc", "doc_ids", multiple=True, metavar="ID", help="This document (id or unique prefix; repeatable).")
@click.option("--all", "everything", is_flag=True, help="Every stored document.")
@click.option("--stale", is_flag=True,
              help="Documents not extracted by the current pipeline version (the default).")
@click.option("--kb", "kb_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra actor knowledge base YAML (repeatable).")
@click.option("--places", "place_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra places YAML (repeatable).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(0),
              help="Processes to use; 0 = one per CPU.")
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(1))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary (counts, failures) for scripting.")
@click.pass_obj
def extract(state, doc_ids, everything, stale, kb_paths, place_paths, workers, batch_size, as_json) -> None:  # noqa: ANN001
    """(Re)run extraction over stored documents, e.g. after the knowledge base changed.

    \b
    Examples:
      khabar extract                         # what the current pipeline has not done yet
      khabar extract --all --kb my_actors.yaml --workers 0
      khabar extract --doc 3f2a9c
    """
    if sum(bool(x) for x in (doc_ids, everything, stale)) > 1:
        fail("use only one of --doc, --all, --stale")
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
        progress = Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=err_console, transient=True, disable=as_json or not err_console.is_terminal)
        with progress:
            task = progress.add_task("extract", total=len(ids))

            def on_error(doc_id: str, reason: str) -> None:
                progress.console.print(Text(f"error: document {doc_id}: {reason}", style="red"))
                progress.advance(task)

            stored, failed = run_extraction(
                engine, ids, version=version, kb_paths=kb_paths, place_paths=place_paths, workers=workers,
                batch_size=batch_size, on_done=lambda _d: progress.advance(task), on_error=on_error,
            )
        failures += failed
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
