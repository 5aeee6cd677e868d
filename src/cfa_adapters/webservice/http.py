"""The Webservice over HTTP: an httpx client reading the upstream feed page by page.

The protocol (``docs/feed.md``; :mod:`.simulateur` serves it):

``GET <url>?apres=<cursor>&taille=<n>`` with ``Authorization: Bearer <token>`` (no
``apres`` for the first page) answers ``200`` with a JSON page::

    {"format": 1,
     "enregistrements": [{"curseur": "41", "enregistrement": {...record...}}, ...],
     "suivant": "42",        # the cursor to ask after next; null: nothing more for now
     "restants": 958}        # records after this page (optional: the progress bar's total)

A cursor is the upstream's sequence number of a record, a decimal integer that grows with
each record: the platform stores the last one applied and asks for what follows it.

Choices
-------
- **Retries** with exponential backoff (0.5 s, 1 s, 2 s … at most 30 s, ``essais`` tries
  in all) on what a second try may cure: a time-out, a connection lost or refused, a 5xx
  answer, a page that is not whole (cut short, or not the JSON page above). Never on
  another 4xx: the same request would be refused again. 401 and 403 stop at once with
  :class:`AuthentificationRefusee`, which says which setting to check.
- **Every record once.** A record whose cursor is not after the last one yielded (a
  page served twice, a page overlapping the previous one) is skipped, so a stuttering
  upstream ends in the same state as a clean one. A record that does not structure is
  yielded as illegible (quarantined with its reason); the page goes on.
- **The run stops, the cursor stays**: when the tries are spent the source raises
  :class:`FluxIndisponible`; :func:`~cfa_domain.services.flux.synchroniser` has committed
  every record before it, and the next run resumes after the last one.

Errors::

    ErreurWebservice                 the feed could not be read: the run stops
    ├── AuthentificationRefusee      401 / 403: the token is refused
    ├── RequeteRefusee               another 4xx: the request itself is wrong
    ├── ReponseInvalide              a page breaks the protocol (cursor not a number …)
    └── FluxIndisponible             time-outs, 5xx, pages cut short: every try spent
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import attrs
import httpx

from cfa_adapters.webservice import format as format_flux

if TYPE_CHECKING:
    from collections.abc import Iterator

    from cfa_domain.ports import DossierFlux, EnregistrementIllisible

__all__ = [
    "AuthentificationRefusee",
    "ErreurWebservice",
    "FluxIndisponible",
    "ReponseInvalide",
    "RequeteRefusee",
    "SourceHttp",
]

ATTENTE_MAX: Final = 30.0
"""The longest wait between two tries, in seconds."""

_STATUT_ERREUR_CLIENT: Final = 400
_STATUT_ERREUR_SERVEUR: Final = 500
_AUTHENTIFICATION: Final = frozenset({401, 403})


class ErreurWebservice(Exception):
    """The upstream feed could not be read; the message is one French sentence."""


class AuthentificationRefusee(ErreurWebservice):
    """The Webservice refuses the token (401 or 403)."""


class RequeteRefusee(ErreurWebservice):
    """The Webservice refuses the request (a 4xx other than 401 and 403)."""


class ReponseInvalide(ErreurWebservice):
    """A page breaks the protocol in a way a new try would not cure."""


class FluxIndisponible(ErreurWebservice):
    """Every try failed (time-outs, connections lost, 5xx, pages cut short)."""


class _Passagere(Exception):
    """What a new try may cure, with its French description."""


def _extrait(reponse: httpx.Response) -> str:
    texte = " ".join(reponse.text.split())
    return texte[:200] + ("…" if len(texte) > 200 else "")  # noqa: PLR2004 - a short excerpt


@attrs.define
class SourceHttp:
    """The upstream Webservice, read page by page from the stored cursor.

    ``delai``: seconds allowed to connect and to read each page; ``essais``: tries per
    page; ``transport``: an httpx transport (tests); ``dormir``: how to wait between tries.
    ``total`` becomes the number of records expected once the first page told it.
    """

    url: str
    jeton: str = attrs.field(repr=False)
    nom: str = "webservice"
    taille_page: int = 500
    delai: float = 10.0
    essais: int = 5
    attente: float = 0.5
    transport: httpx.BaseTransport | None = None
    dormir: Callable[[float], None] = time.sleep
    total: int | None = None
    _lus: int = attrs.field(default=0, init=False)

    def lire(
        self, depuis: str | None
    ) -> Iterator[tuple[str, DossierFlux | EnregistrementIllisible]]:
        """Yield ``(cursor, record)`` for every record after ``depuis``, page by page."""
        dernier = self._numero(depuis) if depuis is not None else None
        with httpx.Client(
            transport=self.transport,
            timeout=httpx.Timeout(self.delai),
            headers={"Authorization": f"Bearer {self.jeton}", "Accept": "application/json"},
        ) as client:
            sans_nouveau = 0
            while True:
                page = self._page(client, dernier)
                nouveaux = 0
                for curseur, enregistrement in self._enregistrements(page):
                    numero = self._numero(curseur)
                    if dernier is not None and numero <= dernier:
                        continue  # already yielded: a page served twice, or overlapping
                    dernier, nouveaux = numero, nouveaux + 1
                    self._lus += 1
                    yield curseur, enregistrement
                if page.get("suivant") is None or not page["enregistrements"]:
                    return
                sans_nouveau = 0 if nouveaux else sans_nouveau + 1
                if sans_nouveau >= self.essais:
                    raise FluxIndisponible(
                        f"Le Webservice a renvoyé {sans_nouveau} fois une page déjà lue : "
                        "relancez plus tard, le flux reprendra après le dernier "
                        "enregistrement appliqué."
                    )

    @staticmethod
    def _numero(curseur: object) -> int:
        if isinstance(curseur, str) and curseur.isdigit():
            return int(curseur)
        raise ReponseInvalide(
            f"Le Webservice a transmis un curseur « {curseur} » qui n'est pas un entier "
            "positif : le flux ne peut pas reprendre après lui."
        )

    def _enregistrements(
        self, page: dict[str, object]
    ) -> Iterator[tuple[str, DossierFlux | EnregistrementIllisible]]:
        enregistrements = page["enregistrements"]
        assert isinstance(enregistrements, list)  # noqa: S101 - checked by _page
        for element in enregistrements:
            if not isinstance(element, dict) or "curseur" not in element:
                raise ReponseInvalide(
                    "Le Webservice a transmis un enregistrement sans curseur : le flux ne "
                    "peut pas le situer."
                )
            curseur = element["curseur"]
            self._numero(curseur)
            donnees = element.get("enregistrement")
            texte = json.dumps(donnees, ensure_ascii=False)
            yield str(curseur), format_flux.lire(donnees, texte, f"curseur {curseur}")

    def _page(self, client: httpx.Client, apres: int | None) -> dict[str, object]:
        """The page after ``apres``, tried again with backoff on passing failures."""
        parametres = {"taille": str(self.taille_page)}
        if apres is not None:
            parametres["apres"] = str(apres)
        attente = self.attente
        for essai in range(1, self.essais + 1):
            try:
                return self._demander(client, parametres)
            except _Passagere as panne:
                if essai == self.essais:
                    raise FluxIndisponible(
                        f"Le Webservice ne répond pas correctement après {self.essais} "
                        f"essais ({panne}) : relancez plus tard, le flux reprendra après le "
                        "dernier enregistrement appliqué."
                    ) from None
            self.dormir(attente)
            attente = min(attente * 2, ATTENTE_MAX)
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def _demander(self, client: httpx.Client, parametres: dict[str, str]) -> dict[str, object]:
        try:
            reponse = client.get(self.url, params=parametres)
        except httpx.TimeoutException:
            raise _Passagere(f"délai de {self.delai:g} s dépassé") from None
        except httpx.TransportError as erreur:
            raise _Passagere(f"connexion impossible ou interrompue : {erreur}") from None
        if reponse.status_code in _AUTHENTIFICATION:
            raise AuthentificationRefusee(
                f"Le Webservice refuse le jeton d'accès (HTTP {reponse.status_code}) : "
                "vérifiez CFA_FLUX_JETON."
            )
        if reponse.status_code >= _STATUT_ERREUR_SERVEUR:
            raise _Passagere(f"HTTP {reponse.status_code}")
        if reponse.status_code >= _STATUT_ERREUR_CLIENT:
            raise RequeteRefusee(
                f"Le Webservice refuse la requête (HTTP {reponse.status_code}) : "
                f"{_extrait(reponse)}"
            )
        try:
            page = reponse.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise _Passagere("page incomplète ou qui n'est pas du JSON") from None
        if not isinstance(page, dict) or not isinstance(page.get("enregistrements"), list):
            raise _Passagere("page sans liste « enregistrements »")
        restants = page.get("restants")
        if isinstance(restants, int) and not isinstance(restants, bool):
            self.total = self._lus + len(page["enregistrements"]) + restants
        return page
