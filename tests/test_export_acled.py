"""ACLED CSV export, read back with pandas and the csv module and checked column by column."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from click.testing import CliRunner

from export_world import DOC_K, fill, text
from khabar.cli.base import cli
from khabar.cli.main import load_commands
from khabar.export.acled import conventions, write_acled_csv
from khabar.export.select import Filters
from khabar.model import Document, Event, Extraction, Location, Ref, Span
from khabar.store import db as store_db
from khabar.store.documents import insert_document
from khabar.store.records import save_extraction

load_commands()


def _csv(engine, f: Filters = Filters()) -> tuple[str, int, int]:  # noqa: ANN001, B008
    out = io.StringIO()
    with engine.connect() as conn:
        n, skipped = write_acled_csv(conn, out, f)
    return out.getvalue(), n, skipped


def test_columns_and_values_read_back_by_pandas(engine) -> None:  # noqa: ANN001
    fill(engine)
    data, n, skipped = _csv(engine)
    assert (n, skipped) == (3, 1)  # the denied deployment is not an ACLED event
    df = pd.read_csv(io.StringIO(data))  # defaults: empty cells are NaN, numeric columns numeric
    assert list(df.columns) == conventions()["columns"]
    assert len(df) == 3
    for col in ("year", "time_precision", "iso", "geo_precision", "fatalities", "timestamp", "interaction"):
        assert pd.api.types.is_integer_dtype(df[col]), col
    for col in ("latitude", "longitude"):
        assert pd.api.types.is_float_dtype(df[col]), col
    attack = df[df.event_type == "Violence against civilians"].iloc[0]
    assert attack.event_id_cnty.startswith("AFG")
    assert attack.event_date == "2023-03-03" and attack.year == 2023 and attack.time_precision == 1
    assert attack.disorder_type == "Political violence"
    assert attack.sub_event_type == "Attack"
    assert attack.actor1 == "Islamic State Khorasan Province" and attack.inter1 == 2
    assert attack.actor2 == "civilians" and attack.inter2 == 7 and attack.interaction == 27
    assert attack.civilian_targeting == "Civilian targeting"
    assert attack.iso == 4 and attack.region == "South Asia" and attack.country == "Afghanistan"
    assert attack.admin1 == "Kunduz" and attack.location == "Kunduz"
    assert attack.latitude == pytest.approx(36.728965) and attack.longitude == pytest.approx(68.857002)
    assert attack.geo_precision == 1
    assert attack.source == "Example News"
    assert attack.notes == text("kunduz-market.txt").split("\n")[1]
    assert attack.fatalities == 4
    tags = dict(t.split("=", 1) for t in attack.tags.split("; "))
    assert tags["khabar_event"] == "ev-k1" and tags["khabar_doc"] == DOC_K
    assert tags["wounded"] == "12" and tags["status"] == "occurred" and tags["plover"] == "ASSAULT/firearms"
    assert attack.timestamp > 1_600_000_000

    deploy = df[df.sub_event_type == "Change to group/activity"].iloc[0]
    assert deploy.event_date == "2023-03-01" and deploy.time_precision == 3  # month only
    assert deploy.disorder_type == "Strategic developments"
    assert deploy.actor1 == "Taliban" and pd.isna(deploy.actor2) and deploy.interaction == 20
    assert pd.isna(deploy.latitude) and pd.isna(deploy.inter2) and deploy.geo_precision == 3
    assert deploy.fatalities == 0 and "fatalities=not reported" in deploy.tags

    protest = df[df.event_type == "Protests"].iloc[0]
    assert protest.disorder_type == "Demonstrations"
    assert protest.actor2 == "Government of Tajikistan" and protest.inter2 == 1
    assert protest.actor1 == "Traders" and protest.inter1 == 6 and protest.interaction == 16
    assert protest.region == "Caucasus and Central Asia" and protest.iso == 762


def test_quoting_survives_the_csv_module(engine) -> None:  # noqa: ANN001
    fill(engine)
    data, _, _ = _csv(engine)
    rows = list(csv.DictReader(io.StringIO(data)))
    said = next(r for r in rows if r["sub_event_type"] == "Change to group/activity")
    assert '"to secure the city; everyone"' in said["notes"] and "," in said["notes"]
    assert "\n" not in said["notes"]


def test_article_text_is_never_a_spreadsheet_formula(engine) -> None:  # noqa: ANN001
    t = '=HYPERLINK("http://evil.example","x") said officials; -5 dead.'
    with engine.begin() as conn:
        insert_document(conn, Document("f" * 40, t, source="@outlet"))
        save_extraction(conn, Extraction("f" * 40, events=[
            Event("ev-f", "ASSAULT", Span(t, 0, len(t)), acled_type="Battles", acled_subtype="Armed clash",
                  actor=Ref(None, "+militants"), location=Location("Kunduz", "AF", -1.5, 68.8, "city"))]))
    data, n, _ = _csv(engine)
    row = next(csv.DictReader(io.StringIO(data)))
    assert row["notes"] == "'" + t and row["actor1"] == "'+militants" and row["source"] == "'@outlet"
    assert row["latitude"] == "-1.5"  # numbers stay numbers


def test_filters_and_empty_selection(engine) -> None:  # noqa: ANN001
    fill(engine)
    data, n, _ = _csv(engine, Filters(country="TJ"))
    assert n == 1 and "Dushanbe" in data
    empty, n, skipped = _csv(engine, Filters(type="RETREAT"))
    assert (n, skipped) == (0, 0)
    df = pd.read_csv(io.StringIO(empty))
    assert df.empty and list(df.columns) == conventions()["columns"]


def test_cli_writes_a_utf8_file(tmp_path) -> None:  # noqa: ANN001
    db = str(tmp_path / "s.db")
    fill(store_db.open_store(db))
    out = tmp_path / "acled.csv"
    r = CliRunner().invoke(cli, ["--db", db, "export", "--format", "acled-csv", "--actor", "taliban", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "1 events" in r.stderr and "left out" in r.stderr
    df = pd.read_csv(out, encoding="utf-8", keep_default_na=False)
    assert list(df.actor1) == ["Taliban"]
