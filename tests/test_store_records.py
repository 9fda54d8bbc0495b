"""save_extractions: a batch of documents written with a fixed number of statements, same rows as one by one."""

from __future__ import annotations

import json

from sqlalchemy import event, select

import records_world as world
from khabar.store.documents import insert_document
from khabar.store.records import build_record, save_extraction, save_extractions
from khabar.store.schema import actors, documents

MAKERS = (world.extraction_a, world.extraction_b, world.extraction_c)


def _records(engine) -> list[str]:  # noqa: ANN001 - sqlalchemy Engine
    with engine.connect() as conn:
        out = []
        for doc in world.DOCUMENTS:
            rec = build_record(conn, doc.id)
            rec.pop("extracted_at", None)
            out.append(json.dumps(rec, sort_keys=True, default=str))
        return out


def _count_statements(engine) -> list[str]:  # noqa: ANN001 - sqlalchemy Engine
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_batch_equals_one_by_one(db_url: str, tmp_path) -> None:  # noqa: ANN001
    from khabar.store.db import open_store

    one = open_store(db_url)
    world.fill(one)
    batch = open_store(str(tmp_path / "batch.db"))
    with batch.begin() as conn:
        for doc in world.DOCUMENTS:
            insert_document(conn, doc)
    with batch.begin() as conn:
        save_extractions(conn, [make() for make in MAKERS], "test-1")
    assert _records(batch) == _records(one)


def test_batch_costs_a_fixed_number_of_statements(engine) -> None:  # noqa: ANN001
    with engine.begin() as conn:
        for doc in world.DOCUMENTS:
            insert_document(conn, doc)
    seen = _count_statements(engine)
    with engine.begin() as conn:
        save_extraction(conn, world.extraction_a(), "v1")
    single = len(seen)
    seen.clear()
    with engine.begin() as conn:
        save_extractions(conn, [make() for make in MAKERS], "v1")
    assert len(seen) <= single + 2  # three documents, not three times the statements
    assert len(seen) < 3 * single


def test_resave_replaces_and_keeps_kb_actor_names(engine) -> None:  # noqa: ANN001
    with engine.begin() as conn:
        for doc in world.DOCUMENTS:
            insert_document(conn, doc)
        save_extractions(conn, [make() for make in MAKERS], "v1")
        before = conn.execute(select(actors.c.id)).scalars().all()
    with engine.begin() as conn:
        save_extractions(conn, [world.extraction_a(), world.extraction_a()], "v2")
    with engine.connect() as conn:
        assert sorted(conn.execute(select(actors.c.id)).scalars().all()) == sorted(before)
        versions = dict(conn.execute(select(documents.c.id, documents.c.extract_version)).all())
        n_events = len(build_record(conn, world.DOC_A)["events"])
    assert versions[world.DOC_A] == "v2" and versions[world.DOC_B] == "v1"
    assert n_events == len(world.extraction_a().events)  # replaced, not appended
