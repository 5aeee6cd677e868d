"""Use cases « Accéder à la plateforme » and « Mon compte », on the in-memory deployment."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfa_domain.compte import Compte, PolitiqueVerrouillage, Role, StatutCompte, TypeJeton
from cfa_domain.errors import (
    AccesRefuse,
    CompteNonActive,
    CompteVerrouille,
    Conflit,
    CreationCompteImpossible,
    DonneeInvalide,
    IdentifiantsInvalides,
    Introuvable,
    JetonInvalide,
    MotDePasseActuelIncorrect,
    MotDePasseNonConforme,
    SessionInvalide,
    TransitionInterdite,
)
from cfa_domain.organisme import Organisme, StatutOrganisme
from cfa_domain.ports import CriteresRecherche
from cfa_domain.services import acces, actions, demandes, organismes
from cfa_domain.services.acces import Connexion, ResultatSiret
from cfa_domain.services.contexte import Parametres, SessionOuverte, sirets_visibles
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import HacheurMemoire, Memoire, memoire
from cfa_domain.values import Email, Siret

if TYPE_CHECKING:
    from cfa_domain.ports import MessageSortant

MDP = "Cheval-Agrafe-Pile9"
AUTRE_MDP = "Orange-Batterie-77x"
EMAIL_CONNU = "contact@cfa-sante.fr"  # the example sheet's address: on file
EMAIL_CONTACT = "c.durand@cfa-sante.fr"  # the example contact's address: on file
EMAIL_INCONNU = "jean.dupont@exemple.fr"
SIRET = exemples.SIRET_CFA.numero
UNE_MICROSECONDE = dt.timedelta(microseconds=1)


# --- Helpers -------------------------------------------------------------------------


def deploiement(parametres: Parametres | None = None) -> Memoire:
    """A deployment where the OPCO knows the example organisme (active)."""
    m = memoire(parametres)
    with m.stockage.uow() as uow:
        uow.organismes.ajouter(exemples.organisme())
        uow.commit()
    return m


@pytest.fixture
def m() -> Memoire:
    """A fresh deployment for one test."""
    return deploiement()


def creer(m: Memoire, email: str = EMAIL_CONNU, mdp: str = MDP, siret: str = SIRET) -> None:
    """Fill the "Création de compte" form correctly."""
    acces.creer_compte(
        m.contexte,
        siret=siret,
        email=email,
        confirmation_email=email,
        mot_de_passe=mdp,
        confirmation_mot_de_passe=mdp,
    )


def messages_a(m: Memoire, email: str) -> list[MessageSortant]:
    """Committed mails to one address, oldest first."""
    return [msg for msg in m.stockage.messages if msg.destinataire == Email(email)]


def dernier_lien(m: Memoire, email: str) -> str:
    """The secret of the last link mailed to ``email``."""
    return next(
        msg.contexte["lien_jeton"]
        for msg in reversed(messages_a(m, email))
        if "lien_jeton" in msg.contexte
    )


def compte(m: Memoire, email: str) -> Compte:
    """The committed account of an address."""
    with m.stockage.uow() as uow:
        trouve = uow.comptes.par_email(Email(email))
    assert trouve is not None
    return trouve


def ouvrir(m: Memoire, email: str = EMAIL_CONNU, mdp: str = MDP) -> uuid.UUID:
    """Create and activate an account with an on-file address; return its id."""
    creer(m, email, mdp)
    acces.activer_compte(m.contexte, dernier_lien(m, email), mdp)
    return compte(m, email).id


def agent(m: Memoire, email: str = "agent@opco.fr") -> uuid.UUID:
    """An active OPCO agent's account."""
    nouveau = Compte.ouvrir_agent(
        id=uuid.uuid4(),
        email=Email(email),
        mot_de_passe=MDP,
        quand=m.horloge.maintenant(),
        hasher=m.hacheur,
        auteur="admin",
    )
    with m.stockage.uow() as uow:
        uow.comptes.ajouter(nouveau)
        uow.commit()
    return nouveau.id


def ajouter_organisme(m: Memoire, organisme: Organisme) -> None:
    """Store another organisme."""
    with m.stockage.uow() as uow:
        uow.organismes.ajouter(organisme)
        uow.commit()


def modifier_compte(m: Memoire, compte_id: uuid.UUID, **changes: Any) -> None:
    """Change a stored account's fields directly (to set up a situation)."""
    with m.stockage.uow() as uow:
        stocke = uow.comptes.obtenir(compte_id)
        assert stocke is not None
        for nom, valeur in changes.items():
            setattr(stocke, nom, valeur)
        uow.commit()


# --- Validation du SIRET -----------------------------------------------------------


@pytest.mark.parametrize(
    ("statut", "attendu"),
    [
        (None, ResultatSiret.INCONNU),
        (StatutOrganisme.ACTIF, ResultatSiret.CONNU),
        (StatutOrganisme.A_VALIDER, ResultatSiret.EN_ATTENTE),
        (StatutOrganisme.INACTIF, ResultatSiret.INACTIF),
    ],
)
def test_verifier_siret_dit_quoi_faire_selon_le_statut(
    statut: StatutOrganisme | None, attendu: ResultatSiret
) -> None:
    """The SIRET check answers known / unknown / awaiting validation / inactive."""
    m = memoire()
    if statut is not None:
        organisme = Organisme.fiche_soumise(
            siret=exemples.SIRET_CFA,
            fiche=exemples.fiche(),
            interlocuteur=exemples.interlocuteur(),
            quand=exemples.INSTANT,
        )
        if statut is StatutOrganisme.ACTIF:
            organisme.valider("agent", exemples.INSTANT, "OF-1")
        elif statut is StatutOrganisme.INACTIF:
            organisme.desactiver("agent", exemples.INSTANT, "doublon")
        ajouter_organisme(m, organisme)
    resultat = acces.verifier_siret(m.contexte, " 732 829 320 00074 ")
    assert resultat is attendu
    assert resultat.message


def test_verifier_siret_refuse_un_siret_invalide(m: Memoire) -> None:
    """A SIRET failing its checksum is refused on the siret field."""
    with pytest.raises(DonneeInvalide) as erreur:
        acces.verifier_siret(m.contexte, "73282932000075")
    assert erreur.value.champ == "siret"


# --- Création de compte -------------------------------------------------------------


def test_adresse_connue_recoit_un_lien_d_activation_de_24_h(m: Memoire) -> None:
    """An on-file address opens an account awaiting activation and gets a 24 h link."""
    creer(m)
    nouveau = compte(m, EMAIL_CONNU)
    assert nouveau.statut is StatutCompte.EN_ATTENTE_ACTIVATION
    assert nouveau.siret_organisme == exemples.SIRET_CFA
    (mail,) = m.stockage.messages
    assert (mail.destinataire, mail.modele) == (Email(EMAIL_CONNU), "activation_compte")
    assert mail.contexte["organisme"] == "CFA des Métiers de la Santé"
    (jeton,) = nouveau.jetons
    assert jeton.type is TypeJeton.ACTIVATION
    assert jeton.expire_le == exemples.INSTANT + dt.timedelta(hours=24)
    assert mail.contexte["expire_le"] == jeton.expire_le.isoformat()
    assert mail.contexte["lien_jeton"] not in nouveau.hash_mot_de_passe + jeton.empreinte


def test_un_siret_public_seul_n_ouvre_pas_les_dossiers(m: Memoire) -> None:
    """An address not on file waits for an agent and cannot log in, even with its password."""
    creer(m, EMAIL_INCONNU)
    nouveau = compte(m, EMAIL_INCONNU)
    assert nouveau.statut is StatutCompte.EN_ATTENTE_APPROBATION
    assert nouveau.jetons == []
    (mail,) = m.stockage.messages
    assert (mail.destinataire, mail.modele) == (Email(EMAIL_INCONNU), "compte_en_attente")
    assert "lien_jeton" not in mail.contexte
    with pytest.raises(CompteNonActive, match="validation d'un conseiller"):
        acces.se_connecter(m.contexte, EMAIL_INCONNU, MDP)


def test_creer_compte_compare_les_adresses_normalisees(m: Memoire) -> None:
    """The confirmation may differ in case and spaces: one mailbox is one login."""
    acces.creer_compte(
        m.contexte,
        siret=SIRET,
        email=" Contact@CFA-Sante.fr",
        confirmation_email="contact@cfa-sante.fr ",
        mot_de_passe=MDP,
        confirmation_mot_de_passe=MDP,
    )
    assert compte(m, EMAIL_CONNU).statut is StatutCompte.EN_ATTENTE_ACTIVATION


@pytest.mark.parametrize(
    ("changes", "champ"),
    [
        ({"email": "pas-une-adresse"}, "email"),
        ({"confirmation_email": "pas-une-adresse"}, "confirmation_email"),
        ({"confirmation_email": "autre@cfa-sante.fr"}, "confirmation_email"),
        ({"confirmation_mot_de_passe": MDP + "x"}, "confirmation_mot_de_passe"),
        ({"siret": "123"}, "siret"),
        ({"siret": exemples.SIRET_CFA_2.numero}, "siret"),
    ],
)
def test_creer_compte_refuse_un_formulaire_invalide(
    m: Memoire, changes: dict[str, str], champ: str
) -> None:
    """Mismatched confirmations, bad addresses and unknown SIRETs are refused on their field."""
    formulaire = {
        "siret": SIRET,
        "email": EMAIL_CONNU,
        "confirmation_email": EMAIL_CONNU,
        "mot_de_passe": MDP,
        "confirmation_mot_de_passe": MDP,
    } | changes
    with pytest.raises(DonneeInvalide) as erreur:
        acces.creer_compte(m.contexte, **formulaire)
    assert erreur.value.champ == champ
    assert erreur.value.message
    assert m.stockage.donnees.comptes == {}
    assert m.stockage.messages == ()


def test_creer_compte_refuse_un_organisme_en_attente_de_validation(m: Memoire) -> None:
    """A sheet not yet validated by the OPCO opens no account."""
    ajouter_organisme(
        m,
        Organisme.fiche_soumise(
            siret=exemples.SIRET_CFA_2,
            fiche=exemples.fiche(),
            interlocuteur=exemples.interlocuteur(),
            quand=exemples.INSTANT,
        ),
    )
    with pytest.raises(CreationCompteImpossible, match="à valider") as erreur:
        creer(m, siret=exemples.SIRET_CFA_2.numero)
    assert (erreur.value.champ, erreur.value.statut) == ("siret", StatutOrganisme.A_VALIDER)


@pytest.mark.parametrize("deja_pris", [False, True])
def test_creer_compte_refuse_un_mot_de_passe_faible_que_l_adresse_soit_prise_ou_non(
    m: Memoire, deja_pris: bool
) -> None:
    """The password policy answers first, so a weak password tells nothing about the address."""
    if deja_pris:
        ouvrir(m)
    with pytest.raises(MotDePasseNonConforme) as erreur:
        creer(m, mdp="motdepasse")
    assert "majuscule" in erreur.value.message


def test_creer_compte_sur_une_adresse_prise_previent_son_titulaire(m: Memoire) -> None:
    """A taken address: no error, no new account; its owner alone is told."""
    compte_id = ouvrir(m)
    avant = len(m.stockage.messages)
    creer(m, EMAIL_CONNU, AUTRE_MDP)
    assert [c.id for c in m.stockage.donnees.comptes.values()] == [compte_id]
    (mail,) = m.stockage.messages[avant:]
    assert (mail.destinataire, mail.modele, dict(mail.contexte)) == (
        Email(EMAIL_CONNU),
        "compte_existant",
        {},
    )
    assert acces.se_connecter(m.contexte, EMAIL_CONNU, MDP).compte_id == compte_id


@pytest.mark.parametrize("email", [EMAIL_CONNU, EMAIL_INCONNU])
def test_creer_compte_meme_reponse_que_l_adresse_soit_prise_ou_non(email: str) -> None:
    """New or taken address (on file or not): no error, one mail to that address only."""
    libre, prise = deploiement(), deploiement()
    creer(prise, email)
    avant = len(prise.stockage.messages)
    creer(libre, email)
    creer(prise, email)
    destinataires_libre = [msg.destinataire for msg in libre.stockage.messages]
    destinataires_prise = [msg.destinataire for msg in prise.stockage.messages[avant:]]
    assert destinataires_libre == destinataires_prise == [Email(email)]


def test_recreer_un_compte_non_active_renvoie_un_lien_neuf(m: Memoire) -> None:
    """Asking again before activating mails a new link; the older one no longer works."""
    creer(m)
    ancien = dernier_lien(m, EMAIL_CONNU)
    m.horloge.avancer(dt.timedelta(days=3))
    creer(m)
    nouveau = dernier_lien(m, EMAIL_CONNU)
    assert messages_a(m, EMAIL_CONNU)[-1].modele == "activation_compte"
    with pytest.raises(JetonInvalide):
        acces.activer_compte(m.contexte, ancien, MDP)
    acces.activer_compte(m.contexte, nouveau, MDP)
    assert compte(m, EMAIL_CONNU).statut is StatutCompte.ACTIF


# --- Activation ---------------------------------------------------------------------


def test_activation_jusqu_a_24_h_moins_une_microseconde(m: Memoire) -> None:
    """The activation link works until just before 24 h, then the account can log in."""
    creer(m)
    m.horloge.avancer(dt.timedelta(hours=24) - UNE_MICROSECONDE)
    acces.activer_compte(m.contexte, dernier_lien(m, EMAIL_CONNU), MDP)
    actif = compte(m, EMAIL_CONNU)
    assert (actif.statut, actif.active_le) == (StatutCompte.ACTIF, m.horloge.maintenant())
    assert acces.se_connecter(m.contexte, EMAIL_CONNU, MDP).compte_id == actif.id


def test_activation_expire_a_24_h(m: Memoire) -> None:
    """At exactly 24 h the activation link is dead."""
    creer(m)
    m.horloge.avancer(dt.timedelta(hours=24))
    with pytest.raises(JetonInvalide):
        acces.activer_compte(m.contexte, dernier_lien(m, EMAIL_CONNU), MDP)
    assert compte(m, EMAIL_CONNU).statut is StatutCompte.EN_ATTENTE_ACTIVATION


def test_activation_a_usage_unique(m: Memoire) -> None:
    """The activation link works once."""
    creer(m)
    lien = dernier_lien(m, EMAIL_CONNU)
    acces.activer_compte(m.contexte, lien, MDP)
    with pytest.raises(JetonInvalide):
        acces.activer_compte(m.contexte, lien, MDP)


def test_activation_refuse_un_lien_inconnu(m: Memoire) -> None:
    """A made-up secret activates nothing."""
    creer(m)
    with pytest.raises(JetonInvalide):
        acces.activer_compte(m.contexte, "x" * 43, MDP)
    assert compte(m, EMAIL_CONNU).statut is StatutCompte.EN_ATTENTE_ACTIVATION


# --- Approbation par un agent -------------------------------------------------------


def test_agent_liste_et_approuve_une_demande_puis_lien_d_activation(m: Memoire) -> None:
    """An agent sees the request with its organisme; approving mails the activation link."""
    agent_id = agent(m)
    creer(m, EMAIL_INCONNU)
    (ligne,) = acces.lister_comptes_a_approuver(m.contexte, agent_id)
    assert (ligne.compte.email, ligne.organisme.siret) == (
        Email(EMAIL_INCONNU),
        exemples.SIRET_CFA,
    )
    acces.approuver_compte(m.contexte, agent_id, ligne.compte.id)
    assert acces.lister_comptes_a_approuver(m.contexte, agent_id) == ()
    approuve = compte(m, EMAIL_INCONNU)
    assert approuve.statut is StatutCompte.EN_ATTENTE_ACTIVATION
    assert approuve.historique[-1].auteur == str(agent_id)
    assert messages_a(m, EMAIL_INCONNU)[-1].modele == "activation_compte"
    acces.activer_compte(m.contexte, dernier_lien(m, EMAIL_INCONNU), MDP)
    assert acces.se_connecter(m.contexte, EMAIL_INCONNU, MDP).compte_id == approuve.id


def test_seul_un_agent_approuve_ou_liste(m: Memoire) -> None:
    """A CFA account cannot approve a request, not even for its own organisme."""
    cfa = ouvrir(m)
    creer(m, EMAIL_INCONNU)
    demande = compte(m, EMAIL_INCONNU).id
    with pytest.raises(AccesRefuse):
        acces.approuver_compte(m.contexte, cfa, demande)
    with pytest.raises(AccesRefuse):
        acces.lister_comptes_a_approuver(m.contexte, cfa)
    assert compte(m, EMAIL_INCONNU).statut is StatutCompte.EN_ATTENTE_APPROBATION


def test_approuver_un_compte_inconnu_ou_deja_approuve(m: Memoire) -> None:
    """Approving an unknown account or twice is refused."""
    agent_id = agent(m)
    with pytest.raises(Introuvable):
        acces.approuver_compte(m.contexte, agent_id, uuid.uuid4())
    creer(m, EMAIL_INCONNU)
    demande = compte(m, EMAIL_INCONNU).id
    acces.approuver_compte(m.contexte, agent_id, demande)
    with pytest.raises(TransitionInterdite):
        acces.approuver_compte(m.contexte, agent_id, demande)


def test_agent_refuse_une_demande_avec_un_motif(m: Memoire) -> None:
    """A refused request is erased (its address is free) and its owner gets the reason."""
    agent_id = agent(m)
    creer(m, EMAIL_INCONNU)
    demande = compte(m, EMAIL_INCONNU).id
    with pytest.raises(DonneeInvalide):
        acces.refuser_compte(m.contexte, agent_id, demande, "  ")
    acces.refuser_compte(m.contexte, agent_id, demande, " Adresse personnelle ")
    with m.stockage.uow() as uow:
        assert uow.comptes.obtenir(demande) is None
        assert uow.comptes.par_email(Email(EMAIL_INCONNU)) is None
    mail = messages_a(m, EMAIL_INCONNU)[-1]
    assert (mail.modele, mail.contexte["motif"]) == ("compte_refuse", "Adresse personnelle")
    assert acces.lister_comptes_a_approuver(m.contexte, agent_id) == ()
    with pytest.raises(Introuvable):  # erased: nothing left to refuse
        acces.refuser_compte(m.contexte, agent_id, demande, "encore")


# --- Invitation ---------------------------------------------------------------------


def test_invitation_cree_un_compte_sans_mot_de_passe_jusqu_a_acceptation(m: Memoire) -> None:
    """The invited account cannot log in until its owner accepts and chooses a password."""
    hote = ouvrir(m)
    acces.inviter(m.contexte, hote, "Collegue@Exemple.fr")
    invite = compte(m, "collegue@exemple.fr")
    assert invite.statut is StatutCompte.EN_ATTENTE_ACTIVATION
    assert not invite.a_mot_de_passe
    assert invite.historique[0].auteur == str(hote)
    (mail,) = messages_a(m, "collegue@exemple.fr")
    assert mail.modele == "invitation"
    assert mail.contexte["invite_par"] == EMAIL_CONNU
    assert mail.contexte["expire_le"] == (exemples.INSTANT + dt.timedelta(hours=24)).isoformat()
    with pytest.raises(IdentifiantsInvalides):
        acces.se_connecter(m.contexte, "collegue@exemple.fr", "!")
    acces.accepter_invitation(m.contexte, dernier_lien(m, "collegue@exemple.fr"), MDP, MDP)
    connexion = acces.se_connecter(m.contexte, "collegue@exemple.fr", MDP)
    assert (connexion.compte_id, connexion.siret) == (invite.id, exemples.SIRET_CFA)


def test_invitation_expire_apres_sa_duree_et_sert_une_fois(m: Memoire) -> None:
    """An invitation link lives 24 h, as every link that opens an account, and works once."""
    hote = ouvrir(m)
    acces.inviter(m.contexte, hote, EMAIL_CONTACT)
    lien = dernier_lien(m, EMAIL_CONTACT)
    m.horloge.avancer(dt.timedelta(hours=24))
    with pytest.raises(JetonInvalide):
        acces.accepter_invitation(m.contexte, lien, MDP, MDP)
    acces.inviter(m.contexte, hote, EMAIL_CONTACT)
    relance = dernier_lien(m, EMAIL_CONTACT)
    assert messages_a(m, EMAIL_CONTACT)[-1].modele == "invitation"
    acces.accepter_invitation(m.contexte, relance, MDP, MDP)
    with pytest.raises(JetonInvalide):
        acces.accepter_invitation(m.contexte, relance, AUTRE_MDP, AUTRE_MDP)
    assert acces.se_connecter(m.contexte, EMAIL_CONTACT, MDP).role is Role.CFA


def test_accepter_invitation_verifie_confirmation_et_politique_sans_user_le_lien(
    m: Memoire,
) -> None:
    """A mismatched or weak password is refused, and the link still works afterwards."""
    acces.inviter(m.contexte, ouvrir(m), EMAIL_CONTACT)
    lien = dernier_lien(m, EMAIL_CONTACT)
    with pytest.raises(DonneeInvalide) as erreur:
        acces.accepter_invitation(m.contexte, lien, MDP, AUTRE_MDP)
    assert erreur.value.champ == "confirmation_mot_de_passe"
    with pytest.raises(MotDePasseNonConforme):
        acces.accepter_invitation(m.contexte, lien, "court", "court")
    with pytest.raises(JetonInvalide):
        acces.accepter_invitation(m.contexte, "z" * 43, MDP, MDP)
    acces.accepter_invitation(m.contexte, lien, MDP, MDP)
    assert compte(m, EMAIL_CONTACT).statut is StatutCompte.ACTIF


def test_seule_une_invitation_ouvre_un_compte_sans_mot_de_passe(m: Memoire) -> None:
    """Opening an account without a password and without an inviting account is refused."""
    with pytest.raises(DonneeInvalide) as erreur:
        Compte.ouvrir(
            id=uuid.uuid4(),
            email=Email(EMAIL_CONNU),
            organisme=exemples.organisme(),
            mot_de_passe=None,
            quand=exemples.INSTANT,
            hasher=m.hacheur,
        )
    assert erreur.value.champ == "mot_de_passe"


def test_liens_d_activation_et_d_invitation_ne_s_echangent_pas(m: Memoire) -> None:
    """An invitation must choose a password; an activation link cannot reset one."""
    acces.inviter(m.contexte, ouvrir(m), EMAIL_CONTACT)
    with pytest.raises(JetonInvalide):
        acces.activer_compte(m.contexte, dernier_lien(m, EMAIL_CONTACT), MDP)
    creer(m, "autre@cfa-sante.fr")
    agent_id = agent(m)
    acces.approuver_compte(m.contexte, agent_id, compte(m, "autre@cfa-sante.fr").id)
    with pytest.raises(JetonInvalide):
        acces.accepter_invitation(m.contexte, dernier_lien(m, "autre@cfa-sante.fr"), MDP, MDP)


def test_inviter_une_adresse_prise_previent_son_titulaire(m: Memoire) -> None:
    """Inviting an address that has an account changes nothing and tells only that address."""
    hote = ouvrir(m)
    creer(m, EMAIL_INCONNU)
    avant = len(m.stockage.messages)
    acces.inviter(m.contexte, hote, EMAIL_INCONNU)
    (mail,) = m.stockage.messages[avant:]
    assert (mail.destinataire, mail.modele) == (Email(EMAIL_INCONNU), "compte_existant")
    assert compte(m, EMAIL_INCONNU).statut is StatutCompte.EN_ATTENTE_APPROBATION


def test_inviter_exige_un_compte_cfa_actif_et_une_adresse_valide(m: Memoire) -> None:
    """Agents, unknown or inactive accounts cannot invite; a bad address is refused."""
    hote = ouvrir(m)
    with pytest.raises(DonneeInvalide) as erreur:
        acces.inviter(m.contexte, hote, "pas-une-adresse")
    assert erreur.value.champ == "email"
    with pytest.raises(AccesRefuse):
        acces.inviter(m.contexte, agent(m), EMAIL_CONTACT)
    with pytest.raises(AccesRefuse):
        acces.inviter(m.contexte, uuid.uuid4(), EMAIL_CONTACT)
    creer(m, EMAIL_INCONNU)
    with pytest.raises(CompteNonActive):
        acces.inviter(m.contexte, compte(m, EMAIL_INCONNU).id, EMAIL_CONTACT)
    assert messages_a(m, EMAIL_CONTACT) == []


# --- Connexion ----------------------------------------------------------------------


def test_connexion_rend_ce_que_la_session_garde(m: Memoire) -> None:
    """A successful login returns the account, its session generation, role and SIRET."""
    compte_id = ouvrir(m)
    m.horloge.avancer(dt.timedelta(minutes=5))
    connexion = acces.se_connecter(m.contexte, " CONTACT@cfa-sante.fr", MDP)
    assert connexion == Connexion(compte_id, 0, Role.CFA, exemples.SIRET_CFA)
    assert compte(m, EMAIL_CONNU).derniere_connexion == m.horloge.maintenant()
    assert acces.session_valide(m.contexte, compte_id, connexion.generation_session)


def test_connexion_d_un_agent(m: Memoire) -> None:
    """An agent logs in without an organisme."""
    agent_id = agent(m)
    assert acces.se_connecter(m.contexte, "agent@opco.fr", MDP) == Connexion(
        agent_id, 0, Role.AGENT_OPCO, None
    )


@attrs.define
class HacheurCompteur:
    """The in-memory hasher, counting the password checks it runs (their cost is the time)."""

    interne: HacheurMemoire = attrs.Factory(HacheurMemoire)
    verifications: int = 0
    hachages: int = 0

    def hacher(self, mot_de_passe: str) -> str:
        """Count, then hash as the in-memory hasher does."""
        self.hachages += 1
        return self.interne.hacher(mot_de_passe)

    def verifier(self, hache: str, mot_de_passe: str) -> bool:
        """Count, then check."""
        self.verifications += 1
        return self.interne.verifier(hache, mot_de_passe)

    def doit_rehacher(self, hache: str) -> bool:
        """Never."""
        return self.interne.doit_rehacher(hache)


@pytest.mark.parametrize("email", [EMAIL_INCONNU, "pas-une-adresse", EMAIL_CONNU])
def test_connexion_meme_reponse_pour_adresse_inconnue_et_mauvais_mot_de_passe(
    m: Memoire, email: str
) -> None:
    """Unknown, malformed or known address with a wrong password: same error, same work."""
    ouvrir(m)
    compteur = HacheurCompteur()
    contexte = attrs.evolve(m.contexte, hacheur=compteur)
    avant = m.stockage.messages
    with pytest.raises(IdentifiantsInvalides) as erreur:
        acces.se_connecter(contexte, email, AUTRE_MDP)
    assert type(erreur.value) is IdentifiantsInvalides
    assert (erreur.value.message, erreur.value.champ) == (
        "Identifiant ou mot de passe incorrect.",
        None,
    )
    assert compteur.verifications == 1
    assert m.stockage.messages == avant


def test_adresse_inconnue_verifie_contre_un_hash_factice_calcule_une_fois(m: Memoire) -> None:
    """Logins naming no account check the password against one dummy hash, made once."""
    compteur = HacheurCompteur()
    contexte = attrs.evolve(m.contexte, hacheur=compteur)
    for _ in range(3):
        with pytest.raises(IdentifiantsInvalides):
            acces.se_connecter(contexte, EMAIL_INCONNU, MDP)
    assert (compteur.verifications, compteur.hachages) == (3, 1)
    assert contexte.hash_factice() == HacheurMemoire().hacher(
        "aucun compte ne porte ce mot de passe"
    )


def test_mauvais_mot_de_passe_compte_et_persiste(m: Memoire) -> None:
    """A failed login is committed although the call raises."""
    ouvrir(m)
    for attendu in (1, 2):
        with pytest.raises(IdentifiantsInvalides):
            acces.se_connecter(m.contexte, EMAIL_CONNU, AUTRE_MDP)
        assert compte(m, EMAIL_CONNU).echecs_connexion == attendu
    acces.se_connecter(m.contexte, EMAIL_CONNU, MDP)
    assert compte(m, EMAIL_CONNU).echecs_connexion == 0


def test_verrouillage_apres_n_echecs_persiste_entre_unites_de_travail(m: Memoire) -> None:
    """After 5 failures, even the right password is refused for 15 minutes."""
    ouvrir(m)
    for _ in range(5):
        with pytest.raises(IdentifiantsInvalides):
            acces.se_connecter(m.contexte, EMAIL_CONNU, AUTRE_MDP)
    verrou = compte(m, EMAIL_CONNU).verrouille_jusqu_a
    assert verrou == exemples.INSTANT + dt.timedelta(minutes=15)
    m.horloge.avancer(dt.timedelta(minutes=15) - UNE_MICROSECONDE)
    with pytest.raises(CompteVerrouille) as erreur:
        acces.se_connecter(m.contexte, EMAIL_CONNU, MDP)
    assert erreur.value.jusqu_a == verrou
    m.horloge.avancer(UNE_MICROSECONDE)
    acces.se_connecter(m.contexte, EMAIL_CONNU, MDP)
    assert (compte(m, EMAIL_CONNU).echecs_connexion, compte(m, EMAIL_CONNU).verrouille_jusqu_a) == (
        0,
        None,
    )


def test_politique_de_verrouillage_parametrable() -> None:
    """``Parametres.verrouillage`` sets the number of failures before the lock."""
    m = deploiement(Parametres(verrouillage=PolitiqueVerrouillage(echecs_max=2)))
    ouvrir(m)
    for _ in range(2):
        with pytest.raises(IdentifiantsInvalides):
            acces.se_connecter(m.contexte, EMAIL_CONNU, AUTRE_MDP)
    with pytest.raises(CompteVerrouille):
        acces.se_connecter(m.contexte, EMAIL_CONNU, MDP)


def test_connexion_rehache_quand_les_parametres_changent(m: Memoire) -> None:
    """A login with outdated hash parameters stores a hash made with the current ones."""
    ouvrir(m)
    assert compte(m, EMAIL_CONNU).hash_mot_de_passe.startswith("memoire$1$")
    contexte = attrs.evolve(m.contexte, hacheur=HacheurMemoire(cout=2))
    acces.se_connecter(contexte, EMAIL_CONNU, MDP)
    assert compte(m, EMAIL_CONNU).hash_mot_de_passe.startswith("memoire$2$")
    assert acces.se_connecter(contexte, EMAIL_CONNU, MDP).compte_id == compte(m, EMAIL_CONNU).id


@settings(max_examples=40)
@given(
    mauvais=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30).filter(
        lambda t: t != MDP
    )
)
def test_propriete_un_mauvais_mot_de_passe_n_ouvre_jamais_et_compte_toujours(
    mauvais: str,
) -> None:
    """Any wrong password is refused with the generic error, and one more failure is stored."""
    m = deploiement()
    ouvrir(m)
    for attendu in (1, 2):
        with pytest.raises(IdentifiantsInvalides) as erreur:
            acces.se_connecter(m.contexte, EMAIL_CONNU, mauvais)
        assert type(erreur.value) is IdentifiantsInvalides
        assert compte(m, EMAIL_CONNU).echecs_connexion == attendu


# --- Mot de passe oublié ------------------------------------------------------------


def test_mot_de_passe_oublie_envoie_un_lien_d_une_heure(m: Memoire) -> None:
    """An active account gets a reset link valid one hour."""
    ouvrir(m)
    avant = len(m.stockage.messages)
    acces.mot_de_passe_oublie(m.contexte, EMAIL_CONNU)
    (mail,) = m.stockage.messages[avant:]
    assert (mail.destinataire, mail.modele) == (
        Email(EMAIL_CONNU),
        "reinitialisation_mot_de_passe",
    )
    assert mail.contexte["expire_le"] == (exemples.INSTANT + dt.timedelta(hours=1)).isoformat()


@pytest.mark.parametrize("email", [EMAIL_INCONNU, EMAIL_CONTACT])
def test_mot_de_passe_oublie_meme_reponse_sans_compte_actif(m: Memoire, email: str) -> None:
    """No account, or one not active: no error, and one notice without any link."""
    creer(m, EMAIL_CONTACT)  # awaiting activation
    avant = len(m.stockage.messages)
    acces.mot_de_passe_oublie(m.contexte, email)
    (notice,) = m.stockage.messages[avant:]
    assert (notice.destinataire, notice.modele, notice.contexte) == (
        Email(email),
        "reinitialisation_sans_compte",
        {},
    )


def test_mot_de_passe_oublie_refuse_une_adresse_mal_formee(m: Memoire) -> None:
    """A malformed address is a form error, whatever accounts exist."""
    with pytest.raises(DonneeInvalide) as erreur:
        acces.mot_de_passe_oublie(m.contexte, "pas-une-adresse")
    assert erreur.value.champ == "email"


def demander_lien(m: Memoire) -> str:
    """Ask for a reset link for the active example account; return its secret."""
    acces.mot_de_passe_oublie(m.contexte, EMAIL_CONNU)
    return dernier_lien(m, EMAIL_CONNU)


def test_reinitialisation_change_le_mot_de_passe_et_termine_les_sessions(m: Memoire) -> None:
    """The reset link sets a new password, ends sessions, lifts the lock and tells the user."""
    compte_id = ouvrir(m)
    ancienne = acces.se_connecter(m.contexte, EMAIL_CONNU, MDP).generation_session
    for _ in range(5):
        with pytest.raises(IdentifiantsInvalides):
            acces.se_connecter(m.contexte, EMAIL_CONNU, "faux")
    lien = demander_lien(m)
    acces.reinitialiser_mot_de_passe(m.contexte, lien, AUTRE_MDP, AUTRE_MDP)
    assert messages_a(m, EMAIL_CONNU)[-1].modele == "mot_de_passe_modifie"
    assert not acces.session_valide(m.contexte, compte_id, ancienne)
    with pytest.raises(IdentifiantsInvalides):
        acces.se_connecter(m.contexte, EMAIL_CONNU, MDP)
    connexion = acces.se_connecter(m.contexte, EMAIL_CONNU, AUTRE_MDP)
    assert connexion.generation_session == ancienne + 1


def test_reinitialisation_a_usage_unique(m: Memoire) -> None:
    """A reset link works once."""
    ouvrir(m)
    lien = demander_lien(m)
    acces.reinitialiser_mot_de_passe(m.contexte, lien, AUTRE_MDP, AUTRE_MDP)
    with pytest.raises(JetonInvalide):
        acces.reinitialiser_mot_de_passe(m.contexte, lien, MDP, MDP)


def test_reinitialisation_expire_apres_une_heure(m: Memoire) -> None:
    """A reset link is dead after ``duree_reinitialisation``."""
    ouvrir(m)
    lien = demander_lien(m)
    m.horloge.avancer(dt.timedelta(hours=1))
    with pytest.raises(JetonInvalide):
        acces.reinitialiser_mot_de_passe(m.contexte, lien, AUTRE_MDP, AUTRE_MDP)


def test_reinitialisation_meurt_a_la_connexion(m: Memoire) -> None:
    """Logging in kills a pending reset link."""
    ouvrir(m)
    lien = demander_lien(m)
    acces.se_connecter(m.contexte, EMAIL_CONNU, MDP)
    with pytest.raises(JetonInvalide):
        acces.reinitialiser_mot_de_passe(m.contexte, lien, AUTRE_MDP, AUTRE_MDP)


def test_reinitialisation_meurt_au_changement_de_mot_de_passe(m: Memoire) -> None:
    """Changing the password kills a pending reset link."""
    compte_id = ouvrir(m)
    lien = demander_lien(m)
    acces.changer_mot_de_passe(m.contexte, compte_id, MDP, AUTRE_MDP, AUTRE_MDP)
    with pytest.raises(JetonInvalide):
        acces.reinitialiser_mot_de_passe(
            m.contexte, lien, "Troisieme-Essai-42", "Troisieme-Essai-42"
        )


def test_reinitialisation_verifie_confirmation_lien_et_politique(m: Memoire) -> None:
    """Mismatch, unknown link and weak password are refused; the link survives a refusal."""
    ouvrir(m)
    lien = demander_lien(m)
    with pytest.raises(DonneeInvalide) as erreur:
        acces.reinitialiser_mot_de_passe(m.contexte, lien, AUTRE_MDP, MDP)
    assert erreur.value.champ == "confirmation_nouveau_mot_de_passe"
    with pytest.raises(JetonInvalide):
        acces.reinitialiser_mot_de_passe(m.contexte, "y" * 43, AUTRE_MDP, AUTRE_MDP)
    with pytest.raises(MotDePasseNonConforme):
        acces.reinitialiser_mot_de_passe(m.contexte, lien, "azerty", "azerty")
    acces.reinitialiser_mot_de_passe(m.contexte, lien, AUTRE_MDP, AUTRE_MDP)


# --- Mon compte ---------------------------------------------------------------------


def test_changer_email_par_un_lien_envoye_a_la_nouvelle_adresse(m: Memoire) -> None:
    """Asking changes nothing but mails a link to the new address; following it changes.

    The login moves there, every session ends and the old address is told.
    """
    compte_id = ouvrir(m)
    nouveau = acces.changer_email(
        m.contexte, compte_id, MDP, "Nouvelle@cfa-sante.fr", "nouvelle@cfa-sante.fr"
    )
    assert nouveau == Email("nouvelle@cfa-sante.fr")
    (mail,) = messages_a(m, "nouvelle@cfa-sante.fr")
    assert (mail.modele, mail.contexte["ancien_email"]) == ("confirmation_email", EMAIL_CONNU)
    lien = mail.contexte["lien_jeton"]
    assert compte(m, EMAIL_CONNU).generation_session == 0  # nothing changed yet
    assert acces.session_valide(m.contexte, compte_id, 0)
    assert acces.se_connecter(m.contexte, EMAIL_CONNU, MDP).compte_id == compte_id
    assert acces.adresse_a_confirmer(m.contexte, lien) == Email("nouvelle@cfa-sante.fr")

    assert acces.confirmer_email(m.contexte, lien) == Email("nouvelle@cfa-sante.fr")
    assert compte(m, "nouvelle@cfa-sante.fr").generation_session == 1
    avis = messages_a(m, EMAIL_CONNU)[-1]
    assert (avis.modele, avis.contexte["nouvel_email"]) == (
        "email_modifie",
        "nouvelle@cfa-sante.fr",
    )
    assert not acces.session_valide(m.contexte, compte_id, 0)
    with pytest.raises(IdentifiantsInvalides):
        acces.se_connecter(m.contexte, EMAIL_CONNU, MDP)
    assert acces.se_connecter(m.contexte, "nouvelle@cfa-sante.fr", MDP).compte_id == compte_id
    with pytest.raises(JetonInvalide):  # the link works once
        acces.confirmer_email(m.contexte, lien)
    with pytest.raises(JetonInvalide):
        acces.adresse_a_confirmer(m.contexte, lien)


def test_changer_email_mauvais_mot_de_passe_compte_l_echec(m: Memoire) -> None:
    """A wrong current password is counted (committed) and sends no link."""
    compte_id = ouvrir(m)
    with pytest.raises(MotDePasseActuelIncorrect) as erreur:
        acces.changer_email(m.contexte, compte_id, AUTRE_MDP, EMAIL_INCONNU, EMAIL_INCONNU)
    assert erreur.value.champ == "mot_de_passe_actuel"
    apres = compte(m, EMAIL_CONNU)
    assert (apres.echecs_connexion, apres.generation_session) == (1, 0)
    assert messages_a(m, EMAIL_INCONNU) == []


def test_changer_email_vers_une_adresse_prise(m: Memoire) -> None:
    """An address an activated account holds: a conflict on the field, after the password.

    Nothing is sent.
    """
    compte_id = ouvrir(m)
    ouvrir(m, EMAIL_CONTACT)
    with pytest.raises(MotDePasseActuelIncorrect):
        acces.changer_email(m.contexte, compte_id, AUTRE_MDP, EMAIL_CONTACT, EMAIL_CONTACT)
    avant = m.stockage.messages
    with pytest.raises(Conflit, match="déjà utilisée") as erreur:
        acces.changer_email(m.contexte, compte_id, MDP, EMAIL_CONTACT, EMAIL_CONTACT)
    assert erreur.value.champ == "nouvel_email"
    assert compte(m, EMAIL_CONNU).generation_session == 0
    assert m.stockage.messages == avant


def test_une_demande_jamais_activee_cede_l_adresse_prouvee(m: Memoire) -> None:
    """A request never activated holding the address gives way once the mailbox is proven.

    That request is erased (its links die), as at an account's creation.
    """
    compte_id = ouvrir(m)
    creer(m, EMAIL_INCONNU)  # someone's request with that address, awaiting approval
    acces.changer_email(m.contexte, compte_id, MDP, EMAIL_INCONNU, EMAIL_INCONNU)
    lien = next(
        msg.contexte["lien_jeton"]
        for msg in messages_a(m, EMAIL_INCONNU)
        if msg.modele == "confirmation_email"
    )
    acces.confirmer_email(m.contexte, lien)
    assert compte(m, EMAIL_INCONNU).id == compte_id
    assert acces.se_connecter(m.contexte, EMAIL_INCONNU, MDP).compte_id == compte_id


def test_une_adresse_prise_entre_demande_et_confirmation_reste_a_son_titulaire(
    m: Memoire,
) -> None:
    """An account activated with the address meanwhile keeps it: the link is refused."""
    compte_id = ouvrir(m)
    acces.changer_email(m.contexte, compte_id, MDP, EMAIL_CONTACT, EMAIL_CONTACT)
    lien = dernier_lien(m, EMAIL_CONTACT)
    autre = ouvrir(m, EMAIL_CONTACT)
    with pytest.raises(Conflit, match="déjà utilisée"):
        acces.confirmer_email(m.contexte, lien)
    assert compte(m, EMAIL_CONTACT).id == autre
    assert compte(m, EMAIL_CONNU).generation_session == 0


def test_changer_email_confirmation_differente(m: Memoire) -> None:
    """The new address typed twice must match."""
    compte_id = ouvrir(m)
    with pytest.raises(DonneeInvalide) as erreur:
        acces.changer_email(m.contexte, compte_id, MDP, EMAIL_INCONNU, EMAIL_CONTACT)
    assert erreur.value.champ == "confirmation_nouvel_email"


def test_changer_mot_de_passe_termine_les_autres_sessions(m: Memoire) -> None:
    """The new password works, the old one no longer; old sessions end; the user is told."""
    compte_id = ouvrir(m)
    generation = acces.changer_mot_de_passe(m.contexte, compte_id, MDP, AUTRE_MDP, AUTRE_MDP)
    assert generation == compte(m, EMAIL_CONNU).generation_session == 1
    assert acces.session_valide(m.contexte, compte_id, generation)
    assert messages_a(m, EMAIL_CONNU)[-1].modele == "mot_de_passe_modifie"
    assert not acces.session_valide(m.contexte, compte_id, 0)
    with pytest.raises(IdentifiantsInvalides):
        acces.se_connecter(m.contexte, EMAIL_CONNU, MDP)
    assert acces.se_connecter(m.contexte, EMAIL_CONNU, AUTRE_MDP).generation_session == 1


def test_changer_mot_de_passe_mauvais_actuel_ou_confirmation(m: Memoire) -> None:
    """A wrong current password is counted; a mismatched confirmation is refused first."""
    compte_id = ouvrir(m)
    with pytest.raises(DonneeInvalide) as erreur:
        acces.changer_mot_de_passe(m.contexte, compte_id, MDP, AUTRE_MDP, MDP)
    assert erreur.value.champ == "confirmation_nouveau_mot_de_passe"
    with pytest.raises(MotDePasseActuelIncorrect):
        acces.changer_mot_de_passe(m.contexte, compte_id, "faux", AUTRE_MDP, AUTRE_MDP)
    assert compte(m, EMAIL_CONNU).echecs_connexion == 1
    assert acces.se_connecter(m.contexte, EMAIL_CONNU, MDP).compte_id == compte_id


def test_changements_verrouilles_apres_trop_d_echecs(m: Memoire) -> None:
    """Wrong current passwords on « Mon compte » lock the account like failed logins."""
    compte_id = ouvrir(m)
    for _ in range(5):
        with pytest.raises(MotDePasseActuelIncorrect):
            acces.changer_mot_de_passe(m.contexte, compte_id, "faux", AUTRE_MDP, AUTRE_MDP)
    with pytest.raises(CompteVerrouille):
        acces.changer_email(m.contexte, compte_id, MDP, EMAIL_INCONNU, EMAIL_INCONNU)


def test_session_valide_faux_pour_un_compte_inconnu_ou_desactive(m: Memoire) -> None:
    """Sessions of an unknown or deactivated account are invalid."""
    compte_id = ouvrir(m)
    assert not acces.session_valide(m.contexte, uuid.uuid4(), 0)
    modifier_compte(m, compte_id, statut=StatutCompte.DESACTIVE)
    assert not acces.session_valide(m.contexte, compte_id, 0)


def test_un_cas_d_usage_verifie_la_session_qu_on_lui_donne(m: Memoire) -> None:
    """Given a session, a use case refuses it once ended, as session_valide would."""
    compte_id = ouvrir(m)
    tenue = SessionOuverte(compte_id, 0)
    assert organismes.consulter_organisme(m.contexte, tenue).siret == exemples.SIRET_CFA
    liste = actions.lister_actions(m.contexte, tenue, CriteresRecherche())
    assert liste.page.total == 0
    generation = acces.changer_mot_de_passe(m.contexte, compte_id, MDP, AUTRE_MDP, AUTRE_MDP)
    for cas in (
        lambda s: organismes.consulter_organisme(m.contexte, s),
        lambda s: actions.lister_actions(m.contexte, s, CriteresRecherche()),
        lambda s: actions.consulter_action(m.contexte, s, "2011303654"),
        lambda s: demandes.lister_demandes(m.contexte, s),
        lambda s: demandes.consulter_demande(m.contexte, s, uuid.uuid4()),
    ):
        with pytest.raises(SessionInvalide):
            cas(tenue)
    # The session that made the change goes on with the new generation; the account's id
    # alone still acts as before (a batch job, the API's key).
    assert organismes.consulter_organisme(m.contexte, SessionOuverte(compte_id, generation))
    assert organismes.consulter_organisme(m.contexte, compte_id)
    modifier_compte(m, compte_id, statut=StatutCompte.DESACTIVE)
    with pytest.raises(SessionInvalide):
        organismes.consulter_organisme(m.contexte, SessionOuverte(compte_id, generation))
    with pytest.raises(CompteNonActive):
        organismes.consulter_organisme(m.contexte, compte_id)
    with pytest.raises(SessionInvalide):
        organismes.consulter_organisme(m.contexte, SessionOuverte(uuid.uuid4(), 0))


def test_compte_ouvert_ne_voit_que_son_organisme(m: Memoire) -> None:
    """A freshly opened account sees its own organisme's files only."""
    compte_id = ouvrir(m)
    with m.stockage.uow() as uow:
        stocke = uow.comptes.obtenir(compte_id)
        assert stocke is not None
        assert sirets_visibles(uow, stocke) == frozenset({Siret(SIRET)})


# --- Mon compte, Gestion des accès : the lists -----------------------------------------


def test_consulter_compte_donne_l_adresse_et_l_organisme(m: Memoire) -> None:
    """«Mon compte» shows the login email and the account's own organisme."""
    compte_id = ouvrir(m)
    mien = acces.consulter_compte(m.contexte, compte_id)
    assert mien.email == Email(EMAIL_CONNU)
    assert (mien.organisme.siret, mien.organisme.statut) == (
        exemples.SIRET_CFA,
        StatutOrganisme.ACTIF,
    )
    with pytest.raises(AccesRefuse):  # an agent has no organisme
        acces.consulter_compte(m.contexte, agent(m))
    with pytest.raises(AccesRefuse):
        acces.consulter_compte(m.contexte, uuid.uuid4())


def test_lister_comptes_montre_ceux_de_l_organisme_sans_secret(m: Memoire) -> None:
    """The organisme's accounts, oldest first, with pending requests and invitations."""
    moi = ouvrir(m)
    m.horloge.avancer(dt.timedelta(minutes=1))
    creer(m, EMAIL_INCONNU)  # not on file: awaits an agent
    m.horloge.avancer(dt.timedelta(minutes=1))
    acces.inviter(m.contexte, moi, "collegue@cfa-sante.fr")
    ajouter_organisme(m, exemples.organisme(exemples.SIRET_CFA_2))
    creer(m, "ailleurs@autre-cfa.fr", siret=exemples.SIRET_CFA_2.numero)
    lignes = acces.lister_comptes(m.contexte, moi)
    assert [(str(c.email), c.statut, c.invitation_en_attente, c.est_le_mien) for c in lignes] == [
        (EMAIL_CONNU, StatutCompte.ACTIF, False, True),
        (EMAIL_INCONNU, StatutCompte.EN_ATTENTE_APPROBATION, False, False),
        ("collegue@cfa-sante.fr", StatutCompte.EN_ATTENTE_ACTIVATION, True, False),
    ]
    assert lignes[0].derniere_connexion is None
    assert lignes[1].cree_le == exemples.INSTANT + dt.timedelta(minutes=1)
    assert not any(hasattr(ligne, "hash_mot_de_passe") for ligne in lignes)
    acces.se_connecter(m.contexte, EMAIL_CONNU, MDP)
    assert acces.lister_comptes(m.contexte, moi)[0].derniere_connexion == m.horloge.maintenant()


def test_lister_comptes_exige_un_compte_cfa_actif(m: Memoire) -> None:
    """Agents, unknown and inactive accounts get no list."""
    with pytest.raises(AccesRefuse):
        acces.lister_comptes(m.contexte, agent(m))
    with pytest.raises(AccesRefuse):
        acces.lister_comptes(m.contexte, uuid.uuid4())
    creer(m, EMAIL_INCONNU)
    with pytest.raises(CompteNonActive):
        acces.lister_comptes(m.contexte, compte(m, EMAIL_INCONNU).id)
