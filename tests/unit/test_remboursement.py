"""Reimbursement requests: their state machine, the rules that admit them, and the receipt."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from cfa_domain.action import Action, EtatDossier
from cfa_domain.errors import (
    Agregat,
    BudgetDepasse,
    ConditionsNonAcceptees,
    DonneeInvalide,
    DossierNonRemboursable,
    ForfaitMobiliteDepasse,
    MontantNonOuvert,
    PeriodeHorsContrat,
    PieceManquante,
    PlafondPremierEquipementDepasse,
    PlafondRepasNuiteesDepasse,
    RegleDeGestion,
    TransitionInterdite,
)
from cfa_domain.remboursement import (
    PARAMETRES_REMBOURSEMENT_PAR_DEFAUT,
    TRANSITIONS_DEMANDE,
    ChangementEtatDemande,
    DemandeRemboursement,
    EtatDemande,
    FormulaireDemande,
    MontantsDemandes,
    ParametresRemboursement,
    PieceJointe,
    QuantitesFraisAnnexes,
    Recepisse,
    Soumission,
    certificat_requis,
    consommation,
    est_premiere_avance,
    rembourse,
    verifier_demande,
)
from cfa_domain.testing import exemples
from cfa_domain.testing.exemples import CERTIFICAT, FACTURE, demande
from cfa_domain.testing.exemples import montants_demandes as montants
from cfa_domain.values import Categorie, Montant, Nir, Periode, Piece

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

D = EtatDemande
QUAND = dt.datetime(2023, 10, 2, 9, 0, tzinfo=dt.UTC)
SIRET_CFA = exemples.SIRET_CFA
COMPTE = uuid.UUID(int=7)
CONTRAT = Periode(dt.date(2023, 9, 1), dt.date(2025, 8, 31))
PREMIERE_AVANCE = Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29))
NPEC = Montant(6000)
"""12 000 € over two years."""
BUDGET = exemples.budget(
    frais_pedagogiques=Montant(12000),
    hebergement=Montant(1000),
    mobilite=Montant(800),
    transport=Montant(100),
    frais_divers=Montant(600),
)
"""A two-year file's budget: 12 000 € pedagogical, 1 000 € meals/nights, 800 € mobility ..."""

# A hand-written schedule standing in for cfa_domain.echeancier.Echeancier: 12 000 € over
# two years at 40/30/30 of 6 000 € a year.
CALENDRIER = exemples.CalendrierFixe(
    ouvertures=(
        (dt.date(2023, 9, 1), Montant(2400)),
        (dt.date(2024, 3, 1), Montant(1800)),
        (dt.date(2024, 6, 1), Montant(1800)),
        (dt.date(2024, 9, 1), Montant(2400)),
        (dt.date(2025, 3, 1), Montant(1800)),
        (dt.date(2025, 6, 1), Montant(1800)),
    ),
    premiere_avance=exemples.EcheanceFixe(PREMIERE_AVANCE, Montant(2400)),
    annees=(
        exemples.AnneeFixe(1, Periode(CONTRAT.debut, dt.date(2024, 8, 31))),
        exemples.AnneeFixe(2, Periode(dt.date(2024, 9, 1), CONTRAT.fin)),
    ),
    npec=NPEC,
)


def action(etat: EtatDossier = EtatDossier.EN_COURS) -> Action:
    """The example file (2023-2025 contract) with :data:`BUDGET`, in ``etat``."""
    return exemples.action(etat=etat, budget=BUDGET)


FORMULAIRE = ("periode", "montants", "quantites", "pieces", "conditions_acceptees")
SOUMISSION = ("demande_id", "compte_id", "siret_organisme", "auteur", "quand", "le")


def verifier(**changes: Any) -> None:
    """verifier_demande with a valid first-advance request, apart from ``changes``."""
    arguments: dict[str, Any] = {
        "action": action(),
        "demandes": [],
        "periode": PREMIERE_AVANCE,
        "montants": montants("2400"),
        "quantites": QuantitesFraisAnnexes(),
        "pieces": [FACTURE],
        "conditions_acceptees": True,
        "le": dt.date(2023, 10, 2),
        "calendrier": CALENDRIER,
        "parametres": PARAMETRES_REMBOURSEMENT_PAR_DEFAUT,
    }
    arguments |= changes
    formulaire = FormulaireDemande(**{cle: arguments.pop(cle) for cle in FORMULAIRE})
    verifier_demande(formulaire=formulaire, **arguments)


# --- states ----------------------------------------------------------------------------------

AUTORISEES = {
    (D.SOUMISE, D.EN_TRAITEMENT),
    (D.EN_TRAITEMENT, D.VALIDEE),
    (D.VALIDEE, D.PAYEE),
    (D.SOUMISE, D.REFUSEE),
    (D.EN_TRAITEMENT, D.REFUSEE),
    (D.SOUMISE, D.ANNULEE),
}


def passer(d: DemandeRemboursement, arrivee: EtatDemande) -> ChangementEtatDemande:
    """Move a request to ``arrivee`` through its named method."""
    methodes: dict[EtatDemande, Callable[[], ChangementEtatDemande]] = {
        D.EN_TRAITEMENT: lambda: d.prendre_en_traitement(auteur="agent", quand=QUAND),
        D.VALIDEE: lambda: d.valider(auteur="agent", quand=QUAND),
        D.PAYEE: lambda: d.payer(auteur="agent", quand=QUAND),
        D.REFUSEE: lambda: d.refuser("facture illisible", auteur="agent", quand=QUAND),
        D.ANNULEE: lambda: d.annuler(auteur="cfa", quand=QUAND, motif="erreur de saisie"),
        D.SOUMISE: lambda: d._passer(D.SOUMISE, auteur="agent", quand=QUAND),
    }
    return methodes[arrivee]()


def test_libelles_et_budget_des_etats() -> None:
    """Each state has its French label; refused and cancelled requests leave the budget."""
    assert [e.libelle for e in EtatDemande] == [
        "soumise",
        "en traitement",
        "validée",
        "payée",
        "refusée",
        "annulée",
    ]
    assert {e for e in EtatDemande if not e.compte_dans_budget} == {D.REFUSEE, D.ANNULEE}


def test_table_des_transitions() -> None:
    """The transition table is exactly the domain's "Request states" rule."""
    assert {(d, a) for d, arrivees in TRANSITIONS_DEMANDE.items() for a in arrivees} == AUTORISEES
    assert set(TRANSITIONS_DEMANDE) == set(EtatDemande)


@pytest.mark.parametrize(("depart", "arrivee"), sorted(AUTORISEES, key=str))
def test_transition_autorisee(depart: EtatDemande, arrivee: EtatDemande) -> None:
    """An allowed transition changes the state and is recorded with who, when, from, to."""
    d = demande(etat=depart)
    avant = list(d.historique)
    changement = passer(d, arrivee)
    assert d.etat is arrivee
    assert d.historique == [*avant, changement]
    assert (changement.depart, changement.arrivee, changement.quand) == (depart, arrivee, QUAND)


@pytest.mark.parametrize(
    ("depart", "arrivee"),
    sorted(set(itertools.product(EtatDemande, repeat=2)) - AUTORISEES, key=str),
)
def test_transition_interdite(depart: EtatDemande, arrivee: EtatDemande) -> None:
    """Any other transition raises TransitionInterdite and changes nothing."""
    d = demande(etat=depart)
    avant = (d.etat, list(d.historique), d.motif_refus)
    with pytest.raises(TransitionInterdite) as erreur:
        passer(d, arrivee)
    assert (erreur.value.depart, erreur.value.arrivee) == (depart, arrivee)
    assert (erreur.value.agregat, erreur.value.identifiant) == (Agregat.DEMANDE, d.id)
    assert (d.etat, d.historique, d.motif_refus) == avant


@given(st.lists(st.sampled_from(EtatDemande), max_size=10))
def test_machine_refuse_exactement_ce_qu_elle_doit(chemin: list[EtatDemande]) -> None:
    """Along any path of attempted moves, exactly the allowed ones succeed and are recorded."""
    d = demande()
    acceptes = []
    for arrivee in chemin:
        depart = d.etat
        if (depart, arrivee) in AUTORISEES:
            passer(d, arrivee)
            acceptes.append((depart, arrivee))
        else:
            with pytest.raises(TransitionInterdite):
                passer(d, arrivee)
        assert d.etat is (arrivee if (depart, arrivee) in AUTORISEES else depart)
    assert [(c.depart, c.arrivee) for c in d.historique] == [(None, D.SOUMISE), *acceptes]


def test_refus_avec_motif() -> None:
    """A refusal keeps its reason on the request and in the history."""
    d = demande(etat=D.EN_TRAITEMENT)
    d.refuser("certificat non signé", auteur="agent", quand=QUAND)
    assert d.motif_refus == "certificat non signé"
    assert d.historique[-1].motif == "certificat non signé"


def test_refus_sans_motif() -> None:
    """A refusal without a reason is refused and the request is unchanged."""
    d = demande()
    with pytest.raises(DonneeInvalide) as erreur:
        d.refuser(" ", auteur="agent", quand=QUAND)
    assert erreur.value.champ == "motif_refus"
    assert (d.etat, d.motif_refus) == (D.SOUMISE, None)


# --- value objects ---------------------------------------------------------------------------


def test_montants_total_et_lignes() -> None:
    """The total is computed from the lines, and each line is read by category."""
    m = attrs.evolve(montants("1200.50", "12", "0.01", "300"), majoration_handicap=Montant(7))
    assert m.total == Montant("1519.51")
    assert [m.pour(c) for c in Categorie] == [
        Montant("1200.50"),
        Montant("12"),
        Montant("0.01"),
        Montant("300"),
        Montant("7"),
    ]
    assert MontantsDemandes.depuis({Categorie.FRAIS_DIVERS: Montant(5)}) == montants(divers="5")


def test_montants_tous_nuls() -> None:
    """A request of nothing is refused."""
    with pytest.raises(DonneeInvalide, match="au moins un montant"):
        montants()


def test_montant_negatif() -> None:
    """A negative amount is refused, naming its line."""
    with pytest.raises(DonneeInvalide) as erreur:
        montants("100", repas="-1")
    assert erreur.value.champ == "repas_nuitees"


@pytest.mark.parametrize(
    ("changes", "champ"),
    [
        ({"nombre_repas": -1}, "nombre_repas"),
        ({"nombre_nuitees": True}, "nombre_nuitees"),
        ({"premier_equipement": Montant("-0.01")}, "premier_equipement"),
    ],
)
def test_quantites_invalides(changes: dict[str, Any], champ: str) -> None:
    """Quantities are whole numbers, zero or more, and the equipment amount is not negative."""
    with pytest.raises(DonneeInvalide) as erreur:
        QuantitesFraisAnnexes(**changes)
    assert erreur.value.champ == champ


def test_piece_jointe_et_parametres_valides() -> None:
    """An attachment needs a document id; parameters refuse negative ceilings."""
    with pytest.raises(DonneeInvalide):
        PieceJointe(Piece.FACTURE, "", "facture.pdf")
    with pytest.raises(DonneeInvalide) as erreur:
        ParametresRemboursement(forfait_mobilite=Montant(-1))
    assert erreur.value.champ == "forfait_mobilite"


def test_parametres_par_defaut() -> None:
    """Defaults: 3 € a meal, 6 € a night, 500 € equipment and mobility, certificate rule on."""
    p = PARAMETRES_REMBOURSEMENT_PAR_DEFAUT
    assert (p.plafond_repas, p.plafond_nuitee) == (Montant(3), Montant(6))
    assert (p.plafond_premier_equipement, p.forfait_mobilite) == (Montant(500), Montant(500))
    assert p.certificat_exige_sauf_premiere_avance is True


def test_pieces_converties_en_tuple() -> None:
    """Attached documents are kept as a tuple; anything else than PieceJointe is refused."""
    assert demande(pieces=[FACTURE]).pieces == (FACTURE,)  # a list is converted
    with pytest.raises(DonneeInvalide) as erreur:
        demande(pieces=("facture.pdf",))  # the wrong type is the point
    assert erreur.value.champ == "pieces"


# --- the rules, in their order ---------------------------------------------------------------


def test_demande_admise() -> None:
    """A first advance of 2 400 € with its invoice, in October 2023, is admitted."""
    verifier()


def test_conditions_en_premier() -> None:
    """Unaccepted conditions are reported first, even on a file that is not en cours."""
    with pytest.raises(ConditionsNonAcceptees):
        verifier(conditions_acceptees=False, action=action(EtatDossier.RECU), pieces=[])


def test_etat_du_dossier() -> None:
    """A file en instruction refuses requests."""
    with pytest.raises(DossierNonRemboursable):
        verifier(action=action(EtatDossier.EN_INSTRUCTION))


def test_periode_hors_contrat() -> None:
    """A period leaving the contract is refused before documents are looked at."""
    with pytest.raises(PeriodeHorsContrat):
        verifier(periode=Periode(dt.date(2023, 8, 1), dt.date(2023, 9, 30)), pieces=[])


def test_facture_toujours_exigee() -> None:
    """The invoice is required, even for the first advance."""
    with pytest.raises(PieceManquante) as erreur:
        verifier(pieces=[CERTIFICAT])
    assert (erreur.value.piece, erreur.value.champ) == (Piece.FACTURE, "facture")
    assert erreur.value.message == "Pièce obligatoire manquante : Facture."


def test_certificat_apres_la_premiere_avance() -> None:
    """Once the first advance is requested, the next request needs the certificate."""
    avance = [demande(montants("2400"), etat=D.PAYEE)]
    suite = {
        "periode": Periode(dt.date(2024, 3, 1), dt.date(2024, 5, 31)),
        "le": dt.date(2024, 3, 1),
    }
    with pytest.raises(PieceManquante) as erreur:
        verifier(demandes=avance, montants=montants("1800"), **suite)
    assert erreur.value.piece is Piece.CERTIFICAT_REALISATION
    verifier(demandes=avance, montants=montants("1800"), pieces=[FACTURE, CERTIFICAT], **suite)


def test_premiere_avance_apres_un_refus() -> None:
    """A refused or cancelled earlier request does not use up the first advance."""
    verifier(demandes=[demande(montants("2400"), etat=D.REFUSEE), demande(etat=D.ANNULEE)])


def test_premiere_avance_en_plusieurs_fois() -> None:
    """The first advance may be asked in parts without certificate while their sum stays in it."""
    deja = [demande(montants("1000"), etat=D.PAYEE)]
    verifier(demandes=deja, montants=montants("1400"))
    with pytest.raises(PieceManquante):
        verifier(demandes=deja, montants=montants("1400.01"), le=dt.date(2024, 3, 1))


def test_frais_annexes_seuls_ne_consomment_pas_la_dispense() -> None:
    """An earlier request of frais annexes only leaves the first advance exempt."""
    verifier(demandes=[demande(montants(divers="100"), etat=D.PAYEE)])


def test_frais_annexes_seuls_dans_la_premiere_avance_sans_certificat() -> None:
    """Frais annexes only, in the first advance's period, need no certificate, even late.

    Even once more than the first advance was requested: such a request is that advance.
    """
    deja = [demande(montants("2400"), etat=D.PAYEE), demande(montants("1800"), etat=D.PAYEE)]
    verifier(demandes=deja, montants=montants(divers="100"), le=dt.date(2024, 6, 1))
    assert est_premiere_avance(deja, PREMIERE_AVANCE, Montant(0), CALENDRIER)
    with pytest.raises(PieceManquante):  # some pedagogy on top: the certificate again
        verifier(demandes=deja, montants=montants("1", divers="100"), le=dt.date(2024, 6, 1))


def test_frais_annexes_avec_la_premiere_avance() -> None:
    """Frais annexes may come alongside the first advance, still without certificate."""
    verifier(
        montants=montants("2400", repas="12", divers="100"),
        quantites=QuantitesFraisAnnexes(nombre_repas=4),
    )


def test_une_annee_entiere_d_un_coup_exige_le_certificat() -> None:
    """A first request covering more than the first advance's period needs the certificate."""
    annee = {
        "periode": Periode(dt.date(2023, 9, 1), dt.date(2024, 8, 31)),
        "le": dt.date(2024, 9, 1),
    }
    with pytest.raises(PieceManquante):
        verifier(montants=montants("100"), **annee)
    with pytest.raises(PieceManquante):
        verifier(periode=Periode(dt.date(2023, 9, 1), dt.date(2024, 3, 1)))
    verifier(montants=montants("6000"), pieces=[FACTURE, CERTIFICAT], **annee)


def test_plus_que_la_premiere_avance_exige_le_certificat() -> None:
    """A first request above the first advance's amount needs the certificate."""
    with pytest.raises(PieceManquante):
        verifier(montants=montants("2400.01"), le=dt.date(2024, 3, 1))


def test_certificat_hors_periode_de_premiere_avance() -> None:
    """A first request starting after the first advance's period needs the certificate."""
    with pytest.raises(PieceManquante):
        verifier(periode=Periode(dt.date(2024, 3, 1), dt.date(2024, 5, 31)), le=dt.date(2024, 6, 1))


def test_certificat_toujours_exige_si_parametre() -> None:
    """With the exemption withdrawn, even the first advance needs the certificate."""
    with pytest.raises(PieceManquante):
        verifier(parametres=ParametresRemboursement(certificat_exige_sauf_premiere_avance=False))


def test_est_premiere_avance() -> None:
    """The first advance: a period within its installment, pedagogy within its amount."""
    assert est_premiere_avance([], PREMIERE_AVANCE, Montant(2400), CALENDRIER)
    assert est_premiere_avance([], PREMIERE_AVANCE, Montant(0), CALENDRIER)
    assert not est_premiere_avance([demande()], PREMIERE_AVANCE, Montant(2400), CALENDRIER)
    assert est_premiere_avance(
        [demande(etat=D.REFUSEE)], PREMIERE_AVANCE, Montant(2400), CALENDRIER
    )
    assert not est_premiere_avance(
        [], Periode(dt.date(2024, 3, 1), CONTRAT.fin), Montant(1), CALENDRIER
    )


def test_certificat_requis_suit_le_parametre() -> None:
    """certificat_requis is the exemption's negation, and always True with it withdrawn."""
    sans_dispense = ParametresRemboursement(certificat_exige_sauf_premiere_avance=False)
    assert not certificat_requis([], PREMIERE_AVANCE, Montant(2400), CALENDRIER)
    assert certificat_requis([], PREMIERE_AVANCE, Montant(2400), CALENDRIER, sans_dispense)
    assert certificat_requis([], PREMIERE_AVANCE, Montant("2400.01"), CALENDRIER)


@given(
    deja=st.integers(0, 300_000).map(lambda c: Montant(Decimal(c) / 100)),
    demande_pedagogie=st.integers(0, 300_000).map(lambda c: Montant(Decimal(c) / 100)),
    annexes=st.integers(0, 50_000).map(lambda c: Montant(Decimal(c) / 100)),
    debut=st.integers(0, 400),
    fin=st.integers(0, 400),
)
def test_dispense_exactement_dans_la_premiere_avance(
    deja: Montant, demande_pedagogie: Montant, annexes: Montant, debut: int, fin: int
) -> None:
    """Exempt iff the period is within the first advance and pedagogy so far stays within it."""
    premier = CONTRAT.debut + dt.timedelta(days=min(debut, fin))
    periode = Periode(premier, CONTRAT.debut + dt.timedelta(days=max(debut, fin)))
    anterieures = (
        [demande(MontantsDemandes(deja, annexes, annexes, annexes))] if deja or annexes else []
    )
    attendu = PREMIERE_AVANCE.contient(periode) and (
        not demande_pedagogie or deja + demande_pedagogie <= Montant(2400)
    )
    assert est_premiere_avance(anterieures, periode, demande_pedagogie, CALENDRIER) is attendu


def test_premier_equipement_dans_les_frais_divers() -> None:
    """First equipment is part of frais divers and may not exceed them."""
    with pytest.raises(DonneeInvalide) as erreur:
        verifier(
            montants=montants("100", divers="50"),
            quantites=QuantitesFraisAnnexes(premier_equipement=Montant("50.01")),
        )
    assert erreur.value.champ == "premier_equipement"


def test_plafond_repas_et_nuitees() -> None:
    """Two meals and one night allow 3 × 2 + 6 × 1 = 12 €, not a cent more."""
    quantites = QuantitesFraisAnnexes(nombre_repas=2, nombre_nuitees=1)
    verifier(montants=montants("100", repas="12"), quantites=quantites)
    with pytest.raises(PlafondRepasNuiteesDepasse) as erreur:
        verifier(montants=montants("100", repas="12.01"), quantites=quantites)
    assert erreur.value.champ == "repas_nuitees"
    assert (erreur.value.demande, erreur.value.autorise) == (Montant("12.01"), Montant(12))
    assert (erreur.value.nombre_repas, erreur.value.nombre_nuitees) == (2, 1)
    assert (erreur.value.plafond_repas, erreur.value.plafond_nuitee) == (Montant(3), Montant(6))


def test_plafond_premier_equipement_sur_le_contrat() -> None:
    """First equipment is capped at 500 € over the contract, counting earlier requests."""
    deja = [
        demande(
            montants(divers="400"), quantites=QuantitesFraisAnnexes(premier_equipement=Montant(400))
        ),
        demande(
            montants(divers="300"),
            etat=D.REFUSEE,
            quantites=QuantitesFraisAnnexes(premier_equipement=Montant(300)),
        ),
    ]
    verifier(
        demandes=deja,
        montants=montants(divers="100"),
        quantites=QuantitesFraisAnnexes(premier_equipement=Montant(100)),
        pieces=[FACTURE, CERTIFICAT],
    )
    with pytest.raises(PlafondPremierEquipementDepasse) as erreur:
        verifier(
            demandes=deja,
            montants=montants(divers="150"),
            quantites=QuantitesFraisAnnexes(premier_equipement=Montant("100.01")),
            pieces=[FACTURE, CERTIFICAT],
        )
    assert erreur.value.champ == "premier_equipement"
    assert (erreur.value.demande, erreur.value.autorise) == (Montant("100.01"), Montant(100))
    assert (erreur.value.plafond, erreur.value.deja) == (Montant(500), Montant(400))
    assert "400,00 € déjà demandés" in erreur.value.message


def test_forfait_mobilite() -> None:
    """International mobility is capped by the OPCO's flat amount over the contract."""
    verifier(montants=montants(mobilite="500"))
    with pytest.raises(ForfaitMobiliteDepasse) as erreur:
        verifier(montants=montants(mobilite="500.01"))
    assert erreur.value.champ == "mobilite_internationale"
    assert (erreur.value.demande, erreur.value.autorise) == (Montant("500.01"), Montant(500))
    parametres = ParametresRemboursement(forfait_mobilite=Montant(800))
    verifier(montants=montants(mobilite="800"), parametres=parametres)


def test_budget_par_categorie() -> None:
    """Frais divers of 600 €, 550 € already asked: 50 € pass, 50,01 € do not."""
    deja = [
        demande(montants(divers="550"), etat=D.VALIDEE),
        demande(montants(divers="500"), etat=D.ANNULEE),
    ]
    verifier(demandes=deja, montants=montants(divers="50"), pieces=[FACTURE, CERTIFICAT])
    with pytest.raises(BudgetDepasse) as erreur:
        verifier(demandes=deja, montants=montants(divers="50.01"), pieces=[FACTURE, CERTIFICAT])
    assert erreur.value.champ == "frais_divers"
    assert erreur.value.categorie is Categorie.FRAIS_DIVERS
    assert (erreur.value.demande, erreur.value.disponible) == (Montant("50.01"), Montant(50))


def test_budget_deja_depasse_apres_une_baisse() -> None:
    """When the budget fell below what was asked, nothing is available (not a negative amount)."""
    deja = [demande(montants(repas="1200"), etat=D.PAYEE)]
    with pytest.raises(BudgetDepasse) as erreur:
        verifier(
            demandes=deja,
            montants=montants(repas="3"),
            quantites=QuantitesFraisAnnexes(nombre_repas=1),
            pieces=[FACTURE, CERTIFICAT],
        )
    assert erreur.value.categorie is Categorie.REPAS_NUITEES
    assert erreur.value.disponible == Montant(0)
    verifier(demandes=deja, montants=montants("10"), pieces=[FACTURE, CERTIFICAT])


def test_budget_avant_ouverture() -> None:
    """Asking more than the whole pedagogical budget reports the budget, not the schedule."""
    with pytest.raises(BudgetDepasse):
        verifier(montants=montants("12000.01"))


def test_montant_non_ouvert() -> None:
    """In October 2023 only the first 2 400 € are open; the error names the next opening."""
    with pytest.raises(MontantNonOuvert) as erreur:
        verifier(montants=montants("2400.01"))
    assert (erreur.value.demande, erreur.value.ouvert) == (Montant("2400.01"), Montant(2400))
    assert erreur.value.prochaine_ouverture == dt.date(2024, 3, 1)


def test_montant_ouvert_moins_deja_demande() -> None:
    """What is open is reduced by the pedagogical amounts already asked (refusals excluded)."""
    deja = [
        demande(montants("2000"), etat=D.EN_TRAITEMENT),
        demande(montants("400"), etat=D.REFUSEE),
    ]
    verifier(demandes=deja, montants=montants("400"), pieces=[FACTURE, CERTIFICAT])
    with pytest.raises(MontantNonOuvert) as erreur:
        verifier(demandes=deja, montants=montants("400.01"), pieces=[FACTURE, CERTIFICAT])
    assert erreur.value.ouvert == Montant(400)


def test_consommation_et_rembourse() -> None:
    """Consumption counts every request but refused/cancelled ones; reimbursed counts paid ones."""
    demandes = [
        demande(montants("100", "10", "1", "5"), etat=D.PAYEE),
        demande(montants("200", divers="2"), etat=D.SOUMISE),
        demande(montants("400"), etat=D.REFUSEE),
        demande(montants("800"), etat=D.ANNULEE),
    ]
    assert consommation(demandes) == {
        Categorie.FRAIS_PEDAGOGIQUES: Montant(300),
        Categorie.REPAS_NUITEES: Montant(10),
        Categorie.FRAIS_DIVERS: Montant(3),
        Categorie.MOBILITE_INTERNATIONALE: Montant(5),
        Categorie.MAJORATION_HANDICAP: Montant(0),
    }
    assert rembourse(demandes) == Montant(116)
    assert rembourse([]) == Montant(0)


# --- submitting ------------------------------------------------------------------------------


def soumettre(demandes: Sequence[DemandeRemboursement], **changes: Any) -> DemandeRemboursement:
    """Submit a valid first-advance request, apart from ``changes``."""
    arguments: dict[str, Any] = {
        "demande_id": uuid.UUID(int=1),
        "action": action(),
        "demandes": demandes,
        "siret_organisme": SIRET_CFA,
        "compte_id": COMPTE,
        "auteur": "cfa@example.org",
        "quand": QUAND,
        "le": QUAND.date(),
        "periode": PREMIERE_AVANCE,
        "montants": montants("2400", repas="6"),
        "quantites": QuantitesFraisAnnexes(nombre_repas=2),
        "pieces": [FACTURE],
        "conditions_acceptees": True,
        "calendrier": CALENDRIER,
        "cle_idempotence": "cle-1",
    }
    arguments |= changes
    formulaire = FormulaireDemande(**{cle: arguments.pop(cle) for cle in FORMULAIRE})
    soumission = Soumission(
        **{cle: arguments.pop(cle) for cle in SOUMISSION},
        cle_idempotence=arguments.pop("cle_idempotence"),
    )
    return DemandeRemboursement.soumettre(formulaire, soumission, **arguments)


def test_soumettre_cree_une_demande_soumise() -> None:
    """An admitted request is created soumise, with its first history entry and total."""
    d = soumettre([])
    assert (d.id, d.numero_action, d.etat, d.cle_idempotence) == (
        uuid.UUID(int=1),
        "2011303654",
        D.SOUMISE,
        "cle-1",
    )
    assert d.total == Montant(2406)
    assert d.pieces == (FACTURE,)
    assert d.soumise_le == QUAND
    assert d.rang == 1
    assert [(c.depart, c.arrivee, c.auteur) for c in d.historique] == [
        (None, D.SOUMISE, "cfa@example.org")
    ]


def test_soumettre_numerote_apres_toutes_les_demandes_du_dossier() -> None:
    """The rank is the number of requests already on the file plus one, whatever their state."""
    anterieures = [
        demande(montants("100"), etat=D.REFUSEE, rang=1),
        demande(montants("100"), etat=D.ANNULEE, rang=2),
    ]
    assert soumettre(anterieures).rang == 3


def test_le_jour_de_la_demande_est_donne_pas_deduit_de_l_instant() -> None:
    """01/03/2024 00:30 in Paris is 29/02 23:30 UTC: the given day, 1 March, opens A1-E2."""
    avance = [demande(montants("2400"), etat=D.PAYEE)]
    minuit_et_demi = dt.datetime(2024, 2, 29, 23, 30, tzinfo=dt.UTC)
    suite = {
        "quand": minuit_et_demi,
        "periode": Periode(dt.date(2024, 3, 1), dt.date(2024, 5, 31)),
        "montants": montants("1800"),
        "quantites": QuantitesFraisAnnexes(),
        "pieces": [FACTURE, CERTIFICAT],
    }
    d = soumettre(avance, le=dt.date(2024, 3, 1), **suite)
    assert d.soumise_le == minuit_et_demi
    with pytest.raises(MontantNonOuvert):
        soumettre(avance, le=dt.date(2024, 2, 29), **suite)


@pytest.mark.parametrize("rang", [0, -1, True, "1"])
def test_un_rang_invalide_est_refuse(rang: object) -> None:
    """A request's rank is a whole number from 1."""
    with pytest.raises(DonneeInvalide) as erreur:
        DemandeRemboursement(**(attrs.asdict(demande(), recurse=False) | {"rang": rang}))
    assert erreur.value.champ == "rang"


def test_soumettre_refuse() -> None:
    """A refused submission raises and creates nothing."""
    with pytest.raises(ConditionsNonAcceptees):
        soumettre([], conditions_acceptees=False)


# --- receipt ---------------------------------------------------------------------------------


def test_recepisse() -> None:
    """The receipt carries every line of the guide's receipt, documents provided and not."""
    dossier = action()
    d = soumettre([])
    r = Recepisse.pour(
        d,
        dossier,
        date=dt.date(2023, 10, 3),
        organisme_nom="CFA Santé Île-de-France",
        reference_of="OF-004512",
        demandeur="Jeanne Durand <cfa@example.org>",
        deja_rembourse=Montant(0),
    )
    assert r.titre == "Récépissé de la demande d'acompte 03/10/2023"
    assert r.date == dt.date(2023, 10, 3)
    assert (r.organisme, r.reference_of, r.reference_opco) == (
        "CFA Santé Île-de-France",
        "OF-004512",
        "2011303654-01",
    )
    assert r.demandeur == "Jeanne Durand <cfa@example.org>"
    assert r.dispositif == "Contrat d'Apprentissage"
    assert (r.intitule_formation, r.numero_action) == ("BTS Diététique", "2011303654")
    assert r.periode_formation == dossier.formation.periode
    assert (r.apprenti_nom, r.apprenti_prenom, r.apprenti_nir) == (
        "Martin",
        "Éloïse",
        Nir("295109912611193"),
    )
    assert r.financement_accorde == Montant(14500)
    assert r.deja_rembourse == Montant(0)
    assert (r.montant_demande, r.montants, r.periode) == (Montant(2406), d.montants, d.periode)
    assert r.pieces_fournies == (Piece.FACTURE,)
    assert r.pieces_non_fournies == (Piece.CERTIFICAT_REALISATION,)
    assert r.demande_id == uuid.UUID(int=1)


def test_reference_opco_vient_du_rang_enregistre() -> None:
    """The "Référence OPCO" is the action number and the stored rank, on two digits at least."""
    assert Recepisse.reference_opco_de(demande(rang=7)) == "2011303654-07"
    assert Recepisse.reference_opco_de(demande(rang=123)) == "2011303654-123"


def test_recepisse_d_un_autre_dossier() -> None:
    """A receipt pairs a request with its own file only."""
    d = attrs.evolve(demande(), numero_action="999")
    with pytest.raises(DonneeInvalide) as erreur:
        Recepisse.pour(
            d,
            action(),
            date=QUAND.date(),
            organisme_nom="CFA",
            reference_of="x",
            demandeur="z",
            deja_rembourse=Montant(0),
        )
    assert erreur.value.champ == "numero_action"


# --- stateful: many requests against one file ----------------------------------------------

CENTIMES = st.one_of(st.just(0), st.integers(0, 60_000), st.integers(0, 1_500_000)).map(
    lambda c: Montant(Decimal(c) / 100)
)
# Mostly what a CFA sends (both documents, conditions accepted): the refusals for a
# missing document or unaccepted conditions still come up, without drowning the rest.
PIECES = st.sampled_from([(FACTURE, CERTIFICAT), (FACTURE, CERTIFICAT), (FACTURE,), (CERTIFICAT,)])
ACCEPTEES = st.sampled_from([True, True, True, False])


#: How the machine's submissions ended over a run.
ISSUES: Counter[str] = Counter()


class DossierEnCours(RuleBasedStateMachine):
    """Requests submitted, processed, refused and cancelled in any order against one file."""

    def __init__(self) -> None:
        """One file en cours, no request, the date at the contract's start."""
        super().__init__()
        self.action = action()
        self.demandes: list[DemandeRemboursement] = []
        self.le = CONTRAT.debut
        self.compteur = 0

    def _instantane(self) -> list[tuple[uuid.UUID, EtatDemande, int]]:
        return [(d.id, d.etat, len(d.historique)) for d in self.demandes]

    @rule(jours=st.integers(min_value=0, max_value=120))
    def avancer(self, jours: int) -> None:
        """Time passes, up to the contract's end."""
        self.le = min(self.le + dt.timedelta(days=jours), CONTRAT.fin)

    @rule(
        m=st.tuples(CENTIMES, CENTIMES, CENTIMES, CENTIMES),
        repas=st.integers(0, 400),
        equipement=st.sampled_from([0, 0, 50, 100, 150]),
        pieces=PIECES,
        acceptees=ACCEPTEES,
        debut=st.integers(-10, 800),
    )
    def soumettre(
        self,
        *,
        m: tuple[Montant, Montant, Montant, Montant],
        repas: int,
        equipement: int,
        pieces: tuple[PieceJointe, ...],
        acceptees: bool,
        debut: int,
    ) -> None:
        """Submit a request; when refused, nothing on the file has changed."""
        avant = self._instantane()
        self.compteur += 1
        periode_debut = CONTRAT.debut + dt.timedelta(days=debut)
        try:
            d = DemandeRemboursement.soumettre(
                FormulaireDemande(
                    periode=Periode(periode_debut, periode_debut + dt.timedelta(days=30)),
                    montants=MontantsDemandes(*m),
                    quantites=QuantitesFraisAnnexes(
                        nombre_repas=repas,
                        # A share of the frais divers (above 100 %: refused, it is part of them).
                        premier_equipement=Montant.arrondi(m[2].valeur * equipement / 100),
                    ),
                    pieces=pieces,
                    conditions_acceptees=acceptees,
                ),
                Soumission(
                    demande_id=uuid.UUID(int=self.compteur),
                    compte_id=COMPTE,
                    siret_organisme=SIRET_CFA,
                    auteur="cfa",
                    quand=dt.datetime.combine(self.le, dt.time(12), tzinfo=dt.UTC),
                    le=self.le,
                ),
                action=self.action,
                demandes=self.demandes,
                calendrier=CALENDRIER,
            )
        except (RegleDeGestion, DonneeInvalide) as erreur:
            event(f"refusée : {type(erreur).__name__}")
            ISSUES["refusée"] += 1
            assert self._instantane() == avant
            return
        event("admise")
        ISSUES["admise"] += 1
        assert d.rang == len(self.demandes) + 1
        self.demandes.append(d)

    @precondition(lambda self: self.demandes)
    @rule(i=st.integers(0, 1000), cible=st.sampled_from(EtatDemande))
    def faire_evoluer(self, i: int, cible: EtatDemande) -> None:
        """Move one request anywhere; a refused move changes nothing."""
        d = self.demandes[i % len(self.demandes)]
        depart, taille = d.etat, len(d.historique)
        try:
            passer(d, cible)
        except TransitionInterdite:
            event("évolution refusée")
            ISSUES["évolution refusée"] += 1
            assert (d.etat, len(d.historique)) == (depart, taille)
        else:
            event("évolution admise")
            ISSUES["évolution admise"] += 1
            assert (depart, cible) in AUTORISEES

    @invariant()
    def budget_jamais_depasse(self) -> None:
        """No category ever consumes more than its budget line, nor pedagogy more than opened."""
        consomme = consommation(self.demandes)
        for categorie in Categorie:
            assert consomme[categorie] <= self.action.budget.pour(categorie)
        assert consomme[Categorie.FRAIS_PEDAGOGIQUES] <= CALENDRIER.disponible_au(
            self.le, Montant(0)
        )
        comptees = [d for d in self.demandes if d.etat.compte_dans_budget]
        assert Montant.somme(d.quantites.premier_equipement for d in comptees) <= Montant(500)
        assert rembourse(self.demandes) <= Montant.somme(d.total for d in comptees)


DossierEnCours.TestCase.settings = settings(stateful_step_count=40)
test_dossier_en_cours = DossierEnCours.TestCase


def test_le_dossier_admet_une_part_reelle_des_demandes() -> None:
    """The machine above admits a real share of its requests and moves, not only refusals.

    Its invariants hold trivially for a file that refuses everything, or whose requests
    never move; this derandomized run (the same draws each time) counts what it admits.
    """
    ISSUES.clear()
    run_state_machine_as_test(
        DossierEnCours,
        settings=settings(
            max_examples=50,
            stateful_step_count=40,
            derandomize=True,
            database=None,
            deadline=None,
        ),
    )
    assert ISSUES["admise"] >= 50
    assert ISSUES["admise"] * 10 >= ISSUES["admise"] + ISSUES["refusée"]
    evolutions = ISSUES["évolution admise"] + ISSUES["évolution refusée"]
    assert ISSUES["évolution admise"] >= 20
    assert ISSUES["évolution admise"] * 10 >= evolutions
