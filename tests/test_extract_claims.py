"""Claims stage: who said what about whom, asserting or denying, with figures, dates and the link from a
denial to the claim it rejects. Stage-level tests mark the actors themselves; article-level tests run
the whole pipeline."""

from __future__ import annotations

import re

import pytest

from khabar.extract import claims, quantities, timex
from khabar.extract.nlp import fresh_base
from khabar.extract.pipeline import load_pipeline
from khabar.model import Actor, Document

KB = {
    "Rahimzoda": Actor("person:rahimzoda", "Ramazon Rahimzoda", "person", role="Interior Minister", affiliation="tj"),
    "Muttaqi": Actor("person:muttaqi", "Amir Khan Muttaqi", "person", role="Foreign Minister", affiliation="taliban"),
    "Sidorov": Actor("person:sidorov", "Anatoly Sidorov", "person", affiliation="csto"),
    "CSTO": Actor("csto", "Collective Security Treaty Organization", "igo"),
    "Taliban": Actor("taliban", "Taliban", "armed_group", "AF"),
    "ISIS-K": Actor("iskp", "Islamic State Khorasan Province", "armed_group", "AF"),
    "Tajikistan": Actor("tj", "Tajikistan", "state", "TJ"),
}


@pytest.fixture(scope="module")
def nlp():
    nlp = fresh_base()
    nlp.add_pipe("khabar_layout", before="parser")
    return nlp


def stage(nlp, text: str, published: str | None = "2023-02-16"):  # noqa: ANN001, ANN201
    doc = nlp(text)
    doc._.khabar_doc = Document(id="t", text=text, published=published)
    spans = []
    for name, actor in KB.items():
        for m in re.finditer(r"\b" + re.escape(name) + r"\b", text):
            sp = doc.char_span(m.start(), m.end(), label="PERSON" if actor.type == "person" else "ACTOR")
            if sp is not None:
                sp._.actor_id = actor.id
                spans.append(sp)
    doc.spans["actors"] = spans
    doc._.actors = {a.id: a for a in KB.values()}
    for component in (timex.time_component, quantities.quantities_component, claims.claims_component):
        doc = component(doc)
    return doc._.claims


def test_statement_with_speaker_role_date_and_subject(nlp) -> None:  # noqa: ANN001
    text = ("Interior Minister Rahimzoda announced on Wednesday that the army is ready to confront ISIS-K on "
            "the border, stressing that the security units are on alert.")
    cs = stage(nlp, text)
    first = cs[0]
    assert (first.speaker.id, first.speaker.role, first.speaker.affiliation) == ("person:rahimzoda", "Interior Minister", "tj")
    assert first.verb == "announced" and first.stance == "assert"
    assert first.date.start == "2023-02-15"  # the Wednesday before publication
    assert first.subject.id == "iskp" and first.content.startswith("the army is ready")
    assert first.evidence.text == text[first.evidence.start : first.evidence.end]
    stressing = cs[1]  # a participle continues the same statement: same speaker, same date
    assert stressing.speaker.id == "person:rahimzoda" and stressing.date.start == "2023-02-15"


def test_denial_links_to_the_denied_claim(nlp) -> None:  # noqa: ANN001
    text = ("Sidorov, chief of staff of the CSTO, said that about 6,500 ISIS-K fighters are in Afghanistan, "
            "noting that about 4,000 terrorists moved near the border. "
            "Muttaqi denied the allegations of the CSTO regarding the presence of 4,000 armed men from ISIS-K.")
    cs = stage(nlp, text)
    figures = {c.quantity.value: c for c in cs if c.quantity is not None and c.stance == "assert"}
    assert figures[6500].quantity.approximate and figures[6500].subject.id == "iskp"
    assert figures[4000].speaker.id == "person:sidorov" and figures[4000].subject.id == "iskp"
    denial = next(c for c in cs if c.stance == "deny")
    assert denial.speaker.id == "person:muttaqi" and denial.verb == "denied"
    assert denial.quantity.value == 4000 and not denial.quantity.approximate
    assert denial.quantity.unit == "armed man"
    assert denial.denies.id == "csto"
    assert denial.denies_claim == figures[4000].id  # the same figure wins over the 6,500 claim


def test_pronoun_speaker_continues(nlp) -> None:  # noqa: ANN001
    cs = stage(nlp, "Sidorov said that the threat is growing. He added that ISIS-K recruits online.")
    assert [c.speaker.id for c in cs] == ["person:sidorov", "person:sidorov"]
    assert cs[1].verb == "added" and cs[1].subject.id == "iskp"


def test_according_to(nlp) -> None:  # noqa: ANN001
    cs = stage(nlp, "The Taliban arrested 5 foreign citizens in Kabul, according to Muttaqi.")
    c = cs[0]
    assert (c.verb, c.speaker.id) == ("according to", "person:muttaqi")
    assert "arrested 5 foreign citizens" in c.content and c.quantity.value == 5


def test_acts_are_not_claims(nlp) -> None:  # noqa: ANN001
    assert stage(nlp, "Tajikistan declared a state of high alert on the border.") == []


def test_reporting_lexicon_is_data() -> None:
    lex = claims.lexicon()
    assert lex["single"]["deny"] == "deny" and lex["single"]["say"] == "assert"
    assert ("point", "out") in lex["phrasal"]
    assert "allegation" in lex["claim_nouns"]


# ---- whole pipeline ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline():
    return load_pipeline()


def run(pipeline, path, published=None):  # noqa: ANN001, ANN201
    text = path.read_text(encoding="utf-8")
    ext = pipeline.extract(Document(id=path.stem, text=text, published=published))
    for c in ext.claims:
        assert c.evidence.text == text[c.evidence.start : c.evidence.end]
    return ext


def test_sample_claims(pipeline, samples_dir) -> None:  # noqa: ANN001
    ext = run(pipeline, samples_dir / "isis-k-tajik-border.txt")
    cs = ext.claims
    by_id = {c.id: c for c in cs}
    minister = next(c for c in cs if c.speaker and "Rahimzoda" in c.speaker.name)
    assert minister.speaker.role == "Interior Minister" and minister.speaker.affiliation == "tj"
    assert minister.date.start == "2023-02-15" and minister.subject.id == "iskp"
    assert "ready to confront" in minister.content and "border" in minister.content
    denial = next(c for c in cs if c.stance == "deny")
    assert "Muttaqi" in denial.speaker.name and denial.speaker.affiliation == "taliban"
    assert denial.speaker.role == "Foreign Minister"
    assert denial.denies.id == "csto" and denial.quantity.value == 4000
    denied = by_id[denial.denies_claim]
    assert "Sidorov" in denied.speaker.name and denied.speaker.affiliation == "csto"
    assert denied.quantity.value == 4000 and denied.quantity.approximate
    sid = [c for c in cs if c.speaker and "Sidorov" in c.speaker.name and c.quantity]
    assert {(c.quantity.value, c.quantity.approximate, c.subject.id) for c in sid} == {
        (6500, True, "iskp"),
        (4000, True, "iskp"),
    }
    arrest = next(c for c in cs if c.speaker and "Mujahid" in c.speaker.name and "arrest" in c.content)
    assert arrest.speaker.affiliation == "taliban" and arrest.speaker.role == "spokesman"
    added = next(c for c in cs if c.verb == "added")
    assert "Sidorov" in added.speaker.name
    assert len(by_id) == len(cs)


def test_unseen_denials(pipeline, fixtures_dir) -> None:  # noqa: ANN001
    mali = run(pipeline, fixtures_dir / "extract" / "mali-mopti-attack.txt", "2024-03-12").claims
    denial = next(c for c in mali if c.stance == "deny")
    assert denial.speaker.id == "jnim" and "army" in denial.denies.name
    denied = next(c for c in mali if c.id == denial.denies_claim)
    assert denied.quantity.value == 40  # the army's figure, not the spokesman's 30
    approx = next(c for c in mali if c.quantity and c.quantity.value == 30)
    assert approx.quantity.approximate and approx.speaker.name == "Souleymane Dembele"
    somalia = run(pipeline, fixtures_dir / "extract" / "somalia-mogadishu-bombing.txt", "2023-11-20").claims
    rejection = next(c for c in somalia if c.stance == "deny")
    assert rejection.speaker.id == "al-shabaab"
    assert next(c for c in somalia if c.id == rejection.denies_claim).speaker.id == "so-gov"
    police = next(c for c in somalia if c.verb == "told")
    assert police.speaker.role == "Police spokesman" and police.quantity.value == 5


def test_long_chain_of_reporting_participles_does_not_exhaust_the_stack(nlp) -> None:  # noqa: ANN001
    # a run-on text ("Officials said on Monday, adding ..., adding ..., ...") parsed as one chain of
    # participles, deeper than Python's recursion limit: the speaker is still the first verb's subject
    import sys

    from spacy.tokens import Doc

    depth = sys.getrecursionlimit() + 500
    words = ["Officials", "said"] + ["adding"] * depth
    heads = [1, 1] + list(range(1, depth + 1))
    deps = ["nsubj", "ROOT"] + ["advcl"] * depth
    doc = Doc(nlp.vocab, words=words, heads=heads, deps=deps, tags=["NNS", "VBD"] + ["VBG"] * depth,
              pos=["NOUN", "VERB"] + ["VERB"] * depth, lemmas=["official", "say"] + ["add"] * depth)
    head = claims.ClaimReader._speaker_head(doc[len(doc) - 1])
    assert head is not None and head.text == "Officials"
