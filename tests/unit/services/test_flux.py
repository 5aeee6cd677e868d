"""The upstream feed: idempotent upsert by version, state moves, quarantine, resumable sync."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfa_domain.action import EtatDossier
from cfa_domain.compte import Compte, TypeJeton
from cfa_domain.errors import DonneeInvalide, ModificationConcurrente, Panne, ServiceIndisponible
from cfa_domain.ports import DossierFlux, EnregistrementIllisible, MotifRejet
from cfa_domain.remboursement import (
    FormulaireDemande,
    MontantsDemandes,
    PieceJointe,
    Soumission,
)
from cfa_domain.services.actions import AUTEUR_WEBSERVICE
from cfa_domain.services.flux import (
    Bilan,
    ResultatApplication,
    appliquer_dossier,
    brut,
    synchroniser,
)
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import Memoire, MemoireSourceFlux, MemoireUnitOfWork, memoire
from cfa_domain.values import Categorie, Email, Montant, NumeroSia, Periode, Piece

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from cfa_domain.action import Action
    from cfa_domain.ports import EnregistrementRejete
    from cfa_domain.services.contexte import Contexte
    from cfa_domain.testing.fakes import Stockage

R = ResultatApplication
NUMERO = "2011303654"


def dossier(
    version: int = 1,
    *,
    numero_action: str = NUMERO,
    etat: EtatDossier | None = None,
    pedagogie: str = "26247",
    rupture: dt.date | None = None,
) -> DossierFlux:
    """A feed record of the guide's file, with a pedagogical budget and an optional rupture."""
    return DossierFlux(
        numero_action=numero_action,
        version=version,
        formation=exemples.formation(),
        contrat=exemples.contrat(date_rupture=rupture),
        budget=exemples.budget(frais_pedagogiques=Montant(pedagogie)),
        etat=etat,
    )


def fichier(m: Memoire, numero_action: str = NUMERO) -> Action | None:
    """The stored file, or None."""
    with m.contexte.uow() as uow:
        return uow.actions.obtenir(numero_action)


def quarantaine(m: Memoire) -> Sequence[EnregistrementRejete]:
    """The quarantine journal."""
    with m.contexte.uow() as uow:
        return uow.quarantaine.lister()


def curseur(m: Memoire, source: str = "memoire") -> str | None:
    """The stored cursor of a source."""
    with m.contexte.uow() as uow:
        return uow.quarantaine.curseur(source)


def avec_compte_cfa(m: Memoire) -> None:
    """Register the file's CFA with one active account (to receive mails)."""
    quand = m.horloge.maintenant()
    with m.contexte.uow() as uow:
        organisme = exemples.organisme(emails_connus=(Email("a@cfa-a.fr"),))
        uow.organismes.ajouter(organisme)
        compte = Compte.ouvrir(
            id=uuid.UUID(int=1),
            email=Email("a@cfa-a.fr"),
            organisme=organisme,
            mot_de_passe="Girafe-Bleue-Lune-42",
            quand=quand,
            hasher=m.hacheur,
        )
        secret = m.jetons.jeton()
        compte.emettre_jeton(TypeJeton.ACTIVATION, secret, quand)
        compte.activer(secret, quand)
        uow.comptes.ajouter(compte)
        uow.commit()


# --- one record ----------------------------------------------------------------------------


def test_nouveau_dossier_cree_recu() -> None:
    """An unknown action number creates the file, state reçu, recorded as the Webservice's."""
    m = memoire()
    assert appliquer_dossier(m.contexte, dossier()) is R.CREE
    action = fichier(m)
    assert action is not None
    assert (action.version, action.etat) == (1, EtatDossier.RECU)
    assert action.budget.frais_pedagogiques == Montant("26247")
    assert [c.auteur for c in action.historique] == [AUTEUR_WEBSERVICE]
    assert action.historique[0].quand == exemples.INSTANT


def test_meme_enregistrement_deux_fois_inchange() -> None:
    """Replaying the same record changes nothing."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier(etat=EtatDossier.EN_INSTRUCTION))
    avant = fichier(m)
    assert appliquer_dossier(m.contexte, dossier(etat=EtatDossier.EN_INSTRUCTION)) is R.INCHANGE
    apres = fichier(m)
    assert avant is not None
    assert apres is not None
    assert attrs.asdict(apres) == attrs.asdict(avant)
    assert quarantaine(m) == ()


def test_version_plus_recente_mise_a_jour() -> None:
    """A newer version replaces the budget."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier())
    assert appliquer_dossier(m.contexte, dossier(2, pedagogie="24000")) is R.MIS_A_JOUR
    action = fichier(m)
    assert action is not None
    assert (action.version, action.budget.frais_pedagogiques) == (2, Montant("24000"))


@pytest.mark.parametrize(
    ("rejoue", "extrait"),
    [
        (dossier(1, pedagogie="24000"), "n'est pas plus récente que la version 2"),
        (dossier(2, pedagogie="25000"), "la version 2 reçue n'est pas plus récente"),
    ],
)
def test_enregistrement_contradictoire_mis_en_quarantaine(
    rejoue: DossierFlux, extrait: str
) -> None:
    """An older version, or the same version with other data, is quarantined; the file stays."""
    m = memoire()
    m.horloge.instant = dt.datetime(2025, 9, 2, 8, 0, tzinfo=dt.UTC)
    appliquer_dossier(m.contexte, dossier(2, pedagogie="24000"))
    assert appliquer_dossier(m.contexte, rejoue) is R.REJETE
    action = fichier(m)
    assert action is not None
    assert (action.version, action.budget.frais_pedagogiques) == (2, Montant("24000"))
    (rejet,) = quarantaine(m)
    assert (rejet.cle, rejet.motif, rejet.rejete_le) == (
        rejoue.cle,
        MotifRejet.CONTRADICTOIRE,
        m.horloge.instant,
    )
    assert extrait in rejet.detail
    recu = json.loads(rejet.brut)
    assert (recu["numero_action"], recu["version"]) == (NUMERO, rejoue.version)
    assert recu["budget"]["frais_pedagogiques"] == {
        "valeur": rejoue.budget.frais_pedagogiques.valeur.to_eng_string()
    }


def _avec_une_demande(m: Memoire) -> uuid.UUID:
    """Store the file en cours (version 1) with one request of its CFA; return the request."""
    appliquer_dossier(m.contexte, dossier(etat=EtatDossier.EN_INSTRUCTION))
    appliquer_dossier(m.contexte, dossier(2, etat=EtatDossier.EN_COURS))
    action = fichier(m)
    assert action is not None
    demande = action.admettre_demande(
        FormulaireDemande(
            periode=Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29)),
            montants=MontantsDemandes.depuis({Categorie.FRAIS_PEDAGOGIQUES: Montant(1000)}),
            pieces=[PieceJointe(Piece.FACTURE, "doc-1", "facture.pdf")],
            conditions_acceptees=True,
        ),
        Soumission(
            demande_id=uuid.UUID(int=99),
            compte_id=uuid.UUID(int=1),
            siret_organisme=action.siret_cfa,
            auteur="a@cfa-a.fr",
            quand=m.horloge.maintenant(),
            le=m.contexte.aujourd_hui(),
        ),
        [],
    )
    with m.contexte.uow() as uow:
        uow.demandes.ajouter(demande)
        uow.commit()
    return demande.id


def test_changement_de_cfa_d_un_dossier_avec_demandes_en_quarantaine() -> None:
    """A newer version moving a file with requests to another CFA is quarantined, not applied."""
    m = memoire()
    _avec_une_demande(m)
    avant = fichier(m)
    assert avant is not None
    autre_cfa = attrs.evolve(
        dossier(3), formation=exemples.formation(siret_cfa=exemples.SIRET_CFA_2)
    )
    assert appliquer_dossier(m.contexte, autre_cfa) is R.REJETE
    apres = fichier(m)
    assert apres is not None
    assert attrs.asdict(apres) == attrs.asdict(avant)
    assert (apres.version, apres.siret_cfa) == (2, exemples.SIRET_CFA)
    (rejet,) = quarantaine(m)
    assert (rejet.cle, rejet.motif) == (f"{NUMERO}@3", MotifRejet.CONTRADICTOIRE)
    assert "change le CFA bénéficiaire" in rejet.detail
    assert "1 demande(s) de remboursement" in rejet.detail
    assert "Un conseiller de l'OPCO doit traiter ce changement" in rejet.detail
    assert appliquer_dossier(m.contexte, autre_cfa) is R.REJETE
    assert len(quarantaine(m)) == 1


def test_meme_cfa_avec_demandes_mise_a_jour_normale() -> None:
    """A newer version keeping the CFA of a file with requests applies as usual."""
    m = memoire()
    _avec_une_demande(m)
    assert appliquer_dossier(m.contexte, dossier(3, pedagogie="24000")) is R.MIS_A_JOUR
    assert quarantaine(m) == ()


def test_changement_de_cfa_sans_demande_applique() -> None:
    """A file without requests may move to another CFA through a newer version."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier())
    autre_cfa = attrs.evolve(
        dossier(2), formation=exemples.formation(siret_cfa=exemples.SIRET_CFA_2)
    )
    assert appliquer_dossier(m.contexte, autre_cfa) is R.MIS_A_JOUR
    action = fichier(m)
    assert action is not None
    assert action.siret_cfa == exemples.SIRET_CFA_2


def test_brut_lisible() -> None:
    """The quarantine copy is JSON with dates, amounts and states as text."""
    recu = json.loads(brut(dossier(etat=EtatDossier.EN_COURS)))
    assert recu["etat"] == "en_cours"
    assert recu["contrat"]["date_signature"] == "2023-08-15"
    assert recu["contrat"]["apprenti"]["nom"] == "Martin"
    assert recu["budget"]["hebergement"] == {"valeur": "300.00"}


def test_dossier_public_d_un_apprenti_rqth() -> None:
    """A public-sector file (SIA) of an apprentice with RQTH comes through the feed whole.

    A newer version engaging the uplift without RQTH is quarantined, nothing of it applied.
    """
    m = memoire()
    sia = NumeroSia("075202309000456")
    enregistrement = attrs.evolve(
        dossier(),
        formation=exemples.formation(numero_deca=None, numero_sia=sia),
        contrat=exemples.contrat(apprenti=exemples.apprenti(rqth=True)),
        budget=exemples.budget(majoration_handicap=Montant(8000)),
    )
    assert appliquer_dossier(m.contexte, enregistrement) is R.CREE
    action = fichier(m)
    assert action is not None
    assert action.formation.numero_enregistrement == sia
    assert (action.contrat.apprenti.rqth, action.budget.majoration_handicap) == (
        True,
        Montant(8000),
    )
    recu = json.loads(brut(enregistrement))
    assert recu["contrat"]["apprenti"]["rqth"] is True
    assert recu["formation"]["numero_sia"] == {"numero": "075202309000456"}
    assert recu["budget"]["majoration_handicap"] == {"valeur": "8000.00"}
    sans_rqth = attrs.evolve(enregistrement, version=2, contrat=exemples.contrat())
    assert appliquer_dossier(m.contexte, sans_rqth) is R.REJETE
    apres = fichier(m)
    assert apres is not None
    assert (apres.version, apres.contrat.apprenti.rqth) == (1, True)
    assert [r.cle for r in quarantaine(m)] == [sans_rqth.cle]


def test_brut_refuse_un_type_inconnu() -> None:
    """A value the JSON copy does not know is a programming error, not silently dropped."""
    with pytest.raises(TypeError):
        brut(attrs.evolve(dossier(), etat=object()))  # type: ignore[arg-type]  # the wrong type is the point


# --- states --------------------------------------------------------------------------------


def test_nouveau_dossier_avec_etat() -> None:
    """A new file reported en instruction is created and moved there in one go."""
    m = memoire()
    assert appliquer_dossier(m.contexte, dossier(etat=EtatDossier.EN_INSTRUCTION)) is R.CREE
    action = fichier(m)
    assert action is not None
    assert action.etat is EtatDossier.EN_INSTRUCTION
    assert action.historique[-1].motif == "État transmis par le Webservice (version 1)"


def test_accord_par_le_flux_previent_le_cfa() -> None:
    """A newer version reporting en cours moves the file and mails the CFA's accounts."""
    m = memoire()
    avec_compte_cfa(m)
    appliquer_dossier(m.contexte, dossier(etat=EtatDossier.EN_INSTRUCTION))
    assert appliquer_dossier(m.contexte, dossier(2, etat=EtatDossier.EN_COURS)) is R.MIS_A_JOUR
    action = fichier(m)
    assert action is not None
    assert (action.etat, action.historique[-1].auteur) == (EtatDossier.EN_COURS, AUTEUR_WEBSERVICE)
    (mail,) = m.stockage.messages
    assert (str(mail.destinataire), mail.modele) == ("a@cfa-a.fr", "dossier_accorde")


def test_etat_absent_ou_identique_ne_change_rien() -> None:
    """A record without a state, or with the file's state, changes nothing."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier(etat=EtatDossier.EN_INSTRUCTION))
    assert appliquer_dossier(m.contexte, dossier()) is R.INCHANGE
    action = fichier(m)
    assert action is not None
    assert action.etat is EtatDossier.EN_INSTRUCTION


def test_meme_version_autre_etat_contradictoire() -> None:
    """A state change under the version already stored is contradictory: it needs a version."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier(etat=EtatDossier.EN_INSTRUCTION))
    assert appliquer_dossier(m.contexte, dossier(etat=EtatDossier.EN_ATTENTE)) is R.REJETE
    action = fichier(m)
    assert action is not None
    assert action.etat is EtatDossier.EN_INSTRUCTION
    (rejet,) = quarantaine(m)
    assert rejet.detail.startswith(
        "Dossier 2011303654 : la version 1, enregistrée à l'état « en instruction », est "
        "transmise à l'état « en attente »."
    )


def test_enregistrement_deja_en_quarantaine_ni_applique_ni_journalise() -> None:
    """A quarantined record received again is settled by a person: not applied, not logged again."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier(etat=EtatDossier.RECU))
    tardif = dossier(3, etat=EtatDossier.EN_COURS)
    assert appliquer_dossier(m.contexte, tardif) is R.REJETE
    appliquer_dossier(m.contexte, dossier(1, etat=EtatDossier.RECU))
    synchroniser(m.contexte, MemoireSourceFlux([dossier(2, etat=EtatDossier.EN_INSTRUCTION)]))
    assert appliquer_dossier(m.contexte, tardif) is R.REJETE
    action = fichier(m)
    assert action is not None
    assert (action.version, action.etat) == (2, EtatDossier.EN_INSTRUCTION)
    assert [r.cle for r in quarantaine(m)] == [tardif.cle]


def test_illisible_recu_deux_fois_journalise_une_fois() -> None:
    """An unreadable record read twice (two sources) is quarantined once."""
    m = memoire()
    for nom in ("a", "b"):
        bilan = synchroniser(m.contexte, MemoireSourceFlux([illisible(1)], nom=nom))
        assert bilan == Bilan(rejetes=1, curseur="1")
    assert len(quarantaine(m)) == 1


def test_transition_interdite_rien_n_est_applique() -> None:
    """A newer version with a forbidden state is quarantined whole: its budget is not applied."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier(etat=EtatDossier.EN_INSTRUCTION))
    assert (
        appliquer_dossier(m.contexte, dossier(2, pedagogie="1000", etat=EtatDossier.SOLDE))
        is R.REJETE
    )
    action = fichier(m)
    assert action is not None
    assert (action.version, action.etat) == (1, EtatDossier.EN_INSTRUCTION)
    assert action.budget.frais_pedagogiques == Montant("26247")
    (rejet,) = quarantaine(m)
    assert "« en instruction » à l'état « soldé »" in rejet.detail


def test_nouveau_dossier_avec_etat_inatteignable_pas_cree() -> None:
    """A new file reported soldé cannot get there from reçu: quarantined, not created."""
    m = memoire()
    assert appliquer_dossier(m.contexte, dossier(etat=EtatDossier.SOLDE)) is R.REJETE
    assert fichier(m) is None


def test_rupture_par_le_flux() -> None:
    """A newer version carrying a rupture date and the state rompu cuts the contract."""
    m = memoire()
    for version, etat in enumerate((EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS), 1):
        appliquer_dossier(m.contexte, dossier(version, etat=etat))
    rompu = dossier(3, etat=EtatDossier.ROMPU, rupture=dt.date(2024, 6, 30))
    assert appliquer_dossier(m.contexte, rompu) is R.MIS_A_JOUR
    action = fichier(m)
    assert action is not None
    assert (action.etat, action.date_rupture, action.version) == (
        EtatDossier.ROMPU,
        dt.date(2024, 6, 30),
        3,
    )


def test_rompu_sans_date_de_rupture_quarantaine() -> None:
    """A file reported rompu without a rupture date is contradictory."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier(1, etat=EtatDossier.EN_INSTRUCTION))
    appliquer_dossier(m.contexte, dossier(2, etat=EtatDossier.EN_COURS))
    assert appliquer_dossier(m.contexte, dossier(3, etat=EtatDossier.ROMPU)) is R.REJETE
    action = fichier(m)
    assert action is not None
    assert (action.etat, action.version) == (EtatDossier.EN_COURS, 2)
    (rejet,) = quarantaine(m)
    assert "sans date de rupture" in rejet.detail


# --- synchronisation -----------------------------------------------------------------------


def illisible(rang: int) -> EnregistrementIllisible:
    """A record the edge could not structure."""
    return EnregistrementIllisible(cle=f"ligne-{rang}", brut="{numero: ???", detail="JSON invalide")


def test_synchroniser_compte_et_avance_le_curseur() -> None:
    """A run applies every record, counts each result and stores the cursor."""
    m = memoire()
    source = MemoireSourceFlux(
        [
            dossier(),
            dossier(numero_action="2011300002"),
            dossier(),
            dossier(2, pedagogie="20000"),
            illisible(5),
            dossier(1, pedagogie="1"),
        ]
    )
    bilan = synchroniser(m.contexte, source)
    assert bilan == Bilan(crees=2, mis_a_jour=1, inchanges=1, rejetes=2, curseur="6")
    assert bilan.total == 6
    assert curseur(m) == "6"
    motifs = [(r.cle, r.motif) for r in quarantaine(m)]
    assert motifs == [("ligne-5", MotifRejet.ILLISIBLE), (f"{NUMERO}@1", MotifRejet.CONTRADICTOIRE)]
    assert quarantaine(m)[0].brut == "{numero: ???"
    assert quarantaine(m)[0].detail == "JSON invalide"


def test_relancer_ne_relit_que_la_suite() -> None:
    """A second run reads nothing already handled; new records are read from the cursor."""
    m = memoire()
    source = MemoireSourceFlux([dossier()])
    synchroniser(m.contexte, source)
    assert synchroniser(m.contexte, source) == Bilan(curseur="1")
    source.enregistrements.append(dossier(2, pedagogie="20000"))
    assert synchroniser(m.contexte, source) == Bilan(mis_a_jour=1, curseur="2")


@attrs.define
class SourceQuiCasse:
    """A source that fails after ``apres`` records (a network cut)."""

    interne: MemoireSourceFlux
    apres: int
    nom: str = "memoire"

    def lire(
        self, depuis: str | None
    ) -> Iterator[tuple[str, DossierFlux | EnregistrementIllisible]]:
        """Yield ``apres`` records, then fail."""
        for rang, paire in enumerate(self.interne.lire(depuis)):
            if rang == self.apres:
                msg = "connexion interrompue"
                raise ConnectionError(msg)
            yield paire


def enregistrements() -> list[DossierFlux | EnregistrementIllisible]:
    """Five records over three files."""
    return [
        dossier(),
        dossier(numero_action="2011300002"),
        illisible(3),
        dossier(2, pedagogie="20000"),
        dossier(numero_action="2011300003", etat=EtatDossier.EN_INSTRUCTION),
    ]


def etat(stockage: Stockage) -> object:
    """What the feed changes: the files, the quarantine and the cursors."""
    donnees = stockage.donnees
    return (
        {n: attrs.asdict(a) for n, a in donnees.actions.items()},
        [(r.cle, r.motif, r.brut) for r in donnees.quarantaine],
        dict(donnees.curseurs),
    )


def test_reprise_apres_une_coupure_de_la_source() -> None:
    """A run cut after two records keeps them; the next run resumes at the third, as if uncut."""
    m = memoire()
    with pytest.raises(ConnectionError):
        synchroniser(m.contexte, SourceQuiCasse(MemoireSourceFlux(enregistrements()), apres=2))
    assert curseur(m) == "2"
    assert fichier(m, "2011300002") is not None
    bilan = synchroniser(m.contexte, MemoireSourceFlux(enregistrements()))
    assert bilan == Bilan(crees=1, mis_a_jour=1, rejetes=1, curseur="5")
    temoin = memoire()
    synchroniser(temoin.contexte, MemoireSourceFlux(enregistrements()))
    assert etat(m.stockage) == etat(temoin.stockage)


class CommitQuiCasse(MemoireUnitOfWork):
    """A unit of work that fails at commit once the store holds ``limite`` files."""

    limite = 2

    def commit(self) -> None:
        """Fail when a third file would be committed."""
        if len(self.travail().actions) > self.limite:
            msg = "disque plein"
            raise OSError(msg)
        super().commit()


def test_reprise_apres_un_echec_de_commit() -> None:
    """A record whose commit fails leaves neither its file nor a cursor past it."""
    m = memoire()

    def fabrique(*, lecture_seule: bool = False) -> MemoireUnitOfWork:
        return m.stockage.uow(lecture_seule=True) if lecture_seule else CommitQuiCasse(m.stockage)

    en_panne = attrs.evolve(m.contexte, uow=fabrique)
    with pytest.raises(OSError, match="disque plein"):
        synchroniser(en_panne, MemoireSourceFlux(enregistrements()))
    assert curseur(m) == "4"
    assert fichier(m, "2011300003") is None
    assert synchroniser(m.contexte, MemoireSourceFlux(enregistrements())) == Bilan(
        crees=1, curseur="5"
    )


# --- property: applying any list twice is applying it once ---------------------------------

enregistrement_aleatoire = st.one_of(
    st.builds(
        dossier,
        version=st.integers(1, 3),
        numero_action=st.sampled_from(["2011300001", "2011300002"]),
        etat=st.none() | st.sampled_from(EtatDossier),
        pedagogie=st.sampled_from(["26247", "20000"]),
        rupture=st.none() | st.just(dt.date(2024, 6, 30)),
    ),
    st.integers(1, 3).map(illisible),
)


def journal(stockage: Stockage) -> list[tuple[str, MotifRejet, str]]:
    """The quarantine journal without timestamps."""
    return [(r.cle, r.motif, r.brut) for r in stockage.donnees.quarantaine]


@given(st.lists(enregistrement_aleatoire, max_size=12))
def test_appliquer_deux_fois_egale_appliquer_une_fois(
    liste: list[DossierFlux | EnregistrementIllisible],
) -> None:
    """Applying any list of records twice leaves the files as once; the journal settles."""
    m = memoire()
    source = MemoireSourceFlux(list(liste))
    synchroniser(m.contexte, source)
    une_fois = {n: attrs.asdict(a) for n, a in m.stockage.donnees.actions.items()}
    deuxieme = synchroniser(m.contexte, attrs.evolve(source, nom="rejeu"))
    assert deuxieme.crees == deuxieme.mis_a_jour == 0
    assert {n: attrs.asdict(a) for n, a in m.stockage.donnees.actions.items()} == une_fois
    apres_deux = journal(m.stockage)
    synchroniser(m.contexte, attrs.evolve(source, nom="rejeu-2"))
    assert journal(m.stockage) == apres_deux


# --- one bad record never stops the feed -------------------------------------------------


def _contexte_qui_refuse(m: Memoire, erreur: Exception) -> Contexte:
    """``m``'s context, whose commits raise ``erreur`` once they would store file 2011300002."""

    class Refus(MemoireUnitOfWork):
        def commit(self) -> None:
            if "2011300002" in self.travail().actions:
                raise erreur
            super().commit()

    def fabrique(*, lecture_seule: bool = False) -> MemoireUnitOfWork:
        return m.stockage.uow(lecture_seule=True) if lecture_seule else Refus(m.stockage)

    return attrs.evolve(m.contexte, uow=fabrique)


def test_commit_refusant_les_donnees_met_en_quarantaine() -> None:
    """A commit refusing the record's data (not the infrastructure) quarantines the record."""
    m = memoire()
    ctx = _contexte_qui_refuse(m, DonneeInvalide("Une donnée saisie est trop longue."))
    bilan = synchroniser(ctx, MemoireSourceFlux(enregistrements()))
    assert bilan == Bilan(crees=2, mis_a_jour=1, rejetes=2, curseur="5")
    assert fichier(m, "2011300002") is None
    assert next((r.cle, r.detail) for r in quarantaine(m)) == (
        "2011300002@1",
        "Une donnée saisie est trop longue.",
    )
    # The same record received again is already in quarantine: neither applied nor logged.
    assert appliquer_dossier(ctx, dossier(numero_action="2011300002")) is R.REJETE
    assert len(quarantaine(m)) == 2


@pytest.mark.parametrize(
    "erreur",
    [OSError("disque plein"), ServiceIndisponible(Panne.CONNEXION), ModificationConcurrente()],
)
def test_commit_en_panne_arrete_le_flux(erreur: Exception) -> None:
    """A failure of the infrastructure or a concurrent change stops the run, to be resumed."""
    m = memoire()
    with pytest.raises(type(erreur)):
        synchroniser(_contexte_qui_refuse(m, erreur), MemoireSourceFlux(enregistrements()))
    assert curseur(m) == "1"
    assert quarantaine(m) == ()


def test_erreur_inattendue_mise_en_quarantaine_et_journalisee(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Any exception applying a record quarantines it with its reason, and is logged."""
    m = memoire()

    def echeancier_casse(_action: Action, *_args: object) -> None:
        msg = "panne imprévue"
        raise RuntimeError(msg)

    monkeypatch.setattr("cfa_domain.action.Action.echeancier", echeancier_casse)
    assert appliquer_dossier(m.contexte, dossier()) is R.REJETE
    assert fichier(m) is None
    (rejet,) = quarantaine(m)
    assert rejet.detail == (
        "Erreur inattendue en appliquant l'enregistrement : RuntimeError('panne imprévue')"
    )
    assert "panne imprévue" in caplog.text


@pytest.mark.parametrize(
    "erreur", [ServiceIndisponible(Panne.CONNEXION), ModificationConcurrente()]
)
def test_panne_en_lisant_arrete_le_flux(monkeypatch: pytest.MonkeyPatch, erreur: Exception) -> None:
    """The infrastructure failing while a record is applied is not the record's fault."""
    m = memoire()

    def en_panne(_depot: object, _numero_action: str) -> None:
        raise erreur

    monkeypatch.setattr("cfa_domain.testing.fakes._Actions.obtenir_pour_mise_a_jour", en_panne)
    with pytest.raises(type(erreur)):
        synchroniser(m.contexte, MemoireSourceFlux([dossier()]))
    assert (curseur(m), quarantaine(m)) == (None, ())


@pytest.mark.parametrize(
    ("recu", "detail"),
    [
        (dossier(2**63), "La version 9223372036854775808 est hors limites"),
        (dossier(-(2**63) - 1), "La version -9223372036854775809 est hors limites"),
        (
            attrs.evolve(dossier(), numero_action="20113\ud8000"),
            "Le champ « numero_action » contient un caractère",
        ),
    ],
)
def test_enregistrement_non_enregistrable_en_quarantaine(recu: DossierFlux, detail: str) -> None:
    """What no database stores is refused before anything is applied, the copy escaped."""
    m = memoire()
    assert appliquer_dossier(m.contexte, recu) is R.REJETE
    (rejet,) = quarantaine(m)
    assert rejet.detail.startswith(detail)
    assert "\ud800" not in rejet.cle + rejet.brut + rejet.detail
    assert json.loads(rejet.brut)["numero_action"] == recu.numero_action


def test_echeancier_incalculable_en_quarantaine() -> None:
    """A contract ending in 9999 has no schedule: the file is not stored."""
    m = memoire()
    contrat = exemples.contrat()
    fin = dt.date(9999, 12, 31)
    recu = attrs.evolve(
        dossier(), contrat=attrs.evolve(contrat, periode=Periode(contrat.periode.debut, fin))
    )
    assert appliquer_dossier(m.contexte, recu) is R.REJETE
    assert fichier(m) is None
    (rejet,) = quarantaine(m)
    assert rejet.detail == (
        f"Dossier {NUMERO} : l'échéancier du contrat du 01/09/2023 au 31/12/9999 ne peut pas "
        "être calculé ; le dossier n'est pas enregistré."
    )


def test_cle_trop_longue_coupee() -> None:
    """The quarantine keeps at most 255 characters of a key (the journal's column)."""
    m = memoire()
    synchroniser(m.contexte, MemoireSourceFlux([EnregistrementIllisible("k" * 300, "x", "y")]))
    (rejet,) = quarantaine(m)
    assert rejet.cle == "k" * 255
