"""`khabar events | claims | actors | places`: filtered listings of what extraction stored.

The filtering lives in khabar.store.queries (shared with the REST API); this module only parses options
and prints: rich tables for people, canonical records (docs/record.md) with --json for scripts.
Stored text is untrusted: every cell is a rich Text, never markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import click
from rich import box
from rich.table import Table
from rich.text import Text

from khabar.cli.base import cli, console, fail, json_option, print_json
from khabar.store import queries

_ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2}([T ][\d:.+Z-]*)?)?)?$")
_SNIPPET = 90


def _iso(value: str | None, option: str) -> str | None:
    if value is not None and not _ISO.match(value.strip()):
        fail(f"{option} {value!r}: expected an ISO 8601 date such as 2023, 2023-02 or 2023-02-15")
    return value.strip() if value else None


def _bbox(value: str | None) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        box = tuple(float(x) for x in value.split(","))
    except ValueError:
        box = ()
    if len(box) != 4 or not (box[0] <= box[2] and box[1] <= box[3]):
        fail(f"--bbox {value!r}: expected min_lon,min_lat,max_lon,max_lat")
    return box


def _cell(value: Any, width: int | None = None) -> Text:
    s = "-" if value is None or value == "" else " ".join(str(value).split())
    if width and len(s) > width:
        s = s[: width - 1] + "…"
    return Text(s)


def _date(d: dict[str, Any] | None) -> str | None:
    if not d:
        return None
    start, end = d.get("start"), d.get("end")
    prec = d.get("precision")
    if prec == "month" and start:
        return start[:7]
    if prec == "year" and start:
        return start[:4]
    return start if not end or end == start or prec == "day" else f"{start}..{end}"


def _name(ref: dict[str, Any] | None) -> str | None:
    return None if not ref else ref.get("name") or ref.get("id")


NARROW = 120  # below this many columns the free-text column is left out (--json has everything)


class _Listing:
    """A rich table whose short columns never wrap; free-text ones share the rest of the terminal.

    On a narrow terminal the `optional` columns are dropped rather than folded one word per line.
    """

    def __init__(self, columns: str, wide: str, optional: str = "", title: str | None = None) -> None:
        self.table = Table(title=Text(title) if title else None, box=box.SIMPLE_HEAD, pad_edge=False)
        drop = set(optional.split()) if console.width < NARROW else set()
        self.keep = []
        wide_cols = set(wide.split())
        for i, col in enumerate(columns.split()):
            if col in drop:
                continue
            self.keep.append(i)
            if col in wide_cols:
                self.table.add_column(col, ratio=1, overflow="fold", min_width=6)
            else:
                self.table.add_column(col, no_wrap=True, overflow="ellipsis")

    def add_row(self, *cells: Text) -> None:
        self.table.add_row(*(cells[i] for i in self.keep))

    def print(self) -> None:
        console.print(self.table)


def _footer(shown: int, total: int, offset: int) -> None:
    if total > shown:
        console.print(Text(f"{shown} of {total} shown (from {offset}); use --limit/--offset for more", style="dim"))
    else:
        console.print(Text(f"{total} found", style="dim"))


def _run(state: Any, fetch: Callable[[Any], list[dict[str, Any]]], count: Callable[[Any], int]) -> tuple:
    try:
        with state.engine().connect() as conn:
            return fetch(conn), count(conn)
    except ValueError as exc:
        fail(str(exc))
    raise AssertionError("unreachable")


_common = [
    click.option("--country", multiple=True, metavar="CC", help="ISO 3166-1 alpha-2 code (repeatable)."),
    click.option("--since", metavar="DATE", help="On or after this ISO date (2023, 2023-02, 2023-02-15)."),
    click.option("--until", metavar="DATE", help="On or before this ISO date."),
    click.option("--doc", multiple=True, metavar="ID", help="Only this document (id or prefix; repeatable)."),
    click.option("--limit", default=50, show_default=True, type=click.IntRange(0, queries.MAX_LIMIT)),
    click.option("--offset", default=0, type=click.IntRange(0)),
]


def common(f):  # noqa: ANN001, ANN201 - click decorator
    for opt in reversed(_common):
        f = opt(f)
    return f


def _many(values: tuple[str, ...]) -> list[str] | None:
    return list(values) or None


@cli.command()
@click.option("--actor", metavar="NAME", help="Who acted: actor id, name or alias (includes KB sub-units).")
@click.option("--target", metavar="NAME", help="Who was acted upon.")
@click.option("--type", "type_", multiple=True, metavar="TYPE", help="PLOVER type, e.g. ASSAULT (repeatable).")
@click.option("--status", multiple=True,
              type=click.Choice(["occurred", "planned", "threatened", "alleged", "denied", "historical"]))
@click.option("--min-confidence", type=click.FloatRange(0, 1))
@click.option("--bbox", metavar="W,S,E,N", help="Only events located in this box (lon/lat degrees).")
@click.option("--sort", type=click.Choice(["-date", "date", "confidence"]), default="-date", show_default=True)
@common
@json_option
@click.pass_obj
def events(state, actor, target, type_, status, min_confidence, bbox, sort, country, since, until, doc, limit,
           offset, as_json) -> None:  # noqa: ANN001
    """Events: who did what to whom, where and when, with the sentence it came from.

    \b
    Examples:
      khabar events --actor iskp --country AF --since 2023-01
      khabar events --type ASSAULT --status occurred --json
    """
    filters = dict(actor=actor, target=target, type=_many(type_), country=_many(country),
                   since=_iso(since, "--since"), until=_iso(until, "--until"), doc=_many(doc),
                   status=_many(status), bbox=_bbox(bbox), min_confidence=min_confidence)
    items, total = _run(
        state,
        lambda c: queries.query_events(c, **filters, limit=limit, offset=offset, sort=sort),
        lambda c: queries.count_events(c, **filters),
    )
    if as_json:
        print_json(items)
        return
    table = _Listing("date type status actor target location k/w/a evidence doc", "actor target location evidence",
                     "evidence")
    for e in items:
        loc = e["location"]
        where = None if not loc else f"{loc['name']} ({loc['country'] or '?'})"
        counts = "/".join("-" if e[k] is None else str(e[k]) for k in ("fatalities", "wounded", "arrested"))
        table.add_row(_cell(_date(e["date"])), _cell(e["type"]), _cell(e["status"]), _cell(_name(e["actor"]), 28),
                      _cell(_name(e["target"]), 28), _cell(where, 30), _cell(counts),
                      _cell(e["evidence"]["text"], _SNIPPET), _cell(e["doc_id"][:8]))
    table.print()
    _footer(len(items), total, offset)


def _quantity(q: dict[str, Any] | None) -> str | None:
    if not q:
        return None
    v = q["value"]
    value = f"{int(v):,}" if float(v).is_integer() else f"{v:g}"
    return ("~" if q.get("approximate") else "") + value + (f" {q['unit']}" if q.get("unit") else "")


@cli.command()
@click.option("--actor", metavar="NAME", help="Involved as speaker, subject or the one denied.")
@click.option("--speaker", metavar="NAME", help="Who said it.")
@click.option("--subject", metavar="NAME", help="Who it is about.")
@click.option("--stance", type=click.Choice(["assert", "deny"]))
@click.option("--has-quantity", is_flag=True, help="Only claims stating a figure.")
@click.option("--unit", metavar="WORD", help="Only figures whose unit contains WORD (fighters, people...).")
@click.option("--timeline", is_flag=True, help="With --subject: how the figures evolved, who said what when.")
@click.option("--sort", type=click.Choice(["-date", "date", "confidence"]), default="-date", show_default=True)
@common
@json_option
@click.pass_obj
def claims(state, actor, speaker, subject, stance, has_quantity, unit, timeline, sort, country, since, until, doc,
           limit, offset, as_json) -> None:  # noqa: ANN001
    """Attributed claims: who said what, denied what, with which figures.

    \b
    Examples:
      khabar claims --subject ISIS-K --has-quantity
      khabar claims --subject ISIS-K --timeline
      khabar claims --stance deny --json
    """
    if timeline:
        if not subject:
            fail("--timeline needs --subject (the actor whose figures to follow)")
        _timeline(state, subject, unit, as_json)
        return
    filters = dict(actor=actor, speaker=speaker, subject=subject, stance=stance,
                   has_quantity=True if has_quantity else None, unit=unit, country=_many(country),
                   since=_iso(since, "--since"), until=_iso(until, "--until"), doc=_many(doc))
    items, total = _run(
        state,
        lambda c: queries.query_claims(c, **filters, limit=limit, offset=offset, sort=sort),
        lambda c: queries.count_claims(c, **filters),
    )
    if as_json:
        print_json(items)
        return
    table = _Listing("date speaker verb stance subject quantity content doc", "speaker subject content", "content")
    for c in items:
        sp = c["speaker"]
        who = None
        if sp:
            who = sp["name"] + (f", {sp['role']}" if sp.get("role") else "")
        stance_txt = c["stance"] + (f" ({_name(c['denies'])})" if c.get("denies") else "")
        table.add_row(_cell(_date(c["date"])), _cell(who, 34), _cell(c["verb"]), _cell(stance_txt),
                      _cell(_name(c["subject"]), 24), _cell(_quantity(c["quantity"])),
                      _cell(c["content"], _SNIPPET), _cell(c["doc_id"][:8]))
    table.print()
    _footer(len(items), total, offset)


def _timeline(state: Any, subject: str, unit: str | None, as_json: bool) -> None:
    from khabar.analyse.claims import timeline

    with state.engine().connect() as conn:
        items = timeline(conn, subject, unit)
    if as_json:
        print_json(items)
        return
    figures = [t for t in items if t["value"] is not None or t["stance"] == "deny"]
    if not figures:
        console.print(Text(f"no figures about {subject!r} in the store", style="dim"))
        return
    table = _Listing("date speaker stance figure where source evidence", "speaker where source evidence",
                     "evidence", f"Figures about {subject} over time")
    for t in figures:
        figure = None
        if t["value"] is not None:
            figure = _quantity({"value": t["value"], "unit": t["unit_text"] or t["unit"],
                                "approximate": t["approximate"]})
        table.add_row(_cell(t["date"]), _cell(t["speaker"], 30), _cell(t["stance"]), _cell(figure),
                      _cell(t["qualifier"], 24), _cell(t["source"], 20), _cell(t["evidence"], _SNIPPET))
    table.print()


@cli.command()
@click.option("--name", metavar="TEXT", help="Id, name or alias containing TEXT.")
@click.option("--type", "type_", multiple=True, metavar="TYPE",
              help="state, government, armed_group, party, igo, media, research, person (repeatable).")
@click.option("--country", multiple=True, metavar="CC", help="ISO 3166-1 alpha-2 code (repeatable).")
@click.option("--parent", metavar="NAME", help="Direct sub-units of this actor.")
@click.option("--doc", multiple=True, metavar="ID", help="Mentioned in this document.")
@click.option("--all", "everything", is_flag=True, help="Include KB actors no document mentions.")
@click.option("--sort", type=click.Choice(["mentions", "name"]), default="mentions", show_default=True)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(0, queries.MAX_LIMIT))
@click.option("--offset", default=0, type=click.IntRange(0))
@json_option
@click.pass_obj
def actors(state, name, type_, country, parent, doc, everything, sort, limit, offset, as_json) -> None:  # noqa: ANN001
    """Actors seen in the documents (states, groups, organisations, persons) with mention counts.

    Example: khabar actors --type person --country TJ
    """
    filters = dict(name=name, type=_many(type_), country=_many(country), parent=parent, doc=_many(doc),
                   mentioned=None if everything else True)
    items, total = _run(
        state,
        lambda c: queries.query_actors(c, **filters, with_counts=True, limit=limit, offset=offset, sort=sort),
        lambda c: queries.count_actors(c, **filters),
    )
    if as_json:
        print_json(items)
        return
    table = _Listing("id name type country role/parent aliases mentions docs", "name role/parent aliases", "aliases")
    for a in items:
        extra = a["role"] or a["parent"]
        if a["role"] and a["affiliation"]:
            extra = f"{a['role']} ({a['affiliation']})"
        table.add_row(_cell(a["id"], 32), _cell(a["name"], 40), _cell(a["type"]), _cell(a["country"]),
                      _cell(extra, 30), _cell(", ".join(a["aliases"][:4]), 40), _cell(a["mentions"]),
                      _cell(a["documents"]))
    table.print()
    _footer(len(items), total, offset)


@cli.command()
@click.option("--name", metavar="TEXT", help="Name or id containing TEXT.")
@click.option("--country", multiple=True, metavar="CC", help="ISO 3166-1 alpha-2 code (repeatable).")
@click.option("--precision", multiple=True, type=click.Choice(["point", "city", "admin1", "country", "region",
                                                                "border"]))
@click.option("--doc", multiple=True, metavar="ID", help="Mentioned in this document.")
@click.option("--bbox", metavar="W,S,E,N", help="Only places in this box (lon/lat degrees).")
@click.option("--sort", type=click.Choice(["mentions", "name"]), default="mentions", show_default=True)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(0, queries.MAX_LIMIT))
@click.option("--offset", default=0, type=click.IntRange(0))
@json_option
@click.pass_obj
def places(state, name, country, precision, doc, bbox, sort, limit, offset, as_json) -> None:  # noqa: ANN001
    """Places the documents mention, geocoded, with mention counts.

    Example: khabar places --country AF --precision city
    """
    filters = dict(name=name, country=_many(country), precision=_many(precision), doc=_many(doc), bbox=_bbox(bbox))
    items, total = _run(
        state,
        lambda c: queries.query_places(c, **filters, with_counts=True, limit=limit, offset=offset, sort=sort),
        lambda c: queries.count_places(c, **filters),
    )
    if as_json:
        print_json(items)
        return
    table = _Listing("id name country admin1 lat lon precision mentions docs", "name admin1", "admin1 docs")
    for p in items:
        lat = None if p["lat"] is None else f"{p['lat']:.3f}"
        lon = None if p["lon"] is None else f"{p['lon']:.3f}"
        table.add_row(_cell(p["id"], 32), _cell(p["name"], 32), _cell(p["country"]), _cell(p["admin1"], 24),
                      _cell(lat), _cell(lon), _cell(p["precision"]), _cell(p["mentions"]), _cell(p["documents"]))
    table.print()
    _footer(len(items), total, offset)
