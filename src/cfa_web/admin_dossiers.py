"""``cfa-admin dossiers …``: the administrator's commands on the files (scheduled jobs).

- ``cfa-admin dossiers refuser-sans-reponse --agent EMAIL``: the OPCO's silence (guide's
  glossary: 20 days without an answer after filing is a refusal). Refuses every file
  still *reçu*, *en instruction* or *en attente* filed too long ago, in the name of the
  agent ``EMAIL`` (the author of the history entries; the CFA is mailed as for any
  refusal). Meant for a daily scheduler (cron, a systemd timer); running it twice a day
  refuses nothing more. It prints the number of files refused and their action numbers.

The commands are registered on ``cfa-admin``'s parser by :func:`ajouter` and run by
:func:`executer` (:mod:`cfa_web.admin` handles settings, errors and exit status).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cfa_domain.services import dossiers

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from cfa_domain.services.contexte import Contexte

__all__ = ["OBJET", "ajouter", "executer"]

OBJET = "dossiers"


def ajouter(
    objets: argparse._SubParsersAction[Any],
    aide: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    """Register ``dossiers refuser-sans-reponse`` on ``cfa-admin``'s sub-commands."""
    objet = aide(objets.add_parser(OBJET, help="dossiers des apprentis.", add_help=False))
    commandes = objet.add_subparsers(dest="commande", required=True, metavar="commande")
    refuser = aide(
        commandes.add_parser(
            "refuser-sans-reponse",
            help="refuse les dossiers restés sans réponse de l'OPCO trop longtemps (tâche "
            "quotidienne).",
            add_help=False,
        )
    )
    refuser.add_argument(
        "--agent", required=True, help="adresse du conseiller au nom duquel les refus sont faits."
    )


def executer(options: argparse.Namespace, ctx: Contexte) -> str:
    """Run the command; the line it prints."""
    refuses = dossiers.refuser_sans_reponse_par(ctx, options.agent)
    if not refuses:
        return "Aucun dossier à refuser."
    pluriel = "s" if len(refuses) > 1 else ""
    return f"{len(refuses)} dossier{pluriel} refusé{pluriel} : {', '.join(refuses)}."
