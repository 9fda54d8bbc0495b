"""The web app: REST API under /api/ and server-rendered pages, on one store, fully offline.

create_app(db_url, token) is the only entry point (`khabar serve`, tests and benchmarks use it). Every
asset is served from the package (static/); the Content-Security-Policy forbids anything else, so a
page can neither load from nor leak to another host, and injected markup could not run script.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from khabar import __version__
from khabar.serve import (
    api_actors,
    api_analysis,
    api_claims,
    api_documents,
    api_events,
    api_export,
    api_ingest,
    api_stats,
    pages,
)
from khabar.serve.deps import package_dir
from khabar.store.db import open_store

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_app(db_url: str | None = None, token: str | None = None) -> FastAPI:
    """An app over the store at db_url; write endpoints exist only when a token is given."""
    app = FastAPI(
        title="khabar",
        version=__version__,
        docs_url=None,  # Swagger UI and ReDoc load from a CDN: /api-docs lists the API from the package
        redoc_url=None,
        description="Source-attributed events, claims, actors and places extracted from news. Read-only "
        "unless the server was started with a token; write endpoints then need it as a bearer token.",
    )
    app.state.engine = open_store(db_url)
    app.state.token = token or None
    for router in (api_documents.router, api_events.router, api_claims.router, api_actors.router,
                   api_stats.router, api_analysis.router, api_export.router):
        app.include_router(router)
    if app.state.token:
        app.include_router(api_ingest.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=package_dir("static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # noqa: ANN001, ANN202
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):  # noqa: ANN202
        if request.url.path.startswith("/api/") or request.url.path.startswith("/static/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        return pages.error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):  # noqa: ANN202
        if request.url.path.startswith("/api/"):
            return await request_validation_exception_handler(request, exc)
        where = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', ())[1:])}: {e.get('msg', '')}"
                          for e in exc.errors()[:5])
        return pages.error_page(request, 422, f"invalid parameters: {where}")

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, exc: ValueError):  # noqa: ANN202
        # filter values the query layer rejects (bad sort, bbox...) are the client's error, not ours
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=400)
        return pages.error_page(request, 400, str(exc))

    return app
