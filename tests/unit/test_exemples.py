"""The example builders of the test kit give valid objects with the right check digits."""

from __future__ import annotations

import datetime as dt

import pytest

from cfa_domain.action import EtatDossier
from cfa_domain.compte import StatutCompte
from cfa_domain.errors import BudgetDepasse, DonneeInvalide, DossierNonRemboursable
from cfa_domain.organisme import StatutDelegation
from cfa_domain.remboursement import EtatDemande
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import HacheurMemoire
from cfa_domain.values import Categorie, Montant, Nir, Periode, Siret


def test_siret_calcule_ses_deux_cles() -> None:
    """SIREN and SIRET check digits match a published number (732 829 320 00074)."""
    assert exemples.siret(73282932, 7) == Siret("73282932000074")
    assert exemples.siret(85403311, 1) == Siret("85403311500015")


def test_sirets_d_une_serie_sont_distincts() -> None:
    """A series of bodies gives as many distinct SIRETs."""
    serie = {exemples.siret(10_000_000 + rang, rang % 10_000) for rang in range(500)}
    assert len(serie) == 500


@pytest.mark.parametrize(("base", "nic"), [(-1, 1), (10**8, 1), (12345678, 10**4)])
def test_siret_refuse_un_corps_hors_format(base: int, nic: int) -> None:
    """A body that is not 8 + 4 digits is a usage error."""
    with pytest.raises(ValueError, match="8 digits"):
        exemples.siret(base, nic)


def test_siret_refuse_la_poste() -> None:
    """La Poste's SIREN follows another rule: no Luhn SIRET is made for it."""
    with pytest.raises(ValueError, match="La Poste"):
        exemples.siret(35600000, 12)


@pytest.mark.parametrize(
    ("corps", "numero"),
    [
        # 2951099126111 mod 97 = 4: key 93.
        ("2951099126111", "295109912611193"),
        # Corsica: 2A read as 19 (1850219004123 mod 97 = 89: key 08), 2B as 18 (key 35).
        ("185022A004123", "185022A00412308"),
        ("185022B004123", "185022B00412335"),
    ],
)
def test_nir_calcule_sa_cle(corps: str, numero: str) -> None:
    """The key matches hand-computed ones, Corsica included."""
    assert exemples.nir(corps) == Nir(numero)


@pytest.mark.parametrize(
    ("email", "statut"),
    [
        ("c.durand@cfa-sante.fr", StatutCompte.EN_ATTENTE_ACTIVATION),  # on file
        ("inconnu@ailleurs.fr", StatutCompte.EN_ATTENTE_APPROBATION),
    ],
)
def test_compte_ouvert_selon_l_adresse(email: str, statut: StatutCompte) -> None:
    """An account opened with an address on file awaits activation, any other approval."""
    compte = exemples.compte(email)
    assert (compte.statut, compte.siret_organisme) == (statut, exemples.SIRET_CFA)
    actif = exemples.compte_actif(email, chez=exemples.organisme(exemples.SIRET_CFA_2))
    assert (actif.statut, actif.siret_organisme) == (StatutCompte.ACTIF, exemples.SIRET_CFA_2)
    assert HacheurMemoire().verifier(actif.hash_mot_de_passe, exemples.MOT_DE_PASSE)


def test_montants_demandes_ligne_par_ligne() -> None:
    """Each argument fills its line of the form, whatever the way an amount is written."""
    montants = exemples.montants_demandes("12.50", 3, Montant(4), "0,50", majoration=7)
    assert [montants.pour(categorie) for categorie in Categorie] == [
        Montant("12.50"),
        Montant(3),
        Montant(4),
        Montant("0.50"),
        Montant(7),
    ]
    with pytest.raises(DonneeInvalide):
        exemples.montants_demandes()


@pytest.mark.parametrize(
    ("etat", "chemin"),
    [
        (EtatDemande.SOUMISE, [EtatDemande.SOUMISE]),
        (EtatDemande.EN_TRAITEMENT, [EtatDemande.SOUMISE, EtatDemande.EN_TRAITEMENT]),
        (
            EtatDemande.VALIDEE,
            [EtatDemande.SOUMISE, EtatDemande.EN_TRAITEMENT, EtatDemande.VALIDEE],
        ),
        (
            EtatDemande.PAYEE,
            [
                EtatDemande.SOUMISE,
                EtatDemande.EN_TRAITEMENT,
                EtatDemande.VALIDEE,
                EtatDemande.PAYEE,
            ],
        ),
        (EtatDemande.REFUSEE, [EtatDemande.SOUMISE, EtatDemande.REFUSEE]),
        (EtatDemande.ANNULEE, [EtatDemande.SOUMISE, EtatDemande.ANNULEE]),
    ],
)
def test_demande_stockee_suit_les_transitions(etat: EtatDemande, chemin: list[EtatDemande]) -> None:
    """A stored request reaches its state by allowed moves; a refused one says why."""
    demande = exemples.demande(etat=etat, quand=exemples.INSTANT)
    assert demande.etat is etat
    assert [c.arrivee for c in demande.historique] == chemin
    assert {c.quand for c in demande.historique} == {exemples.INSTANT}
    assert (demande.motif_refus is not None) == (etat is EtatDemande.REFUSEE)
    assert (demande.numero_action, demande.siret_organisme, demande.rang) == (
        "2011303654",
        exemples.SIRET_CFA,
        1,
    )
    assert (demande.total, demande.pieces) == (Montant(100), exemples.PIECES)
    assert demande.periode == Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29))


def test_soumettre_applique_les_regles_sur_le_budget() -> None:
    """Through the rules, against an open schedule: only the file's budget stops a request."""
    dossier = exemples.action()  # 26 247 € of pedagogical costs
    premiere = exemples.soumettre(dossier, [], Montant("26247"), cle="formulaire-1")
    assert (premiere.rang, premiere.etat, premiere.cle_idempotence) == (
        1,
        EtatDemande.SOUMISE,
        "formulaire-1",
    )
    assert premiere.periode == dossier.periode_remboursable
    assert premiere.soumise_le == exemples.INSTANT
    with pytest.raises(BudgetDepasse) as erreur:
        exemples.soumettre(dossier, [premiere], Montant("0.01"))
    assert erreur.value.disponible == Montant(0)
    repas = exemples.soumettre(dossier, [premiere], 0, repas="300")
    assert (repas.rang, repas.total) == (2, Montant(300))
    with pytest.raises(DossierNonRemboursable):
        exemples.soumettre(exemples.action(etat=EtatDossier.EN_INSTRUCTION), [], 100)


def test_calendrier_fixe_ouvre_ce_qu_il_dit() -> None:
    """A hand-written schedule opens its amounts on its days; the open one opens everything."""
    annee = Periode(dt.date(2023, 9, 1), dt.date(2024, 8, 31))
    calendrier = exemples.CalendrierFixe(
        ouvertures=[(dt.date(2023, 9, 1), Montant(2400)), (dt.date(2024, 3, 1), Montant(1800))],
        premiere_avance=exemples.EcheanceFixe(annee, Montant(2400)),
        annees=[exemples.AnneeFixe(1, annee)],
        npec=Montant(6000),
    )
    assert calendrier.disponible_au(dt.date(2023, 8, 31), Montant(0)) == Montant(0)
    assert calendrier.disponible_au(dt.date(2024, 3, 1), Montant(1000)) == Montant(3200)
    assert calendrier.disponible_au(dt.date(2024, 3, 1), Montant(5000)) == Montant(0)
    assert calendrier.prochaine_ouverture(dt.date(2023, 9, 1)) == dt.date(2024, 3, 1)
    assert calendrier.prochaine_ouverture(dt.date(2024, 3, 1)) is None
    assert calendrier.annees == (exemples.AnneeFixe(1, annee),)
    ouvert = exemples.CalendrierFixe.ouvert(exemples.action())
    assert ouvert.disponible_au(dt.date(1990, 1, 1), Montant(0)) == Montant(10_000_000)
    assert ouvert.prochaine_ouverture(dt.date(2023, 9, 1)) is None
    assert ouvert.npec == Montant("26247")
    assert [a.periode for a in ouvert.annees] == [ouvert.premiere_avance.periode]


def test_delegation_document_et_message() -> None:
    """A delegation awaits approval; a document and a mail carry what their store reads."""
    delegation = exemples.delegation(quand=exemples.INSTANT)
    assert delegation.statut is StatutDelegation.DEMANDEE
    assert (delegation.siret_delegant, delegation.siret_delegataire) == (
        exemples.SIRET_CFA_2,
        exemples.SIRET_CFA,
    )
    assert delegation.demandee_le == exemples.INSTANT
    document = exemples.document("doc-2", numero_action="2011300001")
    assert (document.id, document.numero_action, document.siret_organisme) == (
        "doc-2",
        "2011300001",
        exemples.SIRET_CFA,
    )
    message = exemples.message("compte_refuse", contexte={"motif": "Adresse personnelle"})
    assert (message.modele, message.contexte, message.cree_le) == (
        "compte_refuse",
        {"motif": "Adresse personnelle"},
        exemples.INSTANT,
    )
