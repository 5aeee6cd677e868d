"""Ports: what the core needs from the outside world, as small ``typing.Protocol`` classes.

Adapters in ``cfa_adapters`` implement them; ``cfa_domain.testing.fakes`` holds a faithful
in-memory implementation of each, and ``tests/contract`` runs the same assertions against
both. The rules every implementation keeps:

- **Unit of work.** Repositories are reached through a :class:`UnitOfWork` used as a
  context manager. Nothing is written unless :meth:`UnitOfWork.commit` is called; leaving
  the block without it (or through an exception) rolls everything back: the aggregate's
  change, its history entry, the outbox message and the document metadata go together or
  not at all. Aggregates loaded through a repository are tracked: changing them in place is
  enough, there is no ``save``.
- **Locking.** :meth:`DepotActions.obtenir_pour_mise_a_jour` locks the file for the rest of
  the unit of work (a row lock, or the database's write lock), so that two concurrent
  requests on one file are checked against its budget one after the other.
- **Read-only units.** ``ctx.uow(lecture_seule=True)`` opens a unit of work that only
  reads: it takes no write lock (on SQLite it runs beside the writer, WAL; on PostgreSQL
  it is a ``READ ONLY`` transaction; the fake does not take its lock) and row locks are
  not taken. Adding anything, or committing a change to a loaded aggregate, raises
  :class:`EcritureEnLectureSeule` (a programming error, not a domain refusal); its
  ``commit`` only ends the transaction. Use cases that only read use it, so that reads
  are never queued behind writers, and the authentication use cases read in one, hash
  or check the password outside any transaction, then write in a short second unit.
- **Visibility.** Queries that list files or requests take the set of SIRETs the account
  may see; the use cases compute it (own organisme + active delegations).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar

import attrs

from cfa_domain.action import Action, Budget, Contrat, EtatDossier, Formation
from cfa_domain.compte import HacheurMotDePasse
from cfa_domain.errors import DonneeInvalide

# Runtime imports: the feed's edge structures records into these classes (cattrs).
from cfa_domain.organisme import FicheOrganisme, Interlocuteur
from cfa_domain.remboursement import EtatDemande
from cfa_domain.values import (
    Email,
    Montant,
    NumeroDeca,
    NumeroSia,
    Siret,
    normaliser_recherche,
    verifier_numero_enregistrement,
    verifier_textes,
)

if TYPE_CHECKING:
    from types import TracebackType

    from cfa_domain.cle_api import CleApi
    from cfa_domain.compte import Compte
    from cfa_domain.organisme import Delegation, Organisme
    from cfa_domain.remboursement import DemandeRemboursement, Recepisse

__all__ = [
    "ETATS_SANS_REPONSE",
    "ORDRE_ETATS",
    "TRI_PAR_DEFAUT",
    "ColonneTri",
    "CriteresDemandes",
    "CriteresDossiers",
    "CriteresRecherche",
    "DepotActions",
    "DepotClesApi",
    "DepotComptes",
    "DepotDelegations",
    "DepotDemandes",
    "DepotDocuments",
    "DepotOrganismes",
    "DocumentMeta",
    "DossierFlux",
    "EcritureEnLectureSeule",
    "EnregistrementIllisible",
    "EnregistrementRejete",
    "EntrepotDocuments",
    "ExamenPdf",
    "FabriqueUnitOfWork",
    "GenerateurJetons",
    "HacheurMotDePasse",
    "Horloge",
    "JournalQuarantaine",
    "MessageSortant",
    "MontantsPeriode",
    "MotifRejet",
    "OrganismeFlux",
    "Outbox",
    "Page",
    "PassageFlux",
    "RenduRecepisse",
    "ResumeAction",
    "SourceFlux",
    "Tri",
    "TriDossiers",
    "UnitOfWork",
    "VerificateurPdf",
]


T = TypeVar("T")


# --- Small services -------------------------------------------------------------------


class Horloge(Protocol):
    """The current time. The core never reads a clock itself."""

    def maintenant(self) -> dt.datetime:
        """Return the current instant, timezone-aware (UTC)."""
        ...


class GenerateurJetons(Protocol):
    """Unpredictable secrets and identifiers."""

    def jeton(self) -> str:
        """Return a new URL-safe secret of at least 256 bits (for links sent by mail)."""
        ...

    def identifiant(self) -> uuid.UUID:
        """Return a new unique identifier for an aggregate."""
        ...


# --- Paging and search ---------------------------------------------------------------


@attrs.frozen
class Page(Generic[T]):
    """One page of a sorted result, with the total count ("élément 1 à 10 sur N")."""

    elements: tuple[T, ...]
    total: int
    numero: int
    taille: int

    @property
    def premier(self) -> int:
        """Rank (1-based) of the first element shown, 0 when the page is empty."""
        return (self.numero - 1) * self.taille + 1 if self.elements else 0

    @property
    def dernier(self) -> int:
        """Rank of the last element shown, 0 when the page is empty."""
        return self.premier + len(self.elements) - 1 if self.elements else 0

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.taille))

    @property
    def a_precedente(self) -> bool:
        """True when a "Précédent" link makes sense."""
        return self.numero > 1

    @property
    def a_suivante(self) -> bool:
        """True when a "Suivant" link makes sense."""
        return self.numero < self.pages


def _texte_optionnel(valeur: str | None) -> str | None:
    if valeur is None:
        return None
    valeur = valeur.strip()
    return valeur or None


def _enregistrement_optionnel(valeur: str | NumeroDeca | NumeroSia | None) -> str | None:
    if valeur is None or isinstance(valeur, NumeroDeca | NumeroSia):
        return None if valeur is None else valeur.numero
    texte = valeur.strip()
    return verifier_numero_enregistrement(texte) if texte else None


def _verifier_numero_action(numero: str | None) -> None:
    if numero is not None and not numero.isdigit():
        raise DonneeInvalide(
            "Le numéro d'action ne contient que des chiffres.",
            champ="numero_action",
            valeur=numero,
        )


@attrs.frozen
class CriteresRecherche:
    """The guide's search form: apprentice name, action number, "N° DECA ou SIA" (optional).

    The name matches as a case- and accent-insensitive prefix of the apprentice's last or
    first name; the action number as a prefix; the registration number exactly, whether
    the file carries it as its DECA or its SIA number (the two have the same form, so the
    field finds either: ``numero_enregistrement`` holds the compact number).
    """

    nom_apprenti: str | None = attrs.field(default=None, converter=_texte_optionnel)
    numero_action: str | None = attrs.field(default=None, converter=_texte_optionnel)
    numero_enregistrement: str | None = attrs.field(
        default=None, converter=_enregistrement_optionnel
    )

    def __attrs_post_init__(self) -> None:
        """Refuse a text no store accepts, and an action number that is not made of digits."""
        verifier_textes(self, "criteres")
        _verifier_numero_action(self.numero_action)

    @property
    def nom_normalise(self) -> str | None:
        """The name as the search index stores it (see ``normaliser_recherche``)."""
        return normaliser_recherche(self.nom_apprenti) if self.nom_apprenti else None


class TriDossiers(enum.Enum):
    """Order of the agents' files search."""

    NUMERO = "numero"
    """By action number as users read it, descending (newest files first), as the portal."""
    ANCIENNETE = "anciennete"
    """Oldest filing first (``formation.date_depot``), then by action number: a work queue."""


def _optionnel(
    classe: type, champ: str, libelle: str, *, optionnel: bool = True
) -> Callable[[Any, Any, Any], None]:
    def valider(_instance: object, _attribut: object, valeur: object) -> None:
        # A datetime is a date too, but a day is expected: refuse it like any other type.
        instant = classe is dt.date and isinstance(valeur, dt.datetime)
        if not (valeur is None and optionnel) and (not isinstance(valeur, classe) or instant):
            raise DonneeInvalide(f"{libelle} : valeur invalide.", champ=champ, valeur=valeur)

    return valider


def _siret_optionnel(valeur: Siret | str | None) -> Siret | None:
    if valeur is None or isinstance(valeur, Siret):
        return valeur
    if isinstance(valeur, str) and not valeur.strip():
        return None
    return Siret(valeur)


_BORNES_DOSSIERS = (
    ("depot_du", "depot_au", "Date de dépôt"),
    ("debut_contrat_du", "debut_contrat_au", "Début du contrat"),
)


@attrs.frozen
class CriteresDossiers:
    """The agents' files search, across every organisme.

    ``recherche`` holds the portal's filters (:class:`CriteresRecherche`); the others keep
    the files in one state, of one CFA, filed (``formation.date_depot``) or whose contract
    starts between two days (both included, each optional), or signed in
    ``[signature_depuis, signature_avant[`` (the use case sets these from a payment
    regime, :meth:`~cfa_domain.echeancier.ParametresEcheancier.signatures`). ``tri``
    orders the result (:class:`TriDossiers`).
    """

    recherche: CriteresRecherche = attrs.field(
        factory=CriteresRecherche,
        validator=_optionnel(CriteresRecherche, "criteres", "Critères", optionnel=False),
    )
    etat: EtatDossier | None = attrs.field(
        default=None, validator=_optionnel(EtatDossier, "etat", "État du dossier")
    )
    siret_cfa: Siret | None = attrs.field(default=None, converter=_siret_optionnel)
    depot_du: dt.date | None = attrs.field(
        default=None, validator=_optionnel(dt.date, "depot_du", "Déposé à partir du")
    )
    depot_au: dt.date | None = attrs.field(
        default=None, validator=_optionnel(dt.date, "depot_au", "Déposé jusqu'au")
    )
    debut_contrat_du: dt.date | None = attrs.field(
        default=None,
        validator=_optionnel(dt.date, "debut_contrat_du", "Contrat commencé à partir du"),
    )
    debut_contrat_au: dt.date | None = attrs.field(
        default=None,
        validator=_optionnel(dt.date, "debut_contrat_au", "Contrat commencé jusqu'au"),
    )
    signature_depuis: dt.date | None = attrs.field(
        default=None, validator=_optionnel(dt.date, "signature_depuis", "Signé à partir du")
    )
    signature_avant: dt.date | None = attrs.field(
        default=None, validator=_optionnel(dt.date, "signature_avant", "Signé avant le")
    )
    tri: TriDossiers = attrs.field(
        default=TriDossiers.NUMERO,
        validator=_optionnel(TriDossiers, "tri", "Tri", optionnel=False),
    )

    def __attrs_post_init__(self) -> None:
        """Refuse a range whose start is after its end."""
        for debut, fin, libelle in _BORNES_DOSSIERS:
            du, au = getattr(self, debut), getattr(self, fin)
            if du is not None and au is not None and du > au:
                raise DonneeInvalide(
                    f"{libelle} : la date de début doit précéder la date de fin.",
                    champ=debut,
                    valeur=du,
                )


class ColonneTri(enum.Enum):
    """The columns of the guide's "Mes actions" table the list can be sorted on.

    Each sorts on what the column shows:

    - ``NUMERO_ACTION``: the number as users read it (numerically,
      :func:`cfa_domain.action.cle_tri_numero_action`);
    - ``ETAT``: the state's French label, alphabetically, ignoring case and accents
      (:data:`ORDRE_ETATS`);
    - ``CFA``: the registered name (raison sociale) of the CFA beneficiary, or its SIRET
      when the OPCO has no sheet for it, character by character (Unicode code points: the
      same order on every engine, whatever the database's collation);
    - ``NUMERO_ENREGISTREMENT``: the "N° DECA ou SIA" (compact), a file without one first;
    - ``BUDGET_TOTAL``, ``FRAIS_PEDAGOGIQUES``, ``FRAIS_ANNEXES``: the budget's amounts;
    - ``TOTAL_REMBOURSE``: the total of the file's paid requests.

    Files of equal value are ordered by action number (as users read it, then by text),
    in the same direction: a descending sort is the ascending one read backwards.
    """

    NUMERO_ACTION = "numero"
    ETAT = "etat"
    CFA = "cfa"
    NUMERO_ENREGISTREMENT = "enregistrement"
    BUDGET_TOTAL = "budget"
    FRAIS_PEDAGOGIQUES = "pedagogie"
    FRAIS_ANNEXES = "annexes"
    TOTAL_REMBOURSE = "rembourse"

    @property
    def premier_sens_croissant(self) -> bool:
        """The direction a first click sorts: the newest files first, A to Z, smallest first."""
        return self is not ColonneTri.NUMERO_ACTION


ORDRE_ETATS: tuple[EtatDossier, ...] = tuple(
    sorted(EtatDossier, key=lambda etat: normaliser_recherche(etat.libelle))
)
"""The file states in the order of the "État du dossier" column (their labels, A to Z)."""


def _colonne_tri(valeur: object) -> ColonneTri:
    if isinstance(valeur, ColonneTri):
        return valeur
    try:
        return ColonneTri(valeur)
    except ValueError:
        raise DonneeInvalide(
            "Tri : cette colonne ne se trie pas.", champ="tri", valeur=valeur
        ) from None


def _sens_tri(_instance: object, _attribut: object, valeur: object) -> None:
    if not isinstance(valeur, bool):
        raise DonneeInvalide("Tri : sens invalide.", champ="tri", valeur=valeur)


@attrs.frozen
class Tri:
    """The order of the "Mes actions" list: a column of the table and a direction.

    ``colonne`` also takes the column's code (``"budget"``): the web page's ``tri``
    parameter. The default, :data:`TRI_PAR_DEFAUT`, is the newest files first (action
    number descending), the order of the guide.

    Raises:
        DonneeInvalide: a column that is not one of :class:`ColonneTri`, or a direction
            that is not a boolean.
    """

    colonne: ColonneTri = attrs.field(default=ColonneTri.NUMERO_ACTION, converter=_colonne_tri)
    croissant: bool = attrs.field(default=False, validator=_sens_tri)

    @classmethod
    def depuis(cls, colonne: str, ordre: str) -> Tri:
        """The sort of the list's link: a column code and ``croissant`` or ``decroissant``.

        An empty column is the default sort; an empty order is the column's first
        direction (:meth:`ColonneTri.premier_sens_croissant`).

        Raises:
            DonneeInvalide: an unknown column or order.
        """
        lue = _colonne_tri(colonne) if colonne else TRI_PAR_DEFAUT.colonne
        if not ordre:
            return cls(lue, croissant=lue.premier_sens_croissant)
        if ordre not in _ORDRES:
            raise DonneeInvalide("Tri : ordre inconnu.", champ="tri", valeur=ordre)
        return cls(lue, croissant=_ORDRES[ordre])

    @property
    def ordre(self) -> str:
        """The order as :meth:`depuis` reads it (``croissant`` or ``decroissant``)."""
        return "croissant" if self.croissant else "decroissant"

    def inverse(self) -> Tri:
        """The same column the other way."""
        return attrs.evolve(self, croissant=not self.croissant)


_ORDRES = {"croissant": True, "decroissant": False}


TRI_PAR_DEFAUT = Tri()
"""Newest files first: action number descending."""


def _etat_demande(_instance: object, _attribut: object, valeur: Any) -> None:  # noqa: ANN401
    if valeur is not None and not isinstance(valeur, EtatDemande):
        raise DonneeInvalide("État de la demande : valeur invalide.", champ="etat", valeur=valeur)


@attrs.frozen
class CriteresDemandes:
    """The filters of "Mes demandes": the request's state, its file's action number (optional).

    The action number matches as a prefix, as in the files' search.
    """

    etat: EtatDemande | None = attrs.field(default=None, validator=_etat_demande)
    numero_action: str | None = attrs.field(default=None, converter=_texte_optionnel)

    def __attrs_post_init__(self) -> None:
        """Refuse a text no store accepts, and an action number that is not made of digits."""
        verifier_textes(self, "criteres")
        _verifier_numero_action(self.numero_action)


@attrs.frozen
class ResumeAction:
    """A row of the files list: the file and the total already paid on it."""

    action: Action
    total_rembourse: Montant


@attrs.frozen
class MontantsPeriode:
    """What the requests weighed over a period (the back office's dashboard).

    ``demande``: the totals of the requests submitted in it (whatever became of them);
    ``valide``: the totals of those validated in it; ``paye``: the amounts of those marked
    paid in it (the amount paid when the agent gave it, else the request's total).
    """

    demande: Montant
    valide: Montant
    paye: Montant


# --- Repositories ---------------------------------------------------------------------

ETATS_SANS_REPONSE = frozenset(
    {EtatDossier.RECU, EtatDossier.EN_INSTRUCTION, EtatDossier.EN_ATTENTE}
)
"""States of a file still awaiting the OPCO's answer (see :meth:`DepotActions.sans_reponse`)."""


class DepotOrganismes(Protocol):
    """Organismes, identified by SIRET."""

    def ajouter(self, organisme: Organisme) -> None:
        """Add a new organisme (``OrganismeExistant`` if its SIRET is already known)."""
        ...

    def obtenir(self, siret: Siret) -> Organisme | None:
        """Return the organisme with this SIRET, or None."""
        ...

    def obtenir_plusieurs(self, sirets: Collection[Siret]) -> Mapping[Siret, Organisme]:
        """Return the known organismes among ``sirets`` (one read), by SIRET.

        The same objects :meth:`obtenir` returns afterwards in this unit of work.
        """
        ...

    def a_valider(self) -> Sequence[Organisme]:
        """Return the information sheets awaiting an OPCO agent, oldest first."""
        ...


class DepotDelegations(Protocol):
    """Delegations between organismes."""

    def ajouter(self, delegation: Delegation) -> None:
        """Add a new delegation."""
        ...

    def obtenir(self, delegation_id: uuid.UUID) -> Delegation | None:
        """Return the delegation with this id, or None."""
        ...

    def pour_organisme(self, siret: Siret) -> Sequence[Delegation]:
        """Return every delegation where this organisme is delegant or delegate."""
        ...

    def delegants_actifs(self, siret_delegataire: Siret) -> frozenset[Siret]:
        """Return the SIRETs whose files this organisme may manage (active delegations)."""
        ...

    def en_attente(self) -> Sequence[Delegation]:
        """Return the requested delegations no one has decided yet, oldest first."""
        ...


class DepotComptes(Protocol):
    """User accounts."""

    def ajouter(self, compte: Compte) -> None:
        """Add a new account (``EmailDejaUtilise`` if the email is already taken)."""
        ...

    def obtenir(self, compte_id: uuid.UUID) -> Compte | None:
        """Return the account with this id, or None."""
        ...

    def par_email(self, email: Email) -> Compte | None:
        """Return the account whose login is this email, or None."""
        ...

    def par_empreinte_jeton(self, empreinte: str) -> Compte | None:
        """Return the account holding a token with this SHA-256 fingerprint, or None."""
        ...

    def pour_organisme(self, siret: Siret) -> Sequence[Compte]:
        """Return the accounts of an organisme, oldest first."""
        ...

    def a_approuver(self) -> Sequence[Compte]:
        """Return the accounts awaiting an OPCO agent's approval, oldest first."""
        ...

    def supprimer(self, compte: Compte) -> None:
        """Erase an account with its tokens and history (a request that never opened).

        Its address is free at once, within this unit of work.
        """
        ...


class DepotClesApi(Protocol):
    """The API keys of the organismes."""

    def ajouter(self, cle: CleApi) -> None:
        """Add a new key (``ModificationConcurrente`` if its id is already taken)."""
        ...

    def obtenir(self, cle_id: uuid.UUID) -> CleApi | None:
        """Return the key with this id, or None."""
        ...

    def pour_organisme(self, siret: Siret) -> Sequence[CleApi]:
        """Return the keys of an organisme, revoked ones included, newest first."""
        ...


class DepotActions(Protocol):
    """Apprenticeship files, identified by their OPCO action number."""

    def ajouter(self, action: Action) -> None:
        """Add a new file (``DossierExistant`` if the action number is already known)."""
        ...

    def obtenir(self, numero_action: str) -> Action | None:
        """Return the file, or None."""
        ...

    def obtenir_pour_mise_a_jour(self, numero_action: str) -> Action | None:
        """Return the file locked until the unit of work ends, or None."""
        ...

    def pour_mise_a_jour(self, numeros: Collection[str]) -> Mapping[str, Action]:
        """Return the stored files among ``numeros`` by number, locked (one read for all).

        Each is locked as by :meth:`obtenir_pour_mise_a_jour`.
        """
        ...

    def ajouter_plusieurs(self, actions: Sequence[Action]) -> None:
        """Add new files at once, all or none (``DossierExistant`` as :meth:`ajouter`)."""
        ...

    def sans_reponse(self, deposes_avant: dt.date) -> Sequence[Action]:
        """Return the files still awaiting the OPCO's answer, filed before ``deposes_avant``.

        Awaiting: *reçu*, *en instruction* or *en attente*; filed: ``formation.date_depot``
        strictly before the given day. Oldest filing first, then by action number.
        """
        ...

    def compter_par_etat(self) -> Mapping[EtatDossier, int]:
        """Return how many files are in each state (the states with none left out)."""
        ...

    def rechercher(
        self,
        criteres: CriteresRecherche,
        sirets_visibles: frozenset[Siret],
        *,
        page: int,
        taille: int,
        tri: Tri = TRI_PAR_DEFAUT,
    ) -> Page[ResumeAction]:
        """Return one page of the visible files matching the criteria, in the order ``tri``.

        See :class:`ColonneTri` for what each column sorts on. The default is the action
        number as users read it, descending (newest files first): numerically, ``1000``
        before ``999``, ties of equal value (``0999``, ``999``) by text
        (:func:`cfa_domain.action.cle_tri_numero_action`). A constant number of queries
        whatever the page size, and the rows skipped before the page cost no per-row
        total (only the rows shown are totalled, except when sorting on the total).
        """
        ...

    def rechercher_dossiers(
        self, criteres: CriteresDossiers, *, page: int, taille: int
    ) -> Page[ResumeAction]:
        """Return one page of the files of every organisme matching the agents' criteria.

        The portal's filters match as in :meth:`rechercher`; sorted as ``criteres.tri``
        says; a constant number of queries whatever the page size.
        """
        ...


class DepotDemandes(Protocol):
    """Reimbursement requests."""

    def ajouter(self, demande: DemandeRemboursement) -> None:
        """Add a new request (``DemandeDejaEnvoyee`` on a repeated idempotency key)."""
        ...

    def obtenir(self, demande_id: uuid.UUID) -> DemandeRemboursement | None:
        """Return the request, or None."""
        ...

    def pour_action(self, numero_action: str) -> Sequence[DemandeRemboursement]:
        """Return every request on a file, oldest first (by their rank on the file).

        ``ajouter`` refuses (``ModificationConcurrente``) a second request with the same
        rank on a file.
        """
        ...

    def par_cle_idempotence(self, compte_id: uuid.UUID, cle: str) -> DemandeRemboursement | None:
        """Return the request this account submitted with this idempotency key, or None."""
        ...

    def pour_organismes(
        self,
        sirets: frozenset[Siret],
        *,
        page: int,
        taille: int,
        criteres: CriteresDemandes | None = None,
    ) -> Page[DemandeRemboursement]:
        """Return one page of the requests on files of these organismes, newest first.

        ``criteres`` keeps only the requests in a state, on files whose action number
        starts with a prefix (every request when None).
        """
        ...

    def par_etats(
        self, etats: frozenset[EtatDemande], *, page: int, taille: int
    ) -> Page[DemandeRemboursement]:
        """Return one page of the requests in these states, oldest submitted first."""
        ...

    def compter_par_etat(self) -> Mapping[EtatDemande, int]:
        """Return how many requests are in each state (the states with none left out)."""
        ...

    def montants_entre(self, debut: dt.datetime, fin: dt.datetime) -> MontantsPeriode:
        """Return what the requests weighed from ``debut`` (included) to ``fin`` (excluded).

        A request counts as validated (paid) in the period when its history enters
        *validée* (*payée*) then.
        """
        ...


@attrs.frozen
class DocumentMeta:
    """What we know of an uploaded document; its bytes live in the :class:`EntrepotDocuments`."""

    id: str
    nom_fichier: str
    taille: int
    sha256: str
    siret_organisme: Siret
    numero_action: str
    depose_le: dt.datetime
    depose_par: uuid.UUID


class DepotDocuments(Protocol):
    """Metadata of uploaded documents (committed with the request that uses them)."""

    def ajouter(self, document: DocumentMeta) -> None:
        """Record a document."""
        ...

    def obtenir(self, document_id: str) -> DocumentMeta | None:
        """Return a document's metadata, or None."""
        ...

    def connus(self, document_ids: Collection[str]) -> frozenset[str]:
        """Return those of ``document_ids`` that a document row holds, in one query."""
        ...


@attrs.frozen
class MessageSortant:
    """A mail to deliver, written in the same transaction as the change that causes it.

    ``modele`` names a template of the mail adapter; ``contexte`` holds its variables (as
    text, so the message survives serialisation unchanged). ``id`` makes delivery
    idempotent: the relay marks it sent once.
    """

    id: uuid.UUID
    destinataire: Email
    modele: str
    contexte: Mapping[str, str]
    cree_le: dt.datetime


class Outbox(Protocol):
    """The transactional outbox of mails."""

    def ajouter(self, message: MessageSortant) -> None:
        """Queue a message (sent by the relay once the unit of work commits)."""
        ...


@attrs.frozen
class OrganismeFlux:
    """What the OPCO's systems know of a file's CFA or employer, as a feed record may carry it.

    Numbered by a ``version`` of its own (the OPCO's referential of organismes changes
    apart from the files); its SIRET is the file's ``formation.siret_cfa`` (the CFA) or
    ``contrat.employeur.siret`` (the employer). The sheet's
    and the contact's addresses are the ones the OPCO has on file: the first account of
    the organisme may be opened with them (see :mod:`cfa_domain.organisme`).
    """

    version: int
    fiche: FicheOrganisme
    interlocuteur: Interlocuteur
    reference_opco: str | None = None


@attrs.frozen
class DossierFlux:
    """One file as the upstream Webservice sends it, structured at the edge.

    ``version`` grows with each change the adhérent makes upstream; applying the same or an
    older version again changes nothing (idempotent ingestion). ``etat`` is the state the
    OPCO's back office reports, when the record carries one; ``organisme``, the OPCO's data
    on the file's CFA, when it carries them (the CFA then becomes a known organisme);
    ``employeur``, the same for the file's employer (an employer with a CFA of its own, a
    company training its apprentices: it becomes a known organisme too).
    """

    numero_action: str
    version: int
    formation: Formation
    contrat: Contrat
    budget: Budget
    etat: EtatDossier | None = None
    organisme: OrganismeFlux | None = None
    employeur: OrganismeFlux | None = None

    @property
    def cle(self) -> str:
        """``<action number>@<version>``: identifies the record."""
        return f"{self.numero_action}@{self.version}"


@attrs.frozen
class EnregistrementIllisible:
    """A feed record the edge could not structure: kept as received, with the reason."""

    cle: str
    brut: str
    detail: str


class MotifRejet(enum.Enum):
    """Why a feed record was quarantined."""

    ILLISIBLE = "illisible"
    CONTRADICTOIRE = "contradictoire"

    @property
    def libelle(self) -> str:
        """French label for the back office."""
        return "illisible" if self is MotifRejet.ILLISIBLE else "contradictoire"


@attrs.frozen
class EnregistrementRejete:
    """A quarantined feed record: never dropped, never half-applied.

    ``regle_le``: when a person settled it, the record applied once replayed, or
    discarded (then ``motif_ecart`` says why); ``regle_par`` names who did (an agent's
    email, or the command line's name). The row stays in the journal.
    """

    cle: str
    brut: str
    motif: MotifRejet
    detail: str
    rejete_le: dt.datetime
    regle_le: dt.datetime | None = None
    regle_par: str | None = None
    motif_ecart: str | None = None

    @property
    def en_attente(self) -> bool:
        """True while no one has settled the record."""
        return self.regle_le is None

    @property
    def ecarte(self) -> bool:
        """True when it was settled without being applied (discarded, with a reason)."""
        return self.motif_ecart is not None


@attrs.frozen
class PassageFlux:
    """One run of the feed from a source: when, what it did, how it ended.

    ``erreur``: why the run stopped before the source's end (None when it read it all);
    what it committed until then stays (``curseur``), the next run resumes after it, and
    its counts are unknown (None).
    """

    source: str
    debut: dt.datetime
    fin: dt.datetime
    crees: int | None = None
    mis_a_jour: int | None = None
    inchanges: int | None = None
    rejetes: int | None = None
    curseur: str | None = None
    erreur: str | None = None

    @property
    def total(self) -> int | None:
        """Number of records handled (None when the run stopped early)."""
        comptes = (self.crees, self.mis_a_jour, self.inchanges, self.rejetes)
        return None if None in comptes else sum(c for c in comptes if c is not None)


class JournalQuarantaine(Protocol):
    """Quarantined feed records and the feed's resumption cursor."""

    def ajouter(self, rejet: EnregistrementRejete) -> None:
        """Record a rejected feed record."""
        ...

    def lister(self) -> Sequence[EnregistrementRejete]:
        """Return every quarantined record, settled ones included, oldest first."""
        ...

    def contient(self, cle: str, brut: str) -> bool:
        """Return True when this very record (same key, same content) awaits in quarantine.

        A settled record does not count: received again, it is applied as any other.
        """
        ...

    def en_attente(self, cles: Collection[str]) -> frozenset[tuple[str, str]]:
        """The ``(key, content)`` of the records awaiting in quarantine under ``cles``.

        What :meth:`contient` answers for many records at once (one read).
        """
        ...

    def regler(self, cle: str, brut: str, quand: dt.datetime, auteur: str) -> None:
        """Mark the unsettled quarantined record (this key, this content) settled at ``quand``.

        ``auteur`` replayed it: the row keeps who, as a discarded one does.
        """
        ...

    def nombre_en_attente(self) -> int:
        """Return how many quarantined records are not settled."""
        ...

    def ecarter(self, cle: str, brut: str, quand: dt.datetime, auteur: str, motif: str) -> None:
        """Settle the unsettled record (this key, this content) without applying it.

        The row stays, with who discarded it, when and why.
        """
        ...

    def noter_passage(self, passage: PassageFlux) -> None:
        """Record a run of the feed."""
        ...

    def derniers_passages(self, nombre: int) -> Sequence[PassageFlux]:
        """Return the ``nombre`` latest runs of the feed, the latest first."""
        ...

    def curseur(self, source: str) -> str | None:
        """Return the position after the last record handled from ``source``, or None."""
        ...

    def avancer(self, source: str, curseur: str) -> None:
        """Record that every record of ``source`` up to ``curseur`` was handled."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository; rolls back unless :meth:`commit` is called."""

    @property
    def organismes(self) -> DepotOrganismes:
        """Organismes."""
        ...

    @property
    def delegations(self) -> DepotDelegations:
        """Delegations."""
        ...

    @property
    def comptes(self) -> DepotComptes:
        """User accounts."""
        ...

    @property
    def cles_api(self) -> DepotClesApi:
        """API keys."""
        ...

    @property
    def actions(self) -> DepotActions:
        """Files."""
        ...

    @property
    def demandes(self) -> DepotDemandes:
        """Reimbursement requests."""
        ...

    @property
    def documents(self) -> DepotDocuments:
        """Document metadata."""
        ...

    @property
    def outbox(self) -> Outbox:
        """Mails to send."""
        ...

    @property
    def quarantaine(self) -> JournalQuarantaine:
        """Quarantined feed records and cursors."""
        ...

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """End it: roll back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Make every change of this unit of work durable, at once."""
        ...

    def rollback(self) -> None:
        """Discard every uncommitted change."""
        ...


class FabriqueUnitOfWork(Protocol):
    """Builds a fresh unit of work (one per use case call, or per phase of one)."""

    def __call__(self, *, lecture_seule: bool = False) -> UnitOfWork:
        """A new unit of work; a read-only one when ``lecture_seule`` (see the module doc)."""
        ...


class EcritureEnLectureSeule(RuntimeError):
    """A read-only unit of work was asked to write: a bug of the use case, never the user's."""

    def __init__(self) -> None:
        """Use the standard message."""
        super().__init__("Écriture demandée dans une unité de travail en lecture seule.")


# --- Outside the transaction ----------------------------------------------------------


class EntrepotDocuments(Protocol):
    """Bytes of uploaded documents, stored under generated names."""

    def deposer(self, contenu: bytes) -> str:
        """Store the bytes and return the new document's id."""
        ...

    def lire(self, document_id: str) -> bytes:
        """Return the bytes of a document (``Introuvable`` if unknown)."""
        ...

    def supprimer(self, document_id: str) -> None:
        """Remove a document's bytes (no error if already gone)."""
        ...

    def deposes_avant(self, instant: dt.datetime) -> Iterator[str]:
        """Yield the ids of the documents stored before ``instant`` (for the sweep).

        Removing a document while iterating is allowed.
        """
        ...


@attrs.frozen
class ExamenPdf:
    """What a parser found in uploaded bytes; the use case decides from it (``DocumentRefuse``).

    ``lisible``: the bytes parse as a PDF (header, cross-reference table, trailer, page
    tree); ``chiffre``: it is encrypted (its pages then stay unread: ``pages`` is None).
    """

    lisible: bool
    chiffre: bool = False
    pages: int | None = None


class VerificateurPdf(Protocol):
    """Parses an uploaded PDF (pypdf in the real adapter) and reports what it found."""

    def examiner(self, contenu: bytes) -> ExamenPdf:
        """Parse ``contenu``; never raise for bad bytes (report them unreadable)."""
        ...


class RenduRecepisse(Protocol):
    """Renders a receipt for the CFA (a PDF in the real adapter)."""

    def rendre(self, recepisse: Recepisse) -> bytes:
        """Return the rendered receipt."""
        ...


class SourceFlux(Protocol):
    """The upstream Webservice feed of files, read in order from a resumable cursor."""

    nom: str
    """Names the source (its cursor is kept under this name)."""

    def lire(
        self, depuis: str | None
    ) -> Iterator[tuple[str, DossierFlux | EnregistrementIllisible]]:
        """Yield ``(cursor, record)`` pairs after ``depuis`` (from the start when None)."""
        ...
