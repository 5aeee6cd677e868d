"""Errors of the JSON API as ``application/problem+json`` (RFC 9457).

The status of a domain error is the web layer's one table (:data:`cfa_web.errors.TABLE`),
but for the API's own authentication (:data:`STATUTS_API`: a bad key is a 401, not a form
error). The body carries the core's stable ``code``, its French message as ``detail``,
``champ`` and the error's typed fields (camelCase) as JSON values (enum members by name, amounts as
decimal strings, dates in ISO 8601), and the norm's ``errors`` array. Errors of HTTP
itself (unknown address, method, malformed request, too large, too many calls) get a code
of :data:`CODES_HTTP`. An unexpected error is logged with its trace and answers 500
without it.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import types
from typing import TYPE_CHECKING, Any, Final

from litestar import Response
from litestar.exceptions import HTTPException, ValidationException

from cfa_domain.errors import CleApiInvalide, ErreurDomaine
from cfa_domain.values import Montant, Siret
from cfa_web.errors import message_affiche, traitement_de
from cfa_web.pages_erreur import MESSAGES, TITRES

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar import Request

__all__ = [
    "CODES_HTTP",
    "MEDIA_PROBLEME",
    "STATUTS_API",
    "est_api",
    "probleme",
    "reponse_probleme",
]

_journal = logging.getLogger("cfa_web")

PREFIXE_API: Final = "/api/"
MEDIA_PROBLEME: Final = "application/problem+json"
TYPE_PROBLEME: Final = "/api/v1/problemes/"
"""``type`` of a problem: this prefix and the code (a relative URI reference)."""

STATUTS_API: Final[tuple[tuple[type[ErreurDomaine], int], ...]] = ((CleApiInvalide, 401),)
"""Branches whose status on the API differs from the portal's table."""

CODES_HTTP: Final = {
    400: "requete_invalide",
    401: "authentification_requise",
    403: "acces_refuse",
    404: "introuvable",
    405: "methode_non_autorisee",
    413: "envoi_trop_volumineux",
    429: "trop_de_requetes",
    500: "erreur_interne",
}
MESSAGES_API: Final = {
    **MESSAGES,
    401: "Présentez une clé d'API : en-tête « Authorization: Bearer <clé> ».",
    404: "Cette ressource n'existe pas, ou votre clé n'y a pas accès.",
    429: "Trop de requêtes avec cette clé : réessayez après le délai indiqué.",
}
_INTERNES: Final = frozenset({"args", "message", "champ"})


def est_api(request: Request[Any, Any, Any]) -> bool:
    """True for an address of the JSON API."""
    return request.url.path.startswith(PREFIXE_API)


_CONVERSIONS: Final[tuple[tuple[type | types.UnionType, Callable[[Any], object]], ...]] = (
    (bool | int | str | types.NoneType, lambda v: v),
    (enum.Enum, lambda v: v.name),
    (Montant, lambda v: f"{v.valeur:.2f}"),
    (dt.date, lambda v: v.isoformat()),  # dates and instants
    (Siret, lambda v: v.numero),
    (tuple | list | frozenset | set, lambda v: [_json(e) for e in v]),
)


def _json(valeur: object) -> object:
    """A field of an error as a JSON value (anything else, a UUID, as text)."""
    return next(
        (convertir(valeur) for classe, convertir in _CONVERSIONS if isinstance(valeur, classe)),
        str(valeur),
    )


def _camel(nom: str) -> str:
    """``cle_idempotence`` → ``cleIdempotence``, as every field of the API."""
    tete, *suite = nom.split("_")
    return tete + "".join(mot.capitalize() for mot in suite)


def probleme(statut: int, code: str, detail: str, **champs: object) -> Response[dict[str, object]]:
    """A problem+json response."""
    corps: dict[str, object] = {
        "type": f"{TYPE_PROBLEME}{code}",
        "title": TITRES.get(statut, "Erreur"),
        "status": statut,
        "detail": detail,
        "code": code,
        **champs,
        "errors": [{"code": code, "description": detail}],
    }
    return Response(corps, status_code=statut, media_type=MEDIA_PROBLEME)


def _domaine(erreur: ErreurDomaine) -> Response[dict[str, object]]:
    statut = next(
        (s for classe, s in STATUTS_API if isinstance(erreur, classe)),
        traitement_de(erreur).statut,
    )
    if statut >= 500:  # noqa: PLR2004
        _journal.error("erreur.panne %s", erreur.code, exc_info=erreur)
    champs = {
        _camel(nom): _json(valeur) for nom, valeur in vars(erreur).items() if nom not in _INTERNES
    }
    return probleme(statut, erreur.code, message_affiche(erreur), champ=erreur.champ, **champs)


def _http(erreur: HTTPException) -> Response[dict[str, object]]:
    statut = erreur.status_code
    code = CODES_HTTP.get(statut, f"http_{statut}")
    champs: dict[str, object] = {}
    if isinstance(erreur, ValidationException) and isinstance(erreur.extra, list):
        champs["invalides"] = [
            {"champ": str(e.get("key", "")), "source": str(e.get("source", ""))}
            for e in erreur.extra
            if isinstance(e, dict)
        ]
    reponse = probleme(statut, code, MESSAGES_API.get(statut, MESSAGES_API[400]), **champs)
    if erreur.headers:
        reponse.headers.update(erreur.headers)
    return reponse


def reponse_probleme(request: Request[Any, Any, Any], erreur: Exception) -> Response[Any]:
    """The problem+json answer of any error met serving the API."""
    if isinstance(erreur, ErreurDomaine):
        return _domaine(erreur)
    if isinstance(erreur, HTTPException):
        return _http(erreur)
    if isinstance(erreur, UnicodeDecodeError):  # a form field that is not UTF-8 text
        return probleme(400, CODES_HTTP[400], MESSAGES_API[400])
    _journal.error("erreur.inattendue %s %s", request.method, request.url.path, exc_info=erreur)
    return probleme(500, CODES_HTTP[500], MESSAGES_API[500])
