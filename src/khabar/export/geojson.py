"""GeoJSON export: a FeatureCollection of events as points, every record field a flat property.

Flat properties (actor_name, date_start, ...) rather than nested objects, because QGIS and geopandas turn
each property into one attribute column. Coordinates are written as stored (no rounding) in GeoJSON's
[longitude, latitude] order; events without coordinates cannot be placed and are left out (counted).
Written feature by feature, so memory does not grow with the number of events.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from sqlalchemy.engine import Connection

from khabar.export.select import Filters, iter_event_rows

# Event columns that become properties, in this order, then the document's provenance.
PROPERTIES = (
    "id", "doc_id", "type", "mode", "acled_type", "acled_subtype", "status",
    "actor_id", "actor_name", "actor_type", "target_id", "target_name", "target_type",
    "place_id", "location_name", "country", "admin1", "geo_precision", "geonames_id",
    "date_start", "date_end", "date_precision", "fatalities", "wounded", "arrested",
    "evidence_text", "evidence_start", "evidence_end", "confidence", "trigger",
)
DOC_PROPERTIES = {"doc_title": "title", "doc_url": "url", "doc_source": "source", "doc_published": "published"}


def feature(row: dict[str, Any]) -> dict[str, Any]:
    props = {k: row.get(k) for k in PROPERTIES}
    props.update({name: row.get(col) for col, name in DOC_PROPERTIES.items()})
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
        "properties": props,
    }


def write_geojson(conn: Connection, out: TextIO, f: Filters) -> tuple[int, int]:
    """Write the FeatureCollection; returns (features written, events left out without coordinates)."""
    out.write('{"type": "FeatureCollection", "features": [')
    written = missing = 0
    for row in iter_event_rows(conn, f):
        if row.get("lat") is None or row.get("lon") is None:
            missing += 1
            continue
        out.write(("\n" if written == 0 else ",\n") + json.dumps(feature(row), ensure_ascii=False))
        written += 1
    out.write("\n]}\n")
    return written, missing
