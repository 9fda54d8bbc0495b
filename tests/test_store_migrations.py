"""Migrations: a fresh upgrade yields exactly store/schema.py, on SQLite and on PostgreSQL."""

from __future__ import annotations

import warnings

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from khabar.store import db as store_db
from khabar.store.schema import metadata


@pytest.fixture
def empty_url(db_url: str, request: pytest.FixtureRequest) -> str:
    """An URL of a database with no tables at all (db_url's PostgreSQL copy is already migrated)."""
    if db_url.startswith("postgresql"):
        return request.getfixturevalue("pg_server").create_database(migrated=False)
    return db_url


def _fts_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001 - alembic hook
    """Full-text objects live outside schema.metadata on purpose (FTS5 tables, expression index)."""
    return not (name or "").startswith(("documents_fts", "ix_documents_fts"))


def _diff(engine) -> list:  # noqa: ANN001
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "skipped unsupported reflection of expression-based index"
        ctx = MigrationContext.configure(conn, opts={"include_object": _fts_object, "compare_type": True})
        return compare_metadata(ctx, metadata)


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")
def test_fresh_migrate_matches_schema(empty_url: str) -> None:
    url = store_db.resolve_url(empty_url)
    bare = create_engine(url)
    try:
        assert inspect(bare).get_table_names() == []
        store_db.migrate(bare)
        insp = inspect(bare)
        tables = set(insp.get_table_names()) - {"alembic_version"}
        tables = {t for t in tables if not t.startswith("documents_fts")}
        assert tables == set(metadata.tables)
        for name, table in metadata.tables.items():
            assert {c["name"] for c in insp.get_columns(name)} == {c.name for c in table.columns}, name
            want = {ix.name for ix in table.indexes}
            have = {ix["name"] for ix in insp.get_indexes(name)}
            if bare.dialect.name == "sqlite":  # SQLite reflection skips expression indexes (lower(...))
                with bare.connect() as conn:
                    have |= set(conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (name,)).scalars())
            assert want <= have, name
        assert _diff(bare) == []
        assert store_db.current_revision(bare) is not None
    finally:
        bare.dispose()


def test_downgrade_to_base_and_back(empty_url: str) -> None:
    url = store_db.resolve_url(empty_url)
    bare = create_engine(url)
    try:
        store_db.migrate(bare)
        cfg = store_db._alembic_config()
        with bare.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert set(inspect(bare).get_table_names()) <= {"alembic_version"}
        store_db.migrate(bare)
        assert _diff(bare) == []
    finally:
        bare.dispose()
