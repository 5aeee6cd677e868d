"""Seeded generator of realistic platform data, for the persistence benchmark.

``generer(nombre_dossiers, graine)`` returns organismes (valid SIRETs, about 250 files
each), delegations (some active), and, batch by batch, files (actions) in every state,
with signing dates spread over every payment regime (2019 → reprise de stock, 2020,
2021-mid-2025, from July 2025), apprentices with accented French names, DECA numbers,
and their reimbursement requests in every state. Everything is built through the domain
classes, so every value is valid; the same seed gives the same data.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from cfa_domain.action import (
    Action,
    Apprenti,
    Budget,
    ChangementEtat,
    Contrat,
    Employeur,
    EtatDossier,
    Formation,
)
from cfa_domain.organisme import (
    Adresse,
    Civilite,
    Delegation,
    FicheOrganisme,
    Interlocuteur,
    Organisme,
    Telephone,
)
from cfa_domain.remboursement import (
    ChangementEtatDemande,
    DemandeRemboursement,
    EtatDemande,
    MontantsDemandes,
    QuantitesFraisAnnexes,
)
from cfa_domain.testing import exemples
from cfa_domain.values import (
    CodePostal,
    Email,
    Montant,
    Nir,
    NumeroDA,
    NumeroDeca,
    NumeroSia,
    Periode,
    Siret,
    Uai,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

_NOMS = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel "
    "Lefèvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine "
    "Rousseau Vincent Müller Lefebvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier "
    "François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu "
    "Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun "
    "Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche "
    "Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas "
    "Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq Guillaume "
    "Lecomte López Jean Dupuy Guillot Hubert Berger Carpentier Sánchez Dupuis Moulin Louis "
    "Deschamps "
    "Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris Poirier Marty Aubry Guyot "
    "Carré Charles Renault Charpentier Ménard Maillard Baron Bertin Bailly Hervé Schneider "
    "Fernández Le Gall Collet Léger Bouvier Julien Prévost Millet Perrot Daniel Le Roux Cousin "
    "Germain Breton Besson Langlois Rémy Le Goff Pelletier Lévêque Perrier Leblanc Barré Lebrun "
    "Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodríguez Guichard Gillet Étienne "
    "Grondin Poulain Tessier Chevallier Collin Chauvin Da Silva Bouchet Gay Lemaître Bénard "
    "Maréchal Humbert Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon Lejeune Gilbert "
    "Lamy Delaunay Pasquier Carlier Laporte O'Neil"
)
NOMS = tuple(_NOMS.split())
_PRENOMS = (
    "Éloïse Hugo Inès Léo Chloé Lucas Zoé Gabriel Léa Raphaël Manon Louis Jade Arthur Louise Jules "
    "Emma Adam Alice Maël Lina Noah Rose Paul Anna Nathan Ambre Sacha Mila Tom Julia Théo Lou "
    "Mathis "
    "Léna Ethan Agathe Timéo Juliette Nolan Camille Victor Clément Margaux Maxime Célia Noé "
    "Anaïs Baptiste Héloïse Gaël Océane Jérémy Maëlys Loïc Aurélie Valentin Émilie Bastien"
)
PRENOMS = tuple(_PRENOMS.split())
INTITULES = (
    ("BTS Diététique", "BTS diététique", 5),
    ("CAP Cuisine", "CAP cuisine", 3),
    ("BP Boulanger", "Brevet professionnel boulanger", 4),
    ("Licence pro Métiers du numérique", "Licence professionnelle", 6),
    ("Master Management", "Master", 7),
    ("Bac pro Commerce", "Baccalauréat professionnel", 4),
)
DEPARTEMENTS = ("075", "069", "013", "033", "059", "02A", "974", "031", "044", "067")
#: (probability weight, state) of a file
ETATS = (
    (6, EtatDossier.EN_COURS),
    (1, EtatDossier.RECU),
    (1, EtatDossier.EN_INSTRUCTION),
    (1, EtatDossier.EN_ATTENTE),
    (1, EtatDossier.REFUSE),
    (1, EtatDossier.ROMPU),
    (1, EtatDossier.SOLDE),
    (1, EtatDossier.ANNULE),
    (1, EtatDossier.SUPPRIME),
)
CHEMINS = {
    EtatDossier.RECU: (),
    EtatDossier.EN_INSTRUCTION: (EtatDossier.EN_INSTRUCTION,),
    EtatDossier.EN_ATTENTE: (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_ATTENTE),
    EtatDossier.EN_COURS: (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS),
    EtatDossier.REFUSE: (EtatDossier.EN_INSTRUCTION, EtatDossier.REFUSE),
    EtatDossier.ROMPU: (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS, EtatDossier.ROMPU),
    EtatDossier.SOLDE: (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS, EtatDossier.SOLDE),
    EtatDossier.ANNULE: (EtatDossier.ANNULE,),
    EtatDossier.SUPPRIME: (EtatDossier.SUPPRIME,),
}
CHEMINS_DEMANDE = (
    (EtatDemande.SOUMISE,),
    (EtatDemande.SOUMISE, EtatDemande.EN_TRAITEMENT),
    (EtatDemande.SOUMISE, EtatDemande.EN_TRAITEMENT, EtatDemande.VALIDEE),
    (EtatDemande.SOUMISE, EtatDemande.EN_TRAITEMENT, EtatDemande.VALIDEE, EtatDemande.PAYEE),
    (EtatDemande.SOUMISE, EtatDemande.EN_TRAITEMENT, EtatDemande.VALIDEE, EtatDemande.PAYEE),
    (EtatDemande.SOUMISE, EtatDemande.REFUSEE),
    (EtatDemande.SOUMISE, EtatDemande.ANNULEE),
)
FICHIERS_PAR_ORGANISME = 250


def siret(alea: random.Random) -> Siret:
    """A valid SIRET (valid SIREN, valid SIRET)."""
    return exemples.siret(alea.randrange(10**7, 10**8), alea.randrange(1, 10**4))


def nir(alea: random.Random) -> Nir:
    """A valid social security number."""
    return exemples.nir(
        f"{alea.choice('12')}{alea.randrange(0, 100):02d}{alea.randrange(1, 13):02d}"
        f"{alea.randrange(1, 96):02d}{alea.randrange(1, 990):03d}{alea.randrange(1, 1000):03d}"
    )


@attrs.frozen
class Jeu:
    """Generated data: organismes, delegations, and the files in batches."""

    organismes: tuple[Organisme, ...]
    delegations: tuple[Delegation, ...]
    nombre_dossiers: int
    graine: int
    premier_rang: int = 0
    """Rank of the first file: its action number is ``2000000000 + rang`` (two sets of files
    with disjoint ranks go into one base)."""

    def lots(self, taille: int = 5000) -> Iterator[tuple[list[Action], list[DemandeRemboursement]]]:
        """Files and their requests, ``taille`` files at a time (same data for one seed)."""
        alea = random.Random(self.graine + 1)
        employeurs = [Employeur(f"Entreprise {i}", siret(alea)) for i in range(200)]
        nirs = [nir(alea) for i in range(500)]
        poids = [p for p, _ in ETATS]
        etats = [e for _, e in ETATS]
        fin = self.premier_rang + self.nombre_dossiers
        for debut in range(self.premier_rang, fin, taille):
            actions: list[Action] = []
            demandes: list[DemandeRemboursement] = []
            for rang in range(debut, min(debut + taille, fin)):
                action = _dossier(
                    alea,
                    rang=rang,
                    organismes=self.organismes,
                    employeurs=employeurs,
                    nirs=nirs,
                    poids=poids,
                    etats=etats,
                )
                actions.append(action)
                demandes.extend(_demandes(alea, action))
            yield actions, demandes


def _dossier(
    alea: random.Random,
    *,
    rang: int,
    organismes: tuple[Organisme, ...],
    employeurs: list[Employeur],
    nirs: list[Nir],
    poids: list[int],
    etats: list[EtatDossier],
) -> Action:
    signature = dt.date(2019, 1, 1) + dt.timedelta(days=alea.randrange(0, 7 * 365))
    debut = signature + dt.timedelta(days=alea.randrange(5, 60))
    fin = debut + dt.timedelta(days=alea.choice((364, 729, 1094)))
    intitule, diplome, niveau = alea.choice(INTITULES)
    etat = alea.choices(etats, poids)[0]
    enregistrement = (
        f"{alea.choice(DEPARTEMENTS)}{signature.year}{signature.month:02d}"
        f"{alea.randrange(0, 100):02d}{alea.randrange(0, 10000):04d}"
        if alea.random() < 0.8  # noqa: PLR2004 - a fifth of the files are not registered yet
        else None
    )
    # One registered file in 20 is a public-sector contract, registered at the SIA (decided
    # by rank, so the seeded draws stay those of the earlier figures).
    sia = enregistrement is not None and rang % 20 == 0
    quand = dt.datetime.combine(debut, dt.time(9), tzinfo=dt.UTC)
    historique = [ChangementEtat(quand, "Webservice", None, EtatDossier.RECU, "Dossier transmis")]
    depart = EtatDossier.RECU
    for pas, arrivee in enumerate(CHEMINS[etat], start=1):
        historique.append(
            ChangementEtat(quand + dt.timedelta(days=pas), "conseiller", depart, arrivee, "motif")
        )
        depart = arrivee
    organisme = organismes[alea.randrange(len(organismes))]
    annuel = Decimal(alea.randrange(4000, 12000))
    return Action(
        numero_action=f"{2_000_000_000 + rang}",
        version=1,
        formation=Formation(
            intitule=intitule,
            numero_deca=None if enregistrement is None or sia else NumeroDeca(enregistrement),
            numero_sia=NumeroSia(enregistrement) if enregistrement is not None and sia else None,
            date_depot=signature,
            diplome=diplome,
            code_diplome="32033104",
            niveau_diplome=niveau,
            code_rncp=None,
            periode=Periode(debut, fin),
            siret_cfa=organisme.siret,
        ),
        contrat=Contrat(
            type_contrat="Contrat d'apprentissage initial",
            employeur=alea.choice(employeurs),
            periode=Periode(debut, fin),
            emploi="Apprenti",
            apprenti=Apprenti(alea.choice(NOMS), alea.choice(PRENOMS), alea.choice(nirs)),
            date_signature=signature,
            date_rupture=fin - dt.timedelta(days=30) if etat is EtatDossier.ROMPU else None,
        ),
        budget=Budget(
            frais_pedagogiques=Montant(annuel * ((fin - debut).days + 1) // 365),
            hebergement=Montant(alea.choice((0, 500, 1000))),
            mobilite=Montant(alea.choice((0, 0, 500))),
            transport=Montant(0),
            frais_divers=Montant(alea.choice((0, 500))),
        ),
        etat=etat,
        historique=historique,
    )


def _demandes(alea: random.Random, action: Action) -> list[DemandeRemboursement]:
    if action.etat not in {EtatDossier.EN_COURS, EtatDossier.ROMPU, EtatDossier.SOLDE}:
        return []
    part = Montant.arrondi(action.budget.frais_pedagogiques.valeur / 4)
    if not part:
        return []
    resultat = []
    debut = action.contrat.periode.debut
    for numero in range(alea.randrange(0, 4)):
        quand = dt.datetime.combine(
            debut + dt.timedelta(days=30 + 120 * numero), dt.time(10), tzinfo=dt.UTC
        )
        chemin = alea.choice(CHEMINS_DEMANDE)
        historique = [ChangementEtatDemande(quand, "cfa", None, chemin[0])]
        for pas, (depart, arrivee) in enumerate(itertools.pairwise(chemin), start=1):
            motif = "pièce illisible" if arrivee is EtatDemande.REFUSEE else ""
            historique.append(
                ChangementEtatDemande(
                    quand + dt.timedelta(days=pas), "agent", depart, arrivee, motif
                )
            )
        resultat.append(
            DemandeRemboursement(
                id=uuid.UUID(int=alea.getrandbits(128), version=4),
                numero_action=action.numero_action,
                rang=numero + 1,
                siret_organisme=action.siret_cfa,
                compte_id=uuid.UUID(int=alea.getrandbits(128), version=4),
                soumise_le=quand,
                periode=Periode(debut, debut + dt.timedelta(days=29)),
                montants=MontantsDemandes(part, Montant(0), Montant(0), Montant(0)),
                quantites=QuantitesFraisAnnexes(),
                pieces=exemples.PIECES,
                conditions_acceptees=True,
                etat=chemin[-1],
                motif_refus="pièce illisible" if chemin[-1] is EtatDemande.REFUSEE else None,
                historique=historique,
            )
        )
    return resultat


def generer(nombre_dossiers: int, graine: int = 20250901) -> Jeu:
    """Organismes (about 250 files each), delegations, and the files to come in batches."""
    alea = random.Random(graine)
    nombre_organismes = max(4, nombre_dossiers // FICHIERS_PAR_ORGANISME)
    organismes: list[Organisme] = []
    vus: set[Siret] = set()
    quand = dt.datetime(2018, 1, 1, tzinfo=dt.UTC)
    while len(organismes) < nombre_organismes:
        numero = siret(alea)
        if numero in vus:
            continue
        vus.add(numero)
        rang = len(organismes)
        organismes.append(
            Organisme.connu(
                siret=numero,
                fiche=FicheOrganisme(
                    raison_sociale=f"CFA {alea.choice(NOMS)} {rang}",
                    adresse=Adresse(
                        rue=f"{rang} rue des Écoles", code_postal=CodePostal("75005"), ville="Paris"
                    ),
                    telephone=Telephone("0149681010"),
                    email=Email(f"contact{rang}@cfa{rang}.fr"),
                    intervient_fpc=True,
                    est_cfa=True,
                    numero_da=NumeroDA(f"{11750000000 + rang}"),
                    but_lucratif=False,
                    assujetti_tva=True,
                    uai=Uai("0750001" + Uai.lettre_de_controle("0750001")),
                    zone_intervention="France",
                ),
                interlocuteur=Interlocuteur(
                    civilite=Civilite.MME,
                    nom=alea.choice(NOMS),
                    prenom=alea.choice(PRENOMS),
                    email=Email(f"direction{rang}@cfa{rang}.fr"),
                    fonction="Directrice",
                ),
                quand=quand,
                auteur="flux OPCO",
            )
        )
    delegations = []
    for rang in range(0, nombre_organismes - 2, 10):
        for delegant in organismes[rang + 1 : rang + 3]:
            delegation = Delegation.demander(
                id=uuid.UUID(int=alea.getrandbits(128), version=4),
                siret_delegant=delegant.siret,
                siret_delegataire=organismes[rang].siret,
                nom_etablissement=delegant.nom,
                demandee_par=uuid.UUID(int=alea.getrandbits(128), version=4),
                quand=quand,
            )
            delegation.approuver("agent", quand)
            delegations.append(delegation)
    return Jeu(tuple(organismes), tuple(delegations), nombre_dossiers, graine)
