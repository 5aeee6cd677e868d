"""The composition root: :func:`create_app` builds every adapter and wires the application.

It is the only module that knows every adapter. Tests pass their own
:class:`Composants` (a SQLite file in a temporary folder, a fast hasher, a fixed clock);
``cfa-web`` and ``uvicorn --factory cfa_web.app:app_depuis_environnement`` build the real
ones from the ``CFA_*`` settings (:mod:`cfa_web.settings`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import attrs
import jinja2
import sqlalchemy as sa
from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from cfa_adapters.files.entrepot import EntrepotDocumentsFichiers
from cfa_adapters.magasin import Compteur, CompteurMemoire, Magasin, MagasinMemoire
from cfa_adapters.mail.__main__ import construire_relais
from cfa_adapters.mail.relais import Relais, tache_relais
from cfa_adapters.pdf import RenduRecepissePdf, VerificateurPdfPypdf
from cfa_adapters.sql.magasin import CompteurSql, MagasinSql
from cfa_adapters.sql.schema import ouvrir_base
from cfa_adapters.sql.uow import fabrique_uow
from cfa_adapters.systeme import HacheurArgon2, HorlogeSysteme, JetonsSecrets
from cfa_domain.services.contexte import Contexte, Parametres
from cfa_web.api import ROUTES_API, aiguiller_erreurs, config_openapi
from cfa_web.auth import PREFIXE_API, ConfigSessions, MiddlewareCompte
from cfa_web.backoffice import ROUTES_BACKOFFICE
from cfa_web.entetes import entetes_de_securite
from cfa_web.formats import filtres, regles_mot_de_passe
from cfa_web.magasin import MagasinLitestar
from cfa_web.pages_erreur import GESTIONNAIRES
from cfa_web.portail import ROUTES_PORTAIL
from cfa_web.settings import ReglagesWeb, reglages_depuis_environnement_web

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["Composants", "app_depuis_environnement", "composants_reels", "create_app"]

_journal = logging.getLogger("cfa_web")
ICI = Path(__file__).parent
MARGE_FORMULAIRE = 256 * 1024
"""What a request may carry beside its documents (the other fields, the multipart frames)."""
INTERVALLE_PURGE = 600.0
"""Seconds between two purges of the expired sessions and throttling windows."""


@attrs.frozen
class Composants:
    """The adapters an application runs on."""

    contexte: Contexte
    sessions: Magasin = attrs.Factory(MagasinMemoire)
    """Where the sessions live: the database's ``sessions_web`` in production, shared by
    the workers (``cfa_adapters.sql.magasin.MagasinSql``)."""
    compteur: Compteur = attrs.Factory(CompteurMemoire)
    """The per-address counters of the anonymous forms (``limites_web`` in production)."""
    relais: Relais | None = None
    """The mail relay, run as a background task while the application serves."""
    moteur: sa.Engine | None = None
    """The database engine, disposed at shutdown."""

    def fermer(self) -> None:
        """Dispose of the database engine (at shutdown, or at the end of a command)."""
        if self.moteur is not None:
            self.moteur.dispose()


def composants_reels(reglages: ReglagesWeb) -> Composants:
    """The production adapters: the database of the settings, files on disk, argon2id, fpdf2."""
    moteur = ouvrir_base(reglages.url_base_donnees)
    contexte = Contexte(
        uow=fabrique_uow(moteur),
        horloge=HorlogeSysteme(),
        jetons=JetonsSecrets(),
        hacheur=HacheurArgon2(),
        documents=EntrepotDocumentsFichiers(reglages.dossier_documents),
        rendu_recepisse=RenduRecepissePdf(),
        parametres=Parametres(fuseau_horaire=reglages.mail.mail.fuseau_horaire),
        verificateur_pdf=VerificateurPdfPypdf(),
    )
    relais = construire_relais(moteur, reglages.mail) if reglages.relais_mail else None
    return Composants(
        contexte=contexte,
        sessions=MagasinSql(moteur),
        compteur=CompteurSql(moteur),
        relais=relais,
        moteur=moteur,
    )


def _environnement_jinja(reglages: ReglagesWeb, contexte: Contexte) -> jinja2.Environment:
    environnement = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ICI / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship with the package: compiled once, not stat'ed again at each
        # render as Jinja does by default to reload an edited one (the demo still does).
        auto_reload=reglages.demo,
    )
    environnement.filters.update(filtres(contexte.parametres.fuseau_horaire))
    environnement.globals.update(
        {
            "opco": reglages.opco,
            "politique": contexte.parametres.politique_mot_de_passe,
            "regles_mot_de_passe": regles_mot_de_passe(contexte.parametres.politique_mot_de_passe),
        }
    )
    return environnement


def create_app(reglages: ReglagesWeb, composants: Composants | None = None) -> Litestar:
    """The web application of ``reglages``, on ``composants`` (the real adapters by default)."""
    elements = composants or composants_reels(reglages)
    sessions = ConfigSessions(
        key="cfa_session",
        secure=reglages.cookies_securises,
        httponly=True,
        samesite="lax",
        max_age=int(reglages.inactivite.total_seconds()),
        # Read without renewal: a read writes nothing; a session is written (its expiry
        # moved) when it changes, at least every ``auth.PAS_VUE`` of use.
        renew_on_access=False,
        store="sessions",
        exclude=[f"^{PREFIXE_API}"],
    )
    csrf = CSRFConfig(
        secret=reglages.cle_secrete,
        cookie_name="cfa_csrf",
        cookie_secure=reglages.cookies_securises,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=["^/static/", f"^{PREFIXE_API}"],
    )
    parametres = elements.contexte.parametres

    async def purger(arret: asyncio.Event) -> None:
        """Delete the expired sessions and throttling windows now and then."""
        while not arret.is_set():
            maintenant = elements.contexte.maintenant()
            await anyio.to_thread.run_sync(elements.sessions.purger, maintenant)
            await anyio.to_thread.run_sync(
                elements.compteur.purger, maintenant, reglages.fenetre_limite
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arret.wait(), INTERVALLE_PURGE)

    @contextlib.asynccontextmanager
    async def taches_de_fond(_: Litestar) -> AsyncIterator[None]:
        arret = asyncio.Event()
        taches = [asyncio.create_task(purger(arret))]
        if elements.relais is not None:
            taches.append(asyncio.create_task(tache_relais(elements.relais, arret)))
        try:
            yield
        finally:
            arret.set()
            await asyncio.gather(*taches)
            elements.fermer()

    etat: dict[str, Any] = {
        "reglages": reglages,
        "contexte": elements.contexte,
        "compteur": elements.compteur,
    }
    return Litestar(
        route_handlers=[
            # The portal's and the back office's pages stay out of the OpenAPI document,
            # which describes the API.
            Router(path="/", route_handlers=ROUTES_PORTAIL, include_in_schema=False),
            Router(path="/", route_handlers=ROUTES_BACKOFFICE, include_in_schema=False),
            *ROUTES_API,
            create_static_files_router(
                path="/static", directories=[ICI / "static"], name="static", include_in_schema=False
            ),
        ],
        middleware=[sessions.middleware, MiddlewareCompte],
        before_send=[entetes_de_securite],
        csrf_config=csrf,
        template_config=TemplateConfig(
            instance=JinjaTemplateEngine.from_environment(
                _environnement_jinja(reglages, elements.contexte)
            )
        ),
        stores={"sessions": MagasinLitestar(elements.sessions, elements.contexte.maintenant)},
        state=State(etat),
        exception_handlers=aiguiller_erreurs(GESTIONNAIRES),
        lifespan=[taches_de_fond],
        request_max_body_size=parametres.taille_max_pieces_demande + MARGE_FORMULAIRE,
        openapi_config=config_openapi(f"Plateforme CFA – {reglages.opco.nom}"),
        # The application logs through the standard loggers (``cfa_web``, ``cfa_adapters``)
        # and leaves their configuration to whoever runs it (``cfa-web`` configures the
        # root logger in every worker; an embedding host keeps its own): Litestar's default
        # would replace the host's root handlers with a stream fixed when the app starts.
        logging_config=None,
        debug=False,
    )


def app_depuis_environnement() -> Litestar:
    """The application of the ``CFA_*`` settings (``uvicorn --factory`` calls it per worker)."""
    return create_app(reglages_depuis_environnement_web())
