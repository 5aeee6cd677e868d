"""Mails from outbox messages: Jinja2 templates, French formatting, absolute links.

Every template the core queues (``MessageSortant.modele``) has two files under
``cfa_adapters/mail/modeles/``: ``<modele>.txt`` (its ``sujet`` block is the subject, its
``corps`` block the plain text) and ``<modele>.html`` (the HTML alternative). Both are
rendered with :class:`jinja2.StrictUndefined`: a variable the core did not pass is an
error, never an empty hole in a mail (``tests/mail/test_rendu.py`` renders every
template with the variables the use cases really pass).

**Values.** The core passes text only: amounts as plain decimals (``26247.00``), days as
ISO dates (``2020-08-21``), instants as ISO UTC timestamps. The templates format them in
French through Babel with the filters ``euros`` (``26 247,00 €``), ``date_fr``
(``21/08/2020``) and ``instant_fr`` (``21/08/2020 à 14:05``, in the OPCO's time zone).

**Links.** The core passes secrets and identifiers, never URLs; the templates build
absolute links with ``lien(route, valeur)`` from :attr:`ParametresMail.url_base` and the
route paths of :data:`ROUTES`, which the web layer serves (see ``docs/mail.md``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import email.policy
import email.utils
import urllib.parse
import zoneinfo
from email import encoders
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from typing import TYPE_CHECKING

import attrs
import jinja2
from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency

from cfa_adapters.mail.reglages import ParametresMail

if TYPE_CHECKING:
    from collections.abc import Sequence
    from email.message import Message

    from cfa_domain.ports import MessageSortant

__all__ = [
    "ROUTES",
    "MailRendu",
    "ModeleInconnu",
    "PieceJointeMail",
    "RenduMails",
    "identifiant_message",
]

ROUTES = {
    "activation": "/activation/{}",
    "invitation": "/invitation/{}",
    "reinitialisation": "/mot-de-passe/reinitialisation/{}",
    "changement_email": "/compte/email/{}",
    "mot_de_passe_oublie": "/mot-de-passe/oublie",
    "connexion": "/connexion",
    "mon_compte": "/compte",
    "organisme": "/organisme",
    "acces": "/organisme/acces",
    "action": "/actions/{}",
    "demande": "/demandes/{}",
    "recepisse": "/demandes/{}/recepisse",
}
"""Paths of the web pages the mails link to (``{}`` is replaced by the URL-quoted value)."""


class ModeleInconnu(LookupError):
    """The outbox names a template this adapter does not have."""

    def __init__(self, modele: str) -> None:
        """Name the template."""
        super().__init__(f"Modèle de mail inconnu : « {modele} ».")
        self.modele = modele


@attrs.frozen
class MailRendu:
    """A rendered mail: subject, plain text and HTML."""

    sujet: str
    texte: str
    html: str


@attrs.frozen
class PieceJointeMail:
    """A file attached to a mail."""

    nom: str
    type_mime: str
    contenu: bytes = attrs.field(repr=False)


class _SansRepli(email.policy.Compat32):
    """``compat32`` writing a header of printable ASCII as it is, without re-folding it.

    The headers of :meth:`RenduMails.composer` are ASCII already (the subject and the
    sender's name as RFC 2047 words): ``compat32`` would still run each through
    ``email.header.Header`` at every serialisation, a third of a mail's cost, to write the
    same bytes (``tests/mail/test_rendu.py`` compares them). Any other value takes
    ``compat32``'s way.
    """

    def fold_binary(self, name: str, value: str) -> bytes:
        """``Name: value`` and the line end, for a one-line ASCII value."""
        if isinstance(value, str) and value.isascii() and value.isprintable():
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_SANS_REPLI = _SansRepli(max_line_length=0)
"""``compat32`` without re-folding headers (they are short, or encoded and folded already)."""

_FRANCAIS = Locale("fr", "FR")
"""Parsed once: Babel parses a locale's name at every call given a string."""

_OCTETS_PAR_MOT = 45
"""UTF-8 bytes in one RFC 2047 word: 60 characters of base64, 72 with ``=?utf-8?b?…?=``."""


def _entete_encode(texte: str) -> str:
    """A header value in ASCII: as it is if it is, else RFC 2047 words (UTF-8, base64).

    Words of at most 75 characters, cut between characters, separated by a space, on one
    line (what ``email.header.Header(texte, "utf-8").encode()`` gives, unfolded), at a
    fifteenth of its cost.
    """
    if texte.isascii() and texte.isprintable() and "=?" not in texte:
        return texte
    mots: list[bytes] = []
    mot = b""
    for caractere in texte:
        octets = caractere.encode("utf-8")
        if len(mot) + len(octets) > _OCTETS_PAR_MOT:
            mots.append(mot)
            mot = b""
        mot += octets
    mots.append(mot)
    return " ".join(f"=?utf-8?b?{base64.b64encode(m).decode('ascii')}?=" for m in mots)


def _partie_texte(texte: str, sous_type: str) -> MIMENonMultipart:
    """A ``text/<sous_type>`` part in UTF-8, quoted-printable (lines of at most 76 bytes).

    Encoded by ``binascii`` (C) rather than ``email.quoprimime`` (Python, character by
    character): the same text once decoded, five times faster.
    """
    partie = MIMENonMultipart("text", sous_type, policy=_SANS_REPLI, charset="utf-8")
    partie["Content-Transfer-Encoding"] = "quoted-printable"
    partie.set_payload(binascii.b2a_qp(texte.encode("utf-8"), istext=True).decode("ascii"))
    return partie


def identifiant_message(message_id: object, domaine: str) -> str:
    """The stable ``Message-ID`` of an outbox message: the same on every delivery attempt."""
    return f"<{message_id}@{domaine}>"


def _euros(valeur: str) -> str:
    return format_currency(decimal.Decimal(valeur), "EUR", locale=_FRANCAIS)


def _date_fr(valeur: str) -> str:
    return f"{dt.date.fromisoformat(valeur):%d/%m/%Y}"


class RenduMails:
    """Renders outbox messages into MIME mails (``multipart/alternative``, attachments)."""

    def __init__(self, parametres: ParametresMail | None = None) -> None:
        """Load the templates once."""
        self.parametres = parametres or ParametresMail()
        self._zone = zoneinfo.ZoneInfo(self.parametres.fuseau_horaire)
        nom, adresse = email.utils.parseaddr(self.parametres.expediteur)
        self._de = email.utils.formataddr((nom, adresse), charset="utf-8")
        self._env = jinja2.Environment(
            loader=jinja2.PackageLoader("cfa_adapters.mail", "modeles"),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
            keep_trailing_newline=True,
            auto_reload=False,  # packaged templates: no stat of their files at every mail
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters.update(euros=_euros, date_fr=_date_fr, instant_fr=self._instant_fr)
        self._env.globals.update(lien=self.lien, signature=self.parametres.signature)

    def modeles(self) -> frozenset[str]:
        """Names of the templates this adapter can render."""
        return frozenset(
            nom.removesuffix(".txt")
            for nom in self._env.list_templates(extensions=["txt"])
            if not nom.startswith("_")
        )

    def lien(self, route: str, valeur: object = None) -> str:
        """Absolute URL of a page of :data:`ROUTES`, with its value URL-quoted."""
        chemin = ROUTES[route]
        if valeur is not None:
            chemin = chemin.format(urllib.parse.quote(str(valeur), safe=""))
        return self.parametres.url_base + chemin

    def _instant_fr(self, valeur: str) -> str:
        instant = dt.datetime.fromisoformat(valeur)
        return format_datetime(instant, "dd/MM/yyyy 'à' HH:mm", tzinfo=self._zone, locale=_FRANCAIS)

    def rendre(self, message: MessageSortant) -> MailRendu:
        """Subject, text and HTML of a message.

        Raises:
            ModeleInconnu: no template of that name.
            jinja2.UndefinedError: the template uses a variable the message lacks.
        """
        try:
            texte = self._env.get_template(f"{message.modele}.txt")
            html = self._env.get_template(f"{message.modele}.html")
        except jinja2.TemplateNotFound:
            raise ModeleInconnu(message.modele) from None
        variables = dict(message.contexte)
        sujet = "".join(texte.blocks["sujet"](texte.new_context(variables))).strip()
        return MailRendu(
            sujet=" ".join(sujet.split()),
            texte=texte.render(variables),
            html=html.render(variables, sujet=" ".join(sujet.split())),
        )

    def composer(self, message: MessageSortant, pieces: Sequence[PieceJointeMail] = ()) -> Message:
        """The whole MIME mail, with its stable ``Message-ID`` and its attachments.

        ``multipart/alternative`` (text, HTML), inside a ``multipart/mixed`` when there
        are attachments. Built with the standard library's ``email.mime`` classes (the
        ``compat32`` policy), several times faster than ``EmailMessage`` with the modern
        policy, which parses back every header it is given. Headers are encoded here (the
        subject as RFC 2047 words) and written as they are: re-folding each one
        at every serialisation cost more than the rest of the mail.
        """
        rendu = self.rendre(message)
        # Boundaries "=_…": never in quoted-printable (which writes "=" as "=3D") nor in
        # base64, so none needs looking for in the parts (the generator's search for a
        # free one compiles a regular expression per mail: a fifth of its cost).
        limite = f"=_{message.id.hex}"
        corps = MIMEMultipart("alternative", boundary=f"{limite}_a", policy=_SANS_REPLI)
        corps.attach(_partie_texte(rendu.texte, "plain"))
        corps.attach(_partie_texte(rendu.html, "html"))
        mail = corps
        if pieces:
            mail = MIMEMultipart("mixed", boundary=f"{limite}_m", policy=_SANS_REPLI)
            mail.attach(corps)
            for piece in pieces:
                principal, _, secondaire = piece.type_mime.partition("/")
                partie = MIMEBase(principal, secondaire, policy=_SANS_REPLI)
                partie.set_payload(piece.contenu)
                encoders.encode_base64(partie)
                partie.add_header("Content-Disposition", "attachment", filename=piece.nom)
                mail.attach(partie)
        mail["From"] = self._de
        mail["To"] = str(message.destinataire)
        mail["Subject"] = _entete_encode(rendu.sujet)
        mail["Date"] = email.utils.format_datetime(message.cree_le.astimezone(dt.UTC))
        mail["Message-ID"] = identifiant_message(message.id, self.parametres.domaine)
        mail["Auto-Submitted"] = "auto-generated"
        return mail
