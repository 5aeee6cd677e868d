"""Headers, CSRF, error pages, anonymous uploads and per-address throttling (security.md)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import get

from cfa_web.entetes import CSP

from .conftest import EMAIL_CFA, Portail, connecter, poster, texte


@pytest.mark.parametrize(
    "adresse", ["/connexion", "/", "/page-qui-n-existe-pas", "/static/site.css"]
)
def test_chaque_reponse_porte_les_entetes_de_securite(portail: Portail, adresse: str) -> None:
    """Chaque reponse porte les entetes de securite."""
    reponse = portail.client.get(adresse, follow_redirects=False)
    assert reponse.headers["content-security-policy"] == CSP
    assert "default-src 'self'" in CSP
    assert "frame-ancestors 'none'" in CSP
    assert reponse.headers["x-content-type-options"] == "nosniff"
    assert reponse.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in reponse.headers  # plain http here


def test_hsts_et_cookies_securises_en_https(fabrique_portail: Any) -> None:
    """Hsts et cookies securises en https."""
    portail = fabrique_portail(cookies_securises=True)
    reponse = portail.client.get("/connexion")
    assert reponse.headers["strict-transport-security"].startswith("max-age=")
    cookie = reponse.headers["set-cookie"]
    assert "cfa_csrf=" in cookie
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()


def test_les_cookies_de_session_sont_httponly_et_lax(portail: Portail) -> None:
    """Les cookies de session sont httponly et lax."""
    portail.compte_actif()
    reponse = connecter(portail.client)
    cookie = next(c for c in reponse.headers.get_list("set-cookie") if c.startswith("cfa_session="))
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # turned off explicitly for local http


def test_un_formulaire_sans_jeton_csrf_est_refuse_en_francais(portail: Portail) -> None:
    """Un formulaire sans jeton csrf est refuse en francais."""
    portail.compte_actif()
    portail.client.get("/connexion")
    reponse = portail.client.post(
        "/connexion", data={"email": EMAIL_CFA, "mot_de_passe": "x"}, follow_redirects=False
    )
    assert reponse.status_code == 403
    assert "Le formulaire a expiré" in texte(reponse)
    assert "CSRF token" not in texte(reponse)


def test_un_jeton_csrf_d_un_autre_navigateur_est_refuse(portail: Portail) -> None:
    """Un jeton csrf d'un autre navigateur est refuse."""
    autre = portail.client_neuf()
    autre.get("/connexion")
    jeton_autre = autre.cookies.get("cfa_csrf")
    portail.client.get("/connexion")
    reponse = portail.client.post(
        "/connexion",
        data={"email": EMAIL_CFA, "mot_de_passe": "x", "_csrf_token": jeton_autre or ""},
        follow_redirects=False,
    )
    assert reponse.status_code == 403


def test_page_404_en_francais(portail: Portail) -> None:
    """Page 404 en francais."""
    reponse = portail.client.get("/nulle-part")
    assert reponse.status_code == 404
    assert "Page introuvable" in texte(reponse)
    assert "Cette page n'existe pas" in texte(reponse)
    assert '<html lang="fr">' in texte(reponse)


def test_page_405_en_francais(portail: Portail) -> None:
    """Page 405 en francais."""
    reponse = portail.client.put("/connexion")
    assert reponse.status_code in {403, 405}  # CSRF answers first for a write without token
    assert "Traceback" not in texte(reponse)


def test_une_erreur_inattendue_donne_une_page_500_sans_trace(fabrique_portail: Any) -> None:
    """Une erreur inattendue donne une page 500 sans trace."""
    portail = fabrique_portail()

    @get("/panne-de-test", sync_to_thread=False)
    def panne() -> str:
        raise RuntimeError("secret interne: mot_de_passe=abc")

    portail.app.register(panne)
    reponse = portail.client.get("/panne-de-test")
    assert reponse.status_code == 500
    assert "Une erreur inattendue s'est produite" in texte(reponse)
    assert "secret interne" not in texte(reponse)
    assert "Traceback" not in texte(reponse)


def test_un_envoi_de_fichiers_anonyme_est_refuse_avant_lecture(portail: Portail) -> None:
    """Un envoi de fichiers anonyme est refuse avant lecture."""
    lu: list[int] = []

    def corps() -> Any:
        for _ in range(100):
            lu.append(1)
            yield b"x" * 65536

    reponse = portail.client.post(
        "/connexion",
        content=corps(),
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert reponse.status_code == 403
    assert "Connectez-vous" in texte(reponse)
    assert len(lu) < 100  # the body was not read whole


def test_un_envoi_trop_gros_est_refuse_sur_sa_longueur_annoncee(portail: Portail) -> None:
    """Un envoi trop gros est refuse sur sa longueur annoncee."""
    portail.compte_actif()
    connecter(portail.client)
    limite = portail.contexte.parametres.taille_max_pieces_demande
    reponse = portail.client.post(
        "/connexion",
        content=b"",
        headers={
            "content-type": "multipart/form-data; boundary=xyz",
            "content-length": str(limite * 2),
        },
    )
    assert reponse.status_code == 413
    assert "dépassent la taille autorisée" in texte(reponse)


@pytest.mark.parametrize(
    ("adresse", "champs"),
    [
        ("/connexion", {"email": "a@example.org", "mot_de_passe": "Faux-1234567"}),
        ("/mot-de-passe/oublie", {"email": "a@example.org"}),
    ],
)
def test_les_formulaires_anonymes_sont_limites_par_adresse(
    fabrique_portail: Any,
    adresse: str,
    champs: dict[str, str],
) -> None:
    """Les formulaires anonymes sont limites par adresse."""
    portail = fabrique_portail(limite_formulaires=3)
    for _ in range(3):
        assert poster(portail.client, adresse, champs).status_code in {303, 422}
    reponse = poster(portail.client, adresse, champs)
    assert reponse.status_code == 429
    assert "Trop de tentatives" in texte(reponse)
    assert "Réessayez dans 15 minutes" in texte(reponse)
