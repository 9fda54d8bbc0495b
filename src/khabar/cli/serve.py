"""`khabar serve`: the analyst web app and REST API on the local store."""

from __future__ import annotations

import ipaddress

import click

from khabar.cli.base import cli, err_console, fail


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--token", envvar="KHABAR_TOKEN", default=None,
              help="Enables the write endpoints, which then need 'Authorization: Bearer TOKEN'. Env: KHABAR_TOKEN.")
@click.option("--public", is_flag=True, help="Allow binding to a non-loopback interface (reachable by others).")
@click.pass_obj
def serve(state, host: str, port: int, token: str | None, public: bool) -> None:  # noqa: ANN001
    """Map, timeline, events, documents, actors and claims in the browser, plus the REST API (/api-docs).

    Binds to 127.0.0.1 by default; anything else needs --public. Read-only unless a token is set.

    Example: khabar serve --port 8080
    """
    if not is_loopback(host):
        if not public:
            fail(f"--host {host} is not a loopback address: add --public to serve other machines")
        if not token:
            err_console.print("[yellow]warning:[/yellow] serving on a public interface without a token: "
                              "the API is read-only, but anyone who can reach it can read the whole store",
                              markup=True, soft_wrap=True)
    import uvicorn

    from khabar.serve.app import create_app

    app = create_app(state.db, token=token)
    err_console.print(f"khabar: http://{host}:{port}/ (API: /api-docs, /openapi.json)"
                      f"{' · write endpoints enabled' if token else ''}", soft_wrap=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
