"""Contract of DepotOrganismes, on every backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cfa_domain.errors import OrganismeExistant
from cfa_domain.organisme import ReferentielOpco, StatutOrganisme
from cfa_domain.testing import exemples
from cfa_domain.values import Email

from .constructeurs import (
    SIRET_A,
    SIRET_B,
    SIRET_C,
    champs,
    fiche,
    instant,
    interlocuteur,
    organisme,
    organisme_soumis,
)

if TYPE_CHECKING:
    from .conftest import Banc


def test_ajouter_puis_relire(banc: Banc) -> None:
    """A committed organisme reads back with its sheet, contact, emails and history."""
    cree = organisme()
    with banc.uow() as uow:
        uow.organismes.ajouter(cree)
        uow.commit()
    with banc.uow() as uow:
        relu = uow.organismes.obtenir(SIRET_A)
    assert relu is not None
    assert champs(relu) == champs(cree)
    assert relu.historique[0].arrivee is StatutOrganisme.ACTIF


def test_inconnu(banc: Banc) -> None:
    """An unknown SIRET gives None."""
    with banc.uow() as uow:
        assert uow.organismes.obtenir(SIRET_C) is None


def test_siret_deja_connu(banc: Banc) -> None:
    """Adding a second organisme with a known SIRET is an OrganismeExistant naming it."""
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.commit()
    with banc.uow() as uow, pytest.raises(OrganismeExistant) as erreur:
        uow.organismes.ajouter(organisme())
    assert (erreur.value.siret, erreur.value.statut) == ("85403311500015", None)
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme(SIRET_B))
        with pytest.raises(OrganismeExistant):  # twice in one unit of work
            uow.organismes.ajouter(organisme(SIRET_B))


def test_carte_d_identite(banc: Banc) -> None:
    """Two lookups in one unit of work give the same object."""
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.commit()
    with banc.uow() as uow:
        assert uow.organismes.obtenir(SIRET_A) is uow.organismes.obtenir(SIRET_A)


def test_a_valider_plus_ancien_d_abord_et_validation_enregistree(banc: Banc) -> None:
    """Sheets awaiting validation come oldest first; a validation is saved with its history."""
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme_soumis(SIRET_B, instant(5)))
        uow.organismes.ajouter(organisme_soumis(SIRET_C, instant(1)))
        uow.organismes.ajouter(organisme(SIRET_A))
        uow.commit()
    with banc.uow() as uow:
        assert [o.siret for o in uow.organismes.a_valider()] == [SIRET_C, SIRET_B]
        en_attente = uow.organismes.obtenir(SIRET_C)
        assert en_attente is not None
        en_attente.valider("agent-1", instant(10), "OF-777")
        assert [o.siret for o in uow.organismes.a_valider()] == [SIRET_B]
        uow.commit()
    with banc.uow() as uow:
        valide = uow.organismes.obtenir(SIRET_C)
        assert valide is not None
        assert valide.statut is StatutOrganisme.ACTIF
        assert valide.reference_opco == "OF-777"
        assert [c.arrivee for c in valide.historique] == [
            StatutOrganisme.A_VALIDER,
            StatutOrganisme.ACTIF,
        ]
        assert valide.emails_connus == {valide.fiche.email, valide.interlocuteur.email}


def test_referentiel_de_l_opco_relu(banc: Banc) -> None:
    """The version of the OPCO's data the feed applied reads back, and its change is saved."""
    premiere = ReferentielOpco(1, "a" * 64, frozenset({Email("contact@cfa.fr")}))
    cree = exemples.organisme(
        SIRET_A, fiche=fiche(), interlocuteur=interlocuteur(), referentiel=premiere
    )
    with banc.uow() as uow:
        uow.organismes.ajouter(cree)
        uow.organismes.ajouter(organisme(SIRET_B))
        uow.commit()
    with banc.uow() as uow:
        relu = uow.organismes.obtenir(SIRET_A)
        sans = uow.organismes.obtenir(SIRET_B)
        assert relu is not None
        assert sans is not None
        assert relu.referentiel == premiere
        assert sans.referentiel is None
        relu.referentiel = ReferentielOpco(2**62, "b" * 64, frozenset())
        uow.commit()
    with banc.uow() as uow:
        relu = uow.organismes.obtenir(SIRET_A)
        assert relu is not None
        assert relu.referentiel == ReferentielOpco(2**62, "b" * 64, frozenset())
