"""The agents' files: search every organisme's files, work queues, a file's page and its changes.

- ``/backoffice/dossiers``: the portal's search plus state, CFA, payment regime, filing and
  contract-start dates, across every organisme, one page at a time; links to the work
  queue of each state.
- ``/backoffice/dossiers/a-traiter/<etat>``: the files in one state, oldest filing first.
- ``/backoffice/dossiers/<numero>``: the file's page as the CFA sees it (blocks, schedule,
  requests, history), with the forms that move it: a change of state with its reason
  (refusal, cancellation or deletion at the adhérent's request, on hold for documents,
  funding agreed, balance paid ...) and a rupture.
- ``POST …/etat``: the change (:func:`~cfa_domain.services.actions.changer_etat_action`);
- ``POST …/rupture/apercu``: the rupture's preview: the recomputed schedule and the
  overpayment, with the button that confirms it; ``POST …/rupture`` records it.

Every figure, right and allowed state comes from :mod:`cfa_domain.services.dossiers`;
the CFA is mailed by the use cases themselves.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Final, TypeVar
from urllib.parse import urlencode

import attrs
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from cfa_domain.action import EtatDossier
from cfa_domain.echeancier import Regime
from cfa_domain.errors import ErreurDomaine
from cfa_domain.ports import CriteresDossiers, CriteresRecherche
from cfa_domain.services import actions, dossiers
from cfa_web import forms
from cfa_web.auth import VERIFIEE, par_session
from cfa_web.backoffice._commun import PREFIXE, routeur
from cfa_web.errors import traitement_de
from cfa_web.portail._commun import contexte, notifier, reponse_formulaire, utilisateur
from cfa_web.portail.actions import graphique_budget, lignes_montrees

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Mapping

    from cfa_domain.services.contexte import Contexte
    from cfa_domain.services.dossiers import DossierConseiller

C = TypeVar("C")
R = TypeVar("R")

__all__ = ["ROUTES", "ChampsEtat", "ChampsRecherche", "ChampsRupture"]

EnvoiFormulaire = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

DOSSIERS: Final = f"{PREFIXE}/dossiers"
GABARIT_LISTE: Final = "backoffice/dossiers/liste.html"
GABARIT_DOSSIER: Final = "backoffice/dossiers/dossier.html"
GABARIT_APERCU: Final = "backoffice/dossiers/rupture.html"
CHAMPS_FORMULAIRE: Final = {"siret": "siret_cfa", "page": "resultats", "taille": "resultats"}
"""The core's field names where the search form's differ (a page number: at the results)."""
CHAMPS_RUPTURE: Final = {"motif": "motif_rupture"}
"""The rupture's reason is named apart from the change of state's (both on the file's page)."""


@attrs.frozen
class ChampsRecherche:
    """The agents' search form (every field optional)."""

    nom_apprenti: str | None = None
    numero_action: str | None = None
    numero_enregistrement: str | None = None
    etat: EtatDossier | None = None
    siret_cfa: str | None = None
    regime: Regime | None = None
    depot_du: dt.date | None = None
    depot_au: dt.date | None = None
    debut_contrat_du: dt.date | None = None
    debut_contrat_au: dt.date | None = None

    def criteres(self) -> CriteresDossiers:
        """The use case's criteria (the regime is passed beside them)."""
        return CriteresDossiers(
            recherche=CriteresRecherche(
                nom_apprenti=self.nom_apprenti,
                numero_action=self.numero_action,
                numero_enregistrement=self.numero_enregistrement,
            ),
            etat=self.etat,
            siret_cfa=self.siret_cfa,
            depot_du=self.depot_du,
            depot_au=self.depot_au,
            debut_contrat_du=self.debut_contrat_du,
            debut_contrat_au=self.debut_contrat_au,
        )


@attrs.frozen
class ChampsEtat:
    """The change of state form."""

    etat: EtatDossier
    motif: str = ""


@attrs.frozen
class ChampsRupture:
    """The rupture form: the contract's last day and the reason."""

    date_rupture: dt.date
    motif_rupture: str


def _contexte_recherche(saisie: dict[str, str]) -> dict[str, Any]:
    remplis = [(nom, valeur) for nom, valeur in saisie.items() if valeur and nom != "page"]

    def adresse(numero: int) -> str:
        return f"{DOSSIERS}?{urlencode([*remplis, ('page', str(numero))])}"

    return {"adresse": adresse, "etats": tuple(EtatDossier), "regimes": tuple(Regime)}


@get("/dossiers", name="backoffice_dossiers", sync_to_thread=True, opt=VERIFIEE)
def recherche(request: Request[Any, Any, Any], page: FromQuery[int] = 1) -> Template:
    """Search every organisme's files; one page of the result."""
    saisie = forms.valeurs_saisies(dict(request.query_params.items()))
    ctx = contexte(request)
    try:
        champs = forms.lire(ChampsRecherche, saisie)
        liste = forms.traiter(
            saisie,
            lambda: par_session(
                request,
                lambda session: dossiers.rechercher_dossiers(
                    ctx, session, champs.criteres(), regime=champs.regime, page=page
                ),
            ),
            champs=CHAMPS_FORMULAIRE,
        )
    except forms.FormulaireInvalide as refus:
        return reponse_formulaire(
            GABARIT_LISTE, refus.formulaire, liste=None, **_contexte_recherche(saisie)
        )
    return Template(
        template_name=GABARIT_LISTE,
        context={
            "formulaire": forms.Formulaire(valeurs=saisie),
            "liste": liste,
            **_contexte_recherche(saisie),
        },
    )


@get("/dossiers/a-traiter/{etat:str}", name="backoffice_file", sync_to_thread=True, opt=VERIFIEE)
def file_de_travail(
    request: Request[Any, Any, Any], etat: FromPath[str], page: FromQuery[int] = 1
) -> Template:
    """The files in one state, oldest filing first (an unknown state: 404)."""
    try:
        etat_dossier = EtatDossier(etat)
    except ValueError:
        raise NotFoundException from None
    liste = par_session(
        request,
        lambda session: dossiers.file_de_travail(
            contexte(request), session, etat_dossier, page=page
        ),
    )
    return Template(
        template_name="backoffice/dossiers/file.html",
        context={
            "liste": liste,
            "etat": etat_dossier,
            "adresse": lambda numero: f"{DOSSIERS}/a-traiter/{etat}?page={numero}",
        },
    )


def _page_dossier(
    fiche: DossierConseiller, formulaire: forms.Formulaire, statut: int = 200
) -> Template:
    lignes = lignes_montrees(fiche.detail.lignes)
    return Template(
        template_name=GABARIT_DOSSIER,
        context={
            "fiche": fiche,
            "detail": fiche.detail,
            "lignes": lignes,
            "categories": tuple(ligne.categorie for ligne in lignes),
            "graphique": graphique_budget(lignes),
            "lien_demandes": f"{PREFIXE}/demandes",
            "formulaire": formulaire,
        },
        status_code=statut,
    )


@get("/dossiers/{numero:str}", name="backoffice_dossier", sync_to_thread=True, opt=VERIFIEE)
def dossier(request: Request[Any, Any, Any], numero: FromPath[str]) -> Template:
    """A file's page: its blocks, schedule, requests, history, and the forms that move it."""
    fiche = par_session(
        request, lambda session: dossiers.consulter_dossier(contexte(request), session, numero)
    )
    return _page_dossier(fiche, forms.Formulaire())


def _formulaire_du_dossier(
    request: Request[Any, Any, Any],
    numero: str,
    data: dict[str, str],
    classe: type[C],
    appel: Callable[[Contexte, uuid.UUID, C], R],
    *,
    noms: Mapping[str, str] | None = None,
) -> R | Template:
    """Read a form of the file's page and run its use case.

    A refusal gives the file's page again, the error beside its field (status of the
    error table, 422 for a malformed field); ``noms`` renames the core's fields to the
    form's.
    """
    ctx, agent_id = contexte(request), utilisateur(request).compte_id
    try:
        champs = forms.lire(classe, data)
        return forms.traiter(data, lambda: appel(ctx, agent_id, champs), champs=noms)
    except forms.FormulaireInvalide as refus:
        cause = refus.__cause__
        statut = traitement_de(cause).statut if isinstance(cause, ErreurDomaine) else 422
        fiche = dossiers.consulter_dossier(ctx, agent_id, numero)
        return _page_dossier(fiche, refus.formulaire, statut)


@post("/dossiers/{numero:str}/etat", sync_to_thread=True)
def changer_etat(
    request: Request[Any, Any, Any], numero: FromPath[str], data: EnvoiFormulaire
) -> Template | Redirect:
    """Move the file to the chosen state with the reason given; back to its page."""
    changement = _formulaire_du_dossier(
        request,
        numero,
        data,
        ChampsEtat,
        lambda ctx, agent_id, champs: actions.changer_etat_action(
            ctx, agent_id, numero, champs.etat, champs.motif
        ),
    )
    if isinstance(changement, Template):
        return changement
    notifier(request, f"Le dossier est désormais « {changement.arrivee.libelle} ».")
    return Redirect(path=f"{DOSSIERS}/{numero}", status_code=303)


@post("/dossiers/{numero:str}/rupture/apercu", sync_to_thread=True)
def apercu_rupture(
    request: Request[Any, Any, Any], numero: FromPath[str], data: EnvoiFormulaire
) -> Template:
    """The rupture's preview: the recomputed schedule and overpayment, to confirm."""
    apercu = _formulaire_du_dossier(
        request,
        numero,
        data,
        ChampsRupture,
        lambda ctx, agent_id, champs: dossiers.apercu_rupture(
            ctx, agent_id, numero, champs.date_rupture, champs.motif_rupture
        ),
        noms=CHAMPS_RUPTURE,
    )
    if isinstance(apercu, Template):
        return apercu
    return Template(
        template_name=GABARIT_APERCU,
        context={"apercu": apercu, "valeurs": forms.valeurs_a_reafficher(data)},
    )


@post("/dossiers/{numero:str}/rupture", sync_to_thread=True)
def rompre(
    request: Request[Any, Any, Any], numero: FromPath[str], data: EnvoiFormulaire
) -> Template | Redirect:
    """Record the rupture the preview showed; back to the file's page."""
    rupture = _formulaire_du_dossier(
        request,
        numero,
        data,
        ChampsRupture,
        lambda ctx, agent_id, champs: actions.rompre_action(
            ctx, agent_id, numero, champs.date_rupture, champs.motif_rupture
        ),
        noms=CHAMPS_RUPTURE,
    )
    if isinstance(rupture, Template):
        return rupture
    notifier(request, "La rupture du contrat est enregistrée ; le CFA en est informé.")
    return Redirect(path=f"{DOSSIERS}/{numero}", status_code=303)


ROUTES = [routeur(recherche, file_de_travail, dossier, changer_etat, apercu_rupture, rompre)]
