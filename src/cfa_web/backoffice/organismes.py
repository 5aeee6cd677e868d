"""«Organismes» of the back office: the queues that wait for an agent, and an organisme's page.

Three queues, one page each (one use case each): the information sheets of organismes the
OPCO does not know (validate with the OPCO reference, or refuse with a reason, mailed by
the core), the account requests made with an address not on file (approve, or refuse
with a reason), the delegation requests nobody has decided yet (approve, or refuse with a
reason). Each row has its own forms; a refused form comes back on its row (its inputs'
ids name the row) with the error beside the field. An organisme's page shows its sheet,
its history, its accounts, its delegations, its API keys (each active one revocable, with
an optional reason) and its files.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Final

import attrs
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from cfa_domain.services import acces, cles_api, organismes
from cfa_web import forms
from cfa_web.backoffice._commun import PREFIXE, routeur
from cfa_web.portail._commun import contexte, notifier, utilisateur
from cfa_web.portail.organisme import ChampsDecision, ChampsMotif, decision_lue

if TYPE_CHECKING:
    from cfa_domain.services.contexte import Contexte

__all__ = ["ROUTES"]

Donnees = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
FICHES: Final = f"{PREFIXE}/organismes"
COMPTES: Final = f"{PREFIXE}/organismes/comptes"
DELEGATIONS: Final = f"{PREFIXE}/organismes/delegations"


@attrs.frozen
class ChampsReference:
    """Validate a sheet: the OPCO's reference of the organisme (the core requires it)."""

    reference_opco: str = ""


def _page(
    gabarit: str, lignes: object, formulaire: forms.Formulaire | None, **autres: str
) -> Template:
    """A queue's page; 422 with the refused form shown on its row."""
    return Template(
        template_name=gabarit,
        context={
            "lignes": lignes,
            "formulaire": formulaire or forms.Formulaire(),
            "rubrique": "organismes",
            **autres,
        },
        status_code=200 if formulaire is None else 422,
    )


def _fiches(
    request: Request[Any, Any, Any], formulaire: forms.Formulaire | None = None
) -> Template:
    lignes = organismes.lister_fiches_a_valider(contexte(request), utilisateur(request).compte_id)
    return _page("backoffice/organismes/fiches.html", lignes, formulaire, onglet="fiches")


def _comptes(
    request: Request[Any, Any, Any], formulaire: forms.Formulaire | None = None
) -> Template:
    lignes = acces.lister_comptes_a_approuver(contexte(request), utilisateur(request).compte_id)
    return _page("backoffice/organismes/comptes.html", lignes, formulaire, onglet="comptes")


def _delegations(
    request: Request[Any, Any, Any], formulaire: forms.Formulaire | None = None
) -> Template:
    lignes = organismes.lister_delegations_en_attente(
        contexte(request), utilisateur(request).compte_id
    )
    return _page("backoffice/organismes/delegations.html", lignes, formulaire, onglet="delegations")


Action = Callable[["Contexte", uuid.UUID, Any], object]
"""A use case of an agent on one row: the context, the agent, the fields read."""


def _agir(  # noqa: PLR0917 - what differs between the rows' forms
    request: Request[Any, Any, Any],
    data: dict[str, str],
    classe: type[Any],
    action: Action,
    champs: dict[str, str],
    page: Callable[[Request[Any, Any, Any], forms.Formulaire], Template],
    notice: str,
    retour: str,
) -> Template | Redirect:
    """Run a row's use case with the fields read; its error comes back on the row's field."""
    agent_id = utilisateur(request).compte_id
    try:
        lus = forms.lire(classe, data)
        forms.traiter(data, lambda: action(contexte(request), agent_id, lus), champs=champs)
    except forms.FormulaireInvalide as refus:
        return page(request, refus.formulaire)
    notifier(request, notice)
    return Redirect(path=retour, status_code=303)


# --- Information sheets ----------------------------------------------------------------


@get("/organismes", name="backoffice_fiches", sync_to_thread=True)
def page_fiches(request: Request[Any, Any, Any]) -> Template:
    """The sheets awaiting validation, oldest first."""
    return _fiches(request)


@post("/organismes/fiches/{siret:str}/validation", sync_to_thread=True)
def valider_fiche(
    request: Request[Any, Any, Any], siret: FromPath[str], data: Donnees
) -> Template | Redirect:
    """Validate a sheet with the OPCO's reference: the organisme is active, and told."""
    return _agir(
        request,
        data,
        ChampsReference,
        lambda ctx, agent, lus: organismes.valider_fiche(ctx, agent, siret, lus.reference_opco),
        {"reference_opco": f"reference-{siret}"},
        _fiches,
        "La fiche de l'organisme est validée ; il en est prévenu.",
        FICHES,
    )


@post("/organismes/fiches/{siret:str}/refus", sync_to_thread=True)
def refuser_fiche(
    request: Request[Any, Any, Any], siret: FromPath[str], data: Donnees
) -> Template | Redirect:
    """Refuse a sheet with a reason, mailed to the organisme."""
    return _agir(
        request,
        data,
        ChampsMotif,
        lambda ctx, agent, lus: organismes.refuser_fiche(ctx, agent, siret, lus.motif),
        {"motif": f"motif-fiche-{siret}"},
        _fiches,
        "La fiche de l'organisme est refusée ; il en est prévenu.",
        FICHES,
    )


# --- Account requests --------------------------------------------------------------------


@get("/organismes/comptes", name="backoffice_comptes", sync_to_thread=True)
def page_comptes(request: Request[Any, Any, Any]) -> Template:
    """The account requests awaiting an agent, oldest first."""
    return _comptes(request)


@post("/organismes/comptes/{compte_id:uuid}/approbation", sync_to_thread=True)
def approuver_compte(request: Request[Any, Any, Any], compte_id: FromPath[uuid.UUID]) -> Redirect:
    """Approve an account request: its owner gets the activation link."""
    acces.approuver_compte(contexte(request), utilisateur(request).compte_id, compte_id)
    notifier(request, "Le compte est approuvé : son titulaire reçoit le lien d'activation.")
    return Redirect(path=COMPTES, status_code=303)


@post("/organismes/comptes/{compte_id:uuid}/refus", sync_to_thread=True)
def refuser_compte(
    request: Request[Any, Any, Any], compte_id: FromPath[uuid.UUID], data: Donnees
) -> Template | Redirect:
    """Refuse an account request with a reason, mailed to its owner."""
    return _agir(
        request,
        data,
        ChampsMotif,
        lambda ctx, agent, lus: acces.refuser_compte(ctx, agent, compte_id, lus.motif),
        {"motif": f"motif-compte-{compte_id}"},
        _comptes,
        "La demande de compte est refusée ; son auteur en est prévenu.",
        COMPTES,
    )


# --- Delegations -------------------------------------------------------------------------


@get("/organismes/delegations", name="backoffice_delegations", sync_to_thread=True)
def page_delegations(request: Request[Any, Any, Any]) -> Template:
    """The delegation requests nobody has decided yet, oldest first."""
    return _delegations(request)


@post("/organismes/delegations/{delegation_id:uuid}/decision", sync_to_thread=True)
def decider_delegation(
    request: Request[Any, Any, Any], delegation_id: FromPath[uuid.UUID], data: Donnees
) -> Template | Redirect:
    """Approve or refuse (with a reason) a delegation request; the delegataire is told."""
    return _agir(
        request,
        data,
        ChampsDecision,
        lambda ctx, agent, lus: organismes.decider_delegation(
            ctx, agent, delegation_id, approuver=decision_lue(lus.decision), motif=lus.motif
        ),
        {"motif": f"motif-decision-{delegation_id}"},
        _delegations,
        "La délégation est accordée ; l'organisme demandeur en est prévenu."
        if data.get("decision") == "approuver"
        else "La demande de délégation est refusée ; l'organisme demandeur en est prévenu.",
        DELEGATIONS,
    )


# --- An organisme's page -----------------------------------------------------------------


def _organisme(
    request: Request[Any, Any, Any],
    siret: str,
    page: int = 1,
    formulaire: forms.Formulaire | None = None,
) -> Template:
    """An organisme's page; 422 with a refused key revocation shown."""
    vue = organismes.consulter_organisme_opco(
        contexte(request), utilisateur(request).compte_id, siret, page=page
    )
    return Template(
        template_name="backoffice/organismes/organisme.html",
        context={
            "vue": vue,
            "rubrique": "organismes",
            "formulaire": formulaire or forms.Formulaire(),
        },
        status_code=200 if formulaire is None else 422,
    )


@get("/organisme", name="backoffice_recherche_organisme", sync_to_thread=True)
def rechercher_organisme(
    request: Request[Any, Any, Any], siret: FromQuery[str] = "", page: FromQuery[int] = 1
) -> Template:
    """The «Consulter un organisme» form: the page of the SIRET typed."""
    return _organisme(request, siret, page)


@get("/organisme/{siret:str}", name="backoffice_organisme", sync_to_thread=True)
def page_organisme(
    request: Request[Any, Any, Any], siret: FromPath[str], page: FromQuery[int] = 1
) -> Template:
    """An organisme: sheet, history, accounts, delegations, and its files page by page."""
    return _organisme(request, siret, page)


@post("/organisme/{siret:str}/cles-api/{cle_id:uuid}/revocation", sync_to_thread=True)
def revoquer_cle(
    request: Request[Any, Any, Any],
    siret: FromPath[str],
    cle_id: FromPath[uuid.UUID],
    data: Donnees,
) -> Template | Redirect:
    """Revoke one of the organisme's API keys (reason optional): its calls get a 401."""
    return _agir(
        request,
        data,
        ChampsMotif,
        lambda ctx, agent, lus: cles_api.revoquer_cle_api(
            ctx, agent, cle_id, lus.motif, siret=siret
        ),
        {"motif": f"motif-cle-{cle_id}"},
        lambda req, formulaire: _organisme(req, siret, formulaire=formulaire),
        "La clé d'API est révoquée : le logiciel qui la présente est désormais refusé.",
        f"{PREFIXE}/organisme/{siret}",
    )


ROUTES = [
    routeur(
        page_fiches,
        valider_fiche,
        refuser_fiche,
        page_comptes,
        approuver_compte,
        refuser_compte,
        page_delegations,
        decider_delegation,
        rechercher_organisme,
        page_organisme,
        revoquer_cle,
    )
]
