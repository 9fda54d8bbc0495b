"""Extraction results in the store, and the canonical JSON record (docs/record.md) built from them.

save_extraction replaces a document's previous extraction in one transaction, so re-running
`khabar extract` never leaves a document half old, half new. build_record is the single place that
turns rows back into the documented record: the JSONL export, `khabar show`, the API and `khabar import`
all go through it, which keeps them identical.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from khabar.model import Actor, Claim, Event, Extraction, Place
from khabar.store.db import insert_ignore  # concurrent writers may race on a new actor or place
from khabar.store.documents import now_iso
from khabar.store.schema import actors, claims, documents, events, mentions, places


def _existing(conn: Connection, column: Any, ids: list[str]) -> dict[str, Any]:
    """Rows already stored for these ids, in chunks that stay under every driver's parameter limit."""
    found: dict[str, Any] = {}
    for i in range(0, len(ids), 500):
        rows = conn.execute(select(column.table).where(column.in_(ids[i : i + 500]))).all()
        found.update({r._mapping[column.name]: r for r in rows})
    return found


def _actor_values(a: Actor, origin: str) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "type": a.type,
        "country": a.country,
        "parent": a.parent,
        "aliases": json.dumps(a.aliases, ensure_ascii=False),
        "wikidata": a.wikidata,
        "role": a.role,
        "affiliation": a.affiliation,
        "origin": origin,
    }


def upsert_actors(conn: Connection, items: Iterable[Actor], origin: str = "text") -> None:
    """Insert actors not yet known; update KB-origin actors from the KB (user edits win on re-load).

    One SELECT, one multi-row INSERT and one executemany UPDATE for the whole list, so a batch of
    documents costs three round trips, not three per actor."""
    latest = {a.id: _actor_values(a, origin) for a in items}  # the last mention of an id wins
    if not latest:
        return
    known = _existing(conn, actors.c.id, list(latest))
    new = [v for k, v in latest.items() if k not in known]
    changed = [
        {**v, "key": k}
        for k, v in latest.items()
        if k in known and (origin == "kb" or known[k].origin == "text")
    ]
    if new:
        conn.execute(insert_ignore(conn, actors), new)
    if changed:
        values = {c: bindparam(c) for c in changed[0] if c not in ("id", "key")}
        conn.execute(update(actors).where(actors.c.id == bindparam("key")).values(**values), changed)


def upsert_places(conn: Connection, items: Iterable[Place]) -> None:
    """Insert places not yet known (a place's gazetteer facts do not change between documents)."""
    latest = {p.id: p for p in items}
    if not latest:
        return
    known = _existing(conn, places.c.id, list(latest))
    new = [
        {
            "id": p.id,
            "name": p.name,
            "country": p.country,
            "admin1": p.admin1,
            "lat": p.lat,
            "lon": p.lon,
            "precision": p.precision,
            "geonames_id": p.geonames_id,
            "population": p.population,
        }
        for k, p in latest.items()
        if k not in known
    ]
    if new:
        conn.execute(insert_ignore(conn, places), new)


def event_row(doc_id: str, e: Event) -> dict[str, Any]:
    loc, d = e.location, e.date
    return {
        "id": e.id,
        "doc_id": doc_id,
        "type": e.type,
        "mode": e.mode,
        "acled_type": e.acled_type,
        "acled_subtype": e.acled_subtype,
        "status": e.status,
        "actor_id": e.actor.id if e.actor else None,
        "actor_name": e.actor.name if e.actor else None,
        "target_id": e.target.id if e.target else None,
        "target_name": e.target.name if e.target else None,
        "place_id": loc.place_id if loc else None,
        "location_name": loc.name if loc else None,
        "country": loc.country if loc else None,
        "admin1": loc.admin1 if loc else None,
        "lat": loc.lat if loc else None,
        "lon": loc.lon if loc else None,
        "geo_precision": loc.precision if loc else None,
        "geonames_id": loc.geonames_id if loc else None,
        "date_start": d.start if d else None,
        "date_end": d.end if d else None,
        "date_precision": d.precision if d else None,
        "fatalities": e.fatalities,
        "wounded": e.wounded,
        "arrested": e.arrested,
        "evidence_text": e.evidence.text,
        "evidence_start": e.evidence.start,
        "evidence_end": e.evidence.end,
        "confidence": e.confidence,
        "trigger": e.trigger,
    }


def claim_row(doc_id: str, c: Claim) -> dict[str, Any]:
    s, q, d = c.speaker, c.quantity, c.date
    return {
        "id": c.id,
        "doc_id": doc_id,
        "speaker_id": s.id if s else None,
        "speaker_name": s.name if s else None,
        "speaker_role": s.role if s else None,
        "speaker_affiliation": s.affiliation if s else None,
        "verb": c.verb,
        "stance": c.stance,
        "content": c.content,
        "subject_id": c.subject.id if c.subject else None,
        "subject_name": c.subject.name if c.subject else None,
        "quantity_value": q.value if q else None,
        "quantity_unit": q.unit if q else None,
        "quantity_approximate": q.approximate if q else None,
        "quantity_text": q.text if q else None,
        "date_start": d.start if d else None,
        "date_end": d.end if d else None,
        "date_precision": d.precision if d else None,
        "denies_id": c.denies.id if c.denies else None,
        "denies_name": c.denies.name if c.denies else None,
        "denies_claim": c.denies_claim,
        "evidence_text": c.evidence.text,
        "evidence_start": c.evidence.start,
        "evidence_end": c.evidence.end,
        "confidence": c.confidence,
    }


def save_extraction(conn: Connection, ext: Extraction, version: str = "") -> None:
    """Replace the stored extraction of ext.doc_id with ext (caller owns the transaction)."""
    save_extractions(conn, [ext], version)


def save_extractions(conn: Connection, exts: Sequence[Extraction], version: str = "") -> None:
    """Replace the stored extractions of a batch of documents (caller owns the transaction).

    The batch shares its statements: one upsert per kind of record, one DELETE per table and one
    multi-row INSERT per table, whatever the number of documents, which is what makes large runs
    cheap on PostgreSQL, where every statement is a network round trip."""
    exts = list({e.doc_id: e for e in exts}.values())  # a document twice in a batch: the last wins
    if not exts:
        return
    upsert_actors(conn, (a for e in exts for a in e.actors))
    upsert_places(conn, (p for e in exts for p in e.places))
    ids = [e.doc_id for e in exts]
    for table in (mentions, events, claims):
        for i in range(0, len(ids), 500):
            conn.execute(delete(table).where(table.c.doc_id.in_(ids[i : i + 500])))
    rows = [
        {
            "doc_id": e.doc_id,
            "start": m.start,
            "end": m.end,
            "text": m.text,
            "label": m.label,
            "actor_id": m.actor_id,
            "place_id": m.place_id,
        }
        for e in exts
        for m in e.entities
    ]
    if rows:
        conn.execute(insert(mentions), rows)
    rows = [event_row(e.doc_id, ev) for e in exts for ev in e.events]
    if rows:
        conn.execute(insert(events), rows)
    rows = [claim_row(e.doc_id, c) for e in exts for c in e.claims]
    if rows:
        conn.execute(insert(claims), rows)
    done = now_iso()
    conn.execute(
        update(documents)
        .where(documents.c.id == bindparam("key"))
        .values(extracted_at=done, extract_version=version, extract_notes=bindparam("notes")),
        [{"key": e.doc_id, "notes": _notes(e)} for e in exts],
    )


def _notes(ext: Extraction) -> str:
    return json.dumps(
        {
            "stages_run": ext.stages_run,
            "stages_skipped": ext.stages_skipped,
            "document_date": None if ext.document_date is None else vars(ext.document_date),
        }
    )


# ---- rows -> canonical record -------------------------------------------------------------------


def _date(start: str | None, end: str | None, precision: str | None) -> dict[str, Any] | None:
    if start is None and end is None:
        return None
    return {"start": start, "end": end, "precision": precision}


def _ref(id_: str | None, name: str | None) -> dict[str, Any] | None:
    if id_ is None and name is None:
        return None
    return {"id": id_, "name": name}


def event_record(m: Any) -> dict[str, Any]:
    """One events row (mapping) as the record's event object."""
    location = None
    if m["location_name"] is not None or m["lat"] is not None:
        location = {
            "name": m["location_name"],
            "country": m["country"],
            "admin1": m["admin1"],
            "lat": m["lat"],
            "lon": m["lon"],
            "precision": m["geo_precision"],
            "geonames_id": m["geonames_id"],
            "place_id": m["place_id"],
        }
    return {
        "id": m["id"],
        "doc_id": m["doc_id"],
        "type": m["type"],
        "mode": m["mode"],
        "acled_type": m["acled_type"],
        "acled_subtype": m["acled_subtype"],
        "status": m["status"],
        "actor": _ref(m["actor_id"], m["actor_name"]),
        "target": _ref(m["target_id"], m["target_name"]),
        "location": location,
        "date": _date(m["date_start"], m["date_end"], m["date_precision"]),
        "fatalities": m["fatalities"],
        "wounded": m["wounded"],
        "arrested": m["arrested"],
        "evidence": {"text": m["evidence_text"], "start": m["evidence_start"], "end": m["evidence_end"]},
        "confidence": m["confidence"],
        "trigger": m["trigger"],
    }


def claim_record(m: Any) -> dict[str, Any]:
    """One claims row (mapping) as the record's claim object."""
    speaker = None
    if m["speaker_id"] is not None or m["speaker_name"] is not None:
        speaker = {
            "id": m["speaker_id"],
            "name": m["speaker_name"],
            "role": m["speaker_role"],
            "affiliation": m["speaker_affiliation"],
        }
    quantity = None
    if m["quantity_value"] is not None:
        quantity = {
            "value": m["quantity_value"],
            "unit": m["quantity_unit"],
            "approximate": bool(m["quantity_approximate"]),
            "text": m["quantity_text"],
        }
    return {
        "id": m["id"],
        "doc_id": m["doc_id"],
        "speaker": speaker,
        "verb": m["verb"],
        "stance": m["stance"],
        "content": m["content"],
        "subject": _ref(m["subject_id"], m["subject_name"]),
        "quantity": quantity,
        "date": _date(m["date_start"], m["date_end"], m["date_precision"]),
        "denies": _ref(m["denies_id"], m["denies_name"]),
        "denies_claim": m["denies_claim"],
        "evidence": {"text": m["evidence_text"], "start": m["evidence_start"], "end": m["evidence_end"]},
        "confidence": m["confidence"],
    }


def actor_record(m: Any) -> dict[str, Any]:
    return {
        "id": m["id"],
        "name": m["name"],
        "type": m["type"],
        "country": m["country"],
        "parent": m["parent"],
        "aliases": json.loads(m["aliases"]) if m["aliases"] else [],
        "wikidata": m["wikidata"],
        "role": m["role"],
        "affiliation": m["affiliation"],
    }


def place_record(m: Any) -> dict[str, Any]:
    return {k: m[k] for k in ("id", "name", "country", "admin1", "lat", "lon", "precision", "geonames_id")}


def build_record(conn: Connection, doc_id: str, *, with_text: bool = False) -> dict[str, Any] | None:
    """The canonical record of one document, exactly as documented in docs/record.md."""
    doc = conn.execute(select(documents).where(documents.c.id == doc_id)).first()
    if doc is None:
        return None
    d = doc._mapping
    ments = conn.execute(
        select(mentions).where(mentions.c.doc_id == doc_id).order_by(mentions.c.start, mentions.c.end)
    ).all()
    actor_ids = sorted({m.actor_id for m in ments if m.actor_id})
    ev_rows = conn.execute(
        select(events).where(events.c.doc_id == doc_id).order_by(events.c.evidence_start, events.c.id)
    ).all()
    cl_rows = conn.execute(
        select(claims).where(claims.c.doc_id == doc_id).order_by(claims.c.evidence_start, claims.c.id)
    ).all()
    for r in ev_rows:
        actor_ids += [x for x in (r.actor_id, r.target_id) if x]
    for r in cl_rows:
        actor_ids += [x for x in (r.speaker_id, r.subject_id, r.denies_id) if x]
    actor_ids = sorted(set(actor_ids))
    actor_rows = conn.execute(select(actors).where(actors.c.id.in_(actor_ids)).order_by(actors.c.id)).all() if actor_ids else []
    place_ids = sorted({m.place_id for m in ments if m.place_id} | {r.place_id for r in ev_rows if r.place_id})
    place_rows = conn.execute(select(places).where(places.c.id.in_(place_ids)).order_by(places.c.id)).all() if place_ids else []
    rec: dict[str, Any] = {
        "id": d["id"],
        "url": d["url"],
        "title": d["title"],
        "source": d["source"],
        "author": d["author"],
        "published": d["published"],
        "language": d["language"],
        "path": d["path"],
        "meta": json.loads(d["meta"]) if d["meta"] else {},
        "extraction": json.loads(d["extract_notes"]) if d["extract_notes"] else None,
    }
    if with_text:
        rec["text"] = d["text"]
    rec["entities"] = [
        {
            "text": m.text,
            "start": m.start,
            "end": m.end,
            "label": m.label,
            "actor_id": m.actor_id,
            "place_id": m.place_id,
        }
        for m in ments
    ]
    rec["actors"] = [actor_record(r._mapping) for r in actor_rows]
    rec["places"] = [place_record(r._mapping) for r in place_rows]
    rec["events"] = [event_record(r._mapping) for r in ev_rows]
    rec["claims"] = [claim_record(r._mapping) for r in cl_rows]
    return rec
