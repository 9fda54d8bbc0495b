"""Server-rendered pages over the pipeline-built store: content present, article text always escaped."""

from __future__ import annotations

import html as html_mod
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from fixtures.serve.build_store import build_store
from khabar.extract.pipeline import load_pipeline
from khabar.serve.app import create_app
from khabar.serve.pages import FOCUS, dense_weeks
from khabar.store import db as store_db

PAGES = ["/", "/map", "/timeline", "/events", "/events?sort=confidence", "/documents", "/actors",
         "/actors/taliban", "/claims", "/search?q=kabul", "/search?q=taliban", "/documents?q=border", "/api-docs",
         "/incidents", "/incidents?actor=taliban&type=ASSAULT", "/events?type=ASSAULT&status=occurred"]
RAW = ["<script>window.__xss", 'onmouseover="window.__xss', "<b>Evil</b>", '<b onmouseover', "<i>Taliban</i>",
       'href="javascript:', "<img src=x"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    path = tmp_path_factory.mktemp("pages") / "khabar.db"
    info = build_store(path, load_pipeline())
    info["path"] = str(path)
    yield info
    store_db.close_all()


@pytest.fixture(scope="module")
def client(store: dict) -> TestClient:
    return TestClient(create_app(store["path"]))


def doc_text(page: str) -> str:
    """The document text pane of a page with the marking tags removed (entities stay escaped)."""
    return re.sub(r"<[^>]+>", "", page.split('id="doc-text">', 1)[1].split("</div>", 1)[0])


def pages(store: dict) -> list[str]:
    return PAGES + [f"/documents/{store['xss'].id}", f"/documents/{store['docs'][0].id}"]


def test_every_page_renders_with_search_box_and_csp(client: TestClient, store: dict) -> None:
    for url in pages(store):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["content-type"].startswith("text/html")
        assert '<form class="search" action="/search"' in r.text, url
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert not re.search(r"<script(?![^>]*\ssrc=\"/static/)", r.text), f"inline script on {url}"
        assert " style=" not in r.text, f"inline style on {url} (blocked by the CSP)"


def test_article_text_is_escaped_everywhere(client: TestClient, store: dict) -> None:
    for url in pages(store):
        html = client.get(url).text
        for raw in RAW:
            assert raw not in html, f"{raw!r} unescaped on {url}"
    doc = client.get(f"/documents/{store['xss'].id}").text
    assert html_mod.unescape(doc_text(doc)) == store["xss"].text  # all of it shown, as text
    assert "&lt;script&gt;window.__xss = " in doc
    assert "&#34; onmouseover=&#34;window.__xss=2&#34;" in doc
    assert "javascript:alert(3)" in doc  # shown as text, never as a link
    assert "Kabul&lt;script&gt;window.__xss=5&lt;/script&gt;" in client.get("/events").text


def test_document_view_highlights_each_kind(client: TestClient, store: dict) -> None:
    doc = store["docs"][0]
    html = client.get(f"/documents/{doc.id}").text
    rec = client.get(f"/api/documents/{doc.id}").json()
    classes = set(re.findall(r'class="hl ([^"]+)"', html))
    flat = {c for cs in classes for c in cs.split()}
    assert {"ev", "cl", "m-date"} <= flat
    assert flat & {"m-actor", "m-person"} and "deny" in flat
    for e in rec["events"]:
        assert f'id="ev-{e["id"]}"' in html and f'id="rec-ev-{e["id"]}"' in html
    for c in rec["claims"]:
        assert f'id="cl-{c["id"]}"' in html
    assert html_mod.unescape(doc_text(html)) == doc.text  # marking never adds, drops or moves a character
    xss = client.get(f"/documents/{store['xss'].id}").text
    assert 'class="hl m-place"' in xss or "m-place" in xss


def test_events_table_rows_link_to_evidence(client: TestClient) -> None:
    total = client.get("/api/events").json()["total"]
    html = client.get("/events").text
    rows = re.findall(r'href="/documents/([0-9a-f]+)#ev-([^"]+)"', html)
    assert len(rows) == min(total, 50)
    page2 = client.get("/events?page=2").text
    assert ('rel="next"' in html) == (total > 50) and "page 2" in page2
    only = client.get("/events?type=ASSAULT").text
    assert "<td>COERCE</td>" not in only and only.count("#ev-") == client.get(
        "/api/events", params={"type": "ASSAULT"}).json()["total"]


def test_timeline_draws_one_bar_per_week_and_type(client: TestClient) -> None:
    t = dense_weeks(client.get("/api/timeline").json(), focus=FOCUS)
    html = client.get("/timeline").text
    expected = sum(1 for s in t["series"].values() for n in s if n)
    assert html.count('<rect class="bar"') == expected > 0
    assert t["older"] >= 2  # the sample article recalls 1992 and 9/11 (2001): drawn only on request
    assert f'{t["older"]} events before {t["weeks"][0]} are not drawn' in html
    assert t["weeks"][0] > "2001-09-10" and t["weeks"][-1] >= "2023-03"
    older = html_mod.unescape(re.search(r'href="([^"]+)">show them</a>', html).group(1))
    shown = client.get("/timeline" + older).text
    assert shown.count('<rect class="bar"') >= 1  # (a span over ten years again offers the older part)
    recent = client.get("/timeline?since=2023-01-01").text
    t = dense_weeks(client.get("/api/timeline", params={"since": "2023-01-01"}).json())
    assert recent.count('<rect class="bar"') == sum(1 for s in t["series"].values() for n in s if n) > 0


def test_dense_weeks_fills_quiet_weeks_and_caps_the_span() -> None:
    d = {"weeks": ["2023-01-02", "2023-01-23"], "types": ["A", "B"], "series": {"A": [1, 0], "B": [2, 3]},
         "totals": [3, 3], "undated": 0}
    full = dense_weeks(d)
    assert full["weeks"] == ["2023-01-02", "2023-01-09", "2023-01-16", "2023-01-23"]
    assert full["series"] == {"A": [1, 0, 0, 0], "B": [2, 0, 0, 3]} and full["ends"][0] == "2023-01-08"
    capped = dense_weeks(d, max_weeks=2)
    assert capped["weeks"] == ["2023-01-16", "2023-01-23"] and capped["types"] == ["B"]
    assert capped["older"] == 3 and capped["older_until"] == "2023-01-15"
    focused = dense_weeks({**d, "weeks": ["2020-01-06", "2023-01-23"]}, focus=0.5)
    assert focused["weeks"][0] == "2022-11-07" and len(focused["weeks"]) == 12 and focused["older"] == 3


def test_actor_page_has_graph_and_timeline(client: TestClient) -> None:
    html = client.get("/actors/taliban").text
    assert '<svg class="graph"' in html and html.count('<line class="edge"') >= 1
    assert 'href="/actors/iskp"' in html and '<rect class="bar"' in html


def test_claims_page_puts_figures_and_denials_side_by_side(client: TestClient) -> None:
    html = client.get("/claims").text
    assert 'class="claim-group"' in html and "4,000" in html
    assert 'class="claim deny"' in html


def test_claims_page_shows_each_contradiction_on_one_line(client: TestClient) -> None:
    """The CSTO's 4,000 and the Taliban's denial side by side, each linked to its sentence."""
    html = client.get("/claims").text
    section = html.split("<h2>Contradictions", 1)[1].split("<h2>Figures side by side", 1)[0]
    rows = re.findall(r'<section class="claim-group contradiction">(.*?)</section>', section, re.S)
    csto = next(r for r in rows if "4,000" in r and "csto" in r)
    assert '<span class="tag deny">denial</span>' in csto
    sides = re.findall(r'<div class="claim ?(deny)?">', csto)
    assert sides == ["", "deny"]  # the assertion, then the denial beside it
    assert "Sidorov" in csto and "Muttaqi" in csto and "taliban" in csto
    assert csto.count('<a class="ev" href="/documents/') == 2 and "#cl-" in csto
    pairs = client.get("/api/contradictions").json()["items"]
    assert len(rows) == len(pairs)


def test_incidents_list_and_incident_page(client: TestClient) -> None:
    html = client.get("/incidents").text
    table = html.split('id="incidents-table"', 1)[1].split("</table>", 1)[0]
    ids = re.findall(r'<a href="/incidents/([^"]+)">', table)
    api = client.get("/api/incidents", params={"limit": 50}).json()["items"]
    assert ids == [i["id"] for i in api] and ids
    multi = next(i for i in api if i["report_count"] > 1)
    page = client.get(f"/incidents/{multi['id']}").text
    reports = page.split('id="reports-table"', 1)[1].split("</table>", 1)[0]
    inc = client.get(f"/api/incidents/{multi['id']}").json()
    assert reports.count("<tr>") == 1 + len(inc["reports"])  # header + one row per report
    for rep in inc["reports"]:
        assert f'href="/documents/{rep["doc_id"]}#ev-{rep["event_id"]}"' in reports
        assert html_mod.escape(rep["evidence"]["text"], quote=True).replace("&#x27;", "&#39;").replace(
            "&quot;", "&#34;") in reports
    kabul = next(i for i in api if i["location"] and i["location"]["name"] == "Kabul" and "fatalities" in i["figures"])
    page = client.get(f"/incidents/{kabul['id']}").text
    assert "fatalities 2" in page and 'id="figures"' in page
    for raw in RAW:
        assert raw not in page
    filtered = client.get("/incidents", params={"actor": "nobody-at-all"}).text
    assert "No incidents match" in filtered


def test_overview_lists_trend_rises_linked_to_their_events(client: TestClient) -> None:
    html = client.get("/").text
    table = html.split('id="rises"', 1)[1].split("</table>", 1)[0]
    links = re.findall(r'<a href="(/events\?[^"]+)">', table)
    assert links and any("actor=iskp" in u for u in links)
    rise = client.get("/api/trends", params={"by": "actor"}).json()["rises"][0]
    assert rise["period"] in table
    events = client.get(html_mod.unescape(next(u for u in links if "actor=iskp" in u))).text
    assert "No events match" not in events


def test_events_page_offers_exports_of_the_current_filter(client: TestClient) -> None:
    html = client.get("/events", params={"type": "ASSAULT", "country": "AF", "status": "occurred"}).text
    links = [html_mod.unescape(u) for u in re.findall(r'href="(/api/export\?[^"]+)"', html)]
    assert {u.rsplit("format=", 1)[1] for u in links} == {"acled-csv", "geojson", "stix", "plover", "jsonl"}
    assert all("type=ASSAULT" in u and "country=AF" in u and "status" not in u for u in links)
    assert "exports ignore status" in html
    for u in links:
        r = client.get(u)
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"], u


def test_api_page_lists_every_operation_without_a_cdn(client: TestClient) -> None:
    html = client.get("/api-docs").text
    spec = client.get("/openapi.json").json()
    assert html.count('class="claim-group api-op"') == sum(len(m) for m in spec["paths"].values())
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN


def test_map_page_points_at_the_geojson_api(client: TestClient) -> None:
    html = client.get("/map?type=ASSAULT&since=&actor=").text
    assert 'data-api="/api/events.geojson?type=ASSAULT"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    for asset in ("/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css", "/static/map.js",
                  "/static/vendor/topojson-client/topojson-client.min.js", "/static/app.css",
                  "/static/vendor/world-atlas/countries-110m.json"):
        assert client.get(asset).status_code == 200, asset


@pytest.mark.parametrize("url, status", [
    ("/events?since=yesterday", 400), ("/events?min_confidence=x", 400), ("/events?page=0", 422),
    ("/documents/ffffffffffff", 404), ("/actors/nobody", 404), ("/nowhere", 404), ("/events?bbox=1,2", 400),
    ("/incidents/inc-none", 404), ("/incidents?min_sources=0", 400), ("/incidents?since=soon", 400),
])
def test_errors_are_pages(client: TestClient, url: str, status: int) -> None:
    r = client.get(url)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")


def test_overview_shows_counts_alerts_and_incidents(client: TestClient, store: dict) -> None:
    html = client.get("/").text
    stats = client.get("/api/stats").json()
    assert f'<div class="num">{stats["events"]:,}</div>' in html
    assert "assaults-in-afghanistan" in html and "#ev-ev-xss-kabul" in html  # alert -> its evidence
    rows = html.split('id="incidents"', 1)[1].split("</table>", 1)[0].count("<tr><td")
    assert rows == min(10, stats["incidents"]) > 0


ODD = ["", "%", "_", "\\", "'", '"', "\x00", "a" * 300, "2023-13-45", "9" * 25, "-1", "0", "nan", "inf", "<script>",
       "𝔘", "AND OR NEAR(", "1,2,3,4", "-181,0,0,0", "-date", "confidence", "-confidence", "ASSAULT,COERCE"]
PAGE_PARAMS = {
    "/map": ["type", "actor", "target", "country", "since", "until", "status", "min_confidence", "doc", "bbox"],
    "/timeline": ["type", "actor", "country", "since", "until", "bbox", "min_confidence"],
    "/events": ["type", "actor", "country", "since", "until", "sort", "page", "bbox", "status", "doc"],
    "/documents": ["q", "page"], "/actors": ["name", "page"], "/claims": ["subject", "page"], "/search": ["q"],
    "/incidents": ["type", "actor", "country", "since", "until", "min_sources", "page"],
}


def test_odd_page_parameters_never_break_a_page(store: dict) -> None:
    """Pages are not in the OpenAPI document (schemathesis skips them): the same idea, by hand."""
    import random

    c = TestClient(create_app(store["path"]), raise_server_exceptions=False)
    rng = random.Random(4)
    for _ in range(300):
        path = rng.choice(list(PAGE_PARAMS))
        keys = rng.sample(PAGE_PARAMS[path], min(len(PAGE_PARAMS[path]), rng.randint(1, 3)))
        params = {k: rng.choice(ODD) for k in keys}
        r = c.get(path, params=params)
        assert r.status_code < 500, (path, params)
        assert r.headers["content-type"].startswith("text/html"), (path, params)
        assert "<script>" not in r.text.split("<main>", 1)[1]


def test_overview_rises_are_recomputed_when_the_store_changes(store: dict, tmp_path) -> None:  # noqa: ANN001
    import sqlite3

    copy = tmp_path / "copy.db"
    with sqlite3.connect(store["path"]) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    app = create_app(str(copy))
    c = TestClient(app)
    assert "type=ASSAULT&amp;since=" in c.get("/").text.split('id="rises"', 1)[1].split("</table>", 1)[0]
    key = app.state.overview_rises[0]
    assert "type=ASSAULT&amp;since=" in c.get("/").text  # served from the cache
    with sqlite3.connect(copy) as db:
        db.execute("DELETE FROM incident_events WHERE event_id IN (SELECT id FROM events WHERE type = 'ASSAULT')")
        db.execute("DELETE FROM events WHERE type = 'ASSAULT'")
    html = c.get("/").text
    assert app.state.overview_rises[0] != key and "type=ASSAULT&amp;since=" not in html
    store_db.close_all()
