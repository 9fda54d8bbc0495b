"""Peak memory of every export format against the number of events: exports must stream (memory flat).

For each size (default 1,000, 10,000 and 100,000 events; 10 events and 2 claims per document) a SQLite
store is filled with synthetic documents through the real write path (insert_document + save_extraction).
Each (format, size) export then runs in its own child process, which reports its peak RSS
(resource.getrusage ru_maxrss) before the export (after imports and opening the store: the baseline)
and after it. The table prints the growth over that baseline and the ratio of each size's peak RSS to
the smallest size's, measured in the same run: a streaming export stays near 1.0x while the number of
events grows 100x.

    .venv/bin/python benchmarks/export.py [--sizes 1000 10000 100000] [--formats jsonl acled-csv ...]
        [--out benchmarks/results/export.md]

Not a test: it prints a table and writes it (with the machine's details) to --out.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORMATS = ("jsonl", "acled-csv", "geojson", "stix", "plover", "parquet")
EVENTS_PER_DOC = 10
WORDS = "forces militants attacked a checkpoint near the border on Tuesday officials said".split()


def _fill(db: str, n_events: int) -> None:
    from khabar.model import (
        Actor,
        Claim,
        DateValue,
        Document,
        Entity,
        Event,
        Extraction,
        Location,
        Place,
        Quantity,
        Ref,
        Span,
        Speaker,
    )
    from khabar.store.db import open_store
    from khabar.store.documents import insert_document
    from khabar.store.records import save_extraction

    engine = open_store(db)
    actors = [Actor(f"a{i}", f"Group {i}", "armed_group" if i % 2 else "state", "AF") for i in range(50)]
    places = [Place(f"p{i}", f"Town {i}", "AF", "Province", 30 + i / 10, 60 + i / 10, "city", 1000 + i)
              for i in range(50)]
    n_docs = max(1, n_events // EVENTS_PER_DOC)
    with engine.begin() as conn:
        for d in range(n_docs):
            sentences = [" ".join(WORDS[(d + k) % 5:]) + f" ({d}-{k})." for k in range(EVENTS_PER_DOC)]
            text = " ".join(sentences)
            doc_id = f"{d:040x}"
            insert_document(conn, Document(doc_id, text, title=f"Report {d}", url=f"https://example.org/{d}",
                                           source=f"Outlet {d % 7}", published="2023-03-01", language="en"))
            evs, pos = [], 0
            for k, s in enumerate(sentences):
                a, t, p = actors[(d + k) % 50], actors[(d + k + 1) % 50], places[(d * 3 + k) % 50]
                evs.append(Event(
                    f"e{d}-{k}", "ASSAULT", Span(s, pos, pos + len(s)), mode="firearms", acled_type="Battles",
                    acled_subtype="Armed clash", actor=Ref(a.id, a.name), target=Ref(t.id, t.name),
                    location=Location(p.name, "AF", p.lat, p.lon, "city", p.geonames_id, p.id, p.admin1),
                    date=DateValue(f"2023-03-{1 + k:02d}", f"2023-03-{1 + k:02d}", "day"), fatalities=k,
                    confidence=0.7))
                pos += len(s) + 1
            cls = [Claim(f"c{d}-{j}", "said", "assert", sentences[j], evs[j].evidence,
                         speaker=Speaker(actors[j].id, actors[j].name), quantity=Quantity(float(j + 1), "fighters"))
                   for j in range(2)]
            ents = [Entity(a.name, 0, 5, "ORG", actor_id=a.id) for a in actors[d % 50:d % 50 + 2]]
            save_extraction(conn, Extraction(doc_id, entities=ents, actors=actors if d == 0 else [],
                                             places=places if d == 0 else [], events=evs, claims=cls), "bench")


def _child(fmt: str, db: str, out: str) -> None:
    """Run one export in this process and print peak RSS before/after as JSON."""
    from khabar.export.select import Filters
    from khabar.store.db import open_store

    engine = open_store(db)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        f = Filters()
        if fmt == "parquet":
            from khabar.export.parquet import write_parquet

            write_parquet(conn, Path(out), f)
        else:
            with open(out, "w", encoding="utf-8", newline="") as fh:
                if fmt == "jsonl":
                    from khabar.export.jsonl import write_jsonl

                    write_jsonl(conn, fh, f)
                elif fmt == "acled-csv":
                    from khabar.export.acled import write_acled_csv

                    write_acled_csv(conn, fh, f)
                elif fmt == "geojson":
                    from khabar.export.geojson import write_geojson

                    write_geojson(conn, fh, f)
                elif fmt == "stix":
                    from khabar.export.stix import write_stix

                    write_stix(conn, fh, f)
                else:
                    from khabar.export.plover import write_plover

                    write_plover(conn, fh, f)
        seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before_kb": before, "after_kb": after, "seconds": seconds}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS)
    ap.add_argument("--out", default="benchmarks/results/export.md")
    ap.add_argument("--child", nargs=3, metavar=("FORMAT", "DB", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    sizes = sorted(args.sizes)
    rows = []
    with tempfile.TemporaryDirectory(prefix="khabar-bench-export-") as tmp:
        for n in sizes:
            db = str(Path(tmp) / f"s{n}.db")
            t0 = time.perf_counter()
            _fill(db, n)
            print(f"filled {n} events in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        for fmt in args.formats:
            base = None
            for n in sizes:
                out = str(Path(tmp) / f"out-{fmt}-{n}")
                res = subprocess.run([sys.executable, __file__, "--child", fmt, str(Path(tmp) / f"s{n}.db"), out],
                                     capture_output=True, text=True, check=True)
                m = json.loads(res.stdout.strip().splitlines()[-1])
                peak = m["after_kb"] / 1024
                growth = (m["after_kb"] - m["before_kb"]) / 1024
                base = base or peak
                rows.append((fmt, n, peak, growth, peak / base, n / m["seconds"]))
                print(f"{fmt:10s} {n:>8d} events  peak {peak:7.1f} MB  (+{growth:6.1f} MB)  "
                      f"{peak / base:4.2f}x  {n / m['seconds']:9.0f} events/s", file=sys.stderr)
    lines = [
        "# Export memory vs number of events",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}.",
        f"Synthetic store: {EVENTS_PER_DOC} events and 2 claims per document. Peak RSS of a child process "
        "running one export; growth = peak minus the peak before the export started; ratio = peak / peak "
        "at the smallest size of the same format.",
        "",
        "| format | events | peak RSS MB | growth MB | ratio vs smallest | events/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {f} | {n:,} | {p:.1f} | {g:.1f} | {r:.2f}x | {s:,.0f} |" for f, n, p, g, r, s in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
