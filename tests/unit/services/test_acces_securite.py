"""Security review of the account use cases: pre-hijacking, timing of invited accounts.

The in-memory deployment; the same journeys run on every backend in
``tests/contract/test_securite.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfa_domain.compte import HASH_INUTILISABLE, PolitiqueVerrouillage, StatutCompte
from cfa_domain.errors import (
    CompteVerrouille,
    DonneeInvalide,
    IdentifiantsInvalides,
    JetonInvalide,
    MotDePasseActivationIncorrect,
)
from cfa_domain.services import acces
from cfa_domain.services.contexte import Parametres
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import HacheurMemoire, Memoire, memoire
from cfa_domain.values import Email

if TYPE_CHECKING:
    from cfa_domain.compte import Compte
    from cfa_domain.ports import MessageSortant

EMAIL_PUBLIC = "compta@cfa-sante.fr"
"""An address the OPCO has on file for the organisme, and that anyone can read online."""
MDP_PIRATE = "Attaquant-Choisi-2024!"
MDP_TITULAIRE = "Gestion-Sante-Paris-2024!"


def deploiement(parametres: Parametres | None = None) -> Memoire:
    """The example organisme, with ``EMAIL_PUBLIC`` on file, and a second organisme."""
    m = memoire(parametres)
    m.enregistrer(
        exemples.organisme(emails_connus=(Email(EMAIL_PUBLIC),)),
        exemples.organisme(exemples.SIRET_CFA_2, emails_connus=(Email(EMAIL_PUBLIC),)),
    )
    return m


@pytest.fixture
def m() -> Memoire:
    """A fresh deployment for one test."""
    return deploiement()


def creer(
    m: Memoire, mdp: str, email: str = EMAIL_PUBLIC, siret: str = exemples.SIRET_CFA.numero
) -> None:
    """Fill the "Création de compte" form."""
    acces.creer_compte(
        m.contexte,
        siret=siret,
        email=email,
        confirmation_email=email,
        mot_de_passe=mdp,
        confirmation_mot_de_passe=mdp,
    )


def mails(m: Memoire, email: str = EMAIL_PUBLIC) -> list[MessageSortant]:
    """Committed mails to one address, oldest first."""
    return [msg for msg in m.stockage.messages if msg.destinataire == Email(email)]


def dernier_lien(m: Memoire, email: str = EMAIL_PUBLIC) -> str:
    """The secret of the last link mailed to ``email``."""
    return next(
        msg.contexte["lien_jeton"]
        for msg in reversed(mails(m, email))
        if "lien_jeton" in msg.contexte
    )


def compte(m: Memoire, email: str = EMAIL_PUBLIC) -> Compte:
    """The committed account of an address."""
    with m.stockage.uow() as uow:
        trouve = uow.comptes.par_email(Email(email))
    assert trouve is not None
    return trouve


@attrs.define
class HacheurEspion:
    """The in-memory hasher, recording the hashes it checks passwords against."""

    interne: HacheurMemoire = attrs.Factory(HacheurMemoire)
    verifies: list[str] = attrs.Factory(list)
    hachages: int = 0

    def hacher(self, mot_de_passe: str) -> str:
        """Count, then hash."""
        self.hachages += 1
        return self.interne.hacher(mot_de_passe)

    def verifier(self, hache: str, mot_de_passe: str) -> bool:
        """Record the hash, then check."""
        self.verifies.append(hache)
        return self.interne.verifier(hache, mot_de_passe)

    def doit_rehacher(self, hache: str) -> bool:
        """As the in-memory hasher."""
        return self.interne.doit_rehacher(hache)


# --- F1: account pre-hijacking -------------------------------------------------------------


def test_le_premier_venu_ne_detourne_pas_le_compte_du_titulaire(m: Memoire) -> None:
    """An attacker opening the account first with a public address never gets in."""
    creer(m, MDP_PIRATE)
    lien_pirate = dernier_lien(m)  # in the victim's mailbox: the attacker never sees it
    creer(m, MDP_TITULAIRE)
    with pytest.raises(JetonInvalide):
        acces.activer_compte(m.contexte, lien_pirate, MDP_PIRATE)
    acces.activer_compte(m.contexte, dernier_lien(m), MDP_TITULAIRE)
    assert acces.se_connecter(m.contexte, EMAIL_PUBLIC, MDP_TITULAIRE).siret == exemples.SIRET_CFA
    with pytest.raises(IdentifiantsInvalides):
        acces.se_connecter(m.contexte, EMAIL_PUBLIC, MDP_PIRATE)


def test_l_activation_exige_le_mot_de_passe_choisi_a_la_creation(m: Memoire) -> None:
    """A wrong password: French error on its field, counted, and the link still works."""
    creer(m, MDP_PIRATE)
    lien = dernier_lien(m)
    with pytest.raises(MotDePasseActivationIncorrect) as erreur:
        acces.activer_compte(m.contexte, lien, MDP_TITULAIRE)
    assert erreur.value.champ == "mot_de_passe"
    assert erreur.value.message == (
        "Ce mot de passe n'est pas celui choisi lors de la création du compte."
    )
    assert isinstance(erreur.value, IdentifiantsInvalides)
    attente = compte(m)
    assert (attente.statut, attente.echecs_connexion) == (StatutCompte.EN_ATTENTE_ACTIVATION, 1)
    acces.activer_compte(m.contexte, lien, MDP_PIRATE)
    actif = compte(m)
    assert (actif.statut, actif.echecs_connexion) == (StatutCompte.ACTIF, 0)


def test_un_lien_inconnu_ne_compte_pas_d_echec(m: Memoire) -> None:
    """The link is checked before the password: a made-up link counts nothing."""
    creer(m, MDP_TITULAIRE)
    with pytest.raises(JetonInvalide):
        acces.activer_compte(m.contexte, "x" * 43, MDP_PIRATE)
    assert compte(m).echecs_connexion == 0


def test_les_echecs_d_activation_verrouillent_comme_a_la_connexion() -> None:
    """After ``echecs_max`` wrong passwords even the right one is refused until the lock ends."""
    m = deploiement(Parametres(verrouillage=PolitiqueVerrouillage(echecs_max=3)))
    creer(m, MDP_TITULAIRE)
    lien = dernier_lien(m)
    for _ in range(3):
        with pytest.raises(MotDePasseActivationIncorrect):
            acces.activer_compte(m.contexte, lien, MDP_PIRATE)
    with pytest.raises(CompteVerrouille):
        acces.activer_compte(m.contexte, lien, MDP_TITULAIRE)
    m.horloge.avancer(dt.timedelta(minutes=15))
    acces.activer_compte(m.contexte, lien, MDP_TITULAIRE)
    assert compte(m).statut is StatutCompte.ACTIF


def test_redemander_remplace_le_mot_de_passe_et_leve_le_verrou() -> None:
    """A new form for a pending account sets its password, a fresh link, and a clean slate."""
    m = deploiement(Parametres(verrouillage=PolitiqueVerrouillage(echecs_max=2)))
    creer(m, MDP_PIRATE)
    for _ in range(2):
        with pytest.raises(IdentifiantsInvalides):
            acces.se_connecter(m.contexte, EMAIL_PUBLIC, "devine")
    assert compte(m).verrouille_jusqu_a is not None
    m.horloge.avancer(dt.timedelta(minutes=1))
    creer(m, MDP_TITULAIRE)
    remplace = compte(m)
    assert (remplace.echecs_connexion, remplace.verrouille_jusqu_a) == (0, None)
    assert remplace.mot_de_passe_change_le == m.horloge.maintenant()
    assert m.hacheur.verifier(remplace.hash_mot_de_passe, MDP_TITULAIRE)
    assert [j.emis_le for j in remplace.jetons] == [m.horloge.maintenant()]


def test_meme_reponse_et_meme_mail_pour_un_compte_neuf_ou_en_attente() -> None:
    """New address or pending account: same mail shape, same hashing work, no error."""
    neuf, attente = deploiement(), deploiement()
    creer(attente, MDP_PIRATE)
    avant = len(attente.stockage.messages)
    espions = HacheurEspion(), HacheurEspion()
    for dep, espion in zip((neuf, attente), espions, strict=True):
        espionne = attrs.evolve(dep, contexte=attrs.evolve(dep.contexte, hacheur=espion))
        creer(espionne, MDP_TITULAIRE)
    (mail_neuf,) = neuf.stockage.messages
    (mail_attente,) = attente.stockage.messages[avant:]
    assert (mail_neuf.destinataire, mail_neuf.modele, sorted(mail_neuf.contexte)) == (
        mail_attente.destinataire,
        mail_attente.modele,
        sorted(mail_attente.contexte),
    )
    assert mail_neuf.modele == "activation_compte"
    assert espions[0].hachages == espions[1].hachages == 1


def test_un_compte_actif_n_est_jamais_touche(m: Memoire) -> None:
    """The creation form on an active account's address only tells its owner."""
    creer(m, MDP_TITULAIRE)
    acces.activer_compte(m.contexte, dernier_lien(m), MDP_TITULAIRE)
    avant = compte(m)
    hache, jetons = avant.hash_mot_de_passe, list(avant.jetons)
    creer(m, MDP_PIRATE)
    apres = compte(m)
    assert (apres.hash_mot_de_passe, apres.jetons, apres.statut) == (
        hache,
        jetons,
        StatutCompte.ACTIF,
    )
    assert mails(m)[-1].modele == "compte_existant"
    with pytest.raises(IdentifiantsInvalides):
        acces.se_connecter(m.contexte, EMAIL_PUBLIC, MDP_PIRATE)


def test_un_compte_en_attente_cede_au_formulaire_d_un_autre_organisme(m: Memoire) -> None:
    """A form naming another organisme replaces the pending request; only the mailbox wins.

    The newer request (organisme 2) erases the pending one: its link dies. Its own link
    goes to the mailbox, so its submitter cannot activate it; the owner's next form for
    organisme 1 erases it in turn, and she activates her account.
    """
    creer(m, MDP_TITULAIRE)
    premier_lien = dernier_lien(m)
    creer(m, MDP_PIRATE, siret=exemples.SIRET_CFA_2.numero)
    apres = compte(m)
    assert (apres.siret_organisme, apres.statut) == (
        exemples.SIRET_CFA_2,
        StatutCompte.EN_ATTENTE_ACTIVATION,
    )
    assert mails(m)[-1].modele == "activation_compte"
    with pytest.raises(JetonInvalide):
        acces.activer_compte(m.contexte, premier_lien, MDP_TITULAIRE)
    with pytest.raises(MotDePasseActivationIncorrect):
        acces.activer_compte(m.contexte, dernier_lien(m), MDP_TITULAIRE)
    creer(m, MDP_TITULAIRE)
    acces.activer_compte(m.contexte, dernier_lien(m), MDP_TITULAIRE)
    assert acces.se_connecter(m.contexte, EMAIL_PUBLIC, MDP_TITULAIRE).siret == exemples.SIRET_CFA


def test_une_invitation_en_attente_n_est_pas_reprise_par_le_formulaire(m: Memoire) -> None:
    """The creation form on an invited address leaves it password-less: a new invitation."""
    creer(m, MDP_TITULAIRE)
    acces.activer_compte(m.contexte, dernier_lien(m), MDP_TITULAIRE)
    hote = compte(m).id
    invite = "c.durand@cfa-sante.fr"
    acces.inviter(m.contexte, hote, invite)
    creer(m, MDP_PIRATE, email=invite)
    assert compte(m, invite).hash_mot_de_passe == HASH_INUTILISABLE
    assert [msg.modele for msg in mails(m, invite)] == ["invitation", "invitation"]


# --- F4: an invited account answers a login as slowly as any other --------------------------


def test_compte_invite_verifie_contre_le_hash_factice(m: Memoire) -> None:
    """Login on an account without a password checks the dummy hash, once, and fails."""
    creer(m, MDP_TITULAIRE)
    acces.activer_compte(m.contexte, dernier_lien(m), MDP_TITULAIRE)
    acces.inviter(m.contexte, compte(m).id, "c.durand@cfa-sante.fr")
    espion = HacheurEspion()
    contexte = attrs.evolve(m.contexte, hacheur=espion)
    for email in ("c.durand@cfa-sante.fr", "personne@cfa-sante.fr"):
        with pytest.raises(IdentifiantsInvalides) as erreur:
            acces.se_connecter(contexte, email, HASH_INUTILISABLE)
        assert type(erreur.value) is IdentifiantsInvalides
    assert espion.verifies == [contexte.hash_factice()] * 2
    assert compte(m, "c.durand@cfa-sante.fr").echecs_connexion == 1


# --- F5: lengths that fit the columns -------------------------------------------------------


def adresse_de_longueur(longueur: int) -> str:
    """A valid address of exactly ``longueur`` characters (69 to 318)."""
    reste = longueur - len("a" * 64 + "@") - len("fr")
    labels: list[str] = []
    while reste > 0:
        bloc = min(62, reste)  # a label and its dot
        if reste - bloc == 1:
            bloc -= 1
        labels.append("b" * (bloc - 1))
        reste -= bloc
    return "a" * 64 + "@" + ".".join([*labels, "fr"])


@settings(max_examples=30)
@given(longueur=st.integers(min_value=255, max_value=318))
def test_propriete_une_adresse_trop_longue_est_refusee_sur_son_champ(longueur: int) -> None:
    """Any address longer than 254 characters is a DonneeInvalide on the form's field."""
    adresse = adresse_de_longueur(longueur)
    assert len(adresse) == longueur
    m = deploiement()
    with pytest.raises(DonneeInvalide) as erreur:
        creer(m, MDP_TITULAIRE, email=adresse)
    assert (erreur.value.champ, erreur.value.message) == (
        "email",
        "Adresse email : 254 caractères au plus.",
    )
    with pytest.raises(DonneeInvalide) as erreur:
        acces.mot_de_passe_oublie(m.contexte, adresse)
    assert erreur.value.champ == "email"
    assert m.stockage.messages == ()


def test_une_adresse_de_254_caracteres_ouvre_un_compte() -> None:
    """The longest address allowed opens an account like any other."""
    adresse = adresse_de_longueur(254)
    m = memoire()
    m.enregistrer(exemples.organisme(emails_connus=(Email(adresse),)))
    creer(m, MDP_TITULAIRE, email=adresse)
    assert compte(m, adresse).statut is StatutCompte.EN_ATTENTE_ACTIVATION
