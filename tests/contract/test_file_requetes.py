"""The back office's queue of requests reads a deep page from its index, on SQL backends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cfa_adapters.sql import tables
from cfa_adapters.sql.uow import fabrique_uow
from cfa_domain.remboursement import EtatDemande
from cfa_domain.services.demandes import ETATS_A_TRAITER
from cfa_domain.testing.exemples import soumettre
from cfa_domain.values import Montant

from .conftest import BASES_SQL
from .constructeurs import SIRET_A, action, instant
from .plans import plans_des_selects

if TYPE_CHECKING:
    import sqlalchemy as sa

    from cfa_domain.remboursement import DemandeRemboursement

    from .conftest import Banc


def test_le_predicat_de_l_index_est_celui_de_la_file() -> None:
    """The partial index holds exactly the states the core's queue lists."""
    assert tuple(sorted(e.value for e in ETATS_A_TRAITER)) == tables.ETATS_FILE_ATTENTE


def _plans(moteur: sa.Engine, etats: frozenset[EtatDemande], page: int) -> list[str]:
    """The plan of each SELECT of one page of the queue (sequential scans off on PostgreSQL)."""

    def lancer() -> None:
        with fabrique_uow(moteur)() as uow:
            resultat = uow.demandes.par_etats(etats, page=page, taille=10)
            assert len(resultat.elements) == 10  # a full page

    def preparer(connexion: sa.Connection) -> None:
        # On a few rows PostgreSQL may prefer any index giving the order and filter the
        # states; without that index and without sequential scans (in this transaction,
        # rolled back), only an index whose predicate the query implies can serve.
        connexion.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connexion.exec_driver_sql("DROP INDEX ix_demandes_soumise_le")

    return plans_des_selects(moteur, lancer, preparer)


@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)
def test_la_derniere_page_de_la_file_lit_l_index_partiel(banc: Banc) -> None:
    """The whole queue's last page walks the partial index in its order: nothing sorted.

    120 files with one request each, submitted at distinct instants: 90 waiting (30 in
    each state of the queue), 30 paid (outside it).
    """
    assert banc.moteur is not None
    with banc.uow() as uow:
        for rang in range(120):
            dossier = action(f"20113{rang:05d}", SIRET_A)
            uow.actions.ajouter(dossier)
            demandes: list[DemandeRemboursement] = []
            demande = soumettre(dossier, demandes, Montant("100"), quand=instant(rang))
            if rang % 4 >= 1:
                demande.prendre_en_traitement(auteur="agent", quand=instant(200))
            if rang % 4 >= 2:
                demande.valider(auteur="agent", quand=instant(201))
            if rang % 4 == 3:
                demande.payer(auteur="agent", quand=instant(202))
            uow.demandes.ajouter(demande)
        uow.commit()
    with banc.moteur.begin() as connexion:
        connexion.exec_driver_sql("ANALYZE")
    page, *_historiques_et_compte = _plans(banc.moteur, frozenset(ETATS_A_TRAITER), page=9)
    if banc.moteur.dialect.name == "sqlite":
        assert "SCAN demandes USING INDEX ix_demandes_file_attente" in page
    else:
        assert "Index Scan on ix_demandes_file_attente" in page, page
    assert "demandes_etat_soumise_le" not in page
    # One state: the index (etat, soumise_le, id) serves it.
    seule, *_historiques_et_compte = _plans(banc.moteur, frozenset({EtatDemande.SOUMISE}), page=3)
    assert "ix_demandes_etat_soumise_le_id" in seule
