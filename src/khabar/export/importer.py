"""`khabar import`: canonical JSONL records back into a store.

Each record becomes the Document it was ingested as and the Extraction it was extracted into, written
through insert_document and save_extraction (the normal write path), so re-exporting the restored store
gives the same records. A bad line is reported by number and skipped; the others are still imported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from khabar.model import (
    Actor,
    Claim,
    DateValue,
    Document,
    Entity,
    Event,
    Extraction,
    Location,
    Place,
    Quantity,
    Ref,
    Span,
    Speaker,
)
from khabar.store.documents import document_exists, insert_document
from khabar.store.records import save_extraction

MAX_LINE = 50_000_000  # bytes: a record larger than this is refused rather than parsed


@dataclass
class ImportResult:
    imported: int = 0
    skipped_existing: int = 0
    errors: list[str] = field(default_factory=list)


def _ref(d: dict | None) -> Ref | None:
    return None if d is None else Ref(id=d.get("id"), name=d["name"] if d.get("name") is not None else "")


def _date(d: dict | None) -> DateValue | None:
    if d is None:
        return None
    return DateValue(start=d.get("start"), end=d.get("end"), precision=d.get("precision"), text=d.get("text"))


def _span(d: dict) -> Span:
    return Span(text=d["text"], start=int(d["start"]), end=int(d["end"]))


def _location(d: dict | None) -> Location | None:
    if d is None:
        return None
    return Location(
        name=d.get("name"),
        country=d.get("country"),
        lat=d.get("lat"),
        lon=d.get("lon"),
        precision=d.get("precision"),
        geonames_id=d.get("geonames_id"),
        place_id=d.get("place_id"),
        admin1=d.get("admin1"),
    )


def _event(d: dict) -> Event:
    return Event(
        id=d["id"],
        type=d["type"],
        evidence=_span(d["evidence"]),
        mode=d.get("mode"),
        acled_type=d.get("acled_type"),
        acled_subtype=d.get("acled_subtype"),
        status=d.get("status") or "occurred",
        actor=_ref(d.get("actor")),
        target=_ref(d.get("target")),
        location=_location(d.get("location")),
        date=_date(d.get("date")),
        fatalities=d.get("fatalities"),
        wounded=d.get("wounded"),
        arrested=d.get("arrested"),
        confidence=d.get("confidence", 0.5),
        trigger=d.get("trigger"),
    )


def _claim(d: dict) -> Claim:
    s, q = d.get("speaker"), d.get("quantity")
    return Claim(
        id=d["id"],
        verb=d["verb"],
        stance=d["stance"],
        content=d["content"],
        evidence=_span(d["evidence"]),
        speaker=None if s is None else Speaker(
            id=s.get("id"), name=s.get("name") or "", role=s.get("role"), affiliation=s.get("affiliation")
        ),
        subject=_ref(d.get("subject")),
        quantity=None if q is None else Quantity(
            value=q["value"], unit=q.get("unit"), approximate=bool(q.get("approximate")), text=q.get("text")
        ),
        date=_date(d.get("date")),
        denies=_ref(d.get("denies")),
        denies_claim=d.get("denies_claim"),
        confidence=d.get("confidence", 0.5),
    )


def record_to_document(rec: dict[str, Any]) -> Document:
    if not isinstance(rec.get("text"), str):
        raise ValueError("record has no text (export with --with-text to make it importable)")
    return Document(
        id=rec["id"],
        text=rec["text"],
        title=rec.get("title"),
        url=rec.get("url"),
        source=rec.get("source"),
        author=rec.get("author"),
        published=rec.get("published"),
        language=rec.get("language"),
        path=rec.get("path"),
        meta=rec.get("meta") or {},
    )


def record_to_extraction(rec: dict[str, Any]) -> Extraction:
    notes = rec.get("extraction") or {}
    return Extraction(
        doc_id=rec["id"],
        entities=[
            Entity(text=e["text"], start=e["start"], end=e["end"], label=e["label"],
                   actor_id=e.get("actor_id"), place_id=e.get("place_id"))
            for e in rec.get("entities") or []
        ],
        actors=[
            Actor(id=a["id"], name=a["name"], type=a["type"], country=a.get("country"), parent=a.get("parent"),
                  aliases=list(a.get("aliases") or []), wikidata=a.get("wikidata"), role=a.get("role"),
                  affiliation=a.get("affiliation"))
            for a in rec.get("actors") or []
        ],
        places=[
            Place(id=p["id"], name=p["name"], country=p.get("country"), admin1=p.get("admin1"),
                  lat=p.get("lat"), lon=p.get("lon"), precision=p.get("precision"),
                  geonames_id=p.get("geonames_id"))
            for p in rec.get("places") or []
        ],
        events=[_event(e) for e in rec.get("events") or []],
        claims=[_claim(c) for c in rec.get("claims") or []],
        document_date=_date(notes.get("document_date")),
        stages_run=list(notes.get("stages_run") or []),
        stages_skipped=dict(notes.get("stages_skipped") or {}),
    )


def import_lines(
    engine: Engine,
    lines: Iterable[str],
    *,
    name: str = "<input>",
    replace: bool = False,
    on_error: Callable[[str], None] | None = None,
) -> ImportResult:
    """Import records line by line, one transaction per record; bad lines are reported and skipped."""
    result = ImportResult()
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            if len(line) > MAX_LINE:
                raise ValueError(f"line longer than {MAX_LINE} characters")
            rec = json.loads(line)
            if not isinstance(rec, dict) or not isinstance(rec.get("id"), str):
                raise ValueError("not a record object with a string id")
            doc = record_to_document(rec)
            ext = record_to_extraction(rec)
            with engine.begin() as conn:
                if document_exists(conn, doc.id):
                    if not replace:
                        result.skipped_existing += 1
                        continue
                else:
                    insert_document(conn, doc)
                save_extraction(conn, ext, version=str((rec.get("extraction") or {}).get("version") or "import"))
            result.imported += 1
        except (ValueError, KeyError, TypeError) as exc:
            msg = f"{name}:{no}: {type(exc).__name__}: {exc}"
            result.errors.append(msg)
            if on_error:
                on_error(msg)
        except Exception as exc:  # noqa: BLE001 - a store error on one record must not lose the rest
            msg = f"{name}:{no}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            result.errors.append(msg)
            if on_error:
                on_error(msg)
    return result
