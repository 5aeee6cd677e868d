"""«Mon compte» and «Gestion des accès» use cases on every backend.

What the portal's pages read: the account's login email and organisme, the organisme's
accounts (its own only, invitations flagged, no secret), and the session generation a
password or email change returns, which keeps the changing session alive while the
others end.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from cfa_domain.compte import StatutCompte
from cfa_domain.services import acces
from cfa_domain.values import Email

from .constructeurs import MOT_DE_PASSE, SIRET_B, compte_actif, organisme

if TYPE_CHECKING:
    import uuid

    from .conftest import Deploiement

AUTRE_MDP = "Orange-Batterie-77x"


def _comptes(deploiement: Deploiement) -> tuple[uuid.UUID, uuid.UUID]:
    """Organisme A with one active account, organisme B with another; their ids."""
    ctx = deploiement.contexte
    a = organisme()
    moi = compte_actif(org=a)
    with ctx.uow() as uow:
        uow.organismes.ajouter(a)
        uow.organismes.ajouter(organisme(SIRET_B))
        uow.comptes.ajouter(moi)
        uow.commit()
    ailleurs = "contact@cfa-exemple.fr"  # on B's file too
    acces.creer_compte(
        ctx,
        siret=SIRET_B.numero,
        email=ailleurs,
        confirmation_email=ailleurs,
        mot_de_passe=MOT_DE_PASSE,
        confirmation_mot_de_passe=MOT_DE_PASSE,
    )
    (lien,) = [m.contexte["lien_jeton"] for m in deploiement.messages()]
    acces.activer_compte(ctx, lien, MOT_DE_PASSE)
    return moi.id, acces.se_connecter(ctx, ailleurs, MOT_DE_PASSE).compte_id


def test_consulter_compte_et_lister_les_comptes_de_son_organisme(deploiement: Deploiement) -> None:
    """Each account reads its own email and organisme, and the accounts of its organisme only."""
    ctx = deploiement.contexte
    moi, ailleurs = _comptes(deploiement)
    # The invitation comes a minute later: "oldest first" is then the order to expect
    # (at one instant the order would be the ids', which are random).
    deploiement.horloge.avancer(dt.timedelta(minutes=1))
    acces.inviter(ctx, moi, "Collegue@CFA-exemple.fr")
    mien = acces.consulter_compte(ctx, moi)
    assert (mien.email, mien.organisme.siret) == (
        Email("claire.durand@cfa-exemple.fr"),
        organisme().siret,
    )
    lignes = acces.lister_comptes(ctx, moi)
    assert [(str(c.email), c.statut, c.invitation_en_attente, c.est_le_mien) for c in lignes] == [
        ("claire.durand@cfa-exemple.fr", StatutCompte.ACTIF, False, True),
        ("collegue@cfa-exemple.fr", StatutCompte.EN_ATTENTE_ACTIVATION, True, False),
    ]
    assert [str(c.email) for c in acces.lister_comptes(ctx, ailleurs)] == ["contact@cfa-exemple.fr"]


def test_un_changement_rend_la_generation_qui_garde_la_session(deploiement: Deploiement) -> None:
    """A password change returns the stored generation; a confirmed email change moves it on.

    The email change's link is stored and read back whole; confirmed, every session ends.
    """
    ctx = deploiement.contexte
    moi, _ = _comptes(deploiement)
    premiere = acces.changer_mot_de_passe(ctx, moi, MOT_DE_PASSE, AUTRE_MDP, AUTRE_MDP)
    assert premiere == 1
    assert acces.session_valide(ctx, moi, premiere)
    acces.changer_email(ctx, moi, AUTRE_MDP, "nouvelle@cfa-exemple.fr", "nouvelle@cfa-exemple.fr")
    assert acces.session_valide(ctx, moi, premiere)  # nothing changes before the link
    (lien,) = [
        m.contexte["lien_jeton"] for m in deploiement.messages() if m.modele == "confirmation_email"
    ]
    assert acces.adresse_a_confirmer(ctx, lien) == Email("nouvelle@cfa-exemple.fr")
    assert acces.confirmer_email(ctx, lien) == Email("nouvelle@cfa-exemple.fr")
    assert not acces.session_valide(ctx, moi, premiere)
    assert acces.session_valide(ctx, moi, 2)
    assert acces.consulter_compte(ctx, moi).email == Email("nouvelle@cfa-exemple.fr")
