"""The migrations produce exactly the schema the tables declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from cfa_adapters.sql import tables
from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.schema import (
    configuration_alembic,
    mettre_a_jour_schema,
    ouvrir_base,
    revision_cible,
)
from cfa_adapters.sql.tables import metadata
from cfa_adapters.sql.traduction import action_vers_lignes

from .constructeurs import action as dossier

if TYPE_CHECKING:
    from pathlib import Path

    from .conftest import SchemaPostgresql


def _differences(moteur: sa.Engine) -> list[object]:
    with moteur.connect() as connexion:
        contexte = MigrationContext.configure(connexion, opts={"compare_type": True})
        return list(compare_metadata(contexte, metadata))


def test_sqlite_migre_egale_les_tables(tmp_path: Path) -> None:
    """On SQLite, Alembic finds no difference between the migrated base and the tables."""
    moteur = creer_moteur(f"sqlite:///{tmp_path / 'cfa.sqlite3'}")
    try:
        premiere = mettre_a_jour_schema(moteur)
        assert (premiere.avant, premiere.apres) == (None, revision_cible())
        assert not mettre_a_jour_schema(moteur).a_change
        assert _differences(moteur) == []
    finally:
        moteur.dispose()


def test_postgresql_migre_egale_les_tables(schema_postgresql: SchemaPostgresql) -> None:
    """On PostgreSQL, Alembic finds no difference between the migrated base and the tables."""
    moteur = creer_moteur(schema_postgresql.url, **schema_postgresql.options)
    try:
        assert not mettre_a_jour_schema(moteur).a_change
        assert _differences(moteur) == []
    finally:
        moteur.dispose()


def test_ouvrir_base_sqlite_se_met_a_jour(tmp_path: Path) -> None:
    """Opening the embedded SQLite base brings it to the latest revision by itself."""
    moteur = ouvrir_base(f"sqlite:///{tmp_path / 'var' / 'cfa.sqlite3'}")
    try:
        with moteur.connect() as connexion:
            revision = MigrationContext.configure(connexion).get_current_revision()
        assert revision == revision_cible()
    finally:
        moteur.dispose()


def test_0002_calcule_la_cle_de_tri_des_dossiers_deja_enregistres(base_vide: sa.Engine) -> None:
    """Files stored before revision 0002 get their sort key: the search reads 999 < 1000."""
    with base_vide.begin() as connexion:
        command.upgrade(configuration_alembic(connexion), "0001")
        table_0001 = sa.Table("actions", sa.MetaData(), autoload_with=connexion)
        for numero in ("999", "1000", "0999"):
            ligne = action_vers_lignes(dossier(numero)).principale
            connexion.execute(
                sa.insert(table_0001).values({c.name: ligne[c.name] for c in table_0001.c})
            )
    assert mettre_a_jour_schema(base_vide).avant == "0001"
    a = tables.actions
    with base_vide.connect() as connexion:
        lignes = connexion.execute(
            sa.select(a.c.numero_action, a.c.numero_tri).order_by(
                a.c.numero_tri.desc(), a.c.numero_action.desc()
            )
        ).all()
    assert [tuple(ligne) for ligne in lignes] == [
        ("1000", "00000000000000001000"),
        ("999", "00000000000000000999"),
        ("0999", "00000000000000000999"),
    ]
