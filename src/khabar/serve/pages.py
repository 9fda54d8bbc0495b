"""Server-rendered pages: overview, map, timeline, events, documents, actors, claims, search.

Templates autoescape everything; charts (timeline bars, actor graph) are SVG computed here, so the
pages show data even before any script runs, and the only script is the package's own static JS.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from starlette.templating import Jinja2Templates

from khabar.serve import api_actors, api_analysis, api_claims, api_documents, api_events, api_stats
from khabar.serve.deps import DATE, Conn, event_filters, package_dir
from khabar.serve.highlight import highlight, marks_of
from khabar.store import queries
from khabar.store.documents import list_documents
from khabar.store.schema import alerts_sent, documents, events, incidents

router = APIRouter(include_in_schema=False)
PAGE = 50

TYPE_COLOURS = {
    "ASSAULT": "#c0392b", "COERCE": "#e67e22", "THREATEN": "#d35400", "MOBILIZE": "#8e44ad",
    "PROTEST": "#f1c40f", "SANCTION": "#7f8c8d", "ACCUSE": "#e84393", "REJECT": "#6d214f",
    "REQUEST": "#0984e3", "CONSULT": "#00b894", "AGREE": "#27ae60", "COOPERATE": "#16a085",
    "SUPPORT": "#2ecc71", "AID": "#55efc4", "CONCEDE": "#74b9ff", "RETREAT": "#a29bfe",
    "RECRUIT": "#795548", "PROPAGANDA": "#6c5ce7",
}


def colour(kind: str | None) -> str:
    """A stable colour per event type; unknown types get one derived from their name."""
    if kind in TYPE_COLOURS:
        return TYPE_COLOURS[kind]
    h = int(hashlib.sha1((kind or "").encode()).hexdigest()[:6], 16)  # noqa: S324 - a colour, not security
    return f"hsl({h % 360}, 55%, 45%)"


def safe_url(value: str | None) -> str | None:
    """Only http(s) links become clickable (a javascript: URL in a document stays text)."""
    if value and value.strip().lower().startswith(("http://", "https://")):
        return value.strip()
    return None


def figure(value: Any) -> str:
    """4000.0 -> "4,000"; 2.5 stays 2.5."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(package_dir("templates"))),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["colour"] = colour
    env.filters["safe_url"] = safe_url
    env.filters["figure"] = figure
    env.globals["TYPE_COLOURS"] = TYPE_COLOURS
    return env


templates = Jinja2Templates(env=_env())


def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    def qs(**changes: Any) -> str:
        """The current query string with some parameters changed (None removes one)."""
        params = dict(request.query_params)
        for k, v in changes.items():
            if v is None:
                params.pop(k, None)
            else:
                params[k] = str(v)
        return "?" + urlencode({k: v for k, v in params.items() if v != ""})

    ctx.setdefault("q", request.query_params.get("q", ""))
    return templates.TemplateResponse(request, name, {"qs": qs, "params": dict(request.query_params), **ctx},
                                      status_code=status)


def error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", status=status, status_code=status, message=message, title=str(status))


def _filters(request: Request) -> dict[str, Any]:
    """The events filters from a page's query string, validated like the API's (bad values -> 400)."""
    p = request.query_params
    for key in ("since", "until"):
        if p.get(key) and not re.match(DATE, p[key]):
            raise HTTPException(400, f"{key}: expected YYYY[-MM[-DD]]")
    mc = p.get("min_confidence") or None
    try:
        conf = None if mc is None else float(mc)
    except ValueError as exc:
        raise HTTPException(400, "min_confidence: expected a number") from exc
    if conf is not None and not 0 <= conf <= 1:
        raise HTTPException(400, "min_confidence: expected 0..1")
    args = {k: (p.get(k) or None) for k in ("type", "actor", "target", "country", "bbox", "since", "until",
                                            "status", "doc")}
    if any(v and len(v) > 200 for v in args.values()):
        raise HTTPException(400, "filter values are limited to 200 characters")
    return event_filters(**args, min_confidence=conf)


def _event_types(conn: Any) -> list[str]:
    return [t for (t,) in conn.execute(select(events.c.type).distinct().order_by(events.c.type)).all()]


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, conn: Conn) -> Response:
    stats = api_stats.stats_of(conn)
    latest = list_documents(conn, limit=10)
    top = queries.query_actors(conn, with_counts=True, mentioned=True, limit=10, sort="mentions")
    incs: list[dict[str, Any]] = []
    if conn.execute(select(func.count()).select_from(incidents)).scalar_one():
        from khabar.analyse.incidents import list_incidents

        incs = list_incidents(conn, limit=10)
    alerts = [
        {"rule": r.rule, "created_at": r.created_at, **json.loads(r.data)}
        for r in conn.execute(select(alerts_sent).order_by(alerts_sent.c.created_at.desc()).limit(10)).all()
    ]
    return render(request, "overview.html", stats=stats, latest=latest, top=top, incidents=incs, alerts=alerts,
                  rises=cached_rises(request, conn), title="Overview")


OVERVIEW_RISES = 10


def store_fingerprint(conn: Any) -> tuple[Any, ...]:
    """Changes whenever events are added, removed or re-extracted: a few milliseconds at 100,000 events."""
    return (conn.execute(select(func.count()).select_from(events)).scalar_one(),
            conn.execute(select(func.max(events.c.id))).scalar_one(),
            conn.execute(select(func.count(), func.max(documents.c.extracted_at))).one()[:])


def cached_rises(request: Request, conn: Any) -> list[dict[str, Any]]:
    """trend_rises, recomputed only when the store changed: the series scan every event (about 2 s for
    100,000), too slow for each overview load."""
    key = store_fingerprint(conn)
    cached = getattr(request.app.state, "overview_rises", None)
    if cached is None or cached[0] != key:
        cached = (key, trend_rises(conn))
        request.app.state.overview_rises = cached
    return cached[1]


def trend_rises(conn: Any, limit: int = OVERVIEW_RISES) -> list[dict[str, Any]]:
    """The most significant weekly rises per event type, actor and country, each linked to its events."""
    from khabar.analyse.trends import rises, trends

    out = []
    for by in ("type", "actor", "country"):
        for r in rises(trends(conn, by=by)):
            end = (date.fromisoformat(r["period"]) + timedelta(days=6)).isoformat()
            href = "/events?" + urlencode({by: r["key"], "since": r["period"], "until": end})
            out.append({**r, "by": by, "href": href})
    out.sort(key=lambda r: (r["p_value"], r["period"], r["by"]))
    return out[:limit]


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, conn: Conn) -> Response:
    _filters(request)  # bad values are a 400 here, not an empty map
    api_q = urlencode({k: v for k, v in request.query_params.items() if k in (
        "type", "actor", "target", "country", "since", "until", "status", "min_confidence", "doc") and v})
    return render(request, "map.html", types=_event_types(conn), api_q=api_q,
                  colours=json.dumps(TYPE_COLOURS), title="Map")


def bars_svg(data: dict[str, Any], width: int = 1000, height: int = 260) -> dict[str, Any]:
    """Stacked weekly bars as plain numbers for the template's <svg>."""
    weeks, series, totals = data["weeks"], data["series"], data["totals"]
    top = max(totals, default=0) or 1
    pad_l, pad_b, pad_t = 40, 40, 10
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    step = plot_w / max(len(weeks), 1)
    bw = max(2.0, step * 0.8)
    bars = []
    for i, w in enumerate(weeks):
        y = pad_t + plot_h
        for t in data["types"]:
            n = series[t][i]
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            bars.append({"x": round(pad_l + i * step, 1), "y": round(y, 1), "w": round(bw, 1),
                         "h": round(h, 1), "type": t, "n": n, "week": w, "fill": colour(t)})
    every = max(1, math.ceil(len(weeks) / 12))
    labels = [{"x": round(pad_l + i * step + bw / 2, 1), "text": w} for i, w in enumerate(weeks) if i % every == 0]
    ticks = [{"y": round(pad_t + plot_h - plot_h * v / top, 1), "v": v}
             for v in sorted({0, top, max(1, top // 2)})]
    return {"width": width, "height": height, "bars": bars, "labels": labels, "ticks": ticks,
            "base": pad_t + plot_h, "left": pad_l}


MAX_WEEKS = 520  # ten years of bars; older weeks are summed and offered as a filter
FOCUS = 0.9  # without a "from" date the timeline opens on the weeks holding the latest 90% of events


def dense_weeks(data: dict[str, Any], max_weeks: int = MAX_WEEKS, focus: float | None = None) -> dict[str, Any]:
    """Every week from the first to the last (quiet weeks are data too), at most max_weeks of them.

    focus (e.g. 0.9): start at the latest week that still keeps that share of the dated events (at
    least 12 weeks shown), so one article recalling 1992 does not flatten this month into a sliver.
    """
    if not data["weeks"]:
        return {**data, "ends": [], "older": 0, "older_until": None}
    last = date.fromisoformat(data["weeks"][-1])
    first = max(date.fromisoformat(data["weeks"][0]), last - timedelta(weeks=max_weeks - 1))
    if focus is not None:
        need, seen = focus * sum(data["totals"]), 0
        for w, n in zip(reversed(data["weeks"]), reversed(data["totals"]), strict=True):
            seen += n
            if seen >= need:
                first = max(first, min(date.fromisoformat(w), last - timedelta(weeks=11)))
                break
    weeks = [(first + timedelta(weeks=i)).isoformat() for i in range((last - first).days // 7 + 1)]
    index = {w: i for i, w in enumerate(data["weeks"])}
    series = {t: [data["series"][t][index[w]] if w in index else 0 for w in weeks] for t in data["types"]}
    older = sum(n for w, n in zip(data["weeks"], data["totals"], strict=True) if w < weeks[0])
    types = [t for t in data["types"] if any(series[t])]
    ends = [(first + timedelta(weeks=i, days=6)).isoformat() for i in range(len(weeks))]
    return {**data, "weeks": weeks, "ends": ends, "types": types, "first_week": data["weeks"][0], "series": {t: series[t] for t in types},
            "totals": [sum(series[t][i] for t in types) for i in range(len(weeks))], "older": older,
            "older_until": (first - timedelta(days=1)).isoformat()}


@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, conn: Conn) -> Response:
    f = _filters(request)
    data = dense_weeks(api_events.weekly_counts(conn, f), focus=None if f["since"] else FOCUS)
    return render(request, "timeline.html", data=data, svg=bars_svg(data), types=_event_types(conn),
                  title="Timeline")


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, conn: Conn, page: Annotated[int, Query(ge=1, le=200_000)] = 1,
                sort: Annotated[str, Query(pattern="^-?(date|confidence)$")] = "-date") -> Response:
    f = _filters(request)
    if sort == "-confidence":
        sort = "confidence"
    items = queries.query_events(conn, **f, limit=PAGE, offset=(page - 1) * PAGE, sort=sort)
    total = queries.count_events(conn, **f)
    p = request.query_params
    export_q = urlencode({k: p[k] for k in EXPORT_FILTERS if p.get(k)})
    dropped = [k for k in ("target", "bbox", "status", "min_confidence") if p.get(k)]
    note = f"exports ignore {', '.join(dropped)}" if dropped else ""
    return render(request, "events.html", items=items, total=total, page=page, pages=max(1, -(-total // PAGE)),
                  sort=sort, types=_event_types(conn), export_q=export_q, export_note=note, title="Events")


EXPORT_FILTERS = ("actor", "type", "country", "since", "until", "doc")  # the filters /api/export takes


@router.get("/documents", response_class=HTMLResponse)
def documents_page(request: Request, conn: Conn, page: Annotated[int, Query(ge=1, le=200_000)] = 1) -> Response:
    q = request.query_params.get("q") or None
    if q and len(q) > 500:
        raise HTTPException(400, "q: at most 500 characters")
    rows = list_documents(conn, search=q, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render(request, "documents.html", items=rows[:PAGE], more=len(rows) > PAGE, page=page,
                  title="Documents")


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, conn: Conn, doc_id: Annotated[str, Path(max_length=64)]) -> Response:
    rec = api_documents.document_record(conn, doc_id, with_text=True)
    if rec is None:
        raise HTTPException(404, "no such document")
    body = highlight(rec["text"], marks_of(rec))
    return render(request, "document.html", rec=rec, body=body, title=rec["title"] or rec["id"][:12])


@router.get("/actors", response_class=HTMLResponse)
def actors_page(request: Request, conn: Conn, page: Annotated[int, Query(ge=1, le=200_000)] = 1) -> Response:
    name = (request.query_params.get("name") or "")[:200] or None
    items = queries.query_actors(conn, name=name, with_counts=True, limit=PAGE, offset=(page - 1) * PAGE,
                                 sort="mentions")
    total = queries.count_actors(conn, name=name)
    return render(request, "actors.html", items=items, total=total, page=page,
                  pages=max(1, -(-total // PAGE)), title="Actors")


def graph_svg(prof: dict[str, Any], size: int = 520) -> dict[str, Any]:
    """The actor in the middle, everyone it acts on or is acted on by around it, one edge per type."""
    cx = cy = size / 2
    others: dict[str, dict[str, Any]] = {}
    for r in prof["relations"]:
        for side in ("actor", "target"):
            key = r[side + "_id"] or "name:" + (r[side] or "")
            if r[side + "_id"] == prof["id"]:
                continue
            others.setdefault(key, {"id": r[side + "_id"], "name": r[side] or r[side + "_id"]})
    nodes = {prof["id"]: {"id": prof["id"], "name": prof["name"], "x": cx, "y": cy, "main": True}}
    radius = size / 2 - 70
    for i, (key, o) in enumerate(list(others.items())[:24]):
        a = 2 * math.pi * i / max(len(others), 1) - math.pi / 2
        nodes[key] = {**o, "x": round(cx + radius * math.cos(a), 1), "y": round(cy + radius * math.sin(a), 1),
                      "main": False}
    edges = []
    for r in prof["relations"]:
        s = nodes.get(r["actor_id"] or "name:" + (r["actor"] or ""))
        t = nodes.get(r["target_id"] or "name:" + (r["target"] or ""))
        if not s or not t or s is t:
            continue
        dx, dy = t["x"] - s["x"], t["y"] - s["y"]
        d = math.hypot(dx, dy) or 1
        x2, y2 = t["x"] - dx / d * 14, t["y"] - dy / d * 14  # stop at the node's rim, arrowhead visible
        edges.append({"x1": s["x"], "y1": s["y"], "x2": round(x2, 1), "y2": round(y2, 1), "type": r["type"],
                      "n": r["events"], "stroke": colour(r["type"]), "w": min(1 + r["events"], 8),
                      "lx": round((s["x"] + t["x"]) / 2, 1), "ly": round((s["y"] + t["y"]) / 2, 1),
                      "label": f"{r['actor']} → {r['target']}: {r['type']} ×{r['events']}"})
    return {"size": size, "nodes": list(nodes.values()), "edges": edges}


@router.get("/actors/{actor_id}", response_class=HTMLResponse)
def actor_page(request: Request, conn: Conn, actor_id: Annotated[str, Path(max_length=128)]) -> Response:
    prof = api_actors.actor_profile(conn, actor_id)
    if prof is None:
        raise HTTPException(404, "no such actor")
    series: dict[str, dict[str, int]] = {}
    for row in prof["events_by_week"]:
        series.setdefault(row["type"], {})[row["week"]] = row["events"]
    weeks = sorted({r["week"] for r in prof["events_by_week"]})
    types = sorted(series)
    data = {"weeks": weeks, "types": types,
            "series": {t: [series[t].get(w, 0) for w in weeks] for t in types},
            "totals": [sum(series[t].get(w, 0) for t in types) for w in weeks], "undated": 0}
    recent = queries.query_events(conn, actor=actor_id, limit=20, sort="-date")
    said = queries.query_claims(conn, speaker=actor_id, limit=20, sort="-date")
    data = dense_weeks(data, focus=FOCUS)
    return render(request, "actor.html", prof=prof, svg=bars_svg(data, 900, 200), graph=graph_svg(prof),
                  recent=recent, said=said, title=prof["name"])


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request, conn: Conn, page: Annotated[int, Query(ge=1, le=200_000)] = 1) -> Response:
    subject = (request.query_params.get("subject") or "")[:200] or None
    groups = api_claims.claim_groups(conn, subject=subject)
    f = {"subject": subject}
    items = queries.query_claims(conn, **f, limit=PAGE, offset=(page - 1) * PAGE, sort="-date")
    total = queries.count_claims(conn, **f)
    from khabar.analyse.contradictions import find_contradictions

    pairs = find_contradictions(conn, subject=subject, kinds=("denial", "disagreement"))[:MAX_CONTRADICTIONS]
    return render(request, "claims.html", groups=groups, items=items, total=total, page=page,
                  pages=max(1, -(-total // PAGE)), contradictions=pairs, title="Claims")


MAX_CONTRADICTIONS = 100


def _incident_filters(request: Request) -> dict[str, Any]:
    """The incidents filters from a page's query string, validated like the API's (bad values -> 400)."""
    p = request.query_params
    for key in ("since", "until"):
        if p.get(key) and not re.match(DATE, p[key]):
            raise HTTPException(400, f"{key}: expected YYYY[-MM[-DD]]")
    if any(len(p.get(k) or "") > 200 for k in ("type", "actor", "country")):
        raise HTTPException(400, "filter values are limited to 200 characters")
    try:
        min_sources = int(p.get("min_sources") or 1)
    except ValueError as exc:
        raise HTTPException(400, "min_sources: expected a whole number") from exc
    if not 1 <= min_sources <= 1000:
        raise HTTPException(400, "min_sources: expected 1..1000")
    return api_analysis.incident_filters(since=p.get("since"), until=p.get("until"), type=p.get("type"),
                                         actor=p.get("actor"), country=p.get("country"), min_sources=min_sources)


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request, conn: Conn, page: Annotated[int, Query(ge=1, le=2_000)] = 1) -> Response:
    data = api_analysis.incident_page(conn, _incident_filters(request), PAGE, (page - 1) * PAGE)
    return render(request, "incidents.html", items=data["items"], more=data["more"], page=page, pages=None,
                  types=_event_types(conn), title="Incidents")


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(request: Request, conn: Conn, incident_id: Annotated[str, Path(max_length=64)]) -> Response:
    from khabar.analyse.incidents import get_incident

    inc = get_incident(conn, incident_id)
    if inc is None:
        raise HTTPException(404, "no such incident")
    return render(request, "incident.html", inc=inc, title=f"Incident {inc['type']}")


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, conn: Conn) -> Response:
    q = (request.query_params.get("q") or "")[:500]
    return render(request, "search.html", res=api_stats.search_all(conn, q), title=f"Search: {q}")


@router.get("/api-docs", response_class=HTMLResponse)
def api_docs(request: Request) -> Response:
    """The OpenAPI document as a page (Swagger UI would need a CDN); /openapi.json is the machine form."""
    spec = request.app.openapi()
    ops = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "description": p.get("description") or "", "schema": _schema_text(p.get("schema", {}))}
                      for p in op.get("parameters", [])]
            ops.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "params": params, "body": "requestBody" in op, "tag": (op.get("tags") or [""])[0]})
    return render(request, "api_docs.html", ops=ops, spec=spec, title="API")


def _schema_text(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " | ".join(_schema_text(s) for s in schema["anyOf"])
    text = schema.get("type", "")
    if "enum" in schema:
        text += " (" + ", ".join(map(str, schema["enum"])) + ")"
    bounds = [f"{k} {schema[k]}" for k in ("minimum", "maximum", "maxLength", "pattern") if k in schema]
    return text + (" [" + "; ".join(bounds) + "]" if bounds else "")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return Response(status_code=204)

