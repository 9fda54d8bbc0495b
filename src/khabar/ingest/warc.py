"""WARC / WARC.gz crawl files: each HTML response (status 200) becomes a document.

Crawls are big, so the file-size cap applies to each record instead of the file. Decompression is
ours, not warcio's: BoundedGunzip stops once the archive inflates past max(--max-bytes, 100 x its
compressed size), so a gzip bomb costs a few megabytes, not the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from khabar.ingest.gz import GZIP_MAGIC, open_bounded
from khabar.ingest.html import html_document, looks_like_html
from khabar.ingest.items import Item, Options
from khabar.ingest.normalize import IngestError

SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
MAX_RATIO = 100


def looks_like_warc(head: bytes) -> bool:
    return head.startswith(b"WARC/")


def _is_html(content_type: str | None, body: bytes) -> bool:
    ct = (content_type or "").lower()
    if "html" in ct:
        return True
    return (not ct or ct.startswith("text/plain") or "octet-stream" in ct) and looks_like_html(body)


def warc_items(raw: BinaryIO, name: str, opts: Options, *, path: str | None = None,
               compressed_size: int | None = None) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    head = raw.peek(8)[:8] if hasattr(raw, "peek") else b""
    stream: BinaryIO = raw
    reader = None
    if head.startswith(GZIP_MAGIC):
        limit = max(opts.max_bytes, MAX_RATIO * (compressed_size or opts.max_bytes))
        stream, reader = open_bounded(raw, limit)
    elif head and not looks_like_warc(head):
        yield Item(name, error="not a WARC file (no WARC/ header)")
        return
    number = 0
    try:
        for number, rec in enumerate(ArchiveIterator(stream, arc2warc=True, no_record_parse=False), 1):
            item = _record_item(rec, f"{name}#{number}", opts, path)
            if item is not None:
                yield item
    except (IngestError, ArchiveLoadFailed, EOFError, ValueError, OSError) as exc:
        where = f" after record {number}" if number else ""
        reason = reader.error if reader is not None and reader.error is not None else exc
        yield Item(name, error=f"unreadable WARC{where}: {reason}")
        return
    if reader is not None and reader.error is not None:
        yield Item(name, error=f"WARC stopped after record {number}: {reader.error}")


def _record_item(rec: Any, label: str, opts: Options, path: str | None) -> Item | None:
    if rec.rec_type not in ("response", "resource"):
        return None
    uri = rec.rec_headers.get_header("WARC-Target-URI")
    label = f"{label} ({uri})" if uri else label
    if rec.rec_type == "response":
        if rec.http_headers is None:
            return Item(label, skipped="not an HTTP response")
        status = rec.http_headers.get_statuscode()
        if status != "200":
            return Item(label, skipped=f"HTTP status {status}")
        content_type = rec.http_headers.get_header("Content-Type")
    else:
        content_type = rec.rec_headers.get_header("Content-Type")
    try:
        body = rec.content_stream().read(opts.max_bytes + 1)
    except Exception as exc:  # noqa: BLE001 - broken chunking / content-encoding in the record
        return Item(label, error=f"unreadable record payload: {type(exc).__name__}: {exc}")
    if len(body) > opts.max_bytes:
        return Item(label, error=f"oversized record: more than {opts.max_bytes} bytes (raise --max-bytes)")
    if not _is_html(content_type, body):
        return Item(label, skipped=f"not HTML ({content_type or 'no content type'})")
    meta = {k: v for k, v in (("warc_date", rec.rec_headers.get_header("WARC-Date")),
                              ("warc_record_id", rec.rec_headers.get_header("WARC-Record-ID"))) if v}
    try:
        return Item(label, doc=html_document(body, url=uri, path=path, meta=meta))
    except IngestError as exc:
        return Item(label, error=str(exc))


def read_warc_file(path: Path, opts: Options) -> Iterator[Item]:
    try:
        size = path.stat().st_size
        fh = path.open("rb")
    except OSError as exc:
        yield Item(str(path), error=f"cannot read: {exc.strerror or exc}")
        return
    if size == 0:
        fh.close()
        yield Item(str(path), error="empty")
        return
    with fh:
        yield from warc_items(fh, str(path), opts, path=str(path), compressed_size=size)
