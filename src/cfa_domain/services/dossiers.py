"""The OPCO agents' use cases on files: search them all, open one, preview a rupture.

The state changes themselves are :func:`~cfa_domain.services.actions.changer_etat_action`
and :func:`~cfa_domain.services.actions.rompre_action`; this module gives the agent what
to see before acting.

Rules and choices
-----------------
- **Agents only.** Every use case here requires an active OPCO agent
  (:func:`~cfa_domain.services.contexte.agent_actif`); a CFA account gets
  :class:`~cfa_domain.errors.ReserveAuxConseillers`. An agent sees every file, whatever
  its organisme: no visibility set is computed.
- **Search.** The portal's filters (apprentice's name, action number, DECA or SIA
  number, :class:`~cfa_domain.ports.CriteresRecherche`) plus the file's state, its CFA,
  its filing date and its contract's start (ranges, both days included), and its payment
  regime: the regime is turned into the signing dates that select it under the
  deployment's schedule parameters
  (:meth:`~cfa_domain.echeancier.ParametresEcheancier.signatures`), so a file is found
  under the regime its schedule is computed with.
- **Work queue.** :func:`file_de_travail` lists the files in one state, oldest filing
  first (then by action number): the files the OPCO has waited on longest come first.
- **Rupture preview.** :func:`apercu_rupture` runs the very rupture the agent is about to
  confirm on a copy of the file, in a read-only unit of work: the same checks (state
  *en cours*, a reason, a date inside the contract) refuse it with the same errors, and
  it shows the schedule recomputed up to the rupture date beside the current one, with
  the overpayment to recover (pedagogical costs paid beyond the new schedule). Nothing
  is written; :func:`~cfa_domain.services.actions.rompre_action` then records it.
- **The OPCO's silence as a scheduled job.** :func:`refuser_sans_reponse_par` runs
  :func:`~cfa_domain.services.actions.refuser_dossiers_sans_reponse` in the name of the
  agent whose login address a scheduler gives (``cfa-admin dossiers refuser-sans-reponse``):
  that agent is the author of the history entries; an address that is no active agent's
  is refused before any file is touched.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING

import attrs

from cfa_domain.action import TRANSITIONS_DOSSIER, Action, EtatDossier
from cfa_domain.echeancier import Echeancier, Regime
from cfa_domain.errors import Agregat, DonneeInvalide, Introuvable
from cfa_domain.ports import CriteresDossiers, TriDossiers
from cfa_domain.services.actions import (
    DetailAction,
    ListeActions,
    detail_action,
    liste_avec_noms,
    paye_pedagogique,
    refuser_dossiers_sans_reponse,
)
from cfa_domain.services.contexte import agent_actif, verifier_page
from cfa_domain.services.entrees import cas_d_usage
from cfa_domain.values import Email, Montant

if TYPE_CHECKING:
    import uuid

    from cfa_domain.services.contexte import Acteur, Contexte

__all__ = [
    "ApercuRupture",
    "DossierConseiller",
    "apercu_rupture",
    "consulter_dossier",
    "file_de_travail",
    "rechercher_dossiers",
    "refuser_sans_reponse_par",
]


@attrs.frozen
class ApercuRupture:
    """What a rupture would change, shown before the agent confirms it."""

    action: Action
    """The file as it stands (not ruptured)."""
    date_rupture: dt.date
    echeancier_actuel: Echeancier
    echeancier_recalcule: Echeancier
    """The schedule cut at the rupture date."""
    paye_pedagogique: Montant
    """Pedagogical costs already paid on the file."""
    trop_percu: Montant
    """Paid beyond the recomputed schedule: to recover (0 € when none)."""


@attrs.frozen
class DossierConseiller:
    """A file's page for an agent: the CFA's detail and what the agent may do next."""

    detail: DetailAction
    etats_suivants: tuple[EtatDossier, ...]
    """The states :func:`~cfa_domain.services.actions.changer_etat_action` accepts from the
    file's state, in the glossary's order (*rompu* left out: it is a rupture, with a date)."""
    rupture_possible: bool
    """Whether :func:`~cfa_domain.services.actions.rompre_action` accepts the file's state."""


@cas_d_usage
def rechercher_dossiers(
    ctx: Contexte,
    agent_id: Acteur,
    criteres: CriteresDossiers,
    *,
    regime: Regime | None = None,
    page: int = 1,
    taille: int | None = None,
) -> ListeActions:
    """Search the files of every organisme, one page at a time, with each file's CFA name.

    ``regime`` keeps the files whose contract falls under this payment regime; it narrows
    the signing dates of ``criteres`` (which the caller normally leaves open).

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
        DonneeInvalide: a page number or size out of range, or an unknown regime.
    """
    taille = ctx.parametres.taille_page if taille is None else taille
    verifier_page(page, taille)
    if regime is not None:
        criteres = _avec_regime(ctx, criteres, regime)
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        resultat = uow.actions.rechercher_dossiers(criteres, page=page, taille=taille)
        return liste_avec_noms(uow, resultat)


def _avec_regime(ctx: Contexte, criteres: CriteresDossiers, regime: Regime) -> CriteresDossiers:
    if not isinstance(regime, Regime):
        raise DonneeInvalide("Rythme de paiement : valeur invalide.", champ="regime", valeur=regime)
    depuis, avant = ctx.parametres.echeancier.signatures(regime)
    return attrs.evolve(
        criteres,
        signature_depuis=max(
            (d for d in (depuis, criteres.signature_depuis) if d is not None), default=None
        ),
        signature_avant=min(
            (d for d in (avant, criteres.signature_avant) if d is not None), default=None
        ),
    )


@cas_d_usage
def file_de_travail(
    ctx: Contexte,
    agent_id: Acteur,
    etat: EtatDossier,
    *,
    page: int = 1,
    taille: int | None = None,
) -> ListeActions:
    """The files in state ``etat``, oldest filing first: an agent's work queue.

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
        DonneeInvalide: a page number or size out of range, or an unknown state.
    """
    criteres = CriteresDossiers(etat=etat, tri=TriDossiers.ANCIENNETE)
    return rechercher_dossiers(ctx, agent_id, criteres, page=page, taille=taille)


@cas_d_usage
def consulter_dossier(ctx: Contexte, agent_id: Acteur, numero_action: str) -> DossierConseiller:
    """A file's page for an agent, whatever its organisme: schedule, requests, history.

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
        Introuvable: no such file.
    """
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        action = uow.actions.obtenir(numero_action)
        if action is None:
            raise Introuvable(Agregat.DOSSIER, numero_action)
        suivants = TRANSITIONS_DOSSIER[action.etat]
        return DossierConseiller(
            detail=detail_action(ctx, uow, action),
            etats_suivants=tuple(
                e for e in EtatDossier if e in suivants and e is not EtatDossier.ROMPU
            ),
            rupture_possible=EtatDossier.ROMPU in suivants,
        )


@cas_d_usage
def apercu_rupture(
    ctx: Contexte,
    agent_id: uuid.UUID,
    numero_action: str,
    date_rupture: dt.date,
    motif: str,
) -> ApercuRupture:
    """Preview :func:`~cfa_domain.services.actions.rompre_action`: nothing is written.

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
        Introuvable: no such file.
        TransitionInterdite: the file is not *en cours*.
        DonneeInvalide: no reason, or a rupture date outside the contract.
    """
    with ctx.uow(lecture_seule=True) as uow:
        agent = agent_actif(uow, agent_id)
        action = uow.actions.obtenir(numero_action)
        if action is None:
            raise Introuvable(Agregat.DOSSIER, numero_action)
        rompue = copy.deepcopy(action)
        rompue.rompre(date_rupture, auteur=str(agent.email), quand=ctx.maintenant(), motif=motif)
        paye = paye_pedagogique(uow.demandes.pour_action(numero_action))
    recalcule = rompue.echeancier(ctx.parametres.echeancier)
    return ApercuRupture(
        action=action,
        date_rupture=date_rupture,
        echeancier_actuel=action.echeancier(ctx.parametres.echeancier),
        echeancier_recalcule=recalcule,
        paye_pedagogique=paye,
        trop_percu=recalcule.trop_percu(paye),
    )


@cas_d_usage
def refuser_sans_reponse_par(ctx: Contexte, email_agent: str) -> list[str]:
    """Refuse the files left unanswered too long, as the agent of ``email_agent``.

    Returns the refused files' action numbers (see
    :func:`~cfa_domain.services.actions.refuser_dossiers_sans_reponse`).

    Raises:
        DonneeInvalide: a malformed address.
        Introuvable: no agent has this address (an organisme's account is not an agent's).
        AccesRefuse, CompteNonActive: the agent's account is deactivated.
    """
    adresse = Email(email_agent)
    with ctx.uow(lecture_seule=True) as uow:
        agent = uow.comptes.par_email(adresse)
        if agent is None or not agent.est_agent:
            raise Introuvable(Agregat.COMPTE, adresse.adresse)
        agent_id = agent.id
    return refuser_dossiers_sans_reponse(ctx, agent_id)
