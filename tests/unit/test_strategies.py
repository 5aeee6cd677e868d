"""The public strategies kit draws values the domain's value classes accept."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from hypothesis import find, given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from stdnum.fr import siren as stdnum_siren

from cfa_domain.testing import strategies as cst
from cfa_domain.values import (
    CodePostal,
    CodeRncp,
    Email,
    Montant,
    Nir,
    NumeroDA,
    NumeroDeca,
    NumeroSia,
    Periode,
    Siret,
    Uai,
)

if TYPE_CHECKING:
    from collections.abc import Callable

# --- Money and time ---------------------------------------------------------------------


@given(cst.montants())
def test_montants_default_range(montant: Montant) -> None:
    """By default amounts lie between 0,00 € and 100 000,00 € and are whole cents."""
    assert Montant.zero() <= montant <= Montant("100000")
    assert isinstance(montant.valeur, Decimal)
    assert montant.valeur.as_tuple().exponent == -2


@given(cst.montants(min_value=Montant("-12,34"), max_value=Montant("-12,30")))
def test_montants_respect_bounds_even_negative(montant: Montant) -> None:
    """Bounds are honoured to the cent, negative ones included."""
    assert Montant("-12.34") <= montant <= Montant("-12.30")


@given(cst.montants(min_value=Montant("0.01"), max_value=Montant("0.01")))
def test_montants_single_value(montant: Montant) -> None:
    """Equal bounds give that one amount."""
    assert montant == Montant("0.01")


def test_montants_refuse_inverted_bounds() -> None:
    """A maximum below the minimum is a usage error."""
    with pytest.raises(InvalidArgument):
        cst.montants(min_value=Montant("2"), max_value=Montant("1"))


@given(cst.dates())
def test_dates_default_range(date: dt.date) -> None:
    """Default dates span 2010 to 2039."""
    assert dt.date(2010, 1, 1) <= date <= dt.date(2039, 12, 31)
    assert Periode(date, date).jours == 1


@given(cst.dates(min_value=dt.date(2024, 2, 28), max_value=dt.date(2024, 3, 1)))
def test_dates_bounds(date: dt.date) -> None:
    """Dates honour their bounds."""
    assert date in {dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 3, 1)}


@given(cst.periodes())
def test_periodes_default(periode: Periode) -> None:
    """Default periods are valid, inside 2010–2039 and at most four years long."""
    assert periode.jours == (periode.fin - periode.debut).days + 1
    assert dt.date(2010, 1, 1) <= periode.debut <= periode.fin <= dt.date(2039, 12, 31)
    assert 1 <= periode.jours <= 4 * 365 + 1


@given(
    cst.periodes(
        min_value=dt.date(2020, 1, 1), max_value=dt.date(2020, 12, 31), min_days=30, max_days=60
    )
)
def test_periodes_bounds_and_lengths(periode: Periode) -> None:
    """Periods stay between the bounds and last min_days to max_days, both ends included."""
    assert Periode(dt.date(2020, 1, 1), dt.date(2020, 12, 31)).contient(periode)
    assert 30 <= periode.jours <= 60


@given(cst.periodes(min_value=dt.date(2021, 1, 1), max_value=dt.date(2021, 1, 10), min_days=10))
def test_periodes_tight_fit(periode: Periode) -> None:
    """When only one period fits, that period is drawn."""
    assert periode == Periode(dt.date(2021, 1, 1), dt.date(2021, 1, 10))


@pytest.mark.parametrize(
    ("min_days", "max_days", "fin"),
    [
        (0, 5, dt.date(2021, 12, 31)),
        (5, 4, dt.date(2021, 12, 31)),
        (11, 20, dt.date(2021, 1, 10)),
        (1, 1, dt.date(2020, 12, 31)),
    ],
)
def test_periodes_refuse_impossible_arguments(min_days: int, max_days: int, fin: dt.date) -> None:
    """Day counts below one, inverted, or not fitting between the bounds are usage errors."""
    with pytest.raises(InvalidArgument):
        cst.periodes(
            min_value=dt.date(2021, 1, 1), max_value=fin, min_days=min_days, max_days=max_days
        )


# --- Identifiers ------------------------------------------------------------------------


@given(cst.sirens())
def test_sirens_pass_stdnum(siren: str) -> None:
    """SIRENs are 9 digits with a valid Luhn digit."""
    assert re.fullmatch(r"\d{9}", siren)
    assert stdnum_siren.is_valid(siren)


@given(cst.sirets())
def test_sirets_are_accepted(numero: str) -> None:
    """Every drawn SIRET is accepted by Siret, unchanged."""
    assert Siret(numero).numero == numero


@given(cst.sirets(la_poste=False))
def test_sirets_ordinary_are_not_la_poste(numero: str) -> None:
    """la_poste=False never draws La Poste's SIREN."""
    assert Siret(numero).siren != "356000000"


@given(cst.sirets(la_poste=True))
def test_sirets_la_poste(numero: str) -> None:
    """la_poste=True draws La Poste establishments: digit sum multiple of 5, or the head office."""
    assert Siret(numero).siren == "356000000"
    assert sum(map(int, numero)) % 5 == 0 or numero == "35600000000048"


@pytest.mark.parametrize(
    ("strategie", "condition"),
    [
        (cst.sirets(), lambda n: n.startswith("356000000")),
        (cst.sirets(), lambda n: not n.startswith("356000000")),
        (cst.nirs(), lambda n: n[5:7] in {"2A", "2B"}),
        (cst.nirs(), lambda n: n[5:7].isdigit()),
        (cst.numeros_da(), lambda n: n == "CFA"),
        (cst.numeros_da(), lambda n: n.isdigit()),
        (cst.numeros_deca(), lambda n: n[9:11] == "NC"),
        (cst.numeros_deca(), lambda n: n[:3] in {"02A", "02B"}),
        (cst.numeros_deca(), lambda n: n.startswith("97")),
        (cst.emails(), lambda a: "+" in a and "-" in a),
    ],
)
def test_defaults_reach_every_kind(
    strategie: st.SearchStrategy[str], condition: Callable[[str], bool]
) -> None:
    """Without a steering parameter, every kind of value (La Poste, Corsica, CFA ...) shows up."""
    assert condition(find(strategie, condition))


def test_la_poste_last_digit() -> None:
    """The La Poste last digit completes the digit sum to a multiple of 5 (two choices)."""
    # 3+5+6+1+2+3+4 = 24: last digit 1 or 6.
    assert cst._la_poste("1234", 0) == "35600000012341"
    assert cst._la_poste("1234", 5) == "35600000012346"


@given(cst.nirs())
def test_nirs_are_accepted(numero: str) -> None:
    """Every drawn NIR is accepted by Nir, unchanged, with a plausible sex and month."""
    assert Nir(numero).numero == numero
    assert numero[0] in "12"
    assert 1 <= int(numero[3:5]) <= 12


@given(cst.nirs(corse=True))
def test_nirs_corse(numero: str) -> None:
    """corse=True draws only 2A and 2B."""
    assert Nir(numero).numero[5:7] in {"2A", "2B"}


@given(cst.nirs(corse=False))
def test_nirs_not_corse(numero: str) -> None:
    """corse=False draws only numeric departments, never the pre-1976 20."""
    assert Nir(numero).numero == numero
    assert numero[5:7].isdigit()
    assert numero[5:7] != "20"


@given(cst.numeros_da())
def test_numeros_da_are_accepted(numero: str) -> None:
    """Every drawn N° DA is accepted by NumeroDA, unchanged."""
    assert NumeroDA(numero).numero == numero


@given(cst.numeros_da(cfa_historique=True))
def test_numeros_da_historical(numero: str) -> None:
    """cfa_historique=True draws the literal CFA."""
    assert NumeroDA(numero).cfa_historique


@given(cst.numeros_da(cfa_historique=False))
def test_numeros_da_declared(numero: str) -> None:
    """cfa_historique=False draws 11 digits."""
    assert not NumeroDA(numero).cfa_historique
    assert re.fullmatch(r"\d{11}", numero)


@given(cst.numeros_sia())
def test_numeros_sia_are_accepted(numero: str) -> None:
    """Every drawn SIA number is accepted by NumeroSia and kept as drawn."""
    assert NumeroSia(numero).numero == numero


@given(cst.numeros_deca())
def test_numeros_deca_are_accepted(numero: str) -> None:
    """Every drawn DECA number is accepted by NumeroDeca, with a year in 2010–2039."""
    deca = NumeroDeca(numero)
    assert deca.numero == numero
    assert 2010 <= deca.annee <= 2039
    assert 1 <= deca.mois <= 12


@given(cst.uais())
def test_uais_are_accepted(numero: str) -> None:
    """Every drawn UAI is accepted by Uai, unchanged."""
    assert Uai(numero).numero == numero


@given(cst.codes_postaux())
def test_codes_postaux_are_accepted(code: str) -> None:
    """Every drawn postal code is accepted by CodePostal, in 01000–98999."""
    assert CodePostal(code).code == code
    assert "01000" <= code <= "98999"


@given(cst.codes_rncp())
def test_codes_rncp_are_accepted(code: str) -> None:
    """Every drawn RNCP code is accepted by CodeRncp, unchanged."""
    assert CodeRncp(code).code == code


@given(cst.emails())
def test_emails_are_accepted_in_normal_form(adresse: str) -> None:
    """Every drawn address is accepted by Email and already in its normal form."""
    assert Email(adresse).adresse == adresse


@given(cst.numeros_action())
def test_numeros_action_shape(numero: str) -> None:
    """Action numbers are 10 digits without a leading zero, like 2011303654."""
    assert re.fullmatch(r"[1-9]\d{9}", numero)


def test_kit_lists_every_public_strategy() -> None:
    """``__all__`` names exactly the module's public functions, documented, usable as is."""
    publiques = {
        nom
        for nom, objet in vars(cst).items()
        if inspect.isfunction(objet) and objet.__module__ == cst.__name__ and nom[0] != "_"
    }
    assert set(cst.__all__) == publiques
    for nom in publiques:
        assert inspect.getdoc(getattr(cst, nom)), nom
        # Every parameter has a default: each strategy is usable as is.
        assert isinstance(getattr(cst, nom)(), st.SearchStrategy), nom
