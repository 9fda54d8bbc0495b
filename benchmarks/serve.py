"""Latency of the web app's events API and map endpoint with 100,000 events in the store.

A temporary SQLite store is filled with synthetic documents, actors and events (bulk inserts through the
store's tables; the schema comes from the real migrations). Requests go through the whole app in process
(FastAPI TestClient: routing, validation, SQL, JSON encoding), not through a network socket.

Measured twice in the same run: first with the serving indexes of migration 0002 dropped (the baseline:
schema 0001 only), then with them; the ratio is baseline / indexed. Targets: a filtered events page
(with its total count) p95 < 100 ms; the map endpoint (GeoJSON, 10,000 points by default, 20,000 at most) p95 < 1 s.

    .venv/bin/python benchmarks/serve.py [--events 100000] [--rounds 30] [--out benchmarks/results/serve.md]

Not a test: it prints a table and writes it (with the machine's details) to --out.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

TYPES = ["ASSAULT", "COERCE", "THREATEN", "MOBILIZE", "PROTEST", "SANCTION", "ACCUSE", "REJECT", "REQUEST",
         "CONSULT", "AGREE", "COOPERATE", "SUPPORT", "AID", "RECRUIT", "PROPAGANDA"]
COUNTRIES = {"AF": (29.5, 38.5, 60.5, 74.9), "TJ": (36.7, 41.0, 67.4, 75.1), "UZ": (37.2, 45.6, 56.0, 73.1),
             "KG": (39.2, 43.2, 69.3, 80.2), "TM": (35.1, 42.8, 52.5, 66.7), "PK": (24.0, 37.0, 61.0, 77.0),
             "IR": (25.0, 39.7, 44.0, 63.3), "KZ": (40.6, 55.4, 46.5, 87.3), "RU": (45.0, 60.0, 37.0, 60.0),
             "CN": (30.0, 45.0, 75.0, 100.0)}
STATUSES = ["occurred"] * 8 + ["planned", "threatened", "alleged", "denied"]
EVENTS_PER_DOC = 50
INDEXES = ["ix_events_dates", "ix_events_country_dates", "ix_events_type_country_date", "ix_events_type_latlon",
           "ix_events_status_confidence", "ix_events_confidence", "ix_events_actor_name",
           "ix_events_target_name", "ix_events_actor_name_lower", "ix_events_target_name_lower"]  # migration 0002

QUERIES = [
    ("type+country, newest first", {"type": "ASSAULT", "country": "AF", "sort": "-date"}),
    ("country+date range", {"country": "TJ", "since": "2023-01", "until": "2023-03-31"}),
    ("actor (id)", {"actor": "actor-17", "sort": "-date"}),
    ("bbox+type", {"bbox": "66,34,71,38", "type": "COERCE"}),
    ("status+min confidence, by confidence", {"status": "denied", "min_confidence": 0.8, "sort": "confidence"}),
    ("one month, page 11", {"since": "2023-06-01", "until": "2023-06-30", "offset": 500}),
    ("no filter, newest first", {"sort": "-date"}),
]
MAP_QUERIES = [
    ("map: all (10,000 newest, the map page)", {}),
    ("map: all (20,000 newest, the maximum)", {"limit": 20_000}),
    ("map: type+date range", {"type": "ASSAULT", "since": "2023-01", "until": "2023-12-31"}),
]


def fill(db: str, n_events: int, seed: int = 7) -> None:
    from sqlalchemy import insert

    from khabar.store.db import open_store
    from khabar.store.schema import actors, documents, events

    rng = random.Random(seed)
    engine = open_store(db)
    n_docs = max(1, n_events // EVENTS_PER_DOC)
    day0 = time.mktime((2022, 1, 1, 0, 0, 0, 0, 0, -1))
    with engine.begin() as conn:
        conn.execute(insert(actors), [{"id": f"actor-{i}", "name": f"Actor {i}", "type": "armed_group",
                                       "aliases": "[]", "origin": "kb"} for i in range(200)])
        docs = []
        for d in range(n_docs):
            published = time.strftime("%Y-%m-%d", time.localtime(day0 + rng.randrange(730) * 86400))
            docs.append({"id": f"{d:040x}", "title": f"Report {d}", "text": "Synthetic report. " * 20,
                         "length": 360, "published": published, "source": f"Outlet {d % 40}",
                         "ingested_at": "2024-01-01T00:00:00"})
        conn.execute(insert(documents), docs)
        rows = []
        for i in range(n_events):
            country = rng.choice(list(COUNTRIES))
            la0, la1, lo0, lo1 = COUNTRIES[country]
            day = time.strftime("%Y-%m-%d", time.localtime(day0 + rng.randrange(730) * 86400))
            a, t = rng.randrange(200), rng.randrange(200)
            rows.append({
                "id": f"ev-{i}", "doc_id": f"{i // EVENTS_PER_DOC:040x}", "type": rng.choice(TYPES),
                "status": rng.choice(STATUSES), "actor_id": f"actor-{a}", "actor_name": f"Actor {a}",
                "target_id": f"actor-{t}", "target_name": f"Actor {t}", "location_name": f"Place {i % 900}",
                "country": country, "lat": round(rng.uniform(la0, la1), 4), "lon": round(rng.uniform(lo0, lo1), 4),
                "geo_precision": "city", "date_start": day, "date_end": day, "date_precision": "day",
                "evidence_text": "Militants attacked a checkpoint near the border, officials said.",
                "evidence_start": (i % EVENTS_PER_DOC) * 10, "evidence_end": (i % EVENTS_PER_DOC) * 10 + 9,
                "confidence": round(rng.uniform(0.3, 1.0), 2), "fatalities": rng.choice([None, 0, 1, 2, 5]),
            })
            if len(rows) == 10_000:
                conn.execute(insert(events), rows)
                rows = []
        if rows:
            conn.execute(insert(events), rows)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def measure(client, queries, path: str, rounds: int) -> dict[str, tuple[float, float, int]]:  # noqa: ANN001
    out = {}
    for name, params in queries:
        client.get(path, params=params)  # warm the page cache and the statement cache
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            r = client.get(path, params=params)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
        body = r.json()
        n = body["total"] if "total" in body else len(body["features"])
        out[name] = (statistics.median(times), p95(times), n)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--map-rounds", type=int, default=8)
    ap.add_argument("--out", default="benchmarks/results/serve.md")
    args = ap.parse_args()

    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from khabar.serve.app import create_app
    from khabar.store.db import close_all, open_store

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        fill(db, args.events)
        print(f"filled {args.events:,} events in {time.perf_counter() - t0:.1f} s")
        engine = open_store(db)
        ddl = {}
        with engine.begin() as conn:
            for name in INDEXES:
                sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE type='index' AND name=:n"),
                                   {"n": name}).scalar_one_or_none()
                if sql:
                    ddl[name] = sql
                    conn.execute(text(f'DROP INDEX "{name}"'))
            conn.execute(text("ANALYZE"))
        client = TestClient(create_app(db))
        base = measure(client, QUERIES, "/api/events", args.rounds)
        base_map = measure(client, MAP_QUERIES, "/api/events.geojson", args.map_rounds)
        with engine.begin() as conn:
            for sql in ddl.values():
                conn.execute(text(sql))
            conn.execute(text("ANALYZE"))
        close_all()
        client = TestClient(create_app(db))
        new = measure(client, QUERIES, "/api/events", args.rounds)
        new_map = measure(client, MAP_QUERIES, "/api/events.geojson", args.map_rounds)
        close_all()

    lines = [
        f"# Web app latency, {args.events:,} events (SQLite, in-process requests)",
        "",
        f"{platform.platform()}, Python {platform.python_version()}, {args.rounds} requests per events query, "
        f"{args.map_rounds} per map query. Baseline: without the indexes of migration 0002 ({', '.join(ddl) or 'none found'}).",
        "",
        "| request | matches | baseline p95 ms | p95 ms | median ms | speed-up (p95) | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    worst = 0.0
    for (name, _), (_, target) in zip(QUERIES + MAP_QUERIES, [(0, 100)] * len(QUERIES) + [(0, 1000)] * len(MAP_QUERIES),
                                      strict=True):
        b = {**base, **base_map}[name]
        m = {**new, **new_map}[name]
        ok = "ok" if m[1] < target else "MISSED"
        if target == 100:
            worst = max(worst, m[1])
        lines.append(f"| {name} | {m[2]:,} | {b[1]:.1f} | {m[1]:.1f} | {m[0]:.1f} | {b[1] / m[1]:.2f}x | "
                     f"< {target} ms {ok} |")
    lines += ["", f"Worst filtered events page p95: {worst:.1f} ms (target < 100 ms); map p95: "
              f"{max(v[1] for v in new_map.values()):.0f} ms (target < 1,000 ms)."]
    report = "\n".join(lines) + "\n"
    print(report)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
