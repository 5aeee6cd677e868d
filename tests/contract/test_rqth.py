"""The RQTH flag and the disability uplift, stored and read back on every backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import command

from cfa_adapters.sql import tables
from cfa_adapters.sql.schema import configuration_alembic, mettre_a_jour_schema
from cfa_adapters.sql.traduction import action_vers_lignes
from cfa_adapters.sql.uow import fabrique_uow
from cfa_domain.testing.exemples import soumettre
from cfa_domain.values import Montant

from .constructeurs import action as dossier

if TYPE_CHECKING:
    from .conftest import Banc


def test_rqth_et_majoration_relus(banc: Banc) -> None:
    """A file's RQTH flag and engaged uplift, and a request's uplift line, read back whole."""
    with banc.uow() as uow:
        cree = dossier(rqth=True, majoration=Montant(8000))
        uow.actions.ajouter(cree)
        uow.demandes.ajouter(soumettre(cree, [], Montant(0), majoration=Montant("1500.50")))
        uow.commit()
    with banc.uow() as uow:
        relue = uow.actions.obtenir(cree.numero_action)
        demandes = uow.demandes.pour_action(cree.numero_action)
    assert relue is not None
    assert (relue.contrat.apprenti.rqth, relue.budget.majoration_handicap) == (
        True,
        Montant(8000),
    )
    assert [d.montants.majoration_handicap for d in demandes] == [Montant("1500.50")]
    assert [d.total for d in demandes] == [Montant("1500.50")]


def test_0005_sans_rqth_ni_majoration_pour_l_existant(base_vide: sa.Engine) -> None:
    """Files stored before revision 0005 read back without RQTH and without uplift."""
    with base_vide.begin() as connexion:
        command.upgrade(configuration_alembic(connexion), "0004")
        table = sa.Table(tables.actions.name, sa.MetaData(), autoload_with=connexion)
        ligne = action_vers_lignes(dossier()).principale
        connexion.execute(sa.insert(table).values({c.name: ligne[c.name] for c in table.c}))
    mettre_a_jour_schema(base_vide)
    with fabrique_uow(base_vide)() as uow:
        relue = uow.actions.obtenir("2011303654")
    assert relue is not None
    assert (relue.contrat.apprenti.rqth, relue.budget.majoration_handicap) == (False, Montant(0))
