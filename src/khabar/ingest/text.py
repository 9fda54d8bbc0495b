"""Plain-text articles, with metadata from a sidecar NAME.json or a front-matter block.

Front matter is the block between two `---` lines at the very top (YAML "key: value" pairs). Known keys
fill the document (title, url, source, published, language, author); any other key is kept in meta.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from khabar.ingest.items import Item, Options, decode_text, read_bytes
from khabar.ingest.normalize import KNOWN_FIELDS, IngestError, make_document

SUFFIXES = (".txt", ".text", ".md")
_ALIASES = {"outlet": "source", "site": "source", "date": "published", "link": "url", "lang": "language"}


def sidecar_paths(path: Path) -> list[Path]:
    """NAME.json and NAME.txt.json, the two spellings people use."""
    return [path.with_suffix(".json"), path.with_name(path.name + ".json")]


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    stripped = text.lstrip("\ufeff")
    if not stripped.startswith("---"):
        return {}, text
    lines = stripped.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    for i in range(1, min(len(lines), 200)):
        if lines[i].strip() in ("---", "..."):
            try:
                data = yaml.safe_load("\n".join(lines[1:i]))
            except yaml.YAMLError as exc:
                raise IngestError(f"front matter is not valid YAML: {str(exc).splitlines()[0]}") from exc
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise IngestError("front matter is not a mapping of key: value")
            return data, "\n".join(lines[i + 1:])
    return {}, text


def split_metadata(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Known fields (aliases folded) and everything else, kept for meta."""
    fields: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for key, value in data.items():
        name = _ALIASES.get(str(key).lower(), str(key).lower())
        if name in KNOWN_FIELDS and name not in fields:
            fields[name] = value
        else:
            meta[str(key)] = value
    return fields, meta


def guess_title(body: str) -> str | None:
    """The first line of a plain article is its headline when it is short and more text follows."""
    lines = [ln.strip() for ln in body.strip().split("\n")]
    if len(lines) > 1 and lines[0] and len(lines[0]) <= 200:
        return lines[0]
    return None


def parse_text(text: str, *, path: str | None, sidecar: dict[str, Any] | None = None):  # noqa: ANN201
    front, body = split_front_matter(text)
    data = {**front, **(sidecar or {})}
    fields, meta = split_metadata(data)
    fields.setdefault("title", guess_title(body))
    return make_document(body, path=path, meta=meta, **fields)


def read_sidecar(path: Path, opts: Options) -> dict[str, Any] | None:
    for side in sidecar_paths(path):
        if side.is_file():
            try:
                data = json.loads(decode_text(read_bytes(side, opts.max_bytes)))
            except (IngestError, ValueError) as exc:
                raise IngestError(f"sidecar {side.name}: {exc}") from exc
            if not isinstance(data, dict):
                raise IngestError(f"sidecar {side.name}: not a JSON object")
            return data
    return None


def read_text_bytes(data: bytes, name: str, opts: Options, *, path: str | None = None,
                    sidecar: dict[str, Any] | None = None) -> Iterator[Item]:
    try:
        yield Item(name, doc=parse_text(decode_text(data, opts.encoding), path=path, sidecar=sidecar))
    except IngestError as exc:
        yield Item(name, error=str(exc))


def read_text_file(path: Path, opts: Options) -> Iterator[Item]:
    try:
        sidecar = read_sidecar(path, opts)
        data = read_bytes(path, opts.max_bytes)
    except IngestError as exc:
        yield Item(str(path), error=str(exc))
        return
    yield from read_text_bytes(data, str(path), opts, path=str(path), sidecar=sidecar)
