"""The back office: discarded feed records, the log of the feed's runs, the agents' search.

Adds to ``quarantaine_flux`` who discarded a record and why (``ecarte_par``,
``motif_ecart``: NULL for a record still waiting or settled by a replay; ``regle_le``
says when), and the table ``passages_flux``: one row per run of the feed from a source
(when it started and ended, what it created, updated, left unchanged or quarantined, its
cursor, and why it stopped early when it did: its counts are NULL then). The new columns
are nullable, so SQLite adds them without rebuilding a table. An index on ``actions``
(``numero_tri``, ``numero_action``) serves the agents' search across every organisme in the
portal's order.

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cfa_adapters.sql.colonnes import Horodatage

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("quarantaine_flux", sa.Column("ecarte_par", sa.String(255), nullable=True))
    op.add_column("quarantaine_flux", sa.Column("motif_ecart", sa.Text(), nullable=True))
    op.create_table(
        "passages_flux",
        sa.Column(
            "rang",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("debut", Horodatage(), nullable=False),
        sa.Column("fin", Horodatage(), nullable=False),
        sa.Column("crees", sa.Integer(), nullable=True),
        sa.Column("mis_a_jour", sa.Integer(), nullable=True),
        sa.Column("inchanges", sa.Integer(), nullable=True),
        sa.Column("rejetes", sa.Integer(), nullable=True),
        sa.Column("curseur", sa.String(255), nullable=True),
        sa.Column("erreur", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("rang", name=op.f("pk_passages_flux")),
    )
    op.create_index(
        op.f("ix_actions_numero_tri_numero_action"), "actions", ["numero_tri", "numero_action"]
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_actions_numero_tri_numero_action"), table_name="actions")
    op.drop_table("passages_flux")
    op.drop_column("quarantaine_flux", "motif_ecart")
    op.drop_column("quarantaine_flux", "ecarte_par")
