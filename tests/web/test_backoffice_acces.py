"""The agents' door to the back office, and the wall between the two roles (every route)."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from litestar.routes import HTTPRoute

from cfa_domain.services import acces
from cfa_web.auth import SESSION_AU_CAS_D_USAGE, exiger_agent, exiger_cfa, garde_api

from .conftest import (
    EMAIL_AGENT,
    EMAIL_CFA,
    MOT_DE_PASSE,
    MOT_DE_PASSE_AGENT,
    NUMERO_ACTION,
    BackOffice,
    Portail,
    agent_opco,
    connecter,
    connecter_agent,
    dossier_recu,
    jeton_csrf,
    poster,
    texte,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar import Litestar
    from litestar.handlers import HTTPRouteHandler

PUBLIQUES_BACKOFFICE = {("/backoffice/connexion", "GET"), ("/backoffice/connexion", "POST")}
"""The only back-office addresses open without an agent's session: its login form."""
PUBLIQUES_PORTAIL = {
    "/connexion",
    "/deconnexion",
    "/mot-de-passe/oublie",
    "/mot-de-passe/reinitialisation/{jeton:str}",
    "/compte/email/{jeton:str}",
    "/contact",
    "/glossaire",
    "/mentions-legales",
    "/conditions-generales",
    "/activation/{jeton:str}",
    "/invitation/{jeton:str}",
    "/api/v1/openapi.json",
    "/api/v1/openapi.json/openapi.json",
    "/api/v1/openapi.json/{path:str}",
}
"""Portal pages anyone may open, and the API's schema (the sign-up path comes on top)."""
_PARAMETRE = re.compile(r"\{(\w+):(\w+)\}")
_EXEMPLES = {"str": "2011303654", "uuid": str(uuid.UUID(int=7)), "int": "1", "path": "x"}


def _adresse(modele: str) -> str:
    return _PARAMETRE.sub(lambda m: _EXEMPLES[m.group(2)], modele)


def _routes(app: Litestar) -> Iterator[tuple[str, str, HTTPRouteHandler]]:
    """Every (path, method, handler) the application serves (but its static files)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/static"):
            continue
        for handler in route.route_handlers:
            for methode in sorted(handler.http_methods):
                if methode not in {"HEAD", "OPTIONS"}:
                    yield route.path, methode, handler


def _gardes(handler: HTTPRouteHandler) -> list[Any]:
    """The guards of ``handler`` (its own and its routers'), unwrapped."""
    return [getattr(garde, "func", garde) for garde in handler.resolve_guards()]


def _appeler(client: Any, methode: str, adresse: str, jeton: str) -> Any:
    return client.request(
        methode,
        adresse,
        data={"_csrf_token": jeton} if methode != "GET" else None,
        headers={"x-csrftoken": jeton},
        follow_redirects=False,
    )


def test_la_connexion_d_un_agent_ouvre_le_tableau_de_bord(portail: Portail) -> None:
    """The agents' form logs an agent in; the back office shows its own menu."""
    agent_opco(portail)
    client = portail.client_neuf()
    page = client.get("/backoffice/connexion")
    assert page.status_code == 200
    assert "Espace des conseillers" in texte(page)
    assert 'aria-label="Menu des conseillers"' not in page.text  # no menu before login
    reponse = connecter_agent(client)
    assert reponse.headers["location"] == "/backoffice"
    accueil = client.get("/backoffice")
    assert accueil.status_code == 200
    menu = re.search(r'<nav aria-label="Menu des conseillers".*?</nav>', accueil.text, re.DOTALL)
    assert menu is not None
    assert re.findall(r">([^<>]+)</a>", menu.group(0)) == [
        "Tableau de bord",
        "Organismes",
        "Dossiers",
        "Demandes",
        "Flux",
        "Historique",
    ]
    assert '<a href="/backoffice" aria-current="page">' in accueil.text
    assert 'action="/backoffice/deconnexion"' in accueil.text
    assert "Mes demandes" not in menu.group(0)
    # Already logged in: the login page goes on to the page asked.
    suite = client.get("/backoffice/connexion?suite=/backoffice/demandes", follow_redirects=False)
    assert suite.headers["location"] == "/backoffice/demandes"


def test_la_connexion_revient_a_la_page_demandee_du_back_office_seulement(
    portail: Portail,
) -> None:
    """A back-office page without session leads to the agents' login, then back to it."""
    agent_opco(portail)
    client = portail.client_neuf()
    reponse = client.get("/backoffice", follow_redirects=False)
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/backoffice/connexion?suite=/backoffice"
    champs = {"email": EMAIL_AGENT, "mot_de_passe": MOT_DE_PASSE_AGENT}
    vers_flux = poster(client, "/backoffice/connexion", {**champs, "suite": "/backoffice/flux"})
    assert vers_flux.headers["location"] == "/backoffice/flux"
    client.cookies.clear()
    # Anything outside the back office (or another site) leads to the dashboard.
    for ailleurs in ("/actions", "//exemple.org/backoffice", "https://exemple.org"):
        hors = poster(client, "/backoffice/connexion", {**champs, "suite": ailleurs})
        assert hors.headers["location"] == "/backoffice", ailleurs
        client.cookies.clear()
    # A POST without session goes to the dashboard after login, not to the action.
    envoi = client.post(
        "/backoffice/deconnexion",
        data={"_csrf_token": jeton_csrf(client, "/backoffice/connexion")},
        follow_redirects=False,
    )
    assert envoi.headers["location"] == "/backoffice/connexion?suite=/backoffice"


def test_identifiants_refuses_en_francais_et_formulaire_garde(portail: Portail) -> None:
    """Wrong password, missing field: French errors beside the fields, the email kept."""
    agent_opco(portail)
    client = portail.client_neuf()
    faux = poster(
        client, "/backoffice/connexion", {"email": EMAIL_AGENT, "mot_de_passe": "pas-le-bon"}
    )
    assert faux.status_code == 422
    assert "Identifiant ou mot de passe incorrect." in texte(faux)
    assert f'value="{EMAIL_AGENT}"' in faux.text
    vide = poster(client, "/backoffice/connexion", {"email": EMAIL_AGENT})
    assert vide.status_code == 422
    assert re.search(
        r'id="mot_de_passe-erreur">.*Ce champ est obligatoire\.', texte(vide), re.DOTALL
    )


def test_un_compte_d_organisme_n_entre_pas_par_la_porte_des_agents(portail: Portail) -> None:
    """A CFA's right credentials on the agents' form: the generic refusal, no session."""
    portail.compte_actif()
    client = portail.client_neuf()
    refus = poster(
        client, "/backoffice/connexion", {"email": EMAIL_CFA, "mot_de_passe": MOT_DE_PASSE}
    )
    assert refus.status_code == 422
    assert "Identifiant ou mot de passe incorrect." in texte(refus)
    assert client.get("/", follow_redirects=False).headers["location"] == "/connexion?suite=/"
    assert client.get("/backoffice", follow_redirects=False).status_code == 303


def test_un_agent_passant_par_le_portail_arrive_au_back_office(portail: Portail) -> None:
    """The portal's login form sends an agent to the back office, whatever page was asked."""
    agent_opco(portail)
    client = portail.client_neuf()
    reponse = poster(
        client,
        "/connexion",
        {"email": EMAIL_AGENT, "mot_de_passe": MOT_DE_PASSE_AGENT, "suite": "/actions"},
    )
    assert reponse.headers["location"] == "/backoffice"


def test_la_deconnexion_ferme_la_session_de_l_agent(back_office: BackOffice) -> None:
    """Logout destroys the session: the back office asks for a login again."""
    client = back_office.client
    reponse = poster(client, "/backoffice/deconnexion", {}, page="/backoffice")
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/backoffice/connexion"
    assert client.get("/backoffice", follow_redirects=False).status_code == 303


def test_une_session_cfa_n_atteint_aucune_route_du_back_office(portail: Portail) -> None:
    """Every back-office route and method but its login form: 403 for a CFA's session."""
    portail.compte_actif()
    connecter(portail.client)
    jeton = jeton_csrf(portail.client, "/compte")
    vues = 0
    for modele, methode, handler in _routes(portail.app):
        if not modele.startswith("/backoffice") or (modele, methode) in PUBLIQUES_BACKOFFICE:
            continue
        assert exiger_agent in _gardes(handler), (modele, methode)
        reponse = _appeler(portail.client, methode, _adresse(modele), jeton)
        assert reponse.status_code == 403, (modele, methode, reponse.status_code)
        assert "réservée aux conseillers de l'OPCO" in texte(reponse)
        vues += 1
    assert vues >= 2  # the dashboard and the logout at least
    # The login form itself opens nothing: the CFA sees the form, without the agents' menu.
    page = portail.client.get("/backoffice/connexion")
    assert "Espace des conseillers" in texte(page)
    assert "Menu des conseillers" not in page.text


def test_une_session_d_agent_n_ouvre_aucune_page_du_portail(back_office: BackOffice) -> None:
    """Every portal route but the public ones is a CFA's: 403 for an agent, every method."""
    portail = back_office.portail
    jeton = jeton_csrf(back_office.client, "/backoffice")
    publiques: set[str] = set()
    vues = 0
    for modele, methode, handler in _routes(portail.app):
        if modele.startswith("/backoffice"):
            continue
        if modele.startswith("/api/") and not modele.startswith("/api/v1/openapi"):
            # The API takes a key, never a session: the agent's cookie opens nothing there.
            assert garde_api in _gardes(handler), (modele, methode)
            reponse = _appeler(back_office.client, methode, _adresse(modele), jeton)
            assert reponse.status_code == 401, (modele, methode, reponse.status_code)
            continue
        if exiger_cfa not in _gardes(handler):
            publiques.add(modele)
            continue
        reponse = _appeler(back_office.client, methode, _adresse(modele), jeton)
        assert reponse.status_code == 403, (modele, methode, reponse.status_code)
        assert "réservée aux comptes des organismes" in texte(reponse)
        vues += 1
    assert vues >= 20
    # What no guard keeps is the public part of the site, and nothing else.
    assert {p for p in publiques if not p.startswith("/inscription")} == PUBLIQUES_PORTAIL


PAGES_VERIFIEES = {
    "/",
    "/actions",
    "/actions/{numero:str}",
    "/demandes",
    "/demandes/{demande_id:uuid}",
    "/backoffice",
    "/backoffice/dossiers",
    "/backoffice/dossiers/a-traiter/{etat:str}",
    "/backoffice/dossiers/{numero:str}",
}
"""The pages whose use case checks the session (``opt=auth.VERIFIEE``)."""


def test_seules_des_pages_en_lecture_laissent_la_session_a_leur_cas_d_usage(
    portail: Portail,
) -> None:
    """Only guarded GET pages skip the check before their handler; every other keeps it."""
    verifiees = set()
    for modele, methode, handler in _routes(portail.app):
        if handler.opt.get(SESSION_AU_CAS_D_USAGE):
            assert methode == "GET", modele
            assert {exiger_cfa, exiger_agent} & set(_gardes(handler)), modele
            verifiees.add(modele)
    assert verifiees == PAGES_VERIFIEES


@pytest.mark.parametrize(
    "page",
    [
        "/backoffice",
        "/backoffice/dossiers",
        "/backoffice/dossiers/a-traiter/recu",
        f"/backoffice/dossiers/{NUMERO_ACTION}",
    ],
)
def test_un_agent_desactive_ne_voit_plus_le_back_office(back_office: BackOffice, page: str) -> None:
    """An agent deactivated meanwhile is sent to the agents' login, by the page's use case."""
    dossier_recu(back_office.portail)
    assert back_office.client.get(page).status_code == 200
    acces.desactiver_agent(back_office.contexte, EMAIL_AGENT, "départ", "administrateur")
    reponse = back_office.client.get(page, follow_redirects=False)
    assert reponse.status_code == 303
    assert reponse.headers["location"] == f"/backoffice/connexion?suite={page}"
    assert back_office.client.get("/backoffice/flux", follow_redirects=False).status_code == 303
