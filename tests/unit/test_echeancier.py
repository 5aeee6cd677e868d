"""Example tests of the payment schedule, with figures computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest

from cfa_domain.echeancier import (
    PARAMETRES_PAR_DEFAUT,
    RYTHME_2021,
    ConventionAnniversaire,
    Echeancier,
    MethodePoids,
    ParametresEcheancier,
    Regime,
    Tranche,
    ajouter_mois,
    anniversaire,
    calculer_echeancier,
    tranches_reprise_de_stock,
)
from cfa_domain.errors import DonneeInvalide
from cfa_domain.remboursement import certificat_requis
from cfa_domain.values import Montant, Periode

D = dt.date


def _lignes(
    echeancier: Echeancier,
) -> list[tuple[str, dt.date, dt.date, str, dt.date, dt.date | None]]:
    """Each installment as (code, period start, period end, amount, opening, lapse)."""
    return [
        (
            e.codification,
            e.periode.debut,
            e.periode.fin,
            str(e.montant.valeur),
            e.date_ouverture,
            e.date_caducite,
        )
        for e in echeancier.echeances
    ]


# --- calendar arithmetic ---------------------------------------------------------------


def test_ajouter_mois_clamps_to_the_last_day_of_the_month() -> None:
    """A day missing from the target month becomes that month's last day."""
    assert ajouter_mois(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert ajouter_mois(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert ajouter_mois(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert ajouter_mois(D(2024, 1, 31), 2) == D(2024, 3, 31)
    assert ajouter_mois(D(2024, 11, 15), 3) == D(2025, 2, 15)


def test_month_dates_are_computed_from_the_year_start_so_clamps_do_not_accumulate() -> None:
    """A contract starting on 31 January has month 2 from 29 February and month 3 from 31 March."""
    echeancier = calculer_echeancier(
        debut=D(2024, 1, 31),
        fin=D(2025, 1, 30),
        date_signature=D(2024, 1, 2),
        engagement=Montant(1000),
        parametres=attrs.evolve(
            PARAMETRES_PAR_DEFAUT,
            rythme_2021=(
                Tranche(1, 1, Decimal(50)),
                Tranche(2, 2, Decimal(25)),
                Tranche(3, 12, Decimal(25)),
            ),
        ),
    )
    assert [(e.periode.debut, e.periode.fin) for e in echeancier.echeances] == [
        (D(2024, 1, 31), D(2024, 2, 28)),
        (D(2024, 2, 29), D(2024, 3, 30)),
        (D(2024, 3, 31), D(2025, 1, 30)),
    ]


def test_anniversaire_of_29_february_follows_the_convention() -> None:
    """29 February's anniversary is 1 March in a non-leap year by default, 28 February if chosen."""
    assert anniversaire(D(2024, 2, 29), 0) == D(2024, 2, 29)
    assert anniversaire(D(2024, 2, 29), 1) == D(2025, 3, 1)
    assert anniversaire(D(2024, 2, 29), 4) == D(2028, 2, 29)
    veille = ConventionAnniversaire.VINGT_HUIT_FEVRIER
    assert anniversaire(D(2024, 2, 29), 1, veille) == D(2025, 2, 28)
    assert anniversaire(D(2024, 2, 28), 1) == D(2025, 2, 28)
    assert anniversaire(D(2023, 9, 1), 2) == D(2025, 9, 1)
    assert PARAMETRES_PAR_DEFAUT.anniversaire_29_fevrier is ConventionAnniversaire.PREMIER_MARS


def test_a_29_february_start_makes_two_full_years_without_a_phantom_third() -> None:
    """29/02/2024-28/02/2026: two full years, the second from 1 March, no phantom third."""
    echeancier = calculer_echeancier(
        debut=D(2024, 2, 29),
        fin=D(2026, 2, 28),
        date_signature=D(2024, 2, 1),
        engagement=Montant(2500),
    )
    assert [(a.periode, a.complete, a.poids) for a in echeancier.annees] == [
        (Periode(D(2024, 2, 29), D(2025, 2, 28)), True, Fraction(1)),
        (Periode(D(2025, 3, 1), D(2026, 2, 28)), True, Fraction(1)),
    ]
    # Year 2's months count from its start, 1 March: months 7 and 10 start on 1 September
    # and 1 December (from the contract start they would be 29 August and 29 November).
    assert _lignes(echeancier) == [
        ("A1-E1", D(2024, 2, 29), D(2024, 8, 28), "500.00", D(2024, 2, 29), None),
        ("A1-E2", D(2024, 8, 29), D(2024, 11, 28), "375.00", D(2024, 8, 29), None),
        ("A1-E3", D(2024, 11, 29), D(2025, 2, 28), "375.00", D(2024, 11, 29), None),
        ("A2-E1", D(2025, 3, 1), D(2025, 8, 31), "500.00", D(2025, 3, 1), None),
        ("A2-E2", D(2025, 9, 1), D(2025, 11, 30), "375.00", D(2025, 9, 1), None),
        ("A2-E3", D(2025, 12, 1), D(2026, 2, 28), "375.00", D(2025, 12, 1), None),
    ]


def test_the_28_february_convention_counts_months_from_the_shifted_year_start() -> None:
    """With 28 February anniversaries, year 2 starts 28/02/2025 and its month 7 on 28/08/2025."""
    echeancier = calculer_echeancier(
        debut=D(2024, 2, 29),
        fin=D(2026, 2, 28),
        date_signature=D(2024, 2, 1),
        engagement=Montant(2500),
        parametres=attrs.evolve(
            PARAMETRES_PAR_DEFAUT,
            anniversaire_29_fevrier=ConventionAnniversaire.VINGT_HUIT_FEVRIER,
        ),
    )
    assert [a.periode for a in echeancier.annees] == [
        Periode(D(2024, 2, 29), D(2025, 2, 27)),
        Periode(D(2025, 2, 28), D(2026, 2, 27)),
        Periode(D(2026, 2, 28), D(2026, 2, 28)),
    ]
    # weights 1, 1, 1/12 (one started month): NPEC = 2500 / (25/12) = 1200.
    assert [a.montant for a in echeancier.annees] == [Montant(1200), Montant(1200), Montant(100)]
    assert [e.periode.debut for e in echeancier.echeances[3:6]] == [
        D(2025, 2, 28), D(2025, 8, 28), D(2025, 11, 28),
    ]  # fmt: skip
    derniere = echeancier.annees[-1].periode
    assert [e.periode for e in echeancier.echeances[-2:]] == [derniere, derniere]


def test_a_year_of_12_started_months_is_a_full_year_since_july_2025_too() -> None:
    """02/09/2025-31/08/2027: year 2, one day short, weighs 1 and is paid 40/30/20/10.

    Its 12th month has started: "tout mois commencé est dû", not 364/365.
    """
    echeancier = calculer_echeancier(
        debut=D(2025, 9, 2),
        fin=D(2027, 8, 31),
        date_signature=D(2025, 8, 1),
        engagement=Montant(7290),
    )
    assert [(a.complete, a.poids) for a in echeancier.annees] == [(True, Fraction(1))] * 2
    assert [a.montant for a in echeancier.annees] == [Montant("3645"), Montant("3645")]
    assert _lignes(echeancier)[4:] == [
        ("A2-E1", D(2026, 9, 2), D(2027, 3, 1), "1458.00", D(2026, 9, 2), None),
        ("A2-E2", D(2027, 3, 2), D(2027, 6, 1), "1093.50", D(2027, 3, 2), None),
        ("A2-E3", D(2027, 6, 2), D(2027, 8, 31), "729.00", D(2027, 6, 2), None),
        ("A2-E4", D(2026, 9, 2), D(2027, 8, 31), "364.50", D(2027, 9, 1), D(2028, 1, 1)),
    ]


def test_a_rupture_in_the_12th_month_leaves_a_full_year() -> None:
    """Cut by a rupture once its 12th month has started, a year still counts as full.

    01/09/2025-31/08/2027 signed in August 2025 (daily prorata), rupture on 15/08/2026:
    year 1 keeps weight 1, so the engagement up to the rupture is half of 8 000 €, not
    8 000 × (349/365) / 2.
    """
    echeancier = calculer_echeancier(
        debut=D(2025, 9, 1),
        fin=D(2027, 8, 31),
        date_signature=D(2025, 8, 1),
        engagement=Montant(8000),
        date_rupture=D(2026, 8, 15),
    )
    assert [(a.periode, a.complete, a.poids) for a in echeancier.annees] == [
        (Periode(D(2025, 9, 1), D(2026, 8, 15)), True, Fraction(1))
    ]
    assert echeancier.engagement == Montant(4000)
    assert [e.montant for e in echeancier.echeances] == [
        Montant(1600),
        Montant(1200),
        Montant(800),
        Montant(400),
    ]


def test_a_year_of_12_started_months_weighs_1_and_gets_the_full_rhythm_before_july_2025() -> None:
    """Signed before July 2025, 12 started months weigh 12/12 = 1: two equal years, 40/30/30."""
    echeancier = calculer_echeancier(
        debut=D(2025, 9, 2),
        fin=D(2027, 8, 31),
        date_signature=D(2025, 6, 1),
        engagement=Montant(7290),
    )
    assert [(a.complete, a.poids) for a in echeancier.annees] == [(True, Fraction(1))] * 2
    assert _lignes(echeancier)[3:] == [
        ("A2-E1", D(2026, 9, 2), D(2027, 3, 1), "1458.00", D(2026, 9, 2), None),
        ("A2-E2", D(2027, 3, 2), D(2027, 6, 1), "1093.50", D(2027, 3, 2), None),
        ("A2-E3", D(2027, 6, 2), D(2027, 8, 31), "1093.50", D(2027, 6, 2), None),
    ]


# --- regimes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signature", "regime"),
    [
        (D(2019, 12, 31), Regime.REPRISE_STOCK),
        (D(2020, 1, 1), Regime.REGIME_2020),
        (D(2020, 12, 31), Regime.REGIME_2020),
        (D(2021, 1, 1), Regime.REGIME_2021),
        (D(2025, 6, 30), Regime.REGIME_2021),
        (D(2025, 7, 1), Regime.REGIME_2025_07),
    ],
)
def test_the_signing_date_selects_the_regime(signature: dt.date, regime: Regime) -> None:
    """Each regime starts on its first day: 2020, 2021 and 1 July 2025."""
    assert PARAMETRES_PAR_DEFAUT.regime_pour(signature) is regime


def test_regimes_have_french_labels() -> None:
    """Every regime has a French label naming its signing period."""
    assert Regime.REPRISE_STOCK.libelle == "Reprise de stock (contrat signé en 2019 ou avant)"
    assert Regime.REGIME_2020.libelle == "Contrat signé en 2020"
    assert Regime.REGIME_2021.libelle == "Contrat signé du 1er janvier 2021 au 30 juin 2025"
    assert Regime.REGIME_2025_07.libelle == "Contrat signé à partir du 1er juillet 2025"


def test_the_weight_method_switches_on_1_july_2025() -> None:
    """Short years weigh in started months before 1 July 2025 and in days since."""
    assert PARAMETRES_PAR_DEFAUT.methode_poids(D(2025, 6, 30)) is MethodePoids.MOIS_COMMENCES
    assert PARAMETRES_PAR_DEFAUT.methode_poids(D(2025, 7, 1)) is MethodePoids.JOURS


def test_guide_example_first_advance_of_a_1_january_contract_is_january_to_june() -> None:
    """The guide's example: a contract starting 1 January invoices its first advance 01/01-30/06."""
    echeancier = calculer_echeancier(
        debut=D(2021, 1, 1),
        fin=D(2022, 12, 31),
        date_signature=D(2020, 12, 1),
        engagement=Montant(12000),
    )
    assert echeancier.regime is Regime.REGIME_2020
    assert echeancier.premiere_avance.periode == Periode(D(2021, 1, 1), D(2021, 6, 30))
    assert _lignes(echeancier) == [
        ("A1-E1", D(2021, 1, 1), D(2021, 6, 30), "3000.00", D(2021, 1, 1), None),
        ("A1-E2", D(2021, 7, 1), D(2021, 9, 30), "1500.00", D(2021, 7, 1), None),
        ("A1-E3", D(2021, 10, 1), D(2021, 12, 31), "1500.00", D(2021, 10, 1), None),
        ("A2-E1", D(2022, 1, 1), D(2022, 6, 30), "3000.00", D(2022, 1, 1), None),
        ("A2-E2", D(2022, 7, 1), D(2022, 9, 30), "1500.00", D(2022, 7, 1), None),
        ("A2-E3", D(2022, 10, 1), D(2022, 12, 31), "1500.00", D(2022, 10, 1), None),
    ]
    assert [e.numero for e in echeancier.echeances] == [1, 2, 3, 4, 5, 6]
    assert [e.pourcentage for e in echeancier.echeances[:3]] == [50, 25, 25]
    assert echeancier.total == Montant(12000)


def test_only_the_first_advance_of_the_first_year_goes_without_certificat() -> None:
    """The first advance needs only the invoice; every other installment also the certificat.

    The rule is the request rules' (``certificat_requis``), asked for each whole installment.
    """
    echeancier = calculer_echeancier(
        debut=D(2021, 1, 1),
        fin=D(2022, 12, 31),
        date_signature=D(2020, 12, 1),
        engagement=Montant(12000),
    )
    premiere, *autres = echeancier.echeances
    assert premiere.premiere_avance
    assert not certificat_requis([], premiere.periode, premiere.montant, echeancier)
    assert all(not e.premiere_avance for e in autres)
    assert all(certificat_requis([], e.periode, e.montant, echeancier) for e in autres)


def test_reprise_de_stock_pays_50_then_quarterly_installments() -> None:
    """A 2019 contract: 50 % over months 1-6, then 25 % over 7-9 and 25 % over 10-12."""
    echeancier = calculer_echeancier(
        debut=D(2019, 9, 1),
        fin=D(2021, 8, 31),
        date_signature=D(2019, 6, 15),
        engagement=Montant(14000),
    )
    assert echeancier.regime is Regime.REPRISE_STOCK
    assert _lignes(echeancier)[:3] == [
        ("A1-E1", D(2019, 9, 1), D(2020, 2, 29), "3500.00", D(2019, 9, 1), None),
        ("A1-E2", D(2020, 3, 1), D(2020, 5, 31), "1750.00", D(2020, 3, 1), None),
        ("A1-E3", D(2020, 6, 1), D(2020, 8, 31), "1750.00", D(2020, 6, 1), None),
    ]
    assert len(echeancier.echeances) == 6
    assert echeancier.total == Montant(14000)


def test_reprise_de_stock_tranches_are_derived_from_their_parameters() -> None:
    """Advance %, advance length and period give the tranches; the last takes the rounding."""
    assert tranches_reprise_de_stock(Decimal(50), 6, 3) == (
        Tranche(1, 6, Decimal(50)),
        Tranche(7, 9, Decimal(25)),
        Tranche(10, 12, Decimal(25)),
    )
    assert tranches_reprise_de_stock(Decimal(30), 3, 2) == (
        Tranche(1, 3, Decimal(30)),
        *(Tranche(m, m + 1, Decimal(14)) for m in (4, 6, 8, 10)),
        Tranche(12, 12, Decimal(14)),
    )
    assert tranches_reprise_de_stock(Decimal(50), 6, 4) == (
        Tranche(1, 6, Decimal(50)),
        Tranche(7, 10, Decimal(25)),
        Tranche(11, 12, Decimal(25)),
    )
    assert [t.pourcentage for t in tranches_reprise_de_stock(Decimal(50), 6, 2)] == [
        Decimal(50),
        Decimal("16.67"),
        Decimal("16.67"),
        Decimal("16.66"),
    ]
    assert tranches_reprise_de_stock(Decimal(100), 12, 3) == (Tranche(1, 12, Decimal(100)),)


def test_reprise_de_stock_parameters_drive_the_schedule() -> None:
    """A convention paying 30 % over 3 months then every 2 months gives six installments a year."""
    parametres = attrs.evolve(
        PARAMETRES_PAR_DEFAUT,
        reprise_avance_pourcentage=Decimal(30),
        reprise_avance_mois=3,
        reprise_periodicite_mois=2,
    )
    echeancier = calculer_echeancier(
        debut=D(2019, 1, 1),
        fin=D(2019, 12, 31),
        date_signature=D(2018, 12, 1),
        engagement=Montant(1000),
        parametres=parametres,
    )
    assert [str(e.montant.valeur) for e in echeancier.echeances] == [
        "300.00", "140.00", "140.00", "140.00", "140.00", "140.00",
    ]  # fmt: skip
    assert [e.date_ouverture.month for e in echeancier.echeances] == [1, 4, 6, 8, 10, 12]


def test_regime_2021_rounds_each_installment_and_the_last_takes_the_remainder() -> None:
    """10 000,01 € over two years: 5 000,01 + 5 000,00; 2 000,00 / 1 500,00 / 1 500,01 in year 1."""
    echeancier = calculer_echeancier(
        debut=D(2022, 3, 15),
        fin=D(2024, 3, 14),
        date_signature=D(2022, 3, 1),
        engagement=Montant("10000.01"),
    )
    assert echeancier.regime is Regime.REGIME_2021
    assert [a.montant for a in echeancier.annees] == [Montant("5000.01"), Montant(5000)]
    assert _lignes(echeancier) == [
        ("A1-E1", D(2022, 3, 15), D(2022, 9, 14), "2000.00", D(2022, 3, 15), None),
        ("A1-E2", D(2022, 9, 15), D(2022, 12, 14), "1500.00", D(2022, 9, 15), None),
        ("A1-E3", D(2022, 12, 15), D(2023, 3, 14), "1500.01", D(2022, 12, 15), None),
        ("A2-E1", D(2023, 3, 15), D(2023, 9, 14), "2000.00", D(2023, 3, 15), None),
        ("A2-E2", D(2023, 9, 15), D(2023, 12, 14), "1500.00", D(2023, 9, 15), None),
        ("A2-E3", D(2023, 12, 15), D(2024, 3, 14), "1500.00", D(2023, 12, 15), None),
    ]
    assert echeancier.total == Montant("10000.01")


def _echeancier_2025(**changes: Any) -> Echeancier:
    """Two full years from 1 September 2025, signed July 2025, 20 000 € engaged, with changes."""
    contrat: dict[str, Any] = {
        "debut": D(2025, 9, 1),
        "fin": D(2027, 8, 31),
        "date_signature": D(2025, 7, 10),
        "engagement": Montant(20000),
    }
    return calculer_echeancier(**(contrat | changes))


def test_july_2025_regime_pays_40_30_20_and_a_solde_that_lapses_after_the_end() -> None:
    """40/30/20 from months 1, 7, 10; the 10 % solde opens after the year, the last lapses later."""
    echeancier = _echeancier_2025()
    assert echeancier.regime is Regime.REGIME_2025_07
    assert echeancier.participation_employeur == Montant.zero()
    assert _lignes(echeancier) == [
        ("A1-E1", D(2025, 9, 1), D(2026, 2, 28), "4000.00", D(2025, 9, 1), None),
        ("A1-E2", D(2026, 3, 1), D(2026, 5, 31), "3000.00", D(2026, 3, 1), None),
        ("A1-E3", D(2026, 6, 1), D(2026, 8, 31), "2000.00", D(2026, 6, 1), None),
        ("A1-E4", D(2025, 9, 1), D(2026, 8, 31), "1000.00", D(2026, 9, 1), None),
        ("A2-E1", D(2026, 9, 1), D(2027, 2, 28), "4000.00", D(2026, 9, 1), None),
        ("A2-E2", D(2027, 3, 1), D(2027, 5, 31), "3000.00", D(2027, 3, 1), None),
        ("A2-E3", D(2027, 6, 1), D(2027, 8, 31), "2000.00", D(2027, 6, 1), None),
        ("A2-E4", D(2026, 9, 1), D(2027, 8, 31), "1000.00", D(2027, 9, 1), D(2028, 1, 1)),
    ]
    solde = echeancier.echeances[-1]
    assert not solde.est_ouverte(D(2027, 8, 31))
    assert solde.est_ouverte(D(2027, 9, 1))
    assert solde.est_ouverte(D(2027, 12, 31))
    assert not solde.est_ouverte(D(2028, 1, 1))


@pytest.mark.parametrize(
    ("debut", "fin", "dernier_jour"),
    [
        (D(2025, 7, 1), D(2027, 6, 30), D(2027, 10, 30)),
        (D(2025, 3, 1), D(2027, 2, 28), D(2027, 6, 28)),
        (D(2025, 9, 1), D(2027, 8, 31), D(2027, 12, 31)),
        (D(2025, 11, 1), D(2026, 10, 31), D(2027, 2, 28)),
    ],
)
def test_the_last_solde_may_be_requested_up_to_the_end_plus_4_months(
    debut: dt.date, fin: dt.date, dernier_jour: dt.date
) -> None:
    """The last solde's last day is the end plus 4 calendar months (30/06/2027 → 30/10/2027)."""
    echeancier = calculer_echeancier(
        debut=debut, fin=fin, date_signature=D(2025, 7, 1), engagement=Montant(10000)
    )
    solde = echeancier.echeances[-1]
    assert solde.date_caducite == dernier_jour + dt.timedelta(days=1)
    assert solde.est_ouverte(dernier_jour)
    assert not solde.est_ouverte(dernier_jour + dt.timedelta(days=1))


def test_a_lapsed_solde_is_no_longer_available_nor_due() -> None:
    """Once the last solde lapses unrequested, nothing is available or due any more."""
    echeancier = _echeancier_2025()
    demande = Montant(19000)
    assert echeancier.disponible_au(D(2027, 12, 31), demande) == Montant(1000)
    due = echeancier.prochaine_echeance(D(2027, 12, 31), demande)
    assert due is not None
    assert (due.echeance.codification, due.reste, due.ouverte) == ("A2-E4", Montant(1000), True)
    assert echeancier.disponible_au(D(2028, 1, 1), demande) == Montant.zero()
    assert echeancier.prochaine_echeance(D(2028, 1, 1), demande) is None
    assert echeancier.ouvert_au(D(2028, 1, 1)) == Montant(20000)


def test_july_2025_level_6_deducts_750_euros_from_the_first_advance() -> None:
    """A level-6 diploma: the employer's 750 € come off the first advance, nothing else changes."""
    echeancier = _echeancier_2025(niveau_diplome=6)
    assert echeancier.participation_employeur == Montant(750)
    assert echeancier.engagement == Montant(20000)
    assert echeancier.premiere_avance.montant == Montant(3250)
    assert echeancier.premiere_avance.pourcentage == 40
    assert [e.montant for e in echeancier.echeances[1:4]] == [
        Montant(3000), Montant(2000), Montant(1000),
    ]  # fmt: skip
    assert echeancier.total == Montant(19250)


@pytest.mark.parametrize(
    ("signature", "niveau"),
    [(D(2025, 7, 10), 5), (D(2025, 7, 10), None), (D(2025, 6, 30), 7)],
)
def test_no_employer_participation_below_level_6_or_before_july_2025(
    signature: dt.date, niveau: int | None
) -> None:
    """Level 5, an unknown level, or a contract signed before 1 July 2025 owe no participation."""
    echeancier = _echeancier_2025(date_signature=signature, niveau_diplome=niveau)
    assert echeancier.participation_employeur == Montant.zero()
    assert echeancier.total == Montant(20000)


def test_employer_participation_larger_than_the_first_advance_spills_onto_the_next() -> None:
    """1 000 € over a year: 750 € take the 400 € advance, the 300 € and 50 € of the 200 €."""
    echeancier = calculer_echeancier(
        debut=D(2025, 9, 1),
        fin=D(2026, 8, 31),
        date_signature=D(2025, 8, 1),
        engagement=Montant(1000),
        niveau_diplome=7,
    )
    assert [e.montant for e in echeancier.echeances] == [
        Montant(0), Montant(0), Montant(150), Montant(100),
    ]  # fmt: skip
    assert echeancier.total == Montant(250)


def test_employer_participation_never_exceeds_the_engagement() -> None:
    """An engagement below 750 € is entirely paid by the employer: the OPCO pays nothing."""
    echeancier = calculer_echeancier(
        debut=D(2025, 9, 1),
        fin=D(2026, 8, 31),
        date_signature=D(2025, 8, 1),
        engagement=Montant(500),
        niveau_diplome=6,
    )
    assert echeancier.participation_employeur == Montant(500)
    assert echeancier.total == Montant.zero()


def test_a_contract_under_one_year_pays_half_at_the_start_and_the_balance_on_its_last_day() -> None:
    """10 months: 50 % over the first 152 days from day 1, the balance on the last day."""
    echeancier = calculer_echeancier(
        debut=D(2021, 9, 1),
        fin=D(2022, 6, 30),
        date_signature=D(2021, 5, 1),
        engagement=Montant(8000),
    )
    assert echeancier.annees[0].poids == Fraction(10, 12)
    assert not echeancier.annees[0].complete
    assert _lignes(echeancier) == [
        ("A1-E1", D(2021, 9, 1), D(2022, 1, 30), "4000.00", D(2021, 9, 1), None),
        ("A1-E2", D(2022, 1, 31), D(2022, 6, 30), "4000.00", D(2022, 6, 30), None),
    ]
    avance = echeancier.premiere_avance
    assert not certificat_requis([], avance.periode, avance.montant, echeancier)


def test_two_years_and_three_months_weigh_the_last_year_in_started_months_before_july_2025() -> (
    None
):
    """9 000 € over 1 + 1 + 3/12: NPEC 4 000 €, the last year 1 000 € split 500 / 500."""
    echeancier = calculer_echeancier(
        debut=D(2024, 2, 1),
        fin=D(2026, 4, 2),
        date_signature=D(2024, 1, 10),
        engagement=Montant(9000),
    )
    assert [a.poids for a in echeancier.annees] == [1, 1, Fraction(3, 12)]
    assert [a.montant for a in echeancier.annees] == [Montant(4000), Montant(4000), Montant(1000)]
    assert [e.montant for e in echeancier.echeances[:3]] == [
        Montant(1600), Montant(1200), Montant(1200),
    ]  # fmt: skip
    # Year 3 runs 01/02/2026-02/04/2026: 61 days, the first 31 to the advance.
    assert _lignes(echeancier)[-2:] == [
        ("A3-E1", D(2026, 2, 1), D(2026, 3, 3), "500.00", D(2026, 2, 1), None),
        ("A3-E2", D(2026, 3, 4), D(2026, 4, 2), "500.00", D(2026, 4, 2), None),
    ]


def test_two_years_and_three_months_weigh_the_last_year_in_days_since_july_2025() -> None:
    """20 000 € over 1 + 1 + 91/365: 8 891,60 € a year and 2 216,80 € for the last 91 days."""
    echeancier = calculer_echeancier(
        debut=D(2025, 9, 1),
        fin=D(2027, 11, 30),
        date_signature=D(2025, 7, 15),
        engagement=Montant(20000),
    )
    assert [a.poids for a in echeancier.annees] == [1, 1, Fraction(91, 365)]
    assert [a.montant for a in echeancier.annees] == [
        Montant("8891.60"), Montant("8891.60"), Montant("2216.80"),
    ]  # fmt: skip
    assert [str(e.montant.valeur) for e in echeancier.echeances[:4]] == [
        "3556.64", "2667.48", "1778.32", "889.16",
    ]  # fmt: skip
    # Year 2's solde never lapses (it is not the last year); year 3 is short, without solde.
    assert echeancier.echeances[7].date_caducite is None
    assert _lignes(echeancier)[-2:] == [
        ("A3-E1", D(2027, 9, 1), D(2027, 10, 16), "1108.40", D(2027, 9, 1), None),
        ("A3-E2", D(2027, 10, 17), D(2027, 11, 30), "1108.40", D(2027, 11, 30), None),
    ]
    assert echeancier.total == Montant(20000)


def test_12_months_and_3_days_weigh_365_plus_3_days() -> None:
    """Since July 2025, a contract of 12 months and 3 days weighs 1 + 3/365."""
    echeancier = calculer_echeancier(
        debut=D(2025, 9, 1),
        fin=D(2026, 9, 3),
        date_signature=D(2025, 7, 15),
        engagement=Montant(3680),
    )
    assert [a.poids for a in echeancier.annees] == [1, Fraction(3, 365)]
    assert [a.montant for a in echeancier.annees] == [Montant(3650), Montant(30)]


def test_a_rupture_recomputes_the_engagement_and_shows_the_overpayment() -> None:
    """Rupture on 10/11/2023: 12 000 € × (5/4) / 2 = 7 500 €; 8 400 € paid → 900 € to recover."""
    echeancier = calculer_echeancier(
        debut=D(2022, 9, 1),
        fin=D(2024, 8, 31),
        date_signature=D(2022, 8, 1),
        engagement=Montant(12000),
        date_rupture=D(2023, 11, 10),
    )
    assert echeancier.engagement_initial == Montant(12000)
    assert echeancier.engagement == Montant(7500)
    assert echeancier.date_rupture == D(2023, 11, 10)
    assert [a.montant for a in echeancier.annees] == [Montant(6000), Montant(1500)]
    # Year 2 runs 01/09/2023-10/11/2023 (71 days): the balance opens on the rupture date.
    assert _lignes(echeancier)[3:] == [
        ("A2-E1", D(2023, 9, 1), D(2023, 10, 6), "750.00", D(2023, 9, 1), None),
        ("A2-E2", D(2023, 10, 7), D(2023, 11, 10), "750.00", D(2023, 11, 10), None),
    ]
    assert echeancier.trop_percu(Montant(8400)) == Montant(900)
    assert echeancier.trop_percu(Montant(7000)) == Montant.zero()


def test_a_rupture_at_a_year_end_keeps_the_full_rhythm_and_lapses_its_solde() -> None:
    """Broken on the eve of the first anniversary: one full year, its solde lapses on 1 January."""
    echeancier = _echeancier_2025(date_rupture=D(2026, 8, 31))
    assert echeancier.engagement == Montant(10000)
    assert [e.codification for e in echeancier.echeances] == ["A1-E1", "A1-E2", "A1-E3", "A1-E4"]
    assert echeancier.echeances[-1].date_caducite == D(2027, 1, 1)


def test_a_rupture_on_the_last_day_changes_nothing() -> None:
    """A rupture dated on the contract's end gives the same schedule as no rupture."""
    sans = _echeancier_2025()
    avec = _echeancier_2025(date_rupture=D(2027, 8, 31))
    assert avec.echeances == sans.echeances
    assert avec.engagement == sans.engagement


def test_amounts_of_a_few_cents_never_go_negative() -> None:
    """0,05 € over three years and 3 days: 0,02 + 0,02 + 0,01 + 0,00, never a negative share."""
    echeancier = calculer_echeancier(
        debut=D(2025, 9, 1),
        fin=D(2028, 9, 3),
        date_signature=D(2025, 7, 15),
        engagement=Montant("0.05"),
    )
    assert [str(a.montant.valeur) for a in echeancier.annees] == ["0.02", "0.02", "0.01", "0.00"]
    assert all(not e.montant.est_negatif for e in echeancier.echeances)
    assert echeancier.total == Montant("0.05")


# --- questions asked of a schedule -------------------------------------------------------


def test_ouvert_au_sums_the_installments_opened_by_a_date() -> None:
    """Nothing before the start, 3 000 € on day 1, 4 500 € from 1 July, everything at the end."""
    echeancier = calculer_echeancier(
        debut=D(2021, 1, 1),
        fin=D(2022, 12, 31),
        date_signature=D(2020, 12, 1),
        engagement=Montant(12000),
    )
    assert echeancier.ouvert_au(D(2020, 12, 31)) == Montant.zero()
    assert echeancier.ouvert_au(D(2021, 1, 1)) == Montant(3000)
    assert echeancier.ouvert_au(D(2021, 6, 30)) == Montant(3000)
    assert echeancier.ouvert_au(D(2021, 7, 1)) == Montant(4500)
    assert echeancier.ouvert_au(D(2030, 1, 1)) == Montant(12000)


def test_disponible_au_is_opened_minus_requested_floored_at_zero() -> None:
    """On 1 July 2021 with 3 000 € requested, 1 500 € are available; with 5 000 €, nothing."""
    echeancier = calculer_echeancier(
        debut=D(2021, 1, 1),
        fin=D(2022, 12, 31),
        date_signature=D(2020, 12, 1),
        engagement=Montant(12000),
    )
    assert echeancier.disponible_au(D(2021, 7, 1), Montant(3000)) == Montant(1500)
    assert echeancier.disponible_au(D(2021, 7, 1), Montant(5000)) == Montant.zero()
    assert echeancier.disponible_au(D(2021, 7, 1), Montant.zero()) == Montant(4500)


def test_prochaine_echeance_says_what_is_next_how_much_is_left_and_whether_it_is_open() -> None:
    """3 500 € requested on 1 July: A1-E2, 1 000 € left, open; on 1 January, not open yet."""
    echeancier = calculer_echeancier(
        debut=D(2021, 1, 1),
        fin=D(2022, 12, 31),
        date_signature=D(2020, 12, 1),
        engagement=Montant(12000),
    )
    due = echeancier.prochaine_echeance(D(2021, 7, 1), Montant(3500))
    assert due is not None
    assert (due.echeance.codification, due.reste, due.ouverte) == ("A1-E2", Montant(1000), True)
    due = echeancier.prochaine_echeance(D(2021, 1, 1), Montant(3000))
    assert due is not None
    assert (due.echeance.codification, due.reste, due.ouverte) == ("A1-E2", Montant(1500), False)
    assert echeancier.prochaine_echeance(D(2021, 1, 1), Montant(12000)) is None


def test_prochaine_ouverture_gives_the_next_opening_date() -> None:
    """After 1 January 2021 the next opening is 1 July; after the last opening there is none."""
    echeancier = calculer_echeancier(
        debut=D(2021, 1, 1),
        fin=D(2022, 12, 31),
        date_signature=D(2020, 12, 1),
        engagement=Montant(12000),
    )
    assert echeancier.prochaine_ouverture(D(2020, 6, 1)) == D(2021, 1, 1)
    assert echeancier.prochaine_ouverture(D(2021, 1, 1)) == D(2021, 7, 1)
    assert echeancier.prochaine_ouverture(D(2022, 10, 1)) is None


def test_negative_requested_or_paid_amounts_are_refused() -> None:
    """A negative amount already requested or paid is a data error naming its field."""
    echeancier = calculer_echeancier(
        debut=D(2021, 1, 1),
        fin=D(2022, 12, 31),
        date_signature=D(2020, 12, 1),
        engagement=Montant(12000),
    )
    with pytest.raises(DonneeInvalide) as erreur:
        echeancier.disponible_au(D(2021, 7, 1), Montant(-1))
    assert erreur.value.champ == "deja_demande"
    with pytest.raises(DonneeInvalide) as erreur:
        echeancier.trop_percu(Montant(-1))
    assert erreur.value.champ == "deja_paye"


# --- refused inputs and parameters ---------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "champ"),
    [
        ({"fin": D(2025, 8, 31)}, "date_fin"),
        ({"engagement": Montant(-1)}, "frais_pedagogiques"),
        ({"niveau_diplome": 9}, "niveau_diplome"),
        ({"niveau_diplome": 2}, "niveau_diplome"),
        ({"date_rupture": D(2025, 8, 31)}, "date_rupture"),
        ({"date_rupture": D(2027, 9, 1)}, "date_rupture"),
    ],
)
def test_inconsistent_contract_data_is_refused(changes: dict[str, Any], champ: str) -> None:
    """End before start, negative engagement, unknown level, rupture outside the contract."""
    with pytest.raises(DonneeInvalide) as erreur:
        _echeancier_2025(**changes)
    assert erreur.value.champ == champ
    assert erreur.value.message


@pytest.mark.parametrize(
    ("changes", "champ"),
    [
        ({"debut_regime_2021": D(2019, 1, 1)}, "debut_regime_2021"),
        ({"rythme_2021": RYTHME_2021[:2]}, "rythme_2021"),
        ({"rythme_2020": tuple(reversed(RYTHME_2021))}, "rythme_2020"),
        (
            {
                "rythme_2025_07": (
                    Tranche(1, 12, Decimal(10), solde=True),
                    Tranche(1, 6, Decimal(90)),
                )
            },
            "rythme_2025_07",
        ),
        ({"reprise_avance_mois": 0}, "reprise_avance_mois"),
        ({"reprise_avance_mois": 13}, "reprise_avance_mois"),
        ({"reprise_periodicite_mois": 0}, "reprise_periodicite_mois"),
        ({"reprise_avance_mois": 12}, "reprise_avance_pourcentage"),
        ({"reprise_avance_pourcentage": Decimal(100)}, "reprise_avance_pourcentage"),
        ({"annee_courte_avance_pourcentage": Decimal(100)}, "annee_courte_avance_pourcentage"),
        ({"annee_courte_avance_pourcentage": Decimal(0)}, "annee_courte_avance_pourcentage"),
        ({"jours_par_annee": 0}, "jours_par_annee"),
        ({"delai_caducite_solde_mois": -1}, "delai_caducite_solde_mois"),
        ({"participation_employeur_montant": Montant(-1)}, "participation_employeur_montant"),
    ],
)
def test_inconsistent_parameters_are_refused(changes: dict[str, Any], champ: str) -> None:
    """Parameters are checked on construction, naming the field at fault."""
    with pytest.raises(DonneeInvalide) as erreur:
        attrs.evolve(PARAMETRES_PAR_DEFAUT, **changes)
    assert erreur.value.champ == champ


@pytest.mark.parametrize(
    ("mois_debut", "mois_fin", "pourcentage", "champ"),
    [
        (0, 6, Decimal(50), "mois_debut"),
        (7, 6, Decimal(50), "mois_debut"),
        (1, 13, Decimal(50), "mois_debut"),
        (1, 6, Decimal(0), "pourcentage"),
        (1, 6, Decimal(101), "pourcentage"),
    ],
)
def test_a_tranche_refuses_months_outside_the_year_and_percentages_outside_0_100(
    mois_debut: int, mois_fin: int, pourcentage: Decimal, champ: str
) -> None:
    """A tranche lies within months 1-12 and is worth more than 0 % and at most 100 %."""
    with pytest.raises(DonneeInvalide) as erreur:
        Tranche(mois_debut, mois_fin, pourcentage)
    assert erreur.value.champ == champ


def test_the_short_year_advance_is_a_parameter() -> None:
    """With a 30 % short-year advance, a 10-month contract pays 30 % then 70 %."""
    echeancier = calculer_echeancier(
        debut=D(2021, 9, 1),
        fin=D(2022, 6, 30),
        date_signature=D(2021, 5, 1),
        engagement=Montant(8000),
        parametres=ParametresEcheancier(annee_courte_avance_pourcentage=Decimal(30)),
    )
    assert [e.montant for e in echeancier.echeances] == [Montant(2400), Montant(5600)]
    assert [e.pourcentage for e in echeancier.echeances] == [30, 70]
