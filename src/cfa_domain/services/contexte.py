"""What every use case receives: the ports it talks through and the product's parameters.

The composition root (the web app, a CLI, a back-office tool) builds one
:class:`Contexte` with real adapters; tests build one with the fakes of
:mod:`cfa_domain.testing.fakes` (see :func:`cfa_domain.testing.fakes.memoire`).

**Time.** The clock gives UTC instants; every *calendar day* a use case derives from it
("today", the day of a submission, of a receipt) is the day in the OPCO's time zone,
:attr:`Parametres.fuseau_horaire` (``Europe/Paris`` by default), through
:meth:`Contexte.aujourd_hui` and :meth:`Contexte.jour`: a request made at 00:30 in Paris
on the day an installment opens is made on that day, though it is still the day before
in UTC. The zone database is the standard library's :mod:`zoneinfo` (the system's, or
the ``tzdata`` package where the system has none).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from typing import TYPE_CHECKING, TypeAlias

import attrs

from cfa_domain.compte import (
    POLITIQUE_PAR_DEFAUT,
    Compte,
    HacheurMotDePasse,
    PolitiqueMotDePasse,
    PolitiqueVerrouillage,
    Role,
    StatutCompte,
)
from cfa_domain.echeancier import PARAMETRES_PAR_DEFAUT, ParametresEcheancier
from cfa_domain.errors import (
    Agregat,
    CompteNonActive,
    CompteSansOrganisme,
    DonneeInvalide,
    Introuvable,
    OrganismeEnLectureSeule,
    ReserveAuxConseillers,
    SessionInvalide,
)
from cfa_domain.ports import (
    EntrepotDocuments,
    FabriqueUnitOfWork,
    GenerateurJetons,
    Horloge,
    MessageSortant,
    RenduRecepisse,
    UnitOfWork,
    VerificateurPdf,
)
from cfa_domain.remboursement import (
    PARAMETRES_REMBOURSEMENT_PAR_DEFAUT,
    ParametresRemboursement,
)
from cfa_domain.values import entier

if TYPE_CHECKING:
    from cfa_domain.organisme import Organisme
    from cfa_domain.values import Email, Siret

__all__ = ["TAILLE_PAGE_MAX", "Acteur", "Contexte", "Parametres", "SessionOuverte", "session_tenue"]

TAILLE_PAGE_MAX = 100

# Hashed once per deployment; checked when a login names no account (see hash_factice).
_MOT_DE_PASSE_FACTICE = "aucun compte ne porte ce mot de passe"


def _fuseau(_instance: object, _attribut: object, valeur: object) -> None:
    """Attrs validator: the IANA name of a time zone the zone database knows."""
    if isinstance(valeur, str):
        try:
            zoneinfo.ZoneInfo(valeur)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return
    raise DonneeInvalide(
        f"Fuseau horaire inconnu : « {valeur} » (exemple : Europe/Paris).",
        champ="fuseau_horaire",
        valeur=valeur,
    )


@attrs.frozen
class Parametres:
    """Every product decision the use cases apply, with the defaults of ``domain.md``."""

    echeancier: ParametresEcheancier = PARAMETRES_PAR_DEFAUT
    remboursement: ParametresRemboursement = PARAMETRES_REMBOURSEMENT_PAR_DEFAUT
    politique_mot_de_passe: PolitiqueMotDePasse = POLITIQUE_PAR_DEFAUT
    verrouillage: PolitiqueVerrouillage = attrs.Factory(PolitiqueVerrouillage)
    duree_activation: dt.timedelta = dt.timedelta(hours=24)
    duree_reinitialisation: dt.timedelta = dt.timedelta(hours=1)
    duree_invitation: dt.timedelta = dt.timedelta(hours=24)
    """Life of an invitation link: like every link that opens an account, 24 h."""
    taille_page: int = 10
    taille_max_document: int = 10 * 1024 * 1024
    """Largest uploaded document, in bytes (10 Mio)."""
    taille_max_pieces_demande: int = 25 * 1024 * 1024
    """Largest total of the documents of one reimbursement request, in bytes (25 Mio)."""
    fuseau_horaire: str = attrs.field(default="Europe/Paris", validator=_fuseau)
    """The OPCO's time zone: the calendar days of the use cases are taken in it."""
    delai_silence_refus: dt.timedelta = dt.timedelta(days=20)
    """A file left unanswered this long after its filing is refused (the OPCO's silence)."""
    pages_max_document: int = 200
    """Most pages an uploaded PDF may have (an invoice or a certificate has a few)."""
    delai_grace_documents: dt.timedelta = dt.timedelta(hours=24)
    """Stored bytes no committed document references are swept once this old (a crash's)."""


@attrs.frozen
class Contexte:
    """The ports and parameters of one deployment."""

    uow: FabriqueUnitOfWork
    horloge: Horloge
    jetons: GenerateurJetons
    hacheur: HacheurMotDePasse
    documents: EntrepotDocuments
    rendu_recepisse: RenduRecepisse
    parametres: Parametres = attrs.Factory(Parametres)
    verificateur_pdf: VerificateurPdf | None = None
    """Parses each uploaded PDF; None checks the ``%PDF-`` signature only (an embedder
    without the ``pdf`` extra). Production passes ``cfa_adapters.pdf.VerificateurPdfPypdf``.
    """
    _hash_factice: list[str] = attrs.field(factory=list, init=False, repr=False, eq=False)

    def hash_factice(self) -> str:
        """A hash of no account's password, made once with this deployment's hasher.

        A login naming an unknown email checks the typed password against it, so that
        the answer takes as long as for a real account (no enumeration by timing).
        """
        if not self._hash_factice:
            self._hash_factice.append(self.hacheur.hacher(_MOT_DE_PASSE_FACTICE))
        return self._hash_factice[0]

    def maintenant(self) -> dt.datetime:
        """The current instant."""
        return self.horloge.maintenant()

    def jour(self, instant: dt.datetime) -> dt.date:
        """The calendar day of ``instant`` (timezone-aware) in the OPCO's time zone."""
        return instant.astimezone(zoneinfo.ZoneInfo(self.parametres.fuseau_horaire)).date()

    def aujourd_hui(self) -> dt.date:
        """Today, in the OPCO's time zone (not the UTC date of the clock)."""
        return self.jour(self.maintenant())

    def message(
        self, uow: UnitOfWork, destinataire: Email, modele: str, **contexte: str
    ) -> MessageSortant:
        """Queue a mail in the unit of work's outbox (sent only if it commits)."""
        message = MessageSortant(
            id=self.jetons.identifiant(),
            destinataire=destinataire,
            modele=modele,
            contexte=contexte,
            cree_le=self.maintenant(),
        )
        uow.outbox.ajouter(message)
        return message


@attrs.frozen
class SessionOuverte:
    """A logged-in session: its account, and the session generation it was opened under.

    A use case given one where it takes the acting account's id checks, on the one read
    of the account it makes anyway and in its own unit of work, that the session still
    holds (:func:`session_tenue`); otherwise it raises
    :class:`~cfa_domain.errors.SessionInvalide` (the web layer ends the session and sends
    to the login page). So a page checks its session and runs its use case with one read
    of the account instead of two.
    """

    compte_id: uuid.UUID = attrs.field(validator=attrs.validators.instance_of(uuid.UUID))
    generation: int = attrs.field(validator=attrs.validators.instance_of(int))


Acteur: TypeAlias = uuid.UUID | SessionOuverte
"""Who acts in a use case: an account's id, or a session to check on the way."""


def session_tenue(compte: Compte, generation: int) -> bool:
    """True while the account is active and no password or email change ended the session."""
    return compte.statut is StatutCompte.ACTIF and compte.generation_session == generation


def compte_actif(uow: UnitOfWork, compte_id: Acteur) -> Compte:
    """Load the acting account; refuse an unknown or inactive one, or a session that ended.

    Raises:
        SessionInvalide: no such account, or a :class:`SessionOuverte` that no longer holds
            (the account deactivated, or its password or email changed since).
        CompteNonActive: the account (named by its id) is not active.
    """
    if isinstance(compte_id, SessionOuverte):
        session = uow.comptes.obtenir(compte_id.compte_id)
        if session is None or not session_tenue(session, compte_id.generation):
            raise SessionInvalide
        return session
    compte = uow.comptes.obtenir(compte_id)
    if compte is None:
        raise SessionInvalide
    if compte.statut is not StatutCompte.ACTIF:
        raise CompteNonActive(compte.statut)
    return compte


def agent_actif(uow: UnitOfWork, compte_id: Acteur) -> Compte:
    """Load the acting account and require an OPCO agent."""
    compte = compte_actif(uow, compte_id)
    if compte.role is not Role.AGENT_OPCO:
        raise ReserveAuxConseillers
    return compte


def organisme_du_compte(compte: Compte) -> Siret:
    """The SIRET of a CFA account's organisme."""
    if compte.siret_organisme is None:
        raise CompteSansOrganisme
    return compte.siret_organisme


def organisme_existant(uow: UnitOfWork, siret: Siret) -> Organisme:
    """Load an organisme that must exist (an account's own, a sheet an agent opens)."""
    organisme = uow.organismes.obtenir(siret)
    if organisme is None:
        raise Introuvable(Agregat.ORGANISME, siret)
    return organisme


def _actif(organisme: Organisme | None) -> bool:
    return organisme is not None and organisme.est_actif


def organisme_qui_ecrit(uow: UnitOfWork, compte: Compte) -> Organisme:
    """The organisme of a CFA account about to change something: it must be active.

    An organisme the OPCO deactivated (or whose sheet awaits validation) keeps read
    access (its accounts sign in, read files and requests, download receipts), but
    :class:`~cfa_domain.errors.OrganismeEnLectureSeule` refuses every write: requests,
    cancellations, delegations, sheet, invitations.
    """
    organisme = organisme_existant(uow, organisme_du_compte(compte))
    organisme.exiger_actif(OrganismeEnLectureSeule)
    return organisme


def sirets_visibles(uow: UnitOfWork, compte: Compte) -> frozenset[Siret]:
    """The organismes whose files this account may see: its own and its active delegants.

    A delegation gives access only while both its organismes are active: an inactive
    organisme sees only its own files, and an inactive delegant's files are seen by
    nobody else.
    """
    siret = organisme_du_compte(compte)
    if not _actif(uow.organismes.obtenir(siret)):
        return frozenset({siret})
    delegants = uow.delegations.delegants_actifs(siret)
    return frozenset({siret}) | {d for d in delegants if _actif(uow.organismes.obtenir(d))}


def verifier_page(page: int, taille: int) -> None:
    """Refuse a page number outside 1..ENTIER_MAX or a page size outside 1..TAILLE_PAGE_MAX."""
    entier(page, "page", "Numéro de page", minimum=1)
    entier(taille, "taille", "Taille de page", minimum=1, maximum=TAILLE_PAGE_MAX)
