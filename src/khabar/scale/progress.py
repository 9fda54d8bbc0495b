"""A rich progress bar fed by extract_stream's per-batch reports, shared by `khabar ingest` and
`khabar extract` so both show the same thing whether one core or a Dask cluster does the work."""

from __future__ import annotations

from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from khabar.scale import engine as scale_engine


def extract_columns() -> tuple:
    """Columns for an extraction task: what runs where, done of total, time left."""
    return (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(), TimeRemainingColumn())


def add_extract_task(bar: Progress, total: int) -> TaskID:
    return bar.add_task("extracting", total=total, rate="")


def bar_reporter(bar: Progress, task: TaskID) -> scale_engine.ProgressFn:
    """A progress= callback moving `task` of `bar` to the engine's count of finished documents.

    The count comes from the driver as batches return from any worker of the cluster, so it is the
    progress of the whole run, not of one process."""

    def report(p: scale_engine.Progress) -> None:
        where = escape(f"extracting [{p.engine} x{p.workers}]")  # the column renders markup
        if p.failed:
            where += f" ({p.failed} failed)"
        bar.update(task, completed=p.done, description=where, rate=f"{p.rate:.1f} docs/s" if p.done else "")

    return report
