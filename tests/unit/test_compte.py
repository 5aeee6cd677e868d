"""User accounts: opening rule, password policy, tokens, throttling, « Mon compte »."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfa_domain.compte import (
    DUREES_JETONS,
    LONGUEUR_MIN_SECRET,
    POLITIQUE_GUIDE,
    POLITIQUE_PAR_DEFAUT,
    Compte,
    HacheurMotDePasse,
    Jeton,
    PolitiqueMotDePasse,
    PolitiqueVerrouillage,
    Role,
    StatutCompte,
    TypeJeton,
    empreinte_jeton,
)
from cfa_domain.errors import (
    AccesRefuse,
    CompteNonActive,
    CompteNonEnAttente,
    CompteVerrouille,
    CreationCompteImpossible,
    DonneeInvalide,
    EnvoiLienImpossible,
    IdentifiantsInvalides,
    JetonInvalide,
    MotDePasseActuelIncorrect,
    MotDePasseNonConforme,
    RegleDeGestion,
    RegleMotDePasse,
    TransitionInterdite,
)
from cfa_domain.organisme import (
    Organisme,
    StatutOrganisme,
)
from cfa_domain.testing import exemples
from cfa_domain.values import Email, Siret

T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
UNE_MICROSECONDE = dt.timedelta(microseconds=1)
SIRET_A = Siret("42110064500967")
SIRET_B = Siret("73282932000017")
MDP = "Cheval-Agrafe-Pile9"
AUTRE_MDP = "Orange-Batterie-77x"
SECRET = "s" * 43
AUTRE_SECRET = "t" * 43
EMAIL_CONNU = Email("contact@cfa-sante.fr")


@attrs.define
class FauxHacheur:
    """Deterministic hasher: ``h:<version>:<password>``; rehash when the version changed."""

    version: str = "v1"

    def hacher(self, mot_de_passe: str) -> str:
        """Prefix the password with the version."""
        return f"h:{self.version}:{mot_de_passe}"

    def verifier(self, hash_mot_de_passe: str, mot_de_passe: str) -> bool:
        """Compare the stored password, whatever the version."""
        return hash_mot_de_passe.split(":", 2)[2] == mot_de_passe

    def doit_rehacher(self, hash_mot_de_passe: str) -> bool:
        """True when made with another version."""
        return not hash_mot_de_passe.startswith(f"h:{self.version}:")


HACHEUR: HacheurMotDePasse = FauxHacheur()


def organisme(statut: StatutOrganisme = StatutOrganisme.ACTIF) -> Organisme:
    """An organisme known to the OPCO, with contact@ and c.durand@ on file."""
    o = exemples.organisme(SIRET_A, quand=T0)
    o.statut = statut
    return o


def ouvrir(email: Email = EMAIL_CONNU, **changes: Any) -> Compte:
    """Open an account for the organisme (on-file address by default)."""
    champs: dict[str, Any] = {
        "id": uuid.uuid4(),
        "email": email,
        "organisme": organisme(),
        "mot_de_passe": MDP,
        "quand": T0,
        "hasher": HACHEUR,
    }
    return Compte.ouvrir(**(champs | changes))


def compte_actif() -> Compte:
    """An activated CFA account."""
    compte = ouvrir()
    compte.emettre_jeton(TypeJeton.ACTIVATION, SECRET, T0)
    compte.activer(SECRET, T0)
    return compte


def statut(compte: Compte) -> StatutCompte:
    """Read the status through a call, so mypy does not keep an earlier narrowing."""
    return compte.statut


def test_libelles_des_statuts() -> None:
    """Account statuses have French labels."""
    assert [s.libelle for s in StatutCompte] == [
        "en attente d'activation",
        "en attente d'approbation",
        "actif",
        "désactivé",
    ]


# --- Password policy -----------------------------------------------------------------------


def test_politique_par_defaut_cnil() -> None:
    """The default policy is CNIL 2022-100's: 12 to 128 characters, both cases, no common one."""
    p = POLITIQUE_PAR_DEFAUT
    assert (p.longueur_min, p.longueur_max, p.exige_minuscule, p.exige_majuscule) == (
        12,
        128,
        True,
        True,
    )
    assert p.refuser_courants
    p.verifier(MDP)


def test_politique_du_guide() -> None:
    """The guide's rule: 8 characters with a lower-case and an upper-case letter."""
    POLITIQUE_GUIDE.verifier("Password")
    with pytest.raises(MotDePasseNonConforme) as erreur:
        POLITIQUE_GUIDE.verifier("passwor")
    assert erreur.value.regles == (RegleMotDePasse.LONGUEUR_MIN, RegleMotDePasse.MAJUSCULE)
    assert (erreur.value.longueur_min, erreur.value.longueur_max) == (8, 128)
    assert erreur.value.raisons == (
        "il doit contenir au moins 8 caractères",
        "il doit contenir au moins une lettre majuscule",
    )


def test_toutes_les_raisons_sont_listees() -> None:
    """Every broken rule is reported at once, in French, on the named field."""
    with pytest.raises(MotDePasseNonConforme) as erreur:
        POLITIQUE_PAR_DEFAUT.verifier("1111", champ="nouveau_mot_de_passe")
    assert erreur.value.regles == (
        RegleMotDePasse.LONGUEUR_MIN,
        RegleMotDePasse.MINUSCULE,
        RegleMotDePasse.MAJUSCULE,
        RegleMotDePasse.COURANT,
    )
    assert erreur.value.raisons == (
        "il doit contenir au moins 12 caractères",
        "il doit contenir au moins une lettre minuscule",
        "il doit contenir au moins une lettre majuscule",
        "il est trop courant ou trop facile à deviner",
    )
    assert erreur.value.champ == "nouveau_mot_de_passe"
    assert "au moins 12 caractères ; il doit" in erreur.value.message


def test_longueur_maximale() -> None:
    """128 characters pass, 129 do not."""
    base = "Ab-" + "x" * 125
    POLITIQUE_PAR_DEFAUT.verifier(base)
    assert POLITIQUE_PAR_DEFAUT.raisons(base + "y") == ("il doit contenir au plus 128 caractères",)


@pytest.mark.parametrize(
    "mot_de_passe",
    [
        "Motdepasse2024!",  # a listed word wrapped in digits and punctuation
        "AZERTYUIOP",  # listed, compared case-insensitively
        "!!Soleil123456",
        "Qsdfghjklmwx",  # an AZERTY keyboard walk
        "Zyxwvutsrqpo",  # the alphabet backwards
        "876543210",  # a run of digits, whole
        "AbAbAbAbAbAbAb",  # two characters repeated
        "Opcosante2025",
    ],
)
def test_mots_de_passe_courants_refuses(mot_de_passe: str) -> None:
    """Listed passwords, listed words with digits around them and patterns are refused."""
    assert POLITIQUE_PAR_DEFAUT.est_courant(mot_de_passe)
    assert "il est trop courant ou trop facile à deviner" in POLITIQUE_PAR_DEFAUT.raisons(
        mot_de_passe
    )


def test_liste_personnalisee_comparee_sans_casse() -> None:
    """An embedder's own list is case-folded once and compared case-insensitively."""
    p = PolitiqueMotDePasse(mots_courants=frozenset({"Hopital-Central-2024"}))
    assert p.est_courant("HOPITAL-central-2024")
    assert not p.est_courant("Motdepasse2024!")  # the built-in list was replaced


def test_regles_desactivables() -> None:
    """Each rule can be switched off."""
    p = PolitiqueMotDePasse(
        longueur_min=4, exige_minuscule=False, exige_majuscule=False, refuser_courants=False
    )
    p.verifier("1234")


def test_mot_de_passe_contenant_l_email_refuse() -> None:
    """A password containing the address's local part (3 characters or more) is refused."""
    email = Email("Jean.Dupont@exemple.fr")
    assert POLITIQUE_PAR_DEFAUT.raisons("Xx-jean.dupont-Yy", email=email) == (
        "il ne doit pas contenir votre adresse email",
    )
    assert POLITIQUE_PAR_DEFAUT.raisons(MDP, email=email) == ()
    assert POLITIQUE_PAR_DEFAUT.raisons("Paul-Jd-Cheval-9", email=Email("jd@exemple.fr")) == ()


@pytest.mark.parametrize(
    ("reglages", "champ"),
    [
        ({"longueur_min": 0}, "longueur_min"),
        ({"longueur_max": 63}, "longueur_max"),
        ({"longueur_min": 100, "longueur_max": 80}, "longueur_max"),
    ],
)
def test_politique_incoherente_refusee(reglages: dict[str, Any], champ: str) -> None:
    """A policy with no minimum or a maximum below 64 (or below the minimum) is refused."""
    with pytest.raises(DonneeInvalide) as erreur:
        PolitiqueMotDePasse(**reglages)
    assert erreur.value.champ == champ


# Letters with accents appear in no entry of the common list, so a password holding one
# can only fail the policy through its length or its cases.
_ACCENTUEES = "àâçéèêëîïôûùüÿ"


@st.composite
def mots_de_passe_conformes(draw: st.DrawFn, longueur_min: int = 12) -> str:
    """Passwords meeting the length and case rules, with an accent (never a listed one)."""
    obligatoires = [
        draw(st.sampled_from(_ACCENTUEES)),
        draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
        draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz")),
    ]
    reste = draw(
        st.text(
            alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]),
            min_size=max(0, longueur_min - len(obligatoires)),
            max_size=60,
        )
    )
    caracteres = draw(st.permutations([*obligatoires, *reste]))
    return "".join(caracteres)


@given(mots_de_passe_conformes())
def test_propriete_mot_de_passe_conforme_accepte(mot_de_passe: str) -> None:
    """Any password meeting the length and case rules (and not common) passes both policies."""
    POLITIQUE_PAR_DEFAUT.verifier(mot_de_passe)
    POLITIQUE_GUIDE.verifier(mot_de_passe)


@given(st.integers(1, 40), st.data())
def test_propriete_trop_court_toujours_refuse(longueur_min: int, data: st.DataObject) -> None:
    """Any password shorter than the minimum is refused with the length reason."""
    politique = PolitiqueMotDePasse(longueur_min=longueur_min)
    mot_de_passe = data.draw(st.text(max_size=longueur_min - 1))
    with pytest.raises(MotDePasseNonConforme) as erreur:
        politique.verifier(mot_de_passe)
    assert f"il doit contenir au moins {longueur_min} caractères" in erreur.value.raisons


@pytest.mark.parametrize(
    ("reglages", "champ"),
    [({"echecs_max": 0}, "echecs_max"), ({"duree_verrou": dt.timedelta(0)}, "duree_verrou")],
)
def test_politique_de_verrouillage_incoherente_refusee(
    reglages: dict[str, Any], champ: str
) -> None:
    """A lock policy must allow at least one attempt and lock for a positive duration."""
    with pytest.raises(DonneeInvalide) as erreur:
        PolitiqueVerrouillage(**reglages)
    assert erreur.value.champ == champ


# --- Opening rule ------------------------------------------------------------------------


def test_ouverture_avec_adresse_connue() -> None:
    """An address on the organisme's file leads to activation by email, no approval."""
    compte = ouvrir()
    assert compte.statut is StatutCompte.EN_ATTENTE_ACTIVATION
    assert (compte.role, compte.siret_organisme, compte.email) == (Role.CFA, SIRET_A, EMAIL_CONNU)
    assert compte.hash_mot_de_passe == f"h:v1:{MDP}"
    assert MDP not in repr(attrs.evolve(compte, hash_mot_de_passe="***"))
    assert (compte.cree_le, compte.mot_de_passe_change_le, compte.active_le) == (T0, T0, None)
    assert compte.historique[0].arrivee is StatutCompte.EN_ATTENTE_ACTIVATION
    assert compte.historique[0].auteur == str(compte.id)
    assert not compte.est_agent


def test_ouverture_sur_invitation() -> None:
    """An address invited by an active account of the organisme needs no approval."""
    hote = compte_actif()
    compte = ouvrir(Email("nouveau@ailleurs.fr"), invite_par=hote)
    assert compte.statut is StatutCompte.EN_ATTENTE_ACTIVATION
    assert compte.historique[0].auteur == str(hote.id)


def test_ouverture_avec_adresse_inconnue_attend_un_agent() -> None:
    """Any other address waits for an OPCO agent's approval: a SIRET alone opens nothing."""
    compte = ouvrir(Email("pirate@exemple.fr"))
    assert statut(compte) is StatutCompte.EN_ATTENTE_APPROBATION
    with pytest.raises(RegleDeGestion):
        compte.emettre_jeton(TypeJeton.ACTIVATION, SECRET, T0)
    compte.approuver("agent:7", T0)
    assert statut(compte) is StatutCompte.EN_ATTENTE_ACTIVATION
    assert compte.historique[-1].auteur == "agent:7"
    compte.emettre_jeton(TypeJeton.ACTIVATION, SECRET, T0)
    compte.activer(SECRET, T0)
    assert compte.statut is StatutCompte.ACTIF


@given(st.lists(st.booleans(), min_size=len(str(EMAIL_CONNU)), max_size=len(str(EMAIL_CONNU))))
def test_propriete_adresse_connue_quelle_que_soit_la_casse(majuscules: list[bool]) -> None:
    """The on-file check is made on the normalised address: case and spaces do not matter."""
    saisie = "".join(
        c.upper() if m else c for c, m in zip(str(EMAIL_CONNU), majuscules, strict=True)
    )
    email = Email(f"  {saisie} ")
    assert email == EMAIL_CONNU
    assert ouvrir(email).statut is StatutCompte.EN_ATTENTE_ACTIVATION


@pytest.mark.parametrize("statut", [StatutOrganisme.A_VALIDER, StatutOrganisme.INACTIF])
def test_ouverture_refusee_si_organisme_non_actif(statut: StatutOrganisme) -> None:
    """No account opens on an organisme that is not active with the OPCO."""
    with pytest.raises(RegleDeGestion) as erreur:
        ouvrir(organisme=organisme(statut))
    assert erreur.value.champ == "siret"


def test_invitation_par_un_compte_non_habilite_refusee() -> None:
    """Only an active account of the same organisme may invite."""
    en_attente = ouvrir()
    with pytest.raises(AccesRefuse):
        ouvrir(Email("x@exemple.fr"), invite_par=en_attente)
    etranger = compte_actif()
    etranger.siret_organisme = SIRET_B
    with pytest.raises(AccesRefuse):
        ouvrir(Email("x@exemple.fr"), invite_par=etranger)


def test_ouverture_verifie_la_politique() -> None:
    """The password is checked against the policy (with the address) before anything."""
    with pytest.raises(MotDePasseNonConforme):
        ouvrir(mot_de_passe="Password")
    assert ouvrir(mot_de_passe="Password", politique=POLITIQUE_GUIDE).hash_mot_de_passe


def test_compte_agent() -> None:
    """An OPCO agent's account is active at once and belongs to no organisme."""
    agent = Compte.ouvrir_agent(
        id=uuid.uuid4(),
        email=Email("agent@opco.fr"),
        mot_de_passe=MDP,
        quand=T0,
        hasher=HACHEUR,
        auteur="admin",
    )
    assert (agent.statut, agent.role, agent.siret_organisme) == (
        StatutCompte.ACTIF,
        Role.AGENT_OPCO,
        None,
    )
    assert agent.est_agent
    assert agent.active_le == T0
    assert not agent.authentifier(MDP, T0, HACHEUR)


@pytest.mark.parametrize(("role", "siret"), [(Role.CFA, None), (Role.AGENT_OPCO, SIRET_A)])
def test_role_et_organisme_coherents(role: Role, siret: Siret | None) -> None:
    """A CFA account has an organisme; an agent's account has none."""
    with pytest.raises(DonneeInvalide):
        Compte(
            id=uuid.uuid4(),
            email=EMAIL_CONNU,
            siret_organisme=siret,
            role=role,
            statut=StatutCompte.ACTIF,
            hash_mot_de_passe="h:v1:x",
            cree_le=T0,
        )


# --- Tokens ------------------------------------------------------------------------------


def test_empreinte_sha256() -> None:
    """A token is stored as the SHA-256 hex of its secret (known test vector)."""
    assert empreinte_jeton("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_emettre_stocke_seulement_l_empreinte() -> None:
    """Issuing stores the fingerprint and the expiry (24 h by default), never the secret."""
    compte = ouvrir()
    jeton = compte.emettre_jeton(TypeJeton.ACTIVATION, SECRET, T0)
    assert jeton.empreinte == hashlib.sha256(SECRET.encode()).hexdigest()
    assert jeton.expire_le == T0 + dt.timedelta(hours=24)
    assert (jeton.emis_le, jeton.utilise_le) == (T0, None)
    assert SECRET not in repr(compte.jetons)
    assert DUREES_JETONS[TypeJeton.REINITIALISATION] == dt.timedelta(hours=1)


def test_secret_trop_court_refuse() -> None:
    """A secret too short to hold 256 bits is refused."""
    with pytest.raises(DonneeInvalide):
        ouvrir().emettre_jeton(TypeJeton.ACTIVATION, "x" * (LONGUEUR_MIN_SECRET - 1), T0)


def test_activation_valide_24_heures() -> None:
    """The activation link works until just before 24 h, and not at 24 h exactly."""
    compte = ouvrir()
    compte.emettre_jeton(TypeJeton.ACTIVATION, SECRET, T0)
    with pytest.raises(JetonInvalide):
        compte.activer(SECRET, T0 + dt.timedelta(hours=24))
    compte.activer(SECRET, T0 + dt.timedelta(hours=24) - UNE_MICROSECONDE)
    assert compte.statut is StatutCompte.ACTIF
    assert compte.active_le == T0 + dt.timedelta(hours=24) - UNE_MICROSECONDE


def test_activation_duree_parametrable() -> None:
    """The link's lifetime is a parameter of its issue."""
    compte = ouvrir()
    compte.emettre_jeton(TypeJeton.ACTIVATION, SECRET, T0, dt.timedelta(hours=1))
    with pytest.raises(JetonInvalide):
        compte.activer(SECRET, T0 + dt.timedelta(hours=1))


def test_activation_usage_unique() -> None:
    """An activation link works once; the used token is kept with its date of use."""
    compte = compte_actif()
    with pytest.raises(JetonInvalide):
        compte.activer(SECRET, T0)
    assert [j.utilise_le for j in compte.jetons] == [T0]


def test_mauvais_secret_refuse() -> None:
    """An unknown secret is refused, with one message whatever the cause."""
    compte = ouvrir()
    compte.emettre_jeton(TypeJeton.ACTIVATION, SECRET, T0)
    with pytest.raises(JetonInvalide, match="n'est pas valide ou a expiré"):
        compte.activer(AUTRE_SECRET, T0)
    assert compte.statut is StatutCompte.EN_ATTENTE_ACTIVATION


def test_nouveau_jeton_invalide_l_ancien() -> None:
    """Issuing a new link of a type kills the older one of that type."""
    compte = ouvrir()
    compte.emettre_jeton(TypeJeton.ACTIVATION, SECRET, T0)
    compte.emettre_jeton(TypeJeton.ACTIVATION, AUTRE_SECRET, T0)
    with pytest.raises(JetonInvalide):
        compte.activer(SECRET, T0)
    compte.activer(AUTRE_SECRET, T0)


def test_nouveau_jeton_ne_touche_pas_les_autres_types() -> None:
    """A reset link leaves the (used) activation token alone."""
    compte = compte_actif()
    compte.emettre_jeton(TypeJeton.REINITIALISATION, AUTRE_SECRET, T0)
    assert [j.type for j in compte.jetons] == [TypeJeton.ACTIVATION, TypeJeton.REINITIALISATION]


def test_pas_de_lien_de_reinitialisation_pour_un_compte_non_actif() -> None:
    """A reset link is only issued to an active account."""
    with pytest.raises(EnvoiLienImpossible, match="en attente d'activation") as erreur:
        ouvrir().emettre_jeton(TypeJeton.REINITIALISATION, SECRET, T0)
    assert erreur.value.statut is StatutCompte.EN_ATTENTE_ACTIVATION
    assert erreur.value.type_jeton is TypeJeton.REINITIALISATION


def test_pas_d_activation_hors_attente_d_activation() -> None:
    """A token left on an account that is no longer awaiting activation is refused."""
    compte = ouvrir()
    compte.emettre_jeton(TypeJeton.ACTIVATION, SECRET, T0)
    compte.statut = StatutCompte.ACTIF
    with pytest.raises(JetonInvalide):
        compte.activer(SECRET, T0)


def test_approuver_hors_attente_interdit() -> None:
    """Only an account awaiting approval can be approved."""
    with pytest.raises(TransitionInterdite):
        ouvrir().approuver("agent", T0)


# --- Login and throttling --------------------------------------------------------------


def test_connexion_reussie() -> None:
    """A correct login records the time, resets the counter and kills reset links."""
    compte = compte_actif()
    compte.emettre_jeton(TypeJeton.REINITIALISATION, AUTRE_SECRET, T0)
    with pytest.raises(IdentifiantsInvalides):
        compte.authentifier("mauvais", T0, HACHEUR)
    assert compte.echecs_connexion == 1
    t = T0 + dt.timedelta(minutes=1)
    assert compte.authentifier(MDP, t, HACHEUR) is False
    assert (compte.echecs_connexion, compte.derniere_connexion) == (0, t)
    with pytest.raises(JetonInvalide):
        compte.reinitialiser_mot_de_passe(AUTRE_SECRET, AUTRE_MDP, t, HACHEUR)


def test_verrouillage_apres_n_echecs_puis_deverrouillage() -> None:
    """After 5 failures the account locks 15 min, even for the right password; then it opens."""
    compte = compte_actif()
    for _ in range(4):
        with pytest.raises(IdentifiantsInvalides):
            compte.authentifier("mauvais", T0, HACHEUR)
    assert compte.verrouille_jusqu_a is None
    with pytest.raises(IdentifiantsInvalides):
        compte.authentifier("mauvais", T0, HACHEUR)
    fin = T0 + dt.timedelta(minutes=15)
    assert compte.verrouille_jusqu_a == fin
    with pytest.raises(CompteVerrouille) as erreur:
        compte.authentifier(MDP, fin - UNE_MICROSECONDE, HACHEUR)
    assert erreur.value.jusqu_a == fin
    assert compte.echecs_connexion == 5  # attempts while locked are not counted
    compte.authentifier(MDP, fin, HACHEUR)
    assert (compte.verrouille_jusqu_a, compte.echecs_connexion) == (None, 0)


def test_apres_le_verrou_le_compteur_repart_de_zero() -> None:
    """Once the lock expires, a wrong password counts as the first failure, not the sixth."""
    compte = compte_actif()
    politique = PolitiqueVerrouillage(echecs_max=2, duree_verrou=dt.timedelta(minutes=1))
    for _ in range(2):
        with pytest.raises(IdentifiantsInvalides):
            compte.authentifier("mauvais", T0, HACHEUR, politique_verrouillage=politique)
    apres = T0 + dt.timedelta(minutes=1)
    with pytest.raises(IdentifiantsInvalides):
        compte.authentifier("mauvais", apres, HACHEUR, politique_verrouillage=politique)
    assert (compte.echecs_connexion, compte.verrouille_jusqu_a) == (1, None)


@given(st.integers(1, 6), st.integers(0, 10))
def test_propriete_verrouillage(echecs_max: int, tentatives: int) -> None:
    """Exactly ``echecs_max`` failures are counted; the account is locked iff reached."""
    compte = compte_actif()
    politique = PolitiqueVerrouillage(echecs_max=echecs_max)
    refus = 0
    for _ in range(tentatives):
        try:
            compte.authentifier("mauvais", T0, HACHEUR, politique_verrouillage=politique)
        except CompteVerrouille:
            pass
        except IdentifiantsInvalides:
            refus += 1
    assert refus == min(tentatives, echecs_max)
    assert (compte.verrouille_jusqu_a is not None) == (tentatives >= echecs_max)


@pytest.mark.parametrize(
    ("preparer", "message"),
    [
        (lambda _c: None, "pas encore activé"),
        (lambda c: setattr(c, "statut", StatutCompte.EN_ATTENTE_APPROBATION), "conseiller"),
        (lambda c: c.desactiver("agent", T0, "départ"), "désactivé"),
    ],
)
def test_statut_revele_seulement_apres_le_bon_mot_de_passe(preparer: Any, message: str) -> None:
    """A wrong password gets the generic answer; only the right one learns the status."""
    compte = ouvrir()
    preparer(compte)
    with pytest.raises(IdentifiantsInvalides) as mauvais:
        compte.authentifier("mauvais", T0, HACHEUR)
    assert type(mauvais.value) is IdentifiantsInvalides
    assert mauvais.value.message == "Identifiant ou mot de passe incorrect."
    with pytest.raises(CompteNonActive, match=message):
        compte.authentifier(MDP, T0, HACHEUR)
    assert compte.derniere_connexion is None


def test_rehachage_a_la_connexion() -> None:
    """When the hasher's parameters changed, login rehashes and says so."""
    compte = compte_actif()
    nouveau = FauxHacheur(version="v2")
    assert compte.authentifier(MDP, T0, nouveau) is True
    assert compte.hash_mot_de_passe == f"h:v2:{MDP}"
    assert compte.authentifier(MDP, T0, nouveau) is False


# --- Password reset ------------------------------------------------------------------------


def test_reinitialisation() -> None:
    """A reset sets the password, uses the link, ends sessions and lifts the lock."""
    compte = compte_actif()
    for _ in range(5):
        with pytest.raises(IdentifiantsInvalides):
            compte.authentifier("mauvais", T0, HACHEUR)
    compte.emettre_jeton(TypeJeton.REINITIALISATION, AUTRE_SECRET, T0)
    t = T0 + dt.timedelta(minutes=10)
    compte.reinitialiser_mot_de_passe(AUTRE_SECRET, AUTRE_MDP, t, HACHEUR)
    assert compte.hash_mot_de_passe == f"h:v1:{AUTRE_MDP}"
    assert (compte.generation_session, compte.mot_de_passe_change_le) == (1, t)
    assert (compte.echecs_connexion, compte.verrouille_jusqu_a) == (0, None)
    assert compte.jetons[-1].utilise_le == t
    with pytest.raises(JetonInvalide):
        compte.reinitialiser_mot_de_passe(AUTRE_SECRET, "Encore-Un-Autre-8", t, HACHEUR)
    compte.authentifier(AUTRE_MDP, t, HACHEUR)


def test_reinitialisation_expire_apres_une_heure() -> None:
    """The reset link dies at 1 h by default."""
    compte = compte_actif()
    compte.emettre_jeton(TypeJeton.REINITIALISATION, AUTRE_SECRET, T0)
    with pytest.raises(JetonInvalide):
        compte.reinitialiser_mot_de_passe(
            AUTRE_SECRET, AUTRE_MDP, T0 + dt.timedelta(hours=1), HACHEUR
        )
    compte.reinitialiser_mot_de_passe(
        AUTRE_SECRET, AUTRE_MDP, T0 + dt.timedelta(hours=1) - UNE_MICROSECONDE, HACHEUR
    )


def test_reinitialisation_mot_de_passe_refuse_ne_consomme_pas_le_lien() -> None:
    """A password refused by the policy leaves the link usable for another try."""
    compte = compte_actif()
    compte.emettre_jeton(TypeJeton.REINITIALISATION, AUTRE_SECRET, T0)
    with pytest.raises(MotDePasseNonConforme) as erreur:
        compte.reinitialiser_mot_de_passe(AUTRE_SECRET, "court", T0, HACHEUR)
    assert erreur.value.champ == "nouveau_mot_de_passe"
    compte.reinitialiser_mot_de_passe(
        AUTRE_SECRET, "Password", T0, HACHEUR, politique=POLITIQUE_GUIDE
    )
    assert compte.hash_mot_de_passe == "h:v1:Password"


# --- « Mon compte » ---------------------------------------------------------------------


def test_changer_mot_de_passe() -> None:
    """A new password with the current one: sessions end, reset links die."""
    compte = compte_actif()
    compte.emettre_jeton(TypeJeton.REINITIALISATION, AUTRE_SECRET, T0)
    compte.changer_mot_de_passe(MDP, AUTRE_MDP, T0, HACHEUR)
    assert compte.hash_mot_de_passe == f"h:v1:{AUTRE_MDP}"
    assert compte.generation_session == 1
    assert [j.type for j in compte.jetons] == [TypeJeton.ACTIVATION]


def test_changer_mot_de_passe_exige_l_actuel() -> None:
    """A wrong current password is refused on its field and counts as a failed login."""
    compte = compte_actif()
    with pytest.raises(MotDePasseActuelIncorrect) as erreur:
        compte.changer_mot_de_passe("mauvais", AUTRE_MDP, T0, HACHEUR)
    assert isinstance(erreur.value, IdentifiantsInvalides)
    assert erreur.value.champ == "mot_de_passe_actuel"
    assert erreur.value.message == "Le mot de passe actuel est incorrect."
    assert (compte.echecs_connexion, compte.generation_session) == (1, 0)


def test_changer_mot_de_passe_raisons() -> None:
    """The new password is checked by the policy and must differ from the current one."""
    compte = compte_actif()
    with pytest.raises(MotDePasseNonConforme) as erreur:
        compte.changer_mot_de_passe(MDP, MDP, T0, HACHEUR)
    assert erreur.value.regles == (RegleMotDePasse.IDENTIQUE_ACTUEL,)
    assert erreur.value.raisons == ("il doit être différent du mot de passe actuel",)
    with pytest.raises(MotDePasseNonConforme) as erreur:
        compte.changer_mot_de_passe(MDP, "contact-Soleil", T0, HACHEUR)
    assert erreur.value.regles == (RegleMotDePasse.CONTIENT_EMAIL,)
    assert erreur.value.raisons == ("il ne doit pas contenir votre adresse email",)
    assert erreur.value.champ == "nouveau_mot_de_passe"
    assert compte.generation_session == 0


def test_changer_mot_de_passe_verrouille_ou_inactif() -> None:
    """A locked account cannot change its password; an inactive one neither."""
    compte = compte_actif()
    compte.verrouille_jusqu_a = T0 + dt.timedelta(minutes=1)
    with pytest.raises(CompteVerrouille):
        compte.changer_mot_de_passe(MDP, AUTRE_MDP, T0, HACHEUR)
    with pytest.raises(CompteNonActive):
        ouvrir().changer_mot_de_passe(MDP, AUTRE_MDP, T0, HACHEUR)


def test_changer_email_apres_confirmation_par_la_nouvelle_adresse() -> None:
    """Asking changes nothing; the link to the new address makes the change, once.

    Then sessions end and reset links (sent to the old address) die.
    """
    compte = compte_actif()
    compte.emettre_jeton(TypeJeton.REINITIALISATION, AUTRE_SECRET, T0)
    jeton = compte.demander_changement_email(MDP, Email("Nouvelle@Exemple.fr"), SECRET, T0, HACHEUR)
    assert (jeton.type, jeton.email) == (TypeJeton.CHANGEMENT_EMAIL, Email("nouvelle@exemple.fr"))
    assert jeton.expire_le == T0 + dt.timedelta(hours=24)
    assert (compte.email, compte.generation_session) == (EMAIL_CONNU, 0)
    with pytest.raises(JetonInvalide):
        compte.confirmer_changement_email(AUTRE_SECRET, T0)  # the reset link is not it
    assert compte.adresse_a_confirmer(SECRET, T0) == Email("nouvelle@exemple.fr")
    ancien = compte.confirmer_changement_email(SECRET, T0 + dt.timedelta(hours=1))
    assert (ancien, compte.email) == (EMAIL_CONNU, Email("nouvelle@exemple.fr"))
    assert compte.generation_session == 1
    assert not any(
        j.type is TypeJeton.REINITIALISATION and j.utilise_le is None for j in compte.jetons
    )
    with pytest.raises(JetonInvalide):  # single use
        compte.confirmer_changement_email(SECRET, T0 + dt.timedelta(hours=1))


def test_lien_de_changement_d_email_expire_et_remplace() -> None:
    """A link dies after 24 h, and when a newer request replaces it."""
    compte = compte_actif()
    compte.demander_changement_email(MDP, Email("a@exemple.fr"), SECRET, T0, HACHEUR)
    with pytest.raises(JetonInvalide):
        compte.confirmer_changement_email(SECRET, T0 + dt.timedelta(hours=24))
    compte.demander_changement_email(MDP, Email("b@exemple.fr"), AUTRE_SECRET, T0, HACHEUR)
    with pytest.raises(JetonInvalide):
        compte.confirmer_changement_email(SECRET, T0)
    compte.confirmer_changement_email(AUTRE_SECRET, T0)
    assert compte.email == Email("b@exemple.fr")


def test_changer_email_refus() -> None:
    """Wrong password, same address, or an inactive account: no link, no change."""
    compte = compte_actif()
    with pytest.raises(MotDePasseActuelIncorrect):
        compte.demander_changement_email("mauvais", Email("n@exemple.fr"), SECRET, T0, HACHEUR)
    with pytest.raises(DonneeInvalide) as erreur:
        compte.demander_changement_email(MDP, EMAIL_CONNU, SECRET, T0, HACHEUR)
    assert erreur.value.champ == "nouvel_email"
    with pytest.raises(CompteNonActive):
        ouvrir().demander_changement_email(MDP, Email("n@exemple.fr"), SECRET, T0, HACHEUR)
    assert (compte.email, compte.generation_session) == (EMAIL_CONNU, 0)
    assert not any(j.type is TypeJeton.CHANGEMENT_EMAIL for j in compte.jetons)
    with pytest.raises(ValueError, match="Seul un lien de changement"):
        compte.emettre_jeton(TypeJeton.REINITIALISATION, SECRET, T0, email=EMAIL_CONNU)


# --- Deactivation ------------------------------------------------------------------------


def test_desactiver_puis_reactiver() -> None:
    """Deactivation kills pending links and sessions; reactivation restores the status."""
    compte = compte_actif()
    compte.emettre_jeton(TypeJeton.REINITIALISATION, AUTRE_SECRET, T0)
    compte.desactiver("agent:7", T0, "  départ ")
    assert compte.statut is StatutCompte.DESACTIVE
    assert compte.historique[-1].motif == "départ"
    assert compte.generation_session == 1
    assert [j.type for j in compte.jetons] == [TypeJeton.ACTIVATION]  # the used one stays
    with pytest.raises(TransitionInterdite):
        compte.desactiver("agent:7", T0, "encore")
    compte.reactiver("agent:7", T0)
    assert statut(compte) is StatutCompte.ACTIF


def test_reactiver_un_compte_en_attente_d_approbation() -> None:
    """An account deactivated while awaiting approval goes back to awaiting approval."""
    compte = ouvrir(Email("inconnu@exemple.fr"))
    compte.desactiver("agent:7", T0, "doute")
    compte.reactiver("agent:7", T0)
    assert compte.statut is StatutCompte.EN_ATTENTE_APPROBATION


def test_desactiver_exige_un_motif_et_reactiver_un_compte_desactive() -> None:
    """Deactivation needs a reason; only a deactivated account can be reactivated."""
    compte = compte_actif()
    with pytest.raises(DonneeInvalide) as erreur:
        compte.desactiver("agent:7", T0, " ")
    assert erreur.value.champ == "motif"
    with pytest.raises(TransitionInterdite):
        compte.reactiver("agent:7", T0)


def test_reactiver_sans_historique_revient_a_actif() -> None:
    """An account loaded deactivated without a recorded deactivation reactivates to active."""
    compte = Compte(
        id=uuid.uuid4(),
        email=EMAIL_CONNU,
        siret_organisme=SIRET_A,
        role=Role.CFA,
        statut=StatutCompte.DESACTIVE,
        hash_mot_de_passe="h:v1:x",
        cree_le=T0,
    )
    compte.reactiver("agent:7", T0)
    assert compte.statut is StatutCompte.ACTIF


def test_jeton_valeur() -> None:
    """A token is valid while unused and strictly before its expiry; matching is by secret."""
    jeton = Jeton(
        type=TypeJeton.ACTIVATION,
        empreinte=empreinte_jeton(SECRET),
        emis_le=T0,
        expire_le=T0 + dt.timedelta(hours=1),
    )
    assert jeton.est_valide(T0)
    assert not jeton.est_valide(T0 + dt.timedelta(hours=1))
    assert not attrs.evolve(jeton, utilise_le=T0).est_valide(T0)
    assert jeton.correspond(SECRET)
    assert not jeton.correspond(AUTRE_SECRET)


def test_refuser_une_demande_de_compte() -> None:
    """An agent refuses an account awaiting approval, with a reason; no other account."""
    compte = ouvrir(Email("pirate@exemple.fr"))
    with pytest.raises(DonneeInvalide):
        compte.refuser("agent:7", T0, "  ")
    compte.refuser("agent:7", T0, "inconnu de l'organisme")
    assert statut(compte) is StatutCompte.DESACTIVE
    assert (compte.historique[-1].auteur, compte.historique[-1].motif) == (
        "agent:7",
        "inconnu de l'organisme",
    )
    for autre in (compte, ouvrir(), compte_actif()):
        longueur = len(autre.historique)
        with pytest.raises(CompteNonEnAttente) as erreur:
            autre.refuser("agent:7", T0, "non")
        assert erreur.value.statut is autre.statut
        assert len(autre.historique) == longueur


def test_approuver_un_compte_desactive_interdit() -> None:
    """Approval leaves only « en attente d'approbation », though reactivation may go back there."""
    compte = ouvrir(Email("pirate@exemple.fr"))
    compte.desactiver("agent:7", T0, "doublon")
    with pytest.raises(TransitionInterdite) as erreur:
        compte.approuver("agent:7", T0)
    assert (erreur.value.depart, erreur.value.arrivee) == (
        StatutCompte.DESACTIVE,
        StatutCompte.EN_ATTENTE_ACTIVATION,
    )
    compte.reactiver("agent:7", T0)
    assert statut(compte) is StatutCompte.EN_ATTENTE_APPROBATION


def test_ouverture_refusee_pour_un_organisme_non_actif() -> None:
    """No account opens in an organisme awaiting validation or inactive."""
    for statut_organisme in (StatutOrganisme.A_VALIDER, StatutOrganisme.INACTIF):
        with pytest.raises(CreationCompteImpossible) as erreur:
            ouvrir(organisme=organisme(statut_organisme))
        assert erreur.value.statut is statut_organisme
