"""Apprentices with a disability (RQTH) and the "majoration handicap" budget line.

Adds ``actions.apprenti_rqth`` (the flag), ``actions.majoration_handicap`` (the engaged
uplift, article D6332-82) and ``demandes.majoration_handicap`` (the request line). Files
and requests stored before have no RQTH and no uplift: the columns are added NOT NULL
with the defaults false and 0, which SQLite's ``ALTER TABLE ... ADD COLUMN`` accepts
without rebuilding tables that foreign keys reference.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cfa_adapters.sql.colonnes import Argent

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(
        "actions",
        sa.Column("apprenti_rqth", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "actions", sa.Column("majoration_handicap", Argent(), nullable=False, server_default="0")
    )
    op.add_column(
        "demandes", sa.Column("majoration_handicap", Argent(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("demandes", "majoration_handicap")
    op.drop_column("actions", "majoration_handicap")
    op.drop_column("actions", "apprenti_rqth")
