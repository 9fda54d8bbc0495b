"""Cross-source analysis commands: incidents, show-incident, contradictions, trends, reliability, alerts, cluster.

Every command takes --config FILE (analysis settings merged over the packaged khabar/data/analysis.yaml;
env KHABAR_CONFIG) and --json. The library behind them is khabar.analyse; these functions only parse
options, call it and print.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from khabar.cli.base import cli, console, err_console, fail, json_option, print_json

BY_CHOICES = ("actor", "country", "admin1", "type")


def config_option(f):  # noqa: ANN001, ANN201 - click decorator
    return click.option(
        "--config", "config_path", default=None, metavar="FILE", envvar="KHABAR_CONFIG",
        help="Analysis settings (YAML) merged over the packaged defaults. Env: KHABAR_CONFIG.",
    )(f)


def _cfg(path: str | None) -> dict[str, Any]:
    from khabar.analyse.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits


def _quote(text: str | None) -> str:
    """An evidence sentence on one line (source line breaks dropped), markup escaped, in quotes."""
    return "\u201c" + escape(" ".join((text or "").split())) + "\u201d"


def _s(value: Any) -> str:
    """Untrusted text for a rich table cell: markup escaped, '-' for nothing."""
    return "-" if value is None or value == "" else escape(str(value))


def _figure(fig: dict[str, Any] | None) -> str:
    if not fig:
        return "-"
    if fig["min"] == fig["max"]:
        return str(fig["consensus"])
    return f"{fig['consensus']} ({fig['min']}-{fig['max']})"


def _place(loc: dict[str, Any] | None) -> str:
    if not loc:
        return "-"
    parts = [loc.get("name"), loc.get("admin1") if loc.get("admin1") != loc.get("name") else None, loc.get("country")]
    return ", ".join(str(p) for p in parts if p)


def _date(d: dict[str, Any] | None) -> str:
    if not d:
        return "-"
    return d["start"] if d["start"] == d["end"] else f"{d['start']}..{d['end']}"


def _when(ts: str | None) -> str | None:
    """A stored timestamp shortened for a table cell (minutes, no offset)."""
    return ts[:16].replace("T", " ") if ts else ts


# ---- incidents ----------------------------------------------------------------------------------------


@cli.command()
@click.option("--since", metavar="DATE", help="Only incidents with a report dated on/after DATE (ISO, may be partial).")
@click.option("--until", metavar="DATE", help="Only incidents with a report dated on/before DATE.")
@click.option("--type", "type_", metavar="TYPE", help="PLOVER event type of a report, e.g. ASSAULT.")
@click.option("--actor", metavar="ID|NAME", help="Actor (id or name) on either side of a report.")
@click.option("--country", metavar="CC", help="ISO 3166-1 alpha-2 country of a report, e.g. AF.")
@click.option("--min-sources", type=click.IntRange(1), default=1, show_default=True,
              help="Minimum number of independent sources (wire copies count once).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@config_option
@json_option
@click.pass_obj
def incidents(state, since, until, type_, actor, country, min_sources, limit, config_path, as_json) -> None:  # noqa: ANN001, PLR0913
    """Merged events: one row per real-world incident, with its independent sources and consensus figures.

    \b
    Example:
      khabar incidents --country AF --min-sources 2
      khabar incidents --actor iskp --since 2026-10 --json
    """
    from khabar.analyse.incidents import find_incidents

    _cfg(config_path)  # a broken --config file is reported even though listing needs no setting
    with state.engine().connect() as conn:
        rows = find_incidents(conn, since=since, until=until, type=type_, actor=actor, country=country,
                              min_sources=min_sources, limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no incidents match (run `khabar cluster` if events were ingested without clustering)")
        return
    console.print(f"{len(rows)} incident(s), most recently reported first; details: khabar show-incident ID")
    for r in rows:  # one line each: ids must stay whole and copyable at any terminal width
        actors = ", ".join(a["name"] for a in r["actors"][:2]) or "-"
        fat = r["figures"].get("fatalities")
        console.print(
            f"{escape(r['id'])}  {_date(r['date'])}  {escape(r['type'])}  {_s(_place(r['location']))}  "
            f"actor {_s(actors)}  sources {r['independent_sources']} ({r['document_count']} docs)"
            + (f"  fatalities {_figure(fat)}" if fat else "")
            + f"  first reported {_s(_when(r['first_reported']))}",
            soft_wrap=True,
        )


@cli.command("show-incident")
@click.argument("incident_id")
@config_option
@json_option
@click.pass_obj
def show_incident(state, incident_id: str, config_path, as_json: bool) -> None:  # noqa: ANN001
    """Every report of one incident: source, date, figures, evidence and why it was merged.

    ID may be a unique prefix of at least 6 characters.

    \b
    Example:
      khabar show-incident inc-3f2a9c --json
    """
    from khabar.analyse.incidents import get_incident

    _cfg(config_path)
    with state.engine().connect() as conn:
        inc = get_incident(conn, incident_id)
    if inc is None:
        fail(f"incident {incident_id}: not found (see `khabar incidents`)")
    if as_json:
        print_json(inc)
        return
    console.print(f"[bold]{escape(inc['id'])}[/bold]  {escape(inc['type'])}  {_date(inc['date'])}  "
                  f"{escape(_place(inc['location']))}")
    console.print(f"first reported {_s(inc['first_reported'])}; {inc['report_count']} report(s) in "
                  f"{inc['document_count']} document(s); {inc['independent_sources']} independent source(s): "
                  f"{escape(', '.join(inc['sources']))}")
    for name, fig in inc["figures"].items():
        values = ", ".join(f"{v['value']} ({v['source'] or '?'})" for v in fig["reports"])
        console.print(f"{name}: consensus {fig['consensus']}, range {fig['min']}-{fig['max']}: {escape(values)}")
    for r in inc["reports"]:
        figures = ", ".join(f"{f} {r[f]}" for f in ("fatalities", "wounded", "arrested") if r[f] is not None)
        link = r.get("link") or {}
        why = (f"merged at {link['score']:.2f} with {link['matched']}" if "score" in link
               else "first report" if link.get("founded") else "")
        console.print()
        console.print(f"[bold]{_s(r['source'])}[/bold]  published {_s(r['published'])}  event date "
                      f"{_s(r['date'])}  {escape(r['type'])}/{escape(r['status'])}"
                      + (f"  {escape(figures)}" if figures else ""))
        console.print(f"  doc {escape(r['doc_id'])}  event {escape(r['event_id'])}" + (f"  ({why})" if why else ""))
        if r["url"]:
            console.print(f"  {escape(r['url'])}")
        console.print(f"  {_quote(r['evidence']['text'])}", soft_wrap=True)


@cli.command()
@click.option("--rebuild", is_flag=True, help="Forget all incidents and cluster every event again "
              "(after changing thresholds in --config).")
@config_option
@json_option
@click.pass_obj
def cluster(state, rebuild: bool, config_path, as_json: bool) -> None:  # noqa: ANN001
    """Merge event reports into incidents: the events not clustered yet, or all of them with --rebuild.

    \b
    Example:
      khabar cluster
      khabar cluster --rebuild --config my-analysis.yaml
    """
    from khabar.analyse.incidents import cluster_pending, count_incidents, rebuild_incidents

    cfg = _cfg(config_path)
    with state.engine().begin() as conn:
        stats = rebuild_incidents(conn, cfg) if rebuild else cluster_pending(conn, cfg)
        stats["incidents"] = count_incidents(conn)
    if as_json:
        print_json(stats)
        return
    console.print(f"{stats['events']} event(s) clustered: {stats.get('joined', 0)} joined an incident, "
                  f"{stats.get('created', 0)} new, {stats.get('merged', 0)} incident merge(s), "
                  f"{stats.get('pruned', 0)} emptied incident(s) removed; {stats['incidents']} incident(s) in store")


# ---- claims across sources -------------------------------------------------------------------------


def _side_line(side: dict[str, Any]) -> str:
    who = side["speaker"] or f"({side['source'] or 'unattributed'})"
    value = "" if side["value"] is None else f": {side['value']:g} {side['unit_text'] or ''}".rstrip()
    return (f"{escape(who)} \\[{escape(side['stance'])}] {_s(side['date'])} via {_s(side['source'])}{escape(value)}"
            f"\n    {_quote(side['evidence'])}")


@cli.command()
@click.option("--subject", metavar="ID|NAME", help="Only claims about this actor (id, name or alias), e.g. iskp.")
@click.option("--agreements", is_flag=True, help="Also list agreements (two speakers giving the same figure).")
@config_option
@json_option
@click.pass_obj
def contradictions(state, subject, agreements: bool, config_path, as_json: bool) -> None:  # noqa: ANN001
    """Conflicting claims across sources: denials and figures that disagree beyond the tolerance.

    \b
    Example:
      khabar contradictions --subject iskp
      khabar contradictions --agreements --json
    """
    from khabar.analyse.contradictions import find_contradictions

    cfg = _cfg(config_path)
    kinds = ("denial", "disagreement") + (("agreement",) if agreements else ())
    with state.engine().connect() as conn:
        pairs = find_contradictions(conn, subject=subject, cfg=cfg, kinds=kinds)
    if as_json:
        print_json(pairs)
        return
    if not pairs:
        console.print("no " + ("contradictions or agreements" if agreements else "contradictions") + " found")
        return
    for i, p in enumerate(pairs, 1):
        diff = "" if p["difference"] is None else f" (differ by {p['difference']:.0%})"
        what = " ".join(str(x) for x in (p["subject"], p["unit"], p.get("qualifier") and f"in {p['qualifier']}")
                        if x)
        console.print(f"[bold]{i}. {p['kind']}[/bold]{diff}: {escape(what)}", soft_wrap=True)
        console.print(f"  A {_side_line(p['a'])}", soft_wrap=True)
        console.print(f"  B {_side_line(p['b'])}", soft_wrap=True)


# ---- trends -----------------------------------------------------------------------------------------


@cli.command()
@click.option("--by", type=click.Choice(BY_CHOICES), default="type", show_default=True, help="Series key.")
@click.option("--daily", is_flag=True, help="Daily periods instead of weekly (ISO weeks, keyed by Monday).")
@click.option("--rises-only", is_flag=True, help="Only the periods flagged as unusual rises.")
@click.option("--since", metavar="DATE", help="Show periods from DATE on (history before still forms baselines).")
@config_option
@json_option
@click.pass_obj
def trends(state, by: str, daily: bool, rises_only: bool, since, config_path, as_json: bool) -> None:  # noqa: ANN001
    """Event counts per week (or day) per actor, country, admin1 or type, with unusual rises flagged.

    A rise: count >= trends.min_count and P(X >= count) < trends.p_value under a Poisson law whose mean is
    the series' own average over the previous trends.baseline_periods periods.

    \b
    Example:
      khabar trends --by country --rises-only
      khabar trends --by actor --daily --json
    """
    from khabar.analyse.trends import rises
    from khabar.analyse.trends import trends as compute

    cfg = _cfg(config_path)
    with state.engine().connect() as conn:
        series = compute(conn, by=by, daily=daily, cfg=cfg, since=since)
    flagged = rises(series)
    if as_json:
        print_json(flagged if rises_only else series)
        return
    unit = "day" if daily else "week"
    if rises_only:
        if not flagged:
            console.print(f"no unusual {'daily' if daily else 'weekly'} rises by {by}")
            return
        table = Table(title=f"unusual rises by {by} ({'daily' if daily else 'weekly'})", title_justify="left")
        for col in (by, unit, "count", "baseline mean", "p-value"):
            table.add_column(col)
        for r in flagged:
            table.add_row(_s(r["label"]), r["period"], str(r["count"]), f"{r['baseline']:.2f}", f"{r['p_value']:.2g}")
        console.print(table)
        return
    if not series:
        console.print("no events to count")
        return
    table = Table(title=f"events per {unit} by {by}", title_justify="left")
    for col in (by, "total", f"last {unit}", "count", "baseline mean", "p-value", "rises"):
        table.add_column(col)
    for s in series:
        last = s["periods"][-1] if s["periods"] else None
        n_rises = sum(1 for p in s["periods"] if p["rise"])
        table.add_row(
            _s(s["label"]), str(s["total"]), last["period"] if last else "-", str(last["count"]) if last else "-",
            "-" if not last or last["baseline"] is None else f"{last['baseline']:.2f}",
            "-" if not last or last["p_value"] is None else f"{last['p_value']:.2g}",
            str(n_rises) if n_rises else "-",
        )
    console.print(table)


# ---- reliability ------------------------------------------------------------------------------------


@cli.command()
@config_option
@json_option
@click.pass_obj
def reliability(state, config_path, as_json: bool) -> None:  # noqa: ANN001
    """Per outlet and per speaker: claims, contradicted, corroborated, and the configured Admiralty grade.

    Grades (reliability A-F, credibility 1-6) come from the `reliability` section of --config.

    \b
    Example:
      khabar reliability --config grades.yaml --json
    """
    from khabar.analyse.reliability import reliability_table

    cfg = _cfg(config_path)
    try:
        with state.engine().connect() as conn:
            data = reliability_table(conn, cfg)
    except ValueError as exc:  # a grade outside A-F / 1-6 in the user's file
        fail(f"{config_path or 'configuration'}: {exc}")
    if as_json:
        print_json(data)
        return
    src = Table(title="sources", title_justify="left")
    for col in ("source", "grade", "docs", "events", "corroborated events", "claims", "contradicted",
                "corroborated claims"):
        src.add_column(col)
    for r in data["sources"]:
        grade = r["grade"]["code"] + ("" if r["grade"]["configured"] else " (default)")
        src.add_row(_s(r["source"]), grade, str(r["documents"]), str(r["events"]), str(r["events_corroborated"]),
                    str(r["claims"]), str(r["contradicted"]), str(r["corroborated"]))
    console.print(src)
    spk = Table(title="speakers", title_justify="left")
    for col in ("speaker", "grade", "claims", "denied", "disagreed", "corroborated"):
        spk.add_column(col)
    for r in data["speakers"]:
        grade = r["grade"]["code"] + ("" if r["grade"]["configured"] else " (default)")
        spk.add_row(_s(r["speaker"]), grade, str(r["claims"]), str(r["denied"]), str(r["disagreed"]),
                    str(r["corroborated"]))
    console.print(spk)


# ---- alerts -----------------------------------------------------------------------------------------


@cli.command()
@click.option("--rules", "rules_path", required=True, metavar="RULES.yaml", help="Watch rules (see docs/analysis.md).")
@click.option("--out", "out_path", metavar="FILE.jsonl", help="Append each new alert as one JSON line.")
@click.option("--webhook", metavar="URL", help="POST each new alert as JSON to this http(s) URL.")
@click.option("--since", metavar="DATE", help="Only documents ingested on/after DATE (ISO).")
@click.option("--dry-run", is_flag=True, help="Show what would be reported without remembering it.")
@config_option
@json_option
@click.pass_obj
def alerts(state, rules_path, out_path, webhook, since, dry_run: bool, config_path, as_json: bool) -> None:  # noqa: ANN001, PLR0913
    """Evaluate watch rules over the store and report each match once, with its evidence sentence.

    Alerts already reported are remembered in the store: running the command again reports only new
    matches. A failed webhook delivery stops the run; undelivered alerts are retried next time.

    \b
    Example:
      khabar alerts --rules watch.yaml --out alerts.jsonl
      khabar alerts --rules watch.yaml --webhook http://127.0.0.1:8080/hook --json
    """
    from khabar.analyse.alerts import RuleError, deliver, evaluate, load_rules

    _cfg(config_path)
    try:
        rules = load_rules(rules_path)
    except RuleError as exc:
        fail(str(exc))
    try:
        fh = open(out_path, "a", encoding="utf-8") if out_path else nullcontext(None)  # noqa: SIM115
    except OSError as exc:
        fail(f"{out_path}: cannot write ({exc.strerror or exc})")
    with fh as out, state.engine().begin() as conn:
        found = evaluate(conn, rules, since=since)
        if dry_run:
            done, error = len(found), None
        else:
            done, error = deliver(conn, found, out=out, webhook=webhook)
    shown = found[:done]
    if as_json:
        print_json(shown)
    elif not shown:
        err_console.print("no new alerts")
    else:
        for a in shown:
            where = a.get("location") or {}
            place = ", ".join(str(x) for x in (where.get("name"), where.get("country")) if x)
            what = a.get("type") or f"mention '{a['mention']['text']}'"
            console.print(f"[bold]{escape(a['rule'])}[/bold]  {escape(str(what))}  {escape(place)}  "
                          f"{_s(a['source'])} {_s(a['published'])}  doc {escape(a['doc_id'])}", soft_wrap=True)
            console.print(f"  {_quote(a['sentence'])}", soft_wrap=True)
    if error:
        fail(f"{error}; {done} of {len(found)} alert(s) delivered, the rest will be retried on the next run")
    if not as_json:
        note = " (dry run: not remembered)" if dry_run else ""
        targets = [t for t in (out_path, webhook) if t]
        err_console.print(f"{done} new alert(s){' -> ' + ', '.join(targets) if targets else ''}{note}")
    sys.stdout.flush()
