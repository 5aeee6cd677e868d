"""The audit trail for OPCO agents: the history of a file, a request, an account, an organisme.

Rules and choices
-----------------
- **One history per aggregate**, kept by the aggregate itself through its state machine
  (:mod:`cfa_domain.etats`): each entry says who, when, from which state, to which, why.
  Entries are only ever appended (the machine writes them; no use case edits or removes
  one), so the trail shown is the aggregate's whole life, oldest first.
- **Agents only** (:func:`~cfa_domain.services.contexte.agent_actif`), whatever the
  organisme.
- **Naming the aggregate**: a file by its action number, an organisme by its SIRET, an
  account by its login address or its identifier, a request or a delegation by its
  identifier. A malformed name is a :class:`~cfa_domain.errors.DonneeInvalide` on
  ``identifiant``; an unknown one, :class:`~cfa_domain.errors.Introuvable`.
"""

from __future__ import annotations

import enum
import uuid
from typing import TYPE_CHECKING, Any

import attrs

from cfa_domain.errors import Agregat, DonneeInvalide, Introuvable
from cfa_domain.etats import Changement
from cfa_domain.services.contexte import agent_actif
from cfa_domain.services.entrees import cas_d_usage
from cfa_domain.values import Email, Siret

if TYPE_CHECKING:
    from cfa_domain.ports import UnitOfWork
    from cfa_domain.services.contexte import Contexte

__all__ = ["Historique", "ObjetHistorique", "consulter_historique"]


class ObjetHistorique(enum.Enum):
    """The kinds of aggregate whose history an agent reads."""

    DOSSIER = "dossier"
    DEMANDE = "demande"
    COMPTE = "compte"
    ORGANISME = "organisme"
    DELEGATION = "delegation"

    @property
    def libelle(self) -> str:
        """French name."""
        return _LIBELLES[self]

    @property
    def agregat(self) -> Agregat:
        """The aggregate kind errors name."""
        return Agregat(self.value)


_LIBELLES = {
    ObjetHistorique.DOSSIER: "dossier",
    ObjetHistorique.DEMANDE: "demande de remboursement",
    ObjetHistorique.COMPTE: "compte",
    ObjetHistorique.ORGANISME: "organisme",
    ObjetHistorique.DELEGATION: "délégation",
}


@attrs.frozen
class Historique:
    """An aggregate's history, oldest entry first."""

    objet: ObjetHistorique
    identifiant: str
    """The aggregate's identity as shown (action number, SIRET, address, identifier)."""
    entrees: tuple[Changement[Any], ...]


def _uuid(identifiant: str) -> uuid.UUID:
    try:
        return uuid.UUID(identifiant.strip())
    except ValueError:
        raise DonneeInvalide(
            "Identifiant : un identifiant (UUID) est attendu.", champ="identifiant"
        ) from None


def _charger(uow: UnitOfWork, objet: ObjetHistorique, identifiant: str) -> tuple[str, object]:
    """The aggregate named (None when unknown) and its identity as shown."""
    texte = identifiant.strip()
    if objet is ObjetHistorique.DOSSIER:
        return texte, uow.actions.obtenir(texte)
    if objet is ObjetHistorique.ORGANISME:
        siret = Siret(texte)
        return str(siret), uow.organismes.obtenir(siret)
    if objet is ObjetHistorique.COMPTE and "@" in texte:
        email = Email(texte)
        return email.adresse, uow.comptes.par_email(email)
    cle = _uuid(texte)
    depots = {
        ObjetHistorique.COMPTE: uow.comptes.obtenir,
        ObjetHistorique.DEMANDE: uow.demandes.obtenir,
        ObjetHistorique.DELEGATION: uow.delegations.obtenir,
    }
    return str(cle), depots[objet](cle)


@cas_d_usage
def consulter_historique(
    ctx: Contexte, agent_id: uuid.UUID, objet: ObjetHistorique, identifiant: str
) -> Historique:
    """The whole history of one aggregate (who, when, from, to, why), oldest first.

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
        DonneeInvalide: an unknown kind, or a malformed identifier.
        Introuvable: no such aggregate.
    """
    if not isinstance(objet, ObjetHistorique):
        raise DonneeInvalide("Objet : valeur invalide.", champ="objet", valeur=objet)
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        montre, agregat = _charger(uow, objet, identifiant)
        if agregat is None:
            raise Introuvable(objet.agregat, montre)
        entrees: list[Changement[Any]] = getattr(agregat, "historique")  # noqa: B009
        return Historique(objet=objet, identifiant=montre, entrees=tuple(entrees))
