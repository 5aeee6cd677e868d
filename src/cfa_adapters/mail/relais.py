"""The relay: delivers the outbox's pending messages, retries, and records every attempt.

One pass (:meth:`Relais.une_fois`) claims a batch (:class:`~cfa_adapters.mail.file.FileSortante`),
opens one session of the sender for it and, for each message in order:

1. composes the mail (:class:`~cfa_adapters.mail.rendu.RenduMails`), with its attachments
   from the ``pieces`` callable (the receipt PDF of ``recepisse_demande``, rendered now
   from the stored request: the outbox row keeps only the request's id);
2. hands it to the sender; **only once the server accepted it** is it marked sent;
3. otherwise records the failed attempt: a permanent refusal (a 5xx answer, or a mail
   that cannot be composed: unknown template, missing variable, request gone) gives the
   message up at once (state ``echec``, the reason kept in ``derniere_erreur``); a
   temporary one (4xx, timeout, connection lost) schedules the next attempt after an
   exponential backoff with jitter (:meth:`ParametresRelais.attente`). A message the
   server answered with a 4xx this many times (``tentatives_max``) is given up too; an
   unreachable server never gives a message up: it waits, backing off up to
   ``attente_max``, and goes out when the server is back.

If the connection drops mid-batch, the mail in flight counts a failed attempt and the
rest of the batch is released untried, for the next pass on a new connection. If the
claim's deadline nears (slow server), the rest is released too, before another relay
could take it. Database calls run in a worker thread (``asyncio.to_thread``): the
relay is a coroutine that a web app runs beside its requests.

:meth:`Relais.vider` repeats passes until nothing is due (``cfa-mail relay --once``);
:meth:`Relais.tourner` does so forever, sleeping ``intervalle`` seconds when idle (the
``cfa-mail relay`` loop, and the web app's background task: see :func:`tache_relais`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import socket
import uuid
from typing import TYPE_CHECKING

import attrs
import jinja2

from cfa_adapters.mail.envoi import EchecEnvoi
from cfa_adapters.mail.reglages import ParametresRelais
from cfa_adapters.mail.rendu import ModeleInconnu, PieceJointeMail
from cfa_adapters.sql.outbox import Envoi
from cfa_adapters.systeme import HorlogeSysteme
from cfa_domain.errors import ErreurDomaine
from cfa_domain.services import demandes

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Sequence
    from email.message import Message

    from cfa_adapters.mail.envoi import Expediteur, Session
    from cfa_adapters.mail.file import FileSortante
    from cfa_adapters.mail.rendu import RenduMails
    from cfa_adapters.sql.outbox import MessageReserve
    from cfa_domain.ports import Horloge, MessageSortant
    from cfa_domain.services.contexte import Contexte

__all__ = ["Bilan", "Relais", "nom_de_relais", "pieces_recepisse", "tache_relais"]

journal = logging.getLogger("cfa_adapters.mail")


def nom_de_relais() -> str:
    """A name unique to this relay: host, process and a random suffix."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def pieces_recepisse(ctx: Contexte) -> Callable[[MessageSortant], Sequence[PieceJointeMail]]:
    """The attachments of a message: the receipt PDF for ``recepisse_demande``, else none."""

    def pieces(message: MessageSortant) -> Sequence[PieceJointeMail]:
        if message.modele != "recepisse_demande":
            return ()
        demande_id = uuid.UUID(message.contexte["demande_id"])
        contenu = demandes.recepisse_a_joindre(ctx, demande_id)
        nom = f"recepisse-{message.contexte['reference_opco']}.pdf"
        return (PieceJointeMail(nom, "application/pdf", contenu),)

    return pieces


@attrs.frozen
class Bilan:
    """What passes did: messages claimed, sent, failed, released untried."""

    reserves: int = 0
    envoyes: int = 0
    echecs_temporaires: int = 0
    echecs_definitifs: int = 0
    liberes: int = 0

    def __add__(self, autre: Bilan) -> Bilan:
        """Sum of two reports."""
        return Bilan(
            *(a + b for a, b in zip(attrs.astuple(self), attrs.astuple(autre), strict=True))
        )


class _Abandon(Exception):
    """The mail cannot be composed: give the message up."""


class _Marques:
    """The sent marks of a batch: one group at a time in a worker thread, one commit each.

    A mark queued while the previous group is being written goes with the next group:
    when the database keeps up with the server, a group is one mail and each mark is
    written as soon as its mail is accepted; when it does not (a loaded machine, a fast
    server), several marks share a transaction instead of queueing one commit each. A
    relay killed meanwhile leaves only the marks not yet committed, whose mails go again
    once its claim expires (delivery is at least once: :mod:`cfa_adapters.sql.outbox`).
    """

    def __init__(self, file: FileSortante, relais: str) -> None:
        self._file = file
        self._relais = relais
        self._attente: list[Envoi] = []
        self._ecriture: asyncio.Task[None] | None = None
        self._erreurs: list[Exception] = []

    def noter(self, envoi: Envoi) -> None:
        """Queue the mark of an accepted mail; start writing unless a group is being written."""
        self._attente.append(envoi)
        if self._ecriture is None:
            self._ecriture = asyncio.create_task(self._ecrire())

    async def _ecrire(self) -> None:
        try:
            while self._attente:
                groupe, self._attente = self._attente, []
                try:
                    await asyncio.to_thread(self._file.marquer_envoyes, groupe, self._relais)
                except Exception as erreur:  # noqa: BLE001 - kept, raised once all are written
                    self._erreurs.append(erreur)
        finally:
            self._ecriture = None

    async def ecrites(self) -> list[Exception]:
        """Wait until every queued mark is written; the errors of the groups that failed."""
        if self._ecriture is not None:
            await asyncio.shield(self._ecriture)
        return self._erreurs


class Relais:
    """Delivers an outbox through a sender."""

    def __init__(
        self,
        file: FileSortante,
        expediteur: Expediteur,
        rendu: RenduMails,
        parametres: ParametresRelais | None = None,
        *,
        pieces: Callable[[MessageSortant], Sequence[PieceJointeMail]] | None = None,
        horloge: Horloge | None = None,
        nom: str | None = None,
        alea: Callable[[], float] = random.random,
    ) -> None:
        """Wire the relay; ``alea`` draws the jitter (in [0, 1))."""
        self.file = file
        self.expediteur = expediteur
        self.rendu = rendu
        self.parametres = parametres or ParametresRelais()
        self.pieces = pieces
        self.horloge = horloge or HorlogeSysteme()
        self.nom = nom or nom_de_relais()
        self.alea = alea

    def _maintenant(self) -> dt.datetime:
        return self.horloge.maintenant()

    async def _composer(self, message: MessageSortant) -> Message:
        """The mail; ``_Abandon`` if it can never be composed, ``EchecEnvoi`` if not now."""
        try:
            pieces = await asyncio.to_thread(self.pieces, message) if self.pieces else ()
            return self.rendu.composer(message, pieces)
        except (ModeleInconnu, jinja2.TemplateError, ErreurDomaine, KeyError, ValueError) as e:
            raise _Abandon(f"Mail impossible à composer : {e}") from e
        except Exception as e:
            raise EchecEnvoi(f"Pièce jointe indisponible : {e!r}") from e

    async def _echec(
        self, reserve: MessageReserve, debut: dt.datetime, erreur: EchecEnvoi | _Abandon
    ) -> bool:
        """Record the failure; True when the message is given up."""
        fin = self._maintenant()
        if isinstance(erreur, _Abandon):
            texte, code, definitif = str(erreur), None, True
        else:
            texte, code = erreur.message, erreur.code
            repondu = code is not None
            definitif = erreur.definitif or (
                repondu and reserve.tentatives + 1 >= self.parametres.tentatives_max
            )
        prochain = (
            None
            if definitif
            else fin + self.parametres.attente(reserve.tentatives + 1, self.alea())
        )
        await asyncio.to_thread(
            functools.partial(
                self.file.noter_echec,
                reserve.message.id,
                relais=self.nom,
                debut=debut,
                fin=fin,
                erreur=texte,
                code=code,
                prochain_essai_le=prochain,
            )
        )
        niveau = logging.ERROR if definitif else logging.WARNING
        journal.log(
            niveau,
            "Mail %s (%s) pour %s %s : %s",
            reserve.message.id,
            reserve.message.modele,
            reserve.message.destinataire,
            "abandonné" if definitif else f"à réessayer après {prochain}",
            texte,
        )
        return definitif

    async def _lot(self, session: Session, reserves: Sequence[MessageReserve]) -> Bilan:
        """Send a claimed batch on one session; marks are written while the next mail goes.

        A mark is queued as soon as the server accepted the mail and written in a worker
        thread while the relay composes and sends the next ones (:class:`_Marques`); the
        batch ends only when every mark is written. A mark that fails lets its error out
        once the others are written.
        """
        marques = _Marques(self.file, self.nom)
        try:
            bilan = await self._envoyer_lot(session, reserves, marques)
        except BaseException:
            await marques.ecrites()
            raise
        erreurs = await marques.ecrites()
        if erreurs:
            raise erreurs[0]
        return bilan

    async def _envoyer_lot(
        self, session: Session, reserves: Sequence[MessageReserve], marques: _Marques
    ) -> Bilan:
        bilan = Bilan(reserves=len(reserves))
        echeance = self._maintenant() + self.parametres.bail / 2
        for rang, reserve in enumerate(reserves):
            debut = self._maintenant()
            if debut >= echeance:
                return bilan + await self._liberer(reserves[rang:])
            try:
                mail = await self._composer(reserve.message)
                await session.envoyer(mail)
            except (EchecEnvoi, _Abandon) as erreur:
                definitif = await self._echec(reserve, debut, erreur)
                bilan += Bilan(echecs_definitifs=1) if definitif else Bilan(echecs_temporaires=1)
                if isinstance(erreur, EchecEnvoi) and erreur.connexion_perdue:
                    return bilan + await self._liberer(reserves[rang + 1 :])
                continue
            marques.noter(Envoi(reserve.message.id, debut, self._maintenant()))
            bilan += Bilan(envoyes=1)
        return bilan

    async def _liberer(self, reserves: Sequence[MessageReserve]) -> Bilan:
        if reserves:
            ids = [r.message.id for r in reserves]
            await asyncio.to_thread(self.file.liberer, ids, self.nom)
        return Bilan(liberes=len(reserves))

    async def une_fois(self) -> Bilan:
        """Claim one batch of due messages and try each once."""
        p = self.parametres
        reserves = await asyncio.to_thread(
            self.file.reserver, self.nom, self._maintenant(), p.taille_lot, p.bail
        )
        if not reserves:
            return Bilan()
        try:
            async with self.expediteur.session() as session:
                return await self._lot(session, reserves)
        except EchecEnvoi as erreur:
            # The session did not open: every claimed message counts a failed attempt.
            debut = self._maintenant()
            bilan = Bilan(reserves=len(reserves))
            for reserve in reserves:
                await self._echec(reserve, debut, erreur)
                bilan += Bilan(echecs_temporaires=1)
            return bilan

    async def vider(self) -> Bilan:
        """Pass until nothing is due (every message sent, given up or scheduled later)."""
        total = Bilan()
        while True:
            bilan = await self.une_fois()
            total += bilan
            if not bilan.reserves:
                return total

    async def tourner(self, arret: asyncio.Event | None = None) -> None:
        """Deliver forever (until ``arret`` is set), sleeping when idle; errors are logged."""
        arret = arret or asyncio.Event()
        while not arret.is_set():
            try:
                bilan = await self.vider()
                if bilan.reserves:
                    journal.info("Relais %s : %s", self.nom, bilan)
            except Exception:  # noqa: BLE001 - a background loop must survive and say why
                journal.exception("Relais %s : passe interrompue", self.nom)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arret.wait(), timeout=self.parametres.intervalle)


async def tache_relais(relais: Relais, arret: asyncio.Event) -> None:
    """The web app's background task (start it in the lifespan, set ``arret`` to stop)."""
    await relais.tourner(arret)
