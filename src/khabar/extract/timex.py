"""Stage "khabar_time": every date expression resolved to an ISO interval with its precision.

Expressions are resolved against the reference date: the publication date, or, when the document has
none, a date inferred from its own content (a weekday named with a day and month fixes the year among
those the document's other dated mentions allow). News reports the past, so a partial date ("February
15") resolves to its most recent occurrence on or shortly after the reference date.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from spacy.language import Language
from spacy.tokens import Doc, Span

from khabar.extract import extensions
from khabar.model import DateValue

extensions.register()

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": 3, "a few": 3, "few": 3,
}  # fmt: skip
# How far a partial date may lie after the reference date and still be this year ("on March 3" in a
# piece published March 1 announces a plan); beyond that it is last year's.
FUTURE_SLACK_DAYS = 60
# Without a publication date, a weekday-fixed year is searched this many years after the latest
# explicitly dated mention (the document cannot be older than what it reports).
INFER_WINDOW_YEARS = 12

_MON = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WD = r"(?:(?P<wd>" + "|".join(WEEKDAYS) + r"),?\s+)?"
_PART = r"(?:(?P<part>early|mid|late|the middle of|the beginning of|the start of|the end of)[\s-]+(?:of\s+)?)?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>1[6-9]\d\d|20\d\d)"

PATTERNS = [
    ("iso", re.compile(r"^(?P<year>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})")),
    ("mdy", re.compile(rf"^{_WD}{_MON}\s+{_DAY}(?:,?\s+{_YEAR})?$")),
    ("dmy", re.compile(rf"^{_WD}(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MON}(?:,?\s+{_YEAR})?$")),
    ("my", re.compile(rf"^{_PART}{_MON}(?:,?\s+(?:of\s+)?{_YEAR})?$")),
    ("y", re.compile(rf"^{_PART}(?:the\s+year\s+)?{_YEAR}$")),
    ("decade", re.compile(r"^(?:the\s+)?(?P<year>1[6-9]\d0|20\d0)s$")),
    ("ago", re.compile(r"^(?P<n>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few|few)\s+(?P<unit>day|week|month|year)s?\s+ago$")),
    ("rel", re.compile(r"^(?P<rel>last|this|next|past)\s+(?P<unit>week|month|year|weekend)$")),
    ("wd", re.compile(r"^(?:(?P<rel>last|this|next|on)\s+)?(?P<wd>" + "|".join(WEEKDAYS) + r")$")),
    ("word", re.compile(r"^(?P<word>today|yesterday|tomorrow|tonight|the day before yesterday)$")),
]  # fmt: skip
_LEAD = re.compile(r"^(?:on|in|at|since|from|by|during|of|until|as of|earlier)\s+", re.I)


def _day(d: date, text: str | None = None) -> DateValue:
    return DateValue(d.isoformat(), d.isoformat(), "day", text)


def _month(y: int, m: int, text: str | None, part: str | None = None) -> DateValue:
    last = calendar.monthrange(y, m)[1]
    if part is None:
        return DateValue(f"{y:04d}-{m:02d}-01", f"{y:04d}-{m:02d}-{last:02d}", "month", text)
    lo, hi = {"early": (1, 10), "mid": (11, 20), "late": (21, last)}[part]
    return DateValue(f"{y:04d}-{m:02d}-{lo:02d}", f"{y:04d}-{m:02d}-{hi:02d}", "range", text)


def _year(y: int, text: str | None, part: str | None = None) -> DateValue:
    if part is None:
        return DateValue(f"{y:04d}-01-01", f"{y:04d}-12-31", "year", text)
    lo, hi = {"early": ("01-01", "04-30"), "mid": ("05-01", "08-31"), "late": ("09-01", "12-31")}[part]
    return DateValue(f"{y:04d}-{lo}", f"{y:04d}-{hi}", "range", text)


def _norm_part(part: str | None) -> str | None:
    if not part:
        return None
    part = part.lower()
    if part in ("the middle of", "mid"):
        return "mid"
    if part in ("the beginning of", "the start of", "early"):
        return "early"
    return "late"


def _pick_year(month: int, day: int, ref: date, weekday: int | None = None) -> int:
    """The year putting month/day nearest before ref (or just after it), honouring a named weekday."""
    candidates = []
    for y in range(ref.year - 12, ref.year + 2):
        try:
            d = date(y, month, day)
        except ValueError:
            continue
        if weekday is not None and d.weekday() != weekday:
            continue
        if d <= ref + timedelta(days=FUTURE_SLACK_DAYS):
            candidates.append(y)
    if not candidates:
        return ref.year
    return max(candidates)


def normalise(text: str) -> str:
    t = re.sub(r"\s+", " ", text.strip().lower().replace("\u2019", "'"))
    t = t.rstrip(".,;")
    for _ in range(2):
        t = _LEAD.sub("", t)
    return t


def parse_absolute(text: str) -> tuple[str, dict] | None:
    """(pattern name, groups) for a date expression, or None when it is not one."""
    t = normalise(text)
    for name, rx in PATTERNS:
        m = rx.match(t)
        if m:
            return name, m.groupdict()
    return None


def resolve(text: str, ref: date | None) -> DateValue | None:
    """One date expression -> interval. Partial and relative expressions need ref; None if unresolvable."""
    parsed = parse_absolute(text)
    if parsed is None:
        return None
    name, g = parsed
    if name == "iso":
        try:
            return _day(date(int(g["year"]), int(g["m"]), int(g["d"])), text)
        except ValueError:
            return None
    if name in ("mdy", "dmy"):
        month, day = MONTHS[g["mon"]], int(g["day"])
        wd = WEEKDAYS.get(g["wd"]) if g.get("wd") else None
        if g.get("year"):
            year = int(g["year"])
        elif ref is not None:
            year = _pick_year(month, day, ref, wd)
        else:
            return None
        try:
            return _day(date(year, month, day), text)
        except ValueError:
            return None
    if name == "my":
        month = MONTHS[g["mon"]]
        if g.get("year"):
            year = int(g["year"])
        elif ref is not None:
            year = ref.year if month <= ref.month + FUTURE_SLACK_DAYS // 30 else ref.year - 1
        else:
            return None
        return _month(year, month, text, _norm_part(g.get("part")))
    if name == "y":
        return _year(int(g["year"]), text, _norm_part(g.get("part")))
    if name == "decade":
        y = int(g["year"])
        return DateValue(f"{y:04d}-01-01", f"{y + 9:04d}-12-31", "range", text)
    if ref is None:
        return None
    if name == "ago":
        n = int(g["n"]) if g["n"].isdigit() else NUMBERS.get(g["n"], 1)
        unit = g["unit"]
        if unit == "day":
            return _day(ref - timedelta(days=n), text)
        if unit == "week":
            start = ref - timedelta(weeks=n)
            start -= timedelta(days=start.weekday())
            return DateValue(start.isoformat(), (start + timedelta(days=6)).isoformat(), "week", text)
        if unit == "month":
            y, m = divmod(ref.year * 12 + ref.month - 1 - n, 12)
            return _month(y, m + 1, text)
        return _year(ref.year - n, text)
    if name == "rel":
        step = {"last": -1, "past": -1, "this": 0, "next": 1}[g["rel"]]
        unit = g["unit"]
        if unit in ("week", "weekend"):
            monday = ref - timedelta(days=ref.weekday()) + timedelta(weeks=step)
            if unit == "weekend":
                sat = monday + timedelta(days=5)
                return DateValue(sat.isoformat(), (sat + timedelta(days=1)).isoformat(), "range", text)
            return DateValue(monday.isoformat(), (monday + timedelta(days=6)).isoformat(), "week", text)
        if unit == "month":
            y, m = divmod(ref.year * 12 + ref.month - 1 + step, 12)
            return _month(y, m + 1, text)
        return _year(ref.year + step, text)
    if name == "wd":
        wd = WEEKDAYS[g["wd"]]
        back = (ref.weekday() - wd) % 7
        if g.get("rel") == "next":
            return _day(ref + timedelta(days=(wd - ref.weekday()) % 7 or 7), text)
        if g.get("rel") == "last" and back == 0:
            back = 7
        return _day(ref - timedelta(days=back), text)
    word = g["word"]
    offset = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1, "the day before yesterday": -2}[word]
    return _day(ref + timedelta(days=offset), text)


def infer_document_date(texts: list[str]) -> DateValue | None:
    """The date a document without publication date is about, from its own date expressions.

    Lower bound: the latest fully or partly explicit date it mentions (it cannot be older). A weekday
    named with a day and month fixes the year: the first year in the window where that date falls on
    that weekday. Without such an anchor, the lower bound itself is the best estimate.
    """
    floor: DateValue | None = None
    anchors: list[tuple[int, int, int, str]] = []
    for text in texts:
        parsed = parse_absolute(text)
        if parsed is None:
            continue
        name, g = parsed
        if name in ("mdy", "dmy") and not g.get("year") and g.get("wd"):
            anchors.append((MONTHS[g["mon"]], int(g["day"]), WEEKDAYS[g["wd"]], text))
            continue
        if g.get("year") and name != "decade":
            dv = resolve(text, None)
            if dv is not None and (floor is None or dv.start > floor.start):
                floor = dv
    lower = date.fromisoformat(floor.start) if floor else date(date.today().year - INFER_WINDOW_YEARS, 1, 1)
    for month, day, wd, text in anchors:
        for y in range(lower.year, lower.year + INFER_WINDOW_YEARS + 1):
            try:
                d = date(y, month, day)
            except ValueError:
                continue
            if d >= lower and d.weekday() == wd and d <= date.today():
                return DateValue(d.isoformat(), d.isoformat(), "day", text)
    return floor


def publication_date(published: str | None) -> DateValue | None:
    if not published:
        return None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", published)
    if m:
        try:
            return _day(date(int(m[1]), int(m[2]), int(m[3])), published)
        except ValueError:
            return None
    m = re.match(r"^(\d{4})-(\d{2})$", published)
    if m:
        return _month(int(m[1]), int(m[2]), published)
    m = re.match(r"^(\d{4})$", published)
    return _year(int(m[1]), published) if m else None


_EXTRA = re.compile(
    r"\b(?:(?:early|mid|late)[\s-]+|the middle of |the beginning of |the end of )?"
    + r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    + r"(?:\s+\d{1,2}(?:st|nd|rd|th)?)?(?:,?\s+(?:1[6-9]\d\d|20\d\d))?\b"
)


def candidate_spans(doc: Doc) -> list[Span]:
    """DATE entities, plus month expressions NER missed ("mid-February", "in May 1992")."""
    spans = [e for e in doc.ents if e.label_ == "DATE"]
    taken = {t.i for s in spans for t in s}
    for m in _EXTRA.finditer(doc.text):
        sp = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if sp is None or any(t.i in taken for t in sp):
            continue
        if m.group(0) == "May" and not re.match(r"\s+\d", doc.text[m.end() : m.end() + 3]):
            continue  # the modal verb
        spans.append(sp)
        taken.update(t.i for t in sp)
    return sorted(spans, key=lambda s: s.start)


def _is_name(sp: Span) -> bool:
    """"the September 11 attacks": a yearless day naming a noun to its right is a name, not a date."""
    root = sp.root
    if re.search(r"\b(1[6-9]\d\d|20\d\d)\b", sp.text):
        return False
    return root.dep_ in ("nmod", "compound", "amod") and root.head.i >= sp.end and root.head.pos_ == "NOUN"


@Language.component("khabar_time")
def time_component(doc: Doc) -> Doc:
    """Sets doc.spans["dates"] (span._.date) and doc._.doc_date."""
    document = doc._.khabar_doc
    doc_date = publication_date(getattr(document, "published", None))
    spans = candidate_spans(doc)
    if doc_date is None:
        doc_date = infer_document_date([s.text for s in spans])
    ref = date.fromisoformat(doc_date.start) if doc_date else None
    if doc_date is not None and doc_date.precision != "day":
        ref = date.fromisoformat(doc_date.end)
    out = []
    for sp in spans:
        if _is_name(sp):
            continue
        dv = resolve(sp.text, ref)
        if dv is None:
            continue
        dv.text = sp.text
        sp._.date = dv
        out.append(sp)
    doc.spans["dates"] = out
    doc._.doc_date = doc_date
    return doc
