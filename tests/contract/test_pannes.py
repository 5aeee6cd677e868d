"""Infrastructure failures reach callers as ServiceIndisponible, on SQLite and PostgreSQL.

Each fault is real: a PostgreSQL backend killed by ``pg_terminate_backend``, a row lock
held past ``lock_timeout``, a SQLite database locked past its busy timeout, opened read
only, full (``max_page_count``), its connection closed under the unit of work, a file
that cannot be opened, a pool with no free connection. None is the user's doing, so
none is a ``Conflit`` or a ``DonneeInvalide``; the unit of work still leaves its block
cleanly, and the next one works once the fault is gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.uow import SqlUnitOfWork
from cfa_domain.errors import Panne, ServiceIndisponible
from cfa_domain.testing.exemples import document

from .conftest import BASES_SQL
from .constructeurs import SIRET_A, SIRET_B, compte_actif, organisme

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterator
    from pathlib import Path

    from .conftest import Banc


# The fake has no infrastructure to fail: these cases run on the databases only.
SQL = pytest.mark.parametrize("banc", BASES_SQL, indirect=True)
SQLITE = pytest.mark.parametrize("banc", ["sqlite"], indirect=True)


def _moteur(banc: Banc, **options: Any) -> Iterator[sa.Engine]:
    assert banc.url is not None
    moteur = creer_moteur(banc.url, **(banc.options | options))
    try:
        yield moteur
    finally:
        moteur.dispose()


def _attendre_panne(uow: SqlUnitOfWork, panne: Panne) -> ServiceIndisponible:
    with pytest.raises(ServiceIndisponible) as erreur:
        uow.organismes.obtenir(SIRET_B)
    assert erreur.value.panne is panne
    assert erreur.value.code == "service_indisponible"
    assert erreur.value.message == (
        "Le service est temporairement indisponible : réessayez dans quelques instants."
    )
    assert isinstance(erreur.value.__cause__, sa.exc.SQLAlchemyError)
    return erreur.value


def _avec_organisme(banc: Banc) -> None:
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.commit()


@SQL
def test_connexion_perdue_en_cours_de_transaction(banc: Banc) -> None:
    """The server kills the connection (PG) or it is closed under the unit (SQLite)."""
    _avec_organisme(banc)
    assert banc.moteur is not None
    with SqlUnitOfWork(banc.moteur) as uow:
        assert uow.organismes.obtenir(SIRET_A) is not None
        if banc.nom == "postgresql":
            pid = uow.connexion().exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with banc.moteur.connect() as autre:
                autre.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        else:
            uow.connexion().connection.dbapi_connection.close()  # type: ignore[union-attr]
        _attendre_panne(uow, Panne.CONNEXION)
    with banc.uow() as uow:  # the pool gives a live connection again
        assert uow.organismes.obtenir(SIRET_A) is not None


@SQL
def test_verrou_attendu_trop_longtemps(banc: Banc) -> None:
    """A lock held by another unit past the wait allowed: PG lock_timeout, SQLite busy."""
    compte = compte_actif()
    with banc.uow() as uow:
        uow.comptes.ajouter(compte)
        uow.commit()
    if banc.nom == "postgresql":
        options = {
            "connect_args": {
                "options": banc.options["connect_args"]["options"] + " -clock_timeout=200"
            }
        }
    else:
        options = {}
    for moteur in _moteur(banc, **options):
        if banc.nom == "sqlite":
            sa.event.listen(
                moteur, "connect", lambda dbapi, _r: dbapi.execute("PRAGMA busy_timeout=200")
            )
        with banc.uow() as detenteur:
            assert detenteur.comptes.obtenir(compte.id) is not None  # row / database locked
            with SqlUnitOfWork(moteur) as uow, pytest.raises(ServiceIndisponible) as erreur:
                uow.comptes.obtenir(compte.id)
            assert erreur.value.panne is Panne.ATTENTE
        with SqlUnitOfWork(moteur) as uow:  # the lock is gone
            assert uow.comptes.obtenir(compte.id) is not None


@SQL
def test_aucune_connexion_libre(banc: Banc) -> None:
    """Every pooled connection is busy past the pool's timeout: saturation."""
    for moteur in _moteur(banc, pool_size=1, max_overflow=0, pool_timeout=0.1):
        with SqlUnitOfWork(moteur) as occupe:
            occupe.organismes.obtenir(SIRET_A)
            with pytest.raises(ServiceIndisponible) as erreur, SqlUnitOfWork(moteur):
                pass
            assert erreur.value.panne is Panne.SATURATION


@SQLITE
def test_sqlite_en_lecture_seule(banc: Banc) -> None:
    """A database file opened read-only (a full or protected volume) refuses writes."""
    _avec_organisme(banc)
    assert banc.moteur is not None
    chemin = banc.moteur.url.database
    moteur = creer_moteur(f"sqlite:///file:{chemin}?mode=ro&uri=true")
    try:
        with SqlUnitOfWork(moteur) as uow, pytest.raises(ServiceIndisponible) as erreur:
            uow.organismes.ajouter(organisme(SIRET_B))
        assert erreur.value.panne is Panne.LECTURE_SEULE
    finally:
        moteur.dispose()


@SQLITE
def test_sqlite_disque_plein(banc: Banc) -> None:
    """No page can be added to the file (SQLITE_FULL, as on a full disk)."""
    for moteur in _moteur(banc):

        @sa.event.listens_for(moteur, "connect")
        def _plein(dbapi: sqlite3.Connection, _record: object) -> None:
            pages = dbapi.execute("PRAGMA page_count").fetchone()[0]
            dbapi.execute(f"PRAGMA max_page_count={pages}")

        def remplir(uow: SqlUnitOfWork) -> None:
            for rang in range(1, 5000):
                uow.documents.ajouter(document(f"doc-{rang:06d}"))

        with SqlUnitOfWork(moteur) as uow, pytest.raises(ServiceIndisponible) as erreur:
            remplir(uow)
        assert erreur.value.panne is Panne.SATURATION


def test_sqlite_fichier_impossible_a_ouvrir(tmp_path: Path) -> None:
    """The database path is a directory: the unit of work cannot even connect."""
    (tmp_path / "base").mkdir()
    moteur = creer_moteur(f"sqlite:///{tmp_path / 'base'}")
    try:
        with pytest.raises(ServiceIndisponible) as erreur, SqlUnitOfWork(moteur):
            pass
        assert erreur.value.panne is Panne.CONNEXION
    finally:
        moteur.dispose()
