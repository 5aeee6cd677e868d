"""The portal's screens around the files, in a real browser on the demo's server.

- *Mes demandes*: a receipt downloaded from the list (its PDF read), a request the OPCO
  has not started cancelled, one it has started no longer cancellable;
- *Gestion des accès*: a delegating organisme asked for (pending), approved by that
  organisme logged in with its own account (active: its files open to the delegate),
  revoked (closed again); the organisme's accounts; a colleague invited, the mail's link
  read from ``var/mail/`` opening the invitation page;
- *Mon compte* (as that colleague): the current password required, its error beside its
  field in French, the login email and the password changed, the new ones logging in;
- *Fiche OF dématérialisée*: a malformed field refused beside it, the change saved and
  shown again;
- the error pages 403 (a CFA's account on a back-office page), 404 (an unknown file) and
  413 (documents over the request's size limit, posted by the browser's own form), in
  French, without a stack trace.

The demo's accounts are shared with the other modules (one server a session): the
demo's own credentials, the CFA's name and its sheet's raison sociale are left as they
were; the account whose credentials change is the colleague invited here.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect
from pypdf import PdfReader

from cfa_web.demo import COMPTES_DEMO, SIRET_CFA_1, SIRET_CFA_2

from .conftest import Ecrans
from .test_backoffice import _connexion, _contexte, _valeur

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Browser, Page

    from .conftest import Serveur

CFA, DELEGANT, _ = COMPTES_DEMO
COLLEGUE = "assistante@cfa-sante-avenir.fr"
NOUVEL_EMAIL = "gestion@cfa-sante-avenir.fr"
MOT_DE_PASSE_COLLEGUE = "Premier-mot-de-passe-2026"
NOUVEAU_MOT_DE_PASSE = "Second-mot-de-passe-2026"
NOM_DELEGANT = "IFMS de Lyon – site de Gerland"


def _se_connecter(serveur: Serveur, page: Page, email: str, mot_de_passe: str) -> None:
    """The portal's login page, filled and sent."""
    page.goto(serveur.adresse + "/connexion")
    _connexion(page, email, mot_de_passe)


def _tuile(page: Page, nom: str) -> None:
    """Open one of the pages of « Mon organisme » from its tile."""
    page.locator("ul.tuiles").get_by_role("link", name=re.compile(f"^{nom}")).click()


def _texte_pdf(contenu: bytes) -> str:
    assert contenu.startswith(b"%PDF"), contenu[:20]
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages)


def _sans_trace(page: Page) -> None:
    """No stack trace nor exception name on the page shown."""
    contenu = page.content()
    for indice in ("Traceback", 'File "', "Exception", "litestar", "cfa_domain"):
        assert indice not in contenu, indice


# --- Mes demandes ----------------------------------------------------------------------


def _ligne(page: Page, reference: str) -> dict[str, str]:
    """The cells of the row of request ``reference`` in *Mes demandes*, by column."""
    ligne = page.locator("tbody tr", has=page.get_by_role("link", name=reference, exact=True))
    expect(ligne).to_have_count(1)
    entetes = page.locator("thead th").all_inner_texts()
    return dict(zip(entetes, ligne.locator("td").all_inner_texts(), strict=True))


def _filtrer(page: Page, etat: str) -> None:
    page.get_by_label("État de la demande").select_option(label=etat)
    page.get_by_role("button", name="Filtrer").click()


def test_mes_demandes_recepisse_et_annulation(serveur: Serveur, page: Page, ecrans: Ecrans) -> None:
    """A receipt from the list, read; a request not started cancelled; a started one kept."""
    _se_connecter(serveur, page, CFA.email, CFA.mot_de_passe)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes demandes"
    ).click()
    expect(page.locator("h1")).to_have_text("Mes demandes")
    _filtrer(page, "Soumise")
    annulables = page.locator("tbody tr", has=page.get_by_role("link", name=re.compile("^Annuler")))
    expect(annulables.first).to_be_visible()
    ecrans.verifier("mes-demandes-soumises")
    reference = annulables.first.locator("td").first.inner_text().strip()
    cellules = _ligne(page, reference)
    numero = cellules["Numéro d'action"]
    assert cellules["État de la demande"] == "Soumise"
    # The receipt, from the list: a PDF naming the request and its file.
    with page.expect_download() as telechargement:
        page.get_by_role("link", name=f"Récépissé (PDF) de la demande {reference}").click()
    assert telechargement.value.suggested_filename.endswith(".pdf")
    texte = _texte_pdf(telechargement.value.path().read_bytes())
    assert reference in texte
    assert numero in texte
    assert "CFA Santé Avenir" in texte
    # The cancellation: a confirmation page, then the request is « annulée ».
    page.get_by_role("link", name=f"Annuler la demande {reference}").click()
    expect(page.locator("h1")).to_have_text("Annuler une demande de remboursement")
    expect(page.locator("dl.recepisse")).to_contain_text(reference)
    assert _valeur(page, "État de la demande") == "soumise"
    ecrans.verifier("annulation")
    page.get_by_label("Motif de l'annulation").fill("Facture envoyée par erreur")
    page.get_by_role("button", name="Confirmer l'annulation").click()
    expect(page.locator(".notice")).to_have_text("La demande a été annulée.")
    expect(page.locator("h1")).to_have_text("Mes demandes")
    assert _ligne(page, reference)["État de la demande"] == "Annulée"
    expect(page.get_by_role("link", name=f"Annuler la demande {reference}")).to_have_count(0)
    ecrans.verifier("demande-annulee")
    _filtrer(page, "Soumise")
    expect(page.get_by_role("link", name=reference, exact=True)).to_have_count(0)
    # A request the OPCO has taken into processing cannot be cancelled any more.
    _filtrer(page, "En traitement")
    en_traitement = page.locator("tbody tr").first
    expect(en_traitement).to_be_visible()
    expect(en_traitement.get_by_role("link", name=re.compile("^Annuler"))).to_have_count(0)
    lien = en_traitement.locator("td a").first
    autre = lien.inner_text().strip()
    page.goto(serveur.adresse + f"{lien.get_attribute('href')}/annulation")
    expect(page.locator(".important")).to_contain_text(
        "Cette demande est « en traitement » : elle ne peut plus être annulée."
    )
    expect(page.get_by_role("button", name="Confirmer l'annulation")).to_have_count(0)
    ecrans.verifier("annulation-impossible")
    page.goto(serveur.adresse + "/demandes")
    assert _ligne(page, autre)["État de la demande"] == "En traitement"


# --- Gestion des accès -----------------------------------------------------------------


def _acces(serveur: Serveur, page: Page) -> None:
    page.goto(serveur.adresse + "/organisme")
    _tuile(page, "Gestion des accès")
    expect(page.locator("h1")).to_have_text("Gestion des accès")


def _tableau(page: Page, titre: str) -> list[list[str]]:
    """The rows (cells' texts) of the table under the heading ``titre``."""
    tableau = page.locator(f'h2:text-is("{titre}") ~ table').first
    return [
        [c.strip() for c in ligne.locator("td").all_inner_texts()]
        for ligne in tableau.locator("tbody tr").all()
    ]


def _dossier_visible(serveur: Serveur, page: Page, numero: str) -> bool:
    """Whether *Mes actions*, searched by the number, lists the file."""
    page.goto(serveur.adresse + "/actions")
    page.get_by_label("Numéro d'action").fill(numero)
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("h1")).to_have_text("Mes actions")
    return page.get_by_role("link", name=numero, exact=True).count() == 1


def _demander(serveur: Serveur, page: Page, ecrans: Ecrans) -> None:
    """«Ajouter un OF déléguant»: the request, pending until the delegating side decides."""
    _acces(serveur, page)
    ecrans.verifier("gestion-des-acces")
    page.get_by_label("Numéro de SIRET").fill(SIRET_CFA_2.numero)
    page.get_by_label("Nom de l'établissement").fill(NOM_DELEGANT)
    page.get_by_role("button", name="Ajouter").click()
    expect(page.locator(".notice")).to_contain_text(
        f"Votre demande est envoyée à l'organisme {SIRET_CFA_2}"
    )
    [demandee] = _tableau(page, "Mes OF déléguants")
    assert demandee[:3] == [
        str(SIRET_CFA_2),
        NOM_DELEGANT,
        "demandée (en attente de l'accord de l'organisme)",
    ], demandee
    ecrans.verifier("delegation-demandee")


def _approuver(serveur: Serveur, delegant: Ecrans) -> None:
    """The delegating organisme, logged in as itself, approves the request made of it."""
    page = delegant.page
    _acces(serveur, page)
    [a_decider] = _tableau(page, "Demandes à décider")
    assert a_decider[:2] == [str(SIRET_CFA_1), NOM_DELEGANT], a_decider
    delegant.verifier("demande-a-decider")
    page.get_by_role("button", name="Approuver").click()
    expect(page.locator(".notice")).to_contain_text("La délégation est accordée")
    assert _tableau(page, "Demandes à décider") == []
    [accordee] = _tableau(page, "Délégations accordées")
    assert accordee[:2] == [str(SIRET_CFA_1), NOM_DELEGANT], accordee
    delegant.verifier("delegation-accordee")


def _revoquer(serveur: Serveur, delegant: Ecrans) -> None:
    """The delegating organisme revokes the delegation, with its reason; the delegate is told."""
    page = delegant.page
    _acces(serveur, page)
    ligne = page.locator('h2:text-is("Délégations accordées") ~ table').first.locator("tbody tr")
    ligne.get_by_label("Motif").fill("Fin du partenariat")
    ligne.get_by_role("button", name="Révoquer").click()
    expect(page.locator(".notice")).to_contain_text("La délégation est révoquée")
    assert _tableau(page, "Délégations accordées") == []
    delegant.verifier("delegation-revoquee")
    mail = serveur.attendre_mail(CFA.email, "Délégation révoquée")
    assert NOM_DELEGANT in mail
    assert "Fin du partenariat" in mail


def test_gestion_des_acces_delegation(
    serveur: Serveur, page: Page, ecrans: Ecrans, navigateur: Browser
) -> None:
    """Asked (pending), approved by the delegating organisme (active), revoked."""
    delegant = Ecrans(page=_contexte(navigateur), test=f"{ecrans.test}-delegant")
    try:
        # One file of the delegating organisme, as its own account sees it.
        _se_connecter(serveur, delegant.page, DELEGANT.email, DELEGANT.mot_de_passe)
        expect(delegant.page.locator("h1")).to_have_text("IFMS de Lyon")
        delegant.page.goto(serveur.adresse + "/actions")
        numero = delegant.page.locator("tbody tr th a").first.inner_text().strip()
        _se_connecter(serveur, page, CFA.email, CFA.mot_de_passe)
        assert not _dossier_visible(serveur, page, numero)
        _demander(serveur, page, ecrans)
        assert not _dossier_visible(serveur, page, numero)
        _approuver(serveur, delegant)
        # The delegate sees it active, and the delegating organisme's file.
        _acces(serveur, page)
        [active] = _tableau(page, "Mes OF déléguants")
        assert active[2] == "active", active
        ecrans.verifier("delegation-active")
        assert _dossier_visible(serveur, page, numero)
        ecrans.verifier("dossier-du-delegant")
        # Revoked: closed again on the delegate's side.
        _revoquer(serveur, delegant)
        _acces(serveur, page)
        [revoquee] = _tableau(page, "Mes OF déléguants")
        assert revoquee[2] == "révoquée", revoquee
        expect(page.get_by_role("button", name="Révoquer")).to_have_count(0)
        ecrans.verifier("delegation-revoquee")
        assert not _dossier_visible(serveur, page, numero)
    finally:
        delegant.page.context.close()


# --- The organisme's accounts, an invitation, then «Mon compte» --------------------------


def _comptes(page: Page) -> dict[str, str]:
    """« Les comptes de l'organisme »: each address and its state."""
    return {ligne[0]: ligne[1] for ligne in _tableau(page, "Les comptes de l'organisme")}


def _inviter(serveur: Serveur, page: Page, ecrans: Ecrans, invite: Page) -> None:
    """The colleague invited, the mail's link opened, a password chosen, listed active."""
    _se_connecter(serveur, page, CFA.email, CFA.mot_de_passe)
    _acces(serveur, page)
    assert _comptes(page) == {f"{CFA.email} (vous)": "actif"}
    page.get_by_label("Adresse email").fill(COLLEGUE)
    page.get_by_role("button", name="Inviter").click()
    expect(page.locator(".notice")).to_contain_text(f"Un email vient d'être envoyé à {COLLEGUE}")
    assert _comptes(page)[COLLEGUE] == "invitation envoyée, pas encore acceptée"
    ecrans.verifier("invitation-envoyee")
    mail = serveur.attendre_mail(COLLEGUE, "Invitation à rejoindre la Plateforme CFA")
    lien = serveur.lien(mail)
    assert "/invitation/" in lien
    invite.goto(lien)
    expect(invite.locator("h1")).to_have_text("Accepter l'invitation")
    ecrans_invite = Ecrans(page=invite, test=f"{ecrans.test}-invite")
    ecrans_invite.verifier("invitation")
    invite.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE_COLLEGUE)
    invite.get_by_label("Confirmation du mot de passe").fill(MOT_DE_PASSE_COLLEGUE)
    invite.get_by_role("button", name="Activer mon compte").click()
    expect(invite.locator("h1")).to_have_text("Votre compte est activé")
    page.reload()
    assert _comptes(page)[COLLEGUE] == "actif"


def _erreur_de(page: Page, champ: str) -> str:
    """The error shown beside the input labelled ``champ`` (its aria-describedby)."""
    saisie = page.get_by_label(champ, exact=True)
    expect(saisie).to_have_attribute("aria-invalid", "true")
    ident = saisie.get_attribute("id")
    return page.locator(f"#{ident}-erreur").inner_text().replace("Erreur :", "").strip()


def _changer_email(serveur: Serveur, page: Page, ecrans: Ecrans) -> None:
    """«Mon compte» as the colleague: a wrong current password refused, then the change.

    The change is made by the link mailed to the new address.
    """
    # «Mon compte», as the colleague (this test's browser, logged in as the CFA so far).
    page.get_by_role("button", name="Se déconnecter").click()
    _se_connecter(serveur, page, COLLEGUE, MOT_DE_PASSE_COLLEGUE)
    page.goto(serveur.adresse + "/organisme")
    _tuile(page, "Mon compte")
    expect(page.locator("h1")).to_have_text("Mon compte")
    expect(page.locator("main")).to_contain_text(f"Adresse email de connexion : {COLLEGUE}")
    ecrans.verifier("mon-compte")
    # A wrong current password: refused, the error beside its field, nothing changed.
    page.get_by_label("Nouvelle adresse email").fill(NOUVEL_EMAIL)
    page.get_by_label("Confirmation de l'email").fill(NOUVEL_EMAIL)
    page.get_by_label("Mot de passe actuel").fill("Pas-le-bon-mot-de-passe-1")
    page.locator("form[action='/compte/email']").get_by_role("button", name="Valider").click()
    expect(page.locator(".resume-erreurs")).to_be_visible()
    assert _erreur_de(page, "Mot de passe actuel") == "Le mot de passe actuel est incorrect."
    expect(page.locator("main")).to_contain_text(f"Adresse email de connexion : {COLLEGUE}")
    ecrans.verifier("mon-compte-erreur")
    # Asked with the current password: a link goes to the new address, nothing changes yet.
    page.get_by_label("Nouvelle adresse email").fill(NOUVEL_EMAIL)
    page.get_by_label("Confirmation de l'email").fill(NOUVEL_EMAIL)
    page.get_by_label("Mot de passe actuel").fill(MOT_DE_PASSE_COLLEGUE)
    page.locator("form[action='/compte/email']").get_by_role("button", name="Valider").click()
    expect(page.locator(".notice")).to_contain_text(
        f"Un lien de confirmation est envoyé à {NOUVEL_EMAIL}."
    )
    expect(page.locator("main")).to_contain_text(f"Adresse email de connexion : {COLLEGUE}")
    ecrans.verifier("email-demande")
    # The link read from the new address's mailbox: its page, then its button.
    lien = serveur.lien(
        serveur.attendre_mail(NOUVEL_EMAIL, "Confirmez votre nouvelle adresse de connexion")
    )
    assert "/compte/email/" in lien
    page.goto(lien)
    expect(page.locator("main")).to_contain_text(f"{NOUVEL_EMAIL} devient l'adresse")
    ecrans.verifier("email-a-confirmer")
    page.get_by_role("button", name="Confirmer ma nouvelle adresse").click()
    expect(page.locator(".notice")).to_contain_text(
        f"Votre adresse de connexion est désormais {NOUVEL_EMAIL}"
    )
    expect(page.locator("h1")).to_have_text("Accéder à la Plateforme CFA")
    ecrans.verifier("email-modifie")
    # Every session ended with the change: log in again with the new address.
    _se_connecter(serveur, page, NOUVEL_EMAIL, MOT_DE_PASSE_COLLEGUE)
    page.goto(serveur.adresse + "/compte")
    expect(page.locator("main")).to_contain_text(f"Adresse email de connexion : {NOUVEL_EMAIL}")


def _changer_mot_de_passe(page: Page, ecrans: Ecrans) -> None:
    """A new password that breaks the policy refused beside its field, then a good one."""
    page.get_by_label("Ancien mot de passe").fill(MOT_DE_PASSE_COLLEGUE)
    page.get_by_label("Nouveau mot de passe").fill("court")
    page.get_by_label("Confirmation du mot de passe").fill("court")
    page.locator("form[action='/compte/mot-de-passe']").get_by_role(
        "button", name="Valider"
    ).click()
    assert _erreur_de(page, "Nouveau mot de passe").startswith(
        "Le mot de passe ne respecte pas les règles : il doit contenir au moins 12 caractères"
    )
    ecrans.verifier("mot-de-passe-refuse")
    page.get_by_label("Ancien mot de passe").fill(MOT_DE_PASSE_COLLEGUE)
    page.get_by_label("Nouveau mot de passe").fill(NOUVEAU_MOT_DE_PASSE)
    page.get_by_label("Confirmation du mot de passe").fill(NOUVEAU_MOT_DE_PASSE)
    page.locator("form[action='/compte/mot-de-passe']").get_by_role(
        "button", name="Valider"
    ).click()
    expect(page.locator(".notice")).to_contain_text("Votre mot de passe est modifié.")
    ecrans.verifier("mot-de-passe-modifie")


def test_invitation_puis_mon_compte(
    serveur: Serveur, page: Page, ecrans: Ecrans, navigateur: Browser
) -> None:
    """A colleague invited logs in, changes email and password; the new ones log in."""
    invite = _contexte(navigateur)
    try:
        _inviter(serveur, page, ecrans, invite)
        _se_connecter(serveur, invite, COLLEGUE, MOT_DE_PASSE_COLLEGUE)
        expect(invite.locator("h1")).to_have_text("CFA Santé Avenir")
        _changer_email(serveur, page, ecrans)
        # The colleague's other session (its first browser) is closed by the change.
        invite.goto(serveur.adresse + "/compte")
        expect(invite.locator("h1")).to_have_text("Accéder à la Plateforme CFA")
    finally:
        invite.context.close()
    assert NOUVEL_EMAIL in serveur.attendre_mail(
        COLLEGUE, "L'adresse de votre compte a été modifiée"
    )
    _changer_mot_de_passe(page, ecrans)
    serveur.attendre_mail(NOUVEL_EMAIL, "Le mot de passe de votre compte a été modifié")
    # The old credentials no longer open the portal; the new ones do.
    page.get_by_role("button", name="Se déconnecter").click()
    _se_connecter(serveur, page, COLLEGUE, MOT_DE_PASSE_COLLEGUE)
    expect(page.locator(".resume-erreurs")).to_contain_text(
        "Identifiant ou mot de passe incorrect."
    )
    _se_connecter(serveur, page, NOUVEL_EMAIL, MOT_DE_PASSE_COLLEGUE)
    expect(page.locator(".resume-erreurs")).to_contain_text(
        "Identifiant ou mot de passe incorrect."
    )
    _se_connecter(serveur, page, NOUVEL_EMAIL, NOUVEAU_MOT_DE_PASSE)
    expect(page.locator("h1")).to_have_text("CFA Santé Avenir")
    ecrans.verifier("connexion-nouveaux-identifiants")


# --- Fiche OF dématérialisée -----------------------------------------------------------


def test_fiche_of_modifiee(serveur: Serveur, page: Page, ecrans: Ecrans) -> None:
    """The sheet shown filled; a malformed postcode refused beside it; the change saved."""
    _se_connecter(serveur, page, DELEGANT.email, DELEGANT.mot_de_passe)
    page.goto(serveur.adresse + "/organisme")
    _tuile(page, "Fiche OF dématérialisée")
    expect(page.locator("h1")).to_have_text("Fiche OF dématérialisée")
    expect(page.locator(".identifiant")).to_contain_text(str(SIRET_CFA_2))
    expect(page.get_by_label("Raison sociale (nom)")).to_have_value("IFMS de Lyon")
    code_postal = page.get_by_label("Code postal").input_value()
    ecrans.verifier("fiche-of")
    page.get_by_label("Fonction").fill("Responsable administrative")
    page.get_by_label("Zone d'intervention").fill("Rhône et Métropole de Lyon")
    page.get_by_label("Code postal").fill("690")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".resume-erreurs")).to_be_visible()
    assert _erreur_de(page, "Code postal") == "Code postal « 690 » : 5 chiffres attendus."
    # What was typed is kept for the correction.
    expect(page.get_by_label("Fonction")).to_have_value("Responsable administrative")
    ecrans.verifier("fiche-of-erreur")
    page.get_by_label("Code postal").fill(code_postal)
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".notice")).to_have_text("La fiche de votre organisme est enregistrée.")
    expect(page.locator("main")).to_contain_text("Dernière mise à jour le")
    ecrans.verifier("fiche-of-enregistree")
    # Shown again from the server, in a new visit.
    page.goto(serveur.adresse + "/organisme/fiche")
    expect(page.get_by_label("Fonction")).to_have_value("Responsable administrative")
    expect(page.get_by_label("Zone d'intervention")).to_have_value("Rhône et Métropole de Lyon")
    expect(page.get_by_label("Code postal")).to_have_value(code_postal)


# --- Error pages -----------------------------------------------------------------------


def _gros_pdf(dossier: Path, octets: int) -> Path:
    """A file starting as a PDF, ``octets`` long."""
    chemin = dossier / "facture-enorme.pdf"
    with chemin.open("wb") as sortie:
        sortie.write(b"%PDF-1.4\n")
        sortie.truncate(octets)
    return chemin


def test_pages_d_erreur(serveur: Serveur, page: Page, ecrans: Ecrans, tmp_path: Path) -> None:
    """403, 404 and 413 as the browser gets them: French pages, no stack trace."""
    _se_connecter(serveur, page, CFA.email, CFA.mot_de_passe)
    expect(page.locator("h1")).to_have_text("CFA Santé Avenir")
    # 403: a CFA's account on a back-office page.
    reponse = page.goto(serveur.adresse + "/backoffice/dossiers")
    assert reponse is not None
    assert reponse.status == 403
    expect(page.locator("h1")).to_have_text("Accès refusé")
    expect(page.locator("main")).to_contain_text("réservée aux conseillers")
    expect(page).to_have_title(re.compile(r"Accès refusé \(403\)"))
    _sans_trace(page)
    ecrans.verifier("403")
    # 404: a file number nobody knows.
    reponse = page.goto(serveur.adresse + "/actions/9999999999")
    assert reponse is not None
    assert reponse.status == 404
    expect(page.locator("h1")).to_have_text("Page introuvable")
    _sans_trace(page)
    ecrans.verifier("404")
    # 413: the request form, its invoice over the size the server reads.
    page.goto(serveur.adresse + "/actions")
    ligne = page.locator("tbody tr", has_text="en cours").first
    numero = ligne.locator("th a").inner_text().strip()
    page.goto(f"{serveur.adresse}/demandes?numero_action={numero}")
    envoyees = page.locator("tbody tr").count()
    page.goto(f"{serveur.adresse}/actions/{numero}")
    page.get_by_role("link", name="Saisir une demande de remboursement").click()
    expect(page.locator("h1")).to_have_text("Saisir une demande de remboursement")
    page.get_by_label("Joindre la facture").set_input_files(_gros_pdf(tmp_path, 26 * 1024 * 1024))
    page.get_by_label(re.compile("J'accepte les conditions générales")).check()
    with page.expect_response(re.compile(r"/demande$")) as envoi:
        page.get_by_role("button", name="Valider", exact=True).click()
    assert envoi.value.status == 413
    expect(page.locator("h1")).to_have_text("Envoi trop volumineux")
    expect(page.locator("main")).to_contain_text(
        "Les documents envoyés dépassent la taille autorisée."
    )
    _sans_trace(page)
    ecrans.verifier("413")
    # Nothing was recorded: the file has as many requests as before.
    page.goto(f"{serveur.adresse}/demandes?numero_action={numero}")
    expect(page.locator("tbody tr")).to_have_count(envoyees)
