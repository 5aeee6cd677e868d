"""The back office's home: the dashboard of the OPCO's activity."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from cfa_domain.services import pilotage
from cfa_web.auth import VERIFIEE, par_session
from cfa_web.backoffice._commun import routeur
from cfa_web.portail._commun import contexte

__all__ = ["ROUTES"]


@get("/", name="backoffice_tableau", sync_to_thread=True, opt=VERIFIEE)
def tableau_de_bord(request: Request[Any, Any, Any]) -> Template:
    """The dashboard: files and requests by state, this month's amounts, what waits."""
    tableau = par_session(
        request, lambda session: pilotage.tableau_de_bord(contexte(request), session)
    )
    return Template(template_name="backoffice/tableau.html", context={"tableau": tableau})


ROUTES = [routeur(tableau_de_bord)]
