"""Turning raw text and metadata into a Document: one normal form, one id, one date format.

The id is a hash of the text with case and spacing folded, so the same article saved twice (re-wrapped,
re-encoded, with CRLF) is recognised as one document whatever file or outlet it came from.
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from khabar.model import Document

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\ufeff]")
_HSPACE = re.compile(r"[^\S\n]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_ANY_SPACE = re.compile(r"\s+")
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

KNOWN_FIELDS = ("title", "url", "source", "author", "published", "language")


class IngestError(Exception):
    """A bad item: the message is the reason, shown to the user after the item's name."""


def normalize_text(text: str) -> str:
    """NFC, no control characters, single spaces, at most one blank line between paragraphs."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _CONTROL.sub("", text)
    text = _HSPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _MANY_NEWLINES.sub("\n\n", text).strip()


def normalize_field(value: Any) -> str | None:
    if value is None:
        return None
    value = _ANY_SPACE.sub(" ", unicodedata.normalize("NFC", str(value))).strip()
    return value or None


def content_id(text: str) -> str:
    """Stable id: SHA-1 of the normalized text with case and all whitespace folded (40 hex chars)."""
    folded = _ANY_SPACE.sub(" ", text.casefold()).strip()
    return hashlib.sha1(folded.encode("utf-8")).hexdigest()  # noqa: S324 - an id, not a secret


def detect_language(text: str) -> str | None:
    """ISO 639-1 code, or None when the text is too short or too mixed to tell (never raises)."""
    sample = text[:1500]  # langdetect costs grow with length; 1500 characters decide the language
    if sum(c.isalpha() for c in sample) < 20:
        return None
    try:
        from langdetect import DetectorFactory, detect

        DetectorFactory.seed = 0  # langdetect is random by default: same text, same answer
        return detect(sample)
    except Exception:  # noqa: BLE001 - langdetect raises on text without features
        return None


def parse_date(value: Any) -> str | None:
    """ISO 8601 from what feeds and files give: ISO strings, RFC 822, struct_time, datetime.

    Partial dates ("2023", "2023-02") are kept as they are: they are facts, not errors.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 10**11:
        value = datetime.fromtimestamp(value, UTC)  # Unix seconds, as many JSON exports give
    if isinstance(value, time.struct_time):
        value = datetime(*value[:6], tzinfo=UTC)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.replace(microsecond=0, tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    s = str(value).strip()
    if _PARTIAL_DATE.match(s):
        return s
    try:
        return parse_date(datetime.fromisoformat(s.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return parse_date(parsedate_to_datetime(s))
    except (TypeError, ValueError, IndexError):
        pass
    m = re.match(r"^(\d{4}-\d{2}-\d{2})", s)
    return m.group(1) if m else None


def make_document(text: str, *, path: str | None = None, meta: dict[str, Any] | None = None,
                  **fields: Any) -> Document:
    """A Document from raw text and known fields; raises IngestError when no text is left."""
    body = normalize_text(text or "")
    if not body:
        raise IngestError("no text")
    values = {k: normalize_field(fields.get(k)) for k in KNOWN_FIELDS}
    published = fields.get("published")
    values["published"] = parse_date(published)
    if values["language"]:
        values["language"] = values["language"].lower().replace("_", "-")
    else:
        values["language"] = detect_language(body)
    extra = {k: v for k, v in (meta or {}).items() if v is not None}
    if published not in (None, "") and values["published"] is None:
        extra["published_raw"] = str(published)
    return Document(id=content_id(body), text=body, path=path, meta=extra, **values)
