"""Quantities stage: value, counted noun and approximate flag, read from real parses."""

from __future__ import annotations

import pytest

from khabar.extract import quantities
from khabar.extract.nlp import load_base


@pytest.fixture(scope="module")
def nlp():
    return load_base()


def _quantities(nlp, text: str) -> list:  # noqa: ANN001
    doc = quantities.quantities_component(nlp(text))
    return [sp._.quantity for sp in doc.spans["quantities"]]


@pytest.mark.parametrize(
    ("text", "value", "unit", "approximate"),
    [
        ("The number of fighters has reached about 6,500 fighters.", 6500, "fighter", True),
        ("He denied the presence of 4,000 armed men near the border.", 4000, "armed man", False),
        ("They are working to recruit dozens of young people.", 24, "young people", True),
        ("Police arrested 5 suspects on Saturday.", 5, "suspect", False),
        ("The blast killed at least 9 people.", 9, "people", True),
        ("Some 1.5 million refugees crossed the border.", 1_500_000, "refugee", True),
        ("Twelve soldiers were wounded.", 12, "soldier", False),
        ("Gunmen killed twenty-five villagers.", 25, "villager", False),
        ("Hundreds of fighters were killed.", 200, "fighter", True),
    ],
)
def test_counted_things(nlp, text: str, value: float, unit: str, approximate: bool) -> None:  # noqa: ANN001
    got = _quantities(nlp, text)
    assert got, text
    q = got[0]
    assert q.value == value
    assert q.unit == unit
    assert q.approximate is approximate


def test_dates_and_ordinals_are_not_quantities(nlp) -> None:  # noqa: ANN001
    assert _quantities(nlp, "The treaty was signed in May 1992 and the first meeting was on 15 March.") == []


def test_number_value() -> None:
    nlp = load_base()
    doc = nlp("twenty-five 3,200 two million")
    assert quantities.number_value(list(doc[0:3])) == 25  # twenty - five
    assert quantities.number_value([doc[3]]) == 3200
    assert quantities.number_value([doc[4], doc[5]]) == 2_000_000
    assert quantities.number_value([nlp("rebels")[0]]) is None


def test_times_and_compound_adjectives_are_not_counts(nlp) -> None:  # noqa: ANN001
    assert _quantities(nlp, "It happened just before 5 p.m. when the suspect took a two-handed stance.") == []
    got = _quantities(nlp, "A 10-year-old boy and 3 soldiers were hurt.")
    assert [(q.value, q.unit) for q in got] == [(3, "soldier")]
