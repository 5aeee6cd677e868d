"""A small upstream Webservice: the feed's protocol (:mod:`.http`) over the standard library.

The tests pull from it on ``127.0.0.1`` (a free port), and so can a newcomer without the
real Webservice (``cfa-feed simulate``, see ``docs/feed.md``). It serves the records it is
given, in order, numbered from 1 (their cursor), ``taille`` at a time (at most
``taille_max``), to the one bearer token it knows (401 otherwise).

Faults are injected on demand (:meth:`Simulateur.injecter`), one per request, in order:
a 5xx answer, an answer slower than the client waits, a page cut short (its length
announced whole, half of it sent, the connection closed), the previous page served
again. The records may be anything JSON holds, malformed ones included.

``http.server`` rather than an ASGI application: it needs no server to install, and
cutting a page short is a matter of closing the socket.
"""

from __future__ import annotations

import collections
import enum
import http.server
import json
import threading
import time
import urllib.parse
from typing import TYPE_CHECKING, Any, Final, Self

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

__all__ = ["JETON_DEMO", "Panne", "Simulateur"]

JETON_DEMO: Final = "jeton-de-demonstration"
"""The token the simulator accepts unless given another."""


class Panne(enum.Enum):
    """A fault the simulator answers one request with."""

    ERREUR_SERVEUR = "erreur_serveur"
    """HTTP 503."""
    LENTEUR = "lenteur"
    """The answer comes after ``lenteur`` seconds."""
    PAGE_TRONQUEE = "page_tronquee"
    """Half the page is sent, then the connection is closed."""
    PAGE_EN_DOUBLE = "page_en_double"
    """The previous page is served again, whatever was asked."""


class Simulateur:
    """The upstream feed's HTTP service, in a thread; use it as a context manager."""

    def __init__(
        self,
        enregistrements: Iterable[Any] = (),
        *,
        jeton: str = JETON_DEMO,
        hote: str = "127.0.0.1",
        port: int = 0,
        taille_max: int = 1000,
        lenteur: float = 2.0,
    ) -> None:
        """Serve ``enregistrements`` (JSON values) on ``hote``:``port`` (0: a free port)."""
        self.jeton = jeton
        self.taille_max = taille_max
        self.lenteur = lenteur
        self.requetes: list[dict[str, str]] = []
        """The query of each request received, in order (for tests)."""
        self._enregistrements: list[Any] = list(enregistrements)
        self._pannes: collections.deque[Panne] = collections.deque()
        self._derniere_page: bytes | None = None
        self._verrou = threading.Lock()
        self._serveur = http.server.ThreadingHTTPServer((hote, port), self._gestionnaire())
        self._serveur.daemon_threads = True
        self._fil: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The feed's URL (``http://127.0.0.1:<port>/flux``)."""
        hote, port = self._serveur.server_address[:2]
        return f"http://{hote!s}:{port}/flux"

    def ajouter(self, *enregistrements: Any) -> None:  # noqa: ANN401 - any JSON value
        """New records upstream, after the others."""
        with self._verrou:
            self._enregistrements.extend(enregistrements)

    def injecter(self, *pannes: Panne) -> None:
        """Answer the next requests with these faults, one each, in order."""
        with self._verrou:
            self._pannes.extend(pannes)

    def demarrer(self) -> Self:
        """Serve in a background thread."""
        self._fil = threading.Thread(target=self._serveur.serve_forever, daemon=True)
        self._fil.start()
        return self

    def arreter(self) -> None:
        """Stop serving and free the port."""
        if self._fil is not None:
            self._serveur.shutdown()
            self._fil.join()
            self._fil = None
        self._serveur.server_close()

    def servir(self) -> None:
        """Serve in this thread until interrupted (``cfa-feed simulate``)."""
        try:
            self._serveur.serve_forever()
        finally:
            self._serveur.server_close()

    def __enter__(self) -> Self:
        """Start serving."""
        return self.demarrer()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving."""
        self.arreter()

    # --- answering ---------------------------------------------------------------------

    def _page(self, requete: dict[str, str]) -> tuple[int, bytes]:
        """The status and body answering a query (``apres``, ``taille``)."""
        try:
            apres = int(requete.get("apres", "0"))
            taille = int(requete.get("taille", "100"))
        except ValueError:
            return 400, _json({"description": "apres et taille sont des entiers."})
        if apres < 0 or not 1 <= taille <= self.taille_max:
            return 400, _json({"description": f"taille entre 1 et {self.taille_max}."})
        with self._verrou:
            suite = self._enregistrements[apres : apres + taille]
            restants = max(len(self._enregistrements) - apres - len(suite), 0)
        page = {
            "format": 1,
            "enregistrements": [
                {"curseur": str(apres + rang), "enregistrement": enregistrement}
                for rang, enregistrement in enumerate(suite, start=1)
            ],
            "suivant": str(apres + len(suite)) if restants else None,
            "restants": restants,
        }
        return 200, _json(page)

    def _repondre(self, gestionnaire: http.server.BaseHTTPRequestHandler) -> None:
        adresse = urllib.parse.urlsplit(gestionnaire.path)
        requete = dict(urllib.parse.parse_qsl(adresse.query))
        with self._verrou:
            self.requetes.append(requete)
            panne = self._pannes.popleft() if self._pannes else None
        if adresse.path != "/flux":
            _envoyer(gestionnaire, 404, _json({"description": "Inconnu."}))
            return
        if gestionnaire.headers.get("Authorization") != f"Bearer {self.jeton}":
            _envoyer(gestionnaire, 401, _json({"description": "Jeton d'accès refusé."}))
            return
        if panne is Panne.ERREUR_SERVEUR:
            _envoyer(gestionnaire, 503, _json({"description": "Service indisponible."}))
            return
        if panne is Panne.LENTEUR:
            time.sleep(self.lenteur)
        statut, corps = self._page(requete)
        if panne is Panne.PAGE_EN_DOUBLE and self._derniere_page is not None:
            statut, corps = 200, self._derniere_page
        elif statut == 200:  # noqa: PLR2004 - HTTP OK
            self._derniere_page = corps
        if panne is Panne.PAGE_TRONQUEE:
            _envoyer(gestionnaire, statut, corps, tronquer=True)
            return
        _envoyer(gestionnaire, statut, corps)

    def _gestionnaire(self) -> type[http.server.BaseHTTPRequestHandler]:
        simulateur = self

        class Gestionnaire(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                try:
                    simulateur._repondre(self)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up waiting

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ANN401
                del format, args  # quiet: the tests and the demo print their own lines

        return Gestionnaire


def _json(donnees: object) -> bytes:
    return json.dumps(donnees, ensure_ascii=False).encode()


def _envoyer(
    gestionnaire: http.server.BaseHTTPRequestHandler,
    statut: int,
    corps: bytes,
    *,
    tronquer: bool = False,
) -> None:
    gestionnaire.send_response(statut)
    gestionnaire.send_header("Content-Type", "application/json; charset=utf-8")
    gestionnaire.send_header("Content-Length", str(len(corps)))
    gestionnaire.end_headers()
    gestionnaire.wfile.write(corps[: len(corps) // 2] if tronquer else corps)
    if tronquer:
        gestionnaire.wfile.flush()
        gestionnaire.close_connection = True
