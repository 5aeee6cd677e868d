"""The domain's error tree.

Every error the core raises is an :class:`ErreurDomaine`. Each carries the data a user
interface needs to explain it: a stable ``code`` (one per concrete class), the form field
it concerns (``champ``) and typed fields (enum members, amounts, dates, identifiers, never
display strings standing for data); its French ``message`` is derived from those fields.
A front end maps an error by class (or ``code``) and reads its fields; nothing should parse
messages. See "Errors" in ``docs/embedding.md``.

The classes marked *branch* below are never raised themselves (:data:`BRANCHES`; a test
walks the tree and checks that every ``raise`` in ``src/`` names a concrete class, and that
codes are unique). :class:`DonneeInvalide` is the one concrete class with subclasses meant
to be raised as such: a value failing its rule, with the field and the offending value.

This module imports nothing from the rest of the core (values and aggregates import it), so
fields holding the core's enum members and amounts are typed by the small protocols
:class:`Enumere` and :class:`MontantLu`; at run time they are the real ``EtatDossier``,
``Categorie``, ``Montant`` ... objects.

::

    ErreurDomaine                        branch
    ├── DonneeInvalide                   a value fails its rule (SIRET, NIR, dates, amounts ...)
    │   ├── MotDePasseNonConforme        the password policy refuses a new password
    │   ├── DocumentRefuse               an upload is no PDF the OPCO can open (MotifRefusDocument)
    │   ├── TexteNonEnregistrable        a feed record's text holds a NUL or a lone surrogate
    │   ├── VersionHorsLimites           a feed record's version leaves the 64-bit range
    │   └── EcheancierIncalculable       a feed record's contract has no computable schedule
    ├── Introuvable                      an aggregate does not exist (or is not visible)
    ├── AccesRefuse                      branch: the account may not do this
    │   ├── SessionInvalide              the session's account is gone: log in again
    │   ├── ReserveAuxConseillers        an OPCO agent's operation
    │   ├── CompteSansOrganisme          a CFA operation by an account without organisme
    │   ├── InvitationNonAutorisee       only an active account of the organisme invites
    │   ├── DecisionDelegationReservee   only the delegating organisme or an agent decides
    │   └── RevocationDelegationReservee only the parties or an agent revoke a delegation
    ├── Conflit                          branch: already exists / changed concurrently
    │   ├── OrganismeExistant            an organisme (sheet) already has this SIRET
    │   ├── DelegationExistante          a delegation with this identifier exists
    │   ├── DelegationDejaDemandee       this pair of organismes already has a delegation
    │   ├── EmailDejaUtilise             an account already has this email
    │   ├── EnregistrementDejaRegle      a quarantined feed record is already settled
    │   ├── DossierExistant              a file already has this action number
    │   ├── DemandeDejaEnvoyee           a request already has this idempotency key
    │   ├── CleIdempotenceReutilisee     ... and the form sent it with another content
    │   ├── DocumentExistant             a document already has this identifier
    │   ├── VersionPerimee               the feed sends a version older than the stored one
    │   ├── EtatSansNouvelleVersion      the feed changes a file's state in the same version
    │   ├── ChangementCfaAvecDemandes    the feed moves a file with requests to another CFA
    │   ├── ReferentielPerime            the feed sends an organisme's data that is not newer
    │   └── ModificationConcurrente      concurrent change or unknown duplicate: try again
    ├── TransitionInterdite              a state machine refuses a transition
    ├── RegleDeGestion                   branch: a business rule refuses the operation
    │   ├── DossierNonRemboursable       the file's state does not allow requests
    │   ├── PeriodeHorsContrat           the request's period leaves the contract
    │   ├── BudgetDepasse                a category would exceed its budget
    │   ├── MontantNonOuvert             more pedagogical costs than the opened installments
    │   ├── PlafondDepasse               branch: a frais annexes ceiling (D6332-83)
    │   │   ├── PlafondRepasNuiteesDepasse   meals and nights above their unit ceilings
    │   │   ├── PlafondPremierEquipementDepasse  first equipment above its contract ceiling
    │   │   ├── ForfaitMobiliteDepasse       international mobility above its lump sum
    │   │   └── PlafondMajorationHandicapDepasse  RQTH uplift above its yearly ceiling
    │   ├── PieceManquante               a required document is missing
    │   ├── ConditionsNonAcceptees       the general conditions were not accepted
    │   ├── OrganismeNonActif            branch: the organisme is not active at the OPCO
    │   │   ├── CreationCompteImpossible     no account can be created there yet
    │   │   ├── DelegationImpossible         it cannot ask for a delegation
    │   │   ├── FicheNonModifiable           its sheet cannot be changed
    │   │   └── OrganismeEnLectureSeule      it reads its files but changes nothing
    │   ├── FicheNonEnAttente            refusing a sheet that awaits no validation
    │   ├── CompteNonEnAttente           refusing an account that awaits no approval
    │   ├── EnvoiLienImpossible          no link of this kind for an account in this state
    │   └── DemandeOuvertureNonRenouvelable  renewing the sign-up of an account in this state
    ├── ErreurAuthentification           branch
    │   ├── IdentifiantsInvalides        wrong email or password (same answer either way)
    │   │   ├── MotDePasseActuelIncorrect  wrong current password on "Mon compte"
    │   │   └── MotDePasseActivationIncorrect  wrong password on the activation page
    │   ├── CompteVerrouille             too many failed logins: locked until a given time
    │   ├── CompteNonActive              the account is not activated (or awaits approval)
    │   ├── JetonInvalide                unknown, expired or already used token
    │   ├── CleApiInvalide               an API key unknown, revoked, expired, or its account left
    │   └── MotDePasseNonConforme        (also a DonneeInvalide, see above)
    └── ServiceIndisponible              the infrastructure failed (``panne``): try again later
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    import datetime as dt
    import uuid
    from decimal import Decimal


class Enumere(Protocol):
    """An enum member of the core (``EtatDossier.EN_COURS``, ``Categorie.FRAIS_DIVERS`` ...).

    Programs compare the member itself (``erreur.depart is EtatDossier.EN_COURS``) or its
    ``name``; messages show its French ``libelle``.
    """

    @property
    def name(self) -> str:
        """The member's name."""
        ...

    @property
    def value(self) -> object:
        """The member's stored value (also the form field of a category or a document)."""
        ...

    @property
    def libelle(self) -> str:
        """The French label."""
        ...


class MontantLu(Protocol):
    """A :class:`~cfa_domain.values.Montant`: ``valeur`` in euros, ``str`` in French."""

    @property
    def valeur(self) -> Decimal:
        """The amount in euros, to the cent."""
        ...


class Agregat(enum.Enum):
    """The kinds of aggregate an error can name."""

    ORGANISME = "organisme"
    DELEGATION = "delegation"
    COMPTE = "compte"
    DOSSIER = "dossier"
    DEMANDE = "demande"
    DOCUMENT = "document"
    ENREGISTREMENT_FLUX = "enregistrement_flux"
    CLE_API = "cle_api"

    @property
    def libelle(self) -> str:
        """French name, capitalised (it starts messages)."""
        return _LIBELLES_AGREGATS[self]


_LIBELLES_AGREGATS = {
    Agregat.ORGANISME: "Organisme",
    Agregat.DELEGATION: "Délégation",
    Agregat.COMPTE: "Compte",
    Agregat.DOSSIER: "Dossier",
    Agregat.DEMANDE: "Demande",
    Agregat.DOCUMENT: "Document",
    Agregat.ENREGISTREMENT_FLUX: "Enregistrement du flux",
    Agregat.CLE_API: "Clé d'API",
}


class ErreurDomaine(Exception):
    """Base class of every error raised by ``cfa_domain`` (a branch, never raised)."""

    code: ClassVar[str] = "erreur_domaine"

    def __init__(self, message: str, *, champ: str | None = None) -> None:
        """Keep the French message and the form field it concerns, if any."""
        super().__init__(message)
        self.message = message
        self.champ = champ

    def __str__(self) -> str:
        """Return the French message."""
        return self.message


class DonneeInvalide(ErreurDomaine, ValueError):
    """A value does not satisfy its rule (format, checksum, range ...).

    Raised as such: ``champ`` names the form field, ``valeur`` holds what was given and the
    message states the rule.
    """

    code = "donnee_invalide"

    def __init__(self, message: str, *, champ: str | None = None, valeur: object = None) -> None:
        """Record the offending value beside the message."""
        super().__init__(message, champ=champ)
        self.valeur = valeur


class TexteNonEnregistrable(DonneeInvalide):
    """A feed record's text holds a character no database stores (NUL, lone surrogate)."""

    code = "texte_non_enregistrable"

    def __init__(self, champ: str) -> None:
        """Name the field (its dotted path in the record)."""
        super().__init__(
            f"Le champ « {champ} » contient un caractère qui ne peut pas être enregistré "
            "(caractère nul ou caractère Unicode incomplet).",
            champ=champ,
        )


class VersionHorsLimites(DonneeInvalide):
    """A feed record's version does not fit a signed 64-bit integer (what is stored)."""

    code = "version_hors_limites"

    def __init__(self, version: int) -> None:
        """Name the version received."""
        super().__init__(
            f"La version {version} est hors limites : elle doit être comprise entre "
            "-2^63 et 2^63 - 1.",
            champ="version",
            valeur=version,
        )
        self.version = version


class EcheancierIncalculable(DonneeInvalide):
    """The schedule of a feed record's contract cannot be computed: the file is not stored."""

    code = "echeancier_incalculable"

    def __init__(self, numero_action: str, debut: dt.date, fin: dt.date) -> None:
        """Name the file and its contract's dates."""
        super().__init__(
            f"Dossier {numero_action} : l'échéancier du contrat du {debut:%d/%m/%Y} au "
            f"{fin:%d/%m/%Y} ne peut pas être calculé ; le dossier n'est pas enregistré.",
            champ="contrat",
        )
        self.numero_action = numero_action
        self.debut = debut
        self.fin = fin


class Introuvable(ErreurDomaine):
    """An aggregate does not exist, or the account may not know that it exists.

    ``identifiant`` is the aggregate's identity as the aggregate holds it (here and in
    :class:`TransitionInterdite`): a ``Siret`` for an organisme, a ``uuid.UUID`` for an
    account, a delegation or a request, the action number (``str``) for a file, the
    document's ``str`` id.
    """

    code = "introuvable"

    def __init__(self, agregat: Agregat, identifiant: object) -> None:
        """Name the kind of aggregate and the identifier that was looked up."""
        super().__init__(f"{agregat.libelle} introuvable : {identifiant}.")
        self.agregat = agregat
        self.identifiant = identifiant


class TransitionInterdite(ErreurDomaine):
    """A state machine refuses to go from ``depart`` to ``arrivee`` (enum members)."""

    code = "transition_interdite"

    def __init__(
        self, agregat: Agregat, identifiant: object, depart: Enumere, arrivee: Enumere
    ) -> None:
        """Name the aggregate and both states."""
        super().__init__(
            f"{agregat.libelle} {identifiant} : le passage de l'état « {depart.libelle} » à "
            f"l'état « {arrivee.libelle} » n'est pas autorisé."
        )
        self.agregat = agregat
        self.identifiant = identifiant
        self.depart = depart
        self.arrivee = arrivee


# --- AccesRefuse ---


class AccesRefuse(ErreurDomaine):
    """The account is not allowed to do this (a branch)."""

    code = "acces_refuse"


class SessionInvalide(AccesRefuse):
    """The session's account no longer exists: the user logs in again."""

    code = "session_invalide"

    def __init__(self) -> None:
        """Use the standard message."""
        super().__init__("Votre session n'est plus valide : reconnectez-vous.")


class ReserveAuxConseillers(AccesRefuse):
    """Only an OPCO agent may do this."""

    code = "reserve_aux_conseillers"

    def __init__(self) -> None:
        """Use the standard message."""
        super().__init__("Cette opération est réservée aux conseillers de l'OPCO.")


class CompteSansOrganisme(AccesRefuse):
    """A CFA operation asked by an account attached to no organisme."""

    code = "compte_sans_organisme"

    def __init__(self) -> None:
        """Use the standard message."""
        super().__init__("Ce compte n'est rattaché à aucun organisme.")


class InvitationNonAutorisee(AccesRefuse):
    """Only an active account of the organisme may invite a user into it."""

    code = "invitation_non_autorisee"

    def __init__(self) -> None:
        """Use the standard message."""
        super().__init__("Seul un compte actif de l'organisme peut inviter un utilisateur.")


class DecisionDelegationReservee(AccesRefuse):
    """Only the delegating organisme or an OPCO agent approves or refuses a delegation."""

    code = "decision_delegation_reservee"

    def __init__(self, delegation_id: uuid.UUID) -> None:
        """Name the delegation."""
        super().__init__(
            "Seul l'organisme déléguant ou un conseiller de l'OPCO peut décider de cette "
            "délégation."
        )
        self.delegation_id = delegation_id


class RevocationDelegationReservee(AccesRefuse):
    """Only the two organismes of a delegation or an OPCO agent revoke it."""

    code = "revocation_delegation_reservee"

    def __init__(self, delegation_id: uuid.UUID) -> None:
        """Name the delegation."""
        super().__init__(
            "Seuls les organismes de la délégation ou un conseiller de l'OPCO peuvent la révoquer."
        )
        self.delegation_id = delegation_id


# --- Conflit ---


class Conflit(ErreurDomaine):
    """The operation collides with existing data (a branch)."""

    code = "conflit"


class OrganismeExistant(Conflit):
    """An organisme already has this SIRET (``statut`` when the caller knows it)."""

    code = "organisme_existant"

    def __init__(self, siret: str, statut: Enumere | None = None) -> None:
        """Name the SIRET (14 digits) and, when known, the existing organisme's status."""
        detail = f" (organisme « {statut.libelle} » auprès de l'OPCO)" if statut is not None else ""
        super().__init__(f"Une fiche existe déjà pour ce SIRET{detail}.", champ="siret")
        self.siret = siret
        self.statut = statut


class DelegationExistante(Conflit):
    """A delegation with this identifier is already recorded."""

    code = "delegation_existante"

    def __init__(self, delegation_id: uuid.UUID) -> None:
        """Name the delegation."""
        super().__init__("Cette délégation est déjà enregistrée.")
        self.delegation_id = delegation_id


class DelegationDejaDemandee(Conflit):
    """The delegating organisme already has a requested or active delegation to this one."""

    code = "delegation_deja_demandee"

    def __init__(self, siret_delegant: str, siret_delegataire: str) -> None:
        """Name both organismes (SIRET numbers)."""
        super().__init__(
            "Une délégation de cet organisme est déjà demandée ou active.", champ="siret"
        )
        self.siret_delegant = siret_delegant
        self.siret_delegataire = siret_delegataire


class EmailDejaUtilise(Conflit):
    """Another account already has this login email."""

    code = "email_deja_utilise"

    def __init__(self, email: str, *, champ: str = "email") -> None:
        """Name the email and the form field it was typed in."""
        super().__init__("Cette adresse email est déjà utilisée par un autre compte.", champ=champ)
        self.email = email


class EnregistrementDejaRegle(Conflit):
    """A quarantined feed record was already settled (replayed or discarded)."""

    code = "enregistrement_deja_regle"

    def __init__(self, numero: int) -> None:
        """Name the record by its number in the quarantine journal."""
        # No field: the record's state is the matter, not what the form holds (the
        # settled record's page shows no form, so the summary says it without a link).
        super().__init__(f"L'enregistrement n° {numero} de la quarantaine est déjà réglé.")
        self.numero = numero


class DossierExistant(Conflit):
    """A file already has this action number."""

    code = "dossier_existant"

    def __init__(self, numero_action: str) -> None:
        """Name the action number."""
        super().__init__(f"Le dossier {numero_action} existe déjà.", champ="numero_action")
        self.numero_action = numero_action


class DemandeDejaEnvoyee(Conflit):
    """The account already sent a request with this idempotency key."""

    code = "demande_deja_envoyee"

    def __init__(self, cle_idempotence: str) -> None:
        """Name the key."""
        super().__init__("Cette demande a déjà été envoyée.", champ="cle_idempotence")
        self.cle_idempotence = cle_idempotence


class CleIdempotenceReutilisee(Conflit):
    """A request sent again with its idempotency key but another content."""

    code = "cle_idempotence_reutilisee"

    def __init__(self, cle_idempotence: str) -> None:
        """Name the key."""
        super().__init__(
            "Cette demande a déjà été envoyée avec un autre contenu : rechargez le formulaire "
            "avant de soumettre une nouvelle demande.",
            champ="cle_idempotence",
        )
        self.cle_idempotence = cle_idempotence


class DocumentExistant(Conflit):
    """A document with this identifier is already stored."""

    code = "document_existant"

    def __init__(self, document_id: str) -> None:
        """Name the document."""
        super().__init__("Ce document est déjà enregistré.")
        self.document_id = document_id


class VersionPerimee(Conflit):
    """The feed sends a version of a file that is not newer than the stored one."""

    code = "version_perimee"

    def __init__(self, numero_action: str, recue: int, enregistree: int) -> None:
        """Name the file and both versions."""
        super().__init__(
            f"Dossier {numero_action} : la version {recue} reçue n'est pas plus récente que "
            f"la version {enregistree} déjà enregistrée.",
            champ="version",
        )
        self.numero_action = numero_action
        self.recue = recue
        self.enregistree = enregistree


class EtatSansNouvelleVersion(Conflit):
    """The feed sends the stored version of a file with another state."""

    code = "etat_sans_nouvelle_version"

    def __init__(
        self, numero_action: str, version: int, enregistre: Enumere, recu: Enumere
    ) -> None:
        """Name the file, the version and both states."""
        super().__init__(
            f"Dossier {numero_action} : la version {version}, enregistrée à l'état "
            f"« {enregistre.libelle} », est transmise à l'état « {recu.libelle} ». "
            "Un changement d'état arrive avec une nouvelle version.",
            champ="etat",
        )
        self.numero_action = numero_action
        self.version = version
        self.enregistre = enregistre
        self.recu = recu


class ChangementCfaAvecDemandes(Conflit):
    """The feed gives a file holding requests to another CFA: an agent must handle it."""

    code = "changement_cfa_avec_demandes"

    def __init__(
        self,
        numero_action: str,
        version: int,
        siret_actuel: str,
        siret_nouveau: str,
        nombre_demandes: int,
    ) -> None:
        """Name the file, the version, both CFAs' SIRET and how many requests it holds."""
        super().__init__(
            f"Dossier {numero_action} : la version {version} change le CFA bénéficiaire "
            f"(SIRET {siret_actuel} remplacé par {siret_nouveau}) alors que "
            f"{nombre_demandes} demande(s) de remboursement y sont déjà enregistrées. "
            "Un conseiller de l'OPCO doit traiter ce changement : les demandes, récépissés "
            "et factures du CFA actuel ne passent pas au nouveau CFA.",
            champ="siret_cfa",
        )
        self.numero_action = numero_action
        self.version = version
        self.siret_actuel = siret_actuel
        self.siret_nouveau = siret_nouveau
        self.nombre_demandes = nombre_demandes


class ReferentielPerime(Conflit):
    """The feed sends the OPCO's data on an organisme that does not follow what it stored.

    The same rules as a file's versions: an older version, or the stored version with other
    data, contradicts what the feed said before.
    """

    code = "referentiel_perime"

    def __init__(self, siret: str, recue: int, enregistree: int) -> None:
        """Name the organisme and both versions."""
        if recue == enregistree:
            raison = (
                f"la version {recue} reçue porte d'autres données que la version "
                f"{enregistree} déjà enregistrée."
            )
        else:
            raison = (
                f"la version {recue} reçue n'est pas plus récente que la version "
                f"{enregistree} déjà enregistrée."
            )
        super().__init__(
            f"Organisme {siret} (données de l'OPCO) : {raison}", champ="organisme.version"
        )
        self.siret = siret
        self.recue = recue
        self.enregistree = enregistree


class ModificationConcurrente(Conflit):
    """A concurrent change (or a duplicate no other class names): the user tries again."""

    code = "modification_concurrente"

    def __init__(self) -> None:
        """Use the standard message."""
        super().__init__(
            "Ces données ont été modifiées en même temps par une autre opération : "
            "recommencez l'opération."
        )


# --- RegleDeGestion ---


class RegleDeGestion(ErreurDomaine):
    """A business rule of the OPCO refuses the operation (a branch)."""

    code = "regle_de_gestion"


class DossierNonRemboursable(RegleDeGestion):
    """Requests are only allowed on a file *en cours* (or *rompu*, up to the rupture)."""

    code = "dossier_non_remboursable"

    def __init__(self, numero_action: str, etat: Enumere) -> None:
        """Name the file and its current state."""
        super().__init__(
            f"Le dossier {numero_action} est à l'état « {etat.libelle} » : aucune demande de "
            "remboursement n'est possible. Seuls les dossiers « en cours » (ou « rompu », "
            "jusqu'à la date de rupture) peuvent faire l'objet d'une demande."
        )
        self.numero_action = numero_action
        self.etat = etat


class PeriodeHorsContrat(RegleDeGestion):
    """The requested period is not inside the contract's dates."""

    code = "periode_hors_contrat"

    def __init__(
        self, debut: dt.date, fin: dt.date, contrat_debut: dt.date, contrat_fin: dt.date
    ) -> None:
        """Record both periods."""
        super().__init__(
            f"La période du {debut:%d/%m/%Y} au {fin:%d/%m/%Y} sort du contrat "
            f"(du {contrat_debut:%d/%m/%Y} au {contrat_fin:%d/%m/%Y}).",
            champ="date_debut",
        )
        self.debut = debut
        self.fin = fin
        self.contrat_debut = contrat_debut
        self.contrat_fin = contrat_fin


class BudgetDepasse(RegleDeGestion):
    """A category of the request would push its reimbursed total past its budget."""

    code = "budget_depasse"

    def __init__(self, categorie: Enumere, demande: MontantLu, disponible: MontantLu) -> None:
        """Name the category (its value is the form field), the amount asked and what is left."""
        super().__init__(
            f"{categorie.libelle} : le montant demandé ({demande}) dépasse le budget encore "
            f"disponible pour cette catégorie ({disponible}).",
            champ=str(categorie.value),
        )
        self.categorie = categorie
        self.demande = demande
        self.disponible = disponible


class MontantNonOuvert(RegleDeGestion):
    """More pedagogical costs are asked than the installments opened by the request date."""

    code = "montant_non_ouvert"

    def __init__(
        self, demande: MontantLu, ouvert: MontantLu, prochaine_ouverture: dt.date | None
    ) -> None:
        """Record what was asked, what is open now and when the next installment opens."""
        suite = (
            f" La prochaine échéance ouvre le {prochaine_ouverture:%d/%m/%Y}."
            if prochaine_ouverture
            else ""
        )
        super().__init__(
            f"Les frais pédagogiques demandés ({demande}) dépassent le montant des "
            f"échéances ouvertes restant à demander ({ouvert}).{suite}",
            champ="frais_pedagogiques",
        )
        self.demande = demande
        self.ouvert = ouvert
        self.prochaine_ouverture = prochaine_ouverture


class PlafondDepasse(RegleDeGestion):
    """A frais annexes ceiling (article D6332-83) is exceeded (a branch).

    Every subclass has ``demande`` (what was asked) and ``autorise`` (the most that could
    be asked in this request).
    """

    code = "plafond_depasse"

    def __init__(
        self, explication: str, demande: MontantLu, autorise: MontantLu, *, champ: str
    ) -> None:
        """Derive the message from the subclass's explanation and both amounts."""
        super().__init__(
            f"{explication} : le montant demandé ({demande}) dépasse le plafond autorisé "
            f"({autorise}).",
            champ=champ,
        )
        self.demande = demande
        self.autorise = autorise


class PlafondRepasNuiteesDepasse(PlafondDepasse):
    """Meals and nights cost more than their counts times their unit ceilings."""

    code = "plafond_repas_nuitees_depasse"

    def __init__(
        self,
        demande: MontantLu,
        autorise: MontantLu,
        *,
        nombre_repas: int,
        nombre_nuitees: int,
        plafond_repas: MontantLu,
        plafond_nuitee: MontantLu,
    ) -> None:
        """Record the counts and unit ceilings that make ``autorise``."""
        super().__init__(
            f"Repas et nuitées ({nombre_repas} repas à {plafond_repas} au plus, "
            f"{nombre_nuitees} nuitées à {plafond_nuitee} au plus)",
            demande,
            autorise,
            champ="repas_nuitees",
        )
        self.nombre_repas = nombre_repas
        self.nombre_nuitees = nombre_nuitees
        self.plafond_repas = plafond_repas
        self.plafond_nuitee = plafond_nuitee


class PlafondPremierEquipementDepasse(PlafondDepasse):
    """The first equipment goes past its ceiling over the contract."""

    code = "plafond_premier_equipement_depasse"

    def __init__(
        self, demande: MontantLu, autorise: MontantLu, *, plafond: MontantLu, deja: MontantLu
    ) -> None:
        """Record the contract's ceiling and what earlier requests already asked."""
        super().__init__(
            f"Premier équipement ({plafond} sur la durée du contrat, dont {deja} déjà demandés)",
            demande,
            autorise,
            champ="premier_equipement",
        )
        self.plafond = plafond
        self.deja = deja


class ForfaitMobiliteDepasse(PlafondDepasse):
    """International mobility goes past its lump sum over the contract."""

    code = "forfait_mobilite_depasse"

    def __init__(
        self, demande: MontantLu, autorise: MontantLu, *, plafond: MontantLu, deja: MontantLu
    ) -> None:
        """Record the lump sum and what earlier requests already asked."""
        super().__init__(
            f"Mobilité internationale ({plafond} sur la durée du contrat, dont {deja} déjà "
            "demandés)",
            demande,
            autorise,
            champ="mobilite_internationale",
        )
        self.plafond = plafond
        self.deja = deja


class PlafondMajorationHandicapDepasse(PlafondDepasse):
    """The disability uplift (RQTH, article D6332-82) goes past its ceiling for a year."""

    code = "plafond_majoration_handicap_depasse"

    def __init__(
        self,
        demande: MontantLu,
        autorise: MontantLu,
        *,
        annee: int,
        plafond: MontantLu,
        deja: MontantLu,
    ) -> None:
        """Record the contract year, its ceiling and what earlier requests asked for it."""
        super().__init__(
            f"Majoration handicap ({plafond} pour l'année {annee} du contrat, dont {deja} "
            "déjà demandés)",
            demande,
            autorise,
            champ="majoration_handicap",
        )
        self.annee = annee
        self.plafond = plafond
        self.deja = deja


class PieceManquante(RegleDeGestion):
    """A required document (invoice, certificat de réalisation) is missing."""

    code = "piece_manquante"

    def __init__(self, piece: Enumere) -> None:
        """Name the missing document (a ``Piece``; its value is the form field)."""
        super().__init__(f"Pièce obligatoire manquante : {piece.libelle}.", champ=str(piece.value))
        self.piece = piece


class ConditionsNonAcceptees(RegleDeGestion):
    """The CFA did not accept the OPCO's general conditions."""

    code = "conditions_non_acceptees"

    def __init__(self) -> None:
        """Use the standard message."""
        super().__init__(
            "Vous devez accepter les conditions générales de gestion de l'apprentissage.",
            champ="conditions_acceptees",
        )


class OrganismeNonActif(RegleDeGestion):
    """The organisme is not active at the OPCO, which this operation needs (a branch)."""

    code = "organisme_non_actif"

    def __init__(self, statut: Enumere, consequence: str, *, champ: str | None = None) -> None:
        """Derive the message from the status and the subclass's consequence."""
        super().__init__(
            f"Votre organisme est « {statut.libelle} » auprès de l'OPCO : {consequence}.",
            champ=champ,
        )
        self.statut = statut


class CreationCompteImpossible(OrganismeNonActif):
    """No account can be created in an organisme that is not active."""

    code = "creation_compte_impossible"

    def __init__(self, statut: Enumere) -> None:
        """Name the organisme's status."""
        super().__init__(statut, "aucun compte ne peut encore y être créé", champ="siret")


class DelegationImpossible(OrganismeNonActif):
    """An organisme that is not active cannot ask for a delegation."""

    code = "delegation_impossible"

    def __init__(self, statut: Enumere) -> None:
        """Name the organisme's status."""
        super().__init__(statut, "il ne peut pas demander de délégation")


class FicheNonModifiable(OrganismeNonActif):
    """The sheet of an organisme that is not active cannot be changed."""

    code = "fiche_non_modifiable"

    def __init__(self, statut: Enumere) -> None:
        """Name the organisme's status."""
        super().__init__(statut, "sa fiche ne peut pas être modifiée")


class OrganismeEnLectureSeule(OrganismeNonActif):
    """An organisme that is not active reads its files but changes nothing (issue 7)."""

    code = "organisme_en_lecture_seule"

    def __init__(self, statut: Enumere) -> None:
        """Name the organisme's status."""
        super().__init__(
            statut,
            "vous pouvez consulter vos dossiers, demandes et récépissés, mais aucune "
            "demande, annulation, délégation ni modification n'est possible",
        )


class FicheNonEnAttente(RegleDeGestion):
    """An agent refuses the sheet of an organisme that awaits no validation."""

    code = "fiche_non_en_attente"

    def __init__(self, statut: Enumere) -> None:
        """Name the organisme's status."""
        super().__init__(
            f"Cet organisme est « {statut.libelle} » : sa fiche n'attend pas de validation."
        )
        self.statut = statut


class CompteNonEnAttente(RegleDeGestion):
    """An agent refuses an account that awaits no approval."""

    code = "compte_non_en_attente"

    def __init__(self, statut: Enumere) -> None:
        """Name the account's status."""
        super().__init__(f"Ce compte est « {statut.libelle} » : il n'attend pas d'approbation.")
        self.statut = statut


class EnvoiLienImpossible(RegleDeGestion):
    """No link of this kind can be sent to an account in this status."""

    code = "envoi_lien_impossible"

    def __init__(self, statut: Enumere, type_jeton: enum.Enum) -> None:
        """Name the account's status and the kind of link (a ``TypeJeton``)."""
        super().__init__(
            f"Aucun lien de ce type ne peut être envoyé : le compte est « {statut.libelle} »."
        )
        self.statut = statut
        self.type_jeton = type_jeton


class DemandeOuvertureNonRenouvelable(RegleDeGestion):
    """Only an account awaiting activation may renew its sign-up."""

    code = "demande_ouverture_non_renouvelable"

    def __init__(self, statut: Enumere) -> None:
        """Name the account's status."""
        super().__init__(
            f"Ce compte est « {statut.libelle} » : sa demande d'ouverture ne peut pas être "
            "renouvelée."
        )
        self.statut = statut


# --- ErreurAuthentification ---


class ErreurAuthentification(ErreurDomaine):
    """Base class of login, activation and password errors (a branch)."""

    code = "erreur_authentification"


class IdentifiantsInvalides(ErreurAuthentification):
    """Wrong email or password: the same answer whether the account exists or not."""

    code = "identifiants_invalides"

    def __init__(self) -> None:
        """Use the one message that does not reveal which part was wrong."""
        super().__init__("Identifiant ou mot de passe incorrect.")


class CompteVerrouille(ErreurAuthentification):
    """Too many failed logins: further attempts are refused until ``jusqu_a``."""

    code = "compte_verrouille"

    def __init__(self, jusqu_a: dt.datetime) -> None:
        """Record when attempts are allowed again."""
        super().__init__(
            f"Trop de tentatives de connexion infructueuses. Réessayez après {jusqu_a:%H:%M} (UTC)."
        )
        self.jusqu_a = jusqu_a


# Keyed by the ``StatutCompte`` member's name (this module cannot import compte.py).
_MESSAGES_NON_ACTIF = {
    "EN_ATTENTE_ACTIVATION": (
        "Votre compte n'est pas encore activé : cliquez sur le lien reçu par email."
    ),
    "EN_ATTENTE_APPROBATION": (
        "Votre demande de compte attend la validation d'un conseiller de l'OPCO."
    ),
    "DESACTIVE": "Votre compte est désactivé. Contactez le Centre de Relation Client.",
}


class CompteNonActive(ErreurAuthentification):
    """The account exists but cannot log in (not activated, awaiting approval, disabled)."""

    code = "compte_non_active"

    def __init__(self, statut: Enumere) -> None:
        """Name the account's status (a ``StatutCompte`` other than ``ACTIF``)."""
        super().__init__(
            _MESSAGES_NON_ACTIF.get(statut.name, f"Votre compte est « {statut.libelle} ».")
        )
        self.statut = statut


class JetonInvalide(ErreurAuthentification):
    """An activation or reset token is unknown, expired or already used."""

    code = "jeton_invalide"

    def __init__(self) -> None:
        """Use a message that does not say which of the three it was."""
        super().__init__("Ce lien n'est pas valide ou a expiré.")


class CleApiInvalide(ErreurAuthentification):
    """An API key is unknown, malformed, revoked, expired, or its account can no longer act.

    One answer for all: a caller learns nothing about which keys exist.
    """

    code = "cle_api_invalide"

    def __init__(self) -> None:
        """Use a message that does not say which case it was."""
        super().__init__("Clé d'API invalide ou révoquée.")


class RegleMotDePasse(enum.Enum):
    """A rule of the password policy (``PolitiqueMotDePasse``) a new password can break."""

    LONGUEUR_MIN = "longueur_min"
    LONGUEUR_MAX = "longueur_max"
    MINUSCULE = "minuscule"
    MAJUSCULE = "majuscule"
    COURANT = "courant"
    CONTIENT_EMAIL = "contient_email"
    IDENTIQUE_ACTUEL = "identique_actuel"

    def raison(self, *, longueur_min: int, longueur_max: int) -> str:
        """The French reason, as the form lists it (lengths are the policy's)."""
        return _RAISONS_MOT_DE_PASSE[self].format(
            longueur_min=longueur_min, longueur_max=longueur_max
        )


_RAISONS_MOT_DE_PASSE = {
    RegleMotDePasse.LONGUEUR_MIN: "il doit contenir au moins {longueur_min} caractères",
    RegleMotDePasse.LONGUEUR_MAX: "il doit contenir au plus {longueur_max} caractères",
    RegleMotDePasse.MINUSCULE: "il doit contenir au moins une lettre minuscule",
    RegleMotDePasse.MAJUSCULE: "il doit contenir au moins une lettre majuscule",
    RegleMotDePasse.COURANT: "il est trop courant ou trop facile à deviner",
    RegleMotDePasse.CONTIENT_EMAIL: "il ne doit pas contenir votre adresse email",
    RegleMotDePasse.IDENTIQUE_ACTUEL: "il doit être différent du mot de passe actuel",
}


class MotDePasseNonConforme(ErreurAuthentification, DonneeInvalide):
    """The password policy refuses a new password: ``regles`` lists every broken rule.

    ``longueur_min`` and ``longueur_max`` are the policy's bounds (for the length rules'
    wording); ``raisons`` gives each rule's French reason, in the same order.
    """

    code = "mot_de_passe_non_conforme"

    def __init__(
        self,
        regles: tuple[RegleMotDePasse, ...],
        *,
        longueur_min: int,
        longueur_max: int,
        champ: str = "mot_de_passe",
    ) -> None:
        """Keep every broken rule so the form can show them all at once."""
        raisons = tuple(
            r.raison(longueur_min=longueur_min, longueur_max=longueur_max) for r in regles
        )
        super().__init__(
            "Le mot de passe ne respecte pas les règles : " + " ; ".join(raisons) + ".",
            champ=champ,
        )
        self.regles = regles
        self.longueur_min = longueur_min
        self.longueur_max = longueur_max
        self.raisons = raisons


# --- compte ---


class MotDePasseActuelIncorrect(IdentifiantsInvalides):
    """The current password typed to change the login email or the password is wrong.

    The user is logged in, so naming the field reveals nothing; it still counts as a
    failed login (a stolen session must not become a password oracle).
    """

    code = "mot_de_passe_actuel_incorrect"

    def __init__(self, champ: str = "mot_de_passe_actuel") -> None:
        """Name the form field of the current password."""
        ErreurAuthentification.__init__(self, "Le mot de passe actuel est incorrect.", champ=champ)


# --- compte (activation) ---


class MotDePasseActivationIncorrect(IdentifiantsInvalides):
    """The password typed on the activation page is not the one chosen at creation.

    Whoever holds the link reads the mailbox, so naming the field reveals nothing; it
    counts as a failed login, and the link stays usable.
    """

    code = "mot_de_passe_activation_incorrect"

    def __init__(self) -> None:
        """Name the password field."""
        ErreurAuthentification.__init__(
            self,
            "Ce mot de passe n'est pas celui choisi lors de la création du compte.",
            champ="mot_de_passe",
        )


# --- documents déposés ---


class MotifRefusDocument(enum.Enum):
    """Why an uploaded document is refused (checked by its content, never its name)."""

    PAS_UN_PDF = "pas_un_pdf"
    ILLISIBLE = "illisible"
    CHIFFRE = "chiffre"
    SANS_PAGE = "sans_page"
    TROP_DE_PAGES = "trop_de_pages"


class DocumentRefuse(DonneeInvalide):
    """An uploaded document is not a PDF the OPCO can open; names the file and the reason.

    ``piece`` is the document's kind (a ``Piece``, also the form field); ``pages`` and
    ``limite`` are set for :attr:`MotifRefusDocument.TROP_DE_PAGES`.
    """

    code = "document_refuse"

    def __init__(
        self,
        piece: Enumere,
        nom_fichier: str,
        motif: MotifRefusDocument,
        *,
        pages: int | None = None,
        limite: int | None = None,
    ) -> None:
        """Explain the refusal in French from the reason; the field is the document's."""
        raisons = {
            MotifRefusDocument.PAS_UN_PDF: "n'est pas un fichier PDF. Seuls les documents "
            "PDF sont acceptés.",
            MotifRefusDocument.ILLISIBLE: "n'est pas un PDF lisible : le fichier est "
            "endommagé ou incomplet.",
            MotifRefusDocument.CHIFFRE: "est protégé par un mot de passe : déposez-le sans "
            "protection.",
            MotifRefusDocument.SANS_PAGE: "ne contient aucune page.",
            MotifRefusDocument.TROP_DE_PAGES: f"compte {pages} pages : {limite} au plus "
            "sont acceptées.",
        }
        super().__init__(
            f"{piece.libelle} : « {nom_fichier} » {raisons[motif]}",
            champ=str(piece.value),
            valeur=nom_fichier,
        )
        self.piece = piece
        self.nom_fichier = nom_fichier
        self.motif = motif
        self.pages = pages
        self.limite = limite


# --- ServiceIndisponible ---


class Panne(enum.Enum):
    """What failed in the infrastructure (for logs and monitoring; users see one message)."""

    CONNEXION = "connexion"
    """The database cannot be reached, or the connection died (server restart, network)."""
    ATTENTE = "attente"
    """A lock or a statement waited longer than allowed (lock or busy timeout)."""
    SATURATION = "saturation"
    """A resource is exhausted: disk full, memory, every connection of the pool in use."""
    LECTURE_SEULE = "lecture_seule"
    """The database accepts no write (read-only file or volume, standby server)."""
    INTERNE = "interne"
    """The database reports an internal error, corruption, or a statement it refuses."""


class ServiceIndisponible(ErreurDomaine):
    """The infrastructure failed, not the user's data: the same request may work later.

    Raised by the adapters (the SQL unit of work maps every driver error that is not a
    duplicate, a refused value or a concurrent change to it). Distinct from
    :class:`Conflit`, which is about the data. ``panne`` says what failed.
    """

    code = "service_indisponible"

    def __init__(self, panne: Panne) -> None:
        """Name the kind of failure; the message is the same for every kind."""
        super().__init__(
            "Le service est temporairement indisponible : réessayez dans quelques instants."
        )
        self.panne = panne


#: The classes that group others and are never raised themselves.
BRANCHES: frozenset[type[ErreurDomaine]] = frozenset(
    {
        ErreurDomaine,
        AccesRefuse,
        Conflit,
        RegleDeGestion,
        PlafondDepasse,
        OrganismeNonActif,
        ErreurAuthentification,
    }
)
