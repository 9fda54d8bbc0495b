"""Fetching feeds and pages over HTTP, politely and only when something changed.

A clear User-Agent, timeouts, a few retries with exponential back-off on network errors and 429/5xx, a
size cap counted on the decoded body (so a gzip-encoded bomb stops at the cap), and conditional GET:
the ETag / Last-Modified of each URL are remembered in the store's fetch_cache table, so a re-poll of an
unchanged feed costs one 304. Validators are remembered only after the caller stored what it fetched,
so a crash between the two means a full fetch next time, never a lost entry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlparse

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from khabar.ingest.items import Options
from khabar.ingest.normalize import IngestError
from khabar.store.documents import now_iso
from khabar.store.schema import fetch_cache

RETRY_STATUS = {429, 500, 502, 503, 504}


@dataclass
class Response:
    url: str  # final URL after redirects
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    requested: str = ""  # URL as asked for: the fetch_cache key

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def is_url(target: str) -> bool:
    return urlparse(target).scheme in ("http", "https")


class Fetcher:
    """One HTTP client for a run; engine (optional) gives the conditional-GET memory."""

    def __init__(self, engine: Engine | None, opts: Options, transport: httpx.BaseTransport | None = None) -> None:
        self.engine = engine
        self.opts = opts
        self.client = httpx.Client(
            timeout=httpx.Timeout(opts.timeout, connect=min(opts.timeout, 10.0)),
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": opts.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
        )
        self.requests = 0  # network requests made, retries included (tests and the summary read it)

    def close(self) -> None:
        self.client.close()

    def validators(self, url: str) -> dict[str, str]:
        if self.engine is None:
            return {}
        with self.engine.connect() as conn:
            row = conn.execute(select(fetch_cache).where(fetch_cache.c.url == url)).first()
        headers: dict[str, str] = {}
        if row is not None and row.etag:
            headers["If-None-Match"] = row.etag
        if row is not None and row.last_modified:
            headers["If-Modified-Since"] = row.last_modified
        return headers

    def remember(self, resp: Response) -> None:
        """Store the validators of a fetched URL (call after its content was stored)."""
        if self.engine is None or resp.status != 200 or not (resp.etag or resp.last_modified):
            return
        key = resp.requested or resp.url
        values = {"etag": resp.etag, "last_modified": resp.last_modified, "status": resp.status,
                  "fetched_at": now_iso()}
        with self.engine.begin() as conn:
            if conn.execute(select(fetch_cache.c.url).where(fetch_cache.c.url == key)).first():
                conn.execute(update(fetch_cache).where(fetch_cache.c.url == key).values(**values))
            else:
                conn.execute(insert(fetch_cache).values(url=key, **values))

    def get(self, url: str, *, conditional: bool = True) -> Response:
        """GET url with retries; IngestError naming the reason when it cannot be had."""
        if not is_url(url):
            raise IngestError("not an http(s) URL")
        headers = self.validators(url) if conditional else {}
        attempts = 1 + max(0, self.opts.retries)
        reason = ""
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.opts.backoff * 2 ** (attempt - 1))
            self.requests += 1
            try:
                resp = self._once(url, headers)
            except httpx.TransportError as exc:
                reason = f"unreachable: {type(exc).__name__}: {exc}" if str(exc) else \
                    f"unreachable: {type(exc).__name__}"
                continue
            except (httpx.HTTPError, httpx.InvalidURL) as exc:  # bad encoding, redirect loops, bad URL
                raise IngestError(f"{type(exc).__name__}: {exc}") from exc
            if resp.status in RETRY_STATUS:
                reason = f"HTTP {resp.status}"
                continue
            if resp.status >= 400:
                raise IngestError(f"HTTP {resp.status}")
            resp.requested = url
            return resp
        raise IngestError(f"{reason} (after {attempts} attempts)")

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        cap = self.opts.max_bytes
        with self.client.stream("GET", url, headers=headers) as r:
            if r.status_code == 304 or r.status_code >= 400:
                return Response(str(r.url), r.status_code)
            declared = r.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > cap:
                raise IngestError(f"oversized: {declared} bytes > cap of {cap} (raise --max-bytes)")
            chunks: list[bytes] = []
            size = 0
            for chunk in r.iter_bytes():  # decoded: a compressed bomb is cut at the cap
                size += len(chunk)
                if size > cap:
                    raise IngestError(f"oversized: more than {cap} bytes after decoding (raise --max-bytes)")
                chunks.append(chunk)
            return Response(
                str(r.url), r.status_code, b"".join(chunks),
                r.headers.get("Content-Type", "").split(";")[0].strip().lower(),
                r.headers.get("ETag"), r.headers.get("Last-Modified"),
            )
