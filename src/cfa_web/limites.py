"""Per-address throttling of the anonymous forms (login, SIRET check, sign-up, forgotten password).

The core throttles failed logins per account (a temporary lock); this layer counts what
one client address posts to each anonymous form in a fixed window, in a counter shared by
every worker (``limites_web`` in the database in production). Past the limit the form
answers 429 with a French page, whatever was posted: nobody can keep a pending account
from activating by re-sending its creation form, nor probe addresses at speed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar.exceptions import HTTPException

from cfa_web.errors import MessagePublic

if TYPE_CHECKING:
    from litestar import Request

    from cfa_adapters.magasin import Compteur

__all__ = ["TropDeTentatives", "adresse_client", "limiter"]


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
