"""The Action aggregate: its blocks, its state machine, its history and the feed's versions."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfa_domain.action import (
    TRANSITIONS_DOSSIER,
    Action,
    ChangementEtat,
    EtatDossier,
    verifier_numero_action,
)
from cfa_domain.echeancier import ParametresEcheancier
from cfa_domain.errors import (
    Agregat,
    DonneeInvalide,
    DossierNonRemboursable,
    PeriodeHorsContrat,
    TransitionInterdite,
    VersionPerimee,
)
from cfa_domain.testing import exemples
from cfa_domain.values import (
    Categorie,
    Montant,
    NumeroDeca,
    NumeroSia,
    Periode,
    RegistreContrat,
    Siret,
)

E = EtatDossier
QUAND = dt.datetime(2023, 9, 2, 10, 30, tzinfo=dt.UTC)

# The domain brief's table, written out independently of the module under test.
AUTORISEES = {
    (E.RECU, E.EN_INSTRUCTION),
    (E.RECU, E.ANNULE),
    (E.RECU, E.SUPPRIME),
    (E.RECU, E.REFUSE),
    (E.EN_INSTRUCTION, E.EN_ATTENTE),
    (E.EN_INSTRUCTION, E.EN_COURS),
    (E.EN_INSTRUCTION, E.REFUSE),
    (E.EN_INSTRUCTION, E.ANNULE),
    (E.EN_INSTRUCTION, E.SUPPRIME),
    (E.EN_ATTENTE, E.EN_INSTRUCTION),
    (E.EN_ATTENTE, E.ANNULE),
    (E.EN_ATTENTE, E.SUPPRIME),
    (E.EN_ATTENTE, E.REFUSE),
    (E.EN_COURS, E.ROMPU),
    (E.EN_COURS, E.SOLDE),
    (E.EN_COURS, E.ANNULE),
    (E.ROMPU, E.SOLDE),
}


def champs(dossier: Action) -> dict[str, Any]:
    """What a file holds, copied (its history as a new list): to check that nothing moved."""
    return attrs.asdict(dossier, recurse=False) | {"historique": list(dossier.historique)}


def passer(dossier: Action, arrivee: EtatDossier) -> ChangementEtat:
    """Move a file by the right entry point (rompre for a rupture, a reason for a refusal)."""
    if arrivee is E.ROMPU:
        return dossier.rompre(
            dt.date(2024, 3, 15), auteur="conseiller", quand=QUAND, motif="démission"
        )
    return dossier.changer_etat(arrivee, auteur="conseiller", quand=QUAND, motif="motif")


# --- states and transitions -------------------------------------------------------------


def test_libelles_des_etats() -> None:
    """Each state shows the French label of the guide's glossary."""
    assert [e.libelle for e in EtatDossier] == [
        "reçu",
        "en instruction",
        "en attente",
        "en cours",
        "refusé",
        "rompu",
        "soldé",
        "annulé",
        "supprimé",
    ]


def test_table_des_transitions() -> None:
    """The transition table is exactly the one the domain brief describes."""
    assert {(d, a) for d, arrivees in TRANSITIONS_DOSSIER.items() for a in arrivees} == AUTORISEES
    assert set(TRANSITIONS_DOSSIER) == set(EtatDossier)


@pytest.mark.parametrize(("depart", "arrivee"), sorted(AUTORISEES, key=str))
def test_transition_autorisee_enregistree(depart: EtatDossier, arrivee: EtatDossier) -> None:
    """An allowed transition changes the state and appends who, when, from, to and why."""
    dossier = exemples.action(etat=depart)
    avant = list(dossier.historique)
    changement = passer(dossier, arrivee)
    assert dossier.etat is arrivee
    assert dossier.historique == [*avant, changement]
    assert (changement.depart, changement.arrivee) == (depart, arrivee)
    assert (changement.auteur, changement.quand) == ("conseiller", QUAND)


INTERDITES = sorted(set(itertools.product(EtatDossier, repeat=2)) - AUTORISEES, key=str)


@pytest.mark.parametrize(("depart", "arrivee"), INTERDITES)
def test_transition_interdite_ne_change_rien(depart: EtatDossier, arrivee: EtatDossier) -> None:
    """A transition outside the table raises TransitionInterdite and leaves the file as it was."""
    dossier = exemples.action(etat=depart)
    avant = champs(dossier)
    with pytest.raises(TransitionInterdite) as erreur:
        passer(dossier, arrivee)
    assert (erreur.value.depart, erreur.value.arrivee) == (depart, arrivee)
    assert (erreur.value.agregat, erreur.value.identifiant) == (Agregat.DOSSIER, "2011303654")
    assert erreur.value.message == (
        f"Dossier 2011303654 : le passage de l'état « {depart.libelle} » à l'état "
        f"« {arrivee.libelle} » n'est pas autorisé."
    )
    assert champs(dossier) == avant


@given(st.lists(st.sampled_from(EtatDossier), max_size=12))
def test_machine_refuse_exactement_ce_qu_elle_doit(chemin: list[EtatDossier]) -> None:
    """Along any path, a move succeeds exactly when the brief's table allows it."""
    dossier = exemples.action(etat=E.RECU)
    creation = list(dossier.historique)
    acceptes = []
    for arrivee in chemin:
        depart = dossier.etat
        if (depart, arrivee) in AUTORISEES:
            passer(dossier, arrivee)
            acceptes.append((depart, arrivee))
            assert dossier.etat is arrivee
        else:
            with pytest.raises(TransitionInterdite):
                passer(dossier, arrivee)
            assert dossier.etat is depart
    assert dossier.historique[: len(creation)] == creation
    assert [(c.depart, c.arrivee) for c in dossier.historique[len(creation) :]] == acceptes


def test_rupture_passe_par_rompre() -> None:
    """changer_etat refuses a rupture without its date, and the file stays en cours."""
    dossier = exemples.action(etat=E.EN_COURS)
    with pytest.raises(DonneeInvalide) as erreur:
        dossier.changer_etat(E.ROMPU, auteur="conseiller", quand=QUAND)
    assert erreur.value.champ == "date_rupture"
    assert dossier.etat is E.EN_COURS


def test_refus_exige_un_motif() -> None:
    """A refusal without a reason is refused and the file is unchanged."""
    dossier = exemples.action(etat=E.EN_INSTRUCTION)
    with pytest.raises(DonneeInvalide) as erreur:
        dossier.changer_etat(E.REFUSE, auteur="conseiller", quand=QUAND, motif="  ")
    assert erreur.value.champ == "motif"
    assert dossier.etat is E.EN_INSTRUCTION


def test_rompre_coupe_le_contrat() -> None:
    """A rupture records the date, the reason, and cuts the reimbursable period."""
    dossier = exemples.action(etat=E.EN_COURS)
    changement = dossier.rompre(
        dt.date(2024, 3, 15), auteur="adhérent", quand=QUAND, motif="démission"
    )
    assert changement.motif == "démission"
    assert dossier.date_rupture == dt.date(2024, 3, 15)
    assert dossier.contrat.date_rupture == dt.date(2024, 3, 15)
    assert dossier.periode_remboursable == Periode(dt.date(2023, 9, 1), dt.date(2024, 3, 15))


def test_rompre_exige_un_motif() -> None:
    """A rupture without a reason is refused and nothing changes."""
    dossier = exemples.action(etat=E.EN_COURS)
    with pytest.raises(DonneeInvalide) as erreur:
        dossier.rompre(dt.date(2024, 3, 15), auteur="adhérent", quand=QUAND, motif="")
    assert erreur.value.champ == "motif"
    assert (dossier.etat, dossier.date_rupture) == (E.EN_COURS, None)


@pytest.mark.parametrize("date_rupture", [dt.date(2023, 8, 31), dt.date(2025, 9, 1)])
def test_rompre_hors_du_contrat(date_rupture: dt.date) -> None:
    """A rupture date outside the contract is refused and the file stays en cours."""
    dossier = exemples.action(etat=E.EN_COURS)
    avant = champs(dossier)
    with pytest.raises(DonneeInvalide) as erreur:
        dossier.rompre(date_rupture, auteur="adhérent", quand=QUAND, motif="démission")
    assert erreur.value.champ == "date_rupture"
    assert champs(dossier) == avant


# --- creation, reading, reimbursability ---------------------------------------------------


def test_recue_depuis_le_webservice() -> None:
    """A file from the feed starts reçu, with one history entry from no state."""
    dossier = Action.recue(
        numero_action="2011303654",
        version=3,
        formation=exemples.formation(),
        contrat=exemples.contrat(),
        budget=exemples.budget(),
        quand=QUAND,
    )
    assert dossier.etat is E.RECU
    assert dossier.version == 3
    [entree] = dossier.historique
    assert (entree.depart, entree.arrivee, entree.auteur) == (None, E.RECU, "Webservice")
    assert dossier.siret_cfa == Siret("73282932000074")
    assert dossier.date_rupture is None
    assert dossier.periode_remboursable == exemples.contrat().periode


@pytest.mark.parametrize("etat", [e for e in EtatDossier if e not in {E.EN_COURS, E.ROMPU}])
def test_dossier_non_remboursable(etat: EtatDossier) -> None:
    """Only files en cours or rompu accept requests; the error names the state."""
    with pytest.raises(DossierNonRemboursable) as erreur:
        exemples.action(etat=etat).verifier_remboursable(
            Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29))
        )
    assert erreur.value.etat is etat
    assert erreur.value.numero_action == "2011303654"


def test_periode_dans_le_contrat() -> None:
    """A period inside the contract, ends included, is accepted."""
    exemples.action(etat=E.EN_COURS).verifier_remboursable(exemples.contrat().periode)


def test_periode_hors_contrat() -> None:
    """A period leaving the contract is refused with both periods."""
    with pytest.raises(PeriodeHorsContrat) as erreur:
        exemples.action(etat=E.EN_COURS).verifier_remboursable(
            Periode(dt.date(2025, 6, 1), dt.date(2025, 9, 30))
        )
    assert (erreur.value.contrat_debut, erreur.value.contrat_fin) == (
        dt.date(2023, 9, 1),
        dt.date(2025, 8, 31),
    )


def test_periode_apres_la_rupture() -> None:
    """After a rupture, requests are allowed up to the rupture date and not beyond."""
    dossier = exemples.action(etat=E.EN_COURS)
    dossier.rompre(dt.date(2024, 3, 15), auteur="adhérent", quand=QUAND, motif="démission")
    dossier.verifier_remboursable(Periode(dt.date(2024, 3, 1), dt.date(2024, 3, 15)))
    with pytest.raises(PeriodeHorsContrat) as erreur:
        dossier.verifier_remboursable(Periode(dt.date(2024, 3, 1), dt.date(2024, 3, 16)))
    assert erreur.value.contrat_fin == dt.date(2024, 3, 15)


# --- budget -------------------------------------------------------------------------------


def test_budget_totaux_et_lignes() -> None:
    """The total is the "budget alternance total"; each form line maps to its budget line."""
    b = exemples.budget(transport=Montant("40.50"))
    assert b.frais_annexes == Montant("1290.50")
    assert b.total == Montant("27537.50")
    assert b.pour(Categorie.FRAIS_PEDAGOGIQUES) == Montant("26247")
    assert b.pour(Categorie.REPAS_NUITEES) == Montant("300")
    assert b.pour(Categorie.FRAIS_DIVERS) == Montant("450")
    assert b.pour(Categorie.MOBILITE_INTERNATIONALE) == Montant("500")


def test_budget_negatif_refuse() -> None:
    """A negative budget line is refused, naming the field."""
    with pytest.raises(DonneeInvalide) as erreur:
        exemples.budget(transport=Montant("-1"))
    assert erreur.value.champ == "transport"


# --- validation of the blocks ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fabrique", "changes", "champ"),
    [
        (exemples.formation, {"intitule": "  "}, "intitule"),
        (exemples.formation, {"numero_deca": "075202309000123"}, "numero_deca"),
        (exemples.formation, {"numero_sia": "075202309000123"}, "numero_sia"),
        (exemples.formation, {"numero_sia": NumeroDeca("075202309000123")}, "numero_sia"),
        (exemples.formation, {"numero_deca": NumeroSia("075202309000123")}, "numero_deca"),
        (exemples.formation, {"date_depot": dt.datetime(2023, 8, 20, tzinfo=dt.UTC)}, "date_depot"),
        (exemples.formation, {"niveau_diplome": 2}, "niveau_diplome"),
        (exemples.formation, {"niveau_diplome": 9}, "niveau_diplome"),
        (exemples.formation, {"niveau_diplome": True}, "niveau_diplome"),
        (exemples.formation, {"niveau_diplome": "5"}, "niveau_diplome"),
        (exemples.formation, {"siret_cfa": "73282932000074"}, "siret_cfa"),
        (exemples.contrat, {"emploi": ""}, "emploi"),
        (
            exemples.contrat,
            {"date_rupture": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)},
            "date_rupture",
        ),
        (exemples.contrat, {"date_rupture": dt.date(2025, 9, 1)}, "date_rupture"),
        (exemples.action, {"numero_action": "20113A"}, "numero_action"),
        (exemples.action, {"numero_action": 2011303654}, "numero_action"),
        (exemples.action, {"version": -1}, "version"),
        (exemples.action, {"version": True}, "version"),
    ],
)
def test_blocs_valides(fabrique: Any, changes: dict[str, Any], champ: str) -> None:
    """Each block refuses a bad value with DonneeInvalide naming the field."""
    with pytest.raises(DonneeInvalide) as erreur:
        fabrique(**changes)
    assert erreur.value.champ == champ
    assert erreur.value.message


def test_niveaux_extremes_acceptes() -> None:
    """Levels 3 and 8 are the bounds of the national framework and are accepted."""
    assert exemples.formation(niveau_diplome=3).niveau_diplome == 3
    assert exemples.formation(niveau_diplome=8).niveau_diplome == 8


def test_blocs_optionnels() -> None:
    """DECA number and RNCP code may be absent (a file not yet registered)."""
    f = exemples.formation(numero_deca=None, code_rncp=None)
    assert (f.numero_deca, f.numero_sia, f.code_rncp) == (None, None, None)
    assert f.numero_enregistrement is None


def test_numero_deca_ou_sia() -> None:
    """A file carries its DECA number or its SIA number, which "N° DECA ou SIA" shows."""
    deca = exemples.formation()
    assert deca.numero_enregistrement == NumeroDeca("075202309000123")
    sia = exemples.formation(numero_deca=None, numero_sia=NumeroSia("075 2023 09 00 0456"))
    assert sia.numero_enregistrement == NumeroSia("075202309000456")
    assert sia.numero_enregistrement.registre is RegistreContrat.SIA
    with pytest.raises(DonneeInvalide) as erreur:
        exemples.formation(numero_sia=NumeroSia("075202309000456"))
    assert erreur.value.champ == "numero_sia"
    assert erreur.value.message == (
        "Un contrat est enregistré soit au DECA, soit au SIA : indiquez un seul numéro "
        "(DECA 075202309000123, SIA 075202309000456)."
    )


def test_numero_action() -> None:
    """The OPCO action number is digits and is returned as given."""
    assert verifier_numero_action("2011303654") == "2011303654"


# --- feed versions --------------------------------------------------------------------------


def test_mise_a_jour_plus_recente() -> None:
    """A newer version replaces formation, contract and budget."""
    dossier = exemples.action(etat=E.EN_COURS)
    nouveau_budget = exemples.budget(frais_pedagogiques=Montant("27000"))
    assert dossier.mettre_a_jour(
        formation=exemples.formation(intitule="BTS Diététique et nutrition"),
        contrat=exemples.contrat(),
        budget=nouveau_budget,
        version=2,
    )
    assert (dossier.version, dossier.budget) == (2, nouveau_budget)
    assert dossier.formation.intitule == "BTS Diététique et nutrition"


def test_mise_a_jour_rejouee() -> None:
    """Replaying the same version with the same data is a harmless no-op."""
    dossier = exemples.action(etat=E.EN_COURS)
    assert not dossier.mettre_a_jour(
        formation=exemples.formation(),
        contrat=exemples.contrat(),
        budget=exemples.budget(),
        version=1,
    )
    assert dossier.version == 1


@pytest.mark.parametrize("version", [0, 1])
def test_mise_a_jour_en_conflit(version: int) -> None:
    """An older version, or the same version with other data, is a VersionPerimee."""
    dossier = exemples.action(etat=E.EN_COURS)
    with pytest.raises(VersionPerimee) as erreur:
        dossier.mettre_a_jour(
            formation=exemples.formation(),
            contrat=exemples.contrat(),
            budget=exemples.budget(hebergement=Montant(0)),
            version=version,
        )
    assert erreur.value.champ == "version"
    assert (erreur.value.numero_action, erreur.value.recue, erreur.value.enregistree) == (
        "2011303654",
        version,
        1,
    )
    assert dossier.budget == exemples.budget()


def test_mise_a_jour_version_invalide() -> None:
    """A version that is not a whole number is refused before anything is compared."""
    with pytest.raises(DonneeInvalide):
        exemples.action().mettre_a_jour(
            formation=exemples.formation(),
            contrat=exemples.contrat(),
            budget=exemples.budget(),
            version=-2,
        )


def test_mise_a_jour_garde_la_rupture() -> None:
    """A rupture recorded on the platform survives a feed version that does not carry one."""
    dossier = exemples.action(etat=E.EN_COURS)
    dossier.rompre(dt.date(2024, 3, 15), auteur="adhérent", quand=QUAND, motif="démission")
    assert not dossier.mettre_a_jour(
        formation=exemples.formation(),
        contrat=exemples.contrat(),
        budget=exemples.budget(),
        version=1,
    )
    dossier.mettre_a_jour(
        formation=exemples.formation(),
        contrat=exemples.contrat(),
        budget=exemples.budget(),
        version=2,
    )
    assert dossier.date_rupture == dt.date(2024, 3, 15)
    assert dossier.etat is E.ROMPU


# --- schedule -------------------------------------------------------------------------------


def test_echeancier_du_dossier() -> None:
    """The schedule is computed from the contract's dates, signature and pedagogical engagement."""
    echeancier = exemples.action(etat=E.EN_COURS).echeancier()
    # Signed 15/08/2023 (2021 regime), 01/09/2023 → 31/08/2025: two full years of 13 123,50 €.
    assert echeancier.total == Montant("26247")
    assert [e.montant for e in echeancier.echeances[:3]] == [
        Montant("5249.40"),
        Montant("3937.05"),
        Montant("3937.05"),
    ]
    assert echeancier.premiere_avance.periode == Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29))


def test_echeancier_apres_rupture() -> None:
    """A rupture shortens the schedule: nothing is scheduled after the rupture date."""
    dossier = exemples.action(etat=E.EN_COURS)
    dossier.rompre(dt.date(2024, 3, 15), auteur="adhérent", quand=QUAND, motif="démission")
    echeancier = dossier.echeancier()
    assert echeancier.date_rupture == dt.date(2024, 3, 15)
    assert max(e.periode.fin for e in echeancier.echeances) == dt.date(2024, 3, 15)
    assert echeancier.total < Montant("26247")


def test_echeancier_parametres_transmis() -> None:
    """Explicit schedule parameters change the computed rhythm."""
    parametres = ParametresEcheancier(debut_regime_2021=dt.date(2024, 1, 1))
    echeancier = exemples.action(etat=E.EN_COURS).echeancier(parametres)
    assert echeancier.echeances[0].montant == Montant("6561.75")  # 50 % of 13 123,50 €


def test_changement_etat_valide() -> None:
    """A history entry needs a datetime and an author."""
    with pytest.raises(DonneeInvalide):
        ChangementEtat(quand=dt.date(2023, 9, 2), auteur="x", depart=None, arrivee=E.RECU)  # type: ignore[arg-type]  # the wrong type is the point
    with pytest.raises(DonneeInvalide):
        ChangementEtat(quand=QUAND, auteur="", depart=None, arrivee=E.RECU)
    assert (
        attrs.asdict(ChangementEtat(quand=QUAND, auteur="x", depart=None, arrivee=E.RECU))["motif"]
        == ""
    )
