"""Full-text search over documents: SQLite FTS5 or PostgreSQL tsvector + GIN, behind one function."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection


def create(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(
            text(
                "CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5("
                "doc_id UNINDEXED, title, text, tokenize='unicode61 remove_diacritics 2')"
            )
        )
    elif conn.dialect.name == "postgresql":
        conn.execute(
            text(
                "CREATE INDEX IF NOT EXISTS ix_documents_fts ON documents USING GIN "
                "(to_tsvector('simple', coalesce(title, '') || ' ' || text))"
            )
        )


def drop(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(text("DROP TABLE IF EXISTS documents_fts"))
    elif conn.dialect.name == "postgresql":
        conn.execute(text("DROP INDEX IF EXISTS ix_documents_fts"))


def index_document(conn: Connection, doc_id: str, title: str | None, body: str) -> None:
    """Add one document to the index, in the caller's transaction (PostgreSQL indexes by itself)."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("DELETE FROM documents_fts WHERE doc_id = :id"), {"id": doc_id})
        conn.execute(
            text("INSERT INTO documents_fts (doc_id, title, text) VALUES (:id, :title, :text)"),
            {"id": doc_id, "title": title or "", "text": body},
        )


def index_documents(conn: Connection, rows: list[tuple[str, str | None, str]]) -> None:
    """Bulk form of index_document for (doc_id, title, text) rows of new documents."""
    if conn.dialect.name == "sqlite" and rows:
        conn.execute(
            text("INSERT INTO documents_fts (doc_id, title, text) VALUES (:id, :title, :text)"),
            [{"id": i, "title": t or "", "text": b} for i, t, b in rows],
        )


def unindex_document(conn: Connection, doc_id: str) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(text("DELETE FROM documents_fts WHERE doc_id = :id"), {"id": doc_id})


_WORD = re.compile(r"\w+", re.UNICODE)


def fts5_query(query: str) -> str:
    """User words to a safe FTS5 expression: each word quoted, all required; "a b" phrases kept.

    Users type plain words (and sometimes quotes); FTS5 syntax errors on stray punctuation
    must not reach them, nor may operators be injected.
    """
    parts: list[str] = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', query):
        words = _WORD.findall(phrase or word)
        if words:
            parts.append('"' + " ".join(words) + '"')
    return " AND ".join(parts)


def matching_ids_sql(conn: Connection) -> str:
    """SQL fragment selecting document ids matching :q (bound with search_param())."""
    if conn.dialect.name == "sqlite":
        return "SELECT doc_id FROM documents_fts WHERE documents_fts MATCH :q"
    return (
        "SELECT id FROM documents WHERE to_tsvector('simple', coalesce(title, '') || ' ' || text) "
        "@@ websearch_to_tsquery('simple', :q)"
    )


def search_param(conn: Connection, query: str) -> str:
    return fts5_query(query) if conn.dialect.name == "sqlite" else query
