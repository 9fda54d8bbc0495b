"""Bounded gzip: multi-member streams, truncation and bombs stop with a reason, never fill memory."""

from __future__ import annotations

import gzip
import io

import pytest

from khabar.ingest.gz import BoundedGunzip, gunzip_bytes
from khabar.ingest.normalize import IngestError


def test_multi_member_stream() -> None:
    data = gzip.compress(b"first record\n") + gzip.compress(b"second record\n")
    assert gunzip_bytes(data, 1000) == b"first record\nsecond record\n"


def test_bomb_stops_at_the_cap_after_reading_little() -> None:
    bomb = gzip.compress(b"\0" * 30_000_000)  # ~30 KB -> 30 MB
    raw = io.BytesIO(bomb)
    reader = BoundedGunzip(raw, 1_000_000)
    stream = io.BufferedReader(reader)
    while stream.read(65536):
        pass
    assert "gzip bomb" in str(reader.error)
    assert reader.total_out <= 1_000_000 + 65536  # never more than the cap and one chunk


def test_truncated_and_corrupt() -> None:
    data = gzip.compress(b"some text " * 1000)
    with pytest.raises(IngestError, match="truncated"):
        gunzip_bytes(data[: len(data) // 2], 10**6)
    with pytest.raises(IngestError, match="corrupt"):
        gunzip_bytes(data[:10] + b"\xff" * 50, 10**6)
