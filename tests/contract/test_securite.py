"""Security review on every backend: pre-hijacking, outbox secrets, races, long inputs.

- **Pre-hijacking**: whoever opens an account first with an organisme's public on-file
  address never activates it: the link goes to the mailbox, and activating also needs
  the password of the latest creation form.
- **Outbox**: once sent, a message keeps no variable (activation and reset links work
  with what the mail carried).
- **Races**: the account's row is locked by the use cases that load it, so parallel wrong
  passwords all count (the account locks) and one link works once, even under parallel
  use. The hasher is slowed down to argon2's order of magnitude, which is what opens the
  window of a lost update.
- **Lengths**: over-long inputs are a French ``DonneeInvalide`` everywhere, and a value a
  PostgreSQL column refuses is one too (never a raw driver error).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import attrs
import pytest
import sqlalchemy as sa

from cfa_adapters.sql import tables
from cfa_adapters.sql.outbox import marquer_envoye, messages_a_envoyer, noter_echec
from cfa_domain.compte import StatutCompte
from cfa_domain.errors import (
    CompteVerrouille,
    DonneeInvalide,
    ErreurDomaine,
    IdentifiantsInvalides,
    JetonInvalide,
    MotDePasseActivationIncorrect,
)
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.services import acces, demandes
from cfa_domain.services.demandes import CommandeDemande
from cfa_domain.testing.fakes import HacheurMemoire
from cfa_domain.values import Email, Montant, Piece

from .conftest import BASES_SQL
from .constructeurs import (
    CONTRAT,
    MOT_DE_PASSE,
    QUAND,
    SIRET_A,
    compte,
    compte_actif,
    organisme,
    pdf,
)
from .constructeurs import action as dossier

if TYPE_CHECKING:
    from collections.abc import Callable

    from cfa_domain.ports import MessageSortant
    from cfa_domain.services.contexte import Contexte

    from .conftest import Banc, Deploiement

EMAIL = "claire.durand@cfa-exemple.fr"  # on the organisme's file
MDP_PIRATE = "Attaquant-Choisi-2024!"
PARALLELES = 8
NUMERO = "2011303654"


@attrs.define
class HacheurLent:
    """The in-memory hasher, as slow as argon2 (50 ms a hash or a check)."""

    interne: HacheurMemoire = attrs.Factory(HacheurMemoire)

    def hacher(self, mot_de_passe: str) -> str:
        """Wait, then hash."""
        time.sleep(0.05)
        return self.interne.hacher(mot_de_passe)

    def verifier(self, hache: str, mot_de_passe: str) -> bool:
        """Wait, then check."""
        time.sleep(0.05)
        return self.interne.verifier(hache, mot_de_passe)

    def doit_rehacher(self, hache: str) -> bool:
        """As the in-memory hasher."""
        return self.interne.doit_rehacher(hache)


def creer(ctx: Contexte, mot_de_passe: str) -> None:
    """Fill the "Création de compte" form with the on-file address."""
    acces.creer_compte(
        ctx,
        siret=SIRET_A.numero,
        email=EMAIL,
        confirmation_email=EMAIL,
        mot_de_passe=mot_de_passe,
        confirmation_mot_de_passe=mot_de_passe,
    )


def dernier_lien(deploiement: Deploiement, modele: str) -> str:
    """The secret of the last committed mail of that template."""
    return next(
        m.contexte["lien_jeton"] for m in reversed(deploiement.messages()) if m.modele == modele
    )


def compte_stocke(banc: Banc, email: str = EMAIL) -> tuple[StatutCompte, int, bool]:
    """Status, failure count and whether locked, as committed."""
    with banc.uow() as uow:
        trouve = uow.comptes.par_email(Email(email))
        assert trouve is not None
        return trouve.statut, trouve.echecs_connexion, trouve.verrouille_jusqu_a is not None


def en_parallele(appel: Callable[[int], object]) -> Counter[str]:
    """Run ``appel(rang)`` in ``PARALLELES`` threads started together; count the outcomes."""
    barriere = threading.Barrier(PARALLELES)

    def un(rang: int) -> str:
        barriere.wait()
        try:
            appel(rang)
        except ErreurDomaine as erreur:
            return type(erreur).__name__
        return "succes"

    with ThreadPoolExecutor(max_workers=PARALLELES) as executeur:
        return Counter(executeur.map(un, range(PARALLELES)))


# --- Pre-hijacking ------------------------------------------------------------------------------


def test_pre_prise_de_compte_impossible(deploiement: Deploiement) -> None:
    """The first submitter's password and link are useless once the owner submits hers."""
    ctx = deploiement.contexte
    with deploiement.banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.commit()
    creer(ctx, MDP_PIRATE)
    premier_lien = dernier_lien(deploiement, "activation_compte")
    creer(ctx, MOT_DE_PASSE)
    with pytest.raises(JetonInvalide):
        acces.activer_compte(ctx, premier_lien, MDP_PIRATE)
    lien = dernier_lien(deploiement, "activation_compte")
    with pytest.raises(MotDePasseActivationIncorrect):
        acces.activer_compte(ctx, lien, MDP_PIRATE)
    assert compte_stocke(deploiement.banc) == (StatutCompte.EN_ATTENTE_ACTIVATION, 1, False)
    acces.activer_compte(ctx, lien, MOT_DE_PASSE)
    assert compte_stocke(deploiement.banc) == (StatutCompte.ACTIF, 0, False)
    assert acces.se_connecter(ctx, EMAIL, MOT_DE_PASSE).siret == SIRET_A
    with pytest.raises(IdentifiantsInvalides):
        acces.se_connecter(ctx, EMAIL, MDP_PIRATE)


# --- Outbox -----------------------------------------------------------------------------------


@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)  # the outbox relay is SQL's
def test_un_message_envoye_ne_garde_aucun_secret(deploiement: Deploiement) -> None:
    """Marked sent, a message keeps recipient, template and dates, and no variable."""
    banc, ctx = deploiement.banc, deploiement.contexte
    assert banc.moteur is not None
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.commit()
    creer(ctx, MOT_DE_PASSE)
    acces.activer_compte(ctx, dernier_lien(deploiement, "activation_compte"), MOT_DE_PASSE)
    acces.mot_de_passe_oublie(ctx, EMAIL)
    envoyes: list[MessageSortant] = list(messages_a_envoyer(banc.moteur))
    secrets = [m.contexte["lien_jeton"] for m in envoyes]
    assert len(secrets) == 2
    acces.mot_de_passe_oublie(ctx, EMAIL)  # a third one, whose delivery fails
    (en_echec,) = [m for m in messages_a_envoyer(banc.moteur) if m not in envoyes]
    for message in envoyes:
        marquer_envoye(banc.moteur, message.id, QUAND)
    noter_echec(banc.moteur, en_echec.id, "SMTP injoignable", QUAND)

    with banc.moteur.connect() as connexion:
        lignes = {
            r.id: r for r in connexion.execute(sa.select(tables.outbox).order_by("rang")).all()
        }
    for message in envoyes:
        ligne = lignes[message.id]
        assert (ligne.destinataire, ligne.modele, ligne.cree_le) == (
            str(message.destinataire),
            message.modele,
            message.cree_le,
        )
        assert (ligne.envoye_le, ligne.tentatives, ligne.contexte) == (QUAND, 1, {})
        assert not any(secret in repr(tuple(ligne)) for secret in secrets)
    assert lignes[en_echec.id].contexte == dict(en_echec.contexte)
    assert messages_a_envoyer(banc.moteur) == [en_echec]


# --- Races on one account --------------------------------------------------------------------


def test_mots_de_passe_faux_en_parallele_verrouillent_le_compte(deploiement: Deploiement) -> None:
    """8 parallel wrong passwords: 5 counted failures, then the lock; none is lost."""
    banc = deploiement.banc
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(compte_actif())
        uow.commit()
    ctx = attrs.evolve(deploiement.contexte, hacheur=HacheurLent())
    issues = en_parallele(lambda rang: acces.se_connecter(ctx, EMAIL, f"Mauvais-{rang}"))
    echecs_max = ctx.parametres.verrouillage.echecs_max
    assert issues == Counter(
        {"IdentifiantsInvalides": echecs_max, "CompteVerrouille": PARALLELES - echecs_max}
    )
    assert compte_stocke(banc) == (StatutCompte.ACTIF, echecs_max, True)
    with pytest.raises(CompteVerrouille):
        acces.se_connecter(ctx, EMAIL, MOT_DE_PASSE)


def test_un_lien_de_reinitialisation_sert_une_fois_en_parallele(deploiement: Deploiement) -> None:
    """One reset link used by 8 requests at once sets exactly one new password."""
    banc = deploiement.banc
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(compte_actif())
        uow.commit()
    acces.mot_de_passe_oublie(deploiement.contexte, EMAIL)
    lien = dernier_lien(deploiement, "reinitialisation_mot_de_passe")
    ctx = attrs.evolve(deploiement.contexte, hacheur=HacheurLent())
    gagnants: list[str] = []

    def reinitialiser(rang: int) -> None:
        nouveau = f"Nouveau-Secret-{rang}-Xyzw"
        acces.reinitialiser_mot_de_passe(ctx, lien, nouveau, nouveau)
        gagnants.append(nouveau)

    assert en_parallele(reinitialiser) == Counter({"succes": 1, "JetonInvalide": PARALLELES - 1})
    (gagnant,) = gagnants
    assert acces.se_connecter(deploiement.contexte, EMAIL, gagnant).siret == SIRET_A
    modifies = [m for m in deploiement.messages() if m.modele == "mot_de_passe_modifie"]
    assert len(modifies) == 1


def test_un_lien_d_activation_sert_une_fois_en_parallele(deploiement: Deploiement) -> None:
    """One activation link used by 8 requests at once activates once; the rest are refused."""
    banc = deploiement.banc
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.commit()
    creer(deploiement.contexte, MOT_DE_PASSE)
    lien = dernier_lien(deploiement, "activation_compte")
    ctx = attrs.evolve(deploiement.contexte, hacheur=HacheurLent())
    issues = en_parallele(lambda _rang: acces.activer_compte(ctx, lien, MOT_DE_PASSE))
    assert issues == Counter({"succes": 1, "JetonInvalide": PARALLELES - 1})
    with banc.uow() as uow:
        active = uow.comptes.par_email(Email(EMAIL))
        assert active is not None
        assert [c.arrivee for c in active.historique] == [
            StatutCompte.EN_ATTENTE_ACTIVATION,
            StatutCompte.ACTIF,
        ]


# --- Over-long inputs -------------------------------------------------------------------------


def test_entrees_trop_longues_donnee_invalide(deploiement: Deploiement) -> None:
    """An over-long file name, idempotency key or email is refused in French on its field."""
    banc, ctx = deploiement.banc, deploiement.contexte
    deploiement.horloge.instant = QUAND
    titulaire = compte_actif()
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(titulaire)
        uow.actions.ajouter(dossier(NUMERO))
        uow.commit()
    commande = CommandeDemande(
        numero_action=NUMERO,
        periode=CONTRAT,
        montants=MontantsDemandes(frais_pedagogiques=Montant(100)),
        fichiers=((Piece.FACTURE, "a" * 296 + ".pdf", pdf("facture")),),
        conditions_acceptees=True,
    )
    with pytest.raises(DonneeInvalide) as erreur:
        demandes.soumettre_demande(ctx, titulaire.id, commande)
    assert erreur.value.champ == "facture"
    with pytest.raises(DonneeInvalide) as erreur:
        attrs.evolve(commande, cle_idempotence="k" * 300)
    assert erreur.value.champ == "cle_idempotence"
    longue = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".fr"
    with pytest.raises(DonneeInvalide) as erreur:
        acces.creer_compte(
            ctx,
            siret=SIRET_A.numero,
            email=longue,
            confirmation_email=longue,
            mot_de_passe=MOT_DE_PASSE,
            confirmation_mot_de_passe=MOT_DE_PASSE,
        )
    assert erreur.value.champ == "email"
    with banc.uow() as uow:
        assert list(uow.demandes.pour_action(NUMERO)) == []
        assert [c.id for c in uow.comptes.pour_organisme(SIRET_A)] == [titulaire.id]


# Only PostgreSQL checks a column's length (SQLite stores any text).
@pytest.mark.parametrize("banc", ["postgresql"], indirect=True)
def test_une_valeur_refusee_par_la_base_est_une_donnee_invalide(banc: Banc) -> None:
    """PostgreSQL's "value too long" is a French DonneeInvalide, and the unit of work goes on."""
    trop_long = compte("a@cfa-exemple.fr")
    trop_long.hash_mot_de_passe = "h" * 300  # no domain rule bounds a hash: the column does
    with banc.uow() as uow:
        with pytest.raises(DonneeInvalide, match="trop longue"):
            uow.comptes.ajouter(trop_long)
        uow.organismes.ajouter(organisme())  # the savepoint kept the transaction usable
        garde = compte("b@cfa-exemple.fr")
        uow.comptes.ajouter(garde)
        uow.commit()
    with banc.uow() as uow:
        relu = uow.comptes.obtenir(garde.id)
        assert relu is not None
        relu.hash_mot_de_passe = "h" * 300
        with pytest.raises(DonneeInvalide, match="trop longue"):
            uow.commit()
