"""Write the OpenAPI document the API serves to ``docs/openapi.json``.

``python scripts/openapi.py`` (with ``PYTHONPATH=src``): the application is built with the
default settings on the in-memory fakes and its ``/api/v1/openapi.json`` is written as
``tests/api/test_openapi.py`` compares it. Run it after changing the API, and commit both.
"""

from __future__ import annotations

from pathlib import Path

from litestar.testing import TestClient

from cfa_domain.testing.fakes import memoire
from cfa_web.api import CHEMIN_SCHEMA, texte_openapi
from cfa_web.app import Composants, create_app
from cfa_web.settings import reglages_depuis_environnement_web

CIBLE = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def document_servi() -> str:
    """The document served by an application of the default settings."""
    application = create_app(
        reglages_depuis_environnement_web({}, demo=True), Composants(contexte=memoire().contexte)
    )
    with TestClient(application) as client:
        return texte_openapi(client.get(CHEMIN_SCHEMA).json())


if __name__ == "__main__":
    CIBLE.write_text(document_servi(), encoding="utf-8")
    print(f"{CIBLE} écrit.")
