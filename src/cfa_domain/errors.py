"""The domain's error tree.

Every error the core raises is an :class:`ErreurDomaine`. Each carries the data a user
interface needs to explain it (``code``, ``champ`` and typed fields) and a French
``message`` meant for the CFA's user. The web layer maps each class to one HTTP status in a
single table; nothing else should need to parse messages.

::

    ErreurDomaine
    ├── DonneeInvalide               a value fails its rule (SIRET, NIR, dates, amounts ...)
    │   └── DocumentRefuse           an upload is no PDF the OPCO can open (MotifRefusDocument)
    ├── Introuvable                  an aggregate does not exist (or is not visible)
    ├── AccesRefuse                  the account may not read or change this aggregate
    ├── Conflit                      already exists / changed concurrently / duplicate
    ├── TransitionInterdite          a state machine refuses a transition
    ├── RegleDeGestion               a business rule refuses the operation
    │   ├── DossierNonRemboursable   the file's state does not allow requests
    │   ├── PeriodeHorsContrat       the request's period leaves the contract
    │   ├── BudgetDepasse            a category would exceed its budget
    │   ├── MontantNonOuvert         more pedagogical costs than the opened installments
    │   ├── PlafondDepasse           a frais annexes ceiling (meals, nights, equipment ...)
    │   ├── PieceManquante           a required document is missing
    │   └── ConditionsNonAcceptees   the general conditions were not accepted
    └── ErreurAuthentification
        ├── IdentifiantsInvalides    wrong email or password (same answer either way)
        │   ├── MotDePasseActuelIncorrect  wrong current password on "Mon compte"
        │   └── MotDePasseActivationIncorrect  wrong password on the activation page
        ├── CompteVerrouille         too many failed logins: locked until a given time
        ├── CompteNonActive          the account is not activated (or awaits approval)
        ├── JetonInvalide            unknown, expired or already used token
        └── MotDePasseNonConforme    the password policy refuses a new password
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import datetime as dt
    from decimal import Decimal


class ErreurDomaine(Exception):
    """Base class of every error raised by ``cfa_domain``."""

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
    """A value does not satisfy its rule (format, checksum, range ...)."""

    code = "donnee_invalide"

    def __init__(self, message: str, *, champ: str | None = None, valeur: object = None) -> None:
        """Record the offending value beside the message."""
        super().__init__(message, champ=champ)
        self.valeur = valeur


class Introuvable(ErreurDomaine):
    """An aggregate does not exist, or the account may not know that it exists."""

    code = "introuvable"

    def __init__(self, entite: str, identifiant: object) -> None:
        """Name the kind of aggregate and the identifier that was looked up."""
        super().__init__(f"{entite} introuvable : {identifiant}.")
        self.entite = entite
        self.identifiant = identifiant


class AccesRefuse(ErreurDomaine):
    """The account is not allowed to read or change this aggregate."""

    code = "acces_refuse"

    def __init__(self, message: str = "Vous n'avez pas accès à cette ressource.") -> None:
        """Explain what was refused."""
        super().__init__(message)


class Conflit(ErreurDomaine):
    """The operation collides with existing data (duplicate, concurrent change ...)."""

    code = "conflit"


class TransitionInterdite(ErreurDomaine):
    """A state machine refuses to go from ``depart`` to ``arrivee``."""

    code = "transition_interdite"

    def __init__(self, entite: str, depart: str, arrivee: str) -> None:
        """Name the machine and both states (their French labels)."""
        super().__init__(
            f"{entite} : le passage de l'état « {depart} » à l'état « {arrivee} » "
            "n'est pas autorisé."
        )
        self.entite = entite
        self.depart = depart
        self.arrivee = arrivee


class RegleDeGestion(ErreurDomaine):
    """A business rule of the OPCO refuses the operation."""

    code = "regle_de_gestion"


class DossierNonRemboursable(RegleDeGestion):
    """Requests are only allowed on a file *en cours* (or *rompu*, up to the rupture)."""

    code = "dossier_non_remboursable"

    def __init__(self, numero_action: str, etat: str) -> None:
        """Name the file and its current state label."""
        super().__init__(
            f"Le dossier {numero_action} est à l'état « {etat} » : aucune demande de "
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


def _euros(valeur: Decimal) -> str:
    """Format an amount the French way for messages (``1 234,50 €``)."""
    return f"{valeur:,.2f} €".replace(",", "\u202f").replace(".", ",")


class BudgetDepasse(RegleDeGestion):
    """A category of the request would push its reimbursed total past its budget."""

    code = "budget_depasse"

    def __init__(self, categorie: str, demande: Decimal, disponible: Decimal) -> None:
        """Name the category (its form field), the amount asked and what is left."""
        super().__init__(
            f"Le montant demandé ({_euros(demande)}) dépasse le budget encore disponible "
            f"pour cette catégorie ({_euros(disponible)}).",
            champ=categorie,
        )
        self.categorie = categorie
        self.demande = demande
        self.disponible = disponible


class MontantNonOuvert(RegleDeGestion):
    """More pedagogical costs are asked than the installments opened by the request date."""

    code = "montant_non_ouvert"

    def __init__(
        self, demande: Decimal, ouvert: Decimal, prochaine_ouverture: dt.date | None
    ) -> None:
        """Record what was asked, what is open now and when the next installment opens."""
        suite = (
            f" La prochaine échéance ouvre le {prochaine_ouverture:%d/%m/%Y}."
            if prochaine_ouverture
            else ""
        )
        super().__init__(
            f"Les frais pédagogiques demandés ({_euros(demande)}) dépassent le montant des "
            f"échéances ouvertes restant à demander ({_euros(ouvert)}).{suite}",
            champ="frais_pedagogiques",
        )
        self.demande = demande
        self.ouvert = ouvert
        self.prochaine_ouverture = prochaine_ouverture


class PlafondDepasse(RegleDeGestion):
    """A frais annexes ceiling (article D6332-83) is exceeded."""

    code = "plafond_depasse"

    def __init__(self, champ: str, libelle: str, demande: Decimal, plafond: Decimal) -> None:
        """Name the ceiling, the amount asked and the ceiling's value."""
        super().__init__(
            f"{libelle} : le montant demandé ({_euros(demande)}) dépasse le plafond "
            f"autorisé ({_euros(plafond)}).",
            champ=champ,
        )
        self.libelle = libelle
        self.demande = demande
        self.plafond = plafond


class PieceManquante(RegleDeGestion):
    """A required document (invoice, certificat de réalisation) is missing."""

    code = "piece_manquante"

    def __init__(self, piece: str, libelle: str) -> None:
        """Name the missing document."""
        super().__init__(f"Pièce obligatoire manquante : {libelle}.", champ=piece)
        self.piece = piece
        self.libelle = libelle


class ConditionsNonAcceptees(RegleDeGestion):
    """The CFA did not accept the OPCO's general conditions."""

    code = "conditions_non_acceptees"

    def __init__(self) -> None:
        """Use the standard message."""
        super().__init__(
            "Vous devez accepter les conditions générales de gestion de l'apprentissage.",
            champ="conditions_acceptees",
        )


class ErreurAuthentification(ErreurDomaine):
    """Base class of login, activation and password errors."""

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


class CompteNonActive(ErreurAuthentification):
    """The account exists but cannot log in yet (not activated, awaiting approval ...)."""

    code = "compte_non_active"


class JetonInvalide(ErreurAuthentification):
    """An activation or reset token is unknown, expired or already used."""

    code = "jeton_invalide"

    def __init__(self, message: str = "Ce lien n'est pas valide ou a expiré.") -> None:
        """Use a message that does not say which of the three it was."""
        super().__init__(message)


class MotDePasseNonConforme(ErreurAuthentification, DonneeInvalide):
    """The password policy refuses a new password; ``raisons`` lists every failed rule."""

    code = "mot_de_passe_non_conforme"

    def __init__(self, raisons: tuple[str, ...], *, champ: str = "mot_de_passe") -> None:
        """Keep every reason so the form can show them all at once."""
        super().__init__(
            "Le mot de passe ne respecte pas les règles : " + " ; ".join(raisons) + ".",
            champ=champ,
        )
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

    ``pages`` and ``limite`` are set for :attr:`MotifRefusDocument.TROP_DE_PAGES`.
    """

    code = "document_refuse"

    def __init__(
        self,
        libelle_piece: str,
        nom_fichier: str,
        motif: MotifRefusDocument,
        *,
        champ: str | None = None,
        pages: int | None = None,
        limite: int | None = None,
    ) -> None:
        """Explain the refusal in French from the reason."""
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
            f"{libelle_piece} : « {nom_fichier} » {raisons[motif]}",
            champ=champ,
            valeur=nom_fichier,
        )
        self.libelle_piece = libelle_piece
        self.nom_fichier = nom_fichier
        self.motif = motif
        self.pages = pages
        self.limite = limite
