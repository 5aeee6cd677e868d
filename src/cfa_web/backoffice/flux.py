"""The feed seen by agents: the quarantine, replaying or discarding a record, the latest runs.

- ``/backoffice/flux``: the records awaiting an agent (number, key, reason), the latest
  runs of the feed with their summaries, the records already settled (replayed, or
  discarded: by whom and why).
- ``/backoffice/flux/quarantaine/<numero>``: one record, its reason and its raw content,
  with the forms that settle it: ``POST …/rejeu`` applies it again (read back by the
  Webservice format's reader), ``POST …/ecart`` discards it with a reason.

Every list and decision comes from :mod:`cfa_domain.services.suivi_flux`.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

import attrs
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from cfa_adapters.webservice.format import relire
from cfa_domain.errors import ErreurDomaine
from cfa_domain.services import suivi_flux
from cfa_domain.services.flux import ResultatApplication
from cfa_web import forms
from cfa_web.backoffice._commun import PREFIXE, routeur
from cfa_web.errors import traitement_de
from cfa_web.portail._commun import contexte, notifier, reponse_formulaire, utilisateur

__all__ = ["ROUTES", "ChampsEcart"]

EnvoiFormulaire = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

FLUX: Final = f"{PREFIXE}/flux"
GABARIT_REJET: Final = "backoffice/flux/rejet.html"
RESULTATS: Final = {
    ResultatApplication.CREE: "le dossier est créé",
    ResultatApplication.MIS_A_JOUR: "le dossier est mis à jour",
    ResultatApplication.INCHANGE: "le dossier était déjà à jour",
}
"""What an applied replay did, as the notice says it."""


@attrs.frozen
class ChampsEcart:
    """The discard form: the reason."""

    motif: str


@get("/flux", name="backoffice_flux", sync_to_thread=True)
def suivi(request: Request[Any, Any, Any]) -> Template:
    """The quarantine and the latest runs of the feed."""
    flux = suivi_flux.consulter_flux(contexte(request), utilisateur(request).compte_id)
    return Template(template_name="backoffice/flux/suivi.html", context={"suivi": flux})


@get("/flux/quarantaine/{numero:int}", name="backoffice_rejet", sync_to_thread=True)
def rejet(request: Request[Any, Any, Any], numero: FromPath[int]) -> Template:
    """One quarantined record: its reason, its raw content, the forms that settle it."""
    trouve = suivi_flux.consulter_rejet(contexte(request), utilisateur(request).compte_id, numero)
    return Template(
        template_name=GABARIT_REJET, context={"trouve": trouve, "formulaire": forms.Formulaire()}
    )


@post("/flux/quarantaine/{numero:int}/rejeu", sync_to_thread=True)
def rejouer(request: Request[Any, Any, Any], numero: FromPath[int]) -> Redirect:
    """Apply the record again: settled when applied, else the reason it still fails."""
    rejeu = suivi_flux.rejouer_rejet(
        contexte(request), utilisateur(request).compte_id, numero, relire
    )
    if rejeu.resultat is ResultatApplication.REJETE:
        notifier(request, f"L'enregistrement est toujours refusé : {rejeu.detail}")
        return Redirect(path=f"{FLUX}/quarantaine/{numero}", status_code=303)
    notifier(request, f"Enregistrement n° {numero} rejoué : {RESULTATS[rejeu.resultat]}.")
    return Redirect(path=FLUX, status_code=303)


@post("/flux/quarantaine/{numero:int}/ecart", sync_to_thread=True)
def ecarter(
    request: Request[Any, Any, Any], numero: FromPath[int], data: EnvoiFormulaire
) -> Template | Redirect:
    """Discard the record with the reason given; back to the feed's page."""
    ctx, agent_id = contexte(request), utilisateur(request).compte_id
    try:
        champs = forms.lire(ChampsEcart, data)
        forms.traiter(data, lambda: suivi_flux.ecarter_rejet(ctx, agent_id, numero, champs.motif))
    except forms.FormulaireInvalide as refus:
        cause = refus.__cause__
        statut = traitement_de(cause).statut if isinstance(cause, ErreurDomaine) else 422
        trouve = suivi_flux.consulter_rejet(ctx, agent_id, numero)
        return reponse_formulaire(GABARIT_REJET, refus.formulaire, statut, trouve=trouve)
    notifier(request, f"Enregistrement n° {numero} écarté.")
    return Redirect(path=FLUX, status_code=303)


ROUTES = [routeur(suivi, rejet, rejouer, ecarter)]
