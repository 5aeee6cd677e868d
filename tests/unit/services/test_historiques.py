"""The audit trail: an aggregate's whole history for an agent (who, when, from, to, why)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from cfa_domain.action import EtatDossier
from cfa_domain.compte import StatutCompte
from cfa_domain.errors import Agregat, DonneeInvalide, Introuvable, ReserveAuxConseillers
from cfa_domain.organisme import StatutOrganisme
from cfa_domain.remboursement import EtatDemande, MontantsDemandes
from cfa_domain.services.actions import changer_etat_action
from cfa_domain.services.demandes import (
    CommandeDemande,
    Decision,
    soumettre_demande,
    traiter_demande,
)
from cfa_domain.services.historiques import ObjetHistorique, consulter_historique
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import Memoire, memoire
from cfa_domain.values import Categorie, Email, Montant, Periode, Piece

SIRET = exemples.SIRET_CFA
AGENT = "agent@opco-sante.fr"
PDF = b"%PDF-1.7\n% facture\n"


def _monde() -> tuple[Memoire, uuid.UUID, uuid.UUID]:
    m = memoire()
    m.enregistrer(
        exemples.organisme(SIRET, emails_connus=(Email("a@cfa-a.fr"),)),
        exemples.action("1001", etat=EtatDossier.RECU, siret_cfa=SIRET),
        exemples.action("1002", siret_cfa=SIRET),
    )
    return m, m.compte_cfa(SIRET, "a@cfa-a.fr"), m.agent(AGENT)


def test_historique_d_un_dossier_dans_l_ordre() -> None:
    """Creation, then each change with its author and reason, oldest first."""
    m, _, agent = _monde()
    m.horloge.instant = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
    changer_etat_action(m.contexte, agent, "1001", EtatDossier.EN_INSTRUCTION)
    changer_etat_action(m.contexte, agent, "1001", EtatDossier.EN_ATTENTE, "RIB manquant")
    historique = consulter_historique(m.contexte, agent, ObjetHistorique.DOSSIER, " 1001 ")
    assert historique.identifiant == "1001"
    assert [(c.depart, c.arrivee, c.auteur, c.motif) for c in historique.entrees][-2:] == [
        (EtatDossier.RECU, EtatDossier.EN_INSTRUCTION, AGENT, ""),
        (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_ATTENTE, AGENT, "RIB manquant"),
    ]
    assert historique.entrees[0].depart is None
    assert historique.entrees[-1].quand == dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_historique_d_une_demande_d_un_compte_et_d_un_organisme() -> None:
    """A request by its id, an account by its address or its id, an organisme by SIRET."""
    m, titulaire, agent = _monde()
    m.horloge.instant = dt.datetime(2024, 9, 15, 9, 0, tzinfo=dt.UTC)
    recu = soumettre_demande(
        m.contexte,
        titulaire,
        CommandeDemande(
            numero_action="1002",
            periode=Periode(dt.date(2023, 9, 1), dt.date(2023, 12, 31)),
            montants=MontantsDemandes.depuis({Categorie.FRAIS_PEDAGOGIQUES: Montant(100)}),
            fichiers=((Piece.FACTURE, "f.pdf", PDF), (Piece.CERTIFICAT_REALISATION, "c.pdf", PDF)),
            conditions_acceptees=True,
        ),
    )
    traiter_demande(m.contexte, agent, recu.demande_id, Decision.REFUSER, "Facture illisible")
    demande = consulter_historique(m.contexte, agent, ObjetHistorique.DEMANDE, str(recu.demande_id))
    assert [(c.arrivee, c.motif) for c in demande.entrees] == [
        (EtatDemande.SOUMISE, ""),
        (EtatDemande.REFUSEE, "Facture illisible"),
    ]
    par_adresse = consulter_historique(m.contexte, agent, ObjetHistorique.COMPTE, "A@cfa-a.fr")
    par_id = consulter_historique(m.contexte, agent, ObjetHistorique.COMPTE, str(titulaire))
    assert par_adresse.entrees == par_id.entrees
    assert par_adresse.entrees[-1].arrivee is StatutCompte.ACTIF
    organisme = consulter_historique(
        m.contexte, agent, ObjetHistorique.ORGANISME, "732 829 320 00074"
    )
    assert organisme.identifiant == str(SIRET)
    assert organisme.entrees[-1].arrivee is StatutOrganisme.ACTIF


@pytest.mark.parametrize(
    ("objet", "identifiant", "champ"),
    [
        (ObjetHistorique.DEMANDE, "pas-un-uuid", "identifiant"),
        (ObjetHistorique.ORGANISME, "123", "siret"),
        (ObjetHistorique.COMPTE, "a@", "email"),
        ("dossier", "1001", "objet"),
    ],
)
def test_identifiant_mal_forme(objet: ObjetHistorique, identifiant: str, champ: str) -> None:
    """A malformed name is a DonneeInvalide naming its field."""
    m, _, agent = _monde()
    with pytest.raises(DonneeInvalide) as erreur:
        consulter_historique(m.contexte, agent, objet, identifiant)
    assert erreur.value.champ == champ


@pytest.mark.parametrize("objet", list(ObjetHistorique))
def test_inconnu_et_reserve_aux_agents(objet: ObjetHistorique) -> None:
    """An unknown aggregate of each kind is Introuvable; a CFA account reads no history."""
    m, titulaire, agent = _monde()
    inconnu = "35600000000048" if objet is ObjetHistorique.ORGANISME else str(uuid.uuid4())
    with pytest.raises(Introuvable) as erreur:
        consulter_historique(m.contexte, agent, objet, inconnu)
    assert erreur.value.agregat is Agregat(objet.value)
    assert objet.libelle
    with pytest.raises(ReserveAuxConseillers):
        consulter_historique(m.contexte, titulaire, ObjetHistorique.DOSSIER, "1001")
