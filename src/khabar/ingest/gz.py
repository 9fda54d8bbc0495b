"""Bounded gzip decompression: a small file may not turn into gigabytes (gzip bombs).

The reader inflates multi-member gzip (as in WARC.gz, one member per record) chunk by chunk and stops
with IngestError once the output passes a cap, before that output is ever held in memory.
"""

from __future__ import annotations

import io
import zlib
from typing import BinaryIO

from khabar.ingest.normalize import IngestError

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024


class BoundedGunzip(io.RawIOBase):
    """A readable stream of the decompressed bytes of raw, raising IngestError past limit bytes."""

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        self.raw = raw
        self.limit = limit
        self.total_in = 0
        self.total_out = 0
        self._z = zlib.decompressobj(wbits=31)
        self._pending = b""  # compressed input not yet inflated
        self._in_member = False

    def readable(self) -> bool:
        return True

    def _inflate(self, size: int) -> bytes:
        while True:
            if self._z.eof:  # next member of a multi-member file
                rest = self._z.unused_data + self._pending
                self._z = zlib.decompressobj(wbits=31)
                self._pending = rest
                self._in_member = False
            if not self._pending:
                chunk = self.raw.read(_CHUNK)
                if not chunk:
                    if self._in_member:
                        raise IngestError("truncated gzip stream")
                    return b""
                self.total_in += len(chunk)
                self._pending = chunk
            self._in_member = True
            try:
                out = self._z.decompress(self._pending, min(size, _CHUNK))
            except zlib.error as exc:
                raise IngestError(f"corrupt gzip data: {exc}") from exc
            self._pending = self._z.unconsumed_tail
            if out:
                self.total_out += len(out)
                if self.total_out > self.limit:
                    raise IngestError(
                        f"decompresses past the cap of {self.limit} bytes (gzip bomb?); stopped after "
                        f"{self.total_in} compressed bytes"
                    )
                return out

    def readinto(self, buffer) -> int:  # noqa: ANN001 - writable buffer
        out = self._inflate(len(buffer))
        buffer[: len(out)] = out
        return len(out)


def open_bounded(raw: BinaryIO, limit: int) -> io.BufferedReader:
    return io.BufferedReader(BoundedGunzip(raw, limit), buffer_size=_CHUNK)


def gunzip_bytes(data: bytes, limit: int) -> bytes:
    """All of a small gzip file, or IngestError when it would pass limit."""
    stream = open_bounded(io.BytesIO(data), limit)
    out = stream.read(limit + 1)
    if len(out) > limit:
        raise IngestError(f"decompresses past the cap of {limit} bytes (gzip bomb?)")
    return out
