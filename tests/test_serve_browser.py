"""The pages in a real headless Chromium against a server on 127.0.0.1: content drawn, no console errors,
no request leaving the machine, article markup never executed. Screenshots go to tests/_screenshots/."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from fixtures.serve.build_store import build_store

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parent / "_screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    import uvicorn

    from khabar.extract.pipeline import load_pipeline
    from khabar.serve.app import create_app
    from khabar.store import db as store_db

    path = tmp_path_factory.mktemp("browser") / "khabar.db"
    info = build_store(path, load_pipeline())
    app = create_app(str(path))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    info["base"] = f"http://127.0.0.1:{port}"
    yield info
    srv.should_exit = True
    thread.join(timeout=10)
    sock.close()
    store_db.close_all()


@pytest.fixture(scope="module")
def browser() -> Iterator:  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Watch:
    """Console errors, page errors and every request URL of one browser context."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.errors: list[str] = []
        self.requests: list[str] = []

    def attach(self, page) -> None:  # noqa: ANN001
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))

    def check(self) -> None:
        assert self.errors == []
        host = urlparse(self.base).netloc
        outside = [u for u in self.requests if urlparse(u).scheme not in ("data", "about", "blob")
                   and urlparse(u).netloc != host]
        assert outside == [], f"requests leaving 127.0.0.1: {outside}"


@pytest.fixture(params=[(1280, 800), (390, 844)], ids=["desktop", "narrow"])
def page(request: pytest.FixtureRequest, browser, server: dict) -> Iterator:  # noqa: ANN001, ANN201
    width, height = request.param
    ctx = browser.new_context(viewport={"width": width, "height": height})
    pg = ctx.new_page()
    watch = Watch(server["base"])
    watch.attach(pg)
    pg.watch = watch
    pg.size = "desktop" if width > 1000 else "narrow"
    yield pg
    ctx.close()
    watch.check()


def visit(page, server: dict, path: str, name: str) -> None:  # noqa: ANN001
    resp = page.goto(server["base"] + path, wait_until="networkidle")
    assert resp is not None and resp.status == 200, path
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.size}.png"), full_page=True)
    assert page.evaluate("typeof window.__xss") == "undefined", f"injected script ran on {path}"
    width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 1, f"{path} scrolls sideways by {width}px at {page.size}"


def test_map_points_and_popup(page, server: dict) -> None:  # noqa: ANN001
    import json
    from urllib.request import urlopen

    expected = len(json.load(urlopen(server["base"] + "/api/events.geojson"))["features"])  # noqa: S310 - local
    visit(page, server, "/map", "map")
    page.wait_for_selector("#map[data-points]")
    assert page.locator("path.event-point").count() == expected >= 1
    assert page.locator("#map .leaflet-overlay-pane path").count() > expected  # the country layer is drawn
    page.locator('path.event-point[data-id="ev-xss-kabul"]').dispatch_event("click")
    detail = page.locator("#map-detail")
    detail.locator("a.doc-link").wait_for()
    assert "Taliban forces attacked" in detail.inner_text()
    assert "<script>window.__xss=5</script>" in detail.inner_text()  # the place name, as text
    assert detail.locator("script").count() == 0
    page.screenshot(path=str(SHOTS / f"map-popup-{page.size}.png"))
    href = detail.locator("a.doc-link").get_attribute("href")
    page.goto(server["base"] + href, wait_until="networkidle")
    assert page.locator("#ev-ev-xss-kabul").count() == 1


def test_timeline_bars(page, server: dict) -> None:  # noqa: ANN001
    visit(page, server, "/timeline", "timeline")
    assert page.locator("svg.bars rect.bar").count() >= 3
    visit(page, server, "/timeline?type=ASSAULT", "timeline-assault")
    types = set(page.locator("svg.bars rect.bar").evaluate_all("els => els.map(e => e.dataset.type)"))
    assert types == {"ASSAULT"}


def test_events_table_rows(page, server: dict) -> None:  # noqa: ANN001
    visit(page, server, "/events", "events")
    assert page.locator("#events-table tbody tr").count() >= 10
    page.select_option("select[name=type]", "ASSAULT")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    cells = page.locator("#events-table tbody tr td:nth-child(2)").all_inner_texts()
    assert cells and {c.strip() for c in cells} == {"ASSAULT"}
    page.click("button.th-sort[data-col='3']")  # actor column, this page's rows
    actors = [a.strip().lower() for a in page.locator("#events-table tbody tr td:nth-child(4)").all_inner_texts()]
    named = [a for a in actors if a]
    assert len(set(named)) >= 2 and actors[: len(named)] == named  # empty cells last
    in_order = page.evaluate("xs => xs.every((x, i) => i === 0 || xs[i - 1].localeCompare(x) <= 0)", named)
    assert in_order, named


def test_document_highlights_and_xss(page, server: dict) -> None:  # noqa: ANN001
    visit(page, server, f"/documents/{server['docs'][0].id}", "document")
    for cls in ("ev", "cl", "m-date"):
        assert page.locator(f"#doc-text .hl.{cls}").count() >= 1, cls
    page.locator("#doc-text .hl.ev").first.click()
    assert page.locator(".rec-list li.active").count() >= 1
    visit(page, server, f"/documents/{server['xss'].id}", "document-xss")
    text = page.locator("#doc-text").inner_text()
    assert "<script>window.__xss = 1; alert('xss')</script>" in text and 'onmouseover="window.__xss=2"' in text
    page.locator("#doc-text").hover()
    assert page.locator("#doc-text script, #doc-text img").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_other_pages(page, server: dict) -> None:  # noqa: ANN001
    visit(page, server, "/", "overview")
    assert page.locator(".card").count() >= 5
    visit(page, server, "/actors/taliban", "actor")
    assert page.locator("svg.graph line.edge").count() >= 1
    visit(page, server, "/api-docs", "api-docs")
    visit(page, server, "/claims", "claims")
    assert page.locator(".claim-group").count() >= 1
    page.fill("form.search input[name=q]", "Termez")
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_load_state("networkidle")
    assert "Rocket attack from Afghanistan hits Termez" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / f"search-{page.size}.png"))


def test_incidents_list_and_incident_page(page, server: dict) -> None:  # noqa: ANN001
    visit(page, server, "/incidents", "incidents")
    rows = page.locator("#incidents-table tbody tr")
    assert rows.count() >= 5 and page.locator("#incidents-table tbody td.empty").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert "Taliban <b" in page.locator("#incidents-table").inner_text()  # the evil actor name, as text
    page.select_option("select[name=type]", "ASSAULT")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    types = page.locator("#incidents-table tbody tr td:nth-child(2)").all_inner_texts()
    assert types and {t.strip() for t in types} == {"ASSAULT"}
    page.locator("#incidents-table tbody tr td:first-child a").first.click()
    page.wait_for_load_state("networkidle")
    assert "/incidents/inc-" in page.url
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"incident-{page.size}.png"), full_page=True)
    reports = page.locator("#reports-table tbody tr")
    assert reports.count() >= 1
    href = reports.first.locator("td.evidence a").get_attribute("href")
    assert href.startswith("/documents/") and "#ev-" in href
    page.goto(server["base"] + href, wait_until="networkidle")
    assert page.locator("#" + href.split("#", 1)[1]).count() == 1  # the report's sentence in its document
    visit(page, server, "/claims", "claims-contradictions")
    row = page.locator(".contradiction").filter(has_text="4,000").first
    assert row.locator(".claim").count() == 2 and row.locator(".claim.deny").count() == 1
    boxes = [b.bounding_box() for b in row.locator(".claim").all()]
    if page.size == "desktop":  # side by side on one line; stacked on a narrow screen
        assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[0]["x"] < boxes[1]["x"]
