"""The records every pipeline stage passes on.

Plain dataclasses, so ingest, extraction, the store, analysis and exports agree on one shape without
importing each other. Field names follow the canonical JSON record documented in docs/record.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Document:
    """One article as ingested: normalized text plus what is known of where it came from."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    source: str | None = None  # outlet / site name
    author: str | None = None
    published: str | None = None  # ISO 8601 date or datetime
    language: str | None = None  # ISO 639-1
    path: str | None = None  # ingested file, when any
    meta: dict[str, Any] = field(default_factory=dict)  # unknown fields kept as given


@dataclass
class Span:
    """Evidence: the words a fact came from, as character offsets into Document.text."""

    text: str
    start: int
    end: int


@dataclass
class DateValue:
    start: str  # ISO 8601 date
    end: str
    precision: str  # day | week | month | year | range | unknown
    text: str | None = None


@dataclass
class Location:
    name: str
    country: str | None = None  # ISO 3166-1 alpha-2
    lat: float | None = None
    lon: float | None = None
    precision: str | None = None  # point | city | admin1 | country | region | border
    geonames_id: int | None = None
    place_id: str | None = None
    admin1: str | None = None


@dataclass
class Ref:
    """A pointer to a resolved actor (id may be None for an unresolved name)."""

    id: str | None
    name: str


@dataclass
class Speaker:
    id: str | None
    name: str
    role: str | None = None
    affiliation: str | None = None


@dataclass
class Quantity:
    value: float
    unit: str | None = None
    approximate: bool = False
    text: str | None = None


@dataclass
class Actor:
    id: str
    name: str
    type: str  # state | government | armed_group | party | igo | media | research | person | other
    country: str | None = None
    parent: str | None = None
    aliases: list[str] = field(default_factory=list)
    wikidata: str | None = None
    role: str | None = None  # persons: "Interior Minister"
    affiliation: str | None = None  # persons: actor id or name they belong to


@dataclass
class Place:
    id: str
    name: str
    country: str | None = None
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    precision: str | None = None
    geonames_id: int | None = None
    population: int | None = None


@dataclass
class Entity:
    """A mention in the text, with what it resolved to."""

    text: str
    start: int
    end: int
    label: str  # ACTOR | PERSON | ORG | GPE | LOC | NORP | DATE | QUANTITY ...
    actor_id: str | None = None
    place_id: str | None = None


@dataclass
class Event:
    id: str
    type: str  # PLOVER type or extension (RECRUIT, PROPAGANDA)
    evidence: Span
    mode: str | None = None
    acled_type: str | None = None
    acled_subtype: str | None = None
    status: str = "occurred"  # occurred | planned | threatened | alleged | denied | historical
    actor: Ref | None = None
    target: Ref | None = None
    location: Location | None = None
    date: DateValue | None = None
    fatalities: int | None = None
    wounded: int | None = None
    arrested: int | None = None
    confidence: float = 0.5
    trigger: str | None = None


@dataclass
class Claim:
    id: str
    verb: str
    stance: str  # assert | deny
    content: str
    evidence: Span
    speaker: Speaker | None = None
    subject: Ref | None = None
    quantity: Quantity | None = None
    date: DateValue | None = None
    denies: Ref | None = None  # the actor whose claim this denial rejects
    denies_claim: str | None = None  # id of the denied claim, when it is in the same document
    confidence: float = 0.5


@dataclass
class Extraction:
    """All an extraction run produced for one document."""

    doc_id: str
    entities: list[Entity] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    document_date: DateValue | None = None  # the date the document is about, when inferred
    stages_run: list[str] = field(default_factory=list)
    stages_skipped: dict[str, str] = field(default_factory=dict)  # stage -> reason

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def to_dict(obj: Any) -> Any:
    """Dataclass (or None) to plain JSON-ready data, dropping nothing."""
    return None if obj is None else asdict(obj)
