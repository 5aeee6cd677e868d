"""The list sorted on a computed column reads its page from an index.

The portal's list (and the API's, the back office's) can be sorted on the state, the
CFA's name, the DECA or SIA number, the budget, the pedagogical and annex costs and the
total reimbursed. Each of these orders was computed for every file of the visible CFAs
at each page (20 000 files read and sorted for a large organisme). This revision stores
each sort key in ``actions`` and indexes it as ``(siret_cfa, key, numero_tri,
numero_action)``, so that a page's action numbers come from the index, as for the
default order (revision 0002):

- ``tri_etat`` (the state's rank in ``ORDRE_ETATS``, by French label), ``tri_deca_sia``
  (``coalesce(numero_deca, numero_sia, '')``), ``tri_budget`` and ``tri_annexes`` (sums
  rounded to the cent) are generated columns: the database computes them from the row
  itself at every write. SQLite can only add a VIRTUAL one to an existing table (its
  index stores the value); PostgreSQL before 18 knows only STORED ones.
- ``tri_cfa`` (the CFA's ``raison_sociale``, or its SIRET when it has no sheet) and
  ``tri_rembourse`` (the total of the paid requests, RQTH uplift included) depend on
  other tables: triggers keep them, on ``actions`` (a file created or moved to another
  CFA), ``organismes`` (a sheet created, renamed or removed) and ``demandes`` (a request
  paid, changed or removed), whatever writes the rows. SQLite recomputes the file's
  total (one writer at a time); PostgreSQL adds the difference (``total + new - old``),
  which stays right when two transactions pay two requests of the same file at once.
- The pedagogical costs are a column already: only the index is new.

The texts are PostgreSQL ``"C"``-collated, as the search compared them before (code
points, as Python and SQLite). The existing files get their keys here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from cfa_adapters.sql.colonnes import SommeArgent

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Frozen here as this revision writes them (tables.py builds the same texts from the code).
_ETAT = (
    "CASE etat WHEN 'annule' THEN 0 WHEN 'en_attente' THEN 1 WHEN 'en_cours' THEN 2 "
    "WHEN 'en_instruction' THEN 3 WHEN 'recu' THEN 4 WHEN 'refuse' THEN 5 "
    "WHEN 'rompu' THEN 6 WHEN 'solde' THEN 7 WHEN 'supprime' THEN 8 END"
)
_BUDGET = (
    "round(frais_pedagogiques + majoration_handicap"
    " + hebergement + mobilite + transport + frais_divers, 2)"
)
_GENEREES = (
    ("tri_etat", sa.SmallInteger(), _ETAT),
    ("tri_deca_sia", None, "coalesce(numero_deca, numero_sia, '')"),
    ("tri_budget", SommeArgent(), _BUDGET),
    ("tri_annexes", SommeArgent(), "round(hebergement + mobilite + transport + frais_divers, 2)"),
)
_CLES = (
    "tri_etat",
    "tri_cfa",
    "tri_deca_sia",
    "tri_budget",
    "frais_pedagogiques",
    "tri_annexes",
    "tri_rembourse",
)

_REMPLIR_TRI_CFA = """
UPDATE actions SET tri_cfa = coalesce(
    (SELECT o.raison_sociale FROM organismes o WHERE o.siret = actions.siret_cfa), siret_cfa)
"""
_REMPLIR_TRI_REMBOURSE = """
UPDATE actions SET tri_rembourse = (
    SELECT {somme}
    FROM demandes d WHERE d.numero_action = actions.numero_action AND d.etat = 'payee')
WHERE numero_action IN (SELECT numero_action FROM demandes WHERE etat = 'payee')
"""
_SOMME = (
    "coalesce(sum(d.frais_pedagogiques + d.repas_nuitees + d.frais_divers"
    " + d.mobilite_internationale + d.majoration_handicap), 0)"
)

# SQLite: the file's total paid, recomputed (one writer at a time), as the search did.
_TOTAL_SQLITE = """
    UPDATE actions SET tri_rembourse = (
        SELECT round(coalesce(sum(d.frais_pedagogiques + d.repas_nuitees + d.frais_divers
            + d.mobilite_internationale + d.majoration_handicap), 0), 2)
        FROM demandes d WHERE d.numero_action = {0}.numero_action AND d.etat = 'payee')
    WHERE numero_action = {0}.numero_action;
"""
_DECLENCHEURS_SQLITE = (
    # A file created or moved to another CFA takes the CFA's name.
    """
CREATE TRIGGER tr_actions_tri_cfa_creation AFTER INSERT ON actions BEGIN
    UPDATE actions SET tri_cfa = coalesce(
        (SELECT o.raison_sociale FROM organismes o WHERE o.siret = NEW.siret_cfa),
        NEW.siret_cfa)
    WHERE numero_action = NEW.numero_action;
END
""",
    """
CREATE TRIGGER tr_actions_tri_cfa_cfa AFTER UPDATE OF siret_cfa ON actions BEGIN
    UPDATE actions SET tri_cfa = coalesce(
        (SELECT o.raison_sociale FROM organismes o WHERE o.siret = NEW.siret_cfa),
        NEW.siret_cfa)
    WHERE numero_action = NEW.numero_action;
END
""",
    # A sheet created, renamed or removed renames its CFA's files.
    """
CREATE TRIGGER tr_organismes_tri_cfa_creation AFTER INSERT ON organismes BEGIN
    UPDATE actions SET tri_cfa = NEW.raison_sociale WHERE siret_cfa = NEW.siret;
END
""",
    """
CREATE TRIGGER tr_organismes_tri_cfa_nom AFTER UPDATE OF siret, raison_sociale ON organismes
WHEN NEW.raison_sociale IS NOT OLD.raison_sociale OR NEW.siret IS NOT OLD.siret BEGIN
    UPDATE actions SET tri_cfa = siret_cfa WHERE siret_cfa = OLD.siret;
    UPDATE actions SET tri_cfa = NEW.raison_sociale WHERE siret_cfa = NEW.siret;
END
""",
    """
CREATE TRIGGER tr_organismes_tri_cfa_retrait AFTER DELETE ON organismes BEGIN
    UPDATE actions SET tri_cfa = siret_cfa WHERE siret_cfa = OLD.siret;
END
""",
    # A request paid, changed or removed: its file's total paid, recomputed.
    (
        "CREATE TRIGGER tr_demandes_tri_rembourse_creation AFTER INSERT ON demandes"
        " WHEN NEW.etat = 'payee' BEGIN" + _TOTAL_SQLITE.format("NEW") + "END"
    ),
    (
        "CREATE TRIGGER tr_demandes_tri_rembourse_modification AFTER UPDATE ON demandes"
        " WHEN NEW.etat = 'payee' OR OLD.etat = 'payee' BEGIN"
        + _TOTAL_SQLITE.format("OLD")
        + _TOTAL_SQLITE.format("NEW")
        + "END"
    ),
    (
        "CREATE TRIGGER tr_demandes_tri_rembourse_retrait AFTER DELETE ON demandes"
        " WHEN OLD.etat = 'payee' BEGIN" + _TOTAL_SQLITE.format("OLD") + "END"
    ),
)

_DECLENCHEURS_POSTGRESQL = (
    # A file created or moved to another CFA takes the CFA's name (before it is written).
    """
CREATE OR REPLACE FUNCTION actions_tri_cfa() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.tri_cfa := coalesce(
        (SELECT o.raison_sociale FROM organismes o WHERE o.siret = NEW.siret_cfa),
        NEW.siret_cfa);
    RETURN NEW;
END $$
""",
    """
CREATE TRIGGER tr_actions_tri_cfa BEFORE INSERT OR UPDATE OF siret_cfa ON actions
FOR EACH ROW EXECUTE FUNCTION actions_tri_cfa()
""",
    # A sheet created, renamed or removed renames its CFA's files.
    """
CREATE OR REPLACE FUNCTION organismes_tri_cfa() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.siret <> NEW.siret) THEN
        UPDATE actions SET tri_cfa = siret_cfa WHERE siret_cfa = OLD.siret;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE actions SET tri_cfa = NEW.raison_sociale
        WHERE siret_cfa = NEW.siret AND tri_cfa IS DISTINCT FROM NEW.raison_sociale;
    END IF;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER tr_organismes_tri_cfa
AFTER INSERT OR DELETE OR UPDATE OF siret, raison_sociale ON organismes
FOR EACH ROW EXECUTE FUNCTION organismes_tri_cfa()
""",
    # A request paid, changed or removed: the difference it makes to its file's total
    # (right when two transactions pay two requests of one file at once).
    """
CREATE OR REPLACE FUNCTION demandes_tri_rembourse() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    avant numeric := 0;
    apres numeric := 0;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.etat = 'payee' THEN
        avant := OLD.frais_pedagogiques + OLD.repas_nuitees + OLD.frais_divers
            + OLD.mobilite_internationale + OLD.majoration_handicap;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.etat = 'payee' THEN
        apres := NEW.frais_pedagogiques + NEW.repas_nuitees + NEW.frais_divers
            + NEW.mobilite_internationale + NEW.majoration_handicap;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.numero_action = NEW.numero_action THEN
        IF apres <> avant THEN
            UPDATE actions SET tri_rembourse = tri_rembourse + apres - avant
            WHERE numero_action = NEW.numero_action;
        END IF;
    ELSE
        IF avant <> 0 THEN
            UPDATE actions SET tri_rembourse = tri_rembourse - avant
            WHERE numero_action = OLD.numero_action;
        END IF;
        IF apres <> 0 THEN
            UPDATE actions SET tri_rembourse = tri_rembourse + apres
            WHERE numero_action = NEW.numero_action;
        END IF;
    END IF;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER tr_demandes_tri_rembourse AFTER INSERT OR UPDATE OR DELETE ON demandes
FOR EACH ROW EXECUTE FUNCTION demandes_tri_rembourse()
""",
)
_FONCTIONS_POSTGRESQL = (
    ("tr_actions_tri_cfa", "actions", "actions_tri_cfa"),
    ("tr_organismes_tri_cfa", "organismes", "organismes_tri_cfa"),
    ("tr_demandes_tri_rembourse", "demandes", "demandes_tri_rembourse"),
)


def _texte_binaire(longueur: int) -> sa.types.TypeEngine[str]:
    """Text in code-point order: ``COLLATE "C"`` on PostgreSQL (SQLite's default)."""
    return sa.String(longueur).with_variant(
        postgresql.VARCHAR(longueur, collation="C"), "postgresql"
    )


def upgrade() -> None:
    """Apply this revision."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for nom, genre, expression in _GENEREES:
        type_ = genre if genre is not None else _texte_binaire(15)
        # SQLite adds only VIRTUAL generated columns; PostgreSQL < 18 has only STORED ones.
        calcul = sa.Computed(expression, persisted=not sqlite)
        op.add_column("actions", sa.Column(nom, type_, calcul, nullable=True))
    op.add_column("actions", sa.Column("tri_cfa", _texte_binaire(255), nullable=True))
    op.add_column(
        "actions", sa.Column("tri_rembourse", SommeArgent(), nullable=False, server_default="0")
    )
    op.execute(_REMPLIR_TRI_CFA)
    somme = f"round({_SOMME}, 2)" if sqlite else _SOMME
    op.execute(_REMPLIR_TRI_REMBOURSE.format(somme=somme))
    for instruction in _DECLENCHEURS_SQLITE if sqlite else _DECLENCHEURS_POSTGRESQL:
        op.execute(instruction)
    for cle in _CLES:
        op.create_index(
            op.f(f"ix_actions_siret_cfa_{cle}"),
            "actions",
            ["siret_cfa", cle, "numero_tri", "numero_action"],
        )


def downgrade() -> None:
    """Revert this revision."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for cle in _CLES:
        op.drop_index(op.f(f"ix_actions_siret_cfa_{cle}"), table_name="actions")
    if sqlite:
        for instruction in _DECLENCHEURS_SQLITE:
            op.execute(f"DROP TRIGGER {instruction.split()[2]}")
    else:
        for declencheur, table, fonction in _FONCTIONS_POSTGRESQL:
            op.execute(f"DROP TRIGGER {declencheur} ON {table}")
            op.execute(f"DROP FUNCTION {fonction}()")
    for nom in ("tri_rembourse", "tri_cfa", *(nom for nom, _g, _e in reversed(_GENEREES))):
        op.drop_column("actions", nom)
