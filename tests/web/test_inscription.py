"""«Pas de compte ?»: SIRET check, account creation, activation, the sheet, invitations."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from cfa_domain.compte import StatutCompte
from cfa_domain.organisme import Civilite, StatutOrganisme
from cfa_domain.services import acces
from cfa_domain.testing import exemples
from cfa_domain.values import Email, Siret

from .conftest import EMAIL_CFA, MOT_DE_PASSE, Portail, connecter, poster, texte
from .lecture import erreur_du_champ

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import TestClient

SIRET = exemples.SIRET_CFA.numero
SIRET_INCONNU = exemples.SIRET_CFA_2.numero
_VALEUR_CSRF = re.compile(r'name="_csrf_token" value="[^"]+"')

FICHE_VALIDE = {
    "siret": SIRET_INCONNU,
    "reference_opco": "",
    "raison_sociale": "CFA des Métiers du Soin",
    "suite_raison_sociale": "Site de Lille",
    "rue": "3 rue des Postes",
    "suite_rue": "",
    "code_postal": "59000",
    "ville": "Lille",
    "telephone": "",
    "email": "Contact@CFA-soin.fr",
    "intervient_fpc": "non",
    "est_cfa": "oui",
    "numero_da": "CFA",
    "uai": "",
    "but_lucratif": "non",
    "assujetti_tva": "oui",
    "interlocuteur_civilite": "m",
    "interlocuteur_nom": "Martin",
    "interlocuteur_prenom": "Paul",
    "interlocuteur_fonction": "Directeur",
    "interlocuteur_telephone": "+33 6 12 34 56 78",
    "interlocuteur_email": "p.martin@cfa-soin.fr",
    "zone_intervention": "Hauts-de-France",
    "commentaire": "",
}


def creation(
    email: str = EMAIL_CFA, mot_de_passe: str = MOT_DE_PASSE, siret: str = SIRET
) -> dict[str, str]:
    """The «Création de compte» form, filled consistently."""
    return {
        "siret": siret,
        "email": email,
        "confirmation_email": email,
        "mot_de_passe": mot_de_passe,
        "confirmation_mot_de_passe": mot_de_passe,
    }


def creer(client: TestClient[Litestar], champs: dict[str, str]) -> Any:
    """Post the account creation form (CSRF token of its page)."""
    return poster(client, "/inscription/compte", champs, page=f"/inscription/compte?siret={SIRET}")


def sans_jeton(page: str) -> str:
    """A page without its per-client CSRF token."""
    return _VALEUR_CSRF.sub("", page)


def statut_compte(portail: Portail, email: str) -> StatutCompte | None:
    """The status of the account of ``email`` (None: no account)."""
    with portail.contexte.uow() as uow:
        compte = uow.comptes.par_email(Email(email))
    return None if compte is None else compte.statut


# --- Validation du SIRET ------------------------------------------------------------


def test_la_page_pas_de_compte_demande_le_siret(portail: Portail) -> None:
    """The login page links to the SIRET check, which asks for the SIRET with the guide's text."""
    assert 'href="/inscription"' in portail.client.get("/connexion").text
    page = portail.client.get("/inscription")
    assert page.status_code == 200
    assert "Validation du SIRET" in texte(page)
    assert "va s'assurer que vous existez dans son système d'information" in texte(page)
    assert '<label for="siret">Siret</label>' in page.text


def test_un_organisme_connu_va_a_la_creation_de_compte(portail: Portail) -> None:
    """A known, active organisme goes on to the account form for its SIRET."""
    portail.organisme_connu()
    reponse = poster(portail.client, "/inscription", {"siret": "732 829 320 00074"})
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/inscription/compte?siret=732+829+320+00074"
    page = portail.client.get(reponse.headers["location"])
    assert page.status_code == 200
    assert "Création de compte" in texte(page)
    assert 'value="732 829 320 00074"' in page.text
    # The policy, ticked as the user types by the script.
    assert 'data-regles-pour="mot_de_passe"' in page.text
    assert "au moins 12 caractères" in texte(page)
    assert "Vous aurez alors 24 h pour cliquer sur le lien" in texte(page)


def test_un_organisme_inconnu_va_a_la_fiche(portail: Portail) -> None:
    """An unknown SIRET goes on to the «Validation des données OF» sheet, SIRET filled."""
    reponse = poster(portail.client, "/inscription", {"siret": SIRET_INCONNU})
    assert reponse.status_code == 303
    assert reponse.headers["location"] == f"/inscription/fiche?siret={SIRET_INCONNU}"
    page = portail.client.get(reponse.headers["location"])
    assert "Validation des données Organisme de formation (OF)" in texte(page)
    assert f'value="{SIRET_INCONNU}"' in page.text


@pytest.mark.parametrize(
    ("statut", "message"),
    [
        (StatutOrganisme.A_VALIDER, "attend la validation d'un conseiller"),
        (StatutOrganisme.INACTIF, "Votre organisme est inactif"),
    ],
)
def test_un_organisme_en_attente_ou_inactif_est_prevenu(
    portail: Portail, statut: StatutOrganisme, message: str
) -> None:
    """A sheet awaiting validation or an inactive organisme: the check's page says so."""
    organisme = exemples.organisme(exemples.SIRET_CFA_2)
    organisme.statut = statut
    with portail.contexte.uow() as uow:
        uow.organismes.ajouter(organisme)
        uow.commit()
    reponse = poster(portail.client, "/inscription", {"siret": SIRET_INCONNU})
    assert reponse.status_code == 200
    assert message in texte(reponse)
    assert f'value="{SIRET_INCONNU}"' in reponse.text


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        ("", "Ce champ est obligatoire."),
        ("123", "SIRET « 123 » : longueur incorrecte."),
        ("73282932000075", "SIRET « 73282932000075 » : clé de contrôle incorrecte."),
    ],
)
def test_un_siret_mal_forme_est_refuse_a_cote_du_champ(
    portail: Portail, siret: str, message: str
) -> None:
    """A missing or malformed SIRET is told beside the field, in French."""
    reponse = poster(portail.client, "/inscription", {"siret": siret})
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, "siret") == message
    assert 'aria-invalid="true"' in reponse.text
    assert "Il y a un problème" in texte(reponse)


def test_la_verification_repond_pareil_que_l_organisme_ait_des_comptes_ou_non(
    portail: Portail,
) -> None:
    """The check depends on the organisme only: whether it has accounts never shows."""
    portail.compte_actif()  # SIRET_CFA has an active account
    portail.organisme_connu(exemples.SIRET_CFA_2, "compta@autre-cfa.fr")  # none
    avec = poster(portail.client, "/inscription", {"siret": SIRET})
    sans = poster(portail.client_neuf(), "/inscription", {"siret": SIRET_INCONNU})
    assert avec.status_code == sans.status_code == 303
    assert avec.headers["location"].replace(SIRET, "X") == sans.headers["location"].replace(
        SIRET_INCONNU, "X"
    )
    page_avec = portail.client.get(avec.headers["location"])
    page_sans = portail.client.get(sans.headers["location"])
    assert sans_jeton(page_avec.text).replace(SIRET, "X") == sans_jeton(page_sans.text).replace(
        SIRET_INCONNU, "X"
    )


# --- Création de compte et activation -----------------------------------------------


def test_parcours_creation_activation_connexion(portail: Portail) -> None:
    """The guide's journey: account form → mail → activation page → «Me connecter» → login."""
    portail.organisme_connu()
    reponse = creer(portail.client, creation())
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/inscription/email-envoye"
    envoye = portail.client.get("/inscription/email-envoye")
    assert "Consultez votre messagerie" in texte(envoye)
    assert statut_compte(portail, EMAIL_CFA) is StatutCompte.EN_ATTENTE_ACTIVATION
    jeton = portail.dernier_lien("activation_compte")
    page = portail.client.get(f"/activation/{jeton}")
    assert page.status_code == 200
    assert "le mot de passe que vous avez choisi lors de la création du compte" in texte(page)
    # GET shows the form only: the account is still waiting.
    assert statut_compte(portail, EMAIL_CFA) is StatutCompte.EN_ATTENTE_ACTIVATION
    faux = poster(portail.client, f"/activation/{jeton}", {"mot_de_passe": "Pas-le-bon-2023"})
    assert faux.status_code == 422
    assert erreur_du_champ(faux, "mot_de_passe") == (
        "Ce mot de passe n'est pas celui choisi lors de la création du compte."
    )
    active = poster(portail.client, f"/activation/{jeton}", {"mot_de_passe": MOT_DE_PASSE})
    assert active.status_code == 303
    assert active.headers["location"] == "/inscription/compte-active"
    fin = portail.client.get("/inscription/compte-active")
    assert "Votre compte est activé" in texte(fin)
    assert '<a href="/connexion" class="bouton">Me connecter</a>' in fin.text
    assert statut_compte(portail, EMAIL_CFA) is StatutCompte.ACTIF
    connecter(portail.client)
    assert portail.client.get("/").status_code == 200


def test_un_lien_d_activation_invalide_ou_deja_utilise(portail: Portail) -> None:
    """An unknown or used activation link is told at the top of the form."""
    portail.compte_actif()
    jeton = portail.dernier_lien("activation_compte")  # used by compte_actif
    for lien in (jeton, "inconnu"):
        reponse = poster(portail.client, f"/activation/{lien}", {"mot_de_passe": MOT_DE_PASSE})
        assert reponse.status_code == 422
        assert "Ce lien n'est pas valide ou a expiré." in texte(reponse)
    vide = poster(portail.client, f"/activation/{jeton}", {"mot_de_passe": ""})
    assert erreur_du_champ(vide, "mot_de_passe") == "Ce champ est obligatoire."


@pytest.mark.parametrize(
    ("changes", "champ", "message"),
    [
        (
            {"confirmation_email": "autre@cfa-sante.fr"},
            "confirmation_email",
            "La confirmation ne correspond pas à l'adresse email saisie.",
        ),
        (
            {"confirmation_mot_de_passe": "Autre-mot-de-passe-2023"},
            "confirmation_mot_de_passe",
            "La confirmation ne correspond pas au mot de passe saisi.",
        ),
        (
            {"email": "pas-une-adresse", "confirmation_email": "pas-une-adresse"},
            "email",
            "« pas-une-adresse » n'est pas une adresse email valide.",
        ),
        (
            {"mot_de_passe": "court", "confirmation_mot_de_passe": "court"},
            "mot_de_passe",
            (
                "Le mot de passe ne respecte pas les règles : il doit contenir au moins 12 "
                "caractères ; il doit contenir au moins une lettre majuscule."
            ),
        ),
        ({"email": ""}, "email", "Ce champ est obligatoire."),
        (
            {"siret": SIRET_INCONNU},
            "siret",
            (
                "L'OPCO ne connaît pas d'organisme avec ce SIRET : complétez d'abord la fiche "
                "de renseignements."
            ),
        ),
    ],
)
def test_la_creation_refuse_chaque_erreur_a_cote_de_son_champ(
    portail: Portail, changes: dict[str, str], champ: str, message: str
) -> None:
    """Each error of the creation form is told beside its field; typed input is kept."""
    portail.organisme_connu()
    reponse = creer(portail.client, creation() | changes)
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, champ) == message
    assert f'href="#{champ}"' in reponse.text  # the summary links to the field
    assert MOT_DE_PASSE not in reponse.text  # never a password sent back
    if champ != "email":
        assert f'value="{EMAIL_CFA}"' in reponse.text
    assert statut_compte(portail, EMAIL_CFA) is None
    assert portail.messages() == []


def test_un_organisme_inactif_n_ouvre_pas_de_compte(portail: Portail) -> None:
    """An inactive organisme opens no account: the reason is told beside the SIRET."""
    organisme = exemples.organisme(emails_connus=(Email(EMAIL_CFA),))
    organisme.statut = StatutOrganisme.INACTIF
    with portail.contexte.uow() as uow:
        uow.organismes.ajouter(organisme)
        uow.commit()
    reponse = creer(portail.client, creation())
    assert reponse.status_code == 422
    assert "aucun compte ne peut encore y être créé" in erreur_du_champ(reponse, "siret")


def test_la_creation_sans_siret_renvoie_a_la_verification(portail: Portail) -> None:
    """The account form without a SIRET goes back to the check."""
    reponse = portail.client.get("/inscription/compte", follow_redirects=False)
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/inscription"


def test_la_creation_repond_pareil_que_l_adresse_ait_un_compte_ou_non(portail: Portail) -> None:
    """A taken address, a new one and one off file get the same answer; only mail differs."""
    portail.compte_actif()  # EMAIL_CFA has an active account
    reponses = [
        creer(portail.client_neuf(), creation(email))
        for email in (EMAIL_CFA, "nouveau@cfa-sante.fr", "inconnu@ailleurs.fr")
    ]
    assert {(r.status_code, r.headers["location"]) for r in reponses} == {
        (303, "/inscription/email-envoye")
    }
    assert {sans_jeton(r.text) for r in reponses} == {sans_jeton(reponses[0].text)}
    # The mailboxes are told what happened; the active account is untouched.
    derniers = {str(m.destinataire): m.modele for m in portail.messages()}
    assert derniers[EMAIL_CFA] == "compte_existant"
    assert derniers["inconnu@ailleurs.fr"] == "compte_en_attente"
    assert statut_compte(portail, EMAIL_CFA) is StatutCompte.ACTIF
    assert statut_compte(portail, "inconnu@ailleurs.fr") is StatutCompte.EN_ATTENTE_APPROBATION


@pytest.mark.parametrize(
    ("adresse", "page", "champs"),
    [
        ("/inscription", "/inscription", {"siret": SIRET}),
        ("/inscription/compte", f"/inscription/compte?siret={SIRET}", creation()),
        ("/inscription/fiche", "/inscription/fiche", FICHE_VALIDE),
    ],
)
def test_les_formulaires_anonymes_de_l_inscription_sont_limites(
    fabrique_portail: Any, adresse: str, page: str, champs: dict[str, str]
) -> None:
    """SIRET check, account creation and sheet: past the limit, 429 whatever is posted."""
    portail = fabrique_portail(limite_formulaires=3)
    portail.organisme_connu()
    for _ in range(3):
        assert poster(portail.client, adresse, champs, page=page).status_code in {200, 303, 422}
    reponse = poster(portail.client, adresse, champs, page=page)
    assert reponse.status_code == 429
    assert "Trop de tentatives" in texte(reponse)
    # A new browser from the same address is held back too; the next window lets it in.
    assert poster(portail.client_neuf(), adresse, champs, page=page).status_code == 429
    portail.horloge.instant += portail.app.state.reglages.fenetre_limite
    assert poster(portail.client, adresse, champs, page=page).status_code != 429


# --- Validation des données OF ------------------------------------------------------


def test_la_fiche_montre_chaque_champ_et_question_du_guide(portail: Portail) -> None:
    """Every field and yes/no question of «Validation des données OF» is on the form."""
    page = portail.client.get(f"/inscription/fiche?siret={SIRET_INCONNU}")
    for nom in FICHE_VALIDE:
        assert f'name="{nom}"' in page.text, nom
    for question in (
        "Êtes-vous un OF qui intervient dans le champ de la FPC ?",
        "Et/ou êtes-vous CFA ?",
        "Êtes-vous à but lucratif ?",
        "Êtes-vous assujetti à la TVA ?",
        "saisissez « CFA » à la place du n° de DA",
        "Zone d'intervention",
        "Civilité",
    ):
        assert question in texte(page), question
    assert page.text.count('type="radio"') == 4 * 2 + len(Civilite)


def test_la_fiche_d_un_organisme_inconnu_part_a_la_validation(portail: Portail) -> None:
    """The whole sheet is recorded awaiting an agent; its address gets the acknowledgement."""
    reponse = poster(
        portail.client, "/inscription/fiche", FICHE_VALIDE | {"reference_opco": "OF-42"}
    )
    assert reponse.status_code == 303, texte(reponse)
    assert reponse.headers["location"] == "/inscription/fiche-envoyee"
    assert "Votre fiche de renseignements est envoyée" in texte(
        portail.client.get("/inscription/fiche-envoyee")
    )
    with portail.contexte.uow() as uow:
        organisme = uow.organismes.obtenir(Siret(SIRET_INCONNU))
    assert organisme is not None
    assert organisme.statut is StatutOrganisme.A_VALIDER
    assert organisme.reference_opco == "OF-42"
    fiche, contact = organisme.fiche, organisme.interlocuteur
    assert (fiche.nom, fiche.adresse.ville, str(fiche.adresse.code_postal)) == (
        "CFA des Métiers du Soin Site de Lille",
        "Lille",
        "59000",
    )
    assert (fiche.est_cfa, fiche.intervient_fpc, fiche.but_lucratif, fiche.assujetti_tva) == (
        True,
        False,
        False,
        True,
    )
    assert fiche.numero_da.cfa_historique
    assert (fiche.telephone, fiche.uai, str(fiche.email)) == (None, None, "contact@cfa-soin.fr")
    assert (contact.civilite, contact.nom_complet, str(contact.telephone)) == (
        Civilite.M,
        "M. Paul MARTIN",
        "06 12 34 56 78",
    )
    (accuse,) = portail.messages()
    assert (accuse.modele, str(accuse.destinataire)) == ("fiche_recue", "contact@cfa-soin.fr")
    # The SIRET check now says the sheet awaits an agent.
    verification = poster(portail.client, "/inscription", {"siret": SIRET_INCONNU})
    assert "attend la validation d'un conseiller" in texte(verification)


def test_la_fiche_vide_dit_chaque_champ_obligatoire_a_la_fois(portail: Portail) -> None:
    """An empty sheet: every required field and question is told at once, beside it."""
    reponse = poster(portail.client, "/inscription/fiche", {})
    assert reponse.status_code == 422
    obligatoires = [
        nom
        for nom in FICHE_VALIDE
        if nom
        not in {
            "reference_opco",
            "suite_raison_sociale",
            "suite_rue",
            "telephone",
            "uai",
            "commentaire",
            "interlocuteur_telephone",
        }
    ]
    for nom in obligatoires:
        assert erreur_du_champ(reponse, nom) == "Ce champ est obligatoire.", nom
    assert portail.messages() == []


@pytest.mark.parametrize(
    ("changes", "champ", "message"),
    [
        ({"code_postal": "5900"}, "code_postal", "Code postal « 5900 » : 5 chiffres attendus."),
        ({"email": "contact"}, "email", "« contact » n'est pas une adresse email valide."),
        (
            {"interlocuteur_email": "paul"},
            "interlocuteur_email",
            "« paul » n'est pas une adresse email valide.",
        ),
        (
            {"numero_da": "1234"},
            "numero_da",
            (
                "N° DA « 1234 » : 11 chiffres attendus (ou « CFA » pour un CFA historique sans "
                "déclaration d'activité)."
            ),
        ),
        (
            {"uai": "0751234A"},
            "uai",
            "N° UAI « 0751234A » : lettre de contrôle incorrecte.",
        ),
        (
            {"telephone": "12"},
            "telephone",
            (
                "Téléphone « 12 » : un numéro français à 10 chiffres commençant par 0 (ou au "
                "format +33) est attendu."
            ),
        ),
        ({"est_cfa": "peut-être"}, "est_cfa", "Répondez par oui ou par non."),
        ({"interlocuteur_civilite": "dr"}, "interlocuteur_civilite", "Choisissez Mme ou M."),
        ({"siret": "123"}, "siret", "SIRET « 123 » : longueur incorrecte."),
        (
            {"interlocuteur_telephone": ""},
            "interlocuteur_telephone",
            "Téléphone de l'interlocuteur : ce champ est obligatoire.",
        ),
        (
            {"interlocuteur_nom": "x" * 256},
            "interlocuteur_nom",
            "Nom de l'interlocuteur : 255 caractères au plus.",
        ),
        ({"siret": SIRET}, "siret", "Une fiche existe déjà pour ce SIRET"),
    ],
)
def test_la_fiche_refuse_chaque_erreur_a_cote_de_son_champ(
    portail: Portail, changes: dict[str, str], champ: str, message: str
) -> None:
    """Each malformed field of the sheet is told beside it; what was typed is kept."""
    portail.organisme_connu()
    reponse = poster(portail.client, "/inscription/fiche", FICHE_VALIDE | changes)
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, champ).startswith(message)
    assert 'value="CFA des Métiers du Soin"' in texte(reponse)
    assert 'value="oui" checked' in reponse.text
    assert portail.messages() == []


# --- Invitation ---------------------------------------------------------------------


def _invitation(portail: Portail, email: str = "collegue@cfa-sante.fr") -> str:
    """An active account invites ``email``; the secret of the invitation link."""
    portail.compte_actif()
    connecter(portail.client)
    reponse = poster(
        portail.client, "/organisme/acces/invitations", {"email": email}, page="/organisme/acces"
    )
    assert reponse.status_code == 303
    return portail.dernier_lien("invitation")


def test_l_invite_choisit_son_mot_de_passe_puis_se_connecte(portail: Portail) -> None:
    """The invitation link's page: password chosen twice, then «Me connecter» and login."""
    jeton = _invitation(portail)
    visiteur = portail.client_neuf()
    page = visiteur.get(f"/invitation/{jeton}")
    assert "Accepter l'invitation" in texte(page)
    assert 'data-regles-pour="mot_de_passe"' in page.text
    nouveau = "Invitation-acceptee-2023"
    reponse = poster(
        visiteur,
        f"/invitation/{jeton}",
        {"mot_de_passe": nouveau, "confirmation_mot_de_passe": nouveau},
    )
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/inscription/compte-active"
    assert statut_compte(portail, "collegue@cfa-sante.fr") is StatutCompte.ACTIF
    connecter(visiteur, "collegue@cfa-sante.fr", nouveau)
    assert visiteur.get("/").status_code == 200


@pytest.mark.parametrize(
    ("champs", "champ", "message"),
    [
        (
            {"mot_de_passe": "Invitation-acceptee-2023", "confirmation_mot_de_passe": "Autre"},
            "confirmation_mot_de_passe",
            "La confirmation ne correspond pas au mot de passe saisi.",
        ),
        (
            {"mot_de_passe": "faible", "confirmation_mot_de_passe": "faible"},
            "mot_de_passe",
            "Le mot de passe ne respecte pas les règles",
        ),
        ({"confirmation_mot_de_passe": "x"}, "mot_de_passe", "Ce champ est obligatoire."),
    ],
)
def test_l_invitation_refuse_chaque_erreur_a_cote_de_son_champ(
    portail: Portail, champs: dict[str, str], champ: str, message: str
) -> None:
    """Mismatch, weak or missing password: told beside the field; the link still works."""
    jeton = _invitation(portail)
    visiteur = portail.client_neuf()
    reponse = poster(visiteur, f"/invitation/{jeton}", champs)
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, champ).startswith(message)
    assert statut_compte(portail, "collegue@cfa-sante.fr") is StatutCompte.EN_ATTENTE_ACTIVATION
    acces.accepter_invitation(portail.contexte, jeton, MOT_DE_PASSE, MOT_DE_PASSE)


def test_un_lien_d_invitation_inconnu(portail: Portail) -> None:
    """An unknown invitation link is told at the top of the form."""
    reponse = poster(
        portail.client,
        "/invitation/inconnu",
        {"mot_de_passe": MOT_DE_PASSE, "confirmation_mot_de_passe": MOT_DE_PASSE},
    )
    assert reponse.status_code == 422
    assert "Ce lien n'est pas valide ou a expiré." in texte(reponse)
