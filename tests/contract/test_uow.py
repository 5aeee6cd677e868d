"""Contract of the UnitOfWork: commit, rollback, atomicity, on every backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cfa_domain.action import EtatDossier
from cfa_domain.values import Montant

from .constructeurs import SIRET_A, document, instant, message, organisme, soumettre
from .constructeurs import action as dossier

if TYPE_CHECKING:
    from .conftest import Banc


class PanneInjectee(Exception):
    """Stands for any failure in the middle of a use case."""


def _avec_dossier(banc: Banc) -> None:
    with banc.uow() as uow:
        uow.actions.ajouter(dossier("1000"))
        uow.commit()


def test_sans_commit_rien_n_est_ecrit(banc: Banc) -> None:
    """Leaving the block without commit writes nothing."""
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
    with banc.uow() as uow:
        assert uow.organismes.obtenir(SIRET_A) is None


def _cas_d_usage_en_panne(banc: Banc) -> None:
    """A use case writing everything it writes, then failing before its commit."""
    with banc.uow() as uow:
        action = uow.actions.obtenir_pour_mise_a_jour("1000")
        assert action is not None
        demande = soumettre(action, [], Montant(100))
        uow.demandes.ajouter(demande)
        action.rompre(instant(0).date(), auteur="conseiller", quand=instant(1), motif="démission")
        uow.documents.ajouter(document())
        uow.outbox.ajouter(message())
        assert uow.demandes.pour_action("1000") == [demande]
        raise PanneInjectee


def test_une_panne_a_mi_chemin_ne_laisse_rien(banc: Banc) -> None:
    """A failure half-way leaves nothing: no change, history, request, mail or document."""
    _avec_dossier(banc)
    with pytest.raises(PanneInjectee):
        _cas_d_usage_en_panne(banc)
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        assert action.etat is EtatDossier.EN_COURS
        assert len(action.historique) == 3
        assert uow.demandes.pour_action("1000") == []
        assert uow.documents.obtenir(document().id) is None
    assert list(banc.messages()) == []


def test_tout_ou_rien_au_commit(banc: Banc) -> None:
    """The same use case committed writes the change, its history, the mail and the document."""
    _avec_dossier(banc)
    with banc.uow() as uow:
        action = uow.actions.obtenir_pour_mise_a_jour("1000")
        assert action is not None
        uow.demandes.ajouter(soumettre(action, [], Montant(100)))
        action.rompre(instant(0).date(), auteur="conseiller", quand=instant(1), motif="démission")
        uow.documents.ajouter(document())
        envoi = message()
        uow.outbox.ajouter(envoi)
        uow.commit()
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        assert action.etat is EtatDossier.ROMPU
        assert len(uow.demandes.pour_action("1000")) == 1
        assert uow.documents.obtenir(document().id) is not None
    assert list(banc.messages()) == [envoi]


def test_rollback_explicite_puis_suite(banc: Banc) -> None:
    """rollback() discards the changes so far; the unit of work can go on and commit."""
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.rollback()
        assert uow.organismes.obtenir(SIRET_A) is None
        uow.actions.ajouter(dossier("1000"))
        uow.commit()
    with banc.uow() as uow:
        assert uow.organismes.obtenir(SIRET_A) is None
        assert uow.actions.obtenir("1000") is not None


def test_apres_commit_les_agregats_restent_suivis(banc: Banc) -> None:
    """After a commit, a further change to a loaded aggregate needs a second commit."""
    _avec_dossier(banc)
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        action.rompre(instant(0).date(), auteur="conseiller", quand=instant(1), motif="démission")
        uow.commit()
        action.changer_etat(EtatDossier.SOLDE, auteur="conseiller", quand=instant(2))
        with banc.uow() as autre:
            vue = autre.actions.obtenir("1000")
            assert vue is not None
            assert vue.etat is EtatDossier.ROMPU
        uow.commit()
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        assert action.etat is EtatDossier.SOLDE
        assert len(action.historique) == 5


def test_depot_hors_du_bloc(banc: Banc) -> None:
    """A repository used outside ``with`` refuses to work."""
    uow = banc.uow()
    with pytest.raises(RuntimeError, match="with uow"):
        uow.organismes.obtenir(SIRET_A)
