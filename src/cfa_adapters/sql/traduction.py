"""Pure translation between the aggregates and the rows of :mod:`.tables`.

Why Core with explicit translation rather than SQLAlchemy's imperative mapping: the
aggregates nest many frozen value objects (``Formation`` → ``Periode``, ``Siret`` ...),
which a mapper can only reach through composites and custom types for each of them; the
translation below is shorter, checked by mypy, and keeps the domain ignorant of
SQLAlchemy (no instrumented attributes, no lazy loads behind the domain's back).

Rules:

- ``*_vers_lignes`` turns an aggregate into :class:`Lignes`: its main row, its history
  rows and its other child rows, as plain dicts keyed by column name. The unit of work
  keeps these as the *snapshot* of what the database holds, and compares them at commit.
- ``*_depuis_lignes`` rebuilds the aggregate through its attrs constructor, so every
  value object validates again on load (a corrupted row fails loudly with the domain's
  own message rather than producing an impossible aggregate). The named constructors
  (``Action.recue`` ...) are for *new* aggregates: they add the first history entry and
  cannot rebuild one that lived.
- Amounts travel as ``Decimal``, instants as aware UTC datetimes, enums as their
  ``value``, identifiers in their compact form.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from cfa_domain.action import (
    Action,
    Apprenti,
    Budget,
    Contrat,
    Employeur,
    EtatDossier,
    Formation,
    cle_tri_numero_action,
)
from cfa_domain.cle_api import CleApi, StatutCleApi
from cfa_domain.compte import Compte, Jeton, Role, StatutCompte, TypeJeton
from cfa_domain.etats import Changement
from cfa_domain.organisme import (
    Adresse,
    Civilite,
    Delegation,
    FicheOrganisme,
    Interlocuteur,
    Organisme,
    ReferentielOpco,
    StatutDelegation,
    StatutOrganisme,
    Telephone,
)
from cfa_domain.ports import DocumentMeta, EnregistrementRejete, MessageSortant, MotifRejet
from cfa_domain.remboursement import (
    DemandeRemboursement,
    EtatDemande,
    MontantsDemandes,
    Paiement,
    PieceJointe,
    QuantitesFraisAnnexes,
)
from cfa_domain.values import (
    CodePostal,
    CodeRncp,
    Email,
    Montant,
    Nir,
    NumeroDA,
    NumeroDeca,
    NumeroSia,
    Periode,
    Piece,
    Siret,
    Uai,
    normaliser_recherche,
)

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "Ligne",
    "Lignes",
    "action_depuis_lignes",
    "action_vers_lignes",
    "cle_api_depuis_lignes",
    "cle_api_vers_lignes",
    "compte_depuis_lignes",
    "compte_vers_lignes",
    "delegation_depuis_lignes",
    "delegation_vers_lignes",
    "demande_depuis_lignes",
    "demande_vers_lignes",
    "document_depuis_ligne",
    "document_vers_ligne",
    "instant_depuis_json",
    "message_depuis_ligne",
    "message_vers_ligne",
    "organisme_depuis_lignes",
    "organisme_vers_lignes",
    "rejet_depuis_ligne",
    "rejet_vers_ligne",
]

Ligne = Mapping[Any, Any]
"""A row: column name → value (what ``Row._mapping`` gives and ``insert().values`` takes)."""

E = TypeVar("E", bound=enum.Enum)


@attrs.frozen
class Lignes:
    """An aggregate as rows: the main one, its history entries, its other child rows."""

    principale: Ligne
    historique: tuple[Ligne, ...] = ()
    enfants: tuple[Ligne, ...] = ()


# --- small helpers ------------------------------------------------------------------------


def _enum_ou_none(classe: type[E], valeur: str | None) -> E | None:
    return None if valeur is None else classe(valeur)


def _telephone(valeur: str | None) -> Telephone | None:
    return None if valeur is None else Telephone(valeur)


def _montant(valeur: Decimal) -> Montant:
    return Montant(valeur)


def _historique(lignes: Sequence[Ligne], etats: type[E], colonne: str) -> list[Changement[E]]:
    """Rebuild a history (in rank order) from its rows; ``colonne`` holds the ``auteur``.

    The domain names the actor ``auteur`` in every history; the columns of the first
    schema keep their names (``par`` for organismes, delegations and accounts).
    """
    return [
        Changement(
            quand=ligne["quand"],
            auteur=ligne[colonne],
            depart=_enum_ou_none(etats, ligne["depart"]),
            arrivee=etats(ligne["arrivee"]),
            motif=ligne["motif"],
        )
        for ligne in sorted(lignes, key=lambda ligne: int(ligne["rang"]))
    ]


def _lignes_historique(
    cle: str, valeur: object, historique: Sequence[Changement[Any]], colonne: str
) -> tuple[Ligne, ...]:
    """One row per history entry, keyed by its owner and its rank (``auteur`` in ``colonne``)."""
    return tuple(
        {
            cle: valeur,
            "rang": rang,
            "quand": c.quand,
            colonne: c.auteur,
            "depart": None if c.depart is None else c.depart.value,
            "arrivee": c.arrivee.value,
            "motif": c.motif,
        }
        for rang, c in enumerate(historique)
    )


def _historique_statuts(lignes: Sequence[Ligne], classe: type[E]) -> list[Changement[E]]:
    return _historique(lignes, classe, "par")


def _lignes_statuts(
    cle: str, valeur: object, historique: Sequence[Changement[Any]]
) -> tuple[Ligne, ...]:
    return _lignes_historique(cle, valeur, historique, "par")


# --- Organisme ----------------------------------------------------------------------------


def organisme_vers_lignes(organisme: Organisme) -> Lignes:
    """The organisme's row (sheet and contact flattened) and its status history."""
    fiche, adresse, contact = organisme.fiche, organisme.fiche.adresse, organisme.interlocuteur
    principale = {
        "siret": organisme.siret.numero,
        "statut": organisme.statut.value,
        "reference_opco": organisme.reference_opco,
        "emails_connus": sorted(e.adresse for e in organisme.emails_connus),
        "cree_le": organisme.historique[0].quand if organisme.historique else None,
        "fiche_modifiee_le": organisme.fiche_modifiee_le,
        "fiche_modifiee_par": organisme.fiche_modifiee_par,
        "raison_sociale": fiche.raison_sociale,
        "suite_raison_sociale": fiche.suite_raison_sociale,
        "rue": adresse.rue,
        "suite_rue": adresse.suite_rue,
        "code_postal": adresse.code_postal.code,
        "ville": adresse.ville,
        "telephone": None if fiche.telephone is None else fiche.telephone.numero,
        "email": fiche.email.adresse,
        "intervient_fpc": fiche.intervient_fpc,
        "est_cfa": fiche.est_cfa,
        "numero_da": fiche.numero_da.numero,
        "but_lucratif": fiche.but_lucratif,
        "assujetti_tva": fiche.assujetti_tva,
        "uai": None if fiche.uai is None else fiche.uai.numero,
        "zone_intervention": fiche.zone_intervention,
        "commentaire": fiche.commentaire,
        "interlocuteur_civilite": contact.civilite.value,
        "interlocuteur_nom": contact.nom,
        "interlocuteur_prenom": contact.prenom,
        "interlocuteur_telephone": (
            None if contact.telephone is None else contact.telephone.numero
        ),
        "interlocuteur_email": contact.email.adresse,
        "interlocuteur_fonction": contact.fonction,
        **_referentiel_vers_colonnes(organisme.referentiel),
    }
    historique = _lignes_statuts("siret", organisme.siret.numero, organisme.historique)
    return Lignes(principale, historique)


def _referentiel_vers_colonnes(referentiel: ReferentielOpco | None) -> dict[str, object]:
    if referentiel is None:
        return dict.fromkeys(("referentiel_version", "referentiel_empreinte", "referentiel_emails"))
    return {
        "referentiel_version": referentiel.version,
        "referentiel_empreinte": referentiel.empreinte,
        "referentiel_emails": sorted(e.adresse for e in referentiel.emails),
    }


def _referentiel_depuis_colonnes(ligne: Ligne) -> ReferentielOpco | None:
    if ligne["referentiel_version"] is None:
        return None
    return ReferentielOpco(
        version=ligne["referentiel_version"],
        empreinte=ligne["referentiel_empreinte"],
        emails=frozenset(Email(e) for e in ligne["referentiel_emails"]),
    )


def organisme_depuis_lignes(ligne: Ligne, historique: Sequence[Ligne]) -> Organisme:
    """Rebuild an organisme from its row and its history rows."""
    fiche = FicheOrganisme(
        raison_sociale=ligne["raison_sociale"],
        suite_raison_sociale=ligne["suite_raison_sociale"],
        adresse=Adresse(
            rue=ligne["rue"],
            suite_rue=ligne["suite_rue"],
            code_postal=CodePostal(ligne["code_postal"]),
            ville=ligne["ville"],
        ),
        telephone=_telephone(ligne["telephone"]),
        email=Email(ligne["email"]),
        intervient_fpc=ligne["intervient_fpc"],
        est_cfa=ligne["est_cfa"],
        numero_da=NumeroDA(ligne["numero_da"]),
        but_lucratif=ligne["but_lucratif"],
        assujetti_tva=ligne["assujetti_tva"],
        uai=None if ligne["uai"] is None else Uai(ligne["uai"]),
        zone_intervention=ligne["zone_intervention"],
        commentaire=ligne["commentaire"],
    )
    interlocuteur = Interlocuteur(
        civilite=Civilite(ligne["interlocuteur_civilite"]),
        nom=ligne["interlocuteur_nom"],
        prenom=ligne["interlocuteur_prenom"],
        telephone=_telephone(ligne["interlocuteur_telephone"]),
        email=Email(ligne["interlocuteur_email"]),
        fonction=ligne["interlocuteur_fonction"],
    )
    return Organisme(
        siret=Siret(ligne["siret"]),
        fiche=fiche,
        interlocuteur=interlocuteur,
        statut=StatutOrganisme(ligne["statut"]),
        reference_opco=ligne["reference_opco"],
        emails_connus=frozenset(Email(e) for e in ligne["emails_connus"]),
        historique=_historique_statuts(historique, StatutOrganisme),
        fiche_modifiee_le=ligne["fiche_modifiee_le"],
        fiche_modifiee_par=ligne["fiche_modifiee_par"],
        referentiel=_referentiel_depuis_colonnes(ligne),
    )


# --- Delegation ---------------------------------------------------------------------------


def delegation_vers_lignes(delegation: Delegation) -> Lignes:
    """The delegation's row and its status history."""
    principale = {
        "id": delegation.id,
        "siret_delegant": delegation.siret_delegant.numero,
        "siret_delegataire": delegation.siret_delegataire.numero,
        "nom_etablissement": delegation.nom_etablissement,
        "statut": delegation.statut.value,
        "demandee_par": delegation.demandee_par,
        "demandee_le": delegation.demandee_le,
        "decidee_par": delegation.decidee_par,
        "decidee_le": delegation.decidee_le,
    }
    return Lignes(principale, _lignes_statuts("id", delegation.id, delegation.historique))


def delegation_depuis_lignes(ligne: Ligne, historique: Sequence[Ligne]) -> Delegation:
    """Rebuild a delegation from its row and its history rows."""
    return Delegation(
        id=ligne["id"],
        siret_delegant=Siret(ligne["siret_delegant"]),
        siret_delegataire=Siret(ligne["siret_delegataire"]),
        nom_etablissement=ligne["nom_etablissement"],
        statut=StatutDelegation(ligne["statut"]),
        demandee_par=ligne["demandee_par"],
        demandee_le=ligne["demandee_le"],
        decidee_par=ligne["decidee_par"],
        decidee_le=ligne["decidee_le"],
        historique=_historique_statuts(historique, StatutDelegation),
    )


# --- API key ------------------------------------------------------------------------------


def cle_api_vers_lignes(cle: CleApi) -> Lignes:
    """The key's row (its fingerprint, never its secret) and its status history."""
    principale = {
        "id": cle.id,
        "siret_organisme": cle.siret_organisme.numero,
        "compte_id": cle.compte_id,
        "nom": cle.nom,
        "empreinte": cle.empreinte,
        "statut": cle.statut.value,
        "cree_le": cle.cree_le,
        "derniere_utilisation": cle.derniere_utilisation,
        "expire_le": cle.expire_le,
    }
    return Lignes(principale, _lignes_statuts("id", cle.id, cle.historique))


def cle_api_depuis_lignes(ligne: Ligne, historique: Sequence[Ligne]) -> CleApi:
    """Rebuild a key from its row and its history rows."""
    return CleApi(
        id=ligne["id"],
        siret_organisme=Siret(ligne["siret_organisme"]),
        compte_id=ligne["compte_id"],
        nom=ligne["nom"],
        empreinte=ligne["empreinte"],
        statut=StatutCleApi(ligne["statut"]),
        cree_le=ligne["cree_le"],
        derniere_utilisation=ligne["derniere_utilisation"],
        expire_le=ligne["expire_le"],
        historique=_historique_statuts(historique, StatutCleApi),
    )


# --- Compte -------------------------------------------------------------------------------


def compte_vers_lignes(compte: Compte) -> Lignes:
    """The account's row, its status history and its tokens (child rows)."""
    principale = {
        "id": compte.id,
        "email": compte.email.adresse,
        "siret_organisme": (
            None if compte.siret_organisme is None else compte.siret_organisme.numero
        ),
        "role": compte.role.value,
        "statut": compte.statut.value,
        "hash_mot_de_passe": compte.hash_mot_de_passe,
        "cree_le": compte.cree_le,
        "active_le": compte.active_le,
        "echecs_connexion": compte.echecs_connexion,
        "verrouille_jusqu_a": compte.verrouille_jusqu_a,
        "derniere_connexion": compte.derniere_connexion,
        "generation_session": compte.generation_session,
        "mot_de_passe_change_le": compte.mot_de_passe_change_le,
    }
    jetons = tuple(
        {
            "compte_id": compte.id,
            "rang": rang,
            "type": j.type.value,
            "empreinte": j.empreinte,
            "emis_le": j.emis_le,
            "expire_le": j.expire_le,
            "utilise_le": j.utilise_le,
            "email": None if j.email is None else j.email.adresse,
        }
        for rang, j in enumerate(compte.jetons)
    )
    return Lignes(principale, _lignes_statuts("id", compte.id, compte.historique), jetons)


def compte_depuis_lignes(
    ligne: Ligne, historique: Sequence[Ligne], jetons: Sequence[Ligne]
) -> Compte:
    """Rebuild an account from its row, its history rows and its token rows."""
    return Compte(
        id=ligne["id"],
        email=Email(ligne["email"]),
        siret_organisme=(
            None if ligne["siret_organisme"] is None else Siret(ligne["siret_organisme"])
        ),
        role=Role(ligne["role"]),
        statut=StatutCompte(ligne["statut"]),
        hash_mot_de_passe=ligne["hash_mot_de_passe"],
        cree_le=ligne["cree_le"],
        active_le=ligne["active_le"],
        jetons=[
            Jeton(
                type=TypeJeton(j["type"]),
                empreinte=j["empreinte"],
                emis_le=j["emis_le"],
                expire_le=j["expire_le"],
                utilise_le=j["utilise_le"],
                email=None if j["email"] is None else Email(j["email"]),
            )
            for j in sorted(jetons, key=lambda j: int(j["rang"]))
        ],
        echecs_connexion=ligne["echecs_connexion"],
        verrouille_jusqu_a=ligne["verrouille_jusqu_a"],
        derniere_connexion=ligne["derniere_connexion"],
        generation_session=ligne["generation_session"],
        mot_de_passe_change_le=ligne["mot_de_passe_change_le"],
        historique=_historique_statuts(historique, StatutCompte),
    )


# --- Action -------------------------------------------------------------------------------


def action_vers_lignes(action: Action) -> Lignes:
    """The file's row (blocks flattened, normalised names added) and its state history."""
    formation, contrat, budget = action.formation, action.contrat, action.budget
    apprenti = contrat.apprenti
    principale = {
        "numero_action": action.numero_action,
        "numero_tri": cle_tri_numero_action(action.numero_action),
        "version": action.version,
        "etat": action.etat.value,
        "intitule": formation.intitule,
        "numero_deca": None if formation.numero_deca is None else formation.numero_deca.numero,
        "numero_sia": None if formation.numero_sia is None else formation.numero_sia.numero,
        "date_depot": formation.date_depot,
        "diplome": formation.diplome,
        "code_diplome": formation.code_diplome,
        "niveau_diplome": formation.niveau_diplome,
        "code_rncp": None if formation.code_rncp is None else formation.code_rncp.code,
        "formation_debut": formation.periode.debut,
        "formation_fin": formation.periode.fin,
        "siret_cfa": formation.siret_cfa.numero,
        "type_contrat": contrat.type_contrat,
        "employeur_raison_sociale": contrat.employeur.raison_sociale,
        "employeur_siret": contrat.employeur.siret.numero,
        "contrat_debut": contrat.periode.debut,
        "contrat_fin": contrat.periode.fin,
        "emploi": contrat.emploi,
        "apprenti_nom": apprenti.nom,
        "apprenti_prenom": apprenti.prenom,
        "apprenti_nir": apprenti.nir.numero,
        "apprenti_rqth": apprenti.rqth,
        "date_signature": contrat.date_signature,
        "date_rupture": contrat.date_rupture,
        "nom_recherche": normaliser_recherche(apprenti.nom),
        "prenom_recherche": normaliser_recherche(apprenti.prenom),
        "frais_pedagogiques": budget.frais_pedagogiques.valeur,
        "hebergement": budget.hebergement.valeur,
        "mobilite": budget.mobilite.valeur,
        "transport": budget.transport.valeur,
        "frais_divers": budget.frais_divers.valeur,
        "majoration_handicap": budget.majoration_handicap.valeur,
    }
    historique = _lignes_historique(
        "numero_action", action.numero_action, action.historique, "auteur"
    )
    return Lignes(principale, historique)


@functools.lru_cache(maxsize=4096)
def _siret(numero: str) -> Siret:
    """A SIRET read back, checked once per number (CFAs and employers recur across files).

    A :class:`Siret` is immutable: every file of one CFA may hold the same object.
    """
    return Siret(numero)


def action_depuis_lignes(ligne: Ligne, historique: Sequence[Ligne]) -> Action:
    """Rebuild a file from its row and its history rows."""
    formation = Formation(
        intitule=ligne["intitule"],
        numero_deca=None if ligne["numero_deca"] is None else NumeroDeca(ligne["numero_deca"]),
        date_depot=ligne["date_depot"],
        diplome=ligne["diplome"],
        code_diplome=ligne["code_diplome"],
        niveau_diplome=ligne["niveau_diplome"],
        code_rncp=None if ligne["code_rncp"] is None else CodeRncp(ligne["code_rncp"]),
        periode=Periode(ligne["formation_debut"], ligne["formation_fin"]),
        siret_cfa=_siret(ligne["siret_cfa"]),
        numero_sia=None if ligne["numero_sia"] is None else NumeroSia(ligne["numero_sia"]),
    )
    contrat = Contrat(
        type_contrat=ligne["type_contrat"],
        employeur=Employeur(
            raison_sociale=ligne["employeur_raison_sociale"],
            siret=_siret(ligne["employeur_siret"]),
        ),
        periode=Periode(ligne["contrat_debut"], ligne["contrat_fin"]),
        emploi=ligne["emploi"],
        apprenti=Apprenti(
            nom=ligne["apprenti_nom"],
            prenom=ligne["apprenti_prenom"],
            nir=Nir(ligne["apprenti_nir"]),
            rqth=ligne["apprenti_rqth"],
        ),
        date_signature=ligne["date_signature"],
        date_rupture=ligne["date_rupture"],
    )
    budget = Budget(
        frais_pedagogiques=_montant(ligne["frais_pedagogiques"]),
        hebergement=_montant(ligne["hebergement"]),
        mobilite=_montant(ligne["mobilite"]),
        transport=_montant(ligne["transport"]),
        frais_divers=_montant(ligne["frais_divers"]),
        majoration_handicap=_montant(ligne["majoration_handicap"]),
    )
    return Action(
        numero_action=ligne["numero_action"],
        version=ligne["version"],
        formation=formation,
        contrat=contrat,
        budget=budget,
        etat=EtatDossier(ligne["etat"]),
        historique=_historique(historique, EtatDossier, "auteur"),
    )


# --- DemandeRemboursement -----------------------------------------------------------------


def demande_vers_lignes(demande: DemandeRemboursement) -> Lignes:
    """The request's row (amounts, quantities, documents as JSON) and its state history."""
    montants, quantites, paiement = demande.montants, demande.quantites, demande.paiement
    principale = {
        "id": demande.id,
        "numero_action": demande.numero_action,
        "numero": demande.rang,  # the column of the first schema keeps its name
        "siret_organisme": demande.siret_organisme.numero,
        "compte_id": demande.compte_id,
        "soumise_le": demande.soumise_le,
        "periode_debut": demande.periode.debut,
        "periode_fin": demande.periode.fin,
        "frais_pedagogiques": montants.frais_pedagogiques.valeur,
        "repas_nuitees": montants.repas_nuitees.valeur,
        "frais_divers": montants.frais_divers.valeur,
        "mobilite_internationale": montants.mobilite_internationale.valeur,
        "majoration_handicap": montants.majoration_handicap.valeur,
        "nombre_repas": quantites.nombre_repas,
        "nombre_nuitees": quantites.nombre_nuitees,
        "premier_equipement": quantites.premier_equipement.valeur,
        "pieces": [
            {"piece": p.piece.value, "document_id": p.document_id, "nom_fichier": p.nom_fichier}
            for p in demande.pieces
        ],
        "conditions_acceptees": demande.conditions_acceptees,
        "etat": demande.etat.value,
        "motif_refus": demande.motif_refus,
        "cle_idempotence": demande.cle_idempotence,
        "paye_le": None if paiement is None else paiement.le,
        "montant_paye": None if paiement is None else paiement.montant.valeur,
        "reference_paiement": None if paiement is None else paiement.reference,
    }
    historique = _lignes_historique("id", demande.id, demande.historique, "auteur")
    return Lignes(principale, historique)


def demande_depuis_lignes(ligne: Ligne, historique: Sequence[Ligne]) -> DemandeRemboursement:
    """Rebuild a request from its row and its history rows."""
    return DemandeRemboursement(
        id=ligne["id"],
        numero_action=ligne["numero_action"],
        rang=ligne["numero"],
        siret_organisme=Siret(ligne["siret_organisme"]),
        compte_id=ligne["compte_id"],
        soumise_le=ligne["soumise_le"],
        periode=Periode(ligne["periode_debut"], ligne["periode_fin"]),
        montants=MontantsDemandes(
            frais_pedagogiques=_montant(ligne["frais_pedagogiques"]),
            repas_nuitees=_montant(ligne["repas_nuitees"]),
            frais_divers=_montant(ligne["frais_divers"]),
            mobilite_internationale=_montant(ligne["mobilite_internationale"]),
            majoration_handicap=_montant(ligne["majoration_handicap"]),
        ),
        quantites=QuantitesFraisAnnexes(
            nombre_repas=ligne["nombre_repas"],
            nombre_nuitees=ligne["nombre_nuitees"],
            premier_equipement=_montant(ligne["premier_equipement"]),
        ),
        pieces=tuple(
            PieceJointe(
                piece=Piece(p["piece"]), document_id=p["document_id"], nom_fichier=p["nom_fichier"]
            )
            for p in ligne["pieces"]
        ),
        conditions_acceptees=ligne["conditions_acceptees"],
        etat=EtatDemande(ligne["etat"]),
        motif_refus=ligne["motif_refus"],
        historique=_historique(historique, EtatDemande, "auteur"),
        cle_idempotence=ligne["cle_idempotence"],
        paiement=None
        if ligne["paye_le"] is None
        else Paiement(
            le=ligne["paye_le"],
            montant=_montant(ligne["montant_paye"]),
            reference=ligne["reference_paiement"],
        ),
    )


# --- Records written once: documents, outbox messages, quarantined feed records -----------


def document_vers_ligne(document: DocumentMeta) -> Ligne:
    """A document's metadata as a row."""
    return {
        "id": document.id,
        "nom_fichier": document.nom_fichier,
        "taille": document.taille,
        "sha256": document.sha256,
        "siret_organisme": document.siret_organisme.numero,
        "numero_action": document.numero_action,
        "depose_le": document.depose_le,
        "depose_par": document.depose_par,
    }


def document_depuis_ligne(ligne: Ligne) -> DocumentMeta:
    """Rebuild a document's metadata."""
    return DocumentMeta(
        id=ligne["id"],
        nom_fichier=ligne["nom_fichier"],
        taille=ligne["taille"],
        sha256=ligne["sha256"],
        siret_organisme=Siret(ligne["siret_organisme"]),
        numero_action=ligne["numero_action"],
        depose_le=ligne["depose_le"],
        depose_par=ligne["depose_par"],
    )


def message_vers_ligne(message: MessageSortant) -> Ligne:
    """An outbox message as a row, not sent yet."""
    return {
        "id": message.id,
        "destinataire": message.destinataire.adresse,
        "modele": message.modele,
        "contexte": dict(message.contexte),
        "cree_le": message.cree_le,
        "envoye_le": None,
        "tentatives": 0,
        "prochain_essai_le": None,
        "derniere_erreur": None,
        "etat": "a_envoyer",
    }


def message_depuis_ligne(ligne: Ligne) -> MessageSortant:
    """Rebuild an outbox message."""
    return MessageSortant(
        id=ligne["id"] if isinstance(ligne["id"], uuid.UUID) else uuid.UUID(ligne["id"]),
        destinataire=Email(ligne["destinataire"]),
        modele=ligne["modele"],
        contexte={str(k): str(v) for k, v in ligne["contexte"].items()},
        cree_le=ligne["cree_le"],
    )


def rejet_vers_ligne(rejet: EnregistrementRejete) -> Ligne:
    """A quarantined feed record as a row."""
    return {
        "cle": rejet.cle,
        "brut": rejet.brut,
        "motif": rejet.motif.value,
        "detail": rejet.detail,
        "rejete_le": rejet.rejete_le,
        "regle_le": rejet.regle_le,
        "ecarte_par": rejet.regle_par,
        "motif_ecart": rejet.motif_ecart,
    }


def rejet_depuis_ligne(ligne: Ligne) -> EnregistrementRejete:
    """Rebuild a quarantined feed record."""
    return EnregistrementRejete(
        cle=ligne["cle"],
        brut=ligne["brut"],
        motif=MotifRejet(ligne["motif"]),
        detail=ligne["detail"],
        rejete_le=ligne["rejete_le"],
        regle_le=ligne["regle_le"],
        regle_par=ligne["ecarte_par"],
        motif_ecart=ligne["motif_ecart"],
    )


def instant_depuis_json(valeur: str) -> dt.datetime:
    """An instant serialised by the database's JSON functions, as an aware UTC datetime."""
    instant = dt.datetime.fromisoformat(valeur)
    return instant.replace(tzinfo=dt.UTC) if instant.tzinfo is None else instant.astimezone(dt.UTC)
