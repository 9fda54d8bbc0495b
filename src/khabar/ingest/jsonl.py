"""JSON Lines: one article per line (text, title, url, source, published, language; other fields kept).

A .json file holding one article object or a list of them is read the same way. Each bad line gets its
own error naming the line number; the other lines are still read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from khabar.ingest.items import Item, Options, decode_text, read_bytes
from khabar.ingest.normalize import IngestError, make_document
from khabar.ingest.text import split_metadata

SUFFIXES = (".jsonl", ".ndjson", ".json")


def record_document(obj: Any, *, path: str | None):  # noqa: ANN201
    if not isinstance(obj, dict):
        raise IngestError(f"not a JSON object but {type(obj).__name__}")
    body = obj.get("text")
    if not isinstance(body, str) or not body.strip():
        raise IngestError("no 'text' field" if body is None else "'text' is empty or not a string")
    fields, meta = split_metadata({k: v for k, v in obj.items() if k != "text"})
    return make_document(body, path=path, meta=meta, **fields)


def jsonl_items(data: bytes, name: str, opts: Options, *, path: str | None = None) -> Iterator[Item]:
    if data.lstrip()[:1] == b"[":  # a .json array of articles
        try:
            records = json.loads(decode_text(data, opts.encoding))
        except (IngestError, ValueError) as exc:
            yield Item(name, error=f"not JSON: {exc}")
            return
        for i, obj in enumerate(records, 1):
            try:
                yield Item(f"{name}[{i}]", doc=record_document(obj, path=path))
            except IngestError as exc:
                yield Item(f"{name}[{i}]", error=str(exc))
        return
    if data.lstrip()[:1] == b"{" and b"\n" in data.strip():
        try:  # a pretty-printed single object spans several lines
            obj = json.loads(decode_text(data, opts.encoding))
        except (IngestError, ValueError):
            obj = None
        if isinstance(obj, dict):
            yield _one(obj, name, path)
            return
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        label = f"{name}:{number}"
        try:
            obj = json.loads(decode_text(raw, opts.encoding))
        except IngestError as exc:
            yield Item(label, error=str(exc))
            continue
        except ValueError as exc:
            yield Item(label, error=f"not JSON ({exc})")
            continue
        yield _one(obj, label, path)


def _one(obj: Any, label: str, path: str | None) -> Item:
    try:
        return Item(label, doc=record_document(obj, path=path))
    except IngestError as exc:
        return Item(label, error=str(exc))


def read_jsonl_file(path: Path, opts: Options) -> Iterator[Item]:
    try:
        data = read_bytes(path, opts.max_bytes)
    except IngestError as exc:
        yield Item(str(path), error=str(exc))
        return
    yield from jsonl_items(data, str(path), opts, path=str(path))
