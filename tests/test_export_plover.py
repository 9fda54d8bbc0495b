"""PLOVER/POLECAT-style JSON Lines export, read back with json and pandas."""

from __future__ import annotations

import io
import json

import pandas as pd
from click.testing import CliRunner

from export_world import DOC_K, fill, text
from khabar.cli.base import cli
from khabar.cli.main import load_commands
from khabar.export.plover import write_plover
from khabar.export.select import Filters
from khabar.store import db as store_db

load_commands()


def _plover(engine, f: Filters = Filters(), with_text: bool = False) -> list[dict]:  # noqa: ANN001, B008
    out = io.StringIO()
    with engine.connect() as conn:
        n = write_plover(conn, out, f, with_text=with_text)
    recs = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(recs) == n
    return recs


def test_records_field_by_field(engine) -> None:  # noqa: ANN001
    fill(engine)
    recs = {r["event_id"]: r for r in _plover(engine)}
    assert set(recs) == {"ev-k1", "ev-k2", "ev-k3", "ev-d1"}
    a = recs["ev-k1"]
    assert (a["event_type"], a["event_mode"], a["quad_code"], a["quad_name"]) == (
        "ASSAULT", "firearms", 4, "material conflict")
    assert a["event_date"] == "2023-03-03" and a["date_precision"] == "day"
    assert (a["actor_id"], a["actor_name"], a["actor_country"], a["actor_sector"]) == (
        "iskp", "Islamic State Khorasan Province", "AFG", "armed_group")
    assert a["recipient_name"] == "civilians" and a["recipient_id"] is None
    assert (a["placename"], a["state"], a["country"], a["feature_type"]) == ("Kunduz", "Kunduz", "AFG", "city")
    assert a["latitude"] == 36.728965 and a["longitude"] == 68.857002 and a["geonames_id"] == 1135689
    assert (a["fatalities"], a["wounded"], a["arrested"]) == (4, 12, None)
    assert a["acled_event_type"] == "Violence against civilians" and a["acled_sub_event_type"] == "Attack"
    t = text("kunduz-market.txt")
    assert t[a["event_text_start"]:a["event_text_end"]] == a["event_text"]
    assert a["story_id"] == DOC_K and a["source"] == "Example News" and a["language"] == "en"
    assert a["headline"] == 'Gunmen attack market in Kunduz, "dozens" wounded'
    assert recs["ev-k3"]["status"] == "denied"
    p = recs["ev-d1"]
    assert p["recipient_country"] == "TJK" and p["recipient_sector"] == "government" and p["quad_code"] == 4
    assert "story_text" not in a


def test_with_text_filters_pandas_and_empty(engine, tmp_path) -> None:  # noqa: ANN001
    fill(engine)
    recs = _plover(engine, Filters(type="ASSAULT"), with_text=True)
    assert len(recs) == 1 and recs[0]["story_text"] == text("kunduz-market.txt")
    assert _plover(engine, Filters(type="RETREAT")) == []
    db = str(tmp_path / "s.db")
    fill(store_db.open_store(db))
    r = CliRunner().invoke(cli, ["--db", db, "export", "--format", "plover", "--actor", "taliban"])
    assert r.exit_code == 0, r.output
    df = pd.read_json(io.StringIO(r.stdout), lines=True)
    assert sorted(df.event_id) == ["ev-k2", "ev-k3"] and set(df.actor_name) == {"Taliban"}
