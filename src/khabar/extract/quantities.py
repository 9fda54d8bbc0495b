"""Stage "khabar_quantities": counted things ("about 6,500 fighters", "dozens of young people").

Each quantity gets a value, the counted noun (lemmatised, with its adjectives: "armed man"), and an
approximate flag, so claims can carry the figure they state and events their casualty/arrest counts.
Vague words have the smallest plausible value (data/quantities.yaml) so counts are never overstated.
"""

from __future__ import annotations

import functools
import re

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from khabar.datafiles import packaged_yaml
from khabar.extract import extensions
from khabar.model import Quantity

extensions.register()

WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
WORD_NUMBERS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90})
_SKIP_ENTS = {"DATE", "TIME", "EVENT", "ORDINAL", "MONEY", "PERCENT", "LAW", "PRODUCT", "WORK_OF_ART"}


@functools.lru_cache(maxsize=1)
def lexicon() -> dict:
    data = packaged_yaml("quantities.yaml")
    data["approximators"] = sorted((a.split() for a in data["approximators"]), key=len, reverse=True)
    data["vague"] = {tuple(k.split()): v for k, v in data["vague"].items()}
    by_first: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    for words, value in sorted(data["vague"].items(), key=lambda kv: -len(kv[0])):
        by_first.setdefault(words[0], []).append((words, value))
    data["vague_by_first"] = by_first  # longest phrase first, looked up by its first word
    return data


def number_value(tokens: list[Token]) -> float | None:
    """'6,500' -> 6500; '1.5 million' -> 1.5e6; 'twenty-five' -> 25; None if not a number."""
    mult = lexicon()["multipliers"]
    value: float | None = None
    for t in tokens:
        w = t.lower_.replace(",", "")
        if w == "-":
            continue
        if w in mult:
            value = (value or 1) * mult[w]
            continue
        if re.fullmatch(r"\d+(\.\d+)?", w):
            v = float(w)
        elif w in WORD_NUMBERS:
            v = float(WORD_NUMBERS[w])
        elif "-" in w and all(p in WORD_NUMBERS for p in w.split("-")):
            v = float(sum(WORD_NUMBERS[p] for p in w.split("-")))
        else:
            return None
        value = v if value is None else value + v
    return value


def unit_of(noun: Token) -> tuple[str, int]:
    """Lemmatised counted noun with its adjectives ("armed man"); and the index of its first token."""
    mods = [c for c in noun.lefts if c.dep_ in ("amod", "compound") and c.pos_ in ("ADJ", "NOUN", "VERB", "PROPN")]
    mods = [c for c in mods if c.lower_ not in ("estimated",)]
    words = [c.lower_ for c in mods] + [noun.lemma_.lower() if noun.tag_ != "NNPS" else noun.lower_]
    first = min([c.i for c in mods] + [noun.i])
    return " ".join(words), first


def _word_hyphen(doc: Doc, j: int) -> bool:
    return (
        j + 2 < len(doc)
        and doc[j + 1].text == "-"
        and doc[j].lower_ in WORD_NUMBERS
        and doc[j + 2].lower_ in WORD_NUMBERS
    )


def _match_words(doc: Doc, i: int, words: list[str]) -> bool:
    return i >= 0 and i + len(words) <= len(doc) and all(doc[i + k].lower_ == w for k, w in enumerate(words))


def _approximator_before(doc: Doc, i: int) -> int | None:
    """Start index of an approximator ending right before token i."""
    for words in lexicon()["approximators"]:
        if _match_words(doc, i - len(words), words):
            return i - len(words)
    return None


def find_quantities(doc: Doc) -> list[Span]:
    skip = {t.i for e in doc.ents if e.label_ in _SKIP_ENTS for t in e}
    out: list[Span] = []
    used: set[int] = set()
    vague = lexicon()["vague_by_first"]
    i = 0
    while i < len(doc):
        t = doc[i]
        hit = None
        for words, value in vague.get(t.lower_, ()):
            if _match_words(doc, i, list(words)):
                end = i + len(words)
                if end < len(doc) and doc[end].lower_ == "of":
                    end += 1
                # the counted noun: the next plural noun within a few tokens
                for j in range(end, min(end + 4, len(doc))):
                    if doc[j].tag_ in ("NNS", "NNPS") or (doc[j].pos_ == "NOUN" and doc[j].lemma_ == "people"):
                        hit = (i, j, float(value), True)
                        break
                    if doc[j].pos_ not in ("ADJ", "NOUN", "VERB", "ADV"):
                        break
                break
        if hit is None and t.pos_ == "NUM" and t.i not in skip and t.like_num:
            j = i
            while j + 1 < len(doc):
                if doc[j + 1].like_num and doc[j + 1].pos_ == "NUM":
                    j += 1
                elif _word_hyphen(doc, j):  # "twenty-five" is tokenised twenty - five
                    j += 2
                else:
                    break
            value = number_value(list(doc[i : j + 1]))
            if j + 1 < len(doc) and doc[j + 1].text == "-" and not doc[j + 1].whitespace_:
                value = None  # "a two-handed stance", "a 10-year-old": part of an adjective, not a count
            head = doc[j].head
            noun = None
            if doc[j].dep_ == "nummod" and head.pos_ in ("NOUN", "PROPN") and head.i > j:
                noun = head
            elif j + 2 < len(doc) and doc[j + 1].lower_ == "of" and doc[j + 2].pos_ in ("NOUN", "ADJ", "DET"):
                noun = next((c for c in doc[j + 1].children if c.dep_ == "pobj"), None)
            if value is not None:
                approx_at = _approximator_before(doc, i)
                start = approx_at if approx_at is not None else i
                hit = (start, noun.i if noun is not None else j, value, approx_at is not None)
                i = j
        if hit is not None:
            start, last, value, approx = hit
            noun = doc[last]
            unit = None
            if noun.pos_ in ("NOUN", "PROPN") and not noun.like_num:
                unit, _ = unit_of(noun)
            span = doc[start : last + 1]
            if not any(k in used for k in range(start, last + 1)):
                span._.quantity = Quantity(value=value, unit=unit, approximate=approx, text=span.text)
                out.append(span)
                used.update(range(start, last + 1))
            i = max(i, last) if hit[2] is not None and doc[i].pos_ != "NUM" else i
        i += 1
    return out


@Language.component("khabar_quantities")
def quantities_component(doc: Doc) -> Doc:
    """Sets doc.spans["quantities"] (span._.quantity)."""
    doc.spans["quantities"] = find_quantities(doc)
    return doc
