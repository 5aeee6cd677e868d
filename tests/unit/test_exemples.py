"""The example builders of the test kit give valid objects with the right check digits."""

from __future__ import annotations

import pytest

from cfa_domain.compte import StatutCompte
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import HacheurMemoire
from cfa_domain.values import Nir, Siret


def test_siret_calcule_ses_deux_cles() -> None:
    """SIREN and SIRET check digits match a published number (732 829 320 00074)."""
    assert exemples.siret(73282932, 7) == Siret("73282932000074")
    assert exemples.siret(85403311, 1) == Siret("85403311500015")


def test_sirets_d_une_serie_sont_distincts() -> None:
    """A series of bodies gives as many distinct SIRETs."""
    serie = {exemples.siret(10_000_000 + rang, rang % 10_000) for rang in range(500)}
    assert len(serie) == 500


@pytest.mark.parametrize(("base", "nic"), [(-1, 1), (10**8, 1), (12345678, 10**4)])
def test_siret_refuse_un_corps_hors_format(base: int, nic: int) -> None:
    """A body that is not 8 + 4 digits is a usage error."""
    with pytest.raises(ValueError, match="8 digits"):
        exemples.siret(base, nic)


def test_siret_refuse_la_poste() -> None:
    """La Poste's SIREN follows another rule: no Luhn SIRET is made for it."""
    with pytest.raises(ValueError, match="La Poste"):
        exemples.siret(35600000, 12)


@pytest.mark.parametrize(
    ("corps", "numero"),
    [
        # 2951099126111 mod 97 = 4: key 93.
        ("2951099126111", "295109912611193"),
        # Corsica: 2A read as 19 (1850219004123 mod 97 = 89: key 08), 2B as 18 (key 35).
        ("185022A004123", "185022A00412308"),
        ("185022B004123", "185022B00412335"),
    ],
)
def test_nir_calcule_sa_cle(corps: str, numero: str) -> None:
    """The key matches hand-computed ones, Corsica included."""
    assert exemples.nir(corps) == Nir(numero)


@pytest.mark.parametrize(
    ("email", "statut"),
    [
        ("c.durand@cfa-sante.fr", StatutCompte.EN_ATTENTE_ACTIVATION),  # on file
        ("inconnu@ailleurs.fr", StatutCompte.EN_ATTENTE_APPROBATION),
    ],
)
def test_compte_ouvert_selon_l_adresse(email: str, statut: StatutCompte) -> None:
    """An account opened with an address on file awaits activation, any other approval."""
    compte = exemples.compte(email)
    assert (compte.statut, compte.siret_organisme) == (statut, exemples.SIRET_CFA)
    actif = exemples.compte_actif(email, chez=exemples.organisme(exemples.SIRET_CFA_2))
    assert (actif.statut, actif.siret_organisme) == (StatutCompte.ACTIF, exemples.SIRET_CFA_2)
    assert HacheurMemoire().verifier(actif.hash_mot_de_passe, exemples.MOT_DE_PASSE)
