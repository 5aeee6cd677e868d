"""Security review of the aggregates: activation, secrets out of repr, texts that fit.

Activation proves the password chosen at creation, the password hash and the tokens are
never printed, and every text fits its database column.
"""

from __future__ import annotations

import datetime as dt
import uuid

import attrs
import pytest

from cfa_domain.compte import Compte, PolitiqueVerrouillage, StatutCompte, TypeJeton
from cfa_domain.errors import (
    CompteVerrouille,
    DemandeOuvertureNonRenouvelable,
    DonneeInvalide,
    JetonInvalide,
    MotDePasseActivationIncorrect,
)
from cfa_domain.organisme import LONGUEUR_MAX_TEXTE
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.services import demandes
from cfa_domain.services.demandes import (
    LONGUEUR_MAX_CLE_IDEMPOTENCE,
    LONGUEUR_MAX_NOM_FICHIER,
    CommandeDemande,
)
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import HacheurMemoire, memoire
from cfa_domain.values import LONGUEUR_MAX_EMAIL, Email, Montant, Periode, Piece

T0 = exemples.INSTANT
HACHEUR = HacheurMemoire()
MDP = "Cheval-Agrafe-Pile9"
AUTRE_MDP = "Orange-Batterie-77x"
SECRET = "s" * 43
EMAIL = Email("contact@cfa-sante.fr")  # on the example organisme's file
TROP_LONG = "x" * (LONGUEUR_MAX_TEXTE + 1)


def en_attente() -> Compte:
    """An account opened with an on-file address, holding an activation link."""
    compte = Compte.ouvrir(
        id=uuid.UUID(int=1),
        email=EMAIL,
        organisme=exemples.organisme(),
        mot_de_passe=MDP,
        quand=T0,
        hasher=HACHEUR,
    )
    compte.emettre_jeton(TypeJeton.ACTIVATION, SECRET, T0)
    return compte


# --- Activation proves the password ----------------------------------------------------------


def test_activer_avec_mot_de_passe() -> None:
    """The right password and link activate; the link is then used up."""
    compte = en_attente()
    compte.activer_avec_mot_de_passe(SECRET, MDP, T0, HACHEUR)
    assert (compte.statut, compte.active_le) == (StatutCompte.ACTIF, T0)
    assert compte.jetons[0].utilise_le == T0
    with pytest.raises(JetonInvalide):
        compte.activer_avec_mot_de_passe(SECRET, MDP, T0, HACHEUR)


def test_activer_avec_un_mauvais_mot_de_passe_compte_et_garde_le_lien() -> None:
    """A wrong password is counted, locks after ``echecs_max``, and leaves the link unused."""
    compte = en_attente()
    politique = PolitiqueVerrouillage(echecs_max=2)
    for _ in range(2):
        with pytest.raises(MotDePasseActivationIncorrect):
            compte.activer_avec_mot_de_passe(
                SECRET, AUTRE_MDP, T0, HACHEUR, politique_verrouillage=politique
            )
    assert compte.jetons[0].utilise_le is None
    with pytest.raises(CompteVerrouille):
        compte.activer_avec_mot_de_passe(SECRET, MDP, T0, HACHEUR, politique_verrouillage=politique)
    assert compte.statut is StatutCompte.EN_ATTENTE_ACTIVATION


def test_activer_une_invitation_ou_un_compte_actif_est_refuse() -> None:
    """Neither an invitation (no password) nor an active account activates by password."""
    actif = en_attente()
    actif.activer(SECRET, T0)
    invite = Compte.ouvrir(
        id=uuid.UUID(int=2),
        email=Email("invite@ailleurs.fr"),
        organisme=exemples.organisme(),
        mot_de_passe=None,
        quand=T0,
        hasher=HACHEUR,
        invite_par=actif,
    )
    invite.emettre_jeton(TypeJeton.ACTIVATION, SECRET, T0)
    for compte in (actif, invite):
        with pytest.raises(JetonInvalide):
            compte.activer_avec_mot_de_passe(SECRET, MDP, T0, HACHEUR)


def test_redemander_ouverture_remplace_le_mot_de_passe_et_tue_les_liens() -> None:
    """The new password replaces the old one; the activation link dies, the counter resets."""
    compte = en_attente()
    compte.echecs_connexion = 4
    plus_tard = T0 + dt.timedelta(hours=1)
    compte.redemander_ouverture(AUTRE_MDP, plus_tard, HACHEUR)
    assert HACHEUR.verifier(compte.hash_mot_de_passe, AUTRE_MDP)
    assert (compte.jetons, compte.echecs_connexion, compte.mot_de_passe_change_le) == (
        [],
        0,
        plus_tard,
    )
    assert compte.statut is StatutCompte.EN_ATTENTE_ACTIVATION


def test_redemander_ouverture_refusee_hors_attente_d_activation() -> None:
    """An active account (or any other) never has its password replaced by a form."""
    compte = en_attente()
    compte.activer(SECRET, T0)
    hache = compte.hash_mot_de_passe
    with pytest.raises(DemandeOuvertureNonRenouvelable) as erreur:
        compte.redemander_ouverture(AUTRE_MDP, T0, HACHEUR)
    assert erreur.value.statut is StatutCompte.ACTIF
    assert compte.hash_mot_de_passe == hache


# --- Secrets out of repr ------------------------------------------------------------------------


def test_repr_sans_hash_ni_jetons() -> None:
    """An account's repr (logs, tracebacks) shows neither its password hash nor its tokens."""
    compte = en_attente()
    texte = repr(compte)
    assert compte.hash_mot_de_passe not in texte
    assert compte.jetons[0].empreinte not in texte
    assert "hash_mot_de_passe" not in texte
    assert "jetons" not in texte
    assert "contact@cfa-sante.fr" in texte
    assert {a.name for a in attrs.fields(Compte) if not a.repr} == {"hash_mot_de_passe", "jetons"}


# --- Lengths that fit the columns ---------------------------------------------------------------


def test_une_adresse_de_plus_de_254_caracteres_est_refusee() -> None:
    """An address longer than RFC 5321 allows (and than every column) is not an Email."""
    texte = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".fr"
    assert len(texte) > LONGUEUR_MAX_EMAIL
    with pytest.raises(DonneeInvalide, match="254 caractères au plus") as erreur:
        Email(texte)
    assert erreur.value.champ == "email"
    assert len(Email(texte[-LONGUEUR_MAX_EMAIL:].lstrip(".-")).adresse) <= LONGUEUR_MAX_EMAIL


def test_cle_d_idempotence_de_128_caracteres_au_plus() -> None:
    """A form key longer than 128 characters is refused on its field; 128 is accepted."""
    commande = CommandeDemande(
        numero_action="2011303654",
        periode=Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29)),
        montants=MontantsDemandes(frais_pedagogiques=Montant(1)),
        cle_idempotence="k" * LONGUEUR_MAX_CLE_IDEMPOTENCE,
    )
    assert commande.cle_idempotence == "k" * LONGUEUR_MAX_CLE_IDEMPOTENCE
    with pytest.raises(DonneeInvalide) as erreur:
        attrs.evolve(commande, cle_idempotence="k" * (LONGUEUR_MAX_CLE_IDEMPOTENCE + 1))
    assert erreur.value.champ == "cle_idempotence"


@pytest.mark.parametrize(
    ("nom_envoye", "accepte"),
    [
        ("a" * (LONGUEUR_MAX_NOM_FICHIER - 4) + ".pdf", True),
        ("C:\\Documents\\" + "a" * (LONGUEUR_MAX_NOM_FICHIER - 4) + ".pdf", True),
        ("a" * (LONGUEUR_MAX_NOM_FICHIER - 3) + ".pdf", False),
    ],
)
def test_nom_de_fichier_de_255_caracteres_au_plus(nom_envoye: str, accepte: bool) -> None:
    """The upload's name, folders dropped, must fit in 255 characters; nothing kept otherwise."""
    m = memoire()
    m.horloge.instant = dt.datetime(2023, 9, 15, 9, 0, tzinfo=dt.UTC)
    m.enregistrer(
        exemples.organisme(emails_connus=(Email("a@cfa-a.fr"),)), exemples.action("2011303654")
    )
    compte_id = m.compte_cfa(exemples.SIRET_CFA, "a@cfa-a.fr")
    commande = CommandeDemande(
        numero_action="2011303654",
        periode=Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29)),
        montants=MontantsDemandes(frais_pedagogiques=Montant(1)),
        fichiers=((Piece.FACTURE, nom_envoye, b"%PDF-1.7\n%%EOF\n"),),
        conditions_acceptees=True,
    )
    if accepte:
        recu = demandes.soumettre_demande(m.contexte, compte_id, commande)
        with m.stockage.uow() as uow:
            demande = uow.demandes.obtenir(recu.demande_id)
        assert demande is not None
        assert demande.pieces[0].nom_fichier == "a" * (LONGUEUR_MAX_NOM_FICHIER - 4) + ".pdf"
        return
    with pytest.raises(DonneeInvalide) as erreur:
        demandes.soumettre_demande(m.contexte, compte_id, commande)
    assert (erreur.value.champ, erreur.value.message) == (
        "facture",
        "Facture : le nom du fichier doit compter au plus 255 caractères.",
    )
    assert m.documents.contenus == {}
