"""Claims across documents: who said what figure about whom, grouped by subject, measure and place.

Two claims measure the same thing when they share a subject (resolved actor id, else the name), a
normalised unit (fighters ~ terrorists ~ militants ~ armed men, per `claims.units` in analysis.yaml) and a
location qualifier: the places mentioned inside the claim's evidence sentence (ISIS-K fighters "in
Afghanistan" and "near the Tajik border" are different measures). timeline() lists them in date order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from khabar.analyse.config import load_config
from khabar.store.schema import actors, claims, documents, mentions, places


def unit_table(cfg: dict[str, Any]) -> dict[str, str]:
    """Every unit spelling -> its canonical unit."""
    table: dict[str, str] = {}
    for canonical, words in (cfg["claims"].get("units") or {}).items():
        table[canonical.lower()] = canonical
        for w in words:
            table[str(w).strip().lower()] = canonical
    return table


def normalise_unit(unit: str | None, table: dict[str, str]) -> str | None:
    if not unit:
        return None
    u = " ".join(unit.lower().split())
    if u in table:
        return table[u]
    last = u.split()[-1]  # "isis-k fighters", "foreign terrorists"
    if last in table:
        return table[last]
    if u.endswith("s") and u[:-1] in table:
        return table[u[:-1]]
    return u


def resolve_subject(conn: Connection, subject: str) -> tuple[set[str], set[str]]:
    """Actor ids and lower-case names a user's --subject means (id, name or alias)."""
    s = subject.strip().lower()
    ids = set(conn.execute(
        select(actors.c.id).where(or_(func.lower(actors.c.id) == s, func.lower(actors.c.name) == s))
    ).scalars().all())
    pattern = "%" + json.dumps(s)[1:-1].replace("%", "").replace("_", "") + "%"
    for aid, aliases in conn.execute(
        select(actors.c.id, actors.c.aliases).where(func.lower(actors.c.aliases).like(pattern))
    ).all():
        if s in {a.lower() for a in json.loads(aliases or "[]")}:
            ids.add(aid)
    names = {s}
    for name, aliases in conn.execute(select(actors.c.name, actors.c.aliases).where(actors.c.id.in_(ids))).all():
        names.add(name.lower())
        names.update(a.lower() for a in json.loads(aliases or "[]"))
    return ids, names


def _qualifiers(conn: Connection, rows: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """claim id -> the places mentioned within its evidence sentence."""
    doc_ids = sorted({r["doc_id"] for r in rows})
    by_doc: dict[str, list[Any]] = {}
    for start in range(0, len(doc_ids), 500):
        q = (
            select(mentions.c.doc_id, mentions.c.start, mentions.c.end, mentions.c.text, mentions.c.place_id,
                   places.c.name, places.c.country)
            .outerjoin(places, places.c.id == mentions.c.place_id)
            .where(mentions.c.doc_id.in_(doc_ids[start:start + 500]), mentions.c.place_id.is_not(None))
        )
        for m in conn.execute(q).all():
            by_doc.setdefault(m.doc_id, []).append(m)
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        found: dict[str, dict[str, Any]] = {}
        for m in by_doc.get(r["doc_id"], []):
            if m.start >= r["evidence_start"] and m.end <= r["evidence_end"]:
                found.setdefault(m.place_id, {"id": m.place_id, "name": m.name or m.text, "country": m.country})
        out[r["id"]] = sorted(found.values(), key=lambda p: p["id"])
    return out


def load_claims(
    conn: Connection,
    *,
    subject: str | None = None,
    unit: str | None = None,
    doc_ids: Iterable[str] | None = None,
    cfg: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Claims (optionally about one subject / unit) with their source, date, unit and qualifier resolved."""
    cfg = cfg or load_config()
    units = unit_table(cfg)
    q = select(claims, documents.c.source, documents.c.url, documents.c.published,
               documents.c.near_dup_group).join(documents, documents.c.id == claims.c.doc_id)
    if subject:
        ids, names = resolve_subject(conn, subject)
        conds = [func.lower(claims.c.subject_name).in_(sorted(names))]
        if ids:
            conds.append(claims.c.subject_id.in_(sorted(ids)))
        q = q.where(or_(*conds))
    if doc_ids is not None:
        q = q.where(claims.c.doc_id.in_(list(doc_ids)))
    rows = [r._mapping for r in conn.execute(q).all()]
    quals = _qualifiers(conn, rows)
    want_unit = normalise_unit(unit, units) if unit else None
    out = []
    for r in rows:
        canonical = normalise_unit(r["quantity_unit"], units)
        if want_unit and canonical != want_unit:
            continue
        qual = quals.get(r["id"], [])
        out.append({
            "claim_id": r["id"],
            "doc_id": r["doc_id"],
            "source": r["source"],
            "url": r["url"],
            "published": r["published"],
            "date": r["date_start"] or (r["published"] or "")[:10] or None,
            "speaker": r["speaker_name"],
            "speaker_id": r["speaker_id"],
            "speaker_role": r["speaker_role"],
            "speaker_affiliation": r["speaker_affiliation"],
            "verb": r["verb"],
            "stance": r["stance"],
            "subject_id": r["subject_id"],
            "subject": r["subject_name"],
            "value": r["quantity_value"],
            "unit": canonical,
            "unit_text": r["quantity_unit"],
            "approximate": bool(r["quantity_approximate"]),
            "quantity_text": r["quantity_text"],
            "qualifier": "+".join(p["name"] for p in qual) or None,
            "qualifier_ids": [p["id"] for p in qual],
            "denies_id": r["denies_id"],
            "denies_name": r["denies_name"],
            "denies_claim": r["denies_claim"],
            "content": r["content"],
            "evidence": r["evidence_text"],
            "evidence_start": r["evidence_start"],
            "evidence_end": r["evidence_end"],
            "independence": r["near_dup_group"] or r["doc_id"],
        })
    out.sort(key=lambda c: (c["date"] or "", c["published"] or "", c["claim_id"]))
    return out


def group_key(c: dict[str, Any]) -> tuple[str, str | None, str]:
    """(subject, unit, qualifier): claims with one key measure the same thing."""
    subject = c["subject_id"] or (c["subject"] or "").strip().lower()
    return subject, c["unit"], "+".join(c["qualifier_ids"])


def group_claims(items: Iterable[dict[str, Any]]) -> dict[tuple[str, str | None, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str | None, str], list[dict[str, Any]]] = {}
    for c in items:
        if c["value"] is not None:
            groups.setdefault(group_key(c), []).append(c)
    return groups


def timeline(
    conn: Connection, subject: str, unit: str | None = None, cfg: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """How figures about `subject` evolved: one entry per claim, oldest first, who said what when."""
    out = []
    for c in load_claims(conn, subject=subject, unit=unit, cfg=cfg):
        out.append({
            "date": c["date"],
            "speaker": c["speaker"],
            "speaker_id": c["speaker_id"],
            "stance": c["stance"],
            "value": c["value"],
            "unit": c["unit"],
            "unit_text": c["unit_text"],
            "approximate": c["approximate"],
            "qualifier": c["qualifier"],
            "doc_id": c["doc_id"],
            "source": c["source"],
            "claim_id": c["claim_id"],
            "evidence": c["evidence"],
        })
    return out
