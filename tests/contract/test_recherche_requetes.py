"""The files search costs a constant number of queries per page (no N+1), on SQL backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from cfa_adapters.sql.uow import fabrique_uow
from cfa_domain.ports import CriteresRecherche
from cfa_domain.testing.exemples import soumettre
from cfa_domain.values import Montant

from .conftest import BASES_SQL
from .constructeurs import SIRET_A, action, instant

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
