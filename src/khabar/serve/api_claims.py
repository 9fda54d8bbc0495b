"""/api/claims: attributed statements, filtered; and claims grouped by subject and measured quantity."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from khabar.analyse.claims import group_key, load_claims
from khabar.serve.deps import DATE, Conn, Limit, Offset
from khabar.store import queries

router = APIRouter(prefix="/api", tags=["claims"])
Text = Annotated[str | None, Query(max_length=200)]


@router.get("/claims", summary="Claims matching the filters, one page")
def claims(
    conn: Conn,
    speaker: Text = None,
    subject: Text = None,
    actor: Annotated[str | None, Query(max_length=200, description="speaker, subject or denied party")] = None,
    stance: Annotated[str | None, Query(max_length=50, description="assert | deny")] = None,
    has_quantity: bool | None = None,
    unit: Text = None,
    country: Text = None,
    since: Annotated[str | None, Query(pattern=DATE)] = None,
    until: Annotated[str | None, Query(pattern=DATE)] = None,
    doc: Annotated[str | None, Query(max_length=64)] = None,
    min_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    sort: Literal["date", "-date", "confidence"] = "date",
) -> dict[str, Any]:
    f = {"speaker": speaker or None, "subject": subject or None, "actor": actor or None,
         "stance": stance or None, "has_quantity": has_quantity, "unit": unit or None,
         "country": country or None, "since": since, "until": until, "doc": doc or None,
         "min_confidence": min_confidence}
    items = queries.query_claims(conn, **f, limit=limit, offset=offset, sort=sort)
    return {"total": queries.count_claims(conn, **f), "limit": limit, "offset": offset, "items": items}


def claim_groups(conn: Any, subject: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Figures about the same subject and measure side by side, with the denials aimed at them.

    A group is (subject, unit, place qualifier) as analyse.claims defines it; a denial joins the group
    of the claim it denies (same document) or of its subject when it names no figure itself.
    """
    items = load_claims(conn, subject=subject)
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    by_claim: dict[str, tuple[Any, ...]] = {}
    for c in items:
        if c["value"] is None:
            continue
        key = group_key(c)
        g = groups.setdefault(key, {"subject": c["subject"], "subject_id": c["subject_id"], "unit": c["unit"],
                                    "qualifier": c["qualifier"], "claims": [], "denials": []})
        (g["denials"] if c["stance"] == "deny" else g["claims"]).append(c)
        by_claim[c["claim_id"]] = key
    for c in items:
        if c["stance"] != "deny" or c["value"] is not None:
            continue
        key = by_claim.get(c["denies_claim"] or "")
        if key is None:
            subj = c["subject_id"] or (c["subject"] or "").strip().lower()
            key = next((k for k in groups if subj and k[0] == subj), None)
        if key is None and c["denies_id"]:
            key = next((k for k, g in groups.items() if any(x["speaker_id"] == c["denies_id"] for x in g["claims"])),
                       None)
        if key is not None:
            groups[key]["denials"].append(c)
    out = sorted(groups.values(), key=lambda g: (-(len(g["claims"]) + len(g["denials"])), g["subject"] or ""))
    return out[:limit]


@router.get("/claims/groups", summary="Claims with a figure grouped by subject and measure, denials beside them")
def groups(conn: Conn, subject: Text = None, limit: Limit = 200) -> list[dict[str, Any]]:
    return claim_groups(conn, subject=subject or None, limit=limit)
