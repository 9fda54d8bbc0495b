"""STIX 2.1 export: a bundle of reports, actors, places, events and claims, built with the stix2 library.

Mapping (tables in data/stix.yaml):
- each document -> report (published, external reference to its URL, object_refs to what it reports);
- actors -> identity (states, governments, organisations, persons) or threat-actor (armed groups);
  names the text gave without resolving them ("civilians") -> identity of class unknown;
- places and event locations -> location with coordinates and precision in metres;
- events -> relationship actor -> target (or -> location when there is no target), typed by the PLOVER
  type, start_time/stop_time from the event date; events without an actor -> note on what they involve;
- claims -> note (speaker as author, stance); a denial of a claim in the same document -> also an opinion
  "strongly-disagree" on that claim's note.
khabar fields STIX has no property for (status, evidence offsets, casualties, stance...) are top-level
properties of a khabar extension-definition (toplevel-property-extension), so validators accept them.
Ids are UUIDv5 of stable khabar keys (actor id, place id, event id...), so a re-export updates objects
instead of duplicating them; created is stable per object, modified is the export time for KB objects
and the extraction time for document objects. The bundle is written object by object (memory flat).
"""

from __future__ import annotations

import calendar
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, TextIO

import stix2
from sqlalchemy import select
from sqlalchemy.engine import Connection

from khabar.datafiles import packaged_yaml
from khabar.export.select import Filters, event_conditions, iter_doc_ids
from khabar.store.records import build_record
from khabar.store.schema import documents, events

NAMESPACE = uuid.UUID("0f1c3b7e-5a2d-4c8e-9b1a-6d4e2f7a8c90")  # khabar's; never change (ids derive from it)
EPOCH = "2020-01-01T00:00:00Z"  # created of KB-derived objects: stable across exports
# Object types several documents can share: written once per bundle (their ids are remembered).
SHARED = {"identity", "threat-actor", "location", "marking-definition", "extension-definition"}
TLP = {"clear": stix2.TLP_WHITE, "green": stix2.TLP_GREEN, "amber": stix2.TLP_AMBER, "red": stix2.TLP_RED}


@cache
def conventions() -> dict[str, Any]:
    return packaged_yaml("stix.yaml")


def sid(kind: str, key: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, key)}"


KHABAR_ID = sid("identity", "khabar")
EXTENSION_ID = sid("extension-definition", "khabar-properties-v1")
EXTENSION_PROPERTIES = sorted(f"khabar_{p}" for p in (
    "id type country parent wikidata aliases affiliation unresolved precision geonames_id author path mode "
    "status acled_type acled_subtype fatalities wounded arrested date_precision date_start date_end "
    "location_ref evidence evidence_start evidence_end trigger stance verb speaker_role speaker_affiliation "
    "quantity_value quantity_unit quantity_approximate quantity_text denies_claim"
).split())
EXT = {EXTENSION_ID: {"extension_type": "toplevel-property-extension"}}


def stix_time(value: str | None) -> str | None:
    """An ISO 8601 date or datetime (possibly partial) as a STIX UTC timestamp; None when unreadable."""
    if not value:
        return None
    v = value.strip()
    if len(v) == 4 and v.isdigit():
        v += "-01-01"
    elif len(v) == 7:
        v += "-01"
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def period_end(value: str | None) -> str | None:
    """The instant just after a (partial) date: end of that year, month or day, as a STIX timestamp."""
    if not value:
        return None
    v = value.strip()[:10]
    try:
        if len(v) == 4:
            d = date(int(v) + 1, 1, 1)
        elif len(v) == 7:
            y, m = int(v[:4]), int(v[5:7])
            d = date(y, m, calendar.monthrange(y, m)[1]) + timedelta(days=1)
        else:
            d = date.fromisoformat(v) + timedelta(days=1)
    except ValueError:
        return None
    return d.strftime("%Y-%m-%dT00:00:00Z")


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    """Drop None and empty values (STIX forbids empty strings and lists for optional properties)."""
    return {k: v for k, v in d.items() if v is not None and v != "" and v != [] and v != {}}


def _conf(x: float | None) -> int | None:
    return None if x is None else max(0, min(100, round(float(x) * 100)))


class BundleWriter:
    """Streams a bundle; remembers the ids of shared objects written (so an actor appears once)."""

    def __init__(self, out: TextIO, bundle_id: str, tlp: str | None, now: str) -> None:
        self.out = out
        self.now = now
        self.marking = TLP[tlp] if tlp else None
        self.written: set[str] = set()
        self.counts: dict[str, int] = {}
        out.write('{"type": "bundle", "id": ' + json.dumps(bundle_id) + ', "objects": [')
        if self.marking is not None:
            self._emit(self.marking)
        self._emit(stix2.Identity(
            id=KHABAR_ID, name="khabar", identity_class="system", created=EPOCH, modified=EPOCH,
            description="khabar: source-attributed knowledge base of conflict and security news",
            **self._marks(),
        ))
        self._emit(stix2.ExtensionDefinition(
            id=EXTENSION_ID, created_by_ref=KHABAR_ID, created=EPOCH, modified=EPOCH, name="khabar properties",
            description="khabar fields STIX has no property for: khabar_id, status, evidence, casualties, "
            "stance, quantities; see docs/record.md of khabar.",
            schema="https://github.com/khabar/khabar/blob/main/docs/record.md", version="1.0",
            extension_types=["toplevel-property-extension"], extension_properties=EXTENSION_PROPERTIES,
            **self._marks(),
        ))

    def _marks(self) -> dict[str, Any]:
        return {"object_marking_refs": [self.marking.id]} if self.marking is not None else {}

    def _emit(self, obj: Any) -> None:
        self.out.write(("\n" if not self.counts else ",\n") + obj.serialize())
        if obj.type in SHARED:  # per-document objects are unique by construction: not remembered
            self.written.add(obj.id)
        self.counts[obj.type] = self.counts.get(obj.type, 0) + 1

    def add(self, cls: Any, **props: Any) -> str:
        """Create and write one object once; returns its id."""
        if props["id"] in self.written:
            return props["id"]
        props = _clean(props)
        unknown = {k for k in props if k.startswith("khabar_")} - set(EXTENSION_PROPERTIES)
        if unknown:
            raise ValueError(f"khabar STIX properties not declared in the extension: {sorted(unknown)}")
        if any(k.startswith("khabar_") for k in props):
            props["extensions"] = EXT
        props.setdefault("created_by_ref", KHABAR_ID)
        self._emit(cls(**props, **self._marks()))
        return props["id"]

    def close(self) -> None:
        self.out.write("\n]}\n")


class StixMapper:
    """Turns canonical records into STIX objects on a BundleWriter."""

    def __init__(self, w: BundleWriter) -> None:
        self.w = w
        self.conv = conventions()

    # -- actors and places ---------------------------------------------------------------------------

    def actor(self, a: dict[str, Any]) -> str:
        conv = self.conv
        common = {"name": a["name"], "created": EPOCH, "modified": self.w.now, "khabar_id": a["id"],
                  "khabar_type": a["type"], "khabar_country": a.get("country"), "khabar_parent": a.get("parent"),
                  "khabar_wikidata": a.get("wikidata")}
        if a["type"] in conv["threat_actor_types"]:
            return self.w.add(stix2.ThreatActor, id=sid("threat-actor", "actor:" + a["id"]),
                              threat_actor_types=conv["threat_actor_types"][a["type"]],
                              aliases=a.get("aliases") or None, **common)
        ident = conv["identity"].get(a["type"], conv["identity"]["other"])
        return self.w.add(stix2.Identity, id=sid("identity", "actor:" + a["id"]),
                          identity_class=ident["identity_class"], sectors=ident.get("sectors"),
                          roles=[a["role"]] if a.get("role") else None,
                          khabar_aliases=a.get("aliases") or None, khabar_affiliation=a.get("affiliation"),
                          **common)

    def ref(self, r: dict[str, Any] | None, actors: dict[str, dict[str, Any]]) -> str | None:
        """STIX id for an actor reference of a record (creating the object when needed)."""
        if r is None:
            return None
        if r.get("id") and r["id"] in actors:
            return self.actor(actors[r["id"]])
        key = r.get("id") or (r.get("name") or "").strip().lower()
        if not key:
            return None
        return self.w.add(stix2.Identity, id=sid("identity", "name:" + key), name=r.get("name") or key,
                          identity_class=self.conv["unresolved"]["identity_class"], created=EPOCH,
                          modified=self.w.now, khabar_id=r.get("id"), khabar_unresolved=r.get("id") is None)

    def location(self, loc: dict[str, Any] | None) -> str | None:
        if loc is None:
            return None
        has_point = loc.get("lat") is not None and loc.get("lon") is not None
        if not has_point and not loc.get("country"):
            return None
        key = loc.get("place_id") or json.dumps([loc.get("name"), loc.get("country"), loc.get("lat"),
                                                 loc.get("lon")], ensure_ascii=False)
        props: dict[str, Any] = {
            "id": sid("location", "place:" + key), "name": loc.get("name"), "country": loc.get("country"),
            "administrative_area": loc.get("admin1"), "created": EPOCH, "modified": self.w.now,
            "khabar_id": loc.get("place_id"), "khabar_precision": loc.get("precision"),
            "khabar_geonames_id": loc.get("geonames_id"),
        }
        if has_point:
            props.update(latitude=float(loc["lat"]), longitude=float(loc["lon"]),
                         precision=self.conv["precision_m"].get(loc.get("precision") or ""))
        return self.w.add(stix2.Location, **props)

    # -- documents -----------------------------------------------------------------------------------

    def document(self, rec: dict[str, Any], event_ids: set[str] | None, ingested: str | None,
                 extracted: str | None) -> str:
        w = self.w
        created = stix_time(ingested) or EPOCH
        modified = max(created, stix_time(extracted) or created)
        ext_ref = _clean({"source_name": rec.get("source") or "khabar", "url": rec.get("url"),
                          "external_id": rec["id"], "description": rec.get("title")})
        times = {"created": created, "modified": modified, "external_references": [ext_ref]}
        actors = {a["id"]: a for a in rec.get("actors") or []}
        refs: list[str] = [self.actor(a) for a in actors.values()]
        places = {p["id"]: p for p in rec.get("places") or []}
        refs += [x for p in places.values() if (x := self.location({**p, "place_id": p["id"]}))]
        for ev in rec.get("events") or []:
            if event_ids is None or ev["id"] in event_ids:
                refs.append(self.event(ev, actors, times))
        notes: dict[str, str] = {}
        for cl in rec.get("claims") or []:
            notes[cl["id"]] = self.claim(cl, actors, times, refs)
            refs.append(notes[cl["id"]])
        for cl in rec.get("claims") or []:
            if cl["stance"] == "deny" and cl.get("denies_claim") in notes:
                refs.append(self.denial(cl, notes[cl["denies_claim"]], times))
        if rec.get("source"):
            refs.append(w.add(stix2.Identity, id=sid("identity", "source:" + rec["source"].lower()),
                              name=rec["source"], identity_class="organization", sectors=["communications"],
                              created=EPOCH, modified=w.now))
        published = stix_time(rec.get("published")) or created
        return w.add(
            stix2.Report, id=sid("report", "doc:" + rec["id"]), name=rec.get("title") or rec["id"],
            published=published, report_types=self.conv["report_types"],
            object_refs=list(dict.fromkeys(refs)) or [KHABAR_ID], description=rec.get("text"),
            lang=rec.get("language"), khabar_id=rec["id"], khabar_author=rec.get("author"),
            khabar_path=rec.get("path"), **times,
        )

    def event(self, ev: dict[str, Any], actors: dict[str, dict[str, Any]], times: dict[str, Any]) -> str:
        src = self.ref(ev.get("actor"), actors)
        tgt = self.ref(ev.get("target"), actors)
        loc = self.location(ev.get("location"))
        d = ev.get("date") or {}
        extra = {
            "khabar_id": ev["id"], "khabar_type": ev["type"], "khabar_mode": ev.get("mode"),
            "khabar_status": ev["status"], "khabar_acled_type": ev.get("acled_type"),
            "khabar_acled_subtype": ev.get("acled_subtype"), "khabar_fatalities": ev.get("fatalities"),
            "khabar_wounded": ev.get("wounded"), "khabar_arrested": ev.get("arrested"),
            "khabar_date_precision": d.get("precision"), "khabar_location_ref": loc,
            "khabar_evidence_start": ev["evidence"]["start"], "khabar_evidence_end": ev["evidence"]["end"],
            "khabar_trigger": ev.get("trigger"),
        }
        rtype = self.conv["relationship_type"].get(ev["type"]) or ev["type"].lower().replace("_", "-")
        if src and (tgt or loc):
            start, stop = stix_time(d.get("start")), period_end(d.get("end") or d.get("start"))
            if start and stop and stop <= start:
                stop = None
            return self.w.add(
                stix2.Relationship, id=sid("relationship", "event:" + ev["id"]), relationship_type=rtype,
                source_ref=src, target_ref=tgt or loc, description=ev["evidence"]["text"],
                start_time=start, stop_time=stop if start else None, confidence=_conf(ev.get("confidence")),
                **extra, **times,
            )
        refs = [x for x in (src, tgt, loc) if x] or [sid("report", "doc:" + ev["doc_id"])]
        return self.w.add(
            stix2.Note, id=sid("note", "event:" + ev["id"]), abstract=f"{ev['type']} event",
            content=ev["evidence"]["text"], object_refs=refs, confidence=_conf(ev.get("confidence")),
            khabar_date_start=d.get("start"), khabar_date_end=d.get("end"), **extra, **times,
        )

    def claim(self, cl: dict[str, Any], actors: dict[str, dict[str, Any]], times: dict[str, Any],
              doc_refs: list[str]) -> str:
        sp = cl.get("speaker")
        speaker = self.ref(sp, actors) if sp else None
        subject = self.ref(cl.get("subject"), actors)
        denied = self.ref(cl.get("denies"), actors)
        q = cl.get("quantity") or {}
        d = cl.get("date") or {}
        refs = [x for x in (speaker, subject, denied) if x] or [sid("report", "doc:" + cl["doc_id"])]
        who = sp["name"] if sp else "unattributed"
        return self.w.add(
            stix2.Note, id=sid("note", "claim:" + cl["id"]), abstract=f"{who} {cl['verb']}",
            content=cl["content"], authors=[sp["name"]] if sp and sp.get("name") else None, object_refs=refs,
            confidence=_conf(cl.get("confidence")), khabar_id=cl["id"], khabar_stance=cl["stance"],
            khabar_verb=cl["verb"], khabar_speaker_role=(sp or {}).get("role"),
            khabar_speaker_affiliation=(sp or {}).get("affiliation"), khabar_evidence=cl["evidence"]["text"],
            khabar_evidence_start=cl["evidence"]["start"], khabar_evidence_end=cl["evidence"]["end"],
            khabar_quantity_value=q.get("value"), khabar_quantity_unit=q.get("unit"),
            khabar_quantity_approximate=q.get("approximate"), khabar_quantity_text=q.get("text"),
            khabar_date_start=d.get("start"), khabar_date_end=d.get("end"),
            khabar_date_precision=d.get("precision"), khabar_denies_claim=cl.get("denies_claim"), **times,
        )

    def denial(self, cl: dict[str, Any], denied_note: str, times: dict[str, Any]) -> str:
        sp = cl.get("speaker")
        return self.w.add(
            stix2.Opinion, id=sid("opinion", "denial:" + cl["id"]), opinion="strongly-disagree",
            explanation=cl["evidence"]["text"], authors=[sp["name"]] if sp and sp.get("name") else None,
            object_refs=[denied_note], confidence=_conf(cl.get("confidence")), khabar_id=cl["id"], **times,
        )


def write_stix(conn: Connection, out: TextIO, f: Filters, *, tlp: str | None = None, with_text: bool = False,
               now: str | None = None) -> dict[str, int]:
    """Write one STIX 2.1 bundle for the selection; returns object counts by STIX type."""
    now = now or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    bundle_id = sid("bundle", json.dumps([f.event_filters(), tlp, now], sort_keys=True))
    w = BundleWriter(out, bundle_id, tlp, now)
    mapper = StixMapper(w)
    conds = event_conditions(conn, Filters(**{**f.event_filters(), "doc": None})) if f.narrows_events() else None
    for doc_id in iter_doc_ids(conn, f):
        rec = build_record(conn, doc_id, with_text=with_text)
        if rec is None:
            continue
        if conds is not None:
            ids = set(conn.execute(select(events.c.id).where(events.c.doc_id == doc_id, *conds)).scalars())
        else:
            ids = None
        stamps = conn.execute(
            select(documents.c.ingested_at, documents.c.extracted_at).where(documents.c.id == doc_id)
        ).first()
        for ev in rec.get("events") or []:
            ev.setdefault("doc_id", doc_id)
        for cl in rec.get("claims") or []:
            cl.setdefault("doc_id", doc_id)
        mapper.document(rec, ids, stamps.ingested_at if stamps else None, stamps.extracted_at if stamps else None)
    w.close()
    return dict(sorted(w.counts.items()))


__all__ = ["KHABAR_ID", "NAMESPACE", "sid", "write_stix"]
