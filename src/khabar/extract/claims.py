"""Stage "khabar_claims": attributed statements - who said what, about whom, asserting or denying.

A claim is a reporting verb (data/reporting_verbs.yaml) or "according to X" with its reported clause.
The speaker is the verb's subject (inherited by participles: "..., noting that"), resolved to an actor
with role and affiliation; "He added" takes the previous speaker. A denial names whose claim it
rejects ("the allegations of the CSTO") and links to that claim when the same document reports it,
preferring the one with the same figure.
"""

from __future__ import annotations

import functools
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from khabar.datafiles import packaged_yaml
from khabar.extract import extensions
from khabar.extract.arguments import PERSON_PRONOUNS, DocIndex, agent_of, subject_of
from khabar.model import Claim, Quantity, Ref, Speaker
from khabar.model import Span as Evidence

extensions.register()


@functools.lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    data = packaged_yaml("reporting_verbs.yaml")
    single = {k: v for k, v in data["verbs"].items() if " " not in k}
    phrasal = {tuple(k.split()): v for k, v in data["verbs"].items() if " " in k}
    return {
        "single": single,
        "phrasal": phrasal,
        "claim_nouns": set(data["claim_nouns"]),
        "object_content": set(data["object_content"]),
    }


def _reporting(tok: Token) -> tuple[str, str] | None:
    """(verb as written, stance) when tok is a reporting verb."""
    if tok.pos_ not in ("VERB", "AUX"):
        return None
    lex = lexicon()
    lemma = tok.lemma_.lower()
    for words, stance in lex["phrasal"].items():
        if lemma == words[0] and any(c.dep_ == "prt" and c.lower_ == words[1] for c in tok.children):
            return f"{tok.lower_} {words[1]}", stance
    stance = lex["single"].get(lemma)
    return (tok.lower_, stance) if stance else None


def _content(tok: Token, verb: str) -> Span | None:
    doc = tok.doc
    for c in tok.children:
        if c.dep_ == "ccomp":
            return _trim(doc[c.left_edge.i : c.right_edge.i + 1])
    if tok.lemma_.lower() in lexicon()["object_content"]:
        for c in tok.children:
            if c.dep_ in ("dobj", "obj", "xcomp"):
                end = c.right_edge.i
                for p in tok.rights:  # "denied the allegations ... regarding the presence of 4,000 men"
                    if p.i > end and p.dep_ == "prep" and p.lower_ in _TOPIC_PREPS:
                        end = p.right_edge.i
                return _trim(doc[c.left_edge.i : end + 1])
    return None


_TOPIC_PREPS = {"regarding", "about", "concerning", "on", "over", "of"}


def _trim(span: Span) -> Span | None:
    toks = [t for t in span if not t.is_punct or t.text in ("%",)]
    if not toks:
        return None
    start, end = toks[0].i, toks[-1].i + 1
    while start < end and span.doc[start].lower_ == "that" and span.doc[start].dep_ == "mark":
        start += 1
    return span.doc[start:end] if end > start else None


class ClaimReader:
    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.ix = DocIndex.build(doc)
        document = doc._.khabar_doc
        self.key = getattr(document, "id", None) or "doc"
        self.claims: list[Claim] = []
        self._speaker_spans: list[tuple[Claim, Span | None]] = []

    # ---- speakers -------------------------------------------------------------------------------

    def _speaker(self, head: Token | None) -> tuple[Speaker | None, Span | None]:
        if head is None:
            return None, None
        ix = self.ix
        if head.lower_ in PERSON_PRONOUNS and head.pos_ == "PRON" and head.i not in ix.actor_at:
            for claim, sp in reversed(self._speaker_spans):  # "He added that ..." = the last person speaking
                if claim.speaker is not None and (sp is None or not self._known_non_person(sp)):
                    if sp is not None or claim.speaker.id is not None:
                        return claim.speaker, sp
            person = ix.previous_actor(head.i, True)
            if person is not None:
                head = person.root
        if head.lower_ in ("who", "which", "that") and head.head.dep_ == "relcl":
            head = head.head.head
        sp = ix.actor_at.get(head.i)
        if sp is None and head.pos_ == "PROPN" and head.i - 1 in ix.actor_at:
            prev = ix.actor_at[head.i - 1]  # NER cut the surname off: "[Amir Khan] Muttaqi"
            if prev.end == head.i and ix.is_person(prev) and prev._.actor_id is None:
                whole = self.doc[prev.start : head.i + 1]
                role = self._role_in_text(whole)
                return Speaker(id=None, name=whole.text, role=role, affiliation=self._affiliation_nearby(whole)), prev
        if sp is None:
            sp = next((ix.actor_at[t.i] for t in head.subtree if t.i in ix.actor_at and t.dep_ != "appos"), None)
            if sp is not None and sp.root.head.i != head.i and sp.root.i != head.i and head.pos_ == "NOUN":
                sp = None  # "the report published by X": X is not the speaker
        if sp is not None and sp.label_ == "NORP" and sp._.actor_id is None:
            sp = None  # "the Somali government": the adjective alone names no speaker
        if sp is None and head.pos_ == "NOUN" and any(c.lower_ == "the" for c in head.children):
            sp = self._by_role(head)
        if sp is None:
            if head.pos_ == "PRON":
                ref = ix.actor_of(head)
                return (Speaker(id=ref.id, name=ref.name) if ref else None), None
            name = self.doc[head.left_edge.i : head.i + 1].text
            return Speaker(id=None, name=name), None
        ref = ix.ref_of_span(sp)
        actor = ix.actor_record(ref.id)
        role = getattr(actor, "role", None) or (sp._.role if sp.has_extension("role") else None)
        if role is None and (ix.is_person(sp) or not self._known_non_person(sp)) and sp.label_ != "ORG":
            role = self._role_in_text(sp)
        affiliation = getattr(actor, "affiliation", None)
        if affiliation is None and ix.is_person(sp):
            affiliation = self._affiliation_nearby(sp)
        return Speaker(id=ref.id, name=ref.name, role=role, affiliation=affiliation), sp

    def _known_non_person(self, sp: Span) -> bool:
        actor = self.ix.actor_record(sp._.actor_id)
        if actor is not None:
            return actor.type != "person"
        return sp.label_ in ("GPE", "NORP", "LOC")  # NER's ORG is often a titled person ("Major General X")

    def _role_in_text(self, sp: Span) -> str | None:
        """Title words before the name ("Interior Minister", "spokesman") or its apposition ("Chairman"),
        without the actor they belong to ("Taliban spokesman" -> "spokesman")."""
        root = sp.root
        title = next((c for c in reversed(list(root.lefts)) if c.dep_ == "compound" and c.i < sp.start), None)
        if title is not None and title.pos_ in ("NOUN", "PROPN"):
            words = [t for t in title.subtree if t.i <= title.i]
            while words and (
                words[0].i in self.ix.actor_at
                or words[0].ent_type_ in ("GPE", "NORP", "ORG")
                or words[0].dep_ in ("case", "det", "punct", "poss")
            ):
                words.pop(0)
            if words:
                return sp.doc[words[0].i : title.i + 1].text
        for c in root.rights:
            if c.dep_ == "appos" and c.pos_ in ("NOUN", "PROPN") and not c.ent_type_:
                return c.text
        return None

    def _by_role(self, head: Token) -> Span | None:
        """'the researcher' -> the person last introduced with that role."""
        lemma = head.lemma_.lower()
        seen = set()
        for i in range(head.i - 1, -1, -1):
            sp = self.ix.actor_at.get(i)
            if sp is None or id(sp) in seen or not self.ix.is_person(sp):
                continue
            seen.add(id(sp))
            actor = self.ix.actor_record(sp._.actor_id)
            role = (getattr(actor, "role", None) or sp._.role or "").lower().split()
            appos = [c.lemma_.lower() for c in sp.root.children if c.dep_ == "appos"]
            if (role and role[-1].rstrip("s") == lemma) or lemma in appos:  # "the spokesman", not "the army"
                return sp
        return None

    def _affiliation_nearby(self, sp: Span) -> str | None:
        """An organisation in the person's apposition ("Sidorov, Chairman of ... of the CSTO")."""
        root = sp.root
        for c in root.children:
            if c.dep_ in ("appos", "prep", "compound", "amod"):
                for t in c.subtree:
                    other = self.ix.actor_at.get(t.i)
                    if other is not None and other is not sp and self._org_like(other):
                        return other._.actor_id or other.text
        for t in self.doc[max(sp.start - 4, 0) : sp.start]:  # "Taliban spokesman X"
            other = self.ix.actor_at.get(t.i)
            if other is not None and other is not sp and self._org_like(other):
                return other._.actor_id or other.text
        return None

    def _org_like(self, sp: Span) -> bool:
        """An affiliation: a resolved non-person actor, or an unresolved organisation / state name."""
        if sp._.actor_id is not None:
            return not self.ix.is_person(sp)
        return sp.label_ in ("ORG", "GPE")

    # ---- content analysis ---------------------------------------------------------------------

    def _actors_in(self, content: Span) -> list[tuple[Token, Ref]]:
        out, seen = [], set()
        for t in content:
            sp = self.ix.actor_at.get(t.i)
            if sp is not None and id(sp) not in seen:
                seen.add(id(sp))
                if sp._.actor_id is None and t.i in self.ix.place_at:
                    continue  # an unresolved place name ("in the Mopti region") is not what the claim is about
                out.append((t, self.ix.ref_of_span(sp)))
        return out

    def _denied_owner(self, content: Span) -> Ref | None:
        nouns = lexicon()["claim_nouns"]
        for t in content:
            if t.lemma_.lower() in nouns:
                for c in t.children:
                    if c.dep_ == "poss" or (c.dep_ == "prep" and c.lower_ in ("of", "by", "from")):
                        owner = c if c.dep_ == "poss" else next(iter(c.children), c)
                        ref = self.ix.phrase_ref(owner)
                        if ref is not None:
                            return ref
        return None

    def _quantity(self, content: Span) -> Quantity | None:
        for t in content:
            sp = self.ix.quantity_at.get(t.i)
            if sp is not None and sp._.quantity is not None and sp.start >= content.start:
                q = sp._.quantity
                return Quantity(value=q.value, unit=q.unit, approximate=q.approximate, text=q.text)
        return None

    def _subject(self, content: Span, speaker: Speaker | None, denies: Ref | None) -> Ref | None:
        excluded = {x for x in (speaker and speaker.id, speaker and speaker.name, speaker and speaker.affiliation) if x}
        if denies is not None:
            excluded |= {x for x in (denies.id, denies.name) if x}
        cands = [(t, r) for t, r in self._actors_in(content) if r.id not in excluded and r.name not in excluded]
        if not cands:
            return None
        root = content.root
        subj = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is not None:
            inside = {t.i for t in subj.subtree}
            for t, r in cands:
                if t.i in inside:
                    return r
        return cands[0][1]

    def _bare_subject(self, content: Span) -> bool:
        """The reported clause's subject is a common noun phrase naming no actor ("about 4,000 terrorists")."""
        subj = next((c for c in content.root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is None or subj.pos_ != "NOUN":
            return False
        return not any(t.i in self.ix.actor_at for t in subj.subtree)

    # ---- reading ----------------------------------------------------------------------------------

    @staticmethod
    def _speaker_head(tok: Token) -> Token | None:
        """Passive agent, own subject, or - for a participle ("..., noting that") - the speaker of
        the reporting verb it hangs from, before any subject of an intervening clause. A chain of such
        participles is climbed in a loop, each step strictly up the tree (so at most the parse's depth):
        a long run-on text never exhausts the stack."""
        for _ in range(len(tok.doc)):
            if any(c.dep_ == "nsubjpass" for c in tok.children):
                return agent_of(tok)
            if any(c.dep_ in ("nsubj", "csubj") for c in tok.children):
                return subject_of(tok)
            governor = None
            if tok.tag_ in ("VBG", "VBN") or tok.dep_ in ("conj", "advcl"):
                t = tok
                for _ in range(8):
                    if t.head.i == t.i:
                        break
                    t = t.head
                    if _reporting(t) is not None:
                        governor = t
                        break
            if governor is None:
                break
            tok = governor
        return subject_of(tok)

    def _add(self, tok: Token, verb: str, stance: str, speaker_head: Token | None, content: Span) -> None:
        sent = tok.sent
        speaker, sp = self._speaker(speaker_head)
        denies = self._denied_owner(content) if stance == "deny" else None
        subject = self._subject(content, speaker, denies)
        if subject is None or self._bare_subject(content):
            # "noting that about 4,000 terrorists moved": same topic as the speaker's last claim
            for prev in reversed(self.claims):
                near = prev.evidence.start >= sent.start_char - 400
                if near and prev.speaker and speaker and prev.speaker.name == speaker.name:
                    subject = prev.subject or subject
                    break
        date_ = self.ix.date_near(tok)
        if date_ is None and tok.dep_ in ("advcl", "conj"):
            date_ = self.ix.date_near(tok.head)
        if date_ is None:  # "..., stressing that": the date of the statement it continues
            same = [c for c in self.claims if c.evidence.start == sent.start_char and c.speaker == speaker]
            date_ = same[-1].date if same else None
        if date_ is None:
            date_ = self.ix.fallback_date()
        claim = Claim(
            id="",
            verb=verb,
            stance=stance,
            content=content.text,
            evidence=Evidence(text=sent.text, start=sent.start_char, end=sent.end_char),
            speaker=speaker,
            subject=subject,
            quantity=self._quantity(content),
            date=date_,
            denies=denies,
            confidence=round(0.5 + 0.25 * bool(speaker and speaker.id) + 0.1 * bool(subject), 2),
        )
        self.claims.append(claim)
        self._speaker_spans.append((claim, sp))

    def read(self) -> list[Claim]:
        for tok in self.doc:
            if tok.lower_ == "according" and any(c.lower_ == "to" for c in tok.children):
                to = next(c for c in tok.children if c.lower_ == "to")
                who = next((c for c in to.children if c.dep_ == "pobj"), None)
                sent = tok.sent
                if tok.i > sent.start + 2:
                    content = self.doc[sent.start : tok.left_edge.i]
                else:
                    content = self.doc[tok.right_edge.i + 1 : sent.end]
                content = _trim(content)
                if who is not None and content is not None:
                    self._add(tok, "according to", "assert", who, content)
                continue
            rep = _reporting(tok)
            if rep is None:
                continue
            content = _content(tok, rep[0])
            if content is None:
                continue
            head = self._speaker_head(tok)
            self._add(tok, rep[0], rep[1], head, content)
        self._link_denials()
        for n, c in enumerate(self.claims, 1):
            c.id = f"{self.key}-c{n}"
        for c in self.claims:
            if isinstance(c.denies_claim, int):
                c.denies_claim = self.claims[c.denies_claim].id
        return self.claims

    def _link_denials(self) -> None:
        """Point each denial at the claim it rejects: the named owner's claim (its figure breaks ties),
        else a claim stating the figure the denial rejects."""
        for i, c in enumerate(self.claims):
            if c.stance != "deny":
                continue
            owners = {_norm(x) for x in ((c.denies.id, c.denies.name) if c.denies else ()) if x}
            by_owner: list[tuple[int, int]] = []
            by_content: list[tuple[int, int]] = []
            for j, other in enumerate(self.claims):
                if j == i or other.stance == "deny" or other.speaker is None:
                    continue
                s = other.speaker
                score = 0
                if c.quantity and other.quantity and c.quantity.value == other.quantity.value:
                    score += 2
                if c.subject and other.subject and _same(c.subject, other.subject):
                    score += 1
                if any(_overlaps(o, _norm(x)) for o in owners for x in (s.id, s.name, s.affiliation) if x):
                    by_owner.append((score, j))
                elif score >= 2:  # the same figure
                    by_content.append((score, j))
            pool = by_owner or by_content
            if not pool:
                continue
            best = max(pool, key=lambda x: (x[0], -abs(x[1] - i)))[1]
            c.denies_claim = best  # index, turned into an id once ids are assigned
            if c.denies is None:
                s = self.claims[best].speaker
                aff = s.affiliation if s else None
                known = self.ix.actor_record(aff)
                c.denies = Ref(id=aff if known else None, name=known.name if known else (aff or s.name))


def _norm(name: str) -> str:
    name = name.lower().strip()
    return name[4:] if name.startswith("the ") else name


def _overlaps(owner: str, name: str) -> bool:
    """"the army" owns a claim by "the Malian army": one name ends the other."""
    if owner == name or name.endswith(" " + owner) or owner.endswith(" " + name):
        return True
    head = owner.split()[-1] if owner else ""
    return len(head) > 3 and head in name.split()  # "the government" / "Government of Somalia"


def _same(a: Ref, b: Ref) -> bool:
    return a.id == b.id if a.id and b.id else _norm(a.name) == _norm(b.name)


@Language.component("khabar_claims")
def claims_component(doc: Doc) -> Doc:
    """Sets doc._.claims."""
    doc._.claims = ClaimReader(doc).read()
    return doc
