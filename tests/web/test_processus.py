"""Several worker processes on PostgreSQL: sessions, CSRF, throttling and the relay shared.

``cfa-web serve --workers 2`` runs on a database of its own; requests land on either
worker (uvicorn's processes share the listening socket), so a session, a CSRF token or a
mail claimed by one worker must hold for the other: they live in the database.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from typing import TYPE_CHECKING

import argon2
import httpx
import pytest
import sqlalchemy as sa

from cfa_adapters.files.entrepot import EntrepotDocumentsFichiers
from cfa_adapters.sql.schema import mettre_a_jour_schema
from cfa_adapters.sql.uow import fabrique_uow
from cfa_adapters.systeme import HacheurArgon2, HorlogeSysteme, JetonsSecrets
from cfa_domain.services import acces
from cfa_domain.services.contexte import Contexte
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import MemoireRenduRecepisse
from cfa_domain.values import Email

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

URL_POSTGRESQL = os.environ.get(
    "CFA_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
EMAIL = "compta@cfa-sante.fr"
MOT_DE_PASSE = "Facturation-apprentis-2023"
_JETON = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
def base_postgresql() -> Iterator[str]:
    """A database of its own, dropped at the end (skipped, or failed under CI, without a server)."""
    nom = f"web_{uuid.uuid4().hex[:10]}"
    administration = sa.create_engine(
        URL_POSTGRESQL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with administration.connect() as connexion:
            connexion.exec_driver_sql(f'CREATE DATABASE "{nom}"')
    except sa.exc.OperationalError as erreur:
        administration.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL unreachable: {erreur}")
        pytest.skip(f"PostgreSQL unreachable: {erreur}")
    url = sa.make_url(URL_POSTGRESQL).set(database=nom).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with administration.connect() as connexion:
            connexion.exec_driver_sql(f'DROP DATABASE "{nom}" WITH (FORCE)')
        administration.dispose()


def _compte_actif(url: str, dossier: Path) -> None:
    moteur = sa.create_engine(url)
    try:
        mettre_a_jour_schema(moteur)
        ctx = Contexte(
            uow=fabrique_uow(moteur),
            horloge=HorlogeSysteme(),
            jetons=JetonsSecrets(),
            hacheur=HacheurArgon2(argon2.PasswordHasher(time_cost=1, memory_cost=1024)),
            documents=EntrepotDocumentsFichiers(dossier / "documents"),
            rendu_recepisse=MemoireRenduRecepisse(),
        )
        with ctx.uow() as uow:
            uow.organismes.ajouter(
                exemples.organisme(exemples.SIRET_CFA, emails_connus=(Email(EMAIL),))
            )
            uow.commit()
        acces.creer_compte(
            ctx,
            siret=str(exemples.SIRET_CFA),
            email=EMAIL,
            confirmation_email=EMAIL,
            mot_de_passe=MOT_DE_PASSE,
            confirmation_mot_de_passe=MOT_DE_PASSE,
        )
        with moteur.connect() as connexion:
            (secret,) = connexion.execute(
                sa.text("select contexte from outbox where modele = 'activation_compte'")
            ).scalars()
        lien = secret["lien_jeton"] if isinstance(secret, dict) else _json(secret)["lien_jeton"]
        acces.activer_compte(ctx, lien, MOT_DE_PASSE)
    finally:
        moteur.dispose()


def _json(texte: str) -> dict[str, str]:
    import json  # noqa: PLC0415

    valeur: dict[str, str] = json.loads(texte)
    return valeur


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def deux_processus(base_postgresql: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``cfa-web serve --workers 2`` on the database; its address and working folder."""
    _compte_actif(base_postgresql, tmp_path)
    port = _port_libre()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CFA_")}
    env |= {
        "CFA_DATABASE_URL": base_postgresql,
        "CFA_SECRET_KEY": "cle-de-test-des-processus-" + "x" * 20,
        "CFA_SECURE_COOKIES": "0",
        "CFA_RELAIS_INTERVALLE": "0.2",
        "CFA_DOCUMENTS_DIR": str(tmp_path / "documents"),
    }
    journal = tmp_path / "serveur.log"
    with journal.open("wb") as sortie:
        processus = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "cfa_web", "serve", "--port", str(port), "--workers", "2"],
            cwd=tmp_path,
            env=env,
            stdout=sortie,
            stderr=subprocess.STDOUT,
        )
    adresse = f"http://127.0.0.1:{port}"
    try:
        fin = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{adresse}/connexion", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if processus.poll() is not None or time.monotonic() > fin:
                pytest.fail(f"the server did not start:\n{journal.read_text()[-3000:]}")
            time.sleep(0.3)
        # Both workers answer before the test starts (each logs its start-up).
        while journal.read_text().count("Application startup complete") < 2:
            time.sleep(0.2)
        yield adresse, tmp_path
    finally:
        processus.terminate()
        processus.wait(timeout=30)


def _poster(client: httpx.Client, adresse: str, champs: dict[str, str]) -> httpx.Response:
    page = client.get(adresse)
    trouve = _JETON.search(page.text)
    assert trouve is not None
    return client.post(adresse, data={**champs, "_csrf_token": trouve.group(1)})


def test_deux_processus_partagent_sessions_csrf_et_relais(
    deux_processus: tuple[str, Path],
) -> None:
    """A session opened on one worker holds on both; a mail is sent once, by one relay."""
    adresse, dossier = deux_processus
    journal = dossier / "serveur.log"
    # A new connection per request: uvicorn's workers take turns accepting them.
    sans_reutilisation = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(
        base_url=adresse, follow_redirects=False, timeout=30, limits=sans_reutilisation
    ) as client:
        connexion = _poster(client, "/connexion", {"email": EMAIL, "mot_de_passe": MOT_DE_PASSE})
        assert connexion.status_code == 303, connexion.text
        for _ in range(40):
            assert client.get("/").status_code == 200
        # A form whose token was served by one worker is accepted by the other.
        for _ in range(6):
            sortie = _poster(client, "/mot-de-passe/oublie", {"email": EMAIL})
            assert sortie.status_code == 303
    servis = re.findall(r'^\[(\d+)\] .*"GET / HTTP/1.1" 200', journal.read_text(), re.MULTILINE)
    assert len(servis) == 40
    assert len(set(servis)) == 2, "the requests reached one worker only"
    # The activation mail and six reset mails queued: the two relays deliver each once.
    attendus = 7
    fin = time.monotonic() + 30
    while time.monotonic() < fin:
        if len(list((dossier / "var" / "mail").glob("*.eml"))) >= attendus:
            break
        time.sleep(0.2)
    time.sleep(2)
    mails = list((dossier / "var" / "mail").glob("*.eml"))
    assert len(mails) == attendus
    sujets = sorted(m.read_text().count("Subject:") for m in mails)
    assert sujets == [1] * attendus
