"""A login email changes once the new address is proven: the link carries that address.

*Mon compte*'s email change no longer switches at once: it mails a link to the new
address, and following it makes the change (``TypeJeton.CHANGEMENT_EMAIL``). The link's
row in ``jetons`` keeps the address it confirms (``email``, NULL for the other links).
A nullable column: SQLite adds it without rebuilding the table.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("jetons", sa.Column("email", sa.String(length=255), nullable=True))


def downgrade() -> None:
    """Revert this revision (pending email-change links die: their address goes)."""
    op.execute("DELETE FROM jetons WHERE type = 'changement_email'")
    op.drop_column("jetons", "email")
