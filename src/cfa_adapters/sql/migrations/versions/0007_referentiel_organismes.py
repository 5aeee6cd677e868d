"""Known organismes come from the feed; a quarantined record can be settled.

Adds to ``organismes`` the version of the OPCO's data the feed last applied, its
fingerprint and the addresses it put on file (``referentiel_version``,
``referentiel_empreinte``, ``referentiel_emails``: NULL for an organisme the feed never
described), and ``quarantaine_flux.regle_le``, when a person settled a quarantined record
by replaying it (NULL: it still awaits). Every column is nullable, so SQLite adds them
without rebuilding a table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cfa_adapters.sql.colonnes import Horodatage

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("organismes", sa.Column("referentiel_version", sa.BigInteger(), nullable=True))
    op.add_column(
        "organismes", sa.Column("referentiel_empreinte", sa.String(length=64), nullable=True)
    )
    op.add_column("organismes", sa.Column("referentiel_emails", sa.JSON(), nullable=True))
    op.add_column("quarantaine_flux", sa.Column("regle_le", Horodatage(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("quarantaine_flux", "regle_le")
    op.drop_column("organismes", "referentiel_emails")
    op.drop_column("organismes", "referentiel_empreinte")
    op.drop_column("organismes", "referentiel_version")
