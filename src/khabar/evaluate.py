"""Scoring extraction against hand annotations: precision, recall and F1 per area and per field.

Gold and predictions share the export record shape (docs/record.md); the gold format and the matching
rules are documented in docs/eval.md. In short:
- actors: the set of actors a document mentions, matched by id (or any of several accepted ids), else by
  name/alias;
- events: a predicted event matches a gold event of the same type whose evidence overlaps it (character
  offsets); within those candidates, pairs agreeing on more fields win (one-to-one);
- claims: matched by evidence overlap the same way;
- a field of a matched pair is right when both sides agree; a field the gold leaves out is not scored,
  a field the gold sets to null counts a predicted value as a false positive. Predicted items that match
  nothing count every value they give as false positives, gold items nobody found as misses.
Scores are micro-averaged; "overall" pools the core fields named in the issue (events: type, actor, target,
location, date; claims: speaker, stance, quantity), the other fields are reported alongside.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from khabar.analyse.config import load_config
from khabar.analyse.geo import haversine_km

EVENT_FIELDS = ("type", "actor", "target", "location", "date", "status", "fatalities", "wounded", "arrested")
EVENT_CORE = ("type", "actor", "target", "location", "date")
CLAIM_FIELDS = ("claim", "speaker", "stance", "quantity", "subject", "denies", "date")
CLAIM_CORE = ("speaker", "stance", "quantity")
NEAR_KM = 25.0  # two geocodes this close name the same place
MAX_GOLD_BYTES = 5_000_000


class GoldError(ValueError):
    """One unusable gold line; the message names the file, line and reason."""


@dataclass
class Score:
    tp: int = 0
    pred: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else (1.0 if not self.gold else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else (1.0 if not self.pred else 0.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.pred += other.pred
        self.gold += other.gold

    def to_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "tp": self.tp, "pred": self.pred, "gold": self.gold}


@dataclass
class Report:
    documents: int = 0
    actors: Score = field(default_factory=Score)
    events: dict[str, Score] = field(default_factory=lambda: {f: Score() for f in EVENT_FIELDS})
    claims: dict[str, Score] = field(default_factory=lambda: {f: Score() for f in CLAIM_FIELDS})
    errors: list[dict[str, Any]] = field(default_factory=list)  # what went wrong, for the annotator
    per_document: list[dict[str, Any]] = field(default_factory=list)  # {"id", "actors", "events", "claims", "overall"} F1s

    def merge(self, other: Report) -> None:
        self.documents += other.documents
        self.actors.add(other.actors)
        for mine, theirs in ((self.events, other.events), (self.claims, other.claims)):
            for k, v in theirs.items():
                mine[k].add(v)
        self.errors += other.errors

    def summary(self) -> dict[str, float]:
        """The four headline F1s."""
        d = self.to_dict()
        return {"actors": d["actors"]["f1"], "events": d["events"]["overall"]["f1"],
                "claims": d["claims"]["overall"]["f1"], "overall": d["overall"]["f1"]}

    def overall(self, scores: dict[str, Score], names: Iterable[str]) -> Score:
        total = Score()
        for n in names:
            total.add(scores[n])
        return total

    def to_dict(self) -> dict[str, Any]:
        everything = Score()
        everything.add(self.actors)
        everything.add(self.overall(self.events, EVENT_CORE))
        everything.add(self.overall(self.claims, CLAIM_CORE))
        return {
            "documents": self.documents,
            "overall": everything.to_dict(),
            "actors": self.actors.to_dict(),
            "events": {"overall": self.overall(self.events, EVENT_CORE).to_dict(),
                       "fields": {k: v.to_dict() for k, v in self.events.items()}},
            "claims": {"overall": self.overall(self.claims, CLAIM_CORE).to_dict(),
                       "fields": {k: v.to_dict() for k, v in self.claims.items()}},
            "per_document": self.per_document,
            "errors": self.errors,
        }


# ---- gold ----------------------------------------------------------------------------------------


def _ws_pattern(snippet: str) -> re.Pattern[str]:
    """The snippet with any run of whitespace matching any run (annotators copy across line breaks)."""
    parts = [re.escape(p) for p in snippet.split()]
    return re.compile(r"\s+".join(parts))


def locate(text: str, evidence: dict[str, Any] | None, where: str) -> tuple[int, int]:
    """Character span of a gold evidence: given offsets, else the first match of its text."""
    if not isinstance(evidence, dict) or not (evidence.get("text") or evidence.get("start") is not None):
        raise GoldError(f"{where}: evidence needs text (a quote from the document) or start/end")
    if isinstance(evidence.get("start"), int) and isinstance(evidence.get("end"), int):
        return evidence["start"], evidence["end"]
    m = _ws_pattern(str(evidence["text"])).search(text)
    if m is None:
        raise GoldError(f"{where}: evidence text {str(evidence['text'])[:60]!r} is not in the document")
    return m.start(), m.end()


def load_gold(path: str | Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Gold documents (text resolved, evidence located) and one error line per unusable line."""
    path = Path(path)
    docs: list[dict[str, Any]] = []
    errors: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            where = f"{path}:{n}"
            try:
                docs.append(_gold_doc(json.loads(line), path.parent, where))
            except json.JSONDecodeError as exc:
                errors.append(f"{where}: not JSON ({exc.msg})")
            except GoldError as exc:
                errors.append(str(exc))
    return docs, errors


def _gold_doc(rec: Any, base: Path, where: str) -> dict[str, Any]:
    if not isinstance(rec, dict):
        raise GoldError(f"{where}: expected a JSON object, got {type(rec).__name__}")
    text = rec.get("text")
    if text is None and rec.get("path"):
        p = (base / str(rec["path"])).resolve()
        try:
            if p.stat().st_size > MAX_GOLD_BYTES:
                raise GoldError(f"{where}: path {rec['path']}: larger than {MAX_GOLD_BYTES} bytes")
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise GoldError(f"{where}: path {rec['path']}: cannot read ({exc.strerror or exc})") from exc
    if not isinstance(text, str) or not text.strip():
        raise GoldError(f"{where}: needs text or a readable path")
    doc = dict(rec)
    doc["text"] = text
    doc["id"] = str(rec.get("id") or hashlib.sha256(text.encode("utf-8")).hexdigest()[:40])
    for key in ("actors", "events", "claims"):
        if key in doc and not isinstance(doc[key], list):
            raise GoldError(f"{where}: {key} must be a list")
    for key in ("events", "claims"):
        for i, item in enumerate(doc.get(key) or []):
            if not isinstance(item, dict):
                raise GoldError(f"{where}: {key}[{i}] must be an object")
            if key == "events" and not item.get("type"):
                raise GoldError(f"{where}: events[{i}] needs a type")
            item["_span"] = locate(text, item.get("evidence"), f"{where}: {key}[{i}]")
    return doc


# ---- field comparisons ---------------------------------------------------------------------------


def norm(s: Any) -> str:
    """Case, punctuation, dashes and a leading article do not make two names differ."""
    s = str(s or "").casefold().replace("’", "'")
    s = re.sub(r"^(the|a|an)\s+", "", s.strip())
    return " ".join(re.sub(r"[^\w' ]", " ", s).split())


def _ids(g: dict[str, Any]) -> set[str]:
    v = g.get("id")
    return {str(x) for x in (v if isinstance(v, list) else [v]) if x}


def same_actor(g: dict[str, Any] | None, p: dict[str, Any] | None) -> bool:
    """A predicted actor/ref/speaker matches the gold one by an accepted id or by name/alias."""
    if not g or not p:
        return not g and not p
    if p.get("id") and p["id"] in _ids(g):
        return True
    names = {norm(g.get("name"))} | {norm(a) for a in g.get("aliases") or []}
    names.discard("")
    return bool(names) and norm(p.get("name")) in names


def actor_rank(g: dict[str, Any], p: dict[str, Any]) -> int | None:
    """How well p matches g (lower is better): its first accepted id, its name, a fallback id."""
    v = g.get("id")
    ids = [str(x) for x in (v if isinstance(v, list) else [v]) if x]
    if ids and p.get("id") == ids[0]:
        return 0
    names = {norm(g.get("name"))} | {norm(a) for a in g.get("aliases") or []}
    if norm(p.get("name")) in names - {""}:
        return 1
    if p.get("id") in ids:
        return 1 + ids.index(p["id"])
    return None


def _interval(d: dict[str, Any]) -> tuple[date, date] | None:
    def parse(s: Any, end: bool) -> date | None:
        if not s:
            return None
        s = str(s)[:10]
        try:
            if len(s) == 4:
                return date(int(s), 12, 31) if end else date(int(s), 1, 1)
            if len(s) == 7:
                y, m = int(s[:4]), int(s[5:7])
                if not end:
                    return date(y, m, 1)
                return (date(y + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)
            return date.fromisoformat(s)
        except ValueError:
            return None

    start = parse(d.get("start"), False) or parse(d.get("end"), False)
    stop = parse(d.get("end") or d.get("start"), True)
    if start is None or stop is None:
        return None
    return start, stop


def same_date(g: dict[str, Any] | None, p: dict[str, Any] | None) -> bool:
    """The predicted interval lies within the gold one (gold gives the widest acceptable interval)."""
    if not g or not p:
        return not g and not p
    gi, pi = _interval(g), _interval(p)
    return gi is not None and pi is not None and gi[0] <= pi[0] and pi[1] <= gi[1]


def same_place(g: dict[str, Any] | None, p: dict[str, Any] | None) -> bool:
    """Same country (when the gold gives one) and the same name, place id, or a geocode within NEAR_KM."""
    if not g or not p:
        return not g and not p
    if g.get("country") and (p.get("country") or "").upper() != str(g["country"]).upper():
        return False
    if g.get("place_id") and g["place_id"] == p.get("place_id"):
        return True
    names = {norm(g.get("name"))} | {norm(a) for a in g.get("aliases") or []}
    names.discard("")
    pn = norm(p.get("name"))
    if pn and (pn in names or any(n in pn or pn in n for n in names)):
        return True
    if None not in (g.get("lat"), g.get("lon"), p.get("lat"), p.get("lon")):
        return haversine_km(g["lat"], g["lon"], p["lat"], p["lon"]) <= NEAR_KM
    return False


def _unit_table() -> dict[str, str]:
    from khabar.analyse.claims import unit_table

    return unit_table(load_config())


def same_quantity(g: dict[str, Any] | None, p: dict[str, Any] | None, units: dict[str, str]) -> bool:
    """Same value (within 1%), same approximate flag and unit family when the gold gives them."""
    if not g or not p:
        return not g and not p
    try:
        gv, pv = float(g["value"]), float(p["value"])
    except (KeyError, TypeError, ValueError):
        return False
    if abs(gv - pv) > 0.01 * max(abs(gv), 1.0):
        return False
    if "approximate" in g and g["approximate"] is not None and bool(p.get("approximate")) != bool(g["approximate"]):
        return False
    if g.get("unit") and unit_key(str(g["unit"]), units) != unit_key(p.get("unit"), units):
        return False
    return True


def _same_count(g: Any, p: Any) -> bool:
    try:
        return int(g) == int(p)
    except (TypeError, ValueError):
        return False


def _singular(word: str) -> str:
    if word.endswith("men"):
        return word[:-3] + "man"
    if word == "people":
        return "person"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def unit_key(unit: str | None, units: dict[str, str]) -> str:
    """A unit's family (fighters ~ terrorists ~ armed men, per analysis.yaml), else its singular words;
    singular and plural spellings ("armed man", "armed men") land in the same family."""
    words = [_singular(w) for w in str(unit or "").casefold().split()]
    if not words:
        return ""
    table = {" ".join(_singular(w) for w in k.split()): v for k, v in units.items()}
    key = " ".join(words)
    canonical = table.get(key) or table.get(words[-1]) or key
    return " ".join(_singular(w) for w in canonical.split())


# ---- matching ------------------------------------------------------------------------------------


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _span(item: dict[str, Any]) -> tuple[int, int]:
    ev = item.get("evidence") or {}
    return int(ev.get("start") or 0), int(ev.get("end") or 0)


Comparator = Callable[[Any, Any], bool]


def _types(g: dict[str, Any]) -> set[str]:
    v = g.get("type")
    return {str(x).upper() for x in (v if isinstance(v, list) else [v]) if x}


def match(
    gold: Sequence[dict[str, Any]],
    pred: Sequence[dict[str, Any]],
    compatible: Callable[[dict[str, Any], dict[str, Any]], bool],
    agreement: Callable[[dict[str, Any], dict[str, Any]], int],
) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, pred index): overlapping evidence, compatible; most agreement first,
    then required before optional gold, then the larger overlap."""
    cands = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            ov = _overlap(g["_span"], _span(p))
            if ov and compatible(g, p):
                cands.append((-agreement(g, p), bool(g.get("optional")), -ov, gi, pi))
    cands.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for *_, gi, pi in cands:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gi, pi))
    return pairs


def _field_score(scores: dict[str, Score], name: str, g: dict[str, Any] | None, p: dict[str, Any],
                 key: str, same: Comparator, errors: list[dict[str, Any]], ctx: dict[str, Any]) -> None:
    """Count one field of one (gold, pred) pair; g None = unmatched prediction, p None = missed gold."""
    pv = p.get(key) if p is not None else None
    if g is not None and key not in g:
        return  # not annotated: not scored
    gv = g.get(key) if g is not None else None
    s = scores[name]
    if pv not in (None, "", {}):
        s.pred += 1
    if gv not in (None, "", {}):
        s.gold += 1
    if g is not None and p is not None and gv not in (None, "", {}) and pv not in (None, "", {}):
        if same(gv, pv):
            s.tp += 1
            return
    if g is not None and p is not None and (gv or pv):
        errors.append({**ctx, "field": name, "gold": gv, "pred": pv})


def score_document(gold: dict[str, Any], pred: dict[str, Any] | None, report: Report,
                   units: dict[str, str]) -> None:
    """Add one document's counts (and its errors) to the report."""
    pred = pred or {}
    doc_id = gold["id"]
    report.documents += 1
    # actors: the document's set
    if "actors" in gold:
        pred_actors = pred.get("actors") or []
        gold_actors = gold["actors"]
        # one-to-one, best pairs first: required before optional, first-listed id before later ones, id
        # before name -- so "Malian army" (ml-army, else ml) never takes the prediction "Mali" needs
        cands = sorted(
            (bool(g.get("optional")), rank, gi, pi)
            for gi, g in enumerate(gold_actors)
            for pi, p in enumerate(pred_actors)
            if (rank := actor_rank(g, p)) is not None
        )
        used: set[int] = set()
        found: set[int] = set()
        for _, _, gi, pi in cands:
            if gi not in found and pi not in used:
                found.add(gi)
                used.add(pi)
        gold_n = 0
        for gi, g in enumerate(gold_actors):
            if gi in found or not g.get("optional"):
                gold_n += 1
            if gi not in found and not g.get("optional"):
                report.errors.append({"doc": doc_id, "area": "actors", "missed": g.get("name") or g.get("id")})
        report.actors.add(Score(tp=len(found), pred=len(pred_actors), gold=gold_n))
        for i, p in enumerate(pred_actors):
            if i not in used:
                report.errors.append({"doc": doc_id, "area": "actors", "spurious": p.get("name") or p.get("id")})
    if "events" in gold:
        _score_events(gold, pred, report, doc_id)
    if "claims" in gold:
        _score_claims(gold, pred, report, doc_id, units)


def _score_events(gold: dict[str, Any], pred: dict[str, Any], report: Report, doc_id: str) -> None:
    ge, pe = gold["events"], pred.get("events") or []
    comparators: dict[str, Comparator] = {
        "actor": same_actor, "target": same_actor, "location": same_place, "date": same_date,
        "status": lambda a, b: str(a).lower() == str(b).lower(),
        "fatalities": _same_count, "wounded": _same_count, "arrested": _same_count,
    }

    def agreement(g: dict[str, Any], p: dict[str, Any]) -> int:
        return sum(1 for k, same in comparators.items() if k in g and same(g.get(k), p.get(k)))

    pairs = match(ge, pe, lambda g, p: str(p.get("type") or "").upper() in _types(g), agreement)
    paired_g = {gi: pi for gi, pi in pairs}
    paired_p = set(paired_g.values())
    s = report.events
    for gi, g in enumerate(ge):
        optional = bool(g.get("optional"))
        if gi not in paired_g:
            if not optional:
                s["type"].gold += 1
                for k in comparators:
                    _field_score(s, k, g, None, k, comparators[k], report.errors, {})
                report.errors.append({"doc": doc_id, "area": "events", "missed": g["type"],
                                      "evidence": (g.get("evidence") or {}).get("text")})
            continue
        p = pe[paired_g[gi]]
        s["type"].tp += 1
        s["type"].gold += 1
        s["type"].pred += 1
        ctx = {"doc": doc_id, "area": "events", "type": p.get("type"), "evidence": (g.get("evidence") or {}).get("text")}
        for k, same in comparators.items():
            _field_score(s, k, g, p, k, same, report.errors, ctx)
    for pi, p in enumerate(pe):
        if pi in paired_p:
            continue
        s["type"].pred += 1
        for k in comparators:
            _field_score(s, k, None, p, k, comparators[k], report.errors, {})
        report.errors.append({"doc": doc_id, "area": "events", "spurious": p.get("type"),
                              "evidence": (p.get("evidence") or {}).get("text", "")[:160]})


def _score_claims(gold: dict[str, Any], pred: dict[str, Any], report: Report, doc_id: str,
                  units: dict[str, str]) -> None:
    gc, pc = gold["claims"], pred.get("claims") or []
    comparators: dict[str, Comparator] = {
        "speaker": same_actor, "stance": lambda a, b: str(a).lower() == str(b).lower(),
        "quantity": lambda a, b: same_quantity(a, b, units), "subject": same_actor, "denies": same_actor,
        "date": same_date,
    }

    def agreement(g: dict[str, Any], p: dict[str, Any]) -> int:
        # a stated figure pins a claim to its gold more than anything else in a shared sentence
        return sum((3 if k == "quantity" else 1) for k, same in comparators.items()
                   if k in g and g.get(k) and same(g.get(k), p.get(k)))

    pairs = match(gc, pc, lambda g, p: True, agreement)
    paired_g = {gi: pi for gi, pi in pairs}
    paired_p = set(paired_g.values())
    s = report.claims
    for gi, g in enumerate(gc):
        if gi not in paired_g:
            if not g.get("optional"):
                s["claim"].gold += 1
                for k in comparators:
                    _field_score(s, k, g, None, k, comparators[k], report.errors, {})
                report.errors.append({"doc": doc_id, "area": "claims", "missed": (g.get("speaker") or {}).get("name"),
                                      "evidence": (g.get("evidence") or {}).get("text")})
            continue
        p = pc[paired_g[gi]]
        s["claim"].tp += 1
        s["claim"].gold += 1
        s["claim"].pred += 1
        ctx = {"doc": doc_id, "area": "claims", "evidence": (g.get("evidence") or {}).get("text")}
        for k, same in comparators.items():
            _field_score(s, k, g, p, k, same, report.errors, ctx)
    for pi, p in enumerate(pc):
        if pi in paired_p:
            continue
        s["claim"].pred += 1
        for k in comparators:
            _field_score(s, k, None, p, k, comparators[k], report.errors, {})
        report.errors.append({"doc": doc_id, "area": "claims", "spurious": (p.get("speaker") or {}).get("name"),
                              "evidence": (p.get("evidence") or {}).get("text", "")[:160]})


def score(gold_docs: Sequence[dict[str, Any]], predictions: dict[str, dict[str, Any]]) -> Report:
    """Score predicted records (by document id) against gold documents."""
    report = Report()
    units = _unit_table()
    for g in gold_docs:
        one = Report()
        score_document(g, predictions.get(g["id"]), one, units)
        report.merge(one)
        report.per_document.append({"id": g["id"], **one.summary()})
    return report


# ---- predictions ---------------------------------------------------------------------------------


def predict(gold_docs: Sequence[dict[str, Any]], kb_paths: Sequence[str] = (),
            place_paths: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """Run the real pipeline on the gold texts and read back export records through a scratch store,
    so what is scored is exactly what `khabar export --format jsonl` would write."""
    from sqlalchemy import create_engine

    from khabar.extract.pipeline import load_pipeline
    from khabar.model import Document
    from khabar.store.db import migrate
    from khabar.store.documents import insert_document
    from khabar.store.records import build_record, save_extraction

    pipeline = load_pipeline(kb_paths, place_paths)
    docs = [Document(id=g["id"], text=g["text"], title=g.get("title"), url=g.get("url"), source=g.get("source"),
                     published=g.get("published"), language=g.get("language")) for g in gold_docs]
    out: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="khabar-eval-") as tmp:
        engine = create_engine(f"sqlite:///{tmp}/eval.db")
        try:
            migrate(engine)
            with engine.begin() as conn:
                for d, ext in zip(docs, pipeline.pipe(docs), strict=True):
                    insert_document(conn, d)
                    save_extraction(conn, ext, pipeline.version)
            with engine.connect() as conn:
                for d in docs:
                    out[d.id] = build_record(conn, d.id) or {}
        finally:
            engine.dispose()
    return out


def load_predictions(path: str | Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Export records (JSONL) by document id, and one error line per unusable line."""
    out: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"{path}:{n}: not JSON ({exc.msg})")
                continue
            if not isinstance(rec, dict) or not rec.get("id"):
                errors.append(f"{path}:{n}: expected a record object with an id")
                continue
            out[str(rec["id"])] = rec
    return out, errors
