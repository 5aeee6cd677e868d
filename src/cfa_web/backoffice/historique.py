"""The audit trail in the back office: an aggregate's history on a page and as CSV.

- ``/backoffice/historique?objet=…&identifiant=…``: the history of a file (action number),
  a request or a delegation (identifier), an account (address or identifier), an
  organisme (SIRET): who, when, from which state, to which, why; oldest first.
- ``/backoffice/historique/export.csv?objet=…&identifiant=…``: the same as a CSV file for
  French spreadsheets (``;``, UTF-8 with a BOM), streamed line by line.

The trail comes from :func:`cfa_domain.services.historiques.consulter_historique`; the
histories are append-only (the aggregates' state machines write them).
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

import attrs
from litestar import Request, get
from litestar.response import Stream, Template

from cfa_domain.services import historiques
from cfa_domain.services.historiques import Historique, ObjetHistorique
from cfa_web import forms
from cfa_web.backoffice._commun import PREFIXE, routeur
from cfa_web.formats import filtres
from cfa_web.portail._commun import contexte, reponse_formulaire, utilisateur
from cfa_web.portail.actions import BOM, cellule_csv

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["ENTETES_CSV", "ROUTES", "ChampsHistorique", "lignes_csv"]

GABARIT: Final = "backoffice/historique.html"
CHAMPS: Final = {"siret": "identifiant", "email": "identifiant"}
"""The core's field names where the form's differ (the identifier is one field)."""
ENTETES_CSV: Final = ("Objet", "Identifiant", "Date", "Par", "Ancien état", "Nouvel état", "Motif")


@attrs.frozen
class ChampsHistorique:
    """Which aggregate: its kind and its name."""

    objet: ObjetHistorique
    identifiant: str


def _lire(request: Request[Any, Any, Any], saisie: dict[str, str]) -> Historique:
    ctx, agent_id = contexte(request), utilisateur(request).compte_id
    champs = forms.lire(ChampsHistorique, saisie)
    return forms.traiter(
        saisie,
        lambda: historiques.consulter_historique(ctx, agent_id, champs.objet, champs.identifiant),
        champs=CHAMPS,
    )


def _page(formulaire: forms.Formulaire, historique: Historique | None, statut: int) -> Template:
    export = None
    if historique is not None:
        requete = {"objet": historique.objet.value, "identifiant": historique.identifiant}
        export = f"{PREFIXE}/historique/export.csv?{urlencode(requete)}"
    return reponse_formulaire(
        GABARIT,
        formulaire,
        statut,
        historique=historique,
        objets=tuple(ObjetHistorique),
        export=export,
    )


@get("/historique", name="backoffice_historique", sync_to_thread=True)
def historique(request: Request[Any, Any, Any]) -> Template:
    """The form, and the history of the aggregate it names."""
    saisie = forms.valeurs_saisies(dict(request.query_params.items()))
    if not saisie:
        return _page(forms.Formulaire(), None, 200)
    try:
        trouve = _lire(request, saisie)
    except forms.FormulaireInvalide as refus:
        return _page(refus.formulaire, None, 422)
    return _page(forms.Formulaire(valeurs=saisie), trouve, 200)


def lignes_csv(historique: Historique, fuseau: str) -> Iterator[bytes]:
    """The CSV file of a history, one chunk per entry."""
    instant = filtres(fuseau)["instant"]
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")

    def morceau(ligne: list[str] | tuple[str, ...]) -> bytes:
        ecrivain.writerow(ligne)
        texte = tampon.getvalue()
        tampon.seek(0)
        tampon.truncate()
        return texte.encode()

    yield BOM.encode() + morceau(ENTETES_CSV)
    for entree in historique.entrees:
        yield morceau(
            [
                historique.objet.libelle,
                cellule_csv(historique.identifiant),
                instant(entree.quand),
                cellule_csv(entree.auteur),
                "" if entree.depart is None else entree.depart.libelle,
                entree.arrivee.libelle,
                cellule_csv(entree.motif),
            ]
        )


@get("/historique/export.csv", name="backoffice_historique_csv", sync_to_thread=True)
def export(request: Request[Any, Any, Any]) -> Stream | Template:
    """The history as CSV (a refused name: the form page, with the error)."""
    saisie = forms.valeurs_saisies(dict(request.query_params.items()))
    try:
        trouve = _lire(request, saisie)
    except forms.FormulaireInvalide as refus:
        return _page(refus.formulaire, None, 422)
    nom = f"historique-{trouve.objet.value}-{trouve.identifiant}.csv".replace('"', "")
    return Stream(
        lignes_csv(trouve, contexte(request).parametres.fuseau_horaire),
        media_type="text/csv",
        headers={"content-disposition": f'attachment; filename="{nom}"'},
    )


ROUTES = [routeur(historique, export)]
