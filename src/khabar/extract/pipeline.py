"""The extraction pipeline: named stages assembled on the spaCy English model.

Contract (used by ingest, `khabar extract`, the scale engines and benchmarks):
    load_pipeline(kb_paths=(), place_paths=()) -> Pipeline
    Pipeline.version: str            changes when code or knowledge data change
    Pipeline.extract(doc) -> Extraction
    Pipeline.pipe(docs, batch_size) -> Iterator[Extraction], in input order

FIRST VERSION: only the statistical NER stage runs; later stages are being added.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from khabar import __version__
from khabar.extract import extensions
from khabar.extract.nlp import fresh_base
from khabar.model import Document, Entity, Extraction

extensions.register()

STAGES = ("ner", "actors", "places", "time", "quantities", "events", "claims")


class Pipeline:
    def __init__(self, kb_paths: Sequence[str] = (), place_paths: Sequence[str] = ()) -> None:
        self.nlp = fresh_base()
        self.kb_paths = tuple(kb_paths)
        self.place_paths = tuple(place_paths)
        self.version = f"khabar-{__version__}"

    def _to_extraction(self, document: Document, doc) -> Extraction:  # noqa: ANN001 - spaCy Doc
        ents = [Entity(text=e.text, start=e.start_char, end=e.end_char, label=e.label_) for e in doc.ents]
        return Extraction(doc_id=document.id, entities=ents, stages_run=["ner"])

    def extract(self, document: Document) -> Extraction:
        return next(self.pipe([document]))

    def pipe(self, documents: Iterable[Document], batch_size: int = 32) -> Iterator[Extraction]:
        pairs = ((d.text, d) for d in documents)
        for doc, document in self.nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
            yield self._to_extraction(document, doc)


def load_pipeline(kb_paths: Sequence[str] = (), place_paths: Sequence[str] = ()) -> Pipeline:
    return Pipeline(kb_paths, place_paths)
