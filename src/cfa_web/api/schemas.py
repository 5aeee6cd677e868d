"""What the JSON API sends and receives, on the inter-OPCO norm's vocabulary.

Structures (``msgspec``, camelCase on the wire) and their conversion from the core's
results; nothing here decides a rule. Amounts are decimal strings with two places
(``"1250.00"``), never floats; days are ISO 8601 dates, instants ISO 8601 with their
offset (UTC).

File states are told twice: ``etat``, the norm's code where one exists (:data:`ETATS_NORME`,
``null`` for a file the OPCO deleted), and ``etatPlateforme``, the platform's own state.
"""

from __future__ import annotations

import datetime as dt  # noqa: TC003 - msgspec reads the annotations at run time
import uuid  # noqa: TC003 - msgspec reads the annotations at run time
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal

import msgspec

from cfa_domain.action import EtatDossier
from cfa_domain.remboursement import MontantsDemandes, QuantitesFraisAnnexes
from cfa_domain.services.demandes import CommandeDemande
from cfa_domain.values import Categorie, Montant, Periode

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from cfa_domain.action import Action
    from cfa_domain.etats import Changement
    from cfa_domain.ports import Page, ResumeAction
    from cfa_domain.remboursement import DemandeRemboursement, Recepisse
    from cfa_domain.services.actions import DetailAction, ListeActions
    from cfa_domain.values import Piece

__all__ = [
    "ETATS_NORME",
    "NATURES",
    "Accuse",
    "Annulation",
    "Demande",
    "Dossier",
    "DossierResume",
    "Facture",
    "Historique",
    "Liens",
    "PageDemandes",
    "PageDossiers",
    "Probleme",
    "accuse",
    "commande",
    "demande",
    "dossier",
    "historique",
    "page_demandes",
    "page_dossiers",
]

MONTANT_MOTIF: Final = r"^-?[0-9]{1,15}\.[0-9]{2}$"
Montant2 = Annotated[
    str,
    msgspec.Meta(pattern=MONTANT_MOTIF, description="Montant en euros, deux décimales."),
]
MontantSaisi = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{1,12}([.,][0-9]{1,2})?$",
        description="Montant hors taxes en euros (deux décimales au plus).",
    ),
]

EtatNorme = Literal[
    "TRANSMIS", "EN_COURS_INSTRUCTION", "ENGAGE", "REFUSE", "ANNULE", "RUPTURE", "SOLDE"
]
ETATS_NORME: Final[dict[EtatDossier, EtatNorme | None]] = {
    EtatDossier.RECU: "TRANSMIS",
    EtatDossier.EN_INSTRUCTION: "EN_COURS_INSTRUCTION",
    EtatDossier.EN_ATTENTE: "EN_COURS_INSTRUCTION",
    EtatDossier.EN_COURS: "ENGAGE",
    EtatDossier.REFUSE: "REFUSE",
    EtatDossier.ANNULE: "ANNULE",
    EtatDossier.ROMPU: "RUPTURE",
    EtatDossier.SOLDE: "SOLDE",
    EtatDossier.SUPPRIME: None,
}
"""The platform's file states → the norm's codes (*en attente* of documents is still in
instruction; a file the OPCO deleted has no code)."""

NatureLigne = Literal[
    "PEDAGOGIE", "PREMIEREQUIPEMENT", "HEBERGEMENT", "RESTAURATION", "MOBILITE", "MAJORATION_RQTH"
]
NATURES: Final[dict[str, Categorie]] = {
    "PEDAGOGIE": Categorie.FRAIS_PEDAGOGIQUES,
    "PREMIEREQUIPEMENT": Categorie.FRAIS_DIVERS,
    "HEBERGEMENT": Categorie.REPAS_NUITEES,
    "RESTAURATION": Categorie.REPAS_NUITEES,
    "MOBILITE": Categorie.MOBILITE_INTERNATIONALE,
    "MAJORATION_RQTH": Categorie.MAJORATION_HANDICAP,
}
"""The norm's invoice lines → the request's categories (first equipment is a frais divers;
nights and meals share the repas et nuitées line, their counts are ``quantite``)."""


def _m(montant: Montant) -> str:
    return f"{montant.valeur:.2f}"


class _Api(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=False):
    """Base of every structure: camelCase on the wire."""


class Probleme(_Api):
    """An error, RFC 9457 (``application/problem+json``), with the core's stable ``code``.

    The error's typed fields follow (``champ``, ``agregat``, ``identifiant``, ``categorie``,
    ``disponible`` ...), and ``errors``, the norm's ``[{code, description}]``.
    """

    type: str
    title: str
    status: int
    detail: str
    code: str
    champ: str | None = None


class Liens(_Api):
    """Links of a page of results (relative URLs)."""

    self: str
    premier: str
    dernier: str
    precedent: str | None = None
    suivant: str | None = None


class Apprenti(_Api):
    """The apprentice."""

    nom: str
    prenom: str


class DossierResume(_Api):
    """A file in a search result."""

    numero_action: str
    numero_deca: str | None
    numero_sia: str | None
    etat: EtatNorme | None
    etat_plateforme: str
    siret_cfa: str
    intitule_formation: str
    apprenti: Apprenti
    date_debut_contrat: dt.date
    date_fin_contrat: dt.date
    total_rembourse: Montant2


class PageDossiers(_Api):
    """One page of the files the key may see."""

    elements: list[DossierResume]
    total: int
    page: int
    taille: int
    pages: int
    liens: Liens


class LigneBudget(_Api):
    """A budget line: budget, consumed by the requests that count, available."""

    categorie: str
    budget: Montant2
    consomme: Montant2
    disponible: Montant2


class Echeance(_Api):
    """An installment of the computed schedule, with the norm's fields."""

    numero: int
    codification: str
    annee: int
    date_debut: dt.date
    date_fin: dt.date
    date_ouverture: dt.date
    date_caducite: dt.date | None
    montant_total: Montant2
    montant_en_cours_instruction: Montant2
    montant_regle: Montant2


class Dossier(_Api):
    """A file's detail: its identity, budget lines, schedule and totals."""

    numero_action: str
    numero_deca: str | None
    numero_sia: str | None
    etat: EtatNorme | None
    etat_plateforme: str
    siret_cfa: str
    intitule_formation: str
    diplome: str
    date_depot: dt.date
    date_debut_formation: dt.date
    date_fin_formation: dt.date
    apprenti: Apprenti
    siret_employeur: str
    raison_sociale_employeur: str
    date_debut_contrat: dt.date
    date_fin_contrat: dt.date
    date_rupture: dt.date | None
    lignes_budget: list[LigneBudget]
    echeances: list[Echeance]
    total_rembourse: Montant2
    trop_percu: Montant2
    suivi_par: str | None
    demandes: list[uuid.UUID]


class EntreeHistorique(_Api):
    """A change of state."""

    quand: dt.datetime
    depart: str | None
    arrivee: str
    etat: EtatNorme | None
    motif: str


class Historique(_Api):
    """A file's state history, oldest first."""

    numero_action: str
    entrees: list[EntreeHistorique]


class LigneFacture(_Api):
    """An invoice line, on one nature of the norm."""

    nature_ligne: NatureLigne
    montant: MontantSaisi
    quantite: Annotated[int, msgspec.Meta(ge=0, le=100_000)] = 0


class Facture(_Api):
    """The JSON part of a request's creation: the invoice and the period it covers."""

    numero_action: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    date_debut: dt.date
    date_fin: dt.date
    lignes: Annotated[list[LigneFacture], msgspec.Meta(min_length=1, max_length=20)]
    conditions_acceptees: bool = False


class PieceDemande(_Api):
    """A document attached to a request, and where to download it."""

    type: str
    nom_fichier: str
    contenu: str
    """The document's address: ``/api/v1/documents/{id}`` (the PDF as sent)."""


class LigneDemande(_Api):
    """An amount requested, by category."""

    categorie: str
    montant: Montant2


class Demande(_Api):
    """A reimbursement request."""

    id: uuid.UUID
    numero_action: str
    reference_opco: str
    etat: str
    soumise_le: dt.datetime
    date_debut: dt.date
    date_fin: dt.date
    lignes: list[LigneDemande]
    total: Montant2
    nombre_repas: int
    nombre_nuitees: int
    premier_equipement: Montant2
    pieces: list[PieceDemande]
    motif_refus: str | None
    historique: list[EntreeHistorique]


class Accuse(_Api):
    """The acknowledgement of a created request: its receipt's data."""

    id: uuid.UUID
    numero_action: str
    reference_opco: str
    date: dt.date
    date_debut: dt.date
    date_fin: dt.date
    lignes: list[LigneDemande]
    montant_demande: Montant2
    deja_rembourse: Montant2
    pieces_fournies: list[str]
    recepisse: str
    """The address of the receipt in PDF."""


class Annulation(_Api):
    """A request's cancellation."""

    id: uuid.UUID
    etat: str
    quand: dt.datetime


class PageDemandes(_Api):
    """One page of the requests on the files the key may see, newest first."""

    elements: list[Demande]
    total: int
    page: int
    taille: int
    pages: int
    liens: Liens


# --- from the core ----------------------------------------------------------------------


def _apprenti(action: Action) -> Apprenti:
    apprenti = action.contrat.apprenti
    return Apprenti(nom=apprenti.nom, prenom=apprenti.prenom)


def _numeros(action: Action) -> tuple[str | None, str | None]:
    formation = action.formation
    deca, sia = formation.numero_deca, formation.numero_sia
    return (deca.numero if deca else None, sia.numero if sia else None)


def _identite(action: Action) -> dict[str, Any]:
    """The fields of a file that both its summary and its detail show."""
    deca, sia = _numeros(action)
    return {
        "numero_action": action.numero_action,
        "numero_deca": deca,
        "numero_sia": sia,
        "etat": ETATS_NORME[action.etat],
        "etat_plateforme": action.etat.value,
        "siret_cfa": action.siret_cfa.numero,
        "intitule_formation": action.formation.intitule,
        "apprenti": _apprenti(action),
        "date_debut_contrat": action.contrat.periode.debut,
        "date_fin_contrat": action.contrat.periode.fin,
    }


def _resume(ligne: ResumeAction) -> DossierResume:
    return DossierResume(**_identite(ligne.action), total_rembourse=_m(ligne.total_rembourse))


def _liens(page: Page[Any], adresse: Callable[[int], str]) -> Liens:
    return Liens(
        self=adresse(page.numero),
        premier=adresse(1),
        dernier=adresse(page.pages),
        precedent=adresse(page.numero - 1) if page.a_precedente else None,
        suivant=adresse(page.numero + 1) if page.a_suivante else None,
    )


def page_dossiers(liste: ListeActions, adresse: Callable[[int], str]) -> PageDossiers:
    """A page of the files' search, with its links."""
    page = liste.page
    return PageDossiers(
        elements=[_resume(ligne) for ligne in page.elements],
        total=page.total,
        page=page.numero,
        taille=page.taille,
        pages=page.pages,
        liens=_liens(page, adresse),
    )


def dossier(detail: DetailAction) -> Dossier:
    """A file's detail."""
    action = detail.action
    contrat = action.contrat
    return Dossier(
        **_identite(action),
        diplome=action.formation.diplome,
        date_depot=action.formation.date_depot,
        date_debut_formation=action.formation.periode.debut,
        date_fin_formation=action.formation.periode.fin,
        siret_employeur=contrat.employeur.siret.numero,
        raison_sociale_employeur=contrat.employeur.raison_sociale,
        date_rupture=contrat.date_rupture,
        lignes_budget=[
            LigneBudget(
                categorie=ligne.categorie.value,
                budget=_m(ligne.budget),
                consomme=_m(ligne.consomme),
                disponible=_m(ligne.disponible),
            )
            for ligne in detail.lignes
        ],
        echeances=[
            Echeance(
                numero=s.numero,
                codification=s.codification,
                annee=s.echeance.annee,
                date_debut=s.echeance.periode.debut,
                date_fin=s.echeance.periode.fin,
                date_ouverture=s.echeance.date_ouverture,
                date_caducite=s.echeance.date_caducite,
                montant_total=_m(s.montant_total),
                montant_en_cours_instruction=_m(s.montant_en_cours_instruction),
                montant_regle=_m(s.montant_regle),
            )
            for s in detail.situation.echeances
        ],
        total_rembourse=_m(detail.total_rembourse),
        trop_percu=_m(detail.trop_percu),
        suivi_par=detail.suivi_par,
        demandes=[d.id for d in detail.demandes],
    )


def _entrees(changements: Iterable[Changement[Any]], *, norme: bool) -> list[EntreeHistorique]:
    return [
        EntreeHistorique(
            quand=c.quand,
            depart=None if c.depart is None else c.depart.value,
            arrivee=c.arrivee.value,
            etat=ETATS_NORME[c.arrivee] if norme else None,
            motif=c.motif,
        )
        for c in changements
    ]


def historique(detail: DetailAction) -> Historique:
    """A file's state history."""
    return Historique(
        numero_action=detail.action.numero_action,
        entrees=_entrees(detail.action.historique, norme=True),
    )


def _lignes(montants: MontantsDemandes) -> list[LigneDemande]:
    """The categories asked for (a 0 € category is no line)."""
    return [
        LigneDemande(categorie=c.value, montant=_m(montants.pour(c)))
        for c in Categorie
        if montants.pour(c)
    ]


def demande(d: DemandeRemboursement) -> Demande:
    """A request."""
    return Demande(
        id=d.id,
        numero_action=d.numero_action,
        reference_opco=d.reference_opco,
        etat=d.etat.value,
        soumise_le=d.soumise_le,
        date_debut=d.periode.debut,
        date_fin=d.periode.fin,
        lignes=_lignes(d.montants),
        total=_m(d.total),
        nombre_repas=d.quantites.nombre_repas,
        nombre_nuitees=d.quantites.nombre_nuitees,
        premier_equipement=_m(d.quantites.premier_equipement),
        pieces=[
            PieceDemande(
                type=p.piece.value,
                nom_fichier=p.nom_fichier,
                contenu=f"/api/v1/documents/{p.document_id}",
            )
            for p in d.pieces
        ],
        motif_refus=d.motif_refus,
        historique=_entrees(d.historique, norme=False),
    )


def accuse(recu: Recepisse, adresse_recepisse: str) -> Accuse:
    """A created request's acknowledgement."""
    return Accuse(
        id=recu.demande_id,
        numero_action=recu.numero_action,
        reference_opco=recu.reference_opco,
        date=recu.date,
        date_debut=recu.periode.debut,
        date_fin=recu.periode.fin,
        lignes=_lignes(recu.montants),
        montant_demande=_m(recu.montant_demande),
        deja_rembourse=_m(recu.deja_rembourse),
        pieces_fournies=[p.value for p in recu.pieces_fournies],
        recepisse=adresse_recepisse,
    )


def page_demandes(page: Page[DemandeRemboursement], adresse: Callable[[int], str]) -> PageDemandes:
    """A page of requests, with its links."""
    return PageDemandes(
        elements=[demande(d) for d in page.elements],
        total=page.total,
        page=page.numero,
        taille=page.taille,
        pages=page.pages,
        liens=_liens(page, adresse),
    )


# --- to the core ------------------------------------------------------------------------


def commande(
    facture: Facture,
    fichiers: tuple[tuple[Piece, str, bytes], ...],
    cle_idempotence: str | None,
) -> CommandeDemande:
    """The core's command of an invoice: its lines summed by category, their quantities.

    Raises:
        DonneeInvalide: an amount that is not in euros and cents, dates in the wrong order.
    """
    par_categorie = dict.fromkeys(Categorie, Montant.zero())
    repas = nuitees = 0
    premier_equipement = Montant.zero()
    for ligne in facture.lignes:
        montant = Montant(ligne.montant)
        par_categorie[NATURES[ligne.nature_ligne]] += montant
        if ligne.nature_ligne == "RESTAURATION":
            repas += ligne.quantite
        elif ligne.nature_ligne == "HEBERGEMENT":
            nuitees += ligne.quantite
        elif ligne.nature_ligne == "PREMIEREQUIPEMENT":
            premier_equipement += montant
    return CommandeDemande(
        numero_action=facture.numero_action,
        periode=Periode(facture.date_debut, facture.date_fin),
        montants=MontantsDemandes.depuis(par_categorie),
        fichiers=fichiers,
        quantites=QuantitesFraisAnnexes(
            nombre_repas=repas, nombre_nuitees=nuitees, premier_equipement=premier_equipement
        ),
        conditions_acceptees=facture.conditions_acceptees,
        cle_idempotence=cle_idempotence,
    )
