"""ACLED-style CSV: khabar's violent and political events in ACLED's public columns and conventions.

Column names and codes follow the ACLED codebook (table in data/acled.yaml), so the file drops into the
workflows analysts already have for ACLED data: event_date YYYY-MM-DD, time_precision and geo_precision
1-3, inter codes 1-8 with interaction = the two codes, lower first (10, 20 ... for a sole actor), fatalities
0 when not reported, notes = the evidence sentence. What ACLED has no column for (khabar event and
document ids, status, wounded, arrested, confidence) goes into tags as "key=value" pairs separated by "; ".
Written with the csv module (UTF-8, minimal quoting), so pandas and spreadsheets read it without fix-ups;
text cells that a spreadsheet would run as a formula (starting with = + - @) get a leading apostrophe.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime
from functools import cache
from typing import Any, TextIO

import pycountry
from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from khabar.datafiles import packaged_yaml
from khabar.export.select import Filters, iter_event_rows
from khabar.store.schema import actors

VIOLENT = {"Battles", "Explosions/Remote violence", "Violence against civilians"}
TEXT_COLUMNS = ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "admin1", "admin2", "admin3", "location",
                "source", "notes", "tags")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """Text from articles as a spreadsheet cell that is never run as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(_FORMULA) else value


@cache
def conventions() -> dict[str, Any]:
    data = packaged_yaml("acled.yaml")
    data["region_of"] = {cc: region for region, codes in data["regions"].items() for cc in codes}
    return data


@cache
def _country(alpha2: str) -> tuple[str, int | None, str]:
    """(alpha-3, numeric, ACLED-style name) of an ISO alpha-2 code; unknown codes pass through."""
    c = pycountry.countries.get(alpha_2=alpha2.upper())
    if c is None:
        return alpha2.upper(), None, alpha2.upper()
    name = getattr(c, "common_name", None) or c.name
    return c.alpha_3, int(c.numeric), name


def event_id_cnty(row: dict[str, Any]) -> str:
    """ACLED shape (country alpha-3 + number), stable for the khabar event id."""
    prefix = _country(row["country"])[0] if row.get("country") else "XXX"
    number = int(hashlib.sha1(row["id"].encode("utf-8")).hexdigest()[:12], 16) % 10**9
    return f"{prefix}{number}"


def _full_date(value: str | None) -> str:
    """A partial ISO date as ACLED's full date (first day of the period), '' when unknown."""
    if not value:
        return ""
    v = value[:10]
    if len(v) == 4:
        return v + "-01-01"
    if len(v) == 7:
        return v + "-01"
    return v


class _Inter:
    """ACLED inter codes for actors, with persons coded by the organisation they belong to."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.conv = conventions()
        self._aff: dict[str, tuple[str | None, str | None]] = {}

    def _affiliation(self, aff: str) -> tuple[str | None, str | None]:
        if aff not in self._aff:
            r = self.conn.execute(
                select(actors.c.type, actors.c.country).where(or_(actors.c.id == aff, actors.c.name == aff)).limit(1)
            ).first()
            self._aff[aff] = (r.type, r.country) if r else (None, None)
        return self._aff[aff]

    def code(self, name: str | None, typ: str | None, affiliation: str | None, country: str | None,
             event_country: str | None) -> int | None:
        if name is None and typ is None:
            return None
        if typ == "person" and affiliation:
            typ, country = self._affiliation(affiliation)
        table = self.conv["inter_by_actor_type"]
        if typ is None:
            words = set((name or "").lower().replace("-", " ").split())
            return 7 if words & set(self.conv["civilian_words"]) else None
        if typ in self.conv["external_types"] and country and event_country and country != event_country:
            return 8
        return table.get(typ)


def acled_row(row: dict[str, Any], inter: _Inter) -> dict[str, Any]:
    conv = conventions()
    country = row.get("country")
    alpha3, numeric, cname = _country(country) if country else ("", None, "")
    date = _full_date(row.get("date_start"))
    tags = [f"khabar_event={row['id']}", f"khabar_doc={row['doc_id']}", f"status={row['status']}",
            f"plover={row['type']}" + (f"/{row['mode']}" if row.get("mode") else ""),
            f"confidence={round(float(row['confidence']), 3)}"]
    if date:
        tp = conv["time_precision"].get(row.get("date_precision") or "unknown", 3)
    else:
        date, tp = _full_date(row.get("doc_published")), 3
        if date:
            tags.append("date=publication date")
    for key in ("wounded", "arrested"):
        if row.get(key) is not None:
            tags.append(f"{key}={row[key]}")
    if row.get("fatalities") is None:
        tags.append("fatalities=not reported")
    i1 = inter.code(row.get("actor_name"), row.get("actor_type"), row.get("actor_affiliation"),
                    row.get("actor_country"), country)
    i2 = inter.code(row.get("target_name"), row.get("target_type"), row.get("target_affiliation"),
                    row.get("target_country"), country)
    if i1 is None and row.get("actor_name") and row.get("actor_type") is None:
        i1 = conv["unresolved_actor1_by_event_type"].get(row["acled_type"])  # "Traders" in a protest
    actor1, actor2 = row.get("actor_name"), row.get("target_name")
    codes = sorted(c for c in (i1, i2) if c is not None)
    interaction = "" if not codes else (codes[0] * 10 if len(codes) == 1 else codes[0] * 10 + codes[1])
    subtype = row.get("acled_subtype") or ""
    disorder = conv["disorder_type_by_subtype"].get(subtype) or conv["disorder_type"].get(row["acled_type"], "")
    civilian = "Civilian targeting" if i2 == 7 and row["acled_type"] in VIOLENT else ""
    stamp = row.get("doc_extracted_at") or row.get("doc_ingested_at")
    try:
        timestamp: int | str = int(datetime.fromisoformat(stamp).timestamp()) if stamp else ""
    except ValueError:
        timestamp = ""
    return {
        "event_id_cnty": event_id_cnty(row),
        "event_date": date,
        "year": date[:4] if date else "",
        "time_precision": tp,
        "disorder_type": disorder,
        "event_type": row["acled_type"],
        "sub_event_type": subtype,
        "actor1": actor1 or "",
        "assoc_actor_1": "",
        "inter1": "" if i1 is None else i1,
        "actor2": actor2 or "",
        "assoc_actor_2": "",
        "inter2": "" if i2 is None else i2,
        "interaction": interaction,
        "civilian_targeting": civilian,
        "iso": "" if numeric is None else numeric,
        "region": conv["region_of"].get((country or "").upper(), ""),
        "country": cname,
        "admin1": row.get("admin1") or "",
        "admin2": "",
        "admin3": "",
        "location": row.get("location_name") or "",
        "latitude": "" if row.get("lat") is None else row["lat"],
        "longitude": "" if row.get("lon") is None else row["lon"],
        "geo_precision": conv["geo_precision"].get(row.get("geo_precision") or "", 3 if country else ""),
        "source": row.get("doc_source") or "",
        "source_scale": "",
        "notes": " ".join((row.get("evidence_text") or "").split()),
        "fatalities": row.get("fatalities") or 0,
        "tags": "; ".join(tags),
        "timestamp": timestamp,
    }


def is_acled_event(row: dict[str, Any]) -> bool:
    return bool(row.get("acled_type")) and row.get("status") in conventions()["statuses"]


def write_acled_csv(conn: Connection, out: TextIO, f: Filters) -> tuple[int, int]:
    """Write the header and one row per ACLED-codable event; returns (written, skipped as not ACLED)."""
    writer = csv.DictWriter(out, fieldnames=conventions()["columns"], quoting=csv.QUOTE_MINIMAL,
                            lineterminator="\n")
    writer.writeheader()
    inter = _Inter(conn)
    written = skipped = 0
    for row in iter_event_rows(conn, f):
        if not is_acled_event(row):
            skipped += 1
            continue
        out_row = acled_row(row, inter)
        for col in TEXT_COLUMNS:
            out_row[col] = _cell(out_row[col])
        writer.writerow(out_row)
        written += 1
    return written, skipped
