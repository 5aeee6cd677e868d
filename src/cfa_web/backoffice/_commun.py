"""What every page of the back office shares: its prefix, its guard, its router.

The back office lives under :data:`PREFIXE`; every page but the login form is reserved to
OPCO agents (:func:`cfa_web.auth.exiger_agent`): a module gives its handlers to
:func:`routeur`, which puts them behind the guard. The context, the logged-in account,
notices and form replies are the portal's helpers (:mod:`cfa_web.portail._commun`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from litestar import Router

from cfa_web.auth import exiger_agent

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

__all__ = ["CONNEXION", "PREFIXE", "routeur"]

PREFIXE: Final = "/backoffice"
CONNEXION: Final = f"{PREFIXE}/connexion"
"""The agents' login page (where a back-office page sends a visitor without a session)."""


def routeur(*handlers: ControllerRouterHandler) -> Router:
    """The handlers of one module under :data:`PREFIXE`, reserved to OPCO agents.

    One router per module, so that each path's GET and POST are registered together
    (Litestar 2.25 wraps a ``sync_to_thread`` handler twice when another method joins its
    path later); paths are relative to the prefix (``"/"`` is the dashboard).
    """
    return Router(path=PREFIXE, guards=[exiger_agent], route_handlers=list(handlers))
