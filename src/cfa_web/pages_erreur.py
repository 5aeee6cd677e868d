"""The error pages: in French, with the status, never a stack trace.

Domain errors get the status of :data:`cfa_web.errors.TABLE`; a page that needs a login
sends the visitor to the login page (and back afterwards); anything unexpected is logged
with its trace on the server side and shown as a plain 500 page.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template

from cfa_domain.errors import ErreurDomaine
from cfa_web.errors import Affichage, MessagePublic, message_affiche, traitement_de

if TYPE_CHECKING:
    from litestar.types import ExceptionHandlersMap

__all__ = ["GESTIONNAIRES", "MESSAGES", "adresse_connexion"]

_journal = logging.getLogger("cfa_web")

TITRES = {
    400: "Requête incorrecte",
    401: "Connexion requise",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    413: "Envoi trop volumineux",
    422: "Données refusées",
    429: "Trop de tentatives",
    500: "Erreur du serveur",
    503: "Service indisponible",
}
MESSAGES = {
    400: "La requête est incomplète ou mal formée.",
    401: "Connectez-vous pour accéder à cette page.",
    403: "Vous n'avez pas accès à cette page.",
    404: "Cette page n'existe pas, ou vous n'y avez pas accès.",
    405: "Cette adresse ne s'utilise pas de cette façon.",
    413: "Les documents envoyés dépassent la taille autorisée.",
    500: (
        "Une erreur inattendue s'est produite. Elle a été enregistrée ; réessayez plus tard "
        "ou contactez le Centre de Relation Client."
    ),
    503: "Le service est momentanément indisponible. Réessayez dans quelques minutes.",
}
CSRF_ECHOUE = "CSRF token verification failed"
FORMULAIRE_EXPIRE = (
    "Le formulaire a expiré ou ne vient pas de cette plateforme : rechargez la page et recommencez."
)


def page_erreur(statut: int, message: str) -> Response[Any]:
    """The French error page of ``statut``."""
    return Template(
        template_name="erreurs/page.html",
        context={
            "statut": statut,
            "titre": TITRES.get(statut, "Erreur"),
            "message": message,
        },
        status_code=statut,
        media_type=MediaType.HTML,
    )


def adresse_connexion(chemin: str, methode: str) -> str:
    """The login page for ``chemin``, coming back to it afterwards (to its home after a POST).

    A back-office page sends to the agents' login page, any other to the portal's.
    """
    back_office = chemin == "/backoffice" or chemin.startswith("/backoffice/")
    connexion, accueil = (
        ("/backoffice/connexion", "/backoffice") if back_office else ("/connexion", "/")
    )
    suite = chemin if methode == "GET" else accueil
    return f"{connexion}?suite={quote(suite, safe='/')}"


def vers_connexion(request: Request[Any, Any, Any]) -> Response[Any]:
    """Send the visitor to the login page, coming back to this page afterwards."""
    return Redirect(path=adresse_connexion(request.url.path, request.method), status_code=303)


def _erreur_domaine(request: Request[Any, Any, Any], erreur: ErreurDomaine) -> Response[Any]:
    traitement = traitement_de(erreur)
    if traitement.affichage is Affichage.CONNEXION:
        request.clear_session()
        return vers_connexion(request)
    if traitement.statut >= 500:  # noqa: PLR2004
        _journal.error("erreur.panne %s", erreur.code, exc_info=erreur)
    return page_erreur(traitement.statut, message_affiche(erreur))


def _non_connecte(request: Request[Any, Any, Any], _: NotAuthorizedException) -> Response[Any]:
    return vers_connexion(request)


def _http(_: Request[Any, Any, Any], erreur: HTTPException) -> Response[Any]:
    statut = erreur.status_code
    if erreur.detail == CSRF_ECHOUE:
        message = FORMULAIRE_EXPIRE
    elif isinstance(erreur, MessagePublic):
        message = erreur.detail
    else:
        message = MESSAGES.get(statut, MESSAGES[400])  # Litestar's details are English
    reponse = page_erreur(statut, message)
    if statut == 405 and erreur.headers:  # noqa: PLR2004
        reponse.headers.update(erreur.headers)
    return reponse


def _illisible(_: Request[Any, Any, Any], __: UnicodeDecodeError) -> Response[Any]:
    """A posted form field that is not UTF-8 text (Litestar's parser decodes it): 400."""
    return page_erreur(400, MESSAGES[400])


def _inattendue(request: Request[Any, Any, Any], erreur: Exception) -> Response[Any]:
    _journal.error("erreur.inattendue %s %s", request.method, request.url.path, exc_info=erreur)
    return page_erreur(500, MESSAGES[500])


GESTIONNAIRES: ExceptionHandlersMap = {
    ErreurDomaine: _erreur_domaine,
    NotAuthorizedException: _non_connecte,
    HTTPException: _http,
    UnicodeDecodeError: _illisible,
    Exception: _inattendue,
}
