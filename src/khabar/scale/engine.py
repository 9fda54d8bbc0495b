"""One way for every caller to run extraction over a stream of documents, on one core or many machines.

Contract:
    extract_stream(docs, *, engine="local", workers=1, scheduler=None, kb_paths=(), place_paths=(),
                   batch_size=32, progress=None) -> Iterator[Extraction]    (in input order)

engine="local": workers=1 runs in this process; workers>1 uses a process pool (spawn) whose workers each
load the pipeline once (initializer). engine="dask": a dask.distributed cluster at `scheduler`
(tcp://HOST:8786, or a Client/LocalCluster object; None starts a LocalCluster of `workers` processes on
127.0.0.1); each worker process loads the pipeline once (a cached global) and extracts whole batches.
Before any work, every Dask worker must compute the same pipeline version as this machine (same khabar
code and data, same --kb/--places files): results are stored under this machine's version.

Input is cut into batches of batch_size documents; at most a few batches per worker are in flight, so
memory stays bounded on an endless stream. A batch whose worker died (killed, out of memory) is retried
once on a fresh worker; a document the pipeline fails on is extracted alone so only it is lost. Every
extraction that succeeded is yielded in input order; the failures are then raised together as
ExtractionFailed, so the caller has already stored everything else (bad input never costs good input).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from khabar.model import Document, Extraction

ENGINES = ("local", "dask")
MAX_ATTEMPTS = 2  # a batch is sent to a worker at most this often when workers die under it
IN_FLIGHT_PER_WORKER = 3


@dataclass
class Progress:
    """What a progress callback receives after every finished batch."""

    engine: str
    workers: int
    done: int  # documents extracted (or failed) so far
    failed: int
    elapsed: float  # seconds since the first batch was submitted
    dashboard: str | None = None  # Dask dashboard URL, when there is one

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class ExtractionFailed(Exception):
    """Documents that could not be extracted: (doc_id, one-line reason) each. Raised after every other
    extraction of the stream has been yielded."""

    failures: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        head = "; ".join(f"{d}: {r}" for d, r in self.failures[:5])
        more = f" (+{len(self.failures) - 5} more)" if len(self.failures) > 5 else ""
        return f"{len(self.failures)} document(s) not extracted: {head}{more}"


ProgressFn = Callable[[Progress], None]


def stderr_progress(every: float = 2.0) -> ProgressFn:
    """A progress callback printing one line to stderr at most every `every` seconds."""
    last = [0.0]

    def report(p: Progress) -> None:
        now = time.monotonic()
        if now - last[0] < every:
            return
        last[0] = now
        fail = f", {p.failed} failed" if p.failed else ""
        print(f"extract[{p.engine} x{p.workers}]: {p.done} documents{fail}, {p.rate:.1f} docs/s",
              file=sys.stderr, flush=True)

    return report


# ---- worker side ---------------------------------------------------------------------------------

_PIPELINES: dict[tuple, Any] = {}
_PIPELINE_LOCK = threading.Lock()  # a Dask worker may run tasks on several threads; spaCy state is shared


def _pipeline(kb_paths: Sequence[str], place_paths: Sequence[str]):  # noqa: ANN202 - Pipeline
    """The pipeline of this process, loaded on first use and kept: loading costs seconds, a batch less."""
    key = (tuple(kb_paths), tuple(place_paths))
    pipe = _PIPELINES.get(key)
    if pipe is None:
        from khabar.extract.pipeline import load_pipeline

        pipe = _PIPELINES[key] = load_pipeline(kb_paths, place_paths)
    return pipe


def _init_worker(kb_paths: Sequence[str], place_paths: Sequence[str]) -> None:
    _pipeline(kb_paths, place_paths)


def _reason(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {os.path.basename(where.filename)}:{where.lineno}" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"[:300]


def extract_batch(
    docs: list[Document], kb_paths: Sequence[str] = (), place_paths: Sequence[str] = (), batch_size: int = 32
) -> list[Extraction | tuple[str, str]]:
    """Extract one batch in this process: an Extraction per document, or (doc_id, reason) for a document
    the pipeline failed on (the batch is then redone one document at a time)."""
    with _PIPELINE_LOCK:
        pipe = _pipeline(kb_paths, place_paths)
        try:
            return list(pipe.pipe(docs, batch_size=batch_size))
        except Exception:  # noqa: BLE001 - find the culprit below, keep the rest
            pass
        out: list[Extraction | tuple[str, str]] = []
        for d in docs:
            try:
                out.append(pipe.extract(d))
            except Exception as exc:  # noqa: BLE001 - bad input is reported, not fatal
                out.append((getattr(d, "id", "?"), _reason(exc)))
        return out


# ---- driver side ---------------------------------------------------------------------------------


def _batches(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(docs)
    while batch := list(islice(it, size)):
        yield batch


class _Ordered:
    """Yields finished batches in submission order and keeps the failure list and progress."""

    def __init__(self, engine: str, workers: int, progress: ProgressFn | None, dashboard: str | None = None):
        self.failures: list[tuple[str, str]] = []
        self.done = 0
        self.t0 = time.monotonic()
        self.engine, self.workers, self.progress, self.dashboard = engine, workers, progress, dashboard

    def emit(self, results: list[Extraction | tuple[str, str]]) -> Iterator[Extraction]:
        for r in results:
            if isinstance(r, Extraction):
                yield r
            else:
                self.failures.append(r)
        self.done += len(results)
        if self.progress:
            self.progress(Progress(self.engine, self.workers, self.done, len(self.failures),
                                   time.monotonic() - self.t0, self.dashboard))

    def start(self) -> None:
        """A first report before any batch is done: the caller learns the engine, workers, dashboard."""
        if self.progress:
            self.progress(Progress(self.engine, self.workers, 0, 0, 0.0, self.dashboard))

    def lost(self, batch: list[Document], reason: str) -> None:
        self.failures.extend((d.id, reason) for d in batch)
        self.done += len(batch)

    def finish(self) -> None:
        if self.failures:
            raise ExtractionFailed(self.failures)


def _in_process(docs, kb_paths, place_paths, batch_size, progress) -> Iterator[Extraction]:  # noqa: ANN001
    out = _Ordered("local", 1, progress)
    for batch in _batches(docs, batch_size):
        yield from out.emit(extract_batch(batch, kb_paths, place_paths, batch_size))
    out.finish()


def _mp_context() -> multiprocessing.context.BaseContext:
    # spawn: a fresh interpreter per worker (forking a process that holds threads or DB connections is unsafe)
    return multiprocessing.get_context("spawn")


def _local_pool(docs, workers, kb_paths, place_paths, batch_size, progress) -> Iterator[Extraction]:  # noqa: ANN001
    out = _Ordered("local", workers, progress)

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=_mp_context(), initializer=_init_worker,
                                   initargs=(tuple(kb_paths), tuple(place_paths)))

    def ok(f: Future | None) -> bool:
        return f is not None and f.done() and not f.cancelled() and f.exception() is None

    pool = new_pool()
    # entries: [batch, attempts so far, future]; a batch is in `pending` before it is submitted, so a pool
    # breaking during submit() cannot drop it
    pending: deque[list] = deque()
    source = _batches(docs, batch_size)
    window = workers * IN_FLIGHT_PER_WORKER
    try:
        while True:
            try:
                while len(pending) < window and (batch := next(source, None)) is not None:
                    entry = [batch, 1, None]
                    pending.append(entry)
                    entry[2] = pool.submit(extract_batch, batch, kb_paths, place_paths, batch_size)
                if not pending:
                    break
                results = pending[0][2].result()
            except BrokenProcessPool:
                # A worker died (killed, out of memory): the batches in flight went with the pool. Start a
                # new pool and resubmit them; a batch that already had its chances is given up.
                _close_pool(pool, grace=1.0)
                pool = new_pool()
                for entry in list(pending):
                    if ok(entry[2]):
                        continue
                    if entry[2] is not None:
                        entry[1] += 1
                    if entry[1] > MAX_ATTEMPTS:
                        pending.remove(entry)
                        out.lost(entry[0], "worker process died while extracting this batch")
                    else:
                        entry[2] = pool.submit(extract_batch, entry[0], kb_paths, place_paths, batch_size)
                continue
            pending.popleft()
            yield from out.emit(results)
    finally:
        _close_pool(pool)
    out.finish()


def _close_pool(pool: ProcessPoolExecutor, grace: float = 10.0) -> None:
    """Shut the pool down without ever hanging: after a worker was killed, CPython's executor can wait
    forever on a sibling blocked on a pipe (cpython#94777 and kin), so stragglers are terminated."""
    procs = list(getattr(pool, "_processes", {}).values())  # private, but the only handle on the workers
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace
    for p in procs:
        p.join(timeout=max(0.1, deadline - time.monotonic()))
        if p.is_alive():
            p.terminate()
            p.join(timeout=5)


# Dask ------------------------------------------------------------------------------------------------


def _worker_version(kb_paths: Sequence[str], place_paths: Sequence[str]) -> str:
    """Run on each worker: the version its own code and data would stamp (or why it cannot)."""
    try:
        from khabar.extract.pipeline import pipeline_version

        return pipeline_version(kb_paths, place_paths)
    except Exception as exc:  # noqa: BLE001 - reported by the driver, with the worker's address
        return f"unusable: {type(exc).__name__}: {exc}"


def _check_workers(client: Any, kb_paths: Sequence[str], place_paths: Sequence[str]) -> None:
    """Refuse a cluster whose workers run other khabar code or data (or lack the --kb/--places files)
    than this machine: their results would be stored under this machine's version, silently different."""
    from khabar.extract.pipeline import pipeline_version

    want = pipeline_version(kb_paths, place_paths)
    odd = {w: v for w, v in client.run(_worker_version, tuple(kb_paths), tuple(place_paths)).items() if v != want}
    if odd:
        where = "; ".join(f"{w}: {v}" for w, v in sorted(odd.items())[:3])
        raise RuntimeError(f"Dask workers differ from this machine's pipeline {want} ({where}): install the same "
                           "khabar and give the workers the same --kb/--places files at the same paths")


def _dask_client(scheduler: Any, workers: int):  # noqa: ANN202 - (Client, owned cluster or None)
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - the [dask] extra is part of [test]
        raise RuntimeError("engine 'dask' needs dask.distributed: pip install 'khabar[dask]'") from exc
    if isinstance(scheduler, Client):
        return scheduler, None, False
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=":0")
        scheduler = cluster
    return Client(scheduler), cluster, True


def _dask(docs, workers, scheduler, kb_paths, place_paths, batch_size, progress) -> Iterator[Extraction]:  # noqa: ANN001
    client, cluster, owned = _dask_client(scheduler, max(1, workers))
    try:
        n = len(client.scheduler_info(n_workers=-1).get("workers", {})) or max(1, workers)
        link = None
        try:
            link = client.dashboard_link
        except Exception:  # noqa: BLE001 - no dashboard configured
            link = None
        print(f"dask: {n} worker(s) at {client.scheduler.address}; dashboard: {link or 'none'}",
              file=sys.stderr, flush=True)
        _check_workers(client, kb_paths, place_paths)
        out = _Ordered("dask", n, progress, link)
        out.start()
        run = uuid.uuid4().hex[:8]
        pending: deque[tuple[list[Document], Any]] = deque()
        source = _batches(docs, batch_size)
        window = max(n, 1) * IN_FLIGHT_PER_WORKER
        i = 0
        while True:
            while len(pending) < window and (batch := next(source, None)) is not None:
                fut = client.submit(extract_batch, batch, tuple(kb_paths), tuple(place_paths), batch_size,
                                    key=f"khabar-extract-{run}-{i}", pure=False,
                                    retries=MAX_ATTEMPTS - 1)
                pending.append((batch, fut))
                i += 1
            if not pending:
                break
            batch, fut = pending.popleft()
            try:
                results = fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker after the allowed failures
                out.lost(batch, _reason(exc))
                fut.release()
                continue
            fut.release()
            yield from out.emit(results)
        out.finish()
    finally:
        if owned:
            client.close()
        if cluster is not None:
            cluster.close()


def extract_stream(
    docs: Iterable[Document],
    *,
    engine: str = "local",
    workers: int = 1,
    scheduler: Any = None,
    kb_paths: Sequence[str] = (),
    place_paths: Sequence[str] = (),
    batch_size: int = 32,
    progress: ProgressFn | None = None,
) -> Iterator[Extraction]:
    """Extractions of docs, in input order, from the chosen engine (see the module docstring).

    workers <= 0 means one per CPU. Raises ExtractionFailed at the end when some documents failed.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    workers = workers if workers and workers > 0 else (os.cpu_count() or 1)
    batch_size = max(1, batch_size)
    kb, places = tuple(str(p) for p in kb_paths), tuple(str(p) for p in place_paths)
    if engine == "dask":
        return _dask(docs, workers, scheduler, kb, places, batch_size, progress)
    if workers == 1:
        return _in_process(docs, kb, places, batch_size, progress)
    return _local_pool(docs, workers, kb, places, batch_size, progress)
