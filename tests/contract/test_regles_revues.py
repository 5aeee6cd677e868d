"""Rules fixed after the domain review, through the use cases, on every backend.

A change of CFA by the feed on a file with requests, the OPCO's 20-day silence, receipt
numbers given at submission and the OPCO's time zone: the same assertions in memory, on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import attrs

from cfa_domain.action import EtatDossier
from cfa_domain.compte import Compte, TypeJeton
from cfa_domain.ports import DossierFlux, MotifRejet
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.services import actions, demandes, flux
from cfa_domain.services.demandes import CommandeDemande
from cfa_domain.testing import exemples
from cfa_domain.values import Email, Montant, Periode, Piece

if TYPE_CHECKING:
    import uuid

    from cfa_domain.services.contexte import Contexte

    from .conftest import Deploiement

NUMERO = "2011303654"
FACTURE = ((Piece.FACTURE, "facture.pdf", b"%PDF-1.7\n%%EOF\n"),)
PREMIERE_AVANCE = Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29))


def _agent(ctx: Contexte) -> uuid.UUID:
    """An OPCO agent's account; returns its id."""
    agent = Compte.ouvrir_agent(
        id=ctx.jetons.identifiant(),
        email=Email("conseiller@opco.example"),
        mot_de_passe="Instruction-des-dossiers-2023",
        quand=ctx.maintenant(),
        hasher=ctx.hacheur,
        auteur="administrateur",
    )
    with ctx.uow() as uow:
        uow.comptes.ajouter(agent)
        uow.commit()
    return agent.id


def _compte_cfa(ctx: Contexte) -> uuid.UUID:
    """The guide's CFA, known to the OPCO, with one active account; returns its id."""
    organisme = exemples.organisme(exemples.SIRET_CFA, emails_connus=(Email("a@cfa.fr"),))
    compte = Compte.ouvrir(
        id=ctx.jetons.identifiant(),
        email=Email("a@cfa.fr"),
        organisme=organisme,
        mot_de_passe="Facturation-apprentis-2023",
        quand=ctx.maintenant(),
        hasher=ctx.hacheur,
    )
    secret = ctx.jetons.jeton()
    compte.emettre_jeton(TypeJeton.ACTIVATION, secret, ctx.maintenant())
    compte.activer(secret, ctx.maintenant())
    with ctx.uow() as uow:
        uow.organismes.ajouter(organisme)
        uow.comptes.ajouter(compte)
        uow.actions.ajouter(exemples.action(NUMERO))
        uow.commit()
    return compte.id


def _demande(ctx: Contexte, compte_id: uuid.UUID, montant: str) -> str:
    """Submit a pedagogical request within the first advance; return its OPCO reference."""
    recu = demandes.soumettre_demande(
        ctx,
        compte_id,
        CommandeDemande(
            numero_action=NUMERO,
            periode=PREMIERE_AVANCE,
            montants=MontantsDemandes(frais_pedagogiques=Montant(montant)),
            fichiers=FACTURE,
            conditions_acceptees=True,
        ),
    )
    assert demandes.recepisse(ctx, compte_id, recu.demande_id) == recu
    return recu.reference_opco


def test_references_au_meme_instant_et_changement_de_cfa(deploiement: Deploiement) -> None:
    """Same-instant requests get -01 and -02; the feed may not move them to another CFA."""
    ctx = deploiement.contexte
    deploiement.horloge.instant = dt.datetime(2023, 9, 10, 8, 30, tzinfo=dt.UTC)
    compte_id = _compte_cfa(ctx)
    assert [_demande(ctx, compte_id, "1000"), _demande(ctx, compte_id, "2000")] == [
        f"{NUMERO}-01",
        f"{NUMERO}-02",
    ]
    action = exemples.action(NUMERO)
    autre_cfa = DossierFlux(
        numero_action=NUMERO,
        version=2,
        formation=attrs.evolve(action.formation, siret_cfa=exemples.SIRET_CFA_2),
        contrat=action.contrat,
        budget=action.budget,
    )
    assert flux.appliquer_dossier(ctx, autre_cfa) is flux.ResultatApplication.REJETE
    with ctx.uow() as uow:
        stocke = uow.actions.obtenir(NUMERO)
        assert stocke is not None
        assert (stocke.version, stocke.siret_cfa) == (1, exemples.SIRET_CFA)
        (rejet,) = uow.quarantaine.lister()
    assert rejet.motif is MotifRejet.CONTRADICTOIRE
    assert "2 demande(s) de remboursement" in rejet.detail


def test_jour_de_paris_pour_le_recepisse(deploiement: Deploiement) -> None:
    """Submitted at 23:30 UTC on 10/09/2023, the receipt is dated 11/09/2023 (Paris)."""
    ctx = deploiement.contexte
    deploiement.horloge.instant = dt.datetime(2023, 9, 10, 22, 30, tzinfo=dt.UTC)
    compte_id = _compte_cfa(ctx)
    recu = demandes.soumettre_demande(
        ctx,
        compte_id,
        CommandeDemande(
            numero_action=NUMERO,
            periode=PREMIERE_AVANCE,
            montants=MontantsDemandes(frais_pedagogiques=Montant(1000)),
            fichiers=FACTURE,
            conditions_acceptees=True,
        ),
    )
    assert recu.date == dt.date(2023, 9, 11)
    assert demandes.recepisse(ctx, compte_id, recu.demande_id).date == dt.date(2023, 9, 11)


def test_silence_de_l_opco(deploiement: Deploiement) -> None:
    """Files unanswered 20 days after filing are refused, once, with the reason."""
    ctx = deploiement.contexte
    deploiement.horloge.instant = dt.datetime(2025, 3, 21, 23, 30, tzinfo=dt.UTC)
    agent_id = _agent(ctx)
    with ctx.uow() as uow:
        for numero, etat, depot in (
            ("2011300010", EtatDossier.RECU, dt.date(2025, 3, 1)),
            ("2011300011", EtatDossier.EN_ATTENTE, dt.date(2025, 2, 1)),
            ("2011300012", EtatDossier.EN_INSTRUCTION, dt.date(2025, 3, 2)),
            ("2011300013", EtatDossier.EN_COURS, dt.date(2025, 1, 1)),
        ):
            uow.actions.ajouter(
                exemples.action(numero, etat=etat, formation=exemples.formation(date_depot=depot))
            )
        uow.commit()
    assert actions.refuser_dossiers_sans_reponse(ctx, agent_id) == ["2011300011", "2011300010"]
    assert actions.refuser_dossiers_sans_reponse(ctx, agent_id) == []
    with ctx.uow() as uow:
        refuse = uow.actions.obtenir("2011300010")
        assert refuse is not None
        assert (refuse.etat, refuse.historique[-1].motif) == (
            EtatDossier.REFUSE,
            actions.MOTIF_SILENCE,
        )
        attend = uow.actions.obtenir("2011300012")
        assert attend is not None
        assert attend.etat is EtatDossier.EN_INSTRUCTION
