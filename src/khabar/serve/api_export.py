"""/api/export: the `khabar export` formats over HTTP, with the same filters and the same writers.

The exporters write to a text stream. Here they write into a spooled temporary file (memory up to
SPOOL bytes, then disk) and the response streams that file in chunks: memory stays flat for large
exports, the store connection is released before the first byte is sent, and a filter the query
layer rejects is still a clean 400 rather than a response cut off half way. Parquet (one file per
table) is left to the command line.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from khabar.export.select import Filters
from khabar.serve.deps import DATE, Conn

router = APIRouter(prefix="/api", tags=["export"])

SPOOL = 8 * 1024 * 1024
CHUNK = 64 * 1024
Format = Literal["jsonl", "acled-csv", "geojson", "stix", "plover"]
# format -> (media type, file name)
MEDIA: dict[str, tuple[str, str]] = {
    "jsonl": ("application/x-ndjson; charset=utf-8", "khabar-records.jsonl"),
    "acled-csv": ("text/csv; charset=utf-8", "khabar-acled.csv"),
    "geojson": ("application/geo+json", "khabar-events.geojson"),
    "stix": ("application/stix+json;version=2.1", "khabar-stix-bundle.json"),
    "plover": ("application/x-ndjson; charset=utf-8", "khabar-plover.jsonl"),
}
COUNT_HEADER = "X-Khabar-Count"


def write_format(fmt: str, conn: Any, out: IO[str], f: Filters, *, tlp: str | None, with_text: bool) -> int:
    """Run the exporter for fmt into out; returns how many records (documents or events) it wrote."""
    if fmt == "jsonl":
        from khabar.export.jsonl import write_jsonl

        return write_jsonl(conn, out, f, with_text=with_text)
    if fmt == "acled-csv":
        from khabar.export.acled import write_acled_csv

        return write_acled_csv(conn, out, f)[0]
    if fmt == "geojson":
        from khabar.export.geojson import write_geojson

        return write_geojson(conn, out, f)[0]
    if fmt == "stix":
        from khabar.export.stix import write_stix

        return sum(write_stix(conn, out, f, tlp=tlp, with_text=with_text).values())
    if fmt == "plover":
        from khabar.export.plover import write_plover

        return write_plover(conn, out, f, with_text=with_text)
    raise ValueError(f"format {fmt}: expected one of {', '.join(MEDIA)}")


def _chunks(spool: IO[str]) -> Iterator[bytes]:
    try:
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk.encode("utf-8")
    finally:
        spool.close()


@router.get(
    "/export",
    summary="Export the filtered selection as JSONL records, ACLED CSV, GeoJSON, a STIX 2.1 bundle or PLOVER JSON",
    description="The formats of `khabar export`, written by the same exporters with the same filters "
    "(docs/export.md). Parquet writes one file per table and is only available from the command line "
    "(`khabar export --format parquet -o DIR`). The response is a download (Content-Disposition); "
    f"the `{COUNT_HEADER}` header gives the number of records (STIX: objects) written.",
    response_class=StreamingResponse,
    responses={200: {"content": {m: {} for m, _ in MEDIA.values()}}},
)
def export(
    conn: Conn,
    format: Format,  # noqa: A002 - the query parameter's name
    actor: Annotated[str | None, Query(max_length=200, description="actor id, name or alias")] = None,
    type: Annotated[str | None, Query(max_length=200, description="PLOVER type(s), comma-separated")] = None,  # noqa: A002
    country: Annotated[str | None, Query(max_length=200, description="ISO 3166-1 alpha-2 code(s)")] = None,
    since: Annotated[str | None, Query(pattern=DATE, description="YYYY[-MM[-DD]]")] = None,
    until: Annotated[str | None, Query(pattern=DATE, description="YYYY[-MM[-DD]]")] = None,
    doc: Annotated[str | None, Query(max_length=64, description="document id or prefix")] = None,
    tlp: Annotated[Literal["clear", "green", "amber", "red"] | None,
                   Query(description="STIX: mark every object with this TLP level")] = None,
    with_text: Annotated[bool, Query(description="include document full text (jsonl, stix, plover)")] = False,
) -> StreamingResponse:
    f = Filters(actor=actor or None, type=type or None, country=country or None, since=since or None,
                until=until or None, doc=(doc,) if doc else ())
    spool: IO[str] = tempfile.SpooledTemporaryFile(SPOOL, mode="w+", encoding="utf-8", newline="")  # noqa: SIM115
    try:
        n = write_format(format, conn, spool, f, tlp=tlp, with_text=with_text)
    except BaseException:
        spool.close()
        raise
    media, name = MEDIA[format]
    return StreamingResponse(_chunks(spool), media_type=media,
                             headers={"Content-Disposition": f'attachment; filename="{name}"', COUNT_HEADER: str(n)})
