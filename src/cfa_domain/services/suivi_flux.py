"""The feed's follow-up by OPCO agents: the quarantine, replaying or discarding a record, the runs.

Rules and choices
-----------------
- **Agents only.** Every use case here but :func:`synchroniser_et_noter` requires an
  active OPCO agent (:func:`~cfa_domain.services.contexte.agent_actif`).
- **Numbers.** A quarantined record is named by its rank in the journal, 1 for the
  oldest (the numbers ``cfa-feed quarantine list`` shows): the journal is append-only, so
  a number never changes.
- **Replay** (:func:`rejouer_rejet`) reads the record back with the edge's reader given
  by the caller (the format of the Webservice knows the journal's copies) and applies it
  by :func:`~cfa_domain.services.flux.rejouer`: applied, the row is settled; refused
  again, nothing changes and the reason is returned.
- **Discard** (:func:`ecarter_rejet`): an agent decides a record will not be applied (an
  error upstream, a record made obsolete by a later version). A reason is required; the
  row stays in the journal, settled, with the agent, the instant and the reason
  (auditable). The same record received again is handled as any record (it is no longer
  awaiting). A record already settled is refused (:class:`EnregistrementDejaRegle`).
- **Runs** (:func:`synchroniser_et_noter`): a run of
  :func:`~cfa_domain.services.flux.synchroniser` is recorded once it ends, with what it
  did; one that stops early (the source or the database failing) is recorded with the
  reason, what it committed so far, and the error is raised again. :func:`consulter_flux`
  shows the latest runs, the latest first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeAlias

import attrs

from cfa_domain.errors import (
    Agregat,
    DonneeInvalide,
    EnregistrementDejaRegle,
    ErreurDomaine,
    Introuvable,
)
from cfa_domain.ports import EnregistrementRejete, PassageFlux
from cfa_domain.services import flux
from cfa_domain.services.contexte import agent_actif
from cfa_domain.services.entrees import cas_d_usage, cas_d_usage_sauf
from cfa_domain.values import entier

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable

    from cfa_domain.ports import (
        DossierFlux,
        EnregistrementIllisible,
        SourceFlux,
        UnitOfWork,
    )
    from cfa_domain.services.contexte import Contexte
    from cfa_domain.services.flux import Bilan, Rejeu

__all__ = [
    "PASSAGES_MONTRES",
    "LecteurFlux",
    "RejetNumerote",
    "SuiviFlux",
    "consulter_flux",
    "consulter_rejet",
    "ecarter_rejet",
    "rejouer_rejet",
    "synchroniser_et_noter",
]

PASSAGES_MONTRES: Final = 20
"""How many of the latest runs :func:`consulter_flux` shows."""

LecteurFlux: TypeAlias = "Callable[[str, str], DossierFlux | EnregistrementIllisible]"
"""The edge's reader of a journal copy: ``(brut, cle)`` → the record, or illegible."""


@attrs.frozen
class RejetNumerote:
    """A quarantined record and its number in the journal (1 for the oldest)."""

    numero: int
    rejet: EnregistrementRejete


@attrs.frozen
class SuiviFlux:
    """The feed's page: what awaits an agent, what was settled, the latest runs."""

    en_attente: tuple[RejetNumerote, ...]
    """Records awaiting, oldest first."""
    regles: tuple[RejetNumerote, ...]
    """Records settled (replayed or discarded), the latest quarantined first."""
    passages: tuple[PassageFlux, ...]
    """The latest runs, the latest first."""


def _numerotes(uow: UnitOfWork) -> list[RejetNumerote]:
    return [RejetNumerote(n, r) for n, r in enumerate(uow.quarantaine.lister(), start=1)]


def _rejet(uow: UnitOfWork, numero: int) -> RejetNumerote:
    entier(numero, "numero", "Numéro de l'enregistrement", minimum=1)
    rejets = _numerotes(uow)
    if numero > len(rejets):
        raise Introuvable(Agregat.ENREGISTREMENT_FLUX, numero)
    return rejets[numero - 1]


@cas_d_usage
def consulter_flux(ctx: Contexte, agent_id: uuid.UUID) -> SuiviFlux:
    """The quarantine (awaiting, then settled) and the latest runs of the feed.

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
    """
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        rejets = _numerotes(uow)
        passages = tuple(uow.quarantaine.derniers_passages(PASSAGES_MONTRES))
    return SuiviFlux(
        en_attente=tuple(r for r in rejets if r.rejet.en_attente),
        regles=tuple(r for r in reversed(rejets) if not r.rejet.en_attente),
        passages=passages,
    )


@cas_d_usage
def consulter_rejet(ctx: Contexte, agent_id: uuid.UUID, numero: int) -> RejetNumerote:
    """One quarantined record, with its reason and its raw content.

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
        Introuvable: no record has this number.
        DonneeInvalide: a number below 1 or too large.
    """
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        return _rejet(uow, numero)


@cas_d_usage
def ecarter_rejet(ctx: Contexte, agent_id: uuid.UUID, numero: int, motif: str) -> RejetNumerote:
    """Settle a quarantined record without applying it, with the agent's reason.

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
        Introuvable: no record has this number.
        EnregistrementDejaRegle: the record was already replayed or discarded.
        DonneeInvalide: no reason, or a number out of range.
    """
    if not motif.strip():
        raise DonneeInvalide("Le motif de l'écart est obligatoire.", champ="motif")
    with ctx.uow() as uow:
        agent = agent_actif(uow, agent_id)
        trouve = _rejet(uow, numero)
        if not trouve.rejet.en_attente:
            raise EnregistrementDejaRegle(numero)
        quand, auteur = ctx.maintenant(), str(agent.email)
        uow.quarantaine.ecarter(trouve.rejet.cle, trouve.rejet.brut, quand, auteur, motif)
        uow.commit()
    ecarte = attrs.evolve(trouve.rejet, regle_le=quand, regle_par=auteur, motif_ecart=motif)
    return RejetNumerote(numero, ecarte)


@cas_d_usage_sauf("relire")
def rejouer_rejet(ctx: Contexte, agent_id: uuid.UUID, numero: int, relire: LecteurFlux) -> Rejeu:
    """Read a quarantined record back with ``relire`` and apply it again (settled if applied).

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
        Introuvable: no record has this number.
        EnregistrementDejaRegle: the record was already replayed or discarded.
        DonneeInvalide: a number out of range.
    """
    with ctx.uow(lecture_seule=True) as uow:
        agent = agent_actif(uow, agent_id)
        trouve = _rejet(uow, numero)
    if not trouve.rejet.en_attente:
        raise EnregistrementDejaRegle(numero)
    rejet = trouve.rejet
    return flux.rejouer(ctx, rejet, relire(rejet.brut, rejet.cle), auteur=str(agent.email))


@cas_d_usage_sauf("source")
def synchroniser_et_noter(ctx: Contexte, source: SourceFlux) -> Bilan:
    """:func:`~cfa_domain.services.flux.synchroniser`, the run recorded once it ends.

    A run stopped by an error is recorded with its reason and the cursor it committed
    (its counts unknown: None), then the error is raised again.
    """
    debut = ctx.maintenant()
    try:
        bilan = flux.synchroniser(ctx, source)
    except (ErreurDomaine, OSError) as erreur:
        raison = erreur.message if isinstance(erreur, ErreurDomaine) else str(erreur)
        with ctx.uow() as uow:
            curseur = uow.quarantaine.curseur(source.nom)
            uow.quarantaine.noter_passage(
                PassageFlux(
                    source=source.nom,
                    debut=debut,
                    fin=ctx.maintenant(),
                    curseur=curseur,
                    erreur=raison or type(erreur).__name__,
                )
            )
            uow.commit()
        raise
    with ctx.uow() as uow:
        uow.quarantaine.noter_passage(
            PassageFlux(
                source=source.nom,
                debut=debut,
                fin=ctx.maintenant(),
                crees=bilan.crees,
                mis_a_jour=bilan.mis_a_jour,
                inchanges=bilan.inchanges,
                rejetes=bilan.rejetes,
                curseur=bilan.curseur,
            )
        )
        uow.commit()
    return bilan
