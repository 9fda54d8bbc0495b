"""Scale benchmark: extraction throughput per engine, and bulk ingest into SQLite and PostgreSQL.

    python benchmarks/scale.py [--docs 120] [--ingest 100000] [--per-doc 5000]

1. Extraction of the same corpus (GeoWebNews texts from ../shared/benchmarks, read in place; the bundled
   samples when absent) by: the bare spaCy model (baseline, nlp.pipe), khabar in-process (local, 1
   worker), a local process pool of 2, and a Dask LocalCluster of 2 worker processes on 127.0.0.1. Each
   runs in a fresh subprocess; peak memory is the summed RSS of that process tree (workers included).
   docs/s counts wall time from the call to the last result, start-up included (what a user waits);
   "steady" excludes everything before the first result (pipeline loading, worker start).
2. Ingest of short synthetic documents: bulk insert_documents (1,000 a transaction) and per-document
   insert_document (one transaction each), into a SQLite file and a PostgreSQL server started here from
   the installed binaries with default durability settings. DB size after the load.

Writes benchmarks/results/scale.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("KHABAR_BENCH_DATA", ROOT.parent / "shared" / "benchmarks"))
RESULTS = ROOT / "benchmarks" / "results" / "scale.md"
CONFIGS = ("bare", "local1", "local2", "dask2")
BATCH = 8  # documents per batch, for every configuration


# ---- extraction --------------------------------------------------------------------------------------


def corpus(n: int) -> list:
    from khabar.model import Document

    path = DATA / "geowebnews.jsonl"
    docs = []
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                docs.append(Document(id=rec["id"], text=rec["text"], title=rec.get("title"), language="en"))
                if len(docs) >= n:
                    break
    else:
        for p in sorted((ROOT / "src" / "khabar" / "samples").glob("*.txt")):
            docs.append(Document(id=p.stem, text=p.read_text(encoding="utf-8"), language="en"))
    return docs


class PeakRSS:
    """Peak of the summed RSS of this process and all its descendants, sampled every 50 ms."""

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except Exception:  # noqa: BLE001, S112 - a process that just ended
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRSS:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.peak = max(self.peak, self._sample())
        self._stop.set()
        self._t.join()


def run_one(config: str, n: int) -> dict:
    """One configuration in this (fresh) process: timings and peak memory as a dict."""
    docs = corpus(n)
    chars = sum(len(d.text) for d in docs)
    first = None
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        if config == "bare":
            from khabar.extract.nlp import load_base

            nlp = load_base()
            for _ in nlp.pipe((d.text for d in docs), batch_size=BATCH):
                first = first or time.perf_counter()
        else:
            from khabar.scale.engine import extract_stream

            kw: dict = {"batch_size": BATCH}
            if config == "local1":
                kw.update(engine="local", workers=1)
            elif config == "local2":
                kw.update(engine="local", workers=2)
            else:
                kw.update(engine="dask", workers=2)  # scheduler=None: a LocalCluster on 127.0.0.1
            for _ in extract_stream(docs, **kw):
                first = first or time.perf_counter()
        t1 = time.perf_counter()
    return {"config": config, "docs": len(docs), "chars": chars, "seconds": t1 - t0,
            "first": (first or t1) - t0, "peak_mb": mem.peak / 2**20}


def extraction(n: int) -> list[dict]:
    rows = []
    for config in CONFIGS:
        print(f"extraction: {config} ...", file=sys.stderr, flush=True)
        res = subprocess.run([sys.executable, __file__, "--one", config, "--docs", str(n)],
                             capture_output=True, text=True, check=False)
        if res.returncode != 0:
            print(res.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"configuration {config} failed")
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
    return rows


# ---- ingest ------------------------------------------------------------------------------------------

WORDS = ("border", "guards", "clash", "militants", "district", "police", "reported", "province", "village",
         "convoy", "attack", "killed", "wounded", "officials", "said", "army", "market", "protest", "road")


def short_docs(n: int, offset: int = 0) -> list:
    from khabar.model import Document

    out = []
    for i in range(offset, offset + n):
        words = " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(24))
        out.append(Document(id=f"s{i:08d}", text=f"Report {i}: {words}.", title=f"Report {i}",
                            source=f"outlet{i % 50}", url=f"https://outlet{i % 50}.example/{i}",
                            published=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", language="en"))
    return out


class TempPostgres:
    """A PostgreSQL cluster on a temp dir and a loopback port, default durability (fsync on)."""

    def __init__(self) -> None:
        bindir = None
        for cand in [shutil.which("pg_ctl"), *sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)]:
            if cand:
                bindir = Path(os.path.realpath(cand)).parent
                break
        if bindir is None:
            raise RuntimeError("PostgreSQL binaries not found")
        self.bindir = bindir
        self.base = Path(tempfile.mkdtemp(prefix="khabar-bench-pg-"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.user = None
        if os.geteuid() == 0:  # postgres refuses root
            for name in ("postgres", "nobody"):
                try:
                    pw = pwd.getpwnam(name)
                except KeyError:
                    continue
                self.user = name
                os.chown(self.base, pw.pw_uid, pw.pw_gid)
                break

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, cwd=self.base)

    def __enter__(self) -> TempPostgres:
        data = str(self.base / "data")
        self._run("initdb", "-D", data, "-U", "khabar", "-A", "trust", "-E", "UTF8", "--locale=C")
        self._run("pg_ctl", "start", "-w", "-D", data, "-l", str(self.base / "log"),
                  "-o", f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1")
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._run("pg_ctl", "stop", "-D", str(self.base / "data"), "-m", "fast", "-w")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def create(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"postgresql://khabar@127.0.0.1:{self.port}/postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://khabar@127.0.0.1:{self.port}/{name}"


def db_size(engine) -> int:  # noqa: ANN001
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    path = Path(engine.url.database)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def ingest_one(url: str, n: int, mode: str) -> dict:
    from khabar.store import db as store_db
    from khabar.store.documents import count_documents, insert_document, insert_documents

    engine = store_db.open_store(url)
    empty = db_size(engine)
    docs = short_docs(n)
    t0 = time.perf_counter()
    if mode == "bulk":
        for i in range(0, n, 1000):
            with engine.begin() as conn:
                insert_documents(conn, docs[i : i + 1000])
    else:
        for d in docs:
            with engine.begin() as conn:
                insert_document(conn, d)
    secs = time.perf_counter() - t0
    with engine.connect() as conn:
        assert count_documents(conn) == n
    size = db_size(engine)
    store_db.close_all()
    return {"backend": engine.dialect.name, "mode": mode, "docs": n, "seconds": secs, "bytes": size,
            "empty": empty}


def ingest(n_bulk: int, n_single: int) -> list[dict]:
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="khabar-bench-"))
    try:
        with TempPostgres() as pg:
            for mode, n in (("bulk", n_bulk), ("per-document", n_single)):
                if n <= 0:
                    continue
                for backend in ("sqlite", "postgresql"):
                    print(f"ingest: {backend} {mode} {n} ...", file=sys.stderr, flush=True)
                    url = str(tmp / f"{mode}.db") if backend == "sqlite" else pg.create(f"bench_{mode.replace('-', '_')}")
                    rows.append(ingest_one(url, n, mode))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


# ---- report ------------------------------------------------------------------------------------------


def report(ext: list[dict], ing: list[dict], args: argparse.Namespace) -> str:
    bare = next(r for r in ext if r["config"] == "bare")
    base_rate = bare["docs"] / bare["seconds"]
    names = {"bare": "bare spaCy en_core_web_sm (baseline)", "local1": "khabar local, 1 worker (in-process)",
             "local2": "khabar local, 2 worker processes", "dask2": "khabar Dask LocalCluster, 2 workers"}
    lines = [
        "# Scale benchmark",
        "",
        f"`python benchmarks/scale.py --docs {args.docs} --ingest {args.ingest} --per-doc {args.per_doc}` on "
        f"{platform.machine()}, {os.cpu_count()} CPUs (shared with other jobs), Python {platform.python_version()}.",
        "",
        f"## Extraction: {bare['docs']} GeoWebNews articles ({bare['chars'] / 1000:.0f}k characters), same corpus",
        "",
        "| configuration | wall s | docs/s | ratio to bare | steady docs/s | first result s | peak memory MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in ext:
        rate = r["docs"] / r["seconds"]
        steady_t = r["seconds"] - r["first"]
        steady = ((r["docs"] - BATCH) / steady_t) if steady_t > 0 and r["docs"] > BATCH else float("nan")
        lines.append(f"| {names[r['config']]} | {r['seconds']:.1f} | {rate:.2f} | {rate / base_rate:.2f} | "
                     f"{steady:.2f} | {r['first']:.1f} | {r['peak_mb']:.0f} |")
    lines += [
        "",
        f"Batches of {BATCH} documents everywhere. docs/s includes start-up (model and knowledge-base loading "
        "in every worker, cluster start); steady docs/s counts the documents after the first batch, from its "
        "result on. Peak memory sums the whole process tree.",
        "",
        "## Ingest of short documents (about 200 characters each)",
        "",
        "| backend | mode | documents | seconds | docs/s | DB size MB | bytes/doc |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in ing:
        lines.append(f"| {r['backend']} | {r['mode']} | {r['docs']:,} | {r['seconds']:.1f} | "
                     f"{r['docs'] / r['seconds']:,.0f} | {r['bytes'] / 2**20:.1f} | {(r['bytes'] - r['empty']) / r['docs']:.0f} |")
    lines += [
        "",
        "bulk: `insert_documents`, 1,000 documents a transaction (multi-row INSERT .. ON CONFLICT DO NOTHING "
        "RETURNING; SQLite FTS5 rows in bulk). per-document: `insert_document`, one transaction per document. "
        "PostgreSQL runs with its default durability (fsync, synchronous_commit on) over TCP on 127.0.0.1; "
        "SQLite in WAL mode with synchronous=NORMAL. Sizes include indexes (FTS5 table / GIN tsvector index); "
        "bytes/doc leaves out the size of the empty, migrated store.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=120, help="articles for the extraction comparison")
    ap.add_argument("--ingest", type=int, default=100_000, help="short documents for the bulk ingest")
    ap.add_argument("--per-doc", type=int, default=5_000, help="short documents for the per-document ingest")
    ap.add_argument("--skip-extract", action="store_true")
    ap.add_argument("--one", choices=CONFIGS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.docs)))
        return
    ext = [] if args.skip_extract else extraction(args.docs)
    ing = ingest(args.ingest, args.per_doc)
    if not ext:
        print(json.dumps(ing, indent=1))
        return
    text = report(ext, ing, args)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
