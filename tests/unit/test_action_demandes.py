"""A file admits requests against its own schedule, and shows each installment's state."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import attrs
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from cfa_domain.action import Action, EtatDossier
from cfa_domain.errors import DonneeInvalide, MontantNonOuvert, PieceManquante
from cfa_domain.remboursement import (
    DemandeRemboursement,
    EtatDemande,
    FormulaireDemande,
    MontantsDemandes,
    PieceJointe,
    SituationEcheance,
    Soumission,
    situation_echeances,
)
from cfa_domain.testing import exemples
from cfa_domain.testing import strategies as cst
from cfa_domain.values import Montant, Periode, Piece

D = EtatDemande
EN_INSTRUCTION = {D.SOUMISE, D.EN_TRAITEMENT, D.VALIDEE}


def demande(action: Action, rang: int, pedagogie: str, etat: EtatDemande) -> DemandeRemboursement:
    """A request on ``action`` of ``pedagogie`` euros of pedagogical costs, stored in ``etat``."""
    return exemples.demande(
        exemples.montants_demandes(pedagogie),
        etat=etat,
        numero_action=action.numero_action,
        rang=rang,
        siret_organisme=action.siret_cfa,
        periode=Periode(dt.date(2023, 9, 1), dt.date(2023, 9, 30)),
    )


FACTURE = PieceJointe(Piece.FACTURE, "doc-1", "facture.pdf")
PREMIERE_AVANCE = Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29))


def soumission(rang: int = 1, le: dt.date = dt.date(2023, 10, 2)) -> Soumission:
    """Claire Durand submits on ``le`` at noon (UTC)."""
    return Soumission(
        demande_id=uuid.UUID(int=rang),
        compte_id=uuid.UUID(int=7),
        siret_organisme=exemples.SIRET_CFA,
        auteur="claire.durand@cfa-exemple.fr",
        quand=dt.datetime.combine(le, dt.time(12), tzinfo=dt.UTC),
        le=le,
        cle_idempotence=f"cle-{rang}",
    )


def formulaire(pedagogie: str, **changes: object) -> FormulaireDemande:
    """A first-advance request of ``pedagogie`` euros with its invoice."""
    champs: dict[str, object] = {
        "periode": PREMIERE_AVANCE,
        "montants": MontantsDemandes(frais_pedagogiques=Montant(pedagogie)),
        "pieces": [FACTURE],
        "conditions_acceptees": True,
    }
    return FormulaireDemande(**(champs | changes))  # type: ignore[arg-type]


def test_le_dossier_admet_une_demande_sur_son_propre_echeancier() -> None:
    """The guide's file: the first advance (40 % of 13 123,50 € = 5 249,40 €) is open."""
    dossier = exemples.action()
    with pytest.raises(MontantNonOuvert) as erreur:
        dossier.admettre_demande(formulaire("5249.41"), soumission(), [])
    assert erreur.value.ouvert == Montant("5249.40")
    admise = dossier.admettre_demande(formulaire("5249.40"), soumission(), [])
    assert (admise.id, admise.rang, admise.numero_action, admise.etat) == (
        uuid.UUID(int=1),
        1,
        dossier.numero_action,
        D.SOUMISE,
    )
    assert (admise.soumise_le, admise.cle_idempotence, admise.pieces) == (
        dt.datetime(2023, 10, 2, 12, tzinfo=dt.UTC),
        "cle-1",
        (FACTURE,),
    )
    assert [(c.auteur, c.arrivee) for c in admise.historique] == [
        ("claire.durand@cfa-exemple.fr", D.SOUMISE)
    ]
    # Beyond the first advance the certificate is required; the next rank follows.
    mars = Periode(dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    with pytest.raises(PieceManquante):
        dossier.admettre_demande(
            formulaire("100", periode=mars), soumission(2, le=mars.debut), [admise]
        )
    certificat = PieceJointe(Piece.CERTIFICAT_REALISATION, "doc-2", "certificat.pdf")
    suivante = dossier.admettre_demande(
        formulaire("100", periode=mars, pieces=[FACTURE, certificat]),
        soumission(2, le=mars.debut),
        [admise],
    )
    assert suivante.rang == 2


@pytest.mark.parametrize(
    ("champs", "champ"),
    [
        ({"periode": (dt.date(2023, 9, 1), dt.date(2023, 9, 30))}, "date_debut"),
        ({"montants": Montant(1)}, "montants"),
        ({"pieces": ["facture.pdf"]}, "pieces"),
        ({"conditions_acceptees": "oui"}, "conditions_acceptees"),
    ],
)
def test_formulaire_invalide(champs: dict[str, object], champ: str) -> None:
    """The form's values validate themselves, naming the field."""
    with pytest.raises(DonneeInvalide) as erreur:
        formulaire("100", **champs)
    assert erreur.value.champ == champ


@pytest.mark.parametrize(
    ("champs", "champ"),
    [
        ({"demande_id": "1"}, "id"),
        ({"siret_organisme": "73282932000074"}, "siret"),
        ({"auteur": " "}, "auteur"),
        ({"quand": dt.date(2023, 10, 2)}, "soumise_le"),
        ({"le": "2023-10-02"}, "le"),
    ],
)
def test_soumission_invalide(champs: dict[str, object], champ: str) -> None:
    """Who and when validate themselves too."""
    with pytest.raises(DonneeInvalide) as erreur:
        attrs.evolve(soumission(), **champs)  # type: ignore[arg-type]
    assert erreur.value.champ == champ


def _ligne(s: SituationEcheance) -> tuple[int, str, Montant, Montant, Montant, Montant]:
    en_cours, regle = s.montant_en_cours_instruction, s.montant_regle
    return (s.numero, s.codification, s.montant_total, en_cours, regle, s.reste)


def test_un_dossier_calcule_a_la_main() -> None:
    """10 000 € over two years of the 2021 rhythm: 2 000 / 1 500 / 1 500 each year.

    Paid 2 500 € (rank 1), submitted 1 200 € (rank 2), refused 900 € (rank 3, ignored),
    validated 300 € (rank 4): the ranks fill the installments in order.
    """
    dossier = exemples.action(budget=exemples.budget(frais_pedagogiques=Montant(10_000)))
    demandes = [
        # Given out of rank order: the attribution follows the rank, not the list.
        demande(dossier, 4, "300", D.VALIDEE),
        demande(dossier, 1, "2500", D.PAYEE),
        demande(dossier, 3, "900", D.REFUSEE),
        demande(dossier, 2, "1200", D.SOUMISE),
    ]
    situation = situation_echeances(dossier.echeancier(), demandes)
    lignes = [_ligne(s) for s in situation.echeances]
    m = Montant
    assert lignes == [
        (1, "A1-E1", m(2000), m(0), m(2000), m(0)),
        (2, "A1-E2", m(1500), m(1000), m(500), m(0)),
        (3, "A1-E3", m(1500), m(500), m(0), m(1000)),
        (4, "A2-E1", m(2000), m(0), m(0), m(2000)),
        (5, "A2-E2", m(1500), m(0), m(0), m(1500)),
        (6, "A2-E3", m(1500), m(0), m(0), m(1500)),
    ]
    assert (situation.hors_echeancier_en_cours, situation.hors_echeancier_regle) == (m(0), m(0))


def test_au_dela_de_l_echeancier_apres_une_rupture() -> None:
    """A rupture shrinks the schedule under what was already requested: the excess shows."""
    dossier = exemples.action(
        etat=EtatDossier.ROMPU, budget=exemples.budget(frais_pedagogiques=Montant(10_000))
    )
    total = dossier.echeancier().total
    demandes = [
        demande(dossier, 1, str(total.valeur - 100), D.PAYEE),
        demande(dossier, 2, "300", D.PAYEE),
        demande(dossier, 3, "50", D.EN_TRAITEMENT),
    ]
    situation = situation_echeances(dossier.echeancier(), demandes)
    assert [s.reste for s in situation.echeances] == [Montant(0)] * len(situation.echeances)
    assert situation.hors_echeancier_regle == Montant(200)
    assert situation.hors_echeancier_en_cours == Montant(50)


@st.composite
def dossier_et_demandes(
    draw: st.DrawFn,
) -> tuple[Action, list[DemandeRemboursement]]:
    """A reimbursable file and requests in any state, of up to 60 % of its engagement each."""
    dossier = draw(cst.actions(etat={EtatDossier.EN_COURS, EtatDossier.ROMPU}))
    plafond = int(dossier.budget.frais_pedagogiques.valeur * 60)
    tirages = draw(
        st.lists(
            st.tuples(st.integers(1, max(plafond, 1)), st.sampled_from(EtatDemande)), max_size=8
        )
    )
    demandes = [
        demande(dossier, rang, str(Decimal(centimes).scaleb(-2)), etat)
        for rang, (centimes, etat) in enumerate(tirages, start=1)
    ]
    return dossier, draw(st.permutations(demandes))


@given(dossier_et_demandes(), cst.dates(dt.date(2019, 1, 1), dt.date(2032, 12, 31)))
def test_les_echeances_somment_aux_totaux_du_dossier(
    cas: tuple[Action, list[DemandeRemboursement]], le: dt.date
) -> None:
    """Per-installment amounts add up to the file's totals, computed from the requests."""
    dossier, demandes = cas
    echeancier = dossier.echeancier()
    situation = situation_echeances(echeancier, demandes)
    lignes = situation.echeances

    en_instruction = Montant.somme(
        d.montants.frais_pedagogiques for d in demandes if d.etat in EN_INSTRUCTION
    )
    regle = Montant.somme(d.montants.frais_pedagogiques for d in demandes if d.etat is D.PAYEE)
    total = echeancier.engagement - echeancier.participation_employeur
    event("au-delà de l'échéancier" if en_instruction + regle > total else "dans l'échéancier")

    assert [s.numero for s in lignes] == list(range(1, len(lignes) + 1))
    assert Montant.somme(s.montant_total for s in lignes) == total
    assert (
        Montant.somme(s.montant_en_cours_instruction for s in lignes)
        + situation.hors_echeancier_en_cours
        == en_instruction
    )
    assert Montant.somme(s.montant_regle for s in lignes) + situation.hors_echeancier_regle == regle
    assert Montant.somme(s.reste for s in lignes) == max(
        total - en_instruction - regle, Montant.zero()
    )
    # Nothing is left beyond the schedule while an installment still has room.
    if any(s.reste for s in lignes):
        assert situation.hors_echeancier_en_cours + situation.hors_echeancier_regle == Montant(0)
    # Filled in order: after an installment with room left, nothing is attributed.
    premier_libre = next((i for i, s in enumerate(lignes) if s.reste), len(lignes))
    for s in lignes[premier_libre + 1 :]:
        assert s.reste == s.montant_total
    # The opening rule sees the same remainders.
    ouverts = Montant.somme(s.reste for s in lignes if s.echeance.est_ouverte(le))
    assert ouverts == echeancier.disponible_au(le, en_instruction + regle)
