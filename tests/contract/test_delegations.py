"""Contract of DepotDelegations, on every backend."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from cfa_domain.errors import DelegationExistante
from cfa_domain.organisme import StatutDelegation
from cfa_domain.testing.exemples import delegation

from .constructeurs import SIRET_A, SIRET_B, SIRET_C, champs, instant

if TYPE_CHECKING:
    from .conftest import Banc


def test_ajouter_relire(banc: Banc) -> None:
    """A committed delegation reads back whole; an unknown id gives None."""
    cree = delegation()
    with banc.uow() as uow:
        uow.delegations.ajouter(cree)
        uow.commit()
    with banc.uow() as uow:
        relue = uow.delegations.obtenir(cree.id)
        assert relue is not None
        assert champs(relue) == champs(cree)
        assert uow.delegations.obtenir(uuid.uuid4()) is None


def test_doublon(banc: Banc) -> None:
    """A delegation added again (same id) is a DelegationExistante, committed or not."""
    cree = delegation()
    with banc.uow() as uow:
        uow.delegations.ajouter(cree)
        with pytest.raises(DelegationExistante) as erreur:
            uow.delegations.ajouter(cree)
        assert erreur.value.delegation_id == cree.id
        uow.commit()
    with banc.uow() as uow, pytest.raises(DelegationExistante):
        uow.delegations.ajouter(cree)


def test_seules_les_delegations_actives_ouvrent_les_dossiers(banc: Banc) -> None:
    """delegants_actifs lists the delegants whose approval was committed, not the requests."""
    approuvee, en_attente = delegation(SIRET_B, SIRET_A), delegation(SIRET_C, SIRET_A)
    with banc.uow() as uow:
        uow.delegations.ajouter(approuvee)
        uow.delegations.ajouter(en_attente)
        uow.commit()
    with banc.uow() as uow:
        assert uow.delegations.delegants_actifs(SIRET_A) == frozenset()
        relue = uow.delegations.obtenir(approuvee.id)
        assert relue is not None
        relue.approuver("agent-1", instant(3))
        uow.commit()
    with banc.uow() as uow:
        assert uow.delegations.delegants_actifs(SIRET_A) == {SIRET_B}
        relue = uow.delegations.obtenir(approuvee.id)
        assert relue is not None
        assert relue.statut is StatutDelegation.ACTIVE
        assert relue.decidee_le == instant(3)
        assert len(relue.historique) == 2


def test_pour_organisme_des_deux_cotes(banc: Banc) -> None:
    """An organisme sees the delegations where it is delegant or delegate, oldest first."""
    d1 = delegation(SIRET_B, SIRET_A, quand=instant(2))
    d2 = delegation(SIRET_A, SIRET_C, quand=instant(1))
    d3 = delegation(SIRET_B, SIRET_C, quand=instant(0))
    with banc.uow() as uow:
        for d in (d1, d2, d3):
            uow.delegations.ajouter(d)
        uow.commit()
    with banc.uow() as uow:
        assert [d.id for d in uow.delegations.pour_organisme(SIRET_A)] == [d2.id, d1.id]


def test_en_attente_seulement_les_demandes_non_decidees(banc: Banc) -> None:
    """en_attente: the requests nobody has decided yet, oldest first, whoever they concern."""
    recente = delegation(SIRET_B, SIRET_A, quand=instant(5))
    ancienne = delegation(SIRET_C, SIRET_B, quand=instant(1))
    approuvee = delegation(SIRET_A, SIRET_C, quand=instant(0))
    with banc.uow() as uow:
        for d in (recente, ancienne, approuvee):
            uow.delegations.ajouter(d)
        uow.commit()
    with banc.uow() as uow:
        assert [d.id for d in uow.delegations.en_attente()] == [
            approuvee.id,
            ancienne.id,
            recente.id,
        ]
        relue = uow.delegations.obtenir(approuvee.id)
        assert relue is not None
        relue.approuver("agent-1", instant(6))
        uow.commit()
    with banc.uow() as uow:
        attente = uow.delegations.en_attente()
        assert [d.id for d in attente] == [ancienne.id, recente.id]
        assert all(d.statut is StatutDelegation.DEMANDEE for d in attente)
