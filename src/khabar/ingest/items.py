"""What readers hand the runner: one Item per document, failure or skip, always with a name to show."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from khabar import __version__
from khabar.ingest.normalize import IngestError
from khabar.model import Document

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
USER_AGENT = f"khabar/{__version__} (news research ingester; conditional GET, retries with back-off)"


@dataclass
class Item:
    """A reader's output: exactly one of doc, error (the reason) or skipped (why nothing was needed)."""

    name: str
    doc: Document | None = None
    error: str | None = None
    skipped: str | None = None
    on_stored: Callable[[], None] | None = None  # run after the document's transaction committed


@dataclass
class Options:
    """Settings every reader may need; the CLI fills them from its flags."""

    max_bytes: int = DEFAULT_MAX_BYTES
    encoding: str | None = None  # None: UTF-8 (a BOM may say UTF-16)
    follow: bool = False
    timeout: float = 20.0
    retries: int = 2
    backoff: float = 0.5
    user_agent: str = USER_AGENT


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, refusing empty and oversized files before reading them."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(f"oversized: {size} bytes > cap of {max_bytes} (raise --max-bytes)")
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise IngestError(f"oversized: more than {max_bytes} bytes (raise --max-bytes)")
    if not data.strip():
        raise IngestError("empty")
    return data


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head


def decode_text(data: bytes, encoding: str | None = None) -> str:
    """Bytes to str: the given encoding, else UTF-8 (BOMs honoured); a clear reason when it fails."""
    if looks_binary(data):
        raise IngestError("binary data (NUL bytes), not text")
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError as exc:
            raise IngestError(f"unknown encoding {encoding!r}") from exc
        except UnicodeDecodeError as exc:
            raise IngestError(f"not valid {encoding}: byte 0x{data[exc.start]:02x} at offset {exc.start}") from exc
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError(f"truncated or invalid UTF-16 at offset {exc.start}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = "truncated at the end" if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data" \
            else f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
        raise IngestError(f"not valid UTF-8 ({where}); re-save as UTF-8 or pass --encoding") from exc
