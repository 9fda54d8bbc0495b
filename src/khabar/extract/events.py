"""Stage "khabar_events": PLOVER events (plus RECRUIT, PROPAGANDA) with who, whom, where, when, counts.

Triggers and their dependency constraints live in data/triggers.yaml, types, modes and the ACLED
mapping in data/plover.yaml. A lemma matcher built once finds candidate triggers; only sentences with
a trigger are read further. The parse decides the arguments: subject / passive agent = actor,
object / passive subject / "against X" = target, the trigger's own prepositional phrases = location,
the date attached to the trigger (else the sentence's, else the document's at lower precision).
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from khabar.datafiles import packaged_yaml
from khabar.extract import extensions
from khabar.extract.arguments import DocIndex, agent_of, is_passive, subject_of
from khabar.model import DateValue, Event, Ref
from khabar.model import Span as Evidence

extensions.register()

VIOLENT = {"ASSAULT", "COERCE"}


def _data(name: str) -> dict[str, Any]:
    return packaged_yaml(name)


def _as_set(v: Any) -> set[str]:
    if v is None:
        return set()
    return {v} if isinstance(v, str) else set(v)


@functools.lru_cache(maxsize=1)
def ontology() -> dict[str, Any]:
    return _data("plover.yaml")["types"]


@functools.lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """Triggers indexed by (lemma, coarse POS), plus the heads and word lists, built once."""
    data = _data("triggers.yaml")
    by_lemma: dict[tuple[str, str], list[dict]] = {}
    for entry in data["triggers"]:
        if entry["type"] not in ontology():
            raise ValueError(f"triggers.yaml: unknown event type {entry['type']!r}")
        for lemma in _as_set(entry["lemma"]):
            by_lemma.setdefault((lemma, entry.get("pos", "VERB")), []).append(entry)
    data["by_lemma"] = by_lemma
    for key in ("threat_heads", "plan_heads", "denial_heads", "allegation_heads", "location_preps", "target_preps"):
        bad = [w for w in data[key] if not isinstance(w, str)]
        if bad:  # YAML reads a bare on / no / yes as a boolean
            raise ValueError(f"triggers.yaml: {key}: quote {bad!r}")
        data[key] = list(data[key]) if key.endswith("preps") else set(data[key])
    data["count_words"] = {k: set(v) for k, v in data["count_words"].items()}
    data["symmetric_types"] = set(data.get("symmetric_types") or ())
    data["armed_targets"] = set(data.get("armed_targets") or ())
    data["patient_is_actor"] = set(data.get("patient_is_actor") or ())
    data["instruments"] = set(data.get("instruments") or ())
    data["with_opponent"] = set(data.get("with_opponent") or ())
    data["named_events"] = {str(k).lower(): str(v) for k, v in (data.get("named_events") or {}).items()}
    verbs = _data("reporting_verbs.yaml")["verbs"]
    data["reporting"] = {v.split()[0] for v in verbs}
    return data


def acled_for(etype: str, mode: str | None) -> tuple[str | None, str | None]:
    spec = ontology().get(etype, {})
    pair = (spec.get("acled_by_mode") or {}).get(mode) or spec.get("acled")
    return (pair[0], pair[1]) if pair else (None, None)


def _coarse(tok: Token) -> str:
    return "NOUN" if tok.pos_ in ("NOUN", "PROPN") else "VERB" if tok.pos_ in ("VERB", "AUX") else tok.pos_


def _objects(tok: Token) -> list[Token]:
    out = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass", "attr", "obj")]
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == "of":
            out += [g for g in c.children if g.dep_ == "pobj"]
        if c.dep_ == "prt":  # "set up camps"
            out += [g for g in tok.children if g.dep_ == "dobj"]
    if tok.dep_ in ("acl", "relcl") and tok.head.pos_ in ("NOUN", "PROPN"):
        out.append(tok.head)  # "the treaty signed in 1992"
    return out


def _matches(entry: dict, tok: Token) -> bool:
    obj = _as_set(entry.get("object"))
    if obj and not any(o.lemma_.lower() in obj for o in _objects(tok)):
        return False
    child = _as_set(entry.get("child"))
    if child and not any(c.lemma_.lower() in child or c.lower_ in child for c in tok.children):
        return False
    head = _as_set(entry.get("head"))
    if head and tok.head.lemma_.lower() not in head and tok.head.head.lemma_.lower() not in head:
        return False
    not_head = _as_set(entry.get("not_head"))
    if not_head and tok.head.lemma_.lower() in not_head:
        return False
    not_object = _as_set(entry.get("not_object"))
    if not_object and any(o.lemma_.lower() in not_object for o in _objects(tok)):
        return False
    return not (entry.get("intransitive") and any(c.dep_ in ("dobj", "obj") for c in tok.children))


def _mode(entry: dict, tok: Token) -> str | None:
    """A modifier of the trigger ("missile attacks") or of its subject ("a suicide bomber killed")."""
    lex = lexicon()
    by_child = entry.get("modes_by_child") or {}
    for c in tok.children:
        m = by_child.get(c.lemma_.lower()) if c.dep_ != "nsubj" else None
        if m:
            return m
    subj = next((c for c in tok.children if c.dep_ == "nsubj"), None)
    for t in subj.subtree if subj is not None else ():
        m = by_child.get(t.lemma_.lower())
        if m:
            return m
    return lex["mode_by_lemma"].get(tok.lemma_.lower()) or entry.get("mode")


def _weaker(old: Any, new: Any) -> bool:
    """An empty field, or a name the text gave without resolving it, yields to a resolved one."""
    if old is None:
        return True
    old_id = getattr(old, "id", None) or getattr(old, "place_id", None)
    new_id = getattr(new, "id", None) or getattr(new, "place_id", None)
    return old_id is None and new_id is not None


def _armed_target(target: Ref | None) -> bool:
    if target is None:
        return False
    words = set(target.name.lower().replace("-", " ").split())
    return bool(words & lexicon()["armed_targets"])


def _chain(tok: Token, limit: int = 8) -> list[Token]:
    """tok and its governors up to the sentence root."""
    out = [tok]
    while out[-1].head.i != out[-1].i and len(out) < limit:
        out.append(out[-1].head)
    return out


def _verbal_path(tok: Token) -> list[Token]:
    """Governors reached through verbs/adjectives only ("trying to establish camps to launch attacks")."""
    path = []
    t = tok
    if t.pos_ in ("NOUN", "PROPN") and t.dep_ in ("dobj", "nsubjpass") and t.head.i != t.i:
        t = t.head
        path.append(t)
    while t.head.i != t.i and t.dep_ in ("xcomp", "advcl", "conj", "acomp", "pcomp") and len(path) < 6:
        t = t.head
        path.append(t)
        if t.dep_ == "prep" or t.pos_ == "ADP":
            if t.lower_ in ("by", "through", "via"):
                break  # "seeks to expand by increasing attacks": the means is already happening
            t = t.head
            path.append(t)
    return path


def _status(tok: Token, etype: str, date_: DateValue | None, doc_date: DateValue | None) -> str:
    lex = lexicon()
    chain = _chain(tok)
    for t in chain[1:]:
        lemma = t.lemma_.lower()
        if lemma in lex["denial_heads"]:
            return "denied"
        if lemma in lex["allegation_heads"]:
            return "alleged"
    if etype != "THREATEN" and tok.tag_ != "VBD":  # a past-tense verb ("and it set up camps") reports a fact
        for t in [tok, *_verbal_path(tok)]:
            if t.lemma_.lower() in lex["plan_heads"] and t is not tok:
                return "planned"
            if any(c.dep_ == "aux" and c.lower_ in ("will", "would", "shall") for c in t.children):
                return "planned"
    if date_ is not None and doc_date is not None:
        years = lex["historical_years"]
        ref = date.fromisoformat(doc_date.start)
        if date.fromisoformat(date_.end) < ref.replace(year=ref.year - years):
            return "historical"
    return "occurred"


def _negated(tok: Token) -> bool:
    return any(c.dep_ == "neg" for t in [tok, *_verbal_path(tok)] for c in t.children)


def _threat_head(tok: Token) -> bool:
    heads = lexicon()["threat_heads"]
    return any(t.lemma_.lower() in heads for t in _verbal_path(tok)[:3])


def _nominal_heads(tok: Token) -> list[Token]:
    """tok and the nouns it is "of" / conjoined to ("the production ... and dissemination of
    propaganda directed at X": the participle hangs on the first conjunct)."""
    out = [tok]
    t = tok
    for _ in range(6):
        if t.dep_ == "pobj" and t.head.lower_ == "of" and t.head.head.pos_ == "NOUN":
            t = t.head.head
        elif t.dep_ == "conj" and t.head.pos_ == "NOUN":
            t = t.head
        else:
            break
        out.append(t)
    return out


def _in_clause(tok: Token, top: Token) -> bool:
    """tok sits in a finite clause below top ("attacks, which prompted ... in Afghanistan"); reduced
    participles ("elements affiliated with ISIS in Tajikistan") still describe top."""
    t = tok
    while t.i != top.i and t.head.i != t.i:  # spaCy makes a new Token per access: compare indexes
        if t.dep_ in ("relcl", "ccomp", "advcl", "parataxis", "csubj") or (
            t.dep_ == "conj" and any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children)
        ):
            return True
        t = t.head
    return False


def _heading(sent: Span) -> bool:
    """A headline or section title: a line ending without end punctuation (the pipeline has already
    re-flowed wrapped lines, so such a line is not part of a sentence). Headlines repeat the body."""
    words = [t for t in sent if not t.is_space]
    if not words or len(words) > 16:
        return False
    last = words[-1]
    if last.is_punct and last.text in ".!?\"”’)":
        return False
    return "\n" in last.whitespace_ or last.i + 1 >= len(sent.doc) or sent.doc[last.i + 1].is_space


class EventReader:
    """Turns the triggers of one document into Event records."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.ix = DocIndex.build(doc)
        self.lex = lexicon()
        document = doc._.khabar_doc
        self.key = getattr(document, "id", None) or "doc"
        self._specific: set[str] = set()
        self._trigger_at: set[int] = set()
        self._named_at: set[int] = set()  # event nouns naming a past event by its date

    def triggers(self) -> list[tuple[Token, dict]]:
        out = []
        by_lemma = self.lex["by_lemma"]
        for tok in self.doc:
            entries = by_lemma.get((tok.lemma_.lower(), _coarse(tok)))
            if not entries:
                continue
            for entry in entries:
                if _matches(entry, tok):
                    out.append((tok, entry))
                    self._trigger_at.add(tok.i)
                    if entry.get("object"):  # "signed a treaty": specific without named parties
                        self._specific.add(tok.text)
                    break
        return out

    def _name_date(self, tok: Token) -> tuple[bool, DateValue | None]:
        """"the September 11 attacks", "the 2015 Paris attacks": an event noun whose own modifiers date
        it names a particular event; returns (named, its date when the name or the time stage gives one)."""
        if _coarse(tok) != "NOUN":
            return False, None
        pre = [c for c in tok.children if c.i < tok.i and c.dep_ in ("nmod", "nummod", "compound", "amod", "npadvmod")]
        if not pre:
            return False, None
        words = [t for c in pre for t in c.subtree if t.dep_ != "det"]
        text = " ".join(t.lower_ for t in sorted(words, key=lambda t: t.i))
        for name, day in self.lex["named_events"].items():
            if f" {name} " in f" {text} ":
                return True, DateValue(day, day, "day", name)
        for t in words:
            if t.i in self.ix.date_at:
                return True, self.ix.date_at[t.i]._.date
        if any(t.ent_type_ == "EVENT" for t in words):
            return True, None
        return False, None

    def _actor_target(self, tok: Token) -> tuple[Ref | None, Ref | None]:
        ix = self.ix
        actor = target = None
        target_preps = self.lex["target_preps"]
        if _coarse(tok) == "VERB":
            if is_passive(tok):
                ag = agent_of(tok)
                actor = ix.actor_of(ag) if ag is not None else None
                subj = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
                target = ix.phrase_ref(subj) if subj is not None else None
            else:
                subj = subject_of(tok)
                actor = ix.actor_of(subj) if subj is not None else None
                obj = next((c for c in tok.children if c.dep_ in ("dobj", "obj")), None)
                target = ix.phrase_ref(obj) if obj is not None else None
            if tok.dep_ == "acl" and actor is None:  # "an operation targeting X" -> the operation's actor
                actor = self._noun_actor(tok.head)
            if actor is None and is_passive(tok) and agent_of(tok) is None and target is not None:
                if _coarse(tok) == "VERB" and tok.lemma_.lower() in self.lex["patient_is_actor"]:
                    actor, target = target, None  # "the army had been deployed": the army moves
            if actor is None:  # "security forces killed": unresolved, but named in the text
                subj = subject_of(tok) if not is_passive(tok) else agent_of(tok)
                if subj is not None and self._agentive(subj):
                    actor = ix.phrase_ref(subj)
        else:
            # a named past event ("since the September 11 attacks") was not done by the clause's subject
            actor = self._noun_actor(tok, climb=tok.i not in self._named_at)
            for c in [c for n in _nominal_heads(tok) for c in n.children]:
                if c.dep_ == "acl" and target is None:  # "propaganda directed at X", "operation targeting X"
                    obj = next((g for g in c.children if g.dep_ in ("dobj", "obj")), None)
                    if obj is not None:
                        target = ix.phrase_ref(obj)
                    for g in c.children:
                        if g.dep_ == "prep" and g.lower_ in target_preps and target is None:
                            pobj = next((x for x in g.children if x.dep_ == "pobj"), None)
                            target = ix.phrase_ref(pobj) if pobj is not None else None
        preps = target_preps + ["with"] if tok.lemma_.lower() in self.lex["with_opponent"] else target_preps
        if target is None:
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ in preps:
                    pobj = next((x for x in c.children if x.dep_ == "pobj"), None)
                    if pobj is not None and pobj.i not in ix.date_at:
                        target = ix.phrase_ref(pobj)
                        break
        if actor and target and actor.name == target.name:
            target = None
        return actor, target

    def _agentive(self, subj: Token) -> bool:
        """An unresolved subject that can stand as an actor: a common noun ("security forces"), or a
        capitalised one the NER did not take for a name ("Gunmen" opening a sentence); not an event
        noun ("an explosion killed three"), not a weapon ("a roadside bomb struck") and not a place."""
        if subj.i in self._trigger_at or subj.i in self.ix.place_at or subj.lemma_.lower() in self.lex["instruments"]:
            return False
        return subj.pos_ == "NOUN" or (subj.pos_ == "PROPN" and not subj.ent_type_ and subj.is_title)

    def _counterpart(self, tok: Token, actor: Ref | None, entry: dict) -> Ref | None:
        """Symmetric events (agree, meet): the other party is the subject's conjunct ("Pakistan and
        Afghanistan signed") or a "with" phrase; the signed treaty itself is no target."""
        ix = self.ix
        subj = subject_of(tok) if _coarse(tok) == "VERB" else None
        if subj is not None:
            for c in subj.children:
                if c.dep_ == "conj":
                    ref = ix.actor_of(c)
                    if ref is not None and (actor is None or ref.name != actor.name):
                        return ref
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ == "with":
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is not None:
                    return ix.actor_of(pobj)
        if entry.get("object"):
            return None
        obj = next((c for c in tok.children if c.dep_ in ("dobj", "obj")), None)
        return ix.actor_of(obj) if obj is not None else None

    def _noun_actor(self, tok: Token, climb: bool = True) -> Ref | None:
        ix = self.ix
        for c in tok.children:
            if c.dep_ in ("poss", "compound", "amod", "nmod") and c.i in ix.actor_at and c.pos_ != "PRON":
                ref = ix.ref_of_span(ix.actor_at[c.i])
                if climb or ref.id is not None:  # "the Mumbai attacks" names a place, not who attacked
                    return ref
                continue
            if c.dep_ == "prep" and c.lower_ == "by":
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is not None:
                    return ix.actor_of(pobj)
        t = tok
        for _ in range(5 if climb else 0):  # climb to the verb that has this noun as object / complement
            if t.head.i == t.i:
                break
            t = t.head
            if _coarse(t) == "VERB" or t.pos_ == "ADJ":
                subj = subject_of(t)
                if subj is None:
                    continue
                ref = ix.actor_of(subj)
                if ref is not None and t.lemma_.lower() in self.lex["reporting"]:
                    sp = ix.actor_at.get(subj.i) or (
                        ix.previous_actor(subj.i + 1, True) if subj.pos_ == "PRON" else None
                    )
                    if subj.lower_ in ("who",):
                        sp = ix.actor_at.get(subj.head.head.i)
                    if sp is not None and ix.is_person(sp) and ix.affiliation_ref(sp) is not None:
                        return ix.affiliation_ref(sp)  # a spokesman announces his side's action
                return ref
        return None

    def _location(self, tok: Token) -> Any:
        ix = self.ix
        preps = self.lex["location_preps"]
        holders = [tok, *[c for c in tok.children if c.dep_ in ("acl", "dobj", "obj", "nsubjpass")]]
        holders += [c for c in tok.children if c.dep_ == "conj" and c.pos_ == "VERB"]  # "killed 9 and wounded 21 in X"
        holders += _verbal_path(tok)[:2]
        subj = subject_of(tok) if _coarse(tok) == "VERB" else None
        if subj is not None:
            holders.append(subj)
        for holder in holders:
            found = []
            # the subject's place may sit deeper: "elements affiliated with ISIS in Tajikistan"
            # arguments' places may sit deeper: "elements affiliated with ISIS in Tajikistan",
            # "recruit dozens of young people in Tajikistan"
            deep = holder is subj or holder.dep_ in ("dobj", "obj", "nsubjpass")
            if deep:
                kids = [t for t in holder.subtree if t.dep_ == "prep" and not _in_clause(t, holder)]
            else:
                kids = list(holder.children)
            for c in kids:
                if c.dep_ == "prep" and c.lower_ in preps:
                    border = ix.border_with(c)
                    if border is not None:
                        return border
                    sp = ix.place_in(c)
                    if sp is not None:
                        found.append((preps.index(c.lower_), sp))
            if found:
                return ix.location(min(found, key=lambda x: x[0])[1])
        if _coarse(tok) == "NOUN":  # "the Paris attacks", "a Kabul bombing"
            for c in tok.children:
                sp = ix.place_at.get(c.i) if c.dep_ in ("compound", "nmod") and c.i < tok.i else None
                if sp is not None and sp._.place_id is not None:
                    return ix.location(sp)
        return None

    def _counts(self, sent: Span) -> dict[str, int]:
        counts: dict[str, int] = {}
        seen = set()
        for t in sent:
            sp = self.ix.quantity_at.get(t.i)
            if sp is None or id(sp) in seen:
                continue
            seen.add(id(sp))
            q = sp._.quantity
            if q is None or q.value is None:
                continue
            head = sp.root
            words = [head] + _chain(head, 4)[1:]
            for field_, lemmas in self.lex["count_words"].items():
                if any(w.lemma_.lower() in lemmas for w in words) and field_ not in counts:
                    counts[field_] = int(q.value)
        return counts

    def read(self) -> list[Event]:
        events: list[tuple[Token, Event]] = []
        doc_date = self.doc._.doc_date
        count_cache: dict[int, dict[str, int]] = {}
        for tok, entry in self.triggers():
            if _heading(tok.sent):
                continue  # "Confronting ISIS" titles a section; it reports nothing
            if _negated(tok):
                continue  # "did not attack" reports no attack
            etype, mode = entry["type"], _mode(entry, tok)
            named, named_date = self._name_date(tok)
            if named:
                self._named_at.add(tok.i)
            elif etype in VIOLENT and _threat_head(tok):
                etype, mode = "THREATEN", etype.lower()
            sent = tok.sent
            actor, target = self._actor_target(tok)
            if etype in self.lex["symmetric_types"]:
                target = self._counterpart(tok, actor, entry)
            location = self._location(tok)
            date_ = named_date if named else self.ix.date_for(_chain(tok, 4), sent)
            status = "historical" if named and date_ is None else _status(tok, etype, date_, doc_date)
            acled_type, acled_sub = acled_for(etype, mode)
            if sent.start not in count_cache:
                count_cache[sent.start] = self._counts(sent)
            counts = count_cache[sent.start] if etype in VIOLENT else {}
            if etype == "COERCE" and mode != "arrest":
                counts = {}
            conf = 0.4 + 0.2 * (actor is not None and actor.id is not None) + 0.1 * (target is not None)
            conf += 0.1 * (location is not None) + 0.1 * (date_ is not None and date_.text is not None)
            conf += 0.05 * (_coarse(tok) == "VERB")
            ev = Event(
                id="",
                type=etype,
                mode=mode,
                acled_type=acled_type,
                acled_subtype=acled_sub,
                status=status,
                actor=actor,
                target=target,
                location=location,
                date=date_,
                fatalities=counts.get("fatalities"),
                wounded=counts.get("wounded"),
                arrested=counts.get("arrested"),
                evidence=Evidence(text=sent.text, start=sent.start_char, end=sent.end_char),
                confidence=round(min(conf, 0.95), 2),
                trigger=tok.text,
            )
            events.append((tok, ev))
        events = self._fold_rementions(events)
        merged = [ev for ev in self._merge(events) if self._political(ev)]
        for ev in merged:  # ACLED: an attack on soldiers, police or a base is a battle, not violence against civilians
            armed = _armed_target(ev.target) or getattr(
                self.ix.actor_record(ev.target.id if ev.target else None), "type", None
            ) == "armed_group"
            if ev.acled_type == "Violence against civilians" and ev.mode != "abduct" and armed:
                ev.acled_type, ev.acled_subtype = "Battles", "Armed clash"
        for n, ev in enumerate(merged, 1):
            ev.id = f"{self.key}-e{n}"
        return merged

    def _political(self, ev: Event) -> bool:
        """Types marked needs_actor in plover.yaml (talks, appeals, accusations...) are events between
        political actors: one side must be a known organisation or state, or a person speaking for one.
        Violent and treaty events stand on their own."""
        if not ontology().get(ev.type, {}).get("needs_actor") or ev.trigger in self._specific:
            return True
        for ref in (ev.actor, ev.target):
            actor = self.ix.actor_record(ref.id if ref else None)
            if actor is not None and (actor.type != "person" or actor.affiliation):
                return True
        return False

    def _fold_rementions(self, events: list[tuple[Token, Event]]) -> list[tuple[Token, Event]]:
        """"The attack", "the bombing" after an event of that type was reported is the same event:
        what the later sentence adds (who claimed it, where) fills the earlier record. An event named
        by its date ("the 2015 Paris attacks") is its own event, never a re-mention."""
        out: list[tuple[Token, Event]] = []
        for tok, ev in events:
            definite = _coarse(tok) == "NOUN" and tok.i not in self._named_at and any(
                c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in tok.children
            )
            earlier = None
            if definite:
                earlier = next(
                    (e for t, e in reversed(out) if e.type == ev.type and t.sent.start < tok.sent.start
                     and tok.sent.start - t.sent.start < 120 and t.i not in self._named_at),
                    None,
                )
            if earlier is None:
                out.append((tok, ev))
                continue
            for f in ("actor", "location", "target"):
                if getattr(ev, f) is not None and _weaker(getattr(earlier, f), getattr(ev, f)):
                    setattr(earlier, f, getattr(ev, f))
        return out

    @staticmethod
    def _merge(events: list[tuple[Token, Event]]) -> list[Event]:
        """Triggers linked in the parse are one event ("an operation targeting a hideout" is one raid);
        an event "in that operation" takes the actor, place and date of the operation it names."""
        out: list[tuple[Token, Event]] = []
        for tok, ev in events:
            prev = next(
                (p for p in out if p[1].type == ev.type and p[1].status == ev.status and _linked(p[0], tok)
                 and not _dated_apart(p[1], ev)),
                None,
            )
            if prev is None:
                out.append((tok, ev))
                continue
            _fill(prev[1], ev)
        for tok, ev in out:
            for c in tok.children:
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None) if c.dep_ == "prep" else None
                if pobj is None:
                    continue
                host = next(
                    (e for t, e in out if e is not ev and t.sent == tok.sent and t.lemma_ == pobj.lemma_), None
                )
                if host is not None:
                    for f in ("actor", "location", "date"):
                        if getattr(ev, f) is None or (f == "date" and ev.date.text is None):
                            setattr(ev, f, getattr(host, f))
                    if ev.actor is not None and host.actor is not None and ev.actor.id is None:
                        ev.actor = host.actor
        return [ev for _, ev in out]


def _linked(a: Token, b: Token) -> bool:
    """One trigger governs the other directly or through a preposition / participle."""
    for x, y in ((a, b), (b, a)):
        if y.head == x or (y.head.head == x and y.head.dep_ in ("prep", "acl", "relcl", "pobj")):
            return True
    return False


def _dated_apart(a: Event, b: Event) -> bool:
    """Both state their own, different dates ("the 2015 Paris attacks and the 2008 Mumbai attacks")."""
    return bool(a.date and b.date and a.date.text and b.date.text and (a.date.start, a.date.end) != (
        b.date.start, b.date.end))


def _fill(prev: Event, ev: Event) -> None:
    for f in ("actor", "target", "location", "fatalities", "wounded", "arrested", "mode"):
        if getattr(prev, f) is None and getattr(ev, f) is not None:
            setattr(prev, f, getattr(ev, f))
    if prev.date is not None and prev.date.text is None and ev.date is not None:
        prev.date = ev.date
    prev.acled_type, prev.acled_subtype = acled_for(prev.type, prev.mode)
    prev.confidence = max(prev.confidence, ev.confidence)


@Language.component("khabar_events")
def events_component(doc: Doc) -> Doc:
    """Sets doc._.events."""
    doc._.events = EventReader(doc).read()
    return doc
