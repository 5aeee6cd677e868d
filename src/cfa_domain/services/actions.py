"""Use cases of the files ("Mes actions"): search, detail, and the back office's state changes.

Rules and choices
-----------------
- **Visibility.** A CFA account sees the files whose CFA beneficiary is its own organisme
  or an organisme that delegated to it through an *active* delegation
  (:func:`~cfa_domain.services.contexte.sirets_visibles`). A file it may not see raises
  :class:`~cfa_domain.errors.Introuvable`, exactly like a file that does not exist: an
  action number typed in a URL must not tell whether the file exists (no probing).
  :func:`action_visible` is the one place that decides it; the request use cases
  (:mod:`cfa_domain.services.demandes`) go through it too.
- **Totals of the detail page.** *Consumed* counts every request neither refused nor
  cancelled (it is what the budget rule counts); *reimbursed* counts the paid ones only
  (the guide's "Total des remboursements"); *available* is the budget line minus the
  consumed amount, never below zero. The overpayment to recover after a rupture compares
  the pedagogical costs actually paid with the schedule recomputed up to the rupture date.
- **"Suivi par".** The file carries no advisor field; the header's "suivi par" shows the
  author of the latest change made on the platform (an OPCO agent's email), or nothing
  while only the Webservice has touched the file.
- **Back office.** Only an active OPCO agent changes a file's state; the agent's email is
  the author recorded in the file's history. The accounts of the file's CFA receive a mail
  (through the outbox, in the same transaction) when the file becomes *en attente*
  (documents awaited), *en cours* (funding agreed: requests are now possible), *refusé*,
  *rompu* or *soldé*, whoever made the change (an agent or the Webservice).
- **The OPCO's silence** (guide's glossary: "silence of the OPCO for 20 days after filing
  is a refusal"): :func:`refuser_dossiers_sans_reponse`, run by an agent (or a scheduled
  job acting as one), refuses every file still *reçu*, *en instruction* or *en attente*
  whose filing date (``formation.date_depot``) plus
  :attr:`~cfa_domain.services.contexte.Parametres.delai_silence_refus` (20 days) is
  before today (in the OPCO's time zone): filed on 1 March, refused from 22 March. The
  reason is :data:`MOTIF_SILENCE`; history and mails as for any refusal. Each file is
  refused in its own unit of work, locked and checked again, so a run stopped half-way
  is simply run again, and a file an agent answered meanwhile is left alone.

Mails (``modele`` and variables, all text), sent to each active account of the file's CFA:

======================  ===============================================================
``dossier_en_attente``  ``numero_action``, ``intitule_formation``, ``apprenti``,
                        ``etat``, ``motif`` (what the OPCO awaits, may be empty)
``dossier_accorde``     the same
``dossier_refuse``      the same, with the ``motif``
``dossier_rompu``       the same, and ``date_rupture`` (ISO date, the contract's last day)
``dossier_solde``       the same as ``dossier_en_attente``
======================  ===============================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from cfa_domain.action import Action, ChangementEtat, EtatDossier
from cfa_domain.compte import StatutCompte
from cfa_domain.echeancier import Echeancier
from cfa_domain.errors import Agregat, DonneeInvalide, Introuvable
from cfa_domain.ports import ETATS_SANS_REPONSE, TRI_PAR_DEFAUT, Page, ResumeAction, Tri
from cfa_domain.remboursement import (
    DemandeRemboursement,
    EtatDemande,
    SituationEcheancier,
    consommation,
    rembourse,
    situation_echeances,
)
from cfa_domain.services.contexte import (
    agent_actif,
    compte_actif,
    sirets_visibles,
    verifier_page,
)
from cfa_domain.services.entrees import cas_d_usage
from cfa_domain.values import Categorie, Montant, Siret

if TYPE_CHECKING:
    import datetime as dt
    import uuid
    from collections.abc import Iterable

    from cfa_domain.compte import Compte
    from cfa_domain.ports import CriteresRecherche, UnitOfWork
    from cfa_domain.services.contexte import Acteur, Contexte

__all__ = [
    "AUTEUR_WEBSERVICE",
    "MOTIF_SILENCE",
    "DetailAction",
    "LigneBudget",
    "ListeActions",
    "action_visible",
    "changer_etat_action",
    "consulter_action",
    "detail_action",
    "lignes_budget",
    "liste_avec_noms",
    "lister_actions",
    "notifier_changement_etat",
    "paye_pedagogique",
    "rechercher_actions",
    "refuser_dossiers_sans_reponse",
    "rompre_action",
    "suivi_par",
]

AUTEUR_WEBSERVICE = "Webservice"
"""Author of the history entries written by the upstream feed."""

MOTIF_SILENCE = "silence de l'OPCO valant refus"
"""Reason recorded (and mailed) when a file is refused for the OPCO's silence."""

_MODELES_MAIL_ETAT = {
    EtatDossier.EN_ATTENTE: "dossier_en_attente",
    EtatDossier.EN_COURS: "dossier_accorde",
    EtatDossier.REFUSE: "dossier_refuse",
    EtatDossier.ROMPU: "dossier_rompu",
    EtatDossier.SOLDE: "dossier_solde",
}


@attrs.frozen
class LigneBudget:
    """One budget line of a file, seen from the request form's category."""

    categorie: Categorie
    budget: Montant
    consomme: Montant
    """Requested by the requests that count (neither refused nor cancelled)."""
    disponible: Montant
    """What may still be requested on this line (never below zero)."""


@attrs.frozen
class DetailAction:
    """The file's detail page: its blocks, its requests, its schedule and its totals."""

    action: Action
    demandes: tuple[DemandeRemboursement, ...]
    """Every request on the file, oldest first (the *Paiements* block)."""
    echeancier: Echeancier
    situation: SituationEcheancier
    """Each installment with what is requested, in processing, paid and left on it."""
    total_rembourse: Montant
    """Total of the paid requests ("Total des remboursements")."""
    lignes: tuple[LigneBudget, ...]
    """Budget, consumed and available amounts, one line per request category."""
    trop_percu: Montant
    """Pedagogical costs paid beyond the schedule after a rupture (0 € when none)."""
    suivi_par: str | None

    def ligne(self, categorie: Categorie) -> LigneBudget:
        """The budget line of one category."""
        return next(ligne for ligne in self.lignes if ligne.categorie is categorie)


@attrs.frozen
class ListeActions:
    """The "Mes actions" list: one page of files, and the name of each file's CFA."""

    page: Page[ResumeAction]
    noms_cfa: Mapping[Siret, str]
    """The registered name (raison sociale) of the CFA beneficiary of each file shown."""

    def nom_cfa(self, siret: Siret) -> str:
        """The name of a shown file's CFA beneficiary (its SIRET if the OPCO has no sheet)."""
        return self.noms_cfa.get(siret, str(siret))


def action_visible(
    uow: UnitOfWork, compte: Compte, numero_action: str, *, verrouiller: bool = False
) -> Action:
    """Load a file the account may see (locked for update when ``verrouiller``).

    Raises:
        Introuvable: the file does not exist or the account may not see it (same error).
    """
    visibles = sirets_visibles(uow, compte)
    if verrouiller:
        action = uow.actions.obtenir_pour_mise_a_jour(numero_action)
    else:
        action = uow.actions.obtenir(numero_action)
    if action is None or action.siret_cfa not in visibles:
        raise Introuvable(Agregat.DOSSIER, numero_action)
    return action


def lignes_budget(
    action: Action, demandes: Iterable[DemandeRemboursement]
) -> tuple[LigneBudget, ...]:
    """Budget, consumed and available amounts of the file, per request category."""
    consomme = consommation(demandes)
    return tuple(
        LigneBudget(
            categorie=categorie,
            budget=action.budget.pour(categorie),
            consomme=consomme[categorie],
            disponible=max(action.budget.pour(categorie) - consomme[categorie], Montant.zero()),
        )
        for categorie in Categorie
    )


def suivi_par(action: Action) -> str | None:
    """Who follows the file: the author of its latest change not made by the Webservice."""
    return next(
        (c.auteur for c in reversed(action.historique) if c.auteur != AUTEUR_WEBSERVICE), None
    )


def notifier_changement_etat(
    ctx: Contexte, uow: UnitOfWork, action: Action, changement: ChangementEtat
) -> None:
    """Mail the active accounts of the file's CFA when the file reaches a state they must know.

    See the module's table of mails.
    """
    modele = _MODELES_MAIL_ETAT.get(changement.arrivee)
    if modele is None:
        return
    apprenti = action.contrat.apprenti
    rupture = (
        {"date_rupture": action.date_rupture.isoformat()}
        if changement.arrivee is EtatDossier.ROMPU and action.date_rupture is not None
        else {}
    )
    for compte in uow.comptes.pour_organisme(action.siret_cfa):
        if compte.statut is StatutCompte.ACTIF:
            ctx.message(
                uow,
                compte.email,
                modele,
                numero_action=action.numero_action,
                intitule_formation=action.formation.intitule,
                apprenti=f"{apprenti.prenom} {apprenti.nom}",
                etat=changement.arrivee.libelle,
                motif=changement.motif,
                **rupture,
            )


def _chercher(
    ctx: Contexte,
    uow: UnitOfWork,
    compte_id: Acteur,
    criteres: CriteresRecherche,
    *,
    page: int,
    taille: int | None,
    tri: Tri,
) -> Page[ResumeAction]:
    taille = ctx.parametres.taille_page if taille is None else taille
    verifier_page(page, taille)
    if not isinstance(tri, Tri):
        raise DonneeInvalide("Tri : valeur invalide.", champ="tri", valeur=tri)
    compte = compte_actif(uow, compte_id)
    return uow.actions.rechercher(
        criteres, sirets_visibles(uow, compte), page=page, taille=taille, tri=tri
    )


@cas_d_usage
def rechercher_actions(
    ctx: Contexte,
    compte_id: Acteur,
    criteres: CriteresRecherche,
    *,
    page: int = 1,
    taille: int | None = None,
    tri: Tri = TRI_PAR_DEFAUT,
) -> Page[ResumeAction]:
    """Search the files the account may see (the "Mes actions" list), one page at a time.

    ``taille`` defaults to the deployment's page size; ``tri`` is the column the table is
    sorted on and its direction (:class:`~cfa_domain.ports.ColonneTri`; newest files
    first by default).

    Raises:
        DonneeInvalide: a page number below 1, a page size out of range, or a sort that
            is not a :class:`~cfa_domain.ports.Tri`.
        AccesRefuse, CompteNonActive: the account cannot act (see ``compte_actif``).
    """
    with ctx.uow(lecture_seule=True) as uow:
        return _chercher(ctx, uow, compte_id, criteres, page=page, taille=taille, tri=tri)


@cas_d_usage
def lister_actions(
    ctx: Contexte,
    compte_id: Acteur,
    criteres: CriteresRecherche,
    *,
    page: int = 1,
    taille: int | None = None,
    tri: Tri = TRI_PAR_DEFAUT,
) -> ListeActions:
    """The "Mes actions" list: :func:`rechercher_actions`, with the name of each file's CFA.

    The column "CFA bénéficiaire" names the organisme: the account's own, or one that
    delegated its files to it. One unit of work: the account's own organisme, already
    loaded to know which files it sees, is not read again.

    Raises:
        DonneeInvalide: a page number below 1, a page size out of range, or a bad sort.
        AccesRefuse, CompteNonActive: the account cannot act (see ``compte_actif``).
    """
    with ctx.uow(lecture_seule=True) as uow:
        resultat = _chercher(ctx, uow, compte_id, criteres, page=page, taille=taille, tri=tri)
        return liste_avec_noms(uow, resultat)


def liste_avec_noms(uow: UnitOfWork, resultat: Page[ResumeAction]) -> ListeActions:
    """A page of files with the name of each file's CFA (read in ``uow``)."""
    noms: dict[Siret, str] = {}
    for siret in {ligne.action.siret_cfa for ligne in resultat.elements}:
        organisme = uow.organismes.obtenir(siret)
        if organisme is not None:
            noms[siret] = organisme.fiche.raison_sociale
    return ListeActions(page=resultat, noms_cfa=noms)


@cas_d_usage
def consulter_action(ctx: Contexte, compte_id: Acteur, numero_action: str) -> DetailAction:
    """The detail page of a file the account may see.

    Raises:
        Introuvable: no such file, or not visible to the account.
    """
    with ctx.uow(lecture_seule=True) as uow:
        compte = compte_actif(uow, compte_id)
        return detail_action(ctx, uow, action_visible(uow, compte, numero_action))


def detail_action(ctx: Contexte, uow: UnitOfWork, action: Action) -> DetailAction:
    """The detail of a file already loaded in ``uow``: its requests, schedule and totals."""
    demandes = tuple(uow.demandes.pour_action(action.numero_action))
    echeancier = action.echeancier(ctx.parametres.echeancier)
    return DetailAction(
        action=action,
        demandes=demandes,
        echeancier=echeancier,
        situation=situation_echeances(echeancier, demandes),
        total_rembourse=rembourse(demandes),
        lignes=lignes_budget(action, demandes),
        trop_percu=echeancier.trop_percu(paye_pedagogique(demandes)),
        suivi_par=suivi_par(action),
    )


def paye_pedagogique(demandes: Iterable[DemandeRemboursement]) -> Montant:
    """The pedagogical costs of the paid requests (what a rupture may make overpaid)."""
    return Montant.somme(
        d.montants.frais_pedagogiques for d in demandes if d.etat is EtatDemande.PAYEE
    )


def _action_pour_agent(uow: UnitOfWork, numero_action: str) -> Action:
    action = uow.actions.obtenir_pour_mise_a_jour(numero_action)
    if action is None:
        raise Introuvable(Agregat.DOSSIER, numero_action)
    return action


@cas_d_usage
def changer_etat_action(
    ctx: Contexte,
    agent_id: uuid.UUID,
    numero_action: str,
    etat: EtatDossier,
    motif: str = "",
) -> ChangementEtat:
    """An OPCO agent moves a file to ``etat``; the CFA is mailed as the module's table says.

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
        Introuvable: no such file.
        TransitionInterdite: the transition is not allowed from the file's state.
        DonneeInvalide: a refusal without a reason, or *rompu* (use :func:`rompre_action`).
    """
    with ctx.uow() as uow:
        agent = agent_actif(uow, agent_id)
        action = _action_pour_agent(uow, numero_action)
        changement = action.changer_etat(
            etat, auteur=str(agent.email), quand=ctx.maintenant(), motif=motif
        )
        notifier_changement_etat(ctx, uow, action, changement)
        uow.commit()
        return changement


@cas_d_usage
def rompre_action(
    ctx: Contexte,
    agent_id: uuid.UUID,
    numero_action: str,
    date_rupture: dt.date,
    motif: str,
) -> ChangementEtat:
    """An OPCO agent records the early end of a contract on its last day ``date_rupture``.

    The CFA's accounts are mailed (``dossier_rompu``).

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
        Introuvable: no such file.
        TransitionInterdite: the file is not *en cours*.
        DonneeInvalide: no reason, or a rupture date outside the contract.
    """
    with ctx.uow() as uow:
        agent = agent_actif(uow, agent_id)
        action = _action_pour_agent(uow, numero_action)
        changement = action.rompre(
            date_rupture, auteur=str(agent.email), quand=ctx.maintenant(), motif=motif
        )
        notifier_changement_etat(ctx, uow, action, changement)
        uow.commit()
        return changement


@cas_d_usage
def refuser_dossiers_sans_reponse(ctx: Contexte, agent_id: uuid.UUID) -> list[str]:
    """Refuse the files the OPCO left unanswered too long; return their action numbers.

    See the module's rules ("The OPCO's silence"). The agent is the author of the history
    entries; the CFA's accounts are mailed as for any refusal.

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
    """
    deposes_avant = ctx.aujourd_hui() - ctx.parametres.delai_silence_refus
    with ctx.uow(lecture_seule=True) as uow:
        auteur = str(agent_actif(uow, agent_id).email)
        candidats = [a.numero_action for a in uow.actions.sans_reponse(deposes_avant)]
    refuses: list[str] = []
    for numero_action in candidats:
        with ctx.uow() as uow:
            action = uow.actions.obtenir_pour_mise_a_jour(numero_action)
            if (
                action is None
                or action.etat not in ETATS_SANS_REPONSE
                or action.formation.date_depot >= deposes_avant
            ):
                continue
            changement = action.changer_etat(
                EtatDossier.REFUSE, auteur=auteur, quand=ctx.maintenant(), motif=MOTIF_SILENCE
            )
            notifier_changement_etat(ctx, uow, action, changement)
            uow.commit()
        refuses.append(numero_action)
    return refuses
