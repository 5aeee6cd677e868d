"""The kit's aggregate strategies draw valid objects that meet the requested constraints.

The last section shows the kit in use: properties of the domain written the way a domain
expert would write them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

import pytest
from hypothesis import Phase, event, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from stdnum.fr import nir as stdnum_nir

from cfa_domain.action import TRANSITIONS_DOSSIER, Action, Budget, Contrat, EtatDossier, Formation
from cfa_domain.echeancier import (
    PARAMETRES_PAR_DEFAUT,
    Echeancier,
    ParametresEcheancier,
    Regime,
    Tranche,
    ajouter_mois,
)
from cfa_domain.errors import MontantNonOuvert
from cfa_domain.organisme import (
    Adresse,
    FicheOrganisme,
    Interlocuteur,
    Organisme,
    StatutOrganisme,
)
from cfa_domain.remboursement import (
    FormulaireDemande,
    MontantsDemandes,
    PieceJointe,
    verifier_demande,
)
from cfa_domain.testing import exemples
from cfa_domain.testing import strategies as cst
from cfa_domain.values import Categorie, Montant, Periode, Piece

if TYPE_CHECKING:
    from collections.abc import Callable

    from cfa_domain.action import Apprenti

_UN_JOUR = dt.timedelta(days=1)
_PIECES = (
    PieceJointe(Piece.FACTURE, "doc-1", "facture.pdf"),
    PieceJointe(Piece.CERTIFICAT_REALISATION, "doc-2", "certificat.pdf"),
)
T = TypeVar("T")


def _trouver(strategie: st.SearchStrategy[T], condition: Callable[[T], bool]) -> T:
    """An example meeting ``condition``, without shrinking it (aggregates shrink slowly)."""
    return find(
        strategie,
        condition,
        settings=settings(phases=[Phase.generate], max_examples=2000, database=None),
    )


def _duree_en_mois(contrat: Contrat, mois: int) -> dt.date:
    """The last day of a contract of exactly ``mois`` months."""
    return ajouter_mois(contrat.periode.debut, mois) - _UN_JOUR


# --- Organismes -------------------------------------------------------------------------


@given(cst.adresses())
def test_adresses_are_already_trimmed(adresse: Adresse) -> None:
    """Addresses have a street and a town, every text trimmed and within 255 characters."""
    textes = [adresse.rue, adresse.ville, *([adresse.suite_rue] if adresse.suite_rue else [])]
    assert all(texte == texte.strip() and 0 < len(texte) <= 255 for texte in textes)


@given(cst.fiches_organisme())
def test_fiches_can_be_saved_by_an_organisme(fiche: FicheOrganisme) -> None:
    """Every sheet passes the Fiche OF's checks: a telephone, and a UAI for a CFA."""
    organisme = exemples.organisme()
    organisme.mettre_a_jour_fiche(
        fiche, exemples.interlocuteur(), auteur="cfa", quand=exemples.INSTANT
    )
    assert organisme.fiche == fiche
    assert fiche.telephone is not None
    assert fiche.uai is not None or not fiche.est_cfa
    assert not fiche.numero_da.cfa_historique or fiche.est_cfa


@given(cst.fiches_organisme(est_cfa=True))
def test_fiches_of_cfas(fiche: FicheOrganisme) -> None:
    """est_cfa=True draws CFAs, each with a UAI."""
    assert fiche.est_cfa
    assert fiche.uai is not None


@given(cst.fiches_organisme(est_cfa=False))
def test_fiches_of_other_organismes(fiche: FicheOrganisme) -> None:
    """est_cfa=False draws other organismes, never with the historical N° DA CFA."""
    assert not fiche.est_cfa
    assert not fiche.numero_da.cfa_historique


@given(cst.interlocuteurs())
def test_interlocuteurs_have_a_telephone_by_default(interlocuteur: Interlocuteur) -> None:
    """By default the contact can go on a submitted sheet (its telephone is required)."""
    assert interlocuteur.telephone is not None
    Organisme.fiche_soumise(
        siret=exemples.SIRET_CFA,
        fiche=exemples.fiche(),
        interlocuteur=interlocuteur,
        quand=exemples.INSTANT,
    )


@given(cst.interlocuteurs(telephone=False))
def test_interlocuteurs_without_telephone(interlocuteur: Interlocuteur) -> None:
    """telephone=False draws contacts without a number."""
    assert interlocuteur.telephone is None


@pytest.mark.parametrize("statut", list(StatutOrganisme))
@given(donnees=st.data())
def test_organismes_in_the_requested_status(
    statut: StatutOrganisme, donnees: st.DataObject
) -> None:
    """organismes(statut=X) draws organismes in X, with an ordered, consistent history."""
    organisme = donnees.draw(cst.organismes(statut=statut))
    assert organisme.statut is statut
    assert organisme.historique[0].depart is None
    assert organisme.historique[-1].arrivee is statut
    for avant, apres in itertools.pairwise(organisme.historique):
        assert apres.depart is avant.arrivee
        assert avant.quand < apres.quand
    actif = StatutOrganisme.ACTIF in {c.arrivee for c in organisme.historique}
    assert (organisme.reference_opco is not None) is actif
    assert bool(organisme.emails_connus) is actif


@given(cst.organismes(siret=exemples.SIRET_CFA_2))
def test_organismes_with_a_given_siret(organisme: Organisme) -> None:
    """siret= fixes the organisme's SIRET."""
    assert organisme.siret == exemples.SIRET_CFA_2


@pytest.mark.parametrize(
    ("strategie", "condition"),
    [
        (cst.fiches_organisme(), lambda f: not f.est_cfa and f.uai is None),
        (cst.fiches_organisme(), lambda f: f.numero_da.cfa_historique),
        (cst.interlocuteurs(telephone=None), lambda i: i.telephone is None),
        (cst.interlocuteurs(telephone=None), lambda i: i.telephone is not None),
        (
            cst.organismes(statut=StatutOrganisme.ACTIF),
            lambda o: o.historique[0].arrivee is StatutOrganisme.A_VALIDER,
        ),
        (
            cst.organismes(statut=StatutOrganisme.INACTIF),
            lambda o: o.historique[-1].depart is StatutOrganisme.A_VALIDER,
        ),
        (cst.apprentis(), lambda a: any(c in "éèëïÿ" for c in a.prenom.lower())),
    ],
)
def test_organisme_strategies_reach_every_kind(
    strategie: st.SearchStrategy[object], condition: Callable[[object], bool]
) -> None:
    """Every way of being valid shows up: non-CFA sheets, validated sheets, accents ..."""
    assert condition(_trouver(strategie, condition))


# --- Files --------------------------------------------------------------------------------


@given(cst.formations(siret_cfa=exemples.SIRET_CFA, niveau=7))
def test_formations_steered(formation: Formation) -> None:
    """siret_cfa and niveau are honoured; the file was filed before the training starts."""
    assert formation.siret_cfa == exemples.SIRET_CFA
    assert formation.niveau_diplome == 7
    assert formation.date_depot <= formation.periode.debut


@given(cst.formations(periode=Periode(dt.date(2024, 9, 2), dt.date(2026, 6, 30))))
def test_formations_with_fixed_dates(formation: Formation) -> None:
    """periode= fixes the training dates; the level is drawn in 3..8."""
    assert formation.periode == Periode(dt.date(2024, 9, 2), dt.date(2026, 6, 30))
    assert 3 <= formation.niveau_diplome <= 8


@pytest.mark.parametrize(
    "condition",
    [
        lambda f: f.numero_deca is not None,
        lambda f: f.numero_sia is not None,
        lambda f: f.numero_enregistrement is None,
    ],
    ids=["DECA", "SIA", "aucun"],
)
def test_formations_reach_every_register(condition: Callable[[Formation], bool]) -> None:
    """Files registered at the DECA, at the SIA (public sector), or not yet registered."""
    assert condition(_trouver(cst.formations(), condition))


@pytest.mark.parametrize("niveau", [2, 9])
def test_formations_refuse_unknown_levels(niveau: int) -> None:
    """A diploma level outside 3..8 is a usage error."""
    with pytest.raises(InvalidArgument):
        cst.formations(niveau=niveau)


@given(cst.apprentis())
def test_apprentis_are_valid(apprenti: Apprenti) -> None:
    """Apprentices have a name, a first name and a valid NIR."""
    assert apprenti.nom.strip()
    assert apprenti.prenom.strip()
    assert stdnum_nir.is_valid(apprenti.nir.numero)


@given(cst.apprentis(rqth=True), cst.apprentis(rqth=False))
def test_apprentis_steered_by_rqth(avec: Apprenti, sans: Apprenti) -> None:
    """rqth= fixes the RQTH flag."""
    assert (avec.rqth, sans.rqth) == (True, False)


@pytest.mark.parametrize(
    "condition",
    [
        lambda a: a.contrat.apprenti.rqth and a.budget.majoration_handicap > Montant(0),
        lambda a: not a.contrat.apprenti.rqth,
    ],
    ids=["RQTH avec majoration", "sans RQTH"],
)
def test_actions_reach_rqth_files(condition: Callable[[Action], bool]) -> None:
    """Files of apprentices with RQTH carry an uplift; the others never do (by construction)."""
    assert condition(_trouver(cst.actions(), condition))


@given(cst.actions())
def test_actions_engage_an_uplift_only_with_rqth(action: Action) -> None:
    """No drawn file engages a majoration handicap for an apprentice without RQTH."""
    event(f"RQTH : {action.contrat.apprenti.rqth}")
    assert action.contrat.apprenti.rqth or action.budget.majoration_handicap == Montant(0)


@given(cst.contrats())
def test_contrats_default_shape(contrat: Contrat) -> None:
    """By default: signed 2015–2030, starting 0–90 days later, 6 months to 4 years, unbroken."""
    assert dt.date(2015, 1, 1) <= contrat.date_signature <= dt.date(2030, 12, 31)
    assert 0 <= (contrat.periode.debut - contrat.date_signature).days <= 90
    assert _duree_en_mois(contrat, 6) <= contrat.periode.fin <= _duree_en_mois(contrat, 48)
    assert contrat.date_rupture is None


@pytest.mark.parametrize("regime", list(Regime))
@given(donnees=st.data())
def test_contrats_of_a_regime(regime: Regime, donnees: st.DataObject) -> None:
    """contrats(regime=R) is signed on a date the default rules map to R."""
    contrat = donnees.draw(cst.contrats(regime=regime))
    assert PARAMETRES_PAR_DEFAUT.regime_pour(contrat.date_signature) is regime


_REGLES_DECALEES = ParametresEcheancier(
    debut_regime_2020=dt.date(2019, 7, 1),
    debut_regime_2021=dt.date(2019, 7, 2),
    debut_regime_2025_07=dt.date(2019, 7, 3),
)


@given(cst.contrats(regime=Regime.REGIME_2021, parametres=_REGLES_DECALEES))
def test_contrats_of_a_regime_under_other_rules(contrat: Contrat) -> None:
    """The regime's dates are read from the given rules (here a one-day 2021 regime)."""
    assert contrat.date_signature == dt.date(2019, 7, 2)


@given(
    cst.contrats(
        signe_entre=(dt.date(2022, 3, 1), dt.date(2022, 3, 31)), duree_mois=(24, 24), rompu=True
    )
)
def test_contrats_steered(contrat: Contrat) -> None:
    """signe_entre, duree_mois and rompu are honoured: two-year contracts broken inside."""
    assert dt.date(2022, 3, 1) <= contrat.date_signature <= dt.date(2022, 3, 31)
    assert contrat.periode.fin == _duree_en_mois(contrat, 24)
    assert contrat.date_rupture is not None
    assert contrat.periode.contient(contrat.date_rupture)


@pytest.mark.parametrize(
    ("strategie", "condition"),
    [
        (cst.contrats(), lambda c: c.periode.fin == _duree_en_mois(c, 12)),
        (cst.contrats(), lambda c: c.periode.fin.day != (c.periode.debut - _UN_JOUR).day),
        (cst.contrats(rompu=None), lambda c: c.date_rupture is None),
        (cst.contrats(rompu=None), lambda c: c.date_rupture is not None),
    ],
)
def test_contrats_reach_every_kind(
    strategie: st.SearchStrategy[Contrat], condition: Callable[[Contrat], bool]
) -> None:
    """Whole-year and partial-year contracts both show up; rompu=None gives both."""
    assert condition(_trouver(strategie, condition))


@pytest.mark.parametrize(
    ("appel", "message"),
    [
        (lambda: cst.contrats(duree_mois=(0, 6)), "duree_mois"),
        (lambda: cst.contrats(duree_mois=(12, 6)), "duree_mois"),
        (lambda: cst.contrats(duree_mois=(6, 49)), "duree_mois"),
        (
            lambda: cst.contrats(
                signe_entre=(dt.date(2021, 1, 1), dt.date(2024, 12, 31)),
                regime=Regime.REGIME_2020,
            ),
            "no signing date",
        ),
        (
            lambda: cst.contrats(signe_entre=(dt.date(2021, 1, 1), dt.date(2020, 12, 31))),
            "no signing date",
        ),
    ],
)
def test_contrats_refuse_impossible_arguments(appel: Callable[[], object], message: str) -> None:
    """Impossible durations, or a regime outside the signing window, are usage errors."""
    with pytest.raises(InvalidArgument, match=message):
        appel()


@given(cst.budgets(frais_pedagogiques=st.just(Montant("26247")), transport=st.just(Montant(0))))
def test_budgets_steered(budget: Budget) -> None:
    """A line given as a strategy is drawn from it; the others keep their default ranges."""
    assert budget.frais_pedagogiques == Montant("26247")
    assert budget.transport == Montant(0)
    assert Montant(0) <= budget.hebergement <= Montant("3000")
    assert budget.total == (
        budget.frais_pedagogiques + budget.majoration_handicap + budget.frais_annexes
    )


@given(cst.budgets())
def test_budgets_default_ranges(budget: Budget) -> None:
    """Default lines: pedagogical costs up to 60 000 €, annex lines up to 3 000 €."""
    assert budget.frais_pedagogiques <= Montant("60000")
    assert budget.frais_annexes <= Montant("8500")


def _verifier_historique(action: Action) -> None:
    """The file's history starts at *reçu* and chains allowed transitions, forward in time."""
    assert action.historique[0].arrivee is EtatDossier.RECU
    assert action.historique[0].depart is None
    for avant, apres in itertools.pairwise(action.historique):
        assert apres.depart is avant.arrivee
        assert apres.arrivee in TRANSITIONS_DOSSIER[avant.arrivee]
        assert avant.quand < apres.quand
    assert action.historique[-1].arrivee is action.etat


@pytest.mark.parametrize("etat", list(EtatDossier))
@given(donnees=st.data())
def test_actions_in_the_requested_state(etat: EtatDossier, donnees: st.DataObject) -> None:
    """actions(etat=X) draws files in X, reached through allowed, recorded transitions."""
    action = donnees.draw(cst.actions(etat=etat))
    assert action.etat is etat
    _verifier_historique(action)
    assert action.contrat.periode.contient(action.formation.periode)
    assert (action.date_rupture is not None) is (
        EtatDossier.ROMPU in {c.arrivee for c in action.historique}
    )


@given(
    cst.actions(
        etat={EtatDossier.EN_COURS, EtatDossier.ROMPU},
        siret_cfa=exemples.SIRET_CFA,
        regime=Regime.REGIME_2025_07,
    )
)
def test_actions_steered(action: Action) -> None:
    """A set of states, the CFA and the regime are honoured together."""
    assert action.etat.remboursable
    assert action.siret_cfa == exemples.SIRET_CFA
    assert action.echeancier().regime is Regime.REGIME_2025_07
    _verifier_historique(action)


@given(cst.actions(budget=cst.budgets(frais_pedagogiques=st.just(Montant("12000")))))
def test_actions_with_a_budget_strategy(action: Action) -> None:
    """budget= replaces the strategy of the Aspect financier block."""
    assert action.budget.frais_pedagogiques == Montant("12000")


@pytest.mark.parametrize(
    ("strategie", "condition"),
    [
        (
            cst.actions(etat=EtatDossier.EN_COURS),
            lambda a: EtatDossier.EN_ATTENTE in {c.arrivee for c in a.historique},
        ),
        (
            cst.actions(etat=EtatDossier.SOLDE),
            lambda a: EtatDossier.ROMPU in {c.arrivee for c in a.historique},
        ),
        (cst.actions(), lambda a: a.etat is EtatDossier.SUPPRIME),
    ],
)
def test_actions_reach_detours(
    strategie: st.SearchStrategy[Action], condition: Callable[[Action], bool]
) -> None:
    """Files also reach their state by detours (en attente and back, soldé after rompu)."""
    assert condition(_trouver(strategie, condition))


def test_actions_refuse_no_state() -> None:
    """An empty collection of states is a usage error."""
    with pytest.raises(InvalidArgument):
        cst.actions(etat=set())


# --- Requests and schedules -----------------------------------------------------------


@given(cst.montants_demandes())
def test_montants_demandes_default(montants: MontantsDemandes) -> None:
    """Requests total 0,01 € to 10 000 €, every line non-negative."""
    assert Montant("0.01") <= montants.total <= Montant("10000")
    assert all(not montants.pour(c).est_negatif for c in Categorie)


@given(cst.montants_demandes(max_total=Montant("250"), categories={Categorie.FRAIS_PEDAGOGIQUES}))
def test_montants_demandes_steered(montants: MontantsDemandes) -> None:
    """categories= keeps the other lines at zero; max_total caps the total."""
    assert montants.total == montants.frais_pedagogiques <= Montant("250")


@given(cst.montants_demandes(max_total=Montant("0.01"), categories={Categorie.FRAIS_DIVERS}))
def test_montants_demandes_smallest(montants: MontantsDemandes) -> None:
    """With a total capped at one cent, the one allowed line holds that cent."""
    assert montants.frais_divers == Montant("0.01")
    assert montants.total == Montant("0.01")


@pytest.mark.parametrize(
    ("max_total", "categories"),
    [(Montant(0), None), (Montant("10"), set())],
)
def test_montants_demandes_refuse_impossible_arguments(
    max_total: Montant, categories: set[Categorie] | None
) -> None:
    """A cap below one cent, or no line allowed, is a usage error."""
    with pytest.raises(InvalidArgument):
        cst.montants_demandes(max_total=max_total, categories=categories)


@given(cst.rythmes())
def test_rythmes_are_accepted(rythme: tuple[Tranche, ...]) -> None:
    """Rhythms cover months 1 to 12 in order, sum to 100 % and are accepted as rules."""
    assert ParametresEcheancier(rythme_2021=rythme).rythme(Regime.REGIME_2021) == rythme
    assert sum((t.pourcentage for t in rythme), Decimal(0)) == 100
    ordinaires = [t for t in rythme if not t.solde]
    assert ordinaires[0].mois_debut == 1
    assert ordinaires[-1].mois_fin == 12
    for avant, apres in itertools.pairwise(ordinaires):
        assert apres.mois_debut == avant.mois_fin + 1


@given(cst.rythmes(solde=True))
def test_rythmes_with_a_solde(rythme: tuple[Tranche, ...]) -> None:
    """solde=True ends the rhythm with exactly one solde tranche."""
    assert rythme[-1].solde
    assert [t.solde for t in rythme].count(True) == 1


@given(cst.rythmes(solde=False))
def test_rythmes_without_solde(rythme: tuple[Tranche, ...]) -> None:
    """solde=False never draws a solde tranche."""
    assert not any(t.solde for t in rythme)


@given(cst.parametres_echeancier())
def test_parametres_echeancier_are_valid(parametres: ParametresEcheancier) -> None:
    """Drawn rules are accepted and keep the regimes in order."""
    assert (
        parametres.debut_regime_2020
        < parametres.debut_regime_2021
        < parametres.debut_regime_2025_07
    )
    for regime in Regime:
        assert sum((t.pourcentage for t in parametres.rythme(regime)), Decimal(0)) == 100


@pytest.mark.parametrize(
    "condition",
    [
        lambda p: p == PARAMETRES_PAR_DEFAUT,
        lambda p: p.reprise_avance_mois == 12,
        lambda p: p.rythme_2020 != PARAMETRES_PAR_DEFAUT.rythme_2020,
        lambda p: p.debut_regime_2021 != PARAMETRES_PAR_DEFAUT.debut_regime_2021,
        lambda p: p.participation_employeur_montant != Montant(750),
    ],
)
def test_parametres_echeancier_vary(condition: Callable[[ParametresEcheancier], bool]) -> None:
    """The defaults and each kind of variation show up."""
    assert condition(_trouver(cst.parametres_echeancier(), condition))


@pytest.mark.parametrize("regime", list(Regime))
@given(donnees=st.data())
def test_echeanciers_of_a_regime(regime: Regime, donnees: st.DataObject) -> None:
    """echeanciers(regime=R) computes R's schedules; unbroken ones keep their engagement."""
    echeancier = donnees.draw(cst.echeanciers(regime=regime, rompu=False))
    assert echeancier.regime is regime
    assert echeancier.date_rupture is None
    assert echeancier.engagement == echeancier.engagement_initial


@given(
    cst.echeanciers(
        regime=Regime.REGIME_2025_07,
        niveau=6,
        engagement=st.just(Montant("9000")),
        rompu=False,
    )
)
def test_echeanciers_steered(echeancier: Echeancier) -> None:
    """The level and the engagement are honoured: a level-6 July-2025 contract pays the 750 €."""
    assert echeancier.engagement == Montant("9000")
    assert echeancier.participation_employeur == Montant("750")


@given(cst.echeanciers(parametres=cst.parametres_echeancier(), rompu=True))
def test_echeanciers_under_drawn_rules(echeancier: Echeancier) -> None:
    """A strategy of rules may be given; rompu=True gives broken contracts."""
    assert echeancier.date_rupture is not None
    assert echeancier.total + echeancier.participation_employeur == echeancier.engagement


def test_echeanciers_refuse_unknown_levels() -> None:
    """A diploma level outside 3..8 is a usage error."""
    with pytest.raises(InvalidArgument):
        cst.echeanciers(niveau=10)


# --- The kit in use: properties a domain expert writes ------------------------------------


@given(cst.actions(), cst.parametres_echeancier())
def test_any_file_schedule_sums_to_engagement_minus_employer_participation(
    action: Action, parametres: ParametresEcheancier
) -> None:
    """For any file, of any regime, under any rules: installments = engagement − participation."""
    echeancier = action.echeancier(parametres)
    assert echeancier.total == echeancier.engagement - echeancier.participation_employeur
    assert echeancier.engagement <= action.budget.frais_pedagogiques


@given(cst.echeanciers(), cst.dates(), cst.dates())
def test_opened_amount_is_monotone_in_time(
    echeancier: Echeancier, premier: dt.date, second: dt.date
) -> None:
    """For any schedule, what is opened never decreases with time, up to the whole total."""
    avant, apres = sorted((premier, second))
    assert echeancier.ouvert_au(avant) <= echeancier.ouvert_au(apres) <= echeancier.total
    derniere = max(e.date_ouverture for e in echeancier.echeances)
    assert echeancier.ouvert_au(derniere) == echeancier.total


@given(
    action=cst.actions(
        etat={EtatDossier.EN_COURS, EtatDossier.ROMPU},
        budget=cst.budgets(frais_pedagogiques=cst.montants(Montant("1000"), Montant("60000"))),
    ),
    donnees=st.data(),
)
def test_any_pedagogical_request_within_what_is_open_is_admitted(
    action: Action, donnees: st.DataObject
) -> None:
    """On a reimbursable file, a documented request within the opened amount passes.

    A rupture on the first days may leave nothing open: then even a cent is refused.
    """
    echeancier = action.echeancier()
    le = max(e.date_ouverture for e in echeancier.echeances)
    ouvert = echeancier.disponible_au(le, Montant.zero())

    def verifier(montants: MontantsDemandes) -> None:
        verifier_demande(
            action=action,
            demandes=(),
            formulaire=FormulaireDemande(
                periode=action.periode_remboursable,
                montants=montants,
                pieces=_PIECES,
                conditions_acceptees=True,
            ),
            le=le,
            calendrier=echeancier,
        )

    if not ouvert:
        event("rien d'ouvert (rupture des premiers jours) : un centime refusé")
        with pytest.raises(MontantNonOuvert):
            verifier(MontantsDemandes(Montant("0.01")))
        return
    event("montant ouvert : admise")
    verifier(
        donnees.draw(
            cst.montants_demandes(max_total=ouvert, categories={Categorie.FRAIS_PEDAGOGIQUES})
        )
    )
