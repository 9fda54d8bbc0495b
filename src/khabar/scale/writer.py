"""Extract stored documents and write the results back, so that a crash or a killed worker loses nothing.

Idempotence comes from the store itself: a document whose extract_version equals the current pipeline's
version is done and skipped, so re-running the same command completes only what is missing. Results are
committed a batch at a time (one transaction per batch: readers and a crash see whole documents only, and
the PostgreSQL round trips are per batch, not per row).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from khabar.model import Document, Extraction
from khabar.scale.engine import ExtractionFailed, ProgressFn, extract_stream
from khabar.store.documents import row_to_document
from khabar.store.records import save_extraction, save_extractions
from khabar.store.schema import documents

_ID_CHUNK = 500
GONE = "deleted from the store while extraction ran"



@dataclass
class ExtractStats:
    version: str
    extracted: int = 0
    skipped: int = 0  # already extracted with this version
    failures: list[tuple[str, str]] = field(default_factory=list)


def pending_ids(engine: Engine, version: str | None, ids: Sequence[str] | None = None) -> list[str]:
    """Ids (of `ids`, or of the whole store) not yet extracted with `version` (None: all of them), in the
    given / stored order."""
    with engine.connect() as conn:
        if ids is None:
            q = select(documents.c.id).order_by(documents.c.id)
            if version is not None:
                q = q.where((documents.c.extract_version.is_(None)) | (documents.c.extract_version != version))
            return [r.id for r in conn.execute(q)]
        if version is None:
            return list(ids)
        done: set[str] = set()
        for i in range(0, len(ids), _ID_CHUNK):
            chunk = list(ids[i : i + _ID_CHUNK])
            done.update(r.id for r in conn.execute(
                select(documents.c.id).where(documents.c.id.in_(chunk), documents.c.extract_version == version)
            ))
    return [i for i in ids if i not in done]


def _load(engine: Engine, ids: Sequence[str], gone: list[str]) -> Iterator[Document]:
    """Documents by id, fetched lazily a chunk at a time (a year of news does not fit in memory); ids
    deleted since they were selected go to `gone`."""
    for i in range(0, len(ids), _ID_CHUNK):
        chunk = list(ids[i : i + _ID_CHUNK])
        with engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(select(documents).where(documents.c.id.in_(chunk)))}
        for doc_id in chunk:
            if doc_id in rows:
                yield row_to_document(rows[doc_id])
            else:
                gone.append(doc_id)


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


def write_extractions(engine: Engine, extractions: Iterable[Extraction], version: str,
                      commit_every: int = 32, failures: list[tuple[str, str]] | None = None) -> int:
    """Save extractions, committing every `commit_every` documents; returns how many were saved.

    If the stream raises midway, everything committed so far stays, and so does the open batch: it is
    committed before the error propagates (its documents are complete). A batch the store refuses is
    retried one document per transaction, so one bad result costs only its document (noted in
    `failures`; raised when no list is given)."""
    saved = 0
    batch: list[Extraction] = []

    def flush() -> None:
        nonlocal saved
        if not batch:
            return
        try:
            with engine.begin() as conn:
                save_extractions(conn, batch, version)
            saved += len(batch)
        except Exception:
            if failures is None:
                raise
            for ext in batch:
                try:
                    with engine.begin() as conn:
                        save_extraction(conn, ext, version)
                    saved += 1
                except Exception as exc:  # noqa: BLE001 - reported per document, the run goes on
                    failures.append((ext.doc_id, f"could not store: {_one_line(exc)}"))
        finally:
            batch.clear()

    try:
        for ext in extractions:
            batch.append(ext)
            if len(batch) >= commit_every:
                flush()
    finally:
        flush()
    return saved


def extract_store(
    engine: Engine,
    ids: Sequence[str] | None = None,
    *,
    force: bool = False,
    extract_engine: str = "local",
    workers: int = 1,
    scheduler: Any = None,
    kb_paths: Sequence[str] = (),
    place_paths: Sequence[str] = (),
    batch_size: int = 32,
    progress: ProgressFn | None = None,
) -> ExtractStats:
    """Extract the stored documents `ids` (default: all) that the current pipeline has not done yet.

    force=True re-extracts them all. Documents the pipeline fails on (or the store refuses, or that were
    deleted meanwhile) are listed in stats.failures, the rest are stored; running it again retries only
    those (and anything a crash left undone). `progress` receives the engine's per-batch reports.
    """
    from khabar.extract.pipeline import pipeline_version  # spaCy imports on use, not with the CLI

    version = pipeline_version(kb_paths, place_paths)
    wanted = list(ids) if ids is not None else None
    todo = pending_ids(engine, None if force else version, wanted)
    total = len(wanted) if wanted is not None else None
    stats = ExtractStats(version=version, skipped=(total - len(todo)) if total is not None else 0)
    if not todo:
        return stats
    gone: list[str] = []
    stream = extract_stream(_load(engine, todo, gone), engine=extract_engine, workers=workers, scheduler=scheduler,
                            kb_paths=kb_paths, place_paths=place_paths, batch_size=batch_size,
                            progress=progress)
    counted = _Count(stream)
    try:
        stats.extracted = write_extractions(engine, counted, version, commit_every=batch_size,
                                            failures=stats.failures)
    except ExtractionFailed as exc:
        stats.extracted = counted.n - len(stats.failures)
        stats.failures.extend(exc.failures)
    stats.failures.extend((doc_id, GONE) for doc_id in gone)
    return stats


class _Count:
    def __init__(self, it: Iterable[Extraction]) -> None:
        self.it, self.n = it, 0

    def __iter__(self) -> Iterator[Extraction]:
        for x in self.it:
            self.n += 1
            yield x
