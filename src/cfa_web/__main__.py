"""``cfa-web``: serve the portal.

- ``cfa-web demo``: the portal on http://127.0.0.1:8000 with the embedded default (SQLite
  under ``var/``, mail written under ``var/mail/``), demo data loaded on first start, the
  demo accounts' credentials printed. No setting is needed.
- ``cfa-web serve [--hote H] [--port P] [--workers N]``: production; the ``CFA_*``
  settings (README) are read and checked first: a bad value prints one French line and
  exits with status 2. On PostgreSQL, bring the schema up to date first (``cfa-db upgrade``).
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import sys
from typing import TYPE_CHECKING

import uvicorn
import uvicorn.config

from cfa_web.settings import ReglageInvalide, reglages_depuis_environnement_web

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

_journal = logging.getLogger("cfa_web")


def _analyseur() -> argparse.ArgumentParser:
    analyseur = argparse.ArgumentParser(
        prog="cfa-web", description="La Plateforme CFA (portail web).", add_help=False
    )
    analyseur.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte.")
    commandes = analyseur.add_subparsers(dest="commande", required=True, metavar="commande")
    for nom, aide in (
        ("demo", "sert le portail de démonstration (données d'exemple, aucun réglage)."),
        ("serve", "sert le portail avec les réglages CFA_* de l'environnement."),
    ):
        commande = commandes.add_parser(nom, help=aide, add_help=False)
        commande.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte.")
        commande.add_argument("--hote", default="127.0.0.1", help="adresse d'écoute (127.0.0.1).")
        commande.add_argument("--port", type=int, default=8000, help="port d'écoute (8000).")
        if nom == "serve":
            commande.add_argument("--workers", type=int, default=1, help="nombre de processus (1).")
    return analyseur


def main(arguments: Sequence[str] | None = None) -> int:
    """Run the command; return the process exit status."""
    options = _analyseur().parse_args(arguments)
    demo = options.commande == "demo"
    if demo and not os.environ.get("CFA_URL_BASE", "").strip():
        # The links of the demo's mails open this server.
        os.environ["CFA_URL_BASE"] = f"http://{options.hote}:{options.port}"
    try:
        reglages = reglages_depuis_environnement_web(demo=demo)
    except ReglageInvalide as erreur:
        print(f"cfa-web : {erreur}", file=sys.stderr)  # noqa: T201 - a CLI prints
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for bavard in ("alembic", "fontTools"):
        logging.getLogger(bavard).setLevel(logging.WARNING)
    if demo:
        os.environ["CFA_DEMO"] = "1"  # the workers re-read the settings: same mode
        _preparer_demo(reglages)
    print(  # noqa: T201
        f"Plateforme CFA : http://{options.hote}:{options.port}/ (Ctrl-C pour arrêter)",
        flush=True,
    )
    uvicorn.run(
        "cfa_web.app:app_depuis_environnement",
        factory=True,
        host=options.hote,
        port=options.port,
        workers=getattr(options, "workers", 1),
        proxy_headers=False,
        server_header=False,
        log_level="info",
        log_config=_journalisation(),
    )
    return 0


def _journalisation() -> dict[str, object]:
    """Uvicorn's logging, each line naming its worker process (``[pid]``)."""
    configuration = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    for formatteur in configuration["formatters"].values():
        formatteur["fmt"] = "[%(process)d] " + formatteur["fmt"]
    # The application's own lines (errors, relay, purges) go through the root logger, in
    # each worker process as in the main one.
    configuration["root"] = {"handlers": ["default"], "level": "INFO"}
    for bavard in ("alembic", "fontTools"):
        configuration["loggers"][bavard] = {"level": "WARNING"}
    return configuration


def _preparer_demo(reglages: object) -> None:
    """Load the demo data on first start and print the accounts to try."""
    from cfa_web.app import composants_reels  # noqa: PLC0415 - the database only when serving
    from cfa_web.demo import (  # noqa: PLC0415
        COMPTES_DEMO,
        EMAIL_INSCRIPTION,
        SIRET_CFA_3,
        charger_demo,
    )

    composants = composants_reels(reglages)  # type: ignore[arg-type]
    try:
        if charger_demo(composants.contexte):
            print("Données de démonstration chargées.", flush=True)  # noqa: T201
    finally:
        composants.fermer()
    print("Comptes de démonstration :", flush=True)  # noqa: T201
    for compte in COMPTES_DEMO:
        print(f"  {compte.role} : {compte.email} / {compte.mot_de_passe}", flush=True)  # noqa: T201
    print(  # noqa: T201
        f"Pour essayer l'inscription : SIRET {SIRET_CFA_3}, email {EMAIL_INSCRIPTION}.\n"
        "Les mails sont écrits sous var/mail/ (leurs liens s'affichent ici).",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
