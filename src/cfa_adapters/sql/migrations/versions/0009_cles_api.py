"""API keys of the organismes (the JSON API under ``/api/v1``).

``cles_api`` holds each key's id (the lookup part of the key), its organisme, the account
it acts as, its name, the SHA-256 fingerprint of its secret (never the secret), its
status, creation, last use and expiry (NULL: until revoked); ``historique_cles_api`` its
status history (created, revoked). Both are new tables: nothing stored before is touched.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cfa_adapters.sql.colonnes import Horodatage

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "cles_api",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("siret_organisme", sa.String(length=14), nullable=False),
        sa.Column("compte_id", sa.Uuid(), nullable=False),
        sa.Column("nom", sa.String(length=255), nullable=False),
        sa.Column("empreinte", sa.String(length=64), nullable=False),
        sa.Column("statut", sa.String(length=30), nullable=False),
        sa.Column("cree_le", Horodatage(), nullable=False),
        sa.Column("derniere_utilisation", Horodatage(), nullable=True),
        sa.Column("expire_le", Horodatage(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cles_api")),
    )
    op.create_index(
        op.f("ix_cles_api_siret_organisme_cree_le"), "cles_api", ["siret_organisme", "cree_le"]
    )
    op.create_table(
        "historique_cles_api",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("rang", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("quand", Horodatage(), nullable=False),
        sa.Column("par", sa.String(length=255), nullable=False),
        sa.Column("depart", sa.String(length=30), nullable=True),
        sa.Column("arrivee", sa.String(length=30), nullable=False),
        sa.Column("motif", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["id"],
            ["cles_api.id"],
            name=op.f("fk_historique_cles_api_id_cles_api"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", "rang", name=op.f("pk_historique_cles_api")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("historique_cles_api")
    op.drop_index(op.f("ix_cles_api_siret_organisme_cree_le"), table_name="cles_api")
    op.drop_table("cles_api")
