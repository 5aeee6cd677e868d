"""Value objects: validation with French errors naming the field, forms, arithmetic."""

from __future__ import annotations

import datetime as dt
import functools
import operator
import string
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from stdnum import exceptions as stdnum_exceptions

from cfa_domain import values
from cfa_domain.errors import DonneeInvalide
from cfa_domain.testing import strategies as cst
from cfa_domain.values import (
    CENTIME,
    Categorie,
    CodePostal,
    CodeRncp,
    Email,
    Montant,
    Nir,
    NumeroDA,
    NumeroDeca,
    NumeroSia,
    Periode,
    Piece,
    RegistreContrat,
    Siret,
    Uai,
    arrondi_centime,
    normaliser_recherche,
    verifier_numero_enregistrement,
)

if TYPE_CHECKING:
    from collections.abc import Callable

NNBSP = "\u202f"  # narrow no-break space, the French thousands separator
HEAD_OFFICE_LA_POSTE = "35600000000048"


def refus(construire: Callable[[], object], champ: str | None) -> DonneeInvalide:
    """Run ``construire``, check it raises DonneeInvalide for ``champ``, return the error."""
    with pytest.raises(DonneeInvalide) as info:
        construire()
    assert info.value.champ == champ
    assert info.value.code == "donnee_invalide"
    assert str(info.value) == info.value.message
    return info.value


def chiffre_change(numero: str, position: int, decalage: int) -> str:
    """``numero`` with the digit at ``position`` shifted by ``decalage`` (mod 10)."""
    nouveau = (int(numero[position]) + decalage) % 10
    return numero[:position] + str(nouveau) + numero[position + 1 :]


# --- Montant: construction ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("saisie", "attendu"),
    [
        ("1 234,56 €", "1234.56"),
        (f"1{NNBSP}234,56{NNBSP}€", "1234.56"),
        ("1\xa0234,56\xa0€", "1234.56"),
        ("  12,5  ", "12.50"),
        ("12.5", "12.50"),
        ("-3,10 €", "-3.10"),
        ("0", "0.00"),
        (12, "12.00"),
        (-7, "-7.00"),
        (Decimal("12.500"), "12.50"),
        (Decimal("1E+3"), "1000.00"),
        ("999999999999,99", "999999999999.99"),
    ],
)
def test_montant_accepts_decimals_ints_and_french_strings(saisie: object, attendu: str) -> None:
    """Decimals, ints and French-typed strings become a two-place Decimal."""
    montant = Montant(saisie)
    assert montant.valeur == Decimal(attendu)
    assert montant.valeur.as_tuple().exponent == -2


@pytest.mark.parametrize("saisie", [12.5, 0.0, True, False, None, [1], b"12"])
def test_montant_refuses_floats_booleans_and_other_types(saisie: object) -> None:
    """A float (or a bool, None ...) never becomes an amount, and the message says why."""
    erreur = refus(lambda: Montant(saisie), None)
    assert "montant doit être un Decimal, un entier ou un texte" in erreur.message
    assert type(saisie).__name__ in erreur.message
    assert erreur.valeur is saisie


@pytest.mark.parametrize("saisie", ["1.234", "1,234", "0,001", Decimal("0.005"), "-0.001"])
def test_montant_refuses_sub_cent_precision(saisie: object) -> None:
    """Three decimals are refused (``1,234`` is not read as a thousands separator)."""
    erreur = refus(lambda: Montant(saisie), None)
    assert "deux décimales au plus" in erreur.message


@pytest.mark.parametrize("saisie", ["", "abc", "12,50 EUR", "1.234,56", "€12", "1,2,3"])
def test_montant_refuses_text_that_is_not_a_number(saisie: str) -> None:
    """Text that is not a number is refused with the typed text in the message."""
    erreur = refus(lambda: Montant(saisie), None)
    assert erreur.message == f"« {saisie} » n'est pas un montant valide."
    assert erreur.valeur == saisie


@pytest.mark.parametrize("saisie", ["NaN", "Infinity", "-inf", Decimal("NaN"), Decimal("-Inf")])
def test_montant_refuses_non_finite_numbers(saisie: object) -> None:
    """NaN and infinities are refused."""
    erreur = refus(lambda: Montant(saisie), None)
    assert erreur.message == "Un montant doit être un nombre fini."


@pytest.mark.parametrize("saisie", [10**15, "-1000000000000000", "1e30", Decimal("1E+999999")])
def test_montant_refuses_absurdly_large_amounts(saisie: object) -> None:
    """From 10¹² € in absolute value amounts are refused (what NUMERIC(14, 2) holds)."""
    erreur = refus(lambda: Montant(saisie), None)
    assert "mille milliards" in erreur.message


def test_montant_zero_has_no_sign() -> None:
    """Zero computed from a negative amount prints 0,00 €, never -0,00 €."""
    assert str(Montant("-5") * 0) == "0,00 €"
    assert str(Montant("-0")) == "0,00 €"
    assert str(Montant.arrondi(Decimal("-0.004"))) == "0,00 €"
    assert str(-Montant.zero()) == "0,00 €"


def test_montant_zero_and_truthiness() -> None:
    """0,00 € is falsy and equal however it was written; any other amount is truthy."""
    assert Montant.zero() == Montant("0,00") == Montant(0)
    assert not Montant.zero()
    assert Montant("0.01")
    assert Montant("-0.01")


def test_montant_equal_values_hash_alike() -> None:
    """Amounts written differently but equal are one set member."""
    assert {Montant("1.0"), Montant(1), Montant("1,00 €")} == {Montant("1")}


# --- Montant: arithmetic -----------------------------------------------------------------


def test_montant_addition_is_exact() -> None:
    """0,10 € + 0,20 € is exactly 0,30 € (the float trap does not apply)."""
    assert Montant("0.10") + Montant("0.20") == Montant("0.30")


def test_montant_subtraction_may_go_negative() -> None:
    """A difference may be negative (an overpayment to recover)."""
    difference = Montant("10") - Montant("12,50")
    assert difference == Montant("-2.50")
    assert difference.est_negatif
    assert not Montant.zero().est_negatif
    assert -difference == Montant("2.50")


@pytest.mark.parametrize(
    ("montant", "taux", "attendu"),
    [
        ("10.05", Decimal("0.5"), "5.03"),  # 5,025 rounds half-up (banker's would give 5,02)
        ("-10.05", Decimal("0.5"), "-5.03"),  # half-up rounds away from zero
        ("0.01", Decimal("0.5"), "0.01"),
        ("0.01", Decimal("0.49"), "0.00"),
        ("26247", Decimal("0.4"), "10498.80"),  # 40 % advance
        ("33.33", 3, "99.99"),
        ("12.34", 0, "0.00"),
    ],
)
def test_montant_multiplication_rounds_half_up(
    montant: str, taux: Decimal | int, attendu: str
) -> None:
    """Multiplying by a rate or a quantity rounds half-up to the cent, on either side."""
    assert Montant(montant) * taux == Montant(attendu)
    assert taux * Montant(montant) == Montant(attendu)


def test_montant_arrondi_rounds_half_up() -> None:
    """Montant.arrondi rounds a computed Decimal half-up (2,675 → 2,68), and takes ints."""
    assert Montant.arrondi(Decimal("2.675")) == Montant("2.68")
    assert Montant.arrondi(Decimal("-2.675")) == Montant("-2.68")
    assert Montant.arrondi(Decimal("2.674999")) == Montant("2.67")
    assert Montant.arrondi(7) == Montant("7")
    refus(lambda: Montant.arrondi(2.675), None)  # type: ignore[arg-type]  # a float is refused
    refus(lambda: Montant.arrondi(Decimal("1e30")), None)


def test_arrondi_centime() -> None:
    """arrondi_centime quantizes half-up to two places."""
    assert arrondi_centime(Decimal("0.125")) == Decimal("0.13")
    assert arrondi_centime(Decimal("0.125")).as_tuple().exponent == -2
    assert arrondi_centime(Decimal(3)) == Decimal("3.00")
    assert Decimal("0.01") == CENTIME


def test_montant_multiplication_out_of_range_or_not_finite() -> None:
    """A product beyond the limits, or by an infinite rate, is refused as a DonneeInvalide."""
    refus(lambda: Montant("1") * Decimal("1e16"), None)
    refus(lambda: Montant("1") * Decimal("Infinity"), None)


@pytest.mark.parametrize(
    "operation",
    [
        lambda m: m + 1,
        lambda m: m + Decimal(1),
        lambda m: m - 1,
        lambda m: 1 - m,
        lambda m: m * 1.5,
        lambda m: m * True,
        lambda m: m * m,
        lambda m: m < 1,
    ],
)
def test_montant_refuses_mixed_arithmetic(operation: Callable[[Any], object]) -> None:
    """Adding a plain number, multiplying by a float, bool or amount, comparing to an int fail."""
    with pytest.raises(TypeError):
        operation(Montant("10"))


def test_montant_ordering() -> None:
    """Amounts order by value."""
    assert Montant("9.99") < Montant("10") <= Montant("10.00") < Montant("10.01")
    assert sorted([Montant("2"), Montant("-1"), Montant("0.5")]) == [
        Montant("-1"),
        Montant("0.5"),
        Montant("2"),
    ]
    assert max(Montant("3"), Montant("12")) == Montant("12")


def test_montant_somme() -> None:
    """Montant.somme adds any iterable exactly, 0,00 € when empty."""
    assert Montant.somme([]) == Montant.zero()
    assert Montant.somme([Montant("1.10"), Montant("2.20"), Montant("3.30")]) == Montant("6.60")
    assert Montant.somme(Montant("0.10") for _ in range(10)) == Montant("1")


@pytest.mark.parametrize(
    ("montant", "texte"),
    [
        ("26247", f"26{NNBSP}247,00 €"),
        ("1234567.8", f"1{NNBSP}234{NNBSP}567,80 €"),
        ("-1234.5", f"-1{NNBSP}234,50 €"),
        ("999", "999,00 €"),
        ("0.5", "0,50 €"),
    ],
)
def test_montant_prints_the_french_way(montant: str, texte: str) -> None:
    """Amounts print with a decimal comma, narrow no-break spaces and the euro sign."""
    assert str(Montant(montant)) == texte


# --- Montant: properties -----------------------------------------------------------------

tous_montants = cst.montants(min_value=Montant("-1000000"), max_value=Montant("1000000"))
taux = st.decimals(min_value=-10, max_value=10, places=6, allow_nan=False, allow_infinity=False)


@given(tous_montants)
def test_montant_round_trips_through_its_forms(montant: Montant) -> None:
    """The printed form and the comma-typed text re-parse to an equal amount."""
    assert Montant(str(montant)) == montant
    assert Montant(format(montant.valeur, "f").replace(".", ",")) == montant


@given(tous_montants, tous_montants)
def test_montant_addition_commutative_and_exact(a: Montant, b: Montant) -> None:
    """Addition commutes and equals the exact Decimal sum."""
    assert a + b == b + a
    assert (a + b).valeur == a.valeur + b.valeur


@given(tous_montants, tous_montants, tous_montants)
def test_montant_addition_associative(a: Montant, b: Montant, c: Montant) -> None:
    """Addition is associative."""
    assert (a + b) + c == a + (b + c)


@given(tous_montants, tous_montants)
def test_montant_subtraction_undoes_addition(a: Montant, b: Montant) -> None:
    """Subtracting then adding b gives a back; an amount plus its opposite is zero."""
    assert a - b + b == a
    assert a + (-a) == Montant.zero()
    assert -a + a == Montant.zero()
    assert (-a).valeur == -a.valeur


@given(st.lists(tous_montants, max_size=20))
def test_montant_somme_is_repeated_addition(montants: list[Montant]) -> None:
    """Montant.somme equals folding + from zero."""
    assert Montant.somme(montants) == functools.reduce(operator.add, montants, Montant.zero())


@given(tous_montants, st.integers(0, 50))
def test_montant_times_quantity_is_repeated_addition(montant: Montant, quantite: int) -> None:
    """Multiplying by a whole quantity needs no rounding: it is repeated addition."""
    assert montant * quantite == Montant.somme([montant] * quantite)


@given(tous_montants, taux)
def test_montant_times_rate_is_within_half_a_cent(montant: Montant, t: Decimal) -> None:
    """A rated amount is the exact product rounded half-up: within half a cent of it."""
    produit = montant * t
    exact = montant.valeur * t
    assert abs(produit.valeur - exact) <= CENTIME / 2
    assert produit == Montant(arrondi_centime(exact))


@given(tous_montants, tous_montants)
def test_montant_order_follows_value(a: Montant, b: Montant) -> None:
    """Ordering agrees with the Decimal values."""
    assert (a < b) == (a.valeur < b.valeur)
    assert (a == b) == (a.valeur == b.valeur)


@given(st.integers(-(10**9), 10**9), st.integers(1, 9))
def test_montant_any_third_decimal_is_refused(centimes: int, chiffre: int) -> None:
    """Any non-zero third decimal is refused, whatever the amount."""
    sous_centime = Decimal(centimes * 10 + chiffre).scaleb(-3)
    refus(lambda: Montant(sous_centime), None)
    refus(lambda: Montant(str(sous_centime)), None)


@given(st.floats())
def test_montant_never_accepts_a_float(nombre: float) -> None:
    """No float, however round, becomes an amount."""
    refus(lambda: Montant(nombre), None)


# --- Siret ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "saisie", ["85403311500015", "854 033 115 00015", "854.033.115.00015", " 85403311500015 "]
)
def test_siret_of_opco_sante(saisie: str) -> None:
    """OPCO Santé's SIRET (from the guide) is accepted with spaces or dots, stored compact."""
    siret = Siret(saisie)
    assert siret.numero == "85403311500015"
    assert siret.siren == "854033115"
    assert str(siret) == "854 033 115 00015"


@pytest.mark.parametrize("numero", ["35600000049837", "35600000012341"])
def test_siret_la_poste_uses_the_digit_sum(numero: str) -> None:
    """La Poste establishments fail Luhn but are valid: their digits add up to a multiple of 5."""
    assert Siret(numero).siren == "356000000"


def test_siret_la_poste_head_office_uses_luhn() -> None:
    """La Poste's head office follows Luhn (its digit sum, 26, is no multiple of 5)."""
    assert Siret(HEAD_OFFICE_LA_POSTE).numero == HEAD_OFFICE_LA_POSTE


@pytest.mark.parametrize(
    ("saisie", "fin_du_message"),
    [
        ("85403311500016", "clé de contrôle incorrecte."),
        ("35600000012342", "clé de contrôle incorrecte."),  # La Poste, digit sum 26
        ("12345678000006", "clé de contrôle incorrecte."),  # Luhn holds, not on the SIREN
        ("8540331150001", "longueur incorrecte."),
        ("854033115000150", "longueur incorrecte."),
        ("8540331150001A", "format incorrect."),
        ("", "format incorrect."),
    ],
)
def test_siret_refusals(saisie: str, fin_du_message: str) -> None:
    """Bad checksum, length or format are refused on the siret field with the typed text."""
    erreur = refus(lambda: Siret(saisie), "siret")
    assert erreur.message == f"SIRET « {saisie} » : {fin_du_message}"
    assert erreur.valeur == saisie


def test_siret_refuses_non_strings() -> None:
    """A SIRET given as a number is refused (leading zeros would be lost)."""
    erreur = refus(lambda: Siret(85403311500015), "siret")
    assert erreur.message == "SIRET : une chaîne de caractères est attendue."


def test_stdnum_other_validation_errors_get_a_generic_french_message() -> None:
    """Any other stdnum validation error becomes « n'est pas valide » on the given field."""

    class _Module:
        @staticmethod
        def validate(_numero: str) -> str:
            raise stdnum_exceptions.InvalidComponent

    erreur = refus(lambda: values._stdnum(_Module, "123", "siret", "SIRET"), "siret")
    assert erreur.message == "SIRET « 123 » n'est pas valide."


def test_siret_ordering() -> None:
    """SIRETs order by number."""
    assert Siret("35600000049837") < Siret("85403311500015")


@given(cst.sirets())
def test_siret_round_trips(numero: str) -> None:
    """The printed form re-parses to an equal SIRET; the compact form is the number typed."""
    siret = Siret(numero)
    assert Siret(str(siret)) == siret
    assert siret.numero == numero
    assert siret.siren == numero[:9]


@given(cst.sirets(la_poste=False), st.integers(0, 13), st.integers(1, 9))
def test_siret_one_changed_digit_is_detected(numero: str, position: int, decalage: int) -> None:
    """Changing any one digit of a Luhn SIRET makes it invalid.

    It never turns into one of La Poste's (another rule): 356000000 passes Luhn too, so no
    other Luhn SIREN is one digit away from it.
    """
    modifie = chiffre_change(numero, position, decalage)
    assert not modifie.startswith("356000000")
    refus(lambda: Siret(modifie), "siret")


@given(cst.sirets(la_poste=True), st.integers(0, 13), st.integers(1, 9))
def test_siret_la_poste_one_changed_digit(numero: str, position: int, decalage: int) -> None:
    """In a La Poste SIRET, a changed digit is only missed in the NIC, by the digit-sum rule.

    An establishment's digits add up to a multiple of 5: a shift of 5 keeps it so. The head
    office (Luhn, digit sum 26) changed in its NIC falls under that rule too: a shift of 4
    or 9 makes the sum a multiple of 5. A changed SIREN is no longer La Poste's and fails
    its Luhn digit.
    """
    siege = numero == HEAD_OFFICE_LA_POSTE
    event("siège (Luhn)" if siege else "établissement (somme des chiffres)")
    modifie = chiffre_change(numero, position, decalage)
    if siege:
        reste_valide = position >= 9 and decalage in {4, 9}
    else:
        reste_valide = (position >= 9 and decalage == 5) or modifie == HEAD_OFFICE_LA_POSTE
    if reste_valide:
        assert Siret(modifie).siren == "356000000"
    else:
        refus(lambda: Siret(modifie), "siret")


# --- Nir -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "saisie", ["295109912611193", "2 95 10 99 126 111 93", "2.95.10.99.126.111.93"]
)
def test_nir_accepts_spaced_forms(saisie: str) -> None:
    """A NIR may be typed with spaces or dots; it is stored compact and printed spaced."""
    nir = Nir(saisie)
    assert nir.numero == "295109912611193"
    assert str(nir) == "2 95 10 99 126 111 93"
    assert nir.masque() == "2 95 10 •• ••• ••• 93"


@pytest.mark.parametrize(
    ("saisie", "numero"),
    [
        # 1850219004123 mod 97 = 89 → key 08 (2A read as 19).
        ("185022A00412308", "185022A00412308"),
        ("185022a00412308", "185022A00412308"),
        # 1850218004123 mod 97 = 62 → key 35 (2B read as 18).
        ("185022B00412335", "185022B00412335"),
    ],
)
def test_nir_corsica(saisie: str, numero: str) -> None:
    """Corsican NIRs (2A, 2B) are valid with the key computed on 19 / 18."""
    assert Nir(saisie).numero == numero


@pytest.mark.parametrize(
    ("saisie", "fin_du_message"),
    [
        ("185022A00412335", "clé de contrôle incorrecte."),  # 2B's key on a 2A number
        ("295109912611194", "clé de contrôle incorrecte."),
        ("2951099126111", "longueur incorrecte."),
        ("2951099126111930", "longueur incorrecte."),
        ("29510991261119X", "format incorrect."),
        ("185022C00412308", "format incorrect."),
    ],
)
def test_nir_refusals(saisie: str, fin_du_message: str) -> None:
    """Bad key, length or format are refused on the nir field."""
    erreur = refus(lambda: Nir(saisie), "nir")
    assert erreur.message == f"N° de sécurité sociale « {saisie} » : {fin_du_message}"


def test_nir_refuses_non_strings() -> None:
    """A NIR given as a number is refused."""
    refus(lambda: Nir(295109912611193), "nir")


@given(cst.nirs())
def test_nir_round_trips(numero: str) -> None:
    """The printed and compact forms re-parse to an equal NIR; the mask keeps the key."""
    nir = Nir(numero)
    assert Nir(str(nir)) == nir
    assert Nir(nir.numero.lower()) == nir
    assert nir.masque().endswith(nir.numero[13:])
    assert nir.numero[7:13] not in nir.masque().replace(" ", "")


@given(cst.nirs(), st.data(), st.integers(1, 9))
def test_nir_one_changed_digit_is_detected(
    numero: str, donnees: st.DataObject, decalage: int
) -> None:
    """Changing any one digit of a NIR (body or key) makes it invalid (2A/2B are letters)."""
    chiffres = [rang for rang, caractere in enumerate(numero) if caractere.isdigit()]
    position = donnees.draw(st.sampled_from(chiffres), label="position")
    refus(lambda: Nir(chiffre_change(numero, position, decalage)), "nir")


@given(cst.nirs(corse=True))
def test_nir_swapping_2a_and_2b_is_detected(numero: str) -> None:
    """A 2A number read as 2B (or back) fails its key."""
    autre = "2B" if numero[5:7] == "2A" else "2A"
    refus(lambda: Nir(numero[:5] + autre + numero[7:]), "nir")


# --- NumeroDA ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("saisie", "numero", "historique"),
    [
        ("11755432175", "11755432175", False),
        ("11 75 54321 75", "11755432175", False),
        ("CFA", "CFA", True),
        (" cfa ", "CFA", True),
    ],
)
def test_numero_da_accepts_eleven_digits_or_cfa(saisie: str, numero: str, historique: bool) -> None:
    """11 digits (spaces allowed) or the literal CFA of a historical CFA."""
    da = NumeroDA(saisie)
    assert da.numero == numero
    assert str(da) == numero
    assert da.cfa_historique is historique


@pytest.mark.parametrize("saisie", ["1175543217", "117554321755", "1175543217A", "CFA1", ""])
def test_numero_da_refusals(saisie: str) -> None:
    """Anything else is refused on the numero_da field, mentioning the CFA case."""
    erreur = refus(lambda: NumeroDA(saisie), "numero_da")
    assert "11 chiffres attendus" in erreur.message
    assert "« CFA »" in erreur.message


def test_numero_da_refuses_non_strings() -> None:
    """An N° DA given as a number is refused."""
    erreur = refus(lambda: NumeroDA(11755432175), "numero_da")
    assert erreur.message == "N° DA : une chaîne de caractères est attendue."


# --- NumeroDeca ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("saisie", "numero", "departement", "annee", "mois"),
    [
        ("02B202212000000", "02B202212000000", "02B", 2022, 12),
        ("02b 2022 12 00 0000", "02B202212000000", "02B", 2022, 12),
        ("02A-2020-01-15-1234", "02A202001151234", "02A", 2020, 1),
        ("075202109NC0042", "075202109NC0042", "075", 2021, 9),
        ("974 2021 01 nc 0042", "974202101NC0042", "974", 2021, 1),
    ],
)
def test_numero_deca_accepts(
    saisie: str, numero: str, departement: str, annee: int, mois: int
) -> None:
    """Corsica, overseas departments and NC in the 4th group are accepted, stored compact."""
    deca = NumeroDeca(saisie)
    assert deca.numero == numero
    assert str(deca) == numero
    assert (deca.departement, deca.annee, deca.mois) == (departement, annee, mois)


@pytest.mark.parametrize(
    "saisie",
    [
        "000202212000000",  # department 000
        "02C202212000000",
        "075202213000000",  # month 13
        "075202200000000",  # month 00
        "0752022120000NC",  # NC outside the 4th group
        "07520221200000",  # 14 characters
        "0752022120000000",
        "175202212000000",
    ],
)
def test_numero_deca_refusals(saisie: str) -> None:
    """Malformed DECA numbers are refused on numero_deca, with an example of the form."""
    erreur = refus(lambda: NumeroDeca(saisie), "numero_deca")
    assert "02B202212000000" in erreur.message


def test_numero_deca_refuses_non_strings() -> None:
    """A DECA number given as a number is refused."""
    refus(lambda: NumeroDeca(75202212000000), "numero_deca")


@given(cst.numeros_deca())
def test_numero_deca_round_trips(numero: str) -> None:
    """The compact form re-parses to an equal number, and its parts read back."""
    deca = NumeroDeca(numero)
    assert NumeroDeca(str(deca)) == deca
    assert deca.departement + str(deca.annee) + f"{deca.mois:02d}" == numero[:9]


def test_numero_deca_ordering() -> None:
    """DECA numbers order by their compact text."""
    assert NumeroDeca("02B202212000000") < NumeroDeca("075202109NC0042")


# --- NumeroSia and the registration rule they share --------------------------------------


def test_numero_sia_has_the_deca_form_and_keeps_its_register() -> None:
    """An SIA number is read like a DECA number, but is not equal to the same DECA number."""
    sia = NumeroSia("974 2021 01 nc 0042")
    assert (sia.numero, str(sia)) == ("974202101NC0042", "974202101NC0042")
    assert (sia.departement, sia.annee, sia.mois) == ("974", 2021, 1)
    assert sia.registre is RegistreContrat.SIA
    assert NumeroDeca("974202101NC0042").registre is RegistreContrat.DECA
    deca: object = NumeroDeca("974202101NC0042")
    assert sia != deca
    assert [r.libelle for r in RegistreContrat] == ["DECA", "SIA"]


@pytest.mark.parametrize("saisie", ["SIA-2024-000123", "075202213000000", "", "12345"])
def test_numero_sia_refusals_name_the_register(saisie: str) -> None:
    """Anything but the DECA structure is refused, on numero_sia, naming the SIA."""
    erreur = refus(lambda: NumeroSia(saisie), "numero_sia")
    assert erreur.message.startswith(f"Numéro SIA « {saisie} » : 15 caractères attendus")


def test_verifier_numero_enregistrement_without_register() -> None:
    """The search field's check names both registers and returns the compact number."""
    assert verifier_numero_enregistrement(" 02b 2022 12 00 0000 ") == "02B202212000000"
    erreur = refus(lambda: verifier_numero_enregistrement("02C"), "numero_enregistrement")
    assert erreur.message.startswith("Numéro DECA ou SIA « 02C »")


# --- Uai -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chiffres", "lettre"),
    [
        ("0750654", "D"),  # lycée Louis-le-Grand: 750654 mod 23 = 3
        ("0750655", "E"),
        ("0000008", "J"),  # no I in the alphabet
        ("0000013", "P"),  # no O
        ("0000014", "R"),  # no Q
        ("0010001", "W"),  # 10001 mod 23 = 19
    ],
)
def test_uai_check_letter(chiffres: str, lettre: str) -> None:
    """The check letter is the (number mod 23)-th letter of A–Z without I, O and Q."""
    assert Uai.lettre_de_controle(chiffres) == lettre
    assert Uai(chiffres + lettre).numero == chiffres + lettre
    assert Uai(chiffres + lettre.lower()).numero == chiffres + lettre
    assert str(Uai(chiffres + lettre)) == chiffres + lettre


def test_uai_refusals() -> None:
    """A wrong letter, a bad shape or a non-string are refused on the uai field."""
    erreur = refus(lambda: Uai("0750654E"), "uai")
    assert erreur.message == "N° UAI « 0750654E » : lettre de contrôle incorrecte."
    for saisie in ["075065D", "07506544", "0750654DD", "A750654D"]:
        erreur = refus(functools.partial(Uai, saisie), "uai")
        assert erreur.message == f"N° UAI « {saisie} » : 7 chiffres suivis d'une lettre attendus."
    refus(lambda: Uai(750654), "uai")


@given(cst.uais())
def test_uai_round_trips(numero: str) -> None:
    """The printed form re-parses to an equal UAI."""
    assert Uai(str(Uai(numero))) == Uai(numero)


@given(cst.uais(), st.integers(0, 6), st.integers(1, 9))
def test_uai_one_changed_digit_is_detected(numero: str, position: int, decalage: int) -> None:
    """Changing any one digit of a UAI makes its letter wrong (23 is prime)."""
    refus(lambda: Uai(chiffre_change(numero, position, decalage)), "uai")


@given(cst.uais(), st.integers(1, 25))
def test_uai_other_letters_are_refused(numero: str, decalage: int) -> None:
    """Only the computed letter is accepted: each of the 25 others is refused."""
    alphabet = string.ascii_uppercase
    lettre = alphabet[(alphabet.index(numero[7]) + decalage) % len(alphabet)]
    refus(lambda: Uai(numero[:7] + lettre), "uai")


# --- CodePostal, CodeRncp ------------------------------------------------------------------


def test_code_postal() -> None:
    """Five digits, spaces removed; anything else refused on code_postal."""
    assert CodePostal("75 013").code == "75013"
    assert str(CodePostal("01000")) == "01000"
    for saisie in ["7501", "750130", "2A000", ""]:
        erreur = refus(functools.partial(CodePostal, saisie), "code_postal")
        assert erreur.message == f"Code postal « {saisie} » : 5 chiffres attendus."
    refus(lambda: CodePostal(75013), "code_postal")


def test_code_rncp() -> None:
    """RNCP followed by 3 to 5 digits, any case and spacing; anything else refused."""
    assert CodeRncp("RNCP34567").code == "RNCP34567"
    assert CodeRncp("rncp 345").code == "RNCP345"
    assert str(CodeRncp("Rncp-12345")) == "RNCP12345"
    for saisie in ["RNCP12", "RNCP123456", "34567", "RNCPABC", "RS1234"]:
        erreur = refus(functools.partial(CodeRncp, saisie), "code_rncp")
        assert "« RNCP » suivi de 3 à 5 chiffres" in erreur.message
    refus(lambda: CodeRncp(34567), "code_rncp")


@given(cst.codes_postaux(), cst.codes_rncp())
def test_codes_round_trip(code_postal: str, code_rncp: str) -> None:
    """Printed postal and RNCP codes re-parse to equal values."""
    assert CodePostal(str(CodePostal(code_postal))) == CodePostal(code_postal)
    assert CodeRncp(str(CodeRncp(code_rncp))) == CodeRncp(code_rncp)


# --- Email ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("saisie", "adresse"),
    [
        ("  Jean.Dupont@Example.FR ", "jean.dupont@example.fr"),
        ("contact+cfa@opco-sante.fr", "contact+cfa@opco-sante.fr"),
        ("a@b.co", "a@b.co"),
        ("o'brien@sub.domaine.fr", "o'brien@sub.domaine.fr"),
    ],
)
def test_email_is_trimmed_and_lower_cased(saisie: str, adresse: str) -> None:
    """One mailbox is one login: surrounding spaces go, letters are lower-cased."""
    email = Email(saisie)
    assert email.adresse == adresse
    assert str(email) == adresse
    assert Email(saisie) == Email(adresse.upper())


@pytest.mark.parametrize(
    "saisie",
    [
        "",
        "jean.dupont",
        "jean@",
        "@example.fr",
        "jean@example",
        "jean dupont@example.fr",
        "jean..dupont@example.fr",
        "jean@example..fr",
        "jean@-example.fr",
        "jean@example-.fr",
        "jean@@example.fr",
        "éloïse@example.fr",
        "jean@example.f",
        "a" * 65 + "@example.fr",
        "jean@" + "a" * 70 + ".fr",  # a domain label is at most 63 characters
    ],
)
def test_email_refusals(saisie: str) -> None:
    """Malformed addresses are refused on the email field, quoting what was typed."""
    erreur = refus(lambda: Email(saisie), "email")
    assert erreur.message == f"« {saisie} » n'est pas une adresse email valide."


def test_email_refuses_more_than_254_characters() -> None:
    """An address longer than RFC 5321's 254 characters is refused, saying so."""
    erreur = refus(lambda: Email("jean@" + "a" * 250 + ".fr"), "email")
    assert erreur.message == "Adresse email : 254 caractères au plus."


def test_email_refuses_non_strings() -> None:
    """An address that is not a string is refused on the email field."""
    erreur = refus(lambda: Email(None), "email")
    assert erreur.message == "Adresse email : une chaîne de caractères est attendue."


def test_email_ordering() -> None:
    """Emails order by normalised address."""
    assert Email("B@example.fr") > Email("a@example.fr")


@given(cst.emails())
def test_email_normalisation_is_idempotent(adresse: str) -> None:
    """Re-parsing a normalised address, or its upper-case form, gives the same email."""
    email = Email(adresse)
    assert Email(str(email)) == email
    assert Email(f"  {adresse.upper()}\t") == email


# --- Periode -------------------------------------------------------------------------------

JANVIER_2020 = dt.date(2020, 1, 1)
JUIN_2020 = dt.date(2020, 6, 30)


def test_periode_counts_days_inclusively() -> None:
    """Both ends count: 1 Jan – 30 Jun 2020 is 182 days (leap year), one day is 1."""
    assert Periode(JANVIER_2020, JUIN_2020).jours == 182
    assert Periode(JANVIER_2020, JANVIER_2020).jours == 1
    assert Periode(dt.date(2021, 1, 1), dt.date(2021, 12, 31)).jours == 365


def test_periode_prints_french_dates() -> None:
    """A period prints as « du 01/01/2020 au 30/06/2020 »."""
    assert str(Periode(JANVIER_2020, JUIN_2020)) == "du 01/01/2020 au 30/06/2020"


def test_periode_refuses_end_before_start() -> None:
    """An end before the start is refused on date_fin, both dates in the message."""
    erreur = refus(lambda: Periode(JUIN_2020, JANVIER_2020), "date_fin")
    assert erreur.message == ("La date de fin (01/01/2020) précède la date de début (30/06/2020).")


@pytest.mark.parametrize(
    ("debut", "fin", "champ"),
    [
        ("2020-01-01", JUIN_2020, "date_debut"),
        (dt.datetime(2020, 1, 1, tzinfo=dt.UTC), JUIN_2020, "date_debut"),
        (JANVIER_2020, None, "date_fin"),
        (JANVIER_2020, dt.datetime(2020, 6, 30, tzinfo=dt.UTC), "date_fin"),
    ],
)
def test_periode_refuses_non_dates(debut: object, fin: object, champ: str) -> None:
    """Strings and datetimes are not dates; the error names the field that holds them."""
    erreur = refus(lambda: Periode(debut, fin), champ)
    assert erreur.message == "Une date est attendue."


def test_periode_contient() -> None:
    """A period contains its own ends and the periods inside it, nothing beyond."""
    premier_semestre = Periode(JANVIER_2020, JUIN_2020)
    assert premier_semestre.contient(JANVIER_2020)
    assert premier_semestre.contient(JUIN_2020)
    assert not premier_semestre.contient(dt.date(2019, 12, 31))
    assert not premier_semestre.contient(dt.date(2020, 7, 1))
    assert premier_semestre.contient(premier_semestre)
    assert premier_semestre.contient(Periode(dt.date(2020, 3, 1), dt.date(2020, 3, 31)))
    assert not premier_semestre.contient(Periode(dt.date(2020, 6, 1), dt.date(2020, 7, 1)))
    assert not premier_semestre.contient(Periode(dt.date(2019, 12, 31), JUIN_2020))


def test_periode_chevauche() -> None:
    """Sharing a single day is overlapping; consecutive periods do not overlap."""
    premier_semestre = Periode(JANVIER_2020, JUIN_2020)
    assert premier_semestre.chevauche(Periode(JUIN_2020, dt.date(2020, 12, 31)))
    assert not premier_semestre.chevauche(Periode(dt.date(2020, 7, 1), dt.date(2020, 12, 31)))
    assert not premier_semestre.chevauche(Periode(dt.date(2019, 1, 1), dt.date(2019, 12, 31)))
    assert premier_semestre.chevauche(Periode(dt.date(2019, 1, 1), dt.date(2021, 1, 1)))


def test_periode_ordering() -> None:
    """Periods order by start, then end."""
    assert Periode(JANVIER_2020, JANVIER_2020) < Periode(JANVIER_2020, JUIN_2020)
    assert Periode(JANVIER_2020, JUIN_2020) < Periode(dt.date(2020, 1, 2), dt.date(2020, 1, 3))


def _jours(periode: Periode) -> set[dt.date]:
    return {periode.debut + dt.timedelta(days=n) for n in range(periode.jours)}


petites_periodes = cst.periodes(
    min_value=dt.date(2020, 1, 1), max_value=dt.date(2020, 4, 30), max_days=60
)


@given(petites_periodes, petites_periodes)
def test_periode_overlap_and_containment_match_sets_of_days(p: Periode, q: Periode) -> None:
    """Overlap and containment agree with the sets of days each period covers."""
    assert p.chevauche(q) == bool(_jours(p) & _jours(q)) == q.chevauche(p)
    assert p.contient(q) == (_jours(q) <= _jours(p))
    assert len(_jours(p)) == p.jours


@given(cst.periodes())
def test_periode_contains_its_days(periode: Periode) -> None:
    """A period contains and overlaps itself, and contains both its ends."""
    assert periode.contient(periode)
    assert periode.chevauche(periode)
    assert periode.contient(periode.debut)
    assert periode.contient(periode.fin)
    assert not periode.contient(periode.fin + dt.timedelta(days=1))


@given(cst.dates(), cst.dates())
def test_periode_exists_iff_ordered(a: dt.date, b: dt.date) -> None:
    """Two dates make a period exactly when the first is not after the second."""
    if a <= b:
        assert Periode(a, b).jours == (b - a).days + 1
    else:
        refus(lambda: Periode(a, b), "date_fin")


# --- normaliser_recherche, Categorie, Piece ------------------------------------------------


@pytest.mark.parametrize(
    ("texte", "forme"),
    [
        ("Éloïse", "eloise"),
        ("  Jean-Édouard   DE LA\tTour ", "jean-edouard de la tour"),
        ("FRANÇOIS", "francois"),
        ("Straße", "strasse"),
        ("ﬁlipe", "filipe"),
        ("", ""),
    ],
)
def test_normaliser_recherche(texte: str, forme: str) -> None:
    """Case, accents, ligatures and extra spaces do not matter when searching by name."""
    assert normaliser_recherche(texte) == forme


lettres_francaises = st.text("abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿ -'", max_size=30)


@given(lettres_francaises)
def test_normaliser_recherche_properties(texte: str) -> None:
    """On French names the form is case-blind, accent-free, single-spaced and idempotent."""
    forme = normaliser_recherche(texte)
    assert normaliser_recherche(texte.upper()) == forme
    assert normaliser_recherche(forme) == forme
    assert forme.isascii()
    assert forme == forme.strip()
    assert "  " not in forme


def test_categorie_and_piece_labels() -> None:
    """Each request line and each document has its French label."""
    assert [c.libelle for c in Categorie] == [
        "Frais pédagogiques",
        "Frais de repas et de nuitées",
        "Frais divers",
        "Frais de mobilité internationale",
        "Majoration handicap (RQTH)",
    ]
    assert Categorie("repas_nuitees") is Categorie.REPAS_NUITEES
    assert Piece.FACTURE.libelle == "Facture"
    assert Piece.CERTIFICAT_REALISATION.libelle == "Certificat de réalisation"
