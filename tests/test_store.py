"""The store: migrations, document writes, full-text search, extraction round trip."""

from __future__ import annotations

from sqlalchemy import inspect

from khabar.model import DateValue, Document, Event, Extraction, Location, Ref, Span
from khabar.store import db as store_db
from khabar.store.documents import get_document, insert_document, list_documents
from khabar.store.records import build_record, save_extraction


def _doc(i: int = 1, **kw) -> Document:
    base = dict(id=f"doc{i:04d}", text=f"Taliban forces raided a hideout in Kabul. Item {i}.",
                title=f"Raid {i}", source="Example News", published=f"2023-02-{10 + i:02d}", language="en")
    base.update(kw)
    return Document(**base)


def test_migrate_creates_tables_and_is_idempotent(engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert {"documents", "events", "claims", "actors", "places", "mentions"} <= names
    head = store_db.current_revision(engine)
    store_db.migrate(engine)
    from alembic.script import ScriptDirectory

    newest = ScriptDirectory.from_config(store_db._alembic_config()).get_current_head()
    assert store_db.current_revision(engine) == head == newest is not None


def test_document_roundtrip_and_fulltext(engine) -> None:
    with engine.begin() as conn:
        insert_document(conn, _doc(1))
        insert_document(conn, _doc(2, text="CSTO says 4,000 fighters gathered near the Tajik border."))
    with engine.connect() as conn:
        assert get_document(conn, "doc0001").title == "Raid 1"
        assert get_document(conn, "doc0") is None  # a prefix shared by two documents names neither
        hits = list_documents(conn, search="tajik border")
        assert [h["id"] for h in hits] == ["doc0002"]
        assert list_documents(conn, search='"AND OR" NEAR(') == []  # operators are words, not syntax
        assert [h["id"] for h in list_documents(conn, since="2023-02-12")] == ["doc0002"]


def test_extraction_replaces_previous(engine) -> None:
    doc = _doc(1)
    ev = Event(id="e1", type="ASSAULT", evidence=Span(doc.text[:41], 0, 41), actor=Ref("taliban", "Taliban"),
               location=Location(name="Kabul", country="AF", lat=34.5, lon=69.2, precision="city"),
               date=DateValue("2023-02-15", "2023-02-15", "day"))
    with engine.begin() as conn:
        insert_document(conn, doc)
        save_extraction(conn, Extraction(doc_id=doc.id, events=[ev]))
        save_extraction(conn, Extraction(doc_id=doc.id, events=[ev]))
    with engine.connect() as conn:
        rec = build_record(conn, doc.id)
    assert len(rec["events"]) == 1
    e = rec["events"][0]
    assert e["actor"] == {"id": "taliban", "name": "Taliban"}
    assert e["location"]["country"] == "AF" and e["date"]["start"] == "2023-02-15"
    assert doc.text[e["evidence"]["start"]:e["evidence"]["end"]] == e["evidence"]["text"]
