"""Parquet export: events, claims, actors and documents as four tables in a directory.

Fixed schemas (below), so an empty selection still gives typed, readable tables and pandas, polars and
DuckDB see the same column types every time. Rows are written in batches through pyarrow's ParquetWriter:
memory holds one batch, not the export.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.engine import Connection

from khabar.export.select import (
    PAGE,
    Filters,
    iter_actor_rows,
    iter_claim_rows,
    iter_document_rows,
    iter_event_rows,
)

S, N, F, B = pa.string(), pa.int64(), pa.float64(), pa.bool_()  # string, integer, float, bool

EVENTS = pa.schema([
    ("id", S), ("doc_id", S), ("type", S), ("mode", S), ("acled_type", S), ("acled_subtype", S), ("status", S),
    ("actor_id", S), ("actor_name", S), ("actor_type", S), ("target_id", S), ("target_name", S),
    ("target_type", S), ("place_id", S), ("location_name", S), ("country", S), ("admin1", S), ("lat", F),
    ("lon", F), ("geo_precision", S), ("geonames_id", N), ("date_start", S), ("date_end", S),
    ("date_precision", S), ("fatalities", N), ("wounded", N), ("arrested", N), ("evidence_text", S),
    ("evidence_start", N), ("evidence_end", N), ("confidence", F), ("trigger", S),
    ("source", S), ("url", S), ("published", S),
])
CLAIMS = pa.schema([
    ("id", S), ("doc_id", S), ("speaker_id", S), ("speaker_name", S), ("speaker_role", S),
    ("speaker_affiliation", S), ("verb", S), ("stance", S), ("content", S), ("subject_id", S),
    ("subject_name", S), ("quantity_value", F), ("quantity_unit", S), ("quantity_approximate", B),
    ("quantity_text", S), ("date_start", S), ("date_end", S), ("date_precision", S), ("denies_id", S),
    ("denies_name", S), ("denies_claim", S), ("evidence_text", S), ("evidence_start", N), ("evidence_end", N),
    ("confidence", F),
])
ACTORS = pa.schema([
    ("id", S), ("name", S), ("type", S), ("country", S), ("parent", S), ("aliases", pa.list_(S)),
    ("wikidata", S), ("role", S), ("affiliation", S),
])
DOCUMENTS = pa.schema([
    ("id", S), ("title", S), ("url", S), ("source", S), ("author", S), ("published", S), ("language", S),
    ("path", S), ("length", N), ("ingested_at", S), ("extracted_at", S), ("extract_version", S),
])


def _event(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row.get(k) for k in EVENTS.names}
    out.update(source=row.get("doc_source"), url=row.get("doc_url"), published=row.get("doc_published"))
    return out


def _actor(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row.get(k) for k in ACTORS.names}
    out["aliases"] = json.loads(row["aliases"]) if row.get("aliases") else []
    return out


def _write(path: Path, schema: pa.Schema, rows: Iterable[dict[str, Any]],
           convert: Callable[[dict[str, Any]], dict[str, Any]]) -> int:
    """Write rows in batches of PAGE to one Parquet file; returns the row count."""
    n = 0
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(convert(row))
            if len(batch) >= PAGE:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n += len(batch)
                batch = []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n


def _pick(schema: pa.Schema) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda row: {k: row.get(k) for k in schema.names}


def write_parquet(conn: Connection, directory: Path, f: Filters, *, with_text: bool = False) -> dict[str, int]:
    """events.parquet, claims.parquet, actors.parquet, documents.parquet in directory; returns row counts."""
    directory.mkdir(parents=True, exist_ok=True)
    docs = DOCUMENTS.append(pa.field("text", S)) if with_text else DOCUMENTS
    tables: list[tuple[str, pa.Schema, Iterator[dict[str, Any]], Callable]] = [
        ("events", EVENTS, iter_event_rows(conn, f), _event),
        ("claims", CLAIMS, iter_claim_rows(conn, f), _pick(CLAIMS)),
        ("actors", ACTORS, iter_actor_rows(conn, f), _actor),
        ("documents", docs, iter_document_rows(conn, f, with_text=with_text), _pick(docs)),
    ]
    counts = {}
    for name, schema, rows, convert in tables:
        tmp = directory / f".{name}.parquet.tmp"
        counts[name] = _write(tmp, schema, rows, convert)
        tmp.replace(directory / f"{name}.parquet")
    return counts
