"""Request use cases: pre-filling, submission, receipt, documents, cancellation, back office."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import uuid
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from cfa_domain.action import Action, EtatDossier
from cfa_domain.echeancier import Regime
from cfa_domain.errors import (
    AccesRefuse,
    Agregat,
    BudgetDepasse,
    Conflit,
    DonneeInvalide,
    DossierNonRemboursable,
    Introuvable,
    MontantNonOuvert,
    PieceManquante,
    TransitionInterdite,
)
from cfa_domain.ports import CriteresDemandes
from cfa_domain.remboursement import (
    EtatDemande,
    MontantsDemandes,
    ParametresRemboursement,
    QuantitesFraisAnnexes,
)
from cfa_domain.services.actions import AUTEUR_WEBSERVICE, consulter_action
from cfa_domain.services.contexte import Parametres
from cfa_domain.services.demandes import (
    CommandeDemande,
    Decision,
    annuler_demande,
    consulter_demande,
    document,
    lister_demandes,
    preparer_demande,
    recepisse,
    recepisse_pdf,
    soumettre_demande,
    traiter_demande,
)
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import Memoire, MemoireUnitOfWork, Stockage, _Outbox, memoire
from cfa_domain.values import Categorie, Email, Montant, Periode, Piece

if TYPE_CHECKING:
    from cfa_domain.ports import MessageSortant
    from cfa_domain.services.contexte import Contexte

SIRET_A = exemples.SIRET_CFA
SIRET_B = exemples.SIRET_CFA_2
SIRET_INCONNU = exemples.SIRET_EMPLOYEUR
DOSSIER_A = "2011303654"
DOSSIER_B = "2011300002"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
FACTURE = (Piece.FACTURE, "facture.pdf", PDF)
CERTIFICAT = (Piece.CERTIFICAT_REALISATION, "certificat.pdf", PDF + b"% certificat\n")
PREMIERE_AVANCE = Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29))
CONTRAT = Periode(dt.date(2023, 9, 1), dt.date(2025, 8, 31))


def instant(annee: int, mois: int, jour: int) -> dt.datetime:
    """9:00 UTC on a given day."""
    return dt.datetime(annee, mois, jour, 9, 0, tzinfo=dt.UTC)


# --- a small world: two organismes, one file each, an agent --------------------------------


@attrs.frozen
class Monde:
    """Two organismes A and B with one active account and one file each, and an agent."""

    m: Memoire
    compte_a: uuid.UUID
    compte_b: uuid.UUID
    agent: uuid.UUID

    @property
    def ctx(self) -> Contexte:
        """The deployment's context."""
        return self.m.contexte


def monde(
    parametres: Parametres | None = None,
    *,
    quand: dt.datetime | None = None,
    dossier_a: Action | None = None,
) -> Monde:
    """Build the world of most tests; the clock is set to ``quand`` (15/09/2023 by default)."""
    m = memoire(parametres)
    m.horloge.instant = quand or instant(2023, 9, 15)
    with m.contexte.uow() as uow:
        uow.organismes.ajouter(exemples.organisme(SIRET_A, emails_connus=(Email("a@cfa-a.fr"),)))
        uow.organismes.ajouter(exemples.organisme(SIRET_B, emails_connus=(Email("b@cfa-b.fr"),)))
        uow.commit()
    m.enregistrer(
        dossier_a or exemples.action(DOSSIER_A),
        exemples.action(DOSSIER_B, siret_cfa=SIRET_B),
    )
    return Monde(
        m,
        m.compte_cfa(SIRET_A, "a@cfa-a.fr"),
        m.compte_cfa(SIRET_B, "b@cfa-b.fr"),
        m.agent("agent@opco-sante.fr"),
    )


def commande(
    montant: str = "5249.40",
    *,
    numero_action: str = DOSSIER_A,
    periode: Periode = PREMIERE_AVANCE,
    fichiers: tuple[tuple[Piece, str, bytes], ...] = (FACTURE,),
    cle: str | None = None,
    **montants: str,
) -> CommandeDemande:
    """A request of ``montant`` pedagogical costs (plus other categories by name)."""
    lignes = {Categorie.FRAIS_PEDAGOGIQUES: Montant(montant)} | {
        Categorie(nom): Montant(valeur) for nom, valeur in montants.items()
    }
    return CommandeDemande(
        numero_action=numero_action,
        periode=periode,
        montants=MontantsDemandes.depuis(lignes),
        fichiers=fichiers,
        quantites=QuantitesFraisAnnexes(nombre_repas=1000),
        conditions_acceptees=True,
        cle_idempotence=cle,
    )


def payer(w: Monde, demande_id: uuid.UUID) -> None:
    """Take a request through processing, validation and payment."""
    for decision in (Decision.PRENDRE_EN_TRAITEMENT, Decision.VALIDER, Decision.PAYER):
        traiter_demande(w.ctx, w.agent, demande_id, decision)


def etat_stocke(w: Monde) -> tuple[int, int, int, int]:
    """Counts of stored requests, document metadata, document bytes and outbox messages."""
    donnees = w.m.stockage.donnees
    return (
        len(donnees.demandes),
        len(donnees.documents),
        len(w.m.documents.contenus),
        len(donnees.outbox),
    )


def messages(w: Monde) -> list[MessageSortant]:
    """Committed outbox messages."""
    return list(w.m.stockage.messages)


# --- pre-filling ---------------------------------------------------------------------------


def test_preremplissage_premiere_avance_du_guide() -> None:
    """2021 regime, 26 247 € over two years: first advance 40 % of 13 123,50 € = 5 249,40 €."""
    w = monde()
    p = preparer_demande(w.ctx, w.compte_a, DOSSIER_A)
    assert p.regime is Regime.REGIME_2021
    assert p.echeance is not None
    assert p.echeance.codification == "A1-E1"
    assert p.periode == PREMIERE_AVANCE
    assert (p.reste, p.ouverte, p.date_ouverture) == (Montant("5249.40"), True, dt.date(2023, 9, 1))
    assert p.disponible_aujourd_hui == Montant("5249.40")
    assert p.prochaine_ouverture == dt.date(2024, 3, 1)
    assert p.pieces_requises == {Piece.FACTURE}
    assert p.montants_proposes() == MontantsDemandes.depuis(
        {Categorie.FRAIS_PEDAGOGIQUES: Montant("5249.40")}
    )
    assert p.entete == "Dossier Apprentissage : 2011303654 suivi par : exemples"
    assert (p.numero_action, p.intitule_formation, p.etat) == (
        DOSSIER_A,
        "BTS Diététique",
        EtatDossier.EN_COURS,
    )
    assert (p.apprenti_nom, p.apprenti_prenom) == ("Martin", "Éloïse")
    assert [(ligne.categorie, ligne.disponible) for ligne in p.lignes][1] == (
        Categorie.REPAS_NUITEES,
        Montant("300"),
    )


def test_preremplissage_apres_une_avance_partielle() -> None:
    """After 2 000 € requested, the 3 249,40 € left of the first advance need no certificate."""
    w = monde()
    soumettre_demande(w.ctx, w.compte_a, commande("2000"))
    p = preparer_demande(w.ctx, w.compte_a, DOSSIER_A)
    assert p.echeance is not None
    assert (p.echeance.codification, p.reste, p.ouverte) == ("A1-E1", Montant("3249.40"), True)
    assert p.pieces_requises == {Piece.FACTURE}
    assert p.lignes[0].consomme == Montant("2000")
    r = soumettre_demande(w.ctx, w.compte_a, commande("3249.40"))
    assert r.pieces_non_fournies == (Piece.CERTIFICAT_REALISATION,)


def test_preremplissage_et_soumission_appliquent_la_meme_dispense() -> None:
    """After annexes only, the form still announces the first advance without certificate."""
    w = monde()
    soumettre_demande(w.ctx, w.compte_a, commande("0", repas_nuitees="9"))
    p = preparer_demande(w.ctx, w.compte_a, DOSSIER_A)
    assert p.pieces_requises == {Piece.FACTURE}
    proposes = p.montants_proposes()
    assert proposes is not None
    assert p.periode == PREMIERE_AVANCE
    r = soumettre_demande(w.ctx, w.compte_a, attrs.evolve(commande(), montants=proposes))
    assert r.montant_demande == Montant("5249.40")


def test_une_annee_entiere_d_un_coup_exige_le_certificat() -> None:
    """Year 1 and the year-2 advance asked at once, in year 2, is no first advance."""
    w = monde(quand=instant(2024, 9, 15))
    annee_1 = Periode(dt.date(2023, 9, 1), dt.date(2024, 8, 31))
    with pytest.raises(PieceManquante):
        soumettre_demande(w.ctx, w.compte_a, commande("18372.90", periode=annee_1))
    r = soumettre_demande(
        w.ctx, w.compte_a, commande("18372.90", periode=annee_1, fichiers=(FACTURE, CERTIFICAT))
    )
    assert r.pieces_non_fournies == ()


def test_preremplissage_prochaine_echeance_pas_encore_ouverte() -> None:
    """Once the first advance is requested, A1-E2 (3 937,05 €, opens 01/03/2024) is proposed."""
    w = monde()
    soumettre_demande(w.ctx, w.compte_a, commande("5249.40"))
    w.m.horloge.instant = instant(2024, 1, 10)
    p = preparer_demande(w.ctx, w.compte_a, DOSSIER_A)
    assert p.echeance is not None
    assert (p.echeance.codification, p.reste, p.ouverte) == ("A1-E2", Montant("3937.05"), False)
    assert p.periode == Periode(dt.date(2024, 3, 1), dt.date(2024, 5, 31))
    assert p.date_ouverture == dt.date(2024, 3, 1)
    assert p.disponible_aujourd_hui == Montant(0)
    assert p.montants_proposes() is None


def test_preremplissage_quand_tout_est_demande() -> None:
    """With the whole engagement requested, nothing is proposed and every document is required."""
    w = monde(quand=instant(2025, 9, 1))
    soumettre_demande(
        w.ctx, w.compte_a, commande("26247", periode=CONTRAT, fichiers=(FACTURE, CERTIFICAT))
    )
    p = preparer_demande(w.ctx, w.compte_a, DOSSIER_A)
    assert (p.echeance, p.periode, p.date_ouverture, p.prochaine_ouverture) == (None,) * 4
    assert (p.reste, p.ouverte, p.montants_proposes()) == (Montant(0), False, None)
    assert p.pieces_requises == {Piece.FACTURE, Piece.CERTIFICAT_REALISATION}


def test_preremplissage_certificat_toujours_exige_si_parametre() -> None:
    """Withdrawing the first-advance exemption announces the certificate from the first request."""
    parametres = Parametres(
        remboursement=ParametresRemboursement(certificat_exige_sauf_premiere_avance=False)
    )
    w = monde(parametres)
    p = preparer_demande(w.ctx, w.compte_a, DOSSIER_A)
    assert p.pieces_requises == {Piece.FACTURE, Piece.CERTIFICAT_REALISATION}


def test_preremplissage_sans_conseiller() -> None:
    """A file moved only by the Webservice is followed by nobody: the header says so."""
    dossier = exemples.action(DOSSIER_A, etat=EtatDossier.RECU)
    for etat in (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS):
        dossier.changer_etat(etat, auteur=AUTEUR_WEBSERVICE, quand=exemples.INSTANT)
    w = monde(dossier_a=dossier)
    p = preparer_demande(w.ctx, w.compte_a, DOSSIER_A)
    assert p.suivi_par is None
    assert p.entete == "Dossier Apprentissage : 2011303654 suivi par : —"


def test_preremplissage_refuse_sur_un_dossier_non_remboursable() -> None:
    """A file still in instruction cannot be invoiced: the form is refused with its state."""
    w = monde(dossier_a=exemples.action(DOSSIER_A, etat=EtatDossier.EN_INSTRUCTION))
    with pytest.raises(DossierNonRemboursable) as erreur:
        preparer_demande(w.ctx, w.compte_a, DOSSIER_A)
    assert erreur.value.etat is EtatDossier.EN_INSTRUCTION


def test_preremplissage_idor() -> None:
    """B cannot prepare a request on A's file: Introuvable, as for a missing file."""
    w = monde()
    with pytest.raises(Introuvable):
        preparer_demande(w.ctx, w.compte_b, DOSSIER_A)


# --- submission ----------------------------------------------------------------------------


def test_soumission_recepisse_du_guide() -> None:
    """The first advance gives a receipt with every line of the guide, and one mail."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("5249.40", cle="formulaire-1"))
    assert r.titre == "Récépissé de la demande d'acompte 15/09/2023"
    assert (r.organisme, r.reference_of, r.demandeur, r.reference_opco) == (
        "CFA des Métiers de la Santé",
        "OF-000074",
        "a@cfa-a.fr",
        "2011303654-01",
    )
    assert (r.dispositif, r.intitule_formation, r.numero_action) == (
        "Contrat d'Apprentissage",
        "BTS Diététique",
        DOSSIER_A,
    )
    assert (r.apprenti_nom, r.apprenti_prenom, str(r.apprenti_nir.numero)) == (
        "Martin",
        "Éloïse",
        "295109912611193",
    )
    assert r.financement_accorde == Montant("27497")  # 26 247 + 300 + 500 + 0 + 450
    assert (r.deja_rembourse, r.montant_demande, r.periode) == (
        Montant(0),
        Montant("5249.40"),
        PREMIERE_AVANCE,
    )
    assert (r.pieces_fournies, r.pieces_non_fournies) == (
        (Piece.FACTURE,),
        (Piece.CERTIFICAT_REALISATION,),
    )
    (mail,) = messages(w)
    assert (str(mail.destinataire), mail.modele) == ("a@cfa-a.fr", "recepisse_demande")
    assert mail.contexte["montant"] == "5249.40"
    assert mail.contexte["reference_opco"] == "2011303654-01"
    assert (mail.contexte["debut"], mail.contexte["fin"]) == ("2023-09-01", "2024-02-29")
    assert mail.contexte["demande_id"] == str(r.demande_id)


def test_soumission_enregistre_demande_et_documents() -> None:
    """The request is stored soumise with its documents' metadata and bytes."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("2000", fichiers=(FACTURE, CERTIFICAT)))
    with w.ctx.uow() as uow:
        demande = uow.demandes.obtenir(r.demande_id)
        assert demande is not None
        assert demande.etat is EtatDemande.SOUMISE
        assert demande.siret_organisme == SIRET_A
        assert [p.piece for p in demande.pieces] == [Piece.FACTURE, Piece.CERTIFICAT_REALISATION]
        meta = uow.documents.obtenir(demande.pieces[0].document_id)
    assert meta is not None
    assert (meta.nom_fichier, meta.taille, meta.numero_action) == (
        "facture.pdf",
        len(PDF),
        DOSSIER_A,
    )
    assert meta.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (meta.depose_par, meta.depose_le) == (w.compte_a, instant(2023, 9, 15))
    assert etat_stocke(w) == (1, 2, 2, 1)


def test_a_minuit_et_demi_a_paris_c_est_deja_le_jour_d_ouverture() -> None:
    """At 00:30 in Paris on 01/03/2024 (23:30 UTC the day before), A1-E2 is open and dated."""
    w = monde()
    soumettre_demande(w.ctx, w.compte_a, commande("5249.40"))
    w.m.horloge.instant = dt.datetime(2024, 2, 29, 23, 30, tzinfo=dt.UTC)
    assert w.ctx.aujourd_hui() == dt.date(2024, 3, 1)
    p = preparer_demande(w.ctx, w.compte_a, DOSSIER_A)
    assert (p.ouverte, p.disponible_aujourd_hui) == (True, Montant("3937.05"))
    a1_e2 = Periode(dt.date(2024, 3, 1), dt.date(2024, 5, 31))
    r = soumettre_demande(
        w.ctx, w.compte_a, commande("3937.05", periode=a1_e2, fichiers=(FACTURE, CERTIFICAT))
    )
    assert r.date == dt.date(2024, 3, 1)
    assert r.titre == "Récépissé de la demande d'acompte 01/03/2024"
    assert messages(w)[-1].contexte["date"] == "2024-03-01"
    assert recepisse(w.ctx, w.compte_a, r.demande_id) == r


def test_le_fuseau_horaire_est_un_parametre() -> None:
    """With the OPCO's zone set to UTC, 23:30 UTC on 29/02 is still 29/02: A1-E2 is not open."""
    w = monde(Parametres(fuseau_horaire="UTC"))
    soumettre_demande(w.ctx, w.compte_a, commande("5249.40"))
    w.m.horloge.instant = dt.datetime(2024, 2, 29, 23, 30, tzinfo=dt.UTC)
    a1_e2 = Periode(dt.date(2024, 3, 1), dt.date(2024, 5, 31))
    with pytest.raises(MontantNonOuvert):
        soumettre_demande(
            w.ctx, w.compte_a, commande("3937.05", periode=a1_e2, fichiers=(FACTURE, CERTIFICAT))
        )


@pytest.mark.parametrize("fuseau", ["Mars/Olympus_Mons", "", "../../etc/passwd", 1])
def test_fuseau_horaire_inconnu_refuse(fuseau: str) -> None:
    """An unknown time zone name (or not a name at all) is refused when parameters are built."""
    with pytest.raises(DonneeInvalide) as erreur:
        Parametres(fuseau_horaire=fuseau)
    assert erreur.value.champ == "fuseau_horaire"


def test_deux_demandes_au_meme_instant_ont_chacune_leur_reference() -> None:
    """Two requests at the same instant get -01 and -02, and read back with the same numbers."""
    w = monde()
    premiere = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    seconde = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    assert (premiere.reference_opco, seconde.reference_opco) == ("2011303654-01", "2011303654-02")
    for r in (premiere, seconde):
        assert recepisse(w.ctx, w.compte_a, r.demande_id).reference_opco == r.reference_opco


def test_le_rang_compte_les_demandes_refusees_et_annulees() -> None:
    """A rank once given is never reused: after a cancelled request, the next one is -02."""
    w = monde()
    premiere = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    annuler_demande(w.ctx, w.compte_a, premiere.demande_id)
    seconde = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    assert seconde.reference_opco == "2011303654-02"


def test_deuxieme_demande_reference_et_deja_rembourse() -> None:
    """The second request is "-02" and its receipt counts the first one, paid before it."""
    w = monde()
    premiere = soumettre_demande(w.ctx, w.compte_a, commande("5249.40"))
    payer(w, premiere.demande_id)
    w.m.horloge.instant = instant(2024, 3, 2)
    seconde = soumettre_demande(
        w.ctx,
        w.compte_a,
        commande(
            "3937.05",
            periode=Periode(dt.date(2024, 3, 1), dt.date(2024, 5, 31)),
            fichiers=(FACTURE, CERTIFICAT),
        ),
    )
    assert (seconde.reference_opco, seconde.deja_rembourse) == ("2011303654-02", Montant("5249.40"))
    assert seconde.pieces_non_fournies == ()


def test_recepisse_stable_apres_paiements_ulterieurs() -> None:
    """A receipt downloaded later is the one given at submission, even after later payments."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("5249.40"))
    payer(w, r.demande_id)
    assert recepisse(w.ctx, w.compte_a, r.demande_id) == r


def test_regle_de_gestion_refusee_rien_n_est_ecrit() -> None:
    """A refused rule (certificate missing beyond the first advance) leaves nothing stored."""
    w = monde()
    soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    w.m.horloge.instant = instant(2024, 3, 2)
    avant = etat_stocke(w)
    with pytest.raises(PieceManquante) as erreur:
        soumettre_demande(w.ctx, w.compte_a, commande("5000"))
    assert (erreur.value.piece, erreur.value.code) == (
        Piece.CERTIFICAT_REALISATION,
        "piece_manquante",
    )
    assert etat_stocke(w) == avant


def test_budget_depasse_sur_frais_annexes() -> None:
    """Meals and nights above the 300 € line are refused on their field."""
    w = monde()
    with pytest.raises(BudgetDepasse) as erreur:
        soumettre_demande(w.ctx, w.compte_a, commande("0", repas_nuitees="300.01"))
    assert erreur.value.champ == "repas_nuitees"
    assert erreur.value.categorie is Categorie.REPAS_NUITEES
    assert (erreur.value.demande, erreur.value.disponible) == (Montant("300.01"), Montant(300))
    assert erreur.value.message == (
        "Frais de repas et de nuitées : le montant demandé (300,01 €) dépasse le budget "
        "encore disponible pour cette catégorie (300,00 €)."
    )
    assert etat_stocke(w) == (0, 0, 0, 0)


def test_soumission_par_un_delegataire() -> None:
    """A delegate submits on the delegant's file; the receipt names the file's CFA."""
    w = monde()
    w.m.deleguer(SIRET_A, SIRET_B)
    r = soumettre_demande(w.ctx, w.compte_b, commande("1000"))
    assert (r.organisme, r.demandeur) == ("CFA des Métiers de la Santé", "b@cfa-b.fr")
    with w.ctx.uow() as uow:
        demande = uow.demandes.obtenir(r.demande_id)
    assert demande is not None
    assert demande.siret_organisme == SIRET_B
    assert recepisse(w.ctx, w.compte_a, r.demande_id) == r


def test_recepisse_d_un_cfa_inconnu_ou_sans_reference() -> None:
    """A CFA without OPCO reference is named by its SIRET on the receipt.

    A delegation from an organisme the OPCO has no record of opens nothing: only an
    active delegant's files are visible (docs/security.md).
    """
    w = monde()
    w.m.enregistrer(exemples.action("2011300003", siret_cfa=SIRET_INCONNU))
    w.m.deleguer(SIRET_INCONNU, SIRET_B)
    with pytest.raises(Introuvable):
        soumettre_demande(w.ctx, w.compte_b, commande("1000", numero_action="2011300003"))
    with w.ctx.uow() as uow:
        organisme = uow.organismes.obtenir(SIRET_B)
        assert organisme is not None
        organisme.reference_opco = None
        uow.commit()
    r = soumettre_demande(w.ctx, w.compte_b, commande("1000", numero_action=DOSSIER_B))
    assert (r.organisme, r.reference_of) == ("CFA des Métiers de la Santé", SIRET_B.numero)


# --- documents checks ----------------------------------------------------------------------


def test_document_non_pdf_refuse_par_son_contenu() -> None:
    """A file named .pdf that is not a PDF is refused on its field, before anything is stored."""
    w = monde()
    faux = (Piece.FACTURE, "facture.pdf", b"<html>pas un pdf</html>")
    with pytest.raises(DonneeInvalide) as erreur:
        soumettre_demande(w.ctx, w.compte_a, commande(fichiers=(faux,)))
    assert erreur.value.champ == "facture"
    assert "n'est pas un fichier PDF" in erreur.value.message
    assert etat_stocke(w) == (0, 0, 0, 0)


def test_document_trop_gros() -> None:
    """A document over the per-file limit is refused, the limit given in Mo."""
    w = monde()
    gros = (Piece.CERTIFICAT_REALISATION, "c.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(DonneeInvalide) as erreur:
        soumettre_demande(w.ctx, w.compte_a, commande(fichiers=(FACTURE, gros)))
    assert erreur.value.champ == "certificat_realisation"
    assert "(10 Mo)" in erreur.value.message
    assert etat_stocke(w) == (0, 0, 0, 0)


def test_documents_trop_gros_ensemble() -> None:
    """Documents each within their limit but too large together are refused on "fichiers"."""
    w = monde(Parametres(taille_max_document=100, taille_max_pieces_demande=60))
    with pytest.raises(DonneeInvalide) as erreur:
        soumettre_demande(w.ctx, w.compte_a, commande(fichiers=(FACTURE, CERTIFICAT)))
    assert erreur.value.champ == "fichiers"
    assert "(60 octets)" in erreur.value.message


def test_nom_de_fichier_nettoye_ou_obligatoire() -> None:
    """A path is reduced to its file name; a blank name is refused."""
    w = monde()
    r = soumettre_demande(
        w.ctx, w.compte_a, commande(fichiers=((Piece.FACTURE, "C:\\Users\\x\\fact.pdf", PDF),))
    )
    with w.ctx.uow() as uow:
        demande = uow.demandes.obtenir(r.demande_id)
    assert demande is not None
    assert demande.pieces[0].nom_fichier == "fact.pdf"
    with pytest.raises(DonneeInvalide) as erreur:
        soumettre_demande(w.ctx, w.compte_a, commande(fichiers=((Piece.FACTURE, " /  ", PDF),)))
    assert erreur.value.champ == "facture"


# --- idempotency ---------------------------------------------------------------------------


def test_double_soumission_une_seule_demande_meme_recepisse() -> None:
    """The same idempotency key twice gives one request, one mail and the same receipt."""
    w = monde()
    premier = soumettre_demande(w.ctx, w.compte_a, commande("1000", cle="cle-1"))
    w.m.horloge.avancer(dt.timedelta(seconds=3))
    second = soumettre_demande(w.ctx, w.compte_a, commande("1000", cle="cle-1"))
    assert second == premier
    assert etat_stocke(w) == (1, 1, 1, 1)


def test_cle_reutilisee_pour_une_autre_demande() -> None:
    """A key reused with other amounts is a conflict, and the new bytes are not kept."""
    w = monde()
    soumettre_demande(w.ctx, w.compte_a, commande("1000", cle="cle-1"))
    with pytest.raises(Conflit) as erreur:
        soumettre_demande(w.ctx, w.compte_a, commande("1500", cle="cle-1"))
    assert erreur.value.champ == "cle_idempotence"
    assert etat_stocke(w) == (1, 1, 1, 1)


def test_sans_cle_deux_demandes() -> None:
    """Without a key, two submissions are two requests."""
    w = monde()
    soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    soumettre_demande(w.ctx, w.compte_a, commande("1000", fichiers=(FACTURE, CERTIFICAT)))
    assert etat_stocke(w)[0] == 2


def test_cle_propre_a_chaque_compte() -> None:
    """Two accounts using the same key make two requests."""
    w = monde()
    collegue = w.m.compte_cfa(SIRET_A, "collegue@cfa-a.fr")
    soumettre_demande(w.ctx, w.compte_a, commande("1000", cle="cle-1"))
    soumettre_demande(
        w.ctx, collegue, commande("1000", cle="cle-1", fichiers=(FACTURE, CERTIFICAT))
    )
    assert etat_stocke(w)[0] == 2


# --- atomicity -----------------------------------------------------------------------------


class CommitEnPanne(MemoireUnitOfWork):
    """A unit of work whose commit fails (the database went away)."""

    def commit(self) -> None:
        """Fail."""
        msg = "base indisponible"
        raise RuntimeError(msg)


class _OutboxEnPanne(_Outbox):
    def ajouter(self, message: MessageSortant) -> None:
        msg = f"outbox indisponible ({message.modele})"
        raise RuntimeError(msg)


class OutboxEnPanne(MemoireUnitOfWork):
    """A unit of work whose outbox fails."""

    def __init__(self, stockage: Stockage) -> None:
        """Replace the outbox."""
        super().__init__(stockage)
        self.outbox = _OutboxEnPanne(self)


@pytest.mark.parametrize("uow", [CommitEnPanne, OutboxEnPanne])
def test_panne_apres_depot_rien_n_est_ecrit(uow: type[MemoireUnitOfWork]) -> None:
    """A unit of work failing after the bytes were stored deletes them and writes nothing."""
    w = monde()

    def fabrique(*, lecture_seule: bool = False) -> MemoireUnitOfWork:
        return w.m.stockage.uow(lecture_seule=True) if lecture_seule else uow(w.m.stockage)

    en_panne = attrs.evolve(w.ctx, uow=fabrique)
    with pytest.raises(RuntimeError):
        soumettre_demande(en_panne, w.compte_a, commande("1000", fichiers=(FACTURE, CERTIFICAT)))
    assert etat_stocke(w) == (0, 0, 0, 0)
    assert w.m.documents.contenus == {}


def test_soumissions_concurrentes_ne_depassent_pas_le_budget() -> None:
    """Two parallel requests of 20 000 € on a 26 247 € budget: exactly one is accepted."""
    w = monde(quand=instant(2025, 9, 1))
    depart = threading.Barrier(2)
    resultats: list[str] = []

    def soumettre() -> None:
        depart.wait()
        try:
            soumettre_demande(
                w.ctx,
                w.compte_a,
                commande("20000", periode=CONTRAT, fichiers=(FACTURE, CERTIFICAT)),
            )
            resultats.append("acceptee")
        except BudgetDepasse:
            resultats.append("refusee")

    fils = [threading.Thread(target=soumettre) for _ in range(2)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    assert sorted(resultats) == ["acceptee", "refusee"]
    assert etat_stocke(w)[0] == 1
    assert len(w.m.documents.contenus) == 2


# --- access control (IDOR) -----------------------------------------------------------------


def test_idor_soumission_sur_le_dossier_d_un_autre() -> None:
    """B cannot submit on A's file: Introuvable, and the uploaded bytes are deleted."""
    w = monde()
    with pytest.raises(Introuvable) as erreur:
        soumettre_demande(w.ctx, w.compte_b, commande("1000"))
    assert erreur.value.agregat is Agregat.DOSSIER
    assert etat_stocke(w) == (0, 0, 0, 0)


def test_idor_lectures_d_une_demande_d_un_autre() -> None:
    """B reads none of A's request, receipt, PDF or documents; same answer as unknown ids."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    with w.ctx.uow() as uow:
        demande = uow.demandes.obtenir(r.demande_id)
    assert demande is not None
    document_id = demande.pieces[0].document_id
    for demande_id in (r.demande_id, uuid.UUID(int=12345)):
        for lecture in (recepisse, recepisse_pdf, annuler_demande):
            with pytest.raises(Introuvable) as erreur:
                lecture(w.ctx, w.compte_b, demande_id)
            assert (erreur.value.agregat, erreur.value.identifiant) == (Agregat.DEMANDE, demande_id)
    for doc_id in (document_id, "doc-inconnu"):
        with pytest.raises(Introuvable) as erreur:
            document(w.ctx, w.compte_b, doc_id)
        assert (erreur.value.agregat, erreur.value.identifiant) == (Agregat.DOCUMENT, doc_id)
    assert lister_demandes(w.ctx, w.compte_b).elements == ()
    with w.ctx.uow() as uow:
        intacte = uow.demandes.obtenir(r.demande_id)
    assert intacte is not None
    assert intacte.etat is EtatDemande.SOUMISE


def test_recepisse_pdf_et_document_pour_le_cfa() -> None:
    """A's accounts get the rendered receipt and their documents back, bytes intact."""
    w = monde()
    collegue = w.m.compte_cfa(SIRET_A, "collegue@cfa-a.fr")
    r = soumettre_demande(w.ctx, w.compte_a, commande("1000", fichiers=(FACTURE, CERTIFICAT)))
    rendu = recepisse_pdf(w.ctx, collegue, r.demande_id)
    assert rendu == w.m.rendu.rendre(r)
    assert b"numero_action: 2011303654" in rendu
    with w.ctx.uow() as uow:
        demande = uow.demandes.obtenir(r.demande_id)
    assert demande is not None
    meta, contenu = document(w.ctx, collegue, demande.pieces[1].document_id)
    assert (meta.nom_fichier, contenu) == ("certificat.pdf", CERTIFICAT[2])


# --- "Mes demandes" and cancellation -------------------------------------------------------


def test_mes_demandes_les_plus_recentes_d_abord() -> None:
    """The list shows the visible requests, newest first, paged with the default size."""
    w = monde(Parametres(taille_page=2))
    ids: list[uuid.UUID] = []
    for montant in ("100", "200", "300"):
        fichiers = (FACTURE,) if not ids else (FACTURE, CERTIFICAT)
        ids.append(
            soumettre_demande(w.ctx, w.compte_a, commande(montant, fichiers=fichiers)).demande_id
        )
        w.m.horloge.avancer(dt.timedelta(minutes=1))
    page = lister_demandes(w.ctx, w.compte_a)
    assert [d.id for d in page.elements] == [ids[2], ids[1]]
    assert (page.total, page.taille) == (3, 2)
    assert [d.id for d in lister_demandes(w.ctx, w.compte_a, page=2).elements] == [ids[0]]
    with pytest.raises(DonneeInvalide):
        lister_demandes(w.ctx, w.compte_a, page=0)


def test_annulation_par_le_cfa_libere_le_budget() -> None:
    """The CFA cancels a submitted request: it is recorded and no longer consumes the budget."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    changement = annuler_demande(w.ctx, w.compte_a, r.demande_id, "erreur de saisie")
    assert (changement.arrivee, changement.auteur, changement.motif) == (
        EtatDemande.ANNULEE,
        "a@cfa-a.fr",
        "erreur de saisie",
    )
    detail = consulter_action(w.ctx, w.compte_a, DOSSIER_A)
    assert detail.ligne(Categorie.FRAIS_PEDAGOGIQUES).consomme == Montant(0)


def test_annulation_impossible_une_fois_en_traitement() -> None:
    """A request the OPCO started processing can no longer be cancelled."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    traiter_demande(w.ctx, w.agent, r.demande_id, Decision.PRENDRE_EN_TRAITEMENT)
    with pytest.raises(TransitionInterdite):
        annuler_demande(w.ctx, w.compte_a, r.demande_id)


def test_mes_demandes_filtrees_par_etat_et_numero_d_action() -> None:
    """The list keeps the requests in a state, on files whose number starts with a prefix."""
    autre = "2011309999"
    w = monde()
    w.m.enregistrer(exemples.action(autre))
    premiere = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    w.m.horloge.avancer(dt.timedelta(minutes=1))
    seconde = soumettre_demande(w.ctx, w.compte_a, commande("1000", numero_action=autre))
    annuler_demande(w.ctx, w.compte_a, premiere.demande_id)

    def ids(criteres: CriteresDemandes | None) -> list[uuid.UUID]:
        return [d.id for d in lister_demandes(w.ctx, w.compte_a, criteres).elements]

    assert ids(None) == [seconde.demande_id, premiere.demande_id]
    assert ids(CriteresDemandes(etat=EtatDemande.ANNULEE)) == [premiere.demande_id]
    assert ids(CriteresDemandes(etat=EtatDemande.SOUMISE)) == [seconde.demande_id]
    assert ids(CriteresDemandes(numero_action=" 2011309 ")) == [seconde.demande_id]
    assert ids(CriteresDemandes(numero_action="201130", etat=EtatDemande.PAYEE)) == []
    assert lister_demandes(w.ctx, w.compte_a, CriteresDemandes(numero_action="")).total == 2
    with pytest.raises(DonneeInvalide) as erreur:
        CriteresDemandes(numero_action="2011-30")
    assert erreur.value.champ == "numero_action"
    with pytest.raises(DonneeInvalide) as erreur:
        CriteresDemandes(etat="soumise")  # type: ignore[arg-type]
    assert erreur.value.champ == "etat"


def test_consulter_demande_avec_son_recepisse() -> None:
    """The request's page: the request, its receipt as downloaded, whether it may be cancelled."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    detail = consulter_demande(w.ctx, w.compte_a, r.demande_id)
    assert detail.recepisse == r == recepisse(w.ctx, w.compte_a, r.demande_id)
    assert (detail.demande.id, detail.demande.reference_opco) == (r.demande_id, "2011303654-01")
    assert detail.demande.annulable
    traiter_demande(w.ctx, w.agent, r.demande_id, Decision.PRENDRE_EN_TRAITEMENT)
    assert not consulter_demande(w.ctx, w.compte_a, r.demande_id).demande.annulable
    for demande_id in (r.demande_id, uuid.UUID(int=7)):
        with pytest.raises(Introuvable):
            consulter_demande(w.ctx, w.compte_b, demande_id)


# --- back office ---------------------------------------------------------------------------


def test_traitement_jusqu_au_paiement_avec_mail() -> None:
    """Processing, validation and payment are recorded with the agent; the last two are mailed."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    changements = [
        traiter_demande(w.ctx, w.agent, r.demande_id, decision)
        for decision in (Decision.PRENDRE_EN_TRAITEMENT, Decision.VALIDER, Decision.PAYER)
    ]
    assert [c.arrivee for c in changements] == [
        EtatDemande.EN_TRAITEMENT,
        EtatDemande.VALIDEE,
        EtatDemande.PAYEE,
    ]
    assert {c.auteur for c in changements} == {"agent@opco-sante.fr"}
    assert [(str(m.destinataire), m.modele) for m in messages(w)] == [
        ("a@cfa-a.fr", "recepisse_demande"),
        ("a@cfa-a.fr", "demande_validee"),
        ("a@cfa-a.fr", "demande_payee"),
    ]
    assert messages(w)[-1].contexte["montant"] == "1000.00"
    assert consulter_action(w.ctx, w.compte_a, DOSSIER_A).total_rembourse == Montant(1000)


def test_refus_avec_motif_et_mail() -> None:
    """A refusal records its reason and mails it to the requester."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    changement = traiter_demande(
        w.ctx, w.agent, r.demande_id, Decision.REFUSER, "Facture illisible"
    )
    assert (changement.arrivee, changement.motif) == (EtatDemande.REFUSEE, "Facture illisible")
    mail = messages(w)[-1]
    assert (mail.modele, mail.contexte["motif"]) == ("demande_refusee", "Facture illisible")


def test_refus_sans_motif() -> None:
    """A refusal without a reason is refused and nothing is mailed."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    with pytest.raises(DonneeInvalide):
        traiter_demande(w.ctx, w.agent, r.demande_id, Decision.REFUSER, " ")
    assert len(messages(w)) == 1


def test_paiement_d_une_demande_non_validee_interdit() -> None:
    """Paying a request that was only submitted is refused."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    with pytest.raises(TransitionInterdite):
        traiter_demande(w.ctx, w.agent, r.demande_id, Decision.PAYER)


def test_traitement_reserve_aux_agents_et_demande_inconnue() -> None:
    """A CFA account cannot process its own request; an unknown request is Introuvable."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    with pytest.raises(AccesRefuse):
        traiter_demande(w.ctx, w.compte_a, r.demande_id, Decision.VALIDER)
    with pytest.raises(Introuvable):
        traiter_demande(w.ctx, w.agent, uuid.UUID(int=5), Decision.VALIDER)


def test_pas_de_mail_si_le_demandeur_a_disparu() -> None:
    """A request whose account no longer exists is still processed, without a mail."""
    w = monde()
    r = soumettre_demande(w.ctx, w.compte_a, commande("1000"))
    del w.m.stockage.donnees.comptes[w.compte_a]
    traiter_demande(w.ctx, w.agent, r.demande_id, Decision.REFUSER, "Doublon")
    assert [m.modele for m in messages(w)] == ["recepisse_demande"]


# --- property: no sequence of submissions passes a budget ----------------------------------

BUDGET_SERRE = exemples.budget(
    frais_pedagogiques=Montant(1000),
    hebergement=Montant(50),
    mobilite=Montant(30),
    transport=Montant(0),
    frais_divers=Montant(40),
)


def montants_demandes() -> st.SearchStrategy[MontantsDemandes]:
    """Random non-zero amounts around the tight budget's lines."""

    def centimes(maximum: int) -> st.SearchStrategy[Montant]:
        return st.integers(0, maximum).map(lambda v: Montant(f"{v // 100}.{v % 100:02d}"))

    return (
        st.tuples(centimes(60_000), centimes(6_000), centimes(6_000), centimes(6_000))
        .filter(any)
        .map(lambda lignes: MontantsDemandes.depuis(dict(zip(Categorie, lignes, strict=False))))
    )


operations = st.lists(
    st.one_of(
        st.tuples(st.just("soumettre"), montants_demandes()),
        st.tuples(st.just("refuser"), st.integers(0, 20)),
        st.tuples(st.just("annuler"), st.integers(0, 20)),
    ),
    max_size=12,
)


@given(operations)
def test_aucune_sequence_ne_depasse_un_budget(sequence: list[tuple[str, object]]) -> None:
    """Submissions, refusals and cancellations in any order never pass a category's budget."""
    w = monde(
        quand=instant(2025, 9, 1),
        dossier_a=exemples.action(DOSSIER_A, budget=BUDGET_SERRE),
    )
    vivantes: dict[uuid.UUID, MontantsDemandes] = {}
    for operation, argument in sequence:
        if operation == "soumettre":
            assert isinstance(argument, MontantsDemandes)
            consomme = {c: Montant.somme(m.pour(c) for m in vivantes.values()) for c in Categorie}
            admise = all(argument.pour(c) <= BUDGET_SERRE.pour(c) - consomme[c] for c in Categorie)
            cmd = CommandeDemande(
                numero_action=DOSSIER_A,
                periode=CONTRAT,
                montants=argument,
                fichiers=(FACTURE, CERTIFICAT),
                quantites=QuantitesFraisAnnexes(nombre_repas=1000),
                conditions_acceptees=True,
            )
            try:
                r = soumettre_demande(w.ctx, w.compte_a, cmd)
            except BudgetDepasse:
                assert not admise
                event("refusée : budget dépassé")
            else:
                assert admise
                vivantes[r.demande_id] = argument
                event("acceptée")
        elif vivantes:
            assert isinstance(argument, int)
            cible = sorted(vivantes)[argument % len(vivantes)]
            if operation == "refuser":
                traiter_demande(w.ctx, w.agent, cible, Decision.REFUSER, "contrôle")
            else:
                annuler_demande(w.ctx, w.compte_a, cible)
            del vivantes[cible]
        for ligne in consulter_action(w.ctx, w.compte_a, DOSSIER_A).lignes:
            assert ligne.consomme <= ligne.budget
            assert ligne.consomme == Montant.somme(
                m.pour(ligne.categorie) for m in vivantes.values()
            )
