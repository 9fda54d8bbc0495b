"""Claims that conflict or agree across sources, each pair with both evidence sentences.

- denial: a claim with stance "deny" against an asserted claim: the one it names (denies_claim), or
  claims by the actor it rejects (denies_id: the speaker or the speaker's affiliation) about the same
  subject; when both carry a figure, only the one with that figure.
- disagreement: two speakers' figures for the same measure (claims.group_key) whose relative difference
  |a - b| / max(a, b) exceeds `contradictions.tolerance` (plus `approximate_extra` when either figure is
  approximate), made within `claims.compare_window_days` of each other (figures evolve over time).
- agreement: two speakers' figures for the same measure within `contradictions.agreement`.
A speaker repeating themself, or wire copies of one article, are neither agreement nor disagreement.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from khabar.analyse.claims import group_claims, load_claims
from khabar.analyse.config import load_config
from khabar.analyse.dates import first_day

_SIDE = ("claim_id", "doc_id", "source", "url", "date", "speaker", "speaker_id", "speaker_affiliation",
         "stance", "value", "unit_text", "approximate", "qualifier", "evidence", "independence")


def _side(c: dict[str, Any]) -> dict[str, Any]:
    return {k: c[k] for k in _SIDE}


def speaker_key(c: dict[str, Any]) -> str:
    """Who is speaking: the resolved speaker, else the name, else the outlet itself."""
    return c["speaker_id"] or (c["speaker"] or "").strip().lower() or f"outlet:{(c['source'] or '').lower()}"


def _relative(a: float, b: float) -> float:
    top = max(abs(a), abs(b))
    return 0.0 if top == 0 else abs(a - b) / top


def _day(c: dict[str, Any]) -> date | None:
    return first_day(c["date"])


def _denial_targets(d: dict[str, Any], asserted: list[dict[str, Any]], agree: float) -> list[dict[str, Any]]:
    if d["denies_claim"]:
        named = [c for c in asserted if c["claim_id"] == d["denies_claim"]]
        if named:
            return named
    who = {x.lower() for x in (d["denies_id"], d["denies_name"]) if x}
    if not who:
        return []
    subject = (d["subject_id"], (d["subject"] or "").lower())
    out = []
    for c in asserted:
        said_by = {x.lower() for x in (c["speaker_id"], c["speaker"], c["speaker_affiliation"]) if x}
        if not who & said_by:
            continue
        if subject[0] and c["subject_id"] and subject[0] != c["subject_id"]:
            continue
        if not subject[0] and subject[1] and c["subject"] and subject[1] != c["subject"].lower():
            continue
        if d["value"] is not None and c["value"] is not None:
            if d["unit"] != c["unit"] or _relative(d["value"], c["value"]) > agree:
                continue
        out.append(c)
    return out


def find_contradictions(
    conn: Connection, *, subject: str | None = None, cfg: dict[str, Any] | None = None,
    kinds: tuple[str, ...] = ("denial", "disagreement", "agreement"),
) -> list[dict[str, Any]]:
    """Conflicting (and agreeing) pairs of claims, oldest first."""
    cfg = cfg or load_config()
    c_cfg = cfg["contradictions"]
    tol, extra, agree = float(c_cfg["tolerance"]), float(c_cfg["approximate_extra"]), float(c_cfg["agreement"])
    window = int(cfg["claims"]["compare_window_days"])
    items = load_claims(conn, subject=subject, cfg=cfg)
    asserted = [c for c in items if c["stance"] != "deny"]
    out: list[dict[str, Any]] = []
    if "denial" in kinds:
        for d in (c for c in items if c["stance"] == "deny"):
            for c in _denial_targets(d, asserted, agree):
                out.append({"kind": "denial", "subject": d["subject"] or c["subject"], "unit": c["unit"],
                            "difference": None, "a": _side(c), "b": _side(d)})
    seen: set[tuple[Any, ...]] = set()
    for (_subject, unit, _qual), group in group_claims(asserted).items():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if speaker_key(a) == speaker_key(b):
                    continue
                da, db = _day(a), _day(b)
                if da and db and abs((da - db).days) > window:
                    continue
                diff = _relative(a["value"], b["value"])
                allowed = tol + (extra if a["approximate"] or b["approximate"] else 0.0)
                kind = "disagreement" if diff > allowed else "agreement" if diff <= agree else None
                if kind is None or kind not in kinds:
                    continue
                key = (kind, speaker_key(a), a["value"], speaker_key(b), b["value"], _qual)
                if key in seen:  # the same two statements repeated by wire copies
                    continue
                seen.add(key)
                out.append({"kind": kind, "subject": a["subject"] or b["subject"], "unit": unit,
                            "qualifier": a["qualifier"], "difference": round(diff, 3),
                            "a": _side(a), "b": _side(b)})
    out.sort(key=lambda p: (p["b"]["date"] or "", p["kind"], p["a"]["claim_id"], p["b"]["claim_id"]))
    return out
