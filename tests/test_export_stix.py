"""STIX 2.1 export: every bundle passes stix2-validator, parses with stix2, and maps field by field."""

from __future__ import annotations

import io
import json

import pytest
import stix2
from click.testing import CliRunner
from stix2validator import ValidationOptions, validate_string

from export_world import DOC_D, DOC_K, fill
from khabar.cli.base import cli
from khabar.cli.main import load_commands
from khabar.export.select import Filters
from khabar.export.stix import KHABAR_ID, sid, write_stix
from khabar.store import db as store_db

load_commands()
NOW = "2026-01-02T03:04:05Z"


def _bundle(engine, f: Filters = Filters(), **kw) -> tuple[dict, dict]:  # noqa: ANN001, ANN003, B008
    out = io.StringIO()
    with engine.connect() as conn:
        counts = write_stix(conn, out, f, now=kw.pop("now", NOW), **kw)
    text = out.getvalue()
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    assert not result.errors
    parsed = stix2.parse(text, allow_custom=True)
    assert len(parsed.objects) == sum(counts.values())
    bundle = json.loads(text)
    ids = [o["id"] for o in bundle["objects"]]
    assert len(ids) == len(set(ids)), "an object was written twice"
    _check_refs(bundle)
    return bundle, counts


def _check_refs(bundle: dict) -> None:
    """Every *_ref / *_refs of every object points at an object in the bundle."""
    ids = {o["id"] for o in bundle["objects"]}
    for o in bundle["objects"]:
        for k, v in o.items():
            if k.endswith("_ref"):
                assert v in ids, (o["id"], k, v)
            elif k.endswith("_refs"):
                assert set(v) <= ids, (o["id"], k, set(v) - ids)


def _by_id(bundle: dict) -> dict[str, dict]:
    return {o["id"]: o for o in bundle["objects"]}


def test_objects_field_by_field(engine) -> None:  # noqa: ANN001
    fill(engine)
    bundle, counts = _bundle(engine)
    assert counts["report"] == 3 and counts["relationship"] == 3 and counts["opinion"] == 1
    objs = _by_id(bundle)
    rep = objs[sid("report", "doc:" + DOC_K)]
    assert rep["name"] == 'Gunmen attack market in Kunduz, "dozens" wounded'
    assert rep["published"] == "2023-03-03T10:00:00Z" and rep["khabar_id"] == DOC_K
    assert rep["external_references"][0] == {"source_name": "Example News", "external_id": DOC_K,
                                              "url": "https://news.example.org/kunduz?a=1&b=2",
                                              "description": rep["name"]}
    iskp = objs[sid("threat-actor", "actor:iskp")]
    assert iskp["name"] == "Islamic State Khorasan Province" and iskp["aliases"] == ["ISIS-K", "ISKP"]
    assert iskp["created_by_ref"] == KHABAR_ID
    gov = objs[sid("identity", "actor:tj_gov")]
    assert gov["identity_class"] == "organization" and gov["sectors"] == ["government-national"]
    abedi = objs[sid("identity", "actor:person:abedi")]
    assert abedi["identity_class"] == "individual" and abedi["roles"] == ["police spokesman"]
    kunduz = objs[sid("location", "place:kunduz")]
    assert (kunduz["latitude"], kunduz["longitude"], kunduz["country"]) == (36.728965, 68.857002, "AF")
    assert kunduz["precision"] == 10000 and kunduz["khabar_geonames_id"] == 1135689
    attack = objs[sid("relationship", "event:ev-k1")]
    civilians = objs[attack["target_ref"]]
    assert attack["relationship_type"] == "assault" and attack["source_ref"] == iskp["id"]
    assert civilians["name"] == "civilians" and civilians["khabar_unresolved"] is True
    assert (attack["start_time"], attack["stop_time"]) == ("2023-03-03T00:00:00Z", "2023-03-04T00:00:00Z")
    assert attack["confidence"] == 90 and attack["khabar_fatalities"] == 4 and attack["khabar_wounded"] == 12
    assert attack["khabar_location_ref"] == kunduz["id"] and attack["khabar_status"] == "occurred"
    assert attack["description"].startswith("Gunmen of the Islamic State")
    assert attack["extensions"] == {next(o["id"] for o in bundle["objects"] if o["type"] == "extension-definition"):
                                    {"extension_type": "toplevel-property-extension"}}
    deploy = objs[sid("relationship", "event:ev-k2")]  # no target: actor -> its (country-level) place
    assert objs[deploy["target_ref"]]["type"] == "location"
    assert (deploy["start_time"], deploy["stop_time"]) == ("2023-03-01T00:00:00Z", "2023-04-01T00:00:00Z")
    denied = objs[sid("note", "event:ev-k3")]  # an actor but nothing to point at: a note on the actor
    assert denied["khabar_status"] == "denied" and denied["object_refs"] == [sid("threat-actor", "actor:taliban")]
    assert denied["abstract"] == "MOBILIZE event"
    claim = objs[sid("note", "claim:cl-k1")]
    assert claim["authors"] == ["Obaidullah Abedi"] and claim["khabar_stance"] == "assert"
    assert claim["khabar_quantity_value"] == 2000.0 and claim["confidence"] == 80
    assert abedi["id"] in claim["object_refs"]
    opinion = objs[sid("opinion", "denial:cl-k2")]
    assert opinion["opinion"] == "strongly-disagree" and opinion["object_refs"] == [claim["id"]]
    assert opinion["authors"] == ["Taliban"]
    for oid in (attack["id"], claim["id"], opinion["id"], iskp["id"], kunduz["id"]):
        assert oid in rep["object_refs"]
    unattributed = objs[sid("note", "claim:cl-e1")]  # speaker not resolved: an author name, no identity
    assert unattributed["authors"] == ["Анонимный источник"]


def test_ids_are_stable_and_tlp_marks_everything(engine) -> None:  # noqa: ANN001
    fill(engine)
    first, _ = _bundle(engine)
    again, _ = _bundle(engine, now="2027-05-05T00:00:00Z")
    assert {o["id"] for o in first["objects"]} == {o["id"] for o in again["objects"]}
    a, b = _by_id(first), _by_id(again)
    iskp = sid("threat-actor", "actor:iskp")
    assert a[iskp]["created"] == b[iskp]["created"] and a[iskp]["modified"] < b[iskp]["modified"]
    for level, marking in (("clear", stix2.TLP_WHITE), ("amber", stix2.TLP_AMBER), ("red", stix2.TLP_RED)):
        marked, _ = _bundle(engine, tlp=level)
        assert marking.id in _by_id(marked)
        assert all(o.get("object_marking_refs") == [marking.id] for o in marked["objects"]
                   if o["type"] != "marking-definition")


def test_filters_and_empty_bundle(engine) -> None:  # noqa: ANN001
    fill(engine)
    bundle, counts = _bundle(engine, Filters(type="PROTEST"))
    assert counts["report"] == 1 and counts["relationship"] == 1
    assert sid("report", "doc:" + DOC_D) in _by_id(bundle)
    empty, counts = _bundle(engine, Filters(actor="nobody-at-all"))
    assert "report" not in counts and counts["identity"] == 1 and counts["extension-definition"] == 1


def test_with_text_puts_the_article_in_the_report(engine) -> None:  # noqa: ANN001
    fill(engine)
    bundle, _ = _bundle(engine, Filters(doc=(DOC_D,)), with_text=True)
    assert _by_id(bundle)[sid("report", "doc:" + DOC_D)]["description"].startswith("Protest in Dushanbe")


@pytest.fixture(scope="module")
def extracted_store(tmp_path_factory) -> str:  # noqa: ANN001
    db = str(tmp_path_factory.mktemp("stix") / "s.db")
    fill(store_db.open_store(db), pipeline=True)
    return db


def test_real_extraction_validates_via_cli(extracted_store: str, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "bundle.json"
    r = CliRunner().invoke(cli, ["--db", extracted_store, "export", "--format", "stix", "--tlp", "green",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid and not result.errors
    bundle = json.loads(text)
    _check_refs(bundle)
    objs = _by_id(bundle)
    sample = objs[sid("report", "doc:" + "5" * 40)]
    assert sample["name"] == "ISIS on the borders" and len(sample["object_refs"]) > 5
    assert any(o["type"] == "relationship" for o in bundle["objects"])
    assert "report" in r.stderr
