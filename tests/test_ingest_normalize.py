"""Normal form, stable ids, dates and language of ingested documents."""

from __future__ import annotations

import time

import pytest

from khabar.ingest.normalize import (
    IngestError,
    content_id,
    detect_language,
    make_document,
    normalize_text,
    parse_date,
)


def test_normalize_nfc_whitespace_and_controls() -> None:
    raw = "  Cafe\u0301  in\tDushanbe\r\n\r\n\r\n\r\nSecond\u200b paragraph\x07 \n"
    assert normalize_text(raw) == "Caf\u00e9 in Dushanbe\n\nSecond paragraph"


def test_id_is_stable_across_wrapping_case_and_encoding_forms() -> None:
    a = make_document("Taliban forces raided a hideout\nin Kunduz on Friday.")
    b = make_document("taliban forces  raided a hideout in KUNDUZ on Friday.\r\n")
    c = make_document("Taliban forces raided a hideout in Kunduz on Saturday.")
    assert a.id == b.id == content_id(a.text) and len(a.id) == 40
    assert c.id != a.id


def test_dates_from_every_shape() -> None:
    assert parse_date("2023-02-15T10:30:00+05:00") == "2023-02-15T05:30:00"
    assert parse_date("2023-02-15T00:00:00Z") == "2023-02-15"
    assert parse_date("Wed, 15 Feb 2023 10:30:00 GMT") == "2023-02-15T10:30:00"
    assert parse_date(time.strptime("2023-02-15 08:00", "%Y-%m-%d %H:%M")) == "2023-02-15T08:00:00"
    assert parse_date(1676457000) == "2023-02-15T10:30:00"  # Unix seconds
    assert parse_date("2023-02") == "2023-02"  # partial dates are facts, kept as they are
    assert parse_date("sometime last week") is None


def test_unparseable_date_is_kept_in_meta_not_lost() -> None:
    doc = make_document("Officials said the checkpoint reopened.", published="last Tuesday")
    assert doc.published is None and doc.meta["published_raw"] == "last Tuesday"


def test_language_detected_deterministically_and_given_language_wins() -> None:
    en = "The border guards said the situation on the frontier remained calm on Thursday morning."
    ru = "Пограничники заявили, что обстановка на границе в четверг утром оставалась спокойной."
    assert [detect_language(en) for _ in range(3)] == ["en"] * 3
    assert detect_language(ru) == "ru"
    assert detect_language("ok") is None
    assert make_document(en, language="EN").language == "en"


def test_empty_text_is_an_error() -> None:
    with pytest.raises(IngestError, match="no text"):
        make_document(" \n\t\u200b ")
