"""Shared fixtures: a real store (SQLite file; PostgreSQL where the server binaries allow) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from khabar.store import db as store_db

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).parent.parent / "src" / "khabar" / "samples"


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store URL. Tests that use it run once per backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "khabar.db")
    store_db.close_all()


@pytest.fixture
def engine(db_url: str):  # noqa: ANN201 - sqlalchemy Engine
    return store_db.open_store(db_url)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES
