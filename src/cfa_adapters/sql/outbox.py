"""The relay's side of the transactional outbox: claim committed messages, record attempts.

Use cases only *add* messages (through the unit of work, in the transaction of the
change that causes them). The relay (:mod:`cfa_adapters.mail.relais`) runs outside any
use case, through :class:`FileSql`:

- **Claim** (:func:`reserver`): the oldest messages ``a_envoyer`` that are due
  (``prochain_essai_le`` passed) and not claimed by a live relay are marked with the
  relay's name and a deadline (``reserve_jusqu_au``), in one short transaction. On
  PostgreSQL the rows are read ``FOR UPDATE SKIP LOCKED``: two relays claiming at once
  take different rows without waiting for each other; on SQLite every transaction takes
  the database's write lock first (``BEGIN IMMEDIATE``), so claims run one at a time. No
  transaction stays open while a mail travels: the claim's deadline protects the message
  meanwhile, and a relay that died leaves it to the others once the deadline passes.
- **Outcome**, with a row of ``outbox_tentatives`` (number, relay, start, end, result, the
  server's code and text): :func:`marquer_envoye` once the server accepted the mail
  (:func:`marquer_envoyes` for several accepted mails, in one transaction),
  :func:`noter_echec` otherwise (one transaction per message), with the next attempt's date,
  or none for a permanent failure (state ``echec``, kept for an operator to see).
- **Release** (:func:`liberer`): claimed messages the relay did not try (the connection
  dropped mid-batch) go back at once, with no attempt counted.

Delivery is at least once: a relay killed after the server accepted a mail and before it
was marked sent leaves it claimed, and another relay sends it again once the claim
expires. Such a duplicate carries the same ``Message-ID`` (derived from the message id),
which mail systems use to drop it.

**A sent message forgets its variables.** They may hold secrets: an activation or a
reset link (``lien_jeton``) works with what the mail carries, and the database keeps only
its fingerprint, but the outbox row would keep it in clear for anyone who reads the
database or a backup. :func:`marquer_envoye` therefore empties ``contexte`` and keeps
what an audit needs: recipient, template, creation and sending dates, attempts. A
message not sent yet (or given up) keeps its variables.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import uuid
from typing import TYPE_CHECKING

import attrs
import sqlalchemy as sa

from cfa_adapters.sql import tables as t
from cfa_adapters.sql.traduction import message_depuis_ligne
from cfa_domain.ports import MessageSortant

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


__all__ = [
    "Envoi",
    "EtatMessage",
    "FileSql",
    "MessageReserve",
    "Tentative",
    "etat",
    "liberer",
    "marquer_envoye",
    "marquer_envoyes",
    "messages_a_envoyer",
    "noter_echec",
    "reserver",
    "tentatives",
]


class EtatMessage(enum.Enum):
    """Where an outbox message stands."""

    A_ENVOYER = "a_envoyer"
    ENVOYE = "envoye"
    ECHEC = "echec"
    """Given up: refused for good by the server, or too many failed attempts."""


@attrs.frozen
class MessageReserve:
    """A claimed message and the number of attempts already made."""

    message: MessageSortant
    tentatives: int


@attrs.frozen
class Tentative:
    """One delivery attempt, as recorded."""

    numero: int
    relais: str
    debut: dt.datetime
    fin: dt.datetime
    resultat: str
    """``envoye``, ``echec_temporaire`` or ``echec_definitif``."""
    code: int | None
    erreur: str | None


def messages_a_envoyer(
    moteur: sa.Engine, *, quand: dt.datetime | None = None, limite: int = 100
) -> list[MessageSortant]:
    """Committed messages not sent nor given up (and due at ``quand``, if given), oldest first."""
    o = t.outbox
    requete = (
        sa.select(o).where(o.c.etat == EtatMessage.A_ENVOYER.value).order_by(o.c.rang).limit(limite)
    )
    if quand is not None:
        requete = requete.where(
            sa.or_(o.c.prochain_essai_le.is_(None), o.c.prochain_essai_le <= quand)
        )
    with moteur.connect() as connexion:
        return [message_depuis_ligne(r._mapping) for r in connexion.execute(requete)]  # noqa: SLF001


def reserver(
    moteur: sa.Engine, relais: str, quand: dt.datetime, limite: int, bail: dt.timedelta
) -> list[MessageReserve]:
    """Claim up to ``limite`` due messages for ``relais`` until ``quand + bail``, oldest first."""
    o = t.outbox
    requete = (
        sa.select(o)
        .where(
            o.c.etat == EtatMessage.A_ENVOYER.value,
            sa.or_(o.c.prochain_essai_le.is_(None), o.c.prochain_essai_le <= quand),
            sa.or_(o.c.reserve_jusqu_au.is_(None), o.c.reserve_jusqu_au <= quand),
        )
        .order_by(o.c.rang)
        .limit(limite)
    )
    if moteur.dialect.name == "postgresql":
        requete = requete.with_for_update(skip_locked=True)
    with moteur.begin() as connexion:
        lignes = [r._mapping for r in connexion.execute(requete)]  # noqa: SLF001
        if lignes:
            connexion.execute(
                sa.update(o)
                .where(o.c.rang.in_([ligne["rang"] for ligne in lignes]))
                .values(reserve_par=relais, reserve_jusqu_au=quand + bail)
            )
    return [MessageReserve(message_depuis_ligne(ligne), ligne["tentatives"]) for ligne in lignes]


@functools.cache
def _instructions() -> tuple[sa.Insert, sa.Update]:
    """The statements of an attempt and of a sent mark, built once (with bound parameters).

    Built at each call, they cost SQLAlchemy more than their execution: three quarters of
    a mark's time went to coercing their clauses and computing their cache keys.
    """
    o, ta = t.outbox, t.outbox_tentatives
    colonnes = sa.select(
        o.c.id,
        o.c.tentatives + 1,
        sa.bindparam("relais", type_=sa.String),
        sa.bindparam("debut", type_=ta.c.debut.type),
        sa.bindparam("fin", type_=ta.c.fin.type),
        sa.bindparam("resultat", type_=sa.String),
        sa.bindparam("code", type_=sa.Integer),
        sa.bindparam("erreur", type_=sa.Text),
    ).where(o.c.id == sa.bindparam("message_id"))
    tentative = sa.insert(ta).from_select(
        ["message_id", "numero", "relais", "debut", "fin", "resultat", "code", "erreur"],
        colonnes,
    )
    envoye = (
        sa.update(o)
        .where(o.c.id == sa.bindparam("message_id"))
        .values(
            etat=EtatMessage.ENVOYE.value,
            envoye_le=sa.bindparam("quand", type_=o.c.envoye_le.type),
            tentatives=o.c.tentatives + 1,
            derniere_erreur=None,
            contexte={},
            reserve_par=None,
            reserve_jusqu_au=None,
        )
    )
    return tentative, envoye


def _tentative(
    connexion: sa.Connection,
    message_id: uuid.UUID,
    *,
    relais: str,
    debut: dt.datetime,
    fin: dt.datetime,
    resultat: str,
    code: int | None = None,
    erreur: str | None = None,
) -> None:
    """Insert the attempt numbered after the message's count, in one statement."""
    connexion.execute(
        _instructions()[0],
        {
            "message_id": message_id,
            "relais": relais,
            "debut": debut,
            "fin": fin,
            "resultat": resultat,
            "code": code,
            "erreur": erreur,
        },
    )


@attrs.frozen
class Envoi:
    """A mail the server accepted: its message, and when the attempt began and ended."""

    message_id: uuid.UUID
    debut: dt.datetime
    fin: dt.datetime


def marquer_envoye(
    moteur: sa.Engine,
    message_id: uuid.UUID,
    quand: dt.datetime,
    *,
    relais: str = "",
    debut: dt.datetime | None = None,
) -> None:
    """Record that the server accepted the message; wipe its variables (module docstring)."""
    marquer_envoyes(moteur, [Envoi(message_id, debut or quand, quand)], relais=relais)


def marquer_envoyes(moteur: sa.Engine, envois: Sequence[Envoi], *, relais: str = "") -> None:
    """Record accepted mails in one transaction: for each, what :func:`marquer_envoye` does.

    Two statements for the whole group (``executemany``: every attempt row, then every
    mark), one commit: what a relay writes for the mails a server accepted while it was
    writing the previous group. Each message must appear once.
    """
    if not envois:
        return
    tentative, envoye = _instructions()
    with moteur.begin() as connexion:
        connexion.execute(
            tentative,
            [
                {
                    "message_id": envoi.message_id,
                    "relais": relais,
                    "debut": envoi.debut,
                    "fin": envoi.fin,
                    "resultat": "envoye",
                    "code": None,
                    "erreur": None,
                }
                for envoi in envois
            ],
        )
        connexion.execute(
            envoye, [{"message_id": envoi.message_id, "quand": envoi.fin} for envoi in envois]
        )


def noter_echec(
    moteur: sa.Engine,
    message_id: uuid.UUID,
    erreur: str,
    prochain_essai_le: dt.datetime | None,
    *,
    relais: str = "",
    debut: dt.datetime | None = None,
    fin: dt.datetime | None = None,
    code: int | None = None,
) -> None:
    """Record a failed attempt and when to try again; ``None``: give up (state ``echec``)."""
    o = t.outbox
    definitif = prochain_essai_le is None
    fin = fin or debut or prochain_essai_le
    with moteur.begin() as connexion:
        if fin is not None:
            _tentative(
                connexion,
                message_id,
                relais=relais,
                debut=debut or fin,
                fin=fin,
                resultat="echec_definitif" if definitif else "echec_temporaire",
                code=code,
                erreur=erreur,
            )
        connexion.execute(
            sa.update(o)
            .where(o.c.id == message_id)
            .values(
                etat=(EtatMessage.ECHEC if definitif else EtatMessage.A_ENVOYER).value,
                tentatives=o.c.tentatives + 1,
                derniere_erreur=erreur,
                prochain_essai_le=prochain_essai_le,
                reserve_par=None,
                reserve_jusqu_au=None,
            )
        )


def liberer(moteur: sa.Engine, message_ids: Iterable[uuid.UUID], relais: str) -> None:
    """Give back claimed messages that were not tried (no attempt is counted)."""
    o = t.outbox
    ids = list(message_ids)
    if not ids:
        return
    with moteur.begin() as connexion:
        connexion.execute(
            sa.update(o)
            .where(o.c.id.in_(ids), o.c.reserve_par == relais)
            .values(reserve_par=None, reserve_jusqu_au=None)
        )


def tentatives(moteur: sa.Engine, message_id: uuid.UUID) -> list[Tentative]:
    """Every recorded attempt of a message, in order."""
    ta = t.outbox_tentatives
    requete = sa.select(ta).where(ta.c.message_id == message_id).order_by(ta.c.numero)
    with moteur.connect() as connexion:
        return [
            Tentative(
                numero=r.numero,
                relais=r.relais,
                debut=r.debut,
                fin=r.fin,
                resultat=r.resultat,
                code=r.code,
                erreur=r.erreur,
            )
            for r in connexion.execute(requete)
        ]


def etat(moteur: sa.Engine, message_id: uuid.UUID) -> tuple[EtatMessage, str | None]:
    """A message's state and its last error."""
    o = t.outbox
    with moteur.connect() as connexion:
        ligne = connexion.execute(
            sa.select(o.c.etat, o.c.derniere_erreur).where(o.c.id == message_id)
        ).one()
    return EtatMessage(ligne.etat), ligne.derniere_erreur


@attrs.frozen
class FileSql:
    """The outbox of a SQL database as the relay's queue (``cfa_adapters.mail.file``)."""

    moteur: sa.Engine

    def reserver(
        self, relais: str, quand: dt.datetime, limite: int, bail: dt.timedelta
    ) -> Sequence[MessageReserve]:
        """See :func:`reserver`."""
        return reserver(self.moteur, relais, quand, limite, bail)

    def marquer_envoyes(self, envois: Sequence[Envoi], relais: str) -> None:
        """See :func:`marquer_envoyes`."""
        marquer_envoyes(self.moteur, envois, relais=relais)

    def noter_echec(
        self,
        message_id: uuid.UUID,
        *,
        relais: str,
        debut: dt.datetime,
        fin: dt.datetime,
        erreur: str,
        code: int | None,
        prochain_essai_le: dt.datetime | None,
    ) -> None:
        """See :func:`noter_echec`."""
        noter_echec(
            self.moteur,
            message_id,
            erreur,
            prochain_essai_le,
            relais=relais,
            debut=debut,
            fin=fin,
            code=code,
        )

    def liberer(self, message_ids: Iterable[uuid.UUID], relais: str) -> None:
        """See :func:`liberer`."""
        liberer(self.moteur, message_ids, relais)
