"""Reading and writing documents and their provenance."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from khabar.model import Document
from khabar.store import fulltext
from khabar.store.db import insert_ignore
from khabar.store.schema import doc_bands, document_sources, documents, near_duplicates


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _origin_key(source: str | None, url: str | None, path: str | None) -> str:
    raw = "\x1f".join(x or "" for x in (source, url, path))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def document_exists(conn: Connection, doc_id: str) -> bool:
    return conn.execute(select(documents.c.id).where(documents.c.id == doc_id)).first() is not None


def add_source(conn: Connection, doc: Document) -> bool:
    """Record that doc (already stored) was seen at this origin; True when the origin is new.

    An upsert, not check-then-insert: two ingesters seeing the same origin at once must not both insert.
    """
    key = _origin_key(doc.source, doc.url, doc.path)
    res = conn.execute(
        insert_ignore(conn, document_sources).values(
            doc_id=doc.id,
            source=doc.source,
            url=doc.url,
            path=doc.path,
            published=doc.published,
            seen_at=now_iso(),
            origin_key=key,
        )
        .returning(document_sources.c.id)
    )
    return res.first() is not None


def insert_document(
    conn: Connection,
    doc: Document,
    *,
    minhash: bytes | None = None,
    bands: Iterable[tuple[int, str]] = (),
    near: Sequence[tuple[str, float]] = (),
) -> bool:
    """Store a new document with its provenance, dedup signature and full-text entry.

    The caller owns the transaction, so a document is either wholly stored or not at all. Returns False
    when a document with this id is already stored (e.g. a concurrent ingester won the race): then only
    this origin is added as a source of it, and nothing raises.
    """
    group = None
    if near:
        best = max(near, key=lambda pair: pair[1])[0]
        group = conn.execute(
            select(documents.c.near_dup_group).where(documents.c.id == best)
        ).scalar_one_or_none() or best
    res = conn.execute(
        insert_ignore(conn, documents).values(
            id=doc.id,
            title=doc.title,
            url=doc.url,
            source=doc.source,
            author=doc.author,
            published=doc.published,
            language=doc.language,
            path=doc.path,
            text=doc.text,
            length=len(doc.text),
            meta=json.dumps(doc.meta, ensure_ascii=False, default=str) if doc.meta else None,
            minhash=minhash,
            near_dup_group=group,
            ingested_at=now_iso(),
        )
        .returning(documents.c.id)
    )
    inserted = res.first() is not None
    add_source(conn, doc)
    if not inserted:
        return False
    rows = [{"band": b, "hash": h, "doc_id": doc.id} for b, h in bands]
    if rows:
        conn.execute(insert_ignore(conn, doc_bands), rows)
    for other, sim in near:
        conn.execute(
            insert_ignore(conn, near_duplicates),
            [
                {"doc_id": doc.id, "other_id": other, "similarity": sim},
                {"doc_id": other, "other_id": doc.id, "similarity": sim},
            ],
        )
    fulltext.index_document(conn, doc.id, doc.title, doc.text)
    return True


def _document_row(doc: Document, stamp: str) -> dict[str, Any]:
    return {
        "id": doc.id, "title": doc.title, "url": doc.url, "source": doc.source, "author": doc.author,
        "published": doc.published, "language": doc.language, "path": doc.path, "text": doc.text,
        "length": len(doc.text), "ingested_at": stamp, "minhash": None, "near_dup_group": None,
        "meta": json.dumps(doc.meta, ensure_ascii=False, default=str) if doc.meta else None,
    }


def insert_documents(conn: Connection, docs: Sequence[Document]) -> list[str]:
    """Bulk insert_document for large loads without near-duplicate detection; returns the new ids.

    A few statements per batch instead of several per document (multi-row INSERT .. ON CONFLICT DO
    NOTHING RETURNING on both backends): the PostgreSQL round trips dominate a per-document load.
    Documents already stored only gain the new origin as a source, as with insert_document. The
    caller's transaction covers the whole batch, so readers still see only whole documents.
    """
    if not docs:
        return []
    stamp = now_iso()
    unique = list({d.id: d for d in docs}.values())
    new = {
        r.id
        for r in conn.execute(
            insert_ignore(conn, documents).returning(documents.c.id), [_document_row(d, stamp) for d in unique]
        )
    }
    sources = {
        (d.id, key): {"doc_id": d.id, "source": d.source, "url": d.url, "path": d.path,
                      "published": d.published, "seen_at": stamp, "origin_key": key}
        for d in docs
        for key in [_origin_key(d.source, d.url, d.path)]
    }
    conn.execute(insert_ignore(conn, document_sources), list(sources.values()))
    fulltext.index_documents(conn, [(d.id, d.title, d.text) for d in unique if d.id in new])
    return [d.id for d in unique if d.id in new]


def row_to_document(row: Any) -> Document:
    m = row._mapping
    return Document(
        id=m["id"],
        text=m["text"],
        title=m["title"],
        url=m["url"],
        source=m["source"],
        author=m["author"],
        published=m["published"],
        language=m["language"],
        path=m["path"],
        meta=json.loads(m["meta"]) if m["meta"] else {},
    )


def get_document(conn: Connection, doc_id: str) -> Document | None:
    """One document by id, or by a unique id prefix (users copy short ids from listings)."""
    row = conn.execute(select(documents).where(documents.c.id == doc_id)).first()
    if row is None and len(doc_id) >= 4:
        rows = conn.execute(select(documents).where(documents.c.id.startswith(doc_id)).limit(2)).all()
        row = rows[0] if len(rows) == 1 else None
    return row_to_document(row) if row else None


def sources_of(conn: Connection, doc_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(document_sources).where(document_sources.c.doc_id == doc_id).order_by(document_sources.c.id)
    ).all()
    return [
        {k: r._mapping[k] for k in ("source", "url", "path", "published", "seen_at")} for r in rows
    ]


def near_duplicates_of(conn: Connection, doc_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(near_duplicates.c.other_id, near_duplicates.c.similarity, documents.c.source, documents.c.title)
        .join(documents, documents.c.id == near_duplicates.c.other_id)
        .where(near_duplicates.c.doc_id == doc_id)
        .order_by(near_duplicates.c.similarity.desc())
    ).all()
    return [
        {"id": r.other_id, "similarity": round(r.similarity, 3), "source": r.source, "title": r.title}
        for r in rows
    ]


def list_documents(
    conn: Connection,
    *,
    source: str | None = None,
    language: str | None = None,
    since: str | None = None,
    until: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Document summaries (no full text), newest first, with the filters the CLI and API share."""
    q = select(
        documents.c.id,
        documents.c.title,
        documents.c.url,
        documents.c.source,
        documents.c.published,
        documents.c.language,
        documents.c.path,
        documents.c.length,
        documents.c.ingested_at,
        documents.c.extracted_at,
    )
    if source:
        q = q.where(func.lower(documents.c.source) == source.lower())
    if language:
        q = q.where(documents.c.language == language)
    if since:
        q = q.where(documents.c.published >= since)
    if until:
        # "2023-02-28" must include "2023-02-28T10:00": compare against the end of that day
        q = q.where(documents.c.published <= until + "\uffff")
    params: dict[str, Any] = {}
    if search:
        fts = fulltext.search_param(conn, search)
        if not fts:
            return []
        q = q.where(text(f"documents.id IN ({fulltext.matching_ids_sql(conn)})"))  # constant SQL, :q bound
        params["q"] = fts
    q = q.order_by(documents.c.published.desc().nulls_last(), documents.c.ingested_at.desc(), documents.c.id)
    q = q.limit(max(0, min(limit, 10_000))).offset(max(0, offset))
    return [dict(r._mapping) for r in conn.execute(q, params).all()]


def count_documents(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(documents)).scalar_one()
