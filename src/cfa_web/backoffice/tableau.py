"""The back office's home: the dashboard of the OPCO's activity."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from cfa_web.backoffice._commun import routeur

__all__ = ["ROUTES"]


@get("/", name="backoffice_tableau", sync_to_thread=False)
def tableau_de_bord() -> Template:
    """The dashboard: where the agent's work waits."""
    return Template(template_name="backoffice/tableau.html")


ROUTES = [routeur(tableau_de_bord)]
