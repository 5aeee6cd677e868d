"""Use cases of the reimbursement requests: prepare, submit, receipt, list, cancel, process.

Rules and choices
-----------------
- **Access.** Every read or write goes through the file: a request, its receipt and its
  documents are visible to an account exactly when their file is
  (:func:`~cfa_domain.services.actions.action_visible`). Anything else raises
  :class:`~cfa_domain.errors.Introuvable`, the same error as an unknown id, whatever id
  is typed (no IDOR, no probing).
- **Pre-filling** (:func:`preparer_demande`, the guide's "aide à la saisie" done properly):
  the already requested pedagogical costs (every request that counts) are allocated to
  the schedule's installments in order; the first one not fully requested is proposed,
  with its period and what is left of it. The certificate is announced as required unless
  that request (its period, what is left of it) would be exempt, by the very function
  the submission applies (:func:`~cfa_domain.remboursement.certificat_requis`).
- **Dates.** "Today" and the day of a submission are calendar days in the OPCO's time
  zone (:meth:`~cfa_domain.services.contexte.Contexte.aujourd_hui`), not the UTC date of
  the clock: the schedule is checked against that day and the receipt is dated with it.
- **Submission** (:func:`soumettre_demande`), in this order:

  1. the uploaded documents are checked (a file name of at most 255 characters once
     its folders are dropped; PDF by content: they start with ``%PDF-`` and, through
     the :class:`~cfa_domain.ports.VerificateurPdf` of the context, parse, are not
     encrypted and have 1 to :attr:`~cfa_domain.services.contexte.Parametres.pages_max_document`
     pages, else :class:`~cfa_domain.errors.DocumentRefuse` names the file; sizes within
     :attr:`~cfa_domain.services.contexte.Parametres.taille_max_document` and
     :attr:`~cfa_domain.services.contexte.Parametres.taille_max_pieces_demande`);
  2. their bytes are stored *before* the unit of work (a file system is no part of the
     transaction), and deleted again if the unit of work does not commit, so nothing is
     left half-written: deleted only when no committed row references them (a commit
     whose answer was lost did commit), a failed deletion logged and left to the sweep
     (:mod:`cfa_domain.services.documents`), never raised in place of the user's error;
  3. in one unit of work: the account, the file locked for update (concurrent
     submissions are checked against the budget one after the other, a double
     submission finds the first one committed, and the request's rank on the file is
     given without a race), the idempotency key (a replay answers
     the receipt of the request already made, and the new bytes are deleted), the rules
     of :meth:`~cfa_domain.remboursement.DemandeRemboursement.soumettre` against the
     file's real schedule, the request, its documents' metadata, the receipt mail in the
     outbox, one commit.

  A key reused for another request (other file, period or amounts) is a
  :class:`~cfa_domain.errors.CleIdempotenceReutilisee`: answering the first receipt would
  hide a mistake.
- **Receipt.** Built from stored data only, so it is the same on every download: the
  organisme is the file's CFA (its OPCO reference as "N° de référence OF", its SIRET when
  the OPCO gave none); the requester is the email that submitted (first history entry);
  "Référence OPCO" is ``<action number>-<rank of the request on the file>``, the rank
  stored on the request at submission (``DemandeRemboursement.rang``, unique per file
  in the database), so two requests never share a reference and a receipt reads the
  same on every download; its date is the submission's day in the OPCO's time zone;
  "Remboursements déjà effectués" counts the requests paid before this one was submitted.
- **Back office.** Only an active OPCO agent processes a request; the requester is mailed
  when it is validated, refused (with the reason) or paid.

Mails (``modele`` and variables, all text; amounts as plain decimals such as
``26247.00``, days as ISO dates such as ``2020-08-21``: the mail adapter formats them in
French):

=====================  ================================================================
``recepisse_demande``  ``demande_id``, ``date``, ``organisme``, ``numero_action``,
                       ``reference_opco``, ``debut``, ``fin``, ``montant`` (the receipt
                       itself is attached by the relay, rendered from the stored request)
``demande_validee``    ``demande_id``, ``numero_action``, ``debut``, ``fin``, ``montant``,
                       ``motif`` (empty)
``demande_payee``      the same
``demande_refusee``    the same, with the ``motif``
=====================  ================================================================
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
from typing import TYPE_CHECKING, Final

import attrs

from cfa_domain.action import EtatDossier
from cfa_domain.echeancier import Echeance, Regime
from cfa_domain.errors import (
    Agregat,
    CleIdempotenceReutilisee,
    DocumentRefuse,
    DonneeInvalide,
    DossierNonRemboursable,
    Introuvable,
    MotifRefusDocument,
)
from cfa_domain.ports import DocumentMeta
from cfa_domain.remboursement import (
    MACHINE_DEMANDE,
    DemandeRemboursement,
    EtatDemande,
    FormulaireDemande,
    MontantsDemandes,
    PieceJointe,
    QuantitesFraisAnnexes,
    Recepisse,
    Soumission,
    certificat_requis,
    consommation,
)
from cfa_domain.services.actions import (
    LigneBudget,
    action_visible,
    lignes_budget,
    suivi_par,
)
from cfa_domain.services.contexte import (
    agent_actif,
    compte_actif,
    organisme_du_compte,
    organisme_qui_ecrit,
    sirets_visibles,
    verifier_page,
)
from cfa_domain.services.documents import effacer_orphelins
from cfa_domain.services.entrees import cas_d_usage
from cfa_domain.values import Categorie, Montant, Periode, Piece, texte

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Sequence

    from cfa_domain.action import Action
    from cfa_domain.compte import Compte
    from cfa_domain.ports import CriteresDemandes, Page, UnitOfWork, VerificateurPdf
    from cfa_domain.remboursement import ChangementEtatDemande, Paiement
    from cfa_domain.services.contexte import Acteur, Contexte, Parametres

__all__ = [
    "LONGUEUR_MAX_CLE_IDEMPOTENCE",
    "LONGUEUR_MAX_NOM_FICHIER",
    "MAGIE_PDF",
    "CommandeDemande",
    "Decision",
    "DetailDemande",
    "Preremplissage",
    "annuler_demande",
    "consulter_demande",
    "consulter_demande_opco",
    "document",
    "document_opco",
    "lister_demandes",
    "lister_demandes_a_traiter",
    "preparer_demande",
    "recepisse",
    "recepisse_a_joindre",
    "recepisse_pdf",
    "soumettre_demande",
    "traiter_demande",
]

MAGIE_PDF = b"%PDF-"
"""Every PDF file starts with these bytes."""

LONGUEUR_MAX_NOM_FICHIER = 255
"""The longest uploaded file name kept (folders dropped), as most file systems allow."""

LONGUEUR_MAX_CLE_IDEMPOTENCE = 128
"""The longest idempotency key a form may send (a UUID or a token needs far less)."""

_MIO = 1024 * 1024


class Decision(enum.Enum):
    """What an OPCO agent does with a request."""

    PRENDRE_EN_TRAITEMENT = "prendre_en_traitement"
    VALIDER = "valider"
    PAYER = "payer"
    REFUSER = "refuser"


_ARRIVEES = {
    Decision.PRENDRE_EN_TRAITEMENT: EtatDemande.EN_TRAITEMENT,
    Decision.VALIDER: EtatDemande.VALIDEE,
    Decision.PAYER: EtatDemande.PAYEE,
    Decision.REFUSER: EtatDemande.REFUSEE,
}
"""The state each decision leads to."""

_MODELES_MAIL_DECISION = {
    Decision.VALIDER: "demande_validee",
    Decision.REFUSER: "demande_refusee",
    Decision.PAYER: "demande_payee",
}


def _verifier_cle_idempotence(_instance: object, _attribut: object, cle: str | None) -> None:
    if cle is not None and len(texte(cle, "cle_idempotence")) > LONGUEUR_MAX_CLE_IDEMPOTENCE:
        raise DonneeInvalide(
            f"Clé d'idempotence : {LONGUEUR_MAX_CLE_IDEMPOTENCE} caractères au plus.",
            champ="cle_idempotence",
            valeur=cle,
        )


@attrs.frozen
class CommandeDemande:
    """What the request form sends.

    ``fichiers`` holds ``(piece, nom_fichier, contenu)`` triples, as uploaded;
    ``cle_idempotence`` is the form's one-time key (a double submission creates one
    request), at most :data:`LONGUEUR_MAX_CLE_IDEMPOTENCE` characters.
    """

    numero_action: str
    periode: Periode
    montants: MontantsDemandes
    fichiers: tuple[tuple[Piece, str, bytes], ...] = ()
    quantites: QuantitesFraisAnnexes = attrs.Factory(QuantitesFraisAnnexes)
    conditions_acceptees: bool = False
    cle_idempotence: str | None = attrs.field(default=None, validator=_verifier_cle_idempotence)


@attrs.frozen
class Preremplissage:
    """What the request form shows and proposes for a file ("aide à la saisie")."""

    numero_action: str
    intitule_formation: str
    apprenti_nom: str
    apprenti_prenom: str
    suivi_par: str | None
    etat: EtatDossier
    regime: Regime
    echeance: Echeance | None
    """The next installment not fully requested, None when all are."""
    reste: Montant
    """What is left to request of that installment (0 € when there is none)."""
    ouverte: bool
    """Whether that installment may be requested today."""
    disponible_aujourd_hui: Montant
    """Pedagogical costs opened by today and not requested yet, all installments together."""
    prochaine_ouverture: dt.date | None
    """The next opening date after today, if any."""
    pieces_requises: frozenset[Piece]
    lignes: tuple[LigneBudget, ...]
    """Budget, consumed and available amounts per category."""

    @property
    def periode(self) -> Periode | None:
        """The period to pre-fill: the proposed installment's."""
        return self.echeance.periode if self.echeance is not None else None

    @property
    def date_ouverture(self) -> dt.date | None:
        """When the proposed installment opens (or opened)."""
        return self.echeance.date_ouverture if self.echeance is not None else None

    @property
    def entete(self) -> str:
        """The form's header line."""
        return f"Dossier Apprentissage : {self.numero_action} suivi par : {self.suivi_par or '—'}"

    def montants_proposes(self) -> MontantsDemandes | None:
        """The amounts to pre-fill: what is left of the installment, if it is open."""
        if not (self.ouverte and self.reste):
            return None
        return MontantsDemandes.depuis({Categorie.FRAIS_PEDAGOGIQUES: self.reste})


@attrs.frozen
class DetailDemande:
    """A request as its page shows it: its state, history and documents, and its receipt."""

    demande: DemandeRemboursement
    recepisse: Recepisse

    @property
    def decisions_possibles(self) -> frozenset[Decision]:
        """What an OPCO agent may do with the request in its state."""
        return frozenset(
            decision
            for decision, arrivee in _ARRIVEES.items()
            if MACHINE_DEMANDE.permet(self.demande.etat, arrivee)
        )


# --- helpers ---------------------------------------------------------------------------


def _taille(octets: int) -> str:
    """A size limit in French: whole mebibytes as "Mo", else in bytes."""
    return f"{octets // _MIO} Mo" if octets % _MIO == 0 else f"{octets} octets"


def _examiner(
    verificateur: VerificateurPdf, piece: Piece, nom: str, contenu: bytes, pages_max: int
) -> None:
    """Refuse a PDF that does not parse, is encrypted, or has no page or too many."""
    examen = verificateur.examiner(contenu)
    if examen.chiffre:
        motif: MotifRefusDocument | None = MotifRefusDocument.CHIFFRE
    elif not examen.lisible or examen.pages is None:
        motif = MotifRefusDocument.ILLISIBLE
    elif examen.pages == 0:
        motif = MotifRefusDocument.SANS_PAGE
    elif examen.pages > pages_max:
        motif = MotifRefusDocument.TROP_DE_PAGES
    else:
        motif = None
    if motif is not None:
        raise DocumentRefuse(piece, nom, motif, pages=examen.pages, limite=pages_max)


def _verifier_fichiers(
    fichiers: Sequence[tuple[Piece, str, bytes]],
    parametres: Parametres,
    verificateur: VerificateurPdf | None,
) -> list[tuple[Piece, str, bytes]]:
    """Check the uploads (name, size, PDF content); return them with clean file names.

    The content: the ``%PDF-`` signature, then, with a ``verificateur``, a full parse.
    """
    propres: list[tuple[Piece, str, bytes]] = []
    total = 0
    for piece, nom_brut, contenu in fichiers:
        nom = nom_brut.replace("\\", "/").rsplit("/", 1)[-1].strip()
        if not nom:
            raise DonneeInvalide(
                f"{piece.libelle} : le nom du fichier est obligatoire.", champ=piece.value
            )
        if len(nom) > LONGUEUR_MAX_NOM_FICHIER:
            raise DonneeInvalide(
                f"{piece.libelle} : le nom du fichier doit compter au plus "
                f"{LONGUEUR_MAX_NOM_FICHIER} caractères.",
                champ=piece.value,
                valeur=nom,
            )
        if len(contenu) > parametres.taille_max_document:
            raise DonneeInvalide(
                f"{piece.libelle} : « {nom} » dépasse la taille maximale d'un document "
                f"({_taille(parametres.taille_max_document)}).",
                champ=piece.value,
                valeur=len(contenu),
            )
        if not contenu.startswith(MAGIE_PDF):
            raise DocumentRefuse(piece, nom, MotifRefusDocument.PAS_UN_PDF)
        if verificateur is not None:
            _examiner(verificateur, piece, nom, contenu, parametres.pages_max_document)
        total += len(contenu)
        propres.append((piece, nom, contenu))
    if total > parametres.taille_max_pieces_demande:
        raise DonneeInvalide(
            "Les documents joints dépassent ensemble la taille maximale d'une demande "
            f"({_taille(parametres.taille_max_pieces_demande)}).",
            champ="fichiers",
            valeur=total,
        )
    return propres


def _paye_le(demande: DemandeRemboursement) -> dt.datetime | None:
    """When the request was paid, None while it is not."""
    return next(
        (c.quand for c in demande.historique if c.arrivee is EtatDemande.PAYEE),
        None,
    )


def _construire_recepisse(
    ctx: Contexte, uow: UnitOfWork, demande: DemandeRemboursement, action: Action
) -> Recepisse:
    """The receipt of ``demande``, from stored data only (identical on every call)."""
    autres = [d for d in uow.demandes.pour_action(action.numero_action) if d.id != demande.id]
    deja_rembourse = Montant.somme(
        d.total for d in autres if (paye := _paye_le(d)) is not None and paye <= demande.soumise_le
    )
    organisme = uow.organismes.obtenir(action.siret_cfa)
    nom = organisme.nom if organisme is not None else str(action.siret_cfa)
    reference = organisme.reference_opco if organisme is not None else None
    return Recepisse.pour(
        demande,
        action,
        date=ctx.jour(demande.soumise_le),
        organisme_nom=nom,
        reference_of=reference or action.siret_cfa.numero,
        demandeur=demande.historique[0].auteur,
        deja_rembourse=deja_rembourse,
    )


def _demande_visible(
    uow: UnitOfWork, compte: Compte, demande_id: uuid.UUID
) -> tuple[DemandeRemboursement, Action]:
    """A request whose file the account may see, and that file; else ``Introuvable``."""
    visibles = sirets_visibles(uow, compte)
    demande = uow.demandes.obtenir(demande_id)
    action = uow.actions.obtenir(demande.numero_action) if demande is not None else None
    if demande is None or action is None or action.siret_cfa not in visibles:
        raise Introuvable(Agregat.DEMANDE, demande_id)
    return demande, action


# --- the CFA's side --------------------------------------------------------------------


@cas_d_usage
def preparer_demande(ctx: Contexte, compte_id: uuid.UUID, numero_action: str) -> Preremplissage:
    """Pre-fill the request form of a file from its schedule and its requests so far.

    Raises:
        Introuvable: no such file, or not visible to the account.
        DossierNonRemboursable: the file's state allows no request.
    """
    with ctx.uow(lecture_seule=True) as uow:
        compte = compte_actif(uow, compte_id)
        organisme_qui_ecrit(uow, compte)
        action = action_visible(uow, compte, numero_action)
        if not action.etat.remboursable:
            raise DossierNonRemboursable(action.numero_action, action.etat)
        demandes = uow.demandes.pour_action(numero_action)
        aujourd_hui = ctx.aujourd_hui()
        echeancier = action.echeancier(ctx.parametres.echeancier)
        deja_demande = consommation(demandes)[Categorie.FRAIS_PEDAGOGIQUES]
        due = echeancier.prochaine_echeance(aujourd_hui, deja_demande)
        certificat = due is None or certificat_requis(
            demandes, due.echeance.periode, due.reste, echeancier, ctx.parametres.remboursement
        )
        apprenti = action.contrat.apprenti
        return Preremplissage(
            numero_action=action.numero_action,
            intitule_formation=action.formation.intitule,
            apprenti_nom=apprenti.nom,
            apprenti_prenom=apprenti.prenom,
            suivi_par=suivi_par(action),
            etat=action.etat,
            regime=echeancier.regime,
            echeance=due.echeance if due is not None else None,
            reste=due.reste if due is not None else Montant.zero(),
            ouverte=due is not None and due.ouverte,
            disponible_aujourd_hui=echeancier.disponible_au(aujourd_hui, deja_demande),
            prochaine_ouverture=echeancier.prochaine_ouverture(aujourd_hui),
            pieces_requises=(
                frozenset({Piece.FACTURE, Piece.CERTIFICAT_REALISATION})
                if certificat
                else frozenset({Piece.FACTURE})
            ),
            lignes=lignes_budget(action, demandes),
        )


@cas_d_usage
def soumettre_demande(ctx: Contexte, compte_id: uuid.UUID, commande: CommandeDemande) -> Recepisse:
    """Submit a reimbursement request and return its receipt (the mail is in the outbox).

    Raises:
        DonneeInvalide: a document that is not a PDF, unnamed or too large.
        Introuvable: no such file, or not visible to the account.
        CleIdempotenceReutilisee: the idempotency key already served for another request.
        RegleDeGestion: a rule of the request refuses it (see ``verifier_demande``).
    """
    fichiers = _verifier_fichiers(commande.fichiers, ctx.parametres, ctx.verificateur_pdf)
    deposes: list[tuple[Piece, str, bytes, str]] = []
    try:
        for piece, nom, contenu in fichiers:
            deposes.append((piece, nom, contenu, ctx.documents.deposer(contenu)))
        resultat, garder = _enregistrer_demande(ctx, compte_id, commande, deposes)
    except BaseException:
        # The commit may have happened though it failed to answer: only bytes that no
        # committed row references are deleted, and a failed deletion never hides the
        # error the user must get (see services/documents.py).
        effacer_orphelins(ctx.uow, ctx.documents, [d for *_, d in deposes])
        raise
    if not garder:
        effacer_orphelins(ctx.uow, ctx.documents, [d for *_, d in deposes])
    return resultat


def _enregistrer_demande(
    ctx: Contexte,
    compte_id: uuid.UUID,
    commande: CommandeDemande,
    deposes: Sequence[tuple[Piece, str, bytes, str]],
) -> tuple[Recepisse, bool]:
    """The unit of work of a submission; True when a new request was committed."""
    with ctx.uow() as uow:
        compte = compte_actif(uow, compte_id)
        organisme_qui_ecrit(uow, compte)
        siret = organisme_du_compte(compte)
        action = action_visible(uow, compte, commande.numero_action, verrouiller=True)
        if commande.cle_idempotence is not None:
            existante = uow.demandes.par_cle_idempotence(compte.id, commande.cle_idempotence)
            if existante is not None:
                if (existante.numero_action, existante.periode, existante.montants) != (
                    commande.numero_action,
                    commande.periode,
                    commande.montants,
                ):
                    raise CleIdempotenceReutilisee(commande.cle_idempotence)
                return _construire_recepisse(ctx, uow, existante, action), False
        quand = ctx.maintenant()
        demande = action.admettre_demande(
            FormulaireDemande(
                periode=commande.periode,
                montants=commande.montants,
                quantites=commande.quantites,
                pieces=tuple(PieceJointe(p, doc_id, nom) for p, nom, _, doc_id in deposes),
                conditions_acceptees=commande.conditions_acceptees,
            ),
            Soumission(
                demande_id=ctx.jetons.identifiant(),
                compte_id=compte.id,
                siret_organisme=siret,
                auteur=str(compte.email),
                quand=quand,
                le=ctx.jour(quand),
                cle_idempotence=commande.cle_idempotence,
            ),
            uow.demandes.pour_action(action.numero_action),
            parametres_echeancier=ctx.parametres.echeancier,
            parametres=ctx.parametres.remboursement,
        )
        uow.demandes.ajouter(demande)
        for _, nom, contenu, document_id in deposes:
            uow.documents.ajouter(
                DocumentMeta(
                    id=document_id,
                    nom_fichier=nom,
                    taille=len(contenu),
                    sha256=hashlib.sha256(contenu).hexdigest(),
                    siret_organisme=siret,
                    numero_action=action.numero_action,
                    depose_le=quand,
                    depose_par=compte.id,
                )
            )
        resultat = _construire_recepisse(ctx, uow, demande, action)
        ctx.message(
            uow,
            compte.email,
            "recepisse_demande",
            demande_id=str(demande.id),
            date=resultat.date.isoformat(),
            organisme=resultat.organisme,
            numero_action=resultat.numero_action,
            reference_opco=resultat.reference_opco,
            debut=resultat.periode.debut.isoformat(),
            fin=resultat.periode.fin.isoformat(),
            montant=str(resultat.montant_demande.valeur),
        )
        uow.commit()
        return resultat, True


@cas_d_usage
def recepisse(ctx: Contexte, compte_id: uuid.UUID, demande_id: uuid.UUID) -> Recepisse:
    """The receipt of a request the account may see.

    Raises:
        Introuvable: no such request, or not visible to the account.
    """
    return consulter_demande(ctx, compte_id, demande_id).recepisse


@cas_d_usage
def recepisse_pdf(ctx: Contexte, compte_id: uuid.UUID, demande_id: uuid.UUID) -> bytes:
    """The receipt of a request the account may see, rendered (a PDF in production).

    Raises:
        Introuvable: no such request, or not visible to the account.
    """
    return ctx.rendu_recepisse.rendre(recepisse(ctx, compte_id, demande_id))


@cas_d_usage
def recepisse_a_joindre(ctx: Contexte, demande_id: uuid.UUID) -> bytes:
    """The rendered receipt of a request, for the mail that acknowledges its submission.

    The mail relay calls it when it sends ``recepisse_demande`` (the outbox keeps only the
    request's id, and the receipt is built from stored data, so it reads like every
    download). No account acts, so it checks no access: it is the relay's, never a request
    handler's (those call :func:`recepisse_pdf`).

    Raises:
        Introuvable: no such request.
    """
    with ctx.uow() as uow:
        demande = uow.demandes.obtenir(demande_id)
        action = uow.actions.obtenir(demande.numero_action) if demande is not None else None
        if demande is None or action is None:
            raise Introuvable(Agregat.DEMANDE, demande_id)
        resultat = _construire_recepisse(ctx, uow, demande, action)
    return ctx.rendu_recepisse.rendre(resultat)


@cas_d_usage
def document(ctx: Contexte, compte_id: uuid.UUID, document_id: str) -> tuple[DocumentMeta, bytes]:
    """An uploaded document of a file the account may see: its metadata and its bytes.

    Raises:
        Introuvable: no such document, or its file is not visible to the account.
    """
    with ctx.uow(lecture_seule=True) as uow:
        compte = compte_actif(uow, compte_id)
        visibles = sirets_visibles(uow, compte)
        meta = uow.documents.obtenir(document_id)
        action = uow.actions.obtenir(meta.numero_action) if meta is not None else None
        if meta is None or action is None or action.siret_cfa not in visibles:
            raise Introuvable(Agregat.DOCUMENT, document_id)
    return meta, ctx.documents.lire(meta.id)


@cas_d_usage
def consulter_demande(ctx: Contexte, compte_id: Acteur, demande_id: uuid.UUID) -> DetailDemande:
    """A request the account may see, with its receipt (the receipt page after submission).

    Raises:
        Introuvable: no such request, or not visible to the account.
    """
    with ctx.uow(lecture_seule=True) as uow:
        compte = compte_actif(uow, compte_id)
        demande, action = _demande_visible(uow, compte, demande_id)
        return DetailDemande(demande, _construire_recepisse(ctx, uow, demande, action))


@cas_d_usage
def lister_demandes(
    ctx: Contexte,
    compte_id: Acteur,
    criteres: CriteresDemandes | None = None,
    *,
    page: int = 1,
    taille: int | None = None,
) -> Page[DemandeRemboursement]:
    """The requests on the files the account may see ("Mes demandes"), newest first.

    ``criteres`` filters them by state and by action number (a prefix).

    Raises:
        DonneeInvalide: a page number below 1 or a page size out of range.
    """
    taille = ctx.parametres.taille_page if taille is None else taille
    verifier_page(page, taille)
    with ctx.uow(lecture_seule=True) as uow:
        compte = compte_actif(uow, compte_id)
        return uow.demandes.pour_organismes(
            sirets_visibles(uow, compte), page=page, taille=taille, criteres=criteres
        )


@cas_d_usage
def annuler_demande(
    ctx: Contexte, compte_id: uuid.UUID, demande_id: uuid.UUID, motif: str = ""
) -> ChangementEtatDemande:
    """The CFA withdraws a request the OPCO has not started processing.

    Raises:
        Introuvable: no such request, or not visible to the account.
        TransitionInterdite: the request is no longer *soumise*.
    """
    with ctx.uow() as uow:
        compte = compte_actif(uow, compte_id)
        organisme_qui_ecrit(uow, compte)
        demande, _ = _demande_visible(uow, compte, demande_id)
        changement = demande.annuler(auteur=str(compte.email), quand=ctx.maintenant(), motif=motif)
        uow.commit()
        return changement


# --- the back office -------------------------------------------------------------------


@cas_d_usage
def traiter_demande(
    ctx: Contexte,
    agent_id: uuid.UUID,
    demande_id: uuid.UUID,
    decision: Decision,
    motif: str = "",
    *,
    paiement: Paiement | None = None,
) -> ChangementEtatDemande:
    """An OPCO agent processes a request; the requester is mailed on refusal and payment.

    ``motif`` is the reason of a refusal (required then, ignored otherwise); ``paiement``
    the day, amount and reference of a payment (kept on the request, ignored otherwise;
    the mail then gives the amount paid).

    Raises:
        AccesRefuse: the account is not an active OPCO agent.
        Introuvable: no such request.
        TransitionInterdite: the decision is not allowed from the request's state.
        DonneeInvalide: a refusal without a reason.
    """
    with ctx.uow() as uow:
        agent = agent_actif(uow, agent_id)
        demande = uow.demandes.obtenir(demande_id)
        if demande is None:
            raise Introuvable(Agregat.DEMANDE, demande_id)
        auteur, quand = str(agent.email), ctx.maintenant()
        if decision is Decision.REFUSER:
            changement = demande.refuser(motif, auteur=auteur, quand=quand)
        else:
            transitions: dict[Decision, Callable[..., ChangementEtatDemande]] = {
                Decision.PRENDRE_EN_TRAITEMENT: demande.prendre_en_traitement,
                Decision.VALIDER: demande.valider,
                Decision.PAYER: functools.partial(
                    demande.payer, paiement=paiement, aujourd_hui=ctx.aujourd_hui()
                ),
            }
            changement = transitions[decision](auteur=auteur, quand=quand)
        modele = _MODELES_MAIL_DECISION.get(decision)
        demandeur = uow.comptes.obtenir(demande.compte_id)
        if modele is not None and demandeur is not None:
            ctx.message(
                uow,
                demandeur.email,
                modele,
                demande_id=str(demande.id),
                numero_action=demande.numero_action,
                debut=demande.periode.debut.isoformat(),
                fin=demande.periode.fin.isoformat(),
                montant=str(
                    (demande.total if demande.paiement is None else demande.paiement.montant).valeur
                ),
                motif=changement.motif,
            )
        uow.commit()
        return changement


ETATS_A_TRAITER: Final = (EtatDemande.SOUMISE, EtatDemande.EN_TRAITEMENT, EtatDemande.VALIDEE)
"""The states in which a request waits for the OPCO (the back office's queue)."""


@cas_d_usage
def lister_demandes_a_traiter(
    ctx: Contexte, agent_id: uuid.UUID, etat: EtatDemande | None = None, *, page: int = 1
) -> Page[DemandeRemboursement]:
    """Back office: the requests waiting for the OPCO, oldest submitted first.

    ``etat`` narrows the queue to one state (any state may be asked: the paid or refused
    requests, oldest first too); by default, the states of :data:`ETATS_A_TRAITER`.

    Raises:
        DonneeInvalide: a page number below 1.
    """
    taille = ctx.parametres.taille_page
    verifier_page(page, taille)
    etats = frozenset(ETATS_A_TRAITER if etat is None else (etat,))
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        return uow.demandes.par_etats(etats, page=page, taille=taille)


@cas_d_usage
def consulter_demande_opco(
    ctx: Contexte, agent_id: uuid.UUID, demande_id: uuid.UUID
) -> DetailDemande:
    """Back office: any request, with its history, documents and receipt.

    Raises:
        Introuvable: no such request.
    """
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        demande = uow.demandes.obtenir(demande_id)
        action = uow.actions.obtenir(demande.numero_action) if demande is not None else None
        if demande is None or action is None:
            raise Introuvable(Agregat.DEMANDE, demande_id)
        return DetailDemande(demande, _construire_recepisse(ctx, uow, demande, action))


@cas_d_usage
def document_opco(
    ctx: Contexte, agent_id: uuid.UUID, document_id: str
) -> tuple[DocumentMeta, bytes]:
    """Back office: any uploaded document, its metadata and its bytes.

    Raises:
        Introuvable: no such document.
    """
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        meta = uow.documents.obtenir(document_id)
        if meta is None:
            raise Introuvable(Agregat.DOCUMENT, document_id)
    return meta, ctx.documents.lire(meta.id)
