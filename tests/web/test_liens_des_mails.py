"""Every link a mail can carry opens a page of the portal (no mail points to a 404)."""

from __future__ import annotations

import uuid

import pytest

from cfa_adapters.mail.rendu import ROUTES
from cfa_web.pages_erreur import MESSAGES

from .conftest import Portail, connecter, texte

# What each link carries in a real mail: a token, an action number, a request's id.
VALEURS = {"demande": str(uuid.uuid4()), "recepisse": str(uuid.uuid4())}


@pytest.mark.parametrize("nom", sorted(ROUTES))
def test_chaque_lien_des_mails_mene_a_une_page(portail: Portail, nom: str) -> None:
    """Each mail link's path is a page of the portal, for a logged-in CFA account.

    A made-up identifier may be "introuvable" (the use case's 404, in French), but the
    address itself must be routed: never the router's "Cette page n'existe pas".
    """
    portail.compte_actif()
    connecter(portail.client)
    chemin = ROUTES[nom].format(VALEURS.get(nom, "2011303654"))
    reponse = portail.client.get(chemin, follow_redirects=True)
    assert reponse.status_code in {200, 404}, (chemin, reponse.status_code)
    if reponse.status_code == 404:
        assert MESSAGES[404] not in texte(reponse), f"{chemin} is not routed"
