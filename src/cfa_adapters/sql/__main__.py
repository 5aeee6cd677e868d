"""Command line of the SQL adapter: ``python -m cfa_adapters.sql upgrade``.

``upgrade`` brings the database named by ``--url`` (default: ``CFA_DATABASE_URL``, else
the embedded SQLite file) to the latest schema and says what it did; ``revision`` prints
the database's current revision and the latest one.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from alembic.runtime.migration import MigrationContext

from cfa_adapters.sql.moteur import creer_moteur, url_depuis_environnement
from cfa_adapters.sql.schema import mettre_a_jour_schema, revision_cible

if TYPE_CHECKING:
    from collections.abc import Sequence


def analyseur_sur_base(
    prog: str, description: str
) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction[argparse.ArgumentParser]]:
    """A French command line on a database (``-h``, ``--url``) and its sub-commands."""
    analyseur = argparse.ArgumentParser(prog=prog, description=description, add_help=False)
    analyseur.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte.")
    analyseur.add_argument(
        "--url",
        help="URL de la base (par défaut : variable CFA_DATABASE_URL, sinon var/cfa.sqlite3).",
    )
    commandes = analyseur.add_subparsers(
        title="commandes", dest="commande", required=True, metavar="commande"
    )
    return analyseur, commandes


def _analyseur() -> argparse.ArgumentParser:
    analyseur, commandes = analyseur_sur_base(
        "python -m cfa_adapters.sql",
        "Gestion du schéma de la base de données de la Plateforme CFA.",
    )
    commandes.add_parser("upgrade", help="met le schéma à jour (dernière révision).")
    commandes.add_parser("revision", help="affiche la révision de la base et la dernière.")
    return analyseur


def _sans_mot_de_passe(url: str) -> str:
    from sqlalchemy.engine import make_url  # noqa: PLC0415 - only needed for display

    return make_url(url).render_as_string(hide_password=True)


def main(arguments: Sequence[str] | None = None) -> int:
    """Run the command; return the process exit status."""
    options = _analyseur().parse_args(arguments)
    url = options.url or url_depuis_environnement()
    if options.commande == "upgrade":
        resultat = mettre_a_jour_schema(url)
        print(f"Base : {_sans_mot_de_passe(url)}")  # noqa: T201 - a CLI prints
        print(resultat)  # noqa: T201
        return 0
    moteur = creer_moteur(url)
    try:
        with moteur.connect() as connexion:
            actuelle = MigrationContext.configure(connexion).get_current_revision()
    finally:
        moteur.dispose()
    print(f"Base : {_sans_mot_de_passe(url)}")  # noqa: T201
    print(f"Révision de la base : {actuelle or 'aucune'} ; dernière : {revision_cible()}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
