"""Watch rules over stored events and mentions, delivered once each (alerts_sent remembers them).

Rules file (YAML):
    rules:
      - name: iskp-central-asia        # required, unique
        actors: [iskp]                 # actor ids, as actor OR target of the event
        countries: [TJ, UZ, KG]        # ISO 3166-1 alpha-2 of the event's place
        types: [ASSAULT, MOBILIZE]     # PLOVER types
        statuses: [occurred, threatened]
        min_confidence: 0.5
        near: {lat: 37.22, lon: 67.28, km: 50}   # within km of a point
        match: events                  # events (default) | mentions (any place/actor mention) | any
All conditions given must hold (lists are alternatives). Each alert links to its evidence: document,
event (or mention) and the sentence. Running the same rules again reports nothing already reported.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import and_, insert, or_, select
from sqlalchemy.engine import Connection

from khabar.analyse.geo import bbox, haversine_km
from khabar.datafiles import user_yaml
from khabar.store.documents import now_iso
from khabar.store.schema import alerts_sent, documents, events, mentions, places

RULE_KEYS = {"name", "actors", "countries", "types", "statuses", "min_confidence", "near", "match", "description"}
MATCH = ("events", "mentions", "any")
MAX_RULES = 1000


class RuleError(ValueError):
    """A rules file that cannot be used; the message names the file, the rule and the field."""


def _list(value: Any, where: str, field: str, upper: bool = False) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise RuleError(f"{where}: field '{field}' must be a list of names")
    return [str(v).upper() if upper else str(v) for v in value]


def load_rules(path: str | Path) -> list[dict[str, Any]]:
    """Read and check a rules file (one clear error naming file, rule and field)."""
    p = Path(path)
    data = user_yaml(p, RuleError)
    raw = data.get("rules") if isinstance(data, dict) else data
    if not isinstance(raw, list) or not raw:
        raise RuleError(f"{p}: expected a list under 'rules:'")
    if len(raw) > MAX_RULES:
        raise RuleError(f"{p}: {len(raw)} rules; at most {MAX_RULES}")
    rules, names = [], set()
    for i, r in enumerate(raw, 1):
        where = f"{p}: rule {i}"
        if not isinstance(r, dict):
            raise RuleError(f"{where}: expected a mapping of fields")
        name = r.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RuleError(f"{where}: field 'name' is required")
        where = f"{p}: rule '{name}'"
        if name in names:
            raise RuleError(f"{where}: duplicate name")
        names.add(name)
        unknown = sorted(set(r) - RULE_KEYS)
        if unknown:
            raise RuleError(f"{where}: unknown field(s) {', '.join(unknown)}")
        rule: dict[str, Any] = {
            "name": name,
            "actors": _list(r.get("actors"), where, "actors"),
            "countries": _list(r.get("countries"), where, "countries", upper=True),
            "types": _list(r.get("types"), where, "types", upper=True),
            "statuses": _list(r.get("statuses"), where, "statuses"),
            "min_confidence": None,
            "near": None,
            "match": r.get("match", "events"),
        }
        if rule["match"] not in MATCH:
            raise RuleError(f"{where}: field 'match' must be one of {', '.join(MATCH)}")
        if r.get("min_confidence") is not None:
            try:
                rule["min_confidence"] = float(r["min_confidence"])
            except (TypeError, ValueError) as exc:
                raise RuleError(f"{where}: field 'min_confidence' must be a number") from exc
        if r.get("near") is not None:
            near = r["near"]
            try:
                lat, lon, km = float(near["lat"]), float(near["lon"]), float(near["km"])
            except (TypeError, KeyError, ValueError) as exc:
                raise RuleError(f"{where}: field 'near' needs numbers lat, lon and km") from exc
            if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < km <= 20000):
                raise RuleError(f"{where}: field 'near' out of range (lat -90..90, lon -180..180, km > 0)")
            rule["near"] = {"lat": lat, "lon": lon, "km": km}
        if rule["match"] != "events" and (rule["types"] or rule["statuses"] or rule["min_confidence"]):
            raise RuleError(f"{where}: types/statuses/min_confidence only apply to match: events")
        rules.append(rule)
    return rules


_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n\s*\n")


def sentence_around(text: str, start: int, end: int, limit: int = 600) -> str:
    """The sentence(s) containing text[start:end], bounded in size."""
    begin = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        begin = m.end()
    m = _SENTENCE_END.search(text, end)
    stop = m.end() if m else len(text)
    out = " ".join(text[begin:stop].split())
    return out if len(out) <= limit else out[:limit] + "..."


def _key(rule: str, kind: str, ident: str) -> str:
    return hashlib.sha256(f"{rule}\x1f{kind}\x1f{ident}".encode()).hexdigest()[:40]


def _event_alerts(conn: Connection, rule: dict[str, Any], since: str | None) -> list[dict[str, Any]]:
    c = events.c
    q = select(events, documents.c.source, documents.c.url, documents.c.title, documents.c.published).join(
        documents, documents.c.id == c.doc_id
    )
    if rule["actors"]:
        q = q.where(or_(c.actor_id.in_(rule["actors"]), c.target_id.in_(rule["actors"])))
    if rule["countries"]:
        q = q.where(c.country.in_(rule["countries"]))
    if rule["types"]:
        q = q.where(c.type.in_(rule["types"]))
    if rule["statuses"]:
        q = q.where(c.status.in_(rule["statuses"]))
    if rule["min_confidence"] is not None:
        q = q.where(c.confidence >= rule["min_confidence"])
    near = rule["near"]
    if near:
        la0, la1, lo0, lo1 = bbox(near["lat"], near["lon"], near["km"])
        q = q.where(and_(c.lat.between(la0, la1), c.lon.between(lo0, lo1)))
    if since:
        q = q.where(documents.c.ingested_at >= since)
    out = []
    for r in conn.execute(q.order_by(c.doc_id, c.evidence_start, c.id)).all():
        m = r._mapping
        km = None
        if near:
            km = haversine_km(near["lat"], near["lon"], m["lat"], m["lon"])
            if km > near["km"]:
                continue
        out.append({
            "key": _key(rule["name"], "event", m["id"]),
            "rule": rule["name"],
            "kind": "event",
            "event_id": m["id"],
            "doc_id": m["doc_id"],
            "title": m["title"], "source": m["source"], "url": m["url"], "published": m["published"],
            "type": m["type"], "status": m["status"], "confidence": m["confidence"],
            "actor": {"id": m["actor_id"], "name": m["actor_name"]} if m["actor_name"] or m["actor_id"] else None,
            "target": {"id": m["target_id"], "name": m["target_name"]}
            if m["target_name"] or m["target_id"] else None,
            "location": {"name": m["location_name"], "country": m["country"], "admin1": m["admin1"],
                         "lat": m["lat"], "lon": m["lon"]} if m["location_name"] or m["lat"] is not None else None,
            "distance_km": None if km is None else round(km, 1),
            "date": m["date_start"],
            "fatalities": m["fatalities"],
            "evidence": {"text": m["evidence_text"], "start": m["evidence_start"], "end": m["evidence_end"]},
        })
    return out


def _mention_alerts(conn: Connection, rule: dict[str, Any], since: str | None) -> list[dict[str, Any]]:
    c = mentions.c
    q = (
        select(mentions, places.c.name.label("place_name"), places.c.country, places.c.lat, places.c.lon,
               documents.c.source, documents.c.url, documents.c.title, documents.c.published)
        .join(documents, documents.c.id == c.doc_id)
        .outerjoin(places, places.c.id == c.place_id)
    )
    if rule["actors"]:
        q = q.where(c.actor_id.in_(rule["actors"]))
    if rule["countries"]:
        q = q.where(places.c.country.in_(rule["countries"]))
    near = rule["near"]
    if near:
        la0, la1, lo0, lo1 = bbox(near["lat"], near["lon"], near["km"])
        q = q.where(and_(places.c.lat.between(la0, la1), places.c.lon.between(lo0, lo1)))
    if not (rule["actors"] or rule["countries"] or near):
        return []  # a mention rule with no condition would alert on every word
    if since:
        q = q.where(documents.c.ingested_at >= since)
    out = []
    for r in conn.execute(q.order_by(c.doc_id, c.start)).all():
        m = r._mapping
        km = None
        if near:
            km = haversine_km(near["lat"], near["lon"], m["lat"], m["lon"])
            if km > near["km"]:
                continue
        ident = f"{m['doc_id']}:{m['start']}:{m['end']}"
        out.append({
            "key": _key(rule["name"], "mention", ident),
            "rule": rule["name"],
            "kind": "mention",
            "mention": {"text": m["text"], "label": m["label"], "actor_id": m["actor_id"],
                        "place_id": m["place_id"]},
            "doc_id": m["doc_id"],
            "title": m["title"], "source": m["source"], "url": m["url"], "published": m["published"],
            "location": {"name": m["place_name"], "country": m["country"], "lat": m["lat"], "lon": m["lon"]}
            if m["place_id"] else None,
            "distance_km": None if km is None else round(km, 1),
            "evidence": {"text": m["text"], "start": m["start"], "end": m["end"]},
        })
    return out


def evaluate(conn: Connection, rules: Iterable[dict[str, Any]], *, since: str | None = None) -> list[dict[str, Any]]:
    """Alerts not reported before, each with its evidence sentence; nothing is recorded here."""
    found: dict[str, dict[str, Any]] = {}
    for rule in rules:
        batch = []
        if rule["match"] in ("events", "any"):
            batch += _event_alerts(conn, rule, since)
        if rule["match"] in ("mentions", "any"):
            batch += _mention_alerts(conn, rule, since)
        for a in batch:
            found.setdefault(a["key"], a)
    keys = list(found)
    sent: set[str] = set()
    for i in range(0, len(keys), 500):
        sent.update(conn.execute(select(alerts_sent.c.key).where(alerts_sent.c.key.in_(keys[i:i + 500])))
                    .scalars().all())
    new = [a for k, a in found.items() if k not in sent]
    texts: dict[str, str] = {}
    doc_ids = sorted({a["doc_id"] for a in new})
    for i in range(0, len(doc_ids), 200):
        texts.update(conn.execute(select(documents.c.id, documents.c.text)
                                  .where(documents.c.id.in_(doc_ids[i:i + 200]))).all())
    for a in new:
        ev = a["evidence"]
        a["sentence"] = sentence_around(texts.get(a["doc_id"], ""), ev["start"], ev["end"])
    return new


class DeliveryError(RuntimeError):
    pass


def post_webhook(client: httpx.Client, url: str, alert: dict[str, Any]) -> None:
    try:
        resp = client.post(url, json=alert)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {url}: {exc.__class__.__name__}: {exc}") from exc
    if resp.status_code >= 300:
        raise DeliveryError(f"webhook {url}: HTTP {resp.status_code}")


def deliver(
    conn: Connection,
    alerts: list[dict[str, Any]],
    *,
    out: IO[str] | None = None,
    webhook: str | None = None,
    record: bool = True,
    timeout: float = 10.0,
) -> tuple[int, str | None]:
    """Write/POST each alert, then remember it; stops at the first failed delivery.

    Returns (delivered, error). Alerts not delivered are not recorded, so the next run retries them.
    """
    if webhook and not webhook.startswith(("http://", "https://")):
        return 0, f"webhook {webhook}: expected an http:// or https:// URL"
    done = 0
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for a in alerts:
            try:
                if webhook:
                    post_webhook(client, webhook, a)
            except DeliveryError as exc:
                return done, str(exc)
            if out is not None:
                out.write(json.dumps(a, ensure_ascii=False, default=str) + "\n")
                out.flush()
            if record:
                conn.execute(insert(alerts_sent).values(
                    key=a["key"], rule=a["rule"], data=json.dumps(a, ensure_ascii=False, default=str),
                    created_at=now_iso(),
                ))
            done += 1
    return done, None
