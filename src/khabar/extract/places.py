"""Place resolution (spaCy component "khabar_places"): toponyms -> gazetteer entries with coordinates.

Candidates come from the NER (GPE/LOC/FAC, and PERSON/ORG names the gazetteer knows better, such as a
neighbourhood tagged PERSON) and from a scan of capitalised word runs for names the gazetteer knows well
(countries, divisions, regions, borders, curated places, big towns); "<Demonym>-<Demonym> border" builds a
border. Names the NER calls PERSON/ORG count after place evidence ("in Klamath Falls", "the town of X"), a
well-known place inside an unknown organisation's name is a mention ("Kidney Foundation of Canada"), and an
all-capitals dateline ("BEIRUT (AP) -") names a town. Each name is then resolved by a population/precision prior plus the document's context: the
countries it talks about (named places, nationalities, actors) and "X, Y" / "X area of Y" containers.
Without NER (blank "xx" pipelines) only well-known names are taken. Demonyms never become places.
Sets doc.spans["places"], span._.place_id and doc._.places. A toponym the NER found but the gazetteer
lacks (a street, a building) is kept as a span without a place_id.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span

from khabar.extract import extensions
from khabar.extract.gazetteer import Entry, Gazetteer, get_gazetteer, key
from khabar.extract.kb import load_kb
from khabar.model import Place

extensions.register()

PLACE_LABELS = {"GPE", "LOC", "FAC"}
OTHER_LABELS = {"PERSON", "ORG", "NORP", "WORK_OF_ART", "EVENT", "LAW", "PRODUCT", "LANGUAGE"}
GENERIC_TAIL = re.compile(r"\s+(province|city|district|region|area|governorate|state|oblast|county|village|town|"
                          r"valley|neighbourhood|neighborhood|camp|municipality)$", re.I)
NON_NAME_LABELS = {"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"}
ADMIN_WORDS = {"province", "governorate", "oblast", "region", "district", "prefecture", "county"}
GUESSED_ACTORS = ("person:", "org:")  # actors made from an NER label alone, not from the knowledge base
LOCATIVE_PREPS = {"in", "at", "into", "near", "from", "to", "outside", "around", "across"}
NOT_DESTINATION = {"according", "close", "next", "thanks", "due", "referring", "listening", "resemblance", "owing"}
# an organisation name ending (or starting: "University of ...") so names a site: the whole is where things
# happen ("Colchester Hospital"), the town inside it is part of its name
FACILITY_HEADS = {"university", "college", "school", "academy", "hospital", "centre", "center", "court", "airport",
                  "stadium", "station", "church", "cathedral", "hotel", "office", "mall", "armory", "prison",
                  "institute", "museum", "theatre", "theater", "park", "arena", "campus", "library", "market"}
PLACE_NOUNS = {"village", "town", "city", "district", "province", "region", "county", "island", "suburb", "area"}
BORDER_WORDS = {"border", "borders", "frontier", "frontiers", "boundary"}
CONNECTORS = {"of", "al", "el", "de", "-", "e", "i", "la", "le", "du", "des", "and", "ul", "ud", "bin", "am", "an"}
_MAX_NGRAM = 5
_STRONG_POP = 100_000
_SCAN_TOWN_POP = 250_000  # a town the NER missed is taken from the gazetteer alone only when this big
_PREFIX_SKIP = {"the"}
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass
class Candidate:
    start: int
    end: int
    entries: list[Entry]
    from_ner: bool
    chosen: Entry | None = None
    container: list[Candidate] = field(default_factory=list)


def _prior(e: Entry) -> float:
    """Prominence before context: countries, then curated places and regions, divisions as a town of
    200,000, towns by population."""
    if e.precision == "country":
        return 9.0
    if e.curated:
        return 8.5
    if e.precision in ("region", "border"):
        return 8.0
    return math.log10(max(e.population, 10))


def _strong(e: Entry) -> bool:
    return e.curated or e.precision in ("country", "region", "border", "admin1") or e.population >= _STRONG_POP


class PlaceResolver:
    def __init__(self, nlp: Language, place_paths: Sequence[str] = ()) -> None:
        self.gz: Gazetteer = get_gazetteer(place_paths)
        self.demonyms = dict(load_kb().demonyms)
        self.demonym_keys = {key(k) for k in self.demonyms}

    # ------------------------------------------------------------------ candidates

    def _lookup(self, text: str) -> list[Entry]:
        if key(text) in self.demonym_keys:
            return []
        hits = self.gz.lookup(text)
        if not hits and _CYRILLIC.search(text[-1:]) and len(text) > 5:  # Russian cases: "в Ташкенте"
            for cut in (1, 2):
                hits = self.gz.lookup(text[:-cut]) or self.gz.lookup(text[:-cut] + "а")
                if hits:
                    break
        if not hits:
            bare = GENERIC_TAIL.sub("", text)
            if bare != text:
                hits = self.gz.lookup(bare)
                if re.search(r"province|governorate|oblast|state", text[len(bare):], re.I):
                    hits = [e for e in hits if e.precision == "admin1"] or hits
        return hits

    def _cc(self, text: str) -> str | None:
        cc = self.demonyms.get(text)
        if cc:
            return cc
        for e in self.gz.lookup(text):
            if e.precision == "country":
                return e.country
        return None

    def _borders(self, doc: Doc) -> list[Candidate]:
        """ "the Tajik-Afghan border", "Afghan-Tajik borders": a border between two countries."""
        out = []
        for tok in doc:
            if tok.lower_ not in BORDER_WORDS or tok.i < 3:
                continue
            a, dash, b = doc[tok.i - 3], doc[tok.i - 2], doc[tok.i - 1]
            if dash.text not in ("-", "–", "—"):
                continue
            ca, cb = self._cc(a.text), self._cc(b.text)
            if not ca or not cb or ca == cb:
                continue
            entry = self.gz.border(ca, cb) or self._made_border(ca, cb)
            if entry is not None:
                out.append(Candidate(tok.i - 3, tok.i + 1, [entry], from_ner=False, chosen=entry))
        return out

    def _border_with(self, doc: Doc, taken: set[int], blocked: set[int]) -> list[Candidate]:
        """"the border with Afghanistan" after "Tajik ..." in the same sentence: the word "border" is the
        border between the two countries (the named country keeps its own mention)."""
        out = []
        for tok in doc:
            if tok.lower_ not in BORDER_WORDS or tok.i in taken or tok.i + 2 >= len(doc):
                continue
            if doc[tok.i + 1].lower_ not in ("with", "of"):
                continue
            j = tok.i + 2 + (doc[tok.i + 2].lower_ == "the")
            other = None
            for n in (3, 2, 1):
                if j + n <= len(doc):
                    other = self._cc(doc[j : j + n].text)
                    if other:
                        break
            if not other:
                continue
            start = doc[tok.i].sent.start if doc.has_annotation("SENT_START") else max(0, tok.i - 30)
            mine = None
            for k in range(tok.i - 1, start - 1, -1):
                cc = None if k in blocked else self._cc(doc[k].text)
                if cc and cc != other:
                    mine = cc
                    break
            if mine:
                entry = self.gz.border(mine, other) or self._made_border(mine, other)
                if entry is not None:
                    out.append(Candidate(tok.i, tok.i + 1, [entry], from_ner=False, chosen=entry))
        return out

    def _made_border(self, a: str, b: str) -> Entry | None:
        ea, eb = self.gz.country(a), self.gz.country(b)
        if ea is None or eb is None or ea.lat is None or eb.lat is None:
            return None
        pair = sorted((a, b))
        return Entry(id=f"border:{pair[0]}-{pair[1]}", name=f"{ea.name}–{eb.name} border", precision="border",
                     lat=round((ea.lat + eb.lat) / 2, 4), lon=round((ea.lon + eb.lon) / 2, 4),
                     countries=tuple(pair))

    def _ner_candidates(self, doc: Doc, blocked: set[int]) -> list[Candidate]:
        out = []
        for ent in doc.ents:
            toks = list(ent)
            while toks and toks[0].lower_ in _PREFIX_SKIP:
                toks.pop(0)
            while toks and (toks[-1].text in ("'s", "’s", "'") or toks[-1].is_punct or toks[-1].is_space):
                toks.pop()
            if not toks:
                continue
            start, end = toks[0].i, toks[-1].i + 1
            if any(i in blocked for i in range(start, end)):
                continue
            if end < len(doc) and doc[end].lower_ in ADMIN_WORDS and end not in blocked:
                end += 1  # "Idlib province": the division, not the town
            for k in (3, 2):  # "Trinidad" + "and Tobago", "Washington" + ", D.C.": the NER cut a name short
                ext = doc[end : end + k]
                if end + k <= len(doc) and ext[-1].text[:1].isalpha() and not any(t.is_space for t in ext) \
                        and not any(i in blocked for i in range(end, end + k)) and any(
                        _strong(e) for e in self.gz.lookup(doc[start:end + k].text)):
                    end += k
                    break
            text = doc[start:end].text
            if self._common(text):
                continue
            if ent.label_ in PLACE_LABELS:
                hits = self._lookup(text)
                if hits or (text[:1].isupper() and key(text) not in self.demonym_keys and self._unknown_ok(doc, start, end)):
                    # a street or building the gazetteer lacks stays a toponym, unresolved (no place_id)
                    out.append(Candidate(start, end, hits, from_ner=True))
            elif ent.label_ in ("PERSON", "ORG"):
                hits = [e for e in self.gz.lookup(text) if _strong(e)]
                if hits and (ent.label_ == "PERSON" or any(e.curated or e.precision == "country" for e in hits)):
                    out.append(Candidate(start, end, hits, from_ner=True))
                elif self._locative(doc, start, end):
                    # "in Klamath Falls", "to Cirencester": the NER guessed a name; the preposition and the
                    # gazetteer say a town
                    hits = [e for e in self._lookup(text) if e.precision != "point"]
                    if hits:
                        out.append(Candidate(start, end, hits, from_ner=True))
        return out

    def _scan(self, doc: Doc, taken: set[int], has_ner: bool, near: set[str]) -> list[Candidate]:
        """Capitalised runs the gazetteer knows well, where the NER said nothing (or nothing better)."""
        ent_label = {t.i: t.ent_type_ for t in doc} if has_ner else {}
        datelines = doc.user_data.get("khabar_datelines") or ()  # set by the layout component
        out = []
        i = 0
        n = len(doc)
        while i < n:
            tok = doc[i]
            if i in taken or not (tok.text[:1].isupper() or (tok.is_alpha and not tok.text.isascii())):
                i += 1
                continue
            found = None
            for j in range(min(n, i + _MAX_NGRAM), i, -1):
                last = doc[j - 1]
                if any(k in taken for k in range(i, j)) or last.lower_ in CONNECTORS or last.is_punct:
                    continue
                if not all(t.text[:1].isupper() or t.lower_ in CONNECTORS or not t.text.isascii()
                           or t.lower_ in BORDER_WORDS for t in doc[i:j]):
                    continue
                span = doc[i:j]
                if (j - i == 1 and (tok.is_stop or len(tok.text) < 3 or tok.text.endswith("."))) or any(
                        t.ent_type_ in NON_NAME_LABELS for t in span):
                    continue  # "The", "Jan.", a date
                if self._common(span.text):
                    continue
                every = self._lookup(span.text)
                named = [e for e in every if e.curated or e.precision in ("country", "region", "border")]
                local = [e for e in every if e.country in near and (e.precision == "admin1" or e.population >= 15_000)]
                big = [e for e in every if e.population >= _SCAN_TOWN_POP]
                if not (named or local or big):
                    continue
                labels = {ent_label.get(k) for k in range(i, j)} - {"", None}
                mid_sentence = not tok.is_sent_start and not (i > 0 and doc[i - 1].text in ('"', "“", "‘", "("))
                if any(a <= i < b for a, b in datelines) or self._caps_dateline(doc, i, j):
                    hits = named or local or big  # the NER often calls an all-caps dateline place ORG
                elif labels & OTHER_LABELS and not any(e.curated for e in named):
                    if self._inside_longer_ent(doc, i, j):
                        continue  # "Georgia" inside "Georgia Tech"
                    # a name tagged PERSON/ORG: a place only if a country, or a town of a country the text is about
                    hits = named or local
                elif has_ner and not labels:
                    # the NER saw no name: a town of a country the text is about, or a big one, mid-sentence
                    hits = named or ((local or big) if mid_sentence else [])
                else:
                    hits = named or local or big
                if not hits:
                    continue
                found = Candidate(i, j, hits, from_ner=False)
                break
            if found is not None:
                out.append(found)
                i = found.end
            else:
                i += 1
        return out

    def _in_names(self, doc: Doc, taken: set[int], kb_actor: set[int]) -> list[Candidate]:
        """Places named inside an organisation's name ("The Washington Post", "Kidney Foundation of Canada",
        "Pakistan Army" when the knowledge base lacks it): a country, division, region or big town.
        Names of actors the knowledge base knows keep no places ("Islamic State Khorasan Province")."""
        out = []
        for ent in doc.ents:
            if ent.label_ != "ORG" or len(ent) < 2 or any(t.i in kb_actor for t in ent) \
                    or ent[-1].lower_ in FACILITY_HEADS or ent[ent[0].lower_ == "the"].lower_ in FACILITY_HEADS:
                continue  # "Colorado State University", "University of Alberta": a site, named as a whole
            if any(_strong(e) for e in self.gz.lookup(ent.text)):
                continue  # "SAN DIEGO" tagged ORG: the whole is a place name, not "SAN" in it
            i, n = ent.start, ent.end
            while i < n:
                found = None
                for j in range(min(n, i + _MAX_NGRAM), i, -1):
                    span = doc[i:j]
                    if (i, j) == (ent.start, ent.end) or any(k in taken for k in range(i, j)) \
                            or not span[0].text[:1].isupper() or span[-1].lower_ in CONNECTORS \
                            or span[0].lower_ in _PREFIX_SKIP or span[-1].is_punct or self._common(span.text):
                        continue
                    if key(span.text) in self.demonym_keys or span[-1].text.endswith(("'s", "’s")):
                        continue
                    # the name as written ("Colorado State" is not Colorado); no adjective aliases ("European")
                    hits = [e for e in self.gz.lookup(span.text) if _strong(e) and not (
                        key(e.name) != key(span.text) and span.text.endswith(("an", "ean", "ese", "ish")))]
                    if hits:
                        found = Candidate(i, j, hits, from_ner=True)
                        break
                if found is not None:
                    out.append(found)
                    i = found.end
                else:
                    i += 1
        return out

    @staticmethod
    def _caps_dateline(doc: Doc, i: int, j: int) -> bool:
        """An all-capitals name opening a story or a line, then "(AP)", a comma, a colon or a dash:
        "BEIRUT (AP) -", "ALBUQUERQUE, N.M. -" (datelines the layout stage did not mark)."""
        if not all(t.text.isupper() and t.is_alpha for t in doc[i:j]) or j >= len(doc):
            return False
        if doc[j].text not in ("(", ",", ":", "-", "--", "—", "–"):
            return False
        prev = doc[i - 1] if i > 0 else None
        return prev is None or prev.is_space or "\n" in prev.whitespace_ or prev.text in (".", "!", "?", "”", '"')

    def _common(self, text: str) -> bool:
        """An ordinary English word that is also some place's name ("West", "Centre"), unless a country."""
        k = key(text)
        return k in self.gz.common_words and not any(e.precision == "country" or e.curated
                                                     for e in self.gz.lookup(text))

    def _locative(self, doc: Doc, start: int, end: int) -> bool:
        """A capitalised name (not an acronym) right after a locative preposition: "in Nitra", "to Castlegar"."""
        text = doc[start:end].text
        if start > 1 and doc[start - 1].lower_ == "of" and doc[start - 2].lower_ in PLACE_NOUNS \
                and not text.isupper():
            return True  # "the gated suburb of Madinaty"
        if start == 0 or doc[start - 1].lower_ not in LOCATIVE_PREPS or text.isupper() \
                or any(t.is_digit for t in doc[start:end]) or key(text) in self.demonym_keys:
            return False
        if end < len(doc) and doc[end].text in ("'s", "’s"):
            return False  # "at Zara's headquarters": an owner
        # "according to Davis", "close to McGregor": a source, not a destination
        return not (start > 1 and doc[start - 1].lower_ == "to" and doc[start - 2].lower_ in NOT_DESTINATION)

    def _unknown_ok(self, doc: Doc, start: int, end: int) -> bool:
        """A toponym the gazetteer lacks, on the NER's word alone: a phrase ("Royal Street", "Lake Manassas"),
        a name after a locative preposition ("in Portroe"), or an abbreviation ("Calif."). A lone unknown word
        elsewhere is as often a product or a firm the NER mislabelled ("Dropbox", "UConn")."""
        if end - start > 1 or self._locative(doc, start, end) or (start > 0 and doc[start - 1].lower_ == "on"):
            return True
        # "Snetterton, Norfolk", "Silverstone, Northamptonshire": next to a place the gazetteer knows
        if end + 1 < len(doc) and doc[end].text == "," and self.gz.lookup(doc[end + 1].text):
            return True
        if start > 1 and doc[start - 1].text == "," and self.gz.lookup(doc[start - 2].text):
            return True
        return doc[start].text.endswith(".") or doc[start].ent_type_ == "LOC"

    def _territory(self, text: str) -> bool:
        """An actor that is also a curated territory (the European Union): its name is a place as well."""
        return any(e.curated and e.precision in ("region", "country") for e in self.gz.lookup(text))

    @staticmethod
    def _inside_longer_ent(doc: Doc, i: int, j: int) -> bool:
        for k in range(i, j):
            t = doc[k]
            if t.ent_type_ in OTHER_LABELS:
                ent = next((e for e in doc.ents if e.start <= k < e.end), None)
                if ent is not None and (ent.start < i or ent.end > j) and \
                        not (ent.start == i - 1 and doc[ent.start].lower_ == "the" and ent.end == j):
                    return True
        return False

    # ------------------------------------------------------------------ resolution

    def _doc_countries(self, doc: Doc, cands: list[Candidate]) -> Counter:
        c: Counter = Counter()
        for cand in cands:
            kinds = {e.precision for e in cand.entries}
            if kinds == {"country"} or (len(cand.entries) == 1 and cand.entries[0].country):
                for e in cand.entries[:1]:
                    c[e.country] += 2
            for e in cand.entries:
                for cc in e.countries:
                    c[cc] += 1
        for tok in doc:
            cc = self.demonyms.get(tok.text)
            if cc:
                c[cc] += 1
        for a in (doc._.actors or {}).values():
            if a.country:
                c[a.country] += 1
        for cand in cands:  # divisions named unambiguously ("Florida") favour their towns
            adm = [e for e in cand.entries if e.precision == "admin1"]
            if len(adm) == 1 and len(cand.entries) <= 2:
                c[("admin1", adm[0].country, key(adm[0].name))] += 1
        doc_meta = getattr(doc._.khabar_doc, "meta", None) or {}
        for cc in doc_meta.get("countries") or ():
            c[str(cc)] += 3
        c.pop(None, None)
        return c

    def _containers(self, doc: Doc, cands: list[Candidate]) -> None:
        """ "Kabul, Afghanistan", "Karte Naw area of Kabul", "Gao in northern Mali": the second is a container."""
        by_start = {c.start: c for c in cands}
        for c in cands:
            j = c.end
            if j < len(doc) and doc[j].text == ",":
                j += 1
            elif j + 1 < len(doc) and doc[j].lower_ in ("area", "district", "region", "province") \
                    and doc[j + 1].lower_ == "of":
                j += 2
            elif j < len(doc) and doc[j].lower_ in ("in", "of"):
                j += 1
            else:
                continue
            while j < len(doc) and (doc[j].lower_ in ("the", "northern", "southern", "eastern", "western", "central",
                                                       "northeastern", "northwestern", "southeastern",
                                                       "southwestern")):
                j += 1
            other = by_start.get(j)
            if other is not None:
                c.container.append(other)

    def _resolve(self, cand: Candidate, countries: Counter) -> Entry:
        top = next((k for k, _ in countries.most_common() if isinstance(k, str)), None)
        best, best_score = cand.entries[0], -1e9
        for e in cand.entries:
            s = _prior(e)
            if e.country and e.country in countries:
                s += 2.5 + (1.0 if e.country == top else 0.0)
            if e.precision == "city" and e.admin1 and ("admin1", e.country, key(e.admin1)) in countries:
                s += 1.0
            for cont in cand.container if e.precision != "country" else ():  # "Mexico, the US": a list
                for ce in cont.entries:
                    if ce.country and ce.country == e.country and ce.id != e.id:
                        s += 4.0 if ce.precision == "country" else 2.0
                    if ce.precision in ("admin1", "city") and e.admin1 and key(e.admin1) == key(ce.name):
                        s += 4.0
            if not cand.from_ner and e.precision == "city" and e.population < _STRONG_POP:
                s -= 3.0
            if e.precision == "city" and e.admin1 and key(e.admin1) == key(e.name) and any(
                    o.precision == "admin1" and o.country == e.country and key(o.name) == key(e.name)
                    for o in cand.entries):
                s += 1.0  # "Kandahar": the city, seat of the province of the same name
            if s > best_score:
                best, best_score = e, s
        return best

    def __call__(self, doc: Doc) -> Doc:
        has_ner = doc.has_annotation("ENT_IOB")
        blocked: set[int] = set()
        kb_actor: set[int] = set()
        for sp in doc.spans.get("actors", []):  # names of organisations are not places ("Islamic State")
            a = (doc._.actors or {}).get(sp._.actor_id)
            if a is not None and not a.id.startswith(GUESSED_ACTORS):
                kb_actor.update(range(sp.start, sp.end))
            if a is not None and a.type not in ("state", "government") and not (
                    a.type == "person" and self.gz.is_strong_place(sp.text)) and not self._territory(sp.text) \
                    and not (a.id.startswith(GUESSED_ACTORS) and self._locative(doc, sp.start, sp.end)
                             and self._lookup(sp.text)):
                blocked.update(range(sp.start, sp.end))
        cands = self._borders(doc)
        taken = {i for c in cands for i in range(c.start, c.end)}
        cands += self._border_with(doc, taken, blocked)
        taken = {i for c in cands for i in range(c.start, c.end)}
        if has_ner:
            for c in self._ner_candidates(doc, blocked | taken):
                cands.append(c)
                taken.update(range(c.start, c.end))
        if has_ner:
            for c in self._in_names(doc, taken, kb_actor):
                cands.append(c)
                taken.update(range(c.start, c.end))
        near = {k for k in self._doc_countries(doc, cands) if isinstance(k, str)}
        cands += self._scan(doc, taken | blocked, has_ner, near)
        cands.sort(key=lambda c: c.start)
        countries = self._doc_countries(doc, cands)
        self._containers(doc, cands)
        for c in reversed(cands):  # containers (to the right) are decided first, then narrow what they hold
            if c.chosen is None and c.entries:
                c.chosen = self._resolve(c, countries)
            c.entries = [c.chosen] if c.chosen is not None else []
        spans = []
        places = extensions.doc_places(doc)
        for c in cands:
            e = c.chosen
            sp = Span(doc, c.start, c.end, label="PLACE")
            spans.append(sp)
            if e is None:
                continue  # detected, not resolved: consumers skip spans without a place_id
            sp._.place_id = e.id
            if e.id not in places:
                places[e.id] = Place(id=e.id, name=e.name, country=e.country, admin1=e.admin1, lat=e.lat,
                                     lon=e.lon, precision=e.precision, geonames_id=e.geonames_id,
                                     population=e.population if not e.curated else None)
        doc.spans["places"] = spans
        return doc


@Language.factory("khabar_places", default_config={"place_paths": []})
def make_place_resolver(nlp: Language, name: str, place_paths: list[str]) -> PlaceResolver:
    return PlaceResolver(nlp, place_paths)
