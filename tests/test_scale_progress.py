"""The extraction progress bar follows the engine's reports (from any worker of a cluster)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import Progress

from khabar.scale import engine as scale_engine
from khabar.scale.progress import add_extract_task, bar_reporter, extract_columns


def test_bar_follows_engine_reports_and_names_engine_and_failures() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=140, color_system=None)
    with Progress(*extract_columns(), console=console, auto_refresh=False) as bar:
        task = add_extract_task(bar, 40)
        report = bar_reporter(bar, task)
        report(scale_engine.Progress("dask", 2, 0, 0, 0.0, "http://127.0.0.1:8787/status"))
        assert bar.tasks[0].completed == 0 and "[dask x2]" in console.render_str(bar.tasks[0].description).plain
        report(scale_engine.Progress("dask", 2, 10, 0, 2.0))
        report(scale_engine.Progress("dask", 2, 24, 3, 4.0))
        bar.refresh()
        t = bar.tasks[0]
        assert t.completed == 24 and "(3 failed)" in t.description and t.fields["rate"] == "6.0 docs/s"
    assert "24/40" in out.getvalue() and "extracting [dask x2] (3 failed)" in out.getvalue()


def test_in_process_stream_drives_the_bar_to_the_end() -> None:
    from khabar.model import Document

    docs = [Document(id=f"d{i}", text=f"Officials said {i} people were detained in the capital on Monday.")
            for i in range(5)]
    with Progress(*extract_columns(), disable=True) as bar:
        task = add_extract_task(bar, len(docs))
        got = list(scale_engine.extract_stream(docs, batch_size=2, progress=bar_reporter(bar, task)))
        assert [e.doc_id for e in got] == [d.id for d in docs]
        assert bar.tasks[0].completed == 5 and "local x1" in bar.tasks[0].description
