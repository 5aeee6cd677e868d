r"""Mail relay benchmark: outbox messages delivered per second to a local SMTP server.

Usage (from the repository root)::

    PYTHONPATH=src:benchmarks python benchmarks/bench_mail.py --messages 2000
    PYTHONPATH=src:benchmarks python benchmarks/bench_mail.py --messages 2000 --moteurs sqlite

An aiosmtpd server on 127.0.0.1 (a free port) accepts every mail and counts it. In the
same run:

- **raw aiosmtplib**: one connection, ``send_message`` in a loop over mails composed
  beforehand (the floor: the SMTP conversation alone);
- **relay**: the outbox of a fresh database (SQLite file, PostgreSQL schema) holding the
  messages, drained by :meth:`Relais.vider` through aiosmtplib: claim a batch, compose
  each mail from its template (Jinja2, Babel), send it, mark it sent with its attempt row
  (the marks queued while a group is written go in one transaction), in batches of
  ``--lot``.

The typical message is an activation mail (text + HTML); ``--recepisse`` uses the
request-received template with a 60 kB attachment instead (the worst case of the
outbox's templates).

Each line gives the rate (wall clock) and the CPU time of the whole process per mail (the
server's thread included, and the relay's worker threads): on a shared machine, the rate
follows the load, the CPU time much less.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import socket
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosmtplib
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from cfa_adapters.mail.envoi import ExpediteurSmtp
from cfa_adapters.mail.reglages import ParametresRelais, ParametresSmtp, Securite
from cfa_adapters.mail.relais import Relais
from cfa_adapters.mail.rendu import PieceJointeMail, RenduMails
from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.outbox import FileSql
from cfa_adapters.sql.schema import mettre_a_jour_schema
from cfa_adapters.sql.uow import fabrique_uow
from cfa_domain.ports import MessageSortant
from cfa_domain.values import Email

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

URL_POSTGRESQL = os.environ.get(
    "CFA_BENCH_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PIECE = PieceJointeMail("recepisse-2011303654-01.pdf", "application/pdf", os.urandom(60_000))


class Compteur:
    """aiosmtpd handler that accepts and counts."""

    def __init__(self) -> None:
        """Start at zero."""
        self.recus = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: ANN401, N802
        """Accept the mail."""
        del server, session, envelope
        self.recus += 1
        return "250 OK"


@contextlib.contextmanager
def serveur() -> Iterator[tuple[int, Compteur]]:
    """Aiosmtpd on 127.0.0.1, on a free port."""
    with socket.socket() as prise:
        prise.bind(("127.0.0.1", 0))
        port = prise.getsockname()[1]
    compteur = Compteur()
    controleur = Controller(compteur, hostname="127.0.0.1", port=port)
    controleur.start()
    try:
        yield port, compteur
    finally:
        controleur.stop()


def messages(nombre: int, *, recepisse: bool) -> list[MessageSortant]:
    """The outbox content: activation mails, or request-received mails."""
    quand = dt.datetime(2025, 9, 1, 9, tzinfo=dt.UTC)
    if recepisse:
        contexte = {
            "demande_id": str(uuid.uuid4()),
            "date": "2025-09-01",
            "organisme": "CFA des Métiers de la Santé",
            "numero_action": "2011303654",
            "reference_opco": "2011303654-01",
            "debut": "2025-09-01",
            "fin": "2026-02-28",
            "montant": "26247.00",
        }
    else:
        contexte = {
            "lien_jeton": "q4R-Zt8" * 6,
            "expire_le": "2025-09-02T09:00:00+00:00",
            "organisme": "CFA des Métiers de la Santé",
        }
    modele = "recepisse_demande" if recepisse else "activation_compte"
    return [
        MessageSortant(uuid.uuid4(), Email(f"cfa{i}@cfa-a.fr"), modele, contexte, quand)
        for i in range(nombre)
    ]


class Chrono:
    """Wall-clock and CPU seconds (of the whole process: the server's thread too)."""

    def __init__(self) -> None:
        """Start both clocks."""
        self.debut = time.perf_counter(), time.process_time()
        self.duree = self.cpu = 0.0

    def arreter(self) -> None:
        """Stop both clocks."""
        self.duree = time.perf_counter() - self.debut[0]
        self.cpu = time.process_time() - self.debut[1]

    def ligne(self, nom: str, nombre: int) -> str:
        """``nom : n mails/s (x ms CPU a mail)``."""
        return (
            f"{nom:<36}: {nombre / self.duree:8.0f} mails/s"
            f"   ({1000 * self.cpu / nombre:5.2f} ms de CPU par mail)"
        )


async def brut(port: int, mails: Sequence[Any]) -> Chrono:
    """Time sending the composed mails on one aiosmtplib connection."""
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    chrono = Chrono()
    for mail in mails:
        await client.send_message(mail)
    chrono.arreter()
    await client.quit()
    return chrono


def base(moteur_nom: str, dossier: Path) -> tuple[sa.Engine, str | None]:
    """A fresh database at the head revision (a PostgreSQL schema of its own)."""
    if moteur_nom == "sqlite":
        moteur = creer_moteur(f"sqlite:///{dossier / 'bench.sqlite3'}")
        mettre_a_jour_schema(moteur)
        return moteur, None
    schema = f"bench_mail_{os.getpid()}"
    administration = sa.create_engine(URL_POSTGRESQL)
    with administration.begin() as connexion:
        connexion.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    administration.dispose()
    moteur = creer_moteur(URL_POSTGRESQL, connect_args={"options": f"-csearch_path={schema}"})
    mettre_a_jour_schema(moteur)
    return moteur, schema


def supprimer_schema(schema: str) -> None:
    """Drop the benchmark's PostgreSQL schema."""
    administration = sa.create_engine(URL_POSTGRESQL)
    with administration.begin() as connexion:
        connexion.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    administration.dispose()


def relais(
    moteur_nom: str, port: int, lot: int, a_envoyer: list[MessageSortant], recepisse: bool
) -> Chrono:
    """Time the relay draining an outbox holding the messages."""
    with tempfile.TemporaryDirectory() as dossier:
        moteur, schema = base(moteur_nom, Path(dossier))
        try:
            with fabrique_uow(moteur)() as uow:
                for message in a_envoyer:
                    uow.outbox.ajouter(message)
                uow.commit()
            relayeur = Relais(
                FileSql(moteur),
                ExpediteurSmtp(
                    ParametresSmtp(hote="127.0.0.1", port=port, securite=Securite.AUCUNE)
                ),
                RenduMails(),
                ParametresRelais(taille_lot=lot),
                pieces=(lambda _m: (PIECE,)) if recepisse else None,
            )
            chrono = Chrono()
            bilan = asyncio.run(relayeur.vider())
            chrono.arreter()
            if bilan.envoyes != len(a_envoyer):
                msg = f"{bilan} : tous les messages ne sont pas partis"
                raise RuntimeError(msg)
            return chrono
        finally:
            moteur.dispose()
            if schema is not None:
                supprimer_schema(schema)


def main() -> None:
    """Run and print the figures."""
    analyseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyseur.add_argument("--messages", type=int, default=1000)
    analyseur.add_argument("--lot", type=int, default=50)
    analyseur.add_argument("--moteurs", default="sqlite,postgresql")
    analyseur.add_argument("--recepisse", action="store_true")
    options = analyseur.parse_args()
    a_envoyer = messages(options.messages, recepisse=options.recepisse)
    rendu = RenduMails()
    pieces = (PIECE,) if options.recepisse else ()
    mails = [rendu.composer(m, pieces) for m in a_envoyer]
    taille = sum(len(m.as_bytes()) for m in mails[:10]) // 10
    print(
        f"{options.messages} mails {a_envoyer[0].modele} (~{taille // 1000} ko chacun), "
        f"lots de {options.lot}"
    )
    with serveur() as (port, compteur):
        chrono = asyncio.run(brut(port, mails))
        print(chrono.ligne("aiosmtplib brut, une connexion", options.messages))
        for moteur_nom in options.moteurs.split(","):
            chrono = relais(moteur_nom, port, options.lot, a_envoyer, options.recepisse)
            print(chrono.ligne(f"relais (outbox {moteur_nom})", options.messages))
        attendu = options.messages * (1 + len(options.moteurs.split(",")))
        if compteur.recus != attendu:
            msg = f"le serveur a reçu {compteur.recus} mails, {attendu} attendus"
            raise RuntimeError(msg)


if __name__ == "__main__":
    main()
