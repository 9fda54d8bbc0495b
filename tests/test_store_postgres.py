"""Team use of one store: concurrent ingesters, whole-document visibility, PostgreSQL's own full-text search.

The concurrency tests run on both backends (db_url); the tsvector/GIN ones need the real PostgreSQL server.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from khabar.model import Document
from khabar.store import db as store_db
from khabar.store.documents import count_documents, insert_document, list_documents
from khabar.store.schema import doc_bands, document_sources, documents

N_DOCS = 40
N_WRITERS = 4


def _doc(i: int, source: str) -> Document:
    return Document(id=f"d{i:05d}", text=f"Border guards reported clashes near checkpoint {i}.",
                    title=f"Clash {i}", source=source, url=f"https://{source}.example/{i}", language="en")


def _race(fn, n: int) -> list[BaseException]:  # noqa: ANN001
    """Run fn(k) in n threads released together; return what they raised."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(k: int) -> None:
        barrier.wait()
        try:
            fn(k)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_resolve_url_uses_psycopg3() -> None:
    assert store_db.resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert store_db.resolve_url("postgres://u@h:5433/db") == "postgresql+psycopg://u@h:5433/db"


def test_concurrent_ingesters_store_each_document_once(engine) -> None:
    """Four ingesters feed the same documents at once (each from its own outlet): no error, no duplicate,
    every outlet kept as a source."""

    def ingest(k: int) -> None:
        for i in range(N_DOCS):
            with engine.begin() as conn:
                insert_document(conn, _doc(i, f"outlet{k}"), bands=[(0, f"h{i}"), (1, f"g{i}")])

    assert _race(ingest, N_WRITERS) == []
    with engine.connect() as conn:
        assert count_documents(conn) == N_DOCS
        assert conn.execute(select(func.count()).select_from(document_sources)).scalar_one() == N_DOCS * N_WRITERS
        assert conn.execute(select(func.count()).select_from(doc_bands)).scalar_one() == N_DOCS * 2
        assert len(list_documents(conn, search="checkpoint 7", limit=100)) >= 1


def test_reingest_reports_existing_document(engine) -> None:
    with engine.begin() as conn:
        assert insert_document(conn, _doc(1, "a")) is True
    with engine.begin() as conn:
        assert insert_document(conn, _doc(1, "b")) is False
        assert insert_document(conn, _doc(1, "b")) is False
    with engine.connect() as conn:
        assert count_documents(conn) == 1
        assert conn.execute(select(func.count()).select_from(document_sources)).scalar_one() == 2


def test_readers_see_only_whole_documents(engine) -> None:
    """While a writer commits documents one transaction each, a reader never sees a document whose
    provenance row is missing."""
    stop = threading.Event()
    partial: list[int] = []
    seen: list[int] = []
    q = select(func.count()).select_from(
        documents.outerjoin(document_sources, document_sources.c.doc_id == documents.c.id)
    ).where(document_sources.c.id.is_(None))

    def read() -> None:
        while not stop.is_set():
            with engine.connect() as conn:
                partial.append(conn.execute(q).scalar_one())
                seen.append(count_documents(conn))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(N_DOCS):
            with engine.begin() as conn:
                conn.execute(documents.insert().values(id=f"x{i}", text="t", length=1, ingested_at="2026"))
                conn.execute(text("SELECT 1"))  # the reader may run here: the row is not yet visible
                conn.execute(document_sources.insert().values(doc_id=f"x{i}", seen_at="2026", origin_key="k"))
    finally:
        stop.set()
        reader.join()
    assert seen and max(seen) <= N_DOCS
    assert set(partial) == {0}


@pytest.fixture
def pg_engine(pg_server):  # noqa: ANN001, ANN201 - conftest.PgServer -> Engine
    url = pg_server.create_database()
    yield store_db.open_store(url)
    store_db.close_all()
    pg_server.drop_database(url)


@pytest.mark.postgres
def test_postgres_fulltext_uses_gin_tsvector(pg_engine) -> None:  # noqa: ANN001
    with pg_engine.begin() as conn:
        for i in range(200):
            insert_document(conn, Document(id=f"n{i:04d}", text=f"Routine market report number {i}.",
                                           title="Markets", source="s"))
        insert_document(conn, Document(id="hit", text="Militants attacked a convoy near Khorog.",
                                       title="Convoy attack", source="s"))
        kind = conn.execute(text(
            "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.relname = 'ix_documents_fts'"
        )).scalar_one()
        assert kind == "gin"
        conn.execute(text("ANALYZE documents"))
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        from khabar.store import fulltext

        plan = "\n".join(r[0] for r in conn.execute(
            text("EXPLAIN " + fulltext.matching_ids_sql(conn)), {"q": "convoy Khorog"}))
        assert "ix_documents_fts" in plan
        # websearch syntax is the user's: quotes make phrases, stray operators are not errors
        assert [d["id"] for d in list_documents(conn, search='"convoy near khorog"')] == ["hit"]
        assert [d["id"] for d in list_documents(conn, search="convoy -market")] == ["hit"]
        assert list_documents(conn, search="& | ! ( :*") == []


def test_bulk_insert_documents(engine) -> None:
    """insert_documents: many documents per statement; existing ones only gain a source; searchable."""
    from khabar.store.documents import insert_documents

    with engine.begin() as conn:
        insert_document(conn, _doc(3, "early"))
    docs = [_doc(i, "bulk") for i in range(300)] + [_doc(5, "bulk")]
    with engine.begin() as conn:
        new = insert_documents(conn, docs)
    assert len(new) == 299 and "d00003" not in new and new[:3] == ["d00000", "d00001", "d00002"]
    with engine.begin() as conn:
        assert insert_documents(conn, docs[:10]) == []
        assert count_documents(conn) == 300
        assert conn.execute(select(func.count()).select_from(document_sources)).scalar_one() == 301
        assert [d["id"] for d in list_documents(conn, search="checkpoint 299")] == ["d00299"]
