"""The back office's dashboard, on every backend: the aggregates against a Python count.

A world of files in several states and requests submitted, validated, paid and refused in
and out of the current month, and quarantined feed records: each figure of
``pilotage.tableau_de_bord`` is compared with what the test computes from the objects it
stored.
"""

from __future__ import annotations

import collections
import datetime as dt
from typing import TYPE_CHECKING

import pytest

from cfa_domain.action import EtatDossier
from cfa_domain.errors import ReserveAuxConseillers
from cfa_domain.ports import EnregistrementRejete, MotifRejet
from cfa_domain.remboursement import DemandeRemboursement, EtatDemande, Paiement
from cfa_domain.services import pilotage
from cfa_domain.testing.exemples import soumettre
from cfa_domain.values import Montant

from .constructeurs import QUAND, action, agent_enregistre, compte_actif, organisme

if TYPE_CHECKING:
    from .conftest import Deploiement

ETATS_DOSSIERS = (EtatDossier.RECU, EtatDossier.EN_COURS, EtatDossier.EN_COURS, EtatDossier.SOLDE)


def test_les_chiffres_du_tableau_de_bord(deploiement: Deploiement) -> None:
    """Counts by state, this month's amounts, the oldest waiting request, the quarantine."""
    ctx = deploiement.contexte
    agent_id = agent_enregistre(ctx.uow)
    maintenant = ctx.maintenant()
    mois_dernier = maintenant.replace(day=1) - dt.timedelta(days=3)
    dossiers = [
        action(f"20113000{rang:02d}", etat=etat) for rang, etat in enumerate(ETATS_DOSSIERS)
    ]
    en_cours = dossiers[1]
    faites: list[DemandeRemboursement] = []

    def demande(montant: int, quand: dt.datetime) -> DemandeRemboursement:
        nouvelle = soumettre(en_cours, faites, Montant(montant), quand=quand)
        faites.append(nouvelle)
        return nouvelle

    ancienne = demande(100, mois_dernier)  # waiting since last month
    validee = demande(200, mois_dernier + dt.timedelta(hours=1))
    validee.prendre_en_traitement(auteur="agent", quand=mois_dernier)
    validee.valider(auteur="agent", quand=maintenant)
    payee = demande(300, maintenant)
    for etape in (payee.prendre_en_traitement, payee.valider):
        etape(auteur="agent", quand=maintenant)
    payee.payer(
        auteur="agent",
        quand=maintenant,
        paiement=Paiement(le=maintenant.date(), montant=Montant(250), reference="VIR-1"),
    )
    payee_sans_detail = demande(400, mois_dernier)
    for etape in (payee_sans_detail.prendre_en_traitement, payee_sans_detail.valider):
        etape(auteur="agent", quand=mois_dernier)
    payee_sans_detail.payer(auteur="agent", quand=maintenant)
    refusee = demande(50, maintenant)
    refusee.refuser("pièce manquante", auteur="agent", quand=maintenant)
    with ctx.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(compte_actif())
        for dossier in dossiers:
            uow.actions.ajouter(dossier)
        for faite in faites:
            uow.demandes.ajouter(faite)
        for rang in range(3):
            uow.quarantaine.ajouter(
                EnregistrementRejete(
                    cle=f"cle-{rang}",
                    brut="{}",
                    motif=MotifRejet.ILLISIBLE,
                    detail="JSON vide",
                    rejete_le=QUAND,
                )
            )
        uow.quarantaine.regler("cle-0", "{}", QUAND, "cfa-feed")
        uow.commit()
    tableau = pilotage.tableau_de_bord(ctx, agent_id)
    attendus_dossiers = collections.Counter(d.etat for d in dossiers)
    assert tableau.dossiers == tuple((e, attendus_dossiers[e]) for e in EtatDossier)
    attendues = collections.Counter(d.etat for d in faites)
    assert tableau.demandes == tuple((e, attendues[e]) for e in EtatDemande)
    assert tableau.mois == ctx.aujourd_hui().replace(day=1)
    assert tableau.montants.demande == Montant(300 + 50)
    assert tableau.montants.valide == Montant(200 + 300)
    assert tableau.montants.paye == Montant(250 + 400)
    assert tableau.plus_ancienne is not None
    assert tableau.plus_ancienne.id == ancienne.id
    assert tableau.quarantaine == 2


def test_un_deploiement_vide_et_un_compte_cfa(deploiement: Deploiement) -> None:
    """Nothing stored: zeros and no waiting request; a CFA account is refused."""
    ctx = deploiement.contexte
    agent_id = agent_enregistre(ctx.uow)
    tableau = pilotage.tableau_de_bord(ctx, agent_id)
    assert {n for _, n in tableau.dossiers} == {0}
    assert {n for _, n in tableau.demandes} == {0}
    montants = tableau.montants
    assert (montants.demande, montants.valide, montants.paye) == (Montant(0),) * 3
    assert (tableau.plus_ancienne, tableau.quarantaine) == (None, 0)
    titulaire = compte_actif()
    with ctx.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(titulaire)
        uow.commit()
    with pytest.raises(ReserveAuxConseillers):
        pilotage.tableau_de_bord(ctx, titulaire.id)
