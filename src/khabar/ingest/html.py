"""HTML pages: the article's main text and metadata (title, date, site, author, canonical url).

trafilatura separates the article from navigation, adverts and comments; we only ask it for text and
metadata and never let it fetch anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from khabar.ingest.items import Item, Options, looks_binary, read_bytes
from khabar.ingest.normalize import IngestError, make_document

SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
MIN_WORDS = 8  # fewer words than this is navigation debris, not an article
_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "section",
           "article", "pre", "ul", "ol", "table", "header", "footer"}
_HTMLISH = re.compile(rb"<\s*(!doctype\s+html|html|head|body|p|div|article)\b", re.IGNORECASE)


def looks_like_html(data: bytes) -> bool:
    return bool(_HTMLISH.search(data[:4096]))


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (feed summaries): block elements become line breaks."""
    if "<" not in fragment:
        import html as _html

        return _html.unescape(fragment)
    from lxml import etree, html

    parser = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        root = html.fragment_fromstring(fragment, create_parent="div", parser=parser)
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]*>", " ", fragment)
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCKS:
            el.tail = "\n" + (el.tail or "")
    return root.text_content()


def extract_html(data: bytes | str, *, url: str | None = None) -> dict[str, Any]:
    """Main text and metadata of one page, or IngestError when there is no article in it."""
    import trafilatura

    if isinstance(data, bytes) and looks_binary(data):
        raise IngestError("binary data (NUL bytes), not HTML")
    try:
        result = trafilatura.bare_extraction(
            data, url=url, with_metadata=True, include_comments=False, include_tables=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as exc:  # noqa: BLE001 - trafilatura raises many kinds on broken markup
        raise IngestError(f"malformed HTML: {type(exc).__name__}: {exc}") from exc
    words = len(re.findall(r"\w{2,}", (result.text or "") if result is not None else ""))
    if words < MIN_WORDS:
        raise IngestError(f"malformed HTML or no article text found ({words} words of text)")
    return {
        "text": result.text,
        "title": result.title,
        "author": result.author,
        "url": result.url or url,
        "source": result.sitename or result.hostname,
        "published": result.date,
        "language": result.language,
        "meta": {k: v for k, v in (("hostname", result.hostname), ("description", result.description),
                                   ("categories", result.categories or None), ("tags", result.tags or None))
                 if v},
    }


def html_document(data: bytes | str, *, url: str | None = None, path: str | None = None,
                  fallback: dict[str, Any] | None = None, meta: dict[str, Any] | None = None):  # noqa: ANN201
    """A Document from a page; fallback fills fields the page does not say (e.g. from a feed entry)."""
    found = extract_html(data, url=url)
    fields = {k: found.get(k) or (fallback or {}).get(k)
              for k in ("title", "author", "url", "source", "published", "language")}
    return make_document(found["text"], path=path, meta={**found["meta"], **(meta or {})}, **fields)


def read_html_bytes(data: bytes, name: str, opts: Options, *, path: str | None = None,
                    url: str | None = None) -> Iterator[Item]:
    try:
        yield Item(name, doc=html_document(data, url=url, path=path))
    except IngestError as exc:
        yield Item(name, error=str(exc))


def read_html_file(path: Path, opts: Options) -> Iterator[Item]:
    try:
        data = read_bytes(path, opts.max_bytes)
    except IngestError as exc:
        yield Item(str(path), error=str(exc))
        return
    yield from read_html_bytes(data, str(path), opts, path=str(path))
