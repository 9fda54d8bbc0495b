"""`khabar events | claims | actors | places` over a real SQLite store (tests/records_world.py)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from khabar.cli.base import cli
from khabar.cli.main import load_commands
from records_world import DOC_B, fill

load_commands()


@pytest.fixture
def run(engine, db_url):  # noqa: ANN001, ANN201
    fill(engine)
    runner = CliRunner()

    def invoke(*args: str):  # noqa: ANN202
        return runner.invoke(cli, ["--db", db_url, *args], catch_exceptions=False)

    return invoke


def as_json(result) -> list:  # noqa: ANN001
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_events_json_filters_and_order(run) -> None:  # noqa: ANN001
    got = as_json(run("events", "--json"))
    assert [e["id"] for e in got][:3] == ["ev-b-attack", "ev-a-arrest", "ev-a-treaty"]  # newest first
    got = as_json(run("events", "--actor", "ISIS Khorasan", "--json"))
    assert [e["id"] for e in got] == ["ev-a-rockets"]
    assert got[0]["evidence"]["text"] == "ISIS-K fired rockets from Afghanistan at Tajikistan."
    got = as_json(run("events", "--type", "assault", "--country", "PK", "--country", "ML", "--json"))
    assert {e["id"] for e in got} == {"ev-b-attack", "ev-c-plan"}
    got = as_json(run("events", "--since", "2023-02-01", "--until", "2023-02-28", "--status", "occurred", "--json"))
    assert [e["id"] for e in got] == ["ev-a-arrest"]
    got = as_json(run("events", "--doc", DOC_B[:5], "--json"))
    assert [e["id"] for e in got] == ["ev-b-attack"]
    got = as_json(run("events", "--bbox", "-20,0,0,20", "--json"))
    assert [e["id"] for e in got] == ["ev-c-plan"]
    assert as_json(run("events", "--limit", "2", "--json"))[1]["id"] == "ev-a-arrest"


def test_events_table(run) -> None:  # noqa: ANN001
    res = run("events", "--type", "COERCE")
    assert res.exit_code == 0
    assert "COERCE" in res.output and "Taliban" in res.output and "Kabul" in res.output
    assert "-/-/6" in res.output and "1 found" in res.output
    res = run("events", "--limit", "1")
    assert "1 of 5 shown" in res.output


def test_bad_options_one_line_nonzero(run) -> None:  # noqa: ANN001
    res = run("events", "--since", "last week")
    assert res.exit_code != 0 and "--since 'last week'" in res.output
    res = run("events", "--bbox", "1,2,3")
    assert res.exit_code != 0 and "--bbox" in res.output
    res = run("claims", "--timeline")
    assert res.exit_code != 0 and "--subject" in res.output


def test_claims(run) -> None:  # noqa: ANN001
    got = as_json(run("claims", "--speaker", "CSTO", "--has-quantity", "--json"))
    assert len(got) == 1 and got[0]["quantity"] == {"value": 4000.0, "unit": "fighters", "approximate": True,
                                                    "text": "about 4,000"}
    got = as_json(run("claims", "--stance", "deny", "--json"))
    assert got[0]["speaker"]["name"] == "Taliban" and got[0]["denies"]["id"] == "csto"
    got = as_json(run("claims", "--subject", "ttp", "--json"))
    assert [c["id"] for c in got] == ["cl-b-army"]
    res = run("claims", "--stance", "deny")
    assert "deny (CSTO)" in res.output and "Taliban" in res.output


def test_claims_timeline(run) -> None:  # noqa: ANN001
    got = as_json(run("claims", "--subject", "ISIS-K", "--timeline", "--json"))
    assert [t["claim_id"] for t in got] == ["cl-a-minister", "cl-a-csto", "cl-a-denial"]
    res = run("claims", "--subject", "ISIS-K", "--timeline")
    assert "Figures about ISIS-K over time" in res.output and "~4,000 fighters" in res.output
    assert "Eurasianet" in res.output
    res = run("claims", "--subject", "nobody", "--timeline")
    assert res.exit_code == 0 and "no figures" in res.output


def test_actors_and_places(run) -> None:  # noqa: ANN001
    got = as_json(run("actors", "--json"))
    assert {a["id"] for a in got} == {"iskp", "taliban", "person:rahimzoda", "ttp"}  # mentioned only
    got = as_json(run("actors", "--all", "--type", "igo", "--json"))
    assert [a["id"] for a in got] == ["csto"] and got[0]["mentions"] == 0
    got = as_json(run("actors", "--type", "person", "--json"))
    assert got[0]["role"] == "Interior Minister"
    res = run("actors", "--country", "TJ")
    assert "Rahimzoda" in res.output
    got = as_json(run("places", "--country", "uz", "--json"))
    assert [p["id"] for p in got] == ["tashkent"] and got[0]["mentions"] == 1
    res = run("places")
    assert "Peshawar" in res.output and "4 found" in res.output


def test_markup_in_stored_text_is_printed_as_text(engine, db_url) -> None:  # noqa: ANN001
    from khabar.model import Document, Event, Extraction, Ref, Span
    from khabar.store.documents import insert_document
    from khabar.store.records import save_extraction

    text = "[bold red]Rebels[/bold red] attacked."
    with engine.begin() as conn:
        insert_document(conn, Document("d" * 40, text))
        save_extraction(conn, Extraction("d" * 40, events=[
            Event("x1", "ASSAULT", Span(text, 0, len(text)), actor=Ref(None, "[b]R[/b]"))]))
    res = CliRunner().invoke(cli, ["--db", db_url, "events"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "[b]R[/b]" in res.output


def test_end_to_end_on_the_sample(engine, db_url, samples_dir) -> None:  # noqa: ANN001
    """The real pipeline (khabar extract) on the sample article, then the listings an analyst would run."""
    from khabar.model import Document
    from khabar.store.documents import insert_document

    text = (samples_dir / "isis-k-tajik-border.txt").read_text(encoding="utf-8")
    with engine.begin() as conn:
        insert_document(conn, Document("5" * 40, text, title="ISIS on the borders", source="Sample", language="en"))
    runner = CliRunner()

    def invoke(*args: str):  # noqa: ANN202
        return runner.invoke(cli, ["--db", db_url, *args], catch_exceptions=False)

    assert invoke("extract").exit_code == 0
    figures = as_json(invoke("claims", "--subject", "ISIS Khorasan", "--timeline", "--json"))
    values = {t["value"] for t in figures if t["value"] is not None}
    assert {6500.0, 4000.0} <= values
    denials = as_json(invoke("claims", "--stance", "deny", "--actor", "csto", "--json"))
    assert denials and denials[0]["denies"]["id"] == "csto"
    historical = as_json(invoke("events", "--status", "historical", "--until", "1999", "--json"))
    assert [e["location"]["country"] for e in historical] == ["UZ"]
    assert as_json(invoke("events", "--type", "RECRUIT", "--actor", "iskp", "--json"))
    people = {a["name"] for a in as_json(invoke("actors", "--type", "person", "--json"))}
    assert {"Ramazon Rahimzoda", "Amir Khan Muttaqi"} <= people
    minister = as_json(invoke("claims", "--speaker", "Ramazon Rahimzoda", "--since", "2023-02-15",
                              "--until", "2023-02-15", "--json"))
    assert minister and minister[0]["date"]["start"] == "2023-02-15"
