"""Demo data, loaded on the first start of ``cfa-web demo``.

Everything goes through the same paths as production: the files arrive through the
feed's import path, recorded as a run of the feed
(:func:`cfa_domain.services.suivi_flux.synchroniser_et_noter`, one record per version, the
states the OPCO's back office reports), the requests through the CFA's use
cases with real PDF documents, and the agents' decisions through the back office's use
cases. Two CFAs, an OPCO agent, a couple of hundred files in every state and payment
regime, requests in every state. Deterministic: the same seed gives the same data,
relative to the day it is loaded (contracts run around today, so installments are open).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Final

import attrs
from fpdf import FPDF

from cfa_domain.action import Apprenti, Budget, Contrat, Employeur, EtatDossier, Formation
from cfa_domain.compte import Compte, TypeJeton
from cfa_domain.errors import ErreurDomaine
from cfa_domain.ports import DossierFlux
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.services import actions, demandes, suivi_flux
from cfa_domain.services.demandes import CommandeDemande, Decision
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import MemoireSourceFlux
from cfa_domain.values import CodeRncp, Email, Montant, NumeroDeca, Periode, Piece, Siret

if TYPE_CHECKING:
    from cfa_domain.organisme import Organisme
    from cfa_domain.services.contexte import Contexte

__all__ = [
    "COMPTES_DEMO",
    "EMAIL_INSCRIPTION",
    "SIRET_CFA_3",
    "CompteDemo",
    "charger_demo",
    "est_chargee",
]

AUTEUR: Final = "chargement de la démonstration"


@attrs.frozen
class CompteDemo:
    """A demo account and what to tell the person trying the demo."""

    email: str
    mot_de_passe: str
    role: str


SIRET_CFA_1: Final = exemples.siret(13_002_526, 17)
SIRET_CFA_2: Final = exemples.siret(77_566_343, 42)
SIRET_CFA_3: Final = exemples.siret(31_415_926, 5)
EMAIL_INSCRIPTION: Final = "contact@cfa-metiers-du-soin.fr"
"""The address on file of the third CFA, which has no account yet: to try the sign-up."""
COMPTES_DEMO: Final = (
    CompteDemo("compta@cfa-sante-avenir.fr", "Remboursements-apprentis-2026", "CFA Santé Avenir"),
    CompteDemo("direction@ifms-lyon.fr", "Formations-soignantes-2026", "IFMS de Lyon (délégant)"),
    CompteDemo("conseiller@opco-demo.fr", "Instruction-des-dossiers-2026", "conseiller de l'OPCO"),
)
_NOMS: Final = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
    "Moreau", "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand",
    "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau",
)  # fmt: skip
_PRENOMS: Final = (
    "Éloïse", "Lucas", "Chloé", "Hugo", "Inès", "Léa", "Nathan", "Manon", "Jules", "Camille",
    "Zoé", "Louis", "Jade", "Noah", "Anaïs", "Gabriel", "Sarah", "Adam", "Maëlys", "Théo",
)  # fmt: skip
# (title, diploma, diploma code, level, RNCP, the apprentice's job)
_FORMATIONS: Final = (
    ("BTS Diététique", "BTS diététique", "32033104", 5, "RNCP35612", "Diététicien"),
    ("DE d'aide-soignant", "DE d'aide-soignant", "50033108", 4, "RNCP35830", "Aide-soignant"),
    ("BP Préparateur en pharmacie", "BP préparateur", "45033107", 4, "RNCP36043", "Préparateur"),
    ("Licence pro. Gestion sanitaire", "Licence pro.", "25031002", 6, "RNCP30139", "Gestionnaire"),
)
_EMPLOYEURS: Final = (
    ("Clinique des Lilas", exemples.SIRET_EMPLOYEUR),
    ("EHPAD Les Tilleuls", exemples.siret(42_110_064, 12)),
    ("Pharmacie du Centre", exemples.siret(55_208_131, 33)),
)
# Contract signing dates, one per payment regime (reprise de stock, 2020, 2021, 2025-07).
_SIGNATURES: Final = (
    dt.date(2019, 8, 20),
    dt.date(2020, 8, 25),
    dt.date(2023, 8, 21),
    dt.date(2025, 8, 18),
)
# The states of the files, and how they get there through the feed (one version a step).
_CHEMINS: Final = {
    EtatDossier.RECU: (),
    EtatDossier.EN_INSTRUCTION: (EtatDossier.EN_INSTRUCTION,),
    EtatDossier.EN_ATTENTE: (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_ATTENTE),
    EtatDossier.EN_COURS: (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS),
    EtatDossier.REFUSE: (EtatDossier.EN_INSTRUCTION, EtatDossier.REFUSE),
    EtatDossier.ANNULE: (EtatDossier.ANNULE,),
    EtatDossier.SUPPRIME: (EtatDossier.SUPPRIME,),
    EtatDossier.SOLDE: (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS, EtatDossier.SOLDE),
    EtatDossier.ROMPU: (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS),
}
# Most files are being funded: that is what a CFA works on.
_POIDS_ETATS: Final = {
    EtatDossier.EN_COURS: 10,
    EtatDossier.RECU: 2,
    EtatDossier.EN_INSTRUCTION: 2,
    EtatDossier.EN_ATTENTE: 2,
    EtatDossier.REFUSE: 1,
    EtatDossier.ANNULE: 1,
    EtatDossier.SUPPRIME: 1,
    EtatDossier.SOLDE: 1,
    EtatDossier.ROMPU: 1,
}


def est_chargee(ctx: Contexte) -> bool:
    """Whether the demo data are already in the database."""
    with ctx.uow(lecture_seule=True) as uow:
        return uow.organismes.obtenir(SIRET_CFA_1) is not None


def _organismes() -> list[Organisme]:
    return [
        exemples.organisme(
            SIRET_CFA_1,
            emails_connus=(Email(COMPTES_DEMO[0].email),),
            fiche=exemples.fiche(raison_sociale="CFA Santé Avenir"),
        ),
        exemples.organisme(
            SIRET_CFA_2,
            emails_connus=(Email(COMPTES_DEMO[1].email),),
            fiche=exemples.fiche(raison_sociale="IFMS de Lyon"),
        ),
        exemples.organisme(
            SIRET_CFA_3,
            emails_connus=(Email(EMAIL_INSCRIPTION),),
            fiche=exemples.fiche(raison_sociale="CFA des Métiers du Soin"),
        ),
    ]


def _enregistrements(
    aujourd_hui: dt.date, alea: random.Random, nombre: int
) -> tuple[list[DossierFlux], list[tuple[str, dt.date]]]:
    """The records of ``nombre`` files, and the files to break (number, last day)."""
    etats = list(_POIDS_ETATS)
    poids = [_POIDS_ETATS[e] for e in etats]
    records: list[DossierFlux] = []
    ruptures: list[tuple[str, dt.date]] = []
    for rang in range(nombre):
        etat = etats[rang] if rang < len(etats) else alea.choices(etats, poids)[0]
        signature = _SIGNATURES[rang % len(_SIGNATURES)]
        if signature.year >= 2025:  # noqa: PLR2004 - the current regime: around today
            signature = aujourd_hui - dt.timedelta(days=alea.randint(60, 420))
        debut = signature + dt.timedelta(days=alea.randint(5, 20))
        fin = debut.replace(year=debut.year + 2) - dt.timedelta(days=1)
        intitule, diplome, code, niveau, rncp, emploi = alea.choice(_FORMATIONS)
        employeur, siret_employeur = alea.choice(_EMPLOYEURS)
        siret_cfa = (
            SIRET_CFA_3 if rang % 10 == 5 else SIRET_CFA_1 if rang % 3 else SIRET_CFA_2  # noqa: PLR2004
        )
        numero = f"{20_110_000_00 + rang * 37:010d}"
        formation = Formation(
            intitule=intitule,
            numero_deca=NumeroDeca(f"075{debut:%Y%m}{rang % 100:02d}{rang:04d}"),
            date_depot=signature + dt.timedelta(days=3),
            diplome=diplome,
            code_diplome=code,
            niveau_diplome=niveau,
            code_rncp=CodeRncp(rncp),
            periode=Periode(debut, fin),
            siret_cfa=siret_cfa,
        )
        contrat = Contrat(
            type_contrat="Contrat d'apprentissage initial",
            employeur=Employeur(employeur, siret_employeur),
            periode=Periode(debut, fin),
            emploi=emploi,
            apprenti=Apprenti(
                nom=alea.choice(_NOMS),
                prenom=alea.choice(_PRENOMS),
                nir=exemples.nir(
                    f"{alea.choice('12')}{alea.randint(0, 99):02d}{alea.randint(1, 12):02d}"
                    f"69{alea.randint(1, 380):03d}{alea.randint(1, 999):03d}"
                ),
            ),
            date_signature=signature,
        )
        pedagogiques = Montant(alea.choice((6500, 8000, 9450, 11200, 13123)) * 2)
        budget = Budget(
            frais_pedagogiques=pedagogiques,
            hebergement=Montant(alea.choice((0, 300, 600))),
            mobilite=Montant(alea.choice((0, 500))),
            transport=Montant(0),
            frais_divers=Montant(alea.choice((0, 450))),
        )
        chemin = _CHEMINS[etat] or (None,)
        for version, etape in enumerate(chemin, start=1):
            records.append(DossierFlux(numero, version, formation, contrat, budget, etape))
        if etat is EtatDossier.ROMPU:
            ruptures.append((numero, min(fin, debut + (fin - debut) // 2)))
    return records, ruptures


def _pdf(titre: str) -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text=titre)
    return bytes(document.output())


def _comptes(ctx: Contexte, organismes: list[Organisme]) -> tuple[Compte, Compte, Compte]:
    quand = ctx.maintenant()
    cfa: list[Compte] = []
    with ctx.uow() as uow:
        for organisme, demo in zip(organismes[:2], COMPTES_DEMO[:2], strict=True):
            compte = Compte.ouvrir(
                id=ctx.jetons.identifiant(),
                email=Email(demo.email),
                organisme=organisme,
                mot_de_passe=demo.mot_de_passe,
                quand=quand,
                hasher=ctx.hacheur,
            )
            secret = ctx.jetons.jeton()
            compte.emettre_jeton(TypeJeton.ACTIVATION, secret, quand)
            compte.activer(secret, quand)
            uow.comptes.ajouter(compte)
            cfa.append(compte)
        agent = Compte.ouvrir_agent(
            id=ctx.jetons.identifiant(),
            email=Email(COMPTES_DEMO[2].email),
            mot_de_passe=COMPTES_DEMO[2].mot_de_passe,
            quand=quand,
            hasher=ctx.hacheur,
            auteur=AUTEUR,
        )
        uow.comptes.ajouter(agent)
        uow.commit()
    return cfa[0], cfa[1], agent


def _demandes(ctx: Contexte, compte: Compte, agent: Compte, numeros: list[str]) -> None:
    """One request per file of ``numeros``, until every request state exists."""
    suites: list[tuple[Decision | None, ...]] = [
        (),
        (Decision.PRENDRE_EN_TRAITEMENT,),
        (Decision.PRENDRE_EN_TRAITEMENT, Decision.VALIDER),
        (Decision.PRENDRE_EN_TRAITEMENT, Decision.VALIDER, Decision.PAYER),
        (Decision.PRENDRE_EN_TRAITEMENT, Decision.REFUSER),
        (None,),  # cancelled by the CFA
    ]
    facture, certificat = _pdf("Facture de démonstration"), _pdf("Certificat de réalisation")
    faites = 0
    for numero in numeros:
        if faites == len(suites):
            return
        try:
            proposition = demandes.preparer_demande(ctx, compte.id, numero)
            if proposition.periode is None or proposition.montants_proposes is None:
                continue
            fichiers = [(Piece.FACTURE, f"facture-{numero}.pdf", facture)]
            if Piece.CERTIFICAT_REALISATION in proposition.pieces_requises:
                fichiers.append(
                    (Piece.CERTIFICAT_REALISATION, f"certificat-{numero}.pdf", certificat)
                )
            recu = demandes.soumettre_demande(
                ctx,
                compte.id,
                CommandeDemande(
                    numero_action=numero,
                    periode=proposition.periode,
                    montants=MontantsDemandes(frais_pedagogiques=proposition.reste),
                    fichiers=tuple(fichiers),
                    conditions_acceptees=True,
                ),
            )
        except ErreurDomaine:
            continue
        for decision in suites[faites]:
            if decision is None:
                demandes.annuler_demande(ctx, compte.id, recu.demande_id, "Saisie en double")
            else:
                motif = "Facture illisible" if decision is Decision.REFUSER else ""
                demandes.traiter_demande(ctx, agent.id, recu.demande_id, decision, motif)
        faites += 1


def charger_demo(ctx: Contexte, *, fichiers: int = 240, graine: int = 2026) -> bool:
    """Load the demo data unless they are there; True when loaded now."""
    if est_chargee(ctx):
        return False
    alea = random.Random(graine)  # noqa: S311 - demo data, not secrets
    organismes = _organismes()
    with ctx.uow() as uow:
        for organisme in organismes:
            uow.organismes.ajouter(organisme)
        uow.commit()
    records, ruptures = _enregistrements(ctx.aujourd_hui(), alea, fichiers)
    # Recorded as a run, as a pull is: the back office's feed page shows it.
    suivi_flux.synchroniser_et_noter(ctx, MemoireSourceFlux(list(records), nom="demonstration"))
    cfa, _, agent = _comptes(ctx, organismes)
    for numero, dernier_jour in ruptures:
        actions.rompre_action(
            ctx, agent.id, numero, dernier_jour, "Rupture à l'initiative de l'apprenti"
        )
    en_cours = sorted(
        {r.numero_action for r in records if r.etat is EtatDossier.EN_COURS}
        - {n for n, _ in ruptures}
        - {r.numero_action for r in records if r.etat is EtatDossier.SOLDE}
    )
    mine = [n for n in en_cours if _cfa_de(records, n) == SIRET_CFA_1]
    _demandes(ctx, cfa, agent, mine)
    return True


def _cfa_de(records: list[DossierFlux], numero: str) -> Siret:
    return next(r.formation.siret_cfa for r in records if r.numero_action == numero)
