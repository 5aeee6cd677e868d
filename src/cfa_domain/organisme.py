"""The Organisme aggregate (OF / CFA) and the delegations between organismes.

An organisme is identified by its SIRET. Its information sheet (:class:`FicheOrganisme`)
gathers every field of the guide's two forms: "Validation des Données Organisme de
formation (OF)" (filled by an organisme the OPCO does not know yet) and "Fiche OF
dématérialisée" (the sheet a known organisme keeps up to date). The two forms disagree on
what is required; we keep the union of their fields and these rules:

- **Telephone numbers** are optional on the value objects. The organisme's number is
  required by the Fiche OF (checked by :meth:`Organisme.mettre_a_jour_fiche`); the contact
  person's number is required by the validation form (checked by
  :meth:`Organisme.fiche_soumise`).
- **N° UAI** is required by the Fiche OF; only CFAs are registered with a UAI, so it is
  required there when the organisme says it is a CFA.
- Free texts are trimmed, required ones refuse blanks, and every text is capped at 255
  characters (a sane bound for a form field and a database column). Email addresses are
  capped at 254 characters by :class:`~cfa_domain.values.Email` itself
  (:data:`~cfa_domain.values.LONGUEUR_MAX_EMAIL`, RFC 5321's bound on a mailbox).

Who may open an organisme's files is the heart of the security model (a SIRET is public):
``emails_connus`` holds the addresses the OPCO has on file for the organisme. Only the OPCO
side fills it: the feed (:meth:`Organisme.connu`, :meth:`Organisme.suivre_referentiel`) or
an agent validating an information sheet (:meth:`Organisme.valider`). An organisme editing
its own sheet never adds to it.

**The OPCO's referential, through the feed** (:class:`ReferentielOpco`): a feed record may
carry what the OPCO's own systems know of the file's CFA, numbered by a version of its
own. It follows the rules of a file's versions: a newer version replaces the sheet, the
contact and the addresses the previous version had put on file; the stored version with
the same data changes nothing; an older one, or the stored one with other data, is
:class:`~cfa_domain.errors.ReferentielPerime`. A sheet awaiting an agent, or refused, is
replaced and the organisme becomes active: the OPCO knowing it is what an agent's
validation stands for. An organisme an agent deactivated stays inactive (its data is
updated): only an agent reactivates it.

A :class:`Delegation` lets the *delegataire* see and manage the files of the *delegant*
(a network head office for its sites). It is requested by the delegataire, and only
becomes active once the delegant organisme (or an OPCO agent) approves it: typing someone
else's SIRET must not open their files.

Every status change (organisme and delegation) is recorded: who, when, from, to, why.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from typing import TYPE_CHECKING, Self

import attrs

from cfa_domain.errors import (
    Agregat,
    DelegationDejaDemandee,
    DelegationImpossible,
    DonneeInvalide,
    FicheNonEnAttente,
    FicheNonModifiable,
    OrganismeExistant,
    ReferentielPerime,
)
from cfa_domain.etats import Changement, MachineAEtats

# Runtime imports, not TYPE_CHECKING ones: cattrs and SQLAlchemy resolve these annotations.
from cfa_domain.values import CodePostal, Email, NumeroDA, Siret, Uai
from cfa_domain.values import texte as valide

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from cfa_domain.errors import OrganismeNonActif

__all__ = [
    "LONGUEUR_MAX_TEXTE",
    "MACHINE_DELEGATION",
    "MACHINE_ORGANISME",
    "PAR_FORMULAIRE_PUBLIC",
    "Adresse",
    "Civilite",
    "Delegation",
    "FicheOrganisme",
    "Interlocuteur",
    "Organisme",
    "ReferentielOpco",
    "StatutDelegation",
    "StatutOrganisme",
    "Telephone",
]

LONGUEUR_MAX_TEXTE = 255
"""The longest free text of a form (and of the feed's files), in characters."""

"""The longest email address stored (RFC 5321: a path of 256 octets with its brackets)."""

#: Who a change is attributed to when an anonymous visitor submits an information sheet.
PAR_FORMULAIRE_PUBLIC = "formulaire public"

# --- Small value objects ------------------------------------------------------------


def _texte(valeur: object, champ: str, libelle: str, *, obligatoire: bool) -> str:
    """Trim a form text; refuse a non-string, a blank required text or a too long one."""
    if not isinstance(valeur, str):
        raise DonneeInvalide(f"{libelle} : un texte est attendu.", champ=champ, valeur=valeur)
    texte = " ".join(valide(valeur, champ, libelle).split())
    if obligatoire and not texte:
        raise DonneeInvalide(f"{libelle} : ce champ est obligatoire.", champ=champ)
    if len(texte) > LONGUEUR_MAX_TEXTE:
        raise DonneeInvalide(
            f"{libelle} : {LONGUEUR_MAX_TEXTE} caractères au plus.", champ=champ, valeur=valeur
        )
    return texte


def _oui_non(champ: str, libelle: str) -> Callable[[object, attrs.Attribute[bool], object], None]:
    """Attrs validator for a required yes/no question of a form."""

    def valider(_instance: object, _attribut: object, valeur: object) -> None:
        if not isinstance(valeur, bool):
            raise DonneeInvalide(
                f"{libelle} : répondez par oui ou par non.", champ=champ, valeur=valeur
            )

    return valider


class StatutOrganisme(enum.Enum):
    """Where the organisme stands with the OPCO (the guide's "État de mon OF")."""

    A_VALIDER = "a_valider"
    ACTIF = "actif"
    INACTIF = "inactif"

    @property
    def libelle(self) -> str:
        """French label."""
        return {
            StatutOrganisme.A_VALIDER: "à valider",
            StatutOrganisme.ACTIF: "actif",
            StatutOrganisme.INACTIF: "inactif",
        }[self]


MACHINE_ORGANISME: MachineAEtats[StatutOrganisme] = MachineAEtats(
    Agregat.ORGANISME,
    "statut",
    "siret",
    {
        # An agent validates a submitted sheet, or rejects it.
        StatutOrganisme.A_VALIDER: frozenset({StatutOrganisme.ACTIF, StatutOrganisme.INACTIF}),
        StatutOrganisme.ACTIF: frozenset({StatutOrganisme.INACTIF}),
        # Reactivation goes back to the status held before the deactivation.
        StatutOrganisme.INACTIF: frozenset({StatutOrganisme.A_VALIDER, StatutOrganisme.ACTIF}),
    },
)
"""The status machine of an organisme (validation, deactivation, reactivation)."""


class Civilite(enum.Enum):
    """Civilité of the contact person."""

    MME = "mme"
    M = "m"

    @property
    def libelle(self) -> str:
        """French label, as the form's drop-down shows it."""
        return "Mme" if self is Civilite.MME else "M."


_TELEPHONE = re.compile(r"0[1-9]\d{8}")


def _telephone(valeur: object) -> str:
    """Normalise a French number to its 10-digit national form (``0149681010``)."""
    if not isinstance(valeur, str):
        raise DonneeInvalide("Téléphone : un texte est attendu.", champ="telephone")
    compact = re.sub(r"[\s.\-/]", "", valeur)
    compact = compact.replace("(0)", "")
    for prefixe in ("+33", "0033"):
        if compact.startswith(prefixe):
            compact = "0" + compact.removeprefix(prefixe)
            break
    if _TELEPHONE.fullmatch(compact):
        return compact
    raise DonneeInvalide(
        f"Téléphone « {valeur} » : un numéro français à 10 chiffres commençant par 0 "
        "(ou au format +33) est attendu.",
        champ="telephone",
        valeur=valeur,
    )


@attrs.frozen
class Telephone:
    """A French phone number: 10 digits starting with 0, also accepted as ``+33 …``."""

    numero: str = attrs.field(converter=_telephone)

    def __str__(self) -> str:
        """Usual form ``01 49 68 10 10``."""
        return " ".join(self.numero[i : i + 2] for i in range(0, 10, 2))


def _nettoyer_textes(instance: object, textes: dict[str, tuple[str, str, bool]]) -> None:
    """Trim and check the text fields of a frozen value object, once, after ``__init__``.

    ``textes`` maps an attribute to (form field, French label, required?). This replaces
    one attrs converter per field: mypy's attrs plugin only understands named converter
    functions, and a named function per field would repeat this one ten times.
    """
    for attribut, (champ, libelle, obligatoire) in textes.items():
        propre = _texte(getattr(instance, attribut), champ, libelle, obligatoire=obligatoire)
        object.__setattr__(instance, attribut, propre)


@attrs.frozen(kw_only=True)
class Adresse:
    """Postal address of the organisme (street, its continuation, postal code, city)."""

    rue: str
    suite_rue: str = ""
    code_postal: CodePostal
    ville: str

    def __attrs_post_init__(self) -> None:
        """Trim the texts; street and city are required."""
        _nettoyer_textes(
            self,
            {
                "rue": ("rue", "Rue, Voie...", True),
                "suite_rue": ("suite_rue", "Suite Rue, Voie...", False),
                "ville": ("ville", "Ville", True),
            },
        )


@attrs.frozen(kw_only=True)
class Interlocuteur:
    """The organisme's main contact person for the OPCO."""

    civilite: Civilite
    nom: str
    prenom: str
    telephone: Telephone | None = None
    email: Email
    fonction: str

    def __attrs_post_init__(self) -> None:
        """Trim the texts; name, first name and function are required."""
        _nettoyer_textes(
            self,
            {
                "nom": ("interlocuteur.nom", "Nom de l'interlocuteur", True),
                "prenom": ("interlocuteur.prenom", "Prénom de l'interlocuteur", True),
                "fonction": ("interlocuteur.fonction", "Fonction de l'interlocuteur", True),
            },
        )

    @property
    def nom_complet(self) -> str:
        """``Mme Claire DURAND``."""
        return f"{self.civilite.libelle} {self.prenom} {self.nom.upper()}"


@attrs.frozen(kw_only=True)
class FicheOrganisme:
    """The organisme's information sheet: every field of the guide's two OF forms."""

    raison_sociale: str
    suite_raison_sociale: str = ""
    adresse: Adresse
    telephone: Telephone | None = None
    email: Email
    intervient_fpc: bool = attrs.field(
        validator=_oui_non(
            "intervient_fpc", "Êtes-vous un OF qui intervient dans le champ de la FPC ?"
        )
    )
    est_cfa: bool = attrs.field(validator=_oui_non("est_cfa", "Êtes-vous CFA ?"))
    numero_da: NumeroDA
    but_lucratif: bool = attrs.field(
        validator=_oui_non("but_lucratif", "Êtes-vous à but lucratif ?")
    )
    assujetti_tva: bool = attrs.field(
        validator=_oui_non("assujetti_tva", "Êtes-vous assujetti à la TVA ?")
    )
    uai: Uai | None = None
    zone_intervention: str
    commentaire: str = ""

    def __attrs_post_init__(self) -> None:
        """Trim the texts; raison sociale and zone d'intervention are required."""
        _nettoyer_textes(
            self,
            {
                "raison_sociale": ("raison_sociale", "Raison sociale (Nom)", True),
                "suite_raison_sociale": (
                    "suite_raison_sociale",
                    "Suite raison sociale (Nom)",
                    False,
                ),
                "zone_intervention": ("zone_intervention", "Zone d'intervention", True),
                "commentaire": ("commentaire", "Commentaire", False),
            },
        )

    @property
    def nom(self) -> str:
        """The full name: raison sociale and its continuation."""
        return f"{self.raison_sociale} {self.suite_raison_sociale}".strip()


# --- Organisme -------------------------------------------------------------------------


@attrs.frozen
class ReferentielOpco:
    """What the feed last said of an organisme: the version of the OPCO's data on it.

    ``empreinte`` fingerprints that data (the same version must always carry the same
    data); ``emails`` are the addresses it put on file, which a newer version replaces.
    """

    version: int
    empreinte: str
    emails: frozenset[Email] = frozenset()


def _motif(motif: str) -> str:
    return _texte(motif, "motif", "Motif", obligatoire=True)


@attrs.define(slots=False, eq=False)
class Organisme:
    """An OF / CFA, identified by its SIRET; holds its sheet, contact and status."""

    siret: Siret
    fiche: FicheOrganisme
    interlocuteur: Interlocuteur
    statut: StatutOrganisme
    reference_opco: str | None = None
    emails_connus: frozenset[Email] = frozenset()
    historique: list[Changement[StatutOrganisme]] = attrs.field(factory=list)
    fiche_modifiee_le: dt.datetime | None = None
    fiche_modifiee_par: str | None = None
    referentiel: ReferentielOpco | None = None
    """The version of the OPCO's data last applied by the feed (None: never through it)."""

    @classmethod
    def connu(
        cls,
        *,
        siret: Siret,
        fiche: FicheOrganisme,
        interlocuteur: Interlocuteur,
        quand: dt.datetime,
        auteur: str,
        reference_opco: str | None = None,
        emails_connus: Iterable[Email] = (),
        referentiel: ReferentielOpco | None = None,
    ) -> Self:
        """An organisme the OPCO already knows (from its own systems): active at once.

        The sheet's and the contact's addresses are on file, with ``emails_connus``.
        ``referentiel``: the version of the OPCO's data when the feed creates it.
        """
        organisme = cls(
            siret=siret,
            fiche=fiche,
            interlocuteur=interlocuteur,
            statut=StatutOrganisme.ACTIF,
            reference_opco=_reference(reference_opco),
            emails_connus=frozenset(emails_connus) | {fiche.email, interlocuteur.email},
            referentiel=referentiel,
        )
        organisme.historique.append(
            MACHINE_ORGANISME.creation(StatutOrganisme.ACTIF, auteur=auteur, quand=quand)
        )
        return organisme

    @classmethod
    def fiche_soumise(
        cls,
        *,
        siret: Siret,
        fiche: FicheOrganisme,
        interlocuteur: Interlocuteur,
        quand: dt.datetime,
        reference_opco: str | None = None,
    ) -> Self:
        """The information sheet of an organisme the OPCO does not know: awaits an agent.

        Nothing typed here is trusted: no address is on file until an agent validates.
        The validation form requires the contact person's telephone.
        """
        if interlocuteur.telephone is None:
            raise DonneeInvalide(
                "Téléphone de l'interlocuteur : ce champ est obligatoire.",
                champ="interlocuteur.telephone",
            )
        organisme = cls(
            siret=siret,
            fiche=fiche,
            interlocuteur=interlocuteur,
            statut=StatutOrganisme.A_VALIDER,
            reference_opco=_reference(reference_opco),
        )
        organisme.historique.append(
            MACHINE_ORGANISME.creation(
                StatutOrganisme.A_VALIDER, auteur=PAR_FORMULAIRE_PUBLIC, quand=quand
            )
        )
        return organisme

    def suivre_referentiel(
        self,
        *,
        fiche: FicheOrganisme,
        interlocuteur: Interlocuteur,
        reference_opco: str | None,
        referentiel: ReferentielOpco,
        auteur: str,
        quand: dt.datetime,
    ) -> bool:
        """Apply the OPCO's data on this organisme as the feed sends it; False for a replay.

        See the module docstring ("The OPCO's referential"). ``referentiel.emails`` are the
        addresses the data puts on file; those the previous version put there leave it.

        Raises:
            ReferentielPerime: an older version, or the stored version with other data.
        """
        actuel = self.referentiel
        if actuel is not None:
            if (referentiel.version, referentiel.empreinte) == (actuel.version, actuel.empreinte):
                return False
            if referentiel.version <= actuel.version:
                raise ReferentielPerime(self.siret.numero, referentiel.version, actuel.version)
        if self.statut is StatutOrganisme.A_VALIDER or self.fiche_refusee:
            MACHINE_ORGANISME.passer(
                self,
                StatutOrganisme.ACTIF,
                auteur=auteur,
                quand=quand,
                motif="Organisme connu de l'OPCO",
            )
        self.fiche = fiche
        self.interlocuteur = interlocuteur
        if reference_opco is not None:
            self.reference_opco = _reference(reference_opco)
        anciens = frozenset() if actuel is None else actuel.emails
        self.emails_connus = (self.emails_connus - anciens) | referentiel.emails
        self.referentiel = referentiel
        self.fiche_modifiee_le = quand
        self.fiche_modifiee_par = auteur
        return True

    @property
    def fiche_refusee(self) -> bool:
        """True for a sheet an agent refused before the organisme was ever active."""
        return self.statut is StatutOrganisme.INACTIF and all(
            c.arrivee is not StatutOrganisme.ACTIF for c in self.historique
        )

    def soumettre_a_nouveau(
        self,
        *,
        fiche: FicheOrganisme,
        interlocuteur: Interlocuteur,
        quand: dt.datetime,
        reference_opco: str | None = None,
    ) -> None:
        """A new sheet for the SIRET of a refused one replaces it and awaits an agent.

        A refused sheet must not keep its SIRET from the real organisme (anyone may send
        a sheet for any SIRET): nothing of it is kept but its history. Any other
        organisme (pending, active, or deactivated after being active) keeps its SIRET:
        :class:`~cfa_domain.errors.OrganismeExistant`.
        """
        if not self.fiche_refusee:
            raise OrganismeExistant(self.siret.numero, self.statut)
        nouvelle = Organisme.fiche_soumise(
            siret=self.siret,
            fiche=fiche,
            interlocuteur=interlocuteur,
            quand=quand,
            reference_opco=reference_opco,
        )
        MACHINE_ORGANISME.passer(
            self,
            StatutOrganisme.A_VALIDER,
            auteur=PAR_FORMULAIRE_PUBLIC,
            quand=quand,
            depuis={StatutOrganisme.INACTIF},
        )
        self.fiche = nouvelle.fiche
        self.interlocuteur = nouvelle.interlocuteur
        self.reference_opco = nouvelle.reference_opco
        self.emails_connus = frozenset()
        self.fiche_modifiee_le = None
        self.fiche_modifiee_par = None

    @property
    def nom(self) -> str:
        """The organisme's name, as the home page shows it."""
        return self.fiche.nom

    @property
    def est_actif(self) -> bool:
        """True when the organisme is active at the OPCO (accounts, delegations, sheet)."""
        return self.statut is StatutOrganisme.ACTIF

    def exiger_actif(self, refus: Callable[[StatutOrganisme], OrganismeNonActif]) -> None:
        """Refuse an operation that needs an active organisme.

        ``refus`` builds the error naming the refused operation from the status
        (:class:`~cfa_domain.errors.CreationCompteImpossible`,
        :class:`~cfa_domain.errors.DelegationImpossible`,
        :class:`~cfa_domain.errors.FicheNonModifiable`).
        """
        if not self.est_actif:
            raise refus(self.statut)

    def email_connu(self, email: Email) -> bool:
        """True when the OPCO has this address on file for the organisme."""
        return email in self.emails_connus

    def valider(
        self,
        auteur: str,
        quand: dt.datetime,
        reference_opco: str,
        *,
        emails_connus: Iterable[Email] | None = None,
    ) -> None:
        """An OPCO agent validates a submitted sheet: the organisme becomes active.

        The agent assigns the OPCO reference. By validating, the agent vouches for the
        sheet's addresses (the organisme's and its contact's), which go on file unless
        ``emails_connus`` names the addresses the agent checked instead.
        """
        MACHINE_ORGANISME.passer(
            self,
            StatutOrganisme.ACTIF,
            auteur=auteur,
            quand=quand,
            depuis={StatutOrganisme.A_VALIDER},
        )
        self.reference_opco = _reference(reference_opco, obligatoire=True)
        verifies = (
            {self.fiche.email, self.interlocuteur.email}
            if emails_connus is None
            else set(emails_connus)
        )
        self.emails_connus = self.emails_connus | verifies

    def desactiver(self, auteur: str, quand: dt.datetime, motif: str) -> None:
        """Deactivate an active organisme, or reject a submitted sheet (a reason is required)."""
        MACHINE_ORGANISME.passer(
            self, StatutOrganisme.INACTIF, auteur=auteur, quand=quand, motif=_motif(motif)
        )

    def refuser_fiche(self, auteur: str, quand: dt.datetime, motif: str) -> None:
        """An OPCO agent rejects a submitted sheet, with a reason: the organisme is inactive.

        Raises:
            FicheNonEnAttente: the organisme's sheet awaits no validation.
            DonneeInvalide: no reason.
        """
        if self.statut is not StatutOrganisme.A_VALIDER:
            raise FicheNonEnAttente(self.statut)
        self.desactiver(auteur, quand, motif)

    def demander_delegation(
        self,
        delegant: Organisme | None,
        *,
        siret_delegant: Siret,
        id: uuid.UUID,  # noqa: A002  # the entity's field is named id, as in every aggregate
        nom_etablissement: str,
        demandee_par: uuid.UUID,
        quand: dt.datetime,
        existantes: Iterable[Delegation],
    ) -> Delegation:
        """This organisme (the delegataire) asks ``delegant`` to let it manage its files.

        ``delegant`` is the organisme found under ``siret_delegant``, None when the OPCO
        knows none; ``existantes`` are the delegations this organisme takes part in.

        Raises:
            DelegationImpossible: this organisme is not active.
            DonneeInvalide: no active organisme under ``siret_delegant`` (unknown and
                inactive are told alike), or this organisme itself.
            DelegationDejaDemandee: the pair already has a requested or active delegation.
        """
        self.exiger_actif(DelegationImpossible)
        if delegant is None or not delegant.est_actif:
            raise DonneeInvalide(
                "Aucun organisme actif n'est connu de l'OPCO avec ce numéro de SIRET.",
                champ="siret",
                valeur=siret_delegant.numero,
            )
        return Delegation.demander(
            id=id,
            siret_delegant=delegant.siret,
            siret_delegataire=self.siret,
            nom_etablissement=nom_etablissement,
            demandee_par=demandee_par,
            quand=quand,
            existantes=existantes,
        )

    def reactiver(self, auteur: str, quand: dt.datetime, motif: str = "") -> None:
        """Undo a deactivation: back to the status held before it.

        A sheet rejected while awaiting validation goes back to *à valider*, so that
        reactivating never skips an agent's validation.
        """
        precedent = next(
            (
                c.depart
                for c in reversed(self.historique)
                if c.arrivee is StatutOrganisme.INACTIF and c.depart is not None
            ),
            StatutOrganisme.ACTIF,
        )
        MACHINE_ORGANISME.passer(
            self,
            precedent,
            auteur=auteur,
            quand=quand,
            motif=motif.strip(),
            depuis={StatutOrganisme.INACTIF},
        )

    def mettre_a_jour_fiche(
        self,
        fiche: FicheOrganisme,
        interlocuteur: Interlocuteur,
        auteur: str,
        quand: dt.datetime,
    ) -> None:
        """Replace the sheet and contact ("Fiche OF dématérialisée").

        The Fiche OF requires the organisme's telephone, and a UAI for a CFA. The
        addresses on file are not changed: only the OPCO adds to them.
        """
        if self.statut is StatutOrganisme.INACTIF:
            raise FicheNonModifiable(self.statut)
        if fiche.telephone is None:
            raise DonneeInvalide("Téléphone : ce champ est obligatoire.", champ="telephone")
        if fiche.est_cfa and fiche.uai is None:
            raise DonneeInvalide(
                "N° UAI : ce champ est obligatoire pour un CFA.", champ="uai", valeur=None
            )
        self.fiche = fiche
        self.interlocuteur = interlocuteur
        self.fiche_modifiee_le = quand
        self.fiche_modifiee_par = auteur


def _reference(reference: str | None, *, obligatoire: bool = False) -> str | None:
    """Trim the OPCO reference; an empty optional one is None."""
    if reference is None and not obligatoire:
        return None
    texte = _texte(reference, "reference_opco", "Référence chez l'OPCO", obligatoire=obligatoire)
    return texte or None


# --- Delegations -------------------------------------------------------------------------


class StatutDelegation(enum.Enum):
    """Life of a delegation: requested, then approved or refused; revocable."""

    DEMANDEE = "demandee"
    ACTIVE = "active"
    REFUSEE = "refusee"
    REVOQUEE = "revoquee"

    @property
    def libelle(self) -> str:
        """French label."""
        return {
            StatutDelegation.DEMANDEE: "demandée",
            StatutDelegation.ACTIVE: "active",
            StatutDelegation.REFUSEE: "refusée",
            StatutDelegation.REVOQUEE: "révoquée",
        }[self]


MACHINE_DELEGATION: MachineAEtats[StatutDelegation] = MachineAEtats(
    Agregat.DELEGATION,
    "statut",
    "id",
    {
        StatutDelegation.DEMANDEE: frozenset(
            {StatutDelegation.ACTIVE, StatutDelegation.REFUSEE, StatutDelegation.REVOQUEE}
        ),
        StatutDelegation.ACTIVE: frozenset({StatutDelegation.REVOQUEE}),
        StatutDelegation.REFUSEE: frozenset(),
        StatutDelegation.REVOQUEE: frozenset(),
    },
)
"""The status machine of a delegation: approved or refused once, revocable until refused."""


@attrs.define(slots=False, eq=False)
class Delegation:
    """The delegant's files become visible to the delegataire once approved.

    The guide's "Gestion des accès - ajouter un OF déléguant": the delegataire's account
    types the delegant's SIRET and establishment name; the request waits for the
    delegant organisme (or an OPCO agent) to approve it.
    """

    id: uuid.UUID
    siret_delegant: Siret
    siret_delegataire: Siret
    nom_etablissement: str
    statut: StatutDelegation
    demandee_par: uuid.UUID
    demandee_le: dt.datetime
    decidee_par: str | None = None
    decidee_le: dt.datetime | None = None
    historique: list[Changement[StatutDelegation]] = attrs.field(factory=list)

    @classmethod
    def demander(
        cls,
        *,
        id: uuid.UUID,  # noqa: A002  # the entity's field is named id, as in every aggregate
        siret_delegant: Siret,
        siret_delegataire: Siret,
        nom_etablissement: str,
        demandee_par: uuid.UUID,
        quand: dt.datetime,
        existantes: Iterable[Delegation] = (),
    ) -> Self:
        """Request a delegation from ``siret_delegant`` to ``siret_delegataire``.

        ``demandee_par`` is the requesting account. An organisme cannot delegate to itself,
        and a pair has at most one delegation in force (:attr:`en_vigueur`) among
        ``existantes`` (the delegations already recorded for these organismes).

        Raises:
            DelegationDejaDemandee: the pair already has a requested or active delegation.
            DonneeInvalide: the same organisme on both sides, or no establishment name.
        """
        if any(
            d.en_vigueur
            and (d.siret_delegant, d.siret_delegataire) == (siret_delegant, siret_delegataire)
            for d in existantes
        ):
            raise DelegationDejaDemandee(siret_delegant.numero, siret_delegataire.numero)
        if siret_delegant == siret_delegataire:
            raise DonneeInvalide(
                "Vous ne pouvez pas ajouter votre propre organisme comme OF déléguant.",
                champ="siret",
                valeur=str(siret_delegant),
            )
        delegation = cls(
            id=id,
            siret_delegant=siret_delegant,
            siret_delegataire=siret_delegataire,
            nom_etablissement=_texte(
                nom_etablissement,
                "nom_etablissement",
                "Nom de l'établissement",
                obligatoire=True,
            ),
            statut=StatutDelegation.DEMANDEE,
            demandee_par=demandee_par,
            demandee_le=quand,
        )
        delegation.historique.append(
            MACHINE_DELEGATION.creation(
                StatutDelegation.DEMANDEE, auteur=str(demandee_par), quand=quand
            )
        )
        return delegation

    @property
    def en_vigueur(self) -> bool:
        """True while requested or active: its pair of organismes cannot ask for another."""
        return self.statut in {StatutDelegation.DEMANDEE, StatutDelegation.ACTIVE}

    @property
    def est_active(self) -> bool:
        """True when the delegataire may see and manage the delegant's files."""
        return self.statut is StatutDelegation.ACTIVE

    def peut_decider(self, siret_du_compte: Siret | None, est_agent: bool) -> bool:
        """True for an OPCO agent or an account of the delegant organisme."""
        return est_agent or (siret_du_compte is not None and siret_du_compte == self.siret_delegant)

    def peut_revoquer(self, siret_du_compte: Siret | None, est_agent: bool) -> bool:
        """True for those who may decide, and for the delegataire (withdrawing its request)."""
        return self.peut_decider(siret_du_compte, est_agent) or (
            siret_du_compte is not None and siret_du_compte == self.siret_delegataire
        )

    def approuver(self, auteur: str, quand: dt.datetime) -> None:
        """The delegant (or an agent) approves: the delegation becomes active."""
        MACHINE_DELEGATION.passer(self, StatutDelegation.ACTIVE, auteur=auteur, quand=quand)
        self.decidee_par = auteur
        self.decidee_le = quand

    def refuser(self, auteur: str, quand: dt.datetime, motif: str) -> None:
        """The delegant (or an agent) refuses the request, with a reason."""
        MACHINE_DELEGATION.passer(
            self, StatutDelegation.REFUSEE, auteur=auteur, quand=quand, motif=_motif(motif)
        )
        self.decidee_par = auteur
        self.decidee_le = quand

    def revoquer(self, auteur: str, quand: dt.datetime, motif: str) -> None:
        """End an active delegation, or withdraw a pending request, with a reason."""
        MACHINE_DELEGATION.passer(
            self, StatutDelegation.REVOQUEE, auteur=auteur, quand=quand, motif=_motif(motif)
        )
