"""Command line of the document store: ``cfa-documents sweep``.

``sweep`` removes the stored documents that no committed row of the database references
and that are older than the grace period (default: the platform's, 24 h), and the partial
files a crash left. The database is ``--url`` (default ``CFA_DATABASE_URL``, else the
embedded SQLite file), the store ``--racine`` (default ``CFA_DOCUMENTS_DIR``, else
``var/documents``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from typing import TYPE_CHECKING

from cfa_adapters.files.balayage import balayer
from cfa_adapters.files.entrepot import EntrepotDocumentsFichiers
from cfa_adapters.sql.moteur import creer_moteur, url_depuis_environnement
from cfa_adapters.sql.uow import fabrique_uow
from cfa_adapters.systeme import HorlogeSysteme
from cfa_domain.services.contexte import Parametres

if TYPE_CHECKING:
    from collections.abc import Sequence


def _analyseur() -> argparse.ArgumentParser:
    analyseur = argparse.ArgumentParser(
        prog="cfa-documents",
        description="Entretien des documents déposés sur la Plateforme CFA.",
        add_help=False,
    )
    analyseur.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte.")
    analyseur.add_argument(
        "--url",
        help="URL de la base (par défaut : variable CFA_DATABASE_URL, sinon var/cfa.sqlite3).",
    )
    analyseur.add_argument(
        "--racine",
        help="dossier des documents (par défaut : variable CFA_DOCUMENTS_DIR, "
        "sinon var/documents).",
    )
    commandes = analyseur.add_subparsers(
        title="commandes", dest="commande", required=True, metavar="commande"
    )
    balayage = commandes.add_parser(
        "sweep", help="supprime les documents orphelins plus anciens que le délai de grâce."
    )
    heures = Parametres().delai_grace_documents / dt.timedelta(hours=1)
    balayage.add_argument(
        "--delai-heures",
        type=float,
        default=heures,
        help=f"délai de grâce en heures (par défaut : {heures:g}).",
    )
    return analyseur


def main(arguments: Sequence[str] | None = None) -> int:
    """Run the command; return the process exit status."""
    options = _analyseur().parse_args(arguments)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s : %(message)s")
    if options.delai_heures < 0:
        print("Le délai de grâce ne peut pas être négatif.")  # noqa: T201 - a CLI prints
        return 2
    moteur = creer_moteur(options.url or url_depuis_environnement())
    try:
        resultat = balayer(
            fabrique_uow(moteur),
            EntrepotDocumentsFichiers(options.racine),
            maintenant=HorlogeSysteme().maintenant(),
            delai_grace=dt.timedelta(hours=options.delai_heures),
        )
    finally:
        moteur.dispose()
    print(resultat)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
