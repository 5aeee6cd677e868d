"""The CFA's pages, one module per part of the guide."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfa_web.portail import acces, demandes, inscription, organisme, pages

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler

__all__ = ["ROUTES_PORTAIL"]

ROUTES_PORTAIL: list[ControllerRouterHandler] = [
    *pages.ROUTES,
    *acces.ROUTES,
    *inscription.ROUTES,
    *organisme.ROUTES,
    *demandes.ROUTES,
]
