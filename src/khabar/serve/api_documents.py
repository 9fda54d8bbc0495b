"""/api/documents: listing with full-text search, and one document with its extraction record."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from khabar.serve.deps import DATE, Conn, Limit, Offset
from khabar.store.documents import get_document, list_documents, near_duplicates_of, sources_of
from khabar.store.records import build_record

router = APIRouter(prefix="/api", tags=["documents"])


@router.get("/documents", summary="Documents, newest first; q searches titles and text")
def documents(
    conn: Conn,
    q: Annotated[str | None, Query(max_length=500, description="full-text query")] = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    since: Annotated[str | None, Query(pattern=DATE)] = None,
    until: Annotated[str | None, Query(pattern=DATE)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    rows = list_documents(conn, source=source, language=language, since=since, until=until,
                          search=q or None, limit=limit + 1, offset=offset)
    return {"limit": limit, "offset": offset, "has_more": len(rows) > limit, "items": rows[:limit]}


def document_record(conn: Any, doc_id: str, with_text: bool = True) -> dict[str, Any] | None:
    doc = get_document(conn, doc_id)  # accepts a unique id prefix, as the CLI does
    if doc is None:
        return None
    rec = build_record(conn, doc.id, with_text=with_text)
    if rec is not None:
        rec["sources"] = sources_of(conn, doc.id)
        rec["near_duplicates"] = near_duplicates_of(conn, doc.id)
    return rec


@router.get("/documents/{doc_id}", summary="One document's canonical record (id or unique prefix)")
def document(conn: Conn, doc_id: Annotated[str, Path(max_length=64)], text: bool = True) -> dict[str, Any]:
    rec = document_record(conn, doc_id, with_text=text)
    if rec is None:
        raise HTTPException(404, "no such document")
    return rec
