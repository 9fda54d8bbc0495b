"""The assembled pipeline: stage order, re-flow of hard-wrapped text with offsets kept, batching in input
order, non-English documents, version fingerprint, and the sample article end to end."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from khabar.extract.pipeline import COMPONENTS, STAGES, load_pipeline, reflow
from khabar.model import Document


@pytest.fixture(scope="module")
def pipeline():
    return load_pipeline()


def test_reflow_joins_wrapped_lines_and_keeps_headings() -> None:
    text = (
        "Gunmen kill 12 soldiers\n"
        "Militants attacked a post near the\n"
        "border on Sunday, the army said.\n"
        "Threatened borders\n"
        "Officials said the group had\n"
        "grown.\n"
    )
    out = reflow(text)
    assert len(out) == len(text)  # offsets unchanged
    lines = out.split("\n")
    assert lines[0] == "Gunmen kill 12 soldiers"
    assert lines[1] == "Militants attacked a post near the border on Sunday, the army said."
    assert lines[2] == "Threatened borders"
    assert lines[3] == "Officials said the group had grown."
    assert reflow("one line") == "one line"


def test_stages_registered_in_order(pipeline) -> None:  # noqa: ANN001
    names = pipeline.nlp.pipe_names
    expected = [COMPONENTS[s] for s in STAGES[1:] if s not in pipeline.missing]
    assert [n for n in names if n.startswith("khabar_") and n != "khabar_layout"] == expected
    assert names.index("ner") < names.index(expected[0])
    assert names.index("khabar_layout") < names.index("parser")


def test_pipe_keeps_input_order_across_batches(pipeline) -> None:  # noqa: ANN001
    docs = [
        Document(id=f"d{i}", text=f"Militants attacked a police post in Kandahar on Monday, killing {i + 2} officers.",
                 published="2024-05-08")
        for i in range(7)
    ]
    docs.insert(3, Document(id="ru", text="Талибы заявили о задержании боевиков ИГИЛ в Кабуле.", language="ru"))
    out = list(pipeline.pipe(docs, batch_size=3))
    assert [e.doc_id for e in out] == [d.id for d in docs]
    for i, ext in enumerate(e for e in out if e.doc_id != "ru"):
        attack = next(ev for ev in ext.events if ev.type == "ASSAULT")
        assert attack.fatalities == i + 2 and attack.date.start == "2024-05-06"


def test_non_english_document_says_what_did_not_run(pipeline) -> None:  # noqa: ANN001
    ext = pipeline.extract(Document(id="ru", text="Талибы заявили о задержании боевиков ИГИЛ в Кабуле.", language="ru"))
    for stage in ("ner", "time", "quantities", "events", "claims"):
        assert stage in ext.stages_skipped and "ru" in ext.stages_skipped[stage]
        assert stage not in ext.stages_run
    assert ext.events == [] and ext.claims == []


def test_version_changes_with_user_data(pipeline, tmp_path) -> None:  # noqa: ANN001
    kb = tmp_path / "kb.yaml"
    kb.write_text("actors: []\n", encoding="utf-8")
    assert pipeline.version.startswith("khabar-")
    assert load_pipeline(kb_paths=[str(kb)]).version != pipeline.version


def test_sample_end_to_end(pipeline, samples_dir) -> None:  # noqa: ANN001
    text = (samples_dir / "isis-k-tajik-border.txt").read_text(encoding="utf-8")
    ext = pipeline.extract(Document(id="sample", text=text))
    json.dumps(asdict(ext))
    assert ext.document_date.start == "2023-02-15"  # no publication date: inferred from the content
    assert set(ext.stages_run) >= {"ner", "time", "quantities", "events", "claims"}
    for ent in ext.entities:
        assert ent.text == text[ent.start : ent.end]
    # "ISIS Khorasan" and "the Khorasan branch of ISIS" are one actor (when the actor stage runs)
    if "actors" in ext.stages_run:
        ids = {e.actor_id for e in ext.entities if "Khorasan" in e.text}
        assert ids == {"iskp"}
    assert any(c.stance == "deny" and c.denies_claim for c in ext.claims)
    assert any(e.type == "AGREE" and e.status == "historical" for e in ext.events)
