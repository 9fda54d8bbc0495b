"""Time stage: expressions resolved against the publication date, or against a date the text implies."""

from __future__ import annotations

from datetime import date

import pytest

from khabar.extract import timex
from khabar.extract.nlp import load_base
from khabar.model import Document

REF = date(2023, 2, 15)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("May 1992", "1992-05-01", "1992-05-31", "month"),
        ("in May 1992", "1992-05-01", "1992-05-31", "month"),
        ("15 March 2021", "2021-03-15", "2021-03-15", "day"),
        ("March 15, 2021", "2021-03-15", "2021-03-15", "day"),
        ("2002", "2002-01-01", "2002-12-31", "year"),
        ("mid-August 2021", "2021-08-11", "2021-08-20", "range"),
        ("the 1990s", "1990-01-01", "1999-12-31", "range"),
        # partial: the year comes from the reference date
        ("February 15", "2023-02-15", "2023-02-15", "day"),
        ("Wednesday, February 15", "2023-02-15", "2023-02-15", "day"),
        ("the middle of February", "2023-02-11", "2023-02-20", "range"),
        ("November 3", "2022-11-03", "2022-11-03", "day"),  # well after the reference: last year's
        ("December", "2022-12-01", "2022-12-31", "month"),
        # relative
        ("yesterday", "2023-02-14", "2023-02-14", "day"),
        ("two days ago", "2023-02-13", "2023-02-13", "day"),
        ("last Wednesday", "2023-02-08", "2023-02-08", "day"),
        ("on Monday", "2023-02-13", "2023-02-13", "day"),
        ("last week", "2023-02-06", "2023-02-12", "week"),
        ("last month", "2023-01-01", "2023-01-31", "month"),
        ("next year", "2024-01-01", "2024-12-31", "year"),
        ("three years ago", "2020-01-01", "2020-12-31", "year"),
    ],
)
def test_resolve_against_reference(text: str, start: str, end: str, precision: str) -> None:
    dv = timex.resolve(text, REF)
    assert dv is not None, text
    assert (dv.start, dv.end, dv.precision) == (start, end, precision)


def test_relative_and_partial_need_a_reference() -> None:
    assert timex.resolve("yesterday", None) is None
    assert timex.resolve("February 15", None) is None
    assert timex.resolve("May 1992", None).start == "1992-05-01"  # absolute needs none
    assert timex.resolve("the rebels", REF) is None
    assert timex.resolve("February 30", REF) is None  # no such day


def test_weekday_with_date_fixes_the_year() -> None:
    # 15 February fell on a Wednesday in 2017 and 2023; the document mentions 2021, so it is 2023
    dv = timex.infer_document_date(["mid-August 2021", "Wednesday, February 15", "May 1992"])
    assert (dv.start, dv.precision) == ("2023-02-15", "day")
    dv = timex.infer_document_date(["Tuesday, June 4", "in 2021"])
    assert dv.start == "2024-06-04"


def test_without_anchor_the_latest_dated_mention_bounds_the_document() -> None:
    dv = timex.infer_document_date(["May 1992", "in 2002", "yesterday"])
    assert (dv.start, dv.end) == ("2002-01-01", "2002-12-31")
    assert timex.infer_document_date(["yesterday"]) is None


def test_publication_date_forms() -> None:
    assert timex.publication_date("2023-02-16T08:00:00Z").start == "2023-02-16"
    assert timex.publication_date("2023-02").precision == "month"
    assert timex.publication_date("not a date") is None
    assert timex.publication_date(None) is None


@pytest.fixture(scope="module")
def nlp():
    return load_base()


def _run(nlp, text: str, published: str | None):  # noqa: ANN001, ANN202
    doc = nlp(text)
    doc._.khabar_doc = Document(id="t", text=text, published=published)
    return timex.time_component(doc)


def test_component_resolves_against_publication_date(nlp) -> None:  # noqa: ANN001
    doc = _run(nlp, "Militants attacked the town last Friday. The treaty was signed in May 1992.", "2024-03-12")
    got = {sp.text: (sp._.date.start, sp._.date.end) for sp in doc.spans["dates"]}
    assert got["last Friday"] == ("2024-03-08", "2024-03-08")
    assert any(v == ("1992-05-01", "1992-05-31") for v in got.values())
    assert doc._.doc_date.start == "2024-03-12"


def test_component_infers_document_date_from_sample(nlp, samples_dir) -> None:  # noqa: ANN001
    text = (samples_dir / "isis-k-tajik-border.txt").read_text(encoding="utf-8")
    doc = _run(nlp, " ".join(text.split()), None)
    assert doc._.doc_date.start == "2023-02-15"
    by_text = {sp.text: sp._.date for sp in doc.spans["dates"]}
    wed = next(v for k, v in by_text.items() if "February 15" in k)
    assert (wed.start, wed.precision) == ("2023-02-15", "day")
    mid = next(v for k, v in by_text.items() if "middle of February" in k)
    assert mid.start.startswith("2023-02") and mid.end.startswith("2023-02")


def test_named_day_is_not_a_date(nlp) -> None:  # noqa: ANN001
    doc = _run(nlp, "Al-Qaeda prepared for the September 11 attacks.", "2023-02-15")
    assert not any("September" in sp.text for sp in doc.spans["dates"])
