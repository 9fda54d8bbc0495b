"""HTTP fetching against a real server on 127.0.0.1: retries, back-off, caps, unreachable hosts, 304s."""

from __future__ import annotations

import gzip
import importlib.util
import socket
from pathlib import Path

import pytest

from khabar.ingest.fetch import Fetcher
from khabar.ingest.items import Options
from khabar.ingest.normalize import IngestError

FIX = Path(__file__).parent / "fixtures" / "ingest"


@pytest.fixture
def server():
    spec = importlib.util.spec_from_file_location("ingest_fixture_server", FIX / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    srv = module.FeedServer().start()
    yield srv
    srv.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_retries_with_backoff_then_succeeds(server) -> None:
    server.routes["/p"] = (b"<html><body><p>hello</p></body></html>", "text/html")
    server.flaky["/p"] = 2
    fetcher = Fetcher(None, Options(retries=2, backoff=0.01))
    resp = fetcher.get(server.url("/p"))
    assert resp.status == 200 and b"hello" in resp.content and resp.content_type == "text/html"
    assert fetcher.requests == 3 and server.hits("/p", 503) == 2


def test_gives_up_with_reason_after_retries(server) -> None:
    server.routes["/p"] = (b"x", "text/plain")
    server.flaky["/p"] = 5
    with pytest.raises(IngestError, match=r"HTTP 503 \(after 2 attempts\)"):
        Fetcher(None, Options(retries=1, backoff=0.01)).get(server.url("/p"))


def test_unreachable_host() -> None:
    fetcher = Fetcher(None, Options(retries=1, backoff=0.01, timeout=2))
    with pytest.raises(IngestError, match="unreachable: ConnectError"):
        fetcher.get(f"http://127.0.0.1:{_free_port()}/feed.xml")
    assert fetcher.requests == 2


def test_client_errors_are_not_retried(server) -> None:
    fetcher = Fetcher(None, Options(retries=3, backoff=0.01))
    with pytest.raises(IngestError, match="HTTP 404"):
        fetcher.get(server.url("/nothing"))
    assert fetcher.requests == 1


def test_size_cap_on_declared_and_decoded_bodies(server) -> None:
    server.routes["/big"] = (b"a" * 50_000, "text/html")
    server.routes["/bomb"] = (b"\0" * 5_000_000, "text/html")
    server.gzip_paths.add("/bomb")  # ~5 KB on the wire, 5 MB decoded
    fetcher = Fetcher(None, Options(max_bytes=10_000, retries=0))
    with pytest.raises(IngestError, match="oversized: 50000 bytes"):
        fetcher.get(server.url("/big"))
    with pytest.raises(IngestError, match="after decoding"):
        fetcher.get(server.url("/bomb"))
    assert len(gzip.compress(b"\0" * 5_000_000)) < 10_000


def test_conditional_get_remembers_validators(server, engine) -> None:
    server.routes["/f"] = (b"<rss/>", "application/rss+xml")
    fetcher = Fetcher(engine, Options(retries=0))
    first = fetcher.get(server.url("/f"))
    assert first.status == 200 and first.etag
    assert fetcher.get(server.url("/f")).status == 200  # not remembered yet: full fetch again
    fetcher.remember(first)
    again = fetcher.get(server.url("/f"))
    assert again.not_modified and again.content == b""
    headers = server.log[-1][2]
    assert headers["If-None-Match"] == first.etag and headers["If-Modified-Since"] == first.last_modified


def test_only_http_urls() -> None:
    with pytest.raises(IngestError, match="not an http"):
        Fetcher(None, Options()).get("file:///etc/passwd")
