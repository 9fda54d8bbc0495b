"""Initial schema: documents, provenance, dedup, knowledge base, extractions, analysis, full-text index.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from alembic import op

from khabar.store import fulltext
from khabar.store.schema import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind)
    fulltext.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    fulltext.drop(bind)
    metadata.drop_all(bind)
