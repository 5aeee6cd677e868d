"""The guide's journey as a new user takes it, in a real browser on a real server.

SIRET check → account creation → activation mail read from ``var/mail/`` → activation →
login → "Mes actions" search → the file → a reimbursement request with two PDFs → the
receipt, its PDF downloaded and read → "Mes demandes". Each screen is screenshotted and
checked by axe-core (``conftest.Ecrans``).
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import httpx
from fpdf import FPDF
from playwright.sync_api import expect
from pypdf import PdfReader

from cfa_web.demo import EMAIL_INSCRIPTION, SIRET_CFA_3

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

    from .conftest import Ecrans, Serveur

MOT_DE_PASSE = "Apprentis-du-soin-2026"


def _pdf(dossier: Path, nom: str, titre: str) -> Path:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text=titre)
    chemin = dossier / nom
    chemin.write_bytes(bytes(document.output()))
    return chemin


def _menu(page: Page, lien: str) -> None:
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=lien).click()


def _inscription(serveur: Serveur, page: Page, ecrans: Ecrans) -> None:
    """SIRET check, account creation, activation through the mail's link, login."""
    page.goto(serveur.adresse + "/connexion")
    page.get_by_role("link", name="Créer un compte pour mon organisme").click()
    expect(page.locator("h1")).to_have_text("Validation du SIRET")
    ecrans.verifier("siret")
    page.get_by_label("Siret").fill(str(SIRET_CFA_3))
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("h1")).to_have_text("Création de compte")
    page.get_by_label("Adresse email").fill(EMAIL_INSCRIPTION)
    page.get_by_label("Confirmation de l'email").fill(EMAIL_INSCRIPTION)
    page.get_by_label("Définition d'un mot de passe").fill(MOT_DE_PASSE)
    # The policy is ticked as the user types (the script only enhances).
    expect(page.locator("li[data-regle=longueur]")).to_have_class(re.compile("respectee"))
    page.get_by_label("Confirmation du mot de passe").fill(MOT_DE_PASSE)
    ecrans.verifier("creation-compte")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("h1")).to_have_text("Consultez votre messagerie")
    ecrans.verifier("email-envoye")
    # The activation mail, as the relay wrote it under var/mail/.
    mail = serveur.attendre_mail(EMAIL_INSCRIPTION, "Activez votre compte")
    page.goto(serveur.lien(mail))
    expect(page.locator("h1")).to_have_text("Activer mon compte")
    ecrans.verifier("activation")
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page.locator("h1")).to_have_text("Votre compte est activé")
    page.get_by_role("link", name="Me connecter").click()
    page.get_by_label("Email").fill(EMAIL_INSCRIPTION)
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Me connecter").click()
    expect(page.locator("h1")).to_have_text("CFA des Métiers du Soin")
    ecrans.verifier("accueil")


def _dossier_en_cours(page: Page, ecrans: Ecrans) -> str:
    """Mes actions: a file being funded, searched by its number and opened."""
    _menu(page, "Mes actions")
    expect(page.locator("h1")).to_have_text("Mes actions")
    expect(page.locator(".pagination-info")).to_contain_text("Affichage de l'élément 1")
    ecrans.verifier("mes-actions")
    ligne = page.locator("tbody tr", has_text="en cours").first
    numero = ligne.locator("th a").inner_text().strip()
    page.get_by_label("Numéro d'action").fill(numero)
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    ecrans.verifier("recherche")
    page.get_by_role("link", name=numero).click()
    expect(page.locator("h1")).to_have_text(f"Dossier {numero}")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    ecrans.verifier("dossier")
    return numero


def demander_remboursement(page: Page, ecrans: Ecrans, dossier: Path) -> str:
    """The request (pre-filled) with two PDFs, then its receipt; the receipt PDF's text."""
    page.get_by_role("link", name="Saisir une demande de remboursement").click()
    expect(page.locator("h1")).to_have_text("Saisir une demande de remboursement")
    ecrans.verifier("formulaire-demande")
    page.get_by_label("Joindre la facture").set_input_files(
        _pdf(dossier, "facture.pdf", "Facture 2026-001")
    )
    page.get_by_label("Joindre le certificat de réalisation").set_input_files(
        _pdf(dossier, "certificat.pdf", "Certificat de réalisation")
    )
    page.get_by_label(re.compile("J'accepte les conditions générales")).check()
    page.get_by_role("button", name="Valider", exact=True).click()
    telecharger = page.get_by_role("link", name="Télécharger le récépissé (PDF)")
    expect(telecharger).to_be_visible()
    ecrans.verifier("recepisse")
    with page.expect_download() as telechargement:
        telecharger.click()
    assert telechargement.value.suggested_filename.endswith(".pdf")
    contenu = telechargement.value.path().read_bytes()
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages)


def test_parcours_d_un_nouvel_utilisateur(
    serveur: Serveur, page: Page, ecrans: Ecrans, tmp_path: Path
) -> None:
    """From "Pas de compte ?" to the receipt of a first reimbursement request."""
    _inscription(serveur, page, ecrans)
    numero = _dossier_en_cours(page, ecrans)
    texte = demander_remboursement(page, ecrans, tmp_path)
    assert numero in texte
    assert "CFA des Métiers du Soin" in texte
    _menu(page, "Mes demandes")
    expect(page.locator("tbody tr", has_text=numero)).to_have_count(1)
    ecrans.verifier("mes-demandes")
    # The receipt mail went out too.
    assert numero in serveur.attendre_mail(EMAIL_INSCRIPTION, numero)
    # Mon organisme › Clés d'API: a key shown once, with which software reads the file.
    page.goto(serveur.adresse + "/organisme/cles-api")
    page.get_by_label("Nom de la clé").fill("Logiciel de gestion")
    page.get_by_role("button", name="Créer la clé").click()
    cle = page.locator("#cle-creee").inner_text()
    ecrans.verifier("cle-api-creee")
    reponse = httpx.get(
        f"{serveur.adresse}/api/v1/dossiers/{numero}", headers={"Authorization": f"Bearer {cle}"}
    )
    assert (reponse.status_code, reponse.json()["numeroAction"]) == (200, numero)
