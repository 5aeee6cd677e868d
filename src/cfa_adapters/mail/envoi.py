"""Senders: where the relay hands a composed mail over (an SMTP server, or ``.eml`` files).

An :class:`Expediteur` opens a :class:`Session` for a batch (one SMTP connection for many
mails); :meth:`Session.envoyer` returns once the mail is accepted, or raises
:class:`EchecEnvoi`, which says whether trying again may help (``definitif``: the server
refused for good, a 5xx answer) and whether the connection is gone (``connexion_perdue``:
the rest of the batch needs a new session). Opening a session fails with a temporary
:class:`EchecEnvoi` whatever the cause (server down, TLS or authentication refused: a
configuration error must not make every mail fail for good).

- :class:`ExpediteurSmtp` delivers with aiosmtplib (STARTTLS, implicit TLS or none,
  authentication, a timeout on every operation).
- :class:`ExpediteurFichiers` is the embedded default: it needs no server and writes each
  mail to ``<dossier>/<message id>.eml`` (written to a temporary file, then renamed, so a
  crash leaves no half mail; sending the same message again rewrites the same file), and
  logs the recipient, the subject and every link of the mail, so that a newcomer can open
  an activation link from the log on a fresh machine.
- :class:`ExpediteurMemoire` is the in-memory fake: it keeps accepted mails in a list and
  can be told to refuse an address, to be down, or to drop the connection after a number
  of mails. ``tests/contract/test_expediteurs.py`` holds all three to the same contract.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import logging
import os
import re
import ssl
import tempfile
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import aiosmtplib
import attrs

from cfa_adapters.mail.reglages import ParametresSmtp, Securite

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from contextlib import AbstractAsyncContextManager

__all__ = [
    "EchecEnvoi",
    "Expediteur",
    "ExpediteurFichiers",
    "ExpediteurMemoire",
    "ExpediteurSmtp",
    "Session",
    "expediteur_depuis_reglages",
]

journal = logging.getLogger("cfa_adapters.mail")

_LIEN = re.compile(r"https?://\S+")
_CODE_PERMANENT = range(500, 600)


class EchecEnvoi(Exception):
    """A mail was not accepted; the relay decides from the fields what comes next."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        definitif: bool = False,
        connexion_perdue: bool = False,
    ) -> None:
        """Describe the failure (``message`` in French, with the server's own words)."""
        super().__init__(message)
        self.message = message
        self.code = code
        self.definitif = definitif
        self.connexion_perdue = connexion_perdue


class Session(Protocol):
    """One open delivery channel (an SMTP connection)."""

    async def envoyer(self, mail: Message) -> None:
        """Hand the mail over; return once accepted, or raise :class:`EchecEnvoi`."""
        ...


class Expediteur(Protocol):
    """Opens delivery sessions."""

    def session(self) -> AbstractAsyncContextManager[Session]:
        """Open a session (a temporary :class:`EchecEnvoi` when it cannot)."""
        ...


def _textes(mail: Message) -> list[str]:
    """The plain text parts of a mail, decoded."""
    textes = []
    for partie in mail.walk():
        if partie.get_content_type() == "text/plain":
            brut = partie.get_payload(decode=True)
            if isinstance(brut, bytes):
                textes.append(brut.decode(partie.get_content_charset() or "utf-8", "replace"))
    return textes


def _identifiant(mail: Message) -> str:
    message_id = str(mail["Message-ID"] or "")
    return message_id.strip("<>").split("@", 1)[0] or "sans-identifiant"


# --- SMTP ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _adresse(entete: str) -> str:
    """The address of a ``From`` header (the same for every mail of a relay: parsed once)."""
    return email.utils.parseaddr(entete)[1]


def _echec_smtp(erreur: aiosmtplib.SMTPException) -> EchecEnvoi:
    """The relay's view of an aiosmtplib error raised while sending one mail."""
    if isinstance(erreur, aiosmtplib.SMTPRecipientsRefused) and erreur.recipients:
        refus = erreur.recipients[0]
        return EchecEnvoi(
            f"Destinataire refusé par le serveur ({refus.code} {refus.message})",
            code=refus.code,
            definitif=refus.code in _CODE_PERMANENT,
        )
    if isinstance(erreur, aiosmtplib.SMTPResponseException):
        return EchecEnvoi(
            f"Refusé par le serveur ({erreur.code} {erreur.message})",
            code=erreur.code,
            definitif=erreur.code in _CODE_PERMANENT,
            connexion_perdue=isinstance(erreur, aiosmtplib.SMTPServerDisconnected),
        )
    return EchecEnvoi(f"Connexion au serveur perdue : {erreur}", connexion_perdue=True)


@attrs.define
class _SessionSmtp:
    client: aiosmtplib.SMTP

    async def envoyer(self, mail: Message) -> None:
        # Serialised with the mail's own policy (aiosmtplib's would fold its headers again).
        donnees = mail.as_bytes(policy=mail.policy.clone(linesep="\r\n"))
        expediteur = _adresse(str(mail["From"]))
        destinataires = [adresse for _, adresse in email.utils.getaddresses([str(mail["To"])])]
        try:
            await self.client.sendmail(expediteur, destinataires, donnees)
        except aiosmtplib.SMTPException as erreur:
            raise _echec_smtp(erreur) from erreur
        except OSError as erreur:
            raise EchecEnvoi(
                f"Connexion au serveur perdue : {erreur}", connexion_perdue=True
            ) from erreur


@attrs.frozen
class ExpediteurSmtp:
    """Delivers through an SMTP server with aiosmtplib."""

    parametres: ParametresSmtp

    def _contexte_tls(self) -> ssl.SSLContext:
        cafile = str(self.parametres.certificats_ca) if self.parametres.certificats_ca else None
        return ssl.create_default_context(cafile=cafile)

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Session]:
        """Connect (TLS, STARTTLS, login as set), yield the session, then QUIT."""
        p = self.parametres
        securite = p.securite
        # STARTTLS and the login are run here rather than inside ``connect()``: when the
        # server refuses the login, aiosmtplib would close a TLS connection gracefully,
        # which needs the event loop to run on, and a one-shot relay's loop ends at once.
        # Aborting the transport ourselves closes the socket now.
        client = aiosmtplib.SMTP(
            hostname=p.hote,
            port=p.port_effectif,
            use_tls=securite is Securite.TLS,
            start_tls=False,
            tls_context=self._contexte_tls() if securite is not Securite.AUCUNE else None,
            timeout=p.delai,
        )
        try:
            await client.connect()
            if securite is Securite.STARTTLS:
                await client.starttls()
            if p.utilisateur is not None:
                await client.login(p.utilisateur, p.mot_de_passe or "")
        except (aiosmtplib.SMTPException, OSError) as erreur:
            if isinstance(client.transport, asyncio.Transport):
                client.transport.abort()
            client.close()
            raise EchecEnvoi(
                f"Serveur SMTP {p.hote}:{p.port_effectif} injoignable : {erreur}",
                connexion_perdue=True,
            ) from erreur
        try:
            yield _SessionSmtp(client)
        finally:
            try:
                if client.is_connected:
                    await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                pass
            finally:
                # Whatever happened (a refused QUIT, a cancelled relay), the socket is closed
                # here rather than left to the garbage collector.
                client.close()


# --- .eml files ----------------------------------------------------------------------------


@attrs.define
class _SessionFichiers:
    dossier: Path

    async def envoyer(self, mail: Message) -> None:
        chemin = await asyncio.to_thread(self._ecrire, mail)
        liens = [lien for partie in _textes(mail) for lien in _LIEN.findall(partie)]
        journal.info(
            "Mail pour %s (« %s ») écrit dans %s%s",
            mail["To"],
            mail["Subject"],
            chemin,
            "".join(f"\n  lien : {lien}" for lien in liens),
        )

    def _ecrire(self, mail: Message) -> Path:
        chemin = self.dossier / f"{_identifiant(mail)}.eml"
        try:
            self.dossier.mkdir(parents=True, exist_ok=True)
            descripteur, temporaire = tempfile.mkstemp(dir=self.dossier, suffix=".tmp")
            with os.fdopen(descripteur, "wb") as fichier:
                fichier.write(mail.as_bytes())
                fichier.flush()
                os.fsync(fichier.fileno())
            Path(temporaire).replace(chemin)
        except OSError as erreur:
            raise EchecEnvoi(f"Écriture de {chemin} impossible : {erreur}") from erreur
        return chemin


@attrs.frozen
class ExpediteurFichiers:
    """Writes each mail as an ``.eml`` file and logs its links (no server needed)."""

    dossier: Path

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Session]:
        """A session that writes files."""
        yield _SessionFichiers(self.dossier)


# --- in memory ------------------------------------------------------------------------------


@attrs.define
class ExpediteurMemoire:
    """The fake: accepted mails in :attr:`envoyes`, faults on demand."""

    envoyes: list[Message] = attrs.Factory(list)
    refuses: dict[str, tuple[int, str]] = attrs.Factory(dict)
    """Recipient address → the server's answer (code, text) to its ``RCPT TO``."""
    en_panne: bool = False
    """No session opens while True."""
    coupure_apres: int | None = None
    """The connection drops when this many mails were accepted in total (then resets)."""

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Session]:
        """A session on the fake server."""
        if self.en_panne:
            raise EchecEnvoi("Serveur SMTP memoire injoignable", connexion_perdue=True)
        yield _SessionMemoire(self)


@attrs.define
class _SessionMemoire:
    serveur: ExpediteurMemoire
    ouverte: bool = True

    async def envoyer(self, mail: Message) -> None:
        await asyncio.sleep(0)  # a mail on the network lets the event loop run: so does this one
        serveur = self.serveur
        if not self.ouverte:
            raise EchecEnvoi("Connexion au serveur perdue", connexion_perdue=True)
        if serveur.coupure_apres is not None and len(serveur.envoyes) >= serveur.coupure_apres:
            serveur.coupure_apres = None
            self.ouverte = False
            raise EchecEnvoi("Connexion au serveur perdue", connexion_perdue=True)
        refus = serveur.refuses.get(str(mail["To"]))
        if refus is not None:
            code, texte = refus
            raise EchecEnvoi(
                f"Destinataire refusé par le serveur ({code} {texte})",
                code=code,
                definitif=code in _CODE_PERMANENT,
            )
        serveur.envoyes.append(mail)


def expediteur_depuis_reglages(parametres: ParametresSmtp) -> Expediteur:
    """SMTP when a host is set, else ``.eml`` files under :attr:`ParametresSmtp.dossier_eml`."""
    if parametres.hote is None:
        return ExpediteurFichiers(parametres.dossier_eml)
    return ExpediteurSmtp(parametres)
