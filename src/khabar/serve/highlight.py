"""A document's text as HTML with its extracted mentions, events and claims marked, every character escaped.

Spans overlap freely (an entity inside an event's sentence inside a claim), so the text is cut at every
span boundary and each piece carries the classes of all spans covering it: no nesting to get wrong, and
the text itself only ever passes through markupsafe.escape.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

LABEL_CLASS = {
    "ACTOR": "m-actor", "ORG": "m-actor", "NORP": "m-actor", "PERSON": "m-person",
    "PLACE": "m-place", "GPE": "m-place", "LOC": "m-place", "FAC": "m-place",
    "DATE": "m-date", "TIME": "m-date",
    "QUANTITY": "m-qty", "CARDINAL": "m-qty", "MONEY": "m-qty", "PERCENT": "m-qty",
}


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    cls: str
    title: str
    ref: str = ""  # "ev:<id>" / "cl:<id>": the record item beside the text


def marks_of(record: dict[str, Any]) -> list[Mark]:
    """Marks for a canonical document record (entities, events, claims)."""
    out: list[Mark] = []
    for m in record.get("entities", []):
        cls = LABEL_CLASS.get(m["label"])
        if cls:
            who = m.get("actor_id") or m.get("place_id") or ""
            out.append(Mark(m["start"], m["end"], cls, f"{m['label']} {who}".strip()))
    for e in record.get("events", []):
        ev = e["evidence"]
        out.append(Mark(ev["start"], ev["end"], "ev", f"event {e['type']}", "ev:" + e["id"]))
    for c in record.get("claims", []):
        ev = c["evidence"]
        who = (c.get("speaker") or {}).get("name") or "unknown speaker"
        out.append(Mark(ev["start"], ev["end"], "cl" + (" deny" if c["stance"] == "deny" else ""),
                        f"claim ({c['stance']}) by {who}", "cl:" + c["id"]))
    return out


def highlight(text: str, marks: Iterable[Mark]) -> Markup:
    """Escaped HTML of text, each marked stretch in <span class="hl ..."> with a title and anchors."""
    n = len(text)
    spans = [m for m in marks if 0 <= m.start < m.end <= n]
    cuts = sorted({0, n, *(m.start for m in spans), *(m.end for m in spans)})
    starts: dict[int, list[Mark]] = {}
    for m in spans:
        if m.ref:
            starts.setdefault(m.start, []).append(m)
    parts: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        for m in starts.get(a, []):
            parts.append(f'<span class="anchor" id="{escape(m.ref.replace(":", "-"))}"></span>')
        piece = escape(text[a:b])
        active = [m for m in spans if m.start <= a and m.end >= b]
        if not active:
            parts.append(str(piece))
            continue
        classes = " ".join(sorted({c for m in active for c in m.cls.split()}))
        title = "; ".join(dict.fromkeys(m.title for m in active))
        refs = " ".join(dict.fromkeys(m.ref for m in active if m.ref))
        parts.append(f'<span class="hl {escape(classes)}" title="{escape(title)}" data-refs="{escape(refs)}">'
                     f"{piece}</span>")
    return Markup("".join(parts))  # noqa: S704 - every piece above went through escape()
