"""The mail relay: outbox states, claims, and every delivery attempt.

``outbox`` gains ``etat`` (``a_envoyer``, ``envoye``, ``echec``), the claim of a relay
(``reserve_par``, ``reserve_jusqu_au``) and an index on ``(etat, rang)`` replacing the one
on ``(envoye_le, rang)``; ``outbox_tentatives`` records each attempt with its result and
the server's answer.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cfa_adapters.sql.colonnes import Horodatage

RANG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("outbox") as table:
        table.add_column(
            sa.Column("etat", sa.String(length=20), nullable=False, server_default="a_envoyer")
        )
        table.add_column(sa.Column("reserve_par", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("reserve_jusqu_au", Horodatage(), nullable=True))
        table.drop_index("ix_outbox_envoye_le_rang")
        table.create_index("ix_outbox_etat_rang", ["etat", "rang"])
    op.execute("UPDATE outbox SET etat = 'envoye' WHERE envoye_le IS NOT NULL")
    op.create_table(
        "outbox_tentatives",
        sa.Column("rang", RANG, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("numero", sa.Integer(), nullable=False),
        sa.Column("relais", sa.String(length=64), nullable=False),
        sa.Column("debut", Horodatage(), nullable=False),
        sa.Column("fin", Horodatage(), nullable=False),
        sa.Column("resultat", sa.String(length=20), nullable=False),
        sa.Column("code", sa.Integer(), nullable=True),
        sa.Column("erreur", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox.id"],
            name=op.f("fk_outbox_tentatives_message_id_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rang", name=op.f("pk_outbox_tentatives")),
        sa.UniqueConstraint(
            "message_id", "numero", name=op.f("uq_outbox_tentatives_message_id_numero")
        ),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("outbox_tentatives")
    with op.batch_alter_table("outbox") as table:
        table.drop_index("ix_outbox_etat_rang")
        table.create_index("ix_outbox_envoye_le_rang", ["envoye_le", "rang"])
        table.drop_column("reserve_jusqu_au")
        table.drop_column("reserve_par")
        table.drop_column("etat")
