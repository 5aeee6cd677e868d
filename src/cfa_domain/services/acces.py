"""Use cases of the guide's "Accéder à la plateforme" and "Mon compte".

Rules (docs/security.md "Accounts and sessions", docs/domain.md "Who may open an
organisme's files"):

- **A SIRET never opens files by itself.** :func:`creer_compte` asks
  :meth:`~cfa_domain.compte.Compte.ouvrir` for the first status: an address the OPCO has on
  file for the organisme gets an activation link; any other address waits for an OPCO
  agent (:func:`approuver_compte`), and only then receives the link. Later colleagues are
  invited by an active account (:func:`inviter`): the invited account exists at once but
  has no password and cannot log in until its owner accepts the invitation
  (:func:`accepter_invitation`), choosing the password.
- **No pre-hijacking.** An on-file address is public, so anyone may open an account with
  it and a password of their own. The link alone therefore does not activate:
  :func:`activer_compte` also asks for the password chosen at creation (a wrong one is
  counted like a failed login, and the link stays usable). When the creation form names
  an address whose account still awaits activation (never activated, not an invitation)
  of the same organisme, the new submitter's password replaces the old one and a fresh
  link is mailed (the older ones die): the latest submitter, who must also read the
  mailbox, is the only one able to activate it. An active account is never touched.
- **An address belongs to whoever proves the mailbox.** Anyone may type someone else's
  address in the creation form of an organisme whose SIRET is public; such a request
  must never keep the address from its owner. So an account that was never activated
  keeps its address only while it is a pending request (awaiting activation or
  approval) of the organisme named by the new form; otherwise :func:`creer_compte` and
  :func:`inviter` erase it (with its tokens: its links die) and open the new account as
  if the address were free. A request refused by an agent (:func:`refuser_compte`) is
  erased at once. The latest request wins until one is activated, and activating needs
  the mailbox: only the address's owner can end the race. An account that was once
  activated (active, or deactivated later) keeps its address for good. Changing the
  login email proves the new mailbox too: :func:`changer_email` mails a link to the new
  address and :func:`confirmer_email` makes the change when it is followed (an address
  held by an activated account is refused; a request never activated gives way).
- **No enumeration.** Whether an email already has an account never changes what the
  requester sees: :func:`creer_compte` and :func:`inviter` then mail the address's owner
  instead (a fresh link when that account still awaits activation, so a lost or expired
  link is never a dead end; the same ``activation_compte`` mail as a new account's when
  the form replaced its password) and return as on success, after the same checks and a
  password hash of similar cost. :func:`mot_de_passe_oublie` returns the same way whether
  or not the account exists. :func:`se_connecter` answers an unknown email with the same
  :class:`~cfa_domain.errors.IdentifiantsInvalides` as a wrong password, after checking
  the typed password against :meth:`Contexte.hash_factice` (a comparable delay); so does
  an invited account that has no password yet.
- **The lock reveals accounts: the web layer must hide it.**
  :class:`~cfa_domain.errors.CompteVerrouille` exists only for an account, so after a few
  wrong passwords it tells an attacker that the address has one. The core cannot hide it
  without dropping the per-account lock, so the web layer (not written yet) MUST show a
  locked login with the generic message of
  :class:`~cfa_domain.errors.IdentifiantsInvalides` (the lock's end may go to the
  account's mailbox, never to the screen), and its per-address throttling must lock
  unknown addresses alike.
- **One login attempt at a time per account.** The repositories lock the account's row
  when a use case loads it (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
  ``BEGIN IMMEDIATE`` and the in-memory fake's lock serialise whole units of work), so
  parallel wrong passwords all count and lock the account, and one reset or activation
  link is used once even by parallel requests. Use cases load the account before any
  file (the order every use case keeps), so these locks cannot deadlock with the file's.
- **Argon2 outside the transaction.** Hashing and checking a password take tens of
  milliseconds: no use case does them while holding a lock. It reads what it needs in a
  read-only unit of work, hashes or checks outside any transaction
  (:class:`~cfa_domain.services.hachage.HachagePrepare`), then reloads the account in a
  short writing unit (its row locked) where the domain method applies the outcome with
  the prepared answers. Counts stay exact: the failure counter is read and written in
  that second unit, and the lock is checked there too.
- **Failures are counted even though they raise.** A unit of work rolls back on an
  exception, so the one helper :func:`_echec_compte` commits the account's failure
  counter when a wrong password raises, then lets the error out: the lock
  (:class:`~cfa_domain.compte.PolitiqueVerrouillage`) holds across units of work, and no
  use case commits inside an ``except``.
- **Sessions.** :class:`Connexion` carries the account's ``generation_session``; a password
  change increments it and returns the new value (the session that made the change keeps
  going with it), a confirmed email change increments it too (every session ends: the
  next login is with the new address), and :func:`session_valide` tells the web layer which
  sessions to end. A read-only use case may check its session itself: given a
  :class:`~cfa_domain.services.contexte.SessionOuverte` in place of the account's id,
  ``compte_actif`` applies the same rule (``session_tenue``) on the account it loads, in
  the use case's unit of work.

Every form's "confirmation" field must repeat its field exactly (emails compared once
normalised); a mismatch is a :class:`~cfa_domain.errors.DonneeInvalide` on the
confirmation field.

Mails are queued in the outbox with these templates (``modele``) and variables:

=================================  ========================================================
``activation_compte``              ``lien_jeton``, ``expire_le``, ``organisme``
``invitation``                     ``lien_jeton``, ``expire_le``, ``organisme``,
                                   ``invite_par`` (when sent by :func:`inviter`)
``compte_en_attente``              ``organisme``: the request awaits an OPCO agent
``compte_existant``                (none): someone asked for an account with this address
``compte_refuse``                  ``motif``
``reinitialisation_mot_de_passe``  ``lien_jeton``, ``expire_le``
``reinitialisation_sans_compte``   (none): a reset was asked for an address without an
                                   active account
``mot_de_passe_modifie``           ``quand``
``confirmation_email``             ``lien_jeton``, ``expire_le``, ``ancien_email`` (sent to
                                   the new address: the link makes the change)
``email_modifie``                  ``nouvel_email``, ``quand`` (sent to the old address)
=================================  ========================================================
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import uuid
from typing import TYPE_CHECKING

import attrs

from cfa_domain.compte import Compte, Role, StatutCompte, TypeJeton, empreinte_jeton
from cfa_domain.errors import (
    Agregat,
    CreationCompteImpossible,
    DonneeInvalide,
    EmailDejaUtilise,
    IdentifiantsInvalides,
    Introuvable,
    JetonInvalide,
)
from cfa_domain.organisme import Organisme, StatutOrganisme
from cfa_domain.services.contexte import (
    agent_actif,
    compte_actif,
    organisme_du_compte,
    organisme_existant,
    session_tenue,
)
from cfa_domain.services.entrees import cas_d_usage
from cfa_domain.services.hachage import HachagePrepare
from cfa_domain.values import Email, Siret

if TYPE_CHECKING:
    from collections.abc import Iterator

    from cfa_domain.ports import UnitOfWork
    from cfa_domain.services.contexte import Contexte

__all__ = [
    "CompteAApprouver",
    "CompteDeLOrganisme",
    "Connexion",
    "MonCompte",
    "ResultatSiret",
    "accepter_invitation",
    "activer_compte",
    "adresse_a_confirmer",
    "approuver_compte",
    "changer_email",
    "changer_mot_de_passe",
    "confirmer_email",
    "consulter_compte",
    "creer_agent",
    "creer_compte",
    "desactiver_agent",
    "inviter",
    "lister_comptes",
    "lister_comptes_a_approuver",
    "mot_de_passe_oublie",
    "refuser_compte",
    "reinitialiser_mot_de_passe",
    "se_connecter",
    "session_valide",
    "verifier_siret",
]


# --- Results ------------------------------------------------------------------------


class ResultatSiret(enum.Enum):
    """What the "Validation du SIRET" page tells the visitor to do next."""

    CONNU = "connu"
    INCONNU = "inconnu"
    EN_ATTENTE = "en_attente"
    INACTIF = "inactif"

    @property
    def message(self) -> str:
        """The French sentence shown to the visitor."""
        return {
            ResultatSiret.CONNU: (
                "Votre organisme est connu de l'OPCO : vous pouvez créer votre compte."
            ),
            ResultatSiret.INCONNU: (
                "L'OPCO ne connaît pas encore votre organisme : complétez la fiche de "
                "renseignements pour qu'un conseiller la valide."
            ),
            ResultatSiret.EN_ATTENTE: (
                "La fiche de renseignements de votre organisme a bien été reçue : elle "
                "attend la validation d'un conseiller de l'OPCO."
            ),
            ResultatSiret.INACTIF: (
                "Votre organisme est inactif auprès de l'OPCO : contactez le Centre de "
                "Relation Client."
            ),
        }[self]


_RESULTAT_PAR_STATUT = {
    StatutOrganisme.ACTIF: ResultatSiret.CONNU,
    StatutOrganisme.A_VALIDER: ResultatSiret.EN_ATTENTE,
    StatutOrganisme.INACTIF: ResultatSiret.INACTIF,
}


@attrs.frozen
class Connexion:
    """A successful login: what the web layer keeps in the new session."""

    compte_id: uuid.UUID
    generation_session: int
    role: Role
    siret: Siret | None


@attrs.frozen
class CompteAApprouver:
    """A row of the agents' list: the account request and its organisme."""

    compte: Compte
    organisme: Organisme


@attrs.frozen
class CompteDeLOrganisme:
    """A row of the organisme's accounts ("Gestion des accès"), without any secret.

    ``invitation_en_attente``: invited by a colleague, the invitation not accepted yet
    (no password chosen). ``est_le_mien``: the account that asked for the list.
    """

    id: uuid.UUID
    email: Email
    statut: StatutCompte
    cree_le: dt.datetime
    derniere_connexion: dt.datetime | None
    invitation_en_attente: bool
    est_le_mien: bool

    @classmethod
    def de(cls, compte: Compte, *, moi: uuid.UUID) -> CompteDeLOrganisme:
        """The row of ``compte``, seen by the account ``moi``."""
        return cls(
            id=compte.id,
            email=compte.email,
            statut=compte.statut,
            cree_le=compte.cree_le,
            derniere_connexion=compte.derniere_connexion,
            invitation_en_attente=not compte.a_mot_de_passe,
            est_le_mien=compte.id == moi,
        )


@attrs.frozen
class MonCompte:
    """The «Mon compte» page: the login email and the organisme (its name, its status)."""

    email: Email
    organisme: Organisme


# --- Form helpers -------------------------------------------------------------------


@contextlib.contextmanager
def _echec_compte(uow: UnitOfWork) -> Iterator[None]:
    """Commit the failed attempt a wrong password counted on the account, then raise.

    The account's password checks count a failure (and may lock the account) before
    raising :class:`~cfa_domain.errors.IdentifiantsInvalides` or a subclass; leaving the
    unit of work would roll that count back. Nothing else is changed before the check in
    the use cases that call this, so the commit keeps exactly the count.
    """
    try:
        yield
    except IdentifiantsInvalides:
        uow.commit()
        raise


def _email(valeur: str, champ: str) -> Email:
    """Parse an address, reporting an error on the form's own field."""
    try:
        return Email(valeur)
    except DonneeInvalide as erreur:
        raise DonneeInvalide(erreur.message, champ=champ, valeur=valeur) from None


def _email_confirme(valeur: str, confirmation: str, champ: str) -> Email:
    """Parse an address typed twice; the second must name the same mailbox."""
    email = _email(valeur, champ)
    if _email(confirmation, f"confirmation_{champ}") != email:
        raise DonneeInvalide(
            "La confirmation ne correspond pas à l'adresse email saisie.",
            champ=f"confirmation_{champ}",
        )
    return email


def _mot_de_passe_confirme(mot_de_passe: str, confirmation: str, champ: str) -> None:
    if mot_de_passe != confirmation:
        raise DonneeInvalide(
            "La confirmation ne correspond pas au mot de passe saisi.",
            champ=f"confirmation_{champ}",
        )


def _organisme_ouvert(uow: UnitOfWork, siret: Siret) -> Organisme:
    """The organisme an account is being opened for: known to the OPCO, and active."""
    organisme = uow.organismes.obtenir(siret)
    if organisme is None:
        raise DonneeInvalide(
            "L'OPCO ne connaît pas d'organisme avec ce SIRET : complétez d'abord la fiche "
            "de renseignements.",
            champ="siret",
            valeur=str(siret),
        )
    organisme.exiger_actif(CreationCompteImpossible)
    return organisme


def _titulaire_de(uow: UnitOfWork, adresse: Email, siret: Siret) -> Compte | None:
    """The account that keeps ``adresse`` from a new account of organisme ``siret``.

    An account that was never activated keeps it only while it is a pending request
    (awaiting activation or approval) of that same organisme; any other is erased here,
    and the address is free (see the module docstring).
    """
    existant = uow.comptes.par_email(adresse)
    if existant is None or existant.active_le is not None:
        return existant
    if existant.siret_organisme == siret and existant.statut in _DEMANDES_EN_COURS:
        return existant
    uow.comptes.supprimer(existant)
    return None


_DEMANDES_EN_COURS = frozenset(
    {StatutCompte.EN_ATTENTE_ACTIVATION, StatutCompte.EN_ATTENTE_APPROBATION}
)


def _par_jeton(uow: UnitOfWork, secret: str) -> Compte:
    try:
        empreinte = empreinte_jeton(secret)
    except UnicodeEncodeError:  # a lone surrogate: no link has one
        raise JetonInvalide from None
    compte = uow.comptes.par_empreinte_jeton(empreinte)
    if compte is None:
        raise JetonInvalide
    return compte


def _jeton_lu(ctx: Contexte, secret: str) -> Compte:
    """The account of a link, read without any lock (an unknown link fails before argon2)."""
    with ctx.uow(lecture_seule=True) as uow:
        return _par_jeton(uow, secret)


def _compte_lu(ctx: Contexte, compte_id: uuid.UUID) -> Compte:
    """The acting account, read without any lock."""
    with ctx.uow(lecture_seule=True) as uow:
        return compte_actif(uow, compte_id)


def _verification_preparee(
    ctx: Contexte, compte: Compte | None, mot_de_passe: str, *nouveaux: str
) -> HachagePrepare:
    """Check a password against the account read (or the dummy hash), outside any lock.

    When it matches, the ``nouveaux`` passwords are hashed too.
    """
    hacheur = HachagePrepare(ctx.hacheur)
    hache = (
        compte.hash_mot_de_passe
        if compte is not None and compte.a_mot_de_passe
        else ctx.hash_factice()
    )
    if hacheur.preparer_verification(hache, mot_de_passe):
        for nouveau in nouveaux:
            hacheur.preparer_hash(nouveau)
    return hacheur


def _hash_prepare(ctx: Contexte, mot_de_passe: str) -> HachagePrepare:
    """Hash ``mot_de_passe`` outside any transaction, for the writing unit to store."""
    hacheur = HachagePrepare(ctx.hacheur)
    hacheur.preparer_hash(mot_de_passe)
    return hacheur


# --- Mails --------------------------------------------------------------------------


def _envoyer_lien_activation(
    ctx: Contexte, uow: UnitOfWork, compte: Compte, quand: dt.datetime, **contexte: str
) -> None:
    """Issue a new activation link (older ones die) and mail it.

    An invited account (no password yet) gets an invitation, valid
    ``Parametres.duree_invitation``; any other the 24 h activation link.
    """
    invitation = not compte.a_mot_de_passe
    secret = ctx.jetons.jeton()
    duree = ctx.parametres.duree_invitation if invitation else ctx.parametres.duree_activation
    jeton = compte.emettre_jeton(TypeJeton.ACTIVATION, secret, quand, duree)
    organisme = organisme_existant(uow, organisme_du_compte(compte))
    ctx.message(
        uow,
        compte.email,
        "invitation" if invitation else "activation_compte",
        lien_jeton=secret,
        expire_le=jeton.expire_le.isoformat(),
        organisme=organisme.nom,
        **contexte,
    )


def _signaler_compte_existant(
    ctx: Contexte, uow: UnitOfWork, compte: Compte, quand: dt.datetime
) -> None:
    """Someone asked for an account with a taken address: tell that address, not them."""
    if compte.statut is StatutCompte.EN_ATTENTE_ACTIVATION:
        _envoyer_lien_activation(ctx, uow, compte, quand)
    else:
        ctx.message(uow, compte.email, "compte_existant")


# --- Accéder à la plateforme --------------------------------------------------------


@cas_d_usage
def verifier_siret(ctx: Contexte, siret: str) -> ResultatSiret:
    """The "Pas de compte ?" page: may this organisme open an account, or send its sheet?"""
    numero = Siret(siret)
    with ctx.uow(lecture_seule=True) as uow:
        organisme = uow.organismes.obtenir(numero)
        uow.commit()
    if organisme is None:
        return ResultatSiret.INCONNU
    return _RESULTAT_PAR_STATUT[organisme.statut]


@cas_d_usage
def creer_compte(
    ctx: Contexte,
    *,
    siret: str,
    email: str,
    confirmation_email: str,
    mot_de_passe: str,
    confirmation_mot_de_passe: str,
) -> None:
    """The "Création de compte" form: open an account, then mail its owner.

    Address on file: an activation link (24 h). Other address: the request waits for an
    OPCO agent, and a mail says so. Address of an account of this organisme still
    awaiting activation: this form's password replaces the previous one and a fresh link
    is mailed (see the module docstring, "No pre-hijacking"). Address otherwise taken:
    its owner is told. The caller sees the same success every time (no enumeration).
    """
    numero = Siret(siret)
    adresse = _email_confirme(email, confirmation_email, "email")
    _mot_de_passe_confirme(mot_de_passe, confirmation_mot_de_passe, "mot_de_passe")
    politique = ctx.parametres.politique_mot_de_passe
    with ctx.uow(lecture_seule=True) as uow:
        _organisme_ouvert(uow, numero)
    politique.verifier(mot_de_passe, email=adresse)
    hacheur = _hash_prepare(ctx, mot_de_passe)
    with ctx.uow() as uow:
        organisme = _organisme_ouvert(uow, numero)
        quand = ctx.maintenant()
        existant = _titulaire_de(uow, adresse, organisme.siret)
        if existant is not None:
            if existant.attend_activation and existant.siret_organisme == organisme.siret:
                existant.redemander_ouverture(mot_de_passe, quand, hacheur, politique=politique)
                _envoyer_lien_activation(ctx, uow, existant, quand)
            else:
                # The hash was made anyway: answering faster would tell the address is taken.
                _signaler_compte_existant(ctx, uow, existant, quand)
            uow.commit()
            return
        compte = Compte.ouvrir(
            id=ctx.jetons.identifiant(),
            email=adresse,
            organisme=organisme,
            mot_de_passe=mot_de_passe,
            quand=quand,
            hasher=hacheur,
            politique=politique,
        )
        uow.comptes.ajouter(compte)
        if compte.statut is StatutCompte.EN_ATTENTE_ACTIVATION:
            _envoyer_lien_activation(ctx, uow, compte, quand)
        else:
            ctx.message(uow, adresse, "compte_en_attente", organisme=organisme.nom)
        uow.commit()


@cas_d_usage
def inviter(ctx: Contexte, compte_id: uuid.UUID, email: str) -> None:
    """An active account invites a colleague of its organisme.

    The invited account awaits activation without a password and cannot log in; the
    invitation link (``Parametres.duree_invitation``) lets its owner choose one. An address
    that already has an account gets a notice instead, and the inviter sees no difference.
    """
    adresse = _email(email, "email")
    with ctx.uow() as uow:
        invitant = compte_actif(uow, compte_id)
        organisme = organisme_existant(uow, organisme_du_compte(invitant))
        quand = ctx.maintenant()
        existant = _titulaire_de(uow, adresse, organisme.siret)
        if existant is not None:
            _signaler_compte_existant(ctx, uow, existant, quand)
            uow.commit()
            return
        invite = Compte.ouvrir(
            id=ctx.jetons.identifiant(),
            email=adresse,
            organisme=organisme,
            mot_de_passe=None,
            quand=quand,
            hasher=ctx.hacheur,
            invite_par=invitant,
        )
        uow.comptes.ajouter(invite)
        _envoyer_lien_activation(ctx, uow, invite, quand, invite_par=str(invitant.email))
        uow.commit()


@cas_d_usage
def accepter_invitation(
    ctx: Contexte, secret: str, mot_de_passe: str, confirmation_mot_de_passe: str
) -> None:
    """The invited person follows the link and chooses a password: the account is active."""
    _mot_de_passe_confirme(mot_de_passe, confirmation_mot_de_passe, "mot_de_passe")
    _jeton_lu(ctx, secret)
    hacheur = _hash_prepare(ctx, mot_de_passe)
    with ctx.uow() as uow:
        compte = _par_jeton(uow, secret)
        compte.accepter_invitation(
            secret,
            mot_de_passe,
            ctx.maintenant(),
            hacheur,
            politique=ctx.parametres.politique_mot_de_passe,
        )
        uow.commit()


@cas_d_usage
def activer_compte(ctx: Contexte, secret: str, mot_de_passe: str) -> None:
    """The activation page: the mailed link and the password chosen at creation.

    The account becomes active (once, within 24 h). A wrong password raises
    :class:`~cfa_domain.errors.MotDePasseActivationIncorrect` on the ``mot_de_passe``
    field, is counted like a failed login (committed first) and leaves the link usable.
    """
    hacheur = _verification_preparee(ctx, _jeton_lu(ctx, secret), mot_de_passe)
    with ctx.uow() as uow:
        compte = _par_jeton(uow, secret)
        with _echec_compte(uow):
            compte.activer_avec_mot_de_passe(
                secret,
                mot_de_passe,
                ctx.maintenant(),
                hacheur,
                politique_verrouillage=ctx.parametres.verrouillage,
            )
        uow.commit()


@cas_d_usage
def lister_comptes_a_approuver(ctx: Contexte, agent_id: uuid.UUID) -> tuple[CompteAApprouver, ...]:
    """Back office: account requests made with an address not on file, oldest first."""
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        lignes = tuple(
            CompteAApprouver(compte, organisme_existant(uow, organisme_du_compte(compte)))
            for compte in uow.comptes.a_approuver()
        )
        uow.commit()
    return lignes


def _compte_existant(uow: UnitOfWork, compte_id: uuid.UUID) -> Compte:
    compte = uow.comptes.obtenir(compte_id)
    if compte is None:
        raise Introuvable(Agregat.COMPTE, compte_id)
    return compte


@cas_d_usage
def approuver_compte(ctx: Contexte, agent_id: uuid.UUID, compte_id: uuid.UUID) -> None:
    """An OPCO agent approves an account request: its owner gets the activation link."""
    with ctx.uow() as uow:
        agent = agent_actif(uow, agent_id)
        compte = _compte_existant(uow, compte_id)
        quand = ctx.maintenant()
        compte.approuver(str(agent.id), quand)
        _envoyer_lien_activation(ctx, uow, compte, quand)
        uow.commit()


@cas_d_usage
def refuser_compte(ctx: Contexte, agent_id: uuid.UUID, compte_id: uuid.UUID, motif: str) -> None:
    """An OPCO agent refuses an account request, telling its owner why; it is erased.

    The request never opened anything: erasing it frees its address at once (see the
    module docstring, "An address belongs to whoever proves the mailbox") and keeps no
    personal data of a refused requester.
    """
    with ctx.uow() as uow:
        agent = agent_actif(uow, agent_id)
        compte = _compte_existant(uow, compte_id)
        compte.refuser(str(agent.id), ctx.maintenant(), motif)
        ctx.message(uow, compte.email, "compte_refuse", motif=compte.historique[-1].motif)
        uow.comptes.supprimer(compte)  # the address is free again (module docstring)
        uow.commit()


# --- OPCO agents (the administrator's command) --------------------------------------


@cas_d_usage
def creer_agent(ctx: Contexte, email: str, mot_de_passe: str, auteur: str) -> uuid.UUID:
    """The OPCO's administrator opens an agent's account, active at once; its id.

    The password follows the deployment's policy (its owner changes it in the back
    office); it is hashed outside any transaction. An address any account holds is
    refused (an agent's account is never merged with an organisme's).

    Raises:
        EmailDejaUtilise: another account has this address.
        MotDePasseNonConforme: the password breaks the policy.
    """
    adresse = _email(email, "email")
    politique = ctx.parametres.politique_mot_de_passe
    politique.verifier(mot_de_passe, email=adresse)
    hacheur = _hash_prepare(ctx, mot_de_passe)
    with ctx.uow() as uow:
        if uow.comptes.par_email(adresse) is not None:
            raise EmailDejaUtilise(adresse.adresse)
        agent = Compte.ouvrir_agent(
            id=ctx.jetons.identifiant(),
            email=adresse,
            mot_de_passe=mot_de_passe,
            quand=ctx.maintenant(),
            hasher=hacheur,
            auteur=auteur,
            politique=politique,
        )
        uow.comptes.ajouter(agent)
        uow.commit()
    return agent.id


@cas_d_usage
def desactiver_agent(ctx: Contexte, email: str, motif: str, auteur: str) -> None:
    """The OPCO's administrator deactivates an agent's account: its sessions end at once.

    Raises:
        Introuvable: no agent has this address (an organisme's account is not an agent's).
        TransitionInterdite: the account is already deactivated.
        DonneeInvalide: no reason.
    """
    adresse = _email(email, "email")
    with ctx.uow() as uow:
        agent = uow.comptes.par_email(adresse)
        if agent is None or not agent.est_agent:
            raise Introuvable(Agregat.COMPTE, adresse.adresse)
        agent.desactiver(auteur, ctx.maintenant(), motif)
        uow.commit()


@cas_d_usage
def se_connecter(ctx: Contexte, email: str, mot_de_passe: str) -> Connexion:
    """Log in with email and password ("Me connecter").

    Unknown or malformed email and wrong password give the same
    :class:`IdentifiantsInvalides`; a wrong password is counted (committed) first. An
    unknown email and an account without a password check the typed one against the
    dummy hash, so every answer costs one real password check. A locked account raises
    :class:`~cfa_domain.errors.CompteVerrouille`, which the web layer must show with the
    generic message (see the module docstring).
    """
    try:
        adresse: Email | None = Email(email)
    except DonneeInvalide:
        adresse = None
    with ctx.uow(lecture_seule=True) as uow:
        lu = None if adresse is None else uow.comptes.par_email(adresse)
    hacheur = _verification_preparee(ctx, lu, mot_de_passe)
    if lu is None or adresse is None:
        raise IdentifiantsInvalides
    with ctx.uow() as uow:
        compte = uow.comptes.par_email(adresse)  # again, its row locked this time
        if compte is None:
            raise IdentifiantsInvalides
        with _echec_compte(uow):
            compte.authentifier(
                mot_de_passe,
                ctx.maintenant(),
                hacheur,
                politique_verrouillage=ctx.parametres.verrouillage,
                hash_factice=ctx.hash_factice,
            )
        uow.commit()
        return Connexion(
            compte_id=compte.id,
            generation_session=compte.generation_session,
            role=compte.role,
            siret=compte.siret_organisme,
        )


@cas_d_usage
def session_valide(ctx: Contexte, compte_id: uuid.UUID, generation_session: int) -> bool:
    """True while the account is active and no password or email change ended the session."""
    with ctx.uow(lecture_seule=True) as uow:
        compte = uow.comptes.obtenir(compte_id)
        uow.commit()
    return compte is not None and session_tenue(compte, generation_session)


# --- Mot de passe oublié ------------------------------------------------------------


@cas_d_usage
def mot_de_passe_oublie(ctx: Contexte, email: str) -> None:
    """«Mot de passe oublié»: mail a reset link to an active account, say nothing else.

    The caller sees the same outcome whether or not the address has an account, and both
    paths do the same work, so that their duration tells nothing either: one lookup, one
    mail queued to the typed address (the reset link for an active account; otherwise
    ``reinitialisation_sans_compte``, telling the mailbox that no active account uses
    it), one write committed.
    """
    adresse = _email(email, "email")
    with ctx.uow() as uow:
        compte = uow.comptes.par_email(adresse)
        if compte is not None and compte.statut is StatutCompte.ACTIF:
            secret = ctx.jetons.jeton()
            jeton = compte.emettre_jeton(
                TypeJeton.REINITIALISATION,
                secret,
                ctx.maintenant(),
                ctx.parametres.duree_reinitialisation,
            )
            ctx.message(
                uow,
                compte.email,
                "reinitialisation_mot_de_passe",
                lien_jeton=secret,
                expire_le=jeton.expire_le.isoformat(),
            )
        else:
            ctx.message(uow, adresse, "reinitialisation_sans_compte")
        uow.commit()


@cas_d_usage
def reinitialiser_mot_de_passe(ctx: Contexte, secret: str, nouveau: str, confirmation: str) -> None:
    """The reset link's form: set a new password (the link works once, then every one dies)."""
    _mot_de_passe_confirme(nouveau, confirmation, "nouveau_mot_de_passe")
    _jeton_lu(ctx, secret)
    hacheur = _hash_prepare(ctx, nouveau)
    with ctx.uow() as uow:
        compte = _par_jeton(uow, secret)
        quand = ctx.maintenant()
        compte.reinitialiser_mot_de_passe(
            secret,
            nouveau,
            quand,
            hacheur,
            politique=ctx.parametres.politique_mot_de_passe,
        )
        ctx.message(uow, compte.email, "mot_de_passe_modifie", quand=quand.isoformat())
        uow.commit()


# --- Mon compte ---------------------------------------------------------------------


@cas_d_usage
def changer_email(
    ctx: Contexte,
    compte_id: uuid.UUID,
    mot_de_passe_actuel: str,
    nouvel_email: str,
    confirmation: str,
) -> Email:
    """«Mon compte»: ask to change the login email, giving the current password.

    The change is made only when the link mailed to the new address is followed
    (:func:`confirmer_email`): an address belongs to whoever proves the mailbox, and an
    activated account keeps its address for good, so no account may take one it has not
    proven. The password is checked before the new address's availability, so that a
    stolen session cannot probe which addresses have accounts; an address held by an
    activated account is refused, one held by a request never activated is left to the
    confirmation. Returns the new address, as normalised (the page says where the link
    went). Nothing else changes: the sessions go on until the change is made.
    """
    nouveau = _email_confirme(nouvel_email, confirmation, "nouvel_email")
    hacheur = _verification_preparee(ctx, _compte_lu(ctx, compte_id), mot_de_passe_actuel)
    with ctx.uow() as uow:
        compte = compte_actif(uow, compte_id)
        existant = uow.comptes.par_email(nouveau)
        quand = ctx.maintenant()
        secret = ctx.jetons.jeton()
        with _echec_compte(uow):
            jeton = compte.demander_changement_email(
                mot_de_passe_actuel,
                nouveau,
                secret,
                quand,
                hacheur,
                duree=ctx.parametres.duree_activation,
                politique_verrouillage=ctx.parametres.verrouillage,
            )
        if existant is not None and existant.active_le is not None:
            raise EmailDejaUtilise(str(nouveau), champ="nouvel_email")
        ctx.message(
            uow,
            nouveau,
            "confirmation_email",
            lien_jeton=secret,
            expire_le=jeton.expire_le.isoformat(),
            ancien_email=str(compte.email),
        )
        uow.commit()
        return nouveau


@cas_d_usage
def adresse_a_confirmer(ctx: Contexte, secret: str) -> Email:
    """The confirmation page of an email change: the address the link would make the login.

    Raises:
        JetonInvalide: the link is unknown, used or expired.
    """
    with ctx.uow(lecture_seule=True) as uow:
        compte = _par_jeton(uow, secret)
        return compte.adresse_a_confirmer(secret, ctx.maintenant())


@cas_d_usage
def confirmer_email(ctx: Contexte, secret: str) -> Email:
    """Follow the link mailed to the new address: it becomes the login email.

    The mailbox is proven: a request never activated that holds the address gives way
    (erased, its links die), as at an account's creation; an activated account that
    took it meanwhile keeps it (:class:`~cfa_domain.errors.EmailDejaUtilise`). Every
    session of the account ends; the old address is told. Returns the new address.

    Raises:
        JetonInvalide: the link is unknown, used or expired.
        EmailDejaUtilise: an activated account holds the address now.
    """
    with ctx.uow() as uow:
        compte = _par_jeton(uow, secret)
        quand = ctx.maintenant()
        nouveau = compte.adresse_a_confirmer(secret, quand)
        existant = uow.comptes.par_email(nouveau)
        if existant is not None and existant.id != compte.id:
            if existant.active_le is not None:
                raise EmailDejaUtilise(str(nouveau), champ="nouvel_email")
            uow.comptes.supprimer(existant)
        ancien = compte.confirmer_changement_email(secret, quand)
        ctx.message(
            uow, ancien, "email_modifie", nouvel_email=str(nouveau), quand=quand.isoformat()
        )
        uow.commit()
        return nouveau


@cas_d_usage
def changer_mot_de_passe(
    ctx: Contexte, compte_id: uuid.UUID, actuel: str, nouveau: str, confirmation: str
) -> int:
    """«Mon compte»: change the password, giving the current one; other sessions end.

    Returns the account's new ``generation_session`` (the session that made the change
    keeps going with it).
    """
    _mot_de_passe_confirme(nouveau, confirmation, "nouveau_mot_de_passe")
    hacheur = _verification_preparee(ctx, _compte_lu(ctx, compte_id), actuel, nouveau)
    with ctx.uow() as uow:
        compte = compte_actif(uow, compte_id)
        quand = ctx.maintenant()
        with _echec_compte(uow):
            compte.changer_mot_de_passe(
                actuel,
                nouveau,
                quand,
                hacheur,
                politique=ctx.parametres.politique_mot_de_passe,
                politique_verrouillage=ctx.parametres.verrouillage,
            )
        ctx.message(uow, compte.email, "mot_de_passe_modifie", quand=quand.isoformat())
        uow.commit()
        return compte.generation_session


@cas_d_usage
def consulter_compte(ctx: Contexte, compte_id: uuid.UUID) -> MonCompte:
    """«Mon compte»: the account's login email and its organisme."""
    with ctx.uow(lecture_seule=True) as uow:
        compte = compte_actif(uow, compte_id)
        organisme = organisme_existant(uow, organisme_du_compte(compte))
        uow.commit()
    return MonCompte(email=compte.email, organisme=organisme)


# --- Gestion des accès --------------------------------------------------------------


@cas_d_usage
def lister_comptes(ctx: Contexte, compte_id: uuid.UUID) -> tuple[CompteDeLOrganisme, ...]:
    """«Gestion des accès»: the accounts of the account's own organisme, oldest first.

    Every status is listed (pending requests and invitations included), so that the
    organisme sees who asked for or was given access. Secrets (password hash, tokens)
    stay out of the rows.
    """
    with ctx.uow(lecture_seule=True) as uow:
        compte = compte_actif(uow, compte_id)
        comptes = uow.comptes.pour_organisme(organisme_du_compte(compte))
        uow.commit()
    return tuple(CompteDeLOrganisme.de(c, moi=compte.id) for c in comptes)
