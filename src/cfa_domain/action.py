"""The ``Action`` aggregate: one apprenticeship file (dossier) financed by the OPCO.

A file arrives from the adhérent's Webservice (the upstream feed) and is shown on the
detail page in four blocks, which are the value objects of this module: *Formation*,
*Contrat* (with its *Employeur* and *Apprenti*), *Aspect financier* (:class:`Budget`) and
*Paiements* (the reimbursement requests, a separate aggregate in
:mod:`cfa_domain.remboursement`, linked by ``numero_action``).

Rules and choices
-----------------
- **State machine** (:data:`MACHINE_DOSSIER`), from the glossary of the guide and the
  domain brief. Every transition not listed raises
  :class:`~cfa_domain.errors.TransitionInterdite`; every accepted one is appended to
  ``historique`` (who, when, from, to, why):

  * *reçu* → *en instruction* (an advisor takes it), *annulé* (the adhérent cancels),
    *supprimé* (an advisor deletes it at the adhérent's request), *refusé* (the OPCO's
    silence 20 days after filing is a refusal, so a file may be refused untouched).
  * *en instruction* → *en attente* (incomplete), *en cours* (funding agreed),
    *refusé*, *annulé*, *supprimé*.
  * *en attente* → *en instruction* (documents received), *annulé*, *supprimé*,
    *refusé* (documents never came).
  * *en cours* → *rompu* (early end, through :meth:`Action.rompre`, which needs the
    rupture date), *soldé* (balance paid), *annulé*: a contract whose registration is
    cancelled after the OPCO's agreement (DECA refusal, contract never executed) is
    cancelled by the adhérent, and the upstream norm has ``ENGAGE → ANNULE``.
    *supprimé* is not allowed from *en cours*: deletion is a clerical act on files that
    were never funded; a funded file keeps its payments and must stay visible.
  * *rompu* → *soldé* (the pro-rata balance is paid). A rupture is not undone: a wrong
    rupture date is corrected by the feed (:meth:`Action.mettre_a_jour`).
  * *refusé*, *soldé*, *annulé*, *supprimé* are terminal. A state never goes to itself.
- **Reasons**: a refusal needs a reason (it is shown to the CFA), like a rupture.
- **Reimbursable**: requests are allowed on a file *en cours*, or *rompu* for the
  pro-rata balance, and only for a period inside the contract, cut at the rupture date
  (the rupture date is the contract's last day).
- **Texts fit their columns**: every text of a file (from the feed or a form) is at most
  :data:`~cfa_domain.organisme.LONGUEUR_MAX_TEXTE` characters, and an apprentice's names
  stay within it once normalised for the search (a few characters expand: ``ß`` →
  ``ss``); a longer one is a :class:`DonneeInvalide` (the feed quarantines the record)
  rather than a database error.
- **Upstream versions**: the feed numbers each version of a file. A newer version
  replaces formation, contract and budget; the same version with the same data is a
  harmless replay (the feed is idempotent); an older version, or the same version with
  different data, is a :class:`~cfa_domain.errors.VersionPerimee`. A rupture recorded on
  the platform is kept when the new version does not carry one.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Self, TypeAlias

import attrs

from cfa_domain.echeancier import (
    PARAMETRES_PAR_DEFAUT,
    Echeancier,
    ParametresEcheancier,
    calculer_echeancier,
)
from cfa_domain.errors import (
    Agregat,
    DonneeInvalide,
    DossierNonRemboursable,
    PeriodeHorsContrat,
    VersionPerimee,
)
from cfa_domain.etats import Changement, MachineAEtats
from cfa_domain.remboursement import (
    PARAMETRES_REMBOURSEMENT_PAR_DEFAUT,
    DemandeRemboursement,
    ParametresRemboursement,
)
from cfa_domain.validation import (
    LONGUEUR_MAX_NUMERO_ACTION,
    _date,
    _entier,
    _instance,
    _montant_positif,
    _nom,
    _numero_action,
    _texte,
    cle_tri_numero_action,
    verifier_numero_action,
)
from cfa_domain.values import (
    Categorie,
    CodeRncp,
    Montant,
    Nir,
    NumeroDeca,
    NumeroSia,
    Periode,
    Siret,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from cfa_domain.remboursement import FormulaireDemande, Soumission
    from cfa_domain.values import NumeroEnregistrement

__all__ = [
    "LONGUEUR_MAX_NUMERO_ACTION",
    "MACHINE_DOSSIER",
    "TRANSITIONS_DOSSIER",
    "Action",
    "Apprenti",
    "Budget",
    "ChangementEtat",
    "Contrat",
    "Employeur",
    "EtatDossier",
    "Formation",
    "cle_tri_numero_action",
    "verifier_numero_action",
]


class EtatDossier(enum.Enum):
    """States of a file, as in the guide's glossary."""

    RECU = "recu"
    EN_INSTRUCTION = "en_instruction"
    EN_ATTENTE = "en_attente"
    EN_COURS = "en_cours"
    REFUSE = "refuse"
    ROMPU = "rompu"
    SOLDE = "solde"
    ANNULE = "annule"
    SUPPRIME = "supprime"

    @property
    def libelle(self) -> str:
        """French label, as shown in the "État du dossier" column."""
        return _LIBELLES_DOSSIER[self]

    @property
    def remboursable(self) -> bool:
        """True in the states where the CFA may ask for reimbursements."""
        return self in {EtatDossier.EN_COURS, EtatDossier.ROMPU}


_LIBELLES_DOSSIER = {
    EtatDossier.RECU: "reçu",
    EtatDossier.EN_INSTRUCTION: "en instruction",
    EtatDossier.EN_ATTENTE: "en attente",
    EtatDossier.EN_COURS: "en cours",
    EtatDossier.REFUSE: "refusé",
    EtatDossier.ROMPU: "rompu",
    EtatDossier.SOLDE: "soldé",
    EtatDossier.ANNULE: "annulé",
    EtatDossier.SUPPRIME: "supprimé",
}

MACHINE_DOSSIER: MachineAEtats[EtatDossier] = MachineAEtats(
    Agregat.DOSSIER,
    "etat",
    "numero_action",
    {
        EtatDossier.RECU: frozenset(
            {
                EtatDossier.EN_INSTRUCTION,
                EtatDossier.ANNULE,
                EtatDossier.SUPPRIME,
                EtatDossier.REFUSE,
            }
        ),
        EtatDossier.EN_INSTRUCTION: frozenset(
            {
                EtatDossier.EN_ATTENTE,
                EtatDossier.EN_COURS,
                EtatDossier.REFUSE,
                EtatDossier.ANNULE,
                EtatDossier.SUPPRIME,
            }
        ),
        EtatDossier.EN_ATTENTE: frozenset(
            {
                EtatDossier.EN_INSTRUCTION,
                EtatDossier.ANNULE,
                EtatDossier.SUPPRIME,
                EtatDossier.REFUSE,
            }
        ),
        EtatDossier.EN_COURS: frozenset({EtatDossier.ROMPU, EtatDossier.SOLDE, EtatDossier.ANNULE}),
        EtatDossier.ROMPU: frozenset({EtatDossier.SOLDE}),
        EtatDossier.REFUSE: frozenset(),
        EtatDossier.SOLDE: frozenset(),
        EtatDossier.ANNULE: frozenset(),
        EtatDossier.SUPPRIME: frozenset(),
    },
)
"""The state machine of a file; the module docstring justifies each transition."""

TRANSITIONS_DOSSIER: Mapping[EtatDossier, frozenset[EtatDossier]] = MACHINE_DOSSIER.transitions
"""Allowed transitions of a file (the table of :data:`MACHINE_DOSSIER`)."""


# --- value objects ---------------------------------------------------------------------

NIVEAU_DIPLOME_MIN = 3
"""Lowest level of the national framework of certifications (CAP)."""
NIVEAU_DIPLOME_MAX = 8
"""Highest level (doctorate)."""


@attrs.frozen
class Formation:
    """The *Formation* block: the training the apprentice follows, at the CFA beneficiary."""

    intitule: str = attrs.field(validator=_texte("intitule", "Intitulé de la formation"))
    numero_deca: NumeroDeca | None = attrs.field(
        validator=_instance((NumeroDeca, type(None)), "numero_deca", "Numéro DECA")
    )
    date_depot: dt.date = attrs.field(validator=_date("date_depot", "Date de dépôt"))
    diplome: str = attrs.field(validator=_texte("diplome", "Diplôme préparé"))
    code_diplome: str = attrs.field(validator=_texte("code_diplome", "Code diplôme"))
    niveau_diplome: int = attrs.field(
        validator=_entier(
            "niveau_diplome", "Niveau de diplôme", (NIVEAU_DIPLOME_MIN, NIVEAU_DIPLOME_MAX)
        )
    )
    code_rncp: CodeRncp | None = attrs.field(
        validator=_instance((CodeRncp, type(None)), "code_rncp", "Code RNCP")
    )
    periode: Periode = attrs.field(validator=_instance(Periode, "date_debut", "Dates de formation"))
    siret_cfa: Siret = attrs.field(validator=_instance(Siret, "siret_cfa", "SIRET du CFA"))
    numero_sia: NumeroSia | None = attrs.field(
        default=None, validator=_instance((NumeroSia, type(None)), "numero_sia", "Numéro SIA")
    )
    """A public-sector contract's SIA number, in place of the DECA number."""

    @numero_sia.validator
    def _deca_ou_sia(self, _attribut: object, valeur: NumeroSia | None) -> None:
        if valeur is not None and self.numero_deca is not None:
            raise DonneeInvalide(
                "Un contrat est enregistré soit au DECA, soit au SIA : indiquez un seul "
                f"numéro (DECA {self.numero_deca}, SIA {valeur}).",
                champ="numero_sia",
                valeur=valeur,
            )

    @property
    def numero_enregistrement(self) -> NumeroEnregistrement | None:
        """The contract's "N° DECA ou SIA" (the list column and the detail page)."""
        return self.numero_deca or self.numero_sia


@attrs.frozen
class Employeur:
    """The employer (adhérent of the OPCO) who signed the contract."""

    raison_sociale: str = attrs.field(
        validator=_texte("employeur", "Raison sociale de l'employeur")
    )
    siret: Siret = attrs.field(validator=_instance(Siret, "siret_employeur", "SIRET employeur"))


@attrs.frozen
class Apprenti:
    """The apprentice: name, first name and social security number."""

    nom: str = attrs.field(validator=_nom("nom_apprenti", "Nom de l'apprenti"))
    prenom: str = attrs.field(validator=_nom("prenom_apprenti", "Prénom de l'apprenti"))
    nir: Nir = attrs.field(validator=_instance(Nir, "nir", "N° de sécurité sociale"))
    rqth: bool = attrs.field(
        default=False, validator=_instance(bool, "rqth", "Reconnaissance travailleur handicapé")
    )
    """Recognised as a disabled worker (RQTH): the file may engage a majoration handicap."""


@attrs.frozen
class Contrat:
    """The *Contrat* block; ``date_rupture`` is the last day of a contract ended early."""

    type_contrat: str = attrs.field(validator=_texte("type_contrat", "Type de contrat"))
    employeur: Employeur = attrs.field(validator=_instance(Employeur, "employeur", "Employeur"))
    periode: Periode = attrs.field(validator=_instance(Periode, "date_debut", "Dates du contrat"))
    emploi: str = attrs.field(validator=_texte("emploi", "Emploi occupé"))
    apprenti: Apprenti = attrs.field(validator=_instance(Apprenti, "apprenti", "Apprenti"))
    date_signature: dt.date = attrs.field(validator=_date("date_signature", "Date de signature"))
    date_rupture: dt.date | None = attrs.field(default=None)

    @date_rupture.validator
    def _rupture_dans_le_contrat(self, _attribut: object, valeur: dt.date | None) -> None:
        if valeur is None:
            return
        _date("date_rupture", "Date de rupture")(self, _attribut, valeur)
        if not self.periode.contient(valeur):
            raise DonneeInvalide(
                f"La date de rupture ({valeur:%d/%m/%Y}) doit être comprise dans le contrat "
                f"({self.periode}).",
                champ="date_rupture",
                valeur=valeur,
            )


@attrs.frozen
class Budget:
    """The *Aspect financier* block: what the OPCO engaged for the whole contract."""

    frais_pedagogiques: Montant = attrs.field(
        validator=_montant_positif("frais_pedagogiques", "Frais pédagogiques")
    )
    hebergement: Montant = attrs.field(validator=_montant_positif("hebergement", "Hébergement"))
    mobilite: Montant = attrs.field(validator=_montant_positif("mobilite", "Frais de mobilité"))
    transport: Montant = attrs.field(validator=_montant_positif("transport", "Transport"))
    frais_divers: Montant = attrs.field(validator=_montant_positif("frais_divers", "Frais divers"))
    majoration_handicap: Montant = attrs.field(
        factory=Montant.zero,
        validator=_montant_positif("majoration_handicap", "Majoration handicap"),
    )
    """Engaged for an apprentice with RQTH (article D6332-82), on top of the NPEC."""

    @property
    def frais_annexes(self) -> Montant:
        """Lodging, mobility, transport, misc. ("Montant des frais annexes pris en charge")."""
        return self.hebergement + self.mobilite + self.transport + self.frais_divers

    @property
    def total(self) -> Montant:
        """The "budget alternance total": what may be invoiced to the OPCO."""
        return self.frais_pedagogiques + self.majoration_handicap + self.frais_annexes

    def pour(self, categorie: Categorie) -> Montant:
        """The budget line a category of the request form draws on."""
        lignes = {
            Categorie.FRAIS_PEDAGOGIQUES: self.frais_pedagogiques,
            Categorie.REPAS_NUITEES: self.hebergement,
            Categorie.FRAIS_DIVERS: self.frais_divers,
            Categorie.MOBILITE_INTERNATIONALE: self.mobilite,
            Categorie.MAJORATION_HANDICAP: self.majoration_handicap,
        }
        return lignes[categorie]


ChangementEtat: TypeAlias = Changement[EtatDossier]
"""One entry of a file's history (who, when, from, to, why)."""


_valider_version = _entier("version", "Version")


def _rqth(contrat: Contrat, budget: Budget) -> None:
    """Refuse a majoration handicap engaged for an apprentice without RQTH."""
    if budget.majoration_handicap and not contrat.apprenti.rqth:
        raise DonneeInvalide(
            f"Majoration handicap ({budget.majoration_handicap}) : elle n'est engagée que pour "
            "un apprenti reconnu travailleur handicapé (RQTH).",
            champ="majoration_handicap",
            valeur=budget.majoration_handicap,
        )


# --- the aggregate ---------------------------------------------------------------------


@attrs.define(slots=False, eq=False)
class Action:
    """An apprenticeship file: its blocks, its state and the history of its states."""

    numero_action: str = attrs.field(validator=_numero_action())
    version: int = attrs.field(validator=_valider_version)
    formation: Formation = attrs.field(validator=_instance(Formation, "formation", "Formation"))
    contrat: Contrat = attrs.field(validator=_instance(Contrat, "contrat", "Contrat"))
    budget: Budget = attrs.field(validator=_instance(Budget, "budget", "Budget"))
    etat: EtatDossier = attrs.field(validator=_instance(EtatDossier, "etat", "État du dossier"))
    historique: list[ChangementEtat] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        """Refuse a majoration handicap without RQTH (:meth:`mettre_a_jour` checks it too)."""
        _rqth(self.contrat, self.budget)

    @classmethod
    def recue(
        cls,
        *,
        numero_action: str,
        version: int,
        formation: Formation,
        contrat: Contrat,
        budget: Budget,
        quand: dt.datetime,
        auteur: str = "Webservice",
    ) -> Self:
        """Create a file as the Webservice delivers it: state *reçu*, first history entry."""
        return cls(
            numero_action=numero_action,
            version=version,
            formation=formation,
            contrat=contrat,
            budget=budget,
            etat=EtatDossier.RECU,
            historique=[
                MACHINE_DOSSIER.creation(
                    EtatDossier.RECU,
                    auteur=auteur,
                    quand=quand,
                    motif="Dossier transmis par le Webservice de l'adhérent",
                )
            ],
        )

    @property
    def siret_cfa(self) -> Siret:
        """The CFA beneficiary of the file (the organisme that may ask for reimbursements)."""
        return self.formation.siret_cfa

    @property
    def date_rupture(self) -> dt.date | None:
        """The contract's last day when it ended early, else None."""
        return self.contrat.date_rupture

    @property
    def periode_remboursable(self) -> Periode:
        """The contract's period, cut at the rupture date."""
        debut, fin = self.contrat.periode.debut, self.contrat.periode.fin
        return Periode(debut, self.date_rupture or fin)

    def _passer(
        self, arrivee: EtatDossier, *, auteur: str, quand: dt.datetime, motif: str
    ) -> ChangementEtat:
        return MACHINE_DOSSIER.passer(self, arrivee, auteur=auteur, quand=quand, motif=motif)

    def changer_etat(
        self, arrivee: EtatDossier, *, auteur: str, quand: dt.datetime, motif: str = ""
    ) -> ChangementEtat:
        """Move the file to ``arrivee`` and record it; refuse any transition not allowed.

        A refusal needs a reason. *Rompu* goes through :meth:`rompre`, which carries the
        rupture date.
        """
        if arrivee is EtatDossier.ROMPU and MACHINE_DOSSIER.permet(self.etat, arrivee):
            raise DonneeInvalide(
                "La rupture d'un contrat s'enregistre avec sa date de rupture.",
                champ="date_rupture",
            )
        if arrivee is EtatDossier.REFUSE and not motif.strip():
            raise DonneeInvalide("Le motif du refus est obligatoire.", champ="motif")
        return self._passer(arrivee, auteur=auteur, quand=quand, motif=motif)

    def rompre(
        self, date_rupture: dt.date, *, auteur: str, quand: dt.datetime, motif: str
    ) -> ChangementEtat:
        """Record the early end of the contract: state *rompu*, contract cut at that date."""
        MACHINE_DOSSIER.verifier(self, EtatDossier.ROMPU)
        if not motif.strip():
            raise DonneeInvalide("Le motif de la rupture est obligatoire.", champ="motif")
        contrat = attrs.evolve(self.contrat, date_rupture=date_rupture)
        changement = self._passer(EtatDossier.ROMPU, auteur=auteur, quand=quand, motif=motif)
        self.contrat = contrat
        return changement

    def verifier_remboursable(self, periode: Periode) -> None:
        """Refuse a request when the state or the period does not allow it.

        Raises:
            DossierNonRemboursable: the file is neither *en cours* nor *rompu*.
            PeriodeHorsContrat: the period leaves the contract (cut at the rupture).
        """
        if not self.etat.remboursable:
            raise DossierNonRemboursable(self.numero_action, self.etat)
        remboursable = self.periode_remboursable
        if not remboursable.contient(periode):
            raise PeriodeHorsContrat(
                periode.debut, periode.fin, remboursable.debut, remboursable.fin
            )

    def echeancier(self, parametres: ParametresEcheancier = PARAMETRES_PAR_DEFAUT) -> Echeancier:
        """The payment schedule of the pedagogical engagement (see ``cfa_domain.echeancier``)."""
        return calculer_echeancier(
            debut=self.contrat.periode.debut,
            fin=self.contrat.periode.fin,
            date_signature=self.contrat.date_signature,
            engagement=self.budget.frais_pedagogiques,
            niveau_diplome=self.formation.niveau_diplome,
            date_rupture=self.date_rupture,
            parametres=parametres,
        )

    def admettre_demande(
        self,
        formulaire: FormulaireDemande,
        soumission: Soumission,
        demandes: Sequence[DemandeRemboursement],
        *,
        parametres_echeancier: ParametresEcheancier = PARAMETRES_PAR_DEFAUT,
        parametres: ParametresRemboursement = PARAMETRES_REMBOURSEMENT_PAR_DEFAUT,
    ) -> DemandeRemboursement:
        """Admit a reimbursement request on this file, against its own schedule.

        ``demandes`` are every request already on the file (whatever their state): the
        caller holds the file's lock from reading them to storing the new request, whose
        rank is their count plus one. The rules and their order are those of
        :func:`cfa_domain.remboursement.verifier_demande`.

        Raises:
            RegleDeGestion: a rule refuses the request (conditions, state, period,
                ceilings, budget, opened installments, documents).
            DonneeInvalide: first equipment declared above the frais divers.
        """
        return DemandeRemboursement.soumettre(
            formulaire,
            soumission,
            action=self,
            demandes=demandes,
            calendrier=self.echeancier(parametres_echeancier),
            parametres=parametres,
        )

    def mettre_a_jour(
        self, *, formation: Formation, contrat: Contrat, budget: Budget, version: int
    ) -> bool:
        """Apply a newer upstream version; return False for a harmless replay.

        Raises:
            VersionPerimee: an older version, or the same version with different data.
        """
        _valider_version(self, None, version)
        _rqth(contrat, budget)
        if contrat.date_rupture is None and self.date_rupture is not None:
            contrat = attrs.evolve(contrat, date_rupture=self.date_rupture)
        if version == self.version and (formation, contrat, budget) == (
            self.formation,
            self.contrat,
            self.budget,
        ):
            return False
        if version <= self.version:
            raise VersionPerimee(self.numero_action, version, self.version)
        self.formation = formation
        self.contrat = contrat
        self.budget = budget
        self.version = version
        return True
