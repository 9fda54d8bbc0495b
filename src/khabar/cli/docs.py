"""`khabar docs` (list and search documents) and `khabar show ID` (one document, its sources and facts)."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table
from rich.text import Text

from khabar.cli.base import cli, console, fail, json_option, print_json
from khabar.store.documents import get_document, list_documents, near_duplicates_of, sources_of
from khabar.store.records import build_record

ENTITY_STYLE = "underline cyan"
EVENT_STYLE = "on dark_red"
CLAIM_STYLE = "on dark_blue"


@cli.command()
@click.option("--source", default=None, help="Only this outlet (case-insensitive exact name).")
@click.option("--since", default=None, metavar="DATE", help="Published on or after DATE (YYYY[-MM[-DD]]).")
@click.option("--until", default=None, metavar="DATE", help="Published on or before DATE (whole day included).")
@click.option("--language", default=None, metavar="CODE", help="ISO 639-1 language code, e.g. en.")
@click.option("--search", default=None, metavar="WORDS", help="Full-text search over titles and texts.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True)
@json_option
@click.pass_obj
def docs(state, source: str | None, since: str | None, until: str | None, language: str | None,  # noqa: ANN001
         search: str | None, limit: int, offset: int, as_json: bool) -> None:
    """List stored documents, newest first, with filters and full-text search.

    \b
    Examples:
      khabar docs --since 2023-02-01 --source "Pamir Observer"
      khabar docs --search "border guards" --json
    """
    with state.engine().connect() as conn:
        rows = list_documents(conn, source=source, language=language, since=since, until=until, search=search,
                              limit=limit, offset=offset)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no documents match")
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("id", no_wrap=True, min_width=12)
    table.add_column("published", no_wrap=True, min_width=10)
    table.add_column("source", max_width=22, overflow="ellipsis", no_wrap=True)
    table.add_column("lang", no_wrap=True)
    table.add_column("title", min_width=24, ratio=1, overflow="fold")
    table.add_column("ext", no_wrap=True)
    for r in rows:
        table.add_row(r["id"][:12], (r["published"] or "-")[:10], r["source"] or "-", r["language"] or "-",
                      r["title"] or "(untitled)", "yes" if r["extracted_at"] else "no")
    console.print(table)


def marked_text(text: str, record: dict[str, Any]) -> Text:
    """The document text with entity mentions, event evidence and claim evidence styled (no markup parsed)."""
    out = Text(text)
    for ev in record["events"]:
        out.stylize(EVENT_STYLE, ev["evidence"]["start"], ev["evidence"]["end"])
    for cl in record["claims"]:
        out.stylize(CLAIM_STYLE, cl["evidence"]["start"], cl["evidence"]["end"])
    for ent in record["entities"]:
        out.stylize(ENTITY_STYLE, ent["start"], ent["end"])
    return out


def _ref(ref: dict[str, Any] | None) -> str:
    return "-" if not ref else (ref.get("name") or ref.get("id") or "-")


def _event_line(ev: dict[str, Any]) -> str:
    loc = (ev.get("location") or {}).get("name")
    date = (ev.get("date") or {}).get("start")
    parts = [ev["type"], f"actor={_ref(ev.get('actor'))}", f"target={_ref(ev.get('target'))}"]
    parts += [f"place={loc}" if loc else "", f"date={date}" if date else "",
              f"status={ev['status']}" if ev.get("status") not in (None, "occurred") else ""]
    return "  ".join(p for p in parts if p)


def _claim_line(cl: dict[str, Any]) -> str:
    q = cl.get("quantity")
    parts = [f"{_ref(cl.get('speaker'))} {cl['verb']} ({cl['stance']})"]
    if q:
        parts.append("quantity=" + (q.get("text") or f"{q['value']:g}" + (f" {q['unit']}" if q.get("unit") else "")))
    return "  ".join(parts)


def _flat(text: str) -> str:
    return " ".join(text.split())


@cli.command()
@click.argument("doc_id", metavar="ID")
@click.option("--no-text", is_flag=True, help="Metadata, sources and facts only.")
@json_option
@click.pass_obj
def show(state, doc_id: str, no_text: bool, as_json: bool) -> None:  # noqa: ANN001
    """One document: metadata, every source it was seen at, near-duplicates, and its text with the
    entities (underlined), events (red) and claims (blue) extraction found. ID may be a unique prefix.

    \b
    Examples:
      khabar show 9849c0291ea3
      khabar show 9849c0291ea3 --json      # the full canonical record, with text
    """
    with state.engine().connect() as conn:
        doc = get_document(conn, doc_id)
        if doc is None:
            fail(f"no document with id or unique id prefix {doc_id!r}")
        record = build_record(conn, doc.id, with_text=True)
        record["sources"] = sources_of(conn, doc.id)
        record["near_duplicates"] = near_duplicates_of(conn, doc.id)
    if as_json:
        print_json(record)
        return
    meta = Table(show_header=False, box=None)
    for key in ("id", "title", "source", "author", "published", "language", "url", "path"):
        if record.get(key):
            meta.add_row(Text(key, style="bold"), Text(str(record[key])))
    if record.get("meta"):
        meta.add_row(Text("meta", style="bold"), Text(", ".join(f"{k}={v}" for k, v in record["meta"].items())))
    extraction = record.get("extraction")
    meta.add_row(Text("extracted", style="bold"), Text("yes" if extraction else "no (not extracted yet)"))
    console.print(meta)
    console.print(Text(f"\nsources ({len(record['sources'])})", style="bold"))
    for s in record["sources"]:
        console.print(Text(f"  {s['source'] or '-'}  {s['published'] or '-'}  {s['url'] or s['path'] or ''}"))
    if record["near_duplicates"]:
        console.print(Text(f"\nnear-duplicates ({len(record['near_duplicates'])})", style="bold"))
        for n in record["near_duplicates"]:
            console.print(Text(f"  {n['id'][:12]}  similarity {n['similarity']:.2f}  {n['source'] or '-'}  "
                               f"{n['title'] or ''}"))
    if record["events"]:
        console.print(Text(f"\nevents ({len(record['events'])})", style="bold"))
        for ev in record["events"]:
            console.print(Text("  " + _event_line(ev)))
            console.print(Text(f"    \u201c{_flat(ev['evidence']['text'])}\u201d", style="dim"))
    if record["claims"]:
        console.print(Text(f"\nclaims ({len(record['claims'])})", style="bold"))
        for cl in record["claims"]:
            console.print(Text("  " + _claim_line(cl)))
            console.print(Text(f"    \u201c{_flat(cl['evidence']['text'])}\u201d", style="dim"))
    if not no_text:
        console.print(Text("\ntext", style="bold"))
        console.print(marked_text(record["text"], record))
