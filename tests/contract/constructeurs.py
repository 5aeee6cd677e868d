"""Small builders of valid aggregates for the contract suites (no I/O)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import attrs

from cfa_domain.action import Action, EtatDossier
from cfa_domain.organisme import (
    Delegation,
    FicheOrganisme,
    Interlocuteur,
    Organisme,
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
from cfa_domain.testing import exemples
from cfa_domain.values import (
    Email,
    Montant,
    NumeroDeca,
    NumeroSia,
    Periode,
    Piece,
    Siret,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cfa_domain.compte import Compte

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
    """The test kit's information sheet, with this address."""
    return exemples.fiche(email=Email(email))


def interlocuteur(email: str = "claire.durand@cfa-exemple.fr") -> Interlocuteur:
    """The test kit's contact person, with this address (on the organisme's file)."""
    return exemples.interlocuteur(email=Email(email))


def organisme(siret: Siret = SIRET_A, quand: dt.datetime = QUAND) -> Organisme:
    """An organisme the OPCO knows (active)."""
    return exemples.organisme(siret, fiche=fiche(), interlocuteur=interlocuteur(), quand=quand)


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
    return exemples.compte(
        email, chez=org or organisme(), quand=quand, id=compte_id or uuid.uuid4()
    )


def compte_actif(
    email: str = "claire.durand@cfa-exemple.fr",
    org: Organisme | None = None,
    compte_id: uuid.UUID | None = None,
) -> Compte:
    """A CFA account (approved by an agent if its address is not on file), activated."""
    return exemples.compte_actif(
        email, chez=org or organisme(), quand=QUAND, id=compte_id or uuid.uuid4()
    )


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
    sia: str | None = None,
    budget: Montant = BUDGET_PEDAGOGIQUE,
    rqth: bool = False,
    majoration: Montant | None = None,
    etat: EtatDossier = EtatDossier.EN_COURS,
    depot: dt.date = dt.date(2024, 8, 20),
) -> Action:
    """The test kit's file on a two-year contract from September 2024, moved to ``etat``."""
    return exemples.action(
        numero,
        etat=etat,
        siret_cfa=siret_cfa,
        formation=exemples.formation(
            numero_deca=None if deca is None else NumeroDeca(deca),
            date_depot=depot,
            periode=Periode(dt.date(2024, 9, 2), dt.date(2026, 6, 30)),
            numero_sia=None if sia is None else NumeroSia(sia),
        ),
        contrat=exemples.contrat(
            periode=CONTRAT,
            apprenti=exemples.apprenti(nom=nom, prenom=prenom, rqth=rqth),
            date_signature=dt.date(2024, 8, 15),
        ),
        budget=exemples.budget(
            frais_pedagogiques=budget,
            hebergement=Montant(1000),
            mobilite=Montant(800),
            transport=Montant(100),
            frais_divers=Montant(600),
            majoration_handicap=majoration or Montant(0),
        ),
        quand=QUAND - dt.timedelta(days=365),
    )


@attrs.frozen
class _Annee:
    """A contract year reduced to its rank and period."""

    numero: int
    periode: Periode


@attrs.frozen
class _Avance:
    periode: Periode
    montant: Montant


@attrs.frozen
class CalendrierOuvert:
    """A schedule where everything is opened: only the budget limits the requests."""

    premiere_avance: _Avance = _Avance(CONTRAT, Montant(10_000_000))
    annees: tuple[_Annee, ...] = (_Annee(1, CONTRAT),)
    npec: Montant = BUDGET_PEDAGOGIQUE

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
    majoration: Montant | None = None,
) -> DemandeRemboursement:
    """Submit a request on ``sur`` through the domain's rules (whole contract period)."""
    return DemandeRemboursement.soumettre(
        FormulaireDemande(
            periode=Periode(dt.date(2024, 9, 2), dt.date(2025, 2, 28)),
            montants=MontantsDemandes(
                pedagogie,
                repas or Montant(0),
                majoration_handicap=majoration or Montant(0),
            ),
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
