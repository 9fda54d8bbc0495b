"""JSON Lines export: one canonical record (docs/record.md) per document, streamed.

The record comes from khabar.store.records.build_record, the same builder `khabar show` and the API use,
so an export is exactly what the store holds and `khabar import` can restore it.
"""

from __future__ import annotations

import json
from typing import TextIO

from sqlalchemy.engine import Connection

from khabar.export.select import Filters, iter_doc_ids
from khabar.store.records import build_record


def write_jsonl(conn: Connection, out: TextIO, f: Filters, *, with_text: bool = False) -> int:
    """Write the selected documents' records, one JSON object a line; returns how many."""
    n = 0
    for doc_id in iter_doc_ids(conn, f):
        rec = build_record(conn, doc_id, with_text=with_text)
        if rec is None:  # deleted while exporting
            continue
        out.write(json.dumps(rec, ensure_ascii=False, sort_keys=False) + "\n")
        n += 1
    return n
