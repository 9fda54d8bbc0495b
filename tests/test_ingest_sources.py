"""Choosing the reader: extensions, sniffing, folders, stdin, .gz files, missing paths."""

from __future__ import annotations

import gzip
import io
import shutil
from pathlib import Path

from khabar.ingest.items import Options
from khabar.ingest.sources import format_of_name, iter_items, sniff


def test_format_by_name_and_by_content() -> None:
    assert [format_of_name(n) for n in ("a.TXT", "b.html", "c.rss", "d.jsonl", "e.warc.gz", "f.bin")] == [
        "text", "html", "feed", "jsonl", "warc", None]
    assert sniff(b"WARC/1.0\r\n") == "warc"
    assert sniff(b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">') == "feed"
    assert sniff(b"\xef\xbb\xbf<!DOCTYPE html><html>") == "html"
    assert sniff(b'{"text": "x"}') == "jsonl"
    assert sniff(b"Plain words") == "text"


def test_folder_recursive_sorted_with_sidecars_and_junk_skipped(tmp_path: Path, fixtures_dir: Path) -> None:
    src = fixtures_dir / "ingest"
    shutil.copytree(src / "text", tmp_path / "a" / "text")
    (tmp_path / "a" / "b").mkdir()
    shutil.copy(src / "html" / "aid-convoy.html", tmp_path / "a" / "b" / "page.html")
    (tmp_path / "a" / ".hidden.txt").write_text("Hidden files are never read by a folder walk.")
    (tmp_path / "a" / "script.py").write_text("print('not an article')")
    items = list(iter_items([str(tmp_path / "a")], Options()))
    names = [Path(i.name).name for i in items]
    assert names == ["page.html", "script.py", "frontmatter.txt", "market-fire.txt"]
    assert items[1].skipped and all(i.doc for i in items if i.name.endswith((".txt", ".html")))
    assert items[3].doc.source == "Sughd Courier"  # the sidecar was read, not ingested as an article


def test_stdin_is_sniffed(samples_dir: Path) -> None:
    stream = io.BytesIO((samples_dir / "wire-stories.jsonl").read_bytes())
    items = list(iter_items(["-"], Options(), stdin=stream))
    assert len(items) == 3 and all(i.doc and i.name.startswith("<stdin>:") for i in items)
    assert [i.error for i in iter_items(["-"], Options(), stdin=io.BytesIO(b""))] == ["empty"]


def test_gzipped_jsonl_and_explicit_unknown_extension(tmp_path: Path, samples_dir: Path) -> None:
    data = (samples_dir / "wire-stories.jsonl").read_bytes()
    (tmp_path / "w.jsonl.gz").write_bytes(gzip.compress(data))
    (tmp_path / "article.dat").write_text("A plain article without a known extension, about a bridge.")
    items = list(iter_items([str(tmp_path / "w.jsonl.gz"), str(tmp_path / "article.dat")], Options()))
    assert len(items) == 4 and all(i.doc for i in items)


def test_binary_missing_and_oversized(tmp_path: Path, fixtures_dir: Path) -> None:
    (tmp_path / "big.html").write_text("<p>" + "word " * 2000 + "</p>")
    targets = [str(fixtures_dir / "ingest" / "bad" / "blob.bin"), str(tmp_path / "nope.txt"),
               str(tmp_path / "big.html")]
    errors = [i.error for i in iter_items(targets, Options(max_bytes=5000))]
    assert "binary" in errors[0]
    assert errors[1] == "no such file, folder or URL"
    assert errors[2].startswith("oversized")


def test_reader_crash_fails_that_file_only(tmp_path: Path, fixtures_dir: Path, monkeypatch) -> None:
    import khabar.ingest.html as html_mod

    def crash(*_a, **_k):
        raise ValueError("parser exploded")
        yield  # pragma: no cover

    monkeypatch.setattr(html_mod, "read_html_bytes", crash)
    shutil.copy(fixtures_dir / "ingest" / "html" / "aid-convoy.html", tmp_path / "a.html")
    shutil.copy(fixtures_dir / "ingest" / "text" / "frontmatter.txt", tmp_path / "b.txt")
    items = list(iter_items([str(tmp_path)], Options()))
    assert items[0].error == "unexpected ValueError: parser exploded" and items[0].name.endswith("a.html")
    assert items[1].doc is not None
