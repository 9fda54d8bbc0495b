"""Incidents: event reports from many documents merged into the real-world events they describe.

Method (thresholds and weights in khabar/data/analysis.yaml, section `incidents`):
- A pair of event reports is compared only when hard limits allow it: compatible types (same PLOVER type,
  or a pair in the `compatible` table), statuses in the same group (an attack that happened is not the
  same as one that was threatened), dates within a window that depends on the coarser date precision,
  places within a distance that depends on the coarser geo precision (or, without coordinates, not in two
  different countries).
- The pair score is a weighted mean of components in 0..1: type, actors, place, date, evidence (word
  overlap of the evidence sentences) and figures (fatalities ratio). A component that cannot be judged
  (one side does not know) takes the `neutral` value. Every link keeps its components, so an analyst can
  see why two reports were merged.
- Incremental (update_incidents): each new event is compared only with events found by indexed lookups
  (events.type + date_start window, then a lat/lon box or the same country), and joins the incident of the
  best match at or above the threshold; if it matches several incidents they are merged. Nothing else is
  recomputed.
- A merged incident keeps every report and source, the earliest report time, the number of INDEPENDENT
  sources (documents of one near-duplicate group, or from one outlet, count once) and for each figure all
  values with their median (consensus) and range.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, true, union_all, update
from sqlalchemy.engine import Connection

from khabar.analyse.config import load_config
from khabar.analyse.dates import gap_days, interval
from khabar.analyse.geo import bbox, haversine_km
from khabar.store.documents import now_iso
from khabar.store.schema import (
    document_sources,
    documents,
    events,
    incident_events,
    incidents,
    near_duplicates,
)

FIGURES = ("fatalities", "wounded", "arrested")
GEO_ORDER = ("point", "city", "admin1", "border", "region", "country")
DATE_ORDER = ("day", "week", "range", "month", "year", "unknown")
COMPONENTS = ("type", "actors", "place", "date", "evidence", "figures")

_EVENT_COLS = (
    events.c.id, events.c.doc_id, events.c.type, events.c.mode, events.c.status,
    events.c.actor_id, events.c.actor_name, events.c.target_id, events.c.target_name,
    events.c.location_name, events.c.place_id, events.c.country, events.c.admin1, events.c.lat, events.c.lon,
    events.c.geo_precision, events.c.date_start, events.c.date_end, events.c.date_precision,
    events.c.fatalities, events.c.wounded, events.c.arrested, events.c.evidence_text,
    events.c.evidence_start, events.c.evidence_end, events.c.confidence,
    documents.c.published, documents.c.source, documents.c.url, documents.c.near_dup_group,
    documents.c.ingested_at,
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


# ---- one event report, as the scorer sees it -----------------------------------------------------


class Report:
    """An event row plus what clustering derives from it (date interval; evidence words, on first use)."""

    __slots__ = ("row", "span", "date_precision", "_words", "_stopwords")

    def __init__(self, row: Any, stopwords: frozenset[str]) -> None:
        self.row = row
        span = interval(row["date_start"], row["date_end"])
        precision = row["date_precision"] or "unknown"
        if span is None:  # no date in the text: the report's own date, as an imprecise stand-in
            span = interval(row["published"], row["published"])
            precision = "unknown"
        self.span = span
        self.date_precision = precision
        self._stopwords = stopwords
        self._words: frozenset[str] | None = None

    @property
    def words(self) -> frozenset[str]:
        if self._words is None:  # most candidates fail a hard limit first: tokenise only when compared
            self._words = _words(self.row["evidence_text"], self._stopwords)
        return self._words


def _words(text: str | None, stopwords: frozenset[str]) -> frozenset[str]:
    out = set()
    for w in _WORD.findall((text or "").lower()):
        if w in stopwords or (len(w) < 3 and not w.isdigit()):
            continue
        out.add(w[:-1] if len(w) > 4 and w.endswith("s") else w)
    return frozenset(out)


def _coarser(a: str | None, b: str | None, order: Sequence[str]) -> str:
    def rank(p: str | None) -> int:
        return order.index(p) if p in order else len(order)

    return a if rank(a) >= rank(b) else b  # type: ignore[return-value]


def _limit(table: dict[str, Any], key: str | None) -> float:
    return float(table.get(key or "default", table.get("default", 0)))


def _same_party(aid: Any, aname: Any, bid: Any, bname: Any, floor: float) -> float | None:
    """1 / 0 when both are resolved actors; by name words when one is not; None (neutral) when a side is unknown.

    Unresolved names ("gunmen", "Hazara passengers") are weak evidence: different names only lower the
    component to `floor`, since early reports often name no one that later ones identify.
    """
    if aid and bid:
        return 1.0 if aid == bid else 0.0
    if aname and bname:
        wa = set(_WORD.findall(str(aname).lower()))
        wb = set(_WORD.findall(str(bname).lower()))
        overlap = len(wa & wb) / len(wa | wb) if wa | wb else 0.0
        return floor + (1.0 - floor) * overlap
    return None


class Scorer:
    """The pair score with its components, configured once per run."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        c = cfg["incidents"]
        self.threshold = float(c["threshold"])
        weights = {k: float(c["weights"].get(k, 0)) for k in COMPONENTS}
        total = sum(weights.values()) or 1.0
        self.weights = {k: v / total for k, v in weights.items()}
        self.neutral = float(c["neutral"])
        self.evidence_full = float(c.get("evidence_full", 1.0)) or 1.0
        self.mode_mismatch = float(c["mode_mismatch"])
        self.name_mismatch = float(c.get("name_mismatch", self.neutral))
        self.max_km = c["max_km"]
        self.window = c["date_window_days"]
        self.lookup_days = max(int(v) for k, v in self.window.items() if k != "year")
        self.max_lookup_km = max(float(v) for v in self.max_km.values())
        self.compat: dict[tuple[str, str], float] = {}
        for a, b, v in c.get("compatible", []):
            self.compat[(a, b)] = self.compat[(b, a)] = float(v)
        self.skip = set(c.get("skip_statuses", []))
        self.status_group: dict[str, int] = {}
        for i, group in enumerate(c.get("status_groups", [["occurred", "alleged", "historical"],
                                                          ["planned", "threatened"]])):
            for s in group:
                self.status_group[s] = i
        self.stopwords = frozenset(c.get("stopwords", []))

    def statuses_like(self, status: str) -> list[str] | None:
        """Statuses a report with `status` may merge with (None: ungrouped, only its own group of None)."""
        group = self.status_group.get(status)
        if group is None:
            return None
        return sorted(s for s, g in self.status_group.items() if g == group)

    def compatible_types(self, t: str) -> list[str]:
        return [t] + sorted(b for (a, b) in self.compat if a == t)

    def score(self, a: Report, b: Report) -> tuple[float, dict[str, float]] | None:
        """(score, components), or None when a hard limit says the reports cannot be one event."""
        ra, rb = a.row, b.row
        if self.status_group.get(ra["status"], -1) != self.status_group.get(rb["status"], -1):
            return None
        comp: dict[str, float] = {}
        if ra["type"] == rb["type"]:
            modes_known = ra["mode"] and rb["mode"]
            comp["type"] = self.mode_mismatch if modes_known and ra["mode"] != rb["mode"] else 1.0
        elif (ra["type"], rb["type"]) in self.compat:
            comp["type"] = self.compat[(ra["type"], rb["type"])]
        else:
            return None
        # date
        if a.span and b.span:
            precision = _coarser(a.date_precision, b.date_precision, DATE_ORDER)
            window = _limit(self.window, precision)
            gap = gap_days(a.span, b.span)
            if gap > window:
                return None
            value = 1.0 - gap / (window + 1.0)
            comp["date"] = value if precision == "day" else 0.7 * value
        else:
            comp["date"] = self.neutral
        # place
        if ra["lat"] is not None and rb["lat"] is not None and ra["lon"] is not None and rb["lon"] is not None:
            max_km = _limit(self.max_km, _coarser(ra["geo_precision"], rb["geo_precision"], GEO_ORDER))
            km = haversine_km(ra["lat"], ra["lon"], rb["lat"], rb["lon"])
            if km > max_km:
                return None
            comp["place"] = 1.0 - km / max_km if max_km else 1.0
        elif ra["country"] and rb["country"] and ra["country"] != rb["country"]:
            return None
        else:
            comp["place"] = self.neutral
        # actors: who did it to whom
        sides = [
            _same_party(ra["actor_id"], ra["actor_name"], rb["actor_id"], rb["actor_name"], self.name_mismatch),
            _same_party(ra["target_id"], ra["target_name"], rb["target_id"], rb["target_name"], self.name_mismatch),
        ]
        comp["actors"] = sum(self.neutral if s is None else s for s in sides) / 2
        # evidence words
        wa, wb = a.words, b.words
        if wa and wb:
            jaccard = len(wa & wb) / len(wa | wb)
            comp["evidence"] = min(1.0, jaccard / self.evidence_full)
        else:
            comp["evidence"] = self.neutral
        # figures
        comp["figures"] = self.neutral
        for f in FIGURES:
            x, y = ra[f], rb[f]
            if x is not None and y is not None:
                comp["figures"] = 1.0 if max(x, y) == 0 else min(x, y) / max(x, y)
                break
        total = sum(self.weights[k] * comp[k] for k in COMPONENTS)
        return round(total, 4), {k: round(v, 3) for k, v in comp.items()}


# ---- lookups --------------------------------------------------------------------------------------


def _load_events(conn: Connection, where: Any) -> list[Any]:
    q = select(*_EVENT_COLS).join(documents, documents.c.id == events.c.doc_id).where(where)
    return [r._mapping for r in conn.execute(q).all()]


def _finer_or_equal(precision: str | None, order: Sequence[str]) -> list[str] | None:
    """Precisions no coarser than `precision` (None: every precision, the report itself is the coarsest)."""
    if precision not in order:
        return None
    return list(order[: order.index(precision) + 1])


def _box(name: str) -> Any:
    """lat/lon within the bound box parameters `{name}_la0` .. `{name}_lo1`."""
    return and_(events.c.lat.between(bindparam(f"{name}_la0"), bindparam(f"{name}_la1")),
                events.c.lon.between(bindparam(f"{name}_lo0"), bindparam(f"{name}_lo1")))


_STATEMENTS: dict[tuple[Any, ...], Any] = {}  # candidate lookups by shape; limits are parameters, not SQL


def _candidate_statement(key: tuple[Any, ...]) -> Any:
    """The candidate lookup for one shape of report, with bound parameters (built once per shape)."""
    has_statuses, finer_dates, geo, finer_geo, has_country = key
    date_cond: Any = true()
    if finer_dates is not None:
        date_cond = or_(
            and_(events.c.date_precision.in_(finer_dates),
                 events.c.date_start.between(bindparam("own_lo"), bindparam("own_hi"))),
            events.c.date_precision.not_in(finer_dates),
            events.c.date_precision.is_(None),
        )
    place_cond: Any = true()
    same_country = or_(events.c.country.is_(None), events.c.country == bindparam("country"))
    if geo:
        if finer_geo is None:
            near: Any = _box("own")
        else:  # a coarser candidate: within the limit of its own precision (unknown ones: the widest)
            branches = [and_(events.c.geo_precision.in_(finer_geo), _box("own"))]
            for p in GEO_ORDER[len(finer_geo):]:
                branches.append(and_(events.c.geo_precision == p, _box(p)))
            branches.append(and_(or_(events.c.geo_precision.not_in(GEO_ORDER), events.c.geo_precision.is_(None)),
                                 _box("max")))
            near = or_(*branches)
        no_coords = events.c.lat.is_(None)
        if has_country:
            no_coords = and_(no_coords, same_country)
        place_cond = or_(near, no_coords)
    elif has_country:
        place_cond = same_country
    status_cond: Any = events.c.status.in_(bindparam("statuses", expanding=True)) if has_statuses else true()
    base = (
        select(*_EVENT_COLS, incident_events.c.incident_id)
        .join(incident_events, incident_events.c.event_id == events.c.id)
        .join(documents, documents.c.id == events.c.doc_id)
    )
    type_cond = events.c.type.in_(bindparam("types", expanding=True))
    dated = base.where(type_cond, events.c.date_start.between(bindparam("lo"), bindparam("hi")), date_cond,
                       place_cond, status_cond)
    undated = base.where(type_cond, events.c.date_start.is_(None),
                         documents.c.published.between(bindparam("lo"), bindparam("hi")), place_cond, status_cond)
    return union_all(dated, undated)


def _candidates(conn: Connection, rep: Report, scorer: Scorer) -> list[tuple[Any, str]]:
    """Clustered events that could match rep, found through indexes: (row, incident_id).

    The limits of a pair depend on the coarser precision of its two reports, so candidates no coarser
    than rep are fetched within rep's own date window and distance, and coarser ones within theirs: the
    work per new report stays proportional to its real neighbourhood. The statement is built once per
    shape of report (precisions, coordinates known or not) and reused with new parameters.
    """
    row = rep.row
    if rep.span is None:
        return []
    statuses = scorer.statuses_like(row["status"])

    def day_range(days: float) -> tuple[str, str]:
        return ((rep.span[0] - timedelta(days=days)).isoformat(),
                (rep.span[1] + timedelta(days=days)).isoformat() + "\uffff")

    params: dict[str, Any] = {"types": scorer.compatible_types(row["type"])}
    params["lo"], params["hi"] = day_range(scorer.lookup_days)
    params["own_lo"], params["own_hi"] = day_range(_limit(scorer.window, rep.date_precision))
    finer_dates = _finer_or_equal(rep.date_precision, DATE_ORDER)
    geo = row["lat"] is not None and row["lon"] is not None
    finer_geo = _finer_or_equal(row["geo_precision"], GEO_ORDER) if geo else None
    if geo:
        own_km = _limit(scorer.max_km, row["geo_precision"] if finer_geo is not None else None)
        boxes = {"own": own_km, "max": scorer.max_lookup_km}
        if finer_geo is not None:
            boxes.update({p: _limit(scorer.max_km, p) for p in GEO_ORDER[len(finer_geo):]})
        for name, km in boxes.items():
            box = bbox(row["lat"], row["lon"], km)
            params.update(zip((f"{name}_la0", f"{name}_la1", f"{name}_lo0", f"{name}_lo1"), box, strict=True))
    if row["country"]:
        params["country"] = row["country"]
    if statuses:
        params["statuses"] = statuses
    key = (bool(statuses), tuple(finer_dates) if finer_dates else None, geo,
           tuple(finer_geo) if finer_geo else None, bool(row["country"]))
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = _candidate_statement(key)
    out = []
    for r in conn.execute(stmt, params).all():
        m = r._mapping
        out.append((m, m["incident_id"]))
    return out


# ---- summaries --------------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    m = statistics.median(values)
    return int(m) if float(m).is_integer() else round(m, 1)


def _independent_groups(conn: Connection, docs: dict[str, Any]) -> list[list[str]]:
    """Member documents grouped so that wire copies and one outlet's several articles count once."""
    parent = {d: d for d in docs}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_key: dict[str, str] = {}
    for d, info in docs.items():
        keys = [f"g:{info['near_dup_group'] or d}"]
        if info["source"]:
            keys.append(f"s:{info['source'].strip().lower()}")
        for k in keys:
            if k in by_key:
                union(d, by_key[k])
            else:
                by_key[k] = d
    ids = list(docs)
    if len(ids) > 1:
        for a, b in conn.execute(
            select(near_duplicates.c.doc_id, near_duplicates.c.other_id).where(
                near_duplicates.c.doc_id.in_(ids), near_duplicates.c.other_id.in_(ids)
            )
        ).all():
            union(a, b)
    groups: dict[str, list[str]] = {}
    for d in ids:
        groups.setdefault(find(d), []).append(d)
    return sorted(groups.values(), key=lambda g: min(g))


def summarise(conn: Connection, incident_id: str, links: dict[str, Any]) -> dict[str, Any] | None:
    """The incident's JSON summary from its current member events (None when it has none)."""
    rows = conn.execute(
        select(*_EVENT_COLS, incident_events.c.score)
        .join(incident_events, incident_events.c.event_id == events.c.id)
        .join(documents, documents.c.id == events.c.doc_id)
        .where(incident_events.c.incident_id == incident_id)
    ).all()
    if not rows:
        return None
    ms = sorted((r._mapping for r in rows), key=lambda m: (m["published"] or m["ingested_at"] or "", m["id"]))
    docs = {m["doc_id"]: m for m in ms}
    seen_at = conn.execute(
        select(document_sources.c.doc_id, document_sources.c.source, document_sources.c.published)
        .where(document_sources.c.doc_id.in_(list(docs)))
    ).all()
    outlets: dict[str, list[str]] = {d: [] for d in docs}
    published: dict[str, list[str]] = {d: [] for d in docs}
    for doc_id, source, pub in seen_at:
        if source and source not in outlets[doc_id]:
            outlets[doc_id].append(source)
        if pub:
            published[doc_id].append(pub)
    for d, m in docs.items():
        if m["source"] and m["source"] not in outlets[d]:
            outlets[d].insert(0, m["source"])
        published[d].append(m["published"] or m["ingested_at"])
    groups = _independent_groups(conn, docs)
    counts: dict[str, dict[str, int]] = {"types": {}, "actors": {}, "targets": {}}
    names: dict[str, str] = {}
    for m in ms:
        counts["types"][m["type"]] = counts["types"].get(m["type"], 0) + 1
        for field, cid, cname in (("actors", "actor_id", "actor_name"), ("targets", "target_id", "target_name")):
            key = m[cid] or m[cname]
            if key:
                counts[field][key] = counts[field].get(key, 0) + 1
                names[key] = m[cname] or key
    located = [m for m in ms if m["lat"] is not None or m["location_name"]]
    best_loc = None
    if located:
        best = min(located, key=lambda m: (GEO_ORDER.index(m["geo_precision"])
                                           if m["geo_precision"] in GEO_ORDER else 9, m["lat"] is None))
        best_loc = {k: best[k] for k in ("location_name", "country", "admin1", "lat", "lon", "geo_precision")}
        best_loc["name"] = best_loc.pop("location_name")
        best_loc["precision"] = best_loc.pop("geo_precision")
    spans = [interval(m["date_start"], m["date_end"]) for m in ms]
    spans = [s for s in spans if s]
    group_of = {d: i for i, g in enumerate(groups) for d in g}
    figures: dict[str, Any] = {}
    for f in FIGURES:
        vals = [{"value": m[f], "event_id": m["id"], "doc_id": m["doc_id"], "source": m["source"]}
                for m in ms if m[f] is not None]
        if vals:
            nums = [v["value"] for v in vals]
            per_group: dict[int, list[float]] = {}
            for v in vals:  # a wire copy repeats its original's figure: one vote per independent source
                per_group.setdefault(group_of[v["doc_id"]], []).append(v["value"])
            consensus = _median([statistics.median(g) for g in per_group.values()])
            figures[f] = {"reports": vals, "consensus": consensus, "min": min(nums), "max": max(nums)}
    report_times = [p for d in docs for p in published[d] if p]
    all_outlets = []
    for d in docs:
        all_outlets += [o for o in outlets[d] if o not in all_outlets]
    main_type = max(counts["types"], key=lambda t: (counts["types"][t], t == ms[0]["type"]))
    return {
        "id": incident_id,
        "type": main_type,
        "types": counts["types"],
        "actors": [{"id": k, "name": names[k], "reports": v} for k, v in
                   sorted(counts["actors"].items(), key=lambda kv: -kv[1])],
        "targets": [{"id": k, "name": names[k], "reports": v} for k, v in
                    sorted(counts["targets"].items(), key=lambda kv: -kv[1])],
        "location": best_loc,
        "date": {"start": min(s[0] for s in spans).isoformat(), "end": max(s[1] for s in spans).isoformat()}
        if spans else None,
        "figures": figures,
        "first_reported": min(report_times) if report_times else None,
        "report_count": len(ms),
        "document_count": len(docs),
        "sources": all_outlets,
        "independent_sources": len(groups),
        "independent_groups": groups,
        "reports": [
            {
                "event_id": m["id"],
                "doc_id": m["doc_id"],
                "source": m["source"],
                "outlets": outlets[m["doc_id"]],
                "url": m["url"],
                "published": m["published"],
                "status": m["status"],
                "type": m["type"],
                "actor": m["actor_name"],
                "target": m["target_name"],
                "location": m["location_name"],
                "date": m["date_start"],
                **{f: m[f] for f in FIGURES},
                "evidence": {"text": m["evidence_text"], "start": m["evidence_start"], "end": m["evidence_end"]},
                "score": m["score"],
                "link": links.get(m["id"]),
            }
            for m in ms
        ],
    }


def _incident_id(event_id: str) -> str:
    return "inc-" + hashlib.sha1(event_id.encode("utf-8")).hexdigest()[:16]


def _links_of(conn: Connection, incident_id: str) -> dict[str, Any]:
    data = conn.execute(select(incidents.c.data).where(incidents.c.id == incident_id)).scalar_one_or_none()
    return json.loads(data).get("links", {}) if data else {}


def _write(conn: Connection, incident_id: str, links: dict[str, Any]) -> None:
    summary = summarise(conn, incident_id, links)
    if summary is None:
        conn.execute(delete(incidents).where(incidents.c.id == incident_id))
        return
    present = {r["event_id"] for r in summary["reports"]}
    summary["links"] = {k: v for k, v in links.items() if k in present}
    values = {
        "type": summary["type"],
        "data": json.dumps(summary, ensure_ascii=False, default=str),
        "first_reported": summary["first_reported"],
        "source_count": summary["independent_sources"],
        "updated_at": now_iso(),
    }
    done = conn.execute(update(incidents).where(incidents.c.id == incident_id).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(incidents).values(id=incident_id, **values))


# ---- the incremental update ---------------------------------------------------------------------


def prune(conn: Connection) -> int:
    """Delete incidents left without events (their documents were re-extracted or deleted)."""
    orphan = ~select(incident_events.c.incident_id).where(
        incident_events.c.incident_id == incidents.c.id
    ).exists()
    return conn.execute(delete(incidents).where(orphan)).rowcount or 0


def update_incidents(
    conn: Connection, doc_ids: Iterable[str], cfg: dict[str, Any] | None = None
) -> dict[str, int]:
    """Cluster the events of these (newly extracted) documents into incidents; the caller owns the transaction.

    Call it after save_extraction for a batch. Events already clustered are first detached, so calling it
    again for a re-extracted document is safe. Returns counts: events, joined, created, merged.
    """
    cfg = cfg or load_config()
    scorer = Scorer(cfg)
    doc_ids = list(dict.fromkeys(doc_ids))
    stats = {"events": 0, "joined": 0, "created": 0, "merged": 0, "pruned": 0}
    if not doc_ids:
        return stats
    touched: dict[str, dict[str, Any]] = {}  # incident id -> links, written once at the end
    for chunk_start in range(0, len(doc_ids), 500):
        chunk = doc_ids[chunk_start:chunk_start + 500]
        ids_in_chunk = select(events.c.id).where(events.c.doc_id.in_(chunk))
        old = conn.execute(
            select(incident_events.c.incident_id).where(incident_events.c.event_id.in_(ids_in_chunk)).distinct()
        ).scalars().all()
        if old:
            conn.execute(delete(incident_events).where(incident_events.c.event_id.in_(ids_in_chunk)))
            for inc in old:
                touched.setdefault(inc, _links_of(conn, inc))
        rows = _load_events(conn, events.c.doc_id.in_(chunk))
        rows.sort(key=lambda m: (m["published"] or "", m["doc_id"], m["evidence_start"], m["id"]))
        for row in rows:
            if row["status"] in scorer.skip:
                continue
            stats["events"] += 1
            _place(conn, Report(row, scorer.stopwords), scorer, touched, stats)
    for inc, links in touched.items():
        _write(conn, inc, links)
    stats["pruned"] = prune(conn)
    return stats


def _place(conn: Connection, rep: Report, scorer: Scorer, touched: dict[str, dict[str, Any]],
           stats: dict[str, int]) -> None:
    best: dict[str, tuple[float, dict[str, float], str]] = {}  # incident -> best (score, comps, event)
    for cand, inc in _candidates(conn, rep, scorer):
        if cand["id"] == rep.row["id"]:
            continue
        result = scorer.score(rep, Report(cand, scorer.stopwords))
        if result is None or result[0] < scorer.threshold:
            continue
        if inc not in best or result[0] > best[inc][0]:
            best[inc] = (result[0], result[1], cand["id"])
    event_id = rep.row["id"]
    if not best:
        inc = _incident_id(event_id)
        if conn.execute(select(incidents.c.id).where(incidents.c.id == inc)).first() is None:
            conn.execute(insert(incidents).values(id=inc, type=rep.row["type"], data="{}", source_count=1,
                                                  updated_at=now_iso()))
        conn.execute(insert(incident_events).values(incident_id=inc, event_id=event_id, score=1.0))
        touched.setdefault(inc, {})[event_id] = {"founded": True}
        stats["created"] += 1
        return
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
    target, (score, comps, matched) = ranked[0]
    links = touched.setdefault(target, _links_of(conn, target))
    for other, _ in ranked[1:]:  # the new report bridges incidents: they were one event all along
        conn.execute(update(incident_events).where(incident_events.c.incident_id == other)
                     .values(incident_id=target))
        links.update(touched.pop(other, None) or _links_of(conn, other))
        conn.execute(delete(incidents).where(incidents.c.id == other))
        stats["merged"] += 1
    conn.execute(insert(incident_events).values(incident_id=target, event_id=event_id, score=score))
    links[event_id] = {"matched": matched, "score": score, "components": comps}
    stats["joined"] += 1


def cluster_pending(
    conn: Connection, cfg: dict[str, Any] | None = None, *, doc_ids: Iterable[str] | None = None,
    prune_orphans: bool | None = None,
) -> dict[str, int]:
    """Cluster the stored events that are in no incident yet; events already clustered are not touched.

    With doc_ids (what an ingester just saved) the pending events are found through the events.doc_id
    index, so the cost per new document does not grow with the store except through the indexed candidate
    lookups; without doc_ids every event is checked (a catch-up after ingests that did not cluster).
    Orphaned incidents (all their events re-extracted away) are pruned on a full catch-up, or when asked.
    The caller owns the transaction.
    """
    cfg = cfg or load_config()
    scorer = Scorer(cfg)
    stats = {"events": 0, "joined": 0, "created": 0, "merged": 0, "pruned": 0}
    clustered = select(incident_events.c.event_id).where(incident_events.c.event_id == events.c.id).exists()
    pending = and_(~clustered, events.c.status.not_in(sorted(scorer.skip)) if scorer.skip else True)
    rows: list[Any] = []
    if doc_ids is None:
        rows = _load_events(conn, pending)
    else:
        wanted = list(dict.fromkeys(doc_ids))
        for start in range(0, len(wanted), 500):
            rows += _load_events(conn, and_(events.c.doc_id.in_(wanted[start:start + 500]), pending))
    rows.sort(key=lambda m: (m["published"] or "", m["doc_id"], m["evidence_start"], m["id"]))
    touched: dict[str, dict[str, Any]] = {}
    for row in rows:
        stats["events"] += 1
        _place(conn, Report(row, scorer.stopwords), scorer, touched, stats)
    for inc, links in touched.items():
        _write(conn, inc, links)
    if prune_orphans or (prune_orphans is None and doc_ids is None):
        stats["pruned"] = prune(conn)
    return stats


def rebuild_incidents(conn: Connection, cfg: dict[str, Any] | None = None) -> dict[str, int]:
    """Forget all incidents and cluster every event again (after changing thresholds)."""
    conn.execute(delete(incident_events))
    conn.execute(delete(incidents))
    doc_ids = conn.execute(
        select(documents.c.id).where(documents.c.id.in_(select(events.c.doc_id)))
        .order_by(documents.c.published, documents.c.id)
    ).scalars().all()
    return update_incidents(conn, doc_ids, cfg)


# ---- reading ---------------------------------------------------------------------------------------


def _brief(conn: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Stored summaries without per-report detail; those whose members changed since (a re-extracted
    document drops its events at once) are summarised again from their live members, and empty ones
    are left out, so a listing never shows a report that is gone."""
    ids = [r.id for r in rows]
    live = dict(conn.execute(
        select(incident_events.c.incident_id, func.count()).where(incident_events.c.incident_id.in_(ids))
        .group_by(incident_events.c.incident_id)
    ).all()) if ids else {}
    out = []
    for r in rows:
        data = json.loads(r.data)
        if live.get(r.id, 0) != data.get("report_count"):
            if not live.get(r.id):
                continue
            data = summarise(conn, r.id, data.get("links", {})) or {}
        data.pop("reports", None)
        data.pop("links", None)
        out.append(data)
    return out


def list_incidents(
    conn: Connection, *, min_sources: int = 1, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """Incident summaries (without per-report detail), most-sourced first."""
    q = (
        select(incidents)
        .where(incidents.c.source_count >= min_sources)
        .order_by(incidents.c.source_count.desc(), incidents.c.first_reported.desc(), incidents.c.id)
        .limit(max(0, min(limit, 10_000)))
        .offset(max(0, offset))
    )
    return _brief(conn, conn.execute(q).all())


def find_incidents(
    conn: Connection,
    *,
    since: str | None = None,
    until: str | None = None,
    type: str | None = None,  # noqa: A002 - the CLI option's name
    actor: str | None = None,
    country: str | None = None,
    min_sources: int = 1,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Incident summaries filtered through their member reports (any member matching counts), newest first.

    since/until compare ISO (partial) dates with the report's event date, else its publication date;
    actor matches an actor id or name on either side (actor or target) of a member report.
    """
    member = (
        select(incident_events.c.event_id)
        .join(events, events.c.id == incident_events.c.event_id)
        .join(documents, documents.c.id == events.c.doc_id)
        .where(incident_events.c.incident_id == incidents.c.id)
    )
    when = func.coalesce(events.c.date_start, documents.c.published)
    conds: list[Any] = []
    if since:
        conds.append(when >= since)
    if until:
        conds.append(when <= until + "\uffff")
    if type:
        conds.append(events.c.type == type.upper())
    if country:
        conds.append(events.c.country == country.upper())
    if actor:
        a = actor.strip().lower()
        conds.append(or_(func.lower(events.c.actor_id) == a, func.lower(events.c.actor_name) == a,
                         func.lower(events.c.target_id) == a, func.lower(events.c.target_name) == a))
    q = select(incidents).where(incidents.c.source_count >= min_sources)
    if conds:
        q = q.where(member.where(*conds).exists())
    q = (
        q.order_by(incidents.c.first_reported.desc(), incidents.c.source_count.desc(), incidents.c.id)
        .limit(max(0, min(limit, 10_000)))
        .offset(max(0, offset))
    )
    return _brief(conn, conn.execute(q).all())


def get_incident(conn: Connection, incident_id: str) -> dict[str, Any] | None:
    """One incident with all its reports (by id or a unique id prefix), summarised from its live members.

    Re-extracting a document removes its old events (and their memberships) at once, while the stored
    summary is refreshed when the incident is next touched; reading the members here is always exact.
    """
    row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
    if row is None and len(incident_id) >= 6:
        rows = conn.execute(select(incidents).where(incidents.c.id.startswith(incident_id)).limit(2)).all()
        row = rows[0] if len(rows) == 1 else None
    if row is None:
        return None
    links = json.loads(row.data).get("links", {})
    summary = summarise(conn, row.id, links)
    if summary is not None:
        summary["links"] = {k: v for k, v in links.items() if k in {r["event_id"] for r in summary["reports"]}}
    return summary


def incident_of_event(conn: Connection, event_id: str) -> str | None:
    return conn.execute(
        select(incident_events.c.incident_id).where(incident_events.c.event_id == event_id)
    ).scalar_one_or_none()


def count_incidents(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(incidents)).scalar_one()
