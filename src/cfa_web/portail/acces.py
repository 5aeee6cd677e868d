"""Accéder à la plateforme: login, logout, forgotten password and its reset link.

The sign-up path (SIRET check, account creation, activation, the organisme's sheet) and
the invitations live in their own module (``portail/inscription.py``).
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Final

import attrs
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from cfa_domain.compte import Role
from cfa_domain.errors import IdentifiantsInvalides
from cfa_domain.services import acces
from cfa_web import forms
from cfa_web.auth import RENOUVELER, ouvrir_session
from cfa_web.errors import message_affiche
from cfa_web.limites import limiter
from cfa_web.portail._commun import (
    contexte,
    notifier,
    reponse_formulaire,
    suite_sure,
)

__all__ = ["DUREE_MOT_DE_PASSE_OUBLIE", "ROUTES", "ChampsConnexion", "tenter_connexion"]

Formulaire = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

DUREE_MOT_DE_PASSE_OUBLIE: Final = 0.75
"""Seconds the "Mot de passe oublié" form always takes to answer: whether an account
exists must not show in the response time either (the two paths of the use case cost
about the same; this evens out the rest)."""
ENVOI_LIEN: Final = (
    "Si un compte actif utilise cette adresse, un lien pour choisir un nouveau mot de passe "
    "vient de lui être envoyé. Pensez à vérifier vos courriers indésirables."
)


@attrs.frozen
class ChampsConnexion:
    """The login form."""

    email: str
    mot_de_passe: str


@attrs.frozen
class ChampsEmail:
    """The forgotten-password form."""

    email: str


@attrs.frozen
class ChampsNouveauMotDePasse:
    """The reset link's form."""

    nouveau_mot_de_passe: str
    confirmation_nouveau_mot_de_passe: str


@get("/connexion", name="connexion", sync_to_thread=False)
def page_connexion(
    request: Request[Any, Any, Any], suite: FromQuery[str] = "/"
) -> Template | Redirect:
    """The login page (a logged-in visitor goes on to the page asked)."""
    if request.scope.get("user") is not None:
        return Redirect(path=suite_sure(suite), status_code=303)
    return Template(
        template_name="acces/connexion.html",
        context={"formulaire": forms.Formulaire(), "suite": suite_sure(suite)},
    )


def tenter_connexion(
    request: Request[Any, Any, Any],
    data: dict[str, str],
    gabarit: str,
    suite: str,
    *,
    formulaire: str = "connexion",
    roles: frozenset[Role] = frozenset(Role),
) -> acces.Connexion | Template:
    """Check the posted credentials of a login form (throttled per address: ``formulaire``).

    An account of another role than ``roles`` is refused with the generic message of wrong
    credentials (the form never tells which addresses belong to which space), and no
    session is opened for it.

    Returns:
        The login (its session opened), or the form again with its errors.
    """
    limiter(request, formulaire)
    ctx = contexte(request)
    try:
        champs = forms.lire(ChampsConnexion, data)
        reussie = forms.traiter(
            data, lambda: acces.se_connecter(ctx, champs.email, champs.mot_de_passe)
        )
    except forms.FormulaireInvalide as refus:
        return reponse_formulaire(gabarit, refus.formulaire, suite=suite)
    if reussie.role not in roles:
        autre = forms.Formulaire(valeurs=forms.valeurs_a_reafficher(data))
        autre.ajouter(None, message_affiche(IdentifiantsInvalides()))
        return reponse_formulaire(gabarit, autre, suite=suite)
    ouvrir_session(request.session, reussie, ctx.maintenant())
    return reussie


@post("/connexion", sync_to_thread=True)
def connexion(request: Request[Any, Any, Any], data: Formulaire) -> Template | Redirect:
    """Check the credentials; open a new session (a new id) and go on."""
    suite = suite_sure(data.get("suite"))
    reussie = tenter_connexion(request, data, "acces/connexion.html", suite)
    if isinstance(reussie, Template):
        return reussie
    if reussie.role is Role.AGENT_OPCO:  # an agent's pages are the back office's
        return Redirect(path="/backoffice", status_code=303)
    return Redirect(path=suite, status_code=303)


@post("/deconnexion", name="deconnexion", sync_to_thread=False)
def deconnexion(request: Request[Any, Any, Any]) -> Redirect:
    """Log out: the server-side session is destroyed."""
    request.clear_session()
    return Redirect(path="/connexion", status_code=303)


@get("/mot-de-passe/oublie", name="mot_de_passe_oublie", sync_to_thread=False)
def page_mot_de_passe_oublie() -> Template:
    """The "Mot de passe oublié" form."""
    return Template(
        template_name="acces/mot_de_passe_oublie.html", context={"formulaire": forms.Formulaire()}
    )


@post("/mot-de-passe/oublie", sync_to_thread=True)
def mot_de_passe_oublie(request: Request[Any, Any, Any], data: Formulaire) -> Template | Redirect:
    """Send the reset link; say the same thing whether or not the address has an account."""
    debut = time.monotonic()
    limiter(request, "mot_de_passe_oublie")
    try:
        champs = forms.lire(ChampsEmail, data)
        forms.traiter(data, lambda: acces.mot_de_passe_oublie(contexte(request), champs.email))
    except forms.FormulaireInvalide as refus:
        return reponse_formulaire("acces/mot_de_passe_oublie.html", refus.formulaire)
    time.sleep(max(0.0, DUREE_MOT_DE_PASSE_OUBLIE - (time.monotonic() - debut)))
    notifier(request, ENVOI_LIEN)
    return Redirect(path="/connexion", status_code=303)


@get("/mot-de-passe/reinitialisation/{jeton:str}", name="reinitialisation", sync_to_thread=False)
def page_reinitialisation(jeton: FromPath[str]) -> Template:
    """The reset link's page: choose a new password."""
    return Template(
        template_name="acces/reinitialisation.html",
        context={"formulaire": forms.Formulaire(), "jeton": jeton},
    )


@post("/mot-de-passe/reinitialisation/{jeton:str}", sync_to_thread=True)
def reinitialisation(
    request: Request[Any, Any, Any], jeton: FromPath[str], data: Formulaire
) -> Template | Redirect:
    """Set the new password (the link works once); then log in with it."""
    try:
        champs = forms.lire(ChampsNouveauMotDePasse, data)
        forms.traiter(
            data,
            lambda: acces.reinitialiser_mot_de_passe(
                contexte(request),
                jeton,
                champs.nouveau_mot_de_passe,
                champs.confirmation_nouveau_mot_de_passe,
            ),
        )
    except forms.FormulaireInvalide as refus:
        return reponse_formulaire("acces/reinitialisation.html", refus.formulaire, jeton=jeton)
    notifier(request, "Votre mot de passe a été changé : connectez-vous avec le nouveau.")
    return Redirect(path="/connexion", status_code=303)


def _page_confirmation_email(
    jeton: str, *, adresse: str | None, formulaire: forms.Formulaire
) -> Template:
    return Template(
        template_name="acces/confirmation_email.html",
        context={"formulaire": formulaire, "jeton": jeton, "adresse": adresse},
    )


@get("/compte/email/{jeton:str}", name="changement_email", sync_to_thread=True)
def page_confirmation_email(request: Request[Any, Any, Any], jeton: FromPath[str]) -> Template:
    """The link mailed to a new login address: which address, and the button to confirm.

    Open without a session (the mailbox is the proof); following a link changes nothing
    until the button is pressed (mail scanners open links).
    """
    try:
        adresse = forms.traiter({}, lambda: acces.adresse_a_confirmer(contexte(request), jeton))
    except forms.FormulaireInvalide as refus:
        return _page_confirmation_email(jeton, adresse=None, formulaire=refus.formulaire)
    return _page_confirmation_email(jeton, adresse=str(adresse), formulaire=forms.Formulaire())


@post("/compte/email/{jeton:str}", sync_to_thread=True)
def confirmation_email(
    request: Request[Any, Any, Any], jeton: FromPath[str], data: Formulaire
) -> Template | Redirect:
    """Confirm the new login address: every session ends; log in with the new address."""
    try:
        nouveau = forms.traiter(data, lambda: acces.confirmer_email(contexte(request), jeton))
    except forms.FormulaireInvalide as refus:
        return _page_confirmation_email(jeton, adresse=None, formulaire=refus.formulaire)
    # Every session of the account ended: this browser's too, whatever it held, goes on
    # as an anonymous one under a new id, just to show the notice.
    request.set_session({RENOUVELER: True})
    notifier(
        request,
        f"Votre adresse de connexion est désormais {nouveau} : connectez-vous avec elle. "
        "Un message prévient votre ancienne adresse.",
    )
    return Redirect(path="/connexion", status_code=303)


ROUTES = [
    page_connexion,
    connexion,
    deconnexion,
    page_mot_de_passe_oublie,
    mot_de_passe_oublie,
    page_reinitialisation,
    reinitialisation,
    page_confirmation_email,
    confirmation_email,
]
