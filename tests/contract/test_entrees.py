"""Hostile input on every backend: numbers too large for a column, texts no column stores.

- **Integers**: a page number, a page size or a count beyond what an ``INTEGER`` column
  (or an ``OFFSET``) holds is a French :class:`DonneeInvalide` on its field, never an
  ``OverflowError`` (SQLite) or a ``DataError`` (PostgreSQL).
- **Texts**: a lone surrogate (U+D800, which a JSON decoder produces) or a NUL in
  any text parameter of any use case is a :class:`DonneeInvalide` naming the parameter
  (or the command's field), never a ``UnicodeEncodeError`` or a driver error, and nothing
  is written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import attrs
import pytest

from cfa_domain.action import EtatDossier
from cfa_domain.compte import Compte
from cfa_domain.errors import DonneeInvalide
from cfa_domain.ports import CriteresRecherche
from cfa_domain.remboursement import MontantsDemandes, QuantitesFraisAnnexes
from cfa_domain.services import acces, actions, demandes, organismes
from cfa_domain.services.demandes import CommandeDemande, Decision
from cfa_domain.testing.fakes import HacheurMemoire
from cfa_domain.values import ENTIER_MAX, Email, Montant, Periode, Piece

from .constructeurs import (
    MOT_DE_PASSE,
    QUAND,
    SIRET_A,
    SIRET_B,
    compte_actif,
    fiche,
    interlocuteur,
    organisme,
    pdf,
)
from .constructeurs import action as dossier

if TYPE_CHECKING:
    from collections.abc import Callable

    from cfa_domain.services.contexte import Contexte

    from .conftest import Deploiement

NUMERO = "2011303654"
TROP_GRANDS = (ENTIER_MAX + 1, 2**63, 10**5000)


def peupler(deploiement: Deploiement) -> uuid.UUID:
    """An active account of an organisme with one file in progress."""
    deploiement.horloge.instant = QUAND
    titulaire = compte_actif()
    with deploiement.banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(titulaire)
        uow.actions.ajouter(dossier(NUMERO))
        uow.commit()
    return titulaire.id


def test_un_numero_de_page_trop_grand_est_une_donnee_invalide(deploiement: Deploiement) -> None:
    """Search and request list refuse a page beyond ENTIER_MAX on their ``page`` field."""
    ctx, compte_id = deploiement.contexte, peupler(deploiement)
    for page in (0, *TROP_GRANDS):
        with pytest.raises(DonneeInvalide) as erreur:
            actions.rechercher_actions(ctx, compte_id, CriteresRecherche(), page=page)
        assert erreur.value.champ == "page"
        with pytest.raises(DonneeInvalide) as erreur:
            demandes.lister_demandes(ctx, compte_id, page=page)
        assert erreur.value.champ == "page"
    for taille in (0, 101, *TROP_GRANDS):
        with pytest.raises(DonneeInvalide) as erreur:
            demandes.lister_demandes(ctx, compte_id, taille=taille)
        assert erreur.value.champ == "taille"
    derniere = actions.rechercher_actions(ctx, compte_id, CriteresRecherche(), page=ENTIER_MAX)
    assert (derniere.total, derniere.elements) == (1, ())


def test_un_nombre_de_repas_trop_grand_est_une_donnee_invalide(deploiement: Deploiement) -> None:
    """Meals and nights beyond what the column holds are refused; nothing is stored."""
    ctx, compte_id = deploiement.contexte, peupler(deploiement)
    for champ in ("nombre_repas", "nombre_nuitees"):
        for nombre in TROP_GRANDS:
            with pytest.raises(DonneeInvalide) as erreur:
                demandes.soumettre_demande(
                    ctx,
                    compte_id,
                    CommandeDemande(
                        numero_action=NUMERO,
                        periode=Periode(dt.date(2024, 9, 2), dt.date(2024, 9, 30)),
                        montants=MontantsDemandes(repas_nuitees=Montant(30)),
                        quantites=(
                            QuantitesFraisAnnexes(nombre_repas=nombre)
                            if champ == "nombre_repas"
                            else QuantitesFraisAnnexes(nombre_nuitees=nombre)
                        ),
                        fichiers=((Piece.FACTURE, "facture.pdf", pdf("facture")),),
                        conditions_acceptees=True,
                    ),
                )
            assert erreur.value.champ == champ
            assert "2\u202f147\u202f483\u202f647" in erreur.value.message
    with deploiement.banc.uow() as uow:
        assert list(uow.demandes.pour_action(NUMERO)) == []


# --- Texts ------------------------------------------------------------------------------


@attrs.frozen
class Monde:
    """The ids a hostile call needs: a CFA account, an agent, a request, a delegation."""

    cfa: uuid.UUID
    agent: uuid.UUID
    demande: uuid.UUID
    delegation: uuid.UUID


def monde(deploiement: Deploiement) -> Monde:
    """An active CFA account with a submitted request and a requested delegation."""
    ctx, cfa = deploiement.contexte, peupler(deploiement)
    agent = Compte.ouvrir_agent(
        id=ctx.jetons.identifiant(),
        email=Email("conseiller@opco.example"),
        mot_de_passe=MOT_DE_PASSE,
        quand=QUAND,
        hasher=HacheurMemoire(),
        auteur="administrateur",
    )
    with deploiement.banc.uow() as uow:
        uow.comptes.ajouter(agent)
        uow.organismes.ajouter(organisme(SIRET_B))
        uow.commit()
    recepisse = demandes.soumettre_demande(ctx, cfa, commande())
    delegation = organismes.demander_delegation(ctx, cfa, SIRET_B.numero, "CFA du Nord")
    return Monde(cfa, agent.id, recepisse.demande_id, delegation.id)


def commande(numero: str = NUMERO, nom_fichier: str = "facture.pdf") -> CommandeDemande:
    """A valid request of 100 € of pedagogical costs."""
    return CommandeDemande(
        numero_action=numero,
        periode=Periode(dt.date(2024, 9, 2), dt.date(2024, 9, 30)),
        montants=MontantsDemandes(frais_pedagogiques=Montant(100)),
        fichiers=((Piece.FACTURE, nom_fichier, pdf("facture")),),
        conditions_acceptees=True,
    )


APPELS: dict[str, tuple[Callable[[Contexte, Monde, str], object], str]] = {
    "verifier_siret": (lambda c, _, x: acces.verifier_siret(c, x), "siret"),
    "creer_compte.mot_de_passe": (
        lambda c, _, x: acces.creer_compte(
            c,
            siret=SIRET_A.numero,
            email="nouvelle@cfa-exemple.fr",
            confirmation_email="nouvelle@cfa-exemple.fr",
            mot_de_passe=x,
            confirmation_mot_de_passe=x,
        ),
        "mot_de_passe",
    ),
    "creer_compte.email": (
        lambda c, _, x: acces.creer_compte(
            c,
            siret=SIRET_A.numero,
            email=x,
            confirmation_email=x,
            mot_de_passe=MOT_DE_PASSE,
            confirmation_mot_de_passe=MOT_DE_PASSE,
        ),
        "email",
    ),
    "inviter": (lambda c, m, x: acces.inviter(c, m.cfa, f"a{x}@cfa-exemple.fr"), "email"),
    "accepter_invitation": (
        lambda c, _, x: acces.accepter_invitation(c, x, MOT_DE_PASSE, MOT_DE_PASSE),
        "secret",
    ),
    "activer_compte": (lambda c, _, x: acces.activer_compte(c, "s" * 43, x), "mot_de_passe"),
    "se_connecter.email": (lambda c, _, x: acces.se_connecter(c, x, MOT_DE_PASSE), "email"),
    "se_connecter.mot_de_passe": (
        lambda c, _, x: acces.se_connecter(c, "claire.durand@cfa-exemple.fr", x),
        "mot_de_passe",
    ),
    "mot_de_passe_oublie": (lambda c, _, x: acces.mot_de_passe_oublie(c, x), "email"),
    "reinitialiser_mot_de_passe": (
        lambda c, _, x: acces.reinitialiser_mot_de_passe(c, x, MOT_DE_PASSE, MOT_DE_PASSE),
        "secret",
    ),
    "changer_email": (
        lambda c, m, x: acces.changer_email(c, m.cfa, x, "b@cfa-exemple.fr", "b@cfa-exemple.fr"),
        "mot_de_passe_actuel",
    ),
    "adresse_a_confirmer": (lambda c, _, x: acces.adresse_a_confirmer(c, x), "secret"),
    "confirmer_email": (lambda c, _, x: acces.confirmer_email(c, x), "secret"),
    "changer_mot_de_passe": (
        lambda c, m, x: acces.changer_mot_de_passe(c, m.cfa, MOT_DE_PASSE, x, x),
        "nouveau",
    ),
    "rechercher_actions": (
        lambda c, m, x: actions.rechercher_actions(c, m.cfa, CriteresRecherche(nom_apprenti=x)),
        "nom_apprenti",
    ),
    "lister_actions": (
        lambda c, m, x: actions.lister_actions(c, m.cfa, CriteresRecherche(numero_action=x)),
        "numero_action",
    ),
    "consulter_action": (lambda c, m, x: actions.consulter_action(c, m.cfa, x), "numero_action"),
    "changer_etat_action": (
        lambda c, m, x: actions.changer_etat_action(c, m.agent, NUMERO, EtatDossier.EN_ATTENTE, x),
        "motif",
    ),
    "preparer_demande": (lambda c, m, x: demandes.preparer_demande(c, m.cfa, x), "numero_action"),
    "soumettre_demande.nom_fichier": (
        lambda c, m, x: demandes.soumettre_demande(c, m.cfa, commande(nom_fichier=x + ".pdf")),
        "fichiers",
    ),
    "soumettre_demande.cle": (
        lambda c, m, x: demandes.soumettre_demande(
            c, m.cfa, attrs.evolve(commande(), cle_idempotence=x)
        ),
        "cle_idempotence",
    ),
    "document": (lambda c, m, x: demandes.document(c, m.cfa, "doc-" + x), "document_id"),
    "annuler_demande": (lambda c, m, x: demandes.annuler_demande(c, m.cfa, m.demande, x), "motif"),
    "traiter_demande": (
        lambda c, m, x: demandes.traiter_demande(c, m.agent, m.demande, Decision.REFUSER, x),
        "motif",
    ),
    "soumettre_fiche": (
        lambda c, _, x: organismes.soumettre_fiche(
            c,
            siret="35600000000048",
            fiche=attrs.evolve(fiche(), commentaire=x),
            interlocuteur=interlocuteur(),
        ),
        "commentaire",
    ),
    "mettre_a_jour_fiche": (
        lambda c, m, x: organismes.mettre_a_jour_fiche(
            c, m.cfa, fiche(), attrs.evolve(interlocuteur(), fonction=x)
        ),
        "interlocuteur.fonction",
    ),
    "demander_delegation": (
        lambda c, m, x: organismes.demander_delegation(c, m.cfa, SIRET_B.numero, x),
        "nom_etablissement",
    ),
    "decider_delegation": (
        lambda c, m, x: organismes.decider_delegation(
            c, m.agent, m.delegation, approuver=False, motif=x
        ),
        "motif",
    ),
    "revoquer_delegation": (
        lambda c, m, x: organismes.revoquer_delegation(c, m.cfa, m.delegation, x),
        "motif",
    ),
}


@pytest.mark.parametrize("mauvais", ["\ud800", "x\udfffy", "\x00", "a\x00b"])
def test_un_texte_invalide_est_une_donnee_invalide_partout(
    deploiement: Deploiement, mauvais: str
) -> None:
    """Every use case refuses a lone surrogate or a NUL on its field, and writes nothing."""
    ctx, m = deploiement.contexte, monde(deploiement)
    avant = len(deploiement.messages())
    refus: dict[str, str | None] = {}
    messages: list[str] = []
    for nom, (appel, _) in APPELS.items():
        try:
            appel(ctx, m, mauvais)
        except DonneeInvalide as erreur:
            refus[nom] = erreur.champ
            messages.append(erreur.message)
    assert refus == {nom: champ for nom, (_, champ) in APPELS.items()}
    for message in messages:  # printable and storable as they are
        assert "\x00" not in message
        message.encode()
    assert len(deploiement.messages()) == avant
    with deploiement.banc.uow() as uow:
        assert len(list(uow.demandes.pour_action(NUMERO))) == 1
        assert len(list(uow.comptes.pour_organisme(SIRET_A))) == 1
