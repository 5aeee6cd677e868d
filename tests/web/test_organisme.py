"""«Mon organisme»: the hub, «Mon compte», «Gestion des accès», «Fiche OF dématérialisée»."""

from __future__ import annotations

import html
import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from cfa_domain.compte import Compte
from cfa_domain.organisme import Delegation, StatutDelegation, StatutOrganisme, Telephone
from cfa_domain.services import organismes
from cfa_domain.testing import exemples
from cfa_domain.values import Email, Siret

from .conftest import EMAIL_CFA, MOT_DE_PASSE, Portail, connecter, poster, texte
from .lecture import erreur_du_champ, lu
from .test_actions import lisible

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import TestClient

NOUVEAU = "Nouveau-mot-de-passe-2024"
EMAIL_B = "compta@cfa-nord.fr"
EMAIL_C = "compta@cfa-sud.fr"
SIRET_A = exemples.SIRET_CFA
SIRET_B = exemples.SIRET_CFA_2
SIRET_C = exemples.siret(12_345_678)
ACCES = "/organisme/acces"


def connecte(portail: Portail, email: str = EMAIL_CFA, siret: Siret = SIRET_A) -> Any:
    """A new browser logged in with an active account of organisme ``siret``."""
    portail.compte_actif(email, siret=siret)
    client = portail.client_neuf()
    connecter(client, email)
    return client


def delegations(portail: Portail) -> list[Delegation]:
    """Every stored delegation (between A, B and C)."""
    with portail.contexte.uow() as uow:
        return [d for s in (SIRET_A, SIRET_B, SIRET_C) for d in uow.delegations.pour_organisme(s)]


def la_delegation(portail: Portail) -> Delegation:
    """The one delegation stored."""
    (delegation, *autres) = {d.id: d for d in delegations(portail)}.values()
    assert not autres
    return delegation


def demander(client: TestClient[Litestar], siret: Siret = SIRET_B, nom: str = "CFA du Nord") -> Any:
    """Post «Ajouter un OF déléguant»."""
    return poster(
        client,
        f"{ACCES}/delegations",
        {"siret": siret.numero, "nom_etablissement": nom},
        page=ACCES,
    )


# --- Mon organisme ------------------------------------------------------------------


def test_la_page_mon_organisme_mene_aux_trois_pages(portail: Portail) -> None:
    """The hub: name, identifier, status with the OPCO, and the three pages."""
    client = connecte(portail)
    page = client.get("/organisme")
    assert page.status_code == 200
    assert "CFA des Métiers de la Santé" in texte(page)
    assert "732 829 320 00074" in texte(page)
    assert "État de mon OF chez l'OPCO Santé : actif" in lu(page)
    for lien in ("/compte", "/organisme/acces", "/organisme/fiche"):
        assert f'<a href="{lien}"><strong>' in page.text


@pytest.mark.parametrize("adresse", ["/organisme", "/compte", ACCES, "/organisme/fiche"])
def test_les_pages_de_l_organisme_demandent_une_connexion(portail: Portail, adresse: str) -> None:
    """Anonymous: the login page, coming back afterwards."""
    reponse = portail.client.get(adresse, follow_redirects=False)
    assert reponse.status_code == 303
    assert reponse.headers["location"] == f"/connexion?suite={adresse}"


@pytest.mark.parametrize("adresse", ["/organisme", "/compte", ACCES, "/organisme/fiche"])
def test_un_conseiller_n_ouvre_pas_les_pages_de_l_organisme(portail: Portail, adresse: str) -> None:
    """An OPCO agent's session is refused the CFA's pages (403, in French)."""
    with portail.contexte.uow() as uow:
        uow.comptes.ajouter(
            Compte.ouvrir_agent(
                id=uuid.uuid4(),
                email=Email("agent@opco.example"),
                mot_de_passe=MOT_DE_PASSE,
                quand=portail.contexte.maintenant(),
                hasher=portail.contexte.hacheur,
                auteur="test",
            )
        )
        uow.commit()
    connecter(portail.client, "agent@opco.example")
    reponse = portail.client.get(adresse)
    assert reponse.status_code == 403
    assert "réservée aux comptes des organismes" in texte(reponse)


# --- Mon compte ---------------------------------------------------------------------


def test_mon_compte_montre_l_organisme_et_l_adresse(portail: Portail) -> None:
    """«Mon compte»: the organisme, its status, the login email and the two forms."""
    client = connecte(portail)
    page = client.get("/compte")
    assert page.status_code == 200
    for attendu in (
        "CFA des Métiers de la Santé",
        "État de mon OF chez l'OPCO Santé : actif",
        EMAIL_CFA,
        "Je modifie mon adresse email (celle utilisée pour me connecter)",
        "Ancien mot de passe",
    ):
        assert attendu in lu(page), attendu
    assert 'data-regles-pour="nouveau_mot_de_passe"' in page.text


def test_changer_le_mot_de_passe_garde_cette_session_et_ferme_les_autres(
    portail: Portail,
) -> None:
    """The session that changes the password goes on (under a new id); the others end."""
    client = connecte(portail)
    autre = portail.client_neuf()
    connecter(autre)
    avant = client.cookies.get("cfa_session")
    reponse = poster(
        client,
        "/compte/mot-de-passe",
        {
            "mot_de_passe_actuel": MOT_DE_PASSE,
            "nouveau_mot_de_passe": NOUVEAU,
            "confirmation_nouveau_mot_de_passe": NOUVEAU,
        },
        page="/compte",
    )
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/compte"
    assert client.cookies.get("cfa_session") != avant
    page = client.get("/compte", follow_redirects=False)
    assert page.status_code == 200
    assert "Votre mot de passe est modifié." in texte(page)
    assert autre.get("/compte", follow_redirects=False).status_code == 303
    assert [m.modele for m in portail.messages()][-1] == "mot_de_passe_modifie"
    connecter(portail.client_neuf(), EMAIL_CFA, NOUVEAU)


def test_changer_l_adresse_par_le_lien_envoye_a_la_nouvelle(portail: Portail) -> None:
    """The form mails a link to the new address and changes nothing; the link changes it.

    The link's page shows the address and changes it only on its button (no session
    needed); then every session ends, the old address is told and the login is the new
    address.
    """
    client = connecte(portail)
    autre = portail.client_neuf()
    connecter(autre)
    reponse = poster(
        client,
        "/compte/email",
        {
            "nouvel_email": "Nouvelle@CFA-sante.fr",
            "confirmation_nouvel_email": "nouvelle@cfa-sante.fr",
            "mot_de_passe_email": MOT_DE_PASSE,
        },
        page="/compte",
    )
    assert reponse.status_code == 303
    page = client.get("/compte", follow_redirects=False)
    assert page.status_code == 200
    assert "Un lien de confirmation est envoyé à nouvelle@cfa-sante.fr." in texte(page)
    assert f"Adresse email de connexion : <strong>{EMAIL_CFA}</strong>" in page.text
    assert autre.get("/", follow_redirects=False).status_code == 200  # nothing ended yet
    lien = portail.messages()[-1]
    assert (lien.modele, str(lien.destinataire)) == ("confirmation_email", "nouvelle@cfa-sante.fr")
    adresse = f"/compte/email/{lien.contexte['lien_jeton']}"

    anonyme = portail.client_neuf()
    confirmation = anonyme.get(adresse)
    assert confirmation.status_code == 200
    assert "nouvelle@cfa-sante.fr devient l'adresse" in lisible(confirmation)
    connecter(portail.client_neuf())  # opening the link changed nothing
    confirme = poster(anonyme, adresse, {}, page=adresse)
    assert (confirme.status_code, confirme.headers["location"]) == (303, "/connexion")
    assert "Votre adresse de connexion est désormais nouvelle@cfa-sante.fr" in texte(
        anonyme.get("/connexion")
    )
    assert client.get("/", follow_redirects=False).status_code == 303  # every session ends
    assert autre.get("/", follow_redirects=False).status_code == 303
    dernier = portail.messages()[-1]
    assert (dernier.modele, str(dernier.destinataire)) == ("email_modifie", EMAIL_CFA)
    connecter(portail.client_neuf(), "nouvelle@cfa-sante.fr")
    perime = portail.client_neuf().get(adresse)  # the link worked once
    assert "Ce lien ne permet pas de changer d'adresse." in lisible(perime)
    assert "Confirmer ma nouvelle adresse</button>" not in perime.text


@pytest.mark.parametrize(
    ("champs", "champ", "message"),
    [
        (
            {"mot_de_passe_actuel": "Faux-mot-de-passe-1"},
            "mot_de_passe_actuel",
            "Le mot de passe actuel est incorrect.",
        ),
        (
            {"confirmation_nouveau_mot_de_passe": "Autre-chose-2024"},
            "confirmation_nouveau_mot_de_passe",
            "La confirmation ne correspond pas au mot de passe saisi.",
        ),
        (
            {"nouveau_mot_de_passe": "faible", "confirmation_nouveau_mot_de_passe": "faible"},
            "nouveau_mot_de_passe",
            "Le mot de passe ne respecte pas les règles : il doit contenir au moins 12",
        ),
        (
            {
                "nouveau_mot_de_passe": MOT_DE_PASSE,
                "confirmation_nouveau_mot_de_passe": MOT_DE_PASSE,
            },
            "nouveau_mot_de_passe",
            (
                "Le mot de passe ne respecte pas les règles : il doit être différent du mot de "
                "passe actuel."
            ),
        ),
        ({"mot_de_passe_actuel": ""}, "mot_de_passe_actuel", "Ce champ est obligatoire."),
    ],
)
def test_le_changement_de_mot_de_passe_refuse_chaque_erreur(
    portail: Portail, champs: dict[str, str], champ: str, message: str
) -> None:
    """Each error beside its field; nothing changes, the session stays."""
    client = connecte(portail)
    reponse = poster(
        client,
        "/compte/mot-de-passe",
        {
            "mot_de_passe_actuel": MOT_DE_PASSE,
            "nouveau_mot_de_passe": NOUVEAU,
            "confirmation_nouveau_mot_de_passe": NOUVEAU,
        }
        | champs,
        page="/compte",
    )
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, champ).startswith(message)
    assert "CFA des Métiers de la Santé" in texte(reponse)
    assert client.get("/compte").status_code == 200
    connecter(portail.client_neuf())  # the password is unchanged


def test_le_lien_suivi_dans_la_session_du_compte_la_termine_et_le_dit(portail: Portail) -> None:
    """Followed in the browser logged in as that account: the session ends, the notice shows.

    The cookie's id is a new one.
    """
    client = connecte(portail)
    poster(
        client,
        "/compte/email",
        {
            "nouvel_email": "nouvelle@cfa-sante.fr",
            "confirmation_nouvel_email": "nouvelle@cfa-sante.fr",
            "mot_de_passe_email": MOT_DE_PASSE,
        },
        page="/compte",
    )
    adresse = f"/compte/email/{portail.messages()[-1].contexte['lien_jeton']}"
    avant = client.cookies.get("cfa_session")
    confirme = poster(client, adresse, {}, page=adresse)
    assert (confirme.status_code, confirme.headers["location"]) == (303, "/connexion")
    assert client.cookies.get("cfa_session") != avant
    assert "Votre adresse de connexion est désormais nouvelle@cfa-sante.fr" in texte(
        client.get("/connexion")
    )
    assert client.get("/compte", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("champs", "champ", "message"),
    [
        (
            {"mot_de_passe_email": "Faux-mot-de-passe-1"},
            "mot_de_passe_email",
            "Le mot de passe actuel est incorrect.",
        ),
        (
            {"confirmation_nouvel_email": "autre@cfa-sante.fr"},
            "confirmation_nouvel_email",
            "La confirmation ne correspond pas à l'adresse email saisie.",
        ),
        (
            {"nouvel_email": EMAIL_B, "confirmation_nouvel_email": EMAIL_B},
            "nouvel_email",
            "Cette adresse email est déjà utilisée par un autre compte.",
        ),
        (
            {"nouvel_email": EMAIL_CFA, "confirmation_nouvel_email": EMAIL_CFA},
            "nouvel_email",
            "La nouvelle adresse email est identique à l'adresse actuelle.",
        ),
        (
            {"nouvel_email": "x@", "confirmation_nouvel_email": "x@"},
            "nouvel_email",
            "« x@ » n'est pas une adresse email valide.",
        ),
    ],
)
def test_le_changement_d_adresse_refuse_chaque_erreur(
    portail: Portail, champs: dict[str, str], champ: str, message: str
) -> None:
    """Each error beside its field, the typed address kept, never the password."""
    portail.compte_actif(EMAIL_B, siret=SIRET_B)
    client = connecte(portail)
    reponse = poster(
        client,
        "/compte/email",
        {
            "nouvel_email": "nouvelle@cfa-sante.fr",
            "confirmation_nouvel_email": "nouvelle@cfa-sante.fr",
            "mot_de_passe_email": MOT_DE_PASSE,
        }
        | champs,
        page="/compte",
    )
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, champ) == message
    assert MOT_DE_PASSE not in reponse.text
    assert client.get("/compte").status_code == 200
    connecter(portail.client_neuf())  # the login is unchanged


# --- Gestion des accès --------------------------------------------------------------


def test_delegation_demandee_approuvee_puis_revoquee(portail: Portail) -> None:
    """A asks B; B sees and approves it; both see it active; B revokes it."""
    a = connecte(portail)
    b = connecte(portail, EMAIL_B, SIRET_B)
    vide = a.get(ACCES)
    assert vide.text.count("Aucune donnée disponible dans le tableau") == 3
    reponse = demander(a)
    assert reponse.status_code == 303
    assert reponse.headers["location"] == ACCES
    page_a = texte(a.get(ACCES))
    assert "Votre demande est envoyée à l'organisme 552 081 317 00018" in page_a
    assert "CFA du Nord" in page_a
    assert "demandée (en attente de l'accord de l'organisme)" in page_a
    delegation = la_delegation(portail)
    assert delegation.statut is StatutDelegation.DEMANDEE
    assert [m.modele for m in portail.messages()][-1] == "delegation_demandee"
    # B decides.
    page_b = b.get(ACCES)
    assert f"{ACCES}/delegations/{delegation.id}/decision" in page_b.text
    assert "732 829 320 00074" in texte(page_b)
    approuvee = poster(
        b, f"{ACCES}/delegations/{delegation.id}/decision", {"decision": "approuver"}, page=ACCES
    )
    assert approuvee.status_code == 303
    assert "La délégation est accordée" in texte(b.get(ACCES))
    assert la_delegation(portail).statut is StatutDelegation.ACTIVE
    assert "Délégations accordées" in texte(b.get(ACCES))
    assert f"{ACCES}/delegations/{delegation.id}/revocation" in b.get(ACCES).text
    assert "<td>active</td>" in a.get(ACCES).text
    # B revokes.
    revoquee = poster(
        b,
        f"{ACCES}/delegations/{delegation.id}/revocation",
        {"motif": "Fin du partenariat"},
        page=ACCES,
    )
    assert revoquee.status_code == 303
    assert la_delegation(portail).statut is StatutDelegation.REVOQUEE
    assert "<td>révoquée</td>" in a.get(ACCES).text
    assert [m.modele for m in portail.messages()][-1] == "delegation_revoquee"


def test_le_demandeur_retire_sa_demande(portail: Portail) -> None:
    """The delegataire withdraws its pending request, with a reason."""
    a = connecte(portail)
    portail.organisme_connu(SIRET_B, EMAIL_B)
    demander(a)
    delegation = la_delegation(portail)
    assert "Retirer la demande" in a.get(ACCES).text
    reponse = poster(
        a,
        f"{ACCES}/delegations/{delegation.id}/revocation",
        {"motif": "Erreur de saisie"},
        page=ACCES,
    )
    assert reponse.status_code == 303
    assert la_delegation(portail).statut is StatutDelegation.REVOQUEE


def test_refus_d_une_demande_avec_son_motif(portail: Portail) -> None:
    """B refuses A's request: the reason is required, told beside the row's field."""
    a = connecte(portail)
    b = connecte(portail, EMAIL_B, SIRET_B)
    demander(a)
    delegation = la_delegation(portail)
    adresse = f"{ACCES}/delegations/{delegation.id}/decision"
    sans_motif = poster(b, adresse, {"decision": "refuser", "motif": " "}, page=ACCES)
    assert sans_motif.status_code == 422
    assert erreur_du_champ(sans_motif, f"motif-decision-{delegation.id}") == (
        "Motif : ce champ est obligatoire."
    )
    assert f'href="#motif-decision-{delegation.id}"' in sans_motif.text
    inconnue = poster(b, adresse, {"decision": "supprimer"}, page=ACCES)
    assert inconnue.status_code == 422
    assert "Choisissez d'approuver ou de refuser la demande." in texte(inconnue)
    assert la_delegation(portail).statut is StatutDelegation.DEMANDEE
    refus = poster(
        b, adresse, {"decision": "refuser", "motif": "Nous ne travaillons pas ensemble"}, page=ACCES
    )
    assert refus.status_code == 303
    assert "La demande de délégation est refusée" in texte(b.get(ACCES))
    assert la_delegation(portail).statut is StatutDelegation.REFUSEE
    assert "<td>refusée</td>" in a.get(ACCES).text
    dernier = portail.messages()[-1]
    assert (dernier.modele, dernier.contexte["motif"]) == (
        "delegation_refusee",
        "Nous ne travaillons pas ensemble",
    )


def test_la_revocation_demande_un_motif(portail: Portail) -> None:
    """Without a reason, the revocation is told beside that row's field."""
    a = connecte(portail)
    portail.organisme_connu(SIRET_B, EMAIL_B)
    demander(a)
    delegation = la_delegation(portail)
    reponse = poster(a, f"{ACCES}/delegations/{delegation.id}/revocation", {}, page=ACCES)
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, f"motif-revocation-{delegation.id}") == (
        "Motif : ce champ est obligatoire."
    )
    assert la_delegation(portail).statut is StatutDelegation.DEMANDEE


@pytest.mark.parametrize(
    ("siret", "nom", "champ", "message"),
    [
        (
            SIRET_C.numero,
            "CFA du Sud",
            "siret",
            "Aucun organisme actif n'est connu de l'OPCO avec ce numéro de SIRET.",
        ),
        (
            SIRET_A.numero,
            "Moi-même",
            "siret",
            "Vous ne pouvez pas ajouter votre propre organisme comme OF déléguant.",
        ),
        ("1234", "CFA du Nord", "siret", "SIRET « 1234 » : longueur incorrecte."),
        ("", "CFA du Nord", "siret", "Ce champ est obligatoire."),
        (SIRET_B.numero, "", "nom_etablissement", "Ce champ est obligatoire."),
        (
            SIRET_B.numero,
            "n" * 256,
            "nom_etablissement",
            "Nom de l'établissement : 255 caractères au plus.",
        ),
    ],
)
def test_ajouter_un_of_delegant_refuse_chaque_erreur(
    portail: Portail, siret: str, nom: str, champ: str, message: str
) -> None:
    """Each error of «Ajouter un OF déléguant» is told beside its field, input kept."""
    a = connecte(portail)
    portail.organisme_connu(SIRET_B, EMAIL_B)
    reponse = poster(
        a, f"{ACCES}/delegations", {"siret": siret, "nom_etablissement": nom}, page=ACCES
    )
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, champ) == message
    assert "Les comptes de l'organisme" in texte(reponse)  # the whole page again
    assert delegations(portail) == []


def test_une_delegation_en_vigueur_ne_se_demande_pas_deux_fois(portail: Portail) -> None:
    """A second request for the same delegant is a conflict beside the SIRET."""
    a = connecte(portail)
    portail.organisme_connu(SIRET_B, EMAIL_B)
    demander(a)
    reponse = demander(a)
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, "siret") == (
        "Une délégation de cet organisme est déjà demandée ou active."
    )


def test_idor_un_tiers_ne_decide_ni_ne_revoque_la_delegation_d_autres(portail: Portail) -> None:
    """C posts on A→B's delegation id: refused (403), nothing changes, nothing is listed."""
    a = connecte(portail)
    portail.organisme_connu(SIRET_B, EMAIL_B)
    c = connecte(portail, EMAIL_C, SIRET_C)
    demander(a)
    delegation = la_delegation(portail)
    assert str(delegation.id) not in c.get(ACCES).text
    assert "732 829 320 00074" not in texte(c.get(ACCES))
    for adresse, champs in (
        (f"{ACCES}/delegations/{delegation.id}/decision", {"decision": "approuver"}),
        (f"{ACCES}/delegations/{delegation.id}/revocation", {"motif": "Je prends la main"}),
    ):
        reponse = poster(c, adresse, champs, page=ACCES)
        assert reponse.status_code == 403
        assert "Accès refusé" in texte(reponse)
    assert la_delegation(portail).statut is StatutDelegation.DEMANDEE
    # The requester cannot approve its own request either.
    auto = poster(
        a, f"{ACCES}/delegations/{delegation.id}/decision", {"decision": "approuver"}, page=ACCES
    )
    assert auto.status_code == 403
    assert "Seul l'organisme déléguant" in texte(auto)
    assert la_delegation(portail).statut is StatutDelegation.DEMANDEE


def test_idor_une_delegation_active_ne_s_ouvre_qu_a_ses_deux_organismes(
    portail: Portail,
) -> None:
    """An active A→B delegation: C can neither revoke it nor see it; its files stay closed."""
    a = connecte(portail)
    b = connecte(portail, EMAIL_B, SIRET_B)
    c = connecte(portail, EMAIL_C, SIRET_C)
    demander(a)
    delegation = la_delegation(portail)
    poster(
        b, f"{ACCES}/delegations/{delegation.id}/decision", {"decision": "approuver"}, page=ACCES
    )
    reponse = poster(
        c, f"{ACCES}/delegations/{delegation.id}/revocation", {"motif": "x"}, page=ACCES
    )
    assert reponse.status_code == 403
    assert la_delegation(portail).statut is StatutDelegation.ACTIVE
    page_c = c.get(ACCES).text
    assert str(delegation.id) not in page_c
    assert page_c.count("Aucune donnée disponible dans le tableau") == 3


@pytest.mark.parametrize("action", ["decision", "revocation"])
def test_une_delegation_inconnue_est_introuvable(portail: Portail, action: str) -> None:
    """An unknown delegation id: 404; a malformed one: 404 too."""
    a = connecte(portail)
    inconnue = poster(
        a, f"{ACCES}/delegations/{uuid.uuid4()}/{action}", {"decision": "approuver"}, page=ACCES
    )
    assert inconnue.status_code == 404
    assert "Page introuvable" in texte(inconnue)
    mal_formee = poster(a, f"{ACCES}/delegations/pas-un-id/{action}", {}, page=ACCES)
    assert mal_formee.status_code == 404


def test_un_autre_organisme_ne_voit_pas_les_comptes(portail: Portail) -> None:
    """The accounts table lists the organisme's own accounts only, this one marked."""
    a = connecte(portail)
    connecte(portail, EMAIL_B, SIRET_B)
    page = texte(a.get(ACCES))
    assert f"{EMAIL_CFA} (vous)" in page
    assert EMAIL_B not in page


def test_inviter_un_collegue(portail: Portail) -> None:
    """The invitation mails a link; the account is listed as an invitation not accepted."""
    a = connecte(portail)
    reponse = poster(a, f"{ACCES}/invitations", {"email": "collegue@cfa-sante.fr"}, page=ACCES)
    assert reponse.status_code == 303
    page = texte(a.get(ACCES))
    assert "Un email vient d'être envoyé à collegue@cfa-sante.fr" in page
    assert "collegue@cfa-sante.fr" in page
    assert "invitation envoyée, pas encore acceptée" in page
    dernier = portail.messages()[-1]
    assert (dernier.modele, str(dernier.destinataire)) == ("invitation", "collegue@cfa-sante.fr")


def test_inviter_une_adresse_deja_prise_repond_pareil(portail: Portail) -> None:
    """An address that has an account: the same notice; its owner is told instead."""
    a = connecte(portail)
    portail.compte_actif(EMAIL_B, siret=SIRET_B)
    reponse = poster(a, f"{ACCES}/invitations", {"email": EMAIL_B}, page=ACCES)
    assert reponse.status_code == 303
    assert f"Un email vient d'être envoyé à {EMAIL_B}" in texte(a.get(ACCES))
    dernier = portail.messages()[-1]
    assert (dernier.modele, str(dernier.destinataire)) == ("compte_existant", EMAIL_B)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Ce champ est obligatoire."),
        ("collegue", "« collegue » n'est pas une adresse email valide."),
    ],
)
def test_inviter_refuse_une_adresse_invalide(portail: Portail, email: str, message: str) -> None:
    """A missing or malformed address is told beside the field."""
    a = connecte(portail)
    reponse = poster(a, f"{ACCES}/invitations", {"email": email}, page=ACCES)
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, "email") == message


# --- Fiche OF dématérialisée --------------------------------------------------------


def fiche_affichee(client: TestClient[Litestar]) -> dict[str, str]:
    """The values the sheet's form shows (text inputs and checked radios)."""
    page = client.get("/organisme/fiche").text
    valeurs = {
        nom: html.unescape(valeur)
        for nom, valeur in re.findall(
            r'<input id="[^"]+" name="([^"]+)" type="[^"]+" value="([^"]*)"', page
        )
    }
    valeurs.update(re.findall(r'name="([^"]+)" value="([^"]+)" checked', page))
    return valeurs


def test_la_fiche_of_est_remplie_et_se_modifie(portail: Portail) -> None:
    """The sheet shows the organisme's values; a change is saved and shown."""
    a = connecte(portail)
    valeurs = fiche_affichee(a)
    assert valeurs["raison_sociale"] == "CFA des Métiers de la Santé"
    assert valeurs["telephone"] == "01 49 68 10 10"
    assert valeurs["est_cfa"] == "oui"
    assert valeurs["but_lucratif"] == "non"
    assert valeurs["interlocuteur_civilite"] == "mme"
    assert valeurs["uai"] == "0751234J"
    assert "732 829 320 00074" in texte(a.get("/organisme/fiche"))
    nouvelles = valeurs | {
        "raison_sociale": "CFA Santé Île-de-France",
        "telephone": "01 40 00 00 01",
        "assujetti_tva": "oui",
        "interlocuteur_civilite": "m",
        "interlocuteur_prenom": "Paul",
        "interlocuteur_telephone": "",
        "commentaire": "Nouveaux locaux",
    }
    reponse = poster(a, "/organisme/fiche", nouvelles)
    assert reponse.status_code == 303, texte(reponse)
    page = a.get("/organisme/fiche")
    assert "La fiche de votre organisme est enregistrée." in texte(page)
    assert "Dernière mise à jour le" in texte(page)
    assert fiche_affichee(a) == nouvelles | {"interlocuteur_telephone": ""}
    with portail.contexte.uow() as uow:
        organisme = uow.organismes.obtenir(SIRET_A)
    assert organisme is not None
    assert organisme.fiche.telephone == Telephone("0140000001")
    assert organisme.fiche.assujetti_tva
    assert organisme.interlocuteur.telephone is None
    assert organisme.statut is StatutOrganisme.ACTIF


@pytest.mark.parametrize(
    ("changes", "champ", "message"),
    [
        ({"telephone": ""}, "telephone", "Téléphone : ce champ est obligatoire."),
        ({"uai": ""}, "uai", "N° UAI : ce champ est obligatoire pour un CFA."),
        ({"code_postal": "ABCDE"}, "code_postal", "Code postal « ABCDE » : 5 chiffres attendus."),
        ({"raison_sociale": ""}, "raison_sociale", "Ce champ est obligatoire."),
        ({"but_lucratif": ""}, "but_lucratif", "Ce champ est obligatoire."),
        (
            {"zone_intervention": "z" * 300},
            "zone_intervention",
            "Zone d'intervention : 255 caractères au plus.",
        ),
    ],
)
def test_la_fiche_of_refuse_chaque_erreur_a_cote_de_son_champ(
    portail: Portail, changes: dict[str, str], champ: str, message: str
) -> None:
    """Each error beside its field, the typed values kept; the sheet is unchanged."""
    a = connecte(portail)
    valeurs = fiche_affichee(a)
    reponse = poster(a, "/organisme/fiche", valeurs | {"ville": "Paris 11e"} | changes)
    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, champ) == message
    assert 'value="Paris 11e"' in reponse.text
    assert organismes.consulter_organisme(
        portail.contexte, _compte_id(portail)
    ).fiche.adresse.ville == ("Paris")


def _compte_id(portail: Portail, email: str = EMAIL_CFA) -> uuid.UUID:
    with portail.contexte.uow() as uow:
        compte = uow.comptes.par_email(Email(email))
    assert compte is not None
    return compte.id
