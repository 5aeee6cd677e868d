"""Hypothesis strategies for the domain's values, valid by construction.

Domain experts write property-based tests against ``cfa_domain`` with these strategies
instead of hand-picking identifiers: every strategy draws values that the matching value
class accepts (``Siret``, ``Nir``, ``Uai`` ...), so a failing test points at the rule under
test, never at a malformed fixture. Identifiers are *computed* (Luhn digit, NIR key, UAI
letter), not filtered from random text: generation stays fast and shrinks towards simple
examples (``00000000000000``-like numbers, the earliest date, 0,00 €).

Keyword parameters steer a strategy towards the cases a test cares about::

    from hypothesis import given
    from cfa_domain.testing import strategies as cst
    from cfa_domain.values import Montant, Nir, Periode, Siret

    @given(cst.montants(max_value=Montant("500")))        # first-equipment ceiling
    def test_equipment(montant: Montant) -> None: ...

    @given(cst.sirets(la_poste=True))                      # digit-sum rule of La Poste
    def test_la_poste(numero: str) -> None:
        assert Siret(numero).siren == "356000000"

    @given(cst.nirs(corse=True))                           # 2A / 2B departments
    def test_corsica(numero: str) -> None:
        assert Nir(numero).numero[5:7] in {"2A", "2B"}

    @given(cst.periodes(min_days=30, max_days=365))
    def test_period(periode: Periode) -> None:
        assert 30 <= periode.jours <= 365

Other strategies: ``sirens()``, ``numeros_da(cfa_historique=...)``, ``numeros_deca()``,
``uais()``, ``codes_postaux()``, ``codes_rncp()``, ``emails()``, ``dates(min_value,
max_value)`` and ``numeros_action()``.

Choices: identifiers come out as compact strings (what a form or the feed hands to the
value class, and what a test may also feed to an edge); amounts, dates and periods come
out as domain values. Default ranges are realistic for the platform (amounts up to
100 000 €, dates from 2010 to 2039, periods up to four years) rather than the extremes of
the types; widen them with the parameters when a test needs to. Sections: money and time,
then identifiers; strategies for the aggregates build on these.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from cfa_domain.values import Montant, Periode, Uai

__all__ = [
    "codes_postaux",
    "codes_rncp",
    "dates",
    "emails",
    "montants",
    "nirs",
    "numeros_action",
    "numeros_da",
    "numeros_deca",
    "periodes",
    "sirens",
    "sirets",
    "uais",
]


# --- Money and time ---------------------------------------------------------------------

_ZERO = Montant.zero()
_CENT_MILLE = Montant("100000")
_DATE_MIN = dt.date(2010, 1, 1)
_DATE_MAX = dt.date(2039, 12, 31)
# Apprenticeship contracts last up to three years (four for a disabled apprentice).
_JOURS_MAX = 4 * 365 + 1


def montants(
    min_value: Montant = _ZERO, max_value: Montant = _CENT_MILLE
) -> st.SearchStrategy[Montant]:
    """Amounts to the cent between ``min_value`` and ``max_value`` (both included).

    Defaults: 0,00 € to 100 000,00 €. Drawn as a whole number of cents, so every value is
    exact and failing examples shrink to round figures.
    """
    if max_value < min_value:
        raise InvalidArgument(f"montants: max_value={max_value} < min_value={min_value}")
    centimes = st.integers(int(min_value.valeur * 100), int(max_value.valeur * 100))
    return centimes.map(lambda c: Montant(Decimal(c).scaleb(-2)))


def dates(
    min_value: dt.date = _DATE_MIN, max_value: dt.date = _DATE_MAX
) -> st.SearchStrategy[dt.date]:
    """Calendar dates between ``min_value`` and ``max_value`` (defaults: 2010 to 2039)."""
    return st.dates(min_value=min_value, max_value=max_value)


def periodes(
    min_value: dt.date = _DATE_MIN,
    max_value: dt.date = _DATE_MAX,
    min_days: int = 1,
    max_days: int = _JOURS_MAX,
) -> st.SearchStrategy[Periode]:
    """Periods lying between ``min_value`` and ``max_value``, lasting ``min_days`` to ``max_days``.

    Day counts include both ends (``Periode.jours``): ``min_days=1`` allows one-day periods.
    """
    if min_days < 1 or max_days < min_days:
        raise InvalidArgument(
            f"periodes: need 1 <= min_days <= max_days, got {min_days}, {max_days}"
        )
    if max_value - min_value < dt.timedelta(days=min_days - 1):
        raise InvalidArgument(
            f"periodes: no period of {min_days} days fits between {min_value} and {max_value}"
        )
    return _periodes(min_value=min_value, max_value=max_value, min_days=min_days, max_days=max_days)


@st.composite
def _periodes(
    draw: st.DrawFn, *, min_value: dt.date, max_value: dt.date, min_days: int, max_days: int
) -> Periode:
    dernier_debut = max_value - dt.timedelta(days=min_days - 1)
    debut = draw(st.dates(min_value=min_value, max_value=dernier_debut))
    jours = draw(st.integers(min_days, min(max_days, (max_value - debut).days + 1)))
    return Periode(debut, debut + dt.timedelta(days=jours - 1))


# --- Identifiers ------------------------------------------------------------------------

_SIREN_LA_POSTE = "356000000"
# La Poste's head office follows the Luhn rule; its other establishments do not.
_SIRET_SIEGE_LA_POSTE = "35600000000048"


def _chiffres(nombre: int) -> st.SearchStrategy[str]:
    """Strings of exactly ``nombre`` decimal digits."""
    return st.integers(0, 10**nombre - 1).map(lambda n: f"{n:0{nombre}d}")


def _cle_luhn(chiffres: str) -> str:
    """The digit that makes ``chiffres`` followed by it pass the Luhn check."""
    total = 0
    for rang, caractere in enumerate(reversed(chiffres)):
        chiffre = int(caractere) * (2 if rang % 2 == 0 else 1)
        total += sum(divmod(chiffre, 10))  # a doubled digit counts as the sum of its digits
    return str(-total % 10)


def sirens() -> st.SearchStrategy[str]:
    """SIREN numbers of companies: 8 digits and their Luhn digit (9 digits)."""
    return _chiffres(8).map(lambda debut: debut + _cle_luhn(debut))


def sirets(la_poste: bool | None = None) -> st.SearchStrategy[str]:
    """SIRET numbers of establishments (14 digits), accepted by ``Siret``.

    ``la_poste=False``: a Luhn-valid SIREN, a 4-digit NIC and the Luhn digit of the whole.
    ``la_poste=True``: La Poste's establishments, SIREN 356000000, whose digits add up to a
    multiple of 5 (and the head office 35600000000048, which follows Luhn).
    ``None`` (default): either.
    """
    ordinaires = st.tuples(sirens().filter(lambda s: s != _SIREN_LA_POSTE), _chiffres(4)).map(
        lambda parts: parts[0] + parts[1] + _cle_luhn(parts[0] + parts[1])
    )
    etablissements_poste = st.tuples(_chiffres(4), st.sampled_from((0, 5))).map(
        lambda parts: _la_poste(parts[0], parts[1])
    )
    poste = st.one_of(etablissements_poste, st.just(_SIRET_SIEGE_LA_POSTE))
    if la_poste is None:
        return st.one_of(ordinaires, poste)
    return poste if la_poste else ordinaires


def _la_poste(nic: str, decalage: int) -> str:
    """La Poste SIRET with this NIC and a last digit making the digit sum a multiple of 5."""
    debut = _SIREN_LA_POSTE + nic
    return debut + str(-sum(map(int, debut)) % 5 + decalage)


# Département part of a NIR: metropolitan (20 became 2A/2B in 1976), overseas 97, born
# abroad 99.
_DEPARTEMENTS_NIR = (*(f"{d:02d}" for d in (*range(1, 20), *range(21, 96))), "97", "99")
_CORSE = {"2A": "19", "2B": "18"}


def nirs(corse: bool | None = None) -> st.SearchStrategy[str]:
    """Social security numbers (15 characters), accepted by ``Nir``.

    Sex 1 or 2, two-digit year, month 01 to 12, département, commune, order number and the
    key 97 − (number mod 97), computed with 2A read as 19 and 2B as 18. ``corse=True`` draws
    only Corsica (2A, 2B), ``corse=False`` never, ``None`` (default) both.
    """
    departements: st.SearchStrategy[str]
    if corse is None:
        departements = st.sampled_from((*_DEPARTEMENTS_NIR, *_CORSE))
    else:
        departements = st.sampled_from(tuple(_CORSE) if corse else _DEPARTEMENTS_NIR)
    corps = st.tuples(
        st.sampled_from("12"),
        _chiffres(2),
        st.integers(1, 12).map(lambda m: f"{m:02d}"),
        departements,
        st.integers(1, 999).map(lambda c: f"{c:03d}"),
        st.integers(1, 999).map(lambda o: f"{o:03d}"),
    ).map("".join)
    return corps.map(lambda c: c + _cle_nir(c))


def _cle_nir(corps: str) -> str:
    """The two-digit key of a 13-character NIR body."""
    numerique = corps[:5] + _CORSE.get(corps[5:7], corps[5:7]) + corps[7:]
    return f"{97 - int(numerique) % 97:02d}"


def numeros_da(cfa_historique: bool | None = None) -> st.SearchStrategy[str]:
    """N° DA: 11 digits, or ``CFA`` when ``cfa_historique=True`` (``None``: either)."""
    chiffres = _chiffres(11)
    if cfa_historique is None:
        return st.one_of(chiffres, st.just("CFA"))
    return st.just("CFA") if cfa_historique else chiffres


_DEPARTEMENTS_DECA = (
    *(f"{d:03d}" for d in range(1, 96)),
    "02A",
    "02B",
    *(f"97{d}" for d in range(1, 7)),
)


def numeros_deca() -> st.SearchStrategy[str]:
    """DECA numbers (15 characters ``DDD YYYY MM NN NNNN``), accepted by ``NumeroDeca``.

    Département 001 to 095, 02A, 02B or 971 to 976; year 2010 to 2039; month 01 to 12;
    fourth group two digits or ``NC``; a 4-digit sequence.
    """
    return st.tuples(
        st.sampled_from(_DEPARTEMENTS_DECA),
        st.integers(_DATE_MIN.year, _DATE_MAX.year).map(str),
        st.integers(1, 12).map(lambda m: f"{m:02d}"),
        st.one_of(_chiffres(2), st.just("NC")),
        _chiffres(4),
    ).map("".join)


def uais() -> st.SearchStrategy[str]:
    """UAI numbers: 7 digits and their mod-23 check letter, accepted by ``Uai``."""
    return _chiffres(7).map(lambda chiffres: chiffres + Uai.lettre_de_controle(chiffres))


def codes_postaux() -> st.SearchStrategy[str]:
    """French postal codes: 5 digits, from 01000 to 98999 as real ones are."""
    return st.integers(1000, 98999).map(lambda c: f"{c:05d}")


def codes_rncp() -> st.SearchStrategy[str]:
    """RNCP codes: ``RNCP`` followed by 3 to 5 digits (``RNCP100`` to ``RNCP99999``)."""
    return st.integers(100, 99999).map(lambda n: f"RNCP{n}")


_LETTRES_CHIFFRES = "abcdefghijklmnopqrstuvwxyz0123456789"


def _mots(max_size: int) -> st.SearchStrategy[str]:
    return st.text(_LETTRES_CHIFFRES, min_size=1, max_size=max_size)


def emails() -> st.SearchStrategy[str]:
    """Email addresses already in ``Email``'s normal form (trimmed, lower-case).

    Local part: dot-separated words, maybe a ``+tag``; domain: one or two labels (hyphens
    inside only) and a 2-to-6-letter top-level domain. ``Email(x).adresse == x``.
    """
    locale = st.tuples(
        st.lists(_mots(10), min_size=1, max_size=3).map(".".join),
        st.one_of(st.just(""), _mots(8).map(lambda tag: "+" + tag)),
    ).map("".join)
    label = st.one_of(_mots(12), st.tuples(_mots(6), _mots(6)).map("-".join))
    domaine = st.tuples(
        st.lists(label, min_size=1, max_size=2).map(".".join),
        st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6),
    ).map(".".join)
    return st.tuples(locale, domaine).map("@".join)


def numeros_action() -> st.SearchStrategy[str]:
    """OPCO action numbers: 10 digits not starting with 0, like ``2011303654``."""
    return st.integers(10**9, 10**10 - 1).map(str)
