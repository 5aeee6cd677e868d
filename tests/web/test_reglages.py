"""The settings: read once from the environment, a bad value stops the start in one French line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cfa_web.settings import (
    CLE_DEMO,
    Opco,
    ReglageInvalide,
    reglages_depuis_environnement_web,
)

CLE = "k" * 40


def test_les_valeurs_par_defaut_hors_demo() -> None:
    """Without settings but the key: SQLite under var/, secure cookies, the guide's OPCO."""
    reglages = reglages_depuis_environnement_web({"CFA_SECRET_KEY": CLE})
    assert reglages.url_base_donnees == "sqlite:///var/cfa.sqlite3"
    assert reglages.cookies_securises is True
    assert reglages.demo is False
    assert reglages.dossier_documents == Path("var/documents")
    assert reglages.opco == Opco()
    assert reglages.opco.telephone == "04 13 68 00 15"
    assert reglages.inactivite == dt.timedelta(minutes=30)
    assert reglages.duree_max == dt.timedelta(hours=12)
    assert reglages.relais_mail is True


def test_chaque_reglage_est_lu() -> None:
    """Every documented variable reaches its setting."""
    reglages = reglages_depuis_environnement_web(
        {
            "CFA_SECRET_KEY": CLE,
            "CFA_DATABASE_URL": "postgresql://cfa@db/cfa",
            "CFA_SECURE_COOKIES": "non",
            "CFA_DOCUMENTS_DIR": "/srv/documents",
            "CFA_OPCO_NOM": "OPCO Exemple",
            "CFA_OPCO_TELEPHONE": "01 02 03 04 05",
            "CFA_OPCO_EMAIL": "crc@opco.example",
            "CFA_SESSION_INACTIVITE": "15",
            "CFA_SESSION_DUREE_MAX": "8",
            "CFA_LIMITE_FORMULAIRES": "5",
            "CFA_LIMITE_API": "120",
            "CFA_RELAIS_MAIL": "0",
            "CFA_SMTP_HOST": "smtp.opco.example",
        }
    )
    assert reglages.url_base_donnees == "postgresql+psycopg://cfa@db/cfa"
    assert reglages.cookies_securises is False
    assert reglages.dossier_documents == Path("/srv/documents")
    assert reglages.opco.nom == "OPCO Exemple"
    assert reglages.opco.telephone == "01 02 03 04 05"
    assert reglages.opco.email == "crc@opco.example"
    assert reglages.opco.adresse == Opco().adresse  # unset: the default
    assert reglages.inactivite == dt.timedelta(minutes=15)
    assert reglages.duree_max == dt.timedelta(hours=8)
    assert reglages.limite_formulaires == 5
    assert reglages.limite_api == 120
    assert reglages.relais_mail is False
    assert reglages.mail.smtp.hote == "smtp.opco.example"


def test_la_demo_n_exige_pas_de_cle_et_sert_en_http() -> None:
    """The demo runs with its public key on plain http."""
    reglages = reglages_depuis_environnement_web({}, demo=True)
    assert reglages.cle_secrete == CLE_DEMO
    assert reglages.cookies_securises is False
    assert reglages.demo is True
    assert reglages_depuis_environnement_web({"CFA_DEMO": "oui"}).demo is True


@pytest.mark.parametrize(
    ("environnement", "message"),
    [
        ({}, "CFA_SECRET_KEY : la clé secrète est obligatoire hors démonstration"),
        ({"CFA_SECRET_KEY": "court"}, "doit compter au moins 32 caractères (elle en a 5)"),
        ({"CFA_DEMO": "1", "CFA_SECURE_COOKIES": "1"}, "la clé de démonstration est publique"),
        ({"CFA_SECRET_KEY": CLE, "CFA_SECURE_COOKIES": "peut-être"}, "n'est ni 1 (oui) ni 0"),
        ({"CFA_SECRET_KEY": CLE, "CFA_DEMO": "2"}, "CFA_DEMO : « 2 » n'est ni 1"),
        (
            {"CFA_SECRET_KEY": CLE, "CFA_SESSION_INACTIVITE": "0"},
            "CFA_SESSION_INACTIVITE : « 0 » n'est pas un nombre entier positif.",
        ),
        (
            {"CFA_SECRET_KEY": CLE, "CFA_LIMITE_FORMULAIRES": "beaucoup"},
            "CFA_LIMITE_FORMULAIRES : « beaucoup » n'est pas un nombre entier positif.",
        ),
        (
            {"CFA_SECRET_KEY": CLE, "CFA_LIMITE_API": "-3"},
            "CFA_LIMITE_API : « -3 » n'est pas un nombre entier positif.",
        ),
        ({"CFA_SECRET_KEY": CLE, "CFA_SMTP_PORT": "vingt-cinq"}, "CFA_SMTP_PORT"),
    ],
)
def test_un_reglage_invalide_est_nomme_en_une_ligne(
    environnement: dict[str, str], message: str
) -> None:
    """Each bad value: one French line naming the variable."""
    with pytest.raises(ReglageInvalide) as erreur:
        reglages_depuis_environnement_web(environnement)
    assert message in str(erreur.value)
    assert "\n" not in str(erreur.value)
