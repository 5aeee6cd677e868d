"""The agents' use cases on files: search them all, work queue, file page, rupture preview."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import attrs
import pytest

from cfa_domain.action import Action, EtatDossier
from cfa_domain.echeancier import ParametresEcheancier, Regime
from cfa_domain.errors import (
    CompteNonActive,
    DonneeInvalide,
    Introuvable,
    ReserveAuxConseillers,
    TransitionInterdite,
)
from cfa_domain.ports import CriteresDossiers, CriteresRecherche
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.services.actions import MOTIF_SILENCE, consulter_action, rompre_action
from cfa_domain.services.contexte import Parametres
from cfa_domain.services.demandes import (
    CommandeDemande,
    Decision,
    soumettre_demande,
    traiter_demande,
)
from cfa_domain.services.dossiers import (
    apercu_rupture,
    consulter_dossier,
    file_de_travail,
    rechercher_dossiers,
    refuser_sans_reponse_par,
)
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import Memoire, memoire
from cfa_domain.values import Categorie, Email, Montant, Periode, Piece, Siret

if TYPE_CHECKING:
    from collections.abc import Callable

SIRET_A = exemples.SIRET_CFA
SIRET_B = exemples.SIRET_CFA_2
PDF = b"%PDF-1.7\n% facture\n"


@attrs.frozen
class Monde:
    """Organismes A and B, an account each, an agent; files of both in several states."""

    m: Memoire
    compte_a: uuid.UUID
    agent: uuid.UUID


def _dossier(
    numero: str, siret: Siret, etat: EtatDossier, depot: dt.date, signe: dt.date
) -> Action:
    return exemples.action(
        numero,
        etat=etat,
        siret_cfa=siret,
        formation=exemples.formation(date_depot=depot),
        contrat=exemples.contrat(date_signature=signe),
    )


def monde(parametres: Parametres | None = None) -> Monde:
    """Files of A (1001 en cours, 1002 reçu) and B (2001 reçu filed first, 2002 en attente)."""
    m = memoire(parametres)
    m.enregistrer(
        exemples.organisme(SIRET_A, emails_connus=(Email("a@cfa-a.fr"),)),
        exemples.organisme(SIRET_B, emails_connus=(Email("b@cfa-b.fr"),)),
        _dossier("1001", SIRET_A, EtatDossier.EN_COURS, dt.date(2023, 8, 20), dt.date(2023, 8, 15)),
        _dossier("1002", SIRET_A, EtatDossier.RECU, dt.date(2023, 8, 10), dt.date(2020, 6, 1)),
        _dossier("2001", SIRET_B, EtatDossier.RECU, dt.date(2023, 7, 1), dt.date(2019, 3, 1)),
        _dossier("2002", SIRET_B, EtatDossier.EN_ATTENTE, dt.date(2023, 6, 1), dt.date(2023, 8, 1)),
    )
    return Monde(m, m.compte_cfa(SIRET_A, "a@cfa-a.fr"), m.agent("agent@opco-sante.fr"))


def _numeros(liste: object) -> list[str]:
    return [r.action.numero_action for r in liste.page.elements]  # type: ignore[attr-defined]


# --- search and work queue ---------------------------------------------------------------


def test_un_agent_voit_les_dossiers_de_tous_les_organismes_avec_leur_cfa() -> None:
    """No visibility rule for an agent: every file, each with its CFA's name."""
    w = monde()
    liste = rechercher_dossiers(w.m.contexte, w.agent, CriteresDossiers())
    assert _numeros(liste) == ["2002", "2001", "1002", "1001"]
    assert liste.page.total == 4
    with w.m.contexte.uow() as uow:
        fiches = {s: uow.organismes.obtenir(s) for s in (SIRET_A, SIRET_B)}
    noms = {s: o.fiche.raison_sociale for s, o in fiches.items() if o is not None}
    lignes = liste.page.elements
    assert {r.action.numero_action: liste.nom_cfa(r.action.siret_cfa) for r in lignes} == {
        "2002": noms[SIRET_B],
        "2001": noms[SIRET_B],
        "1002": noms[SIRET_A],
        "1001": noms[SIRET_A],
    }


def test_filtres_combines_avec_le_portail() -> None:
    """State and CFA narrow the portal's filters."""
    w = monde()
    criteres = CriteresDossiers(
        recherche=CriteresRecherche(numero_action="100"), etat=EtatDossier.RECU
    )
    assert _numeros(rechercher_dossiers(w.m.contexte, w.agent, criteres)) == ["1002"]
    par_cfa = CriteresDossiers(siret_cfa=SIRET_B)
    assert _numeros(rechercher_dossiers(w.m.contexte, w.agent, par_cfa)) == ["2002", "2001"]


@pytest.mark.parametrize(
    ("regime", "attendus"),
    [
        (Regime.REPRISE_STOCK, ["2001"]),
        (Regime.REGIME_2020, ["1002"]),
        (Regime.REGIME_2021, ["2002", "1001"]),
        (Regime.REGIME_2025_07, []),
    ],
)
def test_filtre_par_rythme_de_paiement(regime: Regime, attendus: list[str]) -> None:
    """A regime selects the files whose schedule is computed under it (by signing date)."""
    w = monde()
    liste = rechercher_dossiers(w.m.contexte, w.agent, CriteresDossiers(), regime=regime)
    assert _numeros(liste) == attendus
    parametres = w.m.contexte.parametres.echeancier
    assert all(
        parametres.regime_pour(r.action.contrat.date_signature) is regime
        for r in liste.page.elements
    )


def test_le_rythme_suit_les_parametres_du_deploiement() -> None:
    """With the 2021 regime starting on 10 August 2023, 2002 (signed 1 August) is 2020's."""
    echeancier = ParametresEcheancier(debut_regime_2021=dt.date(2023, 8, 10))
    w = monde(Parametres(echeancier=echeancier))
    ctx = w.m.contexte
    tous = CriteresDossiers()
    par_regime = {
        regime: _numeros(rechercher_dossiers(ctx, w.agent, tous, regime=regime))
        for regime in (Regime.REGIME_2020, Regime.REGIME_2021)
    }
    assert par_regime == {Regime.REGIME_2020: ["2002", "1002"], Regime.REGIME_2021: ["1001"]}


def test_le_rythme_resserre_les_dates_de_signature_donnees() -> None:
    """A regime intersects the signing dates already asked for, never widens them."""
    w = monde()
    criteres = CriteresDossiers(
        signature_depuis=dt.date(2023, 8, 10), signature_avant=dt.date(2024, 1, 1)
    )
    liste = rechercher_dossiers(w.m.contexte, w.agent, criteres, regime=Regime.REGIME_2021)
    assert _numeros(liste) == ["1001"]
    large = CriteresDossiers(
        signature_depuis=dt.date(2010, 1, 1), signature_avant=dt.date(2030, 1, 1)
    )
    liste = rechercher_dossiers(w.m.contexte, w.agent, large, regime=Regime.REPRISE_STOCK)
    assert _numeros(liste) == ["2001"]


def test_rythme_inconnu_et_page_invalide() -> None:
    """A regime that is not one, a page below 1: DonneeInvalide naming the field."""
    w = monde()
    with pytest.raises(DonneeInvalide) as erreur:
        rechercher_dossiers(w.m.contexte, w.agent, CriteresDossiers(), regime="2021")  # type: ignore[arg-type]
    assert erreur.value.champ == "regime"
    with pytest.raises(DonneeInvalide) as erreur:
        rechercher_dossiers(w.m.contexte, w.agent, CriteresDossiers(), page=0)
    assert erreur.value.champ == "page"


def test_file_de_travail_la_plus_ancienne_d_abord() -> None:
    """The files in one state, oldest filing first, paged with the deployment's size."""
    w = monde(Parametres(taille_page=1))
    premiere = file_de_travail(w.m.contexte, w.agent, EtatDossier.RECU)
    assert (_numeros(premiere), premiere.page.total) == (["2001"], 2)
    seconde = file_de_travail(w.m.contexte, w.agent, EtatDossier.RECU, page=2)
    assert _numeros(seconde) == ["1002"]
    assert _numeros(file_de_travail(w.m.contexte, w.agent, EtatDossier.SOLDE)) == []
    with pytest.raises(DonneeInvalide) as erreur:
        file_de_travail(w.m.contexte, w.agent, "recu")  # type: ignore[arg-type]
    assert erreur.value.champ == "etat"


def test_un_compte_cfa_n_utilise_aucun_cas_des_conseillers() -> None:
    """A CFA account is refused every agent use case, even on its own file."""
    w = monde()
    ctx = w.m.contexte
    appels: list[Callable[[], object]] = [
        lambda: rechercher_dossiers(ctx, w.compte_a, CriteresDossiers()),
        lambda: file_de_travail(ctx, w.compte_a, EtatDossier.RECU),
        lambda: consulter_dossier(ctx, w.compte_a, "1001"),
        lambda: apercu_rupture(ctx, w.compte_a, "1001", dt.date(2024, 12, 31), "démission"),
    ]
    for appel in appels:
        with pytest.raises(ReserveAuxConseillers):
            appel()


# --- the file's page ----------------------------------------------------------------------


def test_page_d_un_dossier_d_un_autre_organisme() -> None:
    """The agent opens B's file: the same detail the CFA sees, with the history."""
    w = monde()
    page = consulter_dossier(w.m.contexte, w.agent, "2002")
    detail = page.detail
    assert detail.action.numero_action == "2002"
    assert [c.arrivee for c in detail.action.historique][-1] is EtatDossier.EN_ATTENTE
    assert detail.demandes == ()
    assert detail.echeancier.engagement == detail.action.budget.frais_pedagogiques
    assert page.etats_suivants == (
        EtatDossier.EN_INSTRUCTION,
        EtatDossier.REFUSE,
        EtatDossier.ANNULE,
        EtatDossier.SUPPRIME,
    )
    assert not page.rupture_possible
    en_cours = consulter_dossier(w.m.contexte, w.agent, "1001")
    assert en_cours.etats_suivants == (EtatDossier.SOLDE, EtatDossier.ANNULE)
    assert en_cours.rupture_possible
    with pytest.raises(Introuvable):
        consulter_dossier(w.m.contexte, w.agent, "9999")


def _payer(w: Monde, montant: str) -> None:
    recu = soumettre_demande(
        w.m.contexte,
        w.compte_a,
        CommandeDemande(
            numero_action="1001",
            periode=Periode(dt.date(2023, 9, 1), dt.date(2024, 12, 31)),
            montants=MontantsDemandes.depuis({Categorie.FRAIS_PEDAGOGIQUES: Montant(montant)}),
            fichiers=((Piece.FACTURE, "f.pdf", PDF), (Piece.CERTIFICAT_REALISATION, "c.pdf", PDF)),
            conditions_acceptees=True,
        ),
    )
    for decision in (Decision.PRENDRE_EN_TRAITEMENT, Decision.VALIDER, Decision.PAYER):
        traiter_demande(w.m.contexte, w.agent, recu.demande_id, decision)


def test_les_demandes_et_leur_historique_sur_la_page_du_conseiller() -> None:
    """The paid request shows with its history, as on the CFA's page."""
    w = monde()
    w.m.horloge.instant = dt.datetime(2024, 9, 15, 9, 0, tzinfo=dt.UTC)
    _payer(w, "1000")
    detail = consulter_dossier(w.m.contexte, w.agent, "1001").detail
    vu_du_cfa = consulter_action(w.m.contexte, w.compte_a, "1001")
    assert attrs.evolve(detail, action=vu_du_cfa.action, demandes=()) == attrs.evolve(
        vu_du_cfa, demandes=()
    )
    assert [d.id for d in detail.demandes] == [d.id for d in vu_du_cfa.demandes]
    (demande,) = detail.demandes
    assert [c.auteur for c in demande.historique][1:] == ["agent@opco-sante.fr"] * 3
    assert detail.total_rembourse == Montant(1000)


# --- rupture preview ----------------------------------------------------------------------


def test_apercu_de_rupture_puis_confirmation() -> None:
    """Paid 18 372,90 €, rupture 31/12/2024: 26 247 × 16/24 = 17 498 €, 874,90 € to recover.

    The preview writes nothing; the confirmed rupture gives the schedule it showed.
    """
    w = monde()
    w.m.horloge.instant = dt.datetime(2024, 9, 15, 9, 0, tzinfo=dt.UTC)
    _payer(w, "18372.90")
    avant = consulter_dossier(w.m.contexte, w.agent, "1001").detail
    messages = len(w.m.stockage.messages)
    apercu = apercu_rupture(w.m.contexte, w.agent, "1001", dt.date(2024, 12, 31), "Démission")
    assert apercu.echeancier_actuel.engagement == Montant("26247")
    assert apercu.echeancier_recalcule.engagement == Montant("17498")
    assert apercu.paye_pedagogique == Montant("18372.90")
    assert apercu.trop_percu == Montant("874.90")
    assert apercu.action.etat is EtatDossier.EN_COURS
    relu = consulter_dossier(w.m.contexte, w.agent, "1001").detail.action
    assert (relu.etat, relu.date_rupture, relu.historique) == (
        EtatDossier.EN_COURS,
        None,
        avant.action.historique,
    )
    assert len(w.m.stockage.messages) == messages

    rompre_action(w.m.contexte, w.agent, "1001", dt.date(2024, 12, 31), "Démission")
    apres = consulter_dossier(w.m.contexte, w.agent, "1001").detail
    assert apres.echeancier == apercu.echeancier_recalcule
    assert apres.trop_percu == apercu.trop_percu


def test_apercu_refuse_comme_la_rupture() -> None:
    """The preview refuses what the rupture would: no reason, a date off the contract, state."""
    w = monde()
    ctx = w.m.contexte
    with pytest.raises(DonneeInvalide) as erreur:
        apercu_rupture(ctx, w.agent, "1001", dt.date(2024, 12, 31), " ")
    assert erreur.value.champ == "motif"
    with pytest.raises(DonneeInvalide):
        apercu_rupture(ctx, w.agent, "1001", dt.date(2030, 1, 1), "Démission")
    with pytest.raises(TransitionInterdite):
        apercu_rupture(ctx, w.agent, "1002", dt.date(2024, 12, 31), "Démission")
    with pytest.raises(Introuvable):
        apercu_rupture(ctx, w.agent, "9999", dt.date(2024, 12, 31), "Démission")


# --- the OPCO's silence, as a scheduled job ----------------------------------------------


def test_refus_pour_silence_au_nom_d_un_agent_donne_par_son_adresse() -> None:
    """Today 25/08/2023: filed before 05/08 (2002, 2001) refused, 1002 (10/08) left."""
    w = monde()
    w.m.horloge.instant = dt.datetime(2023, 8, 25, 12, 0, tzinfo=dt.UTC)
    assert refuser_sans_reponse_par(w.m.contexte, "agent@opco-sante.fr") == ["2002", "2001"]
    etats = {n: consulter_dossier(w.m.contexte, w.agent, n).detail.action for n in ("2001", "1002")}
    dernier = etats["2001"].historique[-1]
    assert (dernier.arrivee, dernier.auteur, dernier.motif) == (
        EtatDossier.REFUSE,
        "agent@opco-sante.fr",
        MOTIF_SILENCE,
    )
    assert etats["1002"].etat is EtatDossier.RECU
    assert refuser_sans_reponse_par(w.m.contexte, "agent@opco-sante.fr") == []


def test_refus_pour_silence_refuse_une_adresse_qui_n_est_pas_celle_d_un_agent() -> None:
    """Unknown, an organisme's account, malformed, deactivated: refused, nothing touched."""
    w = monde()
    w.m.horloge.instant = dt.datetime(2023, 8, 25, 12, 0, tzinfo=dt.UTC)
    for adresse in ("personne@opco-sante.fr", "a@cfa-a.fr"):
        with pytest.raises(Introuvable):
            refuser_sans_reponse_par(w.m.contexte, adresse)
    with pytest.raises(DonneeInvalide):
        refuser_sans_reponse_par(w.m.contexte, "pas une adresse")
    with w.m.contexte.uow() as uow:
        agent = uow.comptes.obtenir(w.agent)
        assert agent is not None
        agent.desactiver("administrateur", w.m.horloge.maintenant(), "départ")
        uow.commit()
    with pytest.raises(CompteNonActive):
        refuser_sans_reponse_par(w.m.contexte, "agent@opco-sante.fr")
    liste = file_de_travail(w.m.contexte, w.m.agent("autre@opco-sante.fr"), EtatDossier.RECU)
    assert _numeros(liste) == ["2001", "1002"]
