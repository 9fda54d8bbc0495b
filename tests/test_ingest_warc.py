"""WARC and WARC.gz crawls: HTML responses become documents; bombs, truncation and junk are bounded errors."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

from khabar.ingest.items import Options
from khabar.ingest.warc import read_warc_file


def _record(uri: str, body: bytes, status: str = "200 OK", ctype: str = "text/html") -> bytes:
    payload = f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n\r\n".encode() + body
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2023-03-01T00:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{abs(hash(uri)) % 10**12:012d}>\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(payload)}\r\n\r\n")
    return head.encode() + payload + b"\r\n\r\n"


PAGE = (b"<html><head><title>Checkpoint opens</title></head><body><article><p>The new checkpoint on the northern "
        b"road opened on Monday, the ministry said, and will operate around the clock for trucks and buses."
        b"</p></article></body></html>")


def test_sample_warc_gz(samples_dir: Path) -> None:
    items = list(read_warc_file(samples_dir / "crawl-sample.warc.gz", Options()))
    docs = [i.doc for i in items if i.doc]
    assert [d.source for d in docs] == ["Frontier Herald", "Pamir Observer"]
    assert docs[0].url.endswith("herat-mosque-attack") and docs[0].published == "2023-03-05"
    assert "warc_date" in docs[0].meta and "Amaq" in docs[0].text
    skipped = [i.skipped for i in items if i.skipped]
    assert any("not HTML" in s for s in skipped) and any("404" in s for s in skipped)
    assert not [i for i in items if i.error]


def test_uncompressed_warc_same_documents(fixtures_dir: Path, samples_dir: Path) -> None:
    plain = [i.doc.id for i in read_warc_file(fixtures_dir / "ingest" / "crawl.warc", Options()) if i.doc]
    packed = [i.doc.id for i in read_warc_file(samples_dir / "crawl-sample.warc.gz", Options()) if i.doc]
    assert plain == packed and len(plain) == 2


def test_gzip_bomb_is_bounded(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.warc.gz"
    bomb.write_bytes(gzip.compress(_record("http://a.example/ok", PAGE)) +
                     gzip.compress(_record("http://a.example/bomb", b"<html>" + b"\0" * 40_000_000)))
    assert bomb.stat().st_size < 100_000
    start = time.perf_counter()
    items = list(read_warc_file(bomb, Options(max_bytes=1_000_000)))
    assert time.perf_counter() - start < 5
    assert items[0].doc is not None  # the record before the bomb is kept
    errors = [i.error for i in items if i.error]
    assert errors and any("cap" in e or "oversized" in e for e in errors)


def test_truncated_warc_keeps_earlier_records(tmp_path: Path) -> None:
    data = gzip.compress(_record("http://a.example/1", PAGE)) + gzip.compress(_record("http://a.example/2", PAGE * 3))
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) - 40])
    items = list(read_warc_file(cut, Options()))
    assert items[0].doc is not None
    assert any("truncated" in (i.error or "") or "unreadable" in (i.error or "") for i in items[1:])


def test_not_a_warc_and_empty(tmp_path: Path) -> None:
    junk = tmp_path / "junk.warc"
    junk.write_bytes(b"hello, this is not a crawl file at all\n")
    [item] = list(read_warc_file(junk, Options()))
    assert "not a WARC" in item.error
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    assert [i.error for i in read_warc_file(empty, Options())] == ["empty"]


def test_oversized_record_skipped_next_kept(tmp_path: Path) -> None:
    path = tmp_path / "big.warc"
    path.write_bytes(_record("http://a.example/big", b"<html><p>" + b"word " * 50_000 + b"</p></html>") +
                     _record("http://a.example/ok", PAGE))
    items = list(read_warc_file(path, Options(max_bytes=100_000)))
    assert "oversized record" in items[0].error and items[1].doc is not None
