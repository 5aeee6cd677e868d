"""Settings of the mail adapter, and how the ``cfa-mail`` command reads them from the environment.

Three attrs classes, each validated when built (a bad value raises :class:`ReglageInvalide`
with one French line naming the variable):

- :class:`ParametresMail`: what every mail needs (base URL of the links, sender, time zone);
- :class:`ParametresSmtp`: the SMTP server (host, port, STARTTLS or implicit TLS,
  authentication, timeout). Without a host, mails are written as ``.eml`` files under
  :attr:`ParametresSmtp.dossier_eml` instead (the embedded default: no server needed);
- :class:`ParametresRelais`: batches, retries (exponential backoff with jitter), polling.

The web app's composition root builds them from its own settings; the command line reads
the ``CFA_*`` variables listed in ``docs/mail.md`` through :func:`reglages_depuis_environnement`.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import re
import urllib.parse
import zoneinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "ParametresMail",
    "ParametresRelais",
    "ParametresSmtp",
    "ReglageInvalide",
    "Reglages",
    "Securite",
    "reglages_depuis_environnement",
]

T = TypeVar("T")

_ADRESSE = re.compile(r"<?([^<>@\s]+@([^<>@\s]+?))>?$")


class ReglageInvalide(ValueError):
    """A setting with a value the adapter cannot use; the message is one French line."""


def _url_base(_instance: object, _attribut: object, valeur: str) -> None:
    morceaux = urllib.parse.urlsplit(valeur)
    if morceaux.scheme not in {"http", "https"} or not morceaux.netloc:
        msg = f"URL de base invalide : « {valeur} » (exemple : https://cfa.example)."
        raise ReglageInvalide(msg)


def _expediteur(_instance: object, _attribut: object, valeur: str) -> None:
    if not _ADRESSE.search(valeur.strip()):
        msg = (
            f"Adresse d'expédition invalide : « {valeur} » "
            "(exemple : Plateforme CFA <ne-pas-repondre@cfa.example>)."
        )
        raise ReglageInvalide(msg)


def _fuseau(_instance: object, _attribut: object, valeur: str) -> None:
    try:
        zoneinfo.ZoneInfo(valeur)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        msg = f"Fuseau horaire inconnu : « {valeur} » (exemple : Europe/Paris)."
        raise ReglageInvalide(msg) from None


def _sans_barre_finale(valeur: object) -> str:
    return str(valeur).rstrip("/")


@attrs.frozen
class ParametresMail:
    """What every mail needs from the deployment."""

    url_base: str = attrs.field(
        default="http://localhost:8000", converter=_sans_barre_finale, validator=_url_base
    )
    """Scheme and host the links start with (``https://cfa.example``)."""
    expediteur: str = attrs.field(
        default="Plateforme CFA <ne-pas-repondre@cfa.localhost>", validator=_expediteur
    )
    """The ``From`` header; its domain also ends every ``Message-ID``."""
    fuseau_horaire: str = attrs.field(default="Europe/Paris", validator=_fuseau)
    """Time zone of the instants shown in mails (the OPCO's)."""
    signature: str = "L'équipe de la Plateforme CFA"

    @property
    def domaine(self) -> str:
        """The sender's domain (right of the ``@``)."""
        trouve = _ADRESSE.search(self.expediteur.strip())
        if trouve is None:  # pragma: no cover - the validator refused it
            raise ReglageInvalide(self.expediteur)
        return trouve.group(2)


class Securite(enum.Enum):
    """How the SMTP connection is protected."""

    AUCUNE = "aucune"
    """Plain text (a local relay on the same host only)."""
    STARTTLS = "starttls"
    """Plain connection upgraded with STARTTLS (port 587); refused if the server cannot."""
    TLS = "tls"
    """Implicit TLS from the first byte (port 465)."""


def _positif(_instance: object, attribut: attrs.Attribute[Any], valeur: Any) -> None:  # noqa: ANN401
    if not isinstance(valeur, int | float | dt.timedelta) or isinstance(valeur, bool):
        msg = f"{attribut.name} : nombre attendu."
        raise ReglageInvalide(msg)
    zero: object = dt.timedelta(0) if isinstance(valeur, dt.timedelta) else 0
    if not valeur > zero:  # type: ignore[operator]
        msg = f"{attribut.name} : une valeur strictement positive est attendue."
        raise ReglageInvalide(msg)


def _port(_instance: object, _attribut: object, valeur: int | None) -> None:
    if valeur is not None and not 1 <= valeur <= 65535:  # noqa: PLR2004 - the TCP port range
        msg = f"Port SMTP invalide : {valeur} (de 1 à 65535)."
        raise ReglageInvalide(msg)


@attrs.frozen
class ParametresSmtp:
    """The SMTP server, or the folder of ``.eml`` files when there is none (``hote`` None)."""

    hote: str | None = None
    port: int | None = attrs.field(default=None, validator=_port)
    """The server's port; by default 465 with implicit TLS, 587 with STARTTLS, else 25."""
    securite: Securite = Securite.STARTTLS
    utilisateur: str | None = None
    mot_de_passe: str | None = attrs.field(default=None, repr=False)
    delai: float = attrs.field(default=30.0, validator=_positif)
    """Seconds allowed for each network operation (connect, each command, the data)."""
    certificats_ca: Path | None = None
    """A CA bundle to trust instead of the system's (a private relay's own CA)."""
    dossier_eml: Path = Path("var/mail")
    """Where mails go as ``.eml`` files when no host is set."""

    @property
    def port_effectif(self) -> int:
        """The port to connect to (the usual one of :attr:`securite` when none is set)."""
        if self.port is not None:
            return self.port
        return {Securite.TLS: 465, Securite.STARTTLS: 587, Securite.AUCUNE: 25}[self.securite]

    def __attrs_post_init__(self) -> None:
        """Refuse a user without a password, and the reverse."""
        if (self.utilisateur is None) != (self.mot_de_passe is None):
            msg = "Authentification SMTP : donnez l'utilisateur et le mot de passe, ou aucun."
            raise ReglageInvalide(msg)


@attrs.frozen
class ParametresRelais:
    """How the relay reads the outbox and retries."""

    taille_lot: int = attrs.field(default=50, validator=_positif)
    """Messages claimed (and sent on one connection) at a time."""
    tentatives_max: int = attrs.field(default=10, validator=_positif)
    """After this many temporary failures a message is given up (state ``echec``)."""
    attente_base: dt.timedelta = attrs.field(default=dt.timedelta(seconds=30), validator=_positif)
    """Wait after the first failure; doubled after each further one."""
    attente_max: dt.timedelta = attrs.field(default=dt.timedelta(hours=2), validator=_positif)
    """Longest wait between two attempts."""
    intervalle: float = attrs.field(default=5.0, validator=_positif)
    """Seconds the loop sleeps when the outbox has nothing due."""
    bail: dt.timedelta = attrs.field(default=dt.timedelta(minutes=10), validator=_positif)
    """How long a claim holds a message; another relay takes it back after that."""

    def attente(self, tentatives: int, alea: float) -> dt.timedelta:
        """Wait before the next attempt after ``tentatives`` failures (``alea`` in [0, 1)).

        Exponential backoff with "full jitter" on its upper half: the base doubled per
        failure, capped at :attr:`attente_max`, then scaled into [50 %, 100 %] of itself.
        """
        doublements = min(max(tentatives - 1, 0), 40)
        plafond = min(self.attente_max, self.attente_base * (1 << doublements))
        return plafond * (0.5 + alea / 2)


@attrs.frozen
class Reglages:
    """Every setting of the mail adapter."""

    mail: ParametresMail = attrs.Factory(ParametresMail)
    smtp: ParametresSmtp = attrs.Factory(ParametresSmtp)
    relais: ParametresRelais = attrs.Factory(ParametresRelais)


def _texte(env: Mapping[str, str], nom: str) -> str | None:
    valeur = env.get(nom, "").strip()
    return valeur or None


def _lire(
    env: Mapping[str, str], nom: str, conversion: Callable[[str], T], attendu: str
) -> T | None:
    texte = _texte(env, nom)
    if texte is None:
        return None
    try:
        return conversion(texte)
    except ValueError:
        msg = f"{nom} : « {texte} » n'est pas {attendu}."
        raise ReglageInvalide(msg) from None


def _secondes(texte: str) -> dt.timedelta:
    return dt.timedelta(seconds=float(texte))


def reglages_depuis_environnement(environ: Mapping[str, str] | None = None) -> Reglages:
    """Read the ``CFA_*`` variables of ``docs/mail.md``; unset ones keep their default.

    Raises:
        ReglageInvalide: a value that cannot be used, named in one French line.
    """
    env = os.environ if environ is None else environ
    mail: dict[str, Any] = {
        "url_base": _texte(env, "CFA_URL_BASE"),
        "expediteur": _texte(env, "CFA_MAIL_EXPEDITEUR"),
        "fuseau_horaire": _texte(env, "CFA_FUSEAU_HORAIRE"),
    }
    smtp: dict[str, Any] = {
        "hote": _texte(env, "CFA_SMTP_HOST"),
        "port": _lire(env, "CFA_SMTP_PORT", int, "un numéro de port"),
        "securite": _lire(env, "CFA_SMTP_SECURITE", Securite, "aucune, starttls ou tls"),
        "utilisateur": _texte(env, "CFA_SMTP_UTILISATEUR"),
        "mot_de_passe": _texte(env, "CFA_SMTP_MOT_DE_PASSE"),
        "delai": _lire(env, "CFA_SMTP_DELAI", float, "un nombre de secondes"),
        "certificats_ca": _lire(env, "CFA_SMTP_CERTIFICATS_CA", Path, "un chemin"),
        "dossier_eml": _lire(env, "CFA_MAIL_DOSSIER", Path, "un chemin"),
    }
    relais: dict[str, Any] = {
        "taille_lot": _lire(env, "CFA_RELAIS_LOT", int, "un nombre entier"),
        "tentatives_max": _lire(env, "CFA_RELAIS_TENTATIVES", int, "un nombre entier"),
        "attente_base": _lire(env, "CFA_RELAIS_ATTENTE", _secondes, "un nombre de secondes"),
        "intervalle": _lire(env, "CFA_RELAIS_INTERVALLE", float, "un nombre de secondes"),
        "bail": _lire(env, "CFA_RELAIS_BAIL", _secondes, "un nombre de secondes"),
    }
    return Reglages(
        mail=ParametresMail(**{k: v for k, v in mail.items() if v is not None}),
        smtp=ParametresSmtp(**{k: v for k, v in smtp.items() if v is not None}),
        relais=ParametresRelais(**{k: v for k, v in relais.items() if v is not None}),
    )
