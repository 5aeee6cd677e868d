"""Settings of the mail adapter: defaults, environment variables, refusals in French."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cfa_adapters.mail.reglages import (
    ParametresRelais,
    ParametresSmtp,
    ReglageInvalide,
    Securite,
    reglages_depuis_environnement,
)


def test_sans_variable_les_valeurs_par_defaut() -> None:
    """No variable: no SMTP host (``.eml`` files under var/mail), STARTTLS port 587."""
    reglages = reglages_depuis_environnement({})
    assert reglages.smtp.hote is None
    assert reglages.smtp.dossier_eml == Path("var/mail")
    assert (reglages.smtp.securite, reglages.smtp.port_effectif) == (Securite.STARTTLS, 587)
    assert reglages.mail.url_base == "http://localhost:8000"
    assert reglages.mail.domaine == "cfa.localhost"


def test_variables_lues() -> None:
    """Every documented variable reaches its setting, converted."""
    reglages = reglages_depuis_environnement(
        {
            "CFA_URL_BASE": "https://cfa.example/",
            "CFA_MAIL_EXPEDITEUR": "OPCO <noreply@opco.example>",
            "CFA_FUSEAU_HORAIRE": "America/Cayenne",
            "CFA_SMTP_HOST": "smtp.opco.example",
            "CFA_SMTP_SECURITE": "tls",
            "CFA_SMTP_UTILISATEUR": "relais",
            "CFA_SMTP_MOT_DE_PASSE": "secret",
            "CFA_SMTP_DELAI": "12.5",
            "CFA_SMTP_CERTIFICATS_CA": "/etc/ca.pem",
            "CFA_MAIL_DOSSIER": "/srv/mail",
            "CFA_RELAIS_LOT": "20",
            "CFA_RELAIS_TENTATIVES": "4",
            "CFA_RELAIS_ATTENTE": "2",
            "CFA_RELAIS_INTERVALLE": "0.5",
            "CFA_RELAIS_BAIL": "90",
        }
    )
    assert reglages.mail.url_base == "https://cfa.example"
    assert reglages.mail.domaine == "opco.example"
    assert reglages.mail.fuseau_horaire == "America/Cayenne"
    smtp = reglages.smtp
    assert (smtp.hote, smtp.securite, smtp.port_effectif) == (
        "smtp.opco.example",
        Securite.TLS,
        465,
    )
    assert (smtp.utilisateur, smtp.mot_de_passe, smtp.delai) == ("relais", "secret", 12.5)
    assert (smtp.certificats_ca, smtp.dossier_eml) == (Path("/etc/ca.pem"), Path("/srv/mail"))
    assert "secret" not in repr(smtp)
    relais = reglages.relais
    assert (relais.taille_lot, relais.tentatives_max, relais.intervalle) == (20, 4, 0.5)
    assert (relais.attente_base, relais.bail) == (
        dt.timedelta(seconds=2),
        dt.timedelta(minutes=1.5),
    )
    assert ParametresSmtp(securite=Securite.AUCUNE).port_effectif == 25
    assert ParametresSmtp(port=2525).port_effectif == 2525


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"CFA_SMTP_PORT": "abc"}, "CFA_SMTP_PORT : « abc » n'est pas un numéro de port."),
        ({"CFA_SMTP_PORT": "70000"}, "Port SMTP invalide : 70000 (de 1 à 65535)."),
        ({"CFA_SMTP_SECURITE": "ssl"}, "CFA_SMTP_SECURITE : « ssl » n'est pas aucune, starttls"),
        ({"CFA_SMTP_UTILISATEUR": "relais"}, "donnez l'utilisateur et le mot de passe, ou aucun"),
        ({"CFA_RELAIS_LOT": "0"}, "taille_lot : une valeur strictement positive est attendue."),
        ({"CFA_SMTP_DELAI": "-1"}, "delai : une valeur strictement positive est attendue."),
        ({"CFA_URL_BASE": "ftp://x"}, "URL de base invalide"),
    ],
)
def test_valeur_invalide_une_ligne_en_francais(variables: dict[str, str], message: str) -> None:
    """A bad value is refused with one French line naming it."""
    with pytest.raises(ReglageInvalide) as erreur:
        reglages_depuis_environnement(variables)
    assert message in str(erreur.value)
    assert "\n" not in str(erreur.value)


def test_attente_exponentielle_avec_gigue() -> None:
    """Base, doubled per failure, capped; the jitter keeps it within [50 %, 100 %]."""
    relais = ParametresRelais(
        attente_base=dt.timedelta(seconds=10), attente_max=dt.timedelta(seconds=100)
    )
    assert relais.attente(1, 0.999999).total_seconds() == pytest.approx(10, rel=1e-5)
    assert relais.attente(1, 0.0) == dt.timedelta(seconds=5)
    assert relais.attente(3, 0.0) == dt.timedelta(seconds=20)
    assert relais.attente(5, 0.5) == dt.timedelta(seconds=75)  # capped at 100 s
    assert relais.attente(500, 0.0) == dt.timedelta(seconds=50)
    with pytest.raises(ReglageInvalide, match="nombre attendu"):
        ParametresRelais(taille_lot="3")  # type: ignore[arg-type]
