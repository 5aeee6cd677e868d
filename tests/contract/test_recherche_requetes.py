"""The files search costs a constant number of queries per page (no N+1), on SQL backends."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from cfa_adapters.sql.uow import fabrique_uow
from cfa_domain.ports import TRI_PAR_DEFAUT, ColonneTri, CriteresRecherche, Tri
from cfa_domain.testing.exemples import soumettre
from cfa_domain.values import Montant

from .conftest import BASES_SQL
from .constructeurs import SIRET_A, SIRET_B, action, instant
from .plans import plans_des_selects

if TYPE_CHECKING:
    from cfa_domain.remboursement import DemandeRemboursement

    from .conftest import Banc


def _selects_pendant_une_page(moteur: sa.Engine, taille: int) -> tuple[int, int]:
    """Run one search page of ``taille`` rows; return (SELECT statements, rows shown)."""
    compteur: list[str] = []

    def compter(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            compteur.append(statement)

    sa.event.listen(moteur, "before_cursor_execute", compter)
    try:
        with fabrique_uow(moteur)() as uow:
            page = uow.actions.rechercher(
                CriteresRecherche(nom_apprenti="mar"), frozenset({SIRET_A}), page=1, taille=taille
            )
            for ligne in page.elements:  # reading every row's data must not query again
                assert ligne.action.historique
                assert ligne.action.contrat.apprenti.nom
        return len(compteur), len(page.elements)
    finally:
        sa.event.remove(moteur, "before_cursor_execute", compter)


@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)
def test_une_page_coute_le_meme_nombre_de_requetes_quelle_que_soit_sa_taille(banc: Banc) -> None:
    """A page of 2 rows and a page of 25 rows (with paid requests) run the same queries."""
    assert banc.moteur is not None
    with banc.uow() as uow:
        for rang in range(30):
            dossier = action(f"20113{rang:05d}", SIRET_A, nom="Martin")
            uow.actions.ajouter(dossier)
            demandes: list[DemandeRemboursement] = []
            demande = soumettre(dossier, demandes, Montant("100"))
            demande.prendre_en_traitement(auteur="agent", quand=instant(1))
            demande.valider(auteur="agent", quand=instant(2))
            demande.payer(auteur="agent", quand=instant(3))
            uow.demandes.ajouter(demande)
        uow.commit()
    petite, lignes_petite = _selects_pendant_une_page(banc.moteur, 2)
    grande, lignes_grande = _selects_pendant_une_page(banc.moteur, 25)
    assert (lignes_petite, lignes_grande) == (2, 25)
    assert petite == grande
    assert grande <= 3  # the page query and the count query (and nothing per row)


def _plans(
    moteur: sa.Engine,
    criteres: CriteresRecherche,
    page: int,
    tri: Tri = TRI_PAR_DEFAUT,
    *,
    trier: bool = True,
) -> list[str]:
    """The plan of each SELECT of one search page of SIRET_A's files (one text per query).

    SQLite: ``EXPLAIN QUERY PLAN``. PostgreSQL: ``EXPLAIN`` with sequential scans
    disabled, so that a scan of the whole table shows only where no index can serve;
    without ``trier``, sorts too (PostgreSQL then sorts only where no index gives the
    order: the tests' small tables would otherwise be sorted rather than walked).
    """

    def lancer() -> None:
        with fabrique_uow(moteur)() as uow:
            uow.actions.rechercher(criteres, frozenset({SIRET_A}), page=page, taille=10, tri=tri)

    def preparer(connexion: sa.Connection) -> None:
        connexion.exec_driver_sql("SET LOCAL enable_seqscan = off")
        if not trier:
            connexion.exec_driver_sql("SET LOCAL enable_sort = off")

    return plans_des_selects(moteur, lancer, preparer)


def _grande_base(banc: Banc) -> None:
    """200 files of SIRET_A and 100 of another CFA, statistics gathered."""
    assert banc.moteur is not None
    with banc.uow() as uow:
        for rang in range(300):
            uow.actions.ajouter(action(f"20113{rang:05d}", SIRET_A if rang % 3 else SIRET_B))
        uow.commit()
    with banc.moteur.begin() as connexion:
        connexion.exec_driver_sql("ANALYZE")


@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)
def test_la_derniere_page_ne_lit_que_l_index_pour_les_lignes_sautees(banc: Banc) -> None:
    """The last page finds its rows on the index alone; the files and totals are read for it.

    The rows skipped before the page are not read: the page's action numbers come from
    the covering index ``(siret_cfa, numero_tri, numero_action)``, and the files table is
    read by primary key for the rows shown only (no full scan of it).
    """
    _grande_base(banc)
    assert banc.moteur is not None
    page, compte = _plans(banc.moteur, CriteresRecherche(), page=20)
    if banc.moteur.dialect.name == "sqlite":
        assert "SEARCH actions USING COVERING INDEX ix_actions_siret_cfa_numero_tri" in page
        assert "SEARCH actions USING INDEX sqlite_autoindex_actions_1 (numero_action=?)" in page
        assert "SCAN actions" not in page
        assert "SEARCH actions USING COVERING INDEX" in compte
    else:
        # The page's ten numbers (Limit) are picked before the files are joined and
        # totalled (the subplans run on the joined rows only).
        lignes = [ligne.strip() for ligne in page.splitlines()]
        sous_requete = next(i for i, ligne in enumerate(lignes) if "on montrees" in ligne)
        assert lignes[sous_requete + 1].startswith("->  Limit"), page
        assert "Index Scan" in page
        assert "Seq Scan on actions" not in page
        assert "Seq Scan" not in compte


@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)
def test_le_prefixe_du_numero_d_action_est_un_intervalle_de_l_index(banc: Banc) -> None:
    """The action-number prefix bounds an index range (a LIKE could not, on PostgreSQL)."""
    _grande_base(banc)
    assert banc.moteur is not None
    page, compte = _plans(banc.moteur, CriteresRecherche(numero_action="20113001"), page=1)
    if banc.moteur.dialect.name == "sqlite":
        assert "numero_action>? AND numero_action<?" in compte
        assert "SCAN actions" not in page
    else:
        for plan in (page, compte):
            assert "Seq Scan on actions" not in plan
            conditions = [ligne for ligne in plan.splitlines() if ">= '20113001'" in ligne]
            assert conditions, plan
            assert all("Index Cond" in ligne for ligne in conditions), plan


_INDEX_DU_TRI = {
    ColonneTri.ETAT: "tri_etat",
    ColonneTri.CFA: "tri_cfa",
    ColonneTri.NUMERO_ENREGISTREMENT: "tri_deca_sia",
    ColonneTri.BUDGET_TOTAL: "tri_budget",
    ColonneTri.FRAIS_PEDAGOGIQUES: "frais_pedagogiques",
    ColonneTri.FRAIS_ANNEXES: "tri_annexes",
    ColonneTri.TOTAL_REMBOURSE: "tri_rembourse",
}
"""The stored key each sort reads (indexed as ``ix_actions_siret_cfa_<key>``)."""


@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)
def test_trie_sur_une_colonne_calculee_la_page_vient_de_son_index(banc: Banc) -> None:
    """Sorted on any column, the last page's numbers come from that column's index.

    The skipped rows are neither read from the files table nor sorted: each sort key is
    stored (generated or kept by triggers) and indexed after ``siret_cfa`` (revision 0012).
    """
    assert set(_INDEX_DU_TRI) == set(ColonneTri) - {ColonneTri.NUMERO_ACTION}
    _grande_base(banc)
    assert banc.moteur is not None
    for colonne, cle in _INDEX_DU_TRI.items():
        for croissant in (True, False):
            index = f"ix_actions_siret_cfa_{cle}"
            page, _compte = _plans(
                banc.moteur, CriteresRecherche(), 20, Tri(colonne, croissant), trier=False
            )
            lignes = [ligne.strip() for ligne in page.splitlines()]
            if banc.moteur.dialect.name == "sqlite":
                # A generated key (VIRTUAL on SQLite) is not shown as "COVERING": SQLite
                # still reads the key from the index and defers the row's seek, which the
                # skipped rows never make (``DeferredSeek`` in the bytecode).
                assert re.search(
                    rf"SEARCH actions USING (COVERING )?INDEX {index} \(siret_cfa=\?\)", page
                ), page
                assert "SCAN actions" not in page, page
                # Only the ten rows shown are sorted again (the outer query).
                assert sum("TEMP B-TREE" in ligne for ligne in lignes) <= 1, page
            else:
                sous_requete = next(i for i, ligne in enumerate(lignes) if "on montrees" in ligne)
                assert lignes[sous_requete + 1].startswith("->  Limit"), page
                assert lignes[sous_requete + 2].startswith(
                    ("->  Index Only Scan", "->  Index Scan")
                ), page
                assert f"using {index} on actions" in lignes[sous_requete + 2], page
                assert "Seq Scan on actions" not in page, page
