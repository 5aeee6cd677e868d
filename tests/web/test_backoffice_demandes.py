"""«Demandes» of the back office: the queue, a request's page, its processing to paid.

The CFA submits its request through its form (real PDFs); the agent processes it through
the back office's forms; after each step the CFA's *Mes demandes* and the request's page
show the new state, and the mails the core queues are checked.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from .conftest import BackOffice, Portail, connecter, dossier_en_cours, poster, texte
from .test_demandes import FACTURE, PREMIERE_AVANCE, demande_de, envoyer, erreur_du_champ


@pytest.fixture
def demande(back_office: BackOffice) -> uuid.UUID:
    """The CFA's first advance on its funded file, submitted with its invoice."""
    portail = back_office.portail
    portail.compte_actif()
    dossier_en_cours(portail, back_office.agent_id)
    connecter(portail.client)
    return demande_de(envoyer(portail.client, PREMIERE_AVANCE))


def _etat_vu_par_le_cfa(portail: Portail, demande_id: uuid.UUID) -> str:
    page = re.sub(r"<[^>]+>", "", texte(portail.client.get(f"/demandes/{demande_id}")))
    trouve = re.search(r"État de la demande : (.+?)\n", page)
    assert trouve is not None
    return trouve.group(1).strip()


def _decider(back_office: BackOffice, demande_id: uuid.UUID, **champs: str) -> Any:
    page = f"/backoffice/demandes/{demande_id}"
    return poster(back_office.client, f"{page}/decision", champs, page=page)


def test_la_file_montre_la_demande_et_ses_documents(
    back_office: BackOffice, demande: uuid.UUID
) -> None:
    """Oldest first with its reference; its page links its invoice, which opens."""
    file = back_office.client.get("/backoffice/demandes")
    assert file.status_code == 200
    assert f'href="/backoffice/demandes/{demande}"' in file.text
    assert "5\u202f249,40" in texte(file)
    page = back_office.client.get(f"/backoffice/demandes/{demande}")
    assert page.status_code == 200
    lien = re.search(r'href="(/backoffice/documents/[0-9a-f]+)">facture-2023-117\.pdf<', page.text)
    assert lien is not None
    document = back_office.client.get(lien.group(1))
    assert document.status_code == 200
    assert document.content == FACTURE
    assert "Prendre en traitement" in texte(page)
    assert "Marquer payée" not in texte(page)  # not validated yet
    # Filtered on a state it is not in: not listed; an unknown state: a French error.
    payees = back_office.client.get("/backoffice/demandes", params={"etat": "payee"})
    assert f"/backoffice/demandes/{demande}" not in payees.text
    inconnu = back_office.client.get("/backoffice/demandes", params={"etat": "perdue"})
    assert inconnu.status_code == 422
    assert 'id="etat-erreur"' in inconnu.text


def test_de_soumise_a_payee_le_cfa_voit_chaque_etape(
    back_office: BackOffice, demande: uuid.UUID
) -> None:
    """Processing, validation, payment with its details: the CFA sees each, gets the mails."""
    portail = back_office.portail
    assert _etat_vu_par_le_cfa(portail, demande) == "soumise"
    assert _decider(back_office, demande, decision="prendre_en_traitement").status_code == 303
    assert _etat_vu_par_le_cfa(portail, demande) == "en traitement"
    assert _decider(back_office, demande, decision="valider").status_code == 303
    assert _etat_vu_par_le_cfa(portail, demande) == "validée"
    page = f"/backoffice/demandes/{demande}"
    paiement = f"{page}/paiement"
    # Missing and malformed fields: French errors beside them, nothing paid.
    vide = poster(back_office.client, paiement, {"montant_paye": ""}, page=page)
    assert vide.status_code == 422
    assert erreur_du_champ(vide, "paye_le") == "Ce champ est obligatoire."
    assert erreur_du_champ(vide, "reference_paiement") == "Ce champ est obligatoire."
    trop = poster(
        back_office.client,
        paiement,
        {"paye_le": "10/09/2023", "montant_paye": "6000", "reference_paiement": "VIR-1"},
        page=page,
    )
    assert trop.status_code == 422
    assert "ne pas dépasser le montant de la demande" in erreur_du_champ(trop, "montant_paye")
    assert _etat_vu_par_le_cfa(portail, demande) == "validée"
    payee = poster(
        back_office.client,
        paiement,
        {"paye_le": "10/09/2023", "montant_paye": "5 249,40", "reference_paiement": "VIR-77"},
        page=page,
    )
    assert payee.status_code == 303
    assert "La demande est payée" in texte(back_office.client.get(payee.headers["location"]))
    vu = _etat_vu_par_le_cfa(portail, demande)
    assert vu.startswith("payée")
    assert "5\u202f249,40" in vu
    assert "10/09/2023" in vu
    assert "VIR-77" in vu
    modeles = [m.modele for m in portail.messages()]
    assert modeles[-2:] == ["demande_validee", "demande_payee"]
    assert portail.messages()[-1].contexte["montant"] == "5249.40"
    assert "Payée" in texte(portail.client.get("/demandes"))
    # Paid: no decision is offered any more, and the queue no longer shows it.
    assert "Traiter la demande" not in texte(back_office.client.get(page))
    assert (
        f"/backoffice/demandes/{demande}" not in back_office.client.get("/backoffice/demandes").text
    )


def test_refuser_demande_un_motif_envoye_au_cfa(
    back_office: BackOffice, demande: uuid.UUID
) -> None:
    """A refusal without reason is an error beside the field; with one, the CFA reads it."""
    portail = back_office.portail
    sans = _decider(back_office, demande, decision="refuser", motif=" ")
    assert sans.status_code == 422
    assert erreur_du_champ(sans, "motif") == "Le motif du refus est obligatoire."
    inconnue = _decider(back_office, demande, decision="oublier")
    assert inconnue.status_code == 422
    assert "Choisissez une décision." in texte(inconnue)
    refus = _decider(back_office, demande, decision="refuser", motif="Facture illisible")
    assert refus.status_code == 303
    assert _etat_vu_par_le_cfa(portail, demande) == "refusée – motif : Facture illisible"
    (mail,) = [m for m in portail.messages() if m.modele == "demande_refusee"]
    assert mail.contexte["motif"] == "Facture illisible"
    # Validating a refused request: the core's refusal is shown on the page, nothing changes.
    encore = _decider(back_office, demande, decision="valider")
    assert encore.status_code == 422
    assert "Il y a un problème" in texte(encore)
    assert _etat_vu_par_le_cfa(portail, demande) == "refusée – motif : Facture illisible"


def test_demande_ou_document_inconnus(back_office: BackOffice) -> None:
    """Unknown request or document: a French 404 page."""
    assert back_office.client.get(f"/backoffice/demandes/{uuid.uuid4()}").status_code == 404
    assert back_office.client.get("/backoffice/documents/inconnu").status_code == 404
