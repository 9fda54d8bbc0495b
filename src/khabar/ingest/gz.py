"""Bounded gzip decompression: a small file may not turn into gigabytes (gzip bombs).

The reader inflates multi-member gzip (as in WARC.gz, one member per record) chunk by chunk and stops
once the output passes a cap, before that output is ever held in memory; truncated or corrupt input
ends the stream the same way. The reason is kept in .error for the caller to report.
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
        self.error: IngestError | None = None

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
        """Bytes so far, then end-of-stream on any failure, kept in .error: a reader above us (warcio)
        first finishes the records it already has, and the caller reports the failure afterwards."""
        if self.error is not None:
            return 0
        try:
            out = self._inflate(len(buffer))
        except IngestError as exc:
            self.error = exc
            return 0
        buffer[: len(out)] = out
        return len(out)


def open_bounded(raw: BinaryIO, limit: int) -> tuple[io.BufferedReader, BoundedGunzip]:
    """A buffered decompressed stream, and its raw reader whose .error says why it ended early."""
    reader = BoundedGunzip(raw, limit)
    return io.BufferedReader(reader, buffer_size=_CHUNK), reader


def gunzip_bytes(data: bytes, limit: int) -> bytes:
    """All of a small gzip file, or IngestError when it is truncated, corrupt or would pass limit."""
    stream, reader = open_bounded(io.BytesIO(data), limit)
    out = stream.read(limit + 1)
    if reader.error is not None:
        raise reader.error
    if len(out) > limit:
        raise IngestError(f"decompresses past the cap of {limit} bytes (gzip bomb?)")
    return out
