"""Saisir une demande de remboursement, its receipt, and "Mes demandes" (the guide's screens).

- ``/actions/<numero>/demande``: the request form of a file, pre-filled with the next
  installment due (:func:`~cfa_domain.services.demandes.preparer_demande`); posted as
  multipart with the invoice and the certificate. "Recalculer le total" posts the form
  to have the server's total without submitting; the page's script shows it live. The
  form carries a one-time key drawn at each display: posting it twice (a double click, a
  reload) creates one request and shows the same receipt.
- ``/demandes/<id>``: the receipt page (the request, its documents, its state);
  ``/demandes/<id>/recepisse``: the receipt in PDF; ``/documents/<id>``: a document.
- ``/demandes``: the organisme's requests, filtered by state and action number, paged;
  ``/demandes/<id>/annulation``: confirm and cancel a request the OPCO has not started.
- ``/conditions-generales``: the general conditions the form's box accepts.

Every amount, right and state comes from the use cases; an error goes beside the field
its ``champ`` names (the category of a ``BudgetDepasse``, the document of a
``DocumentRefuse`` ...).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid  # noqa: TC003 - Litestar resolves the path parameters' annotations
from typing import Annotated, Any, Final
from urllib.parse import urlencode

import attrs
from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from cfa_domain.errors import ErreurDomaine
from cfa_domain.ports import CriteresDemandes
from cfa_domain.remboursement import EtatDemande, MontantsDemandes, QuantitesFraisAnnexes
from cfa_domain.services import demandes
from cfa_domain.services.demandes import CommandeDemande, Preremplissage
from cfa_domain.values import Categorie, Montant, Periode, Piece
from cfa_web import forms
from cfa_web.auth import VERIFIEE, exiger_cfa, par_session
from cfa_web.errors import traitement_de
from cfa_web.portail._commun import contexte, notifier, reponse_formulaire, utilisateur

__all__ = ["ROUTES", "ChampsDemande", "ChampsFiltres", "telechargement"]

EnvoiMultipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
EnvoiFormulaire = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

RECALCULER: Final = "recalculer"
"""The value of the "Recalculer le total" button (the other one submits the request)."""
CLE: Final = "cle_idempotence"
CHAMPS_DU_FORMULAIRE: Final = frozenset(
    {
        "date_debut",
        "date_fin",
        *(c.value for c in Categorie),
        "nombre_repas",
        "nombre_nuitees",
        "premier_equipement",
        *(p.value for p in Piece),
        "fichiers",
        "conditions_acceptees",
    }
)
"""The fields an error can stand beside (any other goes to the summary at the top)."""
DEMANDE_ENVOYEE: Final = (
    "Votre demande de remboursement a bien été envoyée. Son récépissé vous est aussi "
    "adressé par mail."
)
PDF: Final = "application/pdf"


def _cle() -> str:
    """A new one-time key for a display of the form."""
    return secrets.token_urlsafe(24)


def _saisie(montant: Montant) -> str:
    """An amount as the form's input shows it: ``5249,40``."""
    return f"{montant.valeur:.2f}".replace(".", ",")


@attrs.frozen
class ChampsMontants:
    """The amount lines of the request form (a blank one is zero): what the total adds up."""

    frais_pedagogiques: Montant = attrs.field(factory=Montant.zero)
    repas_nuitees: Montant = attrs.field(factory=Montant.zero)
    frais_divers: Montant = attrs.field(factory=Montant.zero)
    mobilite_internationale: Montant = attrs.field(factory=Montant.zero)
    majoration_handicap: Montant = attrs.field(factory=Montant.zero)

    def montant(self, categorie: Categorie) -> Montant:
        """The amount typed on one line."""
        valeur: Montant = getattr(self, categorie.value)
        return valeur

    @property
    def total(self) -> Montant:
        """The sum of the lines, as the server shows it."""
        return Montant.somme(self.montant(c) for c in Categorie)


@attrs.frozen(kw_only=True)
class ChampsDemande(ChampsMontants):
    """The whole request form (files aside); a blank count is zero."""

    date_debut: dt.date
    date_fin: dt.date
    nombre_repas: int = 0
    nombre_nuitees: int = 0
    premier_equipement: Montant = attrs.field(factory=Montant.zero)
    conditions_acceptees: bool = False
    cle_idempotence: str | None = None

    def commande(
        self, numero_action: str, fichiers: tuple[tuple[Piece, str, bytes], ...]
    ) -> CommandeDemande:
        """The use case's command (its value objects check the period, amounts, counts)."""
        return CommandeDemande(
            numero_action=numero_action,
            periode=Periode(self.date_debut, self.date_fin),
            montants=MontantsDemandes.depuis({c: self.montant(c) for c in Categorie}),
            fichiers=fichiers,
            quantites=QuantitesFraisAnnexes(
                nombre_repas=self.nombre_repas,
                nombre_nuitees=self.nombre_nuitees,
                premier_equipement=self.premier_equipement,
            ),
            conditions_acceptees=self.conditions_acceptees,
            cle_idempotence=self.cle_idempotence,
        )


@attrs.frozen
class ChampsFiltres:
    """The filters of "Mes demandes" (query string)."""

    etat: EtatDemande | None = None
    numero_action: str | None = None
    page: int = 1


@attrs.frozen
class ChampsAnnulation:
    """The cancellation's confirmation form."""

    motif: str = ""


# --- the request form --------------------------------------------------------------------


def _valeurs_initiales(prerempli: Preremplissage) -> dict[str, str]:
    """The form as first shown: the proposed installment's period and amounts, a new key."""
    valeurs = {CLE: _cle()}
    if prerempli.periode is not None:
        valeurs["date_debut"] = prerempli.periode.debut.isoformat()
        valeurs["date_fin"] = prerempli.periode.fin.isoformat()
    proposes = prerempli.montants_proposes()
    if proposes is not None:
        valeurs.update({c.value: _saisie(proposes.pour(c)) for c in Categorie if proposes.pour(c)})
    return valeurs


def _page_formulaire(
    request: Request[Any, Any, Any],
    prerempli: Preremplissage,
    formulaire: forms.Formulaire,
    total: Montant | None,
    statut: int,
) -> Template:
    parametres = contexte(request).parametres
    return Template(
        template_name="demandes/formulaire.html",
        context={
            "prerempli": prerempli,
            "formulaire": formulaire,
            "total": total,
            "certificat_requis": Piece.CERTIFICAT_REALISATION in prerempli.pieces_requises,
            "taille_max_mo": parametres.taille_max_document // (1024 * 1024),
            "pages_max": parametres.pages_max_document,
            "recalculer": RECALCULER,
        },
        status_code=statut,
    )


def _preparer(request: Request[Any, Any, Any], numero: str) -> Preremplissage:
    return demandes.preparer_demande(contexte(request), utilisateur(request).compte_id, numero)


@get("/actions/{numero:str}/demande", name="demande", guards=[exiger_cfa], sync_to_thread=True)
def page_demande(request: Request[Any, Any, Any], numero: FromPath[str]) -> Template:
    """The request form of a file, pre-filled with the next installment due."""
    prerempli = _preparer(request, numero)
    proposes = prerempli.montants_proposes()
    formulaire = forms.Formulaire(valeurs=_valeurs_initiales(prerempli))
    total = proposes.total if proposes is not None else Montant.zero()
    return _page_formulaire(request, prerempli, formulaire, total, 200)


def _fichiers(donnees: dict[str, Any]) -> tuple[tuple[Piece, str, bytes], ...]:
    """The documents uploaded in the fields of a piece, read; every uploaded file closed.

    The body's size was bounded before it was read (``request_max_body_size``).
    """
    pieces = {piece.value: piece for piece in Piece}
    lus: list[tuple[Piece, str, bytes]] = []
    for nom, valeur in donnees.items():
        for envoi in valeur if isinstance(valeur, list) else [valeur]:
            if isinstance(envoi, UploadFile):
                try:
                    if nom in pieces:
                        lus.append((pieces[nom], envoi.filename, envoi.file.read()))
                finally:
                    envoi.file.close()
    return tuple(lus)


def _reafficher(formulaire: forms.Formulaire) -> forms.Formulaire:
    """Errors of no visible field go to the summary; a refused key is drawn again."""
    ailleurs = [champ for champ in formulaire.erreurs if champ not in CHAMPS_DU_FORMULAIRE]
    formulaire.generales.extend(formulaire.erreurs.pop(champ) for champ in ailleurs)
    if CLE in ailleurs:
        formulaire.valeurs[CLE] = _cle()
    return formulaire


def _statut(refus: forms.FormulaireInvalide) -> int:
    """The status of the error table for a use case's refusal (422 for a syntax error)."""
    cause = refus.__cause__
    return traitement_de(cause).statut if isinstance(cause, ErreurDomaine) else 422


@post("/actions/{numero:str}/demande", guards=[exiger_cfa], sync_to_thread=True)
def envoyer_demande(
    request: Request[Any, Any, Any], numero: FromPath[str], data: EnvoiMultipart
) -> Template | Redirect:
    """Submit the request (or recompute its total); on success, go to its receipt."""
    fichiers = _fichiers(data)
    if data.get("action") == RECALCULER:
        return _recalculer(request, numero, data)
    ctx, compte_id = contexte(request), utilisateur(request).compte_id
    total: Montant | None = None
    try:
        champs = forms.lire(ChampsDemande, data)
        total = champs.total
        recu = forms.traiter(
            data,
            lambda: demandes.soumettre_demande(ctx, compte_id, champs.commande(numero, fichiers)),
        )
    except forms.FormulaireInvalide as refus:
        return _page_formulaire(
            request,
            _preparer(request, numero),
            _reafficher(refus.formulaire),
            total,
            _statut(refus),
        )
    notifier(request, DEMANDE_ENVOYEE)
    return Redirect(path=f"/demandes/{recu.demande_id}", status_code=303)


def _recalculer(request: Request[Any, Any, Any], numero: str, data: dict[str, Any]) -> Template:
    """The form again with the server's total of the amounts typed (nothing is submitted)."""
    prerempli = _preparer(request, numero)
    try:
        montants = forms.lire(ChampsMontants, data)
    except forms.FormulaireInvalide as refus:
        return _page_formulaire(request, prerempli, _reafficher(refus.formulaire), None, 422)
    formulaire = forms.Formulaire(valeurs=forms.valeurs_a_reafficher(data))
    return _page_formulaire(request, prerempli, formulaire, montants.total, 200)


@get("/conditions-generales", name="conditions_generales", sync_to_thread=False)
def conditions_generales() -> Template:
    """The general conditions of the apprenticeship funding the request form accepts."""
    return Template(template_name="demandes/conditions_generales.html")


# --- the receipt, its PDF, the documents ---------------------------------------------------


@get(
    "/demandes/{demande_id:uuid}",
    name="demande_recue",
    guards=[exiger_cfa],
    sync_to_thread=True,
    opt=VERIFIEE,
)
def page_recepisse(request: Request[Any, Any, Any], demande_id: FromPath[uuid.UUID]) -> Template:
    """The receipt of a request, its documents and its state."""
    detail = par_session(
        request, lambda session: demandes.consulter_demande(contexte(request), session, demande_id)
    )
    return Template(
        template_name="demandes/recepisse.html",
        context={"detail": detail, "categories": list(Categorie)},
    )


def telechargement(contenu: bytes, nom: str) -> Response[bytes]:
    """A PDF as a download under ``nom``."""
    return Response(
        content=contenu,
        media_type=PDF,
        headers={"content-disposition": f'attachment; filename="{nom}"'},
    )


@get(
    "/demandes/{demande_id:uuid}/recepisse",
    name="recepisse_pdf",
    guards=[exiger_cfa],
    sync_to_thread=True,
)
def recepisse_pdf(
    request: Request[Any, Any, Any], demande_id: FromPath[uuid.UUID]
) -> Response[bytes]:
    """The receipt in PDF, as a download."""
    contenu = demandes.recepisse_pdf(contexte(request), utilisateur(request).compte_id, demande_id)
    return telechargement(contenu, f"recepisse-{demande_id}.pdf")


@get("/documents/{document_id:str}", name="document", guards=[exiger_cfa], sync_to_thread=True)
def document(request: Request[Any, Any, Any], document_id: FromPath[str]) -> Response[bytes]:
    """A document uploaded with a request, as a download under a name of ours."""
    meta, contenu = demandes.document(
        contexte(request), utilisateur(request).compte_id, document_id
    )
    return telechargement(contenu, f"document-{meta.numero_action}-{meta.id}.pdf")


# --- "Mes demandes" and cancellation -------------------------------------------------------


@get("/demandes", name="mes_demandes", guards=[exiger_cfa], sync_to_thread=True, opt=VERIFIEE)
def mes_demandes(
    request: Request[Any, Any, Any],
    etat: FromQuery[str] = "",
    numero_action: FromQuery[str] = "",
    page: FromQuery[str] = "",
) -> Template:
    """The organisme's requests, newest first, filtered by state and action number."""
    donnees = {"etat": etat, "numero_action": numero_action, "page": page}
    ctx = contexte(request)
    filtres = {"etat": etat, "numero_action": numero_action}

    def adresse(numero: int) -> str:
        return "/demandes?" + urlencode({**{k: v for k, v in filtres.items() if v}, "page": numero})

    etats = list(EtatDemande)
    try:
        champs = forms.lire(ChampsFiltres, donnees)
        resultat = forms.traiter(
            donnees,
            lambda: par_session(
                request,
                lambda session: demandes.lister_demandes(
                    ctx,
                    session,
                    CriteresDemandes(etat=champs.etat, numero_action=champs.numero_action),
                    page=champs.page,
                ),
            ),
        )
    except forms.FormulaireInvalide as refus:
        return reponse_formulaire(
            "demandes/liste.html", refus.formulaire, resultats=None, etats=etats, adresse=adresse
        )
    return Template(
        template_name="demandes/liste.html",
        context={
            "formulaire": forms.Formulaire(valeurs=forms.valeurs_saisies(donnees)),
            "resultats": resultat,
            "etats": etats,
            "adresse": adresse,
        },
    )


@get(
    "/demandes/{demande_id:uuid}/annulation",
    name="annulation",
    guards=[exiger_cfa],
    sync_to_thread=True,
)
def page_annulation(request: Request[Any, Any, Any], demande_id: FromPath[uuid.UUID]) -> Template:
    """Confirm the cancellation of a request (or say why it can no longer be cancelled)."""
    detail = demandes.consulter_demande(
        contexte(request), utilisateur(request).compte_id, demande_id
    )
    return Template(
        template_name="demandes/annulation.html",
        context={"detail": detail, "formulaire": forms.Formulaire(), "demande_id": demande_id},
    )


@post("/demandes/{demande_id:uuid}/annulation", guards=[exiger_cfa], sync_to_thread=True)
def annuler(
    request: Request[Any, Any, Any], demande_id: FromPath[uuid.UUID], data: EnvoiFormulaire
) -> Template | Redirect:
    """Cancel the request; back to "Mes demandes"."""
    ctx, compte_id = contexte(request), utilisateur(request).compte_id
    try:
        champs = forms.lire(ChampsAnnulation, data)
        forms.traiter(
            data, lambda: demandes.annuler_demande(ctx, compte_id, demande_id, champs.motif)
        )
    except forms.FormulaireInvalide as refus:
        return reponse_formulaire(
            "demandes/annulation.html",
            refus.formulaire,
            _statut(refus),
            detail=None,
            demande_id=demande_id,
        )
    notifier(request, "La demande a été annulée.")
    return Redirect(path="/demandes", status_code=303)


ROUTES = [
    Router(
        path="/",
        route_handlers=[
            page_demande,
            envoyer_demande,
            conditions_generales,
            page_recepisse,
            recepisse_pdf,
            document,
            mes_demandes,
            page_annulation,
            annuler,
        ],
    )
]
"""The pages of this module, in one router: Litestar 2.25 registers again the handlers of a
path each time another handler joins that path at the application, and a second
registration wraps a ``sync_to_thread`` handler twice (it then answers a coroutine, a 500).
A router hands each path to the application once, whatever the handlers on it."""
