"""What API routes and pages share: a store connection per request, bounded paging, filter parsing."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from sqlalchemy.engine import Connection

MAX_PAGE = 500  # rows per page of any listing
MAX_MAP = 20_000  # points per map request
MAP_DEFAULT = 10_000  # the map page's request: newest first, the page says when more matched
DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
SORTS = ("date", "-date", "confidence")


def package_dir(name: str) -> Path:
    """A directory shipped inside khabar.serve (templates, static)."""
    return Path(str(resources.files("khabar.serve").joinpath(name)))


def get_conn(request: Request) -> Iterator[Connection]:
    with request.app.state.engine.connect() as conn:
        yield conn


Conn = Annotated[Connection, Depends(get_conn)]


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """"min_lon,min_lat,max_lon,max_lat" -> floats; anything else is the client's error (400)."""
    if not value:
        return None
    try:
        parts = tuple(float(x) for x in value.split(","))
    except ValueError:
        parts = ()
    ok = len(parts) == 4 and all(p == p for p in parts)  # NaN != NaN
    if ok:
        lo0, la0, lo1, la1 = parts
        ok = -180 <= lo0 <= lo1 <= 180 and -90 <= la0 <= la1 <= 90
    if not ok:
        raise HTTPException(400, "bbox must be min_lon,min_lat,max_lon,max_lat in degrees")
    return parts  # type: ignore[return-value]


def event_filters(
    type: Annotated[str | None, Query(max_length=200, description="PLOVER type(s), comma-separated")] = None,  # noqa: A002
    actor: Annotated[str | None, Query(max_length=200, description="actor id, name or alias")] = None,
    target: Annotated[str | None, Query(max_length=200, description="target id, name or alias")] = None,
    country: Annotated[str | None, Query(max_length=200, description="ISO 3166-1 alpha-2 code(s)")] = None,
    bbox: Annotated[str | None, Query(max_length=200, description="min_lon,min_lat,max_lon,max_lat")] = None,
    since: Annotated[str | None, Query(pattern=DATE, description="YYYY[-MM[-DD]]")] = None,
    until: Annotated[str | None, Query(pattern=DATE, description="YYYY[-MM[-DD]]")] = None,
    status: Annotated[str | None, Query(max_length=200, description="occurred, denied, ...")] = None,
    min_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    doc: Annotated[str | None, Query(max_length=64, description="document id or prefix")] = None,
) -> dict[str, Any]:
    """The events filters as keyword arguments of store.queries.query_events."""
    return {
        "type": type or None, "actor": actor or None, "target": target or None, "country": country or None,
        "bbox": parse_bbox(bbox), "since": since or None, "until": until or None, "status": status or None,
        "min_confidence": min_confidence, "doc": doc or None,
    }


EventFilters = Annotated[dict[str, Any], Depends(event_filters)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
