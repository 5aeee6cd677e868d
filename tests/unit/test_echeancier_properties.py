"""Property tests of the payment schedule over random contracts."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import attrs
from hypothesis import event, given
from hypothesis import strategies as st

from cfa_domain.echeancier import (
    PARAMETRES_PAR_DEFAUT,
    ConventionAnniversaire,
    Echeancier,
    anniversaire,
    calculer_echeancier,
)
from cfa_domain.testing import strategies as cst
from cfa_domain.values import Montant

_JOUR = dt.timedelta(days=1)


@attrs.frozen
class Contrat:
    """The inputs of one schedule, kept to check the outputs against them."""

    debut: dt.date
    fin: dt.date
    date_signature: dt.date
    engagement: Montant
    niveau_diplome: int | None
    date_rupture: dt.date | None

    @property
    def fin_effective(self) -> dt.date:
        """The last day of the schedule: the rupture date, or the contract's end."""
        return self.date_rupture or self.fin

    def echeancier(self) -> Echeancier:
        """Compute the schedule with the default parameters."""
        return calculer_echeancier(
            debut=self.debut,
            fin=self.fin,
            date_signature=self.date_signature,
            engagement=self.engagement,
            niveau_diplome=self.niveau_diplome,
            date_rupture=self.date_rupture,
        )


montants = cst.montants(max_value=Montant(1_000_000))


@st.composite
def contrats(draw: st.DrawFn) -> Contrat:
    """Contracts of 1 day to 4 years from 2015, signed up to a year before, broken or not.

    Drawn from the test kit's dates, periods and amounts; only the dates matter to the
    schedule, so the contract itself (``cst.contrats()``, at least a month long) is not
    built: a one-day contract is in, and generation stays cheap.
    """
    periode = draw(cst.periodes(dt.date(2015, 1, 1), max_days=4 * 366 + 1))
    signature = draw(cst.dates(periode.debut - dt.timedelta(days=365), periode.debut))
    engagement = draw(montants)
    niveau = draw(st.none() | st.integers(min_value=3, max_value=8))
    rupture = draw(st.none() | cst.dates(periode.debut, periode.fin))
    return Contrat(periode.debut, periode.fin, signature, engagement, niveau, rupture)


@given(contrats())
def test_each_year_percentages_sum_to_100(contrat: Contrat) -> None:
    """Every contract year's installments are worth 100 % of that year."""
    pourcentages: dict[int, Decimal] = defaultdict(Decimal)
    for echeance in contrat.echeancier().echeances:
        pourcentages[echeance.annee] += echeance.pourcentage
    assert set(pourcentages.values()) == {Decimal(100)}


@given(contrats())
def test_installments_sum_to_the_engagement_minus_the_employer_participation(
    contrat: Contrat,
) -> None:
    """To the cent: installments + employer participation == engagement == sum of year shares."""
    echeancier = contrat.echeancier()
    assert echeancier.total == Montant.somme(e.montant for e in echeancier.echeances)
    assert echeancier.total + echeancier.participation_employeur == echeancier.engagement
    assert Montant.somme(a.montant for a in echeancier.annees) == echeancier.engagement
    assert all(not e.montant.est_negatif for e in echeancier.echeances)
    if contrat.date_rupture is None:
        assert echeancier.engagement == contrat.engagement
    else:
        assert echeancier.engagement <= contrat.engagement


@given(contrats())
def test_each_year_sums_to_its_share_before_the_participation(contrat: Contrat) -> None:
    """Each year's installments plus the participation deducted in it give the year's share."""
    echeancier = contrat.echeancier()
    par_annee: dict[int, Montant] = defaultdict(Montant.zero)
    for echeance in echeancier.echeances:
        par_annee[echeance.annee] += echeance.montant
    ecarts = [annee.montant - par_annee[annee.numero] for annee in echeancier.annees]
    assert all(not ecart.est_negatif for ecart in ecarts)
    assert Montant.somme(ecarts) == echeancier.participation_employeur


@given(contrats())
def test_periods_never_leave_the_contract(contrat: Contrat) -> None:
    """Every installment period and every year lies within the contract (up to the rupture)."""
    echeancier = contrat.echeancier()
    for periode in [e.periode for e in echeancier.echeances] + [
        a.periode for a in echeancier.annees
    ]:
        assert contrat.debut <= periode.debut <= periode.fin <= contrat.fin_effective
    assert echeancier.annees[0].periode.debut == contrat.debut
    assert echeancier.annees[-1].periode.fin == contrat.fin_effective


@given(contrats())
def test_numbers_run_from_1_to_n_and_openings_never_go_backwards(contrat: Contrat) -> None:
    """Installments are numbered 1..n with distinct codes, in non-decreasing opening order."""
    echeances = contrat.echeancier().echeances
    assert [e.numero for e in echeances] == list(range(1, len(echeances) + 1))
    assert len({e.codification for e in echeances}) == len(echeances)
    ouvertures = [e.date_ouverture for e in echeances]
    assert ouvertures == sorted(ouvertures)
    assert [e.premiere_avance for e in echeances] == [True] + [False] * (len(echeances) - 1)


@given(contrats())
def test_every_installment_opens_within_the_contract_or_after_for_a_solde(
    contrat: Contrat,
) -> None:
    """Openings lie in the contract, except a July-2025 solde which opens the day after its year."""
    for echeance in contrat.echeancier().echeances:
        assert contrat.debut <= echeance.date_ouverture <= contrat.fin_effective + _JOUR
        assert echeance.date_caducite is None or echeance.date_ouverture < echeance.date_caducite


@given(contrats(), st.integers(-400, 2000), st.integers(0, 800))
def test_ouvert_au_is_monotone_in_the_date(contrat: Contrat, decalage: int, pas: int) -> None:
    """What is opened by a date never decreases as the date moves on, and ends at the total."""
    echeancier = contrat.echeancier()
    le = contrat.debut + dt.timedelta(days=decalage)
    assert echeancier.ouvert_au(le) <= echeancier.ouvert_au(le + dt.timedelta(days=pas))
    assert echeancier.ouvert_au(contrat.debut - _JOUR) == Montant.zero()
    assert echeancier.ouvert_au(contrat.fin_effective + _JOUR) == echeancier.total


@given(contrats(), st.integers(-30, 2000), st.data())
def test_disponible_and_prochaine_echeance_agree_with_ouvert_au(
    contrat: Contrat, decalage: int, donnees: st.DataObject
) -> None:
    """Available = opened − requested (floored at 0, minus a lapsed solde); the next due agrees.

    What was requested is any amount, or (as often) an amount within the schedule's total,
    so that an installment is still due in a good share of the runs.
    """
    echeancier = contrat.echeancier()
    deja_demande = donnees.draw(
        montants | cst.montants(max_value=echeancier.total), label="deja_demande"
    )
    le = contrat.debut + dt.timedelta(days=decalage)
    disponible = echeancier.disponible_au(le, deja_demande)
    borne = max(echeancier.ouvert_au(le) - deja_demande, Montant.zero())
    caduques = [
        e for e in echeancier.echeances if e.date_caducite is not None and le >= e.date_caducite
    ]
    assert disponible <= borne
    event("un solde caduc" if caduques else "rien de caduc")
    if not caduques:
        assert disponible == borne
    due = echeancier.prochaine_echeance(le, deja_demande)
    event("aucune échéance due" if due is None else f"échéance due ouverte : {due.ouverte}")
    if due is not None and due.ouverte:
        assert Montant.zero() < due.reste <= disponible
        assert due.reste <= due.echeance.montant
        assert due.echeance.est_ouverte(le)
    else:
        assert disponible == Montant.zero()
    if due is None and not caduques:
        assert deja_demande >= echeancier.total


@given(contrats(), st.integers(-30, 2000))
def test_prochaine_ouverture_is_the_next_opening_after_the_date(
    contrat: Contrat, decalage: int
) -> None:
    """The next opening is after the date and nothing opens in between."""
    echeancier = contrat.echeancier()
    le = contrat.debut + dt.timedelta(days=decalage)
    suivante = echeancier.prochaine_ouverture(le)
    if suivante is None:
        assert echeancier.ouvert_au(le) == echeancier.total
    else:
        assert suivante > le
        assert echeancier.ouvert_au(suivante - _JOUR) == echeancier.ouvert_au(le)


@given(contrats(), montants)
def test_trop_percu_is_what_was_paid_beyond_the_total(contrat: Contrat, deja_paye: Montant) -> None:
    """The overpayment is paid − total when positive, 0 € otherwise."""
    echeancier = contrat.echeancier()
    trop = echeancier.trop_percu(deja_paye)
    assert trop == max(deja_paye - echeancier.total, Montant.zero())
    assert not trop.est_negatif


@given(contrats())
def test_years_tile_the_contract_and_only_a_last_year_may_be_short(contrat: Contrat) -> None:
    """Years follow each other day after day; all but the last have 12 started months."""
    annees = contrat.echeancier().annees
    for avant, apres in itertools.pairwise(annees):
        assert avant.periode.fin + _JOUR == apres.periode.debut
        assert avant.complete
        assert avant.poids == 1
    assert all(0 < a.poids <= 1 for a in annees)
    assert all(a.poids == 1 for a in annees if a.complete)  # 12 started months: a full year


@given(
    st.dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)),
    st.integers(min_value=1, max_value=4),
    st.sampled_from(ConventionAnniversaire),
)
def test_a_contract_of_n_whole_years_has_n_full_years(
    debut: dt.date, annees: int, convention: ConventionAnniversaire
) -> None:
    """A contract ending the day before its n-th anniversary has n full years, never a phantom."""
    echeancier = calculer_echeancier(
        debut=debut,
        fin=anniversaire(debut, annees, convention) - _JOUR,
        date_signature=debut,
        engagement=Montant(1000),
        parametres=attrs.evolve(PARAMETRES_PAR_DEFAUT, anniversaire_29_fevrier=convention),
    )
    assert [(a.complete, a.poids) for a in echeancier.annees] == [(True, Fraction(1))] * annees
