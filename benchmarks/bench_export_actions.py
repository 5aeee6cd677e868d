r"""The "Mes actions" pages over HTTP, and the streamed CSV export of a large organisme.

Usage (from the repository root)::

    PYTHONPATH=src:benchmarks python benchmarks/bench_export_actions.py --dossiers 5000

One SQLite file (as deployed), one organisme with ``--dossiers`` files and one logged-in
account; the real application (:func:`cfa_web.app.create_app`) driven by Litestar's test
client, so each figure is a whole HTTP request (routing, session check, use case, SQL,
template). It prints, for ``--repetitions`` runs each, the median and worst time of:

- the list's first page and last page (``/actions``, ``/actions?page=N``);
- a file's detail page (``/actions/<numero>``: blocks, schedule, SVG chart, history);
- the CSV export of every file (``/actions/export.csv``, read page after page through
  the use case, 100 files a call), with its size and rows per second.

No figure is asserted: compare runs (and versions) by reading them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import argon2

from cfa_adapters.sql.schema import ouvrir_base
from cfa_adapters.sql.uow import fabrique_uow
from cfa_adapters.systeme import HacheurArgon2, JetonsSecrets
from cfa_domain.services.contexte import Contexte
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import HorlogeFixe, MemoireEntrepotDocuments, MemoireRenduRecepisse
from cfa_domain.values import Email
from cfa_web.app import Composants, create_app
from cfa_web.settings import ReglagesWeb

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar import Litestar
    from litestar.testing import TestClient

EMAIL = "compta@cfa-exemple.fr"
NOMS = ("Martin", "Bernard", "Dubois", "Lefèvre", "Müller", "Garcia", "Noël", "Roussel")


def peupler(contexte: Contexte, nombre: int) -> None:
    """One organisme, its accountant, and ``nombre`` files in progress."""
    organisme = exemples.organisme(emails_connus=(Email(EMAIL),))
    with contexte.uow() as uow:
        uow.organismes.ajouter(organisme)
        uow.comptes.ajouter(exemples.compte_actif(EMAIL, chez=organisme, hasher=contexte.hacheur))
        for rang in range(nombre):
            apprenti = exemples.apprenti(nom=NOMS[rang % len(NOMS)], prenom=f"Prénom{rang}")
            uow.actions.ajouter(
                exemples.action(f"20113{rang:05d}", contrat=exemples.contrat(apprenti=apprenti))
            )
        uow.commit()


def chronometrer(appel: Callable[[], bytes], repetitions: int) -> tuple[float, float, int]:
    """Median and worst milliseconds of ``appel``, and the size of its last answer."""
    durees, taille = [], 0
    for _ in range(repetitions):
        debut = time.perf_counter()
        taille = len(appel())
        durees.append((time.perf_counter() - debut) * 1000)
    return statistics.median(durees), max(durees), taille


def lire(client: TestClient[Litestar], adresse: str) -> Callable[[], bytes]:
    """A GET that must answer 200."""

    def appel() -> bytes:
        reponse = client.get(adresse)
        if reponse.status_code != 200:  # noqa: PLR2004
            msg = f"{adresse}: {reponse.status_code}"
            raise RuntimeError(msg)
        return reponse.content

    return appel


def connecter(client: TestClient[Litestar], email: str) -> None:
    """Log the account ``email`` in (the test kit's password), through the login form."""
    page = client.get("/connexion")
    jeton = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
    connexion = client.post(
        "/connexion",
        data={"email": email, "mot_de_passe": exemples.MOT_DE_PASSE, "_csrf_token": jeton},
        follow_redirects=False,
    )
    if connexion.status_code != 303:  # noqa: PLR2004
        raise RuntimeError(connexion.text[:500])


def main() -> None:
    """Build the organisme, log in, time the pages."""
    from litestar.testing import TestClient  # noqa: PLC0415 - the web extra

    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--dossiers", type=int, default=5000)
    arguments.add_argument("--repetitions", type=int, default=5)
    options = arguments.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)

    dossier = Path(tempfile.mkdtemp())
    reglages = ReglagesWeb(
        url_base_donnees=f"sqlite:///{dossier / 'cfa.sqlite3'}",
        cle_secrete="cle-de-banc-" + "x" * 40,
        cookies_securises=False,
        dossier_documents=dossier / "documents",
        relais_mail=False,
    )
    moteur = ouvrir_base(reglages.url_base_donnees)
    contexte = Contexte(
        uow=fabrique_uow(moteur),
        horloge=HorlogeFixe(dt.datetime(2024, 3, 15, 9, 0, tzinfo=dt.UTC)),
        jetons=JetonsSecrets(),
        hacheur=HacheurArgon2(argon2.PasswordHasher(time_cost=1, memory_cost=1024)),
        documents=MemoireEntrepotDocuments(),
        rendu_recepisse=MemoireRenduRecepisse(),
    )
    debut = time.perf_counter()
    peupler(contexte, options.dossiers)
    print(f"{options.dossiers} dossiers créés en {time.perf_counter() - debut:.1f} s")
    app = create_app(reglages, Composants(contexte=contexte, moteur=moteur))
    with TestClient(app) as client:
        connecter(client, EMAIL)
        derniere = -(-options.dossiers // contexte.parametres.taille_page)
        mesures = {
            "liste, page 1": lire(client, "/actions"),
            f"liste, page {derniere}": lire(client, f"/actions?page={derniere}"),
            "détail d'un dossier": lire(client, "/actions/2011300000"),
            "export CSV complet": lire(client, "/actions/export.csv"),
        }
        for nom, appel in mesures.items():
            mediane, pire, taille = chronometrer(appel, options.repetitions)
            print(f"{nom:<24} médiane {mediane:8.1f} ms   pire {pire:8.1f} ms   {taille} octets")
            if nom.startswith("export"):
                print(f"{'':<24} {options.dossiers / mediane * 1000:,.0f} lignes/s (médiane)")
    moteur.dispose()
    shutil.rmtree(dossier, ignore_errors=True)


if __name__ == "__main__":
    main()
