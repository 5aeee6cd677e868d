"""Contract of read-only units of work (``uow(lecture_seule=True)``), on every backend.

A read-only unit reads the committed state without taking or waiting for any lock, and
refuses to write: adding anything, committing a change to what it loaded, writing the
feed's journal. The refusal is a programming error (``EcritureEnLectureSeule``), and
nothing of it reaches the database.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from cfa_adapters.sql.uow import SqlUnitOfWork
from cfa_adapters.sql.uow import _traduire as traduire
from cfa_domain.errors import Panne, ServiceIndisponible
from cfa_domain.ports import EcritureEnLectureSeule, EnregistrementRejete, MotifRejet
from cfa_domain.testing.exemples import document, message

from .conftest import BASES_SQL
from .constructeurs import SIRET_A, SIRET_B, compte_actif, instant, organisme
from .constructeurs import action as dossier

if TYPE_CHECKING:
    from .conftest import Banc


def _avec_organisme(banc: Banc) -> None:
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.actions.ajouter(dossier())
        uow.commit()


def test_une_unite_en_lecture_seule_lit_l_etat_valide(banc: Banc) -> None:
    """It sees what was committed, through every kind of query."""
    _avec_organisme(banc)
    with banc.uow(lecture_seule=True) as uow:
        trouve = uow.organismes.obtenir(SIRET_A)
        assert trouve is not None
        assert trouve.siret == SIRET_A
        assert uow.actions.obtenir_pour_mise_a_jour("2011303654") is not None  # no lock taken
        assert uow.comptes.par_email(compte_actif().email) is None
        uow.commit()  # ends the transaction, writes nothing


@pytest.mark.parametrize(
    "ecrire",
    [
        lambda uow: uow.organismes.ajouter(organisme(SIRET_B)),
        lambda uow: uow.comptes.ajouter(compte_actif()),
        lambda uow: uow.actions.ajouter(dossier("2011300002")),
        lambda uow: uow.documents.ajouter(document()),
        lambda uow: uow.outbox.ajouter(message()),
        lambda uow: uow.quarantaine.avancer("webservice", "42"),
        lambda uow: uow.quarantaine.ajouter(
            EnregistrementRejete(
                cle="x@1", brut="{}", motif=MotifRejet.ILLISIBLE, detail="?", rejete_le=instant(0)
            )
        ),
    ],
    ids=["organisme", "compte", "dossier", "document", "outbox", "curseur", "quarantaine"],
)
def test_ajouter_est_refuse(banc: Banc, ecrire: object) -> None:
    """Adding anything raises at once; the database holds nothing of it."""
    _avec_organisme(banc)
    with banc.uow(lecture_seule=True) as uow, pytest.raises(EcritureEnLectureSeule):
        ecrire(uow)  # type: ignore[operator]
    with banc.uow() as uow:
        assert uow.organismes.obtenir(SIRET_B) is None
        assert uow.actions.obtenir("2011300002") is None
        assert uow.quarantaine.curseur("webservice") is None
        assert list(uow.quarantaine.lister()) == []
    assert list(banc.messages()) == []


def test_valider_un_changement_est_refuse(banc: Banc) -> None:
    """Changing a loaded aggregate, then committing (or querying), raises; nothing is kept."""
    _avec_organisme(banc)
    with banc.uow(lecture_seule=True) as uow:
        action = uow.actions.obtenir("2011303654")
        assert action is not None
        action.rompre(dt.date(2024, 12, 31), auteur="Webservice", quand=instant(1), motif="x")
        with pytest.raises(EcritureEnLectureSeule):
            uow.commit()
    with banc.uow() as uow:
        relue = uow.actions.obtenir("2011303654")
        assert relue is not None
        assert relue.date_rupture is None


# The fake serialises its units by a reentrant lock: on one thread, nothing waits there.
@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)
def test_une_lecture_n_attend_pas_l_ecrivain(banc: Banc) -> None:
    """A reader does not wait for a writer holding its locks, and sees the committed state.

    SQLite: the writer holds the database's write lock; PostgreSQL: the file's row lock.
    """
    _avec_organisme(banc)
    with banc.uow() as ecrivain:
        verrouillee = ecrivain.actions.obtenir_pour_mise_a_jour("2011303654")
        assert verrouillee is not None
        ecrivain.organismes.ajouter(organisme(SIRET_B))  # holds the write lock from here
        with banc.uow(lecture_seule=True) as lecteur:
            assert lecteur.organismes.obtenir(SIRET_B) is None
            relue = lecteur.actions.obtenir_pour_mise_a_jour("2011303654")
            assert relue is not None
        ecrivain.commit()
    with banc.uow(lecture_seule=True) as lecteur:
        assert lecteur.organismes.obtenir(SIRET_B) is not None


@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)  # the fake has no base below
def test_la_base_elle_meme_refuse_l_ecriture(banc: Banc) -> None:
    """Below the unit's own guard, the database refuses writes in a read-only transaction.

    SQLite (``PRAGMA query_only``) and PostgreSQL (``READ ONLY``) both do; the unit of
    work's translation makes it ServiceIndisponible(LECTURE_SEULE), and the next writing
    unit on the same pooled connection writes normally.
    """
    assert banc.moteur is not None
    _avec_organisme(banc)
    with SqlUnitOfWork(banc.moteur, lecture_seule=True) as uow:
        with pytest.raises(sa.exc.DBAPIError) as erreur:
            uow.connexion().exec_driver_sql("DELETE FROM organismes")
        traduite = traduire(erreur.value, None)
        assert isinstance(traduite, ServiceIndisponible)
        assert traduite.panne is Panne.LECTURE_SEULE
    with SqlUnitOfWork(banc.moteur) as uow:
        uow.organismes.ajouter(organisme(SIRET_B))
        uow.commit()
    with SqlUnitOfWork(banc.moteur, lecture_seule=True) as uow:
        assert uow.organismes.obtenir(SIRET_A) is not None
        assert uow.organismes.obtenir(SIRET_B) is not None
