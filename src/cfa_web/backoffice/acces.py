"""The agents' door: their own login form, and logout.

OPCO agents log in with the same use case as the organismes' accounts
(``acces.se_connecter``), on their own page: an organisme's account is refused there with
the generic message of wrong credentials (the form never tells which addresses are
agents), and no session is opened for it. The form is throttled per client address like
the portal's.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from cfa_domain.compte import Role
from cfa_web import forms
from cfa_web.auth import Utilisateur, exiger_agent
from cfa_web.backoffice._commun import CONNEXION, PREFIXE
from cfa_web.portail._commun import suite_sure
from cfa_web.portail.acces import tenter_connexion

__all__ = ["ROUTES"]

Formulaire = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
GABARIT = "backoffice/connexion.html"


def _suite(suite: str | None) -> str:
    """A back-office page to go to after login (the dashboard by default)."""
    sure = suite_sure(suite)
    return sure if sure.startswith(PREFIXE) else PREFIXE


@get("/connexion", name="backoffice_connexion", sync_to_thread=False)
def page_connexion(
    request: Request[Any, Any, Any], suite: FromQuery[str] = PREFIXE
) -> Template | Redirect:
    """The agents' login page (a logged-in agent goes on to the page asked)."""
    compte = request.scope.get("user")
    if isinstance(compte, Utilisateur) and compte.role is Role.AGENT_OPCO:
        return Redirect(path=_suite(suite), status_code=303)
    return Template(
        template_name=GABARIT, context={"formulaire": forms.Formulaire(), "suite": _suite(suite)}
    )


@post("/connexion", sync_to_thread=True)
def connexion(request: Request[Any, Any, Any], data: Formulaire) -> Template | Redirect:
    """Check the credentials of an agent; open a new session (a new id) and go on."""
    suite = _suite(data.get("suite"))
    reussie = tenter_connexion(
        request,
        data,
        GABARIT,
        suite,
        formulaire="connexion_backoffice",
        roles=frozenset({Role.AGENT_OPCO}),
    )
    return reussie if isinstance(reussie, Template) else Redirect(path=suite, status_code=303)


@post("/deconnexion", name="backoffice_deconnexion", guards=[exiger_agent], sync_to_thread=False)
def deconnexion(request: Request[Any, Any, Any]) -> Redirect:
    """Log out: the server-side session is destroyed."""
    request.clear_session()
    return Redirect(path=CONNEXION, status_code=303)


ROUTES = [Router(path=PREFIXE, route_handlers=[page_connexion, connexion, deconnexion])]
