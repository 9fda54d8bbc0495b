"""Filtered listings of events, claims, actors and places, shared by the CLI and the REST API.

Every filter is a bound parameter of a SQLAlchemy Core query (never formatted into SQL), and every
result is the canonical record object of docs/record.md (records.event_record etc.), so `khabar events
--json`, the API and the JSONL export print the same shapes.

Conventions for all query_* functions:
- actor-like filters (actor, target, speaker, subject) take an actor id, canonical name or alias
  (case-insensitive) and also match the actor's KB descendants (a ministry under its state, a branch under
  its group); a value that names no known actor matches unresolved names containing it.
- country: ISO 3166-1 alpha-2, any case.
- since/until: ISO 8601 dates, possibly partial ("2023", "2023-02"); an item matches when its date
  interval overlaps [since, until]. Items without a date never match a date filter.
- doc: a document id or a unique prefix of at least 4 characters.
- limit is clamped to 0..10000; sort is "date" (oldest first), "-date" (newest first) or "confidence"
  (highest first); ties are broken by document and evidence offset so pages are stable.
- count_* take the same filters (minus limit/offset/sort) and return the number of matching items.
- None, "" and [] all mean "no filter"; list-valued filters (type, country, status, doc, ...) also accept
  "a,b" and match any of the values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import exists, func, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, Select

from khabar.store.records import actor_record, claim_record, event_record, place_record
from khabar.store.schema import actors, claims, documents, events, mentions, places

MAX_LIMIT = 10_000
SORTS = ("date", "-date", "confidence")
_END = "\uffff"  # "2023-02-28" must include "2023-02-28T10:00" and partial dates must compare as ranges
_MAX_DEPTH = 6  # KB parent chains are short; a cycle in user data must not loop forever

BBox = Sequence[float]  # (min_lon, min_lat, max_lon, max_lat), GeoJSON order


# ---- shared helpers ------------------------------------------------------------------------------


def _values(v: str | Iterable[str] | None) -> list[str]:
    """A filter value as a list: "a,b" and ["a", "b"] both mean either a or b."""
    if v is None:
        return []
    items = v.split(",") if isinstance(v, str) else [x for s in v for x in str(s).split(",")]
    return [x.strip() for x in items if x and x.strip()]


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def resolve_actor(conn: Connection, value: str, *, descendants: bool = True) -> tuple[set[str], set[str]]:
    """(actor ids, names) a user's actor value means: by id, name or alias, plus KB children.

    Names come in their stored spelling and lower-cased: SQLite's lower() folds ASCII only, so a
    Cyrillic or Arabic alias must also be compared as written.
    """
    raw = value.strip()
    s = raw.lower()
    if not s:
        return set(), set()
    ids = set(
        conn.execute(
            select(actors.c.id).where(
                or_(func.lower(actors.c.id) == s, func.lower(actors.c.name) == s, actors.c.name == raw)
            )
        ).scalars()
    )
    # aliases are a JSON list in a text column: narrow by LIKE (bound), then check exactly in Python
    variants = {s, raw, raw[:1].upper() + raw[1:]}
    likes = [
        actors.c.aliases.like("%" + _like_escape(json.dumps(v, ensure_ascii=False)[1:-1]) + "%", escape="\\")
        for v in variants
    ]
    likes.append(func.lower(actors.c.aliases).like("%" + _like_escape(json.dumps(s, ensure_ascii=False)[1:-1]) + "%",
                                                   escape="\\"))
    for aid, aliases in conn.execute(select(actors.c.id, actors.c.aliases).where(or_(*likes))).all():
        if s in {str(a).lower() for a in json.loads(aliases or "[]")}:
            ids.add(aid)
    if descendants and ids:
        frontier = set(ids)
        for _ in range(_MAX_DEPTH):
            children = set(conn.execute(select(actors.c.id).where(actors.c.parent.in_(sorted(frontier)))).scalars())
            frontier = children - ids
            if not frontier:
                break
            ids |= frontier
    names = {s, raw}
    if ids:
        for name, aliases in conn.execute(
            select(actors.c.name, actors.c.aliases).where(actors.c.id.in_(sorted(ids)))
        ).all():
            for n in (name, *json.loads(aliases or "[]")):
                names.update((str(n), str(n).lower()))
    return ids, names


def _actor_cond(conn: Connection, value: str, id_cols: Sequence[Any], name_cols: Sequence[Any]) -> ColumnElement:
    """Rows whose actor columns point at the actor `value` means (or, unresolved, contain its name)."""
    ids, names = resolve_actor(conn, value)
    conds: list[ColumnElement] = []
    if ids:
        conds += [c.in_(sorted(ids)) for c in id_cols]
        conds += [or_(c.in_(sorted(names)), func.lower(c).in_(sorted(names))) for c in name_cols]
    else:
        raw = value.strip()
        for c in (*id_cols, *name_cols):
            conds.append(func.lower(c).like("%" + _like_escape(raw.lower()) + "%", escape="\\"))
            conds.append(c.like("%" + _like_escape(raw) + "%", escape="\\"))
    return or_(*conds)


def _doc_cond(col: Any, doc: str | Iterable[str]) -> ColumnElement:
    conds = []
    for d in _values(doc):
        conds.append(col == d)
        if len(d) >= 4:
            conds.append(col.like(_like_escape(d) + "%", escape="\\"))
    return or_(*conds) if conds else literal(False)


def _date_conds(start: Any, end: Any, since: str | None, until: str | None) -> list[ColumnElement]:
    """Interval overlap of [start, end] with [since, until]; partial ISO dates compare as prefixes."""
    conds: list[ColumnElement] = []
    if since:
        conds.append(func.coalesce(end, start) + _END >= since)
    if until:
        conds.append(start <= until + _END)
    return conds


def _bbox_conds(lat: Any, lon: Any, bbox: BBox | None) -> list[ColumnElement]:
    if bbox is None:
        return []
    if len(bbox) != 4:
        raise ValueError("bbox must be (min_lon, min_lat, max_lon, max_lat)")
    lo0, la0, lo1, la1 = (float(x) for x in bbox)
    return [lat.is_not(None), lat >= la0, lat <= la1, lon >= lo0, lon <= lo1]


def _page(q: Select, limit: int, offset: int) -> Select:
    return q.limit(max(0, min(int(limit), MAX_LIMIT))).offset(max(0, int(offset)))


def _check_sort(sort: str) -> None:
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")


def _count(conn: Connection, table: Any, conds: list[ColumnElement], join: Any = None) -> int:
    src = table if join is None else join
    return conn.execute(select(func.count()).select_from(src).where(*conds)).scalar_one()


# ---- events --------------------------------------------------------------------------------------


def event_conditions(
    conn: Connection,
    *,
    actor: str | None = None,
    target: str | None = None,
    type: str | Iterable[str] | None = None,  # noqa: A002 - the field's name in the record
    country: str | Iterable[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    doc: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
    bbox: BBox | None = None,
    min_confidence: float | None = None,
) -> list[ColumnElement]:
    """SQL conditions on the events table for the events filters (bound parameters only): the one
    definition of what the filters mean, shared by queries, the API and the exporters."""
    c = events.c
    conds: list[ColumnElement] = []
    if actor:
        conds.append(_actor_cond(conn, actor, [c.actor_id], [c.actor_name]))
    if target:
        conds.append(_actor_cond(conn, target, [c.target_id], [c.target_name]))
    if types := _values(type):
        conds.append(c.type.in_([t.upper() for t in types]))
    if countries := _values(country):
        conds.append(c.country.in_([x.upper() for x in countries]))
    conds += _date_conds(c.date_start, c.date_end, since, until)
    if _values(doc):
        conds.append(_doc_cond(c.doc_id, doc))
    if statuses := _values(status):
        conds.append(c.status.in_([s.lower() for s in statuses]))
    conds += _bbox_conds(c.lat, c.lon, bbox)
    if min_confidence is not None:
        conds.append(c.confidence >= float(min_confidence))
    return conds


_event_conds = event_conditions  # the former private name, kept for callers not yet moved


def query_events(
    conn: Connection,
    *,
    actor: str | None = None,
    target: str | None = None,
    type: str | Iterable[str] | None = None,  # noqa: A002
    country: str | Iterable[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    doc: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
    bbox: BBox | None = None,
    min_confidence: float | None = None,
    limit: int = 50,
    offset: int = 0,
    sort: str = "date",
) -> list[dict[str, Any]]:
    """Events matching every given filter, as canonical event records."""
    _check_sort(sort)
    conds = event_conditions(
        conn, actor=actor, target=target, type=type, country=country, since=since, until=until, doc=doc,
        status=status, bbox=bbox, min_confidence=min_confidence,
    )
    c = events.c
    order: list[Any]
    if sort == "date":
        order = [c.date_start.asc().nulls_last()]
    elif sort == "-date":
        order = [c.date_start.desc().nulls_last()]
    else:
        order = [c.confidence.desc()]
    q = select(events).where(*conds).order_by(*order, c.doc_id, c.evidence_start, c.id)
    return [event_record(r._mapping) for r in conn.execute(_page(q, limit, offset)).all()]


def count_events(conn: Connection, **filters: Any) -> int:
    return _count(conn, events, event_conditions(conn, **filters))


# ---- claims --------------------------------------------------------------------------------------


def _claim_date(c: Any) -> tuple[Any, Any]:
    """A claim's date, else its document's publication date (when it was said, at the latest)."""
    published = func.substr(documents.c.published, 1, 10)
    return func.coalesce(c.date_start, published), func.coalesce(c.date_end, c.date_start, published)


def _claim_conds(
    conn: Connection,
    *,
    actor: str | None = None,
    speaker: str | None = None,
    subject: str | None = None,
    stance: str | Iterable[str] | None = None,
    has_quantity: bool | None = None,
    unit: str | None = None,
    country: str | Iterable[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    doc: str | Iterable[str] | None = None,
    min_confidence: float | None = None,
) -> list[ColumnElement]:
    c = claims.c
    conds: list[ColumnElement] = []
    if actor:  # involved in any role: speaker, subject, or the one whose claim is denied
        conds.append(
            _actor_cond(conn, actor, [c.speaker_id, c.subject_id, c.denies_id],
                        [c.speaker_name, c.subject_name, c.denies_name])
        )
    if speaker:
        conds.append(_actor_cond(conn, speaker, [c.speaker_id], [c.speaker_name]))
    if subject:
        conds.append(_actor_cond(conn, subject, [c.subject_id], [c.subject_name]))
    if stances := _values(stance):
        conds.append(c.stance.in_([s.lower() for s in stances]))
    if has_quantity is True:
        conds.append(c.quantity_value.is_not(None))
    elif has_quantity is False:
        conds.append(c.quantity_value.is_(None))
    if unit:
        conds.append(func.lower(c.quantity_unit).like("%" + _like_escape(unit.lower()) + "%", escape="\\"))
    if countries := _values(country):  # the speaker's or the subject's country
        codes = [x.upper() for x in countries]
        a = actors.alias("country_actor")
        conds.append(
            exists(
                select(a.c.id).where(
                    a.c.country.in_(codes), or_(a.c.id == c.speaker_id, a.c.id == c.subject_id)
                )
            )
        )
    start, end = _claim_date(c)
    conds += _date_conds(start, end, since, until)
    if _values(doc):
        conds.append(_doc_cond(c.doc_id, doc))
    if min_confidence is not None:
        conds.append(c.confidence >= float(min_confidence))
    return conds


def query_claims(
    conn: Connection,
    *,
    actor: str | None = None,
    speaker: str | None = None,
    subject: str | None = None,
    stance: str | Iterable[str] | None = None,
    has_quantity: bool | None = None,
    unit: str | None = None,
    country: str | Iterable[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    doc: str | Iterable[str] | None = None,
    min_confidence: float | None = None,
    limit: int = 50,
    offset: int = 0,
    sort: str = "date",
) -> list[dict[str, Any]]:
    """Claims matching every given filter, as canonical claim records (date falls back to publication)."""
    _check_sort(sort)
    conds = _claim_conds(
        conn, actor=actor, speaker=speaker, subject=subject, stance=stance, has_quantity=has_quantity,
        unit=unit, country=country, since=since, until=until, doc=doc, min_confidence=min_confidence,
    )
    c = claims.c
    start, _ = _claim_date(c)
    if sort == "date":
        order = [start.asc().nulls_last()]
    elif sort == "-date":
        order = [start.desc().nulls_last()]
    else:
        order = [c.confidence.desc()]
    q = (
        select(claims)
        .select_from(claims.join(documents, documents.c.id == c.doc_id))
        .where(*conds)
        .order_by(*order, c.doc_id, c.evidence_start, c.id)
    )
    return [claim_record(r._mapping) for r in conn.execute(_page(q, limit, offset)).all()]


def count_claims(conn: Connection, **filters: Any) -> int:
    return _count(conn, claims, _claim_conds(conn, **filters), claims.join(documents, documents.c.id == claims.c.doc_id))


# ---- actors --------------------------------------------------------------------------------------


def _actor_conds(
    conn: Connection,
    *,
    name: str | None = None,
    type: str | Iterable[str] | None = None,  # noqa: A002
    country: str | Iterable[str] | None = None,
    parent: str | None = None,
    origin: str | None = None,
    doc: str | Iterable[str] | None = None,
    mentioned: bool | None = None,
) -> list[ColumnElement]:
    c = actors.c
    conds: list[ColumnElement] = []
    if name:  # substring of id, name or any alias
        pattern = "%" + _like_escape(name.strip().lower()) + "%"
        conds.append(
            or_(*(func.lower(col).like(pattern, escape="\\") for col in (c.id, c.name, c.aliases)))
        )
    if types := _values(type):
        conds.append(c.type.in_([t.lower() for t in types]))
    if countries := _values(country):
        conds.append(c.country.in_([x.upper() for x in countries]))
    if parent:
        ids, _ = resolve_actor(conn, parent, descendants=False)
        conds.append(c.parent.in_(sorted(ids or {parent})))
    if origin:
        conds.append(c.origin == origin)
    if _values(doc):
        conds.append(exists(select(mentions.c.id).where(mentions.c.actor_id == c.id, _doc_cond(mentions.c.doc_id, doc))))
    if mentioned is True:
        conds.append(exists(select(mentions.c.id).where(mentions.c.actor_id == c.id)))
    return conds


def _mention_counts(conn: Connection, col: Any, ids: list[str]) -> dict[str, tuple[int, int]]:
    """id -> (mentions, documents) for the given actor or place ids."""
    if not ids:
        return {}
    rows = conn.execute(
        select(col, func.count(), func.count(mentions.c.doc_id.distinct())).where(col.in_(ids)).group_by(col)
    ).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def query_actors(
    conn: Connection,
    *,
    name: str | None = None,
    type: str | Iterable[str] | None = None,  # noqa: A002
    country: str | Iterable[str] | None = None,
    parent: str | None = None,
    origin: str | None = None,
    doc: str | Iterable[str] | None = None,
    mentioned: bool | None = None,
    with_counts: bool = False,
    limit: int = 50,
    offset: int = 0,
    sort: str = "name",
) -> list[dict[str, Any]]:
    """Actors (KB and persons read from text) as canonical actor records.

    sort: "name" or "mentions" (most mentioned first). with_counts adds "mentions" and "documents".
    """
    if sort not in ("name", "mentions"):
        raise ValueError(f"sort must be name or mentions, not {sort!r}")
    conds = _actor_conds(
        conn, name=name, type=type, country=country, parent=parent, origin=origin, doc=doc, mentioned=mentioned
    )
    q = select(actors).where(*conds)
    if sort == "mentions":
        n = select(func.count()).where(mentions.c.actor_id == actors.c.id).scalar_subquery()
        q = q.order_by(n.desc(), actors.c.name, actors.c.id)
    else:
        q = q.order_by(func.lower(actors.c.name), actors.c.id)
    out = [actor_record(r._mapping) for r in conn.execute(_page(q, limit, offset)).all()]
    if with_counts:
        counts = _mention_counts(conn, mentions.c.actor_id, [a["id"] for a in out])
        for a in out:
            a["mentions"], a["documents"] = counts.get(a["id"], (0, 0))
    return out


def count_actors(conn: Connection, **filters: Any) -> int:
    return _count(conn, actors, _actor_conds(conn, **filters))


# ---- places --------------------------------------------------------------------------------------


def _place_conds(
    conn: Connection,
    *,
    name: str | None = None,
    country: str | Iterable[str] | None = None,
    precision: str | Iterable[str] | None = None,
    doc: str | Iterable[str] | None = None,
    bbox: BBox | None = None,
) -> list[ColumnElement]:
    c = places.c
    conds: list[ColumnElement] = []
    if name:
        pattern = "%" + _like_escape(name.strip().lower()) + "%"
        conds.append(or_(func.lower(c.name).like(pattern, escape="\\"), func.lower(c.id).like(pattern, escape="\\")))
    if countries := _values(country):
        conds.append(c.country.in_([x.upper() for x in countries]))
    if precisions := _values(precision):
        conds.append(c.precision.in_([p.lower() for p in precisions]))
    if _values(doc):
        conds.append(
            or_(
                exists(select(mentions.c.id).where(mentions.c.place_id == c.id, _doc_cond(mentions.c.doc_id, doc))),
                exists(select(events.c.id).where(events.c.place_id == c.id, _doc_cond(events.c.doc_id, doc))),
            )
        )
    conds += _bbox_conds(c.lat, c.lon, bbox)
    return conds


def query_places(
    conn: Connection,
    *,
    name: str | None = None,
    country: str | Iterable[str] | None = None,
    precision: str | Iterable[str] | None = None,
    doc: str | Iterable[str] | None = None,
    bbox: BBox | None = None,
    with_counts: bool = False,
    limit: int = 50,
    offset: int = 0,
    sort: str = "name",
) -> list[dict[str, Any]]:
    """Places seen in documents as canonical place records; sort "name" or "mentions"."""
    if sort not in ("name", "mentions"):
        raise ValueError(f"sort must be name or mentions, not {sort!r}")
    conds = _place_conds(conn, name=name, country=country, precision=precision, doc=doc, bbox=bbox)
    q = select(places).where(*conds)
    if sort == "mentions":
        n = select(func.count()).where(mentions.c.place_id == places.c.id).scalar_subquery()
        q = q.order_by(n.desc(), places.c.name, places.c.id)
    else:
        q = q.order_by(func.lower(places.c.name), places.c.id)
    out = [place_record(r._mapping) for r in conn.execute(_page(q, limit, offset)).all()]
    if with_counts:
        counts = _mention_counts(conn, mentions.c.place_id, [p["id"] for p in out])
        for p in out:
            p["mentions"], p["documents"] = counts.get(p["id"], (0, 0))
    return out


def count_places(conn: Connection, **filters: Any) -> int:
    return _count(conn, places, _place_conds(conn, **filters))


__all__ = [
    "SORTS",
    "count_actors",
    "count_claims",
    "count_events",
    "count_places",
    "query_actors",
    "query_claims",
    "query_events",
    "query_places",
    "resolve_actor",
]
