"""One account driven through any sequence of operations, against a model of the rules.

The model below is written from the rules of ``docs/security.md`` and of
:mod:`cfa_domain.compte`'s docstring, not from the code: a plain record of what the
account should be (status, password, failures and lock, live links, session generation,
address). Hypothesis draws sequences of logins, links issued and used (the latest, an
older one, an unknown one), password and address changes, deactivations and the passing
of time; after each step the account must agree with the model, and each refused
operation must raise the error the rules name.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Literal

import attrs
import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from cfa_domain.compte import (
    DUREES_JETONS,
    Compte,
    PolitiqueVerrouillage,
    StatutCompte,
    TypeJeton,
)
from cfa_domain.errors import (
    CompteNonActive,
    CompteVerrouille,
    DonneeInvalide,
    ErreurDomaine,
    IdentifiantsInvalides,
    JetonInvalide,
    MotDePasseActivationIncorrect,
    MotDePasseActuelIncorrect,
    MotDePasseNonConforme,
    TransitionInterdite,
)
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import HacheurMemoire
from cfa_domain.values import Email

if TYPE_CHECKING:
    from collections.abc import Callable

VERROUILLAGE = PolitiqueVerrouillage(echecs_max=2, duree_verrou=dt.timedelta(minutes=15))
MOTS_DE_PASSE = ("Cheval-Agrafe-Pile9", "Orange-Batterie-77x", "Velours-Carafe-Nuage4")
FAUX = "Pas-le-bon-Mot-2024"
# Not the organisme sheet's address (contact@...), which is always on file.
EMAILS = tuple(Email(a) for a in ("compta@cfa-sante.fr", "paie@cfa-sante.fr", "rh@cfa.fr"))
ACTIFS_AVANT_DESACTIVATION = {
    StatutCompte.EN_ATTENTE_ACTIVATION,
    StatutCompte.EN_ATTENTE_APPROBATION,
    StatutCompte.ACTIF,
}
Quel = Literal["nouveau", "dernier", "ancien", "inconnu"]
#: Which link a user follows: one asked for just now ("renvoyer le lien", "mot de passe
#: oublié"), the latest one sent, a dead one or an unknown one.
QUELS: tuple[Quel, ...] = ("nouveau", "dernier", "ancien", "inconnu")
STATUT_REQUIS = {
    TypeJeton.ACTIVATION: StatutCompte.EN_ATTENTE_ACTIVATION,
    TypeJeton.REINITIALISATION: StatutCompte.ACTIF,
}
#: Whether the user types the right password: mostly.
BONS = (True, True, False)
#: The errors the model tells apart.
ERREURS = (
    CompteNonActive,
    CompteVerrouille,
    DonneeInvalide,
    IdentifiantsInvalides,
    JetonInvalide,
    MotDePasseActivationIncorrect,
    MotDePasseActuelIncorrect,
    MotDePasseNonConforme,
    TransitionInterdite,
)
#: How each operation ended over a run: (operation, None when accepted or the error).
ISSUES: Counter[tuple[str, type[ErreurDomaine] | None]] = Counter()


@attrs.define
class Lien:
    """A link as its recipient holds it: its secret, until when it works, whether used."""

    secret: str
    expire_le: dt.datetime
    utilise: bool = False
    email: Email | None = None
    """The address an email-change link confirms."""


@attrs.define
class Modele:
    """What the account should be, by the rules."""

    statut: StatutCompte
    mot_de_passe: str
    email: Email
    echecs: int = 0
    verrou: dt.datetime | None = None
    generation: int = 0
    cout_du_hash: int = 1
    liens: dict[TypeJeton, Lien] = attrs.Factory(dict)
    morts: list[str] = attrs.Factory(list)
    avant_desactivation: StatutCompte | None = None

    def tuer(self, *types: TypeJeton) -> None:
        """The unused links of these types stop working."""
        for type_ in types:
            lien = self.liens.pop(type_, None)
            if lien is not None:
                self.morts.append(lien.secret)

    def lien_valide(self, type_: TypeJeton, secret: str, quand: dt.datetime) -> bool:
        """The latest link of the type, unused and not expired."""
        lien = self.liens.get(type_)
        return (
            lien is not None
            and lien.secret == secret
            and not lien.utilise
            and (quand < lien.expire_le)
        )

    def verifier_mot_de_passe(
        self, bon: bool, quand: dt.datetime, erreur: type[IdentifiantsInvalides]
    ) -> type[ErreurDomaine] | None:
        """The lock first, then the password: a failure counts, enough of them lock."""
        if self.verrou is not None:
            if quand < self.verrou:
                return CompteVerrouille
            self.verrou, self.echecs = None, 0
        if not bon:
            self.echecs += 1
            if self.echecs >= VERROUILLAGE.echecs_max:
                self.verrou = quand + VERROUILLAGE.duree_verrou
            return erreur
        self.echecs = 0
        return None

    def verifier_mon_compte(self, bon: bool, quand: dt.datetime) -> type[ErreurDomaine] | None:
        """« Mon compte »: an active account only, its current password counted."""
        if self.statut is not StatutCompte.ACTIF:
            return CompteNonActive
        return self.verifier_mot_de_passe(bon, quand, MotDePasseActuelIncorrect)

    def nouveau_mot_de_passe(self, mot_de_passe: str, cout: int) -> None:
        """A new password ends the other sessions and kills the reset links."""
        self.mot_de_passe, self.cout_du_hash = mot_de_passe, cout
        self.generation += 1
        self.tuer(TypeJeton.REINITIALISATION)


@attrs.frozen
class Tirage:
    """What one step draws: the operation and every input it may use."""

    operation: str
    bon: bool
    quel: Quel
    nouveau: str
    nouvel_email: Email
    type_: TypeJeton


#: The operations a step draws from; following a link and logging in come up more often
#: than an agent's decisions, as they do in the platform's life.
OPERATIONS = (
    "se_connecter",
    "se_connecter",
    "activer",
    "activer",
    "reinitialiser",
    "reinitialiser",
    "emettre",
    "emettre",
    "changer_mot_de_passe",
    "demander_changement_email",
    "confirmer_changement_email",
    "approuver",
    "desactiver",
    "reactiver",
)
TIRAGES = st.builds(
    Tirage,
    operation=st.sampled_from(OPERATIONS),
    bon=st.sampled_from(BONS),
    quel=st.sampled_from(QUELS),
    nouveau=st.sampled_from(MOTS_DE_PASSE),
    nouvel_email=st.sampled_from(EMAILS),
    type_=st.sampled_from(list(STATUT_REQUIS)),
)


class CompteMachine(RuleBasedStateMachine):
    """The account and its model, step by step."""

    def __init__(self) -> None:
        """Nothing exists before :meth:`ouvrir`."""
        super().__init__()
        self.hacheur = HacheurMemoire()
        self.quand = exemples.INSTANT
        self.secrets = 0

    def _secret(self) -> str:
        self.secrets += 1
        return f"{self.secrets:043d}"

    def _attendre(
        self, nom: str, attendu: type[ErreurDomaine] | None, operation: Callable[[], object]
    ) -> object:
        """Run the operation; it raises exactly ``attendu``, or succeeds when None."""
        ISSUES[nom, attendu] += 1
        if attendu is None:
            event(f"{nom} : acceptée")
            return operation()
        event(f"{nom} : refusée ({attendu.__name__})")
        with pytest.raises(attendu) as refus:
            operation()
        # Not one of the more precise errors the model tells apart (a wrong current password
        # is an IdentifiantsInvalides too, but not the login's).
        plus_precises = tuple(e for e in ERREURS if e is not attendu and issubclass(e, attendu))
        assert not isinstance(refus.value, plus_precises), refus.value
        return None

    @initialize(
        depart=st.sampled_from(["actif", "actif", "activation", "approbation"]),
        mot_de_passe=st.sampled_from(MOTS_DE_PASSE),
    )
    def ouvrir(self, depart: str, mot_de_passe: str) -> None:
        """An account opened with an unknown address, one on the organisme's file, or active.

        Starting half of the runs from an active account lets them spend their steps on
        what an active account does (the way there is exercised by the other half).
        """
        connue = depart != "approbation"
        organisme = exemples.organisme(emails_connus=EMAILS[:1] if connue else ())
        self.compte = Compte.ouvrir(
            id=uuid.uuid4(),
            email=EMAILS[0],
            organisme=organisme,
            mot_de_passe=mot_de_passe,
            quand=self.quand,
            hasher=self.hacheur,
        )
        statut = (
            StatutCompte.EN_ATTENTE_ACTIVATION if connue else StatutCompte.EN_ATTENTE_APPROBATION
        )
        self.modele = Modele(statut=statut, mot_de_passe=mot_de_passe, email=EMAILS[0])
        if connue:  # the use case mails the activation link at once
            self._envoyer(TypeJeton.ACTIVATION)
        if depart == "actif":
            secret = self.modele.liens[TypeJeton.ACTIVATION].secret
            self.compte.activer_avec_mot_de_passe(secret, mot_de_passe, self.quand, self.hacheur)
            self.modele.statut = StatutCompte.ACTIF
            self.modele.liens[TypeJeton.ACTIVATION].utilise = True

    def _envoyer(self, type_: TypeJeton) -> None:
        """Issue a link to the account and to the model: it replaces the last of its type."""
        secret = self._secret()
        self.compte.emettre_jeton(type_, secret, self.quand)
        self.modele.tuer(type_)
        self.modele.liens[type_] = Lien(secret, self.quand + DUREES_JETONS[type_])

    def _mot_de_passe(self, bon: bool) -> str:
        return self.modele.mot_de_passe if bon else FAUX

    def _secret_de(self, type_: TypeJeton, quel: Quel) -> str:
        if quel == "nouveau" and STATUT_REQUIS.get(type_) is self.modele.statut:
            self._envoyer(type_)
        if quel in {"nouveau", "dernier"} and type_ in self.modele.liens:
            return self.modele.liens[type_].secret
        if quel == "ancien" and self.modele.morts:
            return self.modele.morts[-1]
        return "x" * 43

    @rule(minutes=st.sampled_from([1, 14, 16, 59, 61, 24 * 60 + 1]))
    def attendre(self, minutes: int) -> None:
        """Time passes: locks lift, links expire."""
        self.quand += dt.timedelta(minutes=minutes)

    @rule()
    def changer_les_parametres_du_hacheur(self) -> None:
        """The deployment raises its hashing cost: the next login rehashes."""
        self.hacheur = HacheurMemoire(cout=self.hacheur.cout + 1)

    @rule(t=TIRAGES)
    def agir(self, t: Tirage) -> None:
        """One operation of the account's life.

        One rule draws them all, so that each run spreads its steps evenly over them
        (Hypothesis switches whole rules off at random in each run).
        """
        getattr(self, t.operation)(t)

    def approuver(self, _t: Tirage) -> None:
        """An OPCO agent approves a request: only one awaiting approval."""
        attendu = None
        if self.modele.statut is StatutCompte.EN_ATTENTE_APPROBATION:
            self.modele.statut = StatutCompte.EN_ATTENTE_ACTIVATION
        else:
            attendu = TransitionInterdite
        self._attendre("approuver", attendu, lambda: self.compte.approuver("agent", self.quand))
        if attendu is None:  # the use case mails the activation link
            self._envoyer(TypeJeton.ACTIVATION)

    def emettre(self, t: Tirage) -> None:
        """A link is sent: activation while awaiting it, reset when active; it replaces the last."""
        type_ = t.type_
        if self.modele.statut is STATUT_REQUIS[type_]:
            self._attendre("emettre", None, lambda: self._envoyer(type_))
            return
        ISSUES["emettre", ErreurDomaine] += 1
        event(f"emettre : refusée ({type_.value})")
        with pytest.raises(ErreurDomaine):  # the named error is issue 6's; its family holds
            self.compte.emettre_jeton(type_, self._secret(), self.quand)

    def se_connecter(self, t: Tirage) -> None:
        """Login: lock, then password (counted), then status; success kills reset links."""
        bon = t.bon
        m = self.modele
        attendu = m.verifier_mot_de_passe(bon, self.quand, IdentifiantsInvalides)
        if attendu is None and m.statut is not StatutCompte.ACTIF:
            attendu = CompteNonActive
        rehache = attendu is None and m.cout_du_hash != self.hacheur.cout
        if attendu is None:
            m.tuer(TypeJeton.REINITIALISATION)
            m.cout_du_hash = self.hacheur.cout
        resultat = self._attendre(
            "se_connecter",
            attendu,
            lambda: self.compte.authentifier(
                self._mot_de_passe(bon),
                self.quand,
                self.hacheur,
                politique_verrouillage=VERROUILLAGE,
            ),
        )
        if attendu is None:
            assert resultat is rehache

    def activer(self, t: Tirage) -> None:
        """The activation page: a live link first (nothing counted), then the password."""
        quel, bon = t.quel, t.bon
        m = self.modele
        secret = self._secret_de(TypeJeton.ACTIVATION, quel)
        mot_de_passe = self._mot_de_passe(bon)
        attendu: type[ErreurDomaine] | None = JetonInvalide
        if m.statut is StatutCompte.EN_ATTENTE_ACTIVATION and m.lien_valide(
            TypeJeton.ACTIVATION, secret, self.quand
        ):
            attendu = m.verifier_mot_de_passe(bon, self.quand, MotDePasseActivationIncorrect)
            if attendu is None:
                m.liens[TypeJeton.ACTIVATION].utilise = True
                m.statut = StatutCompte.ACTIF
        self._attendre(
            "activer",
            attendu,
            lambda: self.compte.activer_avec_mot_de_passe(
                secret,
                mot_de_passe,
                self.quand,
                self.hacheur,
                politique_verrouillage=VERROUILLAGE,
            ),
        )

    def reinitialiser(self, t: Tirage) -> None:
        """« Mot de passe oublié »: a live reset link sets the password and lifts the lock."""
        quel, nouveau = t.quel, t.nouveau
        m = self.modele
        secret = self._secret_de(TypeJeton.REINITIALISATION, quel)
        attendu = None
        if m.lien_valide(TypeJeton.REINITIALISATION, secret, self.quand):
            m.liens[TypeJeton.REINITIALISATION].utilise = True
            m.nouveau_mot_de_passe(nouveau, self.hacheur.cout)
            m.echecs, m.verrou = 0, None
        else:
            attendu = JetonInvalide
        self._attendre(
            "reinitialiser",
            attendu,
            lambda: self.compte.reinitialiser_mot_de_passe(
                secret, nouveau, self.quand, self.hacheur
            ),
        )

    def changer_mot_de_passe(self, t: Tirage) -> None:
        """« Mon compte »: active only, current password counted, a different new one."""
        bon, nouveau = t.bon, t.nouveau
        m = self.modele
        actuel = self._mot_de_passe(bon)
        attendu = m.verifier_mon_compte(bon, self.quand)
        if attendu is None and nouveau == m.mot_de_passe:
            attendu = MotDePasseNonConforme
        if attendu is None:
            m.nouveau_mot_de_passe(nouveau, self.hacheur.cout)
        self._attendre(
            "changer_mot_de_passe",
            attendu,
            lambda: self.compte.changer_mot_de_passe(
                actuel, nouveau, self.quand, self.hacheur, politique_verrouillage=VERROUILLAGE
            ),
        )

    def demander_changement_email(self, t: Tirage) -> None:
        """« Mon compte »: active only, current password counted, another address: a link.

        Nothing changes but the link, which replaces the previous one.
        """
        bon, nouvel_email = t.bon, t.nouvel_email
        m = self.modele
        actuel = self._mot_de_passe(bon)
        attendu = m.verifier_mon_compte(bon, self.quand)
        if attendu is None and nouvel_email == m.email:
            attendu = DonneeInvalide
        secret = self._secret()
        if attendu is None:
            m.tuer(TypeJeton.CHANGEMENT_EMAIL)
            m.liens[TypeJeton.CHANGEMENT_EMAIL] = Lien(
                secret,
                self.quand + DUREES_JETONS[TypeJeton.CHANGEMENT_EMAIL],
                email=nouvel_email,
            )
        self._attendre(
            "demander_changement_email",
            attendu,
            lambda: self.compte.demander_changement_email(
                actuel,
                nouvel_email,
                secret,
                self.quand,
                self.hacheur,
                politique_verrouillage=VERROUILLAGE,
            ),
        )

    def confirmer_changement_email(self, t: Tirage) -> None:
        """The link mailed to the new address: an active account, a live link; the change."""
        m = self.modele
        secret = self._secret_de(TypeJeton.CHANGEMENT_EMAIL, t.quel)
        attendu: type[ErreurDomaine] | None = JetonInvalide
        if m.statut is not StatutCompte.ACTIF:
            attendu = CompteNonActive
        elif m.lien_valide(TypeJeton.CHANGEMENT_EMAIL, secret, self.quand):
            attendu = None
            lien = m.liens[TypeJeton.CHANGEMENT_EMAIL]
            lien.utilise = True
            assert lien.email is not None
            m.email = lien.email
            m.generation += 1
            m.tuer(TypeJeton.REINITIALISATION)
        self._attendre(
            "confirmer_changement_email",
            attendu,
            lambda: self.compte.confirmer_changement_email(secret, self.quand),
        )

    def desactiver(self, _t: Tirage) -> None:
        """Deactivation: links die, sessions end; an account deactivated stays so."""
        m = self.modele
        attendu = None
        if m.statut in ACTIFS_AVANT_DESACTIVATION:
            m.avant_desactivation, m.statut = m.statut, StatutCompte.DESACTIVE
            m.tuer(*TypeJeton)
            m.generation += 1
        else:
            attendu = TransitionInterdite
        self._attendre(
            "desactiver", attendu, lambda: self.compte.desactiver("agent", self.quand, "départ")
        )

    def reactiver(self, _t: Tirage) -> None:
        """Reactivation: back to the status held before the deactivation."""
        m = self.modele
        attendu = None
        if m.statut is StatutCompte.DESACTIVE and m.avant_desactivation is not None:
            m.statut = m.avant_desactivation
        else:
            attendu = TransitionInterdite
        self._attendre("reactiver", attendu, lambda: self.compte.reactiver("agent", self.quand))

    @invariant()
    def le_compte_suit_le_modele(self) -> None:
        """Status, counter, lock, session generation and address are the model's."""
        m, c = self.modele, self.compte
        assert (c.statut, c.echecs_connexion, c.verrouille_jusqu_a) == (
            m.statut,
            m.echecs,
            m.verrou,
        )
        assert (c.generation_session, c.email) == (m.generation, m.email)

    @invariant()
    def le_hash_est_celui_du_mot_de_passe_du_modele(self) -> None:
        """The stored hash checks the model's password, at the cost it was made with."""
        assert self.hacheur.verifier(self.compte.hash_mot_de_passe, self.modele.mot_de_passe)
        assert not self.hacheur.verifier(self.compte.hash_mot_de_passe, FAUX)
        a_jour = self.modele.cout_du_hash == self.hacheur.cout
        assert self.hacheur.doit_rehacher(self.compte.hash_mot_de_passe) is not a_jour

    @invariant()
    def seuls_les_liens_vivants_restent(self) -> None:
        """The account keeps no usable link the model says is dead."""
        vivants = {
            lien.secret
            for lien in self.modele.liens.values()
            if not lien.utilise and self.quand < lien.expire_le
        }
        for secret in self.modele.morts:
            assert not any(
                j.correspond(secret) and j.est_valide(self.quand) for j in self.compte.jetons
            )
        for secret in vivants:
            assert any(
                j.correspond(secret) and j.est_valide(self.quand) for j in self.compte.jetons
            )


def test_le_compte_suit_les_regles() -> None:
    """Any sequence of operations: after each step the account agrees with the model."""
    run_state_machine_as_test(
        CompteMachine, settings=settings(stateful_step_count=40, deadline=None)
    )


def test_la_machine_voit_chaque_operation_passer_et_echouer() -> None:
    """Each operation is accepted in some steps and refused in others, locks included.

    This keeps the machine honest: a model and an account that refused everything would
    agree on every step. The run is derandomized (same draws every time), so that this
    count does not depend on luck; the run above explores new draws each time.
    """
    ISSUES.clear()
    run_state_machine_as_test(
        CompteMachine,
        settings=settings(
            # Enough runs that each operation passes a dozen times or more, whatever the
            # draws an edit of the machine leads to (its source seeds the derandomized run).
            max_examples=300,
            stateful_step_count=40,
            deadline=None,
            derandomize=True,
            database=None,
        ),
    )
    operations = set(OPERATIONS)
    assert {nom for nom, attendu in ISSUES if attendu is None} == operations
    assert {nom for nom, attendu in ISSUES if attendu is not None} == operations
    refus = {attendu for _, attendu in ISSUES}
    assert {CompteVerrouille, MotDePasseActuelIncorrect, JetonInvalide} <= refus
    acceptees = sum(n for (_, attendu), n in ISSUES.items() if attendu is None)
    assert acceptees >= sum(ISSUES.values()) // 10
