"""``cfa-admin``: the OPCO administrator's commands on the agents' accounts.

- ``cfa-admin agent create EMAIL``: open an agent's account, active at once. The password
  is read from the terminal (typed twice, not echoed) or, when the standard input is not a
  terminal, from its first line (``cfa-admin agent create ... < fichier``);
  never from the command line, which other users of the machine can read.
- ``cfa-admin agent deactivate EMAIL --motif "..."``: deactivate an agent's account; its
  sessions end at once.
- ``cfa-admin dossiers refuser-sans-reponse --agent EMAIL``: the OPCO's silence, a daily
  job (:mod:`cfa_web.admin_dossiers`).

The database and the password policy are the deployment's: the same ``CFA_*`` settings
as ``cfa-web`` (README), read and checked first. Exit status 0 on success, 2 when the
command could not do its work (a bad setting, an input the core refuses, the database),
told in one French line on stderr.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, Final

import attrs
import sqlalchemy as sa

from cfa_adapters.sql.__main__ import STATUT_ERREUR, expliquer_erreur_base
from cfa_domain.errors import ErreurDomaine, ServiceIndisponible
from cfa_domain.services import acces
from cfa_web import admin_dossiers
from cfa_web.app import composants_reels
from cfa_web.errors import message_affiche
from cfa_web.settings import ReglageInvalide, reglages_depuis_environnement_web

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cfa_domain.services.contexte import Contexte

__all__ = ["AUTEUR", "main"]

AUTEUR: Final = "administrateur (cfa-admin)"
"""Who the accounts' history names for the changes these commands make."""


class _Refus(Exception):
    """The command cannot do its work: the one French line it prints."""


def _aide(analyseur: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``analyseur`` with its French ``-h``."""
    analyseur.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte.")
    return analyseur


def _analyseur() -> argparse.ArgumentParser:
    analyseur = _aide(
        argparse.ArgumentParser(
            prog="cfa-admin",
            description="Administration de la Plateforme CFA : comptes des conseillers de l'OPCO.",
            add_help=False,
        )
    )
    objets = analyseur.add_subparsers(dest="objet", required=True, metavar="objet")
    agent = _aide(
        objets.add_parser("agent", help="comptes des conseillers de l'OPCO.", add_help=False)
    )
    commandes = agent.add_subparsers(dest="commande", required=True, metavar="commande")
    creer = _aide(
        commandes.add_parser(
            "create",
            help="ouvre le compte d'un conseiller (mot de passe demandé, ou lu sur l'entrée).",
            add_help=False,
        )
    )
    creer.add_argument("email", help="adresse email de connexion du conseiller.")
    desactiver = _aide(
        commandes.add_parser(
            "deactivate", help="désactive le compte d'un conseiller.", add_help=False
        )
    )
    desactiver.add_argument("email", help="adresse email de connexion du conseiller.")
    desactiver.add_argument("--motif", required=True, help="raison de la désactivation.")
    admin_dossiers.ajouter(objets, _aide)
    return analyseur


def _mot_de_passe() -> str:
    """The new password: typed twice on a terminal, else the first line of the input."""
    if not sys.stdin.isatty():
        ligne = sys.stdin.readline()
        if not ligne.strip():
            raise _Refus("aucun mot de passe sur l'entrée standard (une ligne attendue).")
        return ligne.rstrip("\r\n")
    saisi = getpass.getpass("Mot de passe du conseiller : ")
    if getpass.getpass("Confirmez le mot de passe : ") != saisi:
        raise _Refus("les deux mots de passe saisis diffèrent.")
    return saisi


def _executer(options: argparse.Namespace, ctx: Contexte) -> str:
    if options.objet == admin_dossiers.OBJET:
        return admin_dossiers.executer(options, ctx)
    if options.commande == "create":
        mot_de_passe = _mot_de_passe()
        acces.creer_agent(ctx, options.email, mot_de_passe, AUTEUR)
        return f"Compte conseiller créé et actif : {options.email}."
    acces.desactiver_agent(ctx, options.email, options.motif, AUTEUR)
    return f"Compte conseiller désactivé : {options.email}."


def main(arguments: Sequence[str] | None = None) -> int:
    """Run the command; return the process exit status (2 when it could not do its work)."""
    options = _analyseur().parse_args(arguments)
    try:
        reglages = reglages_depuis_environnement_web()
    except ReglageInvalide as erreur:
        return _echec(str(erreur))
    url = reglages.url_base_donnees
    try:
        composants = composants_reels(attrs.evolve(reglages, relais_mail=False))
        try:
            message = _executer(options, composants.contexte)
        finally:
            composants.fermer()
    except _Refus as erreur:
        return _echec(str(erreur))
    except ServiceIndisponible as erreur:  # the unit of work's translation of a driver error
        cause = erreur.__cause__
        return _echec(
            expliquer_erreur_base(cause, url)
            if isinstance(cause, sa.exc.DBAPIError)
            else erreur.message
        )
    except ErreurDomaine as erreur:
        return _echec(message_affiche(erreur))
    except sa.exc.DBAPIError as erreur:
        return _echec(expliquer_erreur_base(erreur, url))
    print(message)  # noqa: T201 - a CLI prints
    return 0


def _echec(message: str) -> int:
    print(f"cfa-admin : {message}", file=sys.stderr)  # noqa: T201 - a CLI prints
    return STATUT_ERREUR
