"""The JSON API for CFA management software, under ``/api/v1`` (``docs/api.md``).

On the inter-OPCO norm's vocabulary: files with their computed schedule and state,
reimbursement requests sent as invoices with their PDFs, receipts. Authenticated by the
organisme's API keys (:func:`cfa_web.auth.garde_api`), answered in JSON with errors in
problem+json (:mod:`cfa_web.api.problemes`), described by the OpenAPI 3.1 document served
at ``/api/v1/openapi.json`` (and committed as ``docs/openapi.json``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from cfa_web.api.problemes import est_api, reponse_probleme
from cfa_web.api.ressources import PREFIXE, ROUTES

if TYPE_CHECKING:
    from litestar import Request, Response
    from litestar.types import ExceptionHandler, ExceptionHandlersMap

__all__ = [
    "CHEMIN_SCHEMA",
    "ROUTES_API",
    "VERSION_API",
    "aiguiller_erreurs",
    "config_openapi",
    "texte_openapi",
]

ROUTES_API: Final = ROUTES
VERSION_API: Final = "1.0.0"
CHEMIN_SCHEMA: Final = f"{PREFIXE}/openapi.json"


def config_openapi(titre: str) -> OpenAPIConfig:
    """The OpenAPI 3.1 document of the API alone (the portal's pages stay out of it)."""
    return OpenAPIConfig(
        title=titre,
        version=VERSION_API,
        description=(
            "API des logiciels de gestion des CFA : dossiers d'apprentissage, demandes de "
            "remboursement (factures), récépissés. Voir docs/api.md."
        ),
        # A router of its own at the document's address: Litestar answers its other
        # addresses with an HTML 404 of its own, so it must not sit at /api/v1.
        path=CHEMIN_SCHEMA,
        render_plugins=[JsonRenderPlugin(path="/")],
        components=Components(
            security_schemes={
                "cleApi": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="Clé d'API créée dans « Mon organisme > Clés d'API ».",
                )
            }
        ),
        use_handler_docstrings=True,
    )


def _aiguiller(gestionnaire: ExceptionHandler[Any]) -> ExceptionHandler[Any]:
    def aiguille(request: Request[Any, Any, Any], erreur: Exception) -> Response[Any]:
        if est_api(request):
            return reponse_probleme(request, erreur)
        return gestionnaire(request, erreur)

    return aiguille


def aiguiller_erreurs(pages: ExceptionHandlersMap) -> ExceptionHandlersMap:
    """The portal's error handlers, answering problem+json on the API's addresses."""
    return {cle: _aiguiller(gestionnaire) for cle, gestionnaire in pages.items()}


def texte_openapi(document: dict[str, Any]) -> str:
    """The served document as committed in ``docs/openapi.json`` (stable, readable)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
