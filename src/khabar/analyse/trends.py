"""Event counts per week (or day) per actor, country, admin1 or event type, and unusual rises.

Method (settings in analysis.yaml, section `trends`): every series is laid on the same calendar, from the
first to the last period holding any event, missing periods counting 0. A period is an unusual rise
when its count is at least `min_count` and improbable under a Poisson law whose mean is the average of
the series' own previous `baseline_periods` periods (floored at `min_baseline_mean`):
p = P(X >= count | mean) < `p_value`. Periods with less history than `baseline_periods` are not tested.
The event's date is its resolved date (first day), else its document's publication date.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from khabar.analyse.config import load_config
from khabar.analyse.dates import first_day, week_start
from khabar.store.schema import documents, events

BY = ("actor", "country", "admin1", "type")


def poisson_tail(count: int, mean: float) -> float:
    """P(X >= count) for X ~ Poisson(mean), summed upward in log space (stable for small tails)."""
    if count <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    log_mean = math.log(mean)
    total, k = 0.0, count
    while True:
        term = math.exp(-mean + k * log_mean - math.lgamma(k + 1))
        total += term
        if k > mean and term < 1e-16 * total:
            break
        k += 1
    return min(1.0, total)


def _key(row: Any, by: str) -> tuple[str, str] | None:
    if by == "actor":
        k = row.actor_id or row.actor_name
        return (k, row.actor_name or k) if k else None
    if by == "country":
        return (row.country, row.country) if row.country else None
    if by == "admin1":
        return (f"{row.country}/{row.admin1}", f"{row.admin1} ({row.country})") if row.admin1 else None
    return (row.type, row.type)


def _periods(first: date, last: date, daily: bool) -> list[date]:
    step = timedelta(days=1 if daily else 7)
    out, d = [], first
    while d <= last:
        out.append(d)
        d += step
    return out


def trends(
    conn: Connection, *, by: str = "type", daily: bool = False, cfg: dict[str, Any] | None = None,
    since: str | None = None,
) -> list[dict[str, Any]]:
    """One entry per series: key, label, total, and per period: count, baseline mean, p-value, rise."""
    if by not in BY:
        raise ValueError(f"--by {by}: expected one of {', '.join(BY)}")
    cfg = cfg or load_config()
    t = cfg["trends"]
    n_base, min_count = int(t["baseline_periods"]), int(t["min_count"])
    alpha, floor = float(t["p_value"]), float(t["min_baseline_mean"])
    q = (
        select(events.c.type, events.c.actor_id, events.c.actor_name, events.c.country, events.c.admin1,
               events.c.date_start, documents.c.published)
        .join(documents, documents.c.id == events.c.doc_id)
        .where(events.c.status.in_(list(t["statuses"])))
    )
    counts: dict[str, dict[date, int]] = {}
    labels: dict[str, str] = {}
    for row in conn.execute(q).all():
        day = first_day(row.date_start) or first_day(row.published)
        key = _key(row, by)
        if day is None or key is None:
            continue
        period = day if daily else week_start(day)
        counts.setdefault(key[0], {})
        counts[key[0]][period] = counts[key[0]].get(period, 0) + 1
        labels.setdefault(key[0], key[1])
    if not counts:
        return []
    all_periods = {p for c in counts.values() for p in c}
    calendar = _periods(min(all_periods), max(all_periods), daily)
    start = first_day(since) if since else None
    out = []
    for key, series in counts.items():
        values = [series.get(p, 0) for p in calendar]
        rows = []
        for i, p in enumerate(calendar):
            if start and p < (start if daily else week_start(start)):
                continue
            entry: dict[str, Any] = {"period": p.isoformat(), "count": values[i], "baseline": None,
                                     "p_value": None, "rise": False}
            if i >= n_base:
                mean = sum(values[i - n_base:i]) / n_base
                p_val = poisson_tail(values[i], max(mean, floor))
                entry.update(baseline=round(mean, 3), p_value=p_val,
                             rise=values[i] >= min_count and p_val < alpha)
            rows.append(entry)
        out.append({"key": key, "label": labels[key], "by": by, "period": "day" if daily else "week",
                    "total": sum(values), "periods": rows})
    out.sort(key=lambda s: (-s["total"], s["key"]))
    return out


def rises(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The flagged periods of trends() output, most significant first."""
    out = [{"key": s["key"], "label": s["label"], **p} for s in series for p in s["periods"] if p["rise"]]
    return sorted(out, key=lambda r: (r["p_value"], r["period"]))
