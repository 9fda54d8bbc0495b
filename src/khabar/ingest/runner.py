"""Running an ingest: items in, one transaction per document, counts and clear failures out.

Each document is stored in its own transaction (text, provenance, dedup bands, full-text entry), so an
interrupted run keeps every committed document and no half-written one. Exact duplicates add a source
row to the stored copy; near-duplicates are stored and linked. New documents (and stored ones never
extracted, e.g. after an interrupted run) then go through extraction, unless extraction is off.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from khabar.ingest.dedup import bands_of, find_near, signature
from khabar.ingest.fetch import Fetcher
from khabar.ingest.items import Item, Options
from khabar.ingest.sources import iter_items
from khabar.model import Document
from khabar.store.documents import add_source, insert_document
from khabar.store.schema import documents


@dataclass
class ExtractOptions:
    enabled: bool = True
    engine: str = "local"
    workers: int = 1
    scheduler: str | None = None
    batch_size: int = 32
    kb_paths: tuple[str, ...] = ()
    place_paths: tuple[str, ...] = ()


@dataclass
class Counts:
    new: int = 0
    duplicate: int = 0
    near: int = 0  # new documents linked to near-duplicates already stored
    failed: int = 0
    skipped: int = 0
    extracted: int = 0
    extract_failed: int = 0
    interrupted: bool = False
    new_ids: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)  # every document the run saw (new or duplicate)
    incidents: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.extract_failed and not self.interrupted

    def summary(self) -> str:
        parts = [f"{self.new} new", f"{self.duplicate} duplicate", f"{self.failed} failed"]
        if self.near:
            parts[0] += f" ({self.near} linked to near-duplicates)"
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        text = ", ".join(parts)
        if self.extracted or self.extract_failed:
            text += f"; extracted {self.extracted}" + (
                f", extraction failed for {self.extract_failed}" if self.extract_failed else "")
        if self.incidents:
            text += (f"; incidents: {self.incidents.get('created', 0)} new, "
                     f"{self.incidents.get('joined', 0)} events joined existing")
        if self.interrupted:
            text += "; INTERRUPTED (every stored document is complete; re-run to continue)"
        return text


def store_document(conn: Connection, doc: Document) -> tuple[str, list[tuple[str, float]]]:
    """Store doc unless its text is already there: ("new", near-duplicates) or ("duplicate", [])."""
    if conn.execute(select(documents.c.id).where(documents.c.id == doc.id)).first() is not None:
        add_source(conn, doc)
        return "duplicate", []
    sig = signature(doc.text)
    bands = bands_of(sig)
    near = find_near(conn, sig, bands, exclude=doc.id)
    if not insert_document(conn, doc, minhash=sig.tobytes(), bands=bands, near=near):
        return "duplicate", []  # a concurrent ingester stored the same text first; our source was added
    return "new", near


def extraction_version(opts: ExtractOptions) -> str:
    """The version the extraction pipeline stamps, computed without loading spaCy."""
    try:
        from khabar.extract.pipeline import pipeline_version

        return pipeline_version(opts.kb_paths, opts.place_paths)
    except Exception:  # noqa: BLE001 - the version is a label; never fail an ingest over it
        from khabar import __version__

        return f"khabar-{__version__}"


class Runner:
    """One ingest run against one store; err receives failure lines, progress goes there too."""

    def __init__(self, engine: Engine, opts: Options | None = None, extract: ExtractOptions | None = None, *,
                 err: Console | None = None, progress: bool = True, fetcher: Fetcher | None = None) -> None:
        self.engine = engine
        self.opts = opts or Options()
        self.extract = extract or ExtractOptions(enabled=False)
        self.err = err or Console(stderr=True, highlight=False)
        self.show_progress = progress
        self.fetcher = fetcher

    def report(self, name: str, reason: str, kind: str = "failed") -> None:
        colour = "red" if kind == "failed" else "yellow"
        self.err.print(f"[{colour}]{kind}:[/{colour}] {escape(name)}: {escape(reason)}", soft_wrap=True)

    def run(self, targets: Iterable[str], stdin: Any = None) -> Counts:
        counts = Counts()
        fetcher = self.fetcher or Fetcher(self.engine, self.opts)
        pending: dict[str, None] = {}  # ordered set: documents to extract
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=self.err, transient=True, disable=not self.show_progress) as bar:
            task = bar.add_task("ingesting")
            try:
                for item in iter_items(targets, self.opts, fetcher, stdin=stdin):
                    self._one(item, counts, pending)
                    bar.update(task, description=f"ingesting  new {counts.new}  duplicate {counts.duplicate}"
                                                 f"  failed {counts.failed}")
            except KeyboardInterrupt:
                counts.interrupted = True
            finally:
                if self.fetcher is None:
                    fetcher.close()
        if self.extract.enabled and pending and not counts.interrupted:
            self._extract(list(pending), counts)
        return counts

    def _one(self, item: Item, counts: Counts, pending: dict[str, None]) -> None:
        if item.error is not None:
            counts.failed += 1
            self.report(item.name, item.error)
            return
        if item.doc is None:
            counts.skipped += 1
            return
        try:
            with self.engine.begin() as conn:
                outcome, near = store_document(conn, item.doc)
                unextracted = outcome == "duplicate" and conn.execute(
                    select(documents.c.extracted_at).where(documents.c.id == item.doc.id)
                ).scalar_one_or_none() is None
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - a store error fails this item, not the run
            counts.failed += 1
            first = (str(exc).splitlines() or [""])[0][:200]
            self.report(item.name, f"not stored: {type(exc).__name__}: {first}")
            return
        counts.doc_ids.append(item.doc.id)
        if outcome == "new":
            counts.new += 1
            counts.near += bool(near)
            counts.new_ids.append(item.doc.id)
            pending[item.doc.id] = None
        else:
            counts.duplicate += 1
            if unextracted:
                pending[item.doc.id] = None
        if item.on_stored is not None:
            try:
                item.on_stored()
            except Exception as exc:  # noqa: BLE001 - e.g. remembering an ETag; the document is stored
                self.report(item.name, f"stored, but: {type(exc).__name__}: {exc}", kind="warning")

    def _extract(self, ids: list[str], counts: Counts) -> None:
        """Extract the documents this run stored, through the same writer as `khabar extract`: results are
        committed a batch per transaction, documents already done with this version are skipped, so an
        interrupted run's re-run completes only the missing part."""
        from khabar.scale.progress import add_extract_task, bar_reporter, extract_columns
        from khabar.scale.writer import extract_store, pending_ids

        x = self.extract
        try:
            with Progress(*extract_columns(), console=self.err, transient=True,
                          disable=not self.show_progress) as bar:
                task = add_extract_task(bar, len(ids))
                stats = extract_store(self.engine, ids, extract_engine=x.engine, workers=x.workers,
                                      scheduler=x.scheduler, kb_paths=x.kb_paths, place_paths=x.place_paths,
                                      batch_size=x.batch_size, progress=bar_reporter(bar, task))
        except KeyboardInterrupt:
            counts.interrupted = True
            return
        except Exception as exc:  # noqa: BLE001 - documents stay stored; extraction can be re-run
            left = pending_ids(self.engine, extraction_version(x), ids)
            counts.extracted = len(ids) - len(left)
            counts.extract_failed = len(left)
            self.report("extraction", f"{type(exc).__name__}: {exc}; {len(left)} documents stored without "
                                      "extraction (re-ingest or `khabar extract` retries them)")
            return
        counts.extracted = stats.extracted
        counts.extract_failed = len(stats.failures)
        for doc_id, reason in stats.failures:
            self.report(f"extraction of {doc_id}", reason)
        self._cluster(counts, ids)

    def _cluster(self, counts: Counts, doc_ids: list[str] | None = None) -> None:
        """Incremental incident clustering, when the analysis layer offers it; never fatal."""
        try:
            from khabar.analyse import incidents

            cluster_pending = getattr(incidents, "cluster_pending", None)
            if cluster_pending is None:
                return
            kwargs: dict[str, Any] = {}
            if "doc_ids" in inspect.signature(cluster_pending).parameters and doc_ids is not None:
                kwargs["doc_ids"] = doc_ids  # only the events just saved: cost independent of store size
            with self.engine.begin() as conn:
                counts.incidents = cluster_pending(conn, **kwargs)
        except Exception as exc:  # noqa: BLE001 - analysis problems must not fail an ingest
            self.report("incident clustering", f"{type(exc).__name__}: {exc}", kind="warning")
