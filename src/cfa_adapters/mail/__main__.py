"""Command line of the mail adapter: ``cfa-mail relay [--once]``.

``relay`` delivers the outbox of the database named by ``--url`` (default:
``CFA_DATABASE_URL``, else the embedded SQLite file): with ``--once`` until nothing is
due, then it exits (a cron job, a test); without it, forever, checking every
``CFA_RELAIS_INTERVALLE`` seconds, until interrupted (Ctrl-C or SIGTERM end it after the
mail in flight). The settings come from the ``CFA_*`` variables of ``docs/mail.md``; a
bad value stops it at once with one French line and exit status 2. Without
``CFA_SMTP_HOST`` the mails are written under ``var/mail/`` and their links logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
import sys
from typing import TYPE_CHECKING

from cfa_adapters.mail.envoi import expediteur_depuis_reglages
from cfa_adapters.mail.reglages import ReglageInvalide, Reglages, reglages_depuis_environnement
from cfa_adapters.mail.relais import Relais, pieces_recepisse
from cfa_adapters.mail.rendu import RenduMails
from cfa_adapters.sql.__main__ import analyseur_sur_base
from cfa_adapters.sql.moteur import url_depuis_environnement
from cfa_adapters.sql.outbox import FileSql
from cfa_adapters.sql.schema import ouvrir_base
from cfa_adapters.sql.uow import fabrique_uow
from cfa_adapters.systeme import HacheurArgon2, HorlogeSysteme, JetonsSecrets
from cfa_domain.services.contexte import Contexte, Parametres

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    import sqlalchemy as sa

    from cfa_domain.ports import RenduRecepisse
    from cfa_domain.remboursement import Recepisse

__all__ = ["construire_relais", "main"]


def _analyseur() -> argparse.ArgumentParser:
    analyseur, commandes = analyseur_sur_base(
        "cfa-mail", "Envoi des mails de la Plateforme CFA (boîte d'envoi de la base)."
    )
    relais = commandes.add_parser("relay", help="envoie les mails en attente.", add_help=False)
    relais.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte.")
    relais.add_argument(
        "--once",
        action="store_true",
        help="envoie ce qui est dû puis s'arrête (sinon : tourne jusqu'à interruption).",
    )
    return analyseur


class _AucunDocument:
    """The relay's Contexte reaches no uploaded document: a call is a programming error."""

    def deposer(self, contenu: bytes) -> str:
        del contenu
        raise RuntimeError(_AUCUN_DOCUMENT)

    def lire(self, document_id: str) -> bytes:
        del document_id
        raise RuntimeError(_AUCUN_DOCUMENT)

    def supprimer(self, document_id: str) -> None:
        del document_id
        raise RuntimeError(_AUCUN_DOCUMENT)


_AUCUN_DOCUMENT = "Le relais des mails ne lit ni n'écrit aucun document déposé."


class _RecepissePdf:
    """The fpdf2 receipt renderer (``cfa_adapters.pdf``), loaded at the first receipt.

    Loaded late so that a relay without the ``pdf`` extra still sends every other mail; a
    receipt mail then waits (a temporary failure naming the missing module).
    """

    def rendre(self, recepisse: Recepisse) -> bytes:
        module = importlib.import_module("cfa_adapters.pdf.recepisse")
        rendu: RenduRecepisse = module.RenduRecepissePdf()
        return rendu.rendre(recepisse)


def construire_relais(moteur: sa.Engine, reglages: Reglages) -> Relais:
    """The relay of a database, with the receipt PDF attached to ``recepisse_demande``."""
    contexte = Contexte(
        uow=fabrique_uow(moteur),
        horloge=HorlogeSysteme(),
        jetons=JetonsSecrets(),
        hacheur=HacheurArgon2(),
        documents=_AucunDocument(),
        rendu_recepisse=_RecepissePdf(),
        parametres=Parametres(fuseau_horaire=reglages.mail.fuseau_horaire),
    )
    return Relais(
        FileSql(moteur),
        expediteur_depuis_reglages(reglages.smtp),
        RenduMails(reglages.mail),
        reglages.relais,
        pieces=pieces_recepisse(contexte),
    )


async def _tourner(relais: Relais) -> None:
    arret = asyncio.Event()
    boucle = asyncio.get_running_loop()
    for signal_arret in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            boucle.add_signal_handler(signal_arret, arret.set)
    await relais.tourner(arret)


def main(arguments: Sequence[str] | None = None) -> int:
    """Run the command; return the process exit status."""
    options = _analyseur().parse_args(arguments)
    try:
        reglages = reglages_depuis_environnement()
    except ReglageInvalide as erreur:
        print(f"cfa-mail : {erreur}", file=sys.stderr)  # noqa: T201 - a CLI prints
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    moteur = ouvrir_base(options.url or url_depuis_environnement())
    try:
        relais = construire_relais(moteur, reglages)
        if options.once:
            bilan = asyncio.run(relais.vider())
            print(  # noqa: T201
                f"Envoyés : {bilan.envoyes} ; à réessayer : {bilan.echecs_temporaires} ; "
                f"abandonnés : {bilan.echecs_definitifs}"
            )
        else:
            asyncio.run(_tourner(relais))
    finally:
        moteur.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
