"""`khabar eval GOLD.jsonl`: how well extraction does against hand annotations (format: docs/eval.md)."""

from __future__ import annotations

from typing import Any

import click
from rich import box
from rich.table import Table
from rich.text import Text

from khabar.cli.base import cli, console, err_console, fail, print_json


def _row(table: Table, name: str, s: dict[str, Any], style: str | None = None) -> None:
    table.add_row(Text(name, style=style or ""), f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}",
                  str(s["tp"]), str(s["pred"]), str(s["gold"]))


def print_report(data: dict[str, Any], show_errors: bool) -> None:
    table = Table(title=Text(f"khabar eval: {data['documents']} document(s)"), box=box.SIMPLE_HEAD)
    for col in ("", "P", "R", "F1", "tp", "pred", "gold"):
        table.add_column(col, justify="left" if not col else "right", no_wrap=True)
    _row(table, "overall", data["overall"], "bold")
    _row(table, "actors", data["actors"], "bold")
    for area in ("events", "claims"):
        _row(table, area, data[area]["overall"], "bold")
        for name, s in data[area]["fields"].items():
            _row(table, f"  {name}", s)
    console.print(table)
    if len(data.get("per_document") or []) > 1:
        docs = Table(title=Text("F1 per document"), box=box.SIMPLE_HEAD)
        for col in ("document", "actors", "events", "claims", "overall"):
            docs.add_column(col, justify="left" if col == "document" else "right", no_wrap=True)
        for d in data["per_document"]:
            docs.add_row(Text(str(d["id"])[:40]), *(f"{d[k]:.3f}" for k in ("actors", "events", "claims", "overall")))
        console.print(docs)
    errors = data["errors"]
    if show_errors and errors:
        for e in errors:
            what = ", ".join(f"{k}={v!r}" for k, v in e.items() if k not in ("doc",))
            console.print(Text(f"{e['doc'][:12]}  {what}", style="dim"))
    elif errors:
        console.print(Text(f"{len(errors)} disagreement(s); --errors lists them", style="dim"))


@cli.command("eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False))
@click.option("--predictions", type=click.Path(exists=True, dir_okay=False),
              help="Score these export records (khabar export --format jsonl) instead of running the pipeline.")
@click.option("--kb", "kb_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra actor knowledge base YAML (repeatable).")
@click.option("--places", "place_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra places YAML (repeatable).")
@click.option("--errors", "show_errors", is_flag=True, help="List every missed, spurious or wrong item.")
@click.option("--min-f1", type=click.FloatRange(0, 1), help="Exit non-zero when overall F1 is below this.")
@click.option("--json", "as_json", is_flag=True, help="Print the full report as one JSON object.")
def eval_command(gold, predictions, kb_paths, place_paths, show_errors, min_f1, as_json) -> None:  # noqa: ANN001
    """Score extraction against hand-annotated GOLD.jsonl: precision, recall, F1 per area and field.

    \b
    Examples:
      khabar eval tests/gold/gold.jsonl
      khabar eval gold.jsonl --errors
      khabar export --format jsonl > out.jsonl && khabar eval gold.jsonl --predictions out.jsonl --json
    """
    from khabar.evaluate import load_gold, load_predictions, predict, score

    docs, problems = load_gold(gold)
    for line in problems:
        err_console.print(Text("error: " + line, style="red"))
    if not docs:
        fail(f"{gold}: no usable gold document")
    if predictions:
        preds, bad = load_predictions(predictions)
        for line in bad:
            err_console.print(Text("error: " + line, style="red"))
        problems += bad
        missing = [d["id"] for d in docs if d["id"] not in preds]
        if missing:
            err_console.print(Text(f"warning: {len(missing)} gold document(s) have no prediction: "
                                   f"{', '.join(m[:12] for m in missing[:5])}", style="yellow"))
    else:
        preds = predict(docs, kb_paths, place_paths)
    data = score(docs, preds).to_dict()
    if as_json:
        print_json(data)
    else:
        print_report(data, show_errors)
    if problems:
        fail(f"{len(problems)} unusable line(s); the scores above leave them out")
    if min_f1 is not None and data["overall"]["f1"] < min_f1:
        fail(f"overall F1 {data['overall']['f1']:.3f} is below --min-f1 {min_f1}")
