r"""The JSON API beside the portal: a file's detail and a request's creation, requests/s.

Usage (from the repository root)::

    PYTHONPATH=src:benchmarks python benchmarks/bench_api.py --dossiers 200

One SQLite file (as deployed), one organisme with ``--dossiers`` files *en cours*, one
logged-in account and one API key; the real application (:func:`cfa_web.app.create_app`)
driven by Litestar's test client, so each figure is a whole HTTP request (routing,
session or key check, use case, SQL, rendering). For the same data it prints requests
per second (and the median and worst milliseconds) of:

- a file's detail: the use case alone (``actions.consulter_action``, the raw baseline),
  the API (``GET /api/v1/dossiers/<n>``: key check, JSON) and the portal's page
  (``/actions/<n>``: session check, HTML with the schedule's chart);
- a request's creation with its two PDFs, one per file: the use case alone
  (``demandes.soumettre_demande``), the API (multipart invoice) and the portal's form
  (the form's POST alone, its CSRF token read once beforehand; redirect to the receipt).

No figure is asserted: compare runs (and versions) by reading them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import argon2

from cfa_adapters.sql.schema import ouvrir_base
from cfa_adapters.sql.uow import fabrique_uow
from cfa_adapters.systeme import HacheurArgon2, JetonsSecrets
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.services import actions, cles_api, demandes
from cfa_domain.services.contexte import Contexte
from cfa_domain.services.demandes import CommandeDemande
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import HorlogeFixe, MemoireEntrepotDocuments, MemoireRenduRecepisse
from cfa_domain.values import Categorie, Email, Piece
from cfa_web.app import Composants, create_app
from cfa_web.settings import ReglagesWeb

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Iterator

EMAIL = "compta@cfa-exemple.fr"
PDF = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"


def peupler(contexte: Contexte, nombre: int) -> uuid.UUID:
    """One organisme, its accountant, ``nombre`` files *en cours*; the account's id."""
    organisme = exemples.organisme(emails_connus=(Email(EMAIL),))
    compte = exemples.compte_actif(EMAIL, chez=organisme, hasher=contexte.hacheur)
    with contexte.uow() as uow:
        uow.organismes.ajouter(organisme)
        uow.comptes.ajouter(compte)
        for rang in range(nombre):
            uow.actions.ajouter(exemples.action(f"20113{rang:05d}"))
        uow.commit()
    return compte.id


def chronometrer(appels: Iterator[Callable[[], object]]) -> tuple[float, float, float]:
    """Requests per second, median and worst milliseconds of the calls."""
    durees = []
    for appel in appels:
        debut = time.perf_counter()
        appel()
        durees.append((time.perf_counter() - debut) * 1000)
    return 1000 * len(durees) / sum(durees), statistics.median(durees), max(durees)


def afficher(nom: str, appels: Iterator[Callable[[], object]]) -> None:
    """Time the calls and print their line."""
    debit, mediane, pire = chronometrer(appels)
    print(f"{nom:<32} {debit:8.1f} req/s   médiane {mediane:7.1f} ms   pire {pire:7.1f} ms")


def mesurer_lectures(lectures: dict[str, Callable[[], object]], repetitions: int) -> None:
    """Warm each read up (caches, first connections, templates), then time it."""
    for appel in lectures.values():
        for _ in range(5):
            appel()
    for nom, appel in lectures.items():
        afficher(nom, (appel for _ in range(repetitions)))


def verifier(reponse: Any, statut: int, suite: str = "") -> Any:  # noqa: ANN401 - httpx's
    """The response, if its status is the expected one (and its redirect goes to ``suite``)."""
    if reponse.status_code != statut or not reponse.headers.get("location", "").startswith(suite):
        msg = f"{reponse.request.url}: {reponse.status_code} {reponse.text[:300]}"
        raise RuntimeError(msg)
    return reponse


def main() -> None:
    """Build the organisme, log in, create a key, time both paths."""
    from litestar.testing import TestClient  # noqa: PLC0415 - the web extra

    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--dossiers", type=int, default=200)
    arguments.add_argument("--repetitions", type=int, default=50)
    options = arguments.parse_args()
    for bavard in ("httpx", "alembic"):
        logging.getLogger(bavard).setLevel(logging.WARNING)
    tiers = options.dossiers // 3

    dossier = Path(tempfile.mkdtemp())
    reglages = ReglagesWeb(
        url_base_donnees=f"sqlite:///{dossier / 'cfa.sqlite3'}",
        cle_secrete="cle-de-banc-" + "x" * 40,
        cookies_securises=False,
        dossier_documents=dossier / "documents",
        relais_mail=False,
        limite_api=10**9,
    )
    moteur = ouvrir_base(reglages.url_base_donnees)
    contexte = Contexte(
        uow=fabrique_uow(moteur),
        horloge=HorlogeFixe(dt.datetime(2024, 10, 15, 9, 0, tzinfo=dt.UTC)),
        jetons=JetonsSecrets(),
        hacheur=HacheurArgon2(argon2.PasswordHasher(time_cost=1, memory_cost=1024)),
        documents=MemoireEntrepotDocuments(),
        rendu_recepisse=MemoireRenduRecepisse(),
    )
    compte_id = peupler(contexte, options.dossiers)
    cle = cles_api.creer_cle_api(contexte, compte_id, "banc").texte
    numeros = [f"20113{rang:05d}" for rang in range(options.dossiers)]
    due = demandes.preparer_demande(contexte, compte_id, numeros[0])
    if due.periode is None:
        raise RuntimeError("aucune échéance à demander")
    periode, montant = due.periode, due.reste
    app = create_app(reglages, Composants(contexte=contexte, moteur=moteur))
    with TestClient(app) as client:
        page = client.get("/connexion")
        jeton = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
        verifier(
            client.post(
                "/connexion",
                data={"email": EMAIL, "mot_de_passe": exemples.MOT_DE_PASSE, "_csrf_token": jeton},
                follow_redirects=False,
            ),
            303,
        )
        api = TestClient(app)
        entetes = {"Authorization": f"Bearer {cle}"}
        fichiers = {
            "facture": ("facture.pdf", PDF, "application/pdf"),
            "certificat_realisation": ("certificat.pdf", PDF, "application/pdf"),
        }

        def par_le_cas_d_usage(numero: str) -> Callable[[], object]:
            return lambda: demandes.soumettre_demande(
                contexte,
                compte_id,
                CommandeDemande(
                    numero_action=numero,
                    periode=periode,
                    montants=MontantsDemandes.depuis({Categorie.FRAIS_PEDAGOGIQUES: montant}),
                    fichiers=(
                        (Piece.FACTURE, "f.pdf", PDF),
                        (Piece.CERTIFICAT_REALISATION, "c.pdf", PDF),
                    ),
                    conditions_acceptees=True,
                ),
            )

        def par_l_api(numero: str) -> Callable[[], object]:
            facture = {
                "numeroAction": numero,
                "dateDebut": periode.debut.isoformat(),
                "dateFin": periode.fin.isoformat(),
                "conditionsAcceptees": True,
                "lignes": [{"natureLigne": "PEDAGOGIE", "montant": f"{montant.valeur:.2f}"}],
            }
            return lambda: verifier(
                api.post(
                    "/api/v1/demandes",
                    data={"demande": json.dumps(facture)},
                    files=fichiers,
                    headers=entetes,
                ),
                201,
            )

        formulaire = client.get(f"/actions/{numeros[-1]}/demande").text
        jeton = formulaire.split('name="_csrf_token" value="')[1].split('"')[0]

        def par_le_portail(numero: str) -> Callable[[], object]:
            def appel() -> object:
                return verifier(
                    client.post(
                        f"/actions/{numero}/demande",
                        data={
                            "_csrf_token": jeton,
                            "date_debut": periode.debut.isoformat(),
                            "date_fin": periode.fin.isoformat(),
                            "frais_pedagogiques": f"{montant.valeur:.2f}".replace(".", ","),
                            "conditions_acceptees": "oui",
                        },
                        files=fichiers,
                        follow_redirects=False,
                    ),
                    303,
                    "/demandes/",
                )

            return appel

        numero = numeros[0]
        lectures: dict[str, Callable[[], object]] = {
            "détail, cas d'usage seul": lambda: actions.consulter_action(
                contexte, compte_id, numero
            ),
            "détail, API JSON": lambda: verifier(
                api.get(f"/api/v1/dossiers/{numero}", headers=entetes), 200
            ),
            "détail, page du portail": lambda: verifier(client.get(f"/actions/{numero}"), 200),
        }
        mesurer_lectures(lectures, options.repetitions)
        creations = {
            "création, cas d'usage seul": (par_le_cas_d_usage, numeros[:tiers]),
            "création, API multipart": (par_l_api, numeros[tiers : 2 * tiers]),
            "création, formulaire du portail": (par_le_portail, numeros[2 * tiers : 3 * tiers]),
        }
        for nom, (fabrique, lot) in creations.items():
            afficher(nom, (fabrique(n) for n in lot))
    moteur.dispose()
    shutil.rmtree(dossier, ignore_errors=True)


if __name__ == "__main__":
    main()
