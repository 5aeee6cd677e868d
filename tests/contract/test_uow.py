"""Contract of the UnitOfWork: commit, rollback, atomicity, on every backend.

Atomicity is pinned twice: by a use case written out here (every kind of write, then a
failure), and through the real use case ``soumettre_demande`` on a unit of work that
fails at a chosen point (:class:`UowEnPanne`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Self

import attrs
import pytest
import sqlalchemy as sa

from cfa_adapters.sql import tables
from cfa_adapters.sql.uow import SqlUnitOfWork
from cfa_domain.action import EtatDossier
from cfa_domain.errors import ModificationConcurrente, OrganismeExistant
from cfa_domain.ports import DepotDocuments, Outbox
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.services import demandes
from cfa_domain.services.demandes import CommandeDemande
from cfa_domain.testing.exemples import document, message, soumettre
from cfa_domain.values import Montant, Periode, Piece

from .conftest import BASES_SQL
from .constructeurs import SIRET_A, compte_actif, instant, organisme, pdf
from .constructeurs import action as dossier

if TYPE_CHECKING:
    import uuid
    from types import TracebackType

    from cfa_domain.ports import (
        DepotActions,
        DepotClesApi,
        DepotComptes,
        DepotDelegations,
        DepotDemandes,
        DepotOrganismes,
        DocumentMeta,
        JournalQuarantaine,
        MessageSortant,
        UnitOfWork,
    )

    from .conftest import Banc, Deploiement


class PanneInjectee(Exception):
    """Stands for any failure in the middle of a use case."""


def _avec_dossier(banc: Banc) -> None:
    with banc.uow() as uow:
        uow.actions.ajouter(dossier("1000"))
        uow.commit()


def test_sans_commit_rien_n_est_ecrit(banc: Banc) -> None:
    """Leaving the block without commit writes nothing."""
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
    with banc.uow() as uow:
        assert uow.organismes.obtenir(SIRET_A) is None


def _cas_d_usage_en_panne(banc: Banc) -> None:
    """A use case writing everything it writes, then failing before its commit."""
    with banc.uow() as uow:
        action = uow.actions.obtenir_pour_mise_a_jour("1000")
        assert action is not None
        demande = soumettre(action, [], Montant(100))
        uow.demandes.ajouter(demande)
        action.rompre(instant(0).date(), auteur="conseiller", quand=instant(1), motif="démission")
        uow.documents.ajouter(document())
        uow.outbox.ajouter(message())
        assert uow.demandes.pour_action("1000") == [demande]
        raise PanneInjectee


def test_une_panne_a_mi_chemin_ne_laisse_rien(banc: Banc) -> None:
    """A failure half-way leaves nothing: no change, history, request, mail or document."""
    _avec_dossier(banc)
    with pytest.raises(PanneInjectee):
        _cas_d_usage_en_panne(banc)
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        assert action.etat is EtatDossier.EN_COURS
        assert len(action.historique) == 3
        assert uow.demandes.pour_action("1000") == []
        assert uow.documents.obtenir(document().id) is None
    assert list(banc.messages()) == []


def test_tout_ou_rien_au_commit(banc: Banc) -> None:
    """The same use case committed writes the change, its history, the mail and the document."""
    _avec_dossier(banc)
    with banc.uow() as uow:
        action = uow.actions.obtenir_pour_mise_a_jour("1000")
        assert action is not None
        uow.demandes.ajouter(soumettre(action, [], Montant(100)))
        action.rompre(instant(0).date(), auteur="conseiller", quand=instant(1), motif="démission")
        uow.documents.ajouter(document())
        envoi = message()
        uow.outbox.ajouter(envoi)
        uow.commit()
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        assert action.etat is EtatDossier.ROMPU
        assert len(uow.demandes.pour_action("1000")) == 1
        assert uow.documents.obtenir(document().id) is not None
    assert list(banc.messages()) == [envoi]


def test_rollback_explicite_puis_suite(banc: Banc) -> None:
    """rollback() discards the changes so far; the unit of work can go on and commit."""
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.rollback()
        assert uow.organismes.obtenir(SIRET_A) is None
        uow.actions.ajouter(dossier("1000"))
        uow.commit()
    with banc.uow() as uow:
        assert uow.organismes.obtenir(SIRET_A) is None
        assert uow.actions.obtenir("1000") is not None


def test_apres_commit_les_agregats_restent_suivis(banc: Banc) -> None:
    """After a commit, a further change to a loaded aggregate needs a second commit."""
    _avec_dossier(banc)
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        action.rompre(instant(0).date(), auteur="conseiller", quand=instant(1), motif="démission")
        uow.commit()
        action.changer_etat(EtatDossier.SOLDE, auteur="conseiller", quand=instant(2))
        with banc.uow() as autre:
            vue = autre.actions.obtenir("1000")
            assert vue is not None
            assert vue.etat is EtatDossier.ROMPU
        uow.commit()
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        assert action.etat is EtatDossier.SOLDE
        assert len(action.historique) == 5


def test_depot_hors_du_bloc(banc: Banc) -> None:
    """A repository used outside ``with`` refuses to work."""
    uow = banc.uow()
    with pytest.raises(RuntimeError, match="with uow"):
        uow.organismes.obtenir(SIRET_A)


# --- Atomicity through a use case ------------------------------------------------------


@attrs.frozen
class _DocumentsEnPanne:
    """Records the metadata of a document, then fails."""

    reel: DepotDocuments
    panne: Callable[[], None]

    def ajouter(self, document: DocumentMeta) -> None:
        self.reel.ajouter(document)
        self.panne()

    def obtenir(self, document_id: str) -> DocumentMeta | None:
        return self.reel.obtenir(document_id)

    def connus(self, document_ids: Collection[str]) -> frozenset[str]:
        return self.reel.connus(document_ids)


@attrs.frozen
class _OutboxEnPanne:
    """Queues a mail, then fails."""

    reel: Outbox
    panne: Callable[[], None]

    def ajouter(self, message: MessageSortant) -> None:
        self.reel.ajouter(message)
        self.panne()


class UowEnPanne:
    """A real unit of work failing at ``point``: the first document, the mail or the commit.

    ``accuse``: the commit happens, then its answer is lost (the connection broke after
    the server committed).

    When it fails it notes which requests of the file its transaction saw, to prove the
    failure came after the use case had written them.
    """

    def __init__(self, reel: UnitOfWork, point: str, numero_action: str) -> None:
        """Wrap ``reel``."""
        self._reel, self._point, self._numero = reel, point, numero_action
        self.vues: list[uuid.UUID] = []

    def _panne(self) -> None:
        self.vues = [d.id for d in self._reel.demandes.pour_action(self._numero)]
        raise PanneInjectee

    @property
    def organismes(self) -> DepotOrganismes:
        """The real repository."""
        return self._reel.organismes

    @property
    def delegations(self) -> DepotDelegations:
        """The real repository."""
        return self._reel.delegations

    @property
    def comptes(self) -> DepotComptes:
        """The real repository."""
        return self._reel.comptes

    @property
    def cles_api(self) -> DepotClesApi:
        """The real repository."""
        return self._reel.cles_api

    @property
    def actions(self) -> DepotActions:
        """The real repository."""
        return self._reel.actions

    @property
    def demandes(self) -> DepotDemandes:
        """The real repository."""
        return self._reel.demandes

    @property
    def documents(self) -> DepotDocuments:
        """The real repository, failing after its first write if that is the point."""
        if self._point == "documents":
            return _DocumentsEnPanne(self._reel.documents, self._panne)
        return self._reel.documents

    @property
    def outbox(self) -> Outbox:
        """The real outbox, failing after its first message if that is the point."""
        if self._point == "outbox":
            return _OutboxEnPanne(self._reel.outbox, self._panne)
        return self._reel.outbox

    @property
    def quarantaine(self) -> JournalQuarantaine:
        """The real journal."""
        return self._reel.quarantaine

    def __enter__(self) -> Self:
        """Begin the real transaction."""
        self._reel.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """End the real transaction (rolling back what was not committed)."""
        self._reel.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        """Fail instead of committing, or after committing, if that is the point."""
        if self._point == "commit":
            self._panne()
        self._reel.commit()
        if self._point == "accuse":
            self._panne()

    def rollback(self) -> None:
        """Roll the real transaction back."""
        self._reel.rollback()


def _lignes(banc: Banc) -> dict[str, int] | None:
    """Rows per table of a SQL backend (None in memory)."""
    if banc.moteur is None:
        return None
    with banc.moteur.connect() as connexion:
        return {
            table.name: connexion.execute(
                sa.select(sa.func.count()).select_from(table)
            ).scalar_one()
            for table in tables.metadata.sorted_tables
        }


@pytest.mark.parametrize("point", ["documents", "outbox", "commit"])
def test_une_panne_dans_soumettre_demande_ne_laisse_rien(
    deploiement: Deploiement, point: str
) -> None:
    """A submission failing half-way writes nothing, deletes its bytes, and can be sent again."""
    banc = deploiement.banc
    compte = compte_actif()
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(compte)
        uow.actions.ajouter(dossier("1000"))
        uow.commit()
    avant = _lignes(banc)
    uows: list[UowEnPanne] = []

    def en_panne(*, lecture_seule: bool = False) -> UnitOfWork:
        if lecture_seule:
            return banc.uow(lecture_seule=True)
        uows.append(UowEnPanne(banc.uow(), point, "1000"))
        return uows[-1]

    commande = CommandeDemande(
        numero_action="1000",
        periode=Periode(dt.date(2024, 9, 2), dt.date(2025, 2, 28)),
        montants=MontantsDemandes(frais_pedagogiques=Montant(1000)),
        fichiers=(
            (Piece.FACTURE, "facture.pdf", pdf("facture")),
            (Piece.CERTIFICAT_REALISATION, "certificat.pdf", pdf("certificat")),
        ),
        conditions_acceptees=True,
        cle_idempotence="formulaire-1",
    )
    with pytest.raises(PanneInjectee):
        demandes.soumettre_demande(
            attrs.evolve(deploiement.contexte, uow=en_panne), compte.id, commande
        )
    # (the cleanup asks which documents a committed row holds in a read-only unit)
    (tentative,) = uows
    assert len(tentative.vues) == 1
    deposes = list(deploiement.documents.deposes)
    assert len(deposes) == 2
    assert deploiement.documents.contenus == {}
    with banc.uow() as uow:
        assert uow.demandes.pour_action("1000") == []
        assert uow.demandes.obtenir(tentative.vues[0]) is None
        assert uow.demandes.par_cle_idempotence(compte.id, "formulaire-1") is None
        assert [uow.documents.obtenir(d) for d in deposes] == [None, None]
        action = uow.actions.obtenir("1000")
        assert action is not None
        assert len(action.historique) == 3
    assert list(deploiement.messages()) == []
    assert _lignes(banc) == avant

    recu = demandes.soumettre_demande(deploiement.contexte, compte.id, commande)
    assert recu.reference_opco == "1000-01"
    assert [m.modele for m in deploiement.messages()] == ["recepisse_demande"]
    assert len(deploiement.documents.contenus) == 2


@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)  # constraints are the base's
def test_une_violation_sur_un_historique_n_est_pas_un_doublon(banc: Banc) -> None:
    """A unique violation on a history table is a concurrent change, not "already exists".

    The SQL adapter names a duplicate by its constraint or, on SQLite, its ``table.column``:
    ``historique_organismes.siret`` must not pass for ``organismes.siret``.
    """
    assert banc.moteur is not None
    connu = organisme()
    with banc.uow() as uow:
        uow.organismes.ajouter(connu)
        uow.commit()
    with banc.uow() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        historique = tables.historique_organismes
        ligne = uow.connexion().execute(sa.select(historique)).mappings().first()
        assert ligne is not None
        with pytest.raises(ModificationConcurrente):
            uow.executer_isole(lambda c: c.execute(sa.insert(historique), [dict(ligne)]), connu)
        with pytest.raises(OrganismeExistant):
            uow.organismes.ajouter(organisme())
