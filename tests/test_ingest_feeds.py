"""RSS/Atom feeds from files and from a real HTTP server on 127.0.0.1: entries, hostile XML, polling."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from khabar.ingest.feeds import read_feed_file
from khabar.ingest.items import Options
from khabar.ingest.runner import Runner
from khabar.store.schema import documents, fetch_cache

FIX = Path(__file__).parent / "fixtures" / "ingest"


def _server_module():
    spec = importlib.util.spec_from_file_location("ingest_fixture_server", FIX / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def server():
    srv = _server_module().FeedServer().start()
    yield srv
    srv.stop()


def test_rss_entries_become_documents(samples_dir: Path) -> None:
    items = list(read_feed_file(samples_dir / "steppe-wire-security.rss", Options()))
    assert [i.error for i in items] == [None, None, None]
    first = items[0].doc
    assert first.title == "Uzbek security service detains 12 suspected ISKP recruiters"
    assert first.source == "Steppe Wire - Security" and first.published == "2023-02-27T07:15:00"
    assert first.url.endswith("/uzbek-detentions") and first.language == "en"
    assert first.meta["tags"] == ["Uzbekistan"] and "<p>" not in first.text
    assert "TASHKENT" in first.text and "four recruits" in first.text


def test_atom_content_and_summary(fixtures_dir: Path) -> None:
    a, b = (i.doc for i in read_feed_file(fixtures_dir / "ingest" / "feeds" / "atom.xml", Options()))
    assert a.source == "Sughd Courier" and a.published == "2023-03-10T09:00:00"
    assert "300 trucks" in a.text and "&lt;" not in a.text
    assert b.published == "2023-03-10T11:00:00"  # no <published>: <updated>
    assert "two canals" in b.text


def test_entity_bomb_is_refused_without_expanding(fixtures_dir: Path, monkeypatch) -> None:
    import feedparser

    def never(*_a, **_k):  # the bytes must not even reach feedparser
        raise AssertionError("feedparser saw a hostile feed")

    monkeypatch.setattr(feedparser, "parse", never)
    start = time.perf_counter()
    [item] = list(read_feed_file(fixtures_dir / "ingest" / "bad" / "billion-laughs.xml", Options()))
    assert time.perf_counter() - start < 1.0
    assert item.doc is None and "hostile XML refused: entity declaration 'lol'" in item.error
    [xxe] = list(read_feed_file(fixtures_dir / "ingest" / "bad" / "xxe.xml", Options()))
    assert "hostile XML refused" in xxe.error and "root:" not in xxe.error


def test_truncated_feed_keeps_complete_entries_and_reports(fixtures_dir: Path) -> None:
    items = list(read_feed_file(fixtures_dir / "ingest" / "bad" / "truncated-feed.xml", Options()))
    docs = [i.doc for i in items if i.doc]
    assert [d.title for d in docs] == ["Complete entry survives truncation"]
    assert any("malformed feed" in (i.error or "") and "recovered" in i.error for i in items)


@pytest.mark.parametrize("name, reason", [("no-entries.xml", "no entries"), ("not-a-feed.xml", "binary")])
def test_unusable_feeds(fixtures_dir: Path, name: str, reason: str) -> None:
    [item] = list(read_feed_file(fixtures_dir / "ingest" / "bad" / name, Options()))
    assert reason in item.error


def _rss(base: str, slugs: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Story {s}</title><link>{base}/news/{s}.html</link>"
        f"<pubDate>Mon, 0{i + 1} May 2023 08:00:00 GMT</pubDate><description>Short summary {s}.</description></item>"
        for i, s in enumerate(slugs)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback Wire</title>{items}'
            "</channel></rss>").encode()


def _page(slug: str) -> bytes:
    body = (f"Officials in the district of {slug.title()} said on Monday that repairs to the bridge over the river "
            "would be finished before the spring floods, and that traffic would resume within a week. "
            f"Residents of {slug.title()} said they had waited for months.")
    return (f"<html><head><title>{slug} bridge</title><meta property='og:site_name' content='Loopback Herald'>"
            f"</head><body><article><h1>Bridge works in {slug}</h1><p>{body}</p></article></body></html>").encode()


def test_feed_polling_with_etag_fetches_only_what_changed(server, engine) -> None:
    for slug in ("alpha", "bravo", "charlie"):
        server.routes[f"/news/{slug}.html"] = (_page(slug), "text/html; charset=utf-8")
    server.routes["/feed.xml"] = (_rss(server.base, ["alpha", "bravo"]), "application/rss+xml")
    opts = Options(follow=True, retries=0, timeout=5)

    def poll():
        return Runner(engine, opts, progress=False).run([server.url("/feed.xml")])

    first = poll()
    assert (first.new, first.failed) == (2, 0)
    assert server.hits("/news/alpha.html", 200) == 1 and server.hits("/feed.xml", 200) == 1
    ua = server.log[0][2]["User-Agent"]
    assert ua.startswith("khabar/")
    with engine.connect() as conn:
        assert conn.execute(select(fetch_cache.c.etag).where(fetch_cache.c.url == server.url("/feed.xml"))).scalar()
        rows = conn.execute(select(documents.c.source, documents.c.title, documents.c.url)).all()
    assert {r.source for r in rows} == {"Loopback Herald"} and all("/news/" in r.url for r in rows)

    second = poll()  # nothing changed: one 304, no page fetched
    assert (second.new, second.duplicate, second.failed, second.skipped) == (0, 0, 0, 1)
    assert server.hits("/feed.xml", 304) == 1 and server.hits("/news/alpha.html") == 1
    assert server.log[-1][2]["If-None-Match"]

    server.routes["/feed.xml"] = (_rss(server.base, ["alpha", "bravo", "charlie"]), "application/rss+xml")
    third = poll()  # the feed changed: only the new entry's page is downloaded again
    assert (third.new, third.failed, third.skipped) == (1, 0, 2)
    assert server.hits("/news/alpha.html", 304) == 1 and server.hits("/news/charlie.html", 200) == 1


def test_unreachable_linked_page_is_one_failure(server, engine) -> None:
    server.routes["/feed.xml"] = (_rss(server.base, ["alpha", "missing"]), "application/rss+xml")
    server.routes["/news/alpha.html"] = (_page("alpha"), "text/html")
    counts = Runner(engine, Options(follow=True, retries=0), progress=False).run([server.url("/feed.xml")])
    assert (counts.new, counts.failed) == (1, 1)
    with engine.connect() as conn:  # a failed entry: the feed's validators are not remembered
        assert conn.execute(select(fetch_cache.c.url).where(fetch_cache.c.url == server.url("/feed.xml"))).first() \
            is None


def test_page_url_and_unchanged_repoll(server, engine) -> None:
    server.routes["/news/delta.html"] = (_page("delta"), "text/html; charset=utf-8")
    url = server.url("/news/delta.html")
    first = Runner(engine, Options(retries=0), progress=False).run([url])
    assert first.new == 1
    with engine.connect() as conn:
        row = conn.execute(select(documents.c.url, documents.c.source)).one()
    assert row.url == url and row.source == "Loopback Herald"
    again = Runner(engine, Options(retries=0), progress=False).run([url])
    assert (again.new, again.skipped) == (0, 1) and server.hits("/news/delta.html", 304) == 1


def test_malformed_feed_with_entities_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "sneaky.xml"
    path.write_bytes(b'junk<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
                     b"<rss><channel><title>x</title><item><title>t</title><description>&b;</description>")
    [item] = list(read_feed_file(path, Options()))
    assert "hostile XML refused" in item.error
