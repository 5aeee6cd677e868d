"""Every endpoint of /api/v1, keys, isolation between organismes, problem+json errors."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from pypdf import PdfReader

from cfa_domain.errors import Panne, ServiceIndisponible
from cfa_domain.organisme import Delegation
from cfa_domain.remboursement import EtatDemande
from cfa_domain.services import actions, cles_api, demandes
from cfa_domain.services.demandes import Decision
from cfa_domain.testing import exemples
from web.conftest import EMAIL_AGENT, MOT_DE_PASSE, connecter

from .conftest import NUMERO_A, NUMERO_B, Monde, envoi, monde_sur

if TYPE_CHECKING:
    from collections.abc import Callable

PROBLEME = "application/problem+json"


def probleme(reponse: Any, statut: int, code: str) -> dict[str, Any]:
    """The problem+json body of ``reponse``, checked against its status and code."""
    assert reponse.status_code == statut, reponse.text
    assert reponse.headers["content-type"] == PROBLEME
    corps: dict[str, Any] = reponse.json()
    assert (corps["status"], corps["code"], corps["type"]) == (
        statut,
        code,
        f"/api/v1/problemes/{code}",
    )
    assert corps["errors"] == [{"code": code, "description": corps["detail"]}]
    return corps


def creer_modifiee(monde: Monde, modifier: Callable[[dict[str, Any]], object]) -> Any:
    """POST the valid request on A's file after ``modifier`` changed its JSON part."""
    champs, fichiers = envoi(monde)
    demande = json.loads(champs["demande"])
    modifier(demande)
    return monde.client.post(
        "/api/v1/demandes",
        data={"demande": json.dumps(demande)},
        files=fichiers,
        headers=monde.entetes(),
    )


def creer(monde: Monde, numero: str = NUMERO_A, cle: str | None = None, **options: Any) -> Any:
    """POST a request on ``numero`` with A's key (or ``cle``)."""
    champs, fichiers = envoi(monde, numero)
    entetes = {**monde.entetes(cle), **options.pop("entetes", {})}
    return monde.client.post(
        "/api/v1/demandes", data=champs, files=fichiers, headers=entetes, **options
    )


# --- Authentication -------------------------------------------------------------------


@pytest.mark.parametrize(
    "entete",
    [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer    "],
)
def test_sans_cle_bearer_401(monde: Monde, entete: str | None) -> None:
    """No bearer key: 401 with WWW-Authenticate, and no cookie is ever set by the API."""
    entetes = {} if entete is None else {"Authorization": entete}
    reponse = monde.client.get("/api/v1/dossiers", headers=entetes)
    probleme(reponse, 401, "authentification_requise")
    assert reponse.headers["www-authenticate"] == 'Bearer realm="api"'
    assert "set-cookie" not in reponse.headers


def test_cle_inconnue_alteree_ou_revoquee_401(monde: Monde) -> None:
    """Another secret, another id, a revoked key: the same 401 cle_api_invalide."""
    alteree = monde.cle_a[:-2] + ("AA" if not monde.cle_a.endswith("AA") else "BB")
    for cle in (alteree, f"cfa_{uuid.uuid4().hex}{monde.cle_a[36:]}", "n'importe quoi"):
        reponse = monde.client.get("/api/v1/dossiers", headers=monde.entetes(cle))
        corps = probleme(reponse, 401, "cle_api_invalide")
        assert corps["detail"] == "Clé d'API invalide ou révoquée."
    (cle_a,) = cles_api.lister_cles_api(monde.portail.contexte, monde.compte_a)
    cles_api.revoquer_cle_api(monde.portail.contexte, monde.agent, cle_a.id)
    probleme(monde.client.get("/api/v1/dossiers", headers=monde.entetes()), 401, "cle_api_invalide")
    # B's key is untouched.
    assert monde.client.get("/api/v1/dossiers", headers=monde.entetes(monde.cle_b)).is_success


def test_une_cle_expiree_401(monde: Monde) -> None:
    """A key past its life is refused as a revoked one."""
    ctx = monde.portail.contexte
    texte = cles_api.creer_cle_api(ctx, monde.compte_a, "ERP 30 jours", duree_jours=30).texte
    assert monde.client.get("/api/v1/dossiers", headers=monde.entetes(texte)).is_success
    monde.portail.horloge.avancer(dt.timedelta(days=30))
    reponse = monde.client.get("/api/v1/dossiers", headers=monde.entetes(texte))
    probleme(reponse, 401, "cle_api_invalide")
    assert monde.client.get("/api/v1/dossiers", headers=monde.entetes()).is_success


def test_une_session_n_appelle_pas_l_api_et_une_cle_n_ouvre_pas_de_page(monde: Monde) -> None:
    """A logged-in browser's cookie does not authenticate an API call; a key opens no page."""
    navigateur = monde.portail.client_neuf()
    connecter(navigateur, mot_de_passe=MOT_DE_PASSE)
    assert navigateur.get("/actions").status_code == 200
    probleme(navigateur.get("/api/v1/dossiers"), 401, "authentification_requise")
    page = monde.client.get("/actions", headers=monde.entetes(), follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/connexion?suite=/actions")


def test_la_derniere_utilisation_est_notee(monde: Monde) -> None:
    """A call records the key's last use (shown on the portal's page)."""
    avant = cles_api.lister_cles_api(monde.portail.contexte, monde.compte_a)[0]
    assert avant.derniere_utilisation is None
    monde.client.get("/api/v1/dossiers", headers=monde.entetes())
    apres = cles_api.lister_cles_api(monde.portail.contexte, monde.compte_a)[0]
    assert apres.derniere_utilisation == monde.portail.horloge.instant


def test_limite_par_cle_429_avec_retry_after(fabrique_portail: Any) -> None:
    """Past CFA_LIMITE_API calls in the minute, the key gets 429; another key does not."""
    monde = monde_sur(fabrique_portail(limite_api=2))
    for _ in range(2):
        assert monde.client.get("/api/v1/dossiers", headers=monde.entetes()).status_code == 200
    reponse = monde.client.get("/api/v1/dossiers", headers=monde.entetes())
    probleme(reponse, 429, "trop_de_requetes")
    assert reponse.headers["retry-after"] == "60"
    assert monde.client.get("/api/v1/dossiers", headers=monde.entetes(monde.cle_b)).is_success
    monde.portail.horloge.avancer(dt.timedelta(minutes=1))
    assert monde.client.get("/api/v1/dossiers", headers=monde.entetes()).status_code == 200


# --- Files ----------------------------------------------------------------------------


def test_recherche_des_dossiers_et_pagination(monde: Monde) -> None:
    """A's key sees A's files only; filters of the portal; pages with their links."""
    corps = monde.client.get("/api/v1/dossiers", headers=monde.entetes()).json()
    assert [d["numeroAction"] for d in corps["elements"]] == [NUMERO_A]
    (resume,) = corps["elements"]
    assert (resume["etat"], resume["etatPlateforme"], resume["totalRembourse"]) == (
        "ENGAGE",
        "en_cours",
        "0.00",
    )
    assert (corps["total"], corps["page"], corps["pages"]) == (1, 1, 1)
    seule = "/api/v1/dossiers?page=1"
    assert corps["liens"] == {
        "self": seule,
        "premier": seule,
        "dernier": seule,
        "precedent": None,
        "suivant": None,
    }
    for filtre, attendu in (({"nomApprenti": "Zzz"}, 0), ({"numeroAction": "2011303"}, 1)):
        trouve = monde.client.get("/api/v1/dossiers", params=filtre, headers=monde.entetes())
        assert trouve.json()["total"] == attendu
    # B delegates to A (approved by the OPCO): A's key now sees both, one per page.
    delegation = Delegation.demander(
        id=uuid.uuid4(),
        siret_delegant=exemples.SIRET_CFA_2,
        siret_delegataire=exemples.SIRET_CFA,
        nom_etablissement="CFA du Nord",
        demandee_par=monde.compte_a,
        quand=monde.portail.horloge.instant,
    )
    delegation.approuver(EMAIL_AGENT, monde.portail.horloge.instant)
    with monde.portail.contexte.uow() as uow:
        uow.delegations.ajouter(delegation)
        uow.commit()
    page1 = monde.client.get(
        "/api/v1/dossiers", params={"taille": 1}, headers=monde.entetes()
    ).json()
    assert (page1["total"], page1["pages"], page1["liens"]["suivant"]) == (
        2,
        2,
        "/api/v1/dossiers?taille=1&page=2",
    )
    page2 = monde.client.get(page1["liens"]["suivant"], headers=monde.entetes()).json()
    assert page2["liens"]["precedent"] == "/api/v1/dossiers?taille=1&page=1"
    assert [page1["elements"][0]["numeroAction"], page2["elements"][0]["numeroAction"]] == [
        NUMERO_A,
        NUMERO_B,
    ]


def test_detail_d_un_dossier_avec_son_echeancier(monde: Monde) -> None:
    """Budget lines and the schedule as the core computes them; the norm's fields."""
    ctx = monde.portail.contexte
    cree = creer(monde)
    assert cree.status_code == 201, cree.text
    montant = cree.json()["montantDemande"]
    corps = monde.client.get(f"/api/v1/dossiers/{NUMERO_A}", headers=monde.entetes()).json()
    detail = actions.consulter_action(ctx, monde.compte_a, NUMERO_A)
    assert (corps["numeroAction"], corps["etat"], corps["siretCfa"]) == (
        NUMERO_A,
        "ENGAGE",
        exemples.SIRET_CFA.numero,
    )
    assert corps["apprenti"] == {
        "nom": detail.action.contrat.apprenti.nom,
        "prenom": detail.action.contrat.apprenti.prenom,
    }
    assert [
        (e["numero"], e["codification"], Decimal(e["montantTotal"]), e["dateDebut"])
        for e in corps["echeances"]
    ] == [
        (e.numero, e.codification, e.montant.valeur, e.periode.debut.isoformat())
        for e in detail.echeancier.echeances
    ]
    premiere = corps["echeances"][0]
    assert (premiere["montantEnCoursInstruction"], premiere["montantRegle"]) == (montant, "0.00")
    assert all(e["montantEnCoursInstruction"] == "0.00" for e in corps["echeances"][1:])
    pedagogie = next(
        ligne for ligne in corps["lignesBudget"] if ligne["categorie"] == "frais_pedagogiques"
    )
    budget = detail.action.budget.frais_pedagogiques.valeur
    assert (Decimal(pedagogie["budget"]), pedagogie["consomme"]) == (budget, montant)
    assert Decimal(pedagogie["disponible"]) == budget - Decimal(montant)
    assert corps["demandes"] == [cree.json()["id"]]
    for valeur in (corps["totalRembourse"], corps["tropPercu"], premiere["montantTotal"]):
        assert isinstance(valeur, str)
        assert valeur.count(".") == 1
        assert len(valeur.split(".")[1]) == 2


def test_historique_d_un_dossier(monde: Monde) -> None:
    """The file's states in order, with the norm's codes."""
    corps = monde.client.get(
        f"/api/v1/dossiers/{NUMERO_A}/historique", headers=monde.entetes()
    ).json()
    assert [(e["depart"], e["arrivee"], e["etat"]) for e in corps["entrees"]] == [
        (None, "recu", "TRANSMIS"),
        ("recu", "en_instruction", "EN_COURS_INSTRUCTION"),
        ("en_instruction", "en_cours", "ENGAGE"),
    ]
    assert corps["entrees"][1]["motif"] == "dossier complet"
    dt.datetime.fromisoformat(corps["entrees"][0]["quand"])


# --- Requests -------------------------------------------------------------------------


def test_creer_lire_lister_annuler_une_demande_et_son_recepisse(monde: Monde) -> None:
    """The whole life of a request through the API, as the portal does it."""
    reponse = creer(monde)
    assert reponse.status_code == 201, reponse.text
    accuse = reponse.json()
    adresse = f"/api/v1/demandes/{accuse['id']}"
    assert reponse.headers["location"] == adresse
    assert accuse["referenceOpco"] == f"{NUMERO_A}-01"
    assert accuse["recepisse"] == f"{adresse}/recepisse"
    assert accuse["piecesFournies"] == ["facture", "certificat_realisation"]
    stockee = demandes.consulter_demande(
        monde.portail.contexte, monde.compte_a, uuid.UUID(accuse["id"])
    ).demande
    assert accuse["montantDemande"] == f"{stockee.total.valeur:.2f}"
    lue = monde.client.get(adresse, headers=monde.entetes()).json()
    assert (lue["etat"], lue["total"], lue["numeroAction"]) == (
        "soumise",
        accuse["montantDemande"],
        NUMERO_A,
    )
    assert lue["lignes"] == [{"categorie": "frais_pedagogiques", "montant": lue["total"]}]
    assert [p["type"] for p in lue["pieces"]] == ["facture", "certificat_realisation"]
    for piece, texte_attendu in zip(lue["pieces"], ("Facture", "Certificat"), strict=True):
        assert piece["contenu"].startswith("/api/v1/documents/")
        telecharge = monde.client.get(piece["contenu"], headers=monde.entetes())
        assert (telecharge.status_code, telecharge.headers["content-type"]) == (
            200,
            "application/pdf",
        )
        assert "attachment" in telecharge.headers["content-disposition"]
        lu = PdfReader(io.BytesIO(telecharge.content))
        assert lu.pages[0].extract_text().strip() == texte_attendu
    liste = monde.client.get("/api/v1/demandes", headers=monde.entetes()).json()
    assert [d["id"] for d in liste["elements"]] == [accuse["id"]]
    filtree = monde.client.get(
        "/api/v1/demandes", params={"etat": "payee"}, headers=monde.entetes()
    ).json()
    assert filtree["total"] == 0
    pdf = monde.client.get(accuse["recepisse"], headers=monde.entetes())
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF-")
    assert pdf.content == demandes.recepisse_pdf(
        monde.portail.contexte, monde.compte_a, uuid.UUID(accuse["id"])
    )
    annulee = monde.client.post(f"{adresse}/annulation", headers=monde.entetes())
    assert annulee.status_code == 200, annulee.text
    assert annulee.json()["etat"] == "annulee"
    corps = probleme(
        monde.client.post(f"{adresse}/annulation", headers=monde.entetes()),
        409,
        "transition_interdite",
    )
    assert (corps["agregat"], corps["depart"], corps["arrivee"]) == (
        "DEMANDE",
        "ANNULEE",
        "ANNULEE",
    )


def test_une_demande_en_traitement_ne_s_annule_plus(monde: Monde) -> None:
    """Once the OPCO processes it, the cancellation is a 409 with both states."""
    demande_id = creer(monde).json()["id"]
    demandes.traiter_demande(
        monde.portail.contexte, monde.agent, uuid.UUID(demande_id), Decision.PRENDRE_EN_TRAITEMENT
    )
    corps = probleme(
        monde.client.post(f"/api/v1/demandes/{demande_id}/annulation", headers=monde.entetes()),
        409,
        "transition_interdite",
    )
    assert corps["depart"] == EtatDemande.EN_TRAITEMENT.name


def test_idempotency_key(monde: Monde) -> None:
    """A replay answers the first request; another body under the same key is a 409."""
    entetes = {**monde.entetes(), "Idempotency-Key": "facture-2023-0042"}
    champs, fichiers = envoi(monde)
    premiere, rejouee = (
        monde.client.post("/api/v1/demandes", data=champs, files=fichiers, headers=entetes)
        for _ in range(2)
    )
    assert (premiere.status_code, rejouee.status_code) == (201, 201)
    assert rejouee.json() == premiere.json()
    liste = monde.client.get("/api/v1/demandes", headers=monde.entetes()).json()
    assert liste["total"] == 1
    champs, fichiers = envoi(monde, montant="1.00")
    autre = monde.client.post("/api/v1/demandes", data=champs, files=fichiers, headers=entetes)
    corps = probleme(autre, 409, "cle_idempotence_reutilisee")
    assert corps["cleIdempotence"] == "facture-2023-0042"


def test_une_regle_refuse_avec_son_code_et_ses_champs(monde: Monde) -> None:
    """The core's refusal: 422, its code, its typed fields; nothing is stored."""
    reponse = creer_modifiee(
        monde,
        lambda d: d.update(lignes=[{"natureLigne": "PREMIEREQUIPEMENT", "montant": "900.00"}]),
    )
    corps = probleme(reponse, 422, "plafond_premier_equipement_depasse")
    assert {c: corps[c] for c in ("champ", "demande", "autorise", "plafond", "deja")} == {
        "champ": "premier_equipement",
        "demande": "900.00",
        "autorise": "500.00",
        "plafond": "500.00",
        "deja": "0.00",
    }
    assert monde.client.get("/api/v1/demandes", headers=monde.entetes()).json()["total"] == 0


@pytest.mark.parametrize(
    ("demande", "champ"),
    [
        ("pas du json", "demande"),
        ('{"numeroAction": "2011303654"}', "demande"),
        (
            (
                '{"numeroAction": "2011303654", "dateDebut": "2023-09-01", '
                '"dateFin": "2023-10-01", '
                '"lignes": [{"natureLigne": "PEDAGOGIE", "montant": "12.345"}]}'
            ),
            "demande",
        ),
    ],
)
def test_une_facture_mal_formee_est_refusee(monde: Monde, demande: str, champ: str) -> None:
    """A JSON part that is no invoice: 422 on the field ``demande``."""
    _, fichiers = envoi(monde)
    reponse = monde.client.post(
        "/api/v1/demandes", data={"demande": demande}, files=fichiers, headers=monde.entetes()
    )
    assert probleme(reponse, 422, "donnee_invalide")["champ"] == champ


def test_sans_facture_la_piece_manque(monde: Monde) -> None:
    """The PDFs are the core's business: no invoice is its PieceManquante."""
    champs, _ = envoi(monde)
    reponse = monde.client.post(
        "/api/v1/demandes", files={"demande": (None, champs["demande"])}, headers=monde.entetes()
    )
    probleme(reponse, 422, "piece_manquante")


# --- A never reaches B ----------------------------------------------------------------


def test_la_cle_de_a_ne_lit_ni_n_ecrit_rien_de_b(monde: Monde) -> None:
    """Every id of B's (file, request, receipt) is a 404 for A's key, as an unknown id."""
    champs_b, fichiers_b = envoi(monde, NUMERO_B, compte=monde.compte_b)
    cree_b = monde.client.post(
        "/api/v1/demandes", data=champs_b, files=fichiers_b, headers=monde.entetes(monde.cle_b)
    )
    assert cree_b.status_code == 201
    id_b = demandes.lister_demandes(monde.portail.contexte, monde.compte_b).elements[0].id
    (document_b, *_) = demandes.consulter_demande(
        monde.portail.contexte, monde.compte_b, id_b
    ).demande.pieces
    inconnu = uuid.uuid4()
    for adresse in (
        f"/api/v1/documents/{document_b.document_id}",
        "/api/v1/documents/inconnu",
        f"/api/v1/dossiers/{NUMERO_B}",
        f"/api/v1/dossiers/{NUMERO_B}/historique",
        f"/api/v1/demandes/{id_b}",
        f"/api/v1/demandes/{id_b}/recepisse",
        f"/api/v1/demandes/{inconnu}",
    ):
        probleme(monde.client.get(adresse, headers=monde.entetes()), 404, "introuvable")
    probleme(
        monde.client.post(f"/api/v1/demandes/{id_b}/annulation", headers=monde.entetes()),
        404,
        "introuvable",
    )
    champs, fichiers = envoi(monde, NUMERO_B, compte=monde.compte_b)
    probleme(
        monde.client.post("/api/v1/demandes", data=champs, files=fichiers, headers=monde.entetes()),
        404,
        "introuvable",
    )
    assert monde.client.get("/api/v1/demandes", headers=monde.entetes()).json()["total"] == 0
    assert (
        demandes.consulter_demande(monde.portail.contexte, monde.compte_b, id_b).demande.etat
        is EtatDemande.SOUMISE
    )


# --- HTTP errors ----------------------------------------------------------------------


def test_erreurs_http_en_problem_json(monde: Monde) -> None:
    """Unknown address, wrong method, bad parameter: problem+json, never an HTML page."""
    probleme(monde.client.get("/api/v1/inconnue", headers=monde.entetes()), 404, "introuvable")
    probleme(
        monde.client.delete(f"/api/v1/dossiers/{NUMERO_A}", headers=monde.entetes()),
        405,
        "methode_non_autorisee",
    )
    for parametres in ({"page": "0"}, {"taille": "101"}, {"page": "x"}):
        reponse = monde.client.get("/api/v1/dossiers", params=parametres, headers=monde.entetes())
        probleme(reponse, 400, "requete_invalide")
    probleme(
        monde.client.get("/api/v1/demandes/pas-un-uuid", headers=monde.entetes()),
        404,
        "introuvable",
    )


def test_repas_et_nuitees_comptes_par_leur_quantite(monde: Monde) -> None:
    """RESTAURATION and HEBERGEMENT lines share the repas et nuitées line, counted apart."""
    reponse = creer_modifiee(
        monde,
        lambda d: d["lignes"].extend(
            [
                {"natureLigne": "RESTAURATION", "montant": "30.00", "quantite": 10},
                {"natureLigne": "HEBERGEMENT", "montant": "24,00", "quantite": 4},
            ]
        ),
    )
    assert reponse.status_code == 201, reponse.text
    lue = monde.client.get(f"/api/v1/demandes/{reponse.json()['id']}", headers=monde.entetes())
    corps = lue.json()
    assert (corps["nombreRepas"], corps["nombreNuitees"]) == (10, 4)
    assert {"categorie": "repas_nuitees", "montant": "54.00"} in corps["lignes"]


def test_une_panne_ou_une_erreur_inattendue_sans_trace(
    monde: Monde, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The infrastructure failing: 503 service_indisponible; a bug: 500, logged, no trace."""

    def panne(*_: object, **__: object) -> None:
        raise ServiceIndisponible(Panne.CONNEXION)

    monkeypatch.setattr(actions, "consulter_action", panne)
    corps = probleme(
        monde.client.get(f"/api/v1/dossiers/{NUMERO_A}", headers=monde.entetes()),
        503,
        "service_indisponible",
    )
    assert corps["panne"] == "CONNEXION"

    def bogue(*_: object, **__: object) -> None:
        msg = "secret interne"
        raise RuntimeError(msg)

    monkeypatch.setattr(actions, "consulter_action", bogue)
    reponse = monde.client.get(f"/api/v1/dossiers/{NUMERO_A}", headers=monde.entetes())
    corps = probleme(reponse, 500, "erreur_interne")
    assert "secret interne" not in reponse.text
    assert "erreur.inattendue GET /api/v1/dossiers/2011303654" in caplog.text


def test_une_periode_hors_contrat_donne_ses_dates(monde: Monde) -> None:
    """Typed date fields of an error come as ISO 8601 days."""
    reponse = creer_modifiee(
        monde, lambda d: d.update(dateDebut="2010-01-01", dateFin="2010-01-31")
    )
    corps = probleme(reponse, 422, "periode_hors_contrat")
    assert (corps["debut"], corps["fin"]) == ("2010-01-01", "2010-01-31")


def test_un_champ_qui_n_est_pas_de_l_utf8_est_une_requete_incorrecte(monde: Monde) -> None:
    """A multipart field that is not UTF-8 text: 400 requete_invalide, not a 500."""
    corps = (
        b'--limite\r\nContent-Disposition: form-data; name="demande"\r\n\r\n'
        b"\xfa\xfb\r\n--limite--\r\n"
    )
    reponse = monde.client.post(
        "/api/v1/demandes",
        content=corps,
        headers={**monde.entetes(), "content-type": "multipart/form-data; boundary=limite"},
    )
    probleme(reponse, 400, "requete_invalide")
