"""Plain text with sidecar or front-matter metadata, and the bad text files."""

from __future__ import annotations

from pathlib import Path

from khabar.ingest.items import Options
from khabar.ingest.text import read_text_file


def _one(path: Path, **kw):
    items = list(read_text_file(path, Options(**kw)))
    assert len(items) == 1
    return items[0]


def test_sidecar_metadata(fixtures_dir: Path) -> None:
    item = _one(fixtures_dir / "ingest" / "text" / "market-fire.txt")
    doc = item.doc
    assert item.error is None
    assert doc.title == "Fire destroys stalls at Khujand market"
    assert doc.source == "Sughd Courier" and doc.published == "2023-03-09" and doc.language == "en"
    assert doc.url.endswith("/market-fire") and doc.meta == {"desk": "City"}
    assert doc.text.startswith("Fire destroys stalls") and "electrical fault" in doc.text


def test_front_matter_with_aliases_and_unknown_keys(fixtures_dir: Path) -> None:
    doc = _one(fixtures_dir / "ingest" / "text" / "frontmatter.txt").doc
    assert doc.title == "Flooding cuts road between Khorog and Dushanbe"
    assert doc.source == "Pamir Observer"  # "outlet:" alias
    assert doc.published == "2023-04-02T03:15:00"  # "date:" alias, normalised to UTC
    assert doc.meta == {"photographer": "Staff"}
    assert "---" not in doc.text and doc.text.startswith("Flooding cuts road")


def test_bundled_sample_headline_and_language(samples_dir: Path) -> None:
    doc = _one(samples_dir / "isis-k-tajik-border.txt").doc
    assert doc.title.startswith("ISIS on the borders")
    assert doc.language == "en" and doc.path.endswith("isis-k-tajik-border.txt")


def test_bad_text_files_each_get_one_clear_reason(fixtures_dir: Path) -> None:
    bad = fixtures_dir / "ingest" / "bad"
    reasons = {name: _one(bad / name).error for name in
               ("empty.txt", "blank.txt", "image.txt", "latin1.txt", "truncated-utf8.txt")}
    assert reasons["empty.txt"] == "empty" and reasons["blank.txt"] == "empty"
    assert "binary" in reasons["image.txt"]
    assert "not valid UTF-8" in reasons["latin1.txt"] and "0xfc" in reasons["latin1.txt"]
    assert "truncated" in reasons["truncated-utf8.txt"]


def test_wrong_encoding_can_be_named(fixtures_dir: Path) -> None:
    doc = _one(fixtures_dir / "ingest" / "bad" / "latin1.txt", encoding="latin-1").doc
    assert "Düshanbe" in doc.text and "décision" in doc.text


def test_oversized_file_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000)
    assert "oversized" in _one(big, max_bytes=1000).error


def test_broken_sidecar_named(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Some article text about a meeting in Dushanbe.")
    (tmp_path / "a.json").write_text("{not json")
    assert _one(tmp_path / "a.txt").error.startswith("sidecar a.json:")


def test_front_matter_that_is_not_yaml(tmp_path: Path) -> None:
    p = tmp_path / "fm.txt"
    p.write_text("---\ntitle: [unclosed\n---\nBody text of the article here.\n")
    assert "front matter" in _one(p).error
