"""REST API over a real store: fixture articles through the extraction pipeline into a SQLite file."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fixtures.serve.build_store import build_store
from khabar.cli.base import cli
from khabar.extract.pipeline import load_pipeline
from khabar.serve.app import create_app
from khabar.serve.highlight import Mark, highlight
from khabar.store import db as store_db
from khabar.store.schema import documents, events

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def pipeline():  # noqa: ANN201
    return load_pipeline()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, pipeline) -> Iterator[dict]:  # noqa: ANN001
    path = tmp_path_factory.mktemp("serve") / "khabar.db"
    info = build_store(path, pipeline)
    info["path"] = str(path)
    yield info
    store_db.close_all()


@pytest.fixture(scope="module")
def client(store: dict) -> TestClient:
    return TestClient(create_app(store["path"]))


def count(store: dict, table) -> int:  # noqa: ANN001
    with store_db.open_store(store["path"]).connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


# ---- reading --------------------------------------------------------------------------------------


def test_stats_count_what_the_pipeline_stored(client: TestClient, store: dict) -> None:
    s = client.get("/api/stats").json()
    assert s["documents"] == len(store["docs"]) + 1
    assert s["events"] == store["events"] == sum(s["events_by_type"].values())
    assert s["claims"] == store["claims"] > 0


def test_events_pages_are_disjoint_sorted_and_complete(client: TestClient) -> None:
    first = client.get("/api/events", params={"limit": 5, "sort": "date"}).json()
    total = first["total"]
    assert total > 10 and len(first["items"]) == 5
    seen, offset = [], 0
    while offset < total:
        page = client.get("/api/events", params={"limit": 7, "offset": offset, "sort": "date"}).json()
        seen += page["items"]
        offset += 7
    assert len({e["id"] for e in seen}) == total
    dates = [e["date"]["start"] for e in seen if e["date"]]
    assert dates == sorted(dates)
    newest = client.get("/api/events", params={"limit": 1, "sort": "-date"}).json()["items"][0]
    assert newest["date"]["start"] == max(dates)


def test_event_filters(client: TestClient) -> None:
    assault = client.get("/api/events", params={"type": "ASSAULT", "limit": 500}).json()
    assert assault["total"] > 1 and {e["type"] for e in assault["items"]} == {"ASSAULT"}
    kabul = client.get("/api/events", params={"bbox": "69,34,70,35", "limit": 500}).json()
    assert "ev-xss-kabul" in [e["id"] for e in kabul["items"]]
    assert all(69 <= e["location"]["lon"] <= 70 and 34 <= e["location"]["lat"] <= 35 for e in kabul["items"])
    assert client.get("/api/events", params={"actor": "taliban", "target": "iskp"}).json()["total"] >= 1
    sure = client.get("/api/events", params={"country": "af", "min_confidence": 0.85, "limit": 500}).json()
    assert "ev-xss-kabul" in [e["id"] for e in sure["items"]]
    assert all(e["location"]["country"] == "AF" and e["confidence"] >= 0.85 for e in sure["items"])
    march = client.get("/api/events", params={"since": "2023-03", "until": "2023-03-31", "limit": 500}).json()
    assert march["total"] >= 2
    assert all(e["date"]["end"] >= "2023-03" and e["date"]["start"] <= "2023-03-31\uffff" for e in march["items"])
    assert client.get("/api/events", params={"status": "denied-nothing"}).json()["total"] == 0


@pytest.mark.parametrize("params, status", [
    ({"limit": 501}, 422), ({"limit": 0}, 422), ({"since": "last week"}, 422), ({"bbox": "1,2,3"}, 400),
    ({"bbox": "10,50,0,40"}, 400), ({"bbox": "nan,0,1,1"}, 400), ({"min_confidence": 2}, 422),
    ({"sort": "id"}, 422), ({"actor": "x" * 201}, 422),
])
def test_bad_event_parameters_are_client_errors(client: TestClient, params: dict, status: int) -> None:
    assert client.get("/api/events", params=params).status_code == status


def test_events_as_csv_and_geojson(client: TestClient, store: dict) -> None:
    r = client.get("/api/events.csv", params={"type": "ASSAULT"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    total = client.get("/api/events", params={"type": "ASSAULT"}).json()["total"]
    assert len(rows) == total and rows[0]["type"] == "ASSAULT"
    geo = client.get("/api/events.geojson").json()
    assert geo["type"] == "FeatureCollection"
    assert len(geo["features"]) == store["geolocated"] >= 1
    kabul = next(f for f in geo["features"] if f["id"] == "ev-xss-kabul")
    assert kabul["geometry"]["coordinates"] == [69.1723, 34.5281]
    assert kabul["properties"]["evidence"].startswith("Taliban forces attacked")


def test_csv_cells_cannot_become_formulas() -> None:
    from khabar.serve.api_events import _csv_safe

    assert _csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _csv_safe("Kabul") == "Kabul" and _csv_safe(3) == 3


def test_timeline_counts_every_dated_event_once(client: TestClient) -> None:
    t = client.get("/api/timeline").json()
    total = client.get("/api/events").json()["total"]
    assert sum(t["totals"]) + t["undated"] == total
    assert t["weeks"] == sorted(t["weeks"])
    assert all(len(v) == len(t["weeks"]) for v in t["series"].values())
    only = client.get("/api/timeline", params={"type": "ASSAULT"}).json()
    assert set(only["types"]) == {"ASSAULT"}


def test_document_record_by_id_and_prefix(client: TestClient, store: dict) -> None:
    doc = store["docs"][0]
    rec = client.get(f"/api/documents/{doc.id[:10]}").json()
    assert rec["id"] == doc.id and rec["text"] == doc.text and rec["title"] == doc.title
    assert rec["events"] and all(doc.text[e["evidence"]["start"]:e["evidence"]["end"]] == e["evidence"]["text"]
                                 for e in rec["events"])
    assert rec["sources"][0]["source"] == "Fixture Wire"
    assert "text" not in client.get(f"/api/documents/{doc.id}", params={"text": False}).json()
    assert client.get("/api/documents/0000000000").status_code == 404


def test_document_listing_and_full_text_search(client: TestClient) -> None:
    listing = client.get("/api/documents", params={"limit": 2}).json()
    assert len(listing["items"]) == 2 and listing["has_more"]
    hits = client.get("/api/documents", params={"q": "Termez rockets"}).json()["items"]
    assert [h["title"] for h in hits] == ["Rocket attack from Afghanistan hits Termez"]
    assert client.get("/api/documents", params={"q": 'AND OR "( NEAR'}).status_code == 200


def test_claims_filters_and_groups(client: TestClient) -> None:
    deny = client.get("/api/claims", params={"stance": "deny", "limit": 500}).json()
    assert deny["total"] >= 2 and {c["stance"] for c in deny["items"]} == {"deny"}
    q = client.get("/api/claims", params={"has_quantity": True, "limit": 500}).json()
    assert q["items"] and all(c["quantity"] for c in q["items"])
    speaker = client.get("/api/claims", params={"speaker": "Zabihullah Mujahid"}).json()
    assert speaker["total"] >= 2
    groups = client.get("/api/claims/groups").json()
    values = {c["value"] for g in groups for c in g["claims"] + g["denials"]}
    assert 4000.0 in values


def test_actor_profile_and_places(client: TestClient) -> None:
    prof = client.get("/api/actors/taliban").json()
    assert prof["aliases"] == ["<i>Taliban</i>"] and prof["mentions"] >= 1 and prof["events"] >= 1
    assert any({"actor_id": "taliban", "target_id": "iskp", "type": "ASSAULT"}.items() <= r.items()
               for r in prof["relations"])
    assert any(p["place_id"] == "geonames:1138958" and p["country"] == "AF" for p in prof["places"])
    assert any(w["week"] == "2023-03-06" and w["type"] == "ASSAULT" for w in prof["events_by_week"])
    assert client.get("/api/actors/nobody").status_code == 404
    actors = client.get("/api/actors", params={"name": "isis"}).json()
    assert "iskp" in [a["id"] for a in actors["items"]]
    place = client.get("/api/places/geonames:1138958").json()
    assert place["events"] == 1 and place["mentions"] == 1
    af = client.get("/api/places", params={"country": "AF", "limit": 500}).json()
    assert "geonames:1138958" in [p["id"] for p in af["items"]] and {p["country"] for p in af["items"]} == {"AF"}


def test_search_covers_documents_actors_places(client: TestClient) -> None:
    res = client.get("/api/search", params={"q": "kabul"}).json()
    assert res["documents"] and "geonames:1138958" in [p["id"] for p in res["places"]]
    assert client.get("/api/search", params={"q": "khorasan"}).json()["actors"][0]["id"] == "iskp"
    assert client.get("/api/search").json()["documents"] == []


# ---- exports (issue 6 over HTTP) ------------------------------------------------------------------


def test_export_stix_bundle_passes_the_validator(client: TestClient, store: dict) -> None:
    import stix2
    from stix2validator import ValidationOptions, validate_string

    r = client.get("/api/export", params={"format": "stix", "tlp": "amber"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/stix+json")
    assert r.headers["content-disposition"] == 'attachment; filename="khabar-stix-bundle.json"'
    result = validate_string(r.text, ValidationOptions(version="2.1"))
    assert result.is_valid and not result.errors, [str(e) for e in result.errors]
    bundle = stix2.parse(r.text, allow_custom=True)
    assert len(bundle.objects) == int(r.headers["x-khabar-count"])
    reports = [o for o in bundle.objects if o.type == "report"]
    assert len(reports) == len(store["docs"]) + 1  # one report per document
    amber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
    assert all(amber in (o.get("object_marking_refs") or []) for o in reports)
    only = client.get("/api/export", params={"format": "stix", "actor": "taliban", "type": "ASSAULT"})
    rels = [o for o in json.loads(only.text)["objects"] if o["type"] == "relationship"]
    assert rels and len(rels) < len([o for o in bundle.objects if o.type == "relationship"])


def test_export_acled_csv_reads_in_pandas(client: TestClient) -> None:
    import pandas as pd

    r = client.get("/api/export", params={"format": "acled-csv", "country": "AF"})
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="khabar-acled.csv"' in r.headers["content-disposition"]
    df = pd.read_csv(io.StringIO(r.text))
    assert len(df) == int(r.headers["x-khabar-count"]) >= 1
    assert {"event_id_cnty", "event_date", "event_type", "actor1", "latitude", "notes", "fatalities"} <= set(df.columns)
    assert set(df["iso"]) == {4} and set(df["country"]) == {"Afghanistan"}
    kunduz = df[df["notes"].str.startswith("Taliban forces clashed with ISIS-K fighters in Kunduz")]
    assert len(kunduz) == 1 and kunduz.iloc[0]["fatalities"] == 5 and kunduz.iloc[0]["actor1"] == "Taliban"
    assert abs(kunduz.iloc[0]["latitude"] - 36.729) < 0.01 and kunduz.iloc[0]["event_date"].startswith("2023-")


def test_export_geojson_plover_jsonl_and_filters(client: TestClient, store: dict) -> None:
    geo = client.get("/api/export", params={"format": "geojson"})
    assert geo.headers["content-type"] == "application/geo+json"
    fc = json.loads(geo.text)
    assert len(fc["features"]) == store["geolocated"]
    kabul = next(f for f in fc["features"] if f["id"] == "ev-xss-kabul")
    assert kabul["geometry"]["coordinates"] == [69.1723, 34.5281] and kabul["properties"]["fatalities"] == 2
    plover = [json.loads(x) for x in client.get("/api/export", params={"format": "plover"}).text.splitlines()]
    assert len(plover) == store["events"] and {"event_id", "quad_code", "event_text"} <= set(plover[0])
    xss = store["xss"].id
    recs = client.get("/api/export", params={"format": "jsonl", "doc": xss[:8], "with_text": True})
    assert recs.headers["content-type"].startswith("application/x-ndjson")
    lines = recs.text.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["id"] == xss and json.loads(lines[0])["text"]
    since = client.get("/api/export", params={"format": "plover", "since": "2023-03-01"}).text.splitlines()
    assert 0 < len(since) < len(plover)
    assert all((json.loads(x)["event_date"] or "") >= "2023-03" for x in since)


def test_export_streams_from_a_spool_that_overflows_to_disk(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny spool and chunk size: the body arrives in many chunks and is byte-identical to the one-piece body."""
    from khabar.serve import api_export

    whole = client.get("/api/export", params={"format": "plover"}).content
    monkeypatch.setattr(api_export, "SPOOL", 2048)
    monkeypatch.setattr(api_export, "CHUNK", 1000)
    with client.stream("GET", "/api/export", params={"format": "plover"}) as r:
        chunks = list(r.iter_raw())
    assert len(chunks) >= len(whole) // 4000 > 1  # (1,000 characters encode to 1,000+ bytes)
    assert b"".join(chunks) == whole


def test_export_of_an_empty_selection_and_bad_parameters(client: TestClient) -> None:
    empty = client.get("/api/export", params={"format": "geojson", "country": "ZZ"})
    assert empty.status_code == 200 and json.loads(empty.text)["features"] == []
    assert client.get("/api/export", params={"format": "jsonl", "country": "ZZ"}).text == ""
    header = client.get("/api/export", params={"format": "acled-csv", "country": "ZZ"}).text.splitlines()
    assert len(header) == 1 and header[0].startswith("event_id_cnty,")
    assert client.get("/api/export", params={"format": "parquet"}).status_code == 422
    assert client.get("/api/export").status_code == 422
    assert client.get("/api/export", params={"format": "stix", "tlp": "purple"}).status_code == 422
    assert client.get("/api/export", params={"format": "jsonl", "since": "last week"}).status_code == 422


# ---- analysis (issue 5 over HTTP) -----------------------------------------------------------------


def test_incidents_listing_filters_and_pages(client: TestClient) -> None:
    first = client.get("/api/incidents", params={"limit": 3}).json()
    assert len(first["items"]) == 3 and first["more"]
    every = client.get("/api/incidents", params={"limit": 500}).json()
    assert not every["more"] and len(every["items"]) > 3
    nxt = client.get("/api/incidents", params={"limit": 3, "offset": 3}).json()["items"]
    assert {i["id"] for i in nxt}.isdisjoint(i["id"] for i in first["items"])
    assert [i["id"] for i in first["items"] + nxt] == [i["id"] for i in every["items"][:6]]
    assert all("reports" not in i for i in every["items"])  # summaries; reports on the incident itself
    tal = client.get("/api/incidents", params={"actor": "taliban", "type": "ASSAULT"}).json()["items"]
    assert tal and len(tal) < len(every["items"])
    assert all("ASSAULT" in i["types"] for i in tal)
    assert client.get("/api/incidents", params={"min_sources": 1000}).json()["items"] == []
    assert client.get("/api/incidents", params={"limit": 501}).status_code == 422


def test_incident_shows_every_report(client: TestClient) -> None:
    items = client.get("/api/incidents", params={"limit": 500}).json()["items"]
    multi = next(i for i in items if i["report_count"] > 1)
    inc = client.get(f"/api/incidents/{multi['id']}").json()
    assert inc["id"] == multi["id"] and len(inc["reports"]) == multi["report_count"]
    for rep in inc["reports"]:
        ev = client.get(f"/api/events/{rep['event_id']}").json()
        assert ev["evidence"]["text"] == rep["evidence"]["text"] and rep["doc_id"] == ev["doc_id"]
    assert client.get(f"/api/incidents/{multi['id'][:10]}").json()["id"] == multi["id"]  # unique prefix
    assert client.get("/api/incidents/inc-nothing-here").status_code == 404


def test_contradictions_put_the_csto_figure_beside_the_taliban_denial(client: TestClient) -> None:
    pairs = client.get("/api/contradictions").json()
    denial = next(p for p in pairs["items"] if p["kind"] == "denial" and p["a"]["value"] == 4000)
    assert denial["a"]["speaker_affiliation"] == "csto" and denial["a"]["stance"] == "assert"
    assert denial["b"]["speaker_affiliation"] == "taliban" and denial["b"]["stance"] == "deny"
    assert "4,000" in denial["a"]["evidence"] and "denied" in denial["b"]["evidence"]
    assert {p["kind"] for p in pairs["items"]} <= {"denial", "disagreement"}
    assert client.get("/api/contradictions", params={"subject": "nobody at all"}).json()["total"] == 0
    paged = client.get("/api/contradictions", params={"limit": 1, "offset": 1}).json()
    assert paged["total"] == pairs["total"] and paged["items"] == pairs["items"][1:2]


def test_trends_and_rises(client: TestClient) -> None:
    t = client.get("/api/trends", params={"by": "actor"}).json()
    assert t["period"] == "week" and t["series"] and t["series_total"] >= len(t["series"])
    iskp = next(s for s in t["series"] if s["key"] == "iskp")
    assert iskp["total"] == sum(p["count"] for p in iskp["periods"])
    assert any(r["key"] == "iskp" and r["rise"] for r in t["rises"])
    daily = client.get("/api/trends", params={"by": "type", "daily": True, "rises_only": True}).json()
    assert daily["period"] == "day" and daily["series"] == [] and daily["rises"]
    assert all(r["count"] >= 1 and r["p_value"] < 0.05 for r in daily["rises"])
    assert client.get("/api/trends", params={"by": "weather"}).status_code == 422
    assert len(client.get("/api/trends", params={"by": "type", "limit": 1}).json()["series"]) == 1


def test_reliability_table(client: TestClient) -> None:
    r = client.get("/api/reliability").json()
    sources = {s["source"]: s for s in r["sources"]}
    assert sources["Sample"]["claims"] >= 1 and sources["Sample"]["grade"]["code"]
    assert sum(s["contradicted"] for s in r["sources"]) >= 1
    assert r["speakers"] and all("grade" in s for s in r["speakers"])


def test_openapi_lists_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/events", "/api/events.csv", "/api/events.geojson", "/api/claims", "/api/actors/{actor_id}",
              "/api/documents/{doc_id}", "/api/stats", "/api/timeline", "/api/places", "/api/export",
              "/api/incidents", "/api/incidents/{incident_id}", "/api/contradictions", "/api/trends",
              "/api/reliability"):
        assert p in paths
    assert "post" not in paths["/api/documents"]  # read-only without a token
    assert "parquet" in paths["/api/export"]["get"]["description"]  # says where parquet is instead


def test_security_headers(client: TestClient) -> None:
    h = client.get("/api/stats").headers
    assert "default-src 'self'" in h["content-security-policy"] and h["x-content-type-options"] == "nosniff"


# ---- writing --------------------------------------------------------------------------------------

ARTICLE = {
    "title": "Border guards detain smugglers",
    "source": "Posted Wire",
    "published": "2023-04-03",
    "text": "Tajik border guards detained four smugglers near Panj on Monday, April 3, officials said. "
            "The Taliban said its forces attacked an ISIS hideout in Kunduz, killing two fighters.",
}


def test_no_write_endpoints_without_a_server_token(client: TestClient, store: dict) -> None:
    before = count(store, documents)
    r = client.post("/api/documents", json=ARTICLE, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 405 and count(store, documents) == before


@pytest.fixture
def writable(store: dict) -> TestClient:
    return TestClient(create_app(store["path"], token=TOKEN))


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                                     {"Authorization": f"Basic {TOKEN}"}, {"Authorization": f"Bearer {TOKEN}x"}])
def test_write_needs_the_bearer_token(writable: TestClient, store: dict, headers: dict) -> None:
    before = count(store, documents), count(store, events)
    r = writable.post("/api/documents", json=ARTICLE, headers=headers)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = writable.post("/api/ingest/urls", json={"urls": ["http://127.0.0.1:9/x"]}, headers=headers)
    assert r.status_code == 401
    assert (count(store, documents), count(store, events)) == before


def test_posted_document_is_stored_and_extracted(writable: TestClient, store: dict) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    before = count(store, events)
    r = writable.post("/api/documents", json=ARTICLE, headers=auth)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["created"] and body["events"] >= 1
    assert count(store, events) == before + body["events"]
    rec = writable.get(f"/api/documents/{body['id']}").json()
    assert rec["title"] == ARTICLE["title"] and rec["extraction"]["stages_run"]
    again = writable.post("/api/documents", json={**ARTICLE, "source": "Other Wire"}, headers=auth).json()
    assert again == {"id": body["id"], "created": False}
    assert len(writable.get(f"/api/documents/{body['id']}").json()["sources"]) == 2
    assert writable.post("/api/documents", json={"text": " \n "}, headers=auth).status_code == 400
    assert writable.post("/api/documents", json={"title": "no text"}, headers=auth).status_code == 422


def test_same_document_posted_concurrently_is_stored_once(writable: TestClient, store: dict) -> None:
    from concurrent.futures import ThreadPoolExecutor

    auth = {"Authorization": f"Bearer {TOKEN}"}
    doc = {**ARTICLE, "text": ARTICLE["text"] + " Four more were detained in Kulob on Tuesday, police said.",
           "title": "Concurrent"}
    before = count(store, documents)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: writable.post("/api/documents", json=doc, headers=auth), range(4)))
    assert all(r.status_code == 201 for r in results), [r.text for r in results]
    assert sum(r.json()["created"] for r in results) == 1
    assert count(store, documents) == before + 1


@pytest.fixture
def local_site(tmp_path: Path) -> Iterator[str]:
    page = ("<html><head><title>Rocket fire near Termez</title></head><body><article><h1>Rocket fire near "
            "Termez</h1><p>" + "Uzbek officials said rockets fired from Afghanistan hit Termez on Sunday. " * 6
            + "</p></article></body></html>")
    (tmp_path / "news.html").write_text(page, encoding="utf-8")

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw) -> None:  # noqa: ANN002, ANN003
            super().__init__(*a, directory=str(tmp_path), **kw)

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_url_list_is_fetched_ingested_and_extracted(writable: TestClient, store: dict, local_site: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert writable.post("/api/ingest/urls", json={"urls": ["file:///etc/passwd"]}, headers=auth).status_code == 400
    r = writable.post("/api/ingest/urls", json={"urls": [f"{local_site}/news.html", f"{local_site}/missing.html"]},
                      headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["new"]) == 1 and body["failed"] == 1 and "missing.html" in body["errors"][0]
    rec = writable.get(f"/api/documents/{body['new'][0]}").json()
    assert "Termez" in rec["text"] and rec["extraction"] is not None


# ---- fuzzing --------------------------------------------------------------------------------------


def test_schemathesis_finds_no_server_error(store: dict) -> None:
    """Every operation of the OpenAPI document, with generated parameters: never a 5xx."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error

    app = create_app(store["path"], token=TOKEN)  # write operations present; unauthenticated -> 401
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    ops = [r.ok() for r in schema.get_all_operations()]
    assert len(ops) >= 16
    statuses: dict[str, set[int]] = {}
    for op in ops:
        @settings(max_examples=40, deadline=None, database=None, derandomize=True,  # the same cases every run
                  suppress_health_check=list(HealthCheck),
                  phases=[Phase.explicit, Phase.generate])  # no shrinking: a failure is reported as found
        @given(case=op.as_strategy())
        def run(case) -> None:  # noqa: ANN001
            response = case.call_and_validate(checks=[not_a_server_error])
            statuses.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)

        run()
    assert len(statuses) == len(ops)  # every operation was called
    assert statuses["POST /api/documents"] == {401}  # generated requests carry no token
    assert 200 in statuses["GET /api/events"] and statuses["GET /api/events"] & {400, 422}


# ---- command line ---------------------------------------------------------------------------------


def test_serve_refuses_a_public_interface_without_the_flag(tmp_path: Path) -> None:
    from khabar.cli import serve  # noqa: F401 - attaches the command

    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "k.db"), "serve", "--host", "0.0.0.0"])
    assert r.exit_code != 0 and "--public" in r.output


def test_public_interface_without_token_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--public binds where asked (uvicorn.run is replaced here so nothing listens on 0.0.0.0 in CI)."""
    import uvicorn

    from khabar.cli import serve  # noqa: F401

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.delenv("KHABAR_TOKEN", raising=False)
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "k.db"), "serve", "--host", "0.0.0.0", "--public"])
    assert r.exit_code == 0 and "without a token" in r.output
    assert calls == [{"host": "0.0.0.0", "port": 8000, "log_level": "warning"}]
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "k.db"), "serve", "--host", "0.0.0.0", "--public"],
                           env={"KHABAR_TOKEN": "t"})
    assert r.exit_code == 0 and "without a token" not in r.output and "write endpoints enabled" in r.output


def test_khabar_serve_answers_on_loopback(store: dict) -> None:
    """The real command in a child process: binds 127.0.0.1, serves the store, stops on SIGTERM."""
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "KHABAR_DB": store["path"]}
    env.pop("KHABAR_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "khabar", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline, stats = time.time() + 60, None
        while time.time() < deadline and stats is None and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/stats", timeout=2) as r:  # noqa: S310
                    stats = json.load(r)
            except OSError:
                time.sleep(0.3)
        assert stats is not None, proc.stderr.read().decode() if proc.poll() is not None else "no answer"
        assert stats["documents"] >= len(store["docs"]) + 1
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def test_loopback_detection() -> None:
    from khabar.cli.serve import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")


def test_highlight_escapes_and_marks_overlaps() -> None:
    text = 'A <b>"x"</b> & B'
    html = str(highlight(text, [Mark(0, 12, "ev", 'e"v', "ev:1"), Mark(2, 5, "m-actor", "<t>")]))
    assert "<b>" not in html and "&lt;b&gt;" in html and "&amp;" in html
    assert 'class="hl ev m-actor"' in html and 'title="e&#34;v; &lt;t&gt;"' in html
    assert '<span class="anchor" id="ev-1"></span>' in html
    assert json.dumps(html)  # one string, no exceptions on odd input
    assert str(highlight("abc", [Mark(2, 99, "ev", "out of range")])) == "abc"


def test_every_endpoint_on_each_backend(db_url: str, pipeline) -> None:  # noqa: ANN001
    """The same store on SQLite and PostgreSQL: every read endpoint and page answers, with the same data."""
    info = build_store(db_url, pipeline)
    c = TestClient(create_app(db_url))
    xss = info["xss"].id
    for url in ["/api/stats", "/api/events?sort=-date&type=ASSAULT", "/api/events?since=2023-02&until=2023-03",
                "/api/events?actor=taliban&bbox=60,30,75,40", "/api/events.csv", "/api/timeline",
                "/api/claims?has_quantity=true", "/api/claims/groups", "/api/actors", "/api/actors/taliban",
                "/api/places?country=AF", "/api/search?q=kabul", f"/api/documents/{xss}", "/api/documents?q=border",
                "/", "/map", "/timeline", "/events?sort=confidence", "/claims", "/actors/taliban",
                f"/documents/{xss}", "/search?q=taliban", "/api-docs", "/api/incidents?actor=taliban&since=2023-03",
                "/api/contradictions?agreements=true", "/api/trends?by=admin1&daily=true", "/api/reliability",
                "/incidents?country=AF", "/api/export?format=stix&type=ASSAULT&tlp=green",
                "/api/export?format=acled-csv&since=2023-02&until=2023-03", "/api/export?format=jsonl&actor=taliban",
                "/api/export?format=plover&country=AF", "/api/export?format=geojson"]:
        assert c.get(url).status_code == 200, url
    incs = c.get("/api/incidents", params={"limit": 500}).json()["items"]
    for inc in incs:
        full = c.get(f"/api/incidents/{inc['id']}").json()
        assert len(full["reports"]) == inc["report_count"]
        assert c.get(f"/incidents/{inc['id']}").status_code == 200
    denied = c.get("/api/events", params={"status": "denied"}).json()["total"]  # skip_statuses: not clustered
    assert sum(i["report_count"] for i in incs) == info["events"] - denied  # each other event in one incident
    pairs = c.get("/api/contradictions").json()["items"]
    assert any(p["kind"] == "denial" and p["a"]["value"] == 4000 for p in pairs)
    exported = c.get("/api/export", params={"format": "geojson"}).json()
    assert {f["id"] for f in exported["features"]} == {f["id"] for f in c.get("/api/events.geojson").json()["features"]}
    plover = c.get("/api/export", params={"format": "plover"}).text.splitlines()
    assert len(plover) == info["events"]
    geo = c.get("/api/events.geojson").json()
    assert len(geo["features"]) == info["geolocated"] and not geo["truncated"]
    kabul = next(f for f in geo["features"] if f["id"] == "ev-xss-kabul")
    assert kabul["geometry"]["coordinates"] == [69.1723, 34.5281] and kabul["properties"]["fatalities"] == 2
    t = c.get("/api/timeline").json()
    assert sum(t["totals"]) + t["undated"] == info["events"]
