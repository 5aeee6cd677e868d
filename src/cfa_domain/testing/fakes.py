"""In-memory fakes of every port: faithful, not mocks.

They pass the same contract suite (``tests/contract``) as the real adapters, so a test
written against them says something true about the product:

- :class:`MemoireUnitOfWork` is transactional. Entering it takes a snapshot (a deep copy)
  of the committed state; repositories work on that copy; :meth:`~MemoireUnitOfWork.commit`
  publishes it; leaving without a commit throws it away. Units of work are serialised by
  one lock (as SQLite serialises writers), so concurrent use cases behave as if each ran
  alone, which is what the row locks of the SQL adapter guarantee for one file.
  A read-only unit (``uow(lecture_seule=True)``) takes no lock: it copies the committed
  state as it is, refuses ``ajouter`` and a commit that would change anything
  (``EcritureEnLectureSeule``), as the SQL adapter does.
- Uniqueness rules raise the :class:`~cfa_domain.errors.Conflit` the SQL adapter raises
  for the same unique constraint (``OrganismeExistant``, ``EmailDejaUtilise``,
  ``DossierExistant``, ``DemandeDejaEnvoyee``, ``DocumentExistant``,
  ``DelegationExistante``; a request's rank on its file taken twice is a
  ``ModificationConcurrente``).
- Queries sort and page exactly as the SQL adapter does.

Build a whole set with :func:`memoire`::

    deps = memoire()
    with deps.uow() as uow:
        ...
"""

from __future__ import annotations

import collections
import copy
import datetime as dt
import hashlib
import hmac
import random
import re
import threading
import uuid
from typing import TYPE_CHECKING, Any, Self, TypeVar

import attrs

from cfa_domain.action import Action, EtatDossier, cle_tri_numero_action
from cfa_domain.cle_api import CleApi
from cfa_domain.compte import Compte, StatutCompte, TypeJeton
from cfa_domain.errors import (
    Agregat,
    DelegationExistante,
    DemandeDejaEnvoyee,
    DocumentExistant,
    DossierExistant,
    EmailDejaUtilise,
    Introuvable,
    ModificationConcurrente,
    OrganismeExistant,
)
from cfa_domain.organisme import Delegation, Organisme, StatutDelegation, StatutOrganisme
from cfa_domain.ports import (
    ETATS_SANS_REPONSE,
    ORDRE_ETATS,
    TRI_PAR_DEFAUT,
    ColonneTri,
    CriteresDemandes,
    CriteresDossiers,
    CriteresRecherche,
    DepotActions,
    DepotClesApi,
    DepotComptes,
    DepotDelegations,
    DepotDemandes,
    DepotDocuments,
    DepotOrganismes,
    DocumentMeta,
    DossierFlux,
    EcritureEnLectureSeule,
    EnregistrementIllisible,
    EnregistrementRejete,
    ExamenPdf,
    Horloge,
    JournalQuarantaine,
    MessageSortant,
    MontantsPeriode,
    Outbox,
    Page,
    PassageFlux,
    ResumeAction,
    Tri,
    TriDossiers,
)
from cfa_domain.remboursement import DemandeRemboursement, EtatDemande, MontantsDemandes
from cfa_domain.services.contexte import Contexte, Parametres
from cfa_domain.values import Categorie, Email, Montant, Piece, Siret, normaliser_recherche

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
    from types import TracebackType

    from cfa_domain.remboursement import Recepisse

__all__ = [
    "MOT_DE_PASSE_EXEMPLE",
    "HacheurMemoire",
    "HorlogeFixe",
    "JetonsDeterministes",
    "Memoire",
    "MemoireEntrepotDocuments",
    "MemoireRenduRecepisse",
    "MemoireSourceFlux",
    "MemoireUnitOfWork",
    "MemoireVerificateurPdf",
    "Stockage",
    "memoire",
]


T = TypeVar("T")


# --- Clock, secrets, hashing ---------------------------------------------------------


@attrs.define
class HorlogeFixe:
    """A clock that stands still until told to move."""

    instant: dt.datetime = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)

    def maintenant(self) -> dt.datetime:
        """Return the current fake instant."""
        return self.instant

    def avancer(self, duree: dt.timedelta) -> None:
        """Move the clock forward."""
        self.instant += duree


@attrs.define
class JetonsDeterministes:
    """Secrets and ids from a seeded generator: reproducible runs, distinct values."""

    graine: int = 0
    _alea: random.Random = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        """Seed the generator."""
        self._alea = random.Random(self.graine)  # noqa: S311 - reproducible test values, not secrets

    def jeton(self) -> str:
        """Return a new 43-character URL-safe token."""
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "".join(self._alea.choice(alphabet) for _ in range(43))

    def identifiant(self) -> uuid.UUID:
        """Return a new UUID (version 4 layout)."""
        return uuid.UUID(int=self._alea.getrandbits(128), version=4)


@attrs.frozen
class HacheurMemoire:
    """A fast, salted, NOT slow hasher for tests; ``cout`` mimics a parameter change.

    Hashes look like ``memoire$<cout>$<salt>$<hex>``; :meth:`doit_rehacher` is true for a
    hash made with another ``cout``, as argon2's check_needs_rehash is after a change of
    parameters.
    """

    cout: int = 1

    def hacher(self, mot_de_passe: str) -> str:
        """Hash with a salt derived from the password's own digest (stable for tests)."""
        sel = hashlib.sha256(mot_de_passe.encode()).hexdigest()[:8]
        return f"memoire${self.cout}${sel}${self._empreinte(sel, mot_de_passe)}"

    def verifier(self, hache: str, mot_de_passe: str) -> bool:
        """Check a password against a hash made by any ``cout``."""
        try:
            _, _, sel, empreinte = hache.split("$")
        except ValueError:
            return False
        return hmac.compare_digest(empreinte, self._empreinte(sel, mot_de_passe))

    def doit_rehacher(self, hache: str) -> bool:
        """True when the hash was made with another ``cout``."""
        return not hache.startswith(f"memoire${self.cout}$")

    @staticmethod
    def _empreinte(sel: str, mot_de_passe: str) -> str:
        return hashlib.sha256(f"{sel}:{mot_de_passe}".encode()).hexdigest()


# --- The store and its unit of work --------------------------------------------------


@attrs.define
class _Donnees:
    organismes: dict[str, Organisme] = attrs.Factory(dict)
    delegations: dict[uuid.UUID, Delegation] = attrs.Factory(dict)
    comptes: dict[uuid.UUID, Compte] = attrs.Factory(dict)
    cles_api: dict[uuid.UUID, CleApi] = attrs.Factory(dict)
    actions: dict[str, Action] = attrs.Factory(dict)
    demandes: dict[uuid.UUID, DemandeRemboursement] = attrs.Factory(dict)
    documents: dict[str, DocumentMeta] = attrs.Factory(dict)
    outbox: list[MessageSortant] = attrs.Factory(list)
    quarantaine: list[EnregistrementRejete] = attrs.Factory(list)
    curseurs: dict[str, str] = attrs.Factory(dict)
    passages: list[PassageFlux] = attrs.Factory(list)


@attrs.define
class Stockage:
    """The committed state shared by every :class:`MemoireUnitOfWork` built on it."""

    donnees: _Donnees = attrs.Factory(_Donnees)
    verrou: threading.RLock = attrs.Factory(threading.RLock)

    def uow(self, *, lecture_seule: bool = False) -> MemoireUnitOfWork:
        """Build a unit of work on this store (a :data:`~cfa_domain.ports.FabriqueUnitOfWork`)."""
        return MemoireUnitOfWork(self, lecture_seule=lecture_seule)

    @property
    def messages(self) -> Sequence[MessageSortant]:
        """Committed outbox messages, oldest first (what a relay would deliver)."""
        return tuple(self.donnees.outbox)


def _page(elements: list[T], page: int, taille: int) -> Page[T]:
    debut = (page - 1) * taille
    return Page(tuple(elements[debut : debut + taille]), len(elements), page, taille)


class _Depot:
    def __init__(self, uow: MemoireUnitOfWork) -> None:
        self._uow = uow

    @property
    def _d(self) -> _Donnees:
        return self._uow.travail()

    @property
    def _e(self) -> _Donnees:
        """The working copy, to write to (refused in a read-only unit of work)."""
        return self._uow.travail(ecriture=True)


class _Organismes(_Depot):
    def ajouter(self, organisme: Organisme) -> None:
        if organisme.siret.numero in self._d.organismes:
            raise OrganismeExistant(organisme.siret.numero)
        self._e.organismes[organisme.siret.numero] = organisme

    def obtenir(self, siret: Siret) -> Organisme | None:
        return self._d.organismes.get(siret.numero)

    def obtenir_plusieurs(self, sirets: Collection[Siret]) -> Mapping[Siret, Organisme]:
        organismes = self._d.organismes
        return {s: organismes[s.numero] for s in sirets if s.numero in organismes}

    def a_valider(self) -> Sequence[Organisme]:
        en_attente = [
            o for o in self._d.organismes.values() if o.statut is StatutOrganisme.A_VALIDER
        ]
        return sorted(en_attente, key=lambda o: (o.historique[0].quand, o.siret.numero))


class _Delegations(_Depot):
    def ajouter(self, delegation: Delegation) -> None:
        if delegation.id in self._d.delegations:
            raise DelegationExistante(delegation.id)
        self._e.delegations[delegation.id] = delegation

    def obtenir(self, delegation_id: uuid.UUID) -> Delegation | None:
        return self._d.delegations.get(delegation_id)

    def pour_organisme(self, siret: Siret) -> Sequence[Delegation]:
        trouvees = [
            d
            for d in self._d.delegations.values()
            if siret in (d.siret_delegant, d.siret_delegataire)
        ]
        return sorted(trouvees, key=lambda d: (d.demandee_le, str(d.id)))

    def delegants_actifs(self, siret_delegataire: Siret) -> frozenset[Siret]:
        return frozenset(
            d.siret_delegant
            for d in self._d.delegations.values()
            if d.siret_delegataire == siret_delegataire and d.statut is StatutDelegation.ACTIVE
        )

    def en_attente(self) -> Sequence[Delegation]:
        trouvees = [
            d for d in self._d.delegations.values() if d.statut is StatutDelegation.DEMANDEE
        ]
        return sorted(trouvees, key=lambda d: (d.demandee_le, str(d.id)))


class _Comptes(_Depot):
    def ajouter(self, compte: Compte) -> None:
        if self.par_email(compte.email) is not None:
            raise EmailDejaUtilise(str(compte.email))
        empreintes = {j.empreinte for j in compte.jetons}
        if any(j.empreinte in empreintes for c in self._d.comptes.values() for j in c.jetons):
            raise ModificationConcurrente  # the database's unique token fingerprint
        self._e.comptes[compte.id] = compte

    def obtenir(self, compte_id: uuid.UUID) -> Compte | None:
        return self._d.comptes.get(compte_id)

    def par_email(self, email: Email) -> Compte | None:
        return next((c for c in self._d.comptes.values() if c.email == email), None)

    def par_empreinte_jeton(self, empreinte: str) -> Compte | None:
        return next(
            (
                c
                for c in self._d.comptes.values()
                if any(j.empreinte == empreinte for j in c.jetons)
            ),
            None,
        )

    def pour_organisme(self, siret: Siret) -> Sequence[Compte]:
        comptes = [c for c in self._d.comptes.values() if c.siret_organisme == siret]
        return sorted(comptes, key=lambda c: (c.cree_le, str(c.id)))

    def a_approuver(self) -> Sequence[Compte]:
        en_attente = [
            c for c in self._d.comptes.values() if c.statut is StatutCompte.EN_ATTENTE_APPROBATION
        ]
        return sorted(en_attente, key=lambda c: (c.cree_le, str(c.id)))

    def supprimer(self, compte: Compte) -> None:
        del self._d.comptes[compte.id]


class _ClesApi(_Depot):
    def ajouter(self, cle: CleApi) -> None:
        if cle.id in self._d.cles_api:
            raise ModificationConcurrente  # the database's primary key
        self._e.cles_api[cle.id] = cle

    def obtenir(self, cle_id: uuid.UUID) -> CleApi | None:
        return self._d.cles_api.get(cle_id)

    def pour_organisme(self, siret: Siret) -> Sequence[CleApi]:
        cles = [c for c in self._d.cles_api.values() if c.siret_organisme == siret]
        return sorted(cles, key=lambda c: (c.cree_le, str(c.id)), reverse=True)


class _Actions(_Depot):
    def ajouter(self, action: Action) -> None:
        if action.numero_action in self._d.actions:
            raise DossierExistant(action.numero_action)
        self._e.actions[action.numero_action] = action

    def obtenir(self, numero_action: str) -> Action | None:
        return self._d.actions.get(numero_action)

    def obtenir_pour_mise_a_jour(self, numero_action: str) -> Action | None:
        # The unit of work already holds the store's lock: the file is locked until it ends.
        return self.obtenir(numero_action)

    def compter_par_etat(self) -> Mapping[EtatDossier, int]:
        return collections.Counter(a.etat for a in self._d.actions.values())

    def pour_mise_a_jour(self, numeros: Collection[str]) -> Mapping[str, Action]:
        actions = self._d.actions
        return {n: actions[n] for n in numeros if n in actions}

    def ajouter_plusieurs(self, actions: Sequence[Action]) -> None:
        vus: set[str] = set()
        for action in actions:
            numero = action.numero_action
            if numero in self._d.actions or numero in vus:
                raise DossierExistant(numero)
            vus.add(numero)
        for action in actions:
            self._e.actions[action.numero_action] = action

    def sans_reponse(self, deposes_avant: dt.date) -> Sequence[Action]:
        trouvees = [
            a
            for a in self._d.actions.values()
            if a.etat in ETATS_SANS_REPONSE and a.formation.date_depot < deposes_avant
        ]
        return sorted(trouvees, key=lambda a: (a.formation.date_depot, a.numero_action))

    def rechercher(
        self,
        criteres: CriteresRecherche,
        sirets_visibles: frozenset[Siret],
        *,
        page: int,
        taille: int,
        tri: Tri = TRI_PAR_DEFAUT,
    ) -> Page[ResumeAction]:
        trouvees = [
            a
            for a in self._d.actions.values()
            if a.siret_cfa in sirets_visibles and _correspond(a, criteres)
        ]
        return self._trier_page(trouvees, tri, page, taille)

    def rechercher_dossiers(
        self, criteres: CriteresDossiers, *, page: int, taille: int
    ) -> Page[ResumeAction]:
        trouvees = [
            a
            for a in self._d.actions.values()
            if _correspond(a, criteres.recherche) and _correspond_agent(a, criteres)
        ]
        if criteres.tri is TriDossiers.ANCIENNETE:
            trouvees.sort(key=lambda a: (a.formation.date_depot, *_cle_numero(a)))
            return self._page_montree(trouvees, page, taille, None)
        return self._trier_page(trouvees, TRI_PAR_DEFAUT, page, taille)

    def _trier_page(
        self, trouvees: list[Action], tri: Tri, page: int, taille: int
    ) -> Page[ResumeAction]:
        payees: dict[str, Montant] | None = None
        if tri.colonne is ColonneTri.TOTAL_REMBOURSE:
            payees = self._payees({a.numero_action for a in trouvees})
        cle = self._cle_tri(tri.colonne, payees)
        trouvees.sort(
            key=lambda a: (cle(a), cle_tri_numero_action(a.numero_action), a.numero_action),
            reverse=not tri.croissant,
        )
        return self._page_montree(trouvees, page, taille, payees)

    def _page_montree(
        self, trouvees: list[Action], page: int, taille: int, payees: dict[str, Montant] | None
    ) -> Page[ResumeAction]:
        debut = (page - 1) * taille
        montrees = trouvees[debut : debut + taille]
        if payees is None:  # totals of the rows shown only
            payees = self._payees({a.numero_action for a in montrees})
        lignes = tuple(
            ResumeAction(a, payees.get(a.numero_action, Montant.zero())) for a in montrees
        )
        return Page(lignes, len(trouvees), page, taille)

    def _payees(self, numeros: set[str]) -> dict[str, Montant]:
        """Total of the paid requests of each of these files (absent: nothing paid)."""
        payees: dict[str, Montant] = {}
        for demande in self._d.demandes.values():
            if demande.etat is EtatDemande.PAYEE and demande.numero_action in numeros:
                payees[demande.numero_action] = (
                    payees.get(demande.numero_action, Montant.zero()) + demande.total
                )
        return payees

    def _cle_tri(
        self, colonne: ColonneTri, payees: dict[str, Montant] | None
    ) -> Callable[[Action], Any]:
        """The value of the sorted column for a file (see ``ColonneTri``)."""
        cles: dict[ColonneTri, Callable[[Action], Any]] = {
            ColonneTri.NUMERO_ACTION: lambda _a: 0,
            ColonneTri.ETAT: lambda a: ORDRE_ETATS.index(a.etat),
            ColonneTri.CFA: self._nom_cfa,
            ColonneTri.NUMERO_ENREGISTREMENT: lambda a: (
                a.formation.numero_enregistrement.numero
                if a.formation.numero_enregistrement is not None
                else ""
            ),
            ColonneTri.BUDGET_TOTAL: lambda a: a.budget.total,
            ColonneTri.FRAIS_PEDAGOGIQUES: lambda a: a.budget.frais_pedagogiques,
            ColonneTri.FRAIS_ANNEXES: lambda a: a.budget.frais_annexes,
            ColonneTri.TOTAL_REMBOURSE: lambda a: (payees or {}).get(
                a.numero_action, Montant.zero()
            ),
        }
        return cles[colonne]

    def _nom_cfa(self, action: Action) -> str:
        organisme = self._d.organismes.get(action.siret_cfa.numero)
        return action.siret_cfa.numero if organisme is None else organisme.fiche.raison_sociale


def _cle_numero(action: Action) -> tuple[str, str]:
    return cle_tri_numero_action(action.numero_action), action.numero_action


def _correspond(action: Action, criteres: CriteresRecherche) -> bool:
    """The portal's filters (see :class:`CriteresRecherche`)."""
    apprenti = action.contrat.apprenti
    nom = criteres.nom_normalise
    if nom and not any(
        normaliser_recherche(n).startswith(nom) for n in (apprenti.nom, apprenti.prenom)
    ):
        return False
    if criteres.numero_action and not action.numero_action.startswith(criteres.numero_action):
        return False
    enregistrement = action.formation.numero_enregistrement
    return not criteres.numero_enregistrement or (
        enregistrement is not None and enregistrement.numero == criteres.numero_enregistrement
    )


def _dans(jour: dt.date, du: dt.date | None, au: dt.date | None) -> bool:
    return (du is None or du <= jour) and (au is None or jour <= au)


def _correspond_agent(action: Action, criteres: CriteresDossiers) -> bool:
    """The agents' filters beside the portal's (see :class:`CriteresDossiers`)."""
    signature = action.contrat.date_signature
    return (
        (criteres.etat is None or action.etat is criteres.etat)
        and (criteres.siret_cfa is None or action.siret_cfa == criteres.siret_cfa)
        and _dans(action.formation.date_depot, criteres.depot_du, criteres.depot_au)
        and _dans(
            action.contrat.periode.debut, criteres.debut_contrat_du, criteres.debut_contrat_au
        )
        and (criteres.signature_depuis is None or criteres.signature_depuis <= signature)
        and (criteres.signature_avant is None or signature < criteres.signature_avant)
    )


class _Demandes(_Depot):
    def ajouter(self, demande: DemandeRemboursement) -> None:
        if demande.cle_idempotence is not None and (
            self.par_cle_idempotence(demande.compte_id, demande.cle_idempotence) is not None
        ):
            raise DemandeDejaEnvoyee(demande.cle_idempotence)
        if any(
            (d.numero_action, d.rang) == (demande.numero_action, demande.rang)
            for d in self._d.demandes.values()
        ):
            raise ModificationConcurrente
        self._e.demandes[demande.id] = demande

    def obtenir(self, demande_id: uuid.UUID) -> DemandeRemboursement | None:
        return self._d.demandes.get(demande_id)

    def pour_action(self, numero_action: str) -> Sequence[DemandeRemboursement]:
        trouvees = [d for d in self._d.demandes.values() if d.numero_action == numero_action]
        return sorted(trouvees, key=lambda d: d.rang)

    def par_cle_idempotence(self, compte_id: uuid.UUID, cle: str) -> DemandeRemboursement | None:
        return next(
            (
                d
                for d in self._d.demandes.values()
                if d.compte_id == compte_id and d.cle_idempotence == cle
            ),
            None,
        )

    def pour_organismes(
        self,
        sirets: frozenset[Siret],
        *,
        page: int,
        taille: int,
        criteres: CriteresDemandes | None = None,
    ) -> Page[DemandeRemboursement]:
        criteres = criteres or CriteresDemandes()
        visibles = {numero for numero, a in self._d.actions.items() if a.siret_cfa in sirets}
        trouvees = [
            d
            for d in self._d.demandes.values()
            if d.numero_action in visibles
            and (criteres.etat is None or d.etat is criteres.etat)
            and d.numero_action.startswith(criteres.numero_action or "")
        ]
        trouvees.sort(key=lambda d: (d.soumise_le, str(d.id)), reverse=True)
        return _page(trouvees, page, taille)

    def par_etats(
        self, etats: frozenset[EtatDemande], *, page: int, taille: int
    ) -> Page[DemandeRemboursement]:
        trouvees = [d for d in self._d.demandes.values() if d.etat in etats]
        trouvees.sort(key=lambda d: (d.soumise_le, str(d.id)))
        return _page(trouvees, page, taille)

    def compter_par_etat(self) -> Mapping[EtatDemande, int]:
        return collections.Counter(d.etat for d in self._d.demandes.values())

    def montants_entre(self, debut: dt.datetime, fin: dt.datetime) -> MontantsPeriode:
        def entre_dans(demande: DemandeRemboursement, etat: EtatDemande) -> bool:
            return any(c.arrivee is etat and debut <= c.quand < fin for c in demande.historique)

        demandes = list(self._d.demandes.values())
        return MontantsPeriode(
            demande=Montant.somme(d.total for d in demandes if debut <= d.soumise_le < fin),
            valide=Montant.somme(d.total for d in demandes if entre_dans(d, EtatDemande.VALIDEE)),
            paye=Montant.somme(
                d.total if d.paiement is None else d.paiement.montant
                for d in demandes
                if entre_dans(d, EtatDemande.PAYEE)
            ),
        )


class _Documents(_Depot):
    def ajouter(self, document: DocumentMeta) -> None:
        if document.id in self._d.documents:
            raise DocumentExistant(document.id)
        self._e.documents[document.id] = document

    def connus(self, document_ids: Collection[str]) -> frozenset[str]:
        return frozenset(document_ids) & self._d.documents.keys()

    def obtenir(self, document_id: str) -> DocumentMeta | None:
        return self._d.documents.get(document_id)


class _Outbox(_Depot):
    def ajouter(self, message: MessageSortant) -> None:
        self._e.outbox.append(message)


class _Quarantaine(_Depot):
    def ajouter(self, rejet: EnregistrementRejete) -> None:
        self._e.quarantaine.append(rejet)

    def lister(self) -> Sequence[EnregistrementRejete]:
        return tuple(self._d.quarantaine)

    def contient(self, cle: str, brut: str) -> bool:
        return any(
            r.cle == cle and r.brut == brut and r.regle_le is None for r in self._d.quarantaine
        )

    def nombre_en_attente(self) -> int:
        return sum(1 for r in self._d.quarantaine if r.regle_le is None)

    def en_attente(self, cles: Collection[str]) -> frozenset[tuple[str, str]]:
        cherchees = set(cles)
        return frozenset(
            (r.cle, r.brut)
            for r in self._d.quarantaine
            if r.cle in cherchees and r.regle_le is None
        )

    def regler(self, cle: str, brut: str, quand: dt.datetime, auteur: str) -> None:
        rejets = self._e.quarantaine
        for rang, rejet in enumerate(rejets):
            if rejet.cle == cle and rejet.brut == brut and rejet.regle_le is None:
                rejets[rang] = attrs.evolve(rejet, regle_le=quand, regle_par=auteur)

    def ecarter(self, cle: str, brut: str, quand: dt.datetime, auteur: str, motif: str) -> None:
        rejets = self._e.quarantaine
        for rang, rejet in enumerate(rejets):
            if rejet.cle == cle and rejet.brut == brut and rejet.regle_le is None:
                rejets[rang] = attrs.evolve(
                    rejet, regle_le=quand, regle_par=auteur, motif_ecart=motif
                )

    def noter_passage(self, passage: PassageFlux) -> None:
        self._e.passages.append(passage)

    def derniers_passages(self, nombre: int) -> Sequence[PassageFlux]:
        return tuple(reversed(self._d.passages[-nombre:])) if nombre > 0 else ()

    def curseur(self, source: str) -> str | None:
        return self._d.curseurs.get(source)

    def avancer(self, source: str, curseur: str) -> None:
        self._e.curseurs[source] = curseur


def _valeur(objet: object) -> object:
    """A hashable value equal for two deep copies of ``objet`` (entities compare by identity)."""
    classe = type(objet)
    if attrs.has(classe):
        return (classe, tuple(_valeur(getattr(objet, a.name)) for a in attrs.fields(classe)))
    if isinstance(objet, dict):
        return frozenset((cle, _valeur(v)) for cle, v in objet.items())
    if isinstance(objet, set | frozenset):
        return frozenset(_valeur(v) for v in objet)
    if isinstance(objet, list | tuple):
        return tuple(_valeur(v) for v in objet)
    return objet


class MemoireUnitOfWork:
    """A transactional unit of work over a :class:`Stockage`."""

    def __init__(self, stockage: Stockage, *, lecture_seule: bool = False) -> None:
        """Bind to a store; nothing happens before ``with``."""
        self._stockage = stockage
        self._lecture_seule = lecture_seule
        self._travail: _Donnees | None = None
        self._depart: _Donnees | None = None
        # Typed as the ports: a protocol's attributes are invariant, so a fake typed with
        # its private classes would not be a UnitOfWork for mypy.
        self.organismes: DepotOrganismes = _Organismes(self)
        self.delegations: DepotDelegations = _Delegations(self)
        self.comptes: DepotComptes = _Comptes(self)
        self.cles_api: DepotClesApi = _ClesApi(self)
        self.actions: DepotActions = _Actions(self)
        self.demandes: DepotDemandes = _Demandes(self)
        self.documents: DepotDocuments = _Documents(self)
        self.outbox: Outbox = _Outbox(self)
        self.quarantaine: JournalQuarantaine = _Quarantaine(self)

    def travail(self, *, ecriture: bool = False) -> _Donnees:
        """The working copy (only inside ``with``; to write to, only if not read-only)."""
        if self._travail is None:
            msg = "Un dépôt n'est utilisable qu'à l'intérieur d'un bloc « with uow: »."
            raise RuntimeError(msg)
        if ecriture and self._lecture_seule:
            raise EcritureEnLectureSeule
        return self._travail

    def __enter__(self) -> Self:
        """Lock the store (unless read-only) and take a snapshot of it.

        A read-only unit does not wait for writers: committed data is never changed in
        place (a commit publishes a new copy), so it copies the current one as it is.
        """
        if not self._lecture_seule:
            self._stockage.verrou.acquire()
        self._depart = self._stockage.donnees
        self._travail = copy.deepcopy(self._depart)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Drop what was not committed and release the lock."""
        self._travail = self._depart = None
        if not self._lecture_seule:
            self._stockage.verrou.release()

    def commit(self) -> None:
        """Publish a copy of the working copy; the unit of work goes on with its objects.

        The aggregates loaded so far stay tracked: changing one after the commit is
        published only by the next commit, as with the SQL unit of work. A read-only
        unit publishes nothing, and refuses to commit a change to what it loaded.
        """
        travail = self.travail()
        if self._lecture_seule:
            if self._depart is None or _valeur(travail) != _valeur(self._depart):
                raise EcritureEnLectureSeule
            return
        self._stockage.donnees = copy.deepcopy(travail)

    def rollback(self) -> None:
        """Start again from the committed state."""
        self.travail()
        self._depart = self._stockage.donnees
        self._travail = copy.deepcopy(self._depart)


# --- Outside the transaction ---------------------------------------------------------


@attrs.define
class MemoireEntrepotDocuments:
    """Document bytes in a dict, under generated ids.

    Each deposit is dated by ``horloge`` (the system clock when None), for the sweep.
    """

    contenus: dict[str, bytes] = attrs.Factory(dict)
    _compteur: int = 0
    horloge: Horloge | None = None
    deposes_le: dict[str, dt.datetime] = attrs.Factory(dict)

    def deposer(self, contenu: bytes) -> str:
        """Store the bytes under a new id."""
        self._compteur += 1
        document_id = f"doc-{self._compteur:06d}-{hashlib.sha256(contenu).hexdigest()[:12]}"
        self.contenus[document_id] = bytes(contenu)
        self.deposes_le[document_id] = (
            self.horloge.maintenant() if self.horloge is not None else dt.datetime.now(dt.UTC)
        )
        return document_id

    def deposes_avant(self, instant: dt.datetime) -> Iterator[str]:
        """Yield the ids stored before ``instant`` (a snapshot: deleting meanwhile is fine)."""
        yield from [d for d in self.contenus if self.deposes_le[d] < instant]

    def lire(self, document_id: str) -> bytes:
        """Return the bytes, or raise ``Introuvable``."""
        try:
            return self.contenus[document_id]
        except KeyError:
            raise Introuvable(Agregat.DOCUMENT, document_id) from None

    def supprimer(self, document_id: str) -> None:
        """Forget the bytes (no error when already gone)."""
        self.contenus.pop(document_id, None)
        self.deposes_le.pop(document_id, None)


def _texte_francais(valeur: object) -> str:
    """A receipt field as the French text a reader expects (dates ``21/08/2020``)."""
    if isinstance(valeur, dt.date):
        return f"{valeur:%d/%m/%Y}"
    if isinstance(valeur, tuple):
        return ", ".join(_texte_francais(element) for element in valeur)
    if isinstance(valeur, Piece):
        return valeur.libelle
    if isinstance(valeur, MontantsDemandes):
        return ", ".join(
            f"{categorie.libelle} {valeur.pour(categorie)}"
            for categorie in Categorie
            if valeur.pour(categorie)
        )
    return str(valeur)


_PAGE_PDF = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


class MemoireVerificateurPdf:
    """Examines PDF bytes by their structure, without a parser.

    Readable: the ``%PDF-`` signature, a ``startxref`` and a ``%%EOF`` in the last
    kilobyte; encrypted: an ``/Encrypt`` entry; pages: the ``/Type /Page`` objects. Right
    for the uncompressed object dictionaries that fpdf2 and most tools write; the real
    adapter parses.
    """

    def examiner(self, contenu: bytes) -> ExamenPdf:
        """Report what the bytes' structure shows."""
        if not (
            contenu.startswith(b"%PDF-") and b"startxref" in contenu and b"%%EOF" in contenu[-1024:]
        ):
            return ExamenPdf(lisible=False)
        if b"/Encrypt" in contenu:
            return ExamenPdf(lisible=True, chiffre=True)
        return ExamenPdf(lisible=True, pages=len(_PAGE_PDF.findall(contenu)))


class MemoireRenduRecepisse:
    """Renders a receipt as UTF-8 text, one ``field: value`` line per field, in French.

    Amounts read ``26 247,00 €``, dates ``21/08/2020``, periods ``du … au …``, documents
    by their label; the same receipt gives the same bytes.
    """

    def rendre(self, recepisse: Recepisse) -> bytes:
        """Return the receipt's fields as text."""
        lignes = [
            f"{champ.name}: {_texte_francais(getattr(recepisse, champ.name))}"
            for champ in attrs.fields(type(recepisse))
        ]
        return "\n".join(lignes).encode()


@attrs.define
class MemoireSourceFlux:
    """A feed whose records are given as a list; the cursor is the record's rank."""

    enregistrements: list[DossierFlux | EnregistrementIllisible] = attrs.Factory(list)
    nom: str = "memoire"

    def lire(
        self, depuis: str | None
    ) -> Iterator[tuple[str, DossierFlux | EnregistrementIllisible]]:
        """Yield the records after ``depuis``."""
        debut = int(depuis) if depuis is not None else 0
        for rang, enregistrement in enumerate(self.enregistrements[debut:], start=debut + 1):
            yield str(rang), enregistrement


# --- Everything wired ------------------------------------------------------------------


MOT_DE_PASSE_EXEMPLE = "Exemple-de-mot-de-passe-2025"
"""The password of the accounts that :class:`Memoire`'s helpers open."""


@attrs.frozen
class Memoire:
    """A whole in-memory deployment: the fakes and the :class:`Contexte` built on them.

    Its helpers set up the world of a test in one line each (they write straight through a
    unit of work, as an OPCO's back office would, without going through the use cases)::

        m = memoire()
        m.enregistrer(exemples.organisme(SIRET), exemples.action(siret_cfa=SIRET))
        compte_id = m.compte_cfa(SIRET, "compta@cfa.fr")
    """

    stockage: Stockage
    horloge: HorlogeFixe
    jetons: JetonsDeterministes
    hacheur: HacheurMemoire
    documents: MemoireEntrepotDocuments
    rendu: MemoireRenduRecepisse
    contexte: Contexte

    def enregistrer(self, *agregats: Organisme | Action | Compte | Delegation) -> None:
        """Store new organismes, files, accounts or delegations in one unit of work."""
        with self.contexte.uow() as uow:
            for agregat in agregats:
                if isinstance(agregat, Organisme):
                    uow.organismes.ajouter(agregat)
                elif isinstance(agregat, Action):
                    uow.actions.ajouter(agregat)
                elif isinstance(agregat, Compte):
                    uow.comptes.ajouter(agregat)
                else:
                    uow.delegations.ajouter(agregat)
            uow.commit()

    def compte_cfa(
        self, siret: Siret, email: str, mot_de_passe: str = MOT_DE_PASSE_EXEMPLE
    ) -> uuid.UUID:
        """Open and activate an account of a stored organisme; return its id.

        The organisme's first account must use an address it has on file; later ones are
        opened as invited by the first (the opening rule of ``Compte.ouvrir``).
        """
        quand = self.horloge.maintenant()
        with self.contexte.uow() as uow:
            organisme = uow.organismes.obtenir(siret)
            if organisme is None:
                raise Introuvable(Agregat.ORGANISME, siret)
            compte = Compte.ouvrir(
                id=self.jetons.identifiant(),
                email=Email(email),
                organisme=organisme,
                mot_de_passe=mot_de_passe,
                quand=quand,
                hasher=self.hacheur,
                invite_par=next(iter(uow.comptes.pour_organisme(siret)), None),
            )
            secret = self.jetons.jeton()
            compte.emettre_jeton(TypeJeton.ACTIVATION, secret, quand)
            compte.activer(secret, quand)
            uow.comptes.ajouter(compte)
            uow.commit()
        return compte.id

    def agent(
        self, email: str = "conseiller@opco.example", mot_de_passe: str = MOT_DE_PASSE_EXEMPLE
    ) -> uuid.UUID:
        """Open an OPCO agent's account (active at once); return its id."""
        agent = Compte.ouvrir_agent(
            id=self.jetons.identifiant(),
            email=Email(email),
            mot_de_passe=mot_de_passe,
            quand=self.horloge.maintenant(),
            hasher=self.hacheur,
            auteur="administrateur",
        )
        self.enregistrer(agent)
        return agent.id

    def deleguer(self, delegant: Siret, delegataire: Siret, *, approuver: bool = True) -> uuid.UUID:
        """Store a delegation of ``delegant``'s files to ``delegataire``; return its id.

        Approved (active) by default; ``approuver=False`` leaves it awaiting the delegant.
        """
        quand = self.horloge.maintenant()
        delegation = Delegation.demander(
            id=self.jetons.identifiant(),
            siret_delegant=delegant,
            siret_delegataire=delegataire,
            nom_etablissement="Établissement délégant",
            demandee_par=self.jetons.identifiant(),
            quand=quand,
        )
        if approuver:
            delegation.approuver("conseiller@opco.example", quand)
        self.enregistrer(delegation)
        return delegation.id


def memoire(parametres: Parametres | None = None, *, graine: int = 0) -> Memoire:
    """Build an in-memory deployment (empty store, clock at ``exemples.INSTANT``)."""
    stockage = Stockage()
    horloge = HorlogeFixe()
    jetons = JetonsDeterministes(graine)
    hacheur = HacheurMemoire()
    documents = MemoireEntrepotDocuments(horloge=horloge)
    rendu = MemoireRenduRecepisse()
    contexte = Contexte(
        uow=stockage.uow,
        horloge=horloge,
        jetons=jetons,
        hacheur=hacheur,
        documents=documents,
        rendu_recepisse=rendu,
        parametres=parametres or Parametres(),
    )
    return Memoire(stockage, horloge, jetons, hacheur, documents, rendu, contexte)
