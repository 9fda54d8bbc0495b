"""HTML pages through trafilatura: main text without boilerplate, metadata, and broken markup."""

from __future__ import annotations

from pathlib import Path

import pytest

from khabar.ingest.html import extract_html, html_to_text, read_html_file
from khabar.ingest.items import Options
from khabar.ingest.normalize import IngestError


def test_article_text_and_metadata(fixtures_dir: Path) -> None:
    [item] = list(read_html_file(fixtures_dir / "ingest" / "html" / "aid-convoy.html", Options()))
    doc = item.doc
    assert doc.title == "Aid convoy reaches Bamiyan after road reopens"
    assert doc.url == "https://frontier-herald.example.org/asia/2023/01/20/bamiyan-convoy"  # canonical
    assert doc.source == "Frontier Herald" and doc.author == "Farid Ahmadi"
    assert doc.published == "2023-01-20" and doc.language == "en"
    assert "24 trucks" in doc.text and "12,000 families" in doc.text
    assert "Log in" not in doc.text and "Privacy" not in doc.text  # navigation and footer dropped


def test_bundled_sample_page(samples_dir: Path) -> None:
    [item] = list(read_html_file(samples_dir / "panj-border-clash.html", Options()))
    assert item.doc.source == "Pamir Observer" and item.doc.author == "Nodira Saidova"
    assert "Subscribe" not in item.doc.text and "Shohin" in item.doc.text


def test_malformed_html_is_one_clear_error(fixtures_dir: Path) -> None:
    [item] = list(read_html_file(fixtures_dir / "ingest" / "bad" / "malformed.html", Options()))
    assert item.doc is None and "no article text" in item.error


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02binary", b"<html><body></body></html>"])
def test_empty_or_binary_pages_raise(data: bytes) -> None:
    with pytest.raises(IngestError):
        extract_html(data)


def test_fragment_to_text_keeps_blocks_and_drops_scripts() -> None:
    text = html_to_text("<p>First &amp; one</p><script>alert(1)</script><p>Second<br>line</p>")
    assert "alert" not in text
    assert [ln for ln in text.split("\n") if ln] == ["First & one", "Second", "line"]
