"""Small builders of valid aggregates for the contract suites (no I/O)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import attrs

from cfa_domain.action import Action, Apprenti, Budget, Contrat, Employeur, EtatDossier, Formation
from cfa_domain.compte import Compte, StatutCompte, TypeJeton
from cfa_domain.organisme import (
    Adresse,
    Civilite,
    Delegation,
    FicheOrganisme,
    Interlocuteur,
    Organisme,
    Telephone,
)
from cfa_domain.ports import DocumentMeta, MessageSortant
from cfa_domain.remboursement import (
    DemandeRemboursement,
    FormulaireDemande,
    MontantsDemandes,
    PieceJointe,
    QuantitesFraisAnnexes,
    Soumission,
)
from cfa_domain.testing.fakes import HacheurMemoire
from cfa_domain.values import (
    CodePostal,
    Email,
    Montant,
    Nir,
    NumeroDA,
    NumeroDeca,
    Periode,
    Piece,
    Siret,
    Uai,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

SIRET_A = Siret("85403311500015")
SIRET_B = Siret("73282932000074")
SIRET_C = Siret("35600000000048")
QUAND = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)
MOT_DE_PASSE = "Cheval-Correct-Agrafe-9"
CONTRAT = Periode(dt.date(2024, 9, 2), dt.date(2026, 8, 31))
BUDGET_PEDAGOGIQUE = Montant(12000)


def instant(minutes: int) -> dt.datetime:
    """``QUAND`` plus a number of minutes (distinct, ordered instants)."""
    return QUAND + dt.timedelta(minutes=minutes)


def fiche(email: str = "contact@cfa-exemple.fr") -> FicheOrganisme:
    """A complete information sheet of a CFA."""
    return FicheOrganisme(
        raison_sociale="CFA des Métiers de Bouche",
        adresse=Adresse(rue="12 rue de la Paix", code_postal=CodePostal("75002"), ville="Paris"),
        telephone=Telephone("01 49 68 10 10"),
        email=Email(email),
        intervient_fpc=True,
        est_cfa=True,
        numero_da=NumeroDA("11755555575"),
        but_lucratif=False,
        assujetti_tva=True,
        uai=Uai("0750001" + Uai.lettre_de_controle("0750001")),
        zone_intervention="Île-de-France",
    )


def interlocuteur(email: str = "claire.durand@cfa-exemple.fr") -> Interlocuteur:
    """The contact person."""
    return Interlocuteur(
        civilite=Civilite.MME,
        nom="Durand",
        prenom="Claire",
        telephone=Telephone("+33 6 12 34 56 78"),
        email=Email(email),
        fonction="Directrice",
    )


def organisme(siret: Siret = SIRET_A, quand: dt.datetime = QUAND) -> Organisme:
    """An organisme the OPCO knows (active)."""
    return Organisme.connu(
        siret=siret,
        fiche=fiche(),
        interlocuteur=interlocuteur(),
        quand=quand,
        auteur="flux OPCO",
        reference_opco="OF-001",
    )


def organisme_soumis(siret: Siret = SIRET_B, quand: dt.datetime = QUAND) -> Organisme:
    """An information sheet awaiting an OPCO agent."""
    return Organisme.fiche_soumise(
        siret=siret, fiche=fiche(), interlocuteur=interlocuteur(), quand=quand
    )


def compte(
    email: str = "claire.durand@cfa-exemple.fr",
    org: Organisme | None = None,
    quand: dt.datetime = QUAND,
    compte_id: uuid.UUID | None = None,
) -> Compte:
    """A CFA account opened on an active organisme."""
    return Compte.ouvrir(
        id=compte_id or uuid.uuid4(),
        email=Email(email),
        organisme=org or organisme(),
        mot_de_passe=MOT_DE_PASSE,
        quand=quand,
        hasher=HacheurMemoire(),
    )


def compte_actif(
    email: str = "claire.durand@cfa-exemple.fr",
    org: Organisme | None = None,
    compte_id: uuid.UUID | None = None,
) -> Compte:
    """A CFA account (approved by an agent if its address is not on file), activated."""
    cree = compte(email, org, QUAND, compte_id)
    if cree.statut is StatutCompte.EN_ATTENTE_APPROBATION:
        cree.approuver("conseiller@opco.example", QUAND)
    secret = "s" * 43
    cree.emettre_jeton(TypeJeton.ACTIVATION, secret, QUAND)
    cree.activer(secret, QUAND)
    return cree


def pdf(texte: str) -> bytes:
    """The bytes of an uploaded PDF (the use case checks the ``%PDF-`` signature only)."""
    return f"%PDF-1.7\n{texte}\n%%EOF\n".encode()


def delegation(
    delegant: Siret = SIRET_B, delegataire: Siret = SIRET_A, quand: dt.datetime = QUAND
) -> Delegation:
    """A delegation request from ``delegataire`` on ``delegant``'s files."""
    return Delegation.demander(
        id=uuid.uuid4(),
        siret_delegant=delegant,
        siret_delegataire=delegataire,
        nom_etablissement="CFA du Nord",
        demandee_par=uuid.uuid4(),
        quand=quand,
    )


def action(
    numero: str = "2011303654",
    siret_cfa: Siret = SIRET_A,
    *,
    nom: str = "Martin",
    prenom: str = "Éloïse",
    deca: str | None = None,
    budget: Montant = BUDGET_PEDAGOGIQUE,
    etat: EtatDossier = EtatDossier.EN_COURS,
    depot: dt.date = dt.date(2024, 8, 20),
) -> Action:
    """A two-year file received from the feed, then moved to ``etat`` (en cours by default)."""
    nouvelle = Action.recue(
        numero_action=numero,
        version=1,
        formation=Formation(
            intitule="BTS Diététique",
            numero_deca=None if deca is None else NumeroDeca(deca),
            date_depot=depot,
            diplome="BTS diététique",
            code_diplome="32033104",
            niveau_diplome=5,
            code_rncp=None,
            periode=Periode(dt.date(2024, 9, 2), dt.date(2026, 6, 30)),
            siret_cfa=siret_cfa,
        ),
        contrat=Contrat(
            type_contrat="Contrat d'apprentissage initial",
            employeur=Employeur("Clinique des Lilas", Siret("42110064500967")),
            periode=CONTRAT,
            emploi="Diététicien",
            apprenti=Apprenti(nom, prenom, Nir("295109912611193")),
            date_signature=dt.date(2024, 8, 15),
        ),
        budget=Budget(
            frais_pedagogiques=budget,
            hebergement=Montant(1000),
            mobilite=Montant(800),
            transport=Montant(100),
            frais_divers=Montant(600),
        ),
        quand=QUAND - dt.timedelta(days=365),
    )
    chemin = {
        EtatDossier.RECU: (),
        EtatDossier.EN_INSTRUCTION: (EtatDossier.EN_INSTRUCTION,),
        EtatDossier.EN_ATTENTE: (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_ATTENTE),
        EtatDossier.EN_COURS: (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS),
        EtatDossier.ANNULE: (EtatDossier.ANNULE,),
    }[etat]
    for rang, arrivee in enumerate(chemin):
        nouvelle.changer_etat(arrivee, auteur="conseiller", quand=instant(-1000 + rang))
    return nouvelle


@attrs.frozen
class _Avance:
    periode: Periode
    montant: Montant


@attrs.frozen
class CalendrierOuvert:
    """A schedule where everything is opened: only the budget limits the requests."""

    premiere_avance: _Avance = _Avance(CONTRAT, Montant(10_000_000))

    def disponible_au(self, _le: dt.date, deja_demande: Montant) -> Montant:
        """Ten million euros minus what was asked."""
        return Montant(10_000_000) - deja_demande

    def prochaine_ouverture(self, _le: dt.date) -> dt.date | None:
        """Nothing left to open."""
        return None


PIECES = (
    PieceJointe(Piece.FACTURE, "doc-1", "facture.pdf"),
    PieceJointe(Piece.CERTIFICAT_REALISATION, "doc-2", "certificat.pdf"),
)


def soumettre(
    sur: Action,
    demandes: Sequence[DemandeRemboursement],
    pedagogie: Montant,
    *,
    compte_id: uuid.UUID | None = None,
    quand: dt.datetime = QUAND,
    cle: str | None = None,
    repas: Montant | None = None,
) -> DemandeRemboursement:
    """Submit a request on ``sur`` through the domain's rules (whole contract period)."""
    return DemandeRemboursement.soumettre(
        FormulaireDemande(
            periode=Periode(dt.date(2024, 9, 2), dt.date(2025, 2, 28)),
            montants=MontantsDemandes(pedagogie, repas or Montant(0), Montant(0), Montant(0)),
            quantites=QuantitesFraisAnnexes(nombre_repas=100),
            pieces=PIECES,
            conditions_acceptees=True,
        ),
        Soumission(
            demande_id=uuid.uuid4(),
            compte_id=compte_id or uuid.uuid4(),
            siret_organisme=sur.siret_cfa,
            auteur="claire.durand@cfa-exemple.fr",
            quand=quand,
            le=quand.date(),
            cle_idempotence=cle,
        ),
        action=sur,
        demandes=demandes,
        calendrier=CalendrierOuvert(),
    )


def document(document_id: str = "doc-000001-abcdef", numero: str = "2011303654") -> DocumentMeta:
    """The metadata of an uploaded invoice."""
    return DocumentMeta(
        id=document_id,
        nom_fichier="facture-septembre.pdf",
        taille=48_213,
        sha256="a" * 64,
        siret_organisme=SIRET_A,
        numero_action=numero,
        depose_le=QUAND,
        depose_par=uuid.UUID(int=7),
    )


def message(modele: str = "demande_recue", quand: dt.datetime = QUAND) -> MessageSortant:
    """A mail to send."""
    return MessageSortant(
        id=uuid.uuid4(),
        destinataire=Email("claire.durand@cfa-exemple.fr"),
        modele=modele,
        contexte={"numero_action": "2011303654", "montant": "1 200,00 €"},
        cree_le=quand,
    )


def champs(agregat: object) -> dict[str, object]:
    """An aggregate's fields (entities compare by identity; tests compare their values)."""
    return attrs.asdict(agregat, recurse=False)  # type: ignore[arg-type]  # attrs instances
