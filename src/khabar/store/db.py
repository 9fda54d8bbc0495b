"""Opening the store: a SQLite file by default, PostgreSQL by URL, always migrated to the latest schema."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Table, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.dml import Insert

DEFAULT_DB = "khabar.db"
MIGRATIONS = "khabar.store:migrations"


def resolve_url(db: str | None = None) -> str:
    """--db value, else $KHABAR_DB, else ./khabar.db; a bare path means a SQLite file."""
    db = db or os.environ.get("KHABAR_DB") or DEFAULT_DB
    if "://" in db:
        if db.startswith("postgresql://") or db.startswith("postgres://"):
            return "postgresql+psycopg://" + db.split("://", 1)[1]
        return db
    return "sqlite:///" + str(Path(db).expanduser())


def insert_ignore(conn: Connection, table: Table) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING in the connection's dialect.

    Concurrent ingesters (several processes on one PostgreSQL or SQLite store) may race to add the same
    document, source or actor; the unique constraints decide and the loser's row is silently skipped
    instead of aborting its whole transaction. Add .returning(<key column>) to learn whether the row went
    in (rowcount is -1 on psycopg 3).
    """
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"store: unsupported database dialect {conn.dialect.name!r}")


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers (the web app) never block the ingester
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there)."""
    cfg = _alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


_engines: dict[str, Engine] = {}


def open_store(db: str | None = None, *, migrate_schema: bool = True) -> Engine:
    """An engine for the store named by db, created and migrated on first use in this process."""
    url = resolve_url(db)
    engine = _engines.get(url)
    if engine is None:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        if migrate_schema:
            migrate(engine)
        _engines[url] = engine
    return engine


def close_all() -> None:
    """Dispose every engine this process opened (tests, forked workers)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
