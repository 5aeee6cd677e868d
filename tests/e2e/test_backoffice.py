"""The journey of an OPCO agent in the back office, the CFA's side checked after each step.

From the demo data (``cfa-web demo``), in a real browser on a real server:

1. an unknown organisme sends its information sheet (the public form); the agent logs in
   at ``/backoffice/connexion`` and validates it with the OPCO reference: the organisme
   is mailed, and its SIRET check now leads to the account creation;
2. the agent takes a *reçu* file of CFA Santé Avenir to *en instruction*, then *en
   cours* (the state machine allows no shortcut), each with a reason: the CFA sees each
   state in *Mes actions* and on its file's page, and gets the « financement accordé »
   mail;
3. the CFA asks for a reimbursement on that file; the agent takes the request into
   processing (the invoice opened), validates it, and marks it paid (day, amount,
   reference): the CFA sees
   each state in *Mes demandes* and on the file's Paiements, and gets the mails;
4. the agent records the contract's rupture: the preview shows the recomputed schedule
   and the overpayment before the confirmation (nothing recorded before it); the CFA
   sees *rompu*, the rupture date and the same overpayment, and gets the mail;
5. the agent settles the file: *rompu* → *soldé* (the machine's only way to *soldé*
   besides *en cours* → *soldé*); the CFA sees *soldé*, no request possible, and the mail;
6. the file's audit trail: each state, by whom and why, on the page and in its CSV.

Every back-office screen, and the CFA's request form, receipt and settled file, is
screenshotted under ``test-artifacts/e2e/`` and checked by axe-core (``conftest.Ecrans``).
The mails are read as the relay wrote them under the server's ``var/mail/``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
from playwright.sync_api import expect
from pypdf import PdfReader

from cfa_domain.services.acces import ResultatSiret
from cfa_domain.testing import exemples
from cfa_web.demo import COMPTES_DEMO, SIRET_CFA_1

from .conftest import Ecrans, Serveur
from .test_parcours import demander_remboursement

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Browser, Page

CFA, _, AGENT = COMPTES_DEMO
SIRET_NOUVEAU = exemples.siret(27_182_818, 28)
"""An organisme the demo does not know: it sends its sheet."""
EMAIL_NOUVEAU = "direction@cfa-nouveau.fr"
REFERENCE_OPCO = "OF-2026-0042"


def _montant(texte: str) -> Decimal:
    """« 12 345,67 € » as a number."""
    chiffres = re.sub(r"[^\d,-]", "", texte).replace(",", ".")
    return Decimal(chiffres)


def _jour(texte: str) -> dt.date:
    """« 31/12/2026 » as a date."""
    return dt.datetime.strptime(texte.strip(), "%d/%m/%Y").date()  # noqa: DTZ007 - a day


def _valeur(page: Page, terme: str) -> str:
    """The text of the description list's entry ``terme`` (the first one)."""
    return page.locator(f'dt:text-is("{terme}") + dd').first.inner_text().strip()


def _connexion(page: Page, email: str, mot_de_passe: str) -> None:
    """Fill the login form on the page shown and send it."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mot de passe").fill(mot_de_passe)
    page.get_by_role("button", name="Me connecter").click()


@attrs.frozen
class Acteurs:
    """The server, the agent's browser and the CFA's (each with its screens kept)."""

    serveur: Serveur
    agent: Ecrans
    cfa: Ecrans

    def tous(self) -> tuple[Serveur, Page, Ecrans, Page]:
        """The server, the agent's page and screens, the CFA's page."""
        return self.serveur, self.agent.page, self.agent, self.cfa.page


def _menu(page: Page, lien: str) -> None:
    page.get_by_role("navigation", name="Menu des conseillers").get_by_role(
        "link", name=lien
    ).click()


# --- 1. The information sheet -------------------------------------------------------


def _fiche_envoyee(serveur: Serveur, ecrans: Ecrans) -> None:
    """The unknown organisme's SIRET check, then its sheet (the portal's public form)."""
    visiteur = ecrans.page
    visiteur.goto(serveur.adresse + "/inscription")
    visiteur.get_by_label("Siret").fill(SIRET_NOUVEAU.numero)
    visiteur.get_by_role("button", name="Valider").click()
    expect(visiteur.locator("h1")).to_have_text(
        "Validation des données Organisme de formation (OF)"
    )
    # The SIRET checked is carried into the sheet.
    expect(visiteur.get_by_label("Votre SIRET")).to_have_value(SIRET_NOUVEAU.numero)
    ecrans.verifier("validation-donnees-of")
    textes = {
        "raison_sociale": "CFA Nouveau Monde",
        "rue": "12 rue de la République",
        "code_postal": "69002",
        "ville": "Lyon",
        "email": EMAIL_NOUVEAU,
        "numero_da": "CFA",
        "interlocuteur_nom": "Garnier",
        "interlocuteur_prenom": "Alice",
        "interlocuteur_fonction": "Directrice",
        "interlocuteur_telephone": "04 72 00 00 00",
        "interlocuteur_email": "a.garnier@cfa-nouveau.fr",
        "zone_intervention": "Auvergne-Rhône-Alpes",
    }
    for nom, valeur in textes.items():
        visiteur.locator(f"input[name={nom}]").fill(valeur)
    for nom, valeur in {
        "intervient_fpc": "non",
        "est_cfa": "oui",
        "but_lucratif": "non",
        "assujetti_tva": "oui",
        "interlocuteur_civilite": "mme",
    }.items():
        visiteur.locator(f"input[name={nom}][value={valeur}]").check()
    ecrans.verifier("validation-donnees-of-remplie")
    visiteur.get_by_role("button", name="Valider").click()
    expect(visiteur).to_have_url(re.compile("/inscription/fiche-envoyee$"))
    expect(visiteur.locator("h1")).to_have_text("Votre fiche de renseignements est envoyée")
    ecrans.verifier("fiche-envoyee")
    serveur.attendre_mail(EMAIL_NOUVEAU, "reçue")


def _siret_verifie(serveur: Serveur, visiteur: Page) -> str:
    """What the SIRET check of the new organisme answers now: the next page's title."""
    visiteur.goto(serveur.adresse + "/inscription")
    visiteur.get_by_label("Siret").fill(SIRET_NOUVEAU.numero)
    visiteur.get_by_role("button", name="Valider").click()
    expect(visiteur.locator("h1")).not_to_have_text("")
    if visiteur.locator("h1").inner_text() == "Validation du SIRET":
        return visiteur.locator(".notice").inner_text().strip()
    return visiteur.locator("h1").inner_text().strip()


def _valider_fiche(serveur: Serveur, page: Page, ecrans: Ecrans, visiteur: Page) -> None:
    """The agent logs in, opens the sheets to validate, validates the new one."""
    page.goto(serveur.adresse + "/backoffice/connexion")
    expect(page.locator("h1")).to_contain_text("Espace des conseillers")
    ecrans.verifier("connexion")
    _connexion(page, AGENT.email, AGENT.mot_de_passe)
    expect(page.get_by_role("navigation", name="Menu des conseillers")).to_be_visible()
    ecrans.verifier("tableau-de-bord")
    _menu(page, "Organismes")
    carte = page.locator("section.carte", has_text="CFA Nouveau Monde")
    expect(carte).to_have_count(1)
    ecrans.verifier("fiches-a-valider")
    carte.get_by_role("link", name="Page de l'organisme").click()
    expect(page.locator("h1")).to_contain_text("CFA Nouveau Monde")
    ecrans.verifier("organisme-a-valider")
    page.go_back()
    # The CFA's side before: its SIRET check says the sheet awaits the OPCO.
    assert _siret_verifie(serveur, visiteur) == ResultatSiret.EN_ATTENTE.message
    carte.get_by_label(re.compile("Référence de l'organisme")).fill(REFERENCE_OPCO)
    carte.get_by_role("button", name="Valider la fiche").click()
    expect(page.locator("section.carte", has_text="CFA Nouveau Monde")).to_have_count(0)
    ecrans.verifier("fiche-validee")
    # The organisme is mailed, and its SIRET check now opens the account creation.
    mail = serveur.attendre_mail(EMAIL_NOUVEAU, "validée")
    assert SIRET_NOUVEAU.numero in mail
    assert _siret_verifie(serveur, visiteur) == "Création de compte"


# --- The CFA's side -----------------------------------------------------------------


def _cote_cfa(serveur: Serveur, cfa: Page, numero: str) -> str:
    """*Mes actions* searched by the file's number, then its page; the state both show."""
    cfa.goto(serveur.adresse + "/actions")
    cfa.get_by_label("Numéro d'action").fill(numero)
    cfa.get_by_role("button", name="Filtrer").click()
    ligne = cfa.locator("tbody tr")
    expect(ligne).to_have_count(1)
    dans_la_liste = ligne.locator("td").first.inner_text().strip()
    ligne.get_by_role("link", name=numero).click()
    expect(cfa.locator("h1")).to_have_text(f"Dossier {numero}")
    etat = _valeur(cfa, "État du dossier").split(" (")[0]
    assert etat == dans_la_liste, (etat, dans_la_liste)
    return etat


def _paiement_cfa(cfa: Page) -> str:
    """The state of the file's only request in its Paiements block (the CFA's page)."""
    ligne = cfa.locator("table.paiements tbody tr")
    expect(ligne).to_have_count(1)
    return ligne.locator("td").first.inner_text().strip()


def _demande_cote_cfa(serveur: Serveur, cfa: Page, numero: str) -> tuple[str, str]:
    """The state of the file's request in *Mes demandes*, and on the file's Paiements."""
    cfa.goto(serveur.adresse + "/demandes")
    ligne = cfa.locator("tbody tr", has_text=numero)
    expect(ligne).to_have_count(1)
    mes_demandes = ligne.locator("td").nth(5).inner_text().strip()
    cfa.goto(f"{serveur.adresse}/actions/{numero}")
    return mes_demandes, _paiement_cfa(cfa)


# --- 2. A file from reçu to en cours ------------------------------------------------


def _dossier_recu(page: Page, ecrans: Ecrans) -> str:
    """The agent searches the files *reçu* of CFA Santé Avenir; opens the first one."""
    _menu(page, "Dossiers")
    expect(page.locator("h1")).to_have_text("Dossiers")
    # The work queue of the files received, oldest filing first.
    page.get_by_role("link", name="reçu", exact=True).click()
    expect(page.locator("table.actions tbody tr").first).to_be_visible()
    ecrans.verifier("file-recu")
    page.go_back()
    page.get_by_label("État du dossier").select_option(label="reçu")
    page.get_by_label("SIRET du CFA").fill(SIRET_CFA_1.numero)
    page.get_by_role("button", name="Filtrer").click()
    lignes = page.locator("table.actions tbody tr")
    expect(lignes.first).to_be_visible()
    for ligne in lignes.all():
        expect(ligne.locator("td").first).to_have_text("reçu")
    ecrans.verifier("recherche-dossiers")
    numero = lignes.first.locator("th a").inner_text().strip()
    lignes.first.locator("th a").click()
    expect(page.locator("h1")).to_have_text(f"Dossier {numero}")
    return numero


def _changer_etat(page: Page, ecrans: Ecrans, etat: str, motif: str) -> None:
    """The file's page: the change of state with its reason."""
    options = page.get_by_label("Nouvel état").locator("option")
    assert etat in [o.strip() for o in options.all_inner_texts()]
    page.get_by_label("Nouvel état").select_option(label=etat)
    page.get_by_label("Motif", exact=True).fill(motif)
    page.get_by_role("button", name="Enregistrer le changement").click()
    expect(page.locator(".notice")).to_have_text(f"Le dossier est désormais « {etat} ».")
    expect(page.locator("dt:text-is('État du dossier') + dd")).to_have_text(etat)
    historique = page.locator("table.historique tbody tr").last
    expect(historique).to_contain_text(motif)
    expect(historique).to_contain_text(AGENT.email)
    ecrans.verifier(f"dossier-{etat.replace(' ', '-')}")


def _instruire(acteurs: Acteurs) -> str:
    """*reçu* → *en instruction* → *en cours*, the CFA's page following each step."""
    serveur, page, ecrans, cfa = acteurs.tous()
    numero = _dossier_recu(page, ecrans)
    ecrans.verifier("dossier-recu")
    # The machine offers no shortcut from reçu to en cours.
    options = page.get_by_label("Nouvel état").locator("option").all_inner_texts()
    assert "en cours" not in [o.strip() for o in options]
    assert _cote_cfa(serveur, cfa, numero) == "reçu"
    expect(cfa.get_by_role("link", name="Saisir une demande de remboursement")).to_have_count(0)
    _changer_etat(page, ecrans, "en instruction", "Pièces du contrat reçues, instruction")
    assert _cote_cfa(serveur, cfa, numero) == "en instruction"
    _changer_etat(page, ecrans, "en cours", "Financement accordé au niveau de prise en charge")
    assert _cote_cfa(serveur, cfa, numero) == "en cours"
    mail = serveur.attendre_mail(CFA.email, f"Financement accordé pour le dossier {numero}")
    assert "Financement accordé au niveau de prise en charge" in mail
    return numero


# --- 3. The CFA's request, to payée -------------------------------------------------


def _decider(page: Page, ecrans: Ecrans, bouton: str, etat: str) -> None:
    page.get_by_role("button", name=bouton, exact=True).click()
    expect(page.locator("p.important strong")).to_have_text(etat)
    ecrans.verifier(f"demande-{etat.replace(' ', '-')}")


def _demande_payee(acteurs: Acteurs, numero: str, pieces: Path) -> Decimal:
    """The CFA asks (``pieces``: where its PDFs are made); the agent pays; the amount."""
    serveur, page, ecrans, cfa = acteurs.tous()
    recepisse = demander_remboursement(cfa, acteurs.cfa, pieces)
    assert numero in recepisse
    assert _demande_cote_cfa(serveur, cfa, numero) == ("Soumise", "soumise")
    _menu(page, "Demandes")
    page.get_by_label("État de la demande").select_option(value="soumise")
    page.get_by_role("button", name="Filtrer").click()
    ligne = page.locator("tbody tr", has_text=numero)
    expect(ligne).to_have_count(1)
    ecrans.verifier("demandes-soumises")
    ligne.locator("th a").click()
    expect(page.locator("p.important strong")).to_have_text("soumise")
    ecrans.verifier("demande-soumise")
    demande = _montant(page.locator("dd.total").inner_text())
    # The documents open: the invoice the CFA sent (made by ``demander_remboursement``).
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="facture.pdf").click()
    facture = PdfReader(telechargement.value.path()).pages[0].extract_text()
    assert "Facture 2026-001" in facture
    soumise_le = _jour(_valeur(page, "Envoyée le").split(" à ")[0])
    _decider(page, ecrans, "Prendre en traitement", "en traitement")
    assert _demande_cote_cfa(serveur, cfa, numero) == ("En traitement", "en traitement")
    _decider(page, ecrans, "Valider", "validée")
    assert _demande_cote_cfa(serveur, cfa, numero) == ("Validée", "validée")
    assert numero in serveur.attendre_mail(CFA.email, f"validée (action {numero})")
    # Paid the day it was sent (the core takes a day from the submission to its today).
    paye_le = soumise_le
    page.get_by_label("Date du paiement").fill(f"{paye_le:%d/%m/%Y}")
    expect(page.get_by_label("Montant payé (€)")).to_have_value(str(demande))
    page.get_by_label("Référence du paiement").fill("VIR-2026-000123")
    page.get_by_role("button", name="Marquer payée").click()
    etat = page.locator("p.important")
    expect(etat.locator("strong")).to_have_text("payée")
    expect(etat).to_contain_text(f"le {paye_le:%d/%m/%Y}, référence VIR-2026-000123")
    ecrans.verifier("demande-payee")
    assert _demande_cote_cfa(serveur, cfa, numero) == ("Payée", "payée")
    mail = serveur.attendre_mail(CFA.email, f"payée (action {numero})")
    assert numero in mail
    return demande


# --- 4. Rupture, 5. soldé -----------------------------------------------------------


def _rompre(acteurs: Acteurs, numero: str, paye: Decimal) -> None:
    """The rupture's preview (schedule recomputed, overpayment), then its confirmation."""
    serveur, page, ecrans, cfa = acteurs.tous()
    page.goto(f"{serveur.adresse}/backoffice/dossiers/{numero}")
    debut = _jour(page.locator("#bloc-contrat ~ dl dt:text-is('Date de début') + dd").inner_text())
    rupture = debut + dt.timedelta(days=45)
    page.get_by_label("Date de rupture (dernier jour du contrat)").fill(f"{rupture:%d/%m/%Y}")
    page.get_by_label("Motif de la rupture").fill("Rupture à l'initiative de l'apprenti")
    page.get_by_role("button", name="Voir l'échéancier recalculé").click()
    expect(page.locator("h1")).to_have_text(f"Rupture du dossier {numero} : à confirmer")
    ecrans.verifier("rupture-apercu")
    recalcule = _montant(_valeur(page, "Engagement recalculé à la rupture"))
    echeances = [
        _montant(t) for t in page.locator("table.echeancier tbody td.montant").all_inner_texts()
    ]
    assert echeances, "the recomputed schedule has installments"
    assert sum(echeances) == recalcule
    assert recalcule < _montant(_valeur(page, "Engagement actuel"))
    assert _montant(_valeur(page, "Frais pédagogiques déjà payés")) == paye
    trop_percu = _montant(_valeur(page, "Trop-perçu à reverser par le CFA"))
    # Paid at the current schedule, the first weeks only kept: the CFA owes the rest.
    assert trop_percu == paye - recalcule > 0
    # Nothing is recorded before the confirmation.
    assert _cote_cfa(serveur, cfa, numero) == "en cours"
    page.get_by_role("button", name="Confirmer la rupture").click()
    expect(page.locator(".notice")).to_contain_text("La rupture du contrat est enregistrée")
    expect(page.locator("dt:text-is('État du dossier') + dd")).to_have_text("rompu")
    ecrans.verifier("dossier-rompu")
    assert _cote_cfa(serveur, cfa, numero) == "rompu"
    assert _jour(_valeur(cfa, "Date de rupture")) == rupture
    assert _montant(_valeur(cfa, "Trop-perçu à reverser après la rupture")) == trop_percu
    mail = serveur.attendre_mail(CFA.email, f"Rupture du contrat du dossier {numero}")
    assert f"{rupture:%d/%m/%Y}" in mail


def _solder(acteurs: Acteurs, numero: str) -> None:
    """*rompu* → *soldé*: the last state; the CFA may ask for nothing more."""
    serveur, page, ecrans, cfa = acteurs.tous()
    _changer_etat(page, ecrans, "soldé", "Trop-perçu reversé, dossier soldé")
    expect(page.get_by_label("Nouvel état")).to_have_count(0)
    assert _cote_cfa(serveur, cfa, numero) == "soldé"
    expect(cfa.get_by_role("link", name="Saisir une demande de remboursement")).to_have_count(0)
    assert _paiement_cfa(cfa) == "payée"
    acteurs.cfa.verifier("dossier-solde")
    assert numero in serveur.attendre_mail(CFA.email, f"Dossier {numero} soldé")


def _historique(acteurs: Acteurs, numero: str) -> None:
    """The file's audit trail: every state it went through, by whom and why; its CSV."""
    _, page, ecrans, _ = acteurs.tous()
    _menu(page, "Historique")
    page.get_by_label("Objet").select_option(value="dossier")
    page.get_by_label("Identifiant").fill(numero)
    page.get_by_role("button", name="Afficher").click()
    lignes = page.locator("table.historique tbody tr")
    arrivees = [ligne.locator("td").nth(3).inner_text().strip() for ligne in lignes.all()]
    assert arrivees == ["reçu", "en instruction", "en cours", "rompu", "soldé"]
    expect(lignes.nth(4)).to_contain_text("Trop-perçu reversé, dossier soldé")
    ecrans.verifier("historique-dossier")
    with page.expect_download() as telechargement:
        page.get_by_role("link", name=re.compile("Exporter cet historique")).click()
    texte = telechargement.value.path().read_text(encoding="utf-8-sig")
    entetes, *entrees = csv.reader(io.StringIO(texte), delimiter=";")
    assert entetes[1::4] == ["Identifiant", "Nouvel état"]
    assert [(e[1], e[5]) for e in entrees] == [(numero, a) for a in arrivees]


def _contexte(navigateur: Browser) -> Page:
    onglet = navigateur.new_context(locale="fr-FR", accept_downloads=True).new_page()
    onglet.set_default_timeout(20_000)
    return onglet


def test_parcours_d_un_conseiller(
    serveur: Serveur, page: Page, ecrans: Ecrans, navigateur: Browser, tmp_path: Path
) -> None:
    """Login → sheet validated → reçu to en cours → request paid → rupture → soldé."""
    visiteur, cfa = _contexte(navigateur), _contexte(navigateur)
    try:
        _fiche_envoyee(serveur, Ecrans(page=visiteur, test=f"{ecrans.test}-visiteur"))
        _valider_fiche(serveur, page, ecrans, visiteur)
        cfa.goto(serveur.adresse + "/connexion")
        _connexion(cfa, CFA.email, CFA.mot_de_passe)
        expect(cfa.locator("h1")).to_have_text("CFA Santé Avenir")
        acteurs = Acteurs(serveur, ecrans, Ecrans(page=cfa, test=f"{ecrans.test}-cfa"))
        numero = _instruire(acteurs)
        paye = _demande_payee(acteurs, numero, tmp_path)
        _rompre(acteurs, numero, paye)
        _solder(acteurs, numero)
        _historique(acteurs, numero)
    finally:
        visiteur.context.close()
        cfa.context.close()
