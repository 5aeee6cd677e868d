"""The disability uplift (RQTH, article D6332-82): the flag, the engaged line, its ceilings."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from cfa_domain.errors import BudgetDepasse, DonneeInvalide, PieceManquante
from cfa_domain.errors import PlafondMajorationHandicapDepasse as Plafond
from cfa_domain.remboursement import (
    DemandeRemboursement,
    EtatDemande,
    FormulaireDemande,
    MontantsDemandes,
    ParametresRemboursement,
    QuantitesFraisAnnexes,
    Recepisse,
    Soumission,
    verifier_demande,
)
from cfa_domain.testing import exemples
from cfa_domain.testing.exemples import CERTIFICAT, FACTURE, montants_demandes
from cfa_domain.values import Categorie, Montant, Periode, Piece

if TYPE_CHECKING:
    from cfa_domain.action import Action

QUAND = dt.datetime(2024, 9, 2, 8, tzinfo=dt.UTC)
ANNEE_1 = Periode(dt.date(2023, 9, 1), dt.date(2024, 8, 31))
ANNEE_2 = Periode(dt.date(2024, 9, 1), dt.date(2025, 8, 31))


def dossier_rqth(
    majoration: str = "8000", *, signature: dt.date = dt.date(2023, 8, 15), rqth: bool = True
) -> Action:
    """The example file (2023-2025, 26 247 € over two years) of an apprentice with RQTH."""
    return exemples.action(
        contrat=exemples.contrat(apprenti=exemples.apprenti(rqth=rqth), date_signature=signature),
        budget=exemples.budget(majoration_handicap=Montant(majoration)),
    )


def verifier(action: Action | None = None, **changes: Any) -> None:
    """verifier_demande of an uplift of 1 000 € for year 1, on the RQTH example file."""
    action = action or dossier_rqth()
    arguments: dict[str, Any] = {
        "action": action,
        "demandes": [],
        "periode": ANNEE_1,
        "montants": montants_demandes(majoration="1000"),
        "quantites": QuantitesFraisAnnexes(),
        "pieces": [FACTURE, CERTIFICAT],
        "conditions_acceptees": True,
        "le": dt.date(2025, 9, 2),
        "calendrier": action.echeancier(),
    }
    arguments |= changes
    champs = ("periode", "montants", "quantites", "pieces", "conditions_acceptees")
    formulaire = FormulaireDemande(**{cle: arguments.pop(cle) for cle in champs})
    verifier_demande(formulaire=formulaire, **arguments)


def test_le_budget_porte_la_majoration() -> None:
    """The engaged uplift is a line of its own: in the total, not in the frais annexes."""
    budget = exemples.budget(majoration_handicap=Montant(8000))
    assert budget.pour(Categorie.MAJORATION_HANDICAP) == Montant(8000)
    assert budget.total == Montant("26247") + Montant(8000) + Montant(1250)
    assert budget.frais_annexes == Montant(1250)
    assert exemples.budget().majoration_handicap == Montant(0)
    assert Categorie.MAJORATION_HANDICAP.libelle == "Majoration handicap (RQTH)"


def test_majoration_reservee_aux_apprentis_rqth() -> None:
    """No uplift is engaged for an apprentice without RQTH, at creation or by the feed."""
    with pytest.raises(DonneeInvalide) as erreur:
        dossier_rqth(rqth=False)
    assert erreur.value.champ == "majoration_handicap"
    assert "reconnu travailleur handicapé (RQTH)" in erreur.value.message
    assert dossier_rqth("0", rqth=False).contrat.apprenti.rqth is False
    dossier = dossier_rqth()
    avant = (dossier.formation, dossier.contrat, dossier.budget, dossier.version)
    sans_rqth = attrs.evolve(dossier.contrat, apprenti=exemples.apprenti())
    with pytest.raises(DonneeInvalide):
        dossier.mettre_a_jour(
            formation=dossier.formation, contrat=sans_rqth, budget=dossier.budget, version=2
        )
    assert (dossier.formation, dossier.contrat, dossier.budget, dossier.version) == avant
    sans_majoration = exemples.budget()
    assert dossier.mettre_a_jour(
        formation=dossier.formation, contrat=sans_rqth, budget=sans_majoration, version=2
    )
    assert (dossier.contrat.apprenti.rqth, dossier.budget) == (False, sans_majoration)


def test_plafond_annuel_depuis_2021() -> None:
    """Signed from 2021: at most 4 000 € of uplift per contract year, counted per year."""
    verifier(montants=montants_demandes(majoration="4000"))
    deja = [
        exemples.demande(
            montants_demandes(majoration="3000"),
            etat=EtatDemande.PAYEE,
            periode=Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29)),
        )
    ]
    verifier(demandes=deja, montants=montants_demandes(majoration="1000"))
    with pytest.raises(Plafond) as erreur:
        verifier(demandes=deja, montants=montants_demandes(majoration="1000.01"))
    e = erreur.value
    assert (e.annee, e.plafond, e.deja, e.demande, e.autorise) == (
        1,
        Montant(4000),
        Montant(3000),
        Montant("1000.01"),
        Montant(1000),
    )
    assert (e.code, e.champ) == ("plafond_majoration_handicap_depasse", "majoration_handicap")
    assert e.message == (
        "Majoration handicap (4\u202f000,00 € pour l'année 1 du contrat, dont 3\u202f000,00 € "
        "déjà demandés) : le montant demandé (1\u202f000,01 €) dépasse le plafond autorisé "
        "(1\u202f000,00 €)."
    )
    # Year 2 has its own ceiling; a refused request does not count.
    verifier(demandes=deja, periode=ANNEE_2, montants=montants_demandes(majoration="4000"))
    refusee = [
        exemples.demande(
            montants_demandes(majoration="4000"), etat=EtatDemande.REFUSEE, periode=ANNEE_1
        )
    ]
    verifier(demandes=refusee, montants=montants_demandes(majoration="4000"))


def test_la_ligne_engagee_limite_aussi() -> None:
    """Within the yearly ceiling, the uplift may not pass the engaged line."""
    deja = [
        exemples.demande(
            montants_demandes(majoration="4000"), etat=EtatDemande.PAYEE, periode=ANNEE_1
        )
    ]
    with pytest.raises(BudgetDepasse) as erreur:
        verifier(
            dossier_rqth("5000"),
            demandes=deja,
            periode=ANNEE_2,
            montants=montants_demandes(majoration="1500"),
        )
    assert erreur.value.categorie is Categorie.MAJORATION_HANDICAP
    assert erreur.value.disponible == Montant(1000)


def test_avant_2021_la_moitie_du_npec() -> None:
    """Signed in 2020: at most 50 % of the annual NPEC per year (26 247 € / 2 years)."""
    dossier = dossier_rqth(signature=dt.date(2020, 8, 15))
    assert dossier.echeancier().npec == Montant("13123.50")
    verifier(dossier, montants=montants_demandes(majoration="6561.75"))
    with pytest.raises(Plafond) as erreur:
        verifier(dossier, montants=montants_demandes(majoration="6561.76"))
    assert erreur.value.plafond == Montant("6561.75")
    # Both rules are parameters.
    parametres = ParametresRemboursement(
        debut_plafond_majoration_annuel=dt.date(2020, 1, 1), plafond_majoration_annuel=Montant(7000)
    )
    verifier(dossier, montants=montants_demandes(majoration="7000"), parametres=parametres)
    demi = ParametresRemboursement(taux_majoration_npec=Decimal(10))
    with pytest.raises(Plafond):
        verifier(dossier, montants=montants_demandes(majoration="1312.36"), parametres=demi)


def test_pieces_comme_les_autres_lignes() -> None:
    """The uplift is invoiced like the other lines: an invoice, and the certificate."""
    with pytest.raises(PieceManquante) as erreur:
        verifier(pieces=[CERTIFICAT])
    assert erreur.value.piece is Piece.FACTURE
    with pytest.raises(PieceManquante) as erreur:
        verifier(periode=Periode(dt.date(2024, 3, 1), dt.date(2024, 8, 31)), pieces=[FACTURE])
    assert erreur.value.piece is Piece.CERTIFICAT_REALISATION


def test_le_recepisse_montre_la_majoration() -> None:
    """The receipt says the apprentice has RQTH and carries the uplift line in its total."""
    dossier = dossier_rqth()
    nouvelle = DemandeRemboursement.soumettre(
        FormulaireDemande(
            periode=ANNEE_1,
            montants=MontantsDemandes(Montant(100), majoration_handicap=Montant(1500)),
            pieces=exemples.PIECES,
            conditions_acceptees=True,
        ),
        Soumission(
            demande_id=uuid.uuid4(),
            compte_id=uuid.UUID(int=1),
            siret_organisme=dossier.siret_cfa,
            auteur="claire.durand@cfa-exemple.fr",
            quand=QUAND,
            le=QUAND.date(),
        ),
        action=dossier,
        demandes=[],
        calendrier=dossier.echeancier(),
    )
    recepisse = Recepisse.pour(
        nouvelle,
        dossier,
        date=QUAND.date(),
        organisme_nom="CFA",
        reference_of="OF-1",
        demandeur="Claire Durand",
        deja_rembourse=Montant(0),
    )
    assert recepisse.apprenti_rqth is True
    assert recepisse.montants.majoration_handicap == Montant(1500)
    assert recepisse.montant_demande == Montant(1600)
    assert recepisse.financement_accorde == Montant("26247") + Montant(8000) + Montant(1250)
