"""Source and speaker reliability: what the record shows, next to the grades analysts assign.

Measured (per outlet and per speaker): claims made, how often contradicted (their asserted claim was
denied by another speaker, or their figure disagreed with another speaker's), how often corroborated
(another speaker from an independent document gave the same figure), and for outlets the events they
reported that independent sources also reported (incidents with 2+ independent sources).
Assigned: Admiralty / NATO grades (reliability A-F, credibility 1-6) from `reliability` in analysis.yaml;
grade_for() is what the exporters call to carry the grade into records.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from khabar.analyse.config import load_config
from khabar.analyse.contradictions import find_contradictions, speaker_key
from khabar.store.schema import claims, documents, events, incident_events, incidents

RELIABILITY = {
    "A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
    "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged",
}
CREDIBILITY = {
    1: "confirmed by other sources", 2: "probably true", 3: "possibly true",
    4: "doubtful", 5: "improbable", 6: "truth cannot be judged",
}


def _grade(entry: dict[str, Any], configured: bool) -> dict[str, Any]:
    rel = str(entry.get("reliability", "F")).upper()
    cred = int(entry.get("credibility", 6))
    if rel not in RELIABILITY or cred not in CREDIBILITY:
        raise ValueError(f"reliability grade {rel}{cred}: expected A-F and 1-6")
    return {"reliability": rel, "credibility": cred, "code": f"{rel}{cred}",
            "meaning": f"{RELIABILITY[rel]}; {CREDIBILITY[cred]}", "configured": configured}


def _lookup(table: dict[str, Any], keys: list[str]) -> dict[str, Any] | None:
    lowered = {str(k).strip().lower(): v for k, v in (table or {}).items()}
    for k in keys:
        if k and k.strip().lower() in lowered:
            return lowered[k.strip().lower()]
    return None


def grade_for(source: str | None, url: str | None = None, cfg: dict[str, Any] | None = None) -> dict[str, Any]:
    """The configured grade of an outlet (by name, or by its URL's host), else the default (F6)."""
    cfg = cfg or load_config()
    r = cfg["reliability"]
    keys = [source or ""]
    if url:
        host = (urlparse(url).hostname or "").lower()
        keys += [host, host.removeprefix("www.")]
    entry = _lookup(r.get("sources") or {}, keys)
    return _grade(entry or r.get("default") or {}, entry is not None)


def grade_for_speaker(speaker_id: str | None, name: str | None = None,
                      cfg: dict[str, Any] | None = None) -> dict[str, Any]:
    cfg = cfg or load_config()
    r = cfg["reliability"]
    entry = _lookup(r.get("speakers") or {}, [speaker_id or "", name or ""])
    return _grade(entry or r.get("default") or {}, entry is not None)


def _blank() -> dict[str, Any]:
    return {"claims": 0, "contradicted": 0, "denied": 0, "disagreed": 0, "corroborated": 0}


def reliability_table(conn: Connection, cfg: dict[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    """{"sources": [...], "speakers": [...]}: measured counts and configured grades."""
    cfg = cfg or load_config()
    src: dict[str, dict[str, Any]] = {}
    spk: dict[str, dict[str, Any]] = {}
    doc_counts = dict(conn.execute(select(documents.c.source, func.count()).group_by(documents.c.source)).all())
    claim_counts = conn.execute(
        select(documents.c.source, claims.c.speaker_id, claims.c.speaker_name, func.count())
        .join(documents, documents.c.id == claims.c.doc_id)
        .group_by(documents.c.source, claims.c.speaker_id, claims.c.speaker_name)
    ).all()
    urls = dict(conn.execute(select(documents.c.source, func.min(documents.c.url)).group_by(documents.c.source)).all())
    names: dict[str, str] = {}

    def s_row(name: str | None) -> dict[str, Any]:
        key = name or "(unknown)"
        return src.setdefault(key, {"source": key, "documents": doc_counts.get(name, 0), "events": 0,
                                    "events_corroborated": 0, **_blank()})

    def p_row(c: dict[str, Any]) -> dict[str, Any]:
        key = speaker_key(c)
        names.setdefault(key, c.get("speaker") or key)
        return spk.setdefault(key, {"speaker": names[key], "speaker_id": c.get("speaker_id"), **_blank()})

    for source in doc_counts:
        s_row(source)
    for source, sid, sname, n in claim_counts:
        s_row(source)["claims"] += n
        p_row({"speaker_id": sid, "speaker": sname, "source": source})["claims"] += n
    for source, n in conn.execute(
        select(documents.c.source, func.count()).select_from(events)
        .join(documents, documents.c.id == events.c.doc_id).group_by(documents.c.source)
    ).all():
        s_row(source)["events"] = n
    for source, n in conn.execute(
        select(documents.c.source, func.count())
        .select_from(events)
        .join(documents, documents.c.id == events.c.doc_id)
        .join(incident_events, incident_events.c.event_id == events.c.id)
        .join(incidents, incidents.c.id == incident_events.c.incident_id)
        .where(incidents.c.source_count >= 2)
        .group_by(documents.c.source)
    ).all():
        s_row(source)["events_corroborated"] = n
    for pair in find_contradictions(conn, cfg=cfg):
        a, b = pair["a"], pair["b"]
        if pair["kind"] == "denial":
            for row in (s_row(a["source"]), p_row(a)):
                row["denied"] += 1
                row["contradicted"] += 1
        elif pair["kind"] == "disagreement":
            for side in (a, b):
                for row in (s_row(side["source"]), p_row(side)):
                    row["disagreed"] += 1
                    row["contradicted"] += 1
        elif pair["kind"] == "agreement" and a["independence"] != b["independence"]:
            for side in (a, b):
                for row in (s_row(side["source"]), p_row(side)):
                    row["corroborated"] += 1
    for row in src.values():
        row["grade"] = grade_for(None if row["source"] == "(unknown)" else row["source"],
                                 urls.get(row["source"]), cfg)
    for row in spk.values():
        row["grade"] = grade_for_speaker(row["speaker_id"], row["speaker"], cfg)
    order = lambda r: (-(r["claims"] + r.get("events", 0)), str(r.get("source") or r.get("speaker")))  # noqa: E731
    return {"sources": sorted(src.values(), key=order), "speakers": sorted(spk.values(), key=order)}


def add_grades(record: dict[str, Any], cfg: dict[str, Any] | None = None) -> dict[str, Any]:
    """Carry the configured grades into a canonical record (store.records.build_record) for exporters.

    Adds record["reliability"] (the outlet's grade, by source name or URL host) and, on each claim with a
    speaker, claim["speaker"]["reliability"]. The record is changed in place and returned; the grades are
    judgements from configuration, so they are attached at export time rather than stored.
    """
    cfg = cfg or load_config()
    record["reliability"] = grade_for(record.get("source"), record.get("url"), cfg)
    for claim in record.get("claims") or []:
        speaker = claim.get("speaker")
        if speaker:
            speaker["reliability"] = grade_for_speaker(speaker.get("id"), speaker.get("name"), cfg)
    return record
