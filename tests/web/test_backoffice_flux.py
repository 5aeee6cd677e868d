"""The feed in the back office: the quarantine, replay, discard, the latest runs."""

from __future__ import annotations

import attrs

from cfa_adapters.webservice import operations
from cfa_domain.action import EtatDossier
from cfa_domain.ports import EnregistrementIllisible
from cfa_domain.services import actions
from cfa_domain.testing.fakes import MemoireSourceFlux

from .conftest import EMAIL_AGENT, BackOffice, connecter, poster, texte
from .test_actions import champ_en_erreur, dossier, lisible, tableau

FLUX = "/backoffice/flux"
NUMERO = "2011300301"
ILLISIBLE = EnregistrementIllisible(cle="ligne 3", brut='{"numeroInterne": ', detail="JSON coupé")


def _importer(back_office: BackOffice) -> None:
    """One run: a file created, told soldé while reçu (quarantined), an illegible line."""
    premier = dossier(NUMERO)
    source = MemoireSourceFlux(
        [premier, attrs.evolve(premier, version=2, etat=EtatDossier.SOLDE), ILLISIBLE],
        nom="webservice",
    )
    operations.importer(back_office.contexte, source)


def test_la_page_du_flux_montre_la_quarantaine_et_les_passages(back_office: BackOffice) -> None:
    """Each waiting record with its reason; the run with its summary."""
    _importer(back_office)
    reponse = back_office.client.get(FLUX)
    assert reponse.status_code == 200
    (_, premier, second) = tableau(reponse, "Enregistrements en quarantaine")
    assert premier[:3] == ["1", f"{NUMERO}@2", "contradictoire"]
    assert "« reçu »" in premier[3]
    assert "« soldé »" in premier[3]
    assert second[:4] == ["2", "ligne 3", "illisible", "JSON coupé"]
    (_, passage) = tableau(reponse, "Passages du flux")
    assert passage[0] == "webservice"
    assert passage[3:] == ["1", "0", "0", "2", "3", "terminé"]
    assert "Aucun enregistrement réglé." in lisible(reponse)


def test_un_enregistrement_montre_son_contenu_brut(back_office: BackOffice) -> None:
    """The raw content as received (escaped), the reason; an unknown number is a 404."""
    _importer(back_office)
    reponse = back_office.client.get(f"{FLUX}/quarantaine/2")
    assert reponse.status_code == 200
    assert '<pre class="brut"' in reponse.text
    assert "{&#34;numeroInterne&#34;: </pre>" in reponse.text
    assert "Raison JSON coupé" in lisible(reponse)
    assert back_office.client.get(f"{FLUX}/quarantaine/99").status_code == 404


def test_rejeu_refuse_puis_applique_une_fois_la_cause_corrigee(back_office: BackOffice) -> None:
    """Replayed too early: still refused; once the file is en cours: applied, CFA sees it."""
    portail = back_office.portail
    portail.compte_actif()
    _importer(back_office)
    adresse = f"{FLUX}/quarantaine/1"
    trop_tot = poster(back_office.client, f"{adresse}/rejeu", {}, page=adresse)
    assert (trop_tot.status_code, trop_tot.headers["location"]) == (303, adresse)
    assert "L'enregistrement est toujours refusé" in texte(back_office.client.get(adresse))
    for etat in (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS):
        actions.changer_etat_action(back_office.contexte, back_office.agent_id, NUMERO, etat)
    applique = poster(back_office.client, f"{adresse}/rejeu", {}, page=adresse)
    assert (applique.status_code, applique.headers["location"]) == (303, FLUX)
    page = back_office.client.get(FLUX)
    assert "Enregistrement n° 1 rejoué : le dossier est mis à jour." in texte(page)
    reglees = tableau(page, "Enregistrements réglés")
    assert reglees[1][0] == "1"
    assert reglees[1][3] == f"rejoué et appliqué par {EMAIL_AGENT}"
    assert "Rejouer" not in lisible(back_office.client.get(adresse))
    connecter(portail.client)
    assert "soldé" in lisible(portail.client.get(f"/actions/{NUMERO}"))


def test_ecart_avec_un_motif_garde_la_trace(back_office: BackOffice) -> None:
    """No reason: 422 beside it; with one: settled, shown with the agent; twice: 409."""
    _importer(back_office)
    adresse = f"{FLUX}/quarantaine/2"
    sans_motif = poster(back_office.client, f"{adresse}/ecart", {"motif": " "}, page=adresse)
    assert sans_motif.status_code == 422
    assert champ_en_erreur(sans_motif, "motif") == "Ce champ est obligatoire."
    motif = "Ligne tronquée, renvoyée par l'adhérent"
    ecarte = poster(back_office.client, f"{adresse}/ecart", {"motif": motif}, page=adresse)
    assert (ecarte.status_code, ecarte.headers["location"]) == (303, FLUX)
    page = back_office.client.get(FLUX)
    assert "Enregistrement n° 2 écarté." in texte(page)
    assert tableau(page, "Enregistrements réglés")[1][3] == f"écarté par {EMAIL_AGENT} : {motif}"
    encore = poster(
        back_office.client, f"{adresse}/ecart", {"motif": "encore"}, page=f"{FLUX}/quarantaine/1"
    )
    assert encore.status_code == 409  # the form is gone: the summary says why
    assert "L'enregistrement n° 2 de la quarantaine est déjà réglé." in texte(encore)
    assert 'href="#motif"' not in encore.text  # no link to a field the page no longer has
    assert f"écarté par {EMAIL_AGENT} : {motif}" in lisible(back_office.client.get(adresse))
