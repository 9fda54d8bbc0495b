"""The extraction pipeline: named stages assembled on the spaCy English model.

Contract (used by ingest, `khabar extract`, the scale engines and benchmarks):
    load_pipeline(kb_paths=(), place_paths=()) -> Pipeline
    Pipeline.version: str            changes when code or knowledge data change
    Pipeline.extract(doc) -> Extraction
    Pipeline.pipe(docs, batch_size) -> Iterator[Extraction], in input order

Stages are spaCy components registered by name and run in this order:
ner -> khabar_actors -> khabar_places -> khabar_time -> khabar_quantities -> khabar_events -> khabar_claims.
Non-English documents get spacy.blank("xx") with the alias-matching actor and place stages only, and the
Extraction says which stages did not run and why. Hard-wrapped text (newlines inside sentences) is
re-flowed to spaces before parsing, keeping every character offset.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib
import re
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from khabar import __version__
from khabar.extract import claims as _claims  # noqa: F401 - registers "khabar_claims"
from khabar.extract import events as _events  # noqa: F401 - registers "khabar_events"
from khabar.extract import extensions
from khabar.extract import quantities as _quantities  # noqa: F401 - registers "khabar_quantities"
from khabar.extract import timex as _timex  # noqa: F401 - registers "khabar_time"
from khabar.extract.dateline import dateline_spans
from khabar.extract.nlp import fresh_base
from khabar.model import Actor, Document, Entity, Extraction, Place

extensions.register()

STAGES = ("ner", "actors", "places", "time", "quantities", "events", "claims")
COMPONENTS = {
    "actors": "khabar_actors",
    "places": "khabar_places",
    "time": "khabar_time",
    "quantities": "khabar_quantities",
    "events": "khabar_events",
    "claims": "khabar_claims",
}
# Stage modules owned by other files; a missing one is reported as skipped, never fatal.
_OPTIONAL_MODULES = {"actors": "khabar.extract.actors", "places": "khabar.extract.places"}
_HEADING_MAX = 60
_HEADING_WORDS = 8
_LINE_HEAD = 4  # tokens at a line's start that never begin a new sentence after a word
_FUNCTION_WORDS = frozenset(
    "a an the in on at of to for from by with and or but as into onto over under than that which who whose "
    "its his her their our your my this these those is are was were be been has have had will would "
    "not no nor near after before between about against".split()
)
_TERMINAL = re.compile(r"[.!?\"”’)]\s*$")


def _is_heading(line: str, nxt: str, first: bool, prev_done: bool) -> bool:
    """A short unpunctuated line after a finished sentence, followed by a capitalised line.

    A wrapped sentence line ends with a comma or a function word ("in", "of", "to") or runs on
    into a lower-case line, so those never count as headings.
    """
    if not line or _TERMINAL.search(line):
        return False
    if first:
        return True
    words = line.split()
    if not prev_done or len(line) >= _HEADING_MAX or len(words) > _HEADING_WORDS:
        return False
    if line.endswith((",", ";", ":", "-")) or words[-1].lower() in _FUNCTION_WORDS:
        return False
    return not nxt or nxt[0].isupper() or nxt[0].isdigit() or not nxt[0].isalpha()


def reflow(text: str) -> str:
    """Newlines inside wrapped paragraphs -> spaces (same length); headings and paragraphs keep theirs."""
    if "\n" not in text:
        return text
    chars = list(text)
    lines = text.split("\n")
    pos = 0
    prev_done = True
    for i, line in enumerate(lines[:-1]):
        pos += len(line)
        s = line.strip()
        nxt = lines[i + 1].strip()
        heading = _is_heading(s, nxt, i == 0, prev_done)
        if s and nxt and not heading and not _TERMINAL.search(s):
            chars[pos] = " "
        prev_done = (not s) or heading or bool(_TERMINAL.search(s))
        pos += 1
    return "".join(chars)


@Language.component("khabar_layout")
def layout_component(doc: Doc) -> Doc:
    """A newline left after reflow ends a sentence (headings, paragraphs), and a heading line is one
    sentence (the small parser splits headlines such as "Gunmen kill 12 soldiers in | central Mali").
    Both are constraints the parser keeps. Only newline positions are visited: running text costs nothing.
    A wire dateline ("KABUL, Feb 28 (Reuters) - ") is a sentence of its own, never the story's subject."""
    text = doc.text
    _datelines(doc)
    if "\n" not in text:
        return doc
    starts = doc.to_array("IDX")
    n = len(doc)
    line_start = 0
    pos = text.find("\n")
    while pos != -1:
        first = int(bisect.bisect_left(starts, line_start))  # first token of the line
        last = int(bisect.bisect_left(starts, pos)) - 1  # last token before the newline
        line = text[line_start:pos].rstrip()
        if line and first <= last and not _TERMINAL.search(line) and last - first < 40:
            for k in range(first + 1, last + 1):
                if not doc[k].is_space:
                    doc[k].is_sent_start = False
        nxt = int(bisect.bisect_left(starts, pos + 1))
        while nxt < n and doc[nxt].is_space:
            nxt += 1
        if nxt < n and nxt > 0:
            doc[nxt].is_sent_start = True
            # the parser also likes to split right after a line's first words ("ISIS | Khorasan seeks")
            for k in range(nxt + 1, min(nxt + _LINE_HEAD, n)):
                prev = doc[k - 1]
                if prev.is_space or "\n" in prev.whitespace_ or prev.text[-1] in ".!?:;\"”’)":
                    break
                doc[k].is_sent_start = False
        line_start = pos + 1
        pos = text.find("\n", line_start)
    return doc


def _datelines(doc: Doc) -> None:
    if not doc:
        return
    starts = doc.to_array("IDX")
    for start, end in dateline_spans(doc.text):
        first = int(bisect.bisect_left(starts, start))
        story = int(bisect.bisect_left(starts, end))  # the token the story's first sentence begins with
        if story >= len(doc) or starts[story] != end or story - first < 2:
            continue
        for k in range(first + 1, story):
            doc[k].is_sent_start = False
        doc[story].is_sent_start = True
        doc.user_data.setdefault("khabar_datelines", []).append((first, story))  # token ranges


def _data_fingerprint(paths: Iterable[Path]) -> str:
    h = hashlib.sha256(__version__.encode())
    for p in sorted(paths, key=str):
        h.update(str(p.name).encode())
        h.update(Path(p).read_bytes())
    return h.hexdigest()[:16]


def _version(kb_paths: Sequence[str], place_paths: Sequence[str]) -> str:
    data = resources.files("khabar").joinpath("data")
    code = resources.files("khabar").joinpath("extract")
    files = [Path(str(p)) for p in data.iterdir() if p.is_file()]
    files += [Path(str(p)) for p in code.iterdir() if str(p).endswith(".py")]
    files += [Path(p) for p in (*kb_paths, *place_paths)]
    return f"khabar-{__version__}+{_data_fingerprint(files)}"


def pipeline_version(kb_paths: Sequence[str] = (), place_paths: Sequence[str] = ()) -> str:
    """The version a pipeline with these data files stamps (Pipeline.version), without loading spaCy:
    callers compare it with stored extract_version to skip documents already done."""
    return _version(tuple(str(p) for p in kb_paths), tuple(str(p) for p in place_paths))


# Frequent English function words: their share of the words tells English from other Latin-script text
# at almost no cost; langdetect (30 ms a document) only decides the rare unclear case.
_EN_WORDS = frozenset(
    "the of and to is that for with was were on by from has have had said its their which this are be "
    "been will would it as at an".split()
)
_WORD = re.compile(r"[a-z]+")


def _is_english(document: Document) -> tuple[bool, str]:
    if document.language:
        lang = document.language.lower().split("-")[0]
        return lang == "en", f"language {lang}"
    sample = document.text[:2000]
    letters = [c for c in sample if c.isalpha()]
    if letters and sum(c.isascii() for c in letters) / len(letters) < 0.7:
        return False, "language detected as non-Latin script"
    words = _WORD.findall(sample.lower())
    if len(words) < 8:
        return True, "language en (too short to tell)"
    share = sum(w in _EN_WORDS for w in words) / len(words)
    if share >= 0.12:
        return True, "language detected as en"
    if share < 0.03:
        return False, "language detected as not English"
    try:
        from langdetect import DetectorFactory, detect

        DetectorFactory.seed = 0
        lang = detect(sample)
    except Exception:  # noqa: BLE001 - undetectable text is treated as English
        lang = "en"
    return lang == "en", f"language detected as {lang}"


class Pipeline:
    def __init__(self, kb_paths: Sequence[str] = (), place_paths: Sequence[str] = ()) -> None:
        self.kb_paths = tuple(kb_paths)
        self.place_paths = tuple(place_paths)
        self.version = _version(self.kb_paths, self.place_paths)
        self.missing: dict[str, str] = {}
        for stage, module in _OPTIONAL_MODULES.items():
            try:
                importlib.import_module(module)
            except ImportError as exc:
                self.missing[stage] = f"component unavailable: {exc}"
        self.nlp = fresh_base()
        self.nlp.add_pipe("khabar_layout", before="parser")
        self.xx = self._blank()
        for stage in STAGES[1:]:
            if stage in self.missing:
                continue
            self.nlp.add_pipe(COMPONENTS[stage], config=self._config(stage))

    def _config(self, stage: str) -> dict:
        if stage == "actors" and self.kb_paths:
            return {"kb_paths": list(self.kb_paths)}
        if stage == "places" and self.place_paths:
            return {"place_paths": list(self.place_paths)}
        return {}

    def _blank(self) -> Language:
        import spacy

        nlp = spacy.blank("xx")
        for stage in ("actors", "places"):
            if stage not in self.missing:
                try:
                    nlp.add_pipe(COMPONENTS[stage], config=self._config(stage))
                except Exception as exc:  # noqa: BLE001 - a stage that needs a parser cannot run here
                    self.missing.setdefault(f"{stage}:xx", str(exc))
        return nlp

    def _to_extraction(self, document: Document, doc: Doc, english: bool, why: str) -> Extraction:
        ext = Extraction(doc_id=document.id)
        actors: dict[str, Actor] = doc._.actors or {}
        places: dict[str, Place] = doc._.places or {}
        covered: set[int] = set()
        for key, attr in (("actors", "actor_id"), ("places", "place_id")):
            for sp in doc.spans.get(key, []):
                ident = getattr(sp._, attr)
                if ident is None:
                    continue
                label = "PLACE"
                if key == "actors":
                    label = "PERSON" if getattr(actors.get(ident), "type", None) == "person" else "ACTOR"
                ext.entities.append(
                    Entity(
                        text=sp.text,
                        start=sp.start_char,
                        end=sp.end_char,
                        label=label,
                        actor_id=ident if key == "actors" else None,
                        place_id=ident if key == "places" else None,
                    )
                )
                covered.update(range(sp.start, sp.end))
        for e in doc.ents:
            if not any(t.i in covered for t in e):
                ext.entities.append(Entity(text=e.text, start=e.start_char, end=e.end_char, label=e.label_))
        ext.entities.sort(key=lambda m: (m.start, m.end))
        ext.actors = list(actors.values())
        ext.places = list(places.values())
        ext.events = list(doc._.events or [])
        ext.claims = list(doc._.claims or [])
        ext.document_date = doc._.doc_date
        if english:
            ext.stages_run = ["ner"] + [s for s in STAGES[1:] if s not in self.missing]
            ext.stages_skipped = {s: why for s, why in self.missing.items() if s in STAGES}
        else:
            ext.stages_run = [s for s in ("actors", "places") if s not in self.missing]
            ext.stages_skipped = {s: f"{why}: needs the English model" for s in STAGES if s not in ext.stages_run}
            ext.stages_skipped.update({s: why for s, why in self.missing.items() if s in STAGES})
        for ent in ext.entities:  # evidence quotes the original text, newlines included
            ent.text = document.text[ent.start : ent.end]
        for item in (*ext.events, *ext.claims):
            ev = item.evidence
            ev.text = document.text[ev.start : ev.end]
        return ext

    def _make(self, nlp: Language, document: Document) -> Doc:
        doc = nlp.make_doc(reflow(document.text))
        doc._.khabar_doc = document
        return doc

    def extract(self, document: Document) -> Extraction:
        return next(self.pipe([document]))

    def pipe(self, documents: Iterable[Document], batch_size: int = 32) -> Iterator[Extraction]:
        """Extractions in input order; English documents are batched through the full pipeline."""
        batch: list[tuple[Document, bool, str]] = []

        def flush() -> Iterator[Extraction]:
            en = [(d, why) for d, ok, why in batch if ok]
            done = iter(self.nlp.pipe((self._make(self.nlp, d) for d, _ in en), batch_size=batch_size))
            for d, ok, why in batch:
                if ok:
                    yield self._to_extraction(d, next(done), True, why)
                else:
                    yield self._to_extraction(d, self.xx(self._make(self.xx, d)), False, why)

        for document in documents:
            ok, why = _is_english(document)
            batch.append((document, ok, why))
            if len(batch) >= batch_size:
                yield from flush()
                batch = []
        if batch:
            yield from flush()


def load_pipeline(kb_paths: Sequence[str] = (), place_paths: Sequence[str] = ()) -> Pipeline:
    return Pipeline(kb_paths, place_paths)
