"""Saisir une demande, its receipt, "Mes demandes": the guide's screens 6 to 8 through the client.

The files come from the feed and are funded by an agent (the use cases, as in
docs/embedding.md); the requests are made through the form with real PDFs (fpdf2), and
the receipt is read back with pypdf. Expectations are the guide's and the test kit's
figures: the first advance of the 26 247 € engagement is 5 249,40 € for 1 September 2023
– 29 February 2024, the file's budget lines are 26 247 €, 300 €, 450 € and 500 €.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from pypdf import PdfReader, PdfWriter

from cfa_domain.remboursement import EtatDemande, MontantsDemandes
from cfa_domain.services import acces, demandes
from cfa_domain.services.demandes import CommandeDemande, Decision
from cfa_domain.testing import exemples
from cfa_domain.values import Montant, Periode, Piece

from .conftest import (
    EMAIL_AGENT,
    EMAIL_CFA,
    MOT_DE_PASSE,
    MOT_DE_PASSE_AGENT,
    NUMERO_ACTION,
    Portail,
    agent_opco,
    connecter,
    dossier_en_cours,
    dossier_recu,
    jeton_csrf,
    pdf_valide,
    poster,
    texte,
)

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import TestClient

NUMERO = NUMERO_ACTION
AUTRE_NUMERO = "2011309999"
"""A second file of the same CFA."""
NUMERO_B = "2011300002"
"""The file of another organisme."""
EMAIL_B = "compta@cfa-nord.fr"
FORMULAIRE = f"/actions/{NUMERO}/demande"
PREMIERE_AVANCE = {
    "date_debut": "2023-09-01",
    "date_fin": "2024-02-29",
    "frais_pedagogiques": "5249,40",
    "conditions_acceptees": "oui",
}
"""The first advance, as the form proposes it, with the general conditions accepted."""
FACTURE = pdf_valide("Facture 2023-117 : 5 279,40 euros")
CERTIFICAT = pdf_valide("Certificat de réalisation", pages=2)
MIO = 1024 * 1024
_CLE = re.compile(r'name="cle_idempotence" value="([^"]*)"')
_JETON = re.compile(r'name="_csrf_token" value="([^"]+)"')
_DEMANDE = re.compile(r"^/demandes/([0-9a-f-]{36})$")
_DOCUMENT = re.compile(r'href="/documents/([0-9a-f]{32})">([^<]+)</a>')

Fichiers = list[tuple[str, tuple[str, bytes, str]]]


def fichiers(facture: bytes | None = FACTURE, certificat: bytes | None = None) -> Fichiers:
    """The documents of a post, as a browser sends them."""
    envois: Fichiers = []
    if facture is not None:
        envois.append(("facture", ("facture-2023-117.pdf", facture, "application/pdf")))
    if certificat is not None:
        envois.append(("certificat_realisation", ("certificat.pdf", certificat, "application/pdf")))
    return envois


def champs_du_formulaire(page: Any) -> tuple[str, str]:
    """The CSRF token and the one-time key of a displayed form."""
    jeton, cle = _JETON.search(page.text), _CLE.search(page.text)
    assert jeton is not None
    assert cle is not None
    return jeton.group(1), cle.group(1)


def envoyer(
    client: TestClient[Litestar],
    champs: dict[str, str],
    envois: Fichiers | None = None,
    *,
    numero: str = NUMERO,
    cle: str | None = None,
    action: str = "valider",
) -> Any:
    """Display the form of ``numero``, then post it (the form's own key unless ``cle``)."""
    page = client.get(f"/actions/{numero}/demande")
    jeton, cle_page = champs_du_formulaire(page)
    donnees = {"_csrf_token": jeton, "cle_idempotence": cle or cle_page, "action": action}
    return client.post(
        f"/actions/{numero}/demande",
        data={**donnees, **champs},
        files=fichiers() if envois is None else envois,
        follow_redirects=False,
    )


def demande_de(reponse: Any) -> uuid.UUID:
    """The request a submission redirected to."""
    assert reponse.status_code == 303, texte(reponse)
    trouve = _DEMANDE.match(reponse.headers["location"])
    assert trouve is not None, reponse.headers["location"]
    return uuid.UUID(trouve.group(1))


def erreur_du_champ(reponse: Any, champ: str) -> str:
    """The message beside ``champ``; it is also linked from the summary at the top."""
    trouve = re.search(
        rf'<p class="message-erreur" id="{champ}-erreur"><span class="invisible">Erreur : '
        r"</span>(.*?)</p>",
        reponse.text,
        re.DOTALL,
    )
    assert trouve is not None, f"no error beside {champ}: {texte(reponse)}"
    message = html.unescape(trouve.group(1))
    assert f'<li><a href="#{champ}">{message}</a></li>' in texte(reponse)
    assert re.search(rf'aria-describedby="[^"]*{champ}-erreur"', reponse.text)
    return message


def compte_id(email: str = EMAIL_CFA, mot_de_passe: str = MOT_DE_PASSE, *, portail: Portail) -> Any:
    """The account's id, as the login use case gives it."""
    return acces.se_connecter(portail.contexte, email, mot_de_passe).compte_id


def documents_stockes(portail: Portail) -> list[str]:
    """Every document id whose bytes are on disk."""
    demain = portail.horloge.instant + dt.timedelta(days=3650)
    return list(portail.contexte.documents.deposes_avant(demain))


@pytest.fixture
def cfa(portail: Portail) -> Portail:
    """The CFA's accountant, logged in; its file funded by an agent; the clock on 10/09/2023."""
    portail.compte_actif()
    dossier_en_cours(portail, agent_opco(portail))
    connecter(portail.client)
    return portail


def autre_organisme(portail: Portail) -> TestClient[Litestar]:
    """Another organisme with a funded file of its own, logged in on its own browser."""
    portail.compte_actif(email=EMAIL_B, siret=exemples.SIRET_CFA_2)
    agent = acces.se_connecter(portail.contexte, EMAIL_AGENT, MOT_DE_PASSE_AGENT).compte_id
    dossier_en_cours(portail, agent, NUMERO_B, exemples.SIRET_CFA_2)
    client = portail.client_neuf()
    connecter(client, EMAIL_B)
    return client


# --- screen 6: the form --------------------------------------------------------------------


def test_le_formulaire_propose_la_premiere_avance(cfa: Portail) -> None:
    """Pre-filled with the first advance; no certificate asked; the general conditions."""
    page = cfa.client.get(FORMULAIRE)
    assert page.status_code == 200
    lu = texte(page)
    assert f"Dossier Apprentissage : {NUMERO} suivi par : {EMAIL_AGENT}" in lu
    assert 'id="date_debut" name="date_debut" type="date" value="2023-09-01"' in page.text
    assert 'id="date_fin" name="date_fin" type="date" value="2024-02-29"' in page.text
    assert 'name="frais_pedagogiques" type="text" value="5249,40"' in page.text
    assert 'name="frais_divers" type="text" value=""' in page.text
    assert "Total : <output" in page.text
    assert "5\u202f249,40\xa0€</output>" in page.text
    assert "période du 01/09/2023 au 29/02/2024" in lu
    assert "Encore disponible : 450,00\xa0€" in lu
    # The invoice is required, the certificate is not for the first advance.
    assert re.search(r'id="facture" name="facture" type="file" required', page.text)
    assert 'Joindre le certificat de réalisation <span class="facultatif">' in page.text
    assert "Non nécessaire pour le 1er acompte." in lu
    assert 'enctype="multipart/form-data"' in page.text
    # The general conditions: their text, a link to their page, the box to tick.
    assert "Engagements de l'organisme de formation" in lu
    assert 'href="/conditions-generales"' in page.text
    assert 'type="checkbox" id="conditions_acceptees" name="conditions_acceptees"' in page.text
    assert "J'accepte les conditions générales de gestion de l'apprentissage OPCO Santé" in lu
    # A one-time key per display.
    _, cle = champs_du_formulaire(page)
    _, autre_cle = champs_du_formulaire(cfa.client.get(FORMULAIRE))
    assert len(cle) >= 32
    assert cle != autre_cle


def test_apres_la_premiere_avance_le_certificat_est_demande(cfa: Portail) -> None:
    """Once the first advance is asked, the next installment needs the certificate."""
    demande_de(envoyer(cfa.client, PREMIERE_AVANCE))
    page = cfa.client.get(FORMULAIRE)
    lu = texte(page)
    assert 'value="2024-03-01"' in page.text
    assert "Elle pourra être demandée à partir du 01/03/2024." in lu
    assert 'name="frais_pedagogiques" type="text" value=""' in page.text  # not open yet
    assert re.search(
        r'id="certificat_realisation" name="certificat_realisation" type="file"'
        r" required",
        page.text,
    )
    assert "Non nécessaire pour le 1er acompte." not in lu


def test_la_page_des_conditions_generales(portail: Portail) -> None:
    """The general conditions have a page of their own, readable before logging in."""
    page = portail.client.get("/conditions-generales")
    assert page.status_code == 200
    assert "<h1>Conditions générales de gestion de l'apprentissage</h1>" in texte(page)
    assert "<h2>2. Engagements de l'organisme de formation</h2>" in texte(page)
    assert "https://www.opco-sante.fr" in texte(page)


def test_recalculer_le_total_sans_envoyer(cfa: Portail) -> None:
    """The server's total of the typed amounts; the form kept as typed; nothing submitted."""
    page = cfa.client.get(FORMULAIRE)
    jeton, cle = champs_du_formulaire(page)
    champs = {
        "_csrf_token": jeton,
        "cle_idempotence": cle,
        "action": "recalculer",
        "date_debut": "2023-09-01",
        "date_fin": "2024-02-29",
        "frais_pedagogiques": "1 000,50",
        "repas_nuitees": "12,25",
        "frais_divers": "",
    }
    reponse = cfa.client.post(FORMULAIRE, data=champs, files=fichiers())
    assert reponse.status_code == 200
    assert "1\u202f012,75\xa0€</output>" in reponse.text
    assert 'value="1 000,50"' in reponse.text
    assert f'name="cle_idempotence" value="{cle}"' in reponse.text
    assert documents_stockes(cfa) == []
    assert demandes.lister_demandes(cfa.contexte, compte_id(portail=cfa)).total == 0

    refus = cfa.client.post(FORMULAIRE, data={**champs, "frais_divers": "douze"})
    assert refus.status_code == 422
    assert erreur_du_champ(refus, "frais_divers") == "« douze » n'est pas un montant valide."
    assert "—</output>" in refus.text


# --- screens 6 and 7: a whole request, its receipt, its mail, its documents ---------------------


def test_une_demande_avec_deux_pdf_son_recepisse_son_pdf_et_son_mail(cfa: Portail) -> None:
    """The guide's journey: submit with two PDFs, read the receipt, download it and the files."""
    champs = {**PREMIERE_AVANCE, "repas_nuitees": "30", "nombre_repas": "10"}
    reponse = envoyer(cfa.client, champs, fichiers(FACTURE, CERTIFICAT))
    demande_id = demande_de(reponse)

    page = cfa.client.get(f"/demandes/{demande_id}")
    assert page.status_code == 200
    lu = texte(page)
    assert "Votre demande de remboursement a bien été envoyée" in lu
    assert "Récépissé de la demande d'acompte 10/09/2023" in lu
    assert "<dt>Référence OPCO Santé</dt><dd>2011303654-01</dd>" in lu
    assert "<dt>Montant</dt><dd>5\u202f279,40\xa0€</dd>" in lu
    assert "<dt>Financement accordé</dt><dd>27\u202f497,00\xa0€</dd>" in lu  # 26 247+300+450+500
    assert "<dt>Période du</dt><dd>01/09/2023 au 29/02/2024</dd>" in lu
    assert "État de la demande : <strong>soumise</strong>" in lu
    assert "2 95 10 •• ••• ••• 93" in lu  # the NIR masked on screen

    # The documents, downloadable by the organisme under a name of ours.
    liens = {nom: document_id for document_id, nom in _DOCUMENT.findall(page.text)}
    assert set(liens) == {"facture-2023-117.pdf", "certificat.pdf"}
    for nom, contenu in (("facture-2023-117.pdf", FACTURE), ("certificat.pdf", CERTIFICAT)):
        document = cfa.client.get(f"/documents/{liens[nom]}")
        assert document.status_code == 200
        assert document.content == contenu
        assert document.headers["content-type"] == "application/pdf"
        assert document.headers["content-disposition"] == (
            f'attachment; filename="document-{NUMERO}-{liens[nom]}.pdf"'
        )
    assert sorted(documents_stockes(cfa)) == sorted(liens.values())

    # The receipt in PDF, and what it says.
    pdf = cfa.client.get(f"/demandes/{demande_id}/recepisse")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        f'attachment; filename="recepisse-{demande_id}.pdf"'
    )
    # Spaces compared as spaces: how a PDF's narrow no-break space reads back depends on
    # how the renderer placed the text, not on what the receipt says.
    lignes = [
        " ".join(ligne.split())
        for ligne in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().splitlines()
    ]
    for attendue in (
        "Récépissé de la demande d'acompte 10/09/2023",
        "Organisme de formation : CFA des Métiers de la Santé",
        f"Demandeur : {EMAIL_CFA}",
        "Référence OPCO Santé : 2011303654-01",
        "Intitulé de formation : BTS Diététique",
        f"Numéro d'action : {NUMERO}",
        "Martin Éloïse 2 95 10 99 126 111 93",
        "Financement accordé : 27\u202f497,00 €",
        "Remboursements déjà effectués : 0,00 €",
        "Période du : 01/09/2023 au 29/02/2024",
        "Montant : 5\u202f279,40 €",
        "dont frais pédagogiques : 5\u202f249,40 €",
        "Facture ✓",
        "Certificat de réalisation ✓",
        f"Identifiant de la demande : {demande_id}",
    ):
        assert " ".join(attendue.split()) in lignes, (attendue, lignes)

    # The receipt's mail is in the outbox (the relay attaches the PDF when it sends it).
    (mail,) = [m for m in cfa.messages() if m.modele == "recepisse_demande"]
    assert str(mail.destinataire) == EMAIL_CFA
    assert mail.contexte["demande_id"] == str(demande_id)
    assert (mail.contexte["reference_opco"], mail.contexte["montant"]) == (
        "2011303654-01",
        "5279.40",
    )

    # "Mes demandes" lists it, with its receipt to download.
    liste = cfa.client.get("/demandes")
    assert f'<a href="/demandes/{demande_id}">2011303654-01</a>' in liste.text
    assert f'href="/demandes/{demande_id}/recepisse"' in liste.text
    assert "5\u202f279,40\xa0€" in texte(liste)
    assert "<td>Soumise</td>" in texte(liste)


def test_une_piece_envoyee_deux_fois_est_gardee_deux_fois(cfa: Portail) -> None:
    """Two invoices in the same field: both kept; a file in a field of no piece is ignored."""
    envois = [
        *fichiers(),
        ("facture", ("avoir.pdf", pdf_valide("Avoir"), "application/pdf")),
        ("photo", ("photo.pdf", pdf_valide("Photo"), "application/pdf")),
    ]
    demande_id = demande_de(envoyer(cfa.client, PREMIERE_AVANCE, envois))
    noms = [nom for _, nom in _DOCUMENT.findall(cfa.client.get(f"/demandes/{demande_id}").text)]
    assert sorted(noms) == ["avoir.pdf", "facture-2023-117.pdf"]
    assert len(documents_stockes(cfa)) == 2


def test_quand_tout_est_demande_rien_n_est_propose(cfa: Portail) -> None:
    """At the contract's end, once the whole engagement is asked, the form proposes nothing."""
    cfa.horloge.instant = dt.datetime(2025, 8, 30, 9, 0, tzinfo=dt.UTC)
    connecter(cfa.client)  # two years later: a new session
    avant = texte(cfa.client.get(FORMULAIRE))
    assert "Frais pédagogiques pouvant être demandés aujourd'hui : 26\u202f247,00\xa0€." in avant
    toute_la_formation = {
        "date_debut": "01/09/2023",
        "date_fin": "31/08/2025",
        "frais_pedagogiques": "26 247,00 €",
        "conditions_acceptees": "oui",
    }
    demande_de(envoyer(cfa.client, toute_la_formation, fichiers(FACTURE, CERTIFICAT)))
    page = cfa.client.get(FORMULAIRE)
    assert "Toutes les échéances de frais pédagogiques de ce dossier ont déjà été demandées." in (
        texte(page)
    )
    assert 'id="date_debut" name="date_debut" type="date" value=""' in page.text
    assert "0,00\xa0€</output>" in page.text


# --- each error beside its field ------------------------------------------------------------


def _pdf_chiffre() -> bytes:
    ecrivain = PdfWriter()
    ecrivain.append(PdfReader(io.BytesIO(FACTURE)))
    ecrivain.encrypt("secret")
    sortie = io.BytesIO()
    ecrivain.write(sortie)
    return sortie.getvalue()


ERREURS = [
    pytest.param(
        "conditions_acceptees",
        {"conditions_acceptees": ""},
        None,
        "Vous devez accepter les conditions générales de gestion de l'apprentissage.",
        id="conditions",
    ),
    pytest.param(
        "facture", {}, [], "Pièce obligatoire manquante : Facture.", id="facture-manquante"
    ),
    pytest.param(
        "facture",
        {},
        [("facture", ("facture-2023-117.pdf", b"Facture en texte\n", "application/pdf"))],
        "Facture : « facture-2023-117.pdf » n'est pas un fichier PDF. "
        "Seuls les documents PDF sont acceptés.",
        id="pas-un-pdf",
    ),
    pytest.param(
        "certificat_realisation",
        {},
        fichiers(FACTURE, b"%PDF-1.7\nceci n'est pas un PDF\n%%EOF\n"),
        "Certificat de réalisation : « certificat.pdf » n'est pas un PDF lisible : le fichier "
        "est endommagé ou incomplet.",
        id="pdf-illisible",
    ),
    pytest.param(
        "facture",
        {},
        fichiers(_pdf_chiffre()),
        "Facture : « facture-2023-117.pdf » est protégé par un mot de passe : déposez-le sans "
        "protection.",
        id="pdf-chiffre",
    ),
    pytest.param(
        "facture",
        {},
        fichiers(b"%PDF-1.7\n" + b"0" * (10 * MIO)),
        "Facture : « facture-2023-117.pdf » dépasse la taille maximale d'un document (10 Mo).",
        id="document-trop-gros",
    ),
    pytest.param(
        "certificat_realisation",
        {
            "date_debut": "2024-03-01",
            "date_fin": "2024-05-31",
            "frais_pedagogiques": "",
            "frais_divers": "100",
        },
        None,
        "Pièce obligatoire manquante : Certificat de réalisation.",
        id="certificat-manquant",
    ),
    pytest.param(
        "frais_divers",
        {"frais_divers": "500"},
        None,
        "Frais divers : le montant demandé (500,00 €) dépasse le budget encore disponible pour "
        "cette catégorie (450,00 €).",
        id="budget-depasse",
    ),
    pytest.param(
        "frais_pedagogiques",
        {"frais_pedagogiques": "6000"},
        None,
        "Les frais pédagogiques demandés (6\u202f000,00 €) dépassent le montant des échéances "
        "ouvertes restant à demander (5\u202f249,40 €). La prochaine échéance ouvre le "
        "01/03/2024.",
        id="montant-non-ouvert",
    ),
    pytest.param(
        "frais_pedagogiques",
        {"frais_pedagogiques": "0"},
        None,
        "Indiquez au moins un montant supérieur à zéro.",
        id="rien-demande",
    ),
    pytest.param(
        "frais_pedagogiques",
        {"frais_pedagogiques": "12,345"},
        None,
        "« 12,345 » : un montant s'exprime en euros et centimes (deux décimales au plus).",
        id="millimes",
    ),
    pytest.param(
        "repas_nuitees",
        {"repas_nuitees": "-5"},
        None,
        "Frais de repas et de nuitées : un montant positif ou nul est attendu.",
        id="montant-negatif",
    ),
    pytest.param(
        "repas_nuitees",
        {"repas_nuitees": "30", "nombre_repas": "4", "nombre_nuitees": "1"},
        None,
        "Repas et nuitées (4 repas à 3,00 € au plus, 1 nuitées à 6,00 € au plus) : le montant "
        "demandé (30,00 €) dépasse le plafond autorisé (18,00 €).",
        id="plafond-repas",
    ),
    pytest.param(
        "nombre_repas",
        {"nombre_repas": "dix"},
        None,
        "Saisissez un nombre entier positif.",
        id="nombre-de-repas",
    ),
    pytest.param(
        "premier_equipement",
        {"frais_divers": "50", "premier_equipement": "100"},
        None,
        "Le premier équipement (100,00 €) fait partie des frais divers et ne peut pas les "
        "dépasser (50,00 €).",
        id="premier-equipement",
    ),
    pytest.param(
        "date_debut", {"date_debut": ""}, None, "Ce champ est obligatoire.", id="date-manquante"
    ),
    pytest.param(
        "date_debut",
        {"date_debut": "31/02/2024"},
        None,
        "Saisissez une date au format jj/mm/aaaa.",
        id="date-impossible",
    ),
    pytest.param(
        "date_debut",
        {"date_debut": "2023-06-01"},
        None,
        "La période du 01/06/2023 au 29/02/2024 sort du contrat (du 01/09/2023 au 31/08/2025).",
        id="hors-contrat",
    ),
    pytest.param(
        "date_fin",
        {"date_fin": "2023-08-31"},
        None,
        "La date de fin (31/08/2023) précède la date de début (01/09/2023).",
        id="fin-avant-debut",
    ),
]


@pytest.mark.parametrize(("champ", "changes", "envois", "message"), ERREURS)
def test_chaque_erreur_est_en_francais_a_cote_de_son_champ(
    cfa: Portail,
    champ: str,
    changes: dict[str, str],
    envois: Fichiers | None,
    message: str,
) -> None:
    """The use case's refusal beside its field, what was typed kept, nothing stored."""
    reponse = envoyer(cfa.client, {**PREMIERE_AVANCE, **changes}, envois)
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, champ) == message
    assert "Il y a un problème" in texte(reponse)
    for nom, valeur in {**PREMIERE_AVANCE, **changes}.items():
        if nom != "conditions_acceptees":
            assert (
                f'name="{nom}" type="{"date" if "date" in nom else "text"}" value="{valeur}"'
                in (texte(reponse))
            )
    assert "Joignez de nouveau vos documents" in texte(reponse)
    assert documents_stockes(cfa) == []
    assert demandes.lister_demandes(cfa.contexte, compte_id(portail=cfa)).total == 0


def test_une_erreur_sans_champ_du_formulaire_va_dans_le_resume(cfa: Portail) -> None:
    """A key longer than the core allows: the summary says so, and a new key is drawn."""
    reponse = envoyer(cfa.client, PREMIERE_AVANCE, cle="k" * 200)
    assert reponse.status_code == 422
    assert "<li>Clé d'idempotence : 128 caractères au plus.</li>" in texte(reponse)
    _, nouvelle = champs_du_formulaire(reponse)
    assert nouvelle != "k" * 200
    assert demande_de(envoyer(cfa.client, PREMIERE_AVANCE, cle=nouvelle))


def test_un_dossier_qui_n_est_pas_en_cours_n_a_pas_de_formulaire(cfa: Portail) -> None:
    """A file still awaiting the OPCO: the page says why no request is possible."""
    dossier_recu(cfa, AUTRE_NUMERO)
    page = cfa.client.get(f"/actions/{AUTRE_NUMERO}/demande")
    assert page.status_code == 422
    assert (
        f"Le dossier {AUTRE_NUMERO} est à l'état « reçu » : aucune demande de remboursement "
        "n'est possible."
    ) in texte(page)


# --- a double submission creates one request ------------------------------------------------


def test_un_double_envoi_cree_une_seule_demande(cfa: Portail) -> None:
    """The same form posted twice: one request, one mail, the same receipt; its bytes once."""
    page = cfa.client.get(FORMULAIRE)
    jeton, cle = champs_du_formulaire(page)
    donnees = {"_csrf_token": jeton, "cle_idempotence": cle, "action": "valider", **PREMIERE_AVANCE}
    premiere = cfa.client.post(FORMULAIRE, data=donnees, files=fichiers(), follow_redirects=False)
    seconde = cfa.client.post(FORMULAIRE, data=donnees, files=fichiers(), follow_redirects=False)
    assert demande_de(premiere) == demande_de(seconde)
    assert demandes.lister_demandes(cfa.contexte, compte_id(portail=cfa)).total == 1
    assert [m.modele for m in cfa.messages()].count("recepisse_demande") == 1
    assert len(documents_stockes(cfa)) == 1  # the second upload's bytes were removed

    # The same key with another content is a mistake, not a replay: say so, draw a new key.
    autre = cfa.client.post(
        FORMULAIRE,
        data={**donnees, "frais_pedagogiques": "1000"},
        files=fichiers(),
        follow_redirects=False,
    )
    assert autre.status_code == 409
    assert (
        "<li>Cette demande a déjà été envoyée avec un autre contenu : rechargez le formulaire "
        "avant de soumettre une nouvelle demande.</li>"
    ) in texte(autre)
    assert champs_du_formulaire(autre)[1] != cle
    assert demandes.lister_demandes(cfa.contexte, compte_id(portail=cfa)).total == 1


# --- uploads refused before they are read ---------------------------------------------------


def test_un_envoi_trop_gros_est_refuse_413_avant_d_etre_lu(cfa: Portail) -> None:
    """A body above the request limit: 413 in French, before it is read (or past the limit)."""
    jeton = jeton_csrf(cfa.client, FORMULAIRE)
    limite = cfa.contexte.parametres.taille_max_pieces_demande
    lu: list[int] = []

    def corps() -> Any:
        yield b'--xyz\r\nContent-Disposition: form-data; name="_csrf_token"\r\n\r\n'
        yield jeton.encode() + b"\r\n--xyz\r\n"
        yield b'Content-Disposition: form-data; name="facture"; filename="f.pdf"\r\n\r\n%PDF-'
        for _ in range(2 * limite // 65536):
            lu.append(1)
            yield b"0" * 65536

    reponse = cfa.client.post(
        FORMULAIRE,
        content=corps(),
        headers={
            "content-type": "multipart/form-data; boundary=xyz",
            "content-length": str(2 * limite),
        },
    )
    assert reponse.status_code == 413
    assert "Les documents envoyés dépassent la taille autorisée." in texte(reponse)
    assert lu == []  # refused on its announced length, before any byte of it
    # Sent without announcing its length, it is cut at the limit: 413 as well.
    sans_longueur = cfa.client.post(
        FORMULAIRE,
        content=corps(),
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert sans_longueur.status_code == 413
    assert documents_stockes(cfa) == []


def test_un_envoi_sans_jeton_csrf_est_refuse(cfa: Portail) -> None:
    """A multipart post without the form's token: 403, nothing created."""
    cfa.client.get(FORMULAIRE)
    parties = "".join(
        f'--xyz\r\nContent-Disposition: form-data; name="{nom}"\r\n\r\n{valeur}\r\n'
        for nom, valeur in {**PREMIERE_AVANCE, "action": "valider"}.items()
    )
    reponse = cfa.client.post(
        FORMULAIRE,
        content=(parties + "--xyz--\r\n").encode(),
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert reponse.status_code == 403
    assert demandes.lister_demandes(cfa.contexte, compte_id(portail=cfa)).total == 0


def test_un_visiteur_anonyme_est_renvoye_a_la_connexion(portail: Portail) -> None:
    """Without a session: the pages send to the login page, an upload is refused at once."""
    for adresse in ("/demandes", FORMULAIRE, f"/demandes/{uuid.uuid4()}"):
        reponse = portail.client.get(adresse, follow_redirects=False)
        assert reponse.status_code == 303
        assert reponse.headers["location"] == f"/connexion?suite={adresse}"
    envoi = portail.client.post(FORMULAIRE, data=PREMIERE_AVANCE, files=fichiers())
    assert envoi.status_code == 403


def test_une_session_expiree_renvoie_a_la_connexion(cfa: Portail) -> None:
    """Idle longer than allowed: the pages send to the login page, which renders (no 500)."""
    cfa.horloge.avancer(dt.timedelta(minutes=31))
    page = cfa.client.get("/connexion")  # the expired session's cookie is still sent
    assert page.status_code == 200
    assert "Accéder à la Plateforme CFA" in texte(page)
    reponse = cfa.client.get("/demandes", follow_redirects=False)
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/connexion?suite=/demandes"


def test_un_conseiller_n_ouvre_pas_les_pages_des_organismes(cfa: Portail) -> None:
    """An OPCO agent's session is refused the CFA's pages."""
    client = cfa.client_neuf()
    connecter(client, EMAIL_AGENT, MOT_DE_PASSE_AGENT)
    for adresse in ("/demandes", FORMULAIRE):
        reponse = client.get(adresse)
        assert reponse.status_code == 403
        assert "Cette page est réservée aux comptes des organismes." in texte(reponse)


# --- another organisme never sees them ------------------------------------------------------


def test_un_autre_organisme_ne_voit_rien_par_aucune_adresse(cfa: Portail) -> None:
    """B reaches none of A's file, request, receipt, documents or cancellation: 404, as unknown."""
    demande_id = demande_de(envoyer(cfa.client, PREMIERE_AVANCE))
    document_id = _DOCUMENT.findall(cfa.client.get(f"/demandes/{demande_id}").text)[0][0]
    client_b = autre_organisme(cfa)
    for adresse in (
        FORMULAIRE,
        f"/demandes/{demande_id}",
        f"/demandes/{demande_id}/recepisse",
        f"/demandes/{demande_id}/annulation",
        f"/documents/{document_id}",
        f"/demandes/{uuid.uuid4()}",
        f"/documents/{'0' * 32}",
        "/demandes/pas-un-identifiant",
    ):
        reponse = client_b.get(adresse)
        assert reponse.status_code == 404, adresse
        assert "Page introuvable" in texte(reponse)
        assert "Martin" not in texte(reponse)
    jeton = jeton_csrf(client_b, "/demandes")
    annulation = client_b.post(f"/demandes/{demande_id}/annulation", data={"_csrf_token": jeton})
    assert annulation.status_code == 404
    envoi = client_b.post(
        FORMULAIRE,
        data={**PREMIERE_AVANCE, "_csrf_token": jeton, "action": "valider"},
        files=fichiers(),
    )
    assert envoi.status_code == 404
    liste = client_b.get("/demandes")
    assert str(demande_id) not in liste.text
    assert "Aucune donnée disponible" in texte(liste)
    # A's request is untouched, and B's own form works.
    detail = demandes.consulter_demande(cfa.contexte, compte_id(portail=cfa), demande_id)
    assert detail.demande.etat is EtatDemande.SOUMISE
    assert demande_de(envoyer(client_b, PREMIERE_AVANCE, numero=NUMERO_B))


# --- screen 8: "Mes demandes", filters, pagination, cancellation ----------------------------


def _demandes_par_le_cas_d_usage(cfa: Portail, nombre: int, numero: str = NUMERO) -> list[Any]:
    """``nombre`` requests of 100 € within the first advance, one minute apart."""
    ids = []
    for _ in range(nombre):
        recu = demandes.soumettre_demande(
            cfa.contexte,
            compte_id(portail=cfa),
            CommandeDemande(
                numero_action=numero,
                periode=Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29)),
                montants=MontantsDemandes(frais_pedagogiques=Montant(100)),
                fichiers=((Piece.FACTURE, "facture.pdf", FACTURE),),
                conditions_acceptees=True,
            ),
        )
        ids.append(recu.demande_id)
        cfa.horloge.avancer(dt.timedelta(minutes=1))
    return ids


def test_mes_demandes_pagine_et_filtre(cfa: Portail) -> None:
    """Newest first, ten a page; filtered by state and action number, filters kept in links."""
    agent = acces.se_connecter(cfa.contexte, EMAIL_AGENT, MOT_DE_PASSE_AGENT).compte_id
    dossier_en_cours(cfa, agent, AUTRE_NUMERO)
    ids = _demandes_par_le_cas_d_usage(cfa, 11)
    (autre,) = _demandes_par_le_cas_d_usage(cfa, 1, AUTRE_NUMERO)
    for demande_id in ids[:2]:
        demandes.annuler_demande(cfa.contexte, compte_id(portail=cfa), demande_id)

    def lignes(page: Any) -> list[str]:
        return re.findall(r'<td><a href="/demandes/([0-9a-f-]{36})">', page.text)

    premiere = cfa.client.get("/demandes")
    assert lignes(premiere) == [str(i) for i in [autre, *ids[::-1]][:10]]
    assert "Affichage de l'élément 1 à 10 sur 12 éléments" in texte(premiere)
    assert 'href="/demandes?page=2" rel="next"' in premiere.text
    seconde = cfa.client.get("/demandes?page=2")
    assert lignes(seconde) == [str(i) for i in ids[1::-1]]
    assert "Affichage de l'élément 11 à 12 sur 12 éléments" in texte(seconde)
    assert 'href="/demandes?page=1" rel="prev"' in seconde.text

    annulees = cfa.client.get("/demandes?etat=annulee")
    assert lignes(annulees) == [str(ids[1]), str(ids[0])]
    assert '<option value="annulee" selected>Annulée</option>' in texte(annulees)
    assert "Annuler<span" not in annulees.text  # a cancelled request is not cancelled again
    soumises = cfa.client.get("/demandes?etat=soumise&numero_action=2011303")
    assert lignes(soumises) == [str(i) for i in ids[:1:-1]]
    assert 'name="numero_action" type="text" value="2011303"' in soumises.text
    assert "Affichage de l'élément 1 à 9 sur 9 éléments" in texte(soumises)
    assert lignes(cfa.client.get(f"/demandes?numero_action={AUTRE_NUMERO}")) == [str(autre)]
    assert "Aucune donnée disponible" in texte(cfa.client.get("/demandes?etat=payee"))
    filtree = cfa.client.get("/demandes?etat=&page=1&numero_action=20113")
    assert 'href="/demandes?numero_action=20113&amp;page=2" rel="next"' in filtree.text


@pytest.mark.parametrize(
    ("requete", "champ", "message"),
    [
        (
            "numero_action=2011-30",
            "numero_action",
            "Le numéro d'action ne contient que des chiffres.",
        ),
        ("etat=perdue", "etat", "Valeur invalide."),
    ],
)
def test_un_filtre_invalide_est_signale_a_cote_du_champ(
    cfa: Portail, requete: str, champ: str, message: str
) -> None:
    """A filter that does not read is shown beside its field, the list left out."""
    reponse = cfa.client.get(f"/demandes?{requete}")
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, champ) == message
    assert "<table>" not in reponse.text


@pytest.mark.parametrize(
    ("page", "message"),
    [("0", "Numéro de page : un nombre entier"), ("deux", "Saisissez un nombre entier positif.")],
)
def test_un_numero_de_page_invalide_est_signale(cfa: Portail, page: str, message: str) -> None:
    """A page number that does not read goes to the summary."""
    reponse = cfa.client.get(f"/demandes?page={page}")
    assert reponse.status_code == 422
    assert message in texte(reponse)


def test_annuler_une_demande_non_traitee(cfa: Portail) -> None:
    """Confirm, then cancel: the request is *annulée* and may not be cancelled again."""
    demande_id = demande_de(envoyer(cfa.client, PREMIERE_AVANCE))
    liste = cfa.client.get("/demandes")
    assert f'href="/demandes/{demande_id}/annulation"' in liste.text
    confirmation = cfa.client.get(f"/demandes/{demande_id}/annulation")
    assert confirmation.status_code == 200
    assert "Voulez-vous vraiment annuler cette demande ?" in texte(confirmation)
    assert "2011303654-01" in texte(confirmation)

    sans_jeton = cfa.client.post(f"/demandes/{demande_id}/annulation", data={"motif": "x"})
    assert sans_jeton.status_code == 403

    reponse = poster(
        cfa.client,
        f"/demandes/{demande_id}/annulation",
        {"motif": "erreur de période"},
    )
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/demandes"
    apres = cfa.client.get("/demandes")
    assert "La demande a été annulée." in texte(apres)
    assert "<td>Annulée</td>" in texte(apres)
    assert f'href="/demandes/{demande_id}/annulation"' not in apres.text
    detail = cfa.client.get(f"/demandes/{demande_id}")
    assert "erreur de période" in texte(detail)
    assert "Annuler la demande" not in texte(detail)

    encore = poster(cfa.client, f"/demandes/{demande_id}/annulation", {}, page="/demandes")
    assert encore.status_code == 409
    assert (
        f"Demande {demande_id} : le passage de l'état « annulée » à l'état « annulée » n'est "
        "pas autorisé."
    ) in texte(encore)


def test_une_demande_en_traitement_ne_s_annule_plus(cfa: Portail) -> None:
    """Once the OPCO processes it, the page says so and a forged post changes nothing."""
    demande_id = demande_de(envoyer(cfa.client, PREMIERE_AVANCE))
    agent = acces.se_connecter(cfa.contexte, EMAIL_AGENT, MOT_DE_PASSE_AGENT).compte_id
    demandes.traiter_demande(cfa.contexte, agent, demande_id, Decision.PRENDRE_EN_TRAITEMENT)
    page = cfa.client.get(f"/demandes/{demande_id}/annulation")
    assert page.status_code == 200
    assert "Cette demande est « en traitement » : elle ne peut plus être annulée." in texte(page)
    assert "<textarea" not in page.text
    assert "Annuler la demande" not in texte(cfa.client.get(f"/demandes/{demande_id}"))
    reponse = poster(cfa.client, f"/demandes/{demande_id}/annulation", {}, page="/demandes")
    assert reponse.status_code == 409
    detail = demandes.consulter_demande(cfa.contexte, compte_id(portail=cfa), demande_id)
    assert detail.demande.etat is EtatDemande.EN_TRAITEMENT
