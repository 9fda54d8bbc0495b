"""Write endpoints (ingest a posted document or a list of URLs), mounted only when the server has a token.

Every request must carry `Authorization: Bearer <token>`; otherwise 401 before anything is read or
written. A stored document is extracted at once, so it appears on the map and timeline immediately.
"""

from __future__ import annotations

import hmac
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from khabar.serve.deps import Conn  # noqa: F401 - re-exported for symmetry with the read routers
from khabar.store.documents import add_source, document_exists, insert_document
from khabar.store.records import save_extraction

MAX_TEXT = 2_000_000
MAX_URLS = 100
_lock = threading.Lock()


def require_token(request: Request) -> None:
    """Bearer auth, compared in constant time; the same 401 whatever was wrong."""
    expected = request.app.state.token
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode("utf-8", "surrogatepass"), expected.encode("utf-8")
    ):
        raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(prefix="/api", tags=["ingest (token required)"], dependencies=[Depends(require_token)])


class DocumentIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    title: str | None = Field(default=None, max_length=2000)
    url: str | None = Field(default=None, max_length=4000)
    source: str | None = Field(default=None, max_length=500)
    author: str | None = Field(default=None, max_length=500)
    published: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)


class UrlsIn(BaseModel):
    urls: Annotated[list[Annotated[str, Field(max_length=4000)]], Field(min_length=1, max_length=MAX_URLS)]


def _pipeline(request: Request):  # noqa: ANN202 - extract.pipeline.Pipeline, loaded once per app
    with _lock:
        pipe = getattr(request.app.state, "pipeline", None)
        if pipe is None:
            from khabar.extract.pipeline import load_pipeline

            pipe = request.app.state.pipeline = load_pipeline()
        return pipe


def store_document(request: Request, doc: Any) -> dict[str, Any]:
    """Insert and extract one Document (or add a source to the stored copy) in one transaction."""
    engine = request.app.state.engine
    with engine.begin() as conn:
        if document_exists(conn, doc.id):
            added = add_source(conn, doc)
            return {"id": doc.id, "created": False, "new_source": added}
    pipe = _pipeline(request)
    ext = pipe.extract(doc)
    with engine.begin() as conn:
        insert_document(conn, doc)
        save_extraction(conn, ext, pipe.version)
    return {"id": doc.id, "created": True, "events": len(ext.events), "claims": len(ext.claims)}


@router.post("/documents", status_code=201, summary="Ingest and extract one posted document")
def post_document(request: Request, body: DocumentIn) -> dict[str, Any]:
    from khabar.ingest.normalize import IngestError, make_document

    try:
        doc = make_document(body.text, **body.model_dump(exclude={"text"}))
    except IngestError as exc:
        raise HTTPException(400, f"text: {exc}") from exc
    return store_document(request, doc)


@router.post("/ingest/urls", summary="Fetch, ingest and extract web pages (one result per URL)")
def post_urls(request: Request, body: UrlsIn) -> dict[str, Any]:
    from khabar.ingest.fetch import Fetcher, is_url
    from khabar.ingest.html import html_document
    from khabar.ingest.items import Options
    from khabar.ingest.normalize import IngestError

    results: list[dict[str, Any]] = []
    fetcher = Fetcher(request.app.state.engine, Options())
    try:
        for url in body.urls:
            if not is_url(url):
                results.append({"url": url, "error": "not an http(s) URL"})
                continue
            try:
                resp = fetcher.get(url, conditional=False)
                doc = html_document(resp.content, url=resp.url)
                results.append({"url": url, **store_document(request, doc)})
            except IngestError as exc:
                results.append({"url": url, "error": str(exc)})
    finally:
        fetcher.close()
    return {"results": results, "stored": sum(1 for r in results if r.get("created"))}
