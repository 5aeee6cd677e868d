"""The journey of docs/embedding.md, through the use cases, on every backend.

The OPCO knows the organisme and has an agent; the feed brings a file, the agent
instructs it; the CFA's accountant opens an account, activates it from the mail read in
the committed outbox, logs in, finds the file by the apprentice's name, has the form
pre-filled and submits the first advance; the agent then pays it. The same assertions
run in memory, on SQLite and on PostgreSQL: an embedder's test on the fakes says what
the product does on a database.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from cfa_domain.action import EtatDossier
from cfa_domain.compte import Compte
from cfa_domain.ports import CriteresRecherche, DossierFlux
from cfa_domain.remboursement import EtatDemande, MontantsDemandes
from cfa_domain.services import acces, actions, demandes, flux
from cfa_domain.services.demandes import CommandeDemande, Decision
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import MemoireSourceFlux
from cfa_domain.values import Categorie, Email, Montant, Piece

if TYPE_CHECKING:
    import uuid

    from cfa_domain.services.contexte import Contexte

    from .conftest import Deploiement

NUMERO = "2011303654"
EMAIL_CFA = "compta@cfa-sante.fr"
EMAIL_AGENT = "conseiller@opco.example"
MOT_DE_PASSE = "Facturation-apprentis-2023"
FACTURE = b"%PDF-1.7\n...\n%%EOF\n"
PREMIERE_AVANCE = Montant("5249.40")
"""40 % of the first year's share of the 26 247 € engagement (2021 regime)."""


def _cote_opco(ctx: Contexte) -> uuid.UUID:
    """The organisme known to the OPCO and its agent's account; returns the agent's id."""
    with ctx.uow() as uow:
        uow.organismes.ajouter(
            exemples.organisme(exemples.SIRET_CFA, emails_connus=(Email(EMAIL_CFA),))
        )
        agent = Compte.ouvrir_agent(
            id=ctx.jetons.identifiant(),
            email=Email(EMAIL_AGENT),
            mot_de_passe="Instruction-des-dossiers-2023",
            quand=ctx.maintenant(),
            hasher=ctx.hacheur,
            auteur="administrateur",
        )
        uow.comptes.ajouter(agent)
        uow.commit()
    return agent.id


def _dossier_instruit(ctx: Contexte, agent_id: uuid.UUID) -> None:
    """The feed brings the file; the agent instructs it and agrees the funding."""
    dossier = DossierFlux(
        numero_action=NUMERO,
        version=1,
        formation=exemples.formation(),
        contrat=exemples.contrat(),
        budget=exemples.budget(),
    )
    bilan = flux.synchroniser(ctx, MemoireSourceFlux([dossier]))
    assert (bilan.crees, bilan.rejetes) == (1, 0)
    for etat in (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS):
        actions.changer_etat_action(ctx, agent_id, NUMERO, etat, "dossier complet")


def _compte_cfa(deploiement: Deploiement) -> uuid.UUID:
    """The accountant opens an account, activates it from the mail and logs in."""
    ctx = deploiement.contexte
    acces.creer_compte(
        ctx,
        siret="732 829 320 00074",
        email=EMAIL_CFA,
        confirmation_email=EMAIL_CFA,
        mot_de_passe=MOT_DE_PASSE,
        confirmation_mot_de_passe=MOT_DE_PASSE,
    )
    activation = next(m for m in deploiement.messages() if m.modele == "activation_compte")
    assert activation.destinataire == Email(EMAIL_CFA)
    acces.activer_compte(ctx, activation.contexte["lien_jeton"], MOT_DE_PASSE)
    connexion = acces.se_connecter(ctx, EMAIL_CFA, MOT_DE_PASSE)
    assert connexion.siret == exemples.SIRET_CFA
    return connexion.compte_id


def test_parcours_complet(deploiement: Deploiement) -> None:
    """From the feed to the payment, the journey of docs/embedding.md gives the same pages."""
    ctx = deploiement.contexte
    deploiement.horloge.instant = dt.datetime(2023, 9, 10, 8, 30, tzinfo=dt.UTC)
    agent_id = _cote_opco(ctx)
    _dossier_instruit(ctx, agent_id)
    compte_id = _compte_cfa(deploiement)

    page = actions.rechercher_actions(ctx, compte_id, CriteresRecherche(nom_apprenti="eloi"))
    assert [(r.action.numero_action, r.total_rembourse) for r in page.elements] == [
        (NUMERO, Montant.zero())
    ]
    proposition = demandes.preparer_demande(ctx, compte_id, NUMERO)
    assert (proposition.reste, proposition.ouverte) == (PREMIERE_AVANCE, True)
    assert proposition.periode is not None
    assert (proposition.periode.debut, proposition.periode.fin) == (
        dt.date(2023, 9, 1),
        dt.date(2024, 2, 29),
    )
    assert proposition.pieces_requises == frozenset({Piece.FACTURE})
    assert proposition.suivi_par == EMAIL_AGENT

    deploiement.horloge.avancer(dt.timedelta(minutes=5))
    recu = demandes.soumettre_demande(
        ctx,
        compte_id,
        CommandeDemande(
            numero_action=NUMERO,
            periode=proposition.periode,
            montants=MontantsDemandes(frais_pedagogiques=proposition.reste),
            fichiers=((Piece.FACTURE, "facture-2023-117.pdf", FACTURE),),
            conditions_acceptees=True,
            cle_idempotence="formulaire-1",
        ),
    )
    assert (recu.numero_action, recu.montant_demande) == (NUMERO, PREMIERE_AVANCE)
    assert (recu.reference_opco, recu.reference_of) == (f"{NUMERO}-01", "OF-000074")
    assert (recu.demandeur, recu.date) == (EMAIL_CFA, dt.date(2023, 9, 10))
    assert (recu.pieces_fournies, recu.pieces_non_fournies) == (
        (Piece.FACTURE,),
        (Piece.CERTIFICAT_REALISATION,),
    )

    suivante = demandes.preparer_demande(ctx, compte_id, NUMERO)
    assert suivante.echeance is not None
    assert (suivante.echeance.codification, suivante.ouverte) == ("A1-E2", False)
    assert suivante.disponible_aujourd_hui == Montant.zero()
    assert suivante.pieces_requises == frozenset({Piece.FACTURE, Piece.CERTIFICAT_REALISATION})

    deploiement.horloge.avancer(dt.timedelta(days=20))
    for decision in (Decision.PRENDRE_EN_TRAITEMENT, Decision.VALIDER, Decision.PAYER):
        demandes.traiter_demande(ctx, agent_id, recu.demande_id, decision)

    detail = actions.consulter_action(ctx, compte_id, NUMERO)
    assert detail.total_rembourse == PREMIERE_AVANCE
    pedagogie = detail.ligne(Categorie.FRAIS_PEDAGOGIQUES)
    assert (pedagogie.consomme, pedagogie.disponible) == (PREMIERE_AVANCE, Montant("20997.60"))
    assert [(d.id, d.etat) for d in detail.demandes] == [(recu.demande_id, EtatDemande.PAYEE)]
    assert detail.trop_percu == Montant.zero()

    mes_demandes = demandes.lister_demandes(ctx, compte_id)
    assert mes_demandes.total == 1
    (payee,) = mes_demandes.elements
    assert (payee.id, payee.etat, payee.total) == (
        recu.demande_id,
        EtatDemande.PAYEE,
        PREMIERE_AVANCE,
    )
    assert [c.arrivee for c in payee.historique] == [
        EtatDemande.SOUMISE,
        EtatDemande.EN_TRAITEMENT,
        EtatDemande.VALIDEE,
        EtatDemande.PAYEE,
    ]
    (facture,) = payee.pieces
    meta, contenu = demandes.document(ctx, compte_id, facture.document_id)
    assert (meta.nom_fichier, meta.taille, contenu) == (
        "facture-2023-117.pdf",
        len(FACTURE),
        FACTURE,
    )
    assert demandes.recepisse(ctx, compte_id, recu.demande_id) == recu

    page = actions.rechercher_actions(ctx, compte_id, CriteresRecherche(nom_apprenti="MARTIN"))
    assert [(r.action.numero_action, r.total_rembourse) for r in page.elements] == [
        (NUMERO, PREMIERE_AVANCE)
    ]
    assert [(m.modele, str(m.destinataire)) for m in deploiement.messages()] == [
        ("activation_compte", EMAIL_CFA),
        ("recepisse_demande", EMAIL_CFA),
        ("demande_validee", EMAIL_CFA),
        ("demande_payee", EMAIL_CFA),
    ]
