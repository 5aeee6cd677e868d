"""«Clés d'API» in *Mon organisme*: create (shown once), list, revoke."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import TYPE_CHECKING, Any

from cfa_domain.cle_api import StatutCleApi
from cfa_domain.services import cles_api
from cfa_domain.testing import exemples

from .conftest import EMAIL_CFA, Portail, connecter, jeton_csrf, poster
from .lecture import erreur_du_champ, lu

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import TestClient

PAGE = "/organisme/cles-api"
_CLE = re.compile(r'<code id="cle-creee">([^<]+)</code>')


def connecte(portail: Portail, email: str = EMAIL_CFA, siret: Any = exemples.SIRET_CFA) -> Any:
    """A browser logged in with an active account of organisme ``siret``."""
    portail.compte_actif(email, siret=siret)
    client = portail.client_neuf()
    connecter(client, email)
    return client


def creer(client: TestClient[Litestar], nom: str = "Logiciel de gestion") -> Any:
    """Post «Créer la clé»."""
    return poster(client, PAGE, {"nom": nom})


def test_creer_une_cle_la_montre_une_fois(portail: Portail) -> None:
    """The creation's answer shows the full key; it authenticates; the list never shows it."""
    client = connecte(portail)
    assert '<a href="/organisme/cles-api"><strong>' in client.get("/organisme").text
    reponse = creer(client)
    assert reponse.status_code == 200
    assert reponse.headers["cache-control"] == "no-store"
    trouve = _CLE.search(reponse.text)
    assert trouve is not None
    texte_cle = html.unescape(trouve.group(1))
    acces = cles_api.authentifier_cle_api(portail.contexte, texte_cle)
    assert acces.compte_id == portail.id_compte()
    page = client.get(PAGE)
    assert texte_cle not in page.text
    assert _CLE.search(page.text) is None
    lu_page = lu(page)
    assert (
        "Logiciel de gestion 10/09/2023 à 10:30 10/09/2023 à 10:30 jamais active Révoquer"
        in lu_page
    )


def test_un_nom_vide_est_refuse_a_cote_du_champ(portail: Portail) -> None:
    """No name: 422, the error beside the field, no key."""
    client = connecte(portail)
    reponse = creer(client, "  ")
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, "nom") == "Ce champ est obligatoire."
    assert creer(client, "x" * 101).status_code == 422
    assert cles_api.lister_cles_api(portail.contexte, portail.id_compte()) == ()


def test_revoquer_une_cle(portail: Portail) -> None:
    """Revoked from its row: listed as revoked, no longer authenticates."""
    client = connecte(portail)
    cles_api.creer_cle_api(portail.contexte, portail.id_compte(), "ERP")
    (cle,) = cles_api.lister_cles_api(portail.contexte, portail.id_compte())
    reponse = poster(client, f"{PAGE}/{cle.id}/revocation", {}, page=PAGE)
    assert (reponse.status_code, reponse.headers["location"]) == (303, PAGE)
    (relue,) = cles_api.lister_cles_api(portail.contexte, portail.id_compte())
    assert relue.statut is StatutCleApi.REVOQUEE
    assert "ERP 10/09/2023 à 10:30 jamais jamais révoquée le 10/09/2023 à 10:30" in lu(
        client.get(PAGE)
    )


def test_la_cle_d_un_autre_organisme_est_introuvable(portail: Portail) -> None:
    """An account of B posting the revocation of A's key gets a 404; the key stays active."""
    portail.compte_actif()
    cle = cles_api.creer_cle_api(portail.contexte, portail.id_compte(), "ERP").cle
    client_b = connecte(portail, "compta@cfa-nord.fr", exemples.SIRET_CFA_2)
    reponse = poster(client_b, f"{PAGE}/{cle.id}/revocation", {}, page=PAGE)
    assert reponse.status_code == 404
    (relue,) = cles_api.lister_cles_api(portail.contexte, portail.id_compte())
    assert relue.est_active
    assert "ERP" not in lu(client_b.get(PAGE))


def test_sans_jeton_csrf_la_creation_est_refusee(portail: Portail) -> None:
    """The form is CSRF-protected as the others."""
    client = connecte(portail)
    jeton_csrf(client, PAGE)
    reponse = client.post(PAGE, data={"nom": "ERP"}, follow_redirects=False)
    assert reponse.status_code == 403
    assert cles_api.lister_cles_api(portail.contexte, portail.id_compte()) == ()


def test_un_champ_qui_n_est_pas_de_l_utf8_est_une_requete_incorrecte(portail: Portail) -> None:
    """A multipart field that is not UTF-8 text: the French 400 page, not a 500."""
    client = connecte(portail)
    jeton = jeton_csrf(client, PAGE)
    separateur = "limite"
    corps = (
        (
            f"--{separateur}\r\n"
            f'Content-Disposition: form-data; name="_csrf_token"\r\n\r\n{jeton}\r\n'
            f'--{separateur}\r\nContent-Disposition: form-data; name="nom"\r\n\r\n'
        ).encode()
        + b"\xfa\xfb\r\n"
        + f"--{separateur}--\r\n".encode()
    )
    reponse = client.post(
        PAGE,
        content=corps,
        headers={"content-type": f"multipart/form-data; boundary={separateur}"},
    )
    assert reponse.status_code == 400
    assert "La requête est incomplète ou mal formée." in reponse.text


def test_une_duree_de_validite_fixe_l_expiration(portail: Portail) -> None:
    """A life in days sets the expiry shown in the list; out of range, the error beside it."""
    client = connecte(portail)
    assert poster(client, PAGE, {"nom": "ERP", "duree_jours": "90"}).status_code == 200
    (cle,) = cles_api.lister_cles_api(portail.contexte, portail.id_compte())
    assert cle.expire_le == portail.horloge.instant + dt.timedelta(days=90)
    assert "ERP 10/09/2023 à 10:30 jamais 09/12/2023 à 09:30 active" in lu(client.get(PAGE))
    refus = poster(client, PAGE, {"nom": "ERP", "duree_jours": "0"})
    assert refus.status_code == 422
    assert erreur_du_champ(refus, "duree_jours") == (
        "Durée de validité (jours) : un nombre entier de 1 à 3\u202f650 est attendu."
    )
