"""«Clés d'API» on the back office's organisme page: an OPCO agent lists and revokes keys.

A revocation goes through the row's form (with the page's CSRF token); its effect is
checked where the CFA's software sees it: the key's next call to ``/api/v1`` is a 401.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from cfa_domain.cle_api import StatutCleApi
from cfa_domain.services import cles_api
from cfa_domain.testing import exemples

from .conftest import EMAIL_AGENT, EMAIL_CFA, BackOffice, connecter, jeton_csrf, poster
from .lecture import lu

if TYPE_CHECKING:
    from .conftest import Portail

EMAIL_NORD = "compta@cfa-nord.fr"
PAGE = f"/backoffice/organisme/{exemples.SIRET_CFA.numero}"


def _revocation(cle_id: Any, page: str = PAGE) -> str:
    return f"{page}/cles-api/{cle_id}/revocation"


def _deux_organismes(portail: Portail) -> tuple[str, str]:
    """Two organismes with an account each, and one key each: the keys' full texts."""
    portail.compte_actif()
    portail.compte_actif(EMAIL_NORD, siret=exemples.SIRET_CFA_2)
    ctx = portail.contexte
    cle_a = cles_api.creer_cle_api(ctx, portail.id_compte(), "ERP Santé", duree_jours=30)
    cle_b = cles_api.creer_cle_api(ctx, portail.id_compte(EMAIL_NORD), "ERP Nord")
    return cle_a.texte, cle_b.texte


def _appel_api(portail: Portail, cle: str) -> int:
    """The status of a call of the CFA's software with ``cle`` (its own client, no cookie)."""
    reponse = portail.client_neuf().get(
        "/api/v1/dossiers", headers={"Authorization": f"Bearer {cle}"}
    )
    return reponse.status_code


def _statut(portail: Portail, email: str = EMAIL_CFA) -> StatutCleApi:
    (cle,) = cles_api.lister_cles_api(portail.contexte, portail.id_compte(email))
    return cle.statut


def _id_cle(portail: Portail, email: str = EMAIL_CFA) -> uuid.UUID:
    (cle,) = cles_api.lister_cles_api(portail.contexte, portail.id_compte(email))
    return cle.id


def test_l_agent_voit_les_cles_de_l_organisme_et_en_revoque_une(back_office: BackOffice) -> None:
    """Only that organisme's keys, never a secret; revoked with a reason, the key gets a 401."""
    portail = back_office.portail
    texte_a, texte_b = _deux_organismes(portail)
    assert (_appel_api(portail, texte_a), _appel_api(portail, texte_b)) == (200, 200)
    page = back_office.client.get(PAGE)
    assert page.status_code == 200
    lu_page = lu(page)
    # Name, creating account, creation, last use (the call above), expiry, status, action.
    assert (
        f"ERP Santé {EMAIL_CFA} 10/09/2023 à 10:30 10/09/2023 à 10:30 10/10/2023 à 10:30 active"
        " Motif de la révocation (facultatif) Révoquer la clé ERP Santé" in lu_page
    )
    assert "ERP Nord" not in lu_page
    (cle,) = cles_api.lister_cles_api(portail.contexte, portail.id_compte())
    secret = texte_a.removeprefix(f"cfa_{cle.id.hex}_")
    for cache in (texte_a, secret, cle.empreinte, texte_b):
        assert cache not in page.text
    reponse = poster(
        back_office.client, _revocation(cle.id), {"motif": "poste compromis"}, page=PAGE
    )
    assert (reponse.status_code, reponse.headers["location"]) == (303, PAGE)
    apres = lu(back_office.client.get(PAGE))
    assert "La clé d'API est révoquée : le logiciel qui la présente est désormais refusé." in apres
    assert (
        f"ERP Santé {EMAIL_CFA} 10/09/2023 à 10:30 10/09/2023 à 10:30 10/10/2023 à 10:30"
        f" révoquée le 10/09/2023 à 10:30 par {EMAIL_AGENT} : poste compromis" in apres
    )
    assert "Révoquer la clé ERP Santé" not in apres
    assert (_appel_api(portail, texte_a), _appel_api(portail, texte_b)) == (401, 200)
    assert _statut(portail, EMAIL_NORD) is StatutCleApi.ACTIVE
    # The other organisme's page lists its own key, still revocable.
    nord = lu(back_office.client.get(f"/backoffice/organisme/{exemples.SIRET_CFA_2.numero}"))
    assert f"ERP Nord {EMAIL_NORD} 10/09/2023 à 10:30" in nord
    assert "Révoquer la clé ERP Nord" in nord
    assert "ERP Santé" not in nord


def test_un_organisme_sans_cle(back_office: BackOffice) -> None:
    """No key: the section says so."""
    back_office.portail.compte_actif()
    assert "Aucune clé d'API." in lu(back_office.client.get(PAGE))


def test_une_session_cfa_ne_revoque_pas_par_le_back_office(back_office: BackOffice) -> None:
    """A CFA's session posting the agents' revocation: 403, the key still works."""
    portail = back_office.portail
    texte_a, _ = _deux_organismes(portail)
    connecter(portail.client)
    reponse = poster(portail.client, _revocation(_id_cle(portail)), {}, page="/compte")
    assert reponse.status_code == 403
    assert "réservée aux conseillers de l'OPCO" in lu(reponse)
    assert _statut(portail) is StatutCleApi.ACTIVE
    assert _appel_api(portail, texte_a) == 200


def test_sans_jeton_csrf_la_revocation_est_refusee(back_office: BackOffice) -> None:
    """The form is CSRF-protected: without the token, 403 and nothing revoked."""
    portail = back_office.portail
    _deux_organismes(portail)
    jeton_csrf(back_office.client, PAGE)
    reponse = back_office.client.post(
        _revocation(_id_cle(portail)), data={"motif": "x"}, follow_redirects=False
    )
    assert reponse.status_code == 403
    assert _statut(portail) is StatutCleApi.ACTIVE


def test_cle_inconnue_d_un_autre_organisme_ou_deja_revoquee(back_office: BackOffice) -> None:
    """Unknown, or another organisme's from this page: 404; already revoked: the French error."""
    portail = back_office.portail
    _deux_organismes(portail)
    inconnue = uuid.UUID(int=7)
    reponse = poster(back_office.client, _revocation(inconnue), {}, page=PAGE)
    assert reponse.status_code == 404
    assert f"Clé d'API introuvable : {inconnue}." in lu(reponse)
    du_nord = _id_cle(portail, EMAIL_NORD)
    ailleurs = poster(back_office.client, _revocation(du_nord), {}, page=PAGE)
    assert ailleurs.status_code == 404
    assert f"Clé d'API introuvable : {du_nord}." in lu(ailleurs)
    assert _statut(portail, EMAIL_NORD) is StatutCleApi.ACTIVE
    cle_id = _id_cle(portail)
    assert poster(back_office.client, _revocation(cle_id), {}, page=PAGE).status_code == 303
    encore = poster(back_office.client, _revocation(cle_id), {"motif": "doublon"}, page=PAGE)
    assert encore.status_code == 422
    assert (
        f"Il y a un problème Clé d'API {cle_id} : le passage de l'état « révoquée »"
        " à l'état « révoquée » n'est pas autorisé." in lu(encore)
    )
    # The page shown is the organisme's, the key revoked once, without a reason.
    assert f"révoquée le 10/09/2023 à 10:30 par {EMAIL_AGENT} Historique" in lu(encore)
