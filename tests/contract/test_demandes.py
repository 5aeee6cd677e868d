"""Contract of DepotDemandes, on every backend."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from cfa_domain.errors import DemandeDejaEnvoyee, ModificationConcurrente
from cfa_domain.ports import CriteresDemandes
from cfa_domain.remboursement import DemandeRemboursement, EtatDemande, Paiement
from cfa_domain.testing.exemples import soumettre
from cfa_domain.values import Montant

from .constructeurs import SIRET_A, SIRET_B, champs, instant
from .constructeurs import action as dossier

if TYPE_CHECKING:
    from .conftest import Banc


def _avec_dossiers(banc: Banc) -> None:
    with banc.uow() as uow:
        uow.actions.ajouter(dossier("1000", SIRET_A))
        uow.actions.ajouter(dossier("2000", SIRET_B))
        uow.commit()


def test_ajouter_relire_et_pour_action(banc: Banc) -> None:
    """Requests read back whole (rank, amounts to the cent, documents), a file's in rank order."""
    _avec_dossiers(banc)
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        premier = soumettre(action, [], Montant("99.99"), quand=instant(5), repas=Montant("12.50"))
        second = soumettre(action, [premier], Montant("1200.01"), quand=instant(1))
        uow.demandes.ajouter(second)
        uow.demandes.ajouter(premier)
        uow.commit()
    with banc.uow() as uow:
        relue = uow.demandes.obtenir(premier.id)
        assert relue is not None
        assert champs(relue) == champs(premier)
        assert relue.total == Montant("112.49")
        assert (relue.rang, second.rang) == (1, 2)
        assert [d.id for d in uow.demandes.pour_action("1000")] == [premier.id, second.id]
        assert uow.demandes.pour_action("2000") == []
        assert uow.demandes.obtenir(uuid.uuid4()) is None


def test_cle_d_idempotence(banc: Banc) -> None:
    """The same account and key twice is a Conflit; the first request is found by its key."""
    _avec_dossiers(banc)
    compte_id = uuid.uuid4()
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        premiere = soumettre(action, [], Montant(10), compte_id=compte_id, cle="form-1")
        uow.demandes.ajouter(premiere)
        uow.demandes.ajouter(soumettre(action, [premiere], Montant(10), cle="form-1"))
        uow.commit()
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        deja = uow.demandes.pour_action("1000")
        with pytest.raises(DemandeDejaEnvoyee) as erreur:
            uow.demandes.ajouter(
                soumettre(action, deja, Montant(10), compte_id=compte_id, cle="form-1")
            )
        assert (erreur.value.cle_idempotence, erreur.value.champ) == ("form-1", "cle_idempotence")
        trouvee = uow.demandes.par_cle_idempotence(compte_id, "form-1")
        assert trouvee is not None
        assert trouvee.id == premiere.id
        assert uow.demandes.par_cle_idempotence(compte_id, "form-2") is None


def test_pour_organismes_pagine_plus_recent_d_abord(banc: Banc) -> None:
    """Requests on the organismes' files, newest first, paged with the total."""
    _avec_dossiers(banc)
    with banc.uow() as uow:
        a, b = uow.actions.obtenir("1000"), uow.actions.obtenir("2000")
        assert a is not None
        assert b is not None
        demandes: list[DemandeRemboursement] = []
        for minute in range(5):
            demande = soumettre(a, demandes, Montant(10), quand=instant(minute))
            uow.demandes.ajouter(demande)
            demandes.append(demande)
        ids = [d.id for d in demandes]
        uow.demandes.ajouter(soumettre(b, [], Montant(10), quand=instant(9)))
        uow.commit()
    with banc.uow() as uow:
        page = uow.demandes.pour_organismes(frozenset({SIRET_A}), page=1, taille=3)
        assert [d.id for d in page.elements] == ids[::-1][:3]
        assert page.total == 5
        page = uow.demandes.pour_organismes(frozenset({SIRET_A}), page=2, taille=3)
        assert [d.id for d in page.elements] == ids[::-1][3:]


def test_paiement_enregistre(banc: Banc) -> None:
    """State changes are saved with every history entry."""
    _avec_dossiers(banc)
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        demande = soumettre(action, [], Montant(10))
        uow.demandes.ajouter(demande)
        uow.commit()
    with banc.uow() as uow:
        relue = uow.demandes.obtenir(demande.id)
        assert relue is not None
        relue.prendre_en_traitement(auteur="agent", quand=instant(1))
        relue.refuser("pièce illisible", auteur="agent", quand=instant(2))
        uow.commit()
    with banc.uow() as uow:
        refusee = uow.demandes.obtenir(demande.id)
        assert refusee is not None
        assert refusee.etat is EtatDemande.REFUSEE
        assert refusee.motif_refus == "pièce illisible"
        assert [c.arrivee for c in refusee.historique] == [
            EtatDemande.SOUMISE,
            EtatDemande.EN_TRAITEMENT,
            EtatDemande.REFUSEE,
        ]


def test_un_rang_par_dossier(banc: Banc) -> None:
    """The same rank twice on one file is a ModificationConcurrente; two files coexist."""
    _avec_dossiers(banc)
    with banc.uow() as uow:
        a, b = uow.actions.obtenir("1000"), uow.actions.obtenir("2000")
        assert a is not None
        assert b is not None
        premiere = soumettre(a, [], Montant(10))
        uow.demandes.ajouter(premiere)
        uow.demandes.ajouter(soumettre(b, [], Montant(10)))
        uow.commit()
    with banc.uow() as uow:
        a = uow.actions.obtenir("1000")
        assert a is not None
        doublon = soumettre(a, [], Montant(20))
        assert doublon.rang == premiere.rang
        with pytest.raises(ModificationConcurrente):
            uow.demandes.ajouter(doublon)
        uow.demandes.ajouter(soumettre(a, [premiere], Montant(20)))
        uow.commit()
    with banc.uow() as uow:
        assert [d.rang for d in uow.demandes.pour_action("1000")] == [1, 2]
        assert [d.rang for d in uow.demandes.pour_action("2000")] == [1]


def test_pour_organismes_filtre_par_etat_et_prefixe_du_numero(banc: Banc) -> None:
    """The filters of "Mes demandes": a state, a prefix of the action number, or both."""
    with banc.uow() as uow:
        uow.actions.ajouter(dossier("1000", SIRET_A))
        uow.actions.ajouter(dossier("1099", SIRET_A))
        uow.actions.ajouter(dossier("2000", SIRET_A))
        uow.actions.ajouter(dossier("1001", SIRET_B))
        uow.commit()
    with banc.uow() as uow:
        ids: dict[str, uuid.UUID] = {}
        for minute, numero in enumerate(("1000", "1099", "2000", "1001")):
            action = uow.actions.obtenir(numero)
            assert action is not None
            demande = soumettre(action, [], Montant(10), quand=instant(minute))
            if numero == "1099":
                demande.annuler(auteur="cfa", quand=instant(minute))
            uow.demandes.ajouter(demande)
            ids[numero] = demande.id
        uow.commit()

    def trouvees(criteres: CriteresDemandes) -> tuple[list[uuid.UUID], int]:
        with banc.uow() as uow:
            page = uow.demandes.pour_organismes(
                frozenset({SIRET_A}), page=1, taille=10, criteres=criteres
            )
        return [d.id for d in page.elements], page.total

    assert trouvees(CriteresDemandes()) == ([ids["2000"], ids["1099"], ids["1000"]], 3)
    assert trouvees(CriteresDemandes(numero_action="10")) == ([ids["1099"], ids["1000"]], 2)
    assert trouvees(CriteresDemandes(etat=EtatDemande.SOUMISE)) == ([ids["2000"], ids["1000"]], 2)
    assert trouvees(CriteresDemandes(numero_action="10", etat=EtatDemande.ANNULEE)) == (
        [ids["1099"]],
        1,
    )
    assert trouvees(CriteresDemandes(numero_action="1001")) == ([], 0)  # B's file
    assert trouvees(CriteresDemandes(etat=EtatDemande.PAYEE)) == ([], 0)


def test_paiement_et_ses_details_relus(banc: Banc) -> None:
    """A payment's day, amount and reference read back; a request without them keeps None."""
    _avec_dossiers(banc)
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        demande = soumettre(action, [], Montant("250.40"), quand=instant(0))
        uow.demandes.ajouter(demande)
        uow.commit()
    paiement = Paiement(
        le=instant(0).date(), montant=Montant("250.40"), reference="VIR-2023-000123"
    )
    with banc.uow() as uow:
        relue = uow.demandes.obtenir(demande.id)
        assert relue is not None
        assert relue.paiement is None
        relue.prendre_en_traitement(auteur="agent", quand=instant(1))
        relue.valider(auteur="agent", quand=instant(2))
        relue.payer(auteur="agent", quand=instant(3), paiement=paiement)
        uow.commit()
    with banc.uow() as uow:
        payee = uow.demandes.obtenir(demande.id)
        assert payee is not None
        assert (payee.etat, payee.paiement) == (EtatDemande.PAYEE, paiement)


def test_par_etats_plus_ancienne_d_abord_et_paginee(banc: Banc) -> None:
    """Requests in the states asked, oldest submitted first, whatever their organisme."""
    _avec_dossiers(banc)
    with banc.uow() as uow:
        a, b = uow.actions.obtenir("1000"), uow.actions.obtenir("2000")
        assert a is not None
        assert b is not None
        recente = soumettre(a, [], Montant(10), quand=instant(9))
        ancienne = soumettre(b, [], Montant(20), quand=instant(1))
        traitee = soumettre(a, [recente], Montant(30), quand=instant(5))
        traitee.prendre_en_traitement(auteur="agent", quand=instant(6))
        for d in (recente, ancienne, traitee):
            uow.demandes.ajouter(d)
        uow.commit()
    with banc.uow() as uow:
        soumises = uow.demandes.par_etats(frozenset({EtatDemande.SOUMISE}), page=1, taille=10)
        assert [d.id for d in soumises.elements] == [ancienne.id, recente.id]
        toutes = frozenset({EtatDemande.SOUMISE, EtatDemande.EN_TRAITEMENT})
        premiere = uow.demandes.par_etats(toutes, page=1, taille=2)
        assert ([d.id for d in premiere.elements], premiere.total) == (
            [ancienne.id, traitee.id],
            3,
        )
        seconde = uow.demandes.par_etats(toutes, page=2, taille=2)
        assert [d.id for d in seconde.elements] == [recente.id]
        assert uow.demandes.par_etats(frozenset({EtatDemande.PAYEE}), page=1, taille=2).total == 0
