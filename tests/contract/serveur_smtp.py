"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, on a free port.

:class:`Enregistreur` is the server's handler: it keeps each accepted mail, refuses the
recipients it is told to, can drop the connection instead of answering a mail, and can
answer slowly. :func:`serveur_smtp` runs it (plain, STARTTLS, implicit TLS, with or
without authentication); :class:`Certificats` makes a throwaway CA and a certificate for
127.0.0.1 with ``trustme``.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import socket
import ssl
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import attrs
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

HOTE = "127.0.0.1"
UTILISATEUR, MOT_DE_PASSE = "relais", "secret-du-relais"


def lire(brut: bytes) -> EmailMessage:
    """A mail as its recipient's software reads it (modern policy, decoded headers)."""
    mail = email.message_from_bytes(brut, _class=EmailMessage, policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    return mail


def port_libre() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as prise:
        prise.bind((HOTE, 0))
        port: int = prise.getsockname()[1]
        return port


@attrs.define
class Enregistreur:
    """aiosmtpd handler: records accepted mails, refuses or cuts on demand."""

    recus: list[bytes] = attrs.Factory(list)
    refus: dict[str, str] = attrs.Factory(dict)
    """Recipient → the answer to its ``RCPT TO`` (``"550 5.1.1 Boîte inconnue"``)."""
    coupure_apres: int | None = None
    """Drop the connection instead of answering the DATA after this many mails."""
    lenteur: float = 0.0
    """Seconds to wait before accepting each mail."""

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        """Refuse the chosen recipients."""
        del server, session, rcpt_options
        if address in self.refus:
            return self.refus[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Keep the mail, or drop the connection without answering."""
        del session
        if self.coupure_apres is not None and len(self.recus) >= self.coupure_apres:
            self.coupure_apres = None
            server.transport.abort()
            return "451 coupé"
        if self.lenteur:
            await asyncio.sleep(self.lenteur)
        self.recus.append(bytes(envelope.original_content or envelope.content))
        return "250 OK"

    def mails(self) -> list[EmailMessage]:
        """The accepted mails, parsed."""
        return [lire(brut) for brut in list(self.recus)]

    def identifiants(self) -> list[str]:
        """The ``Message-ID`` of each accepted mail, in order."""
        return [str(mail["Message-ID"]) for mail in self.mails()]


def _authentifier(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    del server, session, envelope, mechanism
    bon = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        UTILISATEUR.encode(),
        MOT_DE_PASSE.encode(),
    )
    # handled=False: aiosmtpd answers the client itself (235, or 535 on a wrong password);
    # with the default (True) a refused login would get no answer at all.
    return AuthResult(success=bon, handled=False)


@attrs.frozen
class Certificats:
    """A throwaway CA and the server certificate it signed for 127.0.0.1."""

    ca: trustme.CA = attrs.Factory(trustme.CA)

    def contexte_serveur(self) -> ssl.SSLContext:
        """The server's TLS context."""
        contexte = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(HOTE).configure_cert(contexte)
        return contexte

    def fichier_ca(self, dossier: Path) -> Path:
        """The CA certificate in a PEM file (the client's ``certificats_ca``)."""
        chemin = dossier / "ca.pem"
        self.ca.cert_pem.write_to_path(str(chemin))
        return chemin


@contextlib.contextmanager
def serveur_smtp(
    enregistreur: Enregistreur,
    *,
    port: int | None = None,
    starttls: ssl.SSLContext | None = None,
    tls: ssl.SSLContext | None = None,
    authentification: bool = False,
) -> Iterator[int]:
    """Run the server until the block ends; yield its port."""
    port = port or port_libre()
    options: dict[str, Any] = {}
    if starttls is not None:
        options.update(tls_context=starttls, require_starttls=True)
    if authentification:
        options.update(
            authenticator=_authentifier, auth_required=True, auth_require_tls=starttls is not None
        )
    controleur = Controller(
        enregistreur, hostname=HOTE, port=port, ssl_context=tls, server_hostname=HOTE, **options
    )
    controleur.start()
    try:
        yield port
    finally:
        controleur.stop()
