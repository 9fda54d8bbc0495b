"""Indexes for the web app's events listings at scale (benchmarks/serve.py, 100,000 events).

- (date_start, date_end) and (country, date_start, date_end): a date-range filter is an interval overlap
  whose "since" side compares coalesce(date_end, date_start); with both columns in the index it is
  checked (and counted) without reading rows.
- (type, country, date_start) and (type, lat, lon): the map and table's usual "type in a country / in
  the visible box" filters, counted from the index alone.
- (status, confidence) and (confidence): status / minimum-confidence filters and sort=confidence.
- actor_name, target_name and their lower(): the actor filter matches ids OR stored names (any case);
  with every OR branch indexed the planner answers it as a union of index lookups instead of a scan.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PLAIN = {
    "ix_events_dates": ["date_start", "date_end"],
    "ix_events_country_dates": ["country", "date_start", "date_end"],
    "ix_events_type_country_date": ["type", "country", "date_start"],
    "ix_events_type_latlon": ["type", "lat", "lon"],
    "ix_events_status_confidence": ["status", "confidence"],
    "ix_events_confidence": ["confidence"],
    "ix_events_actor_name": ["actor_name"],
    "ix_events_target_name": ["target_name"],
}
LOWER = {"ix_events_actor_name_lower": "actor_name", "ix_events_target_name_lower": "target_name"}


def upgrade() -> None:
    for name, cols in PLAIN.items():
        op.create_index(name, "events", cols, unique=False)
    for name, col in LOWER.items():
        op.create_index(name, "events", [sa.text(f"lower({col})")], unique=False)


def downgrade() -> None:
    for name in (*LOWER, *PLAIN):
        op.drop_index(name, table_name="events")
