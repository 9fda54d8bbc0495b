"""The store's tables, as SQLAlchemy Core metadata.

One schema for SQLite and PostgreSQL: only portable types, JSON kept as text, dates as ISO strings
(partial dates such as "2023-02" are facts in this field, not errors). Migrations in
store/migrations/ create and evolve exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

metadata = MetaData()

documents = Table(
    "documents",
    metadata,
    Column("id", String(40), primary_key=True),  # content hash of normalized text
    Column("title", Text),
    Column("url", Text),
    Column("source", Text),  # outlet of the first copy seen
    Column("author", Text),
    Column("published", String(32)),  # ISO 8601, as precise as known
    Column("language", String(16)),
    Column("path", Text),
    Column("text", Text, nullable=False),
    Column("length", Integer, nullable=False),
    Column("meta", Text),  # JSON: unknown fields kept as given
    Column("minhash", LargeBinary),  # near-duplicate signature
    Column("near_dup_group", String(40)),  # id of the first document of its near-duplicate group
    Column("ingested_at", String(32), nullable=False),
    Column("extracted_at", String(32)),
    Column("extract_version", String(64)),
    Column("extract_notes", Text),  # JSON: stages run / skipped with reasons, inferred document date
)
Index("ix_documents_published", documents.c.published)
Index("ix_documents_source", documents.c.source)
Index("ix_documents_language", documents.c.language)
Index("ix_documents_near_dup_group", documents.c.near_dup_group)

# Every place a document was seen: an exact duplicate from another outlet adds a row here, not a document.
document_sources = Table(
    "document_sources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("doc_id", String(40), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("source", Text),
    Column("url", Text),
    Column("path", Text),
    Column("published", String(32)),
    Column("seen_at", String(32), nullable=False),
    Column("origin_key", String(64), nullable=False),  # hash of (source, url, path): one row per origin
    UniqueConstraint("doc_id", "origin_key", name="uq_document_sources_origin"),
)

# Locality-sensitive hashing bands of each document's MinHash: candidates for near-duplicates are
# documents sharing a band, found by index lookup instead of comparing against every document.
doc_bands = Table(
    "doc_bands",
    metadata,
    Column("band", Integer, primary_key=True),
    Column("hash", String(40), primary_key=True),
    Column("doc_id", String(40), ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
)

near_duplicates = Table(
    "near_duplicates",
    metadata,
    Column("doc_id", String(40), ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("other_id", String(40), ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("similarity", Float, nullable=False),
)

# Conditional GET state for polled feeds and fetched pages.
fetch_cache = Table(
    "fetch_cache",
    metadata,
    Column("url", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("status", Integer),
    Column("fetched_at", String(32)),
)

actors = Table(
    "actors",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("name", Text, nullable=False),
    Column("type", String(32), nullable=False),
    Column("country", String(8)),
    Column("parent", String(128)),
    Column("aliases", Text),  # JSON list
    Column("wikidata", String(32)),
    Column("role", Text),
    Column("affiliation", Text),
    Column("origin", String(16), nullable=False, server_default="kb"),  # kb | text
)
Index("ix_actors_type", actors.c.type)
Index("ix_actors_country", actors.c.country)

places = Table(
    "places",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("name", Text, nullable=False),
    Column("country", String(8)),
    Column("admin1", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("precision", String(16)),
    Column("geonames_id", Integer),
    Column("population", Integer),
)
Index("ix_places_country", places.c.country)

mentions = Table(
    "mentions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("doc_id", String(40), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("label", String(32), nullable=False),
    Column("actor_id", String(128)),
    Column("place_id", String(128)),
)
Index("ix_mentions_doc", mentions.c.doc_id)
Index("ix_mentions_actor", mentions.c.actor_id)
Index("ix_mentions_place", mentions.c.place_id)

events = Table(
    "events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("doc_id", String(40), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("mode", String(64)),
    Column("acled_type", Text),
    Column("acled_subtype", Text),
    Column("status", String(16), nullable=False),
    Column("actor_id", String(128)),
    Column("actor_name", Text),
    Column("target_id", String(128)),
    Column("target_name", Text),
    Column("place_id", String(128)),
    Column("location_name", Text),
    Column("country", String(8)),
    Column("admin1", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("geo_precision", String(16)),
    Column("geonames_id", Integer),
    Column("date_start", String(32)),
    Column("date_end", String(32)),
    Column("date_precision", String(16)),
    Column("fatalities", Integer),
    Column("wounded", Integer),
    Column("arrested", Integer),
    Column("evidence_text", Text, nullable=False),
    Column("evidence_start", Integer, nullable=False),
    Column("evidence_end", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("trigger", Text),
)
Index("ix_events_doc", events.c.doc_id)
Index("ix_events_type_date", events.c.type, events.c.date_start)
Index("ix_events_actor", events.c.actor_id)
Index("ix_events_target", events.c.target_id)
Index("ix_events_country_date", events.c.country, events.c.date_start)
Index("ix_events_date", events.c.date_start)
Index("ix_events_latlon", events.c.lat, events.c.lon)
# migration 0002: the web app's listings at scale (benchmarks/serve.py)
Index("ix_events_dates", events.c.date_start, events.c.date_end)
Index("ix_events_country_dates", events.c.country, events.c.date_start, events.c.date_end)
Index("ix_events_type_country_date", events.c.type, events.c.country, events.c.date_start)
Index("ix_events_type_latlon", events.c.type, events.c.lat, events.c.lon)
Index("ix_events_status_confidence", events.c.status, events.c.confidence)
Index("ix_events_confidence", events.c.confidence)
Index("ix_events_actor_name", events.c.actor_name)
Index("ix_events_target_name", events.c.target_name)
Index("ix_events_actor_name_lower", func.lower(events.c.actor_name))
Index("ix_events_target_name_lower", func.lower(events.c.target_name))

claims = Table(
    "claims",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("doc_id", String(40), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("speaker_id", String(128)),
    Column("speaker_name", Text),
    Column("speaker_role", Text),
    Column("speaker_affiliation", Text),
    Column("verb", Text, nullable=False),
    Column("stance", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("subject_id", String(128)),
    Column("subject_name", Text),
    Column("quantity_value", Float),
    Column("quantity_unit", Text),
    Column("quantity_approximate", Boolean),
    Column("quantity_text", Text),
    Column("date_start", String(32)),
    Column("date_end", String(32)),
    Column("date_precision", String(16)),
    Column("denies_id", String(128)),
    Column("denies_name", Text),
    Column("denies_claim", String(64)),
    Column("evidence_text", Text, nullable=False),
    Column("evidence_start", Integer, nullable=False),
    Column("evidence_end", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
)
Index("ix_claims_doc", claims.c.doc_id)
Index("ix_claims_speaker", claims.c.speaker_id)
Index("ix_claims_subject", claims.c.subject_id)

# Analysis layer (cross-source): merged incidents and their member events.
incidents = Table(
    "incidents",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("data", Text, nullable=False),  # JSON summary: actors, place, dates, figures, sources
    Column("first_reported", String(32)),
    Column("source_count", Integer, nullable=False),
    Column("updated_at", String(32), nullable=False),
)

incident_events = Table(
    "incident_events",
    metadata,
    Column("incident_id", String(64), ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", String(64), ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("score", Float, nullable=False),
)
Index("ix_incident_events_event", incident_events.c.event_id, unique=True)

# Alerts already reported, so running `khabar alerts` twice reports nothing twice.
alerts_sent = Table(
    "alerts_sent",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("rule", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)
