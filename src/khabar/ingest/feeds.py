"""RSS and Atom feeds, from files or URLs: each entry becomes a document.

Feeds are untrusted XML. Before feedparser sees the bytes, defusedxml parses them with entity
declarations and external references forbidden, so a "billion laughs" or an external-entity feed is
refused without expanding anything. With --follow, each entry's linked page is fetched and its main
text replaces the summary (conditional GET: an unchanged page is not downloaded again).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from khabar.ingest.html import html_document, html_to_text
from khabar.ingest.items import Item, Options, looks_binary, read_bytes
from khabar.ingest.normalize import IngestError, make_document

SUFFIXES = (".rss", ".atom", ".xml", ".rdf")
_FEEDISH = re.compile(rb"<\s*(rss|feed|rdf:RDF)\b", re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_ENTRY_FIELDS = {"title", "link", "summary", "content", "published", "updated", "author", "id",
                 "published_parsed", "updated_parsed", "summary_detail", "title_detail", "links",
                 "authors", "author_detail", "guidislink", "content_detail", "created", "created_parsed"}


def looks_like_feed(data: bytes) -> bool:
    return bool(_FEEDISH.search(data[:4096]))


def check_safe_xml(data: bytes) -> str | None:
    """None when the bytes may be given to feedparser; else why they are refused.

    A well-formedness error is not a refusal here (feedparser recovers what it can from a truncated
    feed); entity declarations, DTD tricks and external references are.
    """
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        name = getattr(exc, "name", None) or getattr(exc, "sysid", None)
        what = {"EntitiesForbidden": "entity declaration", "DTDForbidden": "DTD",
                "ExternalReferenceForbidden": "external reference"}.get(type(exc).__name__, type(exc).__name__)
        return f"hostile XML refused: {what}{f' {name!r}' if name else ''} (entities are never expanded)"
    except ParseError:
        # broken XML goes on to feedparser's lenient parser: refuse it too when it declares entities
        if _ENTITY_DECL.search(data):
            return "hostile XML refused: entity declaration in a malformed document"
        return None
    return None


def parse_feed(data: bytes) -> Any:
    """feedparser's result for safe bytes; IngestError for hostile or unusable ones."""
    import feedparser

    if looks_binary(data):
        raise IngestError("binary data (NUL bytes), not a feed")
    refused = check_safe_xml(data)
    if refused:
        raise IngestError(refused)
    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    if not parsed.entries:
        why = parsed.get("bozo_exception")
        raise IngestError(f"broken feed: {why}" if why else "feed has no entries")
    return parsed


def _entry_text(entry: Any) -> str:
    for block in entry.get("content") or []:
        value = block.get("value") or ""
        if value.strip():
            return html_to_text(value) if "html" in (block.get("type") or "html") else value
    summary = entry.get("summary") or ""
    return html_to_text(summary)


def entry_fields(entry: Any, feed: Any, feed_url: str | None) -> dict[str, Any]:
    published = entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("published")
    meta: dict[str, Any] = {"feed": feed.get("title"), "feed_url": feed_url, "entry_id": entry.get("id")}
    if entry.get("tags"):
        meta["tags"] = [t.get("term") for t in entry["tags"] if t.get("term")]
    meta.update({k: v for k, v in entry.items() if k not in _ENTRY_FIELDS and k != "tags" and isinstance(v, str)})
    return {
        "title": entry.get("title"),
        "url": entry.get("link"),
        "source": feed.get("title"),
        "author": entry.get("author"),
        "published": published,
        "language": entry.get("language") or feed.get("language"),
        "meta": {k: v for k, v in meta.items() if v},
    }


def feed_items(data: bytes, name: str, opts: Options, *, path: str | None = None, feed_url: str | None = None,
               fetcher: Any = None) -> Iterator[Item]:
    """One Item per entry; a truncated feed gives its recovered entries and one error line."""
    try:
        parsed = parse_feed(data)
    except IngestError as exc:
        yield Item(name, error=str(exc))
        return
    for i, entry in enumerate(parsed.entries, 1):
        fields = entry_fields(entry, parsed.feed, feed_url)
        label = f"{name}#{i}" + (f" ({fields['url']})" if fields.get("url") else "")
        meta = fields.pop("meta")
        if opts.follow and fields.get("url") and fetcher is not None:
            yield from _follow(fetcher, fields, meta, label, path)
            continue
        body = _entry_text(entry)
        if not body.strip():  # title-only entries are common; the page is the article
            yield Item(label, skipped="entry has no text (--follow fetches the linked page)")
            continue
        try:
            yield Item(label, doc=make_document(body, path=path, meta=meta, **fields))
        except IngestError as exc:
            yield Item(label, error=str(exc))
    if parsed.get("bozo") and parsed.get("bozo_exception") is not None:
        yield Item(name, error=f"malformed feed ({parsed.bozo_exception}); "
                               f"{len(parsed.entries)} entries recovered")


def _follow(fetcher: Any, fields: dict[str, Any], meta: dict[str, Any], label: str,
            path: str | None) -> Iterator[Item]:
    url = fields["url"]
    try:
        resp = fetcher.get(url)
        if resp.not_modified:
            yield Item(label, skipped="not modified since last fetch")
            return
        doc = html_document(resp.content, url=resp.url, path=path, fallback=fields,
                            meta={**meta, "feed_entry_url": url})
    except IngestError as exc:
        yield Item(label, error=str(exc))
        return
    yield Item(label, doc=doc, on_stored=lambda: fetcher.remember(resp))


def read_feed_file(path: Path, opts: Options, fetcher: Any = None) -> Iterator[Item]:
    try:
        data = read_bytes(path, opts.max_bytes)
    except IngestError as exc:
        yield Item(str(path), error=str(exc))
        return
    yield from feed_items(data, str(path), opts, path=str(path), fetcher=fetcher)
