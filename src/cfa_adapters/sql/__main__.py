"""Command line of the SQL adapter: ``cfa-db upgrade`` (or ``python -m cfa_adapters.sql``).

``upgrade`` brings the database named by ``--url`` (default: ``CFA_DATABASE_URL``, else
the embedded SQLite file) to the latest schema and says what it did; ``revision`` prints
the database's current revision and the latest one. ``--url`` takes the forms
``CFA_DATABASE_URL`` takes (``postgresql://`` and ``postgres://`` included).

What an operator gets wrong (the ``sql`` extra not installed, a URL that does not parse,
a server that does not answer, a database that does not exist, a file that is not a
database) is told in one French line on stderr, with exit status 2, not a traceback.
SQLAlchemy and Alembic are imported only once the command runs, so that their absence is
one of those lines too.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    import sqlalchemy as sa

__all__ = ["analyseur_sur_base", "expliquer_erreur_base", "main"]

STATUT_ERREUR = 2
_MOT_DE_PASSE = re.compile(r"(://[^:/@]*:)[^@]*@")
# What drivers say when the server cannot be reached (psycopg, from libpq).
_INJOIGNABLE = ("Connection refused", "resolve host", "timeout", "No route", "unreachable")


class ErreurCommande(Exception):
    """Why the command cannot do its work, as the one French line it prints."""


def analyseur_sur_base(
    prog: str, description: str
) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction[argparse.ArgumentParser]]:
    """A French command line on a database (``-h``, ``--url``) and its sub-commands."""
    analyseur = argparse.ArgumentParser(prog=prog, description=description, add_help=False)
    analyseur.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte.")
    analyseur.add_argument(
        "--url",
        help=(
            "URL de la base, sous les mêmes formes que CFA_DATABASE_URL (par défaut : cette "
            "variable, sinon sqlite:///var/cfa.sqlite3)."
        ),
    )
    commandes = analyseur.add_subparsers(
        title="commandes", dest="commande", required=True, metavar="commande"
    )
    return analyseur, commandes


def _analyseur() -> argparse.ArgumentParser:
    analyseur, commandes = analyseur_sur_base(
        "cfa-db", "Gestion du schéma de la base de données de la Plateforme CFA."
    )
    commandes.add_parser("upgrade", help="met le schéma à jour (dernière révision).")
    commandes.add_parser("revision", help="affiche la révision de la base et la dernière.")
    return analyseur


def main(arguments: Sequence[str] | None = None) -> int:
    """Run the command; return the process exit status (2 when it could not do its work)."""
    options = _analyseur().parse_args(arguments)
    try:
        for ligne in _executer(options.commande, options.url):
            print(ligne)  # noqa: T201 - a CLI prints
    except ErreurCommande as erreur:
        print(f"cfa-db : {erreur}", file=sys.stderr)  # noqa: T201
        return STATUT_ERREUR
    return 0


def _executer(commande: str, url_donnee: str | None) -> list[str]:
    try:
        import alembic  # noqa: F401, PLC0415 - only to tell its absence
        import sqlalchemy as sa  # noqa: PLC0415
    except ImportError:
        raise ErreurCommande(
            "SQLAlchemy et Alembic ne sont pas installés : installez l'extra « sql » "
            "(pip install 'cfa-platform[sql]', ou 'cfa-platform[postgresql]' pour PostgreSQL)."
        ) from None
    from cfa_adapters.sql.moteur import normaliser_url, url_depuis_environnement  # noqa: PLC0415

    url = url_depuis_environnement() if url_donnee is None else normaliser_url(url_donnee)
    affichee = _MOT_DE_PASSE.sub(r"\1***@", url)
    try:
        adresse = sa.make_url(url)
        adresse.get_dialect()
    except sa.exc.ArgumentError:
        raise ErreurCommande(
            f"URL de base invalide : « {affichee} » (attendu par exemple "
            "sqlite:///var/cfa.sqlite3 ou postgresql://utilisateur@serveur/base)."
        ) from None
    affichee = adresse.render_as_string(hide_password=True)
    if adresse.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ErreurCommande(
            f"base non prise en charge : « {affichee} » (la plateforme fonctionne sur SQLite "
            "et PostgreSQL)."
        )
    try:
        return _executer_sur(commande, url, adresse, affichee)
    except ImportError as absent:
        extra = "postgresql" if adresse.get_backend_name() == "postgresql" else "sql"
        raise ErreurCommande(
            f"le module {absent.name} n'est pas installé : installez l'extra « {extra} » "
            f"(pip install 'cfa-platform[{extra}]')."
        ) from None
    except sa.exc.DBAPIError as erreur:
        raise ErreurCommande(_expliquer(erreur, adresse, affichee)) from None
    except OSError as erreur:
        raise ErreurCommande(
            f"impossible d'ouvrir la base {affichee} : {erreur.strerror or erreur}."
        ) from None


def _executer_sur(commande: str, url: str, adresse: sa.URL, affichee: str) -> list[str]:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    from cfa_adapters.sql.moteur import creer_moteur  # noqa: PLC0415
    from cfa_adapters.sql.schema import mettre_a_jour_schema, revision_cible  # noqa: PLC0415

    fichier = _fichier_sqlite(adresse)
    if commande == "upgrade":
        return [f"Base : {affichee}", str(mettre_a_jour_schema(url))]
    if fichier is not None and not fichier.is_file():
        # Connecting would create an empty file; only `upgrade` creates the embedded base.
        raise ErreurCommande(f"la base SQLite {fichier} n'existe pas (cfa-db upgrade la crée).")
    moteur = creer_moteur(url)
    try:
        with moteur.connect() as connexion:
            actuelle = MigrationContext.configure(connexion).get_current_revision()
    finally:
        moteur.dispose()
    return [
        f"Base : {affichee}",
        f"Révision de la base : {actuelle or 'aucune'} ; dernière : {revision_cible()}",
    ]


def _fichier_sqlite(adresse: sa.URL) -> Path | None:
    if adresse.get_backend_name() != "sqlite" or adresse.database in (None, "", ":memory:"):
        return None
    return Path(str(adresse.database))


def expliquer_erreur_base(erreur: sa.exc.DBAPIError, url: str) -> str:
    """The French line for a driver's error on the database at ``url`` (password hidden)."""
    import sqlalchemy as sa  # noqa: PLC0415 - this module loads SQLAlchemy only when used

    adresse = sa.make_url(url)
    return _expliquer(erreur, adresse, adresse.render_as_string(hide_password=True))


def _expliquer(erreur: sa.exc.DBAPIError, adresse: sa.URL, affichee: str) -> str:
    """The French line for a driver's error, from what the drivers say in English."""
    detail = str(erreur.orig).strip() or type(erreur.orig).__name__
    premiere_ligne = detail.splitlines()[0]
    fichier = _fichier_sqlite(adresse)
    serveur, base, utilisateur = adresse.host, adresse.database, adresse.username
    cas = (
        (
            fichier and "not a database" in detail,
            f"le fichier {fichier} n'est pas une base SQLite.",
        ),
        (fichier and "unable to open" in detail, f"impossible d'ouvrir le fichier {fichier}."),
        (
            'database "' in detail and "does not exist" in detail,
            f"la base {base} n'existe pas sur le serveur {serveur}.",
        ),
        (
            'role "' in detail and "does not exist" in detail,
            f"l'utilisateur {utilisateur} n'existe pas sur le serveur {serveur}.",
        ),
        (
            "authentication failed" in detail,
            f"le serveur {serveur} a refusé le mot de passe de {utilisateur}.",
        ),
        (
            any(signe in detail for signe in _INJOIGNABLE),
            f"le serveur de la base {affichee} ne répond pas : {premiere_ligne}",
        ),
    )
    return next(
        (message for condition, message in cas if condition),
        f"la base {affichee} a refusé l'opération : {premiere_ligne}",
    )


if __name__ == "__main__":
    sys.exit(main())
