"""Settings of the web application, read from the environment once and validated at start.

Every ``CFA_*`` variable is listed in the README ("Serving the portal"). A bad value stops
the start with one French line (:class:`ReglageInvalide`) and exit status 2; the settings
are then passed down, never re-read.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from cfa_adapters.files.entrepot import racine_depuis_environnement
from cfa_adapters.mail.reglages import ReglageInvalide, Reglages, reglages_depuis_environnement
from cfa_adapters.sql.moteur import url_depuis_environnement

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Opco", "ReglageInvalide", "ReglagesWeb", "reglages_depuis_environnement_web"]

LONGUEUR_MIN_CLE = 32
"""Fewest characters of ``CFA_SECRET_KEY`` (it signs the CSRF tokens)."""
CLE_DEMO = "cle-de-demonstration-jamais-en-production-0123456789"
"""The secret of the demo mode only: it is public, so the demo refuses ``CFA_SECURE_COOKIES``."""

_VRAI = {"1", "oui", "true", "yes", "on"}
_FAUX = {"0", "non", "false", "no", "off"}


@attrs.frozen
class Opco:
    """The OPCO that runs the platform: its name and the contact details of the footer."""

    nom: str = "OPCO Santé"
    centre_relation_client: str = "Centre de Relation Client"
    telephone: str = "04 13 68 00 15"
    email: str = "centrerelationclient@opco-sante.fr"
    horaires: str = "du lundi au vendredi, de 9 h à 17 h"
    adresse: str = "Siège national : 31, rue Anatole France, 92300 Levallois-Perret"
    telephone_siege: str = "01 49 68 10 10"
    site: str = "https://www.opco-sante.fr"


@attrs.frozen
class ReglagesWeb:
    """Everything the web application needs from its deployment."""

    url_base_donnees: str
    """The database (``CFA_DATABASE_URL``; the embedded SQLite file by default)."""
    cle_secrete: str = attrs.field(repr=False)
    demo: bool = False
    """The demo mode: demo data loaded on first start, their credentials printed."""
    cookies_securises: bool = True
    """``Secure`` on the session and CSRF cookies: off only for plain local http."""
    dossier_documents: Path = Path("var/documents")
    opco: Opco = attrs.Factory(Opco)
    mail: Reglages = attrs.Factory(Reglages)
    inactivite: dt.timedelta = dt.timedelta(minutes=30)
    """A session unused this long ends (``CFA_SESSION_INACTIVITE``, in minutes)."""
    duree_max: dt.timedelta = dt.timedelta(hours=12)
    """A session ends this long after its login, used or not (``CFA_SESSION_DUREE_MAX``, h)."""
    limite_formulaires: int = 20
    """Anonymous forms (login, SIRET check, account creation, forgotten password) one
    address may post per :attr:`fenetre_limite` (``CFA_LIMITE_FORMULAIRES``)."""
    fenetre_limite: dt.timedelta = dt.timedelta(minutes=15)
    limite_api: int = 600
    """Calls of the JSON API one key may make per :attr:`fenetre_api` (``CFA_LIMITE_API``)."""
    fenetre_api: dt.timedelta = dt.timedelta(minutes=1)
    relais_mail: bool = True
    """Run the mail relay as a background task of each worker (``CFA_RELAIS_MAIL``)."""


def _texte(env: Mapping[str, str], nom: str) -> str | None:
    valeur = env.get(nom, "").strip()
    return valeur or None


def _booleen(env: Mapping[str, str], nom: str, *, defaut: bool) -> bool:
    texte = _texte(env, nom)
    if texte is None:
        return defaut
    if texte.lower() in _VRAI:
        return True
    if texte.lower() in _FAUX:
        return False
    raise ReglageInvalide(f"{nom} : « {texte} » n'est ni 1 (oui) ni 0 (non).")


def _entier_positif(env: Mapping[str, str], nom: str, defaut: int) -> int:
    texte = _texte(env, nom)
    if texte is None:
        return defaut
    try:
        valeur = int(texte)
    except ValueError:
        valeur = 0
    if valeur <= 0:
        raise ReglageInvalide(f"{nom} : « {texte} » n'est pas un nombre entier positif.")
    return valeur


def _lire_opco(env: Mapping[str, str]) -> Opco:
    champs = {
        "nom": "CFA_OPCO_NOM",
        "centre_relation_client": "CFA_OPCO_CENTRE",
        "telephone": "CFA_OPCO_TELEPHONE",
        "email": "CFA_OPCO_EMAIL",
        "horaires": "CFA_OPCO_HORAIRES",
        "adresse": "CFA_OPCO_ADRESSE",
        "telephone_siege": "CFA_OPCO_TELEPHONE_SIEGE",
        "site": "CFA_OPCO_SITE",
    }
    valeurs = {champ: _texte(env, variable) for champ, variable in champs.items()}
    return Opco(**{k: v for k, v in valeurs.items() if v is not None})


def reglages_depuis_environnement_web(
    environ: Mapping[str, str] | None = None, *, demo: bool | None = None
) -> ReglagesWeb:
    """Read and check the ``CFA_*`` variables.

    ``demo`` (``CFA_DEMO`` when None) allows running without ``CFA_SECRET_KEY`` (a public
    demo key is used) and defaults the cookies to plain http for http://127.0.0.1:8000.

    Raises:
        ReglageInvalide: a value that cannot be used, named in one French line.
    """
    env = os.environ if environ is None else environ
    en_demo = _booleen(env, "CFA_DEMO", defaut=False) if demo is None else demo
    cle = _texte(env, "CFA_SECRET_KEY")
    if cle is None:
        if not en_demo:
            raise ReglageInvalide(
                "CFA_SECRET_KEY : la clé secrète est obligatoire hors démonstration "
                f"(au moins {LONGUEUR_MIN_CLE} caractères aléatoires, par exemple "
                "« python3 -c 'import secrets; print(secrets.token_urlsafe(48))' »)."
            )
        cle = CLE_DEMO
    elif len(cle) < LONGUEUR_MIN_CLE:
        raise ReglageInvalide(
            f"CFA_SECRET_KEY : la clé secrète doit compter au moins {LONGUEUR_MIN_CLE} "
            f"caractères (elle en a {len(cle)})."
        )
    cookies_securises = _booleen(env, "CFA_SECURE_COOKIES", defaut=not en_demo)
    if cookies_securises and cle == CLE_DEMO:
        raise ReglageInvalide(
            "CFA_SECURE_COOKIES : la clé de démonstration est publique ; "
            "donnez une CFA_SECRET_KEY pour servir en https."
        )
    return ReglagesWeb(
        url_base_donnees=url_depuis_environnement(env),
        cle_secrete=cle,
        demo=en_demo,
        cookies_securises=cookies_securises,
        dossier_documents=racine_depuis_environnement(env),
        opco=_lire_opco(env),
        mail=reglages_depuis_environnement(env),
        inactivite=dt.timedelta(minutes=_entier_positif(env, "CFA_SESSION_INACTIVITE", 30)),
        duree_max=dt.timedelta(hours=_entier_positif(env, "CFA_SESSION_DUREE_MAX", 12)),
        limite_formulaires=_entier_positif(env, "CFA_LIMITE_FORMULAIRES", 20),
        limite_api=_entier_positif(env, "CFA_LIMITE_API", 600),
        relais_mail=_booleen(env, "CFA_RELAIS_MAIL", defaut=True),
    )
