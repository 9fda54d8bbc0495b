"""`khabar import`: restore canonical JSONL records (from `khabar export --format jsonl --with-text`)."""

from __future__ import annotations

from pathlib import Path

import click

from khabar.cli.base import cli, console, err_console, fail


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace the extraction of documents already in the store.")
@click.pass_obj
def import_cmd(state, files: tuple[Path, ...], replace: bool) -> None:  # noqa: ANN001
    """Load JSONL records into the store: documents with their entities, events and claims.

    Documents already stored are left as they are unless --replace. A bad line is reported and skipped.

    Example: khabar import backup.jsonl
    """
    from khabar.export.importer import import_lines

    engine = state.engine()
    imported = skipped = 0
    errors: list[str] = []
    for path in files:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            res = import_lines(engine, fh, name=str(path), replace=replace,
                               on_error=lambda m: err_console.print(f"[red]error:[/red] {m}", markup=True,
                                                                    highlight=False, soft_wrap=True))
        imported += res.imported
        skipped += res.skipped_existing
        errors += res.errors
    console.print(f"imported {imported} documents, {skipped} already stored, {len(errors)} errors")
    if errors:
        fail(f"{len(errors)} records not imported (see above)")
