"""Sort the files search by action number as users read it (``999`` before ``1000``).

Adds ``actions.numero_tri``, the action number left-padded with zeros to 20 characters
(:func:`cfa_domain.action.cle_tri_numero_action`, which the adapter writes with every
file), computes it for the files already stored, and adds the index
``(siret_cfa, numero_tri, numero_action)`` that serves the search's order.

SQLite cannot make an existing column NOT NULL without rebuilding the table, and a
rebuild drops ``actions``, which the foreign keys of the requests and of the history
(``ON DELETE CASCADE``) forbid while ``PRAGMA foreign_keys`` is on. So on SQLite the
column is added NOT NULL with an empty default, then filled; PostgreSQL adds it
nullable, fills it, then sets it NOT NULL. The adapter never relies on the default.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_LONGUEUR = 20


def upgrade() -> None:
    """Apply this revision."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "actions",
        sa.Column(
            "numero_tri",
            sa.String(length=_LONGUEUR),
            nullable=not sqlite,
            server_default="" if sqlite else None,
        ),
    )
    numero = sa.column("numero_action", sa.String(_LONGUEUR))
    # The last 20 characters of twenty zeros followed by the number, in SQL both engines
    # run (SQLite has no lpad).
    cle = sa.func.substr(sa.literal("0" * _LONGUEUR) + numero, sa.func.length(numero) + 1)
    op.execute(sa.table("actions", numero, sa.column("numero_tri")).update().values(numero_tri=cle))
    if not sqlite:
        op.alter_column(
            "actions", "numero_tri", existing_type=sa.String(length=_LONGUEUR), nullable=False
        )
    op.create_index(
        op.f("ix_actions_siret_cfa_numero_tri_numero_action"),
        "actions",
        ["siret_cfa", "numero_tri", "numero_action"],
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_actions_siret_cfa_numero_tri_numero_action"), table_name="actions")
    op.drop_column("actions", "numero_tri")
