"""The pages anyone reaches, and the login with the demo's account, in a real browser."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from cfa_domain.action import EtatDossier
from cfa_web.demo import COMPTES_DEMO
from cfa_web.settings import Opco

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .conftest import Ecrans, Serveur


def test_pages_publiques_accessibles(serveur: Serveur, page: Page, ecrans: Ecrans) -> None:
    """Login, forgotten password, contact, glossary and legal notice: French, axe-clean."""
    for adresse, titre in (
        ("/connexion", "Accéder à la Plateforme CFA"),
        ("/mot-de-passe/oublie", "Mot de passe oublié"),
        ("/contact", "Contacter le Centre de Relation Client"),
        ("/glossaire", "État des dossiers"),
        ("/mentions-legales", "Mentions légales"),
    ):
        page.goto(serveur.adresse + adresse)
        expect(page.locator("h1")).to_have_text(titre)
        expect(page.locator("footer")).to_contain_text("04 13 68 00 15")
        ecrans.verifier(adresse.strip("/").replace("/", "-"))
    page.goto(serveur.adresse + "/nulle-part")
    expect(page.locator("h1")).to_have_text("Page introuvable")
    ecrans.verifier("404")


def test_connexion_et_erreurs_de_formulaire(serveur: Serveur, page: Page, ecrans: Ecrans) -> None:
    """A wrong password shows the error summary; the right one opens the home page."""
    compte = COMPTES_DEMO[0]
    page.goto(serveur.adresse + "/connexion")
    page.get_by_label("Email").fill(compte.email)
    page.get_by_label("Mot de passe").fill("Pas-le-bon-mot-de-passe-1")
    page.get_by_role("button", name="Me connecter").click()
    expect(page.locator(".resume-erreurs")).to_contain_text(
        "Identifiant ou mot de passe incorrect."
    )
    expect(page.get_by_label("Email")).to_have_value(compte.email)
    ecrans.verifier("connexion-erreur")
    page.get_by_label("Mot de passe").fill(compte.mot_de_passe)
    page.get_by_role("button", name="Me connecter").click()
    expect(page.locator("h1")).to_have_text("CFA Santé Avenir")
    expect(page.get_by_role("navigation", name="Menu principal")).to_contain_text("Mes actions")
    ecrans.verifier("accueil")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.locator("h1")).to_have_text("Accéder à la Plateforme CFA")


def test_glossaire_et_contact_depuis_un_dossier(
    serveur: Serveur, page: Page, ecrans: Ecrans
) -> None:
    """A file's state explained in the glossary it links to; the contact page's details."""
    compte, opco = COMPTES_DEMO[0], Opco()
    page.goto(serveur.adresse + "/connexion")
    page.get_by_label("Email").fill(compte.email)
    page.get_by_label("Mot de passe").fill(compte.mot_de_passe)
    page.get_by_role("button", name="Me connecter").click()
    page.goto(serveur.adresse + "/actions")
    page.locator("tbody tr", has_text="en cours").first.locator("th a").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Dossier \d+$"))
    etat = page.locator('dt:text-is("État du dossier") + dd strong').inner_text().strip()
    assert etat == "en cours"
    page.get_by_role("link", name="voir le glossaire").click()
    expect(page.locator("h1")).to_have_text("État des dossiers")
    # Every state of a file, and the webservice the files come from.
    expect(page.locator("dl.glossaire dt")).to_have_count(len(EtatDossier) + 1)
    entree = page.locator(f'dl.glossaire dt:text-is("Dossier « {etat} »") + dd')
    expect(entree).to_contain_text("le CFA peut demander ses remboursements")
    expect(page.locator("#etat-refuse + dd")).to_contain_text("refusée par l'OPCO")
    ecrans.verifier("glossaire")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Contact"
    ).click()
    expect(page.locator("h1")).to_have_text(f"Contacter le {opco.centre_relation_client}")
    expect(page.locator(".important")).to_contain_text(
        f"Indiquez toujours le numéro de l'action {opco.nom} dans vos demandes."
    )
    principal = page.locator("main")
    expect(principal.get_by_role("link", name=opco.telephone)).to_have_attribute(
        "href", "tel:" + opco.telephone.replace(" ", "")
    )
    expect(principal.get_by_role("link", name=opco.email)).to_have_attribute(
        "href", f"mailto:{opco.email}"
    )
    expect(principal).to_contain_text(opco.horaires)
    expect(principal).to_contain_text(f"Tél. : {opco.telephone_siege}")
    ecrans.verifier("contact")
