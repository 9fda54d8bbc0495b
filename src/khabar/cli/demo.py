"""`khabar demo`: ingest and extract the bundled samples, then show what khabar found in them.

The samples (src/khabar/samples/) cover every input format: the reference article, plus short news items
written for khabar (invented outlets, officials and events, no third-party text) as plain text with front
matter, an HTML page, an RSS feed, JSON Lines with one wire story carried by two outlets, and a WARC.gz.
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import click
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.engine import Connection

from khabar.cli.base import State, cli, console, err_console
from khabar.ingest.items import Options
from khabar.ingest.runner import ExtractOptions, Runner
from khabar.store.records import build_record
from khabar.store.schema import actors, documents

MAX_EVENTS = 25
MAX_CLAIMS = 20


def samples_dir() -> Path:
    return Path(str(resources.files("khabar").joinpath("samples")))


def _short(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _name(ref: dict[str, Any] | None) -> str:
    return (ref or {}).get("name") or (ref or {}).get("id") or "-"


def gather(conn: Connection, doc_ids: list[str]) -> dict[str, Any]:
    """Records of the sample documents and the actors they mention most, for the report."""
    records = [r for r in (build_record(conn, d) for d in doc_ids) if r is not None]
    mentions: Counter[str] = Counter()
    for rec in records:
        for ent in rec["entities"]:
            if ent["actor_id"]:
                mentions[ent["actor_id"]] += 1
        for ev in rec["events"]:
            for ref in (ev["actor"], ev["target"]):
                if ref and ref.get("id"):
                    mentions[ref["id"]] += 1
    names = {r.id: (r.name, r.type) for r in conn.execute(
        select(actors.c.id, actors.c.name, actors.c.type).where(actors.c.id.in_(list(mentions)))
    )} if mentions else {}
    extracted = {r.id for r in conn.execute(
        select(documents.c.id).where(documents.c.id.in_(doc_ids), documents.c.extracted_at.is_not(None)))}
    return {"records": records, "mentions": mentions, "names": names, "extracted": extracted}


def _heading(title: str) -> None:
    console.print(Text("\n" + title, style="bold underline"))


def render(data: dict[str, Any]) -> None:
    """Readable at 80 columns: tables only where columns are short, facts as two-line entries."""
    records = data["records"]
    width = max(60, console.width)
    _heading(f"Documents ({len(records)})")
    room = max(20, width - 8 - 10 - 18 - 6 - 8)
    console.print(Text(f"{'id':8}  {'date':10}  {'source':18}  {'title':{room}}  ev/cl", style="bold"))
    for rec in sorted(records, key=lambda r: r["published"] or ""):
        console.print(Text(f"{rec['id'][:8]}  {(rec['published'] or '-')[:10]:10}  "
                           f"{_short(rec['source'] or '-', 18):18}  {_short(rec['title'] or '-', room):{room}}  "
                           f"{len(rec['events'])}/{len(rec['claims'])}"), no_wrap=True, overflow="ellipsis")

    if data["mentions"]:
        _heading("Top actors")
        top = Table(box=None, header_style="bold", pad_edge=False)
        top.add_column("actor", ratio=1, overflow="ellipsis", no_wrap=True)
        top.add_column("type", no_wrap=True)
        top.add_column("mentions", justify="right")
        for actor_id, n in data["mentions"].most_common(10):
            name, kind = data["names"].get(actor_id, (actor_id, "-"))
            top.add_row(name, kind, str(n))
        console.print(top)

    events = [ev for rec in records for ev in rec["events"]]
    events.sort(key=lambda e: ((e["date"] or {}).get("start") or "", e["doc_id"], e["evidence"]["start"]))
    if events:
        _heading(f"Events ({len(events)})")
        for ev in events[:MAX_EVENTS]:
            line = Text()
            line.append(((ev["date"] or {}).get("start") or "date ?")[:10] + "  ", style="cyan")
            line.append(ev["type"], style="bold red")
            if ev["status"] != "occurred":
                line.append(f" ({ev['status']})", style="red")
            line.append(f"  {_name(ev['actor'])} \u2192 {_name(ev['target'])}")
            place = (ev["location"] or {}).get("name")
            if place:
                line.append(f"  @ {place}", style="green")
            console.print(line, no_wrap=True, overflow="ellipsis")
            console.print(Text("    \u201c" + _short(ev["evidence"]["text"], width - 8) + "\u201d", style="dim"),
                          no_wrap=True, overflow="ellipsis")
        if len(events) > MAX_EVENTS:
            console.print(f"  \u2026 and {len(events) - MAX_EVENTS} more: khabar events")

    claims = [cl for rec in records for cl in rec["claims"]]
    if claims:
        _heading(f"Claims ({len(claims)})")
        for cl in claims[:MAX_CLAIMS]:
            line = Text()
            line.append(_name(cl["speaker"]), style="bold")
            line.append(f"  {cl['verb']}  ")
            line.append(cl["stance"], style="red" if cl["stance"] == "deny" else "blue")
            if cl.get("denies"):
                line.append(f" ({_name(cl['denies'])})")
            q = cl["quantity"]
            if q:
                qty = q.get("text") or f"{q['value']:g}" + (f" {q['unit']}" if q.get("unit") else "")
                line.append(f"  [{qty}]", style="magenta")
            console.print(line, no_wrap=True, overflow="ellipsis")
            console.print(Text("    \u201c" + _short(cl["content"], width - 8) + "\u201d", style="dim"),
                          no_wrap=True, overflow="ellipsis")
        if len(claims) > MAX_CLAIMS:
            console.print(f"  \u2026 and {len(claims) - MAX_CLAIMS} more: khabar claims")


@cli.command()
@click.option("--db", "demo_db", default=None, metavar="PATH|URL",
              help="Store to fill (default: the group's --db, else ./khabar.db).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.pass_obj
def demo(state, demo_db: str | None, no_progress: bool) -> None:  # noqa: ANN001
    """Ingest and extract every bundled sample, then print what khabar found: documents, top actors,
    events (type, actor, target, place, date, evidence) and claims (speaker, stance, quantity).

    Running it again adds nothing (every sample is recognised as a duplicate) and prints the same report.

    \b
    Examples:
      khabar demo
      khabar demo --db /tmp/demo.db && khabar --db /tmp/demo.db show <ID>
    """
    store = State(demo_db or state.db)
    engine = store.engine()
    folder = samples_dir()
    runner = Runner(engine, Options(), ExtractOptions(enabled=True), err=err_console, progress=not no_progress)
    counts = runner.run([str(folder)])
    doc_ids = list(dict.fromkeys(counts.doc_ids))
    with engine.connect() as conn:
        data = gather(conn, doc_ids)
    console.print(Panel.fit(
        f"khabar demo: {len(doc_ids)} documents from {folder}\n{counts.summary()}",
        border_style="cyan"))
    render(data)
    missing = len(doc_ids) - len(data["extracted"])
    if missing:
        err_console.print(f"[yellow]warning:[/yellow] {missing} documents were not extracted")
    console.print("\nNext: [bold]khabar docs[/bold], [bold]khabar show ID[/bold], [bold]khabar events[/bold], "
                  "[bold]khabar serve[/bold]")
    if not counts.ok:
        raise SystemExit(1)
