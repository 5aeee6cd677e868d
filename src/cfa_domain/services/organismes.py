"""Use cases of the organisme: its information sheet, and delegations ("Gestion des accès").

Rules (docs/domain.md, docs/security.md "Access control"):

- **Unknown organisme.** :func:`soumettre_fiche` records the sheet of an organisme the
  OPCO does not know, *à valider*; nothing it says is trusted until an OPCO agent validates
  it (:func:`valider_fiche`), which puts its addresses on file, or rejects it
  (:func:`refuser_fiche`). A SIRET already known is an :class:`~cfa_domain.errors.OrganismeExistant`
  (the public SIRET check says as much, so this reveals nothing new), except a refused
  sheet's: anyone may send a sheet for any SIRET, so a refused one must not keep the SIRET
  from the real organisme, whose new sheet replaces it (its history is kept).
- **Own organisme only.** A CFA account reads and edits its own organisme's sheet; the
  SIRET comes from the account, never from the request.
- **Delegations.** A delegataire's account types a delegant's SIRET and establishment name
  (:func:`demander_delegation`). The delegant must be an active organisme known to the
  OPCO; the request stays inactive (no file becomes visible) until an account of the
  delegant or an OPCO agent approves it (:func:`decider_delegation`). The delegant, the
  delegataire and agents may revoke it (:func:`revoquer_delegation`); an account of any
  other organisme gets :class:`~cfa_domain.errors.AccesRefuse`, whatever identifier it
  sends. One organisme pair has at most one pending or active delegation.
- **Who is told.** A mail to an organisme goes to its active accounts, or to its sheet's
  address when it has none yet (someone must learn that a decision awaits).

Mails (``modele`` and variables, all text):

========================  ==============================================================
``fiche_recue``           ``siret``, ``raison_sociale``
``fiche_validee``         ``siret``, ``raison_sociale``, ``reference_opco``
``fiche_refusee``         ``siret``, ``raison_sociale``, ``motif``
``delegation_demandee``   ``delegation_id``, ``siret_delegataire``, ``delegataire``,
                          ``nom_etablissement``
``delegation_approuvee``  ``delegation_id``, ``siret_delegant``, ``siret_delegataire``,
                          ``nom_etablissement``, ``motif`` (empty)
``delegation_refusee``    the same, with the ``motif``
``delegation_revoquee``   the same, with the ``motif``
========================  ==============================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from cfa_domain.compte import StatutCompte
from cfa_domain.errors import (
    Agregat,
    DecisionDelegationReservee,
    Introuvable,
    RevocationDelegationReservee,
)
from cfa_domain.organisme import Delegation, Organisme, StatutDelegation
from cfa_domain.ports import CriteresRecherche, Page, ResumeAction
from cfa_domain.services.acces import CompteDeLOrganisme
from cfa_domain.services.cles_api import CleDeLOrganisme
from cfa_domain.services.contexte import (
    agent_actif,
    compte_actif,
    organisme_du_compte,
    organisme_existant,
    organisme_qui_ecrit,
    verifier_page,
)
from cfa_domain.services.entrees import cas_d_usage
from cfa_domain.values import Email, Siret

if TYPE_CHECKING:
    import uuid

    from cfa_domain.compte import Compte
    from cfa_domain.organisme import FicheOrganisme, Interlocuteur
    from cfa_domain.ports import UnitOfWork
    from cfa_domain.services.contexte import Acteur, Contexte

__all__ = [
    "ListeDelegations",
    "OrganismeVuParLOpco",
    "consulter_organisme",
    "consulter_organisme_opco",
    "decider_delegation",
    "demander_delegation",
    "lister_delegations",
    "lister_delegations_en_attente",
    "lister_fiches_a_valider",
    "mettre_a_jour_fiche",
    "refuser_fiche",
    "revoquer_delegation",
    "soumettre_fiche",
    "valider_fiche",
]


@attrs.frozen
class ListeDelegations:
    """The "Gestion des accès" page of an organisme.

    ``demandees``: the delegations it asked for as delegataire, every status (the
    guide's table "Numéro Siret / Nom de l'établissement"); ``a_decider``: the requests
    other organismes made of it, awaiting its decision; ``accordees``: the delegations it
    granted and may revoke.
    """

    demandees: tuple[Delegation, ...]
    a_decider: tuple[Delegation, ...]
    accordees: tuple[Delegation, ...]


@attrs.frozen
class OrganismeVuParLOpco:
    """An organisme's page in the back office.

    Its sheet and history, accounts, delegations, API keys (newest first, revoked ones
    included), and one page of its own files (not those of its delegants).

    ``comptes`` carry no secret (``est_le_mien`` is always false: the reader is an agent);
    ``cles`` no fingerprint.
    """

    organisme: Organisme
    comptes: tuple[CompteDeLOrganisme, ...]
    delegations: tuple[Delegation, ...]
    dossiers: Page[ResumeAction]
    cles: tuple[CleDeLOrganisme, ...]


# --- Helpers ------------------------------------------------------------------------


def _prevenir(
    ctx: Contexte, uow: UnitOfWork, organisme: Organisme, modele: str, **contexte: str
) -> None:
    """Mail an organisme: its active accounts, or its sheet's address if it has none."""
    destinataires: list[Email] = [
        c.email
        for c in uow.comptes.pour_organisme(organisme.siret)
        if c.statut is StatutCompte.ACTIF
    ] or [organisme.fiche.email]
    for destinataire in destinataires:
        ctx.message(uow, destinataire, modele, **contexte)


def _prevenir_fiche(
    ctx: Contexte, uow: UnitOfWork, organisme: Organisme, modele: str, **contexte: str
) -> None:
    """Mail the sheet's addresses (organisme and contact person, once each)."""
    for destinataire in sorted({organisme.fiche.email, organisme.interlocuteur.email}):
        ctx.message(
            uow,
            destinataire,
            modele,
            siret=organisme.siret.numero,
            raison_sociale=organisme.fiche.raison_sociale,
            **contexte,
        )


def _delegation(uow: UnitOfWork, delegation_id: uuid.UUID) -> Delegation:
    delegation = uow.delegations.obtenir(delegation_id)
    if delegation is None:
        raise Introuvable(Agregat.DELEGATION, delegation_id)
    return delegation


def _contexte_delegation(delegation: Delegation, motif: str = "") -> dict[str, str]:
    return {
        "delegation_id": str(delegation.id),
        "siret_delegant": delegation.siret_delegant.numero,
        "siret_delegataire": delegation.siret_delegataire.numero,
        "nom_etablissement": delegation.nom_etablissement,
        "motif": motif,
    }


def _auteur(compte: Compte) -> str:
    return str(compte.id)


# --- Information sheet --------------------------------------------------------------


@cas_d_usage
def soumettre_fiche(
    ctx: Contexte,
    *,
    siret: str,
    fiche: FicheOrganisme,
    interlocuteur: Interlocuteur,
    reference_opco: str | None = None,
) -> None:
    """«Validation des données OF»: an unknown organisme submits its sheet to the OPCO.

    The sheet awaits an agent (*à valider*); an acknowledgement goes to its address.
    """
    numero = Siret(siret)
    with ctx.uow() as uow:
        organisme = uow.organismes.obtenir(numero)
        if organisme is not None:  # refused sheets only (Organisme.soumettre_a_nouveau)
            organisme.soumettre_a_nouveau(
                fiche=fiche,
                interlocuteur=interlocuteur,
                quand=ctx.maintenant(),
                reference_opco=reference_opco,
            )
        else:
            organisme = Organisme.fiche_soumise(
                siret=numero,
                fiche=fiche,
                interlocuteur=interlocuteur,
                quand=ctx.maintenant(),
                reference_opco=reference_opco,
            )
            uow.organismes.ajouter(organisme)
        ctx.message(
            uow,
            fiche.email,
            "fiche_recue",
            siret=numero.numero,
            raison_sociale=fiche.raison_sociale,
        )
        uow.commit()


@cas_d_usage
def lister_fiches_a_valider(ctx: Contexte, agent_id: uuid.UUID) -> tuple[Organisme, ...]:
    """Back office: the sheets awaiting validation, oldest first."""
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        fiches = tuple(uow.organismes.a_valider())
        uow.commit()
    return fiches


@cas_d_usage
def valider_fiche(ctx: Contexte, agent_id: uuid.UUID, siret: str, reference_opco: str) -> None:
    """An OPCO agent validates a sheet: the organisme is active, its addresses on file."""
    numero = Siret(siret)
    with ctx.uow() as uow:
        agent = agent_actif(uow, agent_id)
        organisme = organisme_existant(uow, numero)
        organisme.valider(_auteur(agent), ctx.maintenant(), reference_opco)
        _prevenir_fiche(
            ctx, uow, organisme, "fiche_validee", reference_opco=organisme.reference_opco or ""
        )
        uow.commit()


@cas_d_usage
def refuser_fiche(ctx: Contexte, agent_id: uuid.UUID, siret: str, motif: str) -> None:
    """An OPCO agent rejects a submitted sheet, with a reason mailed to the organisme."""
    numero = Siret(siret)
    with ctx.uow() as uow:
        agent = agent_actif(uow, agent_id)
        organisme = organisme_existant(uow, numero)
        organisme.refuser_fiche(_auteur(agent), ctx.maintenant(), motif)
        _prevenir_fiche(ctx, uow, organisme, "fiche_refusee", motif=organisme.historique[-1].motif)
        uow.commit()


@cas_d_usage
def consulter_organisme(ctx: Contexte, compte_id: Acteur) -> Organisme:
    """«Mon organisme»: the account's own organisme, its sheet and status with the OPCO."""
    with ctx.uow(lecture_seule=True) as uow:
        compte = compte_actif(uow, compte_id)
        organisme = organisme_existant(uow, organisme_du_compte(compte))
        uow.commit()
    return organisme


@cas_d_usage
def mettre_a_jour_fiche(
    ctx: Contexte, compte_id: uuid.UUID, fiche: FicheOrganisme, interlocuteur: Interlocuteur
) -> None:
    """«Fiche OF dématérialisée»: replace the own organisme's sheet and contact person."""
    with ctx.uow() as uow:
        compte = compte_actif(uow, compte_id)
        organisme = organisme_existant(uow, organisme_du_compte(compte))
        organisme.mettre_a_jour_fiche(fiche, interlocuteur, _auteur(compte), ctx.maintenant())
        uow.commit()


# --- Delegations --------------------------------------------------------------------


@cas_d_usage
def demander_delegation(
    ctx: Contexte, compte_id: uuid.UUID, siret_delegant: str, nom_etablissement: str
) -> Delegation:
    """«Ajouter un OF déléguant»: ask a known organisme to let us manage its files.

    The delegation stays inactive until the delegant (or an agent) approves it; the
    delegant's accounts are told.
    """
    numero = Siret(siret_delegant)
    with ctx.uow() as uow:
        compte = compte_actif(uow, compte_id)
        delegataire = organisme_existant(uow, organisme_du_compte(compte))
        delegant = uow.organismes.obtenir(numero)
        delegation = delegataire.demander_delegation(
            delegant,
            siret_delegant=numero,
            id=ctx.jetons.identifiant(),
            nom_etablissement=nom_etablissement,
            demandee_par=compte.id,
            quand=ctx.maintenant(),
            existantes=uow.delegations.pour_organisme(delegataire.siret),
        )
        uow.delegations.ajouter(delegation)
        _prevenir(
            ctx,
            uow,
            organisme_existant(uow, delegation.siret_delegant),
            "delegation_demandee",
            delegation_id=str(delegation.id),
            siret_delegataire=delegataire.siret.numero,
            delegataire=delegataire.nom,
            nom_etablissement=delegation.nom_etablissement,
        )
        uow.commit()
    return delegation


@cas_d_usage
def decider_delegation(
    ctx: Contexte,
    compte_id: uuid.UUID,
    delegation_id: uuid.UUID,
    *,
    approuver: bool,
    motif: str = "",
) -> None:
    """The delegant (or an OPCO agent) approves or refuses (with a reason) a request."""
    with ctx.uow() as uow:
        compte = compte_actif(uow, compte_id)
        if not compte.est_agent:
            organisme_qui_ecrit(uow, compte)
        delegation = _delegation(uow, delegation_id)
        if not delegation.peut_decider(compte.siret_organisme, compte.est_agent):
            raise DecisionDelegationReservee(delegation.id)
        quand = ctx.maintenant()
        if approuver:
            delegation.approuver(_auteur(compte), quand)
            modele = "delegation_approuvee"
        else:
            delegation.refuser(_auteur(compte), quand, motif)
            modele = "delegation_refusee"
        delegataire = organisme_existant(uow, delegation.siret_delegataire)
        _prevenir(
            ctx,
            uow,
            delegataire,
            modele,
            **_contexte_delegation(delegation, delegation.historique[-1].motif),
        )
        uow.commit()


@cas_d_usage
def revoquer_delegation(
    ctx: Contexte, compte_id: uuid.UUID, delegation_id: uuid.UUID, motif: str
) -> None:
    """End a delegation (or withdraw a pending request): delegant, delegataire or agent.

    The organismes of the delegation other than the revoking account's own are told.
    """
    with ctx.uow() as uow:
        compte = compte_actif(uow, compte_id)
        if not compte.est_agent:
            organisme_qui_ecrit(uow, compte)
        delegation = _delegation(uow, delegation_id)
        if not delegation.peut_revoquer(compte.siret_organisme, compte.est_agent):
            raise RevocationDelegationReservee(delegation.id)
        delegation.revoquer(_auteur(compte), ctx.maintenant(), motif)
        contexte = _contexte_delegation(delegation, delegation.historique[-1].motif)
        for siret in (delegation.siret_delegant, delegation.siret_delegataire):
            if siret != compte.siret_organisme:
                organisme = organisme_existant(uow, siret)
                _prevenir(ctx, uow, organisme, "delegation_revoquee", **contexte)
        uow.commit()


@cas_d_usage
def lister_delegations(ctx: Contexte, compte_id: uuid.UUID) -> ListeDelegations:
    """«Gestion des accès»: the organisme's requested, pending and granted delegations."""
    with ctx.uow(lecture_seule=True) as uow:
        compte = compte_actif(uow, compte_id)
        siret = organisme_du_compte(compte)
        toutes = uow.delegations.pour_organisme(siret)
        uow.commit()
    comme_delegant = [d for d in toutes if d.siret_delegant == siret]
    return ListeDelegations(
        demandees=tuple(d for d in toutes if d.siret_delegataire == siret),
        a_decider=tuple(d for d in comme_delegant if d.statut is StatutDelegation.DEMANDEE),
        accordees=tuple(d for d in comme_delegant if d.statut is StatutDelegation.ACTIVE),
    )


# --- Back office ----------------------------------------------------------------------


@cas_d_usage
def lister_delegations_en_attente(ctx: Contexte, agent_id: uuid.UUID) -> tuple[Delegation, ...]:
    """Back office: the delegation requests no one has decided yet, oldest first.

    The delegant's accounts may decide them too (:func:`decider_delegation`); an agent
    decides for an organisme that has no account yet, or does not answer.
    """
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        attente = tuple(uow.delegations.en_attente())
        uow.commit()
    return attente


@cas_d_usage
def consulter_organisme_opco(
    ctx: Contexte, agent_id: uuid.UUID, siret: str, *, page: int = 1
) -> OrganismeVuParLOpco:
    """Back office: an organisme whatever its status, its API keys, one page of its files.

    Raises:
        Introuvable: the OPCO does not know this SIRET.
        DonneeInvalide: a malformed SIRET, a page number below 1.
    """
    numero = Siret(siret)
    taille = ctx.parametres.taille_page
    verifier_page(page, taille)
    with ctx.uow(lecture_seule=True) as uow:
        agent = agent_actif(uow, agent_id)
        organisme = organisme_existant(uow, numero)
        comptes = uow.comptes.pour_organisme(numero)
        auteurs = {c.id: c.email for c in comptes}
        quand = ctx.maintenant()
        vue = OrganismeVuParLOpco(
            organisme=organisme,
            comptes=tuple(CompteDeLOrganisme.de(c, moi=agent.id) for c in comptes),
            delegations=tuple(uow.delegations.pour_organisme(numero)),
            dossiers=uow.actions.rechercher(
                CriteresRecherche(), frozenset({numero}), page=page, taille=taille
            ),
            cles=tuple(
                CleDeLOrganisme.de(c, auteurs, quand) for c in uow.cles_api.pour_organisme(numero)
            ),
        )
        uow.commit()
    return vue
