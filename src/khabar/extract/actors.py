"""Actor resolution (spaCy component "khabar_actors"): text mentions -> knowledge-base actors and persons.

Order of evidence, strongest first: knowledge-base aliases (any script; longest match wins), demonym +
body noun ("Tajik authorities" -> that state's government), NER entities corrected by what the knowledge
base and gazetteer know (a rank glued to a name, a neighbourhood tagged PERSON), then later mentions of
the same person (surname, "the researcher", "he"). Works without a parser or NER (blank "xx" pipelines):
then only alias matching runs. Sets doc.spans["actors"], span._.actor_id, span._.role, doc._.actors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token

from khabar.extract import extensions
from khabar.extract.kb import KnowledgeBase, fold, load_kb, slug
from khabar.model import Actor

extensions.register()

PERSON_PRONOUNS = {"he", "she", "him"}
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_PRONOUN_WINDOW = 3  # sentences back a pronoun may reach


@dataclass
class Mention:
    start: int
    end: int
    actor_id: str
    priority: int  # higher wins an overlap of equal length
    role: str | None = None


def _plural(word: str) -> set[str]:
    return {word, word + "s", word + "es", word[:-1] + "ies" if word.endswith("y") else word + "s"}


class ActorResolver:
    def __init__(self, nlp: Language, kb_paths: Sequence[str] = ()) -> None:
        self.kb: KnowledgeBase = load_kb(kb_paths)
        self.nlp = nlp
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.alias_context: dict[tuple[str, str], tuple[str, ...]] = {}
        self.cyrillic_words: dict[str, str] = {}
        lower_pats: dict[str, list] = {}
        exact_pats: dict[str, list] = {}
        for al in self.kb.aliases:
            key = al.actor_id
            if al.context:
                self.alias_context[(fold(al.text), key)] = al.context
            target = exact_pats if al.case_sensitive else lower_pats
            target.setdefault(key, []).append(nlp.make_doc(al.text))
            if _CYRILLIC.search(al.text) and " " not in al.text.strip():
                self.cyrillic_words.setdefault(al.text.lower(), key)
        for key, pats in lower_pats.items():
            self.lower.add(key, pats)
        for key, pats in exact_pats.items():
            self.exact.add(key, pats)
        t = self.kb.titles
        self.heads: set[str] = set()
        for h in t.get("heads") or ():
            self.heads |= _plural(str(h).lower())
        self.modifiers = {str(m).lower() for m in t.get("modifiers") or ()}
        self.ranks = sorted((str(r).split() for r in t.get("ranks") or ()), key=len, reverse=True)
        self.demonyms = dict(self.kb.demonyms)
        self.demonyms_lower = {k.lower(): v for k, v in self.demonyms.items()}

    # ------------------------------------------------------------------ helpers

    def _demonym(self, tok: Token) -> str | None:
        if tok.text in self.demonyms:
            return self.demonyms[tok.text]
        if not tok.text.isascii():
            return self.demonyms_lower.get(tok.lower_)
        return None

    def _is_title_word(self, tok: Token) -> bool:
        low = tok.lower_
        return low in self.heads or low in self.modifiers or tok.lemma_.lower() in self.heads

    def _rank_len(self, toks: Sequence[Token]) -> int:
        """How many leading tokens form a rank or title ("Major General")."""
        words = [t.text for t in toks]
        best = 0
        for rank in self.ranks:
            if len(rank) < len(words) and words[: len(rank)] == rank:
                best = max(best, len(rank))
        return best

    def _after_title(self, doc: Doc, start: int) -> bool:
        """The words before `start` end a title ("Minister for", "Ambassador to")."""
        i = start - 1
        while i >= 0 and doc[i].lower_ in ("for", "of", "to", "the", "in"):
            i -= 1
        return i < start - 1 and i >= 0 and (doc[i].lower_ in self.heads or doc[i].lemma_.lower() in self.heads)

    @staticmethod
    def _place_like(text: str) -> bool:
        """The gazetteer knows this as a place a person name is unlikely to be (a curated place or big city)."""
        try:
            from khabar.extract.gazetteer import get_gazetteer
        except ImportError:
            return False
        return get_gazetteer().is_strong_place(text)

    # ------------------------------------------------------------------ stages

    def _alias_mentions(self, doc: Doc) -> list[Mention]:
        low_text = None
        out = []
        for matcher, case in ((self.lower, False), (self.exact, True)):
            for match_id, start, end in matcher(doc):
                ident = self.nlp.vocab.strings[match_id]
                span = doc[start:end]
                if not case and not any(t.text[:1].isupper() or not t.text.isascii() for t in span
                                        if any(c.isalpha() for c in t.text)):
                    continue  # "amnesty" the word, not Amnesty International
                ctx = self.alias_context.get((fold(span.text), ident))
                if ctx:
                    if low_text is None:
                        low_text = fold(doc.text)
                    if not any(w in low_text for w in ctx):
                        continue
                out.append(Mention(start, end, ident, priority=3))
        if self.cyrillic_words:  # Russian case endings: "Таджикистана", "ИГИЛа"
            for tok in doc:
                if not _CYRILLIC.search(tok.text) or len(tok.text) < 5:
                    continue
                low = tok.lower_
                for cut in (1, 2, 3):
                    ident = self.cyrillic_words.get(low[:-cut])
                    if ident and len(low) - cut >= 3:
                        out.append(Mention(tok.i, tok.i + 1, ident, priority=2))
                        break
        return out

    def _body_mentions(self, doc: Doc) -> list[Mention]:
        """ "<Demonym> <body noun>" -> that country's body; "<body noun> of <country>" likewise."""
        out = []
        nouns = sorted(((k.split(), v) for k, v in self.kb.body_nouns.items()), key=lambda kv: -len(kv[0]))
        for tok in doc:
            cc = self._demonym(tok)
            if not cc:
                continue
            for words, body in nouns:
                j = tok.i + 1
                if [t.lower_ for t in doc[j : j + len(words)]] == words:
                    actor = self.kb.body_actor(cc, body)
                    if actor is not None:
                        out.append(Mention(tok.i, j + len(words), actor.id, priority=2))
                    break
        return out

    def _person_from_ent(self, doc: Doc, ent: Span) -> tuple[int, int, str | None] | None:
        toks = list(ent)
        while toks and (toks[-1].text in ("'s", "’s", "'") or toks[-1].is_punct):
            toks.pop()
        while toks and toks[0].lower_ in ("the", "a", "an"):
            toks.pop(0)
        if not toks:
            return None
        if ent.label_ != "PERSON" and len(toks) >= 3 and self._after_title(doc, ent.start):
            # "Minister for [the Middle East Tobias Ellwood]": a place that ends a title, then a name
            for cut in range(len(toks) - 2, 0, -1):
                rest = toks[cut:]
                if len(rest) <= 3 and all(t.pos_ == "PROPN" and t.text[:1].isupper() for t in rest) \
                        and self._place_like(" ".join(t.text for t in toks[:cut])):
                    return rest[0].i, rest[-1].i + 1, None
        rank = self._rank_len(toks)
        rank_text = " ".join(t.text for t in toks[:rank]) if rank else None
        name = toks[rank:]
        if not name or not all(t.text[:1].isupper() or t.text in ("-", "al", "bin", "ibn", "van", "de", "von")
                               for t in name):
            return None
        if ent.label_ != "PERSON" and not rank:
            return None
        text = " ".join(t.text for t in name)
        if len(name) == 1 and name[0].text.upper() == name[0].text:
            return None  # an acronym
        if all(self._demonym(t) or not t.is_alpha for t in name):
            return None  # "Tajik" in "Uzbek, Tajik and Kyrgyz communities"; "Tajik-Afghan" (border)
        if not rank and self._place_like(text):
            return None
        start, end = name[0].i, name[-1].i + 1
        while end < len(doc) and doc[end].pos_ == "PROPN" and doc[end].text[:1].isupper() \
                and not doc[end].is_sent_start and doc[end].ent_type_ in ("", ent.label_, "PERSON"):
            end += 1  # "Amir Khan" + "Muttaqi": the NER cut the name short
        return start, end, rank_text

    def _pre_title(self, doc: Doc, start: int, taken: dict[int, Mention]) -> tuple[str | None, str | None, int]:
        """Title words before a name, and the actor or nationality before them (the affiliation)."""
        i = start - 1
        words: list[Token] = []
        while i >= 0:
            tok = doc[i]
            if i in taken or self._demonym(tok):
                break
            if self._is_title_word(tok) or (tok.text[:1].isupper() and not tok.is_sent_start
                                           and tok.pos_ in ("PROPN", "NOUN", "ADJ", "")):
                words.insert(0, tok)
                i -= 1
                continue
            if tok.lower_ in ("of", "for", "the") and words and i > 0 and len(words) < 8:
                words.insert(0, tok)  # "Minister for the Middle East Tobias Ellwood"
                i -= 1
                continue
            break
        while words and not self._is_title_word(words[0]):
            words.pop(0)
        if not any(t.lower_ in self.heads or t.lemma_.lower() in self.heads for t in words):
            return None, None, start
        first = words[0].i
        affiliation = None
        j = first - 1
        if j >= 0 and doc[j].text in ("'s", "’s"):
            j -= 1
        if j >= 0:
            if j in taken and self.kb.actors.get(taken[j].actor_id, None) is not None:
                affiliation = taken[j].actor_id
            else:
                cc = self._demonym(doc[j])
                if cc:
                    affiliation = self.kb.state_of(cc)
        role = doc[first:start].text
        return role, affiliation, first

    def _appositive(self, doc: Doc, end: int, taken: dict[int, Mention]) -> tuple[str | None, str | None]:
        """ "<Name>, Chairman of the Joint Chiefs of Staff of the CSTO," -> role, affiliation."""
        if end >= len(doc) - 1 or doc[end].text != ",":
            return None, None
        i = end + 1
        while i < len(doc) and doc[i].lower_ in ("a", "an", "the"):
            i += 1
        first = i
        has_head = False
        last_actor: Mention | None = None
        role_end = None
        while i < len(doc) and i - first < 14:
            tok = doc[i]
            if tok.text in (",", ".", ";", ":", "(", ")") or tok.lower_ in ("who", "which", "that", "said", "says"):
                break
            if tok.pos_ in ("VERB", "AUX") and not tok.text[:1].isupper():
                break
            if tok.lower_ in self.heads or tok.lemma_.lower() in self.heads:
                has_head = True
            if i in taken:
                m = taken[i]
                if role_end is None or last_actor is None or m is not last_actor:
                    # the phrase up to "of (the)" before the actor is the role
                    k = m.start - 1
                    while k > first and doc[k].lower_ in ("the", "of", "at", "for", "in", "'s", "’s"):
                        k -= 1
                    role_end = k + 1
                last_actor = m
                i = m.end
                continue
            i += 1
        if not has_head or i == first:
            return None, None
        stop = role_end if (last_actor is not None and role_end and role_end > first) else i
        role = doc[first:stop].text.strip(" ,")
        aff = last_actor.actor_id if last_actor is not None and self.kb.actors.get(last_actor.actor_id) else None
        if aff and self.kb.actors[aff].type == "person":
            aff = None
        return role or None, aff

    # ------------------------------------------------------------------ the component

    def __call__(self, doc: Doc) -> Doc:
        has_parse = doc.has_annotation("DEP")
        has_ner = doc.has_annotation("ENT_IOB")
        actors: dict[str, Actor] = {}
        mentions = self._alias_mentions(doc) + self._body_mentions(doc)
        chosen = self._branch_shorthand(self._select(mentions))
        taken = {i: m for m in chosen for i in range(m.start, m.end)}
        generated: dict[str, Actor] = {}
        for m in chosen:
            if m.actor_id not in self.kb.actors:
                cc, body = m.actor_id.split("-", 1)
                a = self.kb.body_actor(cc.upper(), body)
                if a is not None:
                    generated[a.id] = a
        chosen = self._extend_members(doc, chosen, generated)
        if has_parse and has_ner:
            chosen = [m for m in chosen if not self._locative_state(doc, m)]
        taken = {i: m for m in chosen for i in range(m.start, m.end)}
        persons: dict[str, Actor] = {}
        if has_ner:
            extra = self._ner_mentions(doc, taken, persons, generated)
            chosen = self._select(chosen + extra)
            taken = {i: m for m in chosen for i in range(m.start, m.end)}
            chosen = chosen + self._group_anaphora(doc, chosen, taken)
            chosen = self._select(chosen)
            taken = {i: m for m in chosen for i in range(m.start, m.end)}
            chosen = chosen + self._later_mentions(doc, chosen, taken, persons, has_parse)
        spans = []
        for m in sorted(chosen, key=lambda m: m.start):
            actor = persons.get(m.actor_id) or generated.get(m.actor_id) or self.kb.copy_actor(m.actor_id)
            if actor is None:
                continue
            sp = Span(doc, m.start, m.end, label="PERSON" if actor.type == "person" else "ACTOR")
            sp._.actor_id = actor.id
            sp._.role = m.role or actor.role
            spans.append(sp)
            if actor.id not in actors:
                actors[actor.id] = actor
            if actor.type == "person" and sp.text not in actor.aliases and sp.root.pos_ == "PROPN" \
                    and sp.text.lower() not in PERSON_PRONOUNS:
                actor.aliases.append(sp.text)
        for a in list(actors.values()):  # affiliations and parents named by id must be resolvable
            for ref in (a.affiliation, a.parent if a.type == "person" else None):
                if ref and ref not in actors:
                    known = self.kb.copy_actor(ref) or generated.get(ref)
                    if known is not None:
                        actors[ref] = known
        doc.spans["actors"] = spans
        store = extensions.doc_actors(doc)
        store.update(actors)
        return doc

    @staticmethod
    def _select(mentions: list[Mention]) -> list[Mention]:
        """Longest match wins; then priority; then the earlier one."""
        out: list[Mention] = []
        used: set[int] = set()
        for m in sorted(mentions, key=lambda m: (-(m.end - m.start), -m.priority, m.start)):
            if any(i in used for i in range(m.start, m.end)):
                continue
            out.append(m)
            used.update(range(m.start, m.end))
        return sorted(out, key=lambda m: m.start)

    def _extend_members(self, doc: Doc, chosen: list[Mention], generated: dict[str, Actor]) -> list[Mention]:
        """'ISIL fighters' -> the group; 'U.S. forces' -> that state's armed forces (a body of the state)."""
        used = {i for m in chosen for i in range(m.start, m.end)}
        nouns = sorted(((k.split(), v) for k, v in self.kb.body_nouns.items()), key=lambda kv: -len(kv[0]))
        for m in chosen:
            a = self.kb.actors.get(m.actor_id)
            if a is None or a.type == "person":
                continue
            if a.type == "state":
                for words, body in nouns:
                    j = m.end
                    if [t.lower_ for t in doc[j : j + len(words)]] == words and not any(
                            k in used for k in range(j, j + len(words))):
                        body_actor = self.kb.body_actor(a.country or m.actor_id.upper(), body)
                        if body_actor is not None:
                            if body_actor.id not in self.kb.actors:
                                generated[body_actor.id] = body_actor
                            m.actor_id = body_actor.id
                            m.end = j + len(words)
                            used.update(range(j, m.end))
                        break
                continue
            j = m.end
            while j + 1 < len(doc) and j - m.end < 2 and doc[j].pos_ in ("ADJ", "NOUN") and doc[j].text.islower() \
                    and doc[j].lower_ not in self.kb.member_nouns:
                j += 1
            nxt = doc[j + 1] if j + 1 < len(doc) else None
            if j < len(doc) and doc[j].lower_ in self.kb.member_nouns and j not in used and (
                    nxt is None or (nxt.lower_ not in self.kb.member_nouns
                                    and not (nxt.pos_ == "PROPN" and nxt.text[:1].isupper()))):
                used.update(range(m.end, j + 1))
                m.end = j + 1
        return chosen

    _ACTOR_DEPS = {"nsubj", "nsubjpass", "dobj", "poss", "appos", "dative", "iobj"}
    _ACTOR_PREPS = {"by", "against", "with", "between", "for"}

    def _locative_state(self, doc: Doc, m: Mention) -> bool:
        """A country is an actor where it acts or is acted on (subject, object, "by"/"against" it, a
        possessor); elsewhere ("in Afghanistan", "Syria's north", a modifier) it is a place, not an actor."""
        actor = self.kb.actors.get(m.actor_id)
        if actor is None or actor.type != "state":
            return False
        root = doc[m.start : m.end].root
        while root.dep_ in ("conj", "appos") and root.head.i != root.i:
            root = root.head
        if root.dep_ in self._ACTOR_DEPS:
            return False
        if root.dep_ == "pobj" and root.head.lower_ in self._ACTOR_PREPS:
            return False
        return True

    def _org_type(self, text: str) -> str:
        low = f" {fold(text)} "
        for typ, words in self.kb.org_types.items():
            if any(f" {w} " in low or low.strip().endswith(w) for w in words):
                return typ
        return "other"

    def _ner_mentions(self, doc: Doc, taken: dict[int, Mention], persons: dict[str, Actor],
                      generated: dict[str, Actor]) -> list[Mention]:
        out: list[Mention] = []
        for ent in doc.ents:
            if any(t.i in taken for t in ent):
                continue
            if ent.label_ in ("ORG", "GPE", "LOC") and len(ent) == 1 and ent[0].pos_ == "PROPN":
                same = [a for a in persons.values() if ent.text in a.name.split()[-1:] or (
                    len(a.name.split()) > 1 and ent.text == a.name.split()[0])]
                if len(same) == 1:  # "Karim" after "Karim Sadiq": the NER's GPE is the person named before
                    out.append(Mention(ent.start, ent.end, same[0].id, priority=2, role=same[0].role))
                    continue
            if ent.label_ in ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"):
                p = self._person_from_ent(doc, ent)
                if p is not None:
                    start, end, rank = p
                    out.append(self._person(doc, start, end, rank, taken, persons))
                    continue
            if ent.label_ == "ORG":
                toks = [t for t in ent if not (t.i == ent.start and t.lower_ == "the")]
                while toks and toks[-1].text in ("'s", "’s"):
                    toks.pop()
                if not toks or len(toks) > 10 or not any(t.text[:1].isupper() for t in toks):
                    continue
                text = doc[toks[0].i : toks[-1].i + 1].text
                if self._place_like(text) or (len(toks) == 1 and len(text) < 3):
                    continue
                ident = f"org:{slug(text)}"
                if ident not in generated:
                    generated[ident] = Actor(id=ident, name=text, type=self._org_type(text), aliases=[text])
                out.append(Mention(toks[0].i, toks[-1].i + 1, ident, priority=1))
        return out

    def _person(self, doc: Doc, start: int, end: int, rank: str | None, taken: dict[int, Mention],
                persons: dict[str, Actor]) -> Mention:
        name = doc[start:end].text
        ident = f"person:{slug(name)}"
        if end - start == 1:  # a surname alone: the person named in full earlier
            same = [p for p in persons.values() if self._surname_matches(p.name, name)]
            if len(same) == 1:
                return Mention(start, end, same[0].id, priority=2, role=same[0].role)
        pre_from = start - len(rank.split()) if rank else start
        role, aff, _ = self._pre_title(doc, pre_from, taken)
        if rank:
            role = f"{role} {rank}" if role and not role.endswith(rank) else (role or rank)
        app_role, app_aff = self._appositive(doc, end, taken)
        if app_role:
            role = app_role
        aff = app_aff or aff
        actor = persons.get(ident)
        if actor is None:
            country = None
            if aff and aff in self.kb.actors:
                country = self.kb.actors[aff].country
            actor = Actor(id=ident, name=name, type="person", country=country, role=role, affiliation=aff,
                          aliases=[name])
            persons[ident] = actor
        else:
            actor.role = actor.role or role
            actor.affiliation = actor.affiliation or aff
        return Mention(start, end, ident, priority=2, role=role)

    @staticmethod
    def _surname_forms(full: str) -> set[str]:
        parts = full.split()
        if len(parts) < 2:
            return set()
        last = parts[-1]
        forms = {last, re.sub(r"^(al|el|as|ad|ash|an|ar|at|az)-", "", last, flags=re.I)}
        return {f.lower() for f in forms if len(f) > 2}

    def _surname_matches(self, full: str, short: str) -> bool:
        return short.lower() in self._surname_forms(full)

    def _branch_shorthand(self, chosen: list[Mention]) -> list[Mention]:
        """A document about one branch uses the parent's name as shorthand for it ("ISIS" in an article about
        ISIS Khorasan): when exactly one branch of a group is named, at least twice, the bare parent is it."""
        counts: dict[str, int] = {}
        for m in chosen:
            counts[m.actor_id] = counts.get(m.actor_id, 0) + 1
        branch_of: dict[str, set[str]] = {}
        for ident in counts:
            a = self.kb.actors.get(ident)
            if a is not None and a.parent and a.type == "armed_group" and \
                    getattr(self.kb.actors.get(a.parent), "type", None) == "armed_group":
                branch_of.setdefault(a.parent, set()).add(ident)
        swap = {p: next(iter(bs)) for p, bs in branch_of.items() if len(bs) == 1 and counts[next(iter(bs))] >= 2}
        for m in chosen:
            if m.actor_id in swap:
                m.actor_id = swap[m.actor_id]
        return chosen

    def _group_anaphora(self, doc: Doc, chosen: list[Mention], taken: dict[int, Mention]) -> list[Mention]:
        """ "the Afghan movement" -> the last group of that country named before it."""
        out = []
        for tok in doc[:-1]:
            cc = self._demonym(tok)
            nxt = doc[tok.i + 1]
            if not cc or tok.i in taken or nxt.i in taken or nxt.lower_ not in self.kb.group_nouns:
                continue
            best, best_score = None, -1
            for m in chosen:  # prefer the group named with this very noun ("the Afghan Taliban movement")
                if m.start >= tok.i:
                    break
                a = self.kb.actors.get(m.actor_id)
                if a is not None and a.country == cc and a.type in ("armed_group", "party"):
                    said = doc[max(0, m.start - 1) : m.end + 1].text.lower()
                    score = 2 * (nxt.lower_ in said) + (tok.lower_ in said)
                    if score >= best_score:
                        best, best_score = m, score
            if best is not None:
                out.append(Mention(tok.i, nxt.i + 1, best.actor_id, priority=1))
        return out

    def _later_mentions(self, doc: Doc, chosen: list[Mention], taken: dict[int, Mention],
                        persons: dict[str, Actor], has_parse: bool) -> list[Mention]:
        """Surnames, "the <role>", and he/she/him -> the person already introduced in this document."""
        if not persons:
            return []
        surnames: dict[str, set[str]] = {}
        for p in persons.values():
            for form in self._surname_forms(p.name):
                surnames.setdefault(form, set()).add(p.id)
        first_at = {}
        for m in chosen:
            if m.actor_id in persons:
                first_at.setdefault(m.actor_id, m.start)
        out: list[Mention] = []
        person_at: list[tuple[int, str]] = [(m.start, m.actor_id) for m in chosen if m.actor_id in persons]
        for tok in doc:
            if tok.i in taken:
                continue
            ids = surnames.get(tok.lower_) if tok.text[:1].isupper() else None
            if ids and len(ids) == 1:
                (pid,) = ids
                if first_at.get(pid, len(doc)) < tok.i:
                    out.append(Mention(tok.i, tok.i + 1, pid, priority=1))
                    person_at.append((tok.i, pid))
                    continue
            if tok.lower_ not in self.heads or tok.i < 1:
                continue
            det = tok.i - 1  # "the researcher", "The Foreign Secretary": walk back over title words to "the"
            while det > 0 and tok.i - det < 4 and det not in taken and doc[det].lower_ != "the" and (
                    self._is_title_word(doc[det]) or doc[det].text[:1].isupper()):
                det -= 1
            nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
            if doc[det].lower_ != "the" or any(k in taken for k in range(det, tok.i + 1)) or (
                    nxt is not None and nxt.pos_ == "PROPN" and nxt.text[:1].isupper()):
                continue  # not a definite description, or the title of a name that follows
            if det > 1 and doc[det - 1].text == "," and getattr(taken.get(det - 2), "actor_id", "") in persons:
                continue  # an apposition: "Goita, the head of the junta" introduces the role
            words = {w.lower() for w in doc[det + 1 : tok.i + 1].text.split()}
            lemma = tok.lemma_.lower()
            cands = {pid for pid, p in persons.items() if p.role and first_at.get(pid, len(doc)) < tok.i
                     and (lemma in p.role.lower().split() or tok.lower_ in p.role.lower().split())
                     and words <= set(p.role.lower().split()) | {lemma}}
            if len(cands) == 1:
                (pid,) = cands
                out.append(Mention(det, tok.i + 1, pid, priority=1, role=persons[pid].role))
                person_at.append((tok.i, pid))
        person_at.sort()
        if has_parse:
            sents = {t.i: k for k, s in enumerate(doc.sents) for t in s}
            for tok in doc:
                if tok.lower_ not in PERSON_PRONOUNS or tok.pos_ != "PRON" or tok.i in taken:
                    continue
                prev = [(i, pid) for i, pid in person_at if i < tok.i and sents[tok.i] - sents[i] <= _PRONOUN_WINDOW]
                if prev:
                    out.append(Mention(tok.i, tok.i + 1, prev[-1][1], priority=0))
        return out


@Language.factory("khabar_actors", default_config={"kb_paths": []})
def make_actor_resolver(nlp: Language, name: str, kb_paths: list[str]) -> ActorResolver:
    return ActorResolver(nlp, kb_paths)
