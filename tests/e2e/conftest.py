"""Browser tests: Playwright drives Debian's Chromium against a real server started here.

The server is ``python -m cfa_web demo`` in a temporary folder (its own ``var/``: SQLite
file, documents, mail written as ``.eml``), on a free port, its mail relay checking the
outbox every 0.2 s. Chromium is ``/usr/bin/chromium`` (``apt-get install chromium``; never
``playwright install``): without it these tests are skipped with the reason, except under
CI (``CI`` set), where they fail. Each test keeps a screenshot of every screen it visits
under ``test-artifacts/e2e/`` and checks it with axe-core: no serious or critical violation.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from playwright.sync_api import Browser, Page

import cfa_web

if TYPE_CHECKING:
    from collections.abc import Iterator

CHROMIUM = Path("/usr/bin/chromium")
SOURCES = Path(cfa_web.__file__).resolve().parents[1]
"""The folder of the ``cfa_web`` the tests import: the server started here runs it too."""
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
IMPACTS_BLOQUANTS = {"serious", "critical"}


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@attrs.frozen
class Serveur:
    """The portal under test: its address and its working folder."""

    adresse: str
    dossier: Path
    journal: Path

    @property
    def mails(self) -> Path:
        """Where the relay writes the mails."""
        return self.dossier / "var" / "mail"

    def attendre_mail(self, destinataire: str, sujet: str, delai: float = 30) -> str:
        """The text of the first mail to ``destinataire`` whose subject holds ``sujet``."""
        import email  # noqa: PLC0415
        import email.policy  # noqa: PLC0415

        fin = time.monotonic() + delai
        while time.monotonic() < fin:
            for fichier in sorted(self.mails.glob("*.eml")) if self.mails.exists() else []:
                message = email.message_from_bytes(
                    fichier.read_bytes(), policy=email.policy.default
                )
                if destinataire in str(message["To"]) and sujet in str(message["Subject"]):
                    corps = message.get_body(preferencelist=("plain",))
                    assert corps is not None
                    return str(corps.get_content())
            time.sleep(0.2)
        msg = f"no mail to {destinataire} about « {sujet} » within {delai} s"
        raise AssertionError(msg)

    def lien(self, texte: str) -> str:
        """The first link to this server in a mail's text."""
        trouve = re.search(re.escape(self.adresse) + r"/\S+", texte)
        assert trouve is not None, texte
        return trouve.group(0)


def _repond(adresse: str) -> bool:
    """Whether the page answers 200 now."""
    try:
        with urllib.request.urlopen(adresse, timeout=2) as reponse:  # noqa: S310 - our server
            return bool(reponse.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="session")
def serveur(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serveur]:
    """``cfa-web demo`` on a free port, in its own folder; stopped at the end."""
    dossier = tmp_path_factory.mktemp("portail")
    port = _port_libre()
    adresse = f"http://127.0.0.1:{port}"
    journal = dossier / "serveur.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CFA_") and key != "HYPOTHESIS_PROFILE"
    }
    env["CFA_RELAIS_INTERVALLE"] = "0.2"
    # The server imports the code under test (a relative PYTHONPATH would not survive
    # the change of folder).
    env["PYTHONPATH"] = os.pathsep.join(
        [str(SOURCES), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    )
    with journal.open("wb") as sortie:
        processus = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "cfa_web", "demo", "--port", str(port)],
            cwd=dossier,
            env=env,
            stdout=sortie,
            stderr=subprocess.STDOUT,
        )
    try:
        fin = time.monotonic() + 180
        while True:
            if _repond(f"{adresse}/connexion"):
                break
            if processus.poll() is not None or time.monotonic() > fin:
                pytest.fail(f"the server did not start:\n{journal.read_text()[-3000:]}")
            time.sleep(0.3)
        yield Serveur(adresse=adresse, dossier=dossier, journal=journal)
    finally:
        processus.terminate()
        try:
            processus.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
            processus.kill()


@pytest.fixture(scope="module")
def navigateur() -> Iterator[Browser]:
    """Debian's Chromium, headless, for one module of tests.

    Playwright's sync API keeps its event loop set in the main thread while it runs: it is
    stopped at the end of each module, so that the suites after ``tests/e2e`` (which run
    their own event loops) find none running.
    """
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(navigateur: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (no cookies), in French."""
    contexte = navigateur.new_context(locale="fr-FR", accept_downloads=True)
    onglet = contexte.new_page()
    onglet.set_default_timeout(20_000)
    try:
        yield onglet
    finally:
        contexte.close()
    del request


@attrs.define
class Ecrans:
    """Keeps a screenshot of each screen and checks it with axe-core."""

    page: Page
    test: str
    vus: list[str] = attrs.Factory(list)

    def verifier(self, nom: str) -> list[dict[str, Any]]:
        """Screenshot ``nom`` and return its serious or critical axe violations (asserted empty)."""
        from axe_playwright_python.sync_playwright import (  # type: ignore[import-untyped]  # noqa: PLC0415
            Axe,
        )

        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(
            path=ARTEFACTS / f"{self.test}--{len(self.vus):02d}-{nom}.png", full_page=True
        )
        self.vus.append(nom)
        resultats = Axe().run(self.page)
        violations = [
            v for v in resultats.response["violations"] if v.get("impact") in IMPACTS_BLOQUANTS
        ]
        assert violations == [], f"{nom}: {[(v['id'], v['help']) for v in violations]}"
        return violations


@pytest.fixture
def ecrans(page: Page, request: pytest.FixtureRequest) -> Ecrans:
    """Screenshots and accessibility checks of the screens a test visits."""
    return Ecrans(page=page, test=request.node.name)
