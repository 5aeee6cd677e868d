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
  * a record carrying the OPCO's data on the file's CFA (:class:`~cfa_domain.ports.OrganismeFlux`)
    creates that CFA as a known organisme, active, its sheet's and contact's addresses on
    file (the first account may be opened with them), or updates it, by the same version
    rules, numbered apart: see :meth:`~cfa_domain.organisme.Organisme.suivre_referentiel`.
    The record's data on the file's employer (``DossierFlux.employeur``), when it carries
    them, make the employer a known organisme the same way (its SIRET is the contract's
    employer's). A file left unchanged by a record whose organisme data is newer counts as
    updated; data contradicting the stored version quarantines the whole record;
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
  again.
- **One bad record never stops the feed.** *Any* failure to apply a record quarantines
  it with its reason (an unexpected exception is logged too), including a failure of the
  commit itself on the record's data; only a failure of the infrastructure
  (:class:`~cfa_domain.errors.ServiceIndisponible`, ``OSError``) or a concurrent change
  stops the run, to be resumed. Before anything is applied a record is checked: its text
  holds no NUL and no lone surrogate (no database stores them:
  :class:`~cfa_domain.errors.TexteNonEnregistrable`), its version fits the stored 64-bit
  integer (:class:`~cfa_domain.errors.VersionHorsLimites`); and once applied, its file's
  schedule must compute as the detail page and the pre-fill compute it, otherwise
  nothing is stored (:class:`~cfa_domain.errors.EcheancierIncalculable`: a contract ending
  in 9999 has no anniversary after it). The quarantine row stores what was received
  escaped (lone surrogates and NUL written as JSON escapes them, the key cut to 255
  characters), so that the row itself is always storable.

  With the rules above ingestion is idempotent for any list of records: applying it twice
  leaves the files as applying it once.
- **Replay** (:func:`rejouer`): a person settles a quarantined record by applying it again
  once the cause is gone (an agent moved the file, the edge now reads it): applied, the
  row is marked settled in the same unit of work; refused again, nothing changes and the
  reason is returned.
- **Resumable** (:func:`synchroniser`): records are applied in batches (``taille_lot``,
  :data:`TAILLE_LOT` by default), each batch in one unit of work which also advances the
  source's cursor past its last record, so the batch's effect and "the feed was read up
  to here" are committed together. A crash resumes exactly after the last committed
  batch; re-reading records already handled is harmless anyway, so even two overlapping
  runs leave the files right.
- **A batch is what its records one by one would be.** Its files, its quarantined keys
  and its CFAs are read with one query each, its records applied in order on them (a
  record sees what the records before it in the batch did), and the files it creates
  written at its end, in their final state. When anything fails in the batch (the rules
  above refuse a record, the storage refuses one, the infrastructure fails), the whole
  batch is rolled back and its records applied again one by one, each in its own unit of
  work as with ``taille_lot=1``: only the bad record is quarantined, a failure of the
  infrastructure stops the run after the records committed before it, and the stored
  files, the quarantine and the cursor end as they would have record by record
  (``tests/contract/test_flux_lots.py`` checks it on random sequences).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import functools
import hashlib
import json
import logging
import operator
import re
from typing import TYPE_CHECKING

import attrs

from cfa_domain.action import Action, EtatDossier
from cfa_domain.errors import (
    ChangementCfaAvecDemandes,
    Conflit,
    DonneeInvalide,
    EcheancierIncalculable,
    ErreurDomaine,
    EtatSansNouvelleVersion,
    ModificationConcurrente,
    ServiceIndisponible,
    TexteNonEnregistrable,
    VersionHorsLimites,
)
from cfa_domain.organisme import Organisme, ReferentielOpco
from cfa_domain.ports import DossierFlux, EnregistrementIllisible, EnregistrementRejete, MotifRejet
from cfa_domain.remboursement import situation_echeances
from cfa_domain.services.actions import AUTEUR_WEBSERVICE, notifier_changement_etat
from cfa_domain.services.entrees import cas_d_usage_sauf
from cfa_domain.values import Montant, Siret

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from cfa_domain.action import ChangementEtat
    from cfa_domain.ports import OrganismeFlux, SourceFlux, UnitOfWork
    from cfa_domain.services.contexte import Contexte

__all__ = [
    "TAILLE_LOT",
    "Bilan",
    "Rejeu",
    "ResultatApplication",
    "appliquer_dossier",
    "brut",
    "empreinte_organisme",
    "rejouer",
    "synchroniser",
]

_journal = logging.getLogger(__name__)

#: What no database stores in a text: NUL, and a UTF-16 surrogate alone (not encodable).
_NON_ENREGISTRABLE = re.compile("[\x00\ud800-\udfff]")

#: Values holding no text (``bool`` is an ``int``, ``datetime`` a ``date``).
_SANS_TEXTE = (int, float, decimal.Decimal, dt.date, type(None))

#: The largest version stored (a signed 64-bit integer).
_VERSION_MAX = 2**63 - 1

#: The longest key the quarantine journal stores.
_CLE_MAX = 255

TAILLE_LOT = 500
"""Records applied per unit of work by :func:`synchroniser` unless told otherwise."""


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


def _echapper(texte: str) -> str:
    """``texte`` with NUL and lone surrogates written as JSON escapes: storable anywhere."""
    return _NON_ENREGISTRABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", texte)


def brut(dossier: DossierFlux) -> str:
    """A readable JSON copy of a structured record, for the quarantine journal.

    Always storable: JSON escapes NUL itself, and a lone surrogate is escaped too (the copy
    stays valid JSON, reading back the same text).
    """
    return _echapper(
        json.dumps(attrs.asdict(dossier), default=_json, ensure_ascii=False, sort_keys=True)
    )


def _textes(valeur: object, chemin: str) -> Iterator[tuple[str, str]]:
    """Every text in the ``attrs.asdict`` form of a record, with its dotted path."""
    if isinstance(valeur, str):
        yield chemin, valeur
    elif isinstance(valeur, dict):
        for cle, sous in valeur.items():
            yield from _textes(sous, f"{chemin}.{cle}" if chemin else str(cle))
    elif isinstance(valeur, list | tuple):
        for rang, sous in enumerate(valeur):
            yield from _textes(sous, f"{chemin}[{rang}]")


_LECTEURS: dict[type, Callable[[object], tuple[object, ...]] | None] = {}


def _lecteur_des_champs(classe: type) -> Callable[[object], tuple[object, ...]] | None:
    """What reads the attribute values of an attrs class, None for any other class.

    Remembered per class: a record visits some sixty values of a dozen classes.
    """
    if classe in _LECTEURS:
        return _LECTEURS[classe]
    lecteur: Callable[[object], tuple[object, ...]] | None = None
    if attrs.has(classe):
        noms = tuple(a.name for a in attrs.fields(classe))
        if len(noms) == 1:
            (nom,) = noms
            lecteur = lambda valeur: (getattr(valeur, nom),)  # noqa: E731 - one field
        else:
            lecteur = operator.attrgetter(*noms)
    _LECTEURS[classe] = lecteur
    return lecteur


def _a_du_non_enregistrable(valeur: object) -> bool:
    """True when a text of ``valeur`` holds NUL or a lone surrogate.

    Visits what :func:`_textes` visits in the ``attrs.asdict`` form (attrs instances,
    lists, tuples, sets, dict values), without building that form nor the paths: the
    texts are gathered by one walk and searched at once; the path of the bad text is
    looked for only when there is one.
    """
    textes: list[str] = []
    a_visiter = [valeur]
    while a_visiter:
        courante = a_visiter.pop()
        if isinstance(courante, str):
            textes.append(courante)
        elif isinstance(courante, _SANS_TEXTE):
            continue
        elif (lecteur := _lecteur_des_champs(type(courante))) is not None:
            a_visiter.extend(lecteur(courante))
        elif isinstance(courante, list | tuple | set | frozenset):
            a_visiter.extend(courante)
        elif isinstance(courante, dict):
            a_visiter.extend(courante.values())
    return _NON_ENREGISTRABLE.search("\n".join(textes)) is not None


def _verifier_enregistrable(dossier: DossierFlux) -> None:
    """Refuse a record holding what no database stores, before anything is applied."""
    versions = [dossier.version]
    versions.extend(o.version for o in (dossier.organisme, dossier.employeur) if o is not None)
    for version in versions:
        if not -_VERSION_MAX - 1 <= version <= _VERSION_MAX:
            raise VersionHorsLimites(version)
    if _a_du_non_enregistrable(dossier):
        raise TexteNonEnregistrable(
            next(
                chemin
                for chemin, texte in _textes(attrs.asdict(dossier), "")
                if _NON_ENREGISTRABLE.search(texte)
            )
        )


def _entrees_echeancier(action: Action) -> tuple[object, ...]:
    """What :meth:`Action.echeancier` computes from: same inputs, same schedule.

    A newer version leaving them as they are (a state move, another budget line) needs no
    new check: the schedule of the file as stored was checked when it was stored.
    """
    contrat = action.contrat
    return (
        contrat.periode,
        contrat.date_signature,
        contrat.date_rupture,
        action.budget.frais_pedagogiques,
        action.formation.niveau_diplome,
    )


def _verifier_echeancier(ctx: Contexte, uow: UnitOfWork, action: Action, *, nouveau: bool) -> None:
    """Refuse a file whose detail page or pre-fill could not be computed.

    Computes what :func:`~cfa_domain.services.actions.consulter_action` and
    :func:`~cfa_domain.services.demandes.preparer_demande` compute from the schedule.
    """
    try:
        echeancier = action.echeancier(ctx.parametres.echeancier)
        aujourd_hui = ctx.aujourd_hui()
        echeancier.prochaine_echeance(aujourd_hui, Montant.zero())
        echeancier.disponible_au(aujourd_hui, Montant.zero())
        echeancier.prochaine_ouverture(aujourd_hui)
        echeancier.trop_percu(Montant.zero())
        if not nouveau:  # the file may hold requests already
            situation_echeances(echeancier, uow.demandes.pour_action(action.numero_action))
    except (ValueError, ArithmeticError) as erreur:
        periode = action.contrat.periode
        raise EcheancierIncalculable(action.numero_action, periode.debut, periode.fin) from erreur


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


def empreinte_organisme(organisme: OrganismeFlux) -> str:
    """The SHA-256 of the OPCO's data on an organisme, its version aside (canonical JSON)."""
    donnees = attrs.asdict(organisme, filter=lambda attribut, _v: attribut.name != "version")
    texte = json.dumps(donnees, default=_json, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(_echapper(texte).encode()).hexdigest()


def _organismes_connus(dossier: DossierFlux) -> Iterator[tuple[Siret, OrganismeFlux]]:
    """The organismes the record carries the OPCO's data on: its CFA, its employer."""
    if dossier.organisme is not None:
        yield dossier.formation.siret_cfa, dossier.organisme
    if dossier.employeur is not None:
        yield dossier.contrat.employeur.siret, dossier.employeur


def _connaitre(
    uow: UnitOfWork, siret: Siret, donnees: OrganismeFlux, quand: dt.datetime, lot: _Lot | None
) -> bool:
    """Create or update the organisme ``siret`` from the OPCO's data the record carries.

    Returns True when the organisme was created or changed.
    """
    referentiel = ReferentielOpco(
        version=donnees.version,
        empreinte=empreinte_organisme(donnees),
        emails=frozenset({donnees.fiche.email, donnees.interlocuteur.email}),
    )
    organisme = uow.organismes.obtenir(siret) if lot is None else lot.organismes.get(siret)
    if organisme is None:
        organisme = Organisme.connu(
            siret=siret,
            fiche=donnees.fiche,
            interlocuteur=donnees.interlocuteur,
            quand=quand,
            auteur=AUTEUR_WEBSERVICE,
            reference_opco=donnees.reference_opco,
            referentiel=referentiel,
        )
        uow.organismes.ajouter(organisme)
        if lot is not None:
            lot.organismes[siret] = organisme
        return True
    return organisme.suivre_referentiel(
        fiche=donnees.fiche,
        interlocuteur=donnees.interlocuteur,
        reference_opco=donnees.reference_opco,
        referentiel=referentiel,
        auteur=AUTEUR_WEBSERVICE,
        quand=quand,
    )


@attrs.define
class _Lot:
    """What a batch read at once, and the files its records create (written at its end).

    ``actions`` and ``organismes`` hold the stored ones the batch's records name and those
    its records created before: the next record of the batch sees them as stored.
    """

    actions: dict[str, Action]
    organismes: dict[Siret, Organisme]
    nouvelles: dict[str, Action] = attrs.Factory(dict)


def _upsert(
    ctx: Contexte, uow: UnitOfWork, dossier: DossierFlux, lot: _Lot | None = None
) -> ResultatApplication:
    """Apply the record to the unit of work; raise a domain error when contradictory.

    ``lot``: the batch the record belongs to (None: the record alone).
    """
    _verifier_enregistrable(dossier)
    quand = ctx.maintenant()
    resultat = _upsert_dossier(ctx, uow, dossier, quand, lot)
    connus = [
        _connaitre(uow, siret, donnees, quand, lot)
        for siret, donnees in _organismes_connus(dossier)
    ]
    if any(connus) and resultat is ResultatApplication.INCHANGE:
        return ResultatApplication.MIS_A_JOUR
    return resultat


def _upsert_dossier(
    ctx: Contexte, uow: UnitOfWork, dossier: DossierFlux, quand: dt.datetime, lot: _Lot | None
) -> ResultatApplication:
    """Apply the record's file to the unit of work (its CFA aside)."""
    numero = dossier.numero_action
    action = (
        uow.actions.obtenir_pour_mise_a_jour(numero) if lot is None else lot.actions.get(numero)
    )
    stocke = None if action is None else _entrees_echeancier(action)
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
        if lot is None:
            uow.actions.ajouter(action)
        else:  # written with the batch's other new files, in its final state
            lot.actions[numero] = lot.nouvelles[numero] = action
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
    if _entrees_echeancier(action) != stocke:
        _verifier_echeancier(ctx, uow, action, nouveau=stocke is None)
    if changement is not None:
        notifier_changement_etat(ctx, uow, action, changement)
    return resultat


def _rejet(
    ctx: Contexte, enregistrement: DossierFlux | EnregistrementIllisible
) -> EnregistrementRejete:
    """The quarantine row of a record, escaped so that any database stores it (no reason yet)."""
    if isinstance(enregistrement, DossierFlux):
        copie, motif, detail = brut(enregistrement), MotifRejet.CONTRADICTOIRE, ""
    else:
        copie, motif = _echapper(enregistrement.brut), MotifRejet.ILLISIBLE
        detail = _echapper(enregistrement.detail)
    return EnregistrementRejete(
        cle=_echapper(enregistrement.cle)[:_CLE_MAX],
        brut=copie,
        motif=motif,
        detail=detail,
        rejete_le=ctx.maintenant(),
    )


def _raison(erreur: Exception) -> str:
    """The reason a record failed, for the journal; an unexpected failure is logged."""
    if isinstance(erreur, ErreurDomaine):
        return _echapper(erreur.message)
    _journal.error("Enregistrement du flux en échec inattendu", exc_info=erreur)
    return _echapper(f"Erreur inattendue en appliquant l'enregistrement : {erreur!r}")


def _appliquer(
    ctx: Contexte, uow: UnitOfWork, enregistrement: DossierFlux | EnregistrementIllisible
) -> ResultatApplication:
    """Apply a record, or roll its effects back and quarantine it; the caller commits."""
    rejet = _rejet(ctx, enregistrement)
    if uow.quarantaine.contient(rejet.cle, rejet.brut):
        return ResultatApplication.REJETE
    if isinstance(enregistrement, DossierFlux):
        try:
            return _upsert(ctx, uow, enregistrement)
        except (ServiceIndisponible, ModificationConcurrente):
            raise  # not the record's fault: the run stops, to be resumed
        except Exception as erreur:  # noqa: BLE001 - any failure of a record quarantines it
            uow.rollback()
            rejet = attrs.evolve(rejet, detail=_raison(erreur))
    uow.quarantaine.ajouter(rejet)
    return ResultatApplication.REJETE


def _ecrire(
    ctx: Contexte,
    enregistrement: DossierFlux | EnregistrementIllisible,
    avancer: Callable[[UnitOfWork], None],
) -> ResultatApplication:
    """Apply a record and commit; a commit refusing the record's data quarantines it.

    A failure of the infrastructure or a concurrent change is raised (the run resumes
    later); any other failure of the commit is the record's, quarantined in a new unit.
    """
    try:
        with ctx.uow() as uow:
            resultat = _appliquer(ctx, uow, enregistrement)
            avancer(uow)
            uow.commit()
            return resultat
    except (ServiceIndisponible, Conflit, OSError):
        raise
    except Exception as erreur:  # noqa: BLE001 - the record's data refused by the storage
        rejet = attrs.evolve(_rejet(ctx, enregistrement), detail=_raison(erreur))
    with ctx.uow() as uow:
        if not uow.quarantaine.contient(rejet.cle, rejet.brut):
            uow.quarantaine.ajouter(rejet)
        avancer(uow)
        uow.commit()
    return ResultatApplication.REJETE


@cas_d_usage_sauf("dossier")  # a feed record is quarantined, whatever it holds
def appliquer_dossier(ctx: Contexte, dossier: DossierFlux) -> ResultatApplication:
    """Apply one feed record: create, update, leave unchanged, or quarantine it.

    Idempotent: applying the same record again leaves the file unchanged.
    """
    return _ecrire(ctx, dossier, lambda _uow: None)


def _avancer(source: str, curseur: str, uow: UnitOfWork) -> None:
    uow.quarantaine.avancer(source, curseur)


def _cle(enregistrement: DossierFlux | EnregistrementIllisible) -> str:
    """The record's key as the quarantine journal stores it (see :func:`_rejet`)."""
    return _echapper(enregistrement.cle)[:_CLE_MAX]


def _appliquer_lot(
    ctx: Contexte, uow: UnitOfWork, enregistrements: Sequence[DossierFlux | EnregistrementIllisible]
) -> list[ResultatApplication]:
    """Apply a batch's records in order in one unit of work; the caller commits.

    Raises whatever a record raises: the caller then applies the records one by one.
    """
    cles = [_cle(e) for e in enregistrements]
    en_attente = set(uow.quarantaine.en_attente(cles))
    cles_en_attente = {cle for cle, _brut in en_attente}
    dossiers = [e for e in enregistrements if isinstance(e, DossierFlux)]
    lot = _Lot(
        actions=dict(uow.actions.pour_mise_a_jour({d.numero_action for d in dossiers})),
        organismes=dict(
            uow.organismes.obtenir_plusieurs(
                {siret for d in dossiers for siret, _donnees in _organismes_connus(d)}
            )
        ),
    )
    resultats = []
    for cle, enregistrement in zip(cles, enregistrements, strict=True):
        rejet = None
        if cle in cles_en_attente:
            rejet = _rejet(ctx, enregistrement)
            if (rejet.cle, rejet.brut) in en_attente:  # settled by a person, not by a replay
                resultats.append(ResultatApplication.REJETE)
                continue
        if isinstance(enregistrement, EnregistrementIllisible):
            rejet = rejet or _rejet(ctx, enregistrement)
            uow.quarantaine.ajouter(rejet)
            en_attente.add((rejet.cle, rejet.brut))
            cles_en_attente.add(rejet.cle)
            resultats.append(ResultatApplication.REJETE)
        else:
            resultats.append(_upsert(ctx, uow, enregistrement, lot))
    uow.actions.ajouter_plusieurs(list(lot.nouvelles.values()))
    return resultats


def _ecrire_lot(
    ctx: Contexte,
    source: str,
    lot: Sequence[tuple[str, DossierFlux | EnregistrementIllisible]],
    bilan: Bilan,
) -> Bilan:
    """Apply a batch and advance the cursor past it, or apply its records one by one.

    Any failure of the batch (a record refused, the storage refusing one, the
    infrastructure failing) rolls it back and applies its records one by one, as
    :func:`synchroniser` with ``taille_lot=1`` does: a bad record is quarantined alone, and
    a failure of the infrastructure stops the run where record by record would have
    stopped it (after the records committed before it).
    """
    if len(lot) > 1:
        try:
            with ctx.uow() as uow:
                resultats = _appliquer_lot(ctx, uow, [e for _curseur, e in lot])
                uow.quarantaine.avancer(source, lot[-1][0])
                uow.commit()
        except Exception as erreur:  # noqa: BLE001 - the batch is replayed record by record
            _journal.debug("Lot de %d enregistrements rejoué un par un : %r", len(lot), erreur)
        else:
            for (curseur, _e), resultat in zip(lot, resultats, strict=True):
                bilan = bilan.compter(resultat, curseur)
            return bilan
    for curseur, enregistrement in lot:
        resultat = _ecrire(ctx, enregistrement, functools.partial(_avancer, source, curseur))
        bilan = bilan.compter(resultat, curseur)
    return bilan


@cas_d_usage_sauf("source")
def synchroniser(ctx: Contexte, source: SourceFlux, *, taille_lot: int = TAILLE_LOT) -> Bilan:
    """Read the source from its stored cursor and apply its records, resumably.

    Records are applied (or quarantined) by batches of ``taille_lot`` (1: each record in
    its own unit of work), the cursor advanced past each batch in the batch's unit of
    work; a batch holding a bad record is applied again record by record (see the module
    doc). An error of the source stops the run once the records read before it are
    applied; what was committed stays, and the next run resumes after it.

    Raises:
        DonneeInvalide: ``taille_lot`` is below 1.
    """
    if taille_lot < 1:
        raise DonneeInvalide("Un lot compte au moins un enregistrement.", champ="taille_lot")
    with ctx.uow(lecture_seule=True) as uow:
        depuis = uow.quarantaine.curseur(source.nom)
    bilan = Bilan(curseur=depuis)
    lot: list[tuple[str, DossierFlux | EnregistrementIllisible]] = []
    lecture = iter(source.lire(depuis))
    while True:
        try:
            paire = next(lecture, None)
        except BaseException:  # an interruption too: what was read is applied first
            if lot:  # as record by record, where each record read is committed
                _ecrire_lot(ctx, source.nom, lot, bilan)
            raise
        if paire is None:
            break
        lot.append(paire)
        if len(lot) == taille_lot:
            bilan = _ecrire_lot(ctx, source.nom, lot, bilan)
            lot = []
    if lot:
        bilan = _ecrire_lot(ctx, source.nom, lot, bilan)
    return bilan


@attrs.frozen
class Rejeu:
    """What replaying a quarantined record did: applied (and settled), or why it was not."""

    resultat: ResultatApplication
    detail: str = ""


@cas_d_usage_sauf("rejet", "enregistrement")
def rejouer(
    ctx: Contexte,
    rejet: EnregistrementRejete,
    enregistrement: DossierFlux | EnregistrementIllisible,
    *,
    auteur: str,
) -> Rejeu:
    """Apply a quarantined record again and settle its row, or say why it still fails.

    ``enregistrement`` is the row's record as the edge reads it again (illegible when it
    still cannot). Applied, the row is marked settled by ``auteur`` (who replayed it) with
    the record's effect, in one unit of work; refused, nothing changes (the row keeps
    waiting).
    """
    if isinstance(enregistrement, EnregistrementIllisible):
        return Rejeu(ResultatApplication.REJETE, _echapper(enregistrement.detail))
    with ctx.uow() as uow:
        try:
            resultat = _upsert(ctx, uow, enregistrement)
        except (ServiceIndisponible, ModificationConcurrente):
            raise
        except Exception as erreur:  # noqa: BLE001 - reported, the row keeps waiting
            return Rejeu(ResultatApplication.REJETE, _raison(erreur))
        uow.quarantaine.regler(rejet.cle, rejet.brut, ctx.maintenant(), auteur)
        uow.commit()
    return Rejeu(resultat)
