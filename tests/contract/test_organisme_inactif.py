"""A deactivated organisme reads, writes nothing, and its delegations open nothing.

Decided (issue 7): an inactive organisme's accounts still sign in, read their files and
requests and download receipts, but every write (requests, cancellations, delegations,
sheet, invitations) is refused with an :class:`~cfa_domain.errors.OrganismeNonActif`;
a delegation it gave or received gives no access while it is inactive. Both directions
are tested, and reactivating gives everything back.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from cfa_domain.errors import Introuvable, OrganismeEnLectureSeule, OrganismeNonActif
from cfa_domain.ports import CriteresRecherche
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.services import acces, actions, demandes, organismes
from cfa_domain.services.demandes import CommandeDemande
from cfa_domain.testing.exemples import delegation
from cfa_domain.values import Montant, Periode, Piece

from .constructeurs import (
    MOT_DE_PASSE,
    QUAND,
    SIRET_A,
    SIRET_B,
    SIRET_C,
    compte_actif,
    fiche,
    interlocuteur,
    organisme,
    pdf,
)
from .constructeurs import action as dossier

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable

    from cfa_domain.services.contexte import Contexte
    from cfa_domain.values import Siret

    from .conftest import Deploiement

DOSSIER_A, DOSSIER_B, DOSSIER_C = "2011303654", "2011303655", "2011303656"
EMAIL_A = "claire.durand@cfa-exemple.fr"


def commande(numero: str) -> CommandeDemande:
    """A valid request of 100 € of pedagogical costs on ``numero``."""
    return CommandeDemande(
        numero_action=numero,
        periode=Periode(dt.date(2024, 9, 2), dt.date(2024, 9, 30)),
        montants=MontantsDemandes(frais_pedagogiques=Montant(100)),
        fichiers=((Piece.FACTURE, "facture.pdf", pdf("facture")),),
        conditions_acceptees=True,
    )


class Monde:
    """Organismes A, B, C with one account and one file each; B delegates to A, A to C."""

    def __init__(self, deploiement: Deploiement) -> None:
        """Store everything, then submit a request on A's file (A still active)."""
        self.deploiement = deploiement
        deploiement.horloge.instant = QUAND
        self.a = compte_actif(EMAIL_A, organisme(SIRET_A))
        self.b = compte_actif("direction@cfa-b.fr", organisme(SIRET_B))
        self.c = compte_actif("direction@cfa-c.fr", organisme(SIRET_C))
        for autre in (self.b, self.c):
            autre.jetons.clear()  # compte_actif's used link: one fingerprint per database
        self.b_vers_a = delegation(delegant=SIRET_B, delegataire=SIRET_A)
        self.a_vers_c = delegation(delegant=SIRET_A, delegataire=SIRET_C)
        with deploiement.banc.uow() as uow:
            for siret, numero in ((SIRET_A, DOSSIER_A), (SIRET_B, DOSSIER_B), (SIRET_C, DOSSIER_C)):
                uow.organismes.ajouter(organisme(siret))
                uow.actions.ajouter(dossier(numero, siret))
            for compte in (self.a, self.b, self.c):
                uow.comptes.ajouter(compte)
            for donnee in (self.b_vers_a, self.a_vers_c):
                donnee.approuver("conseiller", QUAND)
                uow.delegations.ajouter(donnee)
            uow.commit()
        self.demande = demandes.soumettre_demande(self.ctx, self.a.id, commande(DOSSIER_A))

    @property
    def ctx(self) -> Contexte:
        """The deployment's context."""
        return self.deploiement.contexte

    def changer_statut(self, siret: Siret, *, actif: bool) -> None:
        """An OPCO agent deactivates (or reactivates) an organisme."""
        with self.deploiement.banc.uow() as uow:
            trouve = uow.organismes.obtenir(siret)
            assert trouve is not None
            if actif:
                trouve.reactiver("conseiller", QUAND)
            else:
                trouve.desactiver("conseiller", QUAND, "Cessation d'activité")
            uow.commit()

    def visibles(self, compte_id: uuid.UUID) -> list[str]:
        """The action numbers a search shows to the account."""
        page = actions.rechercher_actions(self.ctx, compte_id, CriteresRecherche())
        return sorted(ligne.action.numero_action for ligne in page.elements)


def test_un_organisme_inactif_lit_mais_n_ecrit_rien(deploiement: Deploiement) -> None:
    """Sign in, read files, requests and receipts: yes. Every write: OrganismeNonActif."""
    m = Monde(deploiement)
    m.changer_statut(SIRET_A, actif=False)
    ctx, a = m.ctx, m.a.id
    assert acces.se_connecter(ctx, EMAIL_A, MOT_DE_PASSE).compte_id == a
    assert actions.consulter_action(ctx, a, DOSSIER_A).action.numero_action == DOSSIER_A
    assert [d.id for d in demandes.lister_demandes(ctx, a).elements] == [m.demande.demande_id]
    assert demandes.recepisse(ctx, a, m.demande.demande_id) == m.demande
    assert demandes.recepisse_pdf(ctx, a, m.demande.demande_id)
    assert organismes.consulter_organisme(ctx, a).siret == SIRET_A
    ecritures: dict[str, Callable[[], object]] = {
        "preparer_demande": lambda: demandes.preparer_demande(ctx, a, DOSSIER_A),
        "soumettre_demande": lambda: demandes.soumettre_demande(ctx, a, commande(DOSSIER_A)),
        "annuler_demande": lambda: demandes.annuler_demande(ctx, a, m.demande.demande_id, "x"),
        "demander_delegation": lambda: organismes.demander_delegation(
            ctx, a, SIRET_C.numero, "CFA C"
        ),
        "decider_delegation": lambda: organismes.decider_delegation(
            ctx, a, m.a_vers_c.id, approuver=False, motif="x"
        ),
        "revoquer_delegation": lambda: organismes.revoquer_delegation(ctx, a, m.b_vers_a.id, "x"),
        "mettre_a_jour_fiche": lambda: organismes.mettre_a_jour_fiche(
            ctx, a, fiche(), interlocuteur()
        ),
        "inviter": lambda: acces.inviter(ctx, a, "collegue@cfa-exemple.fr"),
    }
    refus = {}
    for nom, ecrire in ecritures.items():
        with pytest.raises(OrganismeNonActif) as erreur:
            ecrire()
        refus[nom] = type(erreur.value)
    assert {n for n, t in refus.items() if t is OrganismeEnLectureSeule} >= {
        "preparer_demande",
        "soumettre_demande",
        "annuler_demande",
        "decider_delegation",
        "revoquer_delegation",
    }
    with deploiement.banc.uow() as uow:
        assert len(list(uow.demandes.pour_action(DOSSIER_A))) == 1
        assert [d.est_active for d in uow.delegations.pour_organisme(SIRET_A)] == [True, True]
    m.changer_statut(SIRET_A, actif=True)
    assert demandes.annuler_demande(ctx, a, m.demande.demande_id, "x") is not None


def test_les_delegations_d_un_organisme_inactif_n_ouvrent_rien(deploiement: Deploiement) -> None:
    """A delegataire inactive sees only its own files; a delegant inactive, nobody else's."""
    m = Monde(deploiement)
    assert m.visibles(m.a.id) == [DOSSIER_A, DOSSIER_B]
    assert m.visibles(m.c.id) == [DOSSIER_A, DOSSIER_C]
    m.changer_statut(SIRET_A, actif=False)
    assert m.visibles(m.a.id) == [DOSSIER_A]  # received from B: closed
    assert m.visibles(m.c.id) == [DOSSIER_C]  # given to C: closed
    for compte_id, numero in ((m.a.id, DOSSIER_B), (m.c.id, DOSSIER_A)):
        with pytest.raises(Introuvable):
            actions.consulter_action(m.ctx, compte_id, numero)
    with pytest.raises(Introuvable):
        demandes.recepisse(m.ctx, m.c.id, m.demande.demande_id)
    with pytest.raises(Introuvable):
        demandes.soumettre_demande(m.ctx, m.c.id, commande(DOSSIER_A))
    m.changer_statut(SIRET_A, actif=True)
    assert m.visibles(m.a.id) == [DOSSIER_A, DOSSIER_B]
    assert m.visibles(m.c.id) == [DOSSIER_A, DOSSIER_C]
    assert demandes.recepisse(m.ctx, m.c.id, m.demande.demande_id) == m.demande
