"""Cost of the incremental incident update per new document as the store grows, against extraction cost.

For each store size (default 10k and 100k events) a SQLite store is filled with synthetic event reports
(several outlets reporting the same synthetic real-world events over three years in a 1,500 km box, bulk
inserted and pre-clustered by construction), then new documents are saved one at a time with
save_extraction and clustered with cluster_pending(conn, doc_ids=[id]) - what the ingester calls. The
baseline, measured in the same run on the same machine: extracting one document, the sample article,
with the full khabar pipeline when it loads (else the bare spaCy model).

    .venv/bin/python benchmarks/clustering.py [--sizes 10000 100000] [--new 30] [--out benchmarks/results/clustering.md]

Not a test: it prints a table and writes it (with the machine's details) to --out.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert

from khabar.analyse.config import load_config
from khabar.analyse.incidents import cluster_pending, update_incidents
from khabar.model import DateValue, Document, Event, Extraction, Location, Ref, Span
from khabar.store.db import close_all, open_store
from khabar.store.documents import insert_document, now_iso
from khabar.store.records import save_extraction
from khabar.store.schema import documents, events, incident_events, incidents

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "src" / "khabar" / "samples" / "isis-k-tajik-border.txt"
TYPES = ["ASSAULT"] * 5 + ["FIGHT"] * 3 + ["COERCE"] * 2 + ["ARREST"] * 2 + ["MOBILIZE", "PROTEST", "AID", "CONSULT"]
OUTLETS = [f"Outlet {i}" for i in range(40)]
ACTORS = [f"actor-{i}" for i in range(60)]
WORDS = ("attack bomb blast militants gunmen police soldiers border village district province checkpoint "
         "convoy mosque market school killed wounded injured fighters clash raid arrested suspects officials "
         "security forces civilians shelling drone strike ambush patrol road bridge camp base hostage").split()
START = date(2023, 1, 1)
DAYS = 3 * 365
PRECISIONS = ["city"] * 6 + ["admin1"] * 2 + ["point", "country"]


def _place(rng: random.Random) -> tuple[float, float, str]:
    return 35.0 + rng.random() * 6.0, 62.0 + rng.random() * 14.0, rng.choice(PRECISIONS)


def _evidence(rng: random.Random, base: list[str]) -> str:
    words = base[:] + rng.sample(WORDS, 4)
    rng.shuffle(words)
    return " ".join(words).capitalize() + "."


def fill(url: str, n_events: int, seed: int = 7) -> tuple[int, list[tuple]]:
    """Bulk-insert n_events synthetic reports (about 2.5 per real event), already clustered.

    Returns the number of documents and the synthetic real events (for new reports of them)."""
    rng = random.Random(seed)
    engine = open_store(url)
    doc_rows, event_rows, inc_rows, link_rows = [], [], [], []
    n_docs = 0
    made = 0
    real = 0
    ts = now_iso()
    truth: list[tuple] = []
    while made < n_events:
        real += 1
        day = START + timedelta(days=rng.randrange(DAYS))
        lat, lon, precision = _place(rng)
        etype = rng.choice(TYPES)
        actor = rng.choice(ACTORS)
        base = rng.sample(WORDS, 6)
        fatalities = rng.choice([None, rng.randrange(0, 40)])
        inc_id = f"inc-synthetic-{real}"
        truth.append((etype, actor, lat, lon, precision, day, base, fatalities))
        reports = min(n_events - made, rng.choice([1, 1, 2, 3, 4, 5]))
        for _ in range(reports):
            n_docs += 1
            doc_id = f"doc{n_docs:08d}"
            ev_text = _evidence(rng, base)
            published = (day + timedelta(days=rng.choice([0, 0, 1, 2]))).isoformat() + "T08:00:00+00:00"
            doc_rows.append({"id": doc_id, "title": f"Report {n_docs}", "url": f"https://example.org/{doc_id}",
                             "source": rng.choice(OUTLETS), "published": published, "language": "en",
                             "text": ev_text, "length": len(ev_text), "ingested_at": ts, "extracted_at": ts,
                             "near_dup_group": doc_id})
            ev_id = f"{doc_id}-e0"
            event_rows.append({
                "id": ev_id, "doc_id": doc_id, "type": etype, "status": "occurred", "actor_id": actor,
                "actor_name": actor, "location_name": f"place {lat:.1f},{lon:.1f}", "country": "AF",
                "lat": lat + rng.uniform(-0.02, 0.02), "lon": lon + rng.uniform(-0.02, 0.02),
                "geo_precision": precision, "date_start": day.isoformat(), "date_end": day.isoformat(),
                "date_precision": "day", "fatalities": None if fatalities is None else fatalities + rng.choice([0, 0, 2]),
                "evidence_text": ev_text, "evidence_start": 0, "evidence_end": len(ev_text), "confidence": 0.7,
            })
            link_rows.append({"incident_id": inc_id, "event_id": ev_id, "score": 1.0})
            made += 1
        inc_rows.append({"id": inc_id, "type": etype, "data": "{}", "first_reported": None,
                         "source_count": reports, "updated_at": ts})
    with engine.begin() as conn:
        for table, rows in ((documents, doc_rows), (events, event_rows), (incidents, inc_rows),
                            (incident_events, link_rows)):
            for i in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[i:i + 5000])
    return n_docs, truth


def new_documents(n: int, truth: list[tuple], seed: int = 99) -> list[tuple[Document, Extraction]]:
    """Fresh documents with 3 events each: about half are new reports of a stored synthetic event."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        doc_id = f"new{seed}-{i:05d}"
        parts, evs = [], []
        for j in range(3):
            if rng.random() < 0.5:
                etype, actor, lat, lon, precision, day, base, fatalities = rng.choice(truth)
            else:
                lat, lon, precision = _place(rng)
                etype, actor, base = rng.choice(TYPES), rng.choice(ACTORS), rng.sample(WORDS, 6)
                day, fatalities = START + timedelta(days=rng.randrange(DAYS)), rng.choice([None, 3, 7])
            text = _evidence(rng, base)
            start = sum(len(p) + 1 for p in parts)
            parts.append(text)
            evs.append(Event(
                id=f"{doc_id}-e{j}", type=etype, evidence=Span(text, start, start + len(text)),
                actor=Ref(actor, actor),
                location=Location(name="somewhere", country="AF", lat=lat, lon=lon, precision=precision),
                date=DateValue(day.isoformat(), day.isoformat(), "day"), fatalities=fatalities, confidence=0.7,
            ))
        doc = Document(id=doc_id, text=" ".join(parts), source=rng.choice(OUTLETS),
                       url=f"https://example.org/{doc_id}", published=day.isoformat() + "T09:00:00+00:00",
                       title=f"New {i}", language="en")
        out.append((doc, Extraction(doc_id=doc_id, events=evs, stages_run=["benchmark"])))
    return out


def extraction_baseline(repeat: int = 5) -> tuple[str, float]:
    """(what was measured, median seconds) for extracting the sample article once."""
    text = SAMPLE.read_text(encoding="utf-8")
    try:
        from khabar.extract.pipeline import load_pipeline

        pipe = load_pipeline()
        doc = Document(id="sample", text=text, language="en", title="sample")
        pipe.extract(doc)  # warm-up
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            pipe.extract(doc)
            times.append(time.perf_counter() - t0)
        return f"full khabar pipeline ({', '.join(pipe.missing) or 'all stages'} missing)" \
            if getattr(pipe, "missing", None) else "full khabar pipeline", statistics.median(times)
    except Exception as exc:  # noqa: BLE001 - stages are being finished: fall back to the bare model
        print(f"(full pipeline unavailable: {exc.__class__.__name__}: {exc}; using bare spaCy)", file=sys.stderr)
    from khabar.extract.nlp import load_base

    nlp = load_base()
    nlp(text)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        nlp(text)
        times.append(time.perf_counter() - t0)
    return "bare spaCy model", statistics.median(times)


def measure(size: int, n_new: int, workdir: Path) -> dict[str, float]:
    url = str(workdir / f"store-{size}.db")
    t0 = time.perf_counter()
    n_docs, truth = fill(url, size)
    fill_s = time.perf_counter() - t0
    engine = open_store(url)
    cfg = load_config()
    per_doc, per_event, full_scan, update_one = [], [], [], []
    joined = created = 0
    for doc, ext in new_documents(n_new, truth, seed=size % 997):
        with engine.begin() as conn:
            insert_document(conn, doc)
            save_extraction(conn, ext, version="benchmark")
            t0 = time.perf_counter()
            stats = cluster_pending(conn, cfg, doc_ids=[doc.id])
            dt = time.perf_counter() - t0
        per_doc.append(dt)
        joined += stats["joined"]
        created += stats["created"]
        per_event.append(dt / max(1, stats["events"]))
    for doc, ext in new_documents(5, truth, seed=size % 997 + 1):  # the alternatives, for comparison
        with engine.begin() as conn:
            insert_document(conn, doc)
            save_extraction(conn, ext, version="benchmark")
            t0 = time.perf_counter()
            update_incidents(conn, [doc.id], cfg)  # re-extraction safe, prunes orphans (full scan)
            update_one.append(time.perf_counter() - t0)
        with engine.begin() as conn:
            t0 = time.perf_counter()
            cluster_pending(conn, cfg)  # catch-up without doc ids: scans every event
            full_scan.append(time.perf_counter() - t0)
    close_all()
    return {"events": size, "documents": n_docs, "fill_s": fill_s,
            "per_doc_median": statistics.median(per_doc), "per_doc_p90": sorted(per_doc)[int(0.9 * len(per_doc))],
            "per_event_median": statistics.median(per_event), "joined": joined, "created": created,
            "update_incidents_median": statistics.median(update_one),
            "catch_up_scan_median": statistics.median(full_scan)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--new", type=int, default=30, help="new documents clustered per size (3 events each)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "clustering.md"))
    args = ap.parse_args()
    what, base_s = extraction_baseline()
    print(f"baseline: {what}, sample article: {base_s * 1000:.1f} ms per document", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="khabar-bench-") as tmp:
        for size in args.sizes:
            r = measure(size, args.new, Path(tmp))
            rows.append(r)
            print(f"{size} events: incremental {r['per_doc_median'] * 1000:.1f} ms/doc", flush=True)
    lines = [
        "| events in store | documents | incremental update per new doc (median / p90) | per event |"
        " ratio to extraction | new events joined / new incidents | update_incidents (with prune) |"
        " catch-up scan, no doc ids |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['events']:,} | {r['documents']:,} | {r['per_doc_median'] * 1000:.1f} ms / "
            f"{r['per_doc_p90'] * 1000:.1f} ms | {r['per_event_median'] * 1000:.1f} ms | "
            f"{r['per_doc_median'] / base_s:.3f} | {r['joined']} / {r['created']} | "
            f"{r['update_incidents_median'] * 1000:.1f} ms | "
            f"{r['catch_up_scan_median'] * 1000:.1f} ms |"
        )
    table = "\n".join(lines)
    print()
    print(table)
    print(f"\nbaseline ({what}) on the sample article ({SAMPLE.stat().st_size:,} bytes): {base_s * 1000:.1f} ms")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "# Incremental incident clustering vs extraction\n\n"
        f"`python benchmarks/clustering.py --sizes {' '.join(map(str, args.sizes))} --new {args.new}` on "
        f"{platform.machine()} / {platform.python_implementation()} {platform.python_version()}, "
        f"SQLite, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n"
        f"Baseline measured in the same run: **{what}** on the sample article "
        f"({SAMPLE.stat().st_size:,} bytes): **{base_s * 1000:.1f} ms** per document (median of 5).\n\n"
        f"{table}\n\n"
        "Synthetic store: reports of synthetic real-world events (1-5 outlets each) over 3 years in a "
        "6 x 14 degree box, 16 event types, 60 actors, 40 outlets, pre-clustered. Each new document has 3 "
        "events; it is saved with save_extraction and clustered with `cluster_pending(conn, doc_ids=[id])` "
        "(the timed part). `update_incidents` also detaches re-extracted events and prunes orphaned "
        "incidents; the catch-up scan is `cluster_pending(conn)` without document ids (`khabar cluster`).\n",
        encoding="utf-8",
    )
    print(f"written to {out}")


if __name__ == "__main__":
    main()
