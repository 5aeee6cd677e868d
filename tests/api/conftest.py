"""The JSON API under test: the real application on SQLite (tests/web's portal).

Two organismes, A and B, each with an active account, a file *en cours* and an API key;
an OPCO agent who instructed the files.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import attrs
import pytest
import sqlalchemy as sa
import uvicorn

from cfa_adapters.sql import tables
from cfa_adapters.sql.magasin import CompteurSql
from cfa_domain.services import cles_api, demandes
from cfa_domain.testing import exemples
from cfa_web.app import Composants, create_app
from contract.conftest import BASES_SQL, SchemaPostgresql, schema_postgresql
from web.conftest import (
    Portail,
    agent_opco,
    dossier_en_cours,
    fabrique_portail,
    pdf_valide,
    reglages_de_test,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["Monde", "fabrique_portail", "schema_postgresql", "serveur"]

EMAIL_B = "compta@cfa-nord.fr"
NUMERO_A = "2011303654"
NUMERO_B = "2011300002"


@attrs.define
class Monde:
    """The portal and what a test of the API names."""

    portail: Portail
    agent: uuid.UUID
    compte_a: uuid.UUID
    compte_b: uuid.UUID
    cle_a: str
    cle_b: str

    @property
    def client(self) -> Any:
        """A client without cookies (the portal's test client)."""
        return self.portail.client_neuf()

    def entetes(self, cle: str | None = None) -> dict[str, str]:
        """The ``Authorization`` header of A's key (or ``cle``)."""
        return {"Authorization": f"Bearer {cle or self.cle_a}"}


def monde_sur(portail: Portail) -> Monde:
    """Organismes A and B, their accounts, files and keys."""
    portail.compte_actif()
    portail.compte_actif(EMAIL_B, siret=exemples.SIRET_CFA_2)
    agent = agent_opco(portail)
    dossier_en_cours(portail, agent, NUMERO_A)
    dossier_en_cours(portail, agent, NUMERO_B, exemples.SIRET_CFA_2)
    compte_a, compte_b = portail.id_compte(), portail.id_compte(EMAIL_B)
    ctx = portail.contexte
    return Monde(
        portail=portail,
        agent=agent,
        compte_a=compte_a,
        compte_b=compte_b,
        cle_a=cles_api.creer_cle_api(ctx, compte_a, "ERP A").texte,
        cle_b=cles_api.creer_cle_api(ctx, compte_b, "ERP B").texte,
    )


@pytest.fixture
def monde(fabrique_portail: Any) -> Monde:
    """The world of the API tests, default settings."""
    return monde_sur(fabrique_portail())


def envoi(
    monde: Monde,
    numero: str = NUMERO_A,
    *,
    compte: uuid.UUID | None = None,
    montant: str | None = None,
) -> tuple[dict[str, str], dict[str, Any]]:
    """The multipart body of a valid request on ``numero``: the next installment due.

    What is due comes from the core's pre-filling (the portal's form proposes the same).
    """
    prerempli = demandes.preparer_demande(monde.portail.contexte, compte or monde.compte_a, numero)
    assert prerempli.periode is not None
    demande = {
        "numeroAction": numero,
        "dateDebut": prerempli.periode.debut.isoformat(),
        "dateFin": prerempli.periode.fin.isoformat(),
        "conditionsAcceptees": True,
        "lignes": [{"natureLigne": "PEDAGOGIE", "montant": montant or str(prerempli.reste.valeur)}],
    }
    fichiers = {
        "facture": ("facture.pdf", pdf_valide("Facture"), "application/pdf"),
        "certificat_realisation": ("certificat.pdf", pdf_valide("Certificat"), "application/pdf"),
    }
    return {"demande": json.dumps(demande)}, fichiers


def _port_libre() -> int:
    with socket.socket() as prise:
        prise.bind(("127.0.0.1", 0))
        return int(prise.getsockname()[1])


@pytest.fixture(params=BASES_SQL)
def monde_sql(request: pytest.FixtureRequest, fabrique_portail: Any) -> Monde:
    """The world on a SQLite file, then on this session's PostgreSQL schema (emptied)."""
    if request.param == "sqlite":
        return monde_sur(fabrique_portail())
    schema: SchemaPostgresql = request.getfixturevalue("schema_postgresql")
    chemin = schema.options["connect_args"]["options"]  # -csearch_path=<schema>
    moteur = sa.create_engine(schema.url, **schema.options)
    try:
        noms = ", ".join(f'"{t.name}"' for t in tables.metadata.sorted_tables)
        with moteur.begin() as connexion:
            connexion.exec_driver_sql(f"TRUNCATE {noms} RESTART IDENTITY CASCADE")
    finally:
        moteur.dispose()
    url = f"{schema.url}?{urlencode({'options': chemin})}"
    return monde_sur(fabrique_portail(url_base_donnees=url))


@pytest.fixture
def serveur(monde_sql: Monde, tmp_path: Path) -> Iterator[tuple[str, Monde]]:
    """The API world served by uvicorn on a free port (a thread), its base URL.

    An application of its own on the world's database (the portal's is run by its test
    client), on each SQL backend.
    """
    monde = monde_sql
    application = create_app(
        reglages_de_test(tmp_path),
        Composants(contexte=monde.portail.contexte, compteur=CompteurSql(monde.portail.moteur)),
    )
    port = _port_libre()
    serveur = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning")
    )
    fil = threading.Thread(target=serveur.run, daemon=True)
    fil.start()
    limite = time.monotonic() + 10
    while not serveur.started:
        assert time.monotonic() < limite, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", monde
    finally:
        serveur.should_exit = True
        fil.join(timeout=10)
