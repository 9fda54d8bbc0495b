"""Which documents and events an export covers: the `khabar events` filters, streamed.

Every export format reads through here so the same filters mean the same rows in every format. The
filter semantics are those of khabar.store.queries (actor by id/name/alias with KB descendants, country
ISO alpha-2, since/until as date-interval overlap, doc id or prefix). Rows are streamed in keyset pages,
never loaded whole, so memory stays flat however large the store is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import exists, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from khabar.store.schema import actors, claims, documents, events

PAGE = 1000


@dataclass(frozen=True)
class Filters:
    actor: str | None = None
    type: str | None = None  # noqa: A003 - the record's field name
    country: str | None = None
    since: str | None = None
    until: str | None = None
    doc: tuple[str, ...] = ()

    def event_filters(self) -> dict[str, Any]:
        d = asdict(self)
        d["doc"] = list(self.doc) if self.doc else None
        return d

    def narrows_events(self) -> bool:
        """True when a filter other than --doc is given: documents are then those with matching events."""
        return any((self.actor, self.type, self.country, self.since, self.until))


def event_conditions(conn: Connection, f: Filters) -> list[ColumnElement]:
    """SQL conditions on the events table for f (bound parameters only)."""
    from khabar.store import queries

    return queries.event_conditions(conn, **f.event_filters())


def document_conditions(conn: Connection, f: Filters) -> list[ColumnElement]:
    """SQL conditions on the documents table: --doc, and 'has a matching event' for the other filters."""
    conds: list[ColumnElement] = []
    if f.doc:
        parts: list[ColumnElement] = []
        for d in f.doc:
            parts.append(documents.c.id == d)
            if len(d) >= 4:
                parts.append(documents.c.id.startswith(d, autoescape=True))
        conds.append(or_(*parts) if parts else literal(False))
    if f.narrows_events():
        ev = event_conditions(conn, Filters(**{**asdict(f), "doc": ()}))
        conds.append(exists(select(events.c.id).where(events.c.doc_id == documents.c.id, *ev)))
    return conds


def iter_doc_ids(conn: Connection, f: Filters) -> Iterator[str]:
    """Ids of the selected documents in id order, fetched a page at a time."""
    conds = document_conditions(conn, f)
    last = ""
    while True:
        page = conn.execute(
            select(documents.c.id).where(documents.c.id > last, *conds).order_by(documents.c.id).limit(PAGE)
        ).scalars().all()
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1]


def _event_select(conn: Connection, f: Filters):  # noqa: ANN202 - sqlalchemy Select
    """Events with what exports need beside them: actor types and the document's provenance."""
    a1 = actors.alias("a1")
    a2 = actors.alias("a2")
    return (
        select(
            events,
            a1.c.type.label("actor_type"),
            a1.c.affiliation.label("actor_affiliation"),
            a1.c.country.label("actor_country"),
            a1.c.role.label("actor_role"),
            a2.c.type.label("target_type"),
            a2.c.affiliation.label("target_affiliation"),
            a2.c.country.label("target_country"),
            a2.c.role.label("target_role"),
            documents.c.title.label("doc_title"),
            documents.c.url.label("doc_url"),
            documents.c.source.label("doc_source"),
            documents.c.published.label("doc_published"),
            documents.c.language.label("doc_language"),
            documents.c.ingested_at.label("doc_ingested_at"),
            documents.c.extracted_at.label("doc_extracted_at"),
        )
        .select_from(
            events.join(documents, documents.c.id == events.c.doc_id)
            .outerjoin(a1, a1.c.id == events.c.actor_id)
            .outerjoin(a2, a2.c.id == events.c.target_id)
        )
        .where(*event_conditions(conn, f))
    )


def iter_event_rows(conn: Connection, f: Filters) -> Iterator[dict[str, Any]]:
    """Matching event rows (events columns + actor_type/target_type + doc_*), ordered by (doc, id)."""
    base = _event_select(conn, f)
    last: tuple[str, str] = ("", "")
    while True:
        q = base.where(
            or_(events.c.doc_id > last[0], (events.c.doc_id == last[0]) & (events.c.id > last[1]))
        ).order_by(events.c.doc_id, events.c.id).limit(PAGE)
        page = [dict(r._mapping) for r in conn.execute(q).all()]
        yield from page
        if len(page) < PAGE:
            return
        last = (page[-1]["doc_id"], page[-1]["id"])


def iter_claim_rows(conn: Connection, f: Filters) -> Iterator[dict[str, Any]]:
    """Claims of the selected documents, ordered by (doc, id), a page at a time."""
    doc_sel = select(documents.c.id).where(*document_conditions(conn, f))
    last: tuple[str, str] = ("", "")
    while True:
        q = (
            select(claims)
            .where(claims.c.doc_id.in_(doc_sel))
            .where(or_(claims.c.doc_id > last[0], (claims.c.doc_id == last[0]) & (claims.c.id > last[1])))
            .order_by(claims.c.doc_id, claims.c.id)
            .limit(PAGE)
        )
        page = [dict(r._mapping) for r in conn.execute(q).all()]
        yield from page
        if len(page) < PAGE:
            return
        last = (page[-1]["doc_id"], page[-1]["id"])


def iter_document_rows(conn: Connection, f: Filters, *, with_text: bool = False) -> Iterator[dict[str, Any]]:
    """Selected documents' columns (text only when asked), a page at a time."""
    c = documents.c
    cols = [c.id, c.title, c.url, c.source, c.author, c.published, c.language, c.path, c.length,
            c.ingested_at, c.extracted_at, c.extract_version]
    if with_text:
        cols.append(c.text)
    conds = document_conditions(conn, f)
    last = ""
    while True:
        page = [dict(r._mapping) for r in conn.execute(
            select(*cols).where(c.id > last, *conds).order_by(c.id).limit(PAGE)
        ).all()]
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1]["id"]


def iter_actor_rows(conn: Connection, f: Filters) -> Iterator[dict[str, Any]]:
    """Actors that the selected events and claims refer to (all actors when nothing is filtered)."""
    doc_sel = select(documents.c.id).where(*document_conditions(conn, f))
    if f.narrows_events() or f.doc:
        ev = select(events.c.id).where(events.c.doc_id.in_(doc_sel))
        ref = or_(
            exists(ev.where(or_(events.c.actor_id == actors.c.id, events.c.target_id == actors.c.id))),
            exists(
                select(claims.c.id).where(
                    claims.c.doc_id.in_(doc_sel),
                    or_(claims.c.speaker_id == actors.c.id, claims.c.subject_id == actors.c.id,
                        claims.c.denies_id == actors.c.id),
                )
            ),
        )
        conds: list[ColumnElement] = [ref]
    else:
        conds = []
    last = ""
    while True:
        page = [dict(r._mapping) for r in conn.execute(
            select(actors).where(actors.c.id > last, *conds).order_by(actors.c.id).limit(PAGE)
        ).all()]
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1]["id"]
