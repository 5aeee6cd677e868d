"""Login, logout, sessions: the duties the core leaves to the web layer (security.md)."""

from __future__ import annotations

import datetime as dt

from cfa_domain.services import acces

from .conftest import EMAIL_CFA, MOT_DE_PASSE, Portail, connecter, poster, texte


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
