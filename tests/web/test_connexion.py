"""Login, logout, sessions: the duties the core leaves to the web layer (security.md)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa

from cfa_adapters.sql import tables
from cfa_domain.services import acces

from .conftest import (
    EMAIL_CFA,
    MOT_DE_PASSE,
    NUMERO_ACTION,
    Portail,
    connecter,
    dossier_recu,
    poster,
    texte,
)

AUTRE = "Nouveau-mot-de-passe-2024"


def test_la_connexion_ouvre_l_accueil_de_l_organisme(portail: Portail) -> None:
    """La connexion ouvre l'accueil de l'organisme."""
    portail.compte_actif()
    reponse = connecter(portail.client)
    assert reponse.headers["location"] == "/"
    accueil = portail.client.get("/")
    assert accueil.status_code == 200
    assert "732 829 320 00074" in texte(accueil) or "73282932000074" in texte(accueil)
    assert "Mes demandes" in texte(accueil)
    assert "Mes actions" in texte(accueil)
    assert "Fiche OF dématérialisée" in texte(accueil)


def test_une_page_du_portail_sans_session_renvoie_a_la_connexion(portail: Portail) -> None:
    """Une page du portail sans session renvoie à la connexion."""
    reponse = portail.client.get("/", follow_redirects=False)
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/connexion?suite=/"


def test_l_identifiant_de_session_change_a_la_connexion(portail: Portail) -> None:
    """L'identifiant de session change à la connexion."""
    portail.compte_actif()
    client = portail.client
    poster(client, "/mot-de-passe/oublie", {"email": "x@example.org"})  # a notice opens a session
    avant = client.cookies.get("cfa_session")
    assert avant
    connecter(client)
    apres = client.cookies.get("cfa_session")
    assert apres
    assert apres != avant
    # The old id opens nothing.
    ancien = portail.client_neuf()
    ancien.cookies.set("cfa_session", avant, domain="testserver.local")
    assert ancien.get("/", follow_redirects=False).status_code == 303


def test_un_identifiant_de_session_choisi_par_le_client_n_est_jamais_repris(
    portail: Portail,
) -> None:
    """Un identifiant de session choisi par le client n'est jamais repris."""
    portail.compte_actif()
    client = portail.client
    client.cookies.set("cfa_session", "a" * 64, domain="testserver.local")
    reponse = connecter(client)
    nouveau = reponse.cookies.get("cfa_session")
    assert nouveau
    assert nouveau != "a" * 64
    assert client.get("/").status_code == 200


def test_la_deconnexion_detruit_la_session_cote_serveur(portail: Portail) -> None:
    """La deconnexion detruit la session cote serveur."""
    portail.compte_actif()
    connecter(portail.client)
    cookie = portail.client.cookies.get("cfa_session")
    assert cookie
    reponse = poster(portail.client, "/deconnexion", {}, page="/")
    assert reponse.status_code == 303
    vole = portail.client_neuf()
    vole.cookies.set("cfa_session", cookie, domain="testserver.local")
    assert vole.get("/", follow_redirects=False).status_code == 303


def test_mauvais_mot_de_passe_et_compte_inconnu_meme_reponse(portail: Portail) -> None:
    """Mauvais mot de passe et compte inconnu meme reponse."""
    portail.compte_actif()
    faux = poster(
        portail.client, "/connexion", {"email": EMAIL_CFA, "mot_de_passe": "Faux-1234567"}
    )
    inconnu = poster(
        portail.client_neuf(),
        "/connexion",
        {"email": "personne@example.org", "mot_de_passe": "Faux-1234567"},
    )
    assert faux.status_code == inconnu.status_code == 422
    assert "Identifiant ou mot de passe incorrect." in texte(faux)
    assert "Identifiant ou mot de passe incorrect." in texte(inconnu)


def test_un_compte_verrouille_se_lit_comme_de_mauvais_identifiants(portail: Portail) -> None:
    """Un compte verrouille se lit comme de mauvais identifiants."""
    portail.compte_actif()
    politique = portail.contexte.parametres.verrouillage
    for _ in range(politique.echecs_max):
        poster(portail.client, "/connexion", {"email": EMAIL_CFA, "mot_de_passe": "Faux-1234567"})
    # Locked now: even the right password gets the generic message, never "verrouillé".
    reponse = poster(
        portail.client, "/connexion", {"email": EMAIL_CFA, "mot_de_passe": MOT_DE_PASSE}
    )
    assert reponse.status_code == 422
    assert "Identifiant ou mot de passe incorrect." in texte(reponse)
    assert "verrouill" not in texte(reponse).lower()
    assert "tentatives" not in texte(reponse).lower()


def test_changer_de_mot_de_passe_ferme_les_autres_sessions(portail: Portail) -> None:
    """Changer de mot de passe ferme les autres sessions."""
    portail.compte_actif()
    connecter(portail.client)
    assert portail.client.get("/").status_code == 200
    with portail.contexte.uow() as uow:
        compte = uow.comptes.par_email(
            __import__("cfa_domain.values", fromlist=["Email"]).Email(EMAIL_CFA)
        )
        assert compte is not None
        compte_id = compte.id
    acces.changer_mot_de_passe(
        portail.contexte,
        compte_id,
        MOT_DE_PASSE,
        "Nouveau-mot-de-passe-2024",
        "Nouveau-mot-de-passe-2024",
    )
    assert portail.client.get("/", follow_redirects=False).status_code == 303


def test_la_session_expire_apres_l_inactivite(portail: Portail) -> None:
    """La session expire après l'inactivite."""
    portail.compte_actif()
    connecter(portail.client)
    portail.horloge.instant += dt.timedelta(minutes=29)
    assert portail.client.get("/").status_code == 200
    portail.horloge.instant += dt.timedelta(minutes=31)
    assert portail.client.get("/", follow_redirects=False).status_code == 303


def test_la_session_expire_apres_sa_duree_maximale_meme_utilisee(portail: Portail) -> None:
    """La session expire après sa duree maximale meme utilisee."""
    portail.compte_actif()
    connecter(portail.client)
    for _ in range(35):  # 11 h 40 of use, a page every 20 minutes
        portail.horloge.instant += dt.timedelta(minutes=20)
        assert portail.client.get("/", follow_redirects=False).status_code == 200
    portail.horloge.instant += dt.timedelta(minutes=40)  # 12 h 20 after the login
    assert portail.client.get("/", follow_redirects=False).status_code == 303


def test_la_suite_apres_connexion_reste_sur_le_site(portail: Portail) -> None:
    """La suite après connexion reste sur le site."""
    portail.compte_actif()
    reponse = poster(
        portail.client,
        "/connexion",
        {"email": EMAIL_CFA, "mot_de_passe": MOT_DE_PASSE, "suite": "//evil.example/x"},
    )
    assert reponse.headers["location"] == "/"


# --- The session's cost: written when changed, checked by the page's use case --------------


def _session_stockee(portail: Portail) -> tuple[bytes, dt.datetime | None]:
    """The one stored session: its data and its expiry."""
    s = tables.sessions_web
    with portail.moteur.connect() as connexion:
        ligne = connexion.execute(sa.select(s.c.valeur, s.c.expire_le)).one()
    return bytes(ligne.valeur), ligne.expire_le


def test_une_page_qui_ne_change_pas_la_session_ne_l_ecrit_pas(portail: Portail) -> None:
    """Pages seen within a minute leave the stored session and its cookie as they were.

    The last visit is recorded again after a minute (``auth.PAS_VUE``): the session is then
    written with its expiry moved, and its cookie sent again.
    """
    portail.compte_actif()
    connecter(portail.client)
    stockee = _session_stockee(portail)
    assert stockee[1] == portail.horloge.instant + dt.timedelta(minutes=30)
    portail.horloge.instant += dt.timedelta(seconds=50)
    for page in ("/", "/actions", "/organisme"):
        reponse = portail.client.get(page)
        assert reponse.status_code == 200
        assert "cfa_session" not in reponse.headers.get("set-cookie", "")
        assert _session_stockee(portail) == stockee
    portail.horloge.instant += dt.timedelta(seconds=20)
    reponse = portail.client.get("/")
    assert "cfa_session=" in reponse.headers["set-cookie"]
    valeur, expire_le = _session_stockee(portail)
    assert valeur != stockee[0]
    assert expire_le == portail.horloge.instant + dt.timedelta(minutes=30)


def test_l_inactivite_se_compte_depuis_la_derniere_visite_enregistree(portail: Portail) -> None:
    """A session ends at most a minute before its idle timeout after its last page, never after."""
    portail.compte_actif()
    connecter(portail.client)
    portail.horloge.instant += dt.timedelta(seconds=50)  # not recorded: within the minute
    assert portail.client.get("/").status_code == 200
    portail.horloge.instant += dt.timedelta(minutes=29, seconds=11)  # 30 min 1 s after login
    assert portail.client.get("/", follow_redirects=False).status_code == 303


PAGES_VERIFIEES_AU_CAS_D_USAGE = ("/", "/actions", "/demandes", f"/actions/{NUMERO_ACTION}")
"""Read-only pages whose use case checks the session (``opt=auth.VERIFIEE``)."""


def _lectures_de_comptes(portail: Portail, page: str) -> int:
    """How many statements read the table ``comptes`` while ``page`` is answered (200)."""
    lectures: list[str] = []

    def noter(*args: Any) -> None:
        if re.search(r"\bFROM comptes\b", args[2]):
            lectures.append(args[2])

    sa.event.listen(portail.moteur, "before_cursor_execute", noter)
    try:
        assert portail.client.get(page).status_code == 200
    finally:
        sa.event.remove(portail.moteur, "before_cursor_execute", noter)
    return len(lectures)


@pytest.mark.parametrize("page", PAGES_VERIFIEES_AU_CAS_D_USAGE)
def test_la_page_lit_le_compte_une_fois(portail: Portail, page: str) -> None:
    """The session check and the page's use case share one read of the account."""
    portail.compte_actif()
    dossier_recu(portail)
    connecter(portail.client)
    assert _lectures_de_comptes(portail, page) == 1


@pytest.mark.parametrize("page", PAGES_VERIFIEES_AU_CAS_D_USAGE)
def test_une_session_terminee_ne_voit_plus_la_page(portail: Portail, page: str) -> None:
    """A password changed elsewhere ends the session on every page, checked by the use case."""
    portail.compte_actif()
    dossier_recu(portail)
    connecter(portail.client)
    assert portail.client.get(page).status_code == 200
    acces.changer_mot_de_passe(portail.contexte, portail.id_compte(), MOT_DE_PASSE, AUTRE, AUTRE)
    reponse = portail.client.get(page, follow_redirects=False)
    assert reponse.status_code == 303
    assert reponse.headers["location"] == f"/connexion?suite={page}"
    assert 'cfa_session="null"' in reponse.headers["set-cookie"] or (
        "cfa_session=null" in reponse.headers["set-cookie"]
    )
    with portail.moteur.connect() as connexion:
        assert connexion.scalar(sa.select(sa.func.count()).select_from(tables.sessions_web)) == 0


def test_une_page_repondue_sans_son_cas_d_usage_verifie_quand_meme_la_session(
    portail: Portail,
) -> None:
    """A page that answers before its use case runs checks the session before it answers.

    An unknown sort order is refused before the search: with a session ended meanwhile,
    the visitor gets the login page (with the security headers), not the refusal.
    """
    portail.compte_actif()
    connecter(portail.client)
    refus = portail.client.get("/actions?ordre=de-travers")
    assert refus.status_code == 422
    acces.changer_mot_de_passe(portail.contexte, portail.id_compte(), MOT_DE_PASSE, AUTRE, AUTRE)
    reponse = portail.client.get("/actions?ordre=de-travers", follow_redirects=False)
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/connexion?suite=/actions"
    assert reponse.content == b""
    assert reponse.headers["x-content-type-options"] == "nosniff"
    assert "cfa_session=" in reponse.headers["set-cookie"]
    assert portail.client.get("/organisme", follow_redirects=False).status_code == 303
