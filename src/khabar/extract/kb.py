"""The actor knowledge base: packaged YAML plus user files, with every country as a state actor.

Kept apart from the spaCy component so the CLI (`khabar actors`) and tests can read the same data.
Region knowledge lives only in the YAML files; this module knows the file shape, nothing about places.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from khabar.datafiles import user_yaml
from khabar.model import Actor

ACTOR_TYPES = {"state", "government", "armed_group", "party", "igo", "media", "research", "person", "other"}
_CAPS = re.compile(r"^[A-Z0-9][A-Z0-9.\-/&]*$")


class KBError(ValueError):
    """A knowledge-base file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Alias:
    text: str
    actor_id: str
    case_sensitive: bool
    context: tuple[str, ...] = ()  # the alias counts only in documents containing one of these words


@dataclass
class KnowledgeBase:
    actors: dict[str, Actor] = field(default_factory=dict)
    aliases: list[Alias] = field(default_factory=list)
    bodies: dict[tuple[str, str], str] = field(default_factory=dict)  # (country, body) -> actor id
    demonyms: dict[str, str] = field(default_factory=dict)  # "Tajik" -> "TJ"
    body_nouns: dict[str, str] = field(default_factory=dict)  # "interior ministry" -> "interior"
    body_names: dict[str, str] = field(default_factory=dict)
    group_nouns: frozenset[str] = frozenset()
    org_types: dict[str, list[str]] = field(default_factory=dict)
    member_nouns: frozenset[str] = frozenset()
    titles: dict = field(default_factory=dict)

    def state_of(self, country: str | None) -> str | None:
        return country.lower() if country and country.lower() in self.actors else None

    def body_actor(self, country: str, body: str) -> Actor | None:
        """The KB actor for a country's body, or a generated one ("ru-foreign") when the KB lacks it."""
        ident = self.bodies.get((country, body))
        if ident:
            return self.actors[ident]
        state = self.actors.get(country.lower())
        if state is None:
            return None
        if body == "gov":
            name = f"Government of {state.name}"
        else:
            name = f"{state.name} {self.body_names.get(body, body.title())}"
        return Actor(id=f"{country.lower()}-{body}", name=name, type="government", country=country,
                     parent=state.id)

    def copy_actor(self, ident: str) -> Actor | None:
        a = self.actors.get(ident)
        return replace(a, aliases=list(a.aliases)) if a else None


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes or dash variants: the form indexes compare."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    return " ".join(text.lower().split())


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return s or "x"


def _data(name: str) -> Path:
    return Path(str(resources.files("khabar").joinpath("data", name)))


def _load_yaml(path: Path) -> dict:
    data = user_yaml(path, KBError) or {}
    if not isinstance(data, dict):
        raise KBError(f"{path}: top level must be a mapping")
    return data


def _country_states(kb: KnowledgeBase) -> None:
    import pycountry

    for c in pycountry.countries:
        names = {c.name, getattr(c, "common_name", c.name), getattr(c, "official_name", c.name)}
        name = getattr(c, "common_name", c.name)
        ident = c.alpha_2.lower()
        kb.actors[ident] = Actor(id=ident, name=name, type="state", country=c.alpha_2, aliases=sorted(names))
        for n in names:
            kb.aliases.append(Alias(n, ident, case_sensitive=False))


def _add_actor(kb: KnowledgeBase, item: object, path: Path, i: int) -> None:
    where = f"{path}: actors[{i}]"
    if not isinstance(item, dict) or not item.get("id") or not item.get("name"):
        raise KBError(f"{where}: needs at least 'id' and 'name'")
    ident = str(item["id"])
    typ = str(item.get("type") or "other")
    if typ not in ACTOR_TYPES:
        raise KBError(f"{where} ({ident}): type {typ!r} is not one of {sorted(ACTOR_TYPES)}")
    country = item.get("country")
    if country is not None and not re.fullmatch(r"[A-Z]{2}", str(country)):
        raise KBError(f"{where} ({ident}): country {country!r} is not an ISO 3166-1 alpha-2 code")
    aliases: list[Alias] = []
    texts: list[str] = []
    for raw in [item["name"], *(item.get("aliases") or [])]:
        if isinstance(raw, dict):
            text, ctx = str(raw.get("text") or ""), tuple(fold(w) for w in raw.get("context") or ())
        else:
            text, ctx = str(raw), ()
        if not text.strip():
            raise KBError(f"{where} ({ident}): empty alias")
        texts.append(text)
        aliases.append(Alias(text, ident, case_sensitive=bool(_CAPS.match(text)) and len(text) <= 8, context=ctx))
    old = kb.actors.get(ident)
    if old is not None:  # a later file extends (or corrects) an actor: keep the old aliases
        texts = [*old.aliases, *texts]
    kb.actors[ident] = Actor(
        id=ident,
        name=str(item["name"]),
        type=typ,
        country=country or (old.country if old else None),
        parent=item.get("parent") or (old.parent if old else None),
        aliases=list(dict.fromkeys(texts)),
        wikidata=item.get("wikidata") or (old.wikidata if old else None),
    )
    kb.aliases.extend(aliases)
    if item.get("body") and country:
        kb.bodies[(str(country), str(item["body"]))] = ident


def load_kb_uncached(paths: Sequence[str | Path] = ()) -> KnowledgeBase:
    kb = KnowledgeBase()
    _country_states(kb)
    dem = _load_yaml(_data("demonyms.yaml"))
    kb.demonyms = {str(k): str(v) for k, v in (dem.get("demonyms") or {}).items()}
    kb.body_nouns = {fold(str(k)): str(v) for k, v in (dem.get("body_nouns") or {}).items()}
    kb.body_names = {str(k): str(v) for k, v in (dem.get("body_names") or {}).items()}
    kb.group_nouns = frozenset(fold(str(w)) for w in dem.get("group_nouns") or ())
    kb.titles = _load_yaml(_data("person_titles.yaml"))
    for path in (_data("actors.yaml"), *[Path(p) for p in paths]):
        data = _load_yaml(path)
        items = data.get("actors")
        if not isinstance(items, list):
            raise KBError(f"{path}: 'actors' must be a list")
        for i, item in enumerate(items):
            _add_actor(kb, item, path, i)
        kb.member_nouns = kb.member_nouns | {fold(str(w)) for w in data.get("member_nouns") or ()}
        for typ, words in (data.get("org_types") or {}).items():
            kb.org_types.setdefault(str(typ), []).extend(fold(str(w)) for w in words)
    for a in kb.actors.values():
        if a.parent and a.parent not in kb.actors:
            raise KBError(f"actor {a.id}: parent {a.parent!r} is not in the knowledge base")
    return kb


@functools.lru_cache(maxsize=8)
def _cached(paths: tuple[str, ...], stamps: tuple[float, ...]) -> KnowledgeBase:
    return load_kb_uncached(paths)


def load_kb(paths: Sequence[str | Path] = ()) -> KnowledgeBase:
    """The merged knowledge base (cached per file list and modification times)."""
    ps = tuple(str(p) for p in paths)
    stamps = tuple(Path(p).stat().st_mtime if Path(p).exists() else 0.0 for p in ps)
    return _cached(ps, stamps)
