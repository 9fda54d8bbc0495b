"""Shared fixtures: a real store (SQLite file; PostgreSQL where the server binaries allow) per test.

PostgreSQL: one real server per test session, started from the installed initdb/pg_ctl on a temporary
directory and a free loopback port, stopped at session end. Each test gets its own database, copied from
a template that was migrated once (CREATE DATABASE ... TEMPLATE is a file copy: cheap enough to run every
store test on both backends).
"""

from __future__ import annotations

import glob
import importlib.util
import itertools
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from khabar.store import db as store_db

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).parent.parent / "src" / "khabar" / "samples"


def _pg_bindir() -> Path | None:
    """Directory holding initdb and pg_ctl: $PATH first, then Debian's versioned layout."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(cand) / "initdb").exists() and (Path(cand) / "pg_ctl").exists():
            return Path(cand)
    return None


PG_BINDIR = _pg_bindir()
PG_SKIP = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: install the postgresql package"
    if PG_BINDIR is None
    else "psycopg (PostgreSQL driver) not installed: pip install -e '.[postgres]'"
    if importlib.util.find_spec("psycopg") is None
    else None
)
_POSTGRES = pytest.param(
    "postgresql", marks=[pytest.mark.postgres, pytest.mark.skipif(PG_SKIP is not None, reason=PG_SKIP or "")]
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """A throwaway PostgreSQL cluster. PostgreSQL refuses to run as root, so under root the server
    runs as an unprivileged account (postgres if present, else nobody) that owns the temp dir."""

    SUPERUSER = "khabar"
    TEMPLATE = "khabar_template"

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.base = Path(tempfile.mkdtemp(prefix="khabar-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = _free_port()
        self.runas: str | None = None
        if os.geteuid() == 0:
            self.runas = next(u for u in ("postgres", "nobody") if _user_exists(u))
            pw = pwd.getpwnam(self.runas)
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        self._counter = itertools.count(1)
        self._template_ready = False

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.runas:
            cmd = ["runuser", "-u", self.runas, "--", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=self.base, check=False)
        if res.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stdout}\n{res.stderr}\n{log}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", self.SUPERUSER, "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        opts = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log), "-o", opts)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgresql://{self.SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, *, migrated: bool = True) -> str:
        """A new database; migrated=True copies the once-migrated template (fast)."""
        name = f"khabar_t{next(self._counter)}"
        if not migrated:
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE template0')
            return self.url(name)
        if not self._template_ready:
            self._admin(f'CREATE DATABASE "{self.TEMPLATE}" TEMPLATE template0')
            engine = store_db.open_store(self.url(self.TEMPLATE))
            engine.dispose()
            store_db._engines.pop(store_db.resolve_url(self.url(self.TEMPLATE)), None)
            self._template_ready = True
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.TEMPLATE}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        try:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception:  # noqa: BLE001 - the whole cluster is removed at session end anyway
            pass


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server, started on first use."""
    if PG_SKIP:
        pytest.skip(PG_SKIP)
    server = PgServer(PG_BINDIR)  # type: ignore[arg-type]
    t0 = time.monotonic()
    server.start()
    server.startup_seconds = time.monotonic() - t0  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        store_db.close_all()
        server.stop()


@pytest.fixture(params=["sqlite", _POSTGRES])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh store URL holding the current schema and no rows. Tests that use it run once per backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "khabar.db")
        store_db.close_all()
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        url = server.create_database()
        yield url
        store_db.close_all()
        server.drop_database(url)


@pytest.fixture
def engine(db_url: str):  # noqa: ANN201 - sqlalchemy Engine
    return store_db.open_store(db_url)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES


class Hook:
    """A real HTTP server on 127.0.0.1 that records POSTed JSON (webhook alerts) and answers `status`."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hook.status == 200:
                    hook.received.append(json.loads(body))
                self.send_response(hook.status)
                self.end_headers()

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    """A webhook receiver on loopback for alert delivery tests."""
    h = Hook()
    yield h
    h.close()
