"""What every page handler of the portal uses: the context, the account, form replies, notices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from litestar.response import Template

from cfa_web.auth import Utilisateur

if TYPE_CHECKING:
    from litestar import Request

    from cfa_domain.services.contexte import Contexte
    from cfa_web.forms import Formulaire
    from cfa_web.settings import ReglagesWeb

__all__ = ["contexte", "notifier", "reglages", "reponse_formulaire", "suite_sure", "utilisateur"]

_NOTICES: Final = "notices"


def contexte(request: Request[Any, Any, Any]) -> Contexte:
    """The deployment's :class:`~cfa_domain.services.contexte.Contexte`."""
    valeur: Contexte = request.app.state.contexte
    return valeur


def reglages(request: Request[Any, Any, Any]) -> ReglagesWeb:
    """The application's settings."""
    valeur: ReglagesWeb = request.app.state.reglages
    return valeur


def utilisateur(request: Request[Any, Any, Any]) -> Utilisateur:
    """The logged-in account (the guards made sure there is one)."""
    compte = request.scope.get("user")
    if not isinstance(compte, Utilisateur):  # pragma: no cover - a guard runs first
        raise TypeError("page sans garde")
    return compte


def reponse_formulaire(
    gabarit: str,
    formulaire: Formulaire,
    statut: int = 422,
    **contexte_page: Any,  # noqa: ANN401
) -> Template:
    """The form page again, with the errors beside their fields and what was typed."""
    return Template(
        template_name=gabarit,
        context={"formulaire": formulaire, **contexte_page},
        status_code=statut,
    )


def notifier(request: Request[Any, Any, Any], message: str) -> None:
    """Show ``message`` once, on the next page displayed (after a redirect)."""
    notices = request.session.setdefault(_NOTICES, [])
    notices.append(message)


def suite_sure(suite: str | None) -> str:
    """A page of this site to go to after login (never another site)."""
    if not suite or not suite.startswith("/") or suite.startswith(("//", "/\\")):
        return "/"
    return suite
