"""The OpenAPI 3.1 document: served, committed, and honoured (schemathesis).

``docs/openapi.json`` is the served document (``scripts/openapi.py`` writes it): this test
fails when they differ. Schemathesis then calls every operation of the served document
on a real server with a valid key (and without one): no 5xx, every response conforms to
the document (status, content type, headers, body schema).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from cfa_web.api import CHEMIN_SCHEMA, texte_openapi

if TYPE_CHECKING:
    from schemathesis import Case

    from .conftest import Monde

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
DOCUMENT_CHEMINS = (
    "GET /dossiers",
    "GET /dossiers/{numero_action}",
    "GET /dossiers/{numero_action}/historique",
    "GET /demandes",
    "POST /demandes",
    "GET /demandes/{demande_id}",
    "POST /demandes/{demande_id}/annulation",
    "GET /demandes/{demande_id}/recepisse",
    "GET /documents/{document_id}",
)
CONFIGURATION = SchemathesisConfig.from_dict(
    {
        # A request the document accepts may still be refused by a rule of the core (a
        # budget exceeded, an unknown DECA number's form): 422 is then the right answer.
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)
EXEMPLES = 25
"""Generated calls per operation (8 operations: about half a minute in all)."""


def test_le_document_servi_est_celui_de_docs(monde: Monde) -> None:
    """The served document is docs/openapi.json, and it describes the API alone."""
    servi = monde.client.get(CHEMIN_SCHEMA)
    assert servi.status_code == 200
    document = servi.json()
    assert texte_openapi(document) == DOCUMENT.read_text(encoding="utf-8"), (
        "docs/openapi.json is stale: run `PYTHONPATH=src python scripts/openapi.py`"
    )
    assert document["openapi"].startswith("3.1")
    assert document["paths"]
    assert all(chemin.startswith("/api/v1/") for chemin in document["paths"])
    assert "set-cookie" not in servi.headers


def test_l_api_honore_son_document(serveur: tuple[str, Monde]) -> None:
    """Generated calls of every operation with A's key: no 5xx, responses as documented."""
    base, monde = serveur
    schema = schemathesis.openapi.from_url(f"{base}{CHEMIN_SCHEMA}", config=CONFIGURATION)
    resultats = list(schema.get_all_operations())
    assert all(isinstance(resultat, Ok) for resultat in resultats), resultats
    operations = [resultat.ok() for resultat in resultats if isinstance(resultat, Ok)]
    assert len(operations) == len(DOCUMENT_CHEMINS)

    for operation in operations:
        # A generated multipart part for a document may come without a file name, which
        # Litestar refuses as a malformed upload (400): the document cannot say that every
        # part must carry one, so only this operation accepts a 400 for valid-looking data.
        exclues = [positive_data_acceptance] if operation.label == "POST /api/v1/demandes" else []
        _essais(operation, monde.entetes(), exclues)()


def _essais(operation: Any, entetes: dict[str, str], exclues: list[Any]) -> Any:
    """The Hypothesis test of one operation: generated calls, each response validated."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXEMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    def appeler(case: Case[Any]) -> None:
        case.call_and_validate(headers=entetes, excluded_checks=exclues)

    return appeler
