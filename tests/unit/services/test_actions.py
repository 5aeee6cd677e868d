"""Use cases of the files: search, detail with totals, and the back office's state changes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import attrs
import pytest

from cfa_domain.action import EtatDossier
from cfa_domain.errors import (
    AccesRefuse,
    Agregat,
    CompteNonActive,
    DonneeInvalide,
    Introuvable,
    TransitionInterdite,
)
from cfa_domain.ports import ColonneTri, CriteresRecherche, Tri
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.services.actions import (
    AUTEUR_WEBSERVICE,
    MOTIF_SILENCE,
    action_visible,
    changer_etat_action,
    consulter_action,
    lister_actions,
    rechercher_actions,
    refuser_dossiers_sans_reponse,
    rompre_action,
    suivi_par,
)
from cfa_domain.services.contexte import Parametres
from cfa_domain.services.demandes import (
    CommandeDemande,
    Decision,
    soumettre_demande,
    traiter_demande,
)
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import Memoire, memoire
from cfa_domain.values import Categorie, Email, Montant, Periode, Piece

if TYPE_CHECKING:
    from cfa_domain.ports import UnitOfWork

SIRET_A = exemples.SIRET_CFA
SIRET_B = exemples.SIRET_CFA_2
DOSSIER_A = "2011303654"
DOSSIER_B = "2011300002"
PDF = b"%PDF-1.7\n% facture\n"


# --- a small world: two organismes, one file each, an agent --------------------------------


@attrs.frozen
class Monde:
    """Two organismes A and B with one active account and one file each, and an agent."""

    m: Memoire
    compte_a: uuid.UUID
    compte_b: uuid.UUID
    agent: uuid.UUID


def monde(
    parametres: Parametres | None = None, *, etat_a: EtatDossier = EtatDossier.EN_COURS
) -> Monde:
    """Build the world of most tests."""
    m = memoire(parametres)
    with m.contexte.uow() as uow:
        uow.organismes.ajouter(exemples.organisme(SIRET_A, emails_connus=(Email("a@cfa-a.fr"),)))
        uow.organismes.ajouter(exemples.organisme(SIRET_B, emails_connus=(Email("b@cfa-b.fr"),)))
        uow.commit()
    m.enregistrer(
        exemples.action(DOSSIER_A, etat=etat_a),
        exemples.action(
            DOSSIER_B,
            siret_cfa=SIRET_B,
            contrat=exemples.contrat(apprenti=exemples.apprenti(nom="Bernard", prenom="Jules")),
        ),
    )
    return Monde(
        m,
        m.compte_cfa(SIRET_A, "a@cfa-a.fr"),
        m.compte_cfa(SIRET_B, "b@cfa-b.fr"),
        m.agent("agent@opco-sante.fr"),
    )


def soumettre(w: Monde, montant: str, *, compte: uuid.UUID | None = None) -> uuid.UUID:
    """Submit a request of pedagogical costs on A's file over the whole contract."""
    recu = soumettre_demande(
        w.m.contexte,
        compte or w.compte_a,
        CommandeDemande(
            numero_action=DOSSIER_A,
            periode=Periode(dt.date(2023, 9, 1), dt.date(2024, 12, 31)),
            montants=MontantsDemandes.depuis({Categorie.FRAIS_PEDAGOGIQUES: Montant(montant)}),
            fichiers=((Piece.FACTURE, "f.pdf", PDF), (Piece.CERTIFICAT_REALISATION, "c.pdf", PDF)),
            conditions_acceptees=True,
        ),
    )
    return recu.demande_id


def numeros(w: Monde, compte: uuid.UUID, criteres: CriteresRecherche | None = None) -> list[str]:
    """Action numbers of the first page of a search."""
    page = rechercher_actions(w.m.contexte, compte, criteres or CriteresRecherche())
    return [r.action.numero_action for r in page.elements]


# --- search --------------------------------------------------------------------------------


def test_recherche_ne_montre_que_les_dossiers_de_son_organisme() -> None:
    """Each organisme finds its own file and never the other one's."""
    w = monde()
    assert numeros(w, w.compte_a) == [DOSSIER_A]
    assert numeros(w, w.compte_b) == [DOSSIER_B]
    assert numeros(w, w.compte_b, CriteresRecherche(numero_action=DOSSIER_A)) == []


def test_recherche_inclut_les_delegants_actifs_seulement() -> None:
    """An active delegation shows the delegant's files; a pending one shows nothing."""
    w = monde()
    w.m.deleguer(SIRET_A, SIRET_B, approuver=False)
    assert numeros(w, w.compte_b) == [DOSSIER_B]
    w.m.deleguer(SIRET_A, SIRET_B)
    assert numeros(w, w.compte_b) == [DOSSIER_A, DOSSIER_B]  # newest number first
    assert numeros(w, w.compte_a) == [DOSSIER_A]


def test_recherche_par_nom_d_apprenti() -> None:
    """The apprentice's name filters the visible files (accent-insensitive prefix)."""
    w = monde()
    w.m.deleguer(SIRET_A, SIRET_B)
    assert numeros(w, w.compte_b, CriteresRecherche(nom_apprenti="eloi")) == [DOSSIER_A]
    assert numeros(w, w.compte_b, CriteresRecherche(nom_apprenti="bern")) == [DOSSIER_B]


def test_recherche_paginee_avec_la_taille_par_defaut_des_parametres() -> None:
    """Without a size, the page size is the deployment's; the total counts every match."""
    w = monde(Parametres(taille_page=2))
    w.m.enregistrer(exemples.action("2011300010"), exemples.action("2011300011"))
    page = rechercher_actions(w.m.contexte, w.compte_a, CriteresRecherche())
    assert [r.action.numero_action for r in page.elements] == ["2011303654", "2011300011"]
    assert (page.total, page.taille, page.premier, page.dernier) == (3, 2, 1, 2)
    suite = rechercher_actions(w.m.contexte, w.compte_a, CriteresRecherche(), page=2, taille=2)
    assert [r.action.numero_action for r in suite.elements] == ["2011300010"]


@pytest.mark.parametrize(
    ("page", "taille", "champ"), [(0, 10, "page"), (1, 0, "taille"), (1, 101, "taille")]
)
def test_recherche_refuse_une_page_invalide(page: int, taille: int, champ: str) -> None:
    """A page below 1 or a size outside 1..100 is refused on its field."""
    w = monde()
    with pytest.raises(DonneeInvalide) as erreur:
        rechercher_actions(w.m.contexte, w.compte_a, CriteresRecherche(), page=page, taille=taille)
    assert erreur.value.champ == champ


def test_recherche_triee_sur_une_colonne() -> None:
    """The sort reaches the repository: cheapest budget first, then the other way."""
    w = monde()
    moins_cher = exemples.action(
        "2011300010", budget=exemples.budget(frais_pedagogiques=Montant("100"))
    )
    w.m.enregistrer(moins_cher)
    tri = Tri(ColonneTri.BUDGET_TOTAL, croissant=True)
    page = lister_actions(w.m.contexte, w.compte_a, CriteresRecherche(), tri=tri).page
    assert [r.action.numero_action for r in page.elements] == ["2011300010", DOSSIER_A]
    page = rechercher_actions(w.m.contexte, w.compte_a, CriteresRecherche(), tri=tri.inverse())
    assert [r.action.numero_action for r in page.elements] == [DOSSIER_A, "2011300010"]


def test_recherche_refuse_un_tri_qui_n_en_est_pas_un() -> None:
    """A sort given as anything but a Tri (a column code, say) is refused on ``tri``."""
    w = monde()
    with pytest.raises(DonneeInvalide) as erreur:
        rechercher_actions(
            w.m.contexte,
            w.compte_a,
            CriteresRecherche(),
            tri="budget",  # type: ignore[arg-type]
        )
    assert erreur.value.champ == "tri"


def test_recherche_montre_le_total_rembourse() -> None:
    """The list's "Total des remboursements" counts the paid requests only."""
    w = monde()
    payee = soumettre(w, "1000")
    soumettre(w, "500")
    for decision in (Decision.PRENDRE_EN_TRAITEMENT, Decision.VALIDER, Decision.PAYER):
        traiter_demande(w.m.contexte, w.agent, payee, decision)
    (ligne,) = rechercher_actions(w.m.contexte, w.compte_a, CriteresRecherche()).elements
    assert ligne.total_rembourse == Montant("1000")


def test_la_liste_nomme_le_cfa_beneficiaire_de_chaque_dossier() -> None:
    """The list names each file's CFA: the account's own and its delegant's."""
    m = memoire()
    m.enregistrer(
        exemples.organisme(
            SIRET_A,
            emails_connus=(Email("a@cfa-a.fr"),),
            fiche=exemples.fiche(raison_sociale="CFA Alpha"),
        ),
        exemples.organisme(SIRET_B, fiche=exemples.fiche(raison_sociale="CFA Bêta")),
        exemples.action(DOSSIER_A),
        exemples.action(DOSSIER_B, siret_cfa=SIRET_B),
    )
    compte = m.compte_cfa(SIRET_A, "a@cfa-a.fr")
    m.deleguer(SIRET_B, SIRET_A)
    liste = lister_actions(m.contexte, compte, CriteresRecherche(), taille=1)
    assert [r.action.numero_action for r in liste.page.elements] == [DOSSIER_A]
    assert dict(liste.noms_cfa) == {SIRET_A: "CFA Alpha"}  # the names of the rows shown
    assert (liste.page.total, liste.page.numero, liste.page.taille) == (2, 1, 1)
    suite = lister_actions(m.contexte, compte, CriteresRecherche(), page=2, taille=1)
    (ligne,) = suite.page.elements
    assert suite.nom_cfa(ligne.action.siret_cfa) == "CFA Bêta"


def test_la_liste_montre_le_siret_d_un_cfa_sans_fiche() -> None:
    """A file whose CFA has no sheet any more (removed by hand) shows the SIRET."""
    w = monde()
    del w.m.stockage.donnees.organismes[SIRET_A.numero]
    liste = lister_actions(w.m.contexte, w.compte_a, CriteresRecherche())
    (ligne,) = liste.page.elements
    assert liste.nom_cfa(ligne.action.siret_cfa) == str(SIRET_A)


def test_la_liste_refuse_une_page_invalide_et_un_agent() -> None:
    """The list checks the page and the account as the search does."""
    w = monde()
    with pytest.raises(DonneeInvalide) as erreur:
        lister_actions(w.m.contexte, w.compte_a, CriteresRecherche(), page=0)
    assert erreur.value.champ == "page"
    with pytest.raises(AccesRefuse):
        lister_actions(w.m.contexte, w.agent, CriteresRecherche())


def test_un_agent_ne_recherche_pas_comme_un_cfa() -> None:
    """An agent's account has no organisme: the CFA search refuses it."""
    w = monde()
    with pytest.raises(AccesRefuse):
        rechercher_actions(w.m.contexte, w.agent, CriteresRecherche())


def test_compte_inconnu_ou_inactif_refuse() -> None:
    """An unknown account is refused, an inactive one too."""
    w = monde()
    with pytest.raises(AccesRefuse):
        rechercher_actions(w.m.contexte, uuid.UUID(int=99), CriteresRecherche())
    with w.m.contexte.uow() as uow:
        compte = uow.comptes.obtenir(w.compte_a)
        assert compte is not None
        compte.desactiver("agent", w.m.horloge.maintenant(), "départ")
        uow.commit()
    with pytest.raises(CompteNonActive):
        consulter_action(w.m.contexte, w.compte_a, DOSSIER_A)


# --- detail --------------------------------------------------------------------------------


def test_detail_d_un_dossier_neuf() -> None:
    """A new file shows its schedule (2021 regime, 40 % of 13 123,50 €) and full budgets."""
    w = monde()
    detail = consulter_action(w.m.contexte, w.compte_a, DOSSIER_A)
    assert detail.action.numero_action == DOSSIER_A
    assert detail.demandes == ()
    assert detail.echeancier.premiere_avance.montant == Montant("5249.40")
    assert [e.montant for e in detail.echeancier.echeances] == [
        Montant(m) for m in ("5249.40", "3937.05", "3937.05") * 2
    ]
    assert detail.total_rembourse == Montant(0)
    assert detail.trop_percu == Montant(0)
    assert detail.ligne(Categorie.FRAIS_PEDAGOGIQUES).disponible == Montant("26247")
    assert [(ligne.categorie, ligne.budget) for ligne in detail.lignes] == [
        (Categorie.FRAIS_PEDAGOGIQUES, Montant("26247")),
        (Categorie.REPAS_NUITEES, Montant("300")),
        (Categorie.FRAIS_DIVERS, Montant("450")),
        (Categorie.MOBILITE_INTERNATIONALE, Montant("500")),
        (Categorie.MAJORATION_HANDICAP, Montant("0")),
    ]
    assert detail.suivi_par == "exemples"


def test_detail_consomme_rembourse_disponible() -> None:
    """Consumed counts every live request, reimbursed the paid ones, refused ones free budget."""
    w = monde()
    payee, refusee = soumettre(w, "5000"), soumettre(w, "2000")
    soumettre(w, "1000.50")
    for decision in (Decision.PRENDRE_EN_TRAITEMENT, Decision.VALIDER, Decision.PAYER):
        traiter_demande(w.m.contexte, w.agent, payee, decision)
    traiter_demande(w.m.contexte, w.agent, refusee, Decision.REFUSER, "Facture illisible")
    detail = consulter_action(w.m.contexte, w.compte_a, DOSSIER_A)
    assert len(detail.demandes) == 3
    pedagogie = detail.ligne(Categorie.FRAIS_PEDAGOGIQUES)
    assert (pedagogie.consomme, pedagogie.disponible) == (Montant("6000.50"), Montant("20246.50"))
    assert detail.total_rembourse == Montant("5000")
    # Ranks 1 (paid 5 000) and 3 (submitted 1 000,50) fill A1-E1 (5 249,40) then A1-E2.
    assert [
        (s.codification, s.montant_total, s.montant_en_cours_instruction, s.montant_regle, s.reste)
        for s in detail.situation.echeances[:3]
    ] == [
        ("A1-E1", Montant("5249.40"), Montant("249.40"), Montant("5000"), Montant(0)),
        ("A1-E2", Montant("3937.05"), Montant("751.10"), Montant(0), Montant("3185.95")),
        ("A1-E3", Montant("3937.05"), Montant(0), Montant(0), Montant("3937.05")),
    ]


def test_trop_percu_apres_rupture() -> None:
    """Paid 18 372,90 €, rupture 31/12/2024: 26 247 × 16/24 = 17 498 €, so 874,90 € to recover."""
    w = monde()
    w.m.horloge.instant = dt.datetime(2024, 9, 15, 9, 0, tzinfo=dt.UTC)
    payee = soumettre(w, "18372.90")
    for decision in (Decision.PRENDRE_EN_TRAITEMENT, Decision.VALIDER, Decision.PAYER):
        traiter_demande(w.m.contexte, w.agent, payee, decision)
    rompre_action(
        w.m.contexte, w.agent, DOSSIER_A, dt.date(2024, 12, 31), "Rupture d'un commun accord"
    )
    detail = consulter_action(w.m.contexte, w.compte_a, DOSSIER_A)
    assert detail.echeancier.engagement == Montant("17498")
    assert detail.trop_percu == Montant("874.90")
    assert detail.situation.hors_echeancier_regle == Montant("874.90")
    assert sum(s.reste.valeur for s in detail.situation.echeances) == 0
    assert detail.action.etat is EtatDossier.ROMPU


def test_detail_introuvable_pour_un_autre_organisme_comme_pour_un_dossier_absent() -> None:
    """B gets the same Introuvable for A's file as for a file that does not exist."""
    w = monde()
    for numero in (DOSSIER_A, "2099999999"):
        with pytest.raises(Introuvable) as erreur:
            consulter_action(w.m.contexte, w.compte_b, numero)
        assert (erreur.value.agregat, erreur.value.identifiant) == (Agregat.DOSSIER, numero)


def test_detail_visible_par_delegation_active() -> None:
    """An active delegation opens the delegant's file detail; revoking it closes it again."""
    w = monde()
    w.m.deleguer(SIRET_A, SIRET_B)
    assert consulter_action(w.m.contexte, w.compte_b, DOSSIER_A).action.siret_cfa == SIRET_A
    with w.m.contexte.uow() as uow:
        (delegation,) = uow.delegations.pour_organisme(SIRET_A)
        delegation.revoquer("agent", w.m.horloge.maintenant(), "fin du partenariat")
        uow.commit()
    with pytest.raises(Introuvable):
        consulter_action(w.m.contexte, w.compte_b, DOSSIER_A)


def test_action_visible_verrouille_aussi() -> None:
    """Loading for update applies the same visibility rule."""
    w = monde()
    with w.m.contexte.uow() as uow:
        compte_b = uow.comptes.obtenir(w.compte_b)
        assert compte_b is not None
        assert action_visible(uow, compte_b, DOSSIER_B, verrouiller=True).numero_action == DOSSIER_B
        with pytest.raises(Introuvable):
            action_visible(uow, compte_b, DOSSIER_A, verrouiller=True)


def test_suivi_par_ignore_le_webservice() -> None:
    """A file only touched by the Webservice is followed by nobody yet."""
    dossier = exemples.action(etat=EtatDossier.RECU)
    assert dossier.historique[0].auteur == AUTEUR_WEBSERVICE
    assert suivi_par(dossier) is None


# --- back office ---------------------------------------------------------------------------


def modeles(w: Monde) -> list[tuple[str, str]]:
    """(recipient, template) of the committed outbox messages."""
    return [(str(msg.destinataire), msg.modele) for msg in w.m.stockage.messages]


def test_agent_accorde_le_financement_et_le_cfa_est_prevenu() -> None:
    """En instruction → en cours is recorded with the agent's email; A's accounts get a mail."""
    w = monde(etat_a=EtatDossier.RECU)
    w.m.compte_cfa(SIRET_A, "collegue@cfa-a.fr")
    changer_etat_action(w.m.contexte, w.agent, DOSSIER_A, EtatDossier.EN_INSTRUCTION)
    assert modeles(w) == []
    w.m.horloge.avancer(dt.timedelta(days=2))
    changement = changer_etat_action(
        w.m.contexte, w.agent, DOSSIER_A, EtatDossier.EN_COURS, "Dossier complet"
    )
    assert (changement.auteur, changement.depart, changement.arrivee, changement.motif) == (
        "agent@opco-sante.fr",
        EtatDossier.EN_INSTRUCTION,
        EtatDossier.EN_COURS,
        "Dossier complet",
    )
    assert changement.quand == exemples.INSTANT + dt.timedelta(days=2)
    assert sorted(modeles(w)) == [
        ("a@cfa-a.fr", "dossier_accorde"),
        ("collegue@cfa-a.fr", "dossier_accorde"),
    ]
    assert w.m.stockage.messages[0].contexte["numero_action"] == DOSSIER_A
    detail = consulter_action(w.m.contexte, w.compte_a, DOSSIER_A)
    assert detail.action.historique[-1] == changement
    assert detail.suivi_par == "agent@opco-sante.fr"


def test_refus_avec_motif_mail_aux_comptes_actifs_seulement() -> None:
    """A refusal mails the reason to the CFA's active accounts, not to deactivated ones."""
    w = monde(etat_a=EtatDossier.RECU)
    w.m.compte_cfa(SIRET_A, "compta@cfa-a.fr")
    with w.m.contexte.uow() as uow:
        compte = uow.comptes.obtenir(w.compte_a)
        assert compte is not None
        compte.desactiver("agent", w.m.horloge.maintenant(), "départ")
        uow.commit()
    changer_etat_action(w.m.contexte, w.agent, DOSSIER_A, EtatDossier.REFUSE, "Hors champ")
    (message,) = w.m.stockage.messages
    assert (str(message.destinataire), message.modele) == ("compta@cfa-a.fr", "dossier_refuse")
    assert message.contexte["motif"] == "Hors champ"
    assert message.contexte["etat"] == "refusé"
    assert message.contexte["apprenti"] == "Éloïse Martin"


def test_refus_sans_motif_refuse_et_rien_n_est_ecrit() -> None:
    """A refusal without a reason is refused; the file and the outbox stay as they were."""
    w = monde(etat_a=EtatDossier.RECU)
    with pytest.raises(DonneeInvalide) as erreur:
        changer_etat_action(w.m.contexte, w.agent, DOSSIER_A, EtatDossier.REFUSE, "  ")
    assert erreur.value.champ == "motif"
    assert consulter_action(w.m.contexte, w.compte_a, DOSSIER_A).action.etat is EtatDossier.RECU
    assert modeles(w) == []


def test_transition_interdite_ne_change_rien() -> None:
    """En cours → reçu is refused and the history keeps its length."""
    w = monde()
    avant = len(consulter_action(w.m.contexte, w.compte_a, DOSSIER_A).action.historique)
    with pytest.raises(TransitionInterdite):
        changer_etat_action(w.m.contexte, w.agent, DOSSIER_A, EtatDossier.RECU)
    apres = consulter_action(w.m.contexte, w.compte_a, DOSSIER_A).action
    assert (apres.etat, len(apres.historique)) == (EtatDossier.EN_COURS, avant)


def test_seul_un_agent_change_l_etat_d_un_dossier() -> None:
    """A CFA account may not change its own file's state nor record its rupture."""
    w = monde()
    with pytest.raises(AccesRefuse):
        changer_etat_action(w.m.contexte, w.compte_a, DOSSIER_A, EtatDossier.SOLDE)
    with pytest.raises(AccesRefuse):
        rompre_action(w.m.contexte, w.compte_a, DOSSIER_A, dt.date(2024, 1, 31), "rupture")


def test_agent_sur_dossier_inconnu() -> None:
    """An unknown action number is Introuvable for the back office too."""
    w = monde()
    with pytest.raises(Introuvable):
        changer_etat_action(w.m.contexte, w.agent, "2099999999", EtatDossier.SOLDE)
    with pytest.raises(Introuvable):
        rompre_action(w.m.contexte, w.agent, "2099999999", dt.date(2024, 1, 31), "rupture")


def test_rupture_par_un_agent() -> None:
    """The rupture cuts the contract at its date, is recorded with the agent, mails the CFA."""
    w = monde()
    changement = rompre_action(
        w.m.contexte, w.agent, DOSSIER_A, dt.date(2024, 1, 31), "Démission de l'apprenti"
    )
    assert (changement.arrivee, changement.auteur) == (EtatDossier.ROMPU, "agent@opco-sante.fr")
    action = consulter_action(w.m.contexte, w.compte_a, DOSSIER_A).action
    assert action.date_rupture == dt.date(2024, 1, 31)
    (message,) = w.m.stockage.messages
    assert (str(message.destinataire), message.modele) == ("a@cfa-a.fr", "dossier_rompu")
    assert (message.contexte["date_rupture"], message.contexte["motif"]) == (
        "2024-01-31",
        "Démission de l'apprenti",
    )


@pytest.mark.parametrize(
    ("depart", "arrivee", "modele"),
    [
        (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_ATTENTE, "dossier_en_attente"),
        (EtatDossier.EN_COURS, EtatDossier.SOLDE, "dossier_solde"),
        (EtatDossier.EN_ATTENTE, EtatDossier.EN_INSTRUCTION, None),
        (EtatDossier.EN_COURS, EtatDossier.ANNULE, None),
    ],
)
def test_etats_que_le_cfa_doit_connaitre(
    depart: EtatDossier, arrivee: EtatDossier, modele: str | None
) -> None:
    """Documents awaited and a settled file are mailed to the CFA; other moves are not."""
    w = monde(etat_a=depart)
    changer_etat_action(w.m.contexte, w.agent, DOSSIER_A, arrivee, "Pièces : RIB")
    attendu = [] if modele is None else [("a@cfa-a.fr", modele)]
    assert modeles(w) == attendu


def test_rupture_hors_contrat_refusee() -> None:
    """A rupture date outside the contract is refused on its field; the file stays en cours."""
    w = monde()
    with pytest.raises(DonneeInvalide) as erreur:
        rompre_action(w.m.contexte, w.agent, DOSSIER_A, dt.date(2026, 1, 31), "rupture")
    assert erreur.value.champ == "date_rupture"
    assert consulter_action(w.m.contexte, w.compte_a, DOSSIER_A).action.etat is EtatDossier.EN_COURS


# --- the OPCO's silence ----------------------------------------------------------------------


def silence(etats: dict[str, tuple[EtatDossier, dt.date]], maintenant: dt.datetime) -> Monde:
    """A world whose A organisme also has files in given states, filed on given dates."""
    w = monde()
    w.m.enregistrer(
        *(
            exemples.action(numero, etat=etat, formation=exemples.formation(date_depot=depot))
            for numero, (etat, depot) in etats.items()
        )
    )
    w.m.horloge.instant = maintenant
    return w


def test_silence_de_20_jours_vaut_refus() -> None:
    """Files unanswered 20 days after filing are refused with the reason, history and mail."""
    mars = dt.date(2025, 3, 1)
    w = silence(
        {
            "2011300010": (EtatDossier.RECU, mars),
            "2011300011": (EtatDossier.EN_INSTRUCTION, mars - dt.timedelta(days=30)),
            "2011300012": (EtatDossier.EN_ATTENTE, mars),
            "2011300013": (EtatDossier.RECU, mars + dt.timedelta(days=1)),
            "2011300014": (EtatDossier.ANNULE, mars),
        },
        # 22/03/2025 at 00:30 in Paris: filed on 1 March + 20 days = 21 March is before today.
        dt.datetime(2025, 3, 21, 23, 30, tzinfo=dt.UTC),
    )
    refuses = refuser_dossiers_sans_reponse(w.m.contexte, w.agent)
    assert refuses == ["2011300011", "2011300010", "2011300012"]
    with w.m.contexte.uow() as uow:
        for numero in refuses:
            action = uow.actions.obtenir(numero)
            assert action is not None
            dernier = action.historique[-1]
            assert (action.etat, dernier.motif, dernier.auteur) == (
                EtatDossier.REFUSE,
                MOTIF_SILENCE,
                "agent@opco-sante.fr",
            )
        etats = {n: uow.actions.obtenir(n) for n in ("2011300013", "2011300014")}
        assert [a.etat for a in etats.values() if a is not None] == [
            EtatDossier.RECU,
            EtatDossier.ANNULE,
        ]
    assert modeles(w) == [("a@cfa-a.fr", "dossier_refuse")] * 3
    assert {m.contexte["motif"] for m in w.m.stockage.messages} == {MOTIF_SILENCE}
    assert refuser_dossiers_sans_reponse(w.m.contexte, w.agent) == []


def test_silence_pas_avant_le_21e_jour() -> None:
    """Filed on 1 March, a file is still awaiting on 21 March (Paris time)."""
    w = silence(
        {"2011300010": (EtatDossier.RECU, dt.date(2025, 3, 1))},
        dt.datetime(2025, 3, 21, 22, 59, tzinfo=dt.UTC),
    )
    assert refuser_dossiers_sans_reponse(w.m.contexte, w.agent) == []


def test_silence_delai_parametrable() -> None:
    """The 20-day delay is a parameter."""
    w = silence(
        {"2011300010": (EtatDossier.RECU, dt.date(2025, 3, 1))},
        dt.datetime(2025, 3, 5, 9, tzinfo=dt.UTC),
    )
    ctx = attrs.evolve(
        w.m.contexte,
        parametres=Parametres(delai_silence_refus=dt.timedelta(days=3)),
    )
    assert refuser_dossiers_sans_reponse(ctx, w.agent) == ["2011300010"]


def test_silence_reserve_aux_agents() -> None:
    """Only an OPCO agent runs the silence rule."""
    w = monde()
    with pytest.raises(AccesRefuse):
        refuser_dossiers_sans_reponse(w.m.contexte, w.compte_a)


def test_silence_un_dossier_repondu_entre_temps_est_laisse() -> None:
    """A file answered between the listing and its refusal is left as it is."""
    w = silence(
        {"2011300010": (EtatDossier.EN_INSTRUCTION, dt.date(2025, 3, 1))},
        dt.datetime(2025, 5, 1, 9, tzinfo=dt.UTC),
    )
    uow_reelle = w.m.contexte.uow
    ouvertures = 0

    def fabrique(*, lecture_seule: bool = False) -> UnitOfWork:
        nonlocal ouvertures
        ouvertures += 1
        if ouvertures == 2:  # the agent answers just before the file is locked
            changer_etat_action(
                attrs.evolve(w.m.contexte, uow=uow_reelle),
                w.agent,
                "2011300010",
                EtatDossier.EN_COURS,
            )
        return uow_reelle(lecture_seule=lecture_seule)

    ctx = attrs.evolve(w.m.contexte, uow=fabrique)
    assert refuser_dossiers_sans_reponse(ctx, w.agent) == []
