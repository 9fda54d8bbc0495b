"""/api/stats and /api/search: what the store holds, and one search over documents, actors and places."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from khabar.cli.stats import store_stats
from khabar.serve.deps import Conn
from khabar.store import queries
from khabar.store.documents import list_documents
from khabar.store.schema import events

router = APIRouter(prefix="/api", tags=["stats and search"])


def stats_of(conn: Any) -> dict[str, Any]:
    data: dict[str, Any] = dict(store_stats(conn))
    data["events_by_type"] = {
        t: n for t, n in conn.execute(
            select(events.c.type, func.count()).group_by(events.c.type).order_by(func.count().desc())
        ).all()
    }
    return data


@router.get("/stats", summary="Counts of what the store holds")
def stats(conn: Conn) -> dict[str, Any]:
    return stats_of(conn)


def search_all(conn: Any, q: str, limit: int = 20) -> dict[str, Any]:
    q = q.strip()
    if not q:
        return {"q": q, "documents": [], "actors": [], "places": []}
    return {
        "q": q,
        "documents": list_documents(conn, search=q, limit=limit),
        "actors": queries.query_actors(conn, name=q, with_counts=True, limit=limit, sort="mentions"),
        "places": queries.query_places(conn, name=q, with_counts=True, limit=limit, sort="mentions"),
    }


@router.get("/search", summary="Full-text over documents; names and aliases over actors and places")
def search(conn: Conn, q: Annotated[str, Query(max_length=500)] = "",
           limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    return search_all(conn, q, limit)
