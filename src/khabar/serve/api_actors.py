"""/api/actors and /api/places: listings, and an actor's profile (activity over time, places, relations)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from sqlalchemy import func, or_, select

from khabar.serve.api_events import week_of
from khabar.serve.deps import Conn, Limit, Offset
from khabar.store import queries
from khabar.store.records import actor_record, place_record
from khabar.store.schema import actors, claims, documents, events, mentions, places

router = APIRouter(prefix="/api", tags=["actors and places"])
Text = Annotated[str | None, Query(max_length=200)]
Id = Annotated[str, Path(max_length=128)]


@router.get("/actors", summary="Actors (knowledge base and read from text) with mention counts")
def list_actors(conn: Conn, name: Text = None, type: Text = None, country: Text = None,  # noqa: A002
                limit: Limit = 50, offset: Offset = 0,
                sort: Literal["name", "mentions"] = "mentions") -> dict[str, Any]:
    f = {"name": name or None, "type": type or None, "country": country or None}
    items = queries.query_actors(conn, **f, with_counts=True, limit=limit, offset=offset, sort=sort)
    return {"total": queries.count_actors(conn, **f), "limit": limit, "offset": offset, "items": items}


def actor_profile(conn: Any, actor_id: str) -> dict[str, Any] | None:
    """Everything the actor page shows, from indexed lookups on the actor's id."""
    row = conn.execute(select(actors).where(actors.c.id == actor_id)).first()
    if row is None:
        return None
    prof = actor_record(row._mapping)
    m, e = mentions.c, events.c
    prof["mentions"] = conn.execute(select(func.count()).where(m.actor_id == actor_id)).scalar_one()
    prof["documents"] = conn.execute(
        select(func.count(m.doc_id.distinct())).where(m.actor_id == actor_id)).scalar_one()
    month = func.substr(documents.c.published, 1, 7)
    prof["mentions_by_month"] = [
        {"month": mo, "mentions": n}
        for mo, n in conn.execute(
            select(month, func.count()).select_from(mentions.join(documents, documents.c.id == m.doc_id))
            .where(m.actor_id == actor_id, documents.c.published.is_not(None)).group_by(month).order_by(month)
        ).all()
    ]
    rows = conn.execute(
        select(e.type, e.date_start, e.actor_id, e.actor_name, e.target_id, e.target_name, e.location_name,
               e.country, e.lat, e.lon, e.place_id)
        .where(or_(e.actor_id == actor_id, e.target_id == actor_id)).limit(100_000)
    ).all()
    weeks: Counter[tuple[str, str]] = Counter()
    where: Counter[tuple[Any, ...]] = Counter()
    edges: Counter[tuple[Any, ...]] = Counter()
    for r in rows:
        w = week_of(r.date_start)
        if w:
            weeks[(w, r.type)] += 1
        if r.location_name:
            where[(r.place_id, r.location_name, r.country, r.lat, r.lon)] += 1
        if r.actor_id == actor_id and (r.target_id or r.target_name):
            edges[(actor_id, prof["name"], r.target_id, r.target_name, r.type)] += 1
        if r.target_id == actor_id and (r.actor_id or r.actor_name):
            edges[(r.actor_id, r.actor_name, actor_id, prof["name"], r.type)] += 1
    prof["events"] = len(rows)
    prof["events_by_week"] = [{"week": w, "type": t, "events": n} for (w, t), n in sorted(weeks.items())]
    prof["places"] = [
        {"place_id": k[0], "name": k[1], "country": k[2], "lat": k[3], "lon": k[4], "events": n}
        for k, n in where.most_common(50)
    ]
    prof["relations"] = [
        {"actor_id": k[0], "actor": k[1], "target_id": k[2], "target": k[3], "type": k[4], "events": n}
        for k, n in edges.most_common(100)
    ]
    prof["claims"] = conn.execute(select(func.count()).where(claims.c.speaker_id == actor_id)).scalar_one()
    return prof


@router.get("/actors/{actor_id}", summary="One actor's profile: aliases, activity over time, places, relations")
def get_actor(conn: Conn, actor_id: Id) -> dict[str, Any]:
    prof = actor_profile(conn, actor_id)
    if prof is None:
        raise HTTPException(404, "no such actor")
    return prof


@router.get("/places", summary="Places seen in documents, with mention counts")
def list_places(conn: Conn, name: Text = None, country: Text = None, limit: Limit = 50, offset: Offset = 0,
                sort: Literal["name", "mentions"] = "mentions") -> dict[str, Any]:
    f = {"name": name or None, "country": country or None}
    items = queries.query_places(conn, **f, with_counts=True, limit=limit, offset=offset, sort=sort)
    return {"total": queries.count_places(conn, **f), "limit": limit, "offset": offset, "items": items}


@router.get("/places/{place_id}", summary="One place with its mention and event counts")
def get_place(conn: Conn, place_id: Id) -> dict[str, Any]:
    row = conn.execute(select(places).where(places.c.id == place_id)).first()
    if row is None:
        raise HTTPException(404, "no such place")
    rec = place_record(row._mapping)
    rec["mentions"] = conn.execute(select(func.count()).where(mentions.c.place_id == place_id)).scalar_one()
    rec["events"] = conn.execute(select(func.count()).where(events.c.place_id == place_id)).scalar_one()
    return rec
