"""The web portal's shared state: server-side sessions and throttling counters.

``sessions_web`` holds each session's opaque value and its expiry (indexed: the purge
deletes by it); ``limites_web`` holds a counter per throttled key, the hits of its
current window and when that window opened. Both are new tables: nothing stored before
is touched.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cfa_adapters.sql.colonnes import Horodatage

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "sessions_web",
        sa.Column("cle", sa.String(length=128), nullable=False),
        sa.Column("valeur", sa.LargeBinary(), nullable=False),
        sa.Column("expire_le", Horodatage(), nullable=True),
        sa.PrimaryKeyConstraint("cle", name=op.f("pk_sessions_web")),
    )
    op.create_index(op.f("ix_sessions_web_expire_le"), "sessions_web", ["expire_le"])
    op.create_table(
        "limites_web",
        sa.Column("cle", sa.String(length=200), nullable=False),
        sa.Column("compte", sa.Integer(), nullable=False),
        sa.Column("debut", Horodatage(), nullable=False),
        sa.PrimaryKeyConstraint("cle", name=op.f("pk_limites_web")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("limites_web")
    op.drop_index(op.f("ix_sessions_web_expire_le"), table_name="sessions_web")
    op.drop_table("sessions_web")
