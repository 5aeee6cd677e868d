"""The relay's queue: what it needs from an outbox, and its in-memory implementation.

:class:`FileSortante` is implemented by :class:`cfa_adapters.sql.outbox.FileSql` for the
SQL databases and by :class:`FileMemoire` over the in-memory fake's committed messages;
``tests/contract/test_relais.py`` runs the relay on both (memoire, SQLite, PostgreSQL).
The rules (claims with a deadline, one attempt recorded per try, ``echec`` for a
permanent failure, release without an attempt) are those of :mod:`cfa_adapters.sql.outbox`.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import attrs

from cfa_adapters.sql.outbox import Envoi, EtatMessage, MessageReserve, Tentative
from cfa_domain.ports import MessageSortant

if TYPE_CHECKING:
    from collections.abc import Iterable


__all__ = ["FileMemoire", "FileSortante"]


class FileSortante(Protocol):
    """The outbox as the relay sees it."""

    def reserver(
        self, relais: str, quand: dt.datetime, limite: int, bail: dt.timedelta
    ) -> Sequence[MessageReserve]:
        """Claim up to ``limite`` due messages, oldest first, until ``quand + bail``."""
        ...

    def marquer_envoyes(self, envois: Sequence[Envoi], relais: str) -> None:
        """Record accepted mails (state ``envoye``, variables wiped), all or none."""
        ...

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
        """Record a failed attempt; ``prochain_essai_le`` None gives the message up."""
        ...

    def liberer(self, message_ids: Iterable[uuid.UUID], relais: str) -> None:
        """Give back claimed messages that were not tried."""
        ...


@attrs.define
class _Suivi:
    etat: EtatMessage = EtatMessage.A_ENVOYER
    prochain_essai_le: dt.datetime | None = None
    reserve_par: str | None = None
    reserve_jusqu_au: dt.datetime | None = None
    derniere_erreur: str | None = None
    essais: list[Tentative] = attrs.Factory(list)


@attrs.define
class FileMemoire:
    """A relay queue over committed in-memory messages (e.g. ``lambda: stockage.messages``)."""

    messages: Callable[[], Sequence[MessageSortant]]
    suivis: dict[uuid.UUID, _Suivi] = attrs.Factory(dict)
    _verrou: threading.Lock = attrs.Factory(threading.Lock)

    def _suivi(self, message_id: uuid.UUID) -> _Suivi:
        return self.suivis.setdefault(message_id, _Suivi())

    def etat(self, message_id: uuid.UUID) -> tuple[EtatMessage, str | None]:
        """A message's state and its last error."""
        suivi = self._suivi(message_id)
        return suivi.etat, suivi.derniere_erreur

    def tentatives(self, message_id: uuid.UUID) -> list[Tentative]:
        """Every attempt recorded for a message."""
        return list(self._suivi(message_id).essais)

    def reserver(
        self, relais: str, quand: dt.datetime, limite: int, bail: dt.timedelta
    ) -> Sequence[MessageReserve]:
        """See :class:`FileSortante`."""
        reserves: list[MessageReserve] = []
        with self._verrou:
            for message in self.messages():
                suivi = self._suivi(message.id)
                if len(reserves) >= limite:
                    break
                if (
                    suivi.etat is EtatMessage.A_ENVOYER
                    and (suivi.prochain_essai_le is None or suivi.prochain_essai_le <= quand)
                    and (suivi.reserve_jusqu_au is None or suivi.reserve_jusqu_au <= quand)
                ):
                    suivi.reserve_par, suivi.reserve_jusqu_au = relais, quand + bail
                    reserves.append(MessageReserve(message, len(suivi.essais)))
        return reserves

    def _noter(self, message_id: uuid.UUID, tentative: Tentative, etat: EtatMessage) -> _Suivi:
        suivi = self._suivi(message_id)
        suivi.essais.append(attrs.evolve(tentative, numero=len(suivi.essais) + 1))
        suivi.etat, suivi.reserve_par, suivi.reserve_jusqu_au = etat, None, None
        return suivi

    def marquer_envoyes(self, envois: Sequence[Envoi], relais: str) -> None:
        """See :class:`FileSortante`."""
        with self._verrou:
            for envoi in envois:
                suivi = self._noter(
                    envoi.message_id,
                    Tentative(0, relais, envoi.debut, envoi.fin, "envoye", None, None),
                    EtatMessage.ENVOYE,
                )
                suivi.derniere_erreur = None

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
        """See :class:`FileSortante`."""
        definitif = prochain_essai_le is None
        resultat = "echec_definitif" if definitif else "echec_temporaire"
        with self._verrou:
            suivi = self._noter(
                message_id,
                Tentative(0, relais, debut, fin, resultat, code, erreur),
                EtatMessage.ECHEC if definitif else EtatMessage.A_ENVOYER,
            )
            suivi.derniere_erreur, suivi.prochain_essai_le = erreur, prochain_essai_le

    def liberer(self, message_ids: Iterable[uuid.UUID], relais: str) -> None:
        """See :class:`FileSortante`."""
        with self._verrou:
            for message_id in message_ids:
                suivi = self._suivi(message_id)
                if suivi.reserve_par == relais:
                    suivi.reserve_par, suivi.reserve_jusqu_au = None, None
