"""/api/incidents, /api/contradictions, /api/trends, /api/reliability: the analysis layer (docs/analysis.md).

Thin wrappers over khabar.analyse with bounded pages; the methods, thresholds and their configuration
are the analysis modules' (khabar/data/analysis.yaml), so the API, the pages and the CLI agree.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from khabar.analyse.contradictions import find_contradictions
from khabar.analyse.incidents import find_incidents, get_incident
from khabar.analyse.reliability import reliability_table
from khabar.analyse.trends import rises, trends
from khabar.serve.deps import DATE, MAX_PAGE, Conn, Limit, Offset

router = APIRouter(prefix="/api", tags=["analysis"])
Text = Annotated[str | None, Query(max_length=200)]
MAX_SERIES = 200  # trend series per answer
MAX_RISES = 500


def incident_page(conn: Any, f: dict[str, Any], limit: int, offset: int) -> dict[str, Any]:
    """One page of incident summaries, newest report first; `more` says whether another page exists."""
    rows = find_incidents(conn, **f, limit=limit + 1, offset=offset)
    return {"limit": limit, "offset": offset, "more": len(rows) > limit, "items": rows[:limit]}


def incident_filters(
    since: Annotated[str | None, Query(pattern=DATE, description="a report dated on/after (YYYY[-MM[-DD]])")] = None,
    until: Annotated[str | None, Query(pattern=DATE, description="a report dated on/before")] = None,
    type: Annotated[str | None, Query(max_length=50, description="PLOVER type of a report")] = None,  # noqa: A002
    actor: Annotated[str | None, Query(max_length=200, description="actor or target id or name")] = None,
    country: Annotated[str | None, Query(max_length=2, description="ISO 3166-1 alpha-2")] = None,
    min_sources: Annotated[int, Query(ge=1, le=1000, description="independent sources at least")] = 1,
) -> dict[str, Any]:
    return {"since": since or None, "until": until or None, "type": type or None, "actor": actor or None,
            "country": country or None, "min_sources": min_sources}


IncidentFilters = Annotated[dict[str, Any], Depends(incident_filters)]


@router.get("/incidents", summary="Merged events (one real-world incident, many reports), newest first")
def incidents(conn: Conn, f: IncidentFilters, limit: Limit = 50,
              offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> dict[str, Any]:
    return incident_page(conn, f, limit, offset)


@router.get("/incidents/{incident_id}", summary="One incident with every report: source, date, figures, evidence")
def incident(conn: Conn, incident_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    inc = get_incident(conn, incident_id)
    if inc is None:
        raise HTTPException(404, "no such incident")
    return inc


@router.get("/contradictions", summary="Conflicting claims (denials, disagreeing figures), both evidence sentences")
def contradictions(conn: Conn, subject: Text = None, agreements: bool = False, limit: Limit = 100,
                   offset: Offset = 0) -> dict[str, Any]:
    kinds = ("denial", "disagreement", "agreement") if agreements else ("denial", "disagreement")
    pairs = find_contradictions(conn, subject=subject or None, kinds=kinds)
    return {"total": len(pairs), "limit": limit, "offset": offset, "items": pairs[offset:offset + limit]}


@router.get("/trends", summary="Event counts per week (or day) per actor, country, admin1 or type, with unusual rises",
            description="A rise: count >= trends.min_count and P(X >= count) < trends.p_value under a Poisson "
            "law whose mean is the series' own average over its previous trends.baseline_periods periods.")
def trend_series(conn: Conn, by: Literal["actor", "country", "admin1", "type"] = "type", daily: bool = False,
                 since: Annotated[str | None, Query(pattern=DATE)] = None, rises_only: bool = False,
                 limit: Annotated[int, Query(ge=1, le=MAX_SERIES)] = 50) -> dict[str, Any]:
    series = trends(conn, by=by, daily=daily, since=since or None)
    found = rises(series)[:MAX_RISES]
    return {"by": by, "period": "day" if daily else "week", "rises": found,
            "series_total": len(series), "series": [] if rises_only else series[:limit]}


@router.get("/reliability", summary="Per outlet and speaker: claims, contradicted, corroborated, assigned grade")
def reliability(conn: Conn, limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE) -> dict[str, Any]:
    table = reliability_table(conn)
    return {k: v[:limit] for k, v in table.items()}
