"""Bringing a database's schema up to date with the migrations shipped in the package.

:func:`mettre_a_jour_schema` runs Alembic programmatically: the configuration is built in
code (:func:`configuration_alembic`), so neither an ``alembic.ini`` nor the source tree is
needed on the server. The whole upgrade runs in one transaction (both engines have
transactional DDL), under a lock: SQLite's ``BEGIN IMMEDIATE``, and on PostgreSQL an
advisory lock, so that two processes starting at once do not both create the tables.

:func:`ouvrir_base` is what the app and the CLI call: it creates the engine and, for the
embedded SQLite database, upgrades it on the spot. A PostgreSQL database is upgraded by
its operator (``python -m cfa_adapters.sql upgrade``), at deployment time.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from cfa_adapters.sql.moteur import creer_moteur

__all__ = [
    "MiseAJour",
    "configuration_alembic",
    "mettre_a_jour_schema",
    "ouvrir_base",
    "revision_cible",
]

DOSSIER_MIGRATIONS = Path(__file__).parent / "migrations"
_VERROU_POSTGRESQL = 0x0CFA_5C4E  # any constant: the advisory lock guarding upgrades


@attrs.frozen
class MiseAJour:
    """What an upgrade did: the revision before (None for an empty base) and after."""

    avant: str | None
    apres: str | None

    @property
    def a_change(self) -> bool:
        """True when migrations were applied."""
        return self.avant != self.apres

    def __str__(self) -> str:
        """A French sentence for the CLI."""
        if not self.a_change:
            return f"Schéma déjà à jour (révision {self.apres})."
        return f"Schéma mis à jour : révision {self.avant or 'aucune (base vide)'} → {self.apres}."


def configuration_alembic(connexion: sa.Connection | None = None, url: str | None = None) -> Config:
    """An Alembic configuration pointing at the shipped migrations (no ini file)."""
    config = Config()
    config.set_main_option("script_location", str(DOSSIER_MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connexion
    return config


def revision_cible() -> str | None:
    """The head revision of the shipped migrations."""
    return ScriptDirectory.from_config(configuration_alembic()).get_current_head()


def mettre_a_jour_schema(moteur_ou_url: sa.Engine | str | None = None) -> MiseAJour:
    """Upgrade the database to the head revision; return what was done.

    ``moteur_ou_url`` is an engine, a URL, or None for ``CFA_DATABASE_URL`` (or the
    embedded SQLite file).
    """
    moteur = moteur_ou_url if isinstance(moteur_ou_url, sa.Engine) else creer_moteur(moteur_ou_url)
    try:
        with moteur.begin() as connexion:
            if connexion.dialect.name == "postgresql":
                connexion.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:cle)"), {"cle": _VERROU_POSTGRESQL}
                )
            avant = MigrationContext.configure(connexion).get_current_revision()
            command.upgrade(configuration_alembic(connexion), "head")
            apres = MigrationContext.configure(connexion).get_current_revision()
    finally:
        if moteur is not moteur_ou_url:
            moteur.dispose()
    return MiseAJour(avant, apres)


def ouvrir_base(url: str | None = None, *, mettre_a_jour: bool | None = None) -> sa.Engine:
    """Create the engine for ``url``; bring the schema up to date if it is SQLite.

    ``mettre_a_jour`` forces (True) or prevents (False) the upgrade whatever the engine.
    """
    moteur = creer_moteur(url)
    if mettre_a_jour or (mettre_a_jour is None and moteur.dialect.name == "sqlite"):
        mettre_a_jour_schema(moteur)
    return moteur
