"""Use cases of the API keys: create, list and revoke them; authenticate an API call.

Rules (see :mod:`cfa_domain.cle_api` for the key itself):

- **Create** (:func:`creer_cle_api`): an active account of an active organisme (the same
  door as every write, :func:`~cfa_domain.services.contexte.organisme_qui_ecrit`); the
  key's full text is returned once, never stored.
- **List** (:func:`lister_cles_api`): the keys of the account's organisme, whoever created
  them, revoked ones included, newest first. An OPCO agent lists an organisme's keys with
  :func:`lister_cles_api_organisme`; the back office's organisme page shows them as
  :class:`CleDeLOrganisme` rows (no fingerprint, the creating account's address).
- **Revoke** (:func:`revoquer_cle_api`): an account of the key's organisme, or an OPCO
  agent, with an optional reason kept in the key's history. A key of another organisme is
  :class:`~cfa_domain.errors.Introuvable`, as an unknown id (no probing); so is, for an
  agent acting from an organisme's page (``siret``), a key of another organisme.
- **Authenticate** (:func:`authentifier_cle_api`): the key must have its form, name a
  stored key whose fingerprint matches, be active and not expired, and its account must still be an
  active account of the key's organisme; anything else is one
  :class:`~cfa_domain.errors.CleApiInvalide`. It reads in a read-only unit of work and
  writes (the last use) only when the recorded one is older than
  :data:`~cfa_domain.cle_api.INTERVALLE_UTILISATION`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import attrs

from cfa_domain.cle_api import CleApi, StatutCleApi, lire_cle
from cfa_domain.compte import Role, StatutCompte
from cfa_domain.errors import Agregat, CleApiInvalide, Introuvable
from cfa_domain.etats import Changement
from cfa_domain.services.contexte import (
    agent_actif,
    compte_actif,
    organisme_du_compte,
    organisme_qui_ecrit,
)
from cfa_domain.services.entrees import cas_d_usage
from cfa_domain.values import Email, Siret

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cfa_domain.ports import UnitOfWork
    from cfa_domain.services.contexte import Contexte

__all__ = [
    "AccesApi",
    "CleCreee",
    "CleDeLOrganisme",
    "authentifier_cle_api",
    "creer_cle_api",
    "lister_cles_api",
    "lister_cles_api_organisme",
    "revoquer_cle_api",
]


@attrs.frozen
class CleCreee:
    """A new key and its full text, to show once."""

    cle: CleApi
    texte: str


@attrs.frozen
class CleDeLOrganisme:
    """A row of an organisme's keys seen by an OPCO agent: never the secret's fingerprint.

    ``cree_par``: the address of the account that created it (the API acts as it; None if
    that account is no longer the organisme's). ``expiree``: its life is over at the
    instant read (still *active*, but refused). ``revocation``: when, by whom and why it
    was revoked, None while active.
    """

    id: uuid.UUID
    nom: str
    cree_par: Email | None
    cree_le: dt.datetime
    derniere_utilisation: dt.datetime | None
    expire_le: dt.datetime | None
    expiree: bool
    statut: StatutCleApi
    revocation: Changement[StatutCleApi] | None

    @classmethod
    def de(
        cls, cle: CleApi, auteurs: Mapping[uuid.UUID, Email], quand: dt.datetime
    ) -> CleDeLOrganisme:
        """The row of ``cle`` at ``quand``; ``auteurs``: the organisme's accounts' addresses."""
        return cls(
            id=cle.id,
            nom=cle.nom,
            cree_par=auteurs.get(cle.compte_id),
            cree_le=cle.cree_le,
            derniere_utilisation=cle.derniere_utilisation,
            expire_le=cle.expire_le,
            expiree=cle.expiree(quand),
            statut=cle.statut,
            revocation=cle.revocation,
        )

    @property
    def est_active(self) -> bool:
        """True until revoked (an expired key may still be revoked)."""
        return self.statut is StatutCleApi.ACTIVE


@attrs.frozen
class AccesApi:
    """Who an authenticated API call acts as: the key, its organisme and its account."""

    cle_id: uuid.UUID
    siret_organisme: Siret
    compte_id: uuid.UUID


def _cle_de(uow: UnitOfWork, cle_id: uuid.UUID, siret: Siret | None) -> CleApi:
    """A key of organisme ``siret`` (any key for ``None``: an agent), else ``Introuvable``."""
    cle = uow.cles_api.obtenir(cle_id)
    if cle is None or (siret is not None and cle.siret_organisme != siret):
        raise Introuvable(Agregat.CLE_API, cle_id)
    return cle


@cas_d_usage
def creer_cle_api(
    ctx: Contexte, compte_id: uuid.UUID, nom: str, duree_jours: int | None = None
) -> CleCreee:
    """Create an API key of the account's organisme, acting as this account.

    ``duree_jours``: its life in days (None: until revoked).

    Raises:
        DonneeInvalide: no name, a name too long, a life out of range.
        OrganismeEnLectureSeule: the organisme is not active.
    """
    with ctx.uow() as uow:
        compte = compte_actif(uow, compte_id)
        organisme = organisme_qui_ecrit(uow, compte)
        cle, texte = CleApi.creer(
            id=ctx.jetons.identifiant(),
            siret_organisme=organisme.siret,
            compte_id=compte.id,
            nom=nom,
            secret=ctx.jetons.jeton(),
            quand=ctx.maintenant(),
            duree_jours=duree_jours,
        )
        uow.cles_api.ajouter(cle)
        uow.commit()
    return CleCreee(cle, texte)


@cas_d_usage
def lister_cles_api(ctx: Contexte, compte_id: uuid.UUID) -> tuple[CleApi, ...]:
    """The keys of the account's organisme, revoked ones included, newest first."""
    with ctx.uow(lecture_seule=True) as uow:
        compte = compte_actif(uow, compte_id)
        return tuple(uow.cles_api.pour_organisme(organisme_du_compte(compte)))


@cas_d_usage
def lister_cles_api_organisme(ctx: Contexte, agent_id: uuid.UUID, siret: str) -> tuple[CleApi, ...]:
    """An OPCO agent reads the keys of an organisme, newest first.

    Raises:
        ReserveAuxConseillers: the account is not an OPCO agent.
    """
    numero = Siret(siret)
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        return tuple(uow.cles_api.pour_organisme(numero))


@cas_d_usage
def revoquer_cle_api(
    ctx: Contexte,
    compte_id: uuid.UUID,
    cle_id: uuid.UUID,
    motif: str = "",
    *,
    siret: str | None = None,
) -> None:
    """Revoke a key: an account of its organisme, or an OPCO agent (any key).

    ``siret``: the organisme the caller acts on (an agent on an organisme's page); the
    key must be one of its keys.

    Raises:
        Introuvable: no such key, or a key of another organisme.
        TransitionInterdite: the key is already revoked.
        DonneeInvalide: a malformed ``siret``.
    """
    attendu = None if siret is None else Siret(siret)
    with ctx.uow() as uow:
        compte = compte_actif(uow, compte_id)
        portee = attendu if compte.est_agent else organisme_du_compte(compte)
        cle = _cle_de(uow, cle_id, portee)
        if attendu is not None and cle.siret_organisme != attendu:
            raise Introuvable(Agregat.CLE_API, cle_id)
        auteur = str(compte.email) if compte.est_agent else str(compte.id)
        cle.revoquer(auteur, ctx.maintenant(), motif)
        uow.commit()


def _acces(uow: UnitOfWork, cle_id: uuid.UUID, secret: str, quand: dt.datetime) -> CleApi:
    cle = uow.cles_api.obtenir(cle_id)
    if cle is None or not cle.accepte(secret, quand):
        raise CleApiInvalide
    compte = uow.comptes.obtenir(cle.compte_id)
    if (
        compte is None
        or compte.statut is not StatutCompte.ACTIF
        or compte.role is not Role.CFA
        or compte.siret_organisme != cle.siret_organisme
    ):
        raise CleApiInvalide
    return cle


@cas_d_usage
def authentifier_cle_api(ctx: Contexte, cle: str) -> AccesApi:
    """Check an API key as the caller sends it; record its use (once a minute at most).

    Raises:
        CleApiInvalide: malformed, unknown, revoked, expired, or its account can no longer
            act.
    """
    cle_id, secret = lire_cle(cle)
    quand = ctx.maintenant()
    with ctx.uow(lecture_seule=True) as uow:
        trouvee = _acces(uow, cle_id, secret, quand)
    if trouvee.utilisation_a_noter(quand):
        with ctx.uow() as uow:
            trouvee = _acces(uow, cle_id, secret, quand)
            trouvee.noter_utilisation(quand)
            uow.commit()
    return AccesApi(
        cle_id=trouvee.id, siret_organisme=trouvee.siret_organisme, compte_id=trouvee.compte_id
    )
