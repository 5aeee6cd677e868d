"""The ``DemandeRemboursement`` aggregate, the rules that admit a request, and its receipt.

A CFA asks the OPCO to reimburse, for a period of a file (:class:`~cfa_domain.action.Action`),
amounts on the four lines of the guide's form. :func:`verifier_demande` decides whether the
request is admitted; :meth:`DemandeRemboursement.soumettre` checks and creates it in one
step; :class:`Recepisse` holds every line of the receipt the platform answers with.

Rules and choices
-----------------
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
- **Rank**: each request carries its rank on the file (:attr:`DemandeRemboursement.numero`,
  1 for the first), the number of requests already on the file (whatever their state)
  plus one, given at submission under the file's lock and never recomputed: the
  receipt's "Référence OPCO" is built from it. The schedule is taken through the small
  :class:`CalendrierPedagogique` protocol, which ``cfa_domain.echeancier.Echeancier``
  satisfies, so these rules do not depend on how the schedule is computed.
- **State machine** (:data:`TRANSITIONS_DEMANDE`): soumise → en traitement → validée →
  payée; soumise or en traitement → refusée, with a reason; soumise → annulée (by the CFA,
  before processing). Every other transition raises :class:`TransitionInterdite`; every
  accepted one is recorded in ``historique``.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar, Protocol, Self

import attrs

from cfa_domain.action import _entier, _instance, _montant_positif, _numero_action, _texte
from cfa_domain.errors import (
    Agregat,
    BudgetDepasse,
    ConditionsNonAcceptees,
    DonneeInvalide,
    ForfaitMobiliteDepasse,
    MontantNonOuvert,
    PieceManquante,
    PlafondPremierEquipementDepasse,
    PlafondRepasNuiteesDepasse,
    TransitionInterdite,
)
from cfa_domain.values import Categorie, Montant, Nir, Periode, Piece, Siret

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from cfa_domain.action import Action

__all__ = [
    "PARAMETRES_REMBOURSEMENT_PAR_DEFAUT",
    "TRANSITIONS_DEMANDE",
    "CalendrierPedagogique",
    "ChangementEtatDemande",
    "DemandeRemboursement",
    "EcheanceAvecPeriode",
    "EtatDemande",
    "MontantsDemandes",
    "ParametresRemboursement",
    "PieceJointe",
    "QuantitesFraisAnnexes",
    "Recepisse",
    "certificat_requis",
    "consommation",
    "est_premiere_avance",
    "rembourse",
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


class CalendrierPedagogique(Protocol):
    """What the request rules need from a file's payment schedule (``Echeancier``)."""

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

TRANSITIONS_DEMANDE: Mapping[EtatDemande, frozenset[EtatDemande]] = MappingProxyType(
    {
        EtatDemande.SOUMISE: frozenset(
            {EtatDemande.EN_TRAITEMENT, EtatDemande.REFUSEE, EtatDemande.ANNULEE}
        ),
        EtatDemande.EN_TRAITEMENT: frozenset({EtatDemande.VALIDEE, EtatDemande.REFUSEE}),
        EtatDemande.VALIDEE: frozenset({EtatDemande.PAYEE}),
        EtatDemande.PAYEE: frozenset(),
        EtatDemande.REFUSEE: frozenset(),
        EtatDemande.ANNULEE: frozenset(),
    }
)
"""Allowed transitions of a request (the domain's "Request states" rule)."""


# --- value objects ---------------------------------------------------------------------


@attrs.frozen
class MontantsDemandes:
    """The four amounts of the request form (0,00 € when left empty); the total is computed."""

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


PARAMETRES_REMBOURSEMENT_PAR_DEFAUT = ParametresRemboursement()

_RANG_MAX = 10**6
"""Far above any file's number of requests: a rank beyond it is a data error."""
"""3 € a meal, 6 € a night, 500 € first equipment, 500 € mobility (to confirm)."""


@attrs.frozen
class ChangementEtatDemande:
    """One entry of a request's history: who moved it from which state to which, and why."""

    quand: dt.datetime = attrs.field(validator=_instance(dt.datetime, "quand", "Date"))
    auteur: str = attrs.field(validator=_texte("auteur", "Auteur du changement"))
    depart: EtatDemande | None = attrs.field(
        validator=_instance((EtatDemande, type(None)), "depart", "État de départ")
    )
    arrivee: EtatDemande = attrs.field(validator=_instance(EtatDemande, "arrivee", "État"))
    motif: str = attrs.field(default="", validator=_instance(str, "motif", "Motif"))


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
    advance's amount. Frais annexes do not matter either way.
    """
    avance = calendrier.premiere_avance
    deja = consommation(demandes)[Categorie.FRAIS_PEDAGOGIQUES]
    return avance.periode.contient(periode) and frais_pedagogiques + deja <= avance.montant


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


def verifier_demande(
    *,
    action: Action,
    demandes: Sequence[DemandeRemboursement],
    periode: Periode,
    montants: MontantsDemandes,
    quantites: QuantitesFraisAnnexes,
    pieces: Sequence[PieceJointe],
    conditions_acceptees: bool,
    le: dt.date,
    calendrier: CalendrierPedagogique,
    parametres: ParametresRemboursement = PARAMETRES_REMBOURSEMENT_PAR_DEFAUT,
) -> None:
    """Refuse a new request on ``action`` (whose requests so far are ``demandes``).

    Returns None when the request is admitted; ``le`` is the request's calendar day (in
    the OPCO's time zone).

    Raises:
        ConditionsNonAcceptees: the general conditions are not accepted.
        DossierNonRemboursable: the file is neither *en cours* nor *rompu*.
        PeriodeHorsContrat: the period leaves the contract (cut at a rupture).
        DonneeInvalide: first equipment declared above the frais divers.
        PlafondDepasse: meals and nights, first equipment or mobility ceiling.
        BudgetDepasse: a category would exceed its budget line.
        MontantNonOuvert: more pedagogical costs than the installments opened by ``le``.
        PieceManquante: the invoice, or the certificate outside the first advance.
    """
    if not conditions_acceptees:
        raise ConditionsNonAcceptees
    action.verifier_remboursable(periode)
    _verifier_plafonds(demandes, montants, quantites, parametres)
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
        pieces,
        certificat=certificat_requis(
            demandes, periode, montants.frais_pedagogiques, calendrier, parametres
        ),
    )


# --- the aggregate ---------------------------------------------------------------------


def _pieces(pieces: Iterable[PieceJointe]) -> tuple[PieceJointe, ...]:
    """Attrs converter: a tuple of attached documents."""
    resultat = tuple(pieces)
    if not all(isinstance(p, PieceJointe) for p in resultat):
        raise DonneeInvalide("Pièces jointes : valeur invalide.", champ="pieces")
    return resultat


@attrs.define(slots=False, eq=False)
class DemandeRemboursement:
    """A reimbursement request of an organisme on one file, and the history of its states."""

    id: uuid.UUID = attrs.field(validator=_instance(uuid.UUID, "id", "Identifiant"))
    numero_action: str = attrs.field(validator=_numero_action())
    numero: int = attrs.field(validator=_entier("numero", "Rang de la demande", (1, _RANG_MAX)))
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

    @classmethod
    def soumettre(
        cls,
        *,
        demande_id: uuid.UUID,
        action: Action,
        demandes: Sequence[DemandeRemboursement],
        siret_organisme: Siret,
        compte_id: uuid.UUID,
        auteur: str,
        quand: dt.datetime,
        le: dt.date,
        periode: Periode,
        montants: MontantsDemandes,
        quantites: QuantitesFraisAnnexes,
        pieces: Sequence[PieceJointe],
        conditions_acceptees: bool,
        calendrier: CalendrierPedagogique,
        parametres: ParametresRemboursement = PARAMETRES_REMBOURSEMENT_PAR_DEFAUT,
        cle_idempotence: str | None = None,
    ) -> Self:
        """Check the request with :func:`verifier_demande`, then create it *soumise*.

        ``quand`` is the instant of the submission (history, sort order); ``le`` its
        calendar day in the OPCO's time zone, against which the schedule is checked.
        ``demandes`` are every request already on the file (whatever their state): the
        new one's :attr:`numero` is their count plus one, so the caller must hold the
        file's lock from reading them to storing this one.
        """
        verifier_demande(
            action=action,
            demandes=demandes,
            periode=periode,
            montants=montants,
            quantites=quantites,
            pieces=pieces,
            conditions_acceptees=conditions_acceptees,
            le=le,
            calendrier=calendrier,
            parametres=parametres,
        )
        return cls(
            id=demande_id,
            numero_action=action.numero_action,
            numero=len(demandes) + 1,
            siret_organisme=siret_organisme,
            compte_id=compte_id,
            soumise_le=quand,
            periode=periode,
            montants=montants,
            quantites=quantites,
            pieces=tuple(pieces),
            conditions_acceptees=conditions_acceptees,
            historique=[
                ChangementEtatDemande(
                    quand=quand, auteur=auteur, depart=None, arrivee=EtatDemande.SOUMISE
                )
            ],
            cle_idempotence=cle_idempotence,
        )

    @property
    def total(self) -> Montant:
        """The request's total, computed from its four lines."""
        return self.montants.total

    def _passer(
        self, arrivee: EtatDemande, *, auteur: str, quand: dt.datetime, motif: str = ""
    ) -> ChangementEtatDemande:
        if arrivee not in TRANSITIONS_DEMANDE[self.etat]:
            raise TransitionInterdite(Agregat.DEMANDE, self.id, self.etat, arrivee)
        changement = ChangementEtatDemande(
            quand=quand, auteur=auteur, depart=self.etat, arrivee=arrivee, motif=motif
        )
        self.etat = arrivee
        self.historique.append(changement)
        return changement

    def prendre_en_traitement(self, *, auteur: str, quand: dt.datetime) -> ChangementEtatDemande:
        """An OPCO agent starts processing the request."""
        return self._passer(EtatDemande.EN_TRAITEMENT, auteur=auteur, quand=quand)

    def valider(self, *, auteur: str, quand: dt.datetime) -> ChangementEtatDemande:
        """The OPCO agrees to pay the request."""
        return self._passer(EtatDemande.VALIDEE, auteur=auteur, quand=quand)

    def payer(self, *, auteur: str, quand: dt.datetime) -> ChangementEtatDemande:
        """The payment went out: the request now counts as reimbursed."""
        return self._passer(EtatDemande.PAYEE, auteur=auteur, quand=quand)

    def refuser(self, motif: str, *, auteur: str, quand: dt.datetime) -> ChangementEtatDemande:
        """The OPCO refuses the request, giving a reason shown to the CFA."""
        if EtatDemande.REFUSEE in TRANSITIONS_DEMANDE[self.etat] and not motif.strip():
            raise DonneeInvalide("Le motif du refus est obligatoire.", champ="motif_refus")
        changement = self._passer(EtatDemande.REFUSEE, auteur=auteur, quand=quand, motif=motif)
        self.motif_refus = motif
        return changement

    def annuler(self, *, auteur: str, quand: dt.datetime, motif: str = "") -> ChangementEtatDemande:
        """The CFA withdraws its request before the OPCO processes it."""
        return self._passer(EtatDemande.ANNULEE, auteur=auteur, quand=quand, motif=motif)


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
        return f"{demande.numero_action}-{demande.numero:02d}"

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
            financement_accorde=action.budget.total,
            deja_rembourse=deja_rembourse,
            montant_demande=demande.total,
            montants=demande.montants,
            periode=demande.periode,
            pieces_fournies=tuple(p for p in Piece if p in fournies),
            pieces_non_fournies=tuple(p for p in Piece if p not in fournies),
            demande_id=demande.id,
        )
