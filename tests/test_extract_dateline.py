"""Datelines found on raw text, before parsing: only at line starts, only with a place in capitals."""

from __future__ import annotations

import pytest

from khabar.extract.dateline import dateline_spans


@pytest.mark.parametrize(
    ("text", "dateline"),
    [
        ("KABUL, Feb 28 - An explosion near a checkpoint", "KABUL, Feb 28 - "),
        ("KABUL, Feb 28 (Reuters) - An explosion", "KABUL, Feb 28 (Reuters) - "),
        ("PESHAWAR, Pakistan, March 3 - Gunmen attacked", "PESHAWAR, Pakistan, March 3 - "),
        ("Headline\n\nDERA ISMAIL KHAN — Gunmen attacked", "DERA ISMAIL KHAN — "),
        ("MOGADISHU (AP) — At least nine people", "MOGADISHU (AP) — "),
    ],
)
def test_wire_datelines(text: str, dateline: str) -> None:
    assert [text[a:b] for a, b in dateline_spans(text)] == [dateline]


@pytest.mark.parametrize(
    "text",
    [
        "ISIS on the borders: Tajikistan prepares to expel members",
        "Kabul, Feb 28 - a dateline in title case is ordinary text here",
        "The UN - said nothing",
        "He said KABUL - the capital - was calm.",
        "AB - too short to be a place",
    ],
)
def test_ordinary_text_has_no_dateline(text: str) -> None:
    assert dateline_spans(text) == []
