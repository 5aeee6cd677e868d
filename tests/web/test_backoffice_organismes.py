"""«Organismes» of the back office: the three queues and an organisme's page.

Each action goes through its form (with the CSRF token of the page), and its effect is
checked where the other side sees it: the mail queued for the organisme, the account that
can now activate, the delegation the CFA sees on «Gestion des accès».
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cfa_domain.organisme import StatutOrganisme
from cfa_domain.services import organismes
from cfa_domain.testing import exemples
from cfa_domain.values import Email, Siret

from .conftest import EMAIL_CFA, MOT_DE_PASSE, BackOffice, connecter, poster, texte

if TYPE_CHECKING:
    from .conftest import Portail

SIRET_INCONNU = Siret("55208131700018")
SIRET_INCONNU_TEXTE = "552 081 317 00018"
EMAIL_FICHE = "direction@cfa-nouveau.fr"


def _fiche_soumise(portail: Portail, raison_sociale: str = "CFA Nouveau Monde") -> None:
    organismes.soumettre_fiche(
        portail.contexte,
        siret=SIRET_INCONNU.numero,
        fiche=exemples.fiche(raison_sociale=raison_sociale, email=Email(EMAIL_FICHE)),
        interlocuteur=exemples.interlocuteur(),
    )


def _statut(portail: Portail, siret: Siret) -> StatutOrganisme:
    with portail.contexte.uow(lecture_seule=True) as uow:
        organisme = uow.organismes.obtenir(siret)
    assert organisme is not None
    return organisme.statut


def test_une_fiche_a_valider_se_valide_avec_la_reference(back_office: BackOffice) -> None:
    """The queue shows the sheet; validated with the reference, the organisme is told."""
    portail = back_office.portail
    _fiche_soumise(portail)
    page = back_office.client.get("/backoffice/organismes")
    assert page.status_code == 200
    assert "CFA Nouveau Monde" in texte(page)
    assert SIRET_INCONNU_TEXTE in texte(page)
    assert '<a href="/backoffice/organismes" aria-current="page">' in page.text
    reponse = poster(
        back_office.client,
        f"/backoffice/organismes/fiches/{SIRET_INCONNU.numero}/validation",
        {"reference_opco": "OPCO-2023-0042"},
        page="/backoffice/organismes",
    )
    assert reponse.status_code == 303
    apres = back_office.client.get(reponse.headers["location"])
    assert "est validée" in texte(apres)
    assert "CFA Nouveau Monde" not in texte(apres)
    assert "Aucune fiche n'attend de validation." in texte(apres)
    assert _statut(portail, SIRET_INCONNU) is StatutOrganisme.ACTIF
    mail = [m for m in portail.messages() if m.modele == "fiche_validee"]
    contact = str(exemples.interlocuteur().email)
    assert sorted((str(m.destinataire), m.contexte["reference_opco"]) for m in mail) == sorted(
        [(contact, "OPCO-2023-0042"), (EMAIL_FICHE, "OPCO-2023-0042")]
    )


def test_valider_sans_reference_met_l_erreur_sur_sa_ligne(back_office: BackOffice) -> None:
    """No reference: 422, the French error beside that row's field, nothing changed."""
    portail = back_office.portail
    _fiche_soumise(portail)
    reponse = poster(
        back_office.client,
        f"/backoffice/organismes/fiches/{SIRET_INCONNU.numero}/validation",
        {"reference_opco": "  "},
        page="/backoffice/organismes",
    )
    assert reponse.status_code == 422
    erreur = re.search(
        rf'id="reference-{SIRET_INCONNU.numero}-erreur">(.*?)</p>', texte(reponse), re.DOTALL
    )
    assert erreur is not None
    assert "obligatoire" in erreur.group(1)
    assert f'href="#reference-{SIRET_INCONNU.numero}"' in reponse.text
    assert _statut(portail, SIRET_INCONNU) is StatutOrganisme.A_VALIDER


def test_une_fiche_refusee_avec_un_motif_mail_a_l_organisme(back_office: BackOffice) -> None:
    """Refused with a reason: inactive, the reason mailed; without one, an error on the row."""
    portail = back_office.portail
    _fiche_soumise(portail)
    adresse = f"/backoffice/organismes/fiches/{SIRET_INCONNU.numero}/refus"
    sans = poster(back_office.client, adresse, {}, page="/backoffice/organismes")
    assert sans.status_code == 422
    assert f'id="motif-fiche-{SIRET_INCONNU.numero}-erreur"' in sans.text
    reponse = poster(
        back_office.client,
        adresse,
        {"motif": "SIRET sans activité de formation"},
        page="/backoffice/organismes",
    )
    assert reponse.status_code == 303
    assert _statut(portail, SIRET_INCONNU) is StatutOrganisme.INACTIF
    refus = [m for m in portail.messages() if m.modele == "fiche_refusee"]
    assert {m.contexte["motif"] for m in refus} == {"SIRET sans activité de formation"}
    assert EMAIL_FICHE in {str(m.destinataire) for m in refus}
    # Validating it now is refused on the form: it awaits no validation any more.
    encore = poster(
        back_office.client,
        f"/backoffice/organismes/fiches/{SIRET_INCONNU.numero}/validation",
        {"reference_opco": "X"},
        page="/backoffice/organismes",
    )
    assert encore.status_code == 422


def _compte_en_attente(portail: Portail) -> str:
    """An account request with an address not on file; the address."""
    portail.organisme_connu()
    adresse = "stagiaire@gmail.example"
    portail.client.cookies.clear()
    from cfa_domain.services import acces  # noqa: PLC0415

    acces.creer_compte(
        portail.contexte,
        siret=exemples.SIRET_CFA.numero,
        email=adresse,
        confirmation_email=adresse,
        mot_de_passe=MOT_DE_PASSE,
        confirmation_mot_de_passe=MOT_DE_PASSE,
    )
    return adresse


def test_un_compte_approuve_recoit_son_lien_et_s_active(back_office: BackOffice) -> None:
    """Approved from the queue: the owner's activation link works, the queue is empty."""
    portail = back_office.portail
    adresse = _compte_en_attente(portail)
    page = back_office.client.get("/backoffice/organismes/comptes")
    assert adresse in texte(page)
    compte_id = portail.id_compte(adresse)
    reponse = poster(
        back_office.client,
        f"/backoffice/organismes/comptes/{compte_id}/approbation",
        {},
        page="/backoffice/organismes/comptes",
    )
    assert reponse.status_code == 303
    apres = back_office.client.get(reponse.headers["location"])
    assert "est approuvé" in texte(apres)
    assert "Aucun compte n'attend d'approbation." in texte(apres)
    lien = portail.dernier_lien("activation_compte")
    from cfa_domain.services import acces  # noqa: PLC0415

    acces.activer_compte(portail.contexte, lien, MOT_DE_PASSE)
    connecter(portail.client, adresse)


def test_un_compte_refuse_avec_motif_est_efface(back_office: BackOffice) -> None:
    """Refused with a reason: mailed, erased; a second decision on it is a 404 page."""
    portail = back_office.portail
    adresse = _compte_en_attente(portail)
    compte_id = portail.id_compte(adresse)
    page = "/backoffice/organismes/comptes"
    sans = poster(back_office.client, f"{page}/{compte_id}/refus", {"motif": ""}, page=page)
    assert sans.status_code == 422
    assert f'id="motif-compte-{compte_id}-erreur"' in sans.text
    reponse = poster(
        back_office.client,
        f"{page}/{compte_id}/refus",
        {"motif": "Adresse personnelle"},
        page=page,
    )
    assert reponse.status_code == 303
    (mail,) = [m for m in portail.messages() if m.modele == "compte_refuse"]
    assert (str(mail.destinataire), mail.contexte["motif"]) == (adresse, "Adresse personnelle")
    encore = poster(back_office.client, f"{page}/{compte_id}/approbation", {}, page=page)
    assert encore.status_code == 404
    assert "introuvable" in texte(encore).lower()


def _delegation_demandee(portail: Portail) -> None:
    """The CFA asks to manage the files of another known organisme."""
    portail.compte_actif()
    portail.organisme_connu(exemples.SIRET_CFA_2, "contact@cfa-delegant.fr", "CFA Délégant")
    connecter(portail.client)
    reponse = poster(
        portail.client,
        "/organisme/acces/delegations",
        {"siret": exemples.SIRET_CFA_2.numero, "nom_etablissement": "Antenne de Lille"},
        page="/organisme/acces",
    )
    assert reponse.status_code == 303, reponse.text


def test_une_delegation_en_attente_decidee_par_un_agent(back_office: BackOffice) -> None:
    """Refusing needs a reason; approved, the CFA sees it active on «Gestion des accès»."""
    portail = back_office.portail
    _delegation_demandee(portail)
    page = "/backoffice/organismes/delegations"
    liste = back_office.client.get(page)
    assert "Antenne de Lille" in texte(liste)
    ident = re.search(r'id="motif-decision-([0-9a-f-]+)"', liste.text)
    assert ident is not None
    delegation_id = ident.group(1)
    adresse = f"{page}/{delegation_id}/decision"
    refus = poster(back_office.client, adresse, {"decision": "refuser"}, page=page)
    assert refus.status_code == 422
    assert f'id="motif-decision-{delegation_id}-erreur"' in refus.text
    inconnue = poster(back_office.client, adresse, {"decision": "peut-etre"}, page=page)
    assert inconnue.status_code == 422
    assert "Choisissez d'approuver ou de refuser la demande." in texte(inconnue)
    reponse = poster(back_office.client, adresse, {"decision": "approuver"}, page=page)
    assert reponse.status_code == 303
    assert "Aucune demande de délégation" in texte(back_office.client.get(page))
    assert [m.modele for m in portail.messages()][-1] == "delegation_approuvee"
    vue_cfa = texte(portail.client.get("/organisme/acces"))
    assert "Antenne de Lille" in vue_cfa
    assert "active" in vue_cfa


def test_la_page_d_un_organisme(back_office: BackOffice) -> None:
    """Sheet, files (linked to the back office's file page), accounts, delegations, history."""
    portail = back_office.portail
    _delegation_demandee(portail)
    from .conftest import dossier_recu  # noqa: PLC0415

    dossier_recu(portail)
    page = back_office.client.get(f"/backoffice/organisme/{exemples.SIRET_CFA.numero}")
    assert page.status_code == 200
    contenu = texte(page)
    assert "732 829 320 00074" in contenu
    assert '<a href="/backoffice/dossiers/2011303654">2011303654</a>' in page.text
    assert EMAIL_CFA in contenu
    assert "Antenne de Lille" in contenu
    assert "Historique de l'organisme" in contenu
    assert "Affichage de l'élément 1 à 1 sur 1 élément" in contenu
    # The lookup form finds it by its SIRET typed with spaces.
    trouve = back_office.client.get("/backoffice/organisme", params={"siret": "732 829 320 00074"})
    assert trouve.status_code == 200
    assert EMAIL_CFA in texte(trouve)


def test_organisme_inconnu_ou_siret_invalide(back_office: BackOffice) -> None:
    """An unknown SIRET is a French 404 page; a malformed one a French 422 page."""
    inconnu = back_office.client.get(f"/backoffice/organisme/{SIRET_INCONNU.numero}")
    assert inconnu.status_code == 404
    invalide = back_office.client.get("/backoffice/organisme", params={"siret": "123"})
    assert invalide.status_code == 422
    assert "SIRET" in texte(invalide)
