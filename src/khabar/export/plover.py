"""PLOVER/POLECAT-style event records, one JSON object per line.

Field names follow the POLECAT release columns in snake_case (event_id, event_date, event_type,
event_mode, quad_code, actor_name, actor_country, recipient_name, placename, latitude, ...), with country
codes as ISO alpha-3 as POLECAT has them, plus what khabar knows beyond POLECAT (status, the evidence
sentence and its offsets, casualty counts, the ACLED mapping, confidence). JSON Lines so a large export
streams and pandas reads it with read_json(lines=True).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, TextIO

import pycountry
from sqlalchemy import select
from sqlalchemy.engine import Connection

from khabar.datafiles import packaged_yaml
from khabar.export.select import Filters, iter_event_rows
from khabar.store.schema import documents


@cache
def quads() -> dict[str, Any]:
    return packaged_yaml("plover_quad.yaml")


@cache
def alpha3(alpha2: str | None) -> str | None:
    if not alpha2:
        return None
    c = pycountry.countries.get(alpha_2=alpha2.upper())
    return c.alpha_3 if c else alpha2.upper()


def plover_record(row: dict[str, Any]) -> dict[str, Any]:
    """One event row from export.select as a PLOVER/POLECAT record."""
    q = quads()
    quad = q["quad_code"].get(row["type"])
    return {
        "event_id": row["id"],
        "event_date": row.get("date_start"),
        "event_date_end": row.get("date_end"),
        "date_precision": row.get("date_precision"),
        "event_type": row["type"],
        "event_mode": row.get("mode"),
        "quad_code": quad,
        "quad_name": q["quad_name"].get(quad) if quad else None,
        "contexts": [],
        "status": row["status"],
        "actor_id": row.get("actor_id"),
        "actor_name": row.get("actor_name"),
        "actor_country": alpha3(row.get("actor_country")),
        "actor_sector": row.get("actor_type"),
        "actor_title": row.get("actor_role"),
        "recipient_id": row.get("target_id"),
        "recipient_name": row.get("target_name"),
        "recipient_country": alpha3(row.get("target_country")),
        "recipient_sector": row.get("target_type"),
        "recipient_title": row.get("target_role"),
        "placename": row.get("location_name"),
        "state": row.get("admin1"),
        "country": alpha3(row.get("country")),
        "latitude": row.get("lat"),
        "longitude": row.get("lon"),
        "geonames_id": row.get("geonames_id"),
        "feature_type": row.get("geo_precision"),
        "fatalities": row.get("fatalities"),
        "wounded": row.get("wounded"),
        "arrested": row.get("arrested"),
        "acled_event_type": row.get("acled_type"),
        "acled_sub_event_type": row.get("acled_subtype"),
        "event_text": row.get("evidence_text"),
        "event_text_start": row.get("evidence_start"),
        "event_text_end": row.get("evidence_end"),
        "trigger": row.get("trigger"),
        "confidence": row.get("confidence"),
        "story_id": row["doc_id"],
        "headline": row.get("doc_title"),
        "source": row.get("doc_source"),
        "url": row.get("doc_url"),
        "publication_date": row.get("doc_published"),
        "language": row.get("doc_language"),
    }


def write_plover(conn: Connection, out: TextIO, f: Filters, *, with_text: bool = False) -> int:
    """One PLOVER record a line for every selected event; returns how many."""
    n = 0
    for row in iter_event_rows(conn, f):
        rec = plover_record(row)
        if with_text:
            rec["story_text"] = conn.execute(select(documents.c.text).where(documents.c.id == row["doc_id"])).scalar()
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        n += 1
    return n
