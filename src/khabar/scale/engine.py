"""One way for every caller to run extraction over a stream of documents.

Contract:
    extract_stream(docs, *, engine="local", workers=1, scheduler=None, kb_paths=(), place_paths=(),
                   batch_size=32) -> Iterator[Extraction]    (in input order)

FIRST VERSION: in-process only; process pools and Dask are being added.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from khabar.model import Document, Extraction


def extract_stream(
    docs: Iterable[Document],
    *,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    kb_paths: Sequence[str] = (),
    place_paths: Sequence[str] = (),
    batch_size: int = 32,
) -> Iterator[Extraction]:
    from khabar.extract.pipeline import load_pipeline

    pipeline = load_pipeline(kb_paths, place_paths)
    yield from pipeline.pipe(docs, batch_size=batch_size)
