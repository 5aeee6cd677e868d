"""The relay's side of the transactional outbox: read committed messages, mark them.

Use cases only *add* messages (through the unit of work, in the transaction of the
change that causes them). The relay (mail adapter) runs outside any use case: it reads
the messages not sent yet, oldest first, delivers them, and marks each one sent, or
records the failure and when to try again. Marking is by message id, so delivering
twice after a crash between "sent" and "marked" is the only possible duplicate, and the
id lets the mail adapter make that idempotent too.

**A sent message forgets its variables.** They may hold secrets: an activation or a
reset link (``lien_jeton``) works with what the mail carries, and the database keeps only
its fingerprint, but the outbox row would keep it in clear for anyone who reads the
database or a backup. :func:`marquer_envoye` therefore empties ``contexte`` and keeps
what an audit needs: recipient, template, creation and sending dates, attempts. A
message not sent yet keeps its variables (a failed delivery is retried with them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from cfa_adapters.sql import tables as t
from cfa_adapters.sql.traduction import message_depuis_ligne

if TYPE_CHECKING:
    import datetime as dt
    import uuid

    from cfa_domain.ports import MessageSortant

__all__ = ["marquer_envoye", "messages_a_envoyer", "noter_echec"]


def messages_a_envoyer(
    moteur: sa.Engine, *, quand: dt.datetime | None = None, limite: int = 100
) -> list[MessageSortant]:
    """Committed messages not sent yet (and due at ``quand``, if given), oldest first."""
    o = t.outbox
    requete = sa.select(o).where(o.c.envoye_le.is_(None)).order_by(o.c.rang).limit(limite)
    if quand is not None:
        requete = requete.where(
            sa.or_(o.c.prochain_essai_le.is_(None), o.c.prochain_essai_le <= quand)
        )
    with moteur.connect() as connexion:
        return [message_depuis_ligne(r._mapping) for r in connexion.execute(requete)]  # noqa: SLF001


def marquer_envoye(moteur: sa.Engine, message_id: uuid.UUID, quand: dt.datetime) -> None:
    """Record that the message was delivered and wipe its variables (see the module docstring)."""
    o = t.outbox
    with moteur.begin() as connexion:
        connexion.execute(
            sa.update(o)
            .where(o.c.id == message_id)
            .values(
                envoye_le=quand, tentatives=o.c.tentatives + 1, derniere_erreur=None, contexte={}
            )
        )


def noter_echec(
    moteur: sa.Engine,
    message_id: uuid.UUID,
    erreur: str,
    prochain_essai_le: dt.datetime,
) -> None:
    """Record a failed delivery and when to try again."""
    o = t.outbox
    with moteur.begin() as connexion:
        connexion.execute(
            sa.update(o)
            .where(o.c.id == message_id)
            .values(
                tentatives=o.c.tentatives + 1,
                derniere_erreur=erreur,
                prochain_essai_le=prochain_essai_le,
            )
        )
