"""JSON Lines articles: known fields, unknown fields kept, and every kind of bad line named by number."""

from __future__ import annotations

from pathlib import Path

from khabar.ingest.items import Options
from khabar.ingest.jsonl import jsonl_items, read_jsonl_file


def test_good_and_bad_lines(fixtures_dir: Path) -> None:
    path = fixtures_dir / "ingest" / "jsonl" / "mixed.jsonl"
    items = list(read_jsonl_file(path, Options()))
    docs = [i.doc for i in items if i.doc]
    errors = {i.name.rsplit(":", 1)[1]: i.error for i in items if i.error}
    assert len(docs) == 2 and len(items) == 6  # the blank line is no item at all
    first, second = docs
    assert first.source == "Steppe Wire" and first.published == "2023-05-03"
    assert first.meta == {"desk": "Diplomacy", "wordcount": 34}  # unknown fields kept as given
    assert second.published == "2023-05-04T08:00:00" and second.language == "en"  # detected
    assert errors["2"].startswith("not JSON")
    assert errors["3"] == "no 'text' field"
    assert errors["4"] == "not a JSON object but list"
    assert "empty" in errors["5"]


def test_json_array_and_pretty_object() -> None:
    arr = b'[{"text": "Talks resumed in Tashkent on Monday, officials said."}, {"title": "no text"}]'
    items = list(jsonl_items(arr, "a.json", Options()))
    assert items[0].doc and items[1].error == "no 'text' field" and items[1].name == "a.json[2]"
    pretty = b'{\n  "text": "Talks resumed in Tashkent on Monday.",\n  "source": "X"\n}\n'
    [item] = list(jsonl_items(pretty, "b.json", Options()))
    assert item.doc.source == "X"


def test_invalid_utf8_line_is_named_and_others_kept() -> None:
    data = b'{"text": "caf\xe9 opens"}\n{"text": "The market reopened on Monday morning."}\n'
    items = list(jsonl_items(data, "x.jsonl", Options()))
    assert items[0].name == "x.jsonl:1" and "UTF-8" in items[0].error
    assert items[1].doc is not None
