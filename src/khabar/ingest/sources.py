"""From what the user typed (paths, folders, URLs, `-`) to a stream of Items, choosing each reader.

The reader is chosen by file extension, else by sniffing the first bytes: WARC header, gzip magic,
feed root element, HTML tags, a JSON object; otherwise text. Folders are walked recursively in sorted
order, so two runs see the same items in the same order; in folders, hidden files, sidecar NAME.json
files and files without an article extension (images, scripts) are skipped, not sniffed.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from khabar.ingest import feeds, html, jsonl, text, warc
from khabar.ingest.fetch import Fetcher, is_url
from khabar.ingest.gz import GZIP_MAGIC, gunzip_bytes
from khabar.ingest.items import Item, Options, looks_binary, read_bytes
from khabar.ingest.normalize import IngestError

FORMATS = ("text", "html", "feed", "jsonl", "warc")


def format_of_name(name: str) -> str | None:
    low = name.lower()
    if low.endswith(warc.SUFFIXES):
        return "warc"
    for fmt, suffixes in (("text", text.SUFFIXES), ("html", html.SUFFIXES), ("feed", feeds.SUFFIXES),
                          ("jsonl", jsonl.SUFFIXES)):
        if low.endswith(suffixes):
            return fmt
    return None


def sniff(data: bytes) -> str:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if warc.looks_like_warc(head):
        return "warc"
    if feeds.looks_like_feed(head):
        return "feed"
    if html.looks_like_html(head):
        return "html"
    if head[:1] in (b"{", b"["):
        return "jsonl"
    if looks_binary(data):
        raise IngestError("binary data (NUL bytes), not a supported format")
    return "text"


def is_sidecar(path: Path) -> bool:
    """NAME.json beside NAME.txt (or NAME.txt.json) is metadata, not an article."""
    if path.suffix.lower() != ".json":
        return False
    stem = path.with_suffix("")
    return stem.is_file() or any(stem.with_suffix(s).is_file() for s in text.SUFFIXES)


def walk(folder: Path) -> Iterator[Path]:
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file() or is_sidecar(p):
            continue
        yield p


def bytes_items(data: bytes, name: str, opts: Options, *, fmt: str | None = None, path: str | None = None,
                url: str | None = None, fetcher: Fetcher | None = None) -> Iterator[Item]:
    """Items from bytes already in memory (stdin, a download, a decompressed .gz)."""
    try:
        if fmt is None and data[:2] == GZIP_MAGIC and not data[:4096].startswith(b"WARC/"):
            data = gunzip_bytes(data, opts.max_bytes)
        fmt = fmt or sniff(data)
    except IngestError as exc:
        yield Item(name, error=str(exc))
        return
    if fmt == "warc":
        yield from warc.warc_items(io.BufferedReader(io.BytesIO(data)), name, opts, path=path,
                                   compressed_size=len(data))
    elif fmt == "feed":
        yield from feeds.feed_items(data, name, opts, path=path, feed_url=url, fetcher=fetcher)
    elif fmt == "html":
        yield from html.read_html_bytes(data, name, opts, path=path, url=url)
    elif fmt == "jsonl":
        yield from jsonl.jsonl_items(data, name, opts, path=path)
    else:
        yield from text.read_text_bytes(data, name, opts, path=path)


def file_items(path: Path, opts: Options, fetcher: Fetcher | None = None) -> Iterator[Item]:
    fmt = format_of_name(path.name)
    if fmt == "warc":
        yield from warc.read_warc_file(path, opts)
        return
    if fmt == "text":
        yield from text.read_text_file(path, opts)
        return
    try:
        data = read_bytes(path, opts.max_bytes)
        if fmt is None and path.name.lower().endswith(".gz"):  # e.g. articles.jsonl.gz
            data = gunzip_bytes(data, opts.max_bytes)
            fmt = format_of_name(path.name[:-3])
    except IngestError as exc:
        yield Item(str(path), error=str(exc))
        return
    yield from bytes_items(data, str(path), opts, fmt=fmt, path=str(path), fetcher=fetcher)


def url_items(url: str, opts: Options, fetcher: Fetcher) -> Iterator[Item]:
    try:
        resp = fetcher.get(url)
    except IngestError as exc:
        yield Item(url, error=str(exc))
        return
    if resp.not_modified:
        yield Item(url, skipped="not modified since last fetch")
        return
    fmt = None
    if "html" in resp.content_type and not feeds.looks_like_feed(resp.content):
        fmt = "html"
    failed = False
    for item in bytes_items(resp.content, url, opts, fmt=fmt, url=resp.url, fetcher=fetcher):
        failed = failed or item.error is not None
        yield item
    if not failed:  # every entry stored: now a re-poll may skip this version
        fetcher.remember(resp)


def read_stdin(stream: BinaryIO, opts: Options) -> bytes:
    data = stream.read(opts.max_bytes + 1)
    if len(data) > opts.max_bytes:
        raise IngestError(f"oversized: more than {opts.max_bytes} bytes (raise --max-bytes)")
    if not data.strip():
        raise IngestError("empty")
    return data


def guarded(items: Iterator[Item], name: str) -> Iterator[Item]:
    """A reader's items; a bug or library surprise inside it fails that input, not the whole run."""
    try:
        yield from items
    except Exception as exc:  # noqa: BLE001 - reported as one line naming the input
        yield Item(name, error=f"unexpected {type(exc).__name__}: {exc}")


def iter_items(targets: Iterable[str], opts: Options, fetcher: Fetcher | None = None,
               stdin: Any = None) -> Iterator[Item]:
    """Every Item of every target, in order; a target that does not exist is one error Item."""
    for target in targets:
        yield from guarded(_target_items(target, opts, fetcher, stdin), target)


def _target_items(target: str, opts: Options, fetcher: Fetcher | None, stdin: Any) -> Iterator[Item]:
    """Items of one target: `-` (stdin), an http(s) URL, a folder or a file."""
    if target == "-":
        try:
            data = read_stdin(stdin or sys.stdin.buffer, opts)
        except IngestError as exc:
            yield Item("<stdin>", error=str(exc))
            return
        yield from bytes_items(data, "<stdin>", opts, fetcher=fetcher)
    elif is_url(target):
        if fetcher is None:
            yield Item(target, error="URLs need a fetcher")
            return
        yield from url_items(target, opts, fetcher)
    else:
        path = Path(target).expanduser()
        if path.is_dir():
            for p in walk(path):
                if format_of_name(p.name) is None and not p.name.lower().endswith(".gz"):
                    yield Item(str(p), skipped="not an article format (name it explicitly to sniff it)")
                    continue
                yield from guarded(file_items(p, opts, fetcher), str(p))
        elif path.is_file():
            yield from file_items(path, opts, fetcher)
        else:
            yield Item(target, error="no such file, folder or URL")
