"""The back office's queue of requests reads its pages from an index, however deep.

The queue lists the requests waiting for the OPCO (*soumise*, *en traitement*,
*validée*), oldest submitted first. With only ``(etat, soumise_le)``, a deep page sorted
the whole queue and read each waiting request's row for it (about 35 ms for the last of
730 pages on SQLite). This revision adds a partial index on ``(soumise_le, id)`` holding
the waiting requests only, whose order is the queue's: a page reads ten entries after
skipping the others in the index. The index on ``(etat, soumise_le)`` becomes
``(etat, soumise_le, id)``, which holds the tie-break as well, for the queue of one state.

The predicate names the states in the order the adapter writes them in its query (by
value), as SQLite uses a partial index only for a query whose ``WHERE`` repeats it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_EN_ATTENTE = sa.text("etat IN ('en_traitement', 'soumise', 'validee')")


def upgrade() -> None:
    """Apply this revision."""
    op.drop_index(op.f("ix_demandes_etat_soumise_le"), table_name="demandes")
    op.create_index(
        op.f("ix_demandes_etat_soumise_le_id"), "demandes", ["etat", "soumise_le", "id"]
    )
    op.create_index(
        "ix_demandes_file_attente",
        "demandes",
        ["soumise_le", "id"],
        sqlite_where=_EN_ATTENTE,
        postgresql_where=_EN_ATTENTE,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_demandes_file_attente", table_name="demandes")
    op.drop_index(op.f("ix_demandes_etat_soumise_le_id"), table_name="demandes")
    op.create_index(op.f("ix_demandes_etat_soumise_le"), "demandes", ["etat", "soumise_le"])
