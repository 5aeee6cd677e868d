"""The ``DemandeRemboursement`` aggregate, the rules that admit a request, and its receipt.

A CFA asks the OPCO to reimburse, for a period of a file (:class:`~cfa_domain.action.Action`),
amounts on the four lines of the guide's form. :func:`verifier_demande` decides whether the
request is admitted; :meth:`DemandeRemboursement.soumettre` checks and creates it in one
step; :class:`Recepisse` holds every line of the receipt the platform answers with.

Rules and choices
-----------------
- **Admission**: :meth:`cfa_domain.action.Action.admettre_demande` admits a request
  against the file's own schedule; it takes what the form carries
  (:class:`FormulaireDemande`) and who submits it, when (:class:`Soumission`).
- **Order of the checks** (the first failure is reported, so the user fixes the most
  basic problem first): general conditions, file state, period, frais annexes ceilings,
  budget per category, opened pedagogical installments, documents. Documents come last
  because whether the certificate is required depends on the amounts: an amount the
  schedule refuses anyway is reported as such, not as a missing certificate.
- **Documents**: an invoice always. A certificat de réalisation always, except for the
  *first advance of the first year* (:func:`est_premiere_avance`, the one place of the
  rule, used by the submission and by the form's pre-filling): the request's period lies
  within the period of the schedule's first advance (year 1, months 1 to 6, or the first
  half of a short contract), and its pedagogical costs plus those already requested
  (requests that count: neither refused nor cancelled) stay within the first advance's
  amount (net of any employer participation). Frais annexes may come alongside; a
  request without pedagogical costs does not use the exemption up, so the first advance
  may still follow it without a certificate. The first advance may be requested in
  several parts, each exempt while the total stays within its amount; a request
  covering more (a whole year at once, say) needs the certificate. With
  ``certificat_exige_sauf_premiere_avance=False`` the exemption is withdrawn and every
  request needs the certificate (:func:`certificat_requis`).
- **Frais annexes ceilings** (article D6332-83): meals and nights ≤ 3 € × meals + 6 € ×
  nights of the same request; first equipment (declared inside frais divers, so never
  above them) ≤ 500 € over the contract, counting earlier requests; international
  mobility ≤ the OPCO's flat amount *per contract* (the OPCOs describe "un forfait
  déterminé pour chaque contrat dont une période de mobilité est prévue"), counting
  earlier requests. The flat amount is set by each OPCO's board: the default of 500 € is
  ours and must be confirmed with the OPCO (it is a parameter).
- **Consumption**: every request neither refused nor cancelled counts against its
  category's budget line; only paid ones count as "Remboursements déjà effectués".
- **Opening**: the pedagogical amount may not exceed what the schedule has opened by the
  request date minus what is already requested. The request date is a calendar day
  given by the caller (the use cases take it in the OPCO's time zone), never derived
  here from an instant: a UTC instant's date is the day before in Paris until 1 or 2 am.
- **Rank**: each request carries its rank on the file (:attr:`DemandeRemboursement.rang`,
  1 for the first), the number of requests already on the file (whatever their state)
  plus one, given at submission under the file's lock and never recomputed: the
  receipt's "Référence OPCO" is built from it. The schedule is taken through the small
  :class:`CalendrierPedagogique` protocol, which ``cfa_domain.echeancier.Echeancier``
  satisfies, so these rules do not depend on how the schedule is computed.
- **State machine** (:data:`MACHINE_DEMANDE`): soumise → en traitement → validée →
  payée; soumise or en traitement → refusée, with a reason; soumise → annulée (by the CFA,
  before processing). Every other transition raises
  :class:`~cfa_domain.errors.TransitionInterdite`; every accepted one is recorded in
  ``historique``.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Protocol, Self, TypeAlias

import attrs

from cfa_domain.echeancier import Echeance, Echeancier
from cfa_domain.errors import (
    Agregat,
    BudgetDepasse,
    ConditionsNonAcceptees,
    DonneeInvalide,
    ForfaitMobiliteDepasse,
    MontantNonOuvert,
    PieceManquante,
    PlafondMajorationHandicapDepasse,
    PlafondPremierEquipementDepasse,
    PlafondRepasNuiteesDepasse,
)
from cfa_domain.etats import Changement, MachineAEtats
from cfa_domain.validation import (
    _date,
    _entier,
    _instance,
    _montant_positif,
    _numero_action,
    _texte,
)
from cfa_domain.values import Categorie, Montant, Nir, Periode, Piece, Siret

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from cfa_domain.action import Action

__all__ = [
    "MACHINE_DEMANDE",
    "PARAMETRES_REMBOURSEMENT_PAR_DEFAUT",
    "TRANSITIONS_DEMANDE",
    "AnneeAvecPeriode",
    "CalendrierPedagogique",
    "ChangementEtatDemande",
    "DemandeRemboursement",
    "EcheanceAvecPeriode",
    "EtatDemande",
    "FormulaireDemande",
    "MontantsDemandes",
    "Paiement",
    "ParametresRemboursement",
    "PieceJointe",
    "QuantitesFraisAnnexes",
    "Recepisse",
    "SituationEcheance",
    "SituationEcheancier",
    "Soumission",
    "annee_du_contrat",
    "certificat_requis",
    "consommation",
    "est_premiere_avance",
    "rembourse",
    "situation_echeances",
    "verifier_demande",
]


# --- the schedule, as these rules see it ------------------------------------------------


class EcheanceAvecPeriode(Protocol):
    """An installment of the schedule: only its period and amount matter here."""

    @property
    def periode(self) -> Periode:
        """The period the installment covers."""
        ...

    @property
    def montant(self) -> Montant:
        """What the OPCO pays for it."""
        ...


class AnneeAvecPeriode(Protocol):
    """A contract year of the schedule: its rank and its period."""

    @property
    def numero(self) -> int:
        """1 for the first year."""
        ...

    @property
    def periode(self) -> Periode:
        """The year's days (the last one cut at the contract's end or rupture)."""
        ...


class CalendrierPedagogique(Protocol):
    """What the request rules need from a file's payment schedule (``Echeancier``)."""

    @property
    def annees(self) -> Sequence[AnneeAvecPeriode]:
        """The contract years, in order, tiling the contract (cut at the rupture)."""
        ...

    @property
    def npec(self) -> Montant:
        """The implied annual NPEC (the engagement ÷ the total weight of the years)."""
        ...

    @property
    def premiere_avance(self) -> EcheanceAvecPeriode:
        """The first installment of the first contract year."""
        ...

    def disponible_au(self, le: dt.date, deja_demande: Montant) -> Montant:
        """Pedagogical amount opened by ``le`` minus ``deja_demande``, never below zero."""
        ...

    def prochaine_ouverture(self, le: dt.date) -> dt.date | None:
        """The next opening date after ``le``, if any."""
        ...


# --- states ----------------------------------------------------------------------------


class EtatDemande(enum.Enum):
    """States of a reimbursement request."""

    SOUMISE = "soumise"
    EN_TRAITEMENT = "en_traitement"
    VALIDEE = "validee"
    PAYEE = "payee"
    REFUSEE = "refusee"
    ANNULEE = "annulee"

    @property
    def libelle(self) -> str:
        """French label, as in the "État de la demande" column."""
        return _LIBELLES_DEMANDE[self]

    @property
    def compte_dans_budget(self) -> bool:
        """True when the request consumes its budget (neither refused nor cancelled)."""
        return self not in {EtatDemande.REFUSEE, EtatDemande.ANNULEE}


_LIBELLES_DEMANDE = {
    EtatDemande.SOUMISE: "soumise",
    EtatDemande.EN_TRAITEMENT: "en traitement",
    EtatDemande.VALIDEE: "validée",
    EtatDemande.PAYEE: "payée",
    EtatDemande.REFUSEE: "refusée",
    EtatDemande.ANNULEE: "annulée",
}

MACHINE_DEMANDE: MachineAEtats[EtatDemande] = MachineAEtats(
    Agregat.DEMANDE,
    "etat",
    "id",
    {
        EtatDemande.SOUMISE: frozenset(
            {EtatDemande.EN_TRAITEMENT, EtatDemande.REFUSEE, EtatDemande.ANNULEE}
        ),
        EtatDemande.EN_TRAITEMENT: frozenset({EtatDemande.VALIDEE, EtatDemande.REFUSEE}),
        EtatDemande.VALIDEE: frozenset({EtatDemande.PAYEE}),
        EtatDemande.PAYEE: frozenset(),
        EtatDemande.REFUSEE: frozenset(),
        EtatDemande.ANNULEE: frozenset(),
    },
)
"""The state machine of a request (the domain's "Request states" rule)."""

TRANSITIONS_DEMANDE: Mapping[EtatDemande, frozenset[EtatDemande]] = MACHINE_DEMANDE.transitions
"""Allowed transitions of a request (the table of :data:`MACHINE_DEMANDE`)."""


# --- value objects ---------------------------------------------------------------------


@attrs.frozen
class MontantsDemandes:
    """The amounts of the request form (0,00 € when left empty); the total is computed."""

    frais_pedagogiques: Montant = attrs.field(
        factory=Montant.zero,
        validator=_montant_positif("frais_pedagogiques", Categorie.FRAIS_PEDAGOGIQUES.libelle),
    )
    repas_nuitees: Montant = attrs.field(
        factory=Montant.zero,
        validator=_montant_positif("repas_nuitees", Categorie.REPAS_NUITEES.libelle),
    )
    frais_divers: Montant = attrs.field(
        factory=Montant.zero,
        validator=_montant_positif("frais_divers", Categorie.FRAIS_DIVERS.libelle),
    )
    mobilite_internationale: Montant = attrs.field(
        factory=Montant.zero,
        validator=_montant_positif(
            "mobilite_internationale", Categorie.MOBILITE_INTERNATIONALE.libelle
        ),
    )
    majoration_handicap: Montant = attrs.field(
        factory=Montant.zero,
        validator=_montant_positif("majoration_handicap", Categorie.MAJORATION_HANDICAP.libelle),
    )

    def __attrs_post_init__(self) -> None:
        """Refuse a request of nothing."""
        if not self.total:
            raise DonneeInvalide(
                "Indiquez au moins un montant supérieur à zéro.", champ="frais_pedagogiques"
            )

    @classmethod
    def depuis(cls, montants: Mapping[Categorie, Montant]) -> Self:
        """Build from a mapping of categories (a missing category is 0,00 €)."""
        return cls(**{c.value: montants.get(c, Montant.zero()) for c in Categorie})

    @property
    def total(self) -> Montant:
        """Sum of the four lines (the form's "Total")."""
        return Montant.somme(self.pour(c) for c in Categorie)

    def pour(self, categorie: Categorie) -> Montant:
        """The amount asked on one line of the form."""
        montant: Montant = getattr(self, categorie.value)
        return montant


@attrs.frozen
class QuantitesFraisAnnexes:
    """What justifies the frais annexes: meals and nights, and the first-equipment share."""

    nombre_repas: int = attrs.field(default=0, validator=_entier("nombre_repas", "Nombre de repas"))
    nombre_nuitees: int = attrs.field(
        default=0, validator=_entier("nombre_nuitees", "Nombre de nuitées")
    )
    premier_equipement: Montant = attrs.field(
        factory=Montant.zero,
        validator=_montant_positif("premier_equipement", "Premier équipement"),
    )


@attrs.frozen
class PieceJointe:
    """A document attached to a request, kept by the document store under ``document_id``."""

    piece: Piece = attrs.field(validator=_instance(Piece, "piece", "Type de pièce"))
    document_id: str = attrs.field(validator=_texte("document_id", "Document"))
    nom_fichier: str = attrs.field(validator=_texte("nom_fichier", "Nom du fichier"))


@attrs.frozen
class ParametresRemboursement:
    """The request rules' parameters (domain brief, "Rules we have decided")."""

    plafond_repas: Montant = attrs.field(
        default=Montant(3), validator=_montant_positif("plafond_repas", "Plafond par repas")
    )
    plafond_nuitee: Montant = attrs.field(
        default=Montant(6), validator=_montant_positif("plafond_nuitee", "Plafond par nuitée")
    )
    plafond_premier_equipement: Montant = attrs.field(
        default=Montant(500),
        validator=_montant_positif("plafond_premier_equipement", "Plafond premier équipement"),
    )
    forfait_mobilite: Montant = attrs.field(
        default=Montant(500),
        validator=_montant_positif("forfait_mobilite", "Forfait mobilité internationale"),
    )
    certificat_exige_sauf_premiere_avance: bool = attrs.field(
        default=True,
        validator=_instance(bool, "certificat_exige_sauf_premiere_avance", "Certificat exigé"),
    )
    debut_plafond_majoration_annuel: dt.date = attrs.field(
        default=dt.date(2021, 1, 1),
        validator=_instance(dt.date, "debut_plafond_majoration_annuel", "Date"),
    )
    """Contracts signed from this day: the RQTH uplift has a fixed yearly ceiling (décret
    2020-1450 amending D6332-82); before it, a share of the NPEC."""
    plafond_majoration_annuel: Montant = attrs.field(
        default=Montant(4000),
        validator=_montant_positif("plafond_majoration_annuel", "Plafond majoration handicap"),
    )
    """At most 4 000 € per year of execution (arrêté of 7 December 2020)."""
    taux_majoration_npec: Decimal = attrs.field(
        default=Decimal(50),
        validator=_instance(Decimal, "taux_majoration_npec", "Taux majoration handicap"),
    )
    """Before 2021: at most this percentage of the annual NPEC per year (D6332-82 as then)."""

    def plafond_majoration_handicap(self, date_signature: dt.date, npec: Montant) -> Montant:
        """The yearly ceiling of the RQTH uplift for a contract signed on ``date_signature``."""
        if date_signature >= self.debut_plafond_majoration_annuel:
            return self.plafond_majoration_annuel
        return npec * (self.taux_majoration_npec / 100)


PARAMETRES_REMBOURSEMENT_PAR_DEFAUT = ParametresRemboursement()

_RANG_MAX = 10**6
"""Far above any file's number of requests: a rank beyond it is a data error."""
"""3 € a meal, 6 € a night, 500 € first equipment, 500 € mobility (to confirm)."""


ChangementEtatDemande: TypeAlias = Changement[EtatDemande]
"""One entry of a request's history (who, when, from, to, why)."""


# --- rules -----------------------------------------------------------------------------


def _comptees(demandes: Iterable[DemandeRemboursement]) -> list[DemandeRemboursement]:
    return [d for d in demandes if d.etat.compte_dans_budget]


def consommation(demandes: Iterable[DemandeRemboursement]) -> dict[Categorie, Montant]:
    """Amount requested per category by the requests that count (not refused/cancelled)."""
    comptees = _comptees(demandes)
    return {c: Montant.somme(d.montants.pour(c) for d in comptees) for c in Categorie}


def rembourse(demandes: Iterable[DemandeRemboursement]) -> Montant:
    """Total of the paid requests: the receipt's "Remboursements déjà effectués"."""
    return Montant.somme(d.total for d in demandes if d.etat is EtatDemande.PAYEE)


def est_premiere_avance(
    demandes: Iterable[DemandeRemboursement],
    periode: Periode,
    frais_pedagogiques: Montant,
    calendrier: CalendrierPedagogique,
) -> bool:
    """True when a request is (part of) the first advance of the first year.

    Its ``periode`` lies within the first advance's period, and its ``frais_pedagogiques``
    plus the pedagogical costs of the ``demandes`` that count stay within the first
    advance's amount. Frais annexes do not matter either way: a request carrying no
    pedagogical costs (frais annexes only) within that period is the first advance,
    whatever was requested before (domain brief: "even when it ... carries only frais
    annexes").
    """
    avance = calendrier.premiere_avance
    if not avance.periode.contient(periode):
        return False
    if not frais_pedagogiques:
        return True
    deja = consommation(demandes)[Categorie.FRAIS_PEDAGOGIQUES]
    return frais_pedagogiques + deja <= avance.montant


def certificat_requis(
    demandes: Iterable[DemandeRemboursement],
    periode: Periode,
    frais_pedagogiques: Montant,
    calendrier: CalendrierPedagogique,
    parametres: ParametresRemboursement = PARAMETRES_REMBOURSEMENT_PAR_DEFAUT,
) -> bool:
    """True when such a request needs a certificat de réalisation (see the module rules)."""
    dispense_possible = parametres.certificat_exige_sauf_premiere_avance
    return not (
        dispense_possible and est_premiere_avance(demandes, periode, frais_pedagogiques, calendrier)
    )


def _verifier_pieces(pieces: Iterable[PieceJointe], *, certificat: bool) -> None:
    fournies = {p.piece for p in pieces}
    if Piece.FACTURE not in fournies:
        raise PieceManquante(Piece.FACTURE)
    if certificat and Piece.CERTIFICAT_REALISATION not in fournies:
        raise PieceManquante(Piece.CERTIFICAT_REALISATION)


def _plafond_sur_contrat(
    erreur: type[PlafondPremierEquipementDepasse | ForfaitMobiliteDepasse],
    *,
    demande: Montant,
    deja: Montant,
    plafond: Montant,
) -> None:
    reste = max(plafond - deja, Montant.zero())
    if demande > reste:
        raise erreur(demande, reste, plafond=plafond, deja=deja)


def _verifier_plafonds(
    demandes: Sequence[DemandeRemboursement],
    montants: MontantsDemandes,
    quantites: QuantitesFraisAnnexes,
    parametres: ParametresRemboursement,
) -> None:
    if quantites.premier_equipement > montants.frais_divers:
        raise DonneeInvalide(
            f"Le premier équipement ({quantites.premier_equipement}) fait partie des frais "
            f"divers et ne peut pas les dépasser ({montants.frais_divers}).",
            champ="premier_equipement",
        )
    plafond_repas = (
        parametres.plafond_repas * quantites.nombre_repas
        + parametres.plafond_nuitee * quantites.nombre_nuitees
    )
    if montants.repas_nuitees > plafond_repas:
        raise PlafondRepasNuiteesDepasse(
            montants.repas_nuitees,
            plafond_repas,
            nombre_repas=quantites.nombre_repas,
            nombre_nuitees=quantites.nombre_nuitees,
            plafond_repas=parametres.plafond_repas,
            plafond_nuitee=parametres.plafond_nuitee,
        )
    comptees = _comptees(demandes)
    _plafond_sur_contrat(
        PlafondPremierEquipementDepasse,
        demande=quantites.premier_equipement,
        deja=Montant.somme(d.quantites.premier_equipement for d in comptees),
        plafond=parametres.plafond_premier_equipement,
    )
    _plafond_sur_contrat(
        ForfaitMobiliteDepasse,
        demande=montants.mobilite_internationale,
        deja=Montant.somme(d.montants.mobilite_internationale for d in comptees),
        plafond=parametres.forfait_mobilite,
    )


def annee_du_contrat(calendrier: CalendrierPedagogique, jour: dt.date) -> AnneeAvecPeriode:
    """The contract year holding ``jour`` (the last year for a day past the contract)."""
    for annee in calendrier.annees:
        if jour <= annee.periode.fin:
            return annee
    return calendrier.annees[-1]


def _verifier_majoration(
    *,
    action: Action,
    demandes: Sequence[DemandeRemboursement],
    periode: Periode,
    montants: MontantsDemandes,
    calendrier: CalendrierPedagogique,
    parametres: ParametresRemboursement,
) -> None:
    """The RQTH uplift of a contract year stays within its yearly ceiling.

    A request's uplift counts for the contract year in which its period starts.
    """
    demande = montants.majoration_handicap
    if not demande:
        return
    annee = annee_du_contrat(calendrier, periode.debut)
    plafond = parametres.plafond_majoration_handicap(action.contrat.date_signature, calendrier.npec)
    deja = Montant.somme(
        d.montants.majoration_handicap
        for d in _comptees(demandes)
        if annee.periode.contient(d.periode.debut)
    )
    autorise = max(plafond - deja, Montant.zero())
    if demande > autorise:
        raise PlafondMajorationHandicapDepasse(
            demande, autorise, annee=annee.numero, plafond=plafond, deja=deja
        )


def verifier_demande(
    *,
    action: Action,
    demandes: Sequence[DemandeRemboursement],
    formulaire: FormulaireDemande,
    le: dt.date,
    calendrier: CalendrierPedagogique,
    parametres: ParametresRemboursement = PARAMETRES_REMBOURSEMENT_PAR_DEFAUT,
) -> None:
    """Refuse the request ``formulaire`` on ``action`` (whose requests so far are ``demandes``).

    Returns None when the request is admitted; ``le`` is the request's calendar day (in
    the OPCO's time zone).

    Raises:
        ConditionsNonAcceptees: the general conditions are not accepted.
        DossierNonRemboursable: the file is neither *en cours* nor *rompu*.
        PeriodeHorsContrat: the period leaves the contract (cut at a rupture).
        DonneeInvalide: first equipment declared above the frais divers.
        PlafondDepasse: meals and nights, first equipment, mobility or RQTH uplift ceiling.
        BudgetDepasse: a category would exceed its budget line.
        MontantNonOuvert: more pedagogical costs than the installments opened by ``le``.
        PieceManquante: the invoice, or the certificate outside the first advance.
    """
    montants = formulaire.montants
    if not formulaire.conditions_acceptees:
        raise ConditionsNonAcceptees
    action.verifier_remboursable(formulaire.periode)
    _verifier_plafonds(demandes, montants, formulaire.quantites, parametres)
    _verifier_majoration(
        action=action,
        demandes=demandes,
        periode=formulaire.periode,
        montants=montants,
        calendrier=calendrier,
        parametres=parametres,
    )
    consomme = consommation(demandes)
    for categorie in Categorie:
        disponible = max(action.budget.pour(categorie) - consomme[categorie], Montant.zero())
        demande = montants.pour(categorie)
        if demande > disponible:
            raise BudgetDepasse(categorie, demande, disponible)
    ouvert = calendrier.disponible_au(le, consomme[Categorie.FRAIS_PEDAGOGIQUES])
    if montants.frais_pedagogiques > ouvert:
        raise MontantNonOuvert(
            montants.frais_pedagogiques, ouvert, calendrier.prochaine_ouverture(le)
        )
    _verifier_pieces(
        formulaire.pieces,
        certificat=certificat_requis(
            demandes, formulaire.periode, montants.frais_pedagogiques, calendrier, parametres
        ),
    )


# --- what a submission carries ------------------------------------------------------------


def _pieces(pieces: Iterable[PieceJointe]) -> tuple[PieceJointe, ...]:
    """Attrs converter: a tuple of attached documents."""
    resultat = tuple(pieces)
    if not all(isinstance(p, PieceJointe) for p in resultat):
        raise DonneeInvalide("Pièces jointes : valeur invalide.", champ="pieces")
    return resultat


@attrs.frozen
class FormulaireDemande:
    """What the CFA fills in on the request form.

    The period, the four amounts, what justifies the frais annexes, the attached
    documents and the general conditions box.
    """

    periode: Periode = attrs.field(validator=_instance(Periode, "date_debut", "Période"))
    montants: MontantsDemandes = attrs.field(
        validator=_instance(MontantsDemandes, "montants", "Montants")
    )
    quantites: QuantitesFraisAnnexes = attrs.field(
        factory=QuantitesFraisAnnexes,
        validator=_instance(QuantitesFraisAnnexes, "quantites", "Quantités"),
    )
    pieces: tuple[PieceJointe, ...] = attrs.field(default=(), converter=_pieces)
    conditions_acceptees: bool = attrs.field(
        default=False, validator=_instance(bool, "conditions_acceptees", "Conditions générales")
    )


@attrs.frozen
class Soumission:
    """Who submits a request, and when.

    The new request's identifier, the account, its organisme and the name kept in the
    history (``auteur``), the instant (``quand``) and its calendar day in the OPCO's time
    zone (``le``), and the form's one-time key (``cle_idempotence``).
    """

    demande_id: uuid.UUID = attrs.field(validator=_instance(uuid.UUID, "id", "Identifiant"))
    compte_id: uuid.UUID = attrs.field(validator=_instance(uuid.UUID, "compte_id", "Compte"))
    siret_organisme: Siret = attrs.field(validator=_instance(Siret, "siret", "SIRET"))
    auteur: str = attrs.field(validator=_texte("auteur", "Auteur de la demande"))
    quand: dt.datetime = attrs.field(validator=_instance(dt.datetime, "soumise_le", "Date"))
    le: dt.date = attrs.field(validator=_instance(dt.date, "le", "Jour de la demande"))
    cle_idempotence: str | None = None


@attrs.frozen
class Paiement:
    """What the OPCO paid for a request: the day, the amount, the payment's reference.

    :meth:`DemandeRemboursement.payer` checks it against the request (an amount above
    zero and at most the request's total, a day from the submission's to today).
    """

    le: dt.date = attrs.field(validator=_date("paye_le", "Date du paiement"))
    montant: Montant = attrs.field(validator=_instance(Montant, "montant_paye", "Montant payé"))
    reference: str = attrs.field(validator=_texte("reference_paiement", "Référence du paiement"))


# --- the aggregate ---------------------------------------------------------------------


@attrs.define(slots=False, eq=False)
class DemandeRemboursement:
    """A reimbursement request of an organisme on one file, and the history of its states."""

    id: uuid.UUID = attrs.field(validator=_instance(uuid.UUID, "id", "Identifiant"))
    numero_action: str = attrs.field(validator=_numero_action())
    rang: int = attrs.field(validator=_entier("rang", "Rang de la demande", (1, _RANG_MAX)))
    """Rank of the request on its file, from 1, given at submission (see :meth:`soumettre`)."""
    siret_organisme: Siret = attrs.field(validator=_instance(Siret, "siret", "SIRET"))
    compte_id: uuid.UUID = attrs.field(validator=_instance(uuid.UUID, "compte_id", "Compte"))
    soumise_le: dt.datetime = attrs.field(validator=_instance(dt.datetime, "soumise_le", "Date"))
    periode: Periode = attrs.field(validator=_instance(Periode, "date_debut", "Période"))
    montants: MontantsDemandes = attrs.field(
        validator=_instance(MontantsDemandes, "montants", "Montants")
    )
    quantites: QuantitesFraisAnnexes = attrs.field(
        validator=_instance(QuantitesFraisAnnexes, "quantites", "Quantités")
    )
    pieces: tuple[PieceJointe, ...] = attrs.field(converter=_pieces)
    conditions_acceptees: bool = attrs.field(
        validator=_instance(bool, "conditions_acceptees", "Conditions générales")
    )
    etat: EtatDemande = EtatDemande.SOUMISE
    motif_refus: str | None = None
    historique: list[ChangementEtatDemande] = attrs.field(factory=list)
    cle_idempotence: str | None = None
    paiement: Paiement | None = None
    """The payment's details, when the agent who marked the request paid gave them."""

    @classmethod
    def soumettre(
        cls,
        formulaire: FormulaireDemande,
        soumission: Soumission,
        *,
        action: Action,
        demandes: Sequence[DemandeRemboursement],
        calendrier: CalendrierPedagogique,
        parametres: ParametresRemboursement = PARAMETRES_REMBOURSEMENT_PAR_DEFAUT,
    ) -> Self:
        """Check the request with :func:`verifier_demande`, then create it *soumise*.

        :meth:`~cfa_domain.action.Action.admettre_demande` calls it with the file's own
        schedule; ``calendrier`` is any :class:`CalendrierPedagogique` (tests give
        hand-written ones). ``demandes`` are every request already on the file (whatever
        their state): the new one's :attr:`rang` is their count plus one, so the caller
        must hold the file's lock from reading them to storing this one.
        """
        verifier_demande(
            action=action,
            demandes=demandes,
            formulaire=formulaire,
            le=soumission.le,
            calendrier=calendrier,
            parametres=parametres,
        )
        return cls(
            id=soumission.demande_id,
            numero_action=action.numero_action,
            rang=len(demandes) + 1,
            siret_organisme=soumission.siret_organisme,
            compte_id=soumission.compte_id,
            soumise_le=soumission.quand,
            periode=formulaire.periode,
            montants=formulaire.montants,
            quantites=formulaire.quantites,
            pieces=formulaire.pieces,
            conditions_acceptees=formulaire.conditions_acceptees,
            historique=[
                MACHINE_DEMANDE.creation(
                    EtatDemande.SOUMISE, auteur=soumission.auteur, quand=soumission.quand
                )
            ],
            cle_idempotence=soumission.cle_idempotence,
        )

    @property
    def total(self) -> Montant:
        """The request's total, computed from its four lines."""
        return self.montants.total

    @property
    def reference_opco(self) -> str:
        """The receipt's "Référence OPCO": ``<action number>-<rank on the file>``.

        The rank is written on two digits at least (``2011303654-01``).
        """
        return f"{self.numero_action}-{self.rang:02d}"

    @property
    def annulable(self) -> bool:
        """True while the CFA may still withdraw the request (the OPCO has not started)."""
        return MACHINE_DEMANDE.permet(self.etat, EtatDemande.ANNULEE)

    def _passer(
        self, arrivee: EtatDemande, *, auteur: str, quand: dt.datetime, motif: str = ""
    ) -> ChangementEtatDemande:
        return MACHINE_DEMANDE.passer(self, arrivee, auteur=auteur, quand=quand, motif=motif)

    def prendre_en_traitement(self, *, auteur: str, quand: dt.datetime) -> ChangementEtatDemande:
        """An OPCO agent starts processing the request."""
        return self._passer(EtatDemande.EN_TRAITEMENT, auteur=auteur, quand=quand)

    def valider(self, *, auteur: str, quand: dt.datetime) -> ChangementEtatDemande:
        """The OPCO agrees to pay the request."""
        return self._passer(EtatDemande.VALIDEE, auteur=auteur, quand=quand)

    def payer(
        self,
        *,
        auteur: str,
        quand: dt.datetime,
        paiement: Paiement | None = None,
        aujourd_hui: dt.date | None = None,
    ) -> ChangementEtatDemande:
        """The payment went out: the request now counts as reimbursed.

        ``paiement``: its day, amount and reference, kept on the request; the amount is
        above zero and at most the request's total, the day neither before the submission
        nor after ``aujourd_hui`` (the OPCO's today; the day of ``quand`` by default).

        Raises:
            DonneeInvalide: an amount or a day out of those bounds (on its field).
            TransitionInterdite: the request is not validated.
        """
        if paiement is not None and MACHINE_DEMANDE.permet(self.etat, EtatDemande.PAYEE):
            if not Montant(0) < paiement.montant <= self.total:
                raise DonneeInvalide(
                    "Le montant payé doit être supérieur à 0 € et ne pas dépasser le montant "
                    f"de la demande ({self.total.valeur} €).",
                    champ="montant_paye",
                )
            dernier_jour = aujourd_hui or quand.date()
            if not self.soumise_le.date() <= paiement.le <= dernier_jour:
                raise DonneeInvalide(
                    "La date du paiement doit être comprise entre la date de la demande et "
                    "aujourd'hui.",
                    champ="paye_le",
                )
        changement = self._passer(EtatDemande.PAYEE, auteur=auteur, quand=quand)
        self.paiement = paiement
        return changement

    def refuser(self, motif: str, *, auteur: str, quand: dt.datetime) -> ChangementEtatDemande:
        """The OPCO refuses the request, giving a reason shown to the CFA."""
        if MACHINE_DEMANDE.permet(self.etat, EtatDemande.REFUSEE) and not motif.strip():
            raise DonneeInvalide("Le motif du refus est obligatoire.", champ="motif_refus")
        changement = self._passer(EtatDemande.REFUSEE, auteur=auteur, quand=quand, motif=motif)
        self.motif_refus = motif
        return changement

    def annuler(self, *, auteur: str, quand: dt.datetime, motif: str = "") -> ChangementEtatDemande:
        """The CFA withdraws its request before the OPCO processes it."""
        return self._passer(EtatDemande.ANNULEE, auteur=auteur, quand=quand, motif=motif)


# --- the schedule's installments, with the requests made against them ---------------------


@attrs.frozen
class SituationEcheance:
    """One installment of a file's schedule and what the requests made of it.

    The inter-OPCO norm's installment: :attr:`numero`, :attr:`codification`,
    :attr:`montant_total` (``montantTotal``), :attr:`montant_en_cours_instruction`
    (``montantEnCoursInstruction``) and :attr:`montant_regle` (``montantRegle``).
    """

    echeance: Echeance
    montant_en_cours_instruction: Montant
    """Pedagogical costs of requests neither paid, refused nor cancelled attributed to it."""
    montant_regle: Montant
    """Pedagogical costs of paid requests attributed to it."""

    @property
    def numero(self) -> int:
        """1 to n across the schedule, in order of opening."""
        return self.echeance.numero

    @property
    def codification(self) -> str:
        """The installment's short code (``A1-E1``)."""
        return self.echeance.codification

    @property
    def montant_total(self) -> Montant:
        """What the OPCO pays for the installment."""
        return self.echeance.montant

    @property
    def reste(self) -> Montant:
        """What is left to request on it."""
        return self.montant_total - self.montant_en_cours_instruction - self.montant_regle


@attrs.frozen
class SituationEcheancier:
    """Every installment of a file's schedule with its requested and paid amounts.

    ``hors_echeancier_en_cours`` and ``hors_echeancier_regle`` hold the pedagogical costs
    requested beyond the whole schedule (a rupture shrank it after they were requested):
    0 € otherwise.
    """

    echeances: tuple[SituationEcheance, ...]
    hors_echeancier_en_cours: Montant
    hors_echeancier_regle: Montant


def situation_echeances(
    echeancier: Echeancier, demandes: Iterable[DemandeRemboursement]
) -> SituationEcheancier:
    """Attribute the pedagogical costs of ``demandes`` to the installments of ``echeancier``.

    The requests that count (neither refused nor cancelled), in rank order, fill the
    installments in order of opening, each request from where the previous one stopped:
    the allocation the opening rule uses (:meth:`Echeancier.disponible_au`), so an
    installment's :attr:`SituationEcheance.reste` is what that rule leaves on it. A paid
    request's part is *réglé*, any other's *en cours d'instruction*.
    """
    restes = [e.montant for e in echeancier.echeances]
    en_cours = [Montant.zero()] * len(restes)
    regle = [Montant.zero()] * len(restes)
    hors = {False: Montant.zero(), True: Montant.zero()}
    index = 0
    for demande in sorted(_comptees(demandes), key=lambda d: d.rang):
        payee = demande.etat is EtatDemande.PAYEE
        cible = regle if payee else en_cours
        a_attribuer = demande.montants.frais_pedagogiques
        while a_attribuer and index < len(restes):
            part = min(a_attribuer, restes[index])
            cible[index] += part
            restes[index] -= part
            a_attribuer -= part
            if not restes[index]:
                index += 1
        hors[payee] += a_attribuer
    return SituationEcheancier(
        echeances=tuple(
            SituationEcheance(echeance, en_cours[i], regle[i])
            for i, echeance in enumerate(echeancier.echeances)
        ),
        hors_echeancier_en_cours=hors[False],
        hors_echeancier_regle=hors[True],
    )


# --- the receipt -----------------------------------------------------------------------


@attrs.frozen
class Recepisse:
    """Every line of the receipt ("Récépissé de la demande d'acompte").

    ``periode_formation`` is the guide's "Date du :" line under the action number.
    """

    date: dt.date
    organisme: str
    reference_of: str
    demandeur: str
    reference_opco: str
    dispositif: str
    intitule_formation: str
    numero_action: str
    periode_formation: Periode
    apprenti_nom: str
    apprenti_prenom: str
    apprenti_nir: Nir
    apprenti_rqth: bool
    """The apprentice is recognised as a disabled worker (the uplift line may be asked)."""
    financement_accorde: Montant
    deja_rembourse: Montant
    montant_demande: Montant
    montants: MontantsDemandes
    periode: Periode
    pieces_fournies: tuple[Piece, ...]
    pieces_non_fournies: tuple[Piece, ...]
    demande_id: uuid.UUID

    DISPOSITIF: ClassVar[str] = "Contrat d'Apprentissage"

    @staticmethod
    def reference_opco_de(demande: DemandeRemboursement) -> str:
        """``<action number>-<rank on the file>``, the rank on two digits at least."""
        return demande.reference_opco

    @property
    def titre(self) -> str:
        """The receipt's heading, dated."""
        return f"Récépissé de la demande d'acompte {self.date:%d/%m/%Y}"

    @classmethod
    def pour(
        cls,
        demande: DemandeRemboursement,
        action: Action,
        *,
        date: dt.date,
        organisme_nom: str,
        reference_of: str,
        demandeur: str,
        deja_rembourse: Montant,
    ) -> Self:
        """Gather the receipt of ``demande`` on ``action``.

        ``date`` is the submission's calendar day in the OPCO's time zone;
        ``deja_rembourse`` is :func:`rembourse` of the file's requests; the "Référence
        OPCO" is :meth:`reference_opco_de` the request.
        """
        if demande.numero_action != action.numero_action:
            raise DonneeInvalide(
                f"La demande porte sur le dossier {demande.numero_action}, "
                f"pas sur le dossier {action.numero_action}.",
                champ="numero_action",
            )
        fournies = {p.piece for p in demande.pieces}
        apprenti = action.contrat.apprenti
        return cls(
            date=date,
            organisme=organisme_nom,
            reference_of=reference_of,
            demandeur=demandeur,
            reference_opco=cls.reference_opco_de(demande),
            dispositif=cls.DISPOSITIF,
            intitule_formation=action.formation.intitule,
            numero_action=action.numero_action,
            periode_formation=action.formation.periode,
            apprenti_nom=apprenti.nom,
            apprenti_prenom=apprenti.prenom,
            apprenti_nir=apprenti.nir,
            apprenti_rqth=apprenti.rqth,
            financement_accorde=action.budget.total,
            deja_rembourse=deja_rembourse,
            montant_demande=demande.total,
            montants=demande.montants,
            periode=demande.periode,
            pieces_fournies=tuple(p for p in Piece if p in fournies),
            pieces_non_fournies=tuple(p for p in Piece if p not in fournies),
            demande_id=demande.id,
        )
