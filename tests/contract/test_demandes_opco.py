"""The back office's use cases on requests, on every backend.

The queue of requests waiting for the OPCO (oldest first, by state), a request with its
documents, and processing it up to a payment whose day, amount and reference are kept
and mailed. A CFA account reaches none of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import TYPE_CHECKING

import pytest

from cfa_domain.errors import DonneeInvalide, Introuvable, ReserveAuxConseillers
from cfa_domain.ports import DocumentMeta
from cfa_domain.remboursement import DemandeRemboursement, EtatDemande, Paiement
from cfa_domain.services import demandes
from cfa_domain.services.demandes import Decision
from cfa_domain.testing.exemples import soumettre
from cfa_domain.values import Montant

from .constructeurs import (
    QUAND,
    SIRET_A,
    action,
    agent_enregistre,
    compte_actif,
    organisme,
    pdf,
)

if TYPE_CHECKING:
    from .conftest import Deploiement


def _monde(deploiement: Deploiement) -> tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    """An agent, a CFA account, and three requests on its file (submitted at 1, 2, 3 h)."""
    ctx = deploiement.contexte
    agent_id = agent_enregistre(ctx.uow)
    titulaire = compte_actif()
    dossier = action()
    faites: list[DemandeRemboursement] = []
    with ctx.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(titulaire)
        uow.actions.ajouter(dossier)
        for heures in (3, 1, 2):
            demande = soumettre(
                dossier,
                faites,
                Montant(100 * heures),
                compte_id=titulaire.id,
                quand=QUAND + dt.timedelta(hours=heures),
            )
            faites.append(demande)
            uow.demandes.ajouter(demande)
        uow.commit()
    return agent_id, titulaire.id, [d.id for d in faites]


def test_la_file_plus_ancienne_d_abord_et_par_etat(deploiement: Deploiement) -> None:
    """Waiting requests oldest first; taken into processing, it shows under its state."""
    ctx = deploiement.contexte
    agent_id, _, (a_3h, a_1h, a_2h) = _monde(deploiement)
    file = demandes.lister_demandes_a_traiter(ctx, agent_id)
    assert [d.id for d in file.elements] == [a_1h, a_2h, a_3h]
    demandes.traiter_demande(ctx, agent_id, a_2h, Decision.PRENDRE_EN_TRAITEMENT)
    soumises = demandes.lister_demandes_a_traiter(ctx, agent_id, EtatDemande.SOUMISE)
    assert [d.id for d in soumises.elements] == [a_1h, a_3h]
    en_cours = demandes.lister_demandes_a_traiter(ctx, agent_id, EtatDemande.EN_TRAITEMENT)
    assert [d.id for d in en_cours.elements] == [a_2h]
    assert demandes.lister_demandes_a_traiter(ctx, agent_id).total == 3
    with pytest.raises(DonneeInvalide):
        demandes.lister_demandes_a_traiter(ctx, agent_id, page=0)


def test_payer_avec_date_montant_et_reference(deploiement: Deploiement) -> None:
    """Out-of-bounds details are refused on their field; the right ones are kept and mailed."""
    ctx = deploiement.contexte
    agent_id, _, (demande_id, _, _) = _monde(deploiement)  # 300 €, submitted at 3 h
    for decision in (Decision.PRENDRE_EN_TRAITEMENT, Decision.VALIDER):
        demandes.traiter_demande(ctx, agent_id, demande_id, decision)
    jour = QUAND.date()
    for montant, le, champ in (
        (Montant(0), jour, "montant_paye"),
        (Montant("300.01"), jour, "montant_paye"),
        (Montant(300), jour - dt.timedelta(days=1), "paye_le"),
        (Montant(300), ctx.aujourd_hui() + dt.timedelta(days=1), "paye_le"),
    ):
        with pytest.raises(DonneeInvalide) as refus:
            demandes.traiter_demande(
                ctx,
                agent_id,
                demande_id,
                Decision.PAYER,
                paiement=Paiement(le=le, montant=montant, reference="VIR-1"),
            )
        assert refus.value.champ == champ
    paiement = Paiement(le=jour, montant=Montant("299.50"), reference="VIR-2023-0042")
    changement = demandes.traiter_demande(
        ctx, agent_id, demande_id, Decision.PAYER, paiement=paiement
    )
    assert changement.arrivee is EtatDemande.PAYEE
    detail = demandes.consulter_demande_opco(ctx, agent_id, demande_id)
    assert (detail.demande.etat, detail.demande.paiement) == (EtatDemande.PAYEE, paiement)
    (mail,) = [m for m in deploiement.messages() if m.modele == "demande_payee"]
    assert mail.contexte["montant"] == "299.50"
    assert demande_id not in {
        d.id for d in demandes.lister_demandes_a_traiter(ctx, agent_id).elements
    }


def test_une_demande_et_ses_documents_pour_un_agent(deploiement: Deploiement) -> None:
    """Any request and document opens for an agent; unknown ones and CFA accounts are refused."""
    ctx = deploiement.contexte
    agent_id, titulaire_id, (demande_id, _, _) = _monde(deploiement)
    detail = demandes.consulter_demande_opco(ctx, agent_id, demande_id)
    assert detail.demande.id == demande_id
    assert detail.recepisse.reference_opco == detail.demande.reference_opco
    contenu = pdf("facture")
    document_id = ctx.documents.deposer(contenu)
    with ctx.uow() as uow:
        uow.documents.ajouter(
            DocumentMeta(
                id=document_id,
                nom_fichier="facture.pdf",
                taille=len(contenu),
                sha256=hashlib.sha256(contenu).hexdigest(),
                siret_organisme=SIRET_A,
                numero_action=detail.demande.numero_action,
                depose_le=QUAND,
                depose_par=titulaire_id,
            )
        )
        uow.commit()
    meta, octets = demandes.document_opco(ctx, agent_id, document_id)
    assert (meta.nom_fichier, octets) == ("facture.pdf", contenu)
    with pytest.raises(Introuvable):
        demandes.document_opco(ctx, agent_id, "doc-inconnu")
    with pytest.raises(Introuvable):
        demandes.consulter_demande_opco(ctx, agent_id, uuid.uuid4())
    with pytest.raises(ReserveAuxConseillers):
        demandes.consulter_demande_opco(ctx, titulaire_id, demande_id)
    with pytest.raises(ReserveAuxConseillers):
        demandes.document_opco(ctx, titulaire_id, document_id)
    with pytest.raises(ReserveAuxConseillers):
        demandes.lister_demandes_a_traiter(ctx, titulaire_id)
