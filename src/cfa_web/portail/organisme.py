"""Mon organisme: the hub, «Mon compte», «Gestion des accès», «Fiche OF dématérialisée».

- ``/organisme``: the organisme's name, identifier and status, and the three pages below.
- ``/compte`` («Mon compte»): change the login email or the password, the current
  password required. A new email is proven first: a link goes to it, and following it
  (``/compte/email/{jeton}``, :mod:`cfa_web.portail.acces`) makes the change and ends
  every session. A password change ends every other session; this one goes on with the
  generation the use case returns (:func:`cfa_web.auth.garder_session`).
- ``/organisme/acces`` («Gestion des accès»): ask for a delegating organisme (SIRET and
  establishment name), approve or refuse the requests made of us, revoke a delegation or
  withdraw a request; the organisme's accounts and the invitation of a colleague. Who may
  decide or revoke is the core's decision: a delegation id of other organismes is refused
  there (403), whatever the page sends.
- ``/organisme/fiche`` («Fiche OF dématérialisée»): the sheet, editable.
- ``/organisme/cles-api`` («Clés d'API»): the keys the organisme's management software
  calls the JSON API with (``docs/api.md``): create one (its full text is shown on the
  answer to the creation only, never stored, never put in the session), list them (name,
  creation, last use, status), revoke one.

The sheet's form is shared with the public «Validation des données OF» form of an
unknown organisme (``portail/inscription.py``): :func:`lire_fiche` turns the posted
fields into the core's :class:`~cfa_domain.organisme.FicheOrganisme` and
:class:`~cfa_domain.organisme.Interlocuteur`, every malformed field told at once beside it.
"""

from __future__ import annotations

import uuid  # noqa: TC003 - Litestar reads the path parameter's type at runtime
from typing import TYPE_CHECKING, Annotated, Any, Final, TypeVar, cast

import attrs
from litestar import Request, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from cfa_domain.errors import DonneeInvalide
from cfa_domain.organisme import Adresse, Civilite, FicheOrganisme, Interlocuteur, Telephone
from cfa_domain.services import acces, cles_api, organismes
from cfa_domain.values import CodePostal, Email, NumeroDA, Siret, Uai
from cfa_web import forms
from cfa_web.auth import exiger_cfa, garder_session
from cfa_web.portail._commun import contexte, notifier, utilisateur

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from cfa_domain.organisme import Organisme

__all__ = [
    "CIVILITES",
    "ROUTES",
    "Donnees",
    "FicheSaisie",
    "lire_fiche",
    "valeurs_fiche",
]

T = TypeVar("T")

Donnees = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A posted HTML form (url-encoded fields)."""

CIVILITES: Final = tuple((c.value, c.libelle) for c in Civilite)
"""The choices of the contact person's civilité, as the forms show them."""

CHAMPS_FICHE: Final = {
    "interlocuteur.nom": "interlocuteur_nom",
    "interlocuteur.prenom": "interlocuteur_prenom",
    "interlocuteur.fonction": "interlocuteur_fonction",
    "interlocuteur.telephone": "interlocuteur_telephone",
}
"""The core's field names of the contact person → the form's input names."""

OUI_NON: Final = {"oui": True, "non": False}


# --- The sheet's form (shared with the public «Validation des données OF») -------------


@attrs.frozen
class FicheSaisie:
    """The sheet as typed: what the core's use cases take.

    ``siret`` and ``reference_opco`` are read on the public form only (an account's
    organisme is its own).
    """

    fiche: FicheOrganisme
    interlocuteur: Interlocuteur
    siret: str = ""
    reference_opco: str | None = None


class _Saisie:
    """Reads the posted fields one by one, keeping every error beside its field.

    A reader returns the value, or records the error and returns a placeholder (None):
    the values read are used only once :meth:`verifier` has found no error.
    """

    def __init__(self, donnees: Mapping[str, Any]) -> None:
        self.saisies = forms.valeurs_saisies(donnees)
        self.formulaire = forms.Formulaire(valeurs=forms.valeurs_a_reafficher(donnees))

    def texte(self, nom: str, *, requis: bool = True) -> str:
        valeur = self.saisies.get(nom, "")
        if requis and not valeur:
            self.formulaire.ajouter(nom, forms.OBLIGATOIRE)
        return valeur

    def valeur(self, nom: str, fabrique: Callable[[str], T]) -> T:
        return cast("T", self.facultatif(nom, fabrique, requis=True))

    def facultatif(
        self, nom: str, fabrique: Callable[[str], T], *, requis: bool = False
    ) -> T | None:
        texte = self.texte(nom, requis=requis)
        if not texte:
            return None
        try:
            return fabrique(texte)
        except DonneeInvalide as erreur:
            self.formulaire.ajouter(nom, erreur.message)
            return None

    def oui_non(self, nom: str) -> bool:
        def lire(texte: str) -> bool:
            if texte not in OUI_NON:
                raise DonneeInvalide("Répondez par oui ou par non.", champ=nom, valeur=texte)
            return OUI_NON[texte]

        return self.valeur(nom, lire)

    def verifier(self) -> None:
        if self.formulaire.en_erreur:
            raise forms.FormulaireInvalide(self.formulaire)


def _civilite(texte: str) -> Civilite:
    try:
        return Civilite(texte)
    except ValueError:
        raise DonneeInvalide("Choisissez Mme ou M.", champ="interlocuteur_civilite") from None


def lire_fiche(donnees: Mapping[str, Any], *, public: bool = False) -> FicheSaisie:
    """The sheet's fields structured into the core's value objects.

    ``public``: the «Validation des données OF» form, which also carries the SIRET and
    the organisme's reference at the OPCO.

    Raises:
        FormulaireInvalide: every missing or malformed field, each beside its input.
    """
    s = _Saisie(donnees)
    siret = s.valeur("siret", lambda texte: Siret(texte).numero) if public else ""
    reference_opco = s.texte("reference_opco", requis=False) or None
    textes = {
        nom: s.texte(nom)
        for nom in (
            "raison_sociale",
            "rue",
            "ville",
            "zone_intervention",
            "interlocuteur_nom",
            "interlocuteur_prenom",
            "interlocuteur_fonction",
        )
    }
    facultatifs = {
        nom: s.texte(nom, requis=False)
        for nom in ("suite_raison_sociale", "suite_rue", "commentaire")
    }
    code_postal = s.valeur("code_postal", CodePostal)
    telephone = s.facultatif("telephone", Telephone)
    email = s.valeur("email", Email)
    intervient_fpc = s.oui_non("intervient_fpc")
    est_cfa = s.oui_non("est_cfa")
    numero_da = s.valeur("numero_da", NumeroDA)
    but_lucratif = s.oui_non("but_lucratif")
    assujetti_tva = s.oui_non("assujetti_tva")
    uai = s.facultatif("uai", Uai)
    civilite = s.valeur("interlocuteur_civilite", _civilite)
    telephone_interlocuteur = s.facultatif("interlocuteur_telephone", Telephone)
    email_interlocuteur = s.valeur("interlocuteur_email", Email)
    s.verifier()
    return forms.traiter(
        donnees,
        lambda: FicheSaisie(
            fiche=FicheOrganisme(
                raison_sociale=textes["raison_sociale"],
                suite_raison_sociale=facultatifs["suite_raison_sociale"],
                adresse=Adresse(
                    rue=textes["rue"],
                    suite_rue=facultatifs["suite_rue"],
                    code_postal=code_postal,
                    ville=textes["ville"],
                ),
                telephone=telephone,
                email=email,
                intervient_fpc=intervient_fpc,
                est_cfa=est_cfa,
                numero_da=numero_da,
                but_lucratif=but_lucratif,
                assujetti_tva=assujetti_tva,
                uai=uai,
                zone_intervention=textes["zone_intervention"],
                commentaire=facultatifs["commentaire"],
            ),
            interlocuteur=Interlocuteur(
                civilite=civilite,
                nom=textes["interlocuteur_nom"],
                prenom=textes["interlocuteur_prenom"],
                telephone=telephone_interlocuteur,
                email=email_interlocuteur,
                fonction=textes["interlocuteur_fonction"],
            ),
            siret=siret,
            reference_opco=reference_opco if public else None,
        ),
        champs=CHAMPS_FICHE,
    )


def _oui_non(valeur: bool) -> str:
    return "oui" if valeur else "non"


def valeurs_fiche(organisme: Organisme) -> dict[str, str]:
    """The sheet's form filled with the organisme's current sheet."""
    fiche, interlocuteur = organisme.fiche, organisme.interlocuteur
    return {
        "raison_sociale": fiche.raison_sociale,
        "suite_raison_sociale": fiche.suite_raison_sociale,
        "rue": fiche.adresse.rue,
        "suite_rue": fiche.adresse.suite_rue,
        "code_postal": str(fiche.adresse.code_postal),
        "ville": fiche.adresse.ville,
        "telephone": "" if fiche.telephone is None else str(fiche.telephone),
        "email": str(fiche.email),
        "intervient_fpc": _oui_non(fiche.intervient_fpc),
        "est_cfa": _oui_non(fiche.est_cfa),
        "numero_da": str(fiche.numero_da),
        "but_lucratif": _oui_non(fiche.but_lucratif),
        "assujetti_tva": _oui_non(fiche.assujetti_tva),
        "uai": "" if fiche.uai is None else str(fiche.uai),
        "zone_intervention": fiche.zone_intervention,
        "commentaire": fiche.commentaire,
        "interlocuteur_civilite": interlocuteur.civilite.value,
        "interlocuteur_nom": interlocuteur.nom,
        "interlocuteur_prenom": interlocuteur.prenom,
        "interlocuteur_fonction": interlocuteur.fonction,
        "interlocuteur_telephone": (
            "" if interlocuteur.telephone is None else str(interlocuteur.telephone)
        ),
        "interlocuteur_email": str(interlocuteur.email),
    }


# --- Mon organisme ------------------------------------------------------------------


def _page(
    gabarit: str,
    en_erreur: forms.Formulaire | None,
    *,
    formulaire_vierge: forms.Formulaire | None = None,
    **contexte_page: Any,  # noqa: ANN401
) -> Template:
    """A page of the organisme; 422 with ``en_erreur`` shown when a form was refused."""
    formulaire = en_erreur or formulaire_vierge or forms.Formulaire()
    return Template(
        template_name=gabarit,
        context={"formulaire": formulaire, **contexte_page},
        status_code=200 if en_erreur is None else 422,
    )


@get("/organisme", name="organisme", guards=[exiger_cfa], sync_to_thread=True)
def page_organisme(request: Request[Any, Any, Any]) -> Template:
    """«Mon organisme»: who we are for the OPCO, and the three pages of the organisme."""
    organisme = organismes.consulter_organisme(contexte(request), utilisateur(request).compte_id)
    return Template(template_name="organisme/organisme.html", context={"organisme": organisme})


# --- Mon compte ---------------------------------------------------------------------


@attrs.frozen
class ChampsEmail:
    """The login email change form."""

    nouvel_email: str
    confirmation_nouvel_email: str
    mot_de_passe_email: str


@attrs.frozen
class ChampsMotDePasse:
    """The password change form."""

    mot_de_passe_actuel: str
    nouveau_mot_de_passe: str
    confirmation_nouveau_mot_de_passe: str


def _page_compte(
    request: Request[Any, Any, Any],
    *,
    email: forms.Formulaire | None = None,
    mot_de_passe: forms.Formulaire | None = None,
) -> Template:
    mon_compte = acces.consulter_compte(contexte(request), utilisateur(request).compte_id)
    en_erreur = email if email is not None else mot_de_passe
    return _page(
        "organisme/compte.html",
        en_erreur,
        mon_compte=mon_compte,
        formulaire_email=email or forms.Formulaire(),
        formulaire_mot_de_passe=mot_de_passe or forms.Formulaire(),
    )


@get("/compte", name="mon_compte", guards=[exiger_cfa], sync_to_thread=True)
def page_compte(request: Request[Any, Any, Any]) -> Template:
    """«Mon compte»: the organisme, the login email, the two change forms."""
    return _page_compte(request)


@post("/compte/email", guards=[exiger_cfa], sync_to_thread=True)
def changer_email(request: Request[Any, Any, Any], data: Donnees) -> Template | Redirect:
    """Ask to change the login email (current password required): a link goes to it."""
    compte_id = utilisateur(request).compte_id
    try:
        champs = forms.lire(ChampsEmail, data)
        nouveau = forms.traiter(
            data,
            lambda: acces.changer_email(
                contexte(request),
                compte_id,
                champs.mot_de_passe_email,
                champs.nouvel_email,
                champs.confirmation_nouvel_email,
            ),
            champs={"mot_de_passe_actuel": "mot_de_passe_email"},
        )
    except forms.FormulaireInvalide as refus:
        return _page_compte(request, email=refus.formulaire)
    notifier(
        request,
        f"Un lien de confirmation est envoyé à {nouveau}. Votre adresse de connexion change "
        "quand vous le suivez ; d'ici là, vous vous connectez avec l'adresse actuelle.",
    )
    return Redirect(path="/compte", status_code=303)


@post("/compte/mot-de-passe", guards=[exiger_cfa], sync_to_thread=True)
def changer_mot_de_passe(request: Request[Any, Any, Any], data: Donnees) -> Template | Redirect:
    """Change the password (current one required); this session goes on."""
    compte_id = utilisateur(request).compte_id
    try:
        champs = forms.lire(ChampsMotDePasse, data)
        generation = forms.traiter(
            data,
            lambda: acces.changer_mot_de_passe(
                contexte(request),
                compte_id,
                champs.mot_de_passe_actuel,
                champs.nouveau_mot_de_passe,
                champs.confirmation_nouveau_mot_de_passe,
            ),
        )
    except forms.FormulaireInvalide as refus:
        return _page_compte(request, mot_de_passe=refus.formulaire)
    garder_session(request.session, generation)
    notifier(
        request,
        "Votre mot de passe est modifié. Vos autres sessions ouvertes sont fermées.",
    )
    return Redirect(path="/compte", status_code=303)


# --- Gestion des accès --------------------------------------------------------------


@attrs.frozen
class ChampsDelegation:
    """«Ajouter un OF déléguant»."""

    siret: str
    nom_etablissement: str


@attrs.frozen
class ChampsDecision:
    """Approve or refuse a delegation request (the button pressed, the reason)."""

    decision: str
    motif: str = ""


@attrs.frozen
class ChampsMotif:
    """Revoke a delegation, or withdraw a request: the reason (the core requires it)."""

    motif: str = ""


@attrs.frozen
class ChampsInvitation:
    """Invite a colleague."""

    email: str


DECISIONS: Final = {"approuver": True, "refuser": False}
RETOUR_ACCES: Final = "/organisme/acces"


def _page_acces(
    request: Request[Any, Any, Any],
    formulaire: forms.Formulaire | None = None,
    cible: str | None = None,
) -> Template:
    """The page, with the form ``cible`` ("delegation", "invitation", a row's) in error."""
    ctx, compte_id = contexte(request), utilisateur(request).compte_id
    return _page(
        "organisme/acces.html",
        formulaire,
        delegations=organismes.lister_delegations(ctx, compte_id),
        comptes=acces.lister_comptes(ctx, compte_id),
        cible=cible,
        vide=forms.Formulaire(),
    )


@get(RETOUR_ACCES, name="gestion_acces", guards=[exiger_cfa], sync_to_thread=True)
def page_acces(request: Request[Any, Any, Any]) -> Template:
    """«Gestion des accès»: delegations asked, to decide, granted; accounts; invitation."""
    return _page_acces(request)


@post(f"{RETOUR_ACCES}/delegations", guards=[exiger_cfa], sync_to_thread=True)
def demander_delegation(request: Request[Any, Any, Any], data: Donnees) -> Template | Redirect:
    """«Ajouter un OF déléguant»: the request waits for the delegating organisme."""
    compte_id = utilisateur(request).compte_id
    try:
        champs = forms.lire(ChampsDelegation, data)
        delegation = forms.traiter(
            data,
            lambda: organismes.demander_delegation(
                contexte(request), compte_id, champs.siret, champs.nom_etablissement
            ),
        )
    except forms.FormulaireInvalide as refus:
        return _page_acces(request, refus.formulaire, "delegation")
    notifier(
        request,
        f"Votre demande est envoyée à l'organisme {delegation.siret_delegant} : elle sera "
        "active quand il l'aura approuvée.",
    )
    return Redirect(path=RETOUR_ACCES, status_code=303)


def decision_lue(texte: str) -> bool:
    """The button pressed on a delegation request's form: approve (True) or refuse."""
    if texte not in DECISIONS:
        raise DonneeInvalide("Choisissez d'approuver ou de refuser la demande.")
    return DECISIONS[texte]


@post(
    f"{RETOUR_ACCES}/delegations/{{delegation_id:uuid}}/decision",
    guards=[exiger_cfa],
    sync_to_thread=True,
)
def decider_delegation(
    request: Request[Any, Any, Any], delegation_id: FromPath[uuid.UUID], data: Donnees
) -> Template | Redirect:
    """The delegating organisme approves or refuses (with a reason) a request made of it."""
    compte_id = utilisateur(request).compte_id
    ident = f"motif-decision-{delegation_id}"
    try:
        champs = forms.lire(ChampsDecision, data)
        approuver = forms.traiter(data, lambda: decision_lue(champs.decision))
        forms.traiter(
            data,
            lambda: organismes.decider_delegation(
                contexte(request),
                compte_id,
                delegation_id,
                approuver=approuver,
                motif=champs.motif,
            ),
            champs={"motif": ident},
        )
    except forms.FormulaireInvalide as refus:
        return _page_acces(request, refus.formulaire, "ligne")
    notifier(
        request,
        "La délégation est accordée : l'organisme demandeur peut désormais gérer vos dossiers."
        if approuver
        else "La demande de délégation est refusée ; l'organisme demandeur en est prévenu.",
    )
    return Redirect(path=RETOUR_ACCES, status_code=303)


@post(
    f"{RETOUR_ACCES}/delegations/{{delegation_id:uuid}}/revocation",
    guards=[exiger_cfa],
    sync_to_thread=True,
)
def revoquer_delegation(
    request: Request[Any, Any, Any], delegation_id: FromPath[uuid.UUID], data: Donnees
) -> Template | Redirect:
    """End a delegation, or withdraw a pending request, with a reason."""
    compte_id = utilisateur(request).compte_id
    ident = f"motif-revocation-{delegation_id}"
    try:
        champs = forms.lire(ChampsMotif, data)
        forms.traiter(
            data,
            lambda: organismes.revoquer_delegation(
                contexte(request), compte_id, delegation_id, champs.motif
            ),
            champs={"motif": ident},
        )
    except forms.FormulaireInvalide as refus:
        return _page_acces(request, refus.formulaire, "ligne")
    notifier(request, "La délégation est révoquée ; l'autre organisme en est prévenu.")
    return Redirect(path=RETOUR_ACCES, status_code=303)


@post(f"{RETOUR_ACCES}/invitations", guards=[exiger_cfa], sync_to_thread=True)
def inviter(request: Request[Any, Any, Any], data: Donnees) -> Template | Redirect:
    """Invite a colleague: the address gets a link to choose a password."""
    compte_id = utilisateur(request).compte_id
    try:
        champs = forms.lire(ChampsInvitation, data)
        forms.traiter(data, lambda: acces.inviter(contexte(request), compte_id, champs.email))
    except forms.FormulaireInvalide as refus:
        return _page_acces(request, refus.formulaire, "invitation")
    notifier(
        request,
        f"Un email vient d'être envoyé à {champs.email} pour lui donner accès à la plateforme.",
    )
    return Redirect(path=RETOUR_ACCES, status_code=303)


# --- Fiche OF dématérialisée --------------------------------------------------------


def _page_fiche(
    request: Request[Any, Any, Any], formulaire: forms.Formulaire | None = None
) -> Template:
    organisme = organismes.consulter_organisme(contexte(request), utilisateur(request).compte_id)
    return _page(
        "organisme/fiche.html",
        formulaire,
        formulaire_vierge=forms.Formulaire(valeurs=valeurs_fiche(organisme)),
        organisme=organisme,
        civilites=CIVILITES,
    )


@get("/organisme/fiche", name="fiche_of", guards=[exiger_cfa], sync_to_thread=True)
def page_fiche_of(request: Request[Any, Any, Any]) -> Template:
    """«Fiche OF dématérialisée»: the organisme's sheet, filled, to edit."""
    return _page_fiche(request)


@post("/organisme/fiche", guards=[exiger_cfa], sync_to_thread=True)
def mettre_a_jour_fiche(request: Request[Any, Any, Any], data: Donnees) -> Template | Redirect:
    """Save the sheet and its contact person."""
    compte_id = utilisateur(request).compte_id
    try:
        saisie = lire_fiche(data)
        forms.traiter(
            data,
            lambda: organismes.mettre_a_jour_fiche(
                contexte(request), compte_id, saisie.fiche, saisie.interlocuteur
            ),
            champs=CHAMPS_FICHE,
        )
    except forms.FormulaireInvalide as refus:
        return _page_fiche(request, refus.formulaire)
    notifier(request, "La fiche de votre organisme est enregistrée.")
    return Redirect(path="/organisme/fiche", status_code=303)


# --- Clés d'API ------------------------------------------------------------------------

RETOUR_CLES: Final = "/organisme/cles-api"


@attrs.frozen
class ChampsCle:
    """«Créer une clé»: its name, its life in days (blank: until revoked)."""

    nom: str
    duree_jours: int | None = None


def _page_cles(
    request: Request[Any, Any, Any],
    formulaire: forms.Formulaire | None = None,
    creee: cles_api.CleCreee | None = None,
) -> Template:
    return _page(
        "organisme/cles_api.html",
        formulaire,
        cles=cles_api.lister_cles_api(contexte(request), utilisateur(request).compte_id),
        creee=creee,
    )


@get(RETOUR_CLES, name="cles_api", guards=[exiger_cfa], sync_to_thread=True)
def page_cles(request: Request[Any, Any, Any]) -> Template:
    """«Clés d'API»: the organisme's keys, the creation form."""
    return _page_cles(request)


@post(RETOUR_CLES, guards=[exiger_cfa], sync_to_thread=True)
def creer_cle(request: Request[Any, Any, Any], data: Donnees) -> Template:
    """Create a key and show its full text, this once (the answer is never cached)."""
    compte_id = utilisateur(request).compte_id
    try:
        champs = forms.lire(ChampsCle, data)
        creee = forms.traiter(
            data,
            lambda: cles_api.creer_cle_api(
                contexte(request), compte_id, champs.nom, champs.duree_jours
            ),
        )
    except forms.FormulaireInvalide as refus:
        return _page_cles(request, refus.formulaire)
    return _page_cles(request, creee=creee)


@post(f"{RETOUR_CLES}/{{cle_id:uuid}}/revocation", guards=[exiger_cfa], sync_to_thread=True)
def revoquer_cle(request: Request[Any, Any, Any], cle_id: FromPath[uuid.UUID]) -> Redirect:
    """Revoke a key of the organisme (a key of another one is not found: 404)."""
    cles_api.revoquer_cle_api(contexte(request), utilisateur(request).compte_id, cle_id)
    notifier(request, "La clé est révoquée : les appels qui la présentent sont refusés.")
    return Redirect(path=RETOUR_CLES, status_code=303)


ROUTES = [
    # One router, so that each path's GET and POST are registered together: Litestar
    # 2.25 re-registers a path's existing handlers when another method joins it, and a
    # handler registered twice is wrapped twice by sync_to_thread (its page answers 500).
    Router(
        path="/",
        route_handlers=[
            page_organisme,
            page_compte,
            changer_email,
            changer_mot_de_passe,
            page_acces,
            demander_delegation,
            decider_delegation,
            revoquer_delegation,
            inviter,
            page_fiche_of,
            mettre_a_jour_fiche,
            page_cles,
            creer_cle,
            revoquer_cle,
        ],
    )
]
