"""A paid request keeps its payment's details; the back office's queue reads by state.

Adds to ``demandes`` the day, amount and reference of the payment an agent recorded
(``paye_le``, ``montant_paye``, ``reference_paiement``: NULL until then, and for the
requests paid before this revision), and an index on ``(etat, soumise_le)`` for the queue
of requests waiting for the OPCO, oldest first. Every column is nullable, so SQLite adds
them without rebuilding a table.

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cfa_adapters.sql.colonnes import Argent

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("demandes", sa.Column("paye_le", sa.Date(), nullable=True))
    op.add_column("demandes", sa.Column("montant_paye", Argent(), nullable=True))
    op.add_column("demandes", sa.Column("reference_paiement", sa.String(length=255), nullable=True))
    op.create_index(op.f("ix_demandes_etat_soumise_le"), "demandes", ["etat", "soumise_le"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_demandes_etat_soumise_le"), table_name="demandes")
    op.drop_column("demandes", "reference_paiement")
    op.drop_column("demandes", "montant_paye")
    op.drop_column("demandes", "paye_le")
