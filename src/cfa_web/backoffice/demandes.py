"""«Demandes» of the back office: the queue of reimbursement requests and their processing.

The queue lists the requests waiting for the OPCO, oldest submitted first (one state at a
time on demand); a request's page shows its lines, documents (to open), history, and the
decisions its state allows: take it into processing, validate it, refuse it with a
reason, mark it paid with the day, amount and reference of the payment. The core queues
the CFA's mail; the CFA sees the new state in *Mes demandes*.
"""

from __future__ import annotations

import datetime as dt
import uuid  # noqa: TC003 - Litestar resolves the path parameters' annotations
from typing import Annotated, Any, Final

import attrs
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from cfa_domain.errors import DonneeInvalide
from cfa_domain.remboursement import EtatDemande, Paiement
from cfa_domain.services import demandes
from cfa_domain.services.demandes import Decision
from cfa_domain.values import Categorie, Montant
from cfa_web import forms
from cfa_web.backoffice._commun import PREFIXE, routeur
from cfa_web.portail._commun import contexte, notifier, utilisateur
from cfa_web.portail.demandes import telechargement

__all__ = ["ROUTES"]

Donnees = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
FILE: Final = f"{PREFIXE}/demandes"
DECISIONS: Final = {
    "prendre_en_traitement": Decision.PRENDRE_EN_TRAITEMENT,
    "valider": Decision.VALIDER,
    "refuser": Decision.REFUSER,
}
"""The decisions of the buttons (a payment has its own form)."""
NOTICES: Final = {
    Decision.PRENDRE_EN_TRAITEMENT: "La demande est prise en traitement.",
    Decision.VALIDER: "La demande est validée ; l'organisme en est prévenu.",
    Decision.REFUSER: "La demande est refusée ; l'organisme en est prévenu avec le motif.",
    Decision.PAYER: "La demande est payée ; l'organisme en est prévenu.",
}


@attrs.frozen
class ChampsFile:
    """The queue's filter: one state (all the waiting ones when blank), the page."""

    etat: EtatDemande | None = None
    page: int = 1


@attrs.frozen
class ChampsDecision:
    """A decision's button, and the reason of a refusal."""

    decision: str
    motif: str = ""


@attrs.frozen
class ChampsPaiement:
    """The payment: its day, its amount, its reference (a transfer's, for instance)."""

    paye_le: dt.date
    montant_paye: Montant
    reference_paiement: str


@get("/demandes", name="backoffice_demandes", sync_to_thread=True)
def file_demandes(
    request: Request[Any, Any, Any], etat: FromQuery[str] = "", page: FromQuery[str] = ""
) -> Template:
    """The requests waiting for the OPCO, oldest first; one state at a time on demand."""
    donnees = {"etat": etat, "page": page}
    ctx, agent_id = contexte(request), utilisateur(request).compte_id
    try:
        filtre = forms.lire(ChampsFile, donnees)
        resultats = forms.traiter(
            donnees,
            lambda: demandes.lister_demandes_a_traiter(
                ctx, agent_id, filtre.etat, page=filtre.page
            ),
        )
    except forms.FormulaireInvalide as refus:
        return _file(refus.formulaire, None, 422)
    return _file(forms.Formulaire(valeurs=forms.valeurs_saisies(donnees)), resultats, 200)


def _file(formulaire: forms.Formulaire, resultats: object, statut: int) -> Template:
    return Template(
        template_name="backoffice/demandes/file.html",
        context={
            "formulaire": formulaire,
            "resultats": resultats,
            "etats": list(EtatDemande),
            "rubrique": "demandes",
        },
        status_code=statut,
    )


def _page(
    request: Request[Any, Any, Any],
    demande_id: uuid.UUID,
    formulaire: forms.Formulaire | None = None,
) -> Template:
    """A request's page; 422 with the refused form's errors beside its fields."""
    detail = demandes.consulter_demande_opco(
        contexte(request), utilisateur(request).compte_id, demande_id
    )
    return Template(
        template_name="backoffice/demandes/demande.html",
        context={
            "detail": detail,
            "categories": list(Categorie),
            "formulaire": formulaire or forms.Formulaire(),
            "rubrique": "demandes",
        },
        status_code=200 if formulaire is None else 422,
    )


@get("/demandes/{demande_id:uuid}", name="backoffice_demande", sync_to_thread=True)
def page_demande(request: Request[Any, Any, Any], demande_id: FromPath[uuid.UUID]) -> Template:
    """A request: its lines, documents, history, and the decisions its state allows."""
    return _page(request, demande_id)


def _decision(texte: str) -> Decision:
    if texte not in DECISIONS:
        raise DonneeInvalide("Choisissez une décision.")
    return DECISIONS[texte]


@post("/demandes/{demande_id:uuid}/decision", sync_to_thread=True)
def decider(
    request: Request[Any, Any, Any], demande_id: FromPath[uuid.UUID], data: Donnees
) -> Template | Redirect:
    """Take into processing, validate, or refuse with a reason."""
    agent_id = utilisateur(request).compte_id
    try:
        champs = forms.lire(ChampsDecision, data)
        decision = forms.traiter(data, lambda: _decision(champs.decision))
        forms.traiter(
            data,
            lambda: demandes.traiter_demande(
                contexte(request), agent_id, demande_id, decision, champs.motif
            ),
            champs={"motif_refus": "motif"},
        )
    except forms.FormulaireInvalide as refus:
        return _page(request, demande_id, refus.formulaire)
    notifier(request, NOTICES[decision])
    return Redirect(path=f"{FILE}/{demande_id}", status_code=303)


@post("/demandes/{demande_id:uuid}/paiement", sync_to_thread=True)
def payer(
    request: Request[Any, Any, Any], demande_id: FromPath[uuid.UUID], data: Donnees
) -> Template | Redirect:
    """Mark the request paid, with the payment's day, amount and reference."""
    agent_id = utilisateur(request).compte_id
    try:
        champs = forms.lire(ChampsPaiement, data)
        forms.traiter(
            data,
            lambda: demandes.traiter_demande(
                contexte(request),
                agent_id,
                demande_id,
                Decision.PAYER,
                paiement=Paiement(
                    le=champs.paye_le,
                    montant=champs.montant_paye,
                    reference=champs.reference_paiement,
                ),
            ),
        )
    except forms.FormulaireInvalide as refus:
        return _page(request, demande_id, refus.formulaire)
    notifier(request, NOTICES[Decision.PAYER])
    return Redirect(path=f"{FILE}/{demande_id}", status_code=303)


@get("/documents/{document_id:str}", name="backoffice_document", sync_to_thread=True)
def document(request: Request[Any, Any, Any], document_id: FromPath[str]) -> Response[bytes]:
    """A document uploaded with a request, as a download under a name of ours."""
    meta, contenu = demandes.document_opco(
        contexte(request), utilisateur(request).compte_id, document_id
    )
    return telechargement(contenu, f"document-{meta.numero_action}-{meta.id}.pdf")


ROUTES = [routeur(file_demandes, page_demande, decider, payer, document)]
