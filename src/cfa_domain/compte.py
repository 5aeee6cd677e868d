"""User accounts: opening rule, password policy, tokens, login throttling.

Rules (docs/security.md, docs/domain.md "Who may open an organisme's files"):

- **Opening.** A SIRET is public, so knowing it must never open an organisme's files.
  :meth:`Compte.ouvrir` decides the first status: an address the OPCO has on file for the
  organisme, or an invitation by an active account of the same organisme, leads to
  *en attente d'activation* (the activation link proves the mailbox); any other address
  waits for an OPCO agent's approval first. An invited account is opened without a
  password (:data:`HASH_INUTILISABLE`): the invited person chooses it when accepting the
  invitation (:meth:`Compte.accepter_invitation`), which also proves the mailbox.
- **Activation proves the mailbox *and* the password** (against account pre-hijacking:
  anyone may type the public on-file address of an organisme with a password of their
  own). :meth:`Compte.activer_avec_mot_de_passe` asks for the password chosen at
  creation, checked like a login (counted, locked after too many failures); a new
  creation form for an account still awaiting activation replaces its password
  (:meth:`Compte.redemander_ouverture`) and kills its links, so only the latest submitter,
  who must also read the mailbox, can activate it. An active account is never touched.
- **Passwords** are never kept in clear: a :class:`HacheurMotDePasse` port (argon2id in
  the adapters) hashes them, and the account rehashes on login when the hasher's
  parameters changed. :class:`PolitiqueMotDePasse` lists every failed rule at once; its
  default is the CNIL 2022-100 level for a throttled login (12 characters, common
  passwords refused); :data:`POLITIQUE_GUIDE` is the guide's own rule (8 characters, a
  lower-case and an upper-case letter).
- **Tokens** (activation, password reset) are secrets generated outside the domain; the
  account stores only their SHA-256 fingerprint, an expiry and when they were used. A
  token is single use; issuing a new one of a type kills the older ones; reset tokens also
  die when the user logs in or the password or email changes (Django's design).
- **Throttling.** The account counts its failed logins and locks itself for a while after
  :attr:`PolitiqueVerrouillage.echecs_max` of them. The lock is checked *before* the
  password, and the account's status only *after* a correct password, so a wrong guess
  learns nothing about the account. An account without a password (invited, not
  accepted) checks the typed password against a dummy hash given by the caller, so that
  the answer takes as long as for any other account. Per-address throttling belongs to
  the web layer.
- **Secrets never printed.** The password hash and the tokens are left out of the
  account's ``repr`` (logs, tracebacks, debuggers).
- **Sessions.** :attr:`Compte.generation_session` grows whenever the password or the login
  email changes (or the account is deactivated); the web layer stores it in the session
  and ends any session carrying an older value.

Every method takes the current time as ``quand``: the domain never reads a clock.

A failed login *changes* the account (its counter) and then raises: the use case must
commit the unit of work before letting :class:`~cfa_domain.errors.IdentifiantsInvalides`
or :class:`~cfa_domain.errors.MotDePasseActuelIncorrect` propagate, or the failure would
be rolled back and never counted.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import string
import uuid
from typing import TYPE_CHECKING, Protocol, Self

import attrs

from cfa_domain._mots_de_passe_courants import MOTS_DE_PASSE_COURANTS
from cfa_domain.errors import (
    Agregat,
    CompteNonActive,
    CompteNonEnAttente,
    CompteVerrouille,
    CreationCompteImpossible,
    DemandeOuvertureNonRenouvelable,
    DonneeInvalide,
    EnvoiLienImpossible,
    IdentifiantsInvalides,
    InvitationNonAutorisee,
    JetonInvalide,
    MotDePasseActivationIncorrect,
    MotDePasseActuelIncorrect,
    MotDePasseNonConforme,
    RegleMotDePasse,
)
from cfa_domain.etats import Changement, MachineAEtats

# Runtime import, not a TYPE_CHECKING one: cattrs and SQLAlchemy resolve these annotations.
from cfa_domain.values import Email, Siret

if TYPE_CHECKING:
    from collections.abc import Callable

    from cfa_domain.organisme import Organisme

__all__ = [
    "DUREES_JETONS",
    "HASH_INUTILISABLE",
    "LONGUEUR_MIN_SECRET",
    "MACHINE_COMPTE",
    "POLITIQUE_GUIDE",
    "POLITIQUE_PAR_DEFAUT",
    "POLITIQUE_VERROUILLAGE_PAR_DEFAUT",
    "Compte",
    "HacheurMotDePasse",
    "Jeton",
    "PolitiqueMotDePasse",
    "PolitiqueVerrouillage",
    "Role",
    "StatutCompte",
    "TypeJeton",
    "empreinte_jeton",
]


class HacheurMotDePasse(Protocol):
    """Port: hashes and checks passwords (argon2id in the adapters)."""

    def hacher(self, mot_de_passe: str) -> str:
        """Return a salted hash of ``mot_de_passe``, with its parameters encoded in it."""
        ...

    def verifier(self, hash_mot_de_passe: str, mot_de_passe: str) -> bool:
        """Return True when ``mot_de_passe`` matches the hash."""
        ...

    def doit_rehacher(self, hash_mot_de_passe: str) -> bool:
        """Return True when the hash was made with outdated parameters."""
        ...


class StatutCompte(enum.Enum):
    """Life of an account."""

    EN_ATTENTE_ACTIVATION = "en_attente_activation"
    EN_ATTENTE_APPROBATION = "en_attente_approbation"
    ACTIF = "actif"
    DESACTIVE = "desactive"

    @property
    def libelle(self) -> str:
        """French label."""
        return {
            StatutCompte.EN_ATTENTE_ACTIVATION: "en attente d'activation",
            StatutCompte.EN_ATTENTE_APPROBATION: "en attente d'approbation",
            StatutCompte.ACTIF: "actif",
            StatutCompte.DESACTIVE: "désactivé",
        }[self]


MACHINE_COMPTE: MachineAEtats[StatutCompte] = MachineAEtats(
    Agregat.COMPTE,
    "statut",
    "id",
    {
        # An agent approves the request, or refuses it (deactivation).
        StatutCompte.EN_ATTENTE_APPROBATION: frozenset(
            {StatutCompte.EN_ATTENTE_ACTIVATION, StatutCompte.DESACTIVE}
        ),
        StatutCompte.EN_ATTENTE_ACTIVATION: frozenset({StatutCompte.ACTIF, StatutCompte.DESACTIVE}),
        StatutCompte.ACTIF: frozenset({StatutCompte.DESACTIVE}),
        # Reactivation goes back to the status held before the deactivation.
        StatutCompte.DESACTIVE: frozenset(
            {
                StatutCompte.EN_ATTENTE_APPROBATION,
                StatutCompte.EN_ATTENTE_ACTIVATION,
                StatutCompte.ACTIF,
            }
        ),
    },
)
"""The status machine of an account (approval, activation, deactivation, reactivation)."""


class Role(enum.Enum):
    """What the account is: a CFA's user, or an OPCO agent (back office)."""

    CFA = "cfa"
    AGENT_OPCO = "agent_opco"


# --- Password policy -----------------------------------------------------------------------

# Keyboard rows and alphabetic/digit runs: any stretch of 4 or more of them is predictable.
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "azertyuiopqsdfghjklmwxcvbn",
    "qwertyuiopasdfghjklzxcvbnm",
)
_LONGUEUR_MIN_SEQUENCE = 4
_LONGUEUR_MIN_PARTIE_LOCALE = 3
_ENTOURAGE = string.digits + string.punctuation + " "


def _mots_plies(mots: frozenset[str]) -> frozenset[str]:
    return frozenset(mot.casefold() for mot in mots)


@attrs.frozen(kw_only=True)
class PolitiqueMotDePasse:
    """The rules a new password must satisfy (every one reported at once)."""

    longueur_min: int = 12
    longueur_max: int = 128
    exige_minuscule: bool = True
    exige_majuscule: bool = True
    refuser_courants: bool = True
    mots_courants: frozenset[str] = attrs.field(
        default=MOTS_DE_PASSE_COURANTS, converter=_mots_plies
    )

    def __attrs_post_init__(self) -> None:
        """Refuse an incoherent policy: CNIL asks for no maximum below 64 characters."""
        if self.longueur_min < 1:
            raise DonneeInvalide(
                "La longueur minimale d'un mot de passe doit être d'au moins 1 caractère.",
                champ="longueur_min",
                valeur=self.longueur_min,
            )
        if self.longueur_max < max(64, self.longueur_min):
            raise DonneeInvalide(
                "La longueur maximale d'un mot de passe doit être d'au moins 64 caractères "
                "et d'au moins la longueur minimale.",
                champ="longueur_max",
                valeur=self.longueur_max,
            )

    def est_courant(self, mot_de_passe: str) -> bool:
        """True for a listed password, a listed word wrapped in digits, or a pattern."""
        plie = mot_de_passe.casefold()
        candidats = {plie, plie.strip(_ENTOURAGE)}
        if candidats & self.mots_courants:
            return True
        if len(set(plie)) <= 2:  # noqa: PLR2004  # "aaaa…", "abab…"
            return True
        return any(
            len(candidat) >= _LONGUEUR_MIN_SEQUENCE
            and any(candidat in s or candidat in s[::-1] for s in _SEQUENCES)
            for candidat in candidats
        )

    def enfreintes(
        self, mot_de_passe: str, *, email: Email | None = None
    ) -> tuple[RegleMotDePasse, ...]:
        """Every rule ``mot_de_passe`` breaks (empty when it is accepted)."""
        regles: list[RegleMotDePasse] = []
        if len(mot_de_passe) < self.longueur_min:
            regles.append(RegleMotDePasse.LONGUEUR_MIN)
        if len(mot_de_passe) > self.longueur_max:
            regles.append(RegleMotDePasse.LONGUEUR_MAX)
        if self.exige_minuscule and not any(c.islower() for c in mot_de_passe):
            regles.append(RegleMotDePasse.MINUSCULE)
        if self.exige_majuscule and not any(c.isupper() for c in mot_de_passe):
            regles.append(RegleMotDePasse.MAJUSCULE)
        if self.refuser_courants and self.est_courant(mot_de_passe):
            regles.append(RegleMotDePasse.COURANT)
        if email is not None:
            locale = email.adresse.split("@", 1)[0].casefold()
            if len(locale) >= _LONGUEUR_MIN_PARTIE_LOCALE and locale in mot_de_passe.casefold():
                regles.append(RegleMotDePasse.CONTIENT_EMAIL)
        return tuple(regles)

    def raisons(self, mot_de_passe: str, *, email: Email | None = None) -> tuple[str, ...]:
        """Every rule ``mot_de_passe`` breaks, in French (empty when it is accepted)."""
        return tuple(
            r.raison(longueur_min=self.longueur_min, longueur_max=self.longueur_max)
            for r in self.enfreintes(mot_de_passe, email=email)
        )

    def refuser(
        self, regles: tuple[RegleMotDePasse, ...], *, champ: str = "mot_de_passe"
    ) -> MotDePasseNonConforme:
        """The error listing ``regles``, with this policy's length bounds."""
        return MotDePasseNonConforme(
            regles, longueur_min=self.longueur_min, longueur_max=self.longueur_max, champ=champ
        )

    def verifier(
        self, mot_de_passe: str, *, email: Email | None = None, champ: str = "mot_de_passe"
    ) -> None:
        """Raise :class:`MotDePasseNonConforme` listing every broken rule, if any."""
        regles = self.enfreintes(mot_de_passe, email=email)
        if regles:
            raise self.refuser(regles, champ=champ)


#: The guide's rule: "1 minuscule, 1 majuscule et au moins 8 caractères".
POLITIQUE_GUIDE = PolitiqueMotDePasse(longueur_min=8, refuser_courants=False)
#: CNIL 2022-100, throttled login: 12 characters, lower and upper case, common ones refused.
POLITIQUE_PAR_DEFAUT = PolitiqueMotDePasse()


@attrs.frozen(kw_only=True)
class PolitiqueVerrouillage:
    """After ``echecs_max`` failed logins in a row, the account locks for ``duree_verrou``."""

    echecs_max: int = 5
    duree_verrou: dt.timedelta = dt.timedelta(minutes=15)

    def __attrs_post_init__(self) -> None:
        """Refuse a policy that would never let anyone in or never lock."""
        if self.echecs_max < 1:
            raise DonneeInvalide(
                "Le nombre d'échecs avant verrouillage doit être d'au moins 1.",
                champ="echecs_max",
                valeur=self.echecs_max,
            )
        if self.duree_verrou <= dt.timedelta(0):
            raise DonneeInvalide(
                "La durée de verrouillage doit être positive.",
                champ="duree_verrou",
                valeur=self.duree_verrou,
            )


POLITIQUE_VERROUILLAGE_PAR_DEFAUT = PolitiqueVerrouillage()


# --- Tokens ------------------------------------------------------------------------------


class TypeJeton(enum.Enum):
    """What a link sent by email allows.

    An invitation is an activation token on the invited account (opened without a
    password): :meth:`Compte.accepter_invitation` sets the password and activates it.
    """

    ACTIVATION = "activation"
    REINITIALISATION = "reinitialisation"
    CHANGEMENT_EMAIL = "changement_email"
    """Sent to the new login address: following it proves that mailbox and makes the change."""


#: Default lifetimes: the guide's 24 h activation link; a one-hour reset link (OWASP).
DUREES_JETONS = {
    TypeJeton.ACTIVATION: dt.timedelta(hours=24),
    TypeJeton.REINITIALISATION: dt.timedelta(hours=1),
    TypeJeton.CHANGEMENT_EMAIL: dt.timedelta(hours=24),
}

#: A shorter secret cannot carry the 256 bits the token generator port promises.
LONGUEUR_MIN_SECRET = 32


def empreinte_jeton(secret: str) -> str:
    """The SHA-256 fingerprint (hex) under which a token's secret is stored and looked up."""
    return hashlib.sha256(secret.encode()).hexdigest()


@attrs.frozen(kw_only=True)
class Jeton:
    """A token as stored: its fingerprint, never its secret."""

    type: TypeJeton
    empreinte: str
    emis_le: dt.datetime
    expire_le: dt.datetime
    utilise_le: dt.datetime | None = None
    email: Email | None = None
    """The new login address a :attr:`TypeJeton.CHANGEMENT_EMAIL` link confirms (else None)."""

    def est_valide(self, quand: dt.datetime) -> bool:
        """True when unused and ``quand`` is strictly before the expiry."""
        return self.utilise_le is None and quand < self.expire_le

    def correspond(self, secret: str) -> bool:
        """Compare ``secret``'s fingerprint in constant time."""
        return hmac.compare_digest(self.empreinte, empreinte_jeton(secret))


# --- The account -------------------------------------------------------------------------

#: The hash of an account that has no password yet (invited, not accepted). No hasher
#: produces it, and :meth:`Compte.authentifier` refuses it whatever the hasher says.
HASH_INUTILISABLE = "!"


@attrs.define(slots=False, eq=False)
class Compte:
    """A login (email + password) of a CFA's user or of an OPCO agent."""

    id: uuid.UUID
    email: Email
    siret_organisme: Siret | None
    role: Role
    statut: StatutCompte
    hash_mot_de_passe: str = attrs.field(repr=False)
    cree_le: dt.datetime
    active_le: dt.datetime | None = None
    jetons: list[Jeton] = attrs.field(factory=list, repr=False)
    echecs_connexion: int = 0
    verrouille_jusqu_a: dt.datetime | None = None
    derniere_connexion: dt.datetime | None = None
    generation_session: int = 0
    mot_de_passe_change_le: dt.datetime | None = None
    historique: list[Changement[StatutCompte]] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        """A CFA account belongs to an organisme; an OPCO agent's account to none."""
        if (self.role is Role.CFA) != (self.siret_organisme is not None):
            raise DonneeInvalide(
                "Un compte CFA est rattaché à un organisme (SIRET) ; un compte agent de "
                "l'OPCO ne l'est pas.",
                champ="siret",
            )

    # --- Opening ---

    @classmethod
    def ouvrir(
        cls,
        *,
        id: uuid.UUID,  # noqa: A002  # the entity's field is named id, as in every aggregate
        email: Email,
        organisme: Organisme,
        mot_de_passe: str | None,
        quand: dt.datetime,
        hasher: HacheurMotDePasse,
        politique: PolitiqueMotDePasse = POLITIQUE_PAR_DEFAUT,
        invite_par: Compte | None = None,
    ) -> Self:
        """Open a CFA account for ``organisme``, deciding its first status.

        Address on the organisme's file, or invitation by an active account of the same
        organisme: *en attente d'activation*. Otherwise: *en attente d'approbation* by an
        OPCO agent. Only an active organisme opens accounts. ``mot_de_passe`` is None
        only for an invitation: the invited person chooses it on acceptance.
        """
        organisme.exiger_actif(CreationCompteImpossible)
        if invite_par is not None and not (
            invite_par.statut is StatutCompte.ACTIF
            and invite_par.siret_organisme == organisme.siret
        ):
            raise InvitationNonAutorisee
        if mot_de_passe is None:
            if invite_par is None:
                raise DonneeInvalide(
                    "Mot de passe : ce champ est obligatoire.", champ="mot_de_passe"
                )
            hash_mot_de_passe = HASH_INUTILISABLE
        else:
            politique.verifier(mot_de_passe, email=email)
            hash_mot_de_passe = hasher.hacher(mot_de_passe)
        if invite_par is not None or organisme.email_connu(email):
            statut = StatutCompte.EN_ATTENTE_ACTIVATION
        else:
            statut = StatutCompte.EN_ATTENTE_APPROBATION
        compte = cls(
            id=id,
            email=email,
            siret_organisme=organisme.siret,
            role=Role.CFA,
            statut=statut,
            hash_mot_de_passe=hash_mot_de_passe,
            cree_le=quand,
            mot_de_passe_change_le=quand if mot_de_passe is not None else None,
        )
        auteur = str(invite_par.id) if invite_par is not None else str(id)
        compte.historique.append(MACHINE_COMPTE.creation(statut, auteur=auteur, quand=quand))
        return compte

    @classmethod
    def ouvrir_agent(
        cls,
        *,
        id: uuid.UUID,  # noqa: A002  # the entity's field is named id, as in every aggregate
        email: Email,
        mot_de_passe: str,
        quand: dt.datetime,
        hasher: HacheurMotDePasse,
        auteur: str,
        politique: PolitiqueMotDePasse = POLITIQUE_PAR_DEFAUT,
    ) -> Self:
        """Open an OPCO agent's account, active at once (created by an administrator)."""
        politique.verifier(mot_de_passe, email=email)
        compte = cls(
            id=id,
            email=email,
            siret_organisme=None,
            role=Role.AGENT_OPCO,
            statut=StatutCompte.ACTIF,
            hash_mot_de_passe=hasher.hacher(mot_de_passe),
            cree_le=quand,
            active_le=quand,
            mot_de_passe_change_le=quand,
        )
        compte.historique.append(
            MACHINE_COMPTE.creation(StatutCompte.ACTIF, auteur=auteur, quand=quand)
        )
        return compte

    @property
    def est_agent(self) -> bool:
        """True for an OPCO agent's account."""
        return self.role is Role.AGENT_OPCO

    @property
    def a_mot_de_passe(self) -> bool:
        """False for an invited account whose owner has not chosen a password yet."""
        return self.hash_mot_de_passe != HASH_INUTILISABLE

    # --- Tokens ---

    def emettre_jeton(
        self,
        type: TypeJeton,  # noqa: A002  # "type" is the token's field name, kept for symmetry
        secret: str,
        quand: dt.datetime,
        duree: dt.timedelta | None = None,
        *,
        email: Email | None = None,
    ) -> Jeton:
        """Store a new token's fingerprint; older tokens of that type stop working.

        An activation link is issued only while the account awaits activation, a reset
        or email-change link only for an active account. ``duree`` defaults to
        :data:`DUREES_JETONS`. ``email``: the new address an email-change link confirms
        (required for that type, refused for the others).
        """
        if (email is not None) != (type is TypeJeton.CHANGEMENT_EMAIL):
            msg = "Seul un lien de changement d'adresse porte une adresse."
            raise ValueError(msg)
        attendu = (
            StatutCompte.EN_ATTENTE_ACTIVATION
            if type is TypeJeton.ACTIVATION
            else StatutCompte.ACTIF
        )
        if self.statut is not attendu:
            raise EnvoiLienImpossible(self.statut, type)
        if len(secret) < LONGUEUR_MIN_SECRET:
            raise DonneeInvalide(
                f"Un jeton doit compter au moins {LONGUEUR_MIN_SECRET} caractères.",
                champ="jeton",
            )
        jeton = Jeton(
            type=type,
            empreinte=empreinte_jeton(secret),
            emis_le=quand,
            expire_le=quand + (duree if duree is not None else DUREES_JETONS[type]),
            email=email,
        )
        self.jetons = [j for j in self.jetons if j.type is not type]
        self.jetons.append(jeton)
        return jeton

    @property
    def attend_activation(self) -> bool:
        """True for an account awaiting activation that has a password (not an invitation)."""
        return self.statut is StatutCompte.EN_ATTENTE_ACTIVATION and self.a_mot_de_passe

    def redemander_ouverture(
        self,
        mot_de_passe: str,
        quand: dt.datetime,
        hasher: HacheurMotDePasse,
        *,
        politique: PolitiqueMotDePasse = POLITIQUE_PAR_DEFAUT,
    ) -> None:
        """A new creation form for this account, still awaiting activation.

        The new submitter's password replaces the previous one, the activation links die
        (the use case mails a fresh one) and the failure count starts again: it counted
        guesses of a password that no longer exists. Whoever submitted first, only the
        latest submitter knows the password, and only the mailbox's owner gets the link:
        activating needs both (:meth:`activer_avec_mot_de_passe`). Refused for any other
        account (an active account is never touched).
        """
        if not self.attend_activation:
            raise DemandeOuvertureNonRenouvelable(self.statut)
        politique.verifier(mot_de_passe, email=self.email)
        self._tuer_jetons(TypeJeton.ACTIVATION)
        self._remplacer_mot_de_passe(mot_de_passe, quand, hasher)
        self.echecs_connexion = 0
        self.verrouille_jusqu_a = None

    def activer(self, secret: str, quand: dt.datetime) -> None:
        """Activate the account with the emailed link's secret alone (single use, before expiry).

        The link proves the mailbox, not who chose the password: the activation page goes
        through :meth:`activer_avec_mot_de_passe`. This step alone serves code that opens
        the account itself (test fixtures, an import). An invited account has no password
        yet: it is activated by :meth:`accepter_invitation` only.
        """
        if not self.attend_activation:
            raise JetonInvalide
        self._consommer(self._jeton_valide(TypeJeton.ACTIVATION, secret, quand), quand)
        self._devenir_actif(quand)

    def activer_avec_mot_de_passe(
        self,
        secret: str,
        mot_de_passe: str,
        quand: dt.datetime,
        hasher: HacheurMotDePasse,
        *,
        politique_verrouillage: PolitiqueVerrouillage = POLITIQUE_VERROUILLAGE_PAR_DEFAUT,
    ) -> None:
        """The activation page: the link's secret and the password chosen at creation.

        The link is checked first (:class:`JetonInvalide`, nothing counted), then the lock
        and the password as at login: a wrong password is counted (commit before
        re-raising) and raises :class:`MotDePasseActivationIncorrect` on the password
        field; the link stays usable.
        """
        if not self.attend_activation:
            raise JetonInvalide
        self._jeton_valide(TypeJeton.ACTIVATION, secret, quand)
        self._verifier_mot_de_passe(
            mot_de_passe, quand, hasher, politique_verrouillage, MotDePasseActivationIncorrect
        )
        self.activer(secret, quand)

    def accepter_invitation(
        self,
        secret: str,
        mot_de_passe: str,
        quand: dt.datetime,
        hasher: HacheurMotDePasse,
        *,
        politique: PolitiqueMotDePasse = POLITIQUE_PAR_DEFAUT,
    ) -> None:
        """Accept an invitation: set the chosen password and activate (single-use link).

        The link is checked first, then the policy (a refused password does not use up
        the link). Only an invited account (no password yet) accepts an invitation.
        """
        if self.statut is not StatutCompte.EN_ATTENTE_ACTIVATION or self.a_mot_de_passe:
            raise JetonInvalide
        jeton = self._jeton_valide(TypeJeton.ACTIVATION, secret, quand)
        politique.verifier(mot_de_passe, email=self.email)
        self._consommer(jeton, quand)
        self._remplacer_mot_de_passe(mot_de_passe, quand, hasher)
        self._devenir_actif(quand)

    def _devenir_actif(self, quand: dt.datetime) -> None:
        """The link proved the mailbox: the account becomes active, by its own hand."""
        MACHINE_COMPTE.passer(
            self,
            StatutCompte.ACTIF,
            auteur=str(self.id),
            quand=quand,
            depuis={StatutCompte.EN_ATTENTE_ACTIVATION},
        )
        self.active_le = quand

    def _jeton_valide(self, type_: TypeJeton, secret: str, quand: dt.datetime) -> Jeton:
        for jeton in self.jetons:
            if jeton.type is type_ and jeton.correspond(secret) and jeton.est_valide(quand):
                return jeton
        raise JetonInvalide

    def _consommer(self, jeton: Jeton, quand: dt.datetime) -> None:
        self.jetons = [attrs.evolve(j, utilise_le=quand) if j is jeton else j for j in self.jetons]

    def _tuer_jetons(self, type_: TypeJeton | None = None) -> None:
        """Drop the unused tokens of a type (of every type when None); used ones stay."""
        self.jetons = [
            j
            for j in self.jetons
            if j.utilise_le is not None or (type_ is not None and j.type is not type_)
        ]

    # --- Status ---

    def approuver(self, auteur: str, quand: dt.datetime) -> None:
        """An OPCO agent approves an account request: it may now be activated."""
        MACHINE_COMPTE.passer(
            self,
            StatutCompte.EN_ATTENTE_ACTIVATION,
            auteur=auteur,
            quand=quand,
            depuis={StatutCompte.EN_ATTENTE_APPROBATION},
        )

    def refuser(self, auteur: str, quand: dt.datetime, motif: str) -> None:
        """An OPCO agent refuses an account request, with a reason: it is deactivated.

        Raises:
            CompteNonEnAttente: the account awaits no approval.
            DonneeInvalide: no reason.
        """
        if self.statut is not StatutCompte.EN_ATTENTE_APPROBATION:
            raise CompteNonEnAttente(self.statut)
        self.desactiver(auteur, quand, motif)

    def desactiver(self, auteur: str, quand: dt.datetime, motif: str) -> None:
        """Deactivate the account: its links die and its sessions end."""
        if not motif.strip():
            raise DonneeInvalide("Motif : ce champ est obligatoire.", champ="motif")
        MACHINE_COMPTE.passer(
            self, StatutCompte.DESACTIVE, auteur=auteur, quand=quand, motif=motif.strip()
        )
        self._tuer_jetons()
        self.generation_session += 1

    def reactiver(self, auteur: str, quand: dt.datetime) -> None:
        """Undo a deactivation: back to the status held before it.

        An account deactivated before activation needs a new activation link.
        """
        precedent = next(
            (
                c.depart
                for c in reversed(self.historique)
                if c.arrivee is StatutCompte.DESACTIVE and c.depart is not None
            ),
            StatutCompte.ACTIF,
        )
        MACHINE_COMPTE.passer(
            self, precedent, auteur=auteur, quand=quand, depuis={StatutCompte.DESACTIVE}
        )

    def _exiger_actif(self) -> None:
        if self.statut is not StatutCompte.ACTIF:
            raise CompteNonActive(self.statut)

    # --- Login and passwords ---

    def _verifier_mot_de_passe(
        self,
        mot_de_passe: str,
        quand: dt.datetime,
        hasher: HacheurMotDePasse,
        verrouillage: PolitiqueVerrouillage,
        erreur: Callable[[], IdentifiantsInvalides],
        *,
        hash_factice: Callable[[], str] | None = None,
    ) -> None:
        """Check the lock, then the password; count a failure and lock after too many.

        Without a password the account checks against ``hash_factice`` (when given), and
        fails whatever the result: a real hasher refuses the unusable hash at once, and
        that speed would tell an invited account from any other.
        """
        if self.verrouille_jusqu_a is not None:
            if quand < self.verrouille_jusqu_a:
                raise CompteVerrouille(self.verrouille_jusqu_a)
            self.verrouille_jusqu_a = None
            self.echecs_connexion = 0
        if self.a_mot_de_passe or hash_factice is None:
            hache = self.hash_mot_de_passe
        else:
            hache = hash_factice()
        correct = hasher.verifier(hache, mot_de_passe)
        if not (correct and self.a_mot_de_passe):
            self.echecs_connexion += 1
            if self.echecs_connexion >= verrouillage.echecs_max:
                self.verrouille_jusqu_a = quand + verrouillage.duree_verrou
            raise erreur()
        self.echecs_connexion = 0

    def authentifier(
        self,
        mot_de_passe: str,
        quand: dt.datetime,
        hasher: HacheurMotDePasse,
        *,
        politique_verrouillage: PolitiqueVerrouillage = POLITIQUE_VERROUILLAGE_PAR_DEFAUT,
        hash_factice: Callable[[], str] | None = None,
    ) -> bool:
        """Log in; return True when the stored hash was upgraded (save the account).

        Raises :class:`CompteVerrouille` while locked (before looking at the password),
        :class:`IdentifiantsInvalides` on a wrong password (counted: commit before
        re-raising), :class:`CompteNonActive` only after a correct password. On success
        the counter resets, the login time is recorded and pending reset links die.
        ``hash_factice`` gives the dummy hash an account without a password checks
        against (pass the deployment's, ``Contexte.hash_factice``): same cost, no tell.
        """
        self._verifier_mot_de_passe(
            mot_de_passe,
            quand,
            hasher,
            politique_verrouillage,
            IdentifiantsInvalides,
            hash_factice=hash_factice,
        )
        self._exiger_actif()
        self.derniere_connexion = quand
        self._tuer_jetons(TypeJeton.REINITIALISATION)
        if hasher.doit_rehacher(self.hash_mot_de_passe):
            self.hash_mot_de_passe = hasher.hacher(mot_de_passe)
            return True
        return False

    def _remplacer_mot_de_passe(
        self, nouveau: str, quand: dt.datetime, hasher: HacheurMotDePasse
    ) -> None:
        self.hash_mot_de_passe = hasher.hacher(nouveau)
        self.mot_de_passe_change_le = quand
        self.generation_session += 1
        self._tuer_jetons(TypeJeton.REINITIALISATION)

    def reinitialiser_mot_de_passe(
        self,
        secret: str,
        nouveau: str,
        quand: dt.datetime,
        hasher: HacheurMotDePasse,
        *,
        politique: PolitiqueMotDePasse = POLITIQUE_PAR_DEFAUT,
    ) -> None:
        """Set a new password with a reset link ("mot de passe oublié").

        The link is checked first, then the policy (a refused password does not use up
        the link). Every reset link dies, other sessions end, and the lock is lifted:
        proving the mailbox is worth more than the failed guesses.
        """
        jeton = self._jeton_valide(TypeJeton.REINITIALISATION, secret, quand)
        politique.verifier(nouveau, email=self.email, champ="nouveau_mot_de_passe")
        self._consommer(jeton, quand)
        self._remplacer_mot_de_passe(nouveau, quand, hasher)
        self.echecs_connexion = 0
        self.verrouille_jusqu_a = None

    def changer_mot_de_passe(
        self,
        actuel: str,
        nouveau: str,
        quand: dt.datetime,
        hasher: HacheurMotDePasse,
        *,
        politique: PolitiqueMotDePasse = POLITIQUE_PAR_DEFAUT,
        politique_verrouillage: PolitiqueVerrouillage = POLITIQUE_VERROUILLAGE_PAR_DEFAUT,
    ) -> None:
        """«Mon compte»: change the password, giving the current one.

        A wrong current password counts as a failed login. The new one must satisfy the
        policy and differ from the current one; other sessions end, reset links die.
        """
        self._exiger_actif()
        self._verifier_mot_de_passe(
            actuel, quand, hasher, politique_verrouillage, MotDePasseActuelIncorrect
        )
        regles = politique.enfreintes(nouveau, email=self.email)
        if nouveau == actuel:
            regles += (RegleMotDePasse.IDENTIQUE_ACTUEL,)
        if regles:
            raise politique.refuser(regles, champ="nouveau_mot_de_passe")
        self._remplacer_mot_de_passe(nouveau, quand, hasher)

    def demander_changement_email(
        self,
        actuel_mot_de_passe: str,
        nouvel_email: Email,
        secret: str,
        quand: dt.datetime,
        hasher: HacheurMotDePasse,
        *,
        duree: dt.timedelta | None = None,
        politique_verrouillage: PolitiqueVerrouillage = POLITIQUE_VERROUILLAGE_PAR_DEFAUT,
    ) -> Jeton:
        """«Mon compte»: ask to change the login email, giving the current password.

        Nothing changes yet: a link (``secret``) is issued for the new address, which must
        prove its mailbox as at an account's creation; :meth:`confirmer_changement_email`
        makes the change when the link is followed. A newer request replaces an older
        one's link. Uniqueness of the address among accounts is checked by the use case.
        """
        self._exiger_actif()
        self._verifier_mot_de_passe(
            actuel_mot_de_passe, quand, hasher, politique_verrouillage, MotDePasseActuelIncorrect
        )
        if nouvel_email == self.email:
            raise DonneeInvalide(
                "La nouvelle adresse email est identique à l'adresse actuelle.",
                champ="nouvel_email",
                valeur=str(nouvel_email),
            )
        return self.emettre_jeton(
            TypeJeton.CHANGEMENT_EMAIL, secret, quand, duree, email=nouvel_email
        )

    def adresse_a_confirmer(self, secret: str, quand: dt.datetime) -> Email:
        """The new address the email-change link ``secret`` would make the login email.

        Raises :class:`JetonInvalide` for a link that is unknown, used or expired.
        """
        return self._lien_de_changement(secret, quand)[1]

    def _lien_de_changement(self, secret: str, quand: dt.datetime) -> tuple[Jeton, Email]:
        """The live email-change link ``secret`` of an active account, and its address."""
        self._exiger_actif()
        jeton = self._jeton_valide(TypeJeton.CHANGEMENT_EMAIL, secret, quand)
        if jeton.email is None:  # pragma: no cover - emettre_jeton gives every such link one
            raise JetonInvalide
        return jeton, jeton.email

    def confirmer_changement_email(self, secret: str, quand: dt.datetime) -> Email:
        """Follow the link sent to the new address: it becomes the login email.

        Returns the old address. Every session ends (the one that asked too: the next
        login is with the new address) and reset links (sent to the old one) die.
        """
        jeton, adresse = self._lien_de_changement(secret, quand)
        self._consommer(jeton, quand)
        ancien = self.email
        self.email = adresse
        self.generation_session += 1
        self._tuer_jetons(TypeJeton.REINITIALISATION)
        return ancien
