"""Contract of DepotComptes, on every backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cfa_domain.compte import StatutCompte, TypeJeton, empreinte_jeton
from cfa_domain.errors import EmailDejaUtilise, ModificationConcurrente
from cfa_domain.values import Email

from .constructeurs import SIRET_A, SIRET_B, champs, compte, compte_actif, instant, organisme

if TYPE_CHECKING:
    from .conftest import Banc

SECRET = "s" * 43


def test_ajouter_relire_par_id_et_par_email(banc: Banc) -> None:
    """A committed account reads back whole, by id and by email."""
    cree = compte()
    with banc.uow() as uow:
        uow.comptes.ajouter(cree)
        uow.commit()
    with banc.uow() as uow:
        par_id = uow.comptes.obtenir(cree.id)
        par_email = uow.comptes.par_email(Email("Claire.Durand@cfa-exemple.fr"))
        assert par_id is not None
        assert par_email is par_id
        assert champs(par_id) == champs(cree)
        assert uow.comptes.par_email(Email("personne@cfa-exemple.fr")) is None


def test_email_deja_pris(banc: Banc) -> None:
    """A second account with a taken email is an EmailDejaUtilise naming it, on every backend."""
    with banc.uow() as uow:
        uow.comptes.ajouter(compte())
        uow.commit()
    with banc.uow() as uow, pytest.raises(EmailDejaUtilise) as erreur:
        uow.comptes.ajouter(compte())
    assert (erreur.value.email, erreur.value.champ) == ("claire.durand@cfa-exemple.fr", "email")
    assert erreur.value.message == "Cette adresse email est déjà utilisée par un autre compte."


def test_jetons_par_empreinte_et_activation(banc: Banc) -> None:
    """A token is found by its fingerprint; using it is saved with the new status."""
    cree = compte()
    cree.emettre_jeton(TypeJeton.ACTIVATION, SECRET, instant(1))
    with banc.uow() as uow:
        uow.comptes.ajouter(cree)
        uow.commit()
    with banc.uow() as uow:
        trouve = uow.comptes.par_empreinte_jeton(empreinte_jeton(SECRET))
        assert trouve is not None
        assert trouve.id == cree.id
        trouve.activer(SECRET, instant(2))
        uow.commit()
    with banc.uow() as uow:
        active = uow.comptes.obtenir(cree.id)
        assert active is not None
        assert active.statut is StatutCompte.ACTIF
        assert active.jetons[0].utilise_le == instant(2)
        assert [c.arrivee for c in active.historique] == [
            StatutCompte.EN_ATTENTE_ACTIVATION,
            StatutCompte.ACTIF,
        ]
        assert uow.comptes.par_empreinte_jeton(empreinte_jeton("x" * 43)) is None


def test_pour_organisme_plus_ancien_d_abord(banc: Banc) -> None:
    """An organisme's accounts come oldest first, and only its own."""
    premier = compte("a@cfa-exemple.fr", quand=instant(1))
    second = compte("b@cfa-exemple.fr", quand=instant(2))
    ailleurs = compte("c@cfa-exemple.fr", org=organisme(SIRET_B))
    with banc.uow() as uow:
        for c in (second, ailleurs, premier):
            uow.comptes.ajouter(c)
        uow.commit()
    with banc.uow() as uow:
        assert [c.id for c in uow.comptes.pour_organisme(SIRET_A)] == [premier.id, second.id]


def test_a_approuver_seulement_en_attente_plus_ancien_d_abord(banc: Banc) -> None:
    """Accounts awaiting an agent come oldest first; approved or on-file ones do not."""
    sur_dossier = compte(quand=instant(1))
    tardif = compte("b@cfa-exemple.fr", quand=instant(3))
    ancien = compte("a@cfa-exemple.fr", quand=instant(2))
    approuve = compte("c@cfa-exemple.fr", quand=instant(1))
    approuve.approuver("conseiller@opco.example", instant(4))
    assert sur_dossier.statut is StatutCompte.EN_ATTENTE_ACTIVATION
    assert {tardif.statut, ancien.statut} == {StatutCompte.EN_ATTENTE_APPROBATION}
    with banc.uow() as uow:
        for c in (tardif, sur_dossier, approuve, ancien):
            uow.comptes.ajouter(c)
        uow.commit()
    with banc.uow() as uow:
        assert [c.id for c in uow.comptes.a_approuver()] == [ancien.id, tardif.id]


def test_une_empreinte_de_jeton_est_unique(banc: Banc) -> None:
    """Two accounts may not hold the same token fingerprint (the fake as the database)."""
    premier = compte_actif("a@cfa-exemple.fr")  # both activated with the link "s" * 43
    with banc.uow() as uow:
        uow.comptes.ajouter(premier)
        uow.commit()
    with banc.uow() as uow, pytest.raises(ModificationConcurrente):
        uow.comptes.ajouter(compte_actif("b@cfa-exemple.fr"))
    with banc.uow() as uow:
        assert uow.comptes.par_email(Email("b@cfa-exemple.fr")) is None
