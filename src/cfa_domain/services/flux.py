"""Use cases of the upstream feed: the adhérents' Webservice sends the files.

Rules and choices
-----------------
- **Idempotent upsert** (:func:`appliquer_dossier`), keyed by action number and version:
  an unknown action number creates the file (*reçu*); a newer version replaces its
  formation, contract and budget; the same version with the same data changes nothing;
  an older version, or the same version with other data, is *contradictory*.
- **State.** When the record carries the state the OPCO's back office reports, the file
  moves there through *one* allowed transition of its state machine (the history records
  it, author ``Webservice``); the same state is no change; a forbidden transition is
  contradictory. *Rompu* uses the record's rupture date (none: contradictory). A file
  reaching *en cours* or *refusé* this way mails its CFA, as when an agent does it.
- **Quarantine, never half-applied.** A contradictory record is kept in the quarantine
  journal with its reason and a readable JSON copy of what was received; the unit of
  work is rolled back first, so none of the record is applied. An
  :class:`~cfa_domain.ports.EnregistrementIllisible` (the edge could not structure it) is
  quarantined as received.
- **Resumable** (:func:`synchroniser`): each record is handled in its own unit of work,
  which also advances the source's cursor, so the record's effect and "the feed was read
  up to here" are committed together. A crash resumes exactly after the last committed
  record; re-reading records already applied is harmless anyway (idempotent upsert), so
  even two overlapping runs leave the files right. Re-applying a record that has become
  stale (an older version) quarantines it again: files never change, the journal says
  the stale record was received once more.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
from typing import TYPE_CHECKING

import attrs

from cfa_domain.action import Action, EtatDossier
from cfa_domain.errors import DonneeInvalide, ErreurDomaine
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


def _upsert(ctx: Contexte, uow: UnitOfWork, dossier: DossierFlux) -> ResultatApplication:
    """Apply the record to the unit of work; raise a domain error when contradictory."""
    quand = ctx.maintenant()
    action = uow.actions.obtenir_pour_mise_a_jour(dossier.numero_action)
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
        changement = _suivre_etat(action, dossier.etat, quand, dossier.version)
        uow.actions.ajouter(action)
        resultat = ResultatApplication.CREE
    else:
        modifie = action.mettre_a_jour(
            formation=dossier.formation,
            contrat=dossier.contrat,
            budget=dossier.budget,
            version=dossier.version,
        )
        changement = _suivre_etat(action, dossier.etat, quand, dossier.version)
        if modifie or changement is not None:
            resultat = ResultatApplication.MIS_A_JOUR
        else:
            resultat = ResultatApplication.INCHANGE
    if changement is not None:
        notifier_changement_etat(ctx, uow, action, changement)
    return resultat


def _appliquer(
    ctx: Contexte, uow: UnitOfWork, enregistrement: DossierFlux | EnregistrementIllisible
) -> ResultatApplication:
    """Apply a record, or roll its effects back and quarantine it; the caller commits."""
    if isinstance(enregistrement, DossierFlux):
        try:
            return _upsert(ctx, uow, enregistrement)
        except ErreurDomaine as erreur:
            uow.rollback()
            rejet = EnregistrementRejete(
                cle=enregistrement.cle,
                brut=brut(enregistrement),
                motif=MotifRejet.CONTRADICTOIRE,
                detail=erreur.message,
                rejete_le=ctx.maintenant(),
            )
    else:
        rejet = EnregistrementRejete(
            cle=enregistrement.cle,
            brut=enregistrement.brut,
            motif=MotifRejet.ILLISIBLE,
            detail=enregistrement.detail,
            rejete_le=ctx.maintenant(),
        )
    uow.quarantaine.ajouter(rejet)
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
    with ctx.uow() as uow:
        depuis = uow.quarantaine.curseur(source.nom)
    bilan = Bilan(curseur=depuis)
    for curseur, enregistrement in source.lire(depuis):
        with ctx.uow() as uow:
            resultat = _appliquer(ctx, uow, enregistrement)
            uow.quarantaine.avancer(source.nom, curseur)
            uow.commit()
        bilan = bilan.compter(resultat, curseur)
    return bilan
