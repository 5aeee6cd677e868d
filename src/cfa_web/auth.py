"""Sessions, the logged-in account, and the guards of the three roles.

The session lives server-side (its id alone in an ``HttpOnly`` cookie), in a store shared
by every worker process (the database's ``sessions_web`` table in production). Three
duties the core leaves to this layer (``cfa_domain.services.acces``):

- **the session id changes at login** (:class:`BackendSessions`; Litestar keeps the id of
  the cookie otherwise, and a cookie naming no stored session is never reused, so nobody
  can fix a victim's session id in advance);
- **every request checks that its session is still valid**: the account is active and no
  password or email change ended its other sessions (the core's ``generation_session``),
  the session is neither idle longer than ``inactivite`` nor older than ``duree_max``
  (:class:`MiddlewareCompte`). The timeouts are read from the session before the
  handler runs; the account is read before it too, except for a read-only page that
  hands its session to its use case (:data:`SESSION_AU_CAS_D_USAGE`, :func:`par_session`):
  there the core checks it on the one read of the account its unit of work makes, and
  if the page answered without that check, the middleware makes it before the response
  leaves (an ended session gets the login page instead, never the page);
- anonymous uploads are refused before their body is read (a multipart POST without a
  valid session: 403), since the CSRF check parses the whole form before any guard runs.

The JSON API (``/api/``, ``docs/api.md``) has neither session nor cookie: the session
middleware and :class:`MiddlewareCompte` leave its addresses alone, and
:func:`garde_api` authenticates each call by its ``Authorization: Bearer <key>`` header
alone (a session cookie is ignored there, and a key opens no page), then counts it
against the key's rate limit (429 with ``Retry-After``). It runs before the request's
body is read.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

import anyio.to_thread
import attrs
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Empty

from cfa_domain.compte import Role
from cfa_domain.services import acces, cles_api
from cfa_domain.services.contexte import SessionOuverte
from cfa_web.errors import MessagePublic
from cfa_web.limites import limiter_cle
from cfa_web.pages_erreur import adresse_connexion

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar import Request
    from litestar.connection import ASGIConnection
    from litestar.handlers.base import BaseRouteHandler
    from litestar.types import ASGIApp, Message, Receive, Scope, ScopeSession, Send

    from cfa_domain.services.contexte import Contexte

__all__ = [
    "ACCES_API",
    "PREFIXE_API",
    "SESSION_AU_CAS_D_USAGE",
    "VERIFIEE",
    "BackendSessions",
    "ConfigSessions",
    "MiddlewareCompte",
    "Utilisateur",
    "acces_api",
    "exiger_agent",
    "exiger_cfa",
    "garde_api",
    "garder_session",
    "ouvrir_session",
    "par_session",
]

_R = TypeVar("_R")

RENOUVELER: Final = "_renouveler"
"""Session key asking :class:`BackendSessions` for a new id (set at login)."""
_ID_SCOPE: Final = "cfa_session_id"
_LUE_SCOPE: Final = "cfa_session_lue"
"""Scope key of the session's data as loaded (serialized), to write it only when changed."""
PAS_VUE: Final = dt.timedelta(minutes=1)
"""The last visit (``VUE_LE``) is recorded again only when older than this (or than a
tenth of the idle timeout when shorter): a page seen sooner leaves the session unchanged,
so nothing is written. The idle timeout therefore counts from a visit up to this much
before the last one: a session may end this much earlier than ``inactivite`` after its
last request, never later."""
COMPTE: Final = "compte"
GENERATION: Final = "generation"
ROLE: Final = "role"
SIRET: Final = "siret"
OUVERTE_LE: Final = "ouverte_le"
VUE_LE: Final = "vue_le"
PREFIXE_API: Final = "/api/"
"""The JSON API's addresses: no session, no cookie, a key per call."""
SESSION_AU_CAS_D_USAGE: Final = "session_au_cas_d_usage"
"""Route option (``opt={SESSION_AU_CAS_D_USAGE: True}``) of a read-only GET page whose use
case checks the session (:func:`par_session`): the middleware does not read the account
before the handler, only after it when the use case did not run."""
VERIFIEE: Final = {SESSION_AU_CAS_D_USAGE: True}
"""The ``opt`` of such a page."""
_A_VERIFIER_SCOPE: Final = "cfa_session_a_verifier"
"""Scope key of the session not checked yet (a :class:`SessionOuverte`); None once checked."""
ACCES_API: Final = "cfa_acces_api"
"""Scope key of the authenticated API call (:class:`~cfa_domain.services.cles_api.AccesApi`)."""


@attrs.frozen
class Utilisateur:
    """The account a request is made for (``request.user``)."""

    compte_id: uuid.UUID
    role: Role
    siret: str | None
    generation: int

    @property
    def session(self) -> SessionOuverte:
        """The session, as a use case checks it (:func:`par_session`)."""
        return SessionOuverte(compte_id=self.compte_id, generation=self.generation)


def _etat(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    return cast("dict[str, Any]", connection.scope)


class BackendSessions(ServerSideSessionBackend):
    """Litestar's server-side sessions, with the id renewed at login and never chosen by the client.

    - a cookie whose id names no stored session is not reused: a new id is drawn;
    - ``session[RENOUVELER] = True`` (set by :func:`ouvrir_session`) deletes the stored
      session of the old id and stores the data under a new one;
    - an empty session is not stored: an anonymous visit leaves no row and no cookie;
    - a session the request left as it was loaded is not written again (nor its cookie
      sent again): its stored expiry and its cookie's stay those of its last write, which
      :data:`PAS_VUE` bounds (the sessions are configured without renewal on read, so
      reading one writes nothing either).
    """

    async def load_from_connection(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> dict[str, Any]:
        """The stored data, and the id the response will use (the cookie's only if stored)."""
        donnees = await super().load_from_connection(connection)
        cookie = connection.cookies.get(self.config.key)
        etat = _etat(connection)
        etat[_ID_SCOPE] = cookie if donnees and cookie else None
        etat[_LUE_SCOPE] = self.serialize_data(donnees, connection.scope) if donnees else None
        return donnees

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        """The id decided at load (a new one when the cookie named no stored session)."""
        etat = _etat(connection)
        if not etat.get(_ID_SCOPE):
            etat[_ID_SCOPE] = self.generate_session_id()
        return cast("str", etat[_ID_SCOPE])

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        """Store the session (under a new id when asked) and set its cookie."""
        store = self.config.get_store_from_app(connection.scope["app"])
        cookie = connection.cookies.get(self.config.key)
        etat = _etat(connection)
        renouvelee = isinstance(scope_session, dict) and scope_session.pop(RENOUVELER, False)
        if renouvelee:
            if cookie:
                await self.delete(cookie, store=store)
            etat[_ID_SCOPE] = self.generate_session_id()
        if scope_session is Empty or not scope_session:
            if cookie and cookie != "null":
                etat[_ID_SCOPE] = cookie
                await super().store_in_message(Empty, message, connection)
            return
        lue = etat.get(_LUE_SCOPE)
        if (
            not renouvelee
            and lue is not None
            and self.serialize_data(scope_session, connection.scope) == lue
        ):
            return
        await super().store_in_message(scope_session, message, connection)


class ConfigSessions(ServerSideSessionConfig):
    """The session settings, with :class:`BackendSessions`."""

    _backend_class = BackendSessions


def ouvrir_session(
    session: dict[str, Any], connexion: acces.Connexion, maintenant: dt.datetime
) -> None:
    """Fill a new session after a successful login (its id is renewed at the response)."""
    session.clear()
    session.update(
        {
            COMPTE: str(connexion.compte_id),
            GENERATION: connexion.generation_session,
            ROLE: connexion.role.value,
            SIRET: None if connexion.siret is None else connexion.siret.numero,
            OUVERTE_LE: maintenant.isoformat(),
            VUE_LE: maintenant.isoformat(),
            RENOUVELER: True,
        }
    )


def garder_session(session: dict[str, Any], generation: int) -> None:
    """Keep the session that changed the password or email: the new generation, a new id.

    The core's change ends every session of the account (``generation``, returned by
    ``acces.changer_mot_de_passe`` and ``acces.changer_email``, is the account's new one);
    the session that made it carries the new value on, under a new id, as after a login.
    """
    session[GENERATION] = generation
    session[RENOUVELER] = True


class MiddlewareCompte:
    """Puts the session's account in ``scope["user"]`` once its session is checked valid.

    On a page whose use case checks the session (:data:`SESSION_AU_CAS_D_USAGE`), only the
    timeouts are checked before the handler; the account is read by the use case, or here
    before the response leaves if the use case did not run to its end.
    """

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the session, refuse anonymous uploads, then call the application."""
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith(PREFIXE_API):
            await self.app(scope, receive, send)
            return
        etat = scope["app"].state
        contexte: Contexte = etat.contexte
        session = scope.get("session")
        utilisateur = None
        differee = False
        if isinstance(session, dict) and COMPTE in session:
            utilisateur = _session_lue(session, contexte.maintenant(), etat.reglages)
            differee = utilisateur is not None and _verifiee_au_cas_d_usage(scope)
            if utilisateur is not None and not differee:
                utilisateur = utilisateur if await _tient(contexte, utilisateur.session) else None
            if utilisateur is None:
                scope["session"] = Empty
        scope["user"] = utilisateur
        if utilisateur is None and _envoi_de_fichiers(scope):
            await _refuser(send)
            return
        if differee and utilisateur is not None:
            cast("dict[str, Any]", scope)[_A_VERIFIER_SCOPE] = utilisateur.session
            send = _verifier_avant_reponse(scope, send, contexte)
        await self.app(scope, receive, send)


def _verifiee_au_cas_d_usage(scope: Scope) -> bool:
    """A GET of a page whose use case checks the session (:data:`SESSION_AU_CAS_D_USAGE`)."""
    gestionnaire = scope.get("route_handler")
    return (
        scope.get("method") == "GET"
        and gestionnaire is not None
        and gestionnaire.opt.get(SESSION_AU_CAS_D_USAGE) is True
    )


def _session_lue(
    session: dict[str, Any],
    maintenant: dt.datetime,
    reglages: Any,  # noqa: ANN401 - ReglagesWeb
) -> Utilisateur | None:
    """The session's account if the session is well formed and within its timeouts."""
    try:
        ouverte = dt.datetime.fromisoformat(session[OUVERTE_LE])
        vue = dt.datetime.fromisoformat(session[VUE_LE])
        compte_id = uuid.UUID(session[COMPTE])
        generation = int(session[GENERATION])
        role = Role(session[ROLE])
    except (KeyError, TypeError, ValueError):
        return None
    if maintenant - ouverte > reglages.duree_max or maintenant - vue > reglages.inactivite:
        return None
    if maintenant - vue >= min(PAS_VUE, reglages.inactivite / 10):
        session[VUE_LE] = maintenant.isoformat()
    return Utilisateur(
        compte_id=compte_id, role=role, siret=session.get(SIRET), generation=generation
    )


async def _tient(contexte: Contexte, session: SessionOuverte) -> bool:
    """True if the core still holds ``session`` (one read of the account, in a worker thread)."""
    return await anyio.to_thread.run_sync(
        acces.session_valide, contexte, session.compte_id, session.generation
    )


def _verifier_avant_reponse(scope: Scope, send: Send, contexte: Contexte) -> Send:
    """``send``, checking at the response's start a session no use case has checked.

    A session that no longer holds gets the login page (and is ended) instead of the
    response the page prepared, whose body is dropped.
    """
    remplacee = False

    async def envoyer(message: Message) -> None:
        nonlocal remplacee
        if message["type"] == "http.response.start":
            session = scope.get(_A_VERIFIER_SCOPE)
            # A session the application ended already (the core refused it) is not read again.
            if (
                isinstance(session, SessionOuverte)
                and scope.get("session") is not Empty
                and not await _tient(contexte, session)
            ):
                remplacee = True
                scope["session"] = Empty
                await send(_vers_connexion(scope))
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
        elif remplacee:
            return
        await send(message)

    return envoyer


def _vers_connexion(scope: Scope) -> Message:
    """The start of a 303 to the login page, coming back to this page afterwards."""
    debut: Message = {"type": "http.response.start", "status": 303, "headers": []}
    entetes = MutableScopeHeaders.from_message(debut)
    entetes["location"] = adresse_connexion(scope["path"], "GET")
    entetes["content-length"] = "0"
    return debut


def par_session(request: Request[Any, Any, Any], cas: Callable[[SessionOuverte], _R]) -> _R:
    """Run the read-only use case ``cas`` with the request's session, which it checks.

    ``cas`` receives the :class:`~cfa_domain.services.contexte.SessionOuverte` where it
    takes the acting account: the core loads the account once, checks that the session
    still holds (else :class:`~cfa_domain.errors.SessionInvalide`: back to the login
    page) and runs. Once it returned, the middleware has nothing left to check.
    """
    resultat = cas(_utilisateur(request).session)
    _etat(request)[_A_VERIFIER_SCOPE] = None
    return resultat


def _envoi_de_fichiers(scope: Scope) -> bool:
    if scope.get("method") != "POST":
        return False
    for nom, valeur in scope.get("headers", ()):
        if nom == b"content-type":
            return valeur.lower().startswith(b"multipart/")
    return False


async def _refuser(send: Send) -> None:
    corps = b"Connectez-vous pour envoyer des documents."
    debut: Message = {
        "type": "http.response.start",
        "status": 403,
        "headers": [],
    }
    entetes = MutableScopeHeaders.from_message(debut)
    entetes["content-type"] = "text/plain; charset=utf-8"
    entetes["content-length"] = str(len(corps))
    await send(debut)
    await send({"type": "http.response.body", "body": corps, "more_body": False})


class AccesInterdit(MessagePublic, PermissionDeniedException):
    """403 with a French explanation (a guard refused the page)."""


def _utilisateur(connection: ASGIConnection[Any, Any, Any, Any]) -> Utilisateur:
    utilisateur = connection.scope.get("user")
    if not isinstance(utilisateur, Utilisateur):
        raise NotAuthorizedException("Connectez-vous pour accéder à cette page.")
    return utilisateur


def exiger_cfa(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of the CFA portal's pages: a logged-in CFA account."""
    if _utilisateur(connection).role is not Role.CFA:
        raise AccesInterdit("Cette page est réservée aux comptes des organismes.")


def exiger_agent(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of the back office's pages: a logged-in OPCO agent."""
    if _utilisateur(connection).role is not Role.AGENT_OPCO:
        raise AccesInterdit("Cette page est réservée aux conseillers de l'OPCO.")


# --- The JSON API ------------------------------------------------------------------------


class CleRequise(NotAuthorizedException):
    """401: no ``Authorization: Bearer`` header."""

    def __init__(self) -> None:
        """Ask for a bearer token."""
        super().__init__(
            detail="Clé d'API requise.", headers={"WWW-Authenticate": 'Bearer realm="api"'}
        )


def _cle_presentee(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    schema, _, cle = connection.headers.get("authorization", "").partition(" ")
    if schema.lower() != "bearer" or not cle.strip():
        raise CleRequise
    return cle.strip()


async def garde_api(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Authenticate an API call by its key, then count it against the key's rate limit.

    Raises:
        CleRequise: no bearer key (401).
        CleApiInvalide: a key unknown, revoked, or of an account that can no longer act.
        TropDAppels: the key is over its limit of the current window (429).
    """
    cle = _cle_presentee(connection)
    etat = connection.app.state
    contexte: Contexte = etat.contexte
    autorise = await anyio.to_thread.run_sync(cles_api.authentifier_cle_api, contexte, cle)
    await anyio.to_thread.run_sync(limiter_cle, etat, autorise.cle_id)
    _etat(connection)[ACCES_API] = autorise


def acces_api(connection: ASGIConnection[Any, Any, Any, Any]) -> cles_api.AccesApi:
    """The authenticated call's key, organisme and account (set by :func:`garde_api`)."""
    return cast("cles_api.AccesApi", _etat(connection)[ACCES_API])
