"""The back office's dashboard page: the core's figures as an agent reads them."""

from __future__ import annotations

import re

from .conftest import BackOffice, connecter, dossier_en_cours, dossier_recu, texte
from .test_demandes import PREMIERE_AVANCE, demande_de, envoyer


def _ligne(page: str, legende: str, etat: str) -> str:
    tableau = re.search(rf"<caption>{legende}</caption>(.*?)</table>", page, re.DOTALL)
    assert tableau is not None, legende
    cellule = re.search(rf">{etat}</a></th><td class=\"montant\">([^<]*)</td>", tableau.group(1))
    assert cellule is not None, etat
    return cellule.group(1)


def test_le_tableau_de_bord_compte_dossiers_demandes_et_montants(
    back_office: BackOffice,
) -> None:
    """Two files (one received, one funded), one request this month; zeros elsewhere."""
    portail = back_office.portail
    vide = texte(back_office.client.get("/backoffice"))
    assert re.search(r"Demande la plus ancienne en attente :\s+aucune", vide)
    portail.compte_actif()
    dossier_en_cours(portail, back_office.agent_id)
    dossier_recu(portail, "2011300077")
    connecter(portail.client)
    demande = demande_de(envoyer(portail.client, PREMIERE_AVANCE))
    page = back_office.client.get("/backoffice")
    assert page.status_code == 200
    contenu = texte(page)
    assert _ligne(contenu, "Dossiers par état", "Reçu") == "1"
    assert _ligne(contenu, "Dossiers par état", "En cours") == "1"
    assert _ligne(contenu, "Dossiers par état", "Soldé") == "0"
    assert _ligne(contenu, "Demandes par état", "Soumise") == "1"
    assert re.search(r"Montant demandé</dt><dd class=\"total\">5\u202f249,40", contenu)
    assert re.search(r"Montant payé</dt><dd class=\"total\">0,00", contenu)
    assert f'href="/backoffice/demandes/{demande}"' in page.text
    assert re.search(r'href="/backoffice/flux"><strong>0</strong>', page.text)
