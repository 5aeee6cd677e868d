"""The SQL unit of work and its repositories (SQLAlchemy Core, SQLite and PostgreSQL).

Semantics are those of the in-memory fake (``cfa_domain.testing.fakes``), checked by the
same contract suite:

- **Read-only units** (``lecture_seule=True``) begin a transaction that takes no write
  lock (SQLite: deferred ``BEGIN`` with ``query_only``; PostgreSQL: ``READ ONLY``) and
  no row lock; any write raises :class:`~cfa_domain.ports.EcritureEnLectureSeule`.
- **One connection, one transaction.** The transaction begins at the first repository
  call (on SQLite with ``BEGIN IMMEDIATE``, see :mod:`.moteur`) and ends with
  :meth:`SqlUnitOfWork.commit` or :meth:`SqlUnitOfWork.rollback`; leaving the ``with``
  block rolls back whatever was not committed.
- **Identity map.** Every aggregate loaded or added is tracked, keyed by its identity: a
  second lookup returns the same object, so a change made through one reference is seen
  through the other. Beside each object the unit of work keeps the rows it matches in
  the database (the *snapshot*, see :mod:`.traduction`).
- **Writing back.** Before every query and at commit, the tracked aggregates changed
  since their last write are written: an aggregate whose attributes are the very same
  objects as then (a shallow snapshot compared by identity, see :func:`_empreinte`) is
  skipped without being translated; a changed one is translated again and compared with
  its rows: changed columns are UPDATEd, new history entries INSERTed (history only
  grows), changed child rows (tokens) replaced, the UPDATEs of one table and set of
  columns in one executemany. Queries therefore see the changes of this unit of work, as
  the fake's do, and a unit tracking many aggregates pays for the changed ones only.
  Statements are built once (:func:`_insertion`, :func:`_mise_a_jour`).
- **Adding many**: :meth:`SqlUnitOfWork.inserer_plusieurs` writes new aggregates with one
  executemany per table (``insertmanyvalues`` on PostgreSQL), in one SAVEPOINT.
- **``ajouter`` writes at once**, inside a SAVEPOINT: a duplicate (SIRET, email, action
  number, idempotency key ...) raises the :class:`~cfa_domain.errors.Conflit` subclass
  the fake raises, with the same fields (``OrganismeExistant``, ``EmailDejaUtilise`` ...),
  right there, and the transaction stays usable (PostgreSQL would otherwise abort it). An
  ``IntegrityError`` met when writing an aggregate back is its ``Conflit`` too.
- **Database errors in French.** Besides the ``Conflit`` of a unique violation, a value
  the database refuses (``DataError``: a text longer than its column ...) is a
  :class:`~cfa_domain.errors.DonneeInvalide`, and a deadlock or serialization failure a
  :class:`~cfa_domain.errors.ModificationConcurrente` asking to try again. Every other
  driver error (``OperationalError``, ``InterfaceError``, ``InternalError``,
  ``ProgrammingError``, ``NotSupportedError``, ``DatabaseError``, of psycopg as of
  sqlite3) and a pool with no free connection are the infrastructure's failure:
  :class:`~cfa_domain.errors.ServiceIndisponible`, whose ``panne`` says which (see
  :func:`_panne`), the driver's error kept as its ``__cause__`` for the logs. Every
  repository method, ``with``, ``commit`` and ``rollback`` translate them: no raw driver
  error reaches a use case's caller. Leaving the ``with`` block never raises a second
  error when the connection is already gone (the server has rolled back itself).
- **Locking.** :meth:`DepotActions.obtenir_pour_mise_a_jour` is ``SELECT ... FOR
  UPDATE`` on PostgreSQL: a second unit of work asking for the same file waits until the
  first ends, then reads the requests the first committed. So are the account lookups
  (``obtenir``, ``par_email``, ``par_empreinte_jeton``): the authentication use cases
  read, change and write back an account's failure counter and tokens, and two of them
  must not both start from the same row (parallel wrong passwords would count once,
  one reset link would work several times). Use cases load the account first, then any
  file, so the two kinds of lock are always taken in that order. On SQLite ``BEGIN
  IMMEDIATE`` already gives each unit of work the database's write lock.
- **Search** is one query for the page and one count query, whatever the page size. The
  page query picks the page's action numbers first, in a subquery (sorted on the index
  ``(siret_cfa, numero_tri, numero_action)`` for the default order: the rows skipped
  before the page are neither read nor totalled), then joins the files shown, with the
  total paid (a correlated subquery: every line of the paid requests, RQTH uplift
  included) and the history (a JSON aggregate) of those rows only. The action-number
  prefix is a range (``>= p AND < successor(p)``) the indexes serve on both engines.
  Sorted on another column, the subquery walks that column's index ``(siret_cfa, key,
  numero_tri, numero_action)`` the same way: the keys are stored in ``actions``, generated
  by the database from the row or kept by triggers (the CFA's name, the total paid;
  revision 0012), so ties break as before and no row is computed for the rows skipped.
  Both statements are built once per shape of search (which filters, which sort) with
  every value a bound parameter.
"""

from __future__ import annotations

import contextlib
import functools
import json
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from cfa_adapters.sql import tables as t
from cfa_adapters.sql.colonnes import Argent
from cfa_adapters.sql.moteur import LECTURE_SEULE
from cfa_adapters.sql.traduction import (
    Ligne,
    Lignes,
    action_depuis_lignes,
    action_vers_lignes,
    cle_api_depuis_lignes,
    cle_api_vers_lignes,
    compte_depuis_lignes,
    compte_vers_lignes,
    delegation_depuis_lignes,
    delegation_vers_lignes,
    demande_depuis_lignes,
    demande_vers_lignes,
    document_depuis_ligne,
    document_vers_ligne,
    instant_depuis_json,
    message_vers_ligne,
    organisme_depuis_lignes,
    organisme_vers_lignes,
    rejet_depuis_ligne,
    rejet_vers_ligne,
)
from cfa_domain.action import EtatDossier
from cfa_domain.compte import StatutCompte
from cfa_domain.errors import (
    Conflit,
    DelegationExistante,
    DemandeDejaEnvoyee,
    DocumentExistant,
    DonneeInvalide,
    DossierExistant,
    EmailDejaUtilise,
    ErreurDomaine,
    ModificationConcurrente,
    OrganismeExistant,
    Panne,
    ServiceIndisponible,
)
from cfa_domain.organisme import StatutDelegation, StatutOrganisme
from cfa_domain.ports import (
    ETATS_SANS_REPONSE,
    TRI_PAR_DEFAUT,
    ColonneTri,
    DepotActions,
    DepotClesApi,
    DepotComptes,
    DepotDelegations,
    DepotDemandes,
    DepotDocuments,
    DepotOrganismes,
    EcritureEnLectureSeule,
    JournalQuarantaine,
    MontantsPeriode,
    Outbox,
    Page,
    PassageFlux,
    ResumeAction,
    Tri,
    TriDossiers,
)
from cfa_domain.remboursement import EtatDemande
from cfa_domain.values import Categorie, Montant, Siret

if TYPE_CHECKING:
    import datetime as dt
    import uuid
    from collections.abc import Collection
    from types import TracebackType

    from cfa_domain.action import Action
    from cfa_domain.cle_api import CleApi
    from cfa_domain.compte import Compte
    from cfa_domain.organisme import Delegation, Organisme
    from cfa_domain.ports import (
        CriteresDemandes,
        CriteresDossiers,
        CriteresRecherche,
        DocumentMeta,
        EnregistrementRejete,
        FabriqueUnitOfWork,
        MessageSortant,
    )
    from cfa_domain.remboursement import DemandeRemboursement
    from cfa_domain.values import Email

__all__ = ["SqlUnitOfWork", "fabrique_uow"]

_ECHAPPEMENT = "\\"


def _prefixe_like(prefixe: str) -> str:
    """``LIKE`` pattern matching values that start with ``prefixe`` (``%`` and ``_`` kept)."""
    echappe = (
        prefixe.replace(_ECHAPPEMENT, _ECHAPPEMENT * 2)
        .replace("%", _ECHAPPEMENT + "%")
        .replace("_", _ECHAPPEMENT + "_")
    )
    return echappe + "%"


# --- What the unit of work knows about each kind of aggregate -----------------------------


@attrs.frozen
class _Genre:
    """How one kind of aggregate maps to its tables."""

    table: sa.Table
    cle: str
    historique: sa.Table
    cle_historique: str
    vers_lignes: Callable[[Any], Lignes]
    depuis_lignes: Callable[[Ligne, Sequence[Ligne], Sequence[Ligne]], Any]
    #: The error of adding an aggregate of this identity twice (as the fake raises it).
    doublon: Callable[[Any], Conflit]
    enfants: sa.Table | None = None
    cle_enfants: str = ""
    #: Whether the UPDATEs of several aggregates may go in one executemany: not for a kind
    #: whose changed column may collide with another row (an account's email), so that
    #: the collision names the aggregate written.
    regrouper: bool = True


def _demande_en_double(demande: DemandeRemboursement) -> Conflit:
    if demande.cle_idempotence is not None:
        return DemandeDejaEnvoyee(demande.cle_idempotence)
    return ModificationConcurrente()


_ORGANISME = _Genre(
    table=t.organismes,
    cle="siret",
    historique=t.historique_organismes,
    cle_historique="siret",
    vers_lignes=organisme_vers_lignes,
    depuis_lignes=lambda ligne, historique, _enfants: organisme_depuis_lignes(ligne, historique),
    doublon=lambda organisme: OrganismeExistant(organisme.siret.numero),
)
_DELEGATION = _Genre(
    table=t.delegations,
    cle="id",
    historique=t.historique_delegations,
    cle_historique="id",
    vers_lignes=delegation_vers_lignes,
    depuis_lignes=lambda ligne, historique, _enfants: delegation_depuis_lignes(ligne, historique),
    doublon=lambda delegation: DelegationExistante(delegation.id),
)
_COMPTE = _Genre(
    table=t.comptes,
    cle="id",
    historique=t.historique_comptes,
    cle_historique="id",
    vers_lignes=compte_vers_lignes,
    depuis_lignes=compte_depuis_lignes,
    enfants=t.jetons,
    cle_enfants="compte_id",
    doublon=lambda compte: EmailDejaUtilise(str(compte.email)),
    regrouper=False,
)
_CLE_API = _Genre(
    table=t.cles_api,
    cle="id",
    historique=t.historique_cles_api,
    cle_historique="id",
    vers_lignes=cle_api_vers_lignes,
    depuis_lignes=lambda ligne, historique, _enfants: cle_api_depuis_lignes(ligne, historique),
    doublon=lambda _cle: ModificationConcurrente(),
)
_ACTION = _Genre(
    table=t.actions,
    cle="numero_action",
    historique=t.historique_actions,
    cle_historique="numero_action",
    vers_lignes=action_vers_lignes,
    depuis_lignes=lambda ligne, historique, _enfants: action_depuis_lignes(ligne, historique),
    doublon=lambda action: DossierExistant(action.numero_action),
)
_DEMANDE = _Genre(
    table=t.demandes,
    cle="id",
    historique=t.historique_demandes,
    cle_historique="id",
    vers_lignes=demande_vers_lignes,
    depuis_lignes=lambda ligne, historique, _enfants: demande_depuis_lignes(ligne, historique),
    doublon=_demande_en_double,
)


# --- Statements built once (SQLAlchemy then finds their compiled form in its cache) -------

#: The bound parameter naming the row an UPDATE by key changes (no column has this name).
_CLE_LIGNE = "cle_ligne_"


@functools.cache
def _insertion(table: sa.Table) -> sa.Insert:
    """``INSERT INTO table``: the columns are those of the rows given (``executemany``)."""
    return sa.insert(table)


@functools.cache
def _mise_a_jour(table: sa.Table, cle: str) -> sa.Update:
    """``UPDATE table ... WHERE cle = :cle_ligne_``: SET the columns of the rows given."""
    return sa.update(table).where(table.c[cle] == sa.bindparam(_CLE_LIGNE))


@functools.cache
def _effacement(table: sa.Table, cle: str) -> sa.Delete:
    """``DELETE FROM table WHERE cle = :cle_ligne_``."""
    return sa.delete(table).where(table.c[cle] == sa.bindparam(_CLE_LIGNE))


@attrs.define
class _Suivi:
    """A tracked aggregate, the rows the database holds for it, and its shallow snapshot.

    ``empreinte`` (see :func:`_empreinte`) is what the aggregate's attributes were when
    ``lignes`` were last written or read: while they are the very same objects, the
    aggregate has not changed and is not translated again.
    """

    genre: _Genre
    objet: Any
    lignes: Lignes
    empreinte: tuple[object, ...] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        """Take the snapshot of the aggregate as its rows are."""
        self.empreinte = _empreinte(self.objet)

    def inchange(self) -> bool:
        """True when no attribute of the aggregate was replaced and no list changed since."""
        return _meme_empreinte(self.empreinte, _empreinte(self.objet))


def _empreinte(objet: object) -> tuple[object, ...]:
    """The aggregate's attributes as they are now, each list copied (a tuple of its items).

    The aggregates' attributes are immutable values (the domain's value objects are
    frozen) or lists of them: an aggregate changes only by replacing an attribute or by
    changing a list, both of which this snapshot sees by identity.
    """
    return tuple(tuple(v) if isinstance(v, list) else v for v in vars(objet).values())


def _meme_empreinte(avant: tuple[object, ...], apres: tuple[object, ...]) -> bool:
    """True when both snapshots hold the very same objects (lists: the same items)."""
    if len(avant) != len(apres):
        return False
    for a, b in zip(avant, apres, strict=True):
        if a is b:
            continue
        if not (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)):
            return False
        if not all(x is y for x, y in zip(a, b, strict=True)):
            return False
    return True


# Constraint (or "table.column" in SQLite's messages) → the error, built from the object
# being written: the fake raises the same class with the same fields.
_CONFLITS: tuple[tuple[str, str, Callable[[Any], Conflit]], ...] = (
    ("uq_comptes_email", "comptes.email", lambda compte: EmailDejaUtilise(str(compte.email))),
    (
        "uq_demandes_compte_id_cle_idempotence",
        "demandes.cle_idempotence",
        lambda demande: DemandeDejaEnvoyee(demande.cle_idempotence),
    ),
    ("pk_organismes", "organismes.siret", lambda org: OrganismeExistant(org.siret.numero)),
    ("pk_delegations", "delegations.id", lambda delegation: DelegationExistante(delegation.id)),
    ("pk_actions", "actions.numero_action", lambda action: DossierExistant(action.numero_action)),
    ("pk_documents", "documents.id", lambda document: DocumentExistant(document.id)),
)


def _conflit(erreur: sa.exc.IntegrityError, objet: object) -> Conflit:
    """Translate a unique-constraint violation met writing ``objet`` into its ``Conflit``."""
    texte = str(erreur.orig)
    if objet is not None:
        for contrainte, colonne, conflit in _CONFLITS:
            # Whole names only: "organismes.siret" is not "historique_organismes.siret".
            if re.search(rf"(?<!\w)({re.escape(contrainte)}|{re.escape(colonne)})\b", texte):
                return conflit(objet)
    return ModificationConcurrente()


# PostgreSQL's SQLSTATEs of a transaction aborted by its concurrency with another one.
_CONCURRENCE = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected

# PostgreSQL SQLSTATE (or its two-character class) → what failed.
_PANNES_POSTGRESQL = {
    "08": Panne.CONNEXION,  # connection_exception (lost, refused, failure)
    "57P01": Panne.CONNEXION,  # admin_shutdown (pg_terminate_backend, restart)
    "57P02": Panne.CONNEXION,  # crash_shutdown
    "57P03": Panne.CONNEXION,  # cannot_connect_now (starting up)
    "55P03": Panne.ATTENTE,  # lock_not_available (lock_timeout, NOWAIT)
    "57014": Panne.ATTENTE,  # query_canceled (statement_timeout)
    "53": Panne.SATURATION,  # insufficient_resources (disk_full, out_of_memory, too_many_…)
    "25006": Panne.LECTURE_SEULE,  # read_only_sql_transaction (hot standby)
}

# sqlite3's error names (Python 3.11+ ``sqlite_errorname``) → what failed.
_PANNES_SQLITE = {
    "SQLITE_BUSY": Panne.ATTENTE,
    "SQLITE_LOCKED": Panne.ATTENTE,
    "SQLITE_FULL": Panne.SATURATION,
    "SQLITE_NOMEM": Panne.SATURATION,
    "SQLITE_READONLY": Panne.LECTURE_SEULE,
    "SQLITE_CANTOPEN": Panne.CONNEXION,
}


def _panne(erreur: sa.exc.DBAPIError) -> Panne:
    """What failed, from the driver's code; the class of the error when it has none."""
    if erreur.connection_invalidated:
        return Panne.CONNEXION
    sqlstate = getattr(erreur.orig, "sqlstate", None) or ""
    for cle in (sqlstate, sqlstate[:2]):
        if cle in _PANNES_POSTGRESQL:
            return _PANNES_POSTGRESQL[cle]
    nom = getattr(erreur.orig, "sqlite_errorname", None) or ""
    for prefixe, panne in _PANNES_SQLITE.items():
        if nom.startswith(prefixe):  # SQLITE_READONLY_DBMOVED, SQLITE_BUSY_SNAPSHOT ...
            return panne
    if isinstance(erreur, sa.exc.InterfaceError):
        return Panne.CONNEXION  # the driver's link to the database is broken
    # OperationalError, InternalError, ProgrammingError, NotSupportedError, DatabaseError.
    return Panne.INTERNE


def _traduire(erreur: sa.exc.DBAPIError, objet: object) -> ErreurDomaine:
    """The French domain error for a database error (each driver error class mapped).

    IntegrityError → the ``Conflit`` of the constraint; DataError → ``DonneeInvalide``;
    a deadlock or serialization failure → ``ModificationConcurrente``; anything else
    (OperationalError, InterfaceError, InternalError, ProgrammingError,
    NotSupportedError, DatabaseError) → ``ServiceIndisponible``.
    """
    if isinstance(erreur, sa.exc.IntegrityError):
        return _conflit(erreur, objet)
    if isinstance(erreur, sa.exc.DataError):
        return DonneeInvalide(
            "Une donnée saisie est trop longue ou mal formée pour être enregistrée : "
            "corrigez-la puis recommencez."
        )
    if getattr(erreur.orig, "sqlstate", None) in _CONCURRENCE:
        return ModificationConcurrente()
    return ServiceIndisponible(_panne(erreur))


@contextlib.contextmanager
def _erreurs_traduites(objet: object = None) -> Iterator[None]:
    """Raise the French domain error of a database error met writing ``objet``."""
    try:
        yield
    except sa.exc.DBAPIError as erreur:
        raise _traduire(erreur, objet) from erreur
    except sa.exc.TimeoutError as erreur:  # the pool has no free connection
        raise ServiceIndisponible(Panne.SATURATION) from erreur
    except UnicodeEncodeError as erreur:  # a lone surrogate the driver cannot send
        raise DonneeInvalide(
            "Un texte saisi contient des caractères invalides : corrigez-le puis recommencez."
        ) from erreur


_F = TypeVar("_F", bound=Callable[..., Any])


def _traduit(methode: _F) -> _F:
    """Decorator: the method's database errors come out as domain errors."""

    @functools.wraps(methode)
    def traduite(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - any method
        with _erreurs_traduites():
            return methode(*args, **kwargs)

    return traduite  # type: ignore[return-value]


class SqlUnitOfWork:
    """A unit of work over one SQLAlchemy engine (see the module docstring)."""

    def __init__(self, moteur: sa.Engine, *, lecture_seule: bool = False) -> None:
        """Bind to an engine; no connection is taken before ``with``."""
        self._moteur = moteur
        self.lecture_seule = lecture_seule
        self._connexion: sa.Connection | None = None
        self._suivis: dict[tuple[str, object], _Suivi] = {}
        self.organismes: DepotOrganismes = _Organismes(self)
        self.delegations: DepotDelegations = _Delegations(self)
        self.comptes: DepotComptes = _Comptes(self)
        self.cles_api: DepotClesApi = _ClesApi(self)
        self.actions: DepotActions = _Actions(self)
        self.demandes: DepotDemandes = _Demandes(self)
        self.documents: DepotDocuments = _Documents(self)
        self.outbox: Outbox = _Outbox(self)
        self.quarantaine: JournalQuarantaine = _Quarantaine(self)

    # --- transaction ---

    @_traduit
    def __enter__(self) -> Self:
        """Take a connection from the pool (marked read-only for a read-only unit)."""
        self._connexion = self._moteur.connect()
        if self.lecture_seule:
            options: dict[str, Any] = {LECTURE_SEULE: True}
            if self.dialecte == "postgresql":
                options["postgresql_readonly"] = True  # SET TRANSACTION READ ONLY
            self._connexion.execution_options(**options)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back what was not committed and give the connection back.

        A connection already lost cannot roll back: the server did it when the
        connection died, so that failure is not raised on top of the block's outcome.
        """
        try:
            self.rollback()
        except ServiceIndisponible:
            if self._connexion is not None:
                self._connexion.invalidate()
        finally:
            if self._connexion is not None:
                self._connexion.close()
            self._connexion = None

    @_traduit
    def commit(self) -> None:
        """Write back every tracked change, then COMMIT; tracking goes on afterwards."""
        connexion = self.connexion()
        self.ecrire()
        connexion.commit()

    @_traduit
    def rollback(self) -> None:
        """Discard every uncommitted change and forget the tracked aggregates."""
        self._suivis.clear()
        if self._connexion is not None and self._connexion.in_transaction():
            self._connexion.rollback()

    def connexion_ecriture(self) -> sa.Connection:
        """The connection, to write with: refused in a read-only unit of work."""
        if self.lecture_seule:
            raise EcritureEnLectureSeule
        return self.connexion()

    def verrou(self, requete: sa.Select[Any], **options: Any) -> sa.Select[Any]:  # noqa: ANN401
        """``requete`` locking its rows (``FOR UPDATE``) on PostgreSQL in a unit that writes.

        SQLite's write lock is the whole database's, taken at ``BEGIN IMMEDIATE``; a
        read-only unit takes no lock at all.
        """
        if self.dialecte == "postgresql" and not self.lecture_seule:
            return requete.with_for_update(**options)
        return requete

    def connexion(self) -> sa.Connection:
        """The connection, inside a transaction (begun on first use)."""
        if self._connexion is None:
            msg = "Un dépôt n'est utilisable qu'à l'intérieur d'un bloc « with uow: »."
            raise RuntimeError(msg)
        if not self._connexion.in_transaction():
            self._connexion.begin()
        return self._connexion

    @property
    def dialecte(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._moteur.dialect.name

    # --- identity map and writing back ---

    def suivi(self, genre: _Genre, cle: object) -> Any:  # noqa: ANN401 - any aggregate
        """The tracked aggregate of this kind and identity, or None."""
        suivi = self._suivis.get((genre.table.name, cle))
        return None if suivi is None else suivi.objet

    def inserer(self, genre: _Genre, objet: object) -> None:
        """INSERT a new aggregate now (in a savepoint) and track it."""
        lignes = genre.vers_lignes(objet)
        cle = lignes.principale[genre.cle]
        if (genre.table.name, cle) in self._suivis:
            raise genre.doublon(objet)
        self.ecrire()
        self.executer_isole(
            lambda connexion: self._inserer_lignes(connexion, genre, lignes, historique_depuis=0),
            objet,
        )
        self._suivis[genre.table.name, cle] = _Suivi(genre, objet, lignes)

    def retirer(self, genre: _Genre, cle: object) -> None:
        """DELETE a tracked aggregate now, its history and child rows with it; stop tracking it."""
        self.ecrire()
        del self._suivis[genre.table.name, cle]

        def effacer(connexion: sa.Connection) -> None:
            connexion.execute(
                sa.delete(genre.historique).where(genre.historique.c[genre.cle_historique] == cle)
            )
            if genre.enfants is not None:
                connexion.execute(
                    sa.delete(genre.enfants).where(genre.enfants.c[genre.cle_enfants] == cle)
                )
            connexion.execute(sa.delete(genre.table).where(genre.table.c[genre.cle] == cle))

        self.executer_isole(effacer)

    def executer_isole(
        self, ecrire: Callable[[sa.Connection], object], objet: object = None
    ) -> None:
        """Write ``objet`` in a SAVEPOINT; a unique violation raises its ``Conflit``.

        The error reported is the write's own, even when the savepoint is gone with the
        whole transaction (SQLite ends it on a full disk, a lost connection ends it too).
        """
        connexion = self.connexion_ecriture()
        with _erreurs_traduites(objet):
            point = connexion.begin_nested()
            try:
                ecrire(connexion)
            except sa.exc.DBAPIError:
                with contextlib.suppress(sa.exc.DBAPIError):
                    point.rollback()
                raise
            point.commit()

    def inserer_plusieurs(self, genre: _Genre, objets: Sequence[object]) -> None:
        """INSERT new aggregates now, their rows with one executemany per table; track them.

        All or none (one SAVEPOINT): a duplicate among them, or of a tracked aggregate,
        raises the ``Conflit`` of the first one; a row written meanwhile by another
        transaction, :class:`~cfa_domain.errors.ModificationConcurrente`.
        """
        if not objets:
            return
        toutes = [(objet, genre.vers_lignes(objet)) for objet in objets]
        vues: set[object] = set()
        for objet, lignes in toutes:
            cle = lignes.principale[genre.cle]
            if (genre.table.name, cle) in self._suivis or cle in vues:
                raise genre.doublon(objet)
            vues.add(cle)
        self.ecrire()
        seul = objets[0] if len(objets) == 1 else None
        try:
            self.executer_isole(
                lambda connexion: self._inserer_tout(connexion, genre, toutes), seul
            )
        except ModificationConcurrente as erreur:
            # Which one: the first whose key is stored (by another transaction) names it.
            colonne = genre.table.c[genre.cle]
            stockees = set(
                self.connexion().scalars(sa.select(colonne).where(colonne.in_(sorted(vues))))
            )
            for objet, lignes in toutes:
                if lignes.principale[genre.cle] in stockees:
                    raise genre.doublon(objet) from erreur
            raise
        for objet, lignes in toutes:
            self._suivis[genre.table.name, lignes.principale[genre.cle]] = _Suivi(
                genre, objet, lignes
            )

    @staticmethod
    def _inserer_tout(
        connexion: sa.Connection, genre: _Genre, toutes: Sequence[tuple[object, Lignes]]
    ) -> None:
        par_table = (
            (genre.table, [dict(lignes.principale) for _o, lignes in toutes]),
            (genre.historique, [dict(h) for _o, lignes in toutes for h in lignes.historique]),
            (genre.enfants, [dict(e) for _o, lignes in toutes for e in lignes.enfants]),
        )
        for table, rangees in par_table:
            if table is not None and rangees:
                connexion.execute(_insertion(table), rangees)

    @staticmethod
    def _inserer_lignes(
        connexion: sa.Connection, genre: _Genre, lignes: Lignes, *, historique_depuis: int
    ) -> None:
        connexion.execute(_insertion(genre.table), [dict(lignes.principale)])
        nouvelles = lignes.historique[historique_depuis:]
        if nouvelles:
            connexion.execute(_insertion(genre.historique), [dict(h) for h in nouvelles])
        if genre.enfants is not None and lignes.enfants:
            connexion.execute(_insertion(genre.enfants), [dict(e) for e in lignes.enfants])

    def charger(
        self, genre: _Genre, requete: sa.Select[Any], *, lignes: Sequence[Ligne] | None = None
    ) -> list[Any]:
        """Run ``requete`` (main rows) and return the aggregates, tracked ones first.

        History and child rows of the aggregates not tracked yet come in one query each.
        """
        connexion = self.connexion()
        with _erreurs_traduites():
            principales = (
                list(lignes)
                if lignes is not None
                else [r._mapping for r in connexion.execute(requete)]  # noqa: SLF001 - public API
            )
        nouvelles = [
            ligne
            for ligne in principales
            if (genre.table.name, ligne[genre.cle]) not in self._suivis
        ]
        if nouvelles:
            cles = [ligne[genre.cle] for ligne in nouvelles]
            historiques = self._enfants_par_cle(genre.historique, genre.cle_historique, cles)
            enfants = (
                self._enfants_par_cle(genre.enfants, genre.cle_enfants, cles)
                if genre.enfants is not None
                else {}
            )
            for ligne in nouvelles:
                cle = ligne[genre.cle]
                objet = genre.depuis_lignes(ligne, historiques.get(cle, []), enfants.get(cle, []))
                self._suivis[genre.table.name, cle] = _Suivi(genre, objet, genre.vers_lignes(objet))
        return [self._suivis[genre.table.name, ligne[genre.cle]].objet for ligne in principales]

    def suivre(self, genre: _Genre, ligne: Ligne, historique: Sequence[Ligne]) -> Any:  # noqa: ANN401
        """Track an aggregate whose rows were read by the caller (unless already tracked)."""
        cle = ligne[genre.cle]
        suivi = self._suivis.get((genre.table.name, cle))
        if suivi is None:
            objet = genre.depuis_lignes(ligne, historique, [])
            suivi = _Suivi(genre, objet, genre.vers_lignes(objet))
            self._suivis[genre.table.name, cle] = suivi
        return suivi.objet

    def _enfants_par_cle(
        self, table: sa.Table, colonne: str, cles: list[Any]
    ) -> dict[Any, list[Ligne]]:
        par_cle: dict[Any, list[Ligne]] = {}
        requete = sa.select(table).where(table.c[colonne].in_(cles))
        for rangee in self.connexion().execute(requete):
            ligne = rangee._mapping  # noqa: SLF001 - documented public API of Row
            par_cle.setdefault(ligne[colonne], []).append(ligne)
        return par_cle

    def ecrire(self) -> None:
        """Write back the tracked aggregates changed since their last write.

        An aggregate whose snapshot (:func:`_empreinte`) shows the same objects is not
        translated again: the cost of an unchanged one is a comparison of references. The
        changed ones are translated and compared with their rows; their UPDATEs go with one
        executemany per table and set of changed columns, their new history rows with one
        per table (:class:`_Ecritures`).
        """
        changes = [suivi for suivi in self._suivis.values() if not suivi.inchange()]
        if not changes:
            return
        ecritures = _Ecritures()
        for suivi in changes:
            apres = suivi.genre.vers_lignes(suivi.objet)
            if apres == suivi.lignes:
                suivi.empreinte = _empreinte(suivi.objet)
                continue
            if self.lecture_seule:
                raise EcritureEnLectureSeule
            ecritures.preparer(suivi, apres)
        ecritures.envoyer(self.connexion())

    def avant_requete(self) -> sa.Connection:
        """Write back pending changes so that a query sees them; return the connection."""
        self.ecrire()
        return self.connexion()


@attrs.define
class _Ecritures:
    """The statements writing back changed aggregates, grouped to be sent as executemany."""

    #: (table, key column, changed columns, aggregate when not grouped) → rows to UPDATE.
    mises_a_jour: dict[tuple[sa.Table, str, tuple[str, ...], int], list[_Suivi]] = attrs.Factory(
        dict
    )
    valeurs: dict[int, dict[str, Any]] = attrs.Factory(dict)
    #: (history or child table, key column) → keys whose rows are all written again.
    effacements: dict[tuple[sa.Table, str], list[object]] = attrs.Factory(dict)
    #: History or child table → rows to INSERT, and the aggregates they belong to.
    insertions: dict[sa.Table, list[tuple[dict[str, Any], _Suivi]]] = attrs.Factory(dict)
    ecrits: list[tuple[_Suivi, Lignes]] = attrs.Factory(list)

    def preparer(self, suivi: _Suivi, apres: Lignes) -> None:
        """Plan what writes ``apres`` over the rows ``suivi`` holds."""
        genre, avant = suivi.genre, suivi.lignes
        cle = avant.principale[genre.cle]
        changees = {
            colonne: valeur
            for colonne, valeur in apres.principale.items()
            if avant.principale.get(colonne) != valeur
        }
        if changees:
            groupe = (genre.table, genre.cle, tuple(changees), 0 if genre.regrouper else id(suivi))
            self.mises_a_jour.setdefault(groupe, []).append(suivi)
            self.valeurs[id(suivi)] = {_CLE_LIGNE: cle, **changees}
        if apres.historique[: len(avant.historique)] == avant.historique:
            nouvelles = apres.historique[len(avant.historique) :]
        else:
            self.effacements.setdefault((genre.historique, genre.cle_historique), []).append(cle)
            nouvelles = apres.historique
        for ligne in nouvelles:
            self.insertions.setdefault(genre.historique, []).append((dict(ligne), suivi))
        if genre.enfants is not None and apres.enfants != avant.enfants:
            self.effacements.setdefault((genre.enfants, genre.cle_enfants), []).append(cle)
            for ligne in apres.enfants:
                self.insertions.setdefault(genre.enfants, []).append((dict(ligne), suivi))
        self.ecrits.append((suivi, apres))

    def envoyer(self, connexion: sa.Connection) -> None:
        """Send the planned statements, then take the new rows and snapshots as written.

        A database error names the aggregate written when the statement wrote only one.
        """
        for (table, cle, _colonnes, _seul), suivis in self.mises_a_jour.items():
            with _erreurs_traduites(suivis[0].objet if len(suivis) == 1 else None):
                connexion.execute(
                    _mise_a_jour(table, cle), [self.valeurs[id(suivi)] for suivi in suivis]
                )
        for (table, cle), cles in self.effacements.items():
            with _erreurs_traduites():
                connexion.execute(_effacement(table, cle), [{_CLE_LIGNE: c} for c in cles])
        for table, lignes in self.insertions.items():
            proprietaires = {id(suivi): suivi for _ligne, suivi in lignes}
            seul = next(iter(proprietaires.values())).objet if len(proprietaires) == 1 else None
            with _erreurs_traduites(seul):
                connexion.execute(_insertion(table), [ligne for ligne, _suivi in lignes])
        for suivi, apres in self.ecrits:
            suivi.lignes = apres
            suivi.empreinte = _empreinte(suivi.objet)


def fabrique_uow(moteur: sa.Engine) -> FabriqueUnitOfWork:
    """A :class:`~cfa_domain.ports.FabriqueUnitOfWork` building units of work on ``moteur``."""
    return functools.partial(SqlUnitOfWork, moteur)


# --- Repositories -------------------------------------------------------------------------


class _Depot:
    def __init_subclass__(cls) -> None:
        """Every public method of a repository translates the database's errors."""
        super().__init_subclass__()
        for nom, methode in list(vars(cls).items()):
            if not nom.startswith("_") and callable(methode):
                setattr(cls, nom, _traduit(methode))

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def _obtenir(self, genre: _Genre, cle: object) -> Any:  # noqa: ANN401 - any aggregate
        deja = self._uow.suivi(genre, cle)
        if deja is not None:
            return deja
        trouves = self._uow.charger(
            genre, sa.select(genre.table).where(genre.table.c[genre.cle] == cle)
        )
        return trouves[0] if trouves else None


def _page(elements: Sequence[Any], total: int, page: int, taille: int) -> Page[Any]:
    return Page(tuple(elements), total, page, taille)


class _Organismes(_Depot):
    def ajouter(self, organisme: Organisme) -> None:
        self._uow.inserer(_ORGANISME, organisme)

    def obtenir(self, siret: Siret) -> Organisme | None:
        organisme: Organisme | None = self._obtenir(_ORGANISME, siret.numero)
        return organisme

    def obtenir_plusieurs(self, sirets: Collection[Siret]) -> Mapping[Siret, Organisme]:
        manquants = sorted(
            {s.numero for s in sirets if self._uow.suivi(_ORGANISME, s.numero) is None}
        )
        if manquants:
            o = t.organismes
            self._uow.charger(_ORGANISME, sa.select(o).where(o.c.siret.in_(manquants)))
        trouves = {s: self._uow.suivi(_ORGANISME, s.numero) for s in sirets}
        return {s: organisme for s, organisme in trouves.items() if organisme is not None}

    def a_valider(self) -> Sequence[Organisme]:
        self._uow.avant_requete()
        o = t.organismes
        requete = (
            sa.select(o)
            .where(o.c.statut == StatutOrganisme.A_VALIDER.value)
            .order_by(o.c.cree_le, o.c.siret)
        )
        return self._uow.charger(_ORGANISME, requete)


class _ClesApi(_Depot):
    def ajouter(self, cle: CleApi) -> None:
        self._uow.inserer(_CLE_API, cle)

    def obtenir(self, cle_id: uuid.UUID) -> CleApi | None:
        cle: CleApi | None = self._obtenir(_CLE_API, cle_id)
        return cle

    def pour_organisme(self, siret: Siret) -> Sequence[CleApi]:
        self._uow.avant_requete()
        c = t.cles_api
        requete = (
            sa.select(c)
            .where(c.c.siret_organisme == siret.numero)
            .order_by(c.c.cree_le.desc(), sa.cast(c.c.id, sa.String).desc())
        )
        return self._uow.charger(_CLE_API, requete)


class _Delegations(_Depot):
    def ajouter(self, delegation: Delegation) -> None:
        self._uow.inserer(_DELEGATION, delegation)

    def obtenir(self, delegation_id: uuid.UUID) -> Delegation | None:
        delegation: Delegation | None = self._obtenir(_DELEGATION, delegation_id)
        return delegation

    def pour_organisme(self, siret: Siret) -> Sequence[Delegation]:
        self._uow.avant_requete()
        d = t.delegations
        requete = (
            sa.select(d)
            .where(
                sa.or_(d.c.siret_delegant == siret.numero, d.c.siret_delegataire == siret.numero)
            )
            .order_by(d.c.demandee_le, d.c.id)
        )
        return self._uow.charger(_DELEGATION, requete)

    def delegants_actifs(self, siret_delegataire: Siret) -> frozenset[Siret]:
        connexion = self._uow.avant_requete()
        d = t.delegations
        requete = sa.select(d.c.siret_delegant).where(
            d.c.siret_delegataire == siret_delegataire.numero,
            d.c.statut == StatutDelegation.ACTIVE.value,
        )
        return frozenset(Siret(s) for s in connexion.scalars(requete))

    def en_attente(self) -> Sequence[Delegation]:
        self._uow.avant_requete()
        d = t.delegations
        requete = (
            sa.select(d)
            .where(d.c.statut == StatutDelegation.DEMANDEE.value)
            .order_by(d.c.demandee_le, d.c.id)
        )
        return self._uow.charger(_DELEGATION, requete)


class _Comptes(_Depot):
    """Accounts; each lookup of one account locks its row (see the module docstring)."""

    def ajouter(self, compte: Compte) -> None:
        self._uow.inserer(_COMPTE, compte)

    def obtenir(self, compte_id: uuid.UUID) -> Compte | None:
        deja: Compte | None = self._uow.suivi(_COMPTE, compte_id)
        if deja is not None:
            return deja
        return self._un(sa.select(t.comptes).where(t.comptes.c.id == compte_id))

    def _un(self, requete: sa.Select[Any]) -> Compte | None:
        """The account ``requete`` finds, its row locked for update on PostgreSQL."""
        requete = self._uow.verrou(requete, of=t.comptes)
        self._uow.avant_requete()
        trouves: list[Compte] = self._uow.charger(_COMPTE, requete)
        return trouves[0] if trouves else None

    def par_email(self, email: Email) -> Compte | None:
        return self._un(sa.select(t.comptes).where(t.comptes.c.email == email.adresse))

    def par_empreinte_jeton(self, empreinte: str) -> Compte | None:
        c, j = t.comptes, t.jetons
        return self._un(
            sa.select(c).join(j, j.c.compte_id == c.c.id).where(j.c.empreinte == empreinte)
        )

    def pour_organisme(self, siret: Siret) -> Sequence[Compte]:
        self._uow.avant_requete()
        c = t.comptes
        requete = (
            sa.select(c).where(c.c.siret_organisme == siret.numero).order_by(c.c.cree_le, c.c.id)
        )
        return self._uow.charger(_COMPTE, requete)

    def a_approuver(self) -> Sequence[Compte]:
        self._uow.avant_requete()
        c = t.comptes
        requete = (
            sa.select(c)
            .where(c.c.statut == StatutCompte.EN_ATTENTE_APPROBATION.value)
            .order_by(c.c.cree_le, c.c.id)
        )
        return self._uow.charger(_COMPTE, requete)

    def supprimer(self, compte: Compte) -> None:
        self._uow.retirer(_COMPTE, compte.id)


def _total_paye(a: sa.Table) -> sa.ScalarSelect[Any]:
    """Correlated subquery: sum of the totals of the file's paid requests."""
    d = t.demandes
    total = (
        d.c.frais_pedagogiques
        + d.c.repas_nuitees
        + d.c.frais_divers
        + d.c.mobilite_internationale
        + d.c.majoration_handicap
    )
    return (
        sa.select(sa.type_coerce(sa.func.coalesce(sa.func.sum(total), 0), Argent()))
        .where(d.c.numero_action == a.c.numero_action, d.c.etat == EtatDemande.PAYEE.value)
        .scalar_subquery()
    )


def _historique_json(a: sa.Table, dialecte: str) -> sa.ScalarSelect[Any]:
    """Correlated subquery: the file's history entries as one JSON array."""
    h = t.historique_actions
    champs = ("rang", "quand", "auteur", "depart", "arrivee", "motif")
    paires: list[Any] = []
    for champ in champs:
        paires += [sa.literal(champ), h.c[champ]]
    if dialecte == "postgresql":
        agregat = sa.func.json_agg(
            postgresql.aggregate_order_by(sa.func.json_build_object(*paires), h.c.rang)
        )
    else:
        agregat = sa.func.json_group_array(sa.func.json_object(*paires))
    return sa.select(agregat).where(h.c.numero_action == a.c.numero_action).scalar_subquery()


def _historique_depuis_json(
    numero_action: str, valeur: str | list[dict[str, Any]] | None
) -> list[Ligne]:
    # SQLite's JSON functions return text; psycopg decodes json, and json_agg of no row is NULL.
    entrees = json.loads(valeur) if isinstance(valeur, str) else (valeur or [])
    return [
        {
            "numero_action": numero_action,
            "rang": int(e["rang"]),
            "quand": instant_depuis_json(e["quand"]),
            "auteur": e["auteur"],
            "depart": e["depart"],
            "arrivee": e["arrivee"],
            "motif": e["motif"],
        }
        for e in entrees
    ]


class _Actions(_Depot):
    def ajouter(self, action: Action) -> None:
        self._uow.inserer(_ACTION, action)

    def obtenir(self, numero_action: str) -> Action | None:
        action: Action | None = self._obtenir(_ACTION, numero_action)
        return action

    def obtenir_pour_mise_a_jour(self, numero_action: str) -> Action | None:
        a = t.actions
        requete = self._uow.verrou(sa.select(a).where(a.c.numero_action == numero_action))
        self._uow.avant_requete()
        trouves: list[Action] = self._uow.charger(_ACTION, requete)
        return trouves[0] if trouves else None

    def compter_par_etat(self) -> Mapping[EtatDossier, int]:
        connexion = self._uow.avant_requete()
        a = t.actions
        rangees = connexion.execute(sa.select(a.c.etat, sa.func.count()).group_by(a.c.etat))
        return {EtatDossier(etat): nombre for etat, nombre in rangees}

    def pour_mise_a_jour(self, numeros: Collection[str]) -> Mapping[str, Action]:
        voulus = sorted(set(numeros))
        if not voulus:
            return {}
        a = t.actions
        requete = self._uow.verrou(
            sa.select(a).where(a.c.numero_action.in_(voulus)).order_by(a.c.numero_action)
        )
        self._uow.avant_requete()
        trouves: list[Action] = self._uow.charger(_ACTION, requete)
        return {action.numero_action: action for action in trouves}

    def ajouter_plusieurs(self, actions: Sequence[Action]) -> None:
        self._uow.inserer_plusieurs(_ACTION, actions)

    def sans_reponse(self, deposes_avant: dt.date) -> Sequence[Action]:
        self._uow.avant_requete()
        a = t.actions
        requete = (
            sa.select(a)
            .where(
                a.c.etat.in_(sorted(e.value for e in ETATS_SANS_REPONSE)),
                a.c.date_depot < deposes_avant,
            )
            .order_by(a.c.date_depot, a.c.numero_action)
        )
        return self._uow.charger(_ACTION, requete)

    def rechercher(
        self,
        criteres: CriteresRecherche,
        sirets_visibles: frozenset[Siret],
        *,
        page: int,
        taille: int,
        tri: Tri = TRI_PAR_DEFAUT,
    ) -> Page[ResumeAction]:
        connexion = self._uow.avant_requete()
        filtres, parametres = _filtres_portail(criteres)
        forme = _FormeRecherche(
            filtres=filtres,
            colonne=tri.colonne,
            croissant=tri.croissant,
            dialecte=self._uow.dialecte,
        )
        parametres.update(
            sirets=sorted(s.numero for s in sirets_visibles),
            limite=taille,
            decalage=(page - 1) * taille,
        )
        requete, comptage = _requetes_recherche(forme)
        lignes = [
            (
                self._uow.suivre(
                    _ACTION,
                    r._mapping,  # noqa: SLF001 - documented public API of Row
                    _historique_depuis_json(r.numero_action, r.historique_json),
                ),
                Montant(r.total_paye),
            )
            for r in connexion.execute(requete, parametres)
        ]
        total = connexion.scalar(comptage, parametres)
        return _page(
            [ResumeAction(action, paye) for action, paye in lignes], total or 0, page, taille
        )

    def rechercher_dossiers(
        self, criteres: CriteresDossiers, *, page: int, taille: int
    ) -> Page[ResumeAction]:
        a = t.actions
        filtres, parametres = _filtres_portail(criteres.recherche)
        conditions = [*_conditions_filtres(filtres), *_conditions_agent(criteres)]
        if criteres.tri is TriDossiers.ANCIENNETE:
            ordre: tuple[sa.UnaryExpression[Any], ...] = (
                a.c.date_depot.asc(),
                a.c.numero_tri.asc(),
                a.c.numero_action.asc(),
            )
        else:
            ordre = (a.c.numero_tri.desc(), a.c.numero_action.desc())
        return self._page_resumes(conditions, parametres, ordre, page, taille)

    def _page_resumes(
        self,
        conditions: list[sa.ColumnElement[bool]],
        parametres: Mapping[str, Any],
        ordre: tuple[sa.UnaryExpression[Any], ...],
        page: int,
        taille: int,
    ) -> Page[ResumeAction]:
        """One page of the files matching ``conditions``, with what was paid on each.

        The page's action numbers are chosen first (an index walk when the order has one),
        then only those files are read with their paid total and history: the correlated
        subqueries never run on the rows the page leaves out.
        """
        connexion = self._uow.avant_requete()
        a = t.actions
        numeros = (
            sa.select(a.c.numero_action)
            .where(*conditions)
            .order_by(*ordre)
            .limit(taille)
            .offset((page - 1) * taille)
            .subquery("page")
        )
        requete = (
            sa.select(
                a,
                _total_paye(a).label("total_paye"),
                _historique_json(a, self._uow.dialecte).label("historique_json"),
            )
            .join(numeros, numeros.c.numero_action == a.c.numero_action)
            .order_by(*ordre)
        )
        lignes = [
            (
                self._uow.suivre(
                    _ACTION,
                    r._mapping,  # noqa: SLF001 - documented public API of Row
                    _historique_depuis_json(r.numero_action, r.historique_json),
                ),
                Montant(r.total_paye),
            )
            for r in connexion.execute(requete, parametres)
        ]
        comptage = sa.select(sa.func.count()).select_from(a).where(*conditions)
        total = connexion.scalar(comptage, parametres)
        return _page(
            [ResumeAction(action, paye) for action, paye in lignes], total or 0, page, taille
        )


@attrs.frozen
class _Filtres:
    """Which of the portal's filters a search uses (their values are bound parameters)."""

    nom: bool
    numero: bool
    suivant: bool
    enregistrement: bool


def _filtres_portail(criteres: CriteresRecherche) -> tuple[_Filtres, dict[str, Any]]:
    """The portal's filters of ``criteres`` and the values of their parameters."""
    nom = criteres.nom_normalise
    suivant = _suivant(criteres.numero_action) if criteres.numero_action else None
    filtres = _Filtres(
        nom=bool(nom),
        numero=bool(criteres.numero_action),
        suivant=suivant is not None,
        enregistrement=bool(criteres.numero_enregistrement),
    )
    parametres = {
        "motif": _prefixe_like(nom) if nom else None,
        "numero": criteres.numero_action,
        "suivant": suivant,
        "enregistrement": criteres.numero_enregistrement,
    }
    return filtres, parametres


@attrs.frozen
class _FormeRecherche:
    """What shapes a search's SQL (its values are bound parameters)."""

    filtres: _Filtres
    colonne: ColonneTri
    croissant: bool
    dialecte: str


@functools.lru_cache(maxsize=256)
def _requetes_recherche(forme: _FormeRecherche) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """The page query and the count query of searches of this shape, built once.

    The page's action numbers first, in a subquery on the index of the sort's key
    (``(siret_cfa, key, numero_tri, numero_action)``: no row read and nothing computed
    for the rows skipped), then the rows shown, their totals and histories, for those
    numbers only, sorted again on their own keys (ten rows).
    """
    a = t.actions
    conditions = _conditions_recherche(forme)
    cle = _cle_tri(forme.colonne)
    sens = sa.asc if forme.croissant else sa.desc
    colonnes = ([] if cle is None else [cle]) + [a.c.numero_tri]
    montrees = (
        sa.select(a.c.numero_action)
        .where(*conditions)
        .order_by(*(sens(c) for c in colonnes), sens(a.c.numero_action))
        .limit(sa.bindparam("limite", type_=sa.BigInteger))
        .offset(sa.bindparam("decalage", type_=sa.BigInteger))
        .subquery("montrees")
    )
    requete = (
        sa.select(
            a,
            _total_paye(a).label("total_paye"),
            _historique_json(a, forme.dialecte).label("historique_json"),
        )
        .join(montrees, montrees.c.numero_action == a.c.numero_action)
        .order_by(*(sens(c) for c in colonnes), sens(a.c.numero_action))
    )
    comptage = sa.select(sa.func.count()).select_from(a).where(*conditions)
    return requete, comptage


def _suivant(prefixe: str) -> str | None:
    """The least digit string above every string of digits starting with ``prefixe``.

    ``"129"`` → ``"13"``; ``None`` when the prefix is only nines (no upper bound).
    """
    chiffres = prefixe.rstrip("9")
    if not chiffres:
        return None
    return chiffres[:-1] + str(int(chiffres[-1]) + 1)


def _conditions_recherche(forme: _FormeRecherche) -> list[sa.ColumnElement[bool]]:
    """The files the account sees, and the search form's filters."""
    visibles = t.actions.c.siret_cfa.in_(sa.bindparam("sirets", expanding=True))
    return [visibles, *_conditions_filtres(forme.filtres)]


def _conditions_filtres(filtres: _Filtres) -> list[sa.ColumnElement[bool]]:
    """The portal's filters, each one an index can serve (values bound by name)."""
    a = t.actions
    conditions: list[sa.ColumnElement[bool]] = []
    if filtres.nom:
        motif = sa.bindparam("motif", type_=a.c.nom_recherche.type)
        conditions.append(
            sa.or_(
                a.c.nom_recherche.like(motif, escape=_ECHAPPEMENT),
                a.c.prenom_recherche.like(motif, escape=_ECHAPPEMENT),
            )
        )
    if filtres.numero:
        # Action numbers are digits only (the core checks them, prefix included), so the
        # numbers starting with p are the range [p, p's successor): a range any B-tree
        # index serves in any collation, where PostgreSQL's LIKE needs a "C" collation.
        conditions.append(a.c.numero_action >= sa.bindparam("numero", type_=sa.String))
        if filtres.suivant:
            conditions.append(a.c.numero_action < sa.bindparam("suivant", type_=sa.String))
    if filtres.enregistrement:
        enregistrement = sa.bindparam("enregistrement", type_=sa.String)
        conditions.append(
            sa.or_(a.c.numero_deca == enregistrement, a.c.numero_sia == enregistrement)
        )
    return conditions


def _cle_tri(colonne: ColonneTri) -> sa.ColumnElement[Any] | None:
    """The stored value a column of the list sorts on (``None``: the action number alone).

    Each is indexed as ``(siret_cfa, value, numero_tri, numero_action)`` (revision 0012):
    generated from the row (state's rank, DECA or SIA number, budget and annex costs
    rounded to the cent) or kept by triggers (the CFA's name, the total paid).
    """
    a = t.actions
    cles: dict[ColonneTri, sa.ColumnElement[Any] | None] = {
        ColonneTri.NUMERO_ACTION: None,
        ColonneTri.ETAT: a.c.tri_etat,
        ColonneTri.CFA: a.c.tri_cfa,
        ColonneTri.NUMERO_ENREGISTREMENT: a.c.tri_deca_sia,
        ColonneTri.BUDGET_TOTAL: a.c.tri_budget,
        ColonneTri.FRAIS_PEDAGOGIQUES: a.c.frais_pedagogiques,
        ColonneTri.FRAIS_ANNEXES: a.c.tri_annexes,
        ColonneTri.TOTAL_REMBOURSE: a.c.tri_rembourse,
    }
    return cles[colonne]


def _conditions_agent(criteres: CriteresDossiers) -> list[sa.ColumnElement[bool]]:
    """The agents' filters beside the portal's (see :class:`CriteresDossiers`)."""
    a = t.actions
    conditions: list[sa.ColumnElement[bool]] = []
    if criteres.etat is not None:
        conditions.append(a.c.etat == criteres.etat.value)
    if criteres.siret_cfa is not None:
        conditions.append(a.c.siret_cfa == criteres.siret_cfa.numero)
    bornes: list[tuple[dt.date | None, sa.Column[Any], Callable[[Any, Any], Any]]] = [
        (criteres.depot_du, a.c.date_depot, operator.ge),
        (criteres.depot_au, a.c.date_depot, operator.le),
        (criteres.debut_contrat_du, a.c.contrat_debut, operator.ge),
        (criteres.debut_contrat_au, a.c.contrat_debut, operator.le),
        (criteres.signature_depuis, a.c.date_signature, operator.ge),
        (criteres.signature_avant, a.c.date_signature, operator.lt),
    ]
    return conditions + [comparer(colonne, jour) for jour, colonne, comparer in bornes if jour]


class _Demandes(_Depot):
    def ajouter(self, demande: DemandeRemboursement) -> None:
        self._uow.inserer(_DEMANDE, demande)

    def obtenir(self, demande_id: uuid.UUID) -> DemandeRemboursement | None:
        demande: DemandeRemboursement | None = self._obtenir(_DEMANDE, demande_id)
        return demande

    def pour_action(self, numero_action: str) -> Sequence[DemandeRemboursement]:
        self._uow.avant_requete()
        d = t.demandes
        requete = sa.select(d).where(d.c.numero_action == numero_action).order_by(d.c.numero)
        return self._uow.charger(_DEMANDE, requete)

    def par_cle_idempotence(self, compte_id: uuid.UUID, cle: str) -> DemandeRemboursement | None:
        self._uow.avant_requete()
        d = t.demandes
        requete = sa.select(d).where(d.c.compte_id == compte_id, d.c.cle_idempotence == cle)
        trouvees: list[DemandeRemboursement] = self._uow.charger(_DEMANDE, requete)
        return trouvees[0] if trouvees else None

    def pour_organismes(
        self,
        sirets: frozenset[Siret],
        *,
        page: int,
        taille: int,
        criteres: CriteresDemandes | None = None,
    ) -> Page[DemandeRemboursement]:
        connexion = self._uow.avant_requete()
        d, a = t.demandes, t.actions
        condition: sa.ColumnElement[bool] = d.c.numero_action.in_(
            sa.select(a.c.numero_action).where(a.c.siret_cfa.in_(sorted(s.numero for s in sirets)))
        )
        if criteres is not None and criteres.etat is not None:
            condition &= d.c.etat == criteres.etat.value
        if criteres is not None and criteres.numero_action:
            condition &= d.c.numero_action.like(
                _prefixe_like(criteres.numero_action), escape=_ECHAPPEMENT
            )
        requete = (
            sa.select(d)
            .where(condition)
            .order_by(d.c.soumise_le.desc(), d.c.id.desc())
            .limit(taille)
            .offset((page - 1) * taille)
        )
        elements = self._uow.charger(_DEMANDE, requete)
        total = connexion.scalar(sa.select(sa.func.count()).select_from(d).where(condition))
        return _page(elements, total or 0, page, taille)

    def par_etats(
        self, etats: frozenset[EtatDemande], *, page: int, taille: int
    ) -> Page[DemandeRemboursement]:
        connexion = self._uow.avant_requete()
        d = t.demandes
        # The states written inline, in order: for the whole queue the query then repeats
        # the predicate of the partial index ``ix_demandes_file_attente`` (revision 0013),
        # which SQLite requires to use it. They are the enum's values, never user text.
        condition = d.c.etat.in_(
            sa.bindparam(
                "etats", sorted(e.value for e in etats), expanding=True, literal_execute=True
            )
        )
        # The page's ids first, sorted on (soumise_le, id) alone, then their rows: a deep
        # page skips index entries, not rows.
        ids = (
            sa.select(d.c.id)
            .where(condition)
            .order_by(d.c.soumise_le, d.c.id)
            .limit(taille)
            .offset((page - 1) * taille)
        )
        requete = sa.select(d).where(d.c.id.in_(ids)).order_by(d.c.soumise_le, d.c.id)
        elements = self._uow.charger(_DEMANDE, requete)
        total = connexion.scalar(sa.select(sa.func.count()).select_from(d).where(condition))
        return _page(elements, total or 0, page, taille)

    def compter_par_etat(self) -> Mapping[EtatDemande, int]:
        connexion = self._uow.avant_requete()
        d = t.demandes
        rangees = connexion.execute(sa.select(d.c.etat, sa.func.count()).group_by(d.c.etat))
        return {EtatDemande(etat): nombre for etat, nombre in rangees}

    def montants_entre(self, debut: dt.datetime, fin: dt.datetime) -> MontantsPeriode:
        connexion = self._uow.avant_requete()
        d, h = t.demandes, t.historique_demandes
        total = sum((d.c[c.value] for c in Categorie), sa.literal(0))

        def entrees(etat: EtatDemande) -> sa.ColumnElement[bool]:
            return d.c.id.in_(
                sa.select(h.c.id).where(
                    h.c.arrivee == etat.value, h.c.quand >= debut, h.c.quand < fin
                )
            )

        def somme(
            valeur: sa.ColumnElement[Any], condition: sa.ColumnElement[bool]
        ) -> sa.ScalarSelect[Any]:
            return (
                sa.select(sa.type_coerce(sa.func.coalesce(sa.func.sum(valeur), 0), Argent()))
                .where(condition)
                .scalar_subquery()
            )

        rangee = connexion.execute(
            sa.select(
                somme(total, (d.c.soumise_le >= debut) & (d.c.soumise_le < fin)),
                somme(total, entrees(EtatDemande.VALIDEE)),
                somme(sa.func.coalesce(d.c.montant_paye, total), entrees(EtatDemande.PAYEE)),
            )
        ).one()
        return MontantsPeriode(*(Montant(valeur) for valeur in rangee))


class _Documents(_Depot):
    def ajouter(self, document: DocumentMeta) -> None:
        ligne = document_vers_ligne(document)
        self._uow.executer_isole(
            lambda c: c.execute(sa.insert(t.documents), [dict(ligne)]), document
        )

    def obtenir(self, document_id: str) -> DocumentMeta | None:
        connexion = self._uow.connexion()
        rangee = connexion.execute(
            sa.select(t.documents).where(t.documents.c.id == document_id)
        ).first()
        return None if rangee is None else document_depuis_ligne(rangee._mapping)  # noqa: SLF001

    def connus(self, document_ids: Collection[str]) -> frozenset[str]:
        if not document_ids:
            return frozenset()
        requete = sa.select(t.documents.c.id).where(t.documents.c.id.in_(list(document_ids)))
        return frozenset(self._uow.connexion().execute(requete).scalars())


class _Outbox(_Depot):
    def ajouter(self, message: MessageSortant) -> None:
        ligne = message_vers_ligne(message)
        self._uow.executer_isole(lambda c: c.execute(sa.insert(t.outbox), [dict(ligne)]))


class _Quarantaine(_Depot):
    def ajouter(self, rejet: EnregistrementRejete) -> None:
        self._uow.connexion_ecriture().execute(
            sa.insert(t.quarantaine_flux), [dict(rejet_vers_ligne(rejet))]
        )

    def nombre_en_attente(self) -> int:
        q = t.quarantaine_flux
        nombre = self._uow.connexion().scalar(
            sa.select(sa.func.count()).select_from(q).where(q.c.regle_le.is_(None))
        )
        return int(nombre or 0)

    def lister(self) -> Sequence[EnregistrementRejete]:
        q = t.quarantaine_flux
        rangees = self._uow.connexion().execute(sa.select(q).order_by(q.c.rang))
        return tuple(rejet_depuis_ligne(r._mapping) for r in rangees)  # noqa: SLF001

    def contient(self, cle: str, brut: str) -> bool:
        q = t.quarantaine_flux
        return bool(
            self._uow.connexion().scalar(
                sa.select(
                    sa.exists().where(q.c.cle == cle, q.c.brut == brut, q.c.regle_le.is_(None))
                )
            )
        )

    def en_attente(self, cles: Collection[str]) -> frozenset[tuple[str, str]]:
        voulues = sorted(set(cles))
        if not voulues:
            return frozenset()
        q = t.quarantaine_flux
        requete = sa.select(q.c.cle, q.c.brut).where(q.c.cle.in_(voulues), q.c.regle_le.is_(None))
        return frozenset((r.cle, r.brut) for r in self._uow.connexion().execute(requete))

    def regler(self, cle: str, brut: str, quand: dt.datetime, auteur: str) -> None:
        q = t.quarantaine_flux
        self._uow.connexion_ecriture().execute(
            sa.update(q)
            .where(q.c.cle == cle, q.c.brut == brut, q.c.regle_le.is_(None))
            .values(regle_le=quand, ecarte_par=auteur)  # the column names who settled it
        )

    def ecarter(self, cle: str, brut: str, quand: dt.datetime, auteur: str, motif: str) -> None:
        q = t.quarantaine_flux
        self._uow.connexion_ecriture().execute(
            sa.update(q)
            .where(q.c.cle == cle, q.c.brut == brut, q.c.regle_le.is_(None))
            .values(regle_le=quand, ecarte_par=auteur, motif_ecart=motif)
        )

    def noter_passage(self, passage: PassageFlux) -> None:
        self._uow.connexion_ecriture().execute(
            sa.insert(t.passages_flux), [attrs.asdict(passage, recurse=False)]
        )

    def derniers_passages(self, nombre: int) -> Sequence[PassageFlux]:
        p = t.passages_flux
        requete = sa.select(p).order_by(p.c.rang.desc()).limit(max(nombre, 0))
        return tuple(
            PassageFlux(**{k: v for k, v in r._mapping.items() if k != "rang"})  # noqa: SLF001
            for r in self._uow.connexion().execute(requete)
        )

    def curseur(self, source: str) -> str | None:
        c = t.curseurs_flux
        valeur: str | None = self._uow.connexion().scalar(
            sa.select(c.c.curseur).where(c.c.source == source)
        )
        return valeur

    def avancer(self, source: str, curseur: str) -> None:
        c = t.curseurs_flux
        connexion = self._uow.connexion_ecriture()
        modifiees = connexion.execute(
            sa.update(c).where(c.c.source == source).values(curseur=curseur)
        ).rowcount
        if not modifiees:
            connexion.execute(sa.insert(c).values(source=source, curseur=curseur))
