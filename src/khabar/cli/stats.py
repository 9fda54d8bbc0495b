"""`khabar stats`: what the store holds."""

from __future__ import annotations

import click
from rich.table import Table
from sqlalchemy import func, select

from khabar.cli.base import cli, console, json_option, print_json
from khabar.store import schema


def store_stats(conn) -> dict[str, int | str | None]:  # noqa: ANN001 - Connection
    counts: dict[str, int | str | None] = {}
    for name in ("documents", "document_sources", "near_duplicates", "actors", "places", "mentions",
                 "events", "claims", "incidents"):
        table = schema.metadata.tables[name]
        counts[name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
    d = schema.documents.c
    counts["extracted_documents"] = conn.execute(
        select(func.count()).where(d.extracted_at.is_not(None))
    ).scalar_one()
    counts["earliest_published"] = conn.execute(select(func.min(d.published))).scalar_one()
    counts["latest_published"] = conn.execute(select(func.max(d.published))).scalar_one()
    return counts


@cli.command()
@json_option
@click.pass_obj
def stats(state, as_json: bool) -> None:  # noqa: ANN001
    """Counts of documents, sources, actors, places, events and claims in the store.

    Example: khabar stats --json
    """
    with state.engine().connect() as conn:
        data = store_stats(conn)
    if as_json:
        print_json(data)
        return
    table = Table(show_header=False, box=None)
    for key, value in data.items():
        table.add_row(key.replace("_", " "), "-" if value is None else str(value))
    console.print(table)
