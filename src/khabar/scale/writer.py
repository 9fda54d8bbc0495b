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
from khabar.store.records import save_extraction
from khabar.store.schema import documents

_ID_CHUNK = 500


@dataclass
class ExtractStats:
    version: str
    extracted: int = 0
    skipped: int = 0  # already extracted with this version
    failures: list[tuple[str, str]] = field(default_factory=list)


def pipeline_version(kb_paths: Sequence[str] = (), place_paths: Sequence[str] = ()) -> str:
    """The version a pipeline with these data files would stamp, without loading spaCy."""
    from khabar.extract.pipeline import _version  # the pipeline's own rule; one definition only

    return _version(tuple(str(p) for p in kb_paths), tuple(str(p) for p in place_paths))


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


def _load(engine: Engine, ids: Sequence[str]) -> Iterator[Document]:
    """Documents by id, fetched lazily a chunk at a time (a year of news does not fit in memory)."""
    for i in range(0, len(ids), _ID_CHUNK):
        chunk = list(ids[i : i + _ID_CHUNK])
        with engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(select(documents).where(documents.c.id.in_(chunk)))}
        for doc_id in chunk:
            if doc_id in rows:
                yield row_to_document(rows[doc_id])


def write_extractions(engine: Engine, extractions: Iterable[Extraction], version: str,
                      commit_every: int = 32) -> int:
    """Save extractions, committing every `commit_every` documents; returns how many were saved.

    If the stream raises midway, everything committed so far stays, and so does the open batch: it is
    committed before the error propagates (its documents are complete)."""
    saved = 0
    batch: list[Extraction] = []

    def flush() -> None:
        nonlocal saved
        if batch:
            with engine.begin() as conn:
                for ext in batch:
                    save_extraction(conn, ext, version)
            saved += len(batch)
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

    force=True re-extracts them all. Documents the pipeline fails on are listed in stats.failures, the
    rest are stored; running it again retries only those (and anything a crash left undone).
    """
    version = pipeline_version(kb_paths, place_paths)
    wanted = list(ids) if ids is not None else None
    todo = pending_ids(engine, None if force else version, wanted)
    total = len(wanted) if wanted is not None else None
    stats = ExtractStats(version=version, skipped=(total - len(todo)) if total is not None else 0)
    if not todo:
        return stats
    stream = extract_stream(_load(engine, todo), engine=extract_engine, workers=workers, scheduler=scheduler,
                            kb_paths=kb_paths, place_paths=place_paths, batch_size=batch_size,
                            progress=progress)
    counted = _Count(stream)
    try:
        write_extractions(engine, counted, version, commit_every=batch_size)
    except ExtractionFailed as exc:
        stats.failures = exc.failures
    stats.extracted = counted.n
    return stats


class _Count:
    def __init__(self, it: Iterable[Extraction]) -> None:
        self.it, self.n = it, 0

    def __iter__(self) -> Iterator[Extraction]:
        for x in self.it:
            self.n += 1
            yield x
