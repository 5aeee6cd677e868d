"""Money: what the column can store, and independence from the host's decimal context."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfa_domain.echeancier import Echeancier, calculer_echeancier, tranches_reprise_de_stock
from cfa_domain.errors import DonneeInvalide
from cfa_domain.remboursement import consommation, rembourse
from cfa_domain.services.actions import consulter_action
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import memoire
from cfa_domain.values import MONTANT_LIMITE, Categorie, Email, Montant

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@pytest.mark.parametrize(
    "saisie",
    [
        10**12,
        "-1000000000000",
        "953 394 562 078 993,28",  # what SQLite used to store as ...,20
        "1 000 000 000 000,00",
        Decimal("1E+13"),
    ],
)
def test_montant_refuses_what_numeric_14_2_cannot_store(saisie: object) -> None:
    """From 10¹² € in absolute value an amount is refused, in French, before any database."""
    with pytest.raises(DonneeInvalide, match="inférieur à mille milliards d'euros"):
        Montant(saisie)


def test_montant_accepts_the_largest_amount_the_column_stores() -> None:
    """999 999 999 999,99 € (12 digits and 2 decimals) is the largest amount."""
    plus_grand = Montant("999 999 999 999,99")
    assert plus_grand.valeur == MONTANT_LIMITE - Decimal("0.01")
    assert str(-plus_grand) == "-999\u202f999\u202f999\u202f999,99 €"


def test_a_sum_beyond_the_limit_is_refused() -> None:
    """Adding amounts never yields an amount the column would change."""
    with pytest.raises(DonneeInvalide, match="mille milliards"):
        Montant("999 999 999 999,99") + Montant("0,01")


@pytest.fixture
def contexte_hostile() -> Iterator[decimal.Context]:
    """The thread's decimal context as a careless host application may leave it."""
    with decimal.localcontext() as contexte:
        contexte.prec = 6
        contexte.rounding = decimal.ROUND_DOWN
        contexte.traps[decimal.Inexact] = True
        contexte.traps[decimal.Rounded] = True
        yield contexte


@pytest.mark.usefixtures("contexte_hostile")
def test_amounts_ignore_the_host_decimal_context() -> None:
    """Parsing, sums, differences, rates and rounding give the exact figures."""
    montant = Montant("123 456 789,01")
    assert (montant + Montant("0,99")).valeur == Decimal("123456790.00")
    assert (montant - Montant("123 456 789,02")).valeur == Decimal("-0.01")
    assert (Montant("1 000 000,00") * Decimal("0.333335")).valeur == Decimal("333335.00")
    assert Montant.arrondi(Decimal("98765432.105")).valeur == Decimal("98765432.11")
    assert Montant.somme([montant, montant, montant]).valeur == Decimal("370370367.03")
    assert str(montant) == "123\u202f456\u202f789,01 €"


@pytest.mark.usefixtures("contexte_hostile")
def test_reprise_de_stock_rhythm_ignores_the_host_decimal_context() -> None:
    """An advance of 33,33 % then quarterly shares: 22,22 / 22,22 / 22,23 %."""
    tranches = tranches_reprise_de_stock(Decimal("33.33"), 3, 3)
    assert [t.pourcentage for t in tranches] == [
        Decimal("33.33"),
        Decimal("22.22"),
        Decimal("22.22"),
        Decimal("22.23"),
    ]


@st.composite
def contrats(draw: st.DrawFn) -> dict[str, object]:
    """The arguments of a schedule: contracts of a day to 4 years, large engagements."""
    debut = draw(st.dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)))
    fin = debut + dt.timedelta(days=draw(st.integers(0, 4 * 366)))
    return {
        "debut": debut,
        "fin": fin,
        "date_signature": draw(st.dates(debut - dt.timedelta(days=365), debut)),
        "engagement": Montant(draw(st.integers(0, 10**14 - 1)) * Decimal("0.01")),
        "niveau_diplome": draw(st.none() | st.integers(3, 8)),
        "date_rupture": draw(st.none() | st.dates(debut, fin)),
    }


@given(contrats(), st.integers(1, 8), st.sampled_from(list(decimal.getcontext().flags)))
def test_schedules_are_the_same_under_a_hostile_host_context(
    arguments: dict[str, object], precision: int, piege: type[decimal.DecimalException]
) -> None:
    """A host's lowered precision and traps change no schedule.

    The schedule is the one computed in Python's default context, installment by
    installment, to the cent.
    """
    attendu: Echeancier = calculer_echeancier(**arguments)  # type: ignore[arg-type]
    with decimal.localcontext() as contexte:
        contexte.prec = precision
        contexte.rounding = decimal.ROUND_FLOOR
        contexte.traps[piege] = True
        obtenu = calculer_echeancier(**arguments)  # type: ignore[arg-type]
        total = obtenu.total + Montant.zero()
    assert obtenu == attendu
    assert total == attendu.total


@pytest.mark.usefixtures("contexte_hostile")
def test_a_file_is_consulted_and_its_requests_added_up_under_a_hostile_context() -> None:
    """The use case computes the schedule of a stored file; the request totals add up."""
    m = memoire()
    m.enregistrer(
        exemples.organisme(exemples.SIRET_CFA, emails_connus=(Email("a@cfa.fr"),)),
        exemples.action(siret_cfa=exemples.SIRET_CFA),
    )
    compte_id = m.compte_cfa(exemples.SIRET_CFA, "a@cfa.fr")
    detail = consulter_action(m.contexte, compte_id, "2011303654")
    assert Montant.somme(e.montant for e in detail.echeancier.echeances) == (
        detail.action.budget.frais_pedagogiques
    )
    assert rembourse([]) == Montant.zero()
    assert consommation([]) == dict.fromkeys(Categorie, Montant.zero())


_CENTIMES = st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1)


def _du_centime(centimes: int) -> Montant:
    """The amount of ``centimes`` cents, built by the checked converter from text."""
    signe = "-" if centimes < 0 else ""
    euros, reste = divmod(abs(centimes), 100)
    return Montant(f"{signe}{euros},{reste:02d}")


@given(_CENTIMES, _CENTIMES)
def test_arithmetic_and_order_agree_with_whole_cents(a: int, b: int) -> None:
    """Sums, differences, sums of many and comparisons are those of the cents they hold.

    The arithmetic skips the converter for results already exact to the cent; the
    expectation here is computed on integers, independently of ``Decimal``: the value,
    its two places, a zero without sign, the same refusal beyond the limit.
    """
    x, y = _du_centime(a), _du_centime(b)
    calculs: list[tuple[Callable[[], Montant], int]] = [
        (lambda: x + y, a + b),
        (lambda: x - y, a - b),
        (lambda: Montant.somme([x, y, x]), 2 * a + b),
    ]
    for resultat, attendu in calculs:
        if abs(attendu) >= 10**14:
            with pytest.raises(DonneeInvalide, match="mille milliards"):
                resultat()
            continue
        montant = resultat()
        assert montant == _du_centime(attendu)
        assert montant.valeur.as_tuple().exponent == -2
        assert not montant.valeur.is_signed() or attendu < 0
        assert hash(montant) == hash(_du_centime(attendu))
    assert (x < y, x <= y, x > y, x >= y, x == y) == (a < b, a <= b, a > b, a >= b, a == b)
    assert min(x, y) == _du_centime(min(a, b))


def test_amounts_are_not_ordered_against_other_values() -> None:
    """An amount compared with a number is a programming error, as with attrs' order."""
    comparaisons: list[Callable[[], bool]] = [
        lambda: Montant(1) < Decimal(2),
        lambda: Montant(1) <= Decimal(2),
        lambda: Montant(1) > Decimal(2),
        lambda: Montant(1) >= Decimal(2),
    ]
    for comparer in comparaisons:
        with pytest.raises(TypeError):
            comparer()
    assert Montant.somme([]) == Montant(0)
    assert str(Montant.somme([])) == "0,00 €"
    assert str(Montant(5) - Montant(5)) == "0,00 €"


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_arrondi_au_centime_le_plus_proche_demi_vers_le_haut(milliemes: int) -> None:
    """A computed value rounds half away from zero to the cent, as integers say.

    ``milliemes`` thousandths of a euro: the expected cents are computed on integers.
    """
    centimes, reste = divmod(abs(milliemes), 10)
    centimes += 1 if reste >= 5 else 0  # half a cent or more
    attendu = -centimes if milliemes < 0 else centimes
    if abs(attendu) >= 10**14:
        with pytest.raises(DonneeInvalide, match="mille milliards"):
            Montant.arrondi(Decimal(milliemes) / 1000)
        return
    montant = Montant.arrondi(Decimal(milliemes) / 1000)
    assert montant == _du_centime(attendu)
    assert montant.valeur.as_tuple().exponent == -2
    assert str(montant) == str(_du_centime(attendu))  # no "-0,00 €"
