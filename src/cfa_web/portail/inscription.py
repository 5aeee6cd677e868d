"""«Pas de compte ?»: the SIRET check, then an account or the organisme's sheet; the links.

The guide's "Accéder à la plateforme - Vous n'avez pas encore d'identifiant":

1. ``/inscription``: the visitor types the organisme's SIRET (``acces.verifier_siret``).
   What the OPCO knows of the organisme says what comes next: known and active, the
   account creation form (``/inscription/compte``); unknown, the «Validation des données
   OF» sheet (``/inscription/fiche``); a sheet awaiting validation or an inactive
   organisme, a message. A SIRET is public: the answer depends on the organisme only,
   never on its accounts.
2. ``/inscription/compte``: email and password, each typed twice, the policy ticked as
   the user types (``acces.creer_compte``). The answer is the same page whatever became of
   the address (a new account, an account awaiting activation, a taken address, a request
   waiting for an OPCO agent): the mailbox is told what happened, the screen never is.
3. ``/activation/<jeton>``: the mailed link; the password chosen at creation is typed
   again (``acces.activer_compte``), then «Me connecter».
4. ``/inscription/fiche``: the whole sheet of an unknown organisme, sent for the OPCO's
   validation (``organismes.soumettre_fiche``), then its confirmation page.
5. ``/invitation/<jeton>``: a colleague invited from «Gestion des accès» chooses a
   password (``acces.accepter_invitation``).

The anonymous forms that reach the database are throttled per client address
(:func:`cfa_web.limites.limiter`): the SIRET check, the account creation (nobody can keep
a pending account from activating by re-sending its form) and the sheet (each sends a
mail). The link pages are not: their secret is the throttle, and a wrong activation
password is counted on the account by the core.
"""

from __future__ import annotations

from typing import Any, Final

import attrs
from litestar import Request, Router, get, post
from litestar.params import FromPath, FromQuery  # noqa: TC002 - Litestar reads handler signatures
from litestar.response import Redirect, Template

from cfa_domain.services import acces, organismes
from cfa_domain.services.acces import ResultatSiret
from cfa_web import forms
from cfa_web.limites import limiter
from cfa_web.portail._commun import contexte, reponse_formulaire
from cfa_web.portail.organisme import CHAMPS_FICHE, CIVILITES, Donnees, lire_fiche

__all__ = ["ROUTES"]

SUITE: Final = {
    ResultatSiret.CONNU: "/inscription/compte",
    ResultatSiret.INCONNU: "/inscription/fiche",
}
"""Where a SIRET check goes on; the other results are told on the check's page."""


@attrs.frozen
class ChampsSiret:
    """«Validation du SIRET»."""

    siret: str


@attrs.frozen
class ChampsCreation:
    """«Création de compte»."""

    siret: str
    email: str
    confirmation_email: str
    mot_de_passe: str
    confirmation_mot_de_passe: str


@attrs.frozen
class ChampsActivation:
    """The activation link's form: the password chosen at creation."""

    mot_de_passe: str


@attrs.frozen
class ChampsNouveauMotDePasse:
    """The invitation link's form: the password chosen, twice."""

    mot_de_passe: str
    confirmation_mot_de_passe: str


# --- Validation du SIRET ------------------------------------------------------------


@get("/inscription", name="inscription", sync_to_thread=False)
def page_siret() -> Template:
    """«Validation du SIRET»."""
    return Template(
        template_name="inscription/siret.html",
        context={"formulaire": forms.Formulaire(), "resultat": None},
    )


@post("/inscription", sync_to_thread=True)
def verifier_siret(request: Request[Any, Any, Any], data: Donnees) -> Template | Redirect:
    """Check the SIRET; go on to the account form or the sheet, or say why not."""
    limiter(request, "verification_siret")
    try:
        champs = forms.lire(ChampsSiret, data)
        resultat = forms.traiter(
            data, lambda: acces.verifier_siret(contexte(request), champs.siret)
        )
    except forms.FormulaireInvalide as refus:
        return reponse_formulaire("inscription/siret.html", refus.formulaire, resultat=None)
    suite = SUITE.get(resultat)
    if suite is not None:
        return Redirect(path=suite, query_params={"siret": champs.siret}, status_code=303)
    return Template(
        template_name="inscription/siret.html",
        context={
            "formulaire": forms.Formulaire(valeurs=forms.valeurs_saisies(data)),
            "resultat": resultat,
        },
    )


# --- Création de compte -------------------------------------------------------------


@get("/inscription/compte", name="creation_compte", sync_to_thread=False)
def page_creation(siret: FromQuery[str] = "") -> Template | Redirect:
    """«Création de compte» for the SIRET checked (back to the check without one)."""
    if not siret.strip():
        return Redirect(path="/inscription", status_code=303)
    return Template(
        template_name="inscription/compte.html",
        context={"formulaire": forms.Formulaire(valeurs={"siret": siret.strip()})},
    )


@post("/inscription/compte", sync_to_thread=True)
def creer_compte(request: Request[Any, Any, Any], data: Donnees) -> Template | Redirect:
    """Open the account; the same next page whatever became of the address."""
    limiter(request, "creation_compte")
    try:
        champs = forms.lire(ChampsCreation, data)
        forms.traiter(
            data,
            lambda: acces.creer_compte(
                contexte(request),
                siret=champs.siret,
                email=champs.email,
                confirmation_email=champs.confirmation_email,
                mot_de_passe=champs.mot_de_passe,
                confirmation_mot_de_passe=champs.confirmation_mot_de_passe,
            ),
        )
    except forms.FormulaireInvalide as refus:
        return reponse_formulaire("inscription/compte.html", refus.formulaire)
    return Redirect(path="/inscription/email-envoye", status_code=303)


@get("/inscription/email-envoye", name="email_envoye", sync_to_thread=False)
def page_email_envoye() -> Template:
    """«Consultez votre messagerie»: what the mail holds, and its 24 h link."""
    return Template(template_name="inscription/email_envoye.html")


# --- Activation ---------------------------------------------------------------------


@get("/activation/{jeton:str}", name="activation", sync_to_thread=False)
def page_activation(jeton: FromPath[str]) -> Template:
    """The activation link's page: only its form (mail scanners open links)."""
    return Template(
        template_name="inscription/activation.html",
        context={"formulaire": forms.Formulaire(), "jeton": jeton},
    )


@post("/activation/{jeton:str}", sync_to_thread=True)
def activer_compte(
    request: Request[Any, Any, Any], jeton: FromPath[str], data: Donnees
) -> Template | Redirect:
    """Activate the account with the link and the password chosen at creation."""
    try:
        champs = forms.lire(ChampsActivation, data)
        forms.traiter(
            data, lambda: acces.activer_compte(contexte(request), jeton, champs.mot_de_passe)
        )
    except forms.FormulaireInvalide as refus:
        return reponse_formulaire("inscription/activation.html", refus.formulaire, jeton=jeton)
    return Redirect(path="/inscription/compte-active", status_code=303)


@get("/inscription/compte-active", name="compte_active", sync_to_thread=False)
def page_compte_active() -> Template:
    """«Votre compte est activé» → Me connecter."""
    return Template(template_name="inscription/compte_active.html")


# --- Invitation ---------------------------------------------------------------------


@get("/invitation/{jeton:str}", name="invitation", sync_to_thread=False)
def page_invitation(jeton: FromPath[str]) -> Template:
    """The invitation link's page: choose a password."""
    return Template(
        template_name="inscription/invitation.html",
        context={"formulaire": forms.Formulaire(), "jeton": jeton},
    )


@post("/invitation/{jeton:str}", sync_to_thread=True)
def accepter_invitation(
    request: Request[Any, Any, Any], jeton: FromPath[str], data: Donnees
) -> Template | Redirect:
    """Accept the invitation: the password chosen, the account is active."""
    try:
        champs = forms.lire(ChampsNouveauMotDePasse, data)
        forms.traiter(
            data,
            lambda: acces.accepter_invitation(
                contexte(request), jeton, champs.mot_de_passe, champs.confirmation_mot_de_passe
            ),
        )
    except forms.FormulaireInvalide as refus:
        return reponse_formulaire("inscription/invitation.html", refus.formulaire, jeton=jeton)
    return Redirect(path="/inscription/compte-active", status_code=303)


# --- Validation des données OF ------------------------------------------------------


@get("/inscription/fiche", name="fiche_inscription", sync_to_thread=False)
def page_fiche(siret: FromQuery[str] = "") -> Template:
    """«Validation des données Organisme de formation (OF)»: the sheet to fill."""
    return Template(
        template_name="inscription/fiche.html",
        context={
            "formulaire": forms.Formulaire(valeurs={"siret": siret.strip()}),
            "civilites": CIVILITES,
        },
    )


@post("/inscription/fiche", sync_to_thread=True)
def soumettre_fiche(request: Request[Any, Any, Any], data: Donnees) -> Template | Redirect:
    """Send the sheet for the OPCO's validation."""
    limiter(request, "fiche_organisme")
    try:
        saisie = lire_fiche(data, public=True)
        forms.traiter(
            data,
            lambda: organismes.soumettre_fiche(
                contexte(request),
                siret=saisie.siret,
                fiche=saisie.fiche,
                interlocuteur=saisie.interlocuteur,
                reference_opco=saisie.reference_opco,
            ),
            champs=CHAMPS_FICHE,
        )
    except forms.FormulaireInvalide as refus:
        return reponse_formulaire("inscription/fiche.html", refus.formulaire, civilites=CIVILITES)
    return Redirect(path="/inscription/fiche-envoyee", status_code=303)


@get("/inscription/fiche-envoyee", name="fiche_envoyee", sync_to_thread=False)
def page_fiche_envoyee() -> Template:
    """The sheet was sent: what happens next."""
    return Template(template_name="inscription/fiche_envoyee.html")


ROUTES = [
    # One router, so that each path's GET and POST are registered together: Litestar
    # 2.25 re-registers a path's existing handlers when another method joins it, and a
    # handler registered twice is wrapped twice by sync_to_thread (its page answers 500).
    Router(
        path="/",
        route_handlers=[
            page_siret,
            verifier_siret,
            page_creation,
            creer_compte,
            page_email_envoye,
            page_activation,
            activer_compte,
            page_compte_active,
            page_invitation,
            accepter_invitation,
            page_fiche,
            soumettre_fiche,
            page_fiche_envoyee,
        ],
    )
]
