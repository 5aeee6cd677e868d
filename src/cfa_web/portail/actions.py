"""Consulter les actions apprentissage: "Mes actions" (search, list, CSV export) and a file.

- ``/actions``: the guide's search (apprentice name, action number, DECA or SIA number)
  and its table, one page at a time ("Affichage de l'élément X à Y sur N éléments"),
  sorted on the column whose header was clicked (``tri``, ``ordre``; again: reversed).
- ``/actions/export.csv``: the whole result of the same search as a CSV file for French
  spreadsheets (``;`` separator, UTF-8 with a BOM, decimal commas), in the list's order,
  streamed: it reads the result page after page through the use case, never all of it at
  once.
- ``/actions/<numero>``: the file's blocks (Formation, Contrat, Aspect financier,
  Paiements), its payment schedule, the budget consumed per category (an inline SVG with
  the same figures as a table) and the history of its states. A file the account may not
  see answers 404, exactly like a file that does not exist.

Every figure comes from :mod:`cfa_domain.services.actions`; this module only lays them
out (the bars' lengths of the chart are drawing, not amounts).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

import attrs
from litestar import Request, get
from litestar.params import FromPath, FromQuery  # noqa: TC002 - Litestar reads them at runtime
from litestar.response import Redirect, Stream, Template

from cfa_domain.ports import TRI_PAR_DEFAUT, ColonneTri, CriteresRecherche, Tri
from cfa_domain.services import actions
from cfa_domain.services.actions import LigneBudget, ListeActions
from cfa_domain.services.contexte import TAILLE_PAGE_MAX
from cfa_web import forms
from cfa_web.auth import VERIFIEE, exiger_cfa, par_session
from cfa_web.formats import montant_csv, montant_fr
from cfa_web.portail._commun import contexte, reponse_formulaire, utilisateur

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from cfa_domain.ports import ResumeAction

__all__ = [
    "BOM",
    "ENTETES",
    "ENTETES_CSV",
    "ROUTES",
    "Barre",
    "Entete",
    "Graphique",
    "cellule_csv",
    "entetes",
    "graphique_budget",
    "lignes_montrees",
]

GABARIT_LISTE: Final = "actions/liste.html"
CHAMPS_RECHERCHE: Final = ("nom_apprenti", "numero_action", "numero_enregistrement")
ERREURS_DE_PAGE: Final = {"page": "resultats", "taille": "resultats", "tri": "resultats"}
"""A page number or sort refused by the use case is shown at the results (no typed field)."""

TAILLE_PAGE_EXPORT: Final = TAILLE_PAGE_MAX
"""Files read per call of the use case while the export streams."""
ENTETES_CSV: Final = (
    "Numéro d'action",
    "État du dossier",
    "CFA bénéficiaire",
    "SIRET du CFA",
    "Nom de l'apprenti",
    "Prénom de l'apprenti",
    "Numéro DECA ou SIA",
    "Budget alternance total",
    "Montant des frais pédagogiques pris en charge",
    "Montant des frais annexes pris en charge",
    "Total des remboursements",
)
BOM: Final = "\ufeff"
"""Tells Excel the file is UTF-8 (without it, accents are read as Windows-1252)."""
_FORMULE: Final = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet reads as a formula (CSV injection, OWASP)."""

LARGEUR_GRAPHIQUE: Final = 640
LARGEUR_BARRE: Final = 600
HAUTEUR_LIGNE: Final = 56
MARGE_GAUCHE: Final = 8


@attrs.frozen
class Barre:
    """One category of the budget chart: its figures and where its bar is drawn."""

    ligne: LigneBudget
    y: int
    """Top of the row, in the drawing's units."""
    largeur: int
    """Length of the consumed part (the whole bar is the category's budget)."""
    depasse: bool
    """More was consumed than the current budget (the budget was lowered since)."""

    @property
    def libelle(self) -> str:
        """The category's French label and its figures, as the bar's text says them."""
        return (
            f"{self.ligne.categorie.libelle} : {montant_fr(self.ligne.consomme.valeur)} "
            f"consommés sur {montant_fr(self.ligne.budget.valeur)}"
        )


@attrs.frozen
class Graphique:
    """The budget consumed per category, laid out for an inline SVG."""

    barres: tuple[Barre, ...]
    largeur: int = LARGEUR_GRAPHIQUE
    largeur_barre: int = LARGEUR_BARRE
    marge: int = MARGE_GAUCHE

    @property
    def hauteur(self) -> int:
        """Height of the drawing: one row per category."""
        return HAUTEUR_LIGNE * len(self.barres)

    @property
    def description(self) -> str:
        """The whole chart in one sentence (its accessible name)."""
        return "Budget consommé par catégorie. " + " ; ".join(b.libelle for b in self.barres) + "."


def lignes_montrees(lignes: tuple[LigneBudget, ...]) -> tuple[LigneBudget, ...]:
    """The categories worth a column: a budget, or something requested on them.

    A file without a majoration handicap, say, shows no empty column for it.
    """
    return tuple(ligne for ligne in lignes if ligne.budget or ligne.consomme)


def graphique_budget(lignes: tuple[LigneBudget, ...]) -> Graphique:
    """Lay out the budget lines: each bar is its budget, its filled part what is consumed."""
    barres = []
    for rang, ligne in enumerate(lignes):
        budget, consomme = ligne.budget.valeur, ligne.consomme.valeur
        part = min(consomme / budget, Decimal(1)) if budget else Decimal(0)
        barres.append(
            Barre(
                ligne=ligne,
                y=rang * HAUTEUR_LIGNE,
                largeur=int((part * LARGEUR_BARRE).to_integral_value()),
                depasse=consomme > budget,
            )
        )
    return Graphique(barres=tuple(barres))


def _saisie(nom_apprenti: str, numero_action: str, numero_enregistrement: str) -> dict[str, str]:
    return {
        "nom_apprenti": nom_apprenti,
        "numero_action": numero_action,
        "numero_enregistrement": numero_enregistrement,
    }


def _criteres(saisie: Mapping[str, str]) -> CriteresRecherche:
    return CriteresRecherche(**{nom: saisie[nom] or None for nom in CHAMPS_RECHERCHE})


def _adresse(chemin: str, saisie: Mapping[str, str], tri: Tri) -> Callable[[int | None], str]:
    """``adresse(numero)``: the URL of a page of this search (``None``: no page number).

    The criteria and the sort are kept; the default sort is left out of the URL.
    """
    remplis = [(nom, saisie[nom]) for nom in CHAMPS_RECHERCHE if saisie[nom]]
    if tri != TRI_PAR_DEFAUT:
        remplis += [("tri", tri.colonne.value), ("ordre", tri.ordre)]

    def adresse(numero: int | None = None) -> str:
        parametres = remplis if numero is None else [*remplis, ("page", str(numero))]
        return f"{chemin}?{urlencode(parametres)}" if parametres else chemin

    return adresse


@attrs.frozen
class Entete:
    """A sortable column's header: its label, and the link that sorts on it."""

    libelle: str
    lien: str
    tri: str | None
    """``aria-sort`` of the column the list is sorted on (``ascending``/``descending``)."""
    montant: bool


ENTETES: Final = (
    (ColonneTri.NUMERO_ACTION, "Numéro d'action"),
    (ColonneTri.ETAT, "État du dossier"),
    (ColonneTri.CFA, "CFA bénéficiaire des comptes Apprenti"),
    (None, "Apprenti"),
    (ColonneTri.NUMERO_ENREGISTREMENT, "Numéro DECA ou SIA"),
    (ColonneTri.BUDGET_TOTAL, "Budget alternance total"),
    (ColonneTri.FRAIS_PEDAGOGIQUES, "Montant des frais pédagogiques pris en charge"),
    (ColonneTri.FRAIS_ANNEXES, "Montant des frais annexes pris en charge"),
    (ColonneTri.TOTAL_REMBOURSE, "Total des remboursements"),
)
"""The guide's columns in its order; the apprentice's name is not sorted (``None``)."""
_MONTANTS: Final = frozenset(
    {
        ColonneTri.BUDGET_TOTAL,
        ColonneTri.FRAIS_PEDAGOGIQUES,
        ColonneTri.FRAIS_ANNEXES,
        ColonneTri.TOTAL_REMBOURSE,
    }
)


def entetes(saisie: Mapping[str, str], tri: Tri) -> tuple[Entete | str, ...]:
    """The table's headers: each sortable one links to the list sorted on it.

    A click on the column the list is sorted on reverses it; on another column, sorts on
    it in its first direction. The criteria are kept and the list starts again at its
    first page (a page number of the former order would show other files).
    """
    resultat: list[Entete | str] = []
    for colonne, libelle in ENTETES:
        if colonne is None:
            resultat.append(libelle)
            continue
        actif = tri.colonne is colonne
        suivant = tri.inverse() if actif else Tri.depuis(colonne.value, "")
        resultat.append(
            Entete(
                libelle=libelle,
                lien=_adresse("/actions", saisie, suivant)(None),
                tri=("ascending" if tri.croissant else "descending") if actif else None,
                montant=colonne in _MONTANTS,
            )
        )
    return tuple(resultat)


def _page_refusee(refus: forms.FormulaireInvalide, saisie: Mapping[str, str]) -> Template:
    return reponse_formulaire(
        GABARIT_LISTE,
        refus.formulaire,
        liste=None,
        adresse=_adresse("/actions", saisie, TRI_PAR_DEFAUT),
        export=None,
    )


@get("/actions", name="actions", guards=[exiger_cfa], sync_to_thread=True, opt=VERIFIEE)
def mes_actions(
    request: Request[Any, Any, Any],
    *,
    nom_apprenti: FromQuery[str] = "",
    numero_action: FromQuery[str] = "",
    numero_enregistrement: FromQuery[str] = "",
    page: FromQuery[int] = 1,
    tri: FromQuery[str] = "",
    ordre: FromQuery[str] = "",
) -> Template | Redirect:
    """The files the account may see, filtered by the guide's search, one page at a time.

    ``tri`` and ``ordre`` sort the table on one of its columns (:meth:`Tri.depuis`).
    """
    saisie = _saisie(nom_apprenti, numero_action, numero_enregistrement)
    ctx = contexte(request)
    try:
        ordonne = forms.traiter(saisie, lambda: Tri.depuis(tri, ordre), champs=ERREURS_DE_PAGE)
        liste = forms.traiter(
            saisie,
            lambda: par_session(
                request,
                lambda session: actions.lister_actions(
                    ctx, session, _criteres(saisie), page=page, tri=ordonne
                ),
            ),
            champs=ERREURS_DE_PAGE,
        )
    except forms.FormulaireInvalide as refus:
        return _page_refusee(refus, saisie)
    adresse = _adresse("/actions", saisie, ordonne)
    if liste.page.numero > liste.page.pages:  # past the end (the list shrank): its last page
        return Redirect(path=adresse(liste.page.pages), status_code=303)
    return Template(
        template_name=GABARIT_LISTE,
        context={
            "formulaire": forms.Formulaire(valeurs=saisie),
            "liste": liste,
            "adresse": adresse,
            "entetes": entetes(saisie, ordonne),
            "export": _adresse("/actions/export.csv", saisie, ordonne)(None),
        },
    )


def cellule_csv(texte: str) -> str:
    """A text cell no spreadsheet runs as a formula."""
    return f"'{texte}" if texte.startswith(_FORMULE) else texte


def _ligne_csv(liste: ListeActions, resume: ResumeAction) -> list[str]:
    action = resume.action
    apprenti = action.contrat.apprenti
    enregistrement = action.formation.numero_enregistrement
    return [
        action.numero_action,
        action.etat.libelle,
        cellule_csv(liste.nom_cfa(action.siret_cfa)),
        action.siret_cfa.numero,
        cellule_csv(apprenti.nom),
        cellule_csv(apprenti.prenom),
        "" if enregistrement is None else enregistrement.numero,
        montant_csv(action.budget.total),
        montant_csv(action.budget.frais_pedagogiques),
        montant_csv(action.budget.frais_annexes),
        montant_csv(resume.total_rembourse),
    ]


def lignes_csv(premiere: ListeActions, suivante: Callable[[int], ListeActions]) -> Iterator[bytes]:
    """The CSV file, one chunk per page of the result (``suivante(n)`` reads page n)."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    tampon.write(BOM)
    ecrivain.writerow(ENTETES_CSV)
    liste = premiere
    while True:
        ecrivain.writerows(_ligne_csv(liste, resume) for resume in liste.page.elements)
        yield tampon.getvalue().encode()
        tampon.seek(0)
        tampon.truncate()
        if not liste.page.a_suivante:
            return
        liste = suivante(liste.page.numero + 1)


@get("/actions/export.csv", name="actions_csv", guards=[exiger_cfa], sync_to_thread=True)
def export_actions(
    request: Request[Any, Any, Any],
    *,
    nom_apprenti: FromQuery[str] = "",
    numero_action: FromQuery[str] = "",
    numero_enregistrement: FromQuery[str] = "",
    tri: FromQuery[str] = "",
    ordre: FromQuery[str] = "",
) -> Stream | Template:
    """The whole result of a search as CSV, streamed page after page (same criteria, order)."""
    saisie = _saisie(nom_apprenti, numero_action, numero_enregistrement)
    ctx, compte_id = contexte(request), utilisateur(request).compte_id

    def page_numero(numero: int, ordonne: Tri) -> ListeActions:
        return actions.lister_actions(
            ctx, compte_id, _criteres(saisie), page=numero, taille=TAILLE_PAGE_EXPORT, tri=ordonne
        )

    try:  # the first page before the first byte: a refused search is still a page
        ordonne = forms.traiter(saisie, lambda: Tri.depuis(tri, ordre), champs=ERREURS_DE_PAGE)
        premiere = forms.traiter(saisie, lambda: page_numero(1, ordonne))
    except forms.FormulaireInvalide as refus:
        return _page_refusee(refus, saisie)
    return Stream(
        lignes_csv(premiere, lambda numero: page_numero(numero, ordonne)),
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="mes-actions.csv"'},
    )


@get("/actions/{numero:str}", name="action", guards=[exiger_cfa], sync_to_thread=True, opt=VERIFIEE)
def detail_action(request: Request[Any, Any, Any], numero: FromPath[str]) -> Template:
    """A file: Formation, Contrat, Aspect financier, Paiements, schedule, budget, history."""
    detail = par_session(
        request, lambda session: actions.consulter_action(contexte(request), session, numero)
    )
    lignes = lignes_montrees(detail.lignes)
    return Template(
        template_name="actions/detail.html",
        context={
            "detail": detail,
            "lignes": lignes,
            "categories": tuple(ligne.categorie for ligne in lignes),
            "graphique": graphique_budget(lignes),
        },
    )


ROUTES = [mes_actions, export_actions, detail_action]
