"""The skeleton every page stands on: French formats, forms, guards, error table, pages, reset."""

from __future__ import annotations

import asyncio
import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar import get
from litestar.testing import TestClient

from cfa_domain.action import EtatDossier
from cfa_domain.compte import POLITIQUE_GUIDE, Compte, PolitiqueMotDePasse
from cfa_domain.errors import (
    Agregat,
    BudgetDepasse,
    Introuvable,
    Panne,
    ServiceIndisponible,
    SessionInvalide,
)
from cfa_domain.values import Categorie, Email, Montant
from cfa_web import forms
from cfa_web.app import app_depuis_environnement
from cfa_web.auth import MiddlewareCompte, exiger_agent
from cfa_web.formats import date_fr, filtres, montant_fr, nombre_fr, regles_mot_de_passe
from cfa_web.portail.pages import DESCRIPTIONS_ETATS

from .conftest import EMAIL_CFA, Portail, connecter, poster, texte

if TYPE_CHECKING:
    from pathlib import Path


# --- French formats ------------------------------------------------------------------------


def test_montants_dates_et_nombres_a_la_francaise() -> None:
    """Babel's French: narrow no-break space for thousands, comma for cents, dd/mm/yyyy."""
    assert montant_fr(Montant("26247")) == "26\u202f247,00\xa0€"
    assert montant_fr(Decimal("0.5")) == "0,50\xa0€"
    assert montant_fr(None) == ""
    assert date_fr(dt.date(2020, 8, 21)) == "21/08/2020"
    assert date_fr(dt.datetime(2020, 8, 21, 23, 0, tzinfo=dt.UTC)) == "21/08/2020"
    assert date_fr(None) == ""
    assert nombre_fr(20000) == "20\u202f000"
    assert nombre_fr(None) == ""


@settings(max_examples=500)
@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**15, min_value=-(10**15)
    )
    | st.decimals(allow_nan=False, allow_infinity=False, max_value=10**12, min_value=-(10**12))
)
def test_montant_ecrit_comme_babel(valeur: Decimal) -> None:
    """The amounts' own formatting writes Babel's fr_FR text, to the rounding and the sign."""
    assert montant_fr(valeur) == format_currency(valeur, "EUR", locale="fr_FR")


@given(st.dates(), st.datetimes(timezones=st.just(dt.UTC)))
def test_dates_et_instants_ecrits_comme_babel(jour: dt.date, instant: dt.datetime) -> None:
    """Dates and instants are Babel's fr_FR patterns, to the padding of the year."""
    assert date_fr(jour) == format_date(jour, "dd/MM/yyyy", locale="fr_FR")
    paris = instant.astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
    attendu = format_datetime(paris, "dd/MM/yyyy 'à' HH:mm", locale="fr_FR")
    assert filtres("Europe/Paris")["instant"](instant) == attendu


def test_instants_dans_le_fuseau_de_l_opco_et_libelles() -> None:
    """An instant reads in Paris time (summer: UTC+2); enums read their French label."""
    f = filtres("Europe/Paris")
    assert f["instant"](dt.datetime(2020, 8, 21, 12, 5, tzinfo=dt.UTC)) == "21/08/2020 à 14:05"
    assert f["instant"](None) == ""
    assert f["libelle"](EtatDossier.EN_INSTRUCTION) == "en instruction"
    assert f["libelle"](Categorie.FRAIS_DIVERS) == Categorie.FRAIS_DIVERS.libelle
    assert f["libelle"](None) == ""
    assert f["libelle"]("texte") == "texte"


def test_regles_du_mot_de_passe_affichees_selon_la_politique() -> None:
    """The rules shown follow the configured policy, not a text written in the template."""
    assert [c for c, _ in regles_mot_de_passe(PolitiqueMotDePasse())] == [
        "longueur",
        "minuscule",
        "majuscule",
        "courant",
    ]
    assert regles_mot_de_passe(PolitiqueMotDePasse())[0][1] == "au moins 12 caractères"
    guide = regles_mot_de_passe(POLITIQUE_GUIDE)
    assert guide[0][1] == f"au moins {POLITIQUE_GUIDE.longueur_min} caractères"
    souple = PolitiqueMotDePasse(
        exige_minuscule=False, exige_majuscule=False, refuser_courants=False
    )
    assert regles_mot_de_passe(souple) == [("longueur", "au moins 12 caractères")]


# --- Forms -----------------------------------------------------------------------------


@attrs.frozen
class _Champs:
    nom: str
    montant: Montant
    repas: int
    debut: dt.date
    accepte: bool = False
    commentaire: str | None = None


def test_un_formulaire_se_structure_a_la_francaise() -> None:
    """French decimals with spaces, French dates, checkbox, stripped text, blank is missing."""
    lu = forms.lire(
        _Champs,
        {
            "nom": "  Dupont ",
            "montant": "1 234,50 €",
            "repas": "12",
            "debut": "01/09/2023",
            "accepte": "on",
            "commentaire": "   ",
            "_csrf_token": "x",
        },
    )
    assert lu == _Champs("Dupont", Montant("1234.50"), 12, dt.date(2023, 9, 1), accepte=True)
    assert forms.lire(
        _Champs, {"nom": "a", "montant": "1", "repas": "0", "debut": "2023-09-01"}
    ).debut == dt.date(2023, 9, 1)


def test_chaque_champ_refuse_a_son_message_en_francais() -> None:
    """Missing, a float-looking amount with too many decimals, a non-integer, a bad date."""
    with pytest.raises(forms.FormulaireInvalide) as refus:
        forms.lire(
            _Champs,
            {"montant": "12,345", "repas": "-3", "debut": "31/02/2024", "mot_de_passe": "secret"},
        )
    f = refus.value.formulaire
    assert f.erreurs["nom"] == forms.OBLIGATOIRE
    assert "montant" in f.erreurs
    assert f.erreurs["repas"] == "Saisissez un nombre entier positif."
    assert f.erreurs["debut"] == "Saisissez une date au format jj/mm/aaaa."
    assert f.en_erreur
    assert f.valeur("montant") == "12,345"  # kept as typed
    assert "mot_de_passe" not in f.valeurs  # never shown again


def test_traiter_met_l_erreur_du_cas_d_usage_pres_de_son_champ() -> None:
    """A form-level domain error goes beside its (renamed) field; a 404 propagates."""

    def refuser() -> None:
        raise BudgetDepasse(Categorie.FRAIS_DIVERS, Montant(500), Montant(450))

    with pytest.raises(forms.FormulaireInvalide) as refus:
        forms.traiter({"montant_divers": "500"}, refuser, champs={"frais_divers": "montant_divers"})
    assert "450,00" in refus.value.formulaire.erreurs["montant_divers"]
    assert refus.value.formulaire.valeur("montant_divers") == "500"

    def introuvable() -> None:
        raise Introuvable(Agregat.DOSSIER, "123")

    with pytest.raises(Introuvable):
        forms.traiter({}, introuvable)


def test_une_erreur_sans_champ_va_dans_le_resume() -> None:
    """An error naming no field, or a field already in error, is listed at the top."""
    f = forms.Formulaire()
    f.ajouter(None, "général")
    f.ajouter("a", "premier")
    f.ajouter("a", "second")
    assert f.erreurs == {"a": "premier"}
    assert f.generales == ["général", "second"]


# --- Guards, error table ---------------------------------------------------------------


def _agent(portail: Portail) -> None:
    with portail.contexte.uow() as uow:
        uow.comptes.ajouter(
            Compte.ouvrir_agent(
                id=portail.contexte.jetons.identifiant(),
                email=Email("conseiller@opco.example"),
                mot_de_passe="Instruction-des-dossiers-2023",
                quand=portail.contexte.maintenant(),
                hasher=portail.contexte.hacheur,
                auteur="test",
            )
        )
        uow.commit()


def test_un_agent_n_ouvre_pas_le_portail_des_cfa_ni_un_cfa_le_back_office(
    fabrique_portail: Any,
) -> None:
    """Each role has its own guard: 403 in French for the other one."""
    portail: Portail = fabrique_portail()

    @get("/reserve-aux-agents", guards=[exiger_agent], sync_to_thread=False)
    def reserve() -> str:
        return "ok"

    portail.app.register(reserve)
    _agent(portail)
    agent = portail.client_neuf()
    connecter(agent, "conseiller@opco.example", "Instruction-des-dossiers-2023")
    refus = agent.get("/")
    assert refus.status_code == 403
    assert "réservée aux comptes des organismes" in texte(refus)
    assert agent.get("/reserve-aux-agents").text == "ok"
    portail.compte_actif()
    connecter(portail.client)
    refus = portail.client.get("/reserve-aux-agents")
    assert refus.status_code == 403
    assert "réservée aux conseillers de l'OPCO" in texte(refus)


@pytest.mark.parametrize(
    ("erreur", "statut", "message"),
    [
        (ServiceIndisponible(Panne.CONNEXION), 503, "temporairement indisponible"),
        (Introuvable(Agregat.DOSSIER, "42"), 404, "42"),
    ],
)
def test_les_erreurs_du_domaine_ont_leur_page(
    fabrique_portail: Any,
    erreur: Exception,
    statut: int,
    message: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A domain error that is no form error gets its status and a French page."""
    portail: Portail = fabrique_portail()

    @get("/erreur-de-test", sync_to_thread=False)
    def echoue() -> str:
        raise erreur

    portail.app.register(echoue)
    reponse = portail.client.get("/erreur-de-test")
    assert reponse.status_code == statut
    assert message in texte(reponse)
    # An outage is logged for the operators; a missing file is the user's business.
    assert ("erreur.panne service_indisponible" in caplog.text) is (statut == 503)


def test_une_session_invalide_renvoie_a_la_connexion(portail: Portail) -> None:
    """SessionInvalide from a use case: the session is cleared, back to the login page."""

    @get("/session-de-test", sync_to_thread=False)
    def perimee() -> str:
        raise SessionInvalide

    portail.app.register(perimee)
    portail.compte_actif()
    connecter(portail.client)
    reponse = portail.client.get("/session-de-test", follow_redirects=False)
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/connexion?suite=/session-de-test"
    assert portail.client.get("/", follow_redirects=False).status_code == 303


def test_une_session_aux_donnees_alterees_n_ouvre_rien(portail: Portail) -> None:
    """Stored session data that do not read back are a logged-out visitor."""
    portail.compte_actif()
    connecter(portail.client)
    cle = portail.client.cookies.get("cfa_session")
    assert cle
    from cfa_adapters.sql.magasin import MagasinSql  # noqa: PLC0415

    MagasinSql(portail.moteur).ecrire(cle, b'{"compte": "pas-un-uuid"}', None)
    assert portail.client.get("/", follow_redirects=False).status_code == 303


def test_le_middleware_laisse_passer_ce_qui_n_est_pas_http() -> None:
    """A lifespan or websocket scope goes through untouched."""
    vus: list[str] = []

    async def application(scope: Any, _recevoir: Any, _envoyer: Any) -> None:
        vus.append(scope["type"])

    async def rien() -> Any:
        return {}

    asyncio.run(MiddlewareCompte(application)({"type": "websocket"}, rien, rien))  # type: ignore[arg-type]
    assert vus == ["websocket"]


# --- Pages and the reset link ------------------------------------------------------------


def test_contact_glossaire_et_mentions(portail: Portail) -> None:
    """The contact page asks for the action number; the glossary describes every state."""
    contact = texte(portail.client.get("/contact"))
    assert "Indiquez toujours le numéro de l'action" in contact
    assert "04 13 68 00 15" in contact
    glossaire = texte(portail.client.get("/glossaire"))
    assert set(DESCRIPTIONS_ETATS) == set(EtatDossier)
    for etat, description in DESCRIPTIONS_ETATS.items():
        assert f"Dossier « {etat.libelle} »" in glossaire
        assert description in glossaire
    assert "Données personnelles" in texte(portail.client.get("/mentions-legales"))


def test_mot_de_passe_oublie_puis_lien_de_reinitialisation(portail: Portail) -> None:
    """The reset mail's link sets a new password once; then the login takes it."""
    portail.compte_actif()
    reponse = poster(portail.client, "/mot-de-passe/oublie", {"email": EMAIL_CFA})
    assert reponse.headers["location"] == "/connexion"
    assert "un lien pour choisir un nouveau mot de passe" in texte(portail.client.get("/connexion"))
    jeton = portail.dernier_lien("reinitialisation_mot_de_passe")
    adresse = f"/mot-de-passe/reinitialisation/{jeton}"
    differents = poster(
        portail.client,
        adresse,
        {
            "nouveau_mot_de_passe": "Nouveau-secret-2024",
            "confirmation_nouveau_mot_de_passe": "Autre-2024",
        },
    )
    assert differents.status_code == 422
    assert "confirmation_nouveau_mot_de_passe" in differents.text
    faible = poster(
        portail.client,
        adresse,
        {"nouveau_mot_de_passe": "court", "confirmation_nouveau_mot_de_passe": "court"},
    )
    assert faible.status_code == 422
    assert "Il y a un problème" in texte(faible)
    nouveau = "Nouveau-secret-2024"
    fait = poster(
        portail.client,
        adresse,
        {"nouveau_mot_de_passe": nouveau, "confirmation_nouveau_mot_de_passe": nouveau},
    )
    assert fait.status_code == 303
    assert "Votre mot de passe a été changé" in texte(portail.client.get("/connexion"))
    deja = poster(
        portail.client,
        adresse,
        {"nouveau_mot_de_passe": nouveau + "x", "confirmation_nouveau_mot_de_passe": nouveau + "x"},
    )
    assert deja.status_code == 422  # the link worked once
    connecter(portail.client, EMAIL_CFA, nouveau)
    assert portail.client.get("/connexion", follow_redirects=False).status_code == 303


def test_mot_de_passe_oublie_meme_reponse_et_adresse_malformee(portail: Portail) -> None:
    """Known and unknown addresses get the same redirect; a malformed one its field error."""
    portail.compte_actif()
    connu = poster(portail.client, "/mot-de-passe/oublie", {"email": EMAIL_CFA})
    inconnu = poster(portail.client_neuf(), "/mot-de-passe/oublie", {"email": "x@example.org"})
    assert (connu.status_code, connu.headers["location"]) == (303, "/connexion")
    assert (inconnu.status_code, inconnu.headers["location"]) == (303, "/connexion")
    malforme = poster(portail.client, "/mot-de-passe/oublie", {"email": "pas une adresse"})
    assert malforme.status_code == 422
    assert 'aria-invalid="true"' in malforme.text


def test_l_application_des_reglages_de_l_environnement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uvicorn's factory: the production adapters of the settings, relay running and stopped."""
    monkeypatch.chdir(tmp_path)
    for variable in ("CFA_SECRET_KEY", "CFA_DATABASE_URL", "CFA_URL_BASE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("CFA_DEMO", "1")
    with TestClient(app_depuis_environnement()) as client:
        assert client.get("/connexion").status_code == 200
    assert (tmp_path / "var" / "cfa.sqlite3").is_file()
