"""The CFA's pages, one module per part of the guide."""

from __future__ import annotations

from cfa_web.portail import acces, pages

__all__ = ["ROUTES_PORTAIL"]

ROUTES_PORTAIL = [*pages.ROUTES, *acces.ROUTES]
