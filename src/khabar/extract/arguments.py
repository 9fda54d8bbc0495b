"""Reading arguments off the dependency parse: who (actor spans), where (place spans), when (date spans).

Shared by the events and claims stages so "who did it" and "who said it" resolve the same way:
a phrase's actor is the actor span nearest its head in the parse; pronouns take the last actor of the
right kind mentioned before; "his country" is the country of the person last mentioned. Without actor
spans (the resolution stage missing or an unknown name) the NER entity stands in, with no id.
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass, field
from datetime import date

from spacy.tokens import Doc, Span, Token

from khabar.datafiles import packaged_yaml
from khabar.extract.kb import load_kb
from khabar.model import DateValue, Location, Ref

PERSON_PRONOUNS = {"he", "she", "him", "her", "his", "hers"}
GROUP_PRONOUNS = {"it", "its", "they", "them", "their", "which", "who", "that"}
ACTOR_ENT_LABELS = {"PERSON", "ORG", "GPE", "NORP"}
PLACE_ENT_LABELS = {"GPE", "LOC", "FAC"}
CLAUSE_DEPS = {"ccomp", "relcl", "advcl", "parataxis", "csubj"}
# Heads naming a population rather than an actor: "the Uzbek, Tajik and Kyrgyz communities" is a target
# in its own words, not the state its adjective names.
COLLECTIVE_NOUNS = {
    "community", "country", "state", "people", "population", "civilian", "resident", "citizen", "minority",
    "neighbor", "neighbour", "youth", "worker", "migrant", "refugee", "land", "village", "villager", "family",
    "student", "child", "woman", "man", "member", "element", "national", "worshipper", "pilgrim",
}  # fmt: skip
BORDER_NOUNS = {"border", "frontier", "borderland", "boundary"}
# "its fighters", "their militants": members named through their group's pronoun are the group.
MEMBER_NOUNS = {
    "fighter", "militant", "member", "force", "troop", "soldier", "supporter", "operative", "gunman",
    "commander", "loyalist", "unit", "jihadist", "insurgent", "rebel", "cadre",
}  # fmt: skip


@functools.lru_cache(maxsize=1)
def reporting_lemmas() -> frozenset[str]:
    """Single-word reporting verbs (data/reporting_verbs.yaml), for pronouns in reported clauses."""
    return frozenset(k for k in packaged_yaml("reporting_verbs.yaml")["verbs"] if " " not in k)


PLACE_PREPS = {"in", "near", "at", "into", "across", "around", "outside", "inside", "within", "along", "to"}
# Definite descriptions that refer back to the last organisation named ("the group stormed ...").
GROUP_NOUNS = {"group", "organization", "organisation", "movement", "militia", "faction", "outfit", "network"}


def _after_place_prep(e: Span) -> bool:
    """"near Mopti", "in Gwoza": an unresolved GPE after a locative preposition is a place, not an actor."""
    root = e.root
    return root.dep_ == "pobj" and root.head.lower_ in PLACE_PREPS


@dataclass
class DocIndex:
    """Token -> span lookups built once per document."""

    doc: Doc
    actor_at: dict[int, Span] = field(default_factory=dict)
    place_at: dict[int, Span] = field(default_factory=dict)
    date_at: dict[int, Span] = field(default_factory=dict)
    quantity_at: dict[int, Span] = field(default_factory=dict)

    @classmethod
    def build(cls, doc: Doc) -> DocIndex:
        ix = cls(doc)
        for key, target, attr in (
            ("actors", ix.actor_at, "actor_id"),
            ("places", ix.place_at, "place_id"),
            ("dates", ix.date_at, "date"),
            ("quantities", ix.quantity_at, "quantity"),
        ):
            for sp in doc.spans.get(key, []):
                if getattr(sp._, attr) is None and key in ("actors", "places"):
                    continue
                for t in sp:
                    target.setdefault(t.i, sp)
        datelines = doc.user_data.get("khabar_datelines") or ()  # "KABUL, Feb 28 -": a place, not an actor
        demonyms = load_kb().demonyms
        for e in doc.ents:  # NER stands in where resolution gave nothing
            placed = any(t.i in ix.place_at for t in e)  # by the place stage
            if placed and any(a <= e.start < b for a, b in datelines):
                continue
            if e.label_ in PLACE_ENT_LABELS and not placed and e.text not in demonyms:  # "in the Kyrgyz language"
                for t in e:
                    ix.place_at[t.i] = e
            if e.label_ in ACTOR_ENT_LABELS and not any(t.i in ix.actor_at for t in e):
                if e.label_ == "GPE" and (placed or _after_place_prep(e)):
                    continue
                for t in e:
                    ix.actor_at[t.i] = e
        return ix

    # ---- actors -------------------------------------------------------------------------------

    def actor_record(self, ident: str | None):  # noqa: ANN201 - Actor | None
        return (self.doc._.actors or {}).get(ident) if ident else None

    def ref_of_span(self, sp: Span) -> Ref:
        ident = sp._.actor_id if sp.has_extension("actor_id") else None
        actor = self.actor_record(ident)
        return Ref(id=ident, name=actor.name if actor else sp.text)

    def is_person(self, sp: Span) -> bool:
        actor = self.actor_record(sp._.actor_id)
        return (actor is not None and actor.type == "person") or sp.label_ == "PERSON"

    def previous_actor(self, before: int, person: bool, armed: bool = False) -> Span | None:
        """The last actor of the right kind before a token; armed=True prefers armed groups ("the group")."""
        seen = set()
        fallback = None
        for i in range(before - 1, -1, -1):
            sp = self.actor_at.get(i)
            if sp is None or id(sp) in seen:
                continue
            seen.add(id(sp))
            if self.is_person(sp) != person or sp.label_ == "NORP":
                continue
            if not armed:
                return sp
            actor = self.actor_record(sp._.actor_id)
            if actor is not None and actor.type == "armed_group":
                return sp
            if actor is None and sp.label_ == "ORG" and fallback is None:
                fallback = sp
        return fallback

    def affiliation_ref(self, person: Span) -> Ref | None:
        actor = self.actor_record(person._.actor_id)
        aff = getattr(actor, "affiliation", None)
        if not aff:
            return None
        known = self.actor_record(aff)
        return Ref(id=aff, name=known.name) if known else Ref(id=None, name=aff)

    def actor_of(self, head: Token, *, deep: bool = True) -> Ref | None:
        """The actor a phrase headed by `head` denotes (breadth-first over its subtree)."""
        if head.lower_ in PERSON_PRONOUNS | GROUP_PRONOUNS and head.pos_ == "PRON":
            if head.i in self.actor_at:  # resolution already linked the pronoun
                return self.ref_of_span(self.actor_at[head.i])
            if head.lower_ in ("which", "who", "that"):
                antecedent = _antecedent(head)
                if antecedent is not None:  # "eight people ... who they said were planning attacks"
                    return self.actor_of(antecedent, deep=deep)
            speaker = self._reporter_of(head)
            if speaker is not None:
                return speaker
            sp = self.previous_actor(head.i, head.lower_ in PERSON_PRONOUNS)
            return self.ref_of_span(sp) if sp is not None else None
        queue = deque([head])
        while queue:
            t = queue.popleft()
            if t.i in self.actor_at:
                return self.ref_of_span(self.actor_at[t.i])
            if t is head and t.lemma_.lower() in MEMBER_NOUNS:
                poss = next((c for c in t.children if c.dep_ == "poss" and c.pos_ == "PRON"), None)
                if poss is not None and poss.lower_ in GROUP_PRONOUNS:
                    if poss.i in self.actor_at:
                        return self.ref_of_span(self.actor_at[poss.i])
                    sp = self.previous_actor(poss.i, False, armed=True)  # whose fighters: an armed group's
                    return self.ref_of_span(sp) if sp is not None else None
            if t.lemma_ == "country" and any(c.dep_ == "poss" and c.pos_ == "PRON" for c in t.children):
                person = self.previous_actor(t.i, True)
                if person is not None and self.affiliation_ref(person) is not None:
                    return self.affiliation_ref(person)
            if deep or t is head:
                queue.extend(
                    c for c in t.children
                    if c.dep_ not in CLAUSE_DEPS and not (c.dep_ == "prep" and c.lower_ in PLACE_PREPS)
                )
        if head.lemma_.lower() in GROUP_NOUNS and any(c.lower_ in ("the", "this", "that") for c in head.children):
            sp = self.previous_actor(head.i, False, armed=True)
            return self.ref_of_span(sp) if sp is not None else None
        return None

    def _reporter_of(self, pron: Token) -> Ref | None:
        """"X insisted that it would ...": a subject pronoun of a reported clause is the speaker X."""
        if pron.dep_ not in ("nsubj", "nsubjpass"):
            return None
        clause = pron.head
        if clause.dep_ != "ccomp" or clause.head.lemma_.lower() not in reporting_lemmas():
            return None
        subj = subject_of(clause.head)
        if subj is None or subj.pos_ == "PRON":
            return None
        sp = self.actor_at.get(subj.i)
        if sp is not None and self.is_person(sp) != (pron.lower_ in PERSON_PRONOUNS):
            return None
        return self.actor_of(subj)

    def phrase_ref(self, head: Token) -> Ref | None:
        """actor_of, else the bare noun phrase as an unresolved name (no id).

        A collective head ("communities", "countries") keeps its own words: the actor its adjective
        names is not the one targeted.
        """
        if head.pos_ == "NOUN" and head.lemma_.lower() in COLLECTIVE_NOUNS and head.i not in self.actor_at:
            return self._phrase(head)
        ref = self.actor_of(head)
        if ref is not None or head.pos_ not in ("NOUN", "PROPN"):
            return ref
        return self._phrase(head)

    def _phrase(self, head: Token) -> Ref | None:
        span = self.doc[head.left_edge.i : head.right_edge.i + 1]
        if len(span) > 8:  # long phrase: the head with its own modifiers ("a group of armed men")
            of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of" and c.i > head.i), None)
            pobj = next((g for g in of.children if g.dep_ == "pobj"), None) if of is not None else None
            end = pobj.i if pobj is not None and pobj.i - head.left_edge.i < 8 else head.i
            span = self.doc[head.left_edge.i : end + 1]
        if len(span) > 1 and span[-1].dep_ == "case":  # "the government's"
            span = span[:-1]
        name = span.text.strip(" ,.;")
        return Ref(id=None, name=name) if name else None

    # ---- places and dates ---------------------------------------------------------------------

    def place_in(self, head: Token) -> Span | None:
        """The first place span in a phrase, in reading order (the most specific comes first)."""
        hits = sorted(
            {id(self.place_at[t.i]): self.place_at[t.i] for t in head.subtree if t.i in self.place_at}.values(),
            key=lambda s: s.start,
        )
        return hits[0] if hits else None

    def border_with(self, prep: Token) -> Location | None:
        """"on the border with Afghanistan": the border the place stage resolved the noun to (with its
        id and coordinates); else a border-precision location built from the border noun and the place
        its "with" / "of" phrase (or a sibling one) names."""
        pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if pobj is None or pobj.lemma_.lower() not in BORDER_NOUNS:
            return None
        cands = [c for c in pobj.children if c.dep_ == "prep" and c.lower_ in ("with", "of", "between")]
        cands += [c for c in prep.head.children if c.dep_ == "prep" and c.lower_ == "with" and c.i > pobj.i]
        named = [sp for sp in (self.place_in(c) for c in cands) if sp is not None]
        resolved = self.place_at.get(pobj.i)
        if resolved is not None and resolved.has_extension("place_id") and resolved._.place_id:
            # the place stage already knew which border this is: keep its id and coordinates; a border
            # has no single country, so the one the phrase names ("with Afghanistan") stands in
            loc = self.location(resolved)
            if loc.place_id is not None:
                if loc.country is None and named:
                    loc.country = self.location(named[0]).country
                return loc
        for sp in named:
            loc = self.location(sp)
            end = max(sp.end, pobj.i + 1)
            loc.name = self.doc[pobj.left_edge.i : end].text
            loc.precision = "border"
            loc.lat = loc.lon = loc.geonames_id = loc.place_id = None
            return loc
        return None

    def location(self, sp: Span) -> Location:
        ident = sp._.place_id if sp.has_extension("place_id") else None
        place = (self.doc._.places or {}).get(ident) if ident else None
        if place is None:
            return Location(name=sp.text, place_id=None)
        return Location(
            name=place.name,
            country=place.country,
            lat=place.lat,
            lon=place.lon,
            precision=place.precision,
            geonames_id=place.geonames_id,
            place_id=place.id,
            admin1=place.admin1,
        )

    def date_near(self, tok: Token) -> DateValue | None:
        """A date attached to tok: in its prepositional / adverbial modifiers (not in nested clauses)."""
        for c in tok.children:
            if c.dep_ in CLAUSE_DEPS or c.dep_ in ("nsubj", "nsubjpass", "dobj", "xcomp", "acl") or _own_clause(c):
                continue
            for t in c.subtree:
                if t.i in self.date_at and not self._in_other_clause(t, {tok.i}):
                    return self.date_at[t.i]._.date
        return None

    def sentence_date(self, sent: Span, near: int) -> DateValue | None:
        """The sentence's date nearest the trigger, skipping dates inside another clause ("after the
        Taliban seized power in mid-August 2021" dates the seizure, not the alert declared)."""
        trigger = self.doc[near]
        governors = {t.i for t in trigger.ancestors} | {trigger.i}
        best = None
        for t in sent:
            if t.i in self.date_at and not self._in_other_clause(t, governors):
                dv = self.date_at[t.i]._.date
                if best is None or abs(t.i - near) < best[0]:
                    best = (abs(t.i - near), dv)
        return best[1] if best else None

    @staticmethod
    def _in_other_clause(tok: Token, governors: set[int]) -> bool:
        t = tok
        while t.i not in governors and t.head.i != t.i:
            if t.dep_ in CLAUSE_DEPS or (t.dep_ == "acl" and t.pos_ in ("VERB", "AUX")) or _own_clause(t):
                return True
            t = t.head
        return False

    def fallback_date(self) -> DateValue | None:
        """The document date at lower precision (its month): an undated mention is near it, not on it."""
        dd = self.doc._.doc_date
        if dd is None or dd.precision != "day":  # a year or a lower bound says too little
            return None
        import calendar

        y, m = int(dd.start[:4]), int(dd.start[5:7])
        last = calendar.monthrange(y, m)[1]
        return DateValue(f"{y:04d}-{m:02d}-01", f"{y:04d}-{m:02d}-{last:02d}", "month", None)

    def date_for(self, chain: list[Token], sent: Span) -> DateValue | None:
        for tok in chain:
            dv = self.date_near(tok)
            if dv is not None:
                return dv
        return self.sentence_date(sent, chain[0].i) or self.fallback_date()


def _antecedent(pron: Token) -> Token | None:
    """The noun a relative pronoun stands for: the head of the relative clause it opens, also through
    a reporting clause inside it ("people who they said were planning")."""
    t = pron
    for _ in range(4):
        if t.head.i == t.i:
            return None
        t = t.head
        if t.dep_ == "relcl":
            return t.head if t.head.i != pron.i else None
        if t.dep_ not in ("ccomp", "xcomp", "conj") and t.i != pron.head.i:
            return None
    return None


def _own_clause(t: Token) -> bool:
    """A conjoined verb with its own subject is another clause; "killed 9 and wounded 21 last Friday"
    shares its modifiers with the first verb."""
    return t.dep_ == "conj" and t.pos_ in ("VERB", "AUX") and any(
        c.dep_ in ("nsubj", "nsubjpass") for c in t.children
    )


def subject_of(verb: Token) -> Token | None:
    """The subject of a verb, inherited through xcomp / conj / acomp / advcl when the verb has none;
    the object of the governing verb for object control ("prompted the authorities to declare")."""
    seen = 0
    t = verb
    while t is not None and seen < 6:
        for c in t.children:
            if c.dep_ in ("nsubj", "nsubjpass", "csubj"):
                return c
        if t.dep_ == "xcomp" and t.head.i != t.i:  # object control: "urged the government to release"
            obj = next((c for c in t.head.children if c.dep_ in ("dobj", "obj") and c.i < t.i), None)
            if obj is not None:
                return obj
        if t.dep_ in ("xcomp", "conj", "acomp", "advcl", "ccomp", "pcomp") and t.head.i != t.i:
            t = t.head
            seen += 1
            continue
        if t.dep_ == "relcl":
            return t.head
        return None
    return None


def is_passive(verb: Token) -> bool:
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)


def agent_of(verb: Token) -> Token | None:
    for c in verb.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    return None


def today_or(dv: DateValue | None) -> date:
    return date.fromisoformat(dv.start) if dv else date.today()
