"""The OPCO agents' back office, under ``/backoffice``: one module per part of the menu.

Every page but the login form is reserved to OPCO agents (:mod:`cfa_web.backoffice._commun`);
the templates live in ``templates/backoffice`` and extend ``backoffice/base.html``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfa_web.backoffice import acces, demandes, dossiers, flux, historique, organismes, tableau

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

__all__ = ["ROUTES_BACKOFFICE"]

ROUTES_BACKOFFICE: list[ControllerRouterHandler] = [
    *acces.ROUTES,
    *tableau.ROUTES,
    *organismes.ROUTES,
    *demandes.ROUTES,
    *dossiers.ROUTES,
    *flux.ROUTES,
    *historique.ROUTES,
]
