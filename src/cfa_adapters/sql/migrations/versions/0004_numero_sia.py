"""A file carries its contract's SIA number when the public sector registered it.

Adds ``actions.numero_sia`` (nullable: a file has a DECA number, an SIA number or, until
the contract is registered, neither) and its index, for the search's "N° DECA ou SIA"
field, which looks in both columns.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("actions", sa.Column("numero_sia", sa.String(length=15), nullable=True))
    op.create_index(op.f("ix_actions_numero_sia"), "actions", ["numero_sia"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_actions_numero_sia"), table_name="actions")
    op.drop_column("actions", "numero_sia")
