"""Write endpoints (ingest a posted document or a list of URLs), mounted only when the server has a token.

Every request must carry `Authorization: Bearer <token>`; otherwise 401 before anything is read or
written. A stored document is extracted at once, so it appears on the map and timeline immediately.
"""

from __future__ import annotations

import hmac
import io
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from khabar.store.documents import add_source, document_exists, insert_document
from khabar.store.records import save_extraction

MAX_TEXT = 2_000_000
MAX_URLS = 100
_lock = threading.RLock()


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
    with _lock:  # (re-entrant: extraction holds it too)
        pipe = getattr(request.app.state, "pipeline", None)
        if pipe is None:
            from khabar.extract.pipeline import load_pipeline

            pipe = request.app.state.pipeline = load_pipeline()
        return pipe


def store_posted(request: Request, doc: Any) -> dict[str, Any]:
    """Store one Document as `khabar ingest` does (exact and near duplicates handled), then extract it.

    insert_document's own answer decides "created": two requests posting the same text at once both
    pass the existence check, and only the one whose row went in extracts it.
    """
    from khabar.ingest.dedup import bands_of, find_near, signature

    engine = request.app.state.engine
    with engine.begin() as conn:
        if document_exists(conn, doc.id):
            add_source(conn, doc)
            return {"id": doc.id, "created": False}
        sig = signature(doc.text)
        bands = bands_of(sig)
        near = find_near(conn, sig, bands, exclude=doc.id)
        if insert_document(conn, doc, minhash=sig.tobytes(), bands=bands, near=near) is False:
            return {"id": doc.id, "created": False}
    pipe = _pipeline(request)
    with _lock:  # one spaCy pipeline per app, not safe to run from several threads at once
        ext = pipe.extract(doc)
    with engine.begin() as conn:
        save_extraction(conn, ext, pipe.version)
    return {"id": doc.id, "created": True, "near_duplicates": [n for n, _ in near], "events": len(ext.events),
            "claims": len(ext.claims)}


@router.post("/documents", status_code=201, summary="Ingest and extract one posted document")
def post_document(request: Request, body: DocumentIn) -> dict[str, Any]:
    from khabar.ingest.normalize import IngestError, make_document

    try:
        doc = make_document(body.text, **body.model_dump(exclude={"text"}))
    except IngestError as exc:
        raise HTTPException(400, f"text: {exc}") from exc
    return store_posted(request, doc)


@router.post("/ingest/urls", summary="Fetch, ingest and extract pages or feeds, as `khabar ingest URL...` does")
def post_urls(request: Request, body: UrlsIn) -> dict[str, Any]:
    from rich.console import Console

    from khabar.ingest.fetch import is_url
    from khabar.ingest.runner import ExtractOptions, Runner

    bad = [u for u in body.urls if not is_url(u)]
    if bad:
        raise HTTPException(400, f"urls: not an http(s) URL: {bad[0][:200]}")
    log = Console(file=io.StringIO(), highlight=False, width=200)
    counts = Runner(request.app.state.engine, extract=ExtractOptions(enabled=True), err=log,
                    progress=False).run(body.urls)
    return {"summary": counts.summary(), "new": counts.new_ids, "documents": counts.doc_ids,
            "failed": counts.failed, "errors": [ln for ln in log.file.getvalue().splitlines() if ln.strip()]}
