"""Parquet export read back with pyarrow (and pandas), table by table, field by field."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from export_world import DOC_D, DOC_E, DOC_K, fill, text
from khabar.cli.base import cli
from khabar.cli.main import load_commands
from khabar.export.parquet import ACTORS, CLAIMS, DOCUMENTS, EVENTS, write_parquet
from khabar.export.select import Filters
from khabar.store import db as store_db

load_commands()


def _tables(engine, tmp_path, f: Filters = Filters(), with_text: bool = False):  # noqa: ANN001, ANN202, B008
    with engine.connect() as conn:
        counts = write_parquet(conn, tmp_path / "out", f, with_text=with_text)
    tables = {n: pq.read_table(tmp_path / "out" / f"{n}.parquet") for n in ("events", "claims", "actors", "documents")}
    assert {n: t.num_rows for n, t in tables.items()} == counts
    return tables


def test_four_tables_field_by_field(engine, tmp_path) -> None:  # noqa: ANN001
    fill(engine)
    t = _tables(engine, tmp_path, with_text=True)
    assert t["events"].schema.equals(EVENTS) and t["claims"].schema.equals(CLAIMS)
    assert t["actors"].schema.equals(ACTORS)
    assert t["documents"].schema.names == [*DOCUMENTS.names, "text"]
    ev = {r["id"]: r for r in t["events"].to_pylist()}
    assert set(ev) == {"ev-k1", "ev-k2", "ev-k3", "ev-d1"}
    a = ev["ev-k1"]
    assert (a["type"], a["actor_id"], a["actor_type"], a["target_name"]) == ("ASSAULT", "iskp", "armed_group", "civilians")
    assert (a["lat"], a["lon"], a["geonames_id"]) == (36.728965, 68.857002, 1135689)
    assert (a["fatalities"], a["wounded"], a["arrested"]) == (4, 12, None)
    assert a["source"] == "Example News" and a["published"] == "2023-03-03T10:00:00Z"
    assert text("kunduz-market.txt")[a["evidence_start"]:a["evidence_end"]] == a["evidence_text"]
    cl = {r["id"]: r for r in t["claims"].to_pylist()}
    assert set(cl) == {"cl-k1", "cl-k2", "cl-d1", "cl-e1"}
    assert cl["cl-k1"]["quantity_value"] == 2000.0 and cl["cl-k1"]["quantity_approximate"] is False
    assert cl["cl-k1"]["speaker_role"] == "police spokesman"
    assert cl["cl-k2"]["stance"] == "deny" and cl["cl-k2"]["denies_claim"] == "cl-k1"
    assert cl["cl-e1"]["content"] == "Таджикистан готов" and cl["cl-e1"]["speaker_id"] is None
    actors = {r["id"]: r for r in t["actors"].to_pylist()}
    assert actors["iskp"]["aliases"] == ["ISIS-K", "ISKP"]
    assert actors["person:abedi"]["affiliation"] == "taliban"
    docs = {r["id"]: r for r in t["documents"].to_pylist()}
    assert set(docs) == {DOC_K, DOC_D, DOC_E}
    assert docs[DOC_K]["text"] == text("kunduz-market.txt") and docs[DOC_D]["path"] == "/tmp/dushanbe.txt"
    df = t["events"].to_pandas()
    assert df.loc[df.id == "ev-k2", "lat"].isna().all()


def test_filters_select_related_rows(engine, tmp_path) -> None:  # noqa: ANN001
    fill(engine)
    t = _tables(engine, tmp_path, Filters(country="TJ"))
    assert [r["id"] for r in t["events"].to_pylist()] == ["ev-d1"]
    assert [r["id"] for r in t["claims"].to_pylist()] == ["cl-d1"]
    assert [r["id"] for r in t["documents"].to_pylist()] == [DOC_D]
    assert sorted(r["id"] for r in t["actors"].to_pylist()) == ["tj", "tj_gov"]
    assert "text" not in t["documents"].schema.names


def test_empty_selection_gives_typed_empty_tables(engine, tmp_path) -> None:  # noqa: ANN001
    fill(engine)
    t = _tables(engine, tmp_path, Filters(type="RETREAT"))
    assert all(tab.num_rows == 0 for tab in t.values())
    assert t["events"].schema.equals(EVENTS)
    assert t["events"].to_pandas().empty


def test_cli_needs_a_directory(tmp_path) -> None:  # noqa: ANN001
    db = str(tmp_path / "s.db")
    fill(store_db.open_store(db))
    r = CliRunner().invoke(cli, ["--db", db, "export", "--format", "parquet"])
    assert r.exit_code != 0 and "-o DIR" in r.stderr
    r = CliRunner().invoke(cli, ["--db", db, "export", "--format", "parquet", "-o", str(tmp_path / "pq")])
    assert r.exit_code == 0, r.output
    assert "4 events" in r.stderr
    assert pq.read_table(tmp_path / "pq" / "claims.parquet").num_rows == 4
    with pytest.raises(FileNotFoundError):
        pq.read_table(tmp_path / "pq" / ".events.parquet.tmp")
