"""GeoJSON export read back with json and shapely, property by property."""

from __future__ import annotations

import io
import json

from click.testing import CliRunner
from shapely.geometry import Point, shape

from export_world import DOC_K, DUSHANBE, KUNDUZ, fill, text
from khabar.cli.base import cli
from khabar.cli.main import load_commands
from khabar.export.geojson import write_geojson
from khabar.export.select import Filters
from khabar.store import db as store_db

load_commands()


def _geojson(engine, f: Filters = Filters()) -> tuple[dict, int, int]:  # noqa: ANN001, B008
    out = io.StringIO()
    with engine.connect() as conn:
        n, missing = write_geojson(conn, out, f)
    return json.loads(out.getvalue()), n, missing


def test_points_in_lon_lat_order_with_all_fields(engine) -> None:  # noqa: ANN001
    fill(engine)
    fc, n, missing = _geojson(engine)
    assert fc["type"] == "FeatureCollection"
    assert (n, missing) == (2, 2)  # the province-level and the placeless events have no coordinates
    assert len(fc["features"]) == 2
    by_id = {f["id"]: f for f in fc["features"]}
    attack = by_id["ev-k1"]
    geom = shape(attack["geometry"])
    assert isinstance(geom, Point)
    assert (geom.x, geom.y) == (KUNDUZ.lon, KUNDUZ.lat)  # exact: precision kept
    p = attack["properties"]
    assert p["doc_id"] == DOC_K and p["type"] == "ASSAULT" and p["mode"] == "firearms"
    assert p["acled_type"] == "Violence against civilians" and p["status"] == "occurred"
    assert p["actor_id"] == "iskp" and p["actor_type"] == "armed_group"
    assert p["target_id"] is None and p["target_name"] == "civilians"
    assert p["location_name"] == "Kunduz" and p["country"] == "AF" and p["geonames_id"] == 1135689
    assert p["geo_precision"] == "city" and p["admin1"] == "Kunduz"
    assert (p["date_start"], p["date_end"], p["date_precision"]) == ("2023-03-03", "2023-03-03", "day")
    assert (p["fatalities"], p["wounded"], p["arrested"]) == (4, 12, None)
    t = text("kunduz-market.txt")
    assert t[p["evidence_start"]:p["evidence_end"]] == p["evidence_text"]
    assert p["confidence"] == 0.9 and p["trigger"] == "attacked"
    assert p["source"] == "Example News" and p["url"] == "https://news.example.org/kunduz?a=1&b=2"
    protest = shape(by_id["ev-d1"]["geometry"])
    assert (protest.x, protest.y) == (DUSHANBE.lon, DUSHANBE.lat)


def test_filters_and_empty_collection(engine) -> None:  # noqa: ANN001
    fill(engine)
    fc, n, _ = _geojson(engine, Filters(country="TJ"))
    assert n == 1 and fc["features"][0]["id"] == "ev-d1"
    empty, n, missing = _geojson(engine, Filters(actor="nobody-at-all"))
    assert empty == {"type": "FeatureCollection", "features": []} and (n, missing) == (0, 0)


def test_cli_counts_events_without_coordinates(tmp_path) -> None:  # noqa: ANN001
    db = str(tmp_path / "s.db")
    fill(store_db.open_store(db))
    out = tmp_path / "events.geojson"
    r = CliRunner().invoke(cli, ["--db", db, "export", "--format", "geojson", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "2 events (2 without coordinates left out)" in r.stderr
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 2
    r = CliRunner().invoke(cli, ["--db", db, "export", "--format", "geojson", "--type", "PROTEST"])
    assert json.loads(r.stdout)["features"][0]["properties"]["actor_name"] == "Traders"
