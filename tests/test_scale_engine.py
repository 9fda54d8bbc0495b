"""Scale engines: same input gives the same records in-process, in a process pool and on a Dask cluster;
failures lose nothing and a re-run completes only the missing part."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from khabar.extract.pipeline import pipeline_version
from khabar.model import Document
from khabar.scale.engine import ExtractionFailed, Progress, extract_stream
from khabar.scale.writer import extract_store, pending_ids
from khabar.store import db as store_db
from khabar.store.documents import insert_document
from khabar.store.records import build_record

SHORT = [
    "Taliban fighters attacked a police checkpoint in Kunduz on Monday, killing three officers, the "
    "provincial governor's spokesman said.",
    "Tajik border guards said they detained 12 people trying to cross the Panj river near Khorog on 3 March.",
    "The Interior Ministry denied reports that militants had seized the district centre.",
    "Protesters gathered outside the parliament in Bishkek on Friday to demand the release of a journalist.",
    "Officials said about 4,000 fighters had massed near the border, according to the CSTO.",
    "Пограничники Таджикистана сообщили о перестрелке на границе с Афганистаном.",
    "Pakistan's army said its aircraft struck militant hideouts in North Waziristan, killing 20 fighters.",
]


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        return text.split("\n---\n", 1)[1]
    return text


@pytest.fixture(scope="module")
def corpus(request: pytest.FixtureRequest) -> list[Document]:
    samples = Path(__file__).parent.parent / "src" / "khabar" / "samples"
    docs = [
        Document(id=f"sample-{p.stem}", text=_strip_front_matter(p.read_text(encoding="utf-8")), source="sample")
        for p in sorted(samples.glob("*.txt"))
    ]
    docs += [Document(id=f"short-{i:02d}", text=t, source=f"outlet{i % 3}", published="2023-03-06")
             for i, t in enumerate(SHORT)]
    return docs


@pytest.fixture(scope="module")
def reference(corpus: list[Document]) -> list[dict]:
    """The in-process extraction: what every other engine must reproduce."""
    return [asdict(e) for e in extract_stream(corpus, workers=1, batch_size=3)]


@pytest.fixture(scope="module")
def big(corpus: list[Document]) -> tuple[list[Document], list[dict]]:
    """Enough batches that work is still queued and in flight when a test kills a worker."""
    docs = [replace(d, id=f"{d.id}-{k}") for k in range(4) for d in corpus]
    return docs, [asdict(e) for e in extract_stream(docs, workers=1, batch_size=2)]


def _store(path: Path, docs: list[Document]):  # noqa: ANN202 - Engine
    engine = store_db.open_store(str(path))
    with engine.begin() as conn:
        for d in docs:
            insert_document(conn, d)
    return engine


def _records(engine, docs: list[Document]) -> list[str]:  # noqa: ANN001
    with engine.connect() as conn:
        return [json.dumps(build_record(conn, d.id), sort_keys=True) for d in docs]


def test_in_process_order_and_stages(corpus: list[Document], reference: list[dict]) -> None:
    assert [r["doc_id"] for r in reference] == [d.id for d in corpus]
    assert "events" in reference[2]["stages_run"]  # an English short text ran the full pipeline
    ru = reference[[d.id for d in corpus].index("short-05")]
    assert "events" in ru["stages_skipped"]  # the Russian one did not, and says so
    assert any(r["events"] for r in reference)
    with pytest.raises(ValueError, match="engine must be one of"):
        extract_stream(corpus, engine="spark")


def test_writer_is_idempotent_and_resumes(db_url: str, corpus: list[Document], tmp_path: Path) -> None:
    """An interrupted run keeps what it committed; the re-run extracts only the rest, and the store ends
    up exactly as after one uninterrupted run."""
    engine = store_db.open_store(db_url)
    with engine.begin() as conn:
        for d in corpus:
            insert_document(conn, d)

    class Stop(Exception):
        pass

    def stop_after_two_batches(p: Progress) -> None:
        if p.done >= 4:
            raise Stop

    with pytest.raises(Stop):
        extract_store(engine, batch_size=2, progress=stop_after_two_batches)
    version = pipeline_version()
    left = pending_ids(engine, version)
    assert len(left) == len(corpus) - 4
    stats = extract_store(engine, batch_size=2)
    assert (stats.extracted, stats.failures) == (len(corpus) - 4, [])
    again = extract_store(engine, [d.id for d in corpus])
    assert (again.extracted, again.skipped) == (0, len(corpus))
    assert extract_store(engine, corpus_ids := [d.id for d in corpus[:3]], force=True).extracted == 3
    assert pending_ids(engine, version, corpus_ids) == []
    whole = _store(tmp_path / "whole.db", corpus)
    extract_store(whole, batch_size=5)
    assert _records(engine, corpus) == _records(whole, corpus)


def test_bad_document_fails_alone(corpus: list[Document]) -> None:
    """The pipeline failing on one document costs that document only, in a worker process too."""
    broken = Document(id="broken", text=None)  # type: ignore[arg-type] - what a buggy reader might pass
    docs = [*corpus[:3], broken, *corpus[3:5]]
    for workers in (1, 2):
        got: list[str] = []
        with pytest.raises(ExtractionFailed) as info:
            for ext in extract_stream(docs, workers=workers, batch_size=2):
                got.append(ext.doc_id)
        assert got == [d.id for d in docs if d is not broken]
        assert [f[0] for f in info.value.failures] == ["broken"]
        assert "TypeError" in info.value.failures[0][1]


@pytest.mark.slow
def test_local_pool_matches_and_survives_killed_worker(big: tuple[list[Document], list[dict]]) -> None:
    docs, want = big
    seen: set[int] = set()
    killed: list[int] = []

    def kill_one_worker(p: Progress) -> None:
        seen.update(c.pid for c in multiprocessing.active_children())
        if not killed:
            child = multiprocessing.active_children()[0]
            os.kill(child.pid, signal.SIGKILL)
            killed.append(child.pid)

    got = [asdict(e) for e in extract_stream(docs, workers=2, batch_size=2, progress=kill_one_worker)]
    assert killed and len(seen) > 2  # a new pool took over
    assert got == want


@pytest.mark.slow
def test_dask_local_cluster_same_records(corpus: list[Document], big: tuple[list[Document], list[dict]],
                                        tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    docs, want = big
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        killed: list[int] = []

        def kill_one_worker(p: Progress) -> None:
            if not killed and p.done:  # the nanny restarts it; the scheduler reruns its batches elsewhere
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        got = [asdict(e) for e in extract_stream(docs, engine="dask", scheduler=client, batch_size=2,
                                                 progress=kill_one_worker)]
        assert killed and got == want

        # the same through the store: records equal those of an in-process run
        local = _store(tmp_path / "local.db", corpus)
        extract_store(local, batch_size=3)
        dask_db = _store(tmp_path / "dask.db", corpus)
        stats = extract_store(dask_db, extract_engine="dask", scheduler=cluster.scheduler_address, batch_size=2)
        assert stats.extracted == len(corpus)
        assert _records(dask_db, corpus) == _records(local, corpus)
    err = capfd.readouterr().err
    assert "dask: 2 worker(s) at tcp://127.0.0.1:" in err and "dashboard:" in err
