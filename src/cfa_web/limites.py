"""Throttling: per address for the anonymous forms, per key for the JSON API.

The core throttles failed logins per account (a temporary lock); this layer counts what
one client address posts to each anonymous form in a fixed window, in a counter shared by
every worker (``limites_web`` in the database in production). Past the limit the form
answers 429 with a French page, whatever was posted: nobody can keep a pending account
from activating by re-sending its creation form, nor probe addresses at speed.

Each API key gets the same kind of counter, ``CFA_LIMITE_API`` calls a minute
(:func:`limiter_cle`); past it the API answers 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar.exceptions import HTTPException

from cfa_web.errors import MessagePublic

if TYPE_CHECKING:
    import uuid

    from litestar import Request
    from litestar.datastructures import State

    from cfa_adapters.magasin import Compteur

__all__ = ["TropDAppels", "TropDeTentatives", "adresse_client", "limiter", "limiter_cle"]


class TropDeTentatives(MessagePublic, HTTPException):
    """429: this address posted the form too often; try again later."""

    status_code = 429

    def __init__(self, minutes: int) -> None:
        """Say when to try again."""
        super().__init__(
            detail=(
                "Trop de tentatives depuis votre connexion. Réessayez dans "
                f"{minutes} minute{'s' if minutes > 1 else ''}."
            )
        )


def adresse_client(request: Request[Any, Any, Any]) -> str:
    """The client's address as the server sees it."""
    client = request.client
    return client.host if client is not None else "inconnue"


def limiter(request: Request[Any, Any, Any], formulaire: str) -> None:
    """Count this post of ``formulaire`` by the client's address.

    Raises:
        TropDeTentatives: the address is over the limit of the current window.
    """
    etat = request.app.state
    reglages = etat.reglages
    compteur: Compteur = etat.compteur
    cle = f"{formulaire}:{adresse_client(request)}"
    if compteur.incrementer(cle, reglages.fenetre_limite, etat.contexte.maintenant()) > (
        reglages.limite_formulaires
    ):
        raise TropDeTentatives(max(1, int(reglages.fenetre_limite.total_seconds() // 60)))


class TropDAppels(HTTPException):
    """429: an API key made too many calls in the current window."""

    status_code = 429

    def __init__(self, secondes: int) -> None:
        """Say when to try again (``Retry-After``, in seconds)."""
        super().__init__(detail="Trop de requêtes.", headers={"Retry-After": str(secondes)})


def limiter_cle(etat: State, cle_id: uuid.UUID) -> None:
    """Count one call of the API key ``cle_id``.

    Raises:
        TropDAppels: the key is over the limit of the current window.
    """
    reglages = etat.reglages
    compteur: Compteur = etat.compteur
    fenetre = reglages.fenetre_api
    if compteur.incrementer(f"api:{cle_id}", fenetre, etat.contexte.maintenant()) > (
        reglages.limite_api
    ):
        raise TropDAppels(max(1, int(fenetre.total_seconds())))
