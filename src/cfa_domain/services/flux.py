"""Use cases of the upstream feed: the adhérents' Webservice sends the files.

Rules and choices
-----------------
- **A record is a snapshot of one version of a file**, its reported state included
  (:class:`~cfa_domain.ports.DossierFlux`). So:

  * an unknown action number creates the file (*reçu*, then the reported state);
  * a newer version replaces formation, contract and budget, and moves the file to the
    reported state;
  * the version already stored is a replay: unchanged when it agrees with the file
    (same data, and same state when it reports one), contradictory otherwise;
  * an older version is contradictory;
  * a newer version that changes the file's CFA beneficiary (``formation.siret_cfa``)
    while the file already has reimbursement requests (in any state) is contradictory.
    Applying it would hand the new CFA the old one's requests, receipts and invoices
    (what a CFA sees follows the file's CFA); which CFA keeps what is for an OPCO agent
    to settle, so nothing of the record is applied. A change of CFA on a file without
    requests applies as any other change.

  We read the version as the version of the whole record: a state change upstream comes
  with a new version. Letting a replayed version move the state would make the result
  depend on the order of replays (a re-sync could flap a file between two states).
- **State moves** go through *one* allowed transition of the file's state machine
  (history author ``Webservice``); a forbidden one is contradictory. *Rompu* uses the
  record's rupture date (none: contradictory). A file reaching *en cours* or *refusé* this
  way mails its CFA, as when an agent does it.
- **Quarantine, never half-applied.** A contradictory record is kept in the quarantine
  journal with its reason and a readable JSON copy of what was received, after the unit
  of work is rolled back, so none of the record is applied. An
  :class:`~cfa_domain.ports.EnregistrementIllisible` (the edge could not structure it) is
  quarantined as received. A record already in quarantine (same key, same content) is
  settled by a person, not by a replay: received again, it is neither applied nor logged
  again. With the rules above ingestion is idempotent for any list of records: applying
  it twice leaves the files as applying it once.
- **Resumable** (:func:`synchroniser`): each record is handled in its own unit of work,
  which also advances the source's cursor, so the record's effect and "the feed was read
  up to here" are committed together. A crash resumes exactly after the last committed
  record; re-reading records already handled is harmless anyway, so even two
  overlapping runs leave the files right.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
from typing import TYPE_CHECKING

import attrs

from cfa_domain.action import Action, EtatDossier
from cfa_domain.errors import (
    ChangementCfaAvecDemandes,
    DonneeInvalide,
    ErreurDomaine,
    EtatSansNouvelleVersion,
)
from cfa_domain.ports import DossierFlux, EnregistrementRejete, MotifRejet
from cfa_domain.services.actions import AUTEUR_WEBSERVICE, notifier_changement_etat

if TYPE_CHECKING:
    from cfa_domain.action import ChangementEtat
    from cfa_domain.ports import EnregistrementIllisible, SourceFlux, UnitOfWork
    from cfa_domain.services.contexte import Contexte

__all__ = [
    "Bilan",
    "ResultatApplication",
    "appliquer_dossier",
    "brut",
    "synchroniser",
]


class ResultatApplication(enum.Enum):
    """What applying one feed record did."""

    CREE = "cree"
    MIS_A_JOUR = "mis_a_jour"
    INCHANGE = "inchange"
    REJETE = "rejete"


@attrs.frozen
class Bilan:
    """Counts of one synchronisation run, per result, and the cursor reached."""

    crees: int = 0
    mis_a_jour: int = 0
    inchanges: int = 0
    rejetes: int = 0
    curseur: str | None = None

    @property
    def total(self) -> int:
        """Number of records handled."""
        return self.crees + self.mis_a_jour + self.inchanges + self.rejetes

    def compter(self, resultat: ResultatApplication, curseur: str) -> Bilan:
        """This count with one more record of ``resultat``, read up to ``curseur``."""
        champ = {
            ResultatApplication.CREE: "crees",
            ResultatApplication.MIS_A_JOUR: "mis_a_jour",
            ResultatApplication.INCHANGE: "inchanges",
            ResultatApplication.REJETE: "rejetes",
        }[resultat]
        compte: int = getattr(self, champ)
        return attrs.evolve(self, curseur=curseur, **{champ: compte + 1})


def _json(valeur: object) -> object:
    """JSON form of the values ``attrs.asdict`` leaves as they are."""
    if isinstance(valeur, enum.Enum):
        return valeur.value
    if isinstance(valeur, dt.date | decimal.Decimal):
        return str(valeur)
    msg = f"Valeur non sérialisable : {valeur!r}"
    raise TypeError(msg)


def brut(dossier: DossierFlux) -> str:
    """A readable JSON copy of a structured record, for the quarantine journal."""
    return json.dumps(attrs.asdict(dossier), default=_json, ensure_ascii=False, sort_keys=True)


def _suivre_etat(
    action: Action, etat: EtatDossier | None, quand: dt.datetime, version: int
) -> ChangementEtat | None:
    """Move the file to the reported state through one allowed transition, if it differs."""
    if etat is None or etat is action.etat:
        return None
    motif = f"État transmis par le Webservice (version {version})"
    if etat is not EtatDossier.ROMPU:
        return action.changer_etat(etat, auteur=AUTEUR_WEBSERVICE, quand=quand, motif=motif)
    if action.date_rupture is None:
        raise DonneeInvalide(
            f"Dossier {action.numero_action} : déclaré rompu sans date de rupture.",
            champ="date_rupture",
        )
    return action.rompre(action.date_rupture, auteur=AUTEUR_WEBSERVICE, quand=quand, motif=motif)


def _refuser_changement_de_cfa(uow: UnitOfWork, action: Action, dossier: DossierFlux) -> None:
    """Refuse a newer version moving a file that already has requests to another CFA."""
    nouveau = dossier.formation.siret_cfa
    if dossier.version <= action.version or nouveau == action.siret_cfa:
        return
    demandes = uow.demandes.pour_action(action.numero_action)
    if demandes:
        raise ChangementCfaAvecDemandes(
            action.numero_action,
            dossier.version,
            action.siret_cfa.numero,
            nouveau.numero,
            len(demandes),
        )


def _upsert(ctx: Contexte, uow: UnitOfWork, dossier: DossierFlux) -> ResultatApplication:
    """Apply the record to the unit of work; raise a domain error when contradictory."""
    quand = ctx.maintenant()
    action = uow.actions.obtenir_pour_mise_a_jour(dossier.numero_action)
    if action is not None:
        _refuser_changement_de_cfa(uow, action, dossier)
    if action is None:
        action = Action.recue(
            numero_action=dossier.numero_action,
            version=dossier.version,
            formation=dossier.formation,
            contrat=dossier.contrat,
            budget=dossier.budget,
            quand=quand,
            auteur=AUTEUR_WEBSERVICE,
        )
        resultat = ResultatApplication.CREE
        uow.actions.ajouter(action)
    elif action.mettre_a_jour(
        formation=dossier.formation,
        contrat=dossier.contrat,
        budget=dossier.budget,
        version=dossier.version,
    ):
        resultat = ResultatApplication.MIS_A_JOUR
    elif dossier.etat is None or dossier.etat is action.etat:
        return ResultatApplication.INCHANGE
    else:
        raise EtatSansNouvelleVersion(
            action.numero_action, dossier.version, action.etat, dossier.etat
        )
    changement = _suivre_etat(action, dossier.etat, quand, dossier.version)
    if changement is not None:
        notifier_changement_etat(ctx, uow, action, changement)
    return resultat


def _appliquer(
    ctx: Contexte, uow: UnitOfWork, enregistrement: DossierFlux | EnregistrementIllisible
) -> ResultatApplication:
    """Apply a record, or roll its effects back and quarantine it; the caller commits."""
    if isinstance(enregistrement, DossierFlux):
        copie, motif, detail = brut(enregistrement), MotifRejet.CONTRADICTOIRE, ""
    else:
        copie, motif, detail = enregistrement.brut, MotifRejet.ILLISIBLE, enregistrement.detail
    if uow.quarantaine.contient(enregistrement.cle, copie):
        return ResultatApplication.REJETE
    if isinstance(enregistrement, DossierFlux):
        try:
            return _upsert(ctx, uow, enregistrement)
        except ErreurDomaine as erreur:
            uow.rollback()
            detail = erreur.message
    uow.quarantaine.ajouter(
        EnregistrementRejete(
            cle=enregistrement.cle,
            brut=copie,
            motif=motif,
            detail=detail,
            rejete_le=ctx.maintenant(),
        )
    )
    return ResultatApplication.REJETE


def appliquer_dossier(ctx: Contexte, dossier: DossierFlux) -> ResultatApplication:
    """Apply one feed record: create, update, leave unchanged, or quarantine it.

    Idempotent: applying the same record again leaves the file unchanged.
    """
    with ctx.uow() as uow:
        resultat = _appliquer(ctx, uow, dossier)
        uow.commit()
        return resultat


def synchroniser(ctx: Contexte, source: SourceFlux) -> Bilan:
    """Read the source from its stored cursor and apply each record, resumably.

    Each record is applied (or quarantined) and the cursor advanced past it in one unit of
    work. An error of the source stops the run; what was committed stays, and the next run
    resumes after it.
    """
    with ctx.uow(lecture_seule=True) as uow:
        depuis = uow.quarantaine.curseur(source.nom)
    bilan = Bilan(curseur=depuis)
    for curseur, enregistrement in source.lire(depuis):
        with ctx.uow() as uow:
            resultat = _appliquer(ctx, uow, enregistrement)
            uow.quarantaine.avancer(source.nom, curseur)
            uow.commit()
        bilan = bilan.compter(resultat, curseur)
    return bilan
