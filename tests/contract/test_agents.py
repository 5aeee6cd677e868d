"""The administrator's use cases on OPCO agents' accounts, on every backend.

``cfa-admin agent create|deactivate`` calls them: an agent is opened active (the
deployment's password policy, an address no other account holds), logs in and is an
agent; deactivated (with a reason), its sessions end and it can no longer log in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cfa_domain.compte import Role, StatutCompte
from cfa_domain.errors import (
    CompteNonActive,
    DonneeInvalide,
    EmailDejaUtilise,
    Introuvable,
    MotDePasseNonConforme,
    TransitionInterdite,
)
from cfa_domain.services import acces
from cfa_domain.values import Email

from .constructeurs import MOT_DE_PASSE, compte_actif, organisme

if TYPE_CHECKING:
    from cfa_domain.compte import Compte

    from .conftest import Deploiement

EMAIL_AGENT = "Conseillere@OPCO.example"


def _compte_d_organisme(deploiement: Deploiement) -> Compte:
    """An organisme and its active account (an address an agent cannot take)."""
    cfa = compte_actif()
    with deploiement.contexte.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(cfa)
        uow.commit()
    return cfa


def test_un_agent_cree_se_connecte_en_agent(deploiement: Deploiement) -> None:
    """Created active with its history, it logs in with the agent's role and no organisme."""
    ctx = deploiement.contexte
    agent_id = acces.creer_agent(ctx, EMAIL_AGENT, MOT_DE_PASSE, "administrateur")
    with ctx.uow(lecture_seule=True) as uow:
        lu = uow.comptes.obtenir(agent_id)
    assert lu is not None
    assert (lu.email, lu.role, lu.statut, lu.siret_organisme) == (
        Email("conseillere@opco.example"),
        Role.AGENT_OPCO,
        StatutCompte.ACTIF,
        None,
    )
    assert [(c.arrivee, c.auteur) for c in lu.historique] == [
        (StatutCompte.ACTIF, "administrateur")
    ]
    assert lu.hash_mot_de_passe != MOT_DE_PASSE
    connexion = acces.se_connecter(ctx, "conseillere@opco.example", MOT_DE_PASSE)
    assert (connexion.compte_id, connexion.role, connexion.siret) == (
        agent_id,
        Role.AGENT_OPCO,
        None,
    )
    assert list(deploiement.messages()) == []  # the administrator hands the password over


def test_adresse_prise_ou_invalide_et_mot_de_passe_faible(deploiement: Deploiement) -> None:
    """Nothing is written when the address is taken or malformed, or the password weak."""
    ctx = deploiement.contexte
    cfa = _compte_d_organisme(deploiement)
    with pytest.raises(EmailDejaUtilise) as prise:
        acces.creer_agent(ctx, str(cfa.email).upper(), MOT_DE_PASSE, "administrateur")
    assert prise.value.champ == "email"
    with pytest.raises(DonneeInvalide) as malformee:
        acces.creer_agent(ctx, "pas-une-adresse", MOT_DE_PASSE, "administrateur")
    assert malformee.value.champ == "email"
    with pytest.raises(MotDePasseNonConforme):
        acces.creer_agent(ctx, EMAIL_AGENT, "court", "administrateur")
    with ctx.uow(lecture_seule=True) as uow:
        assert uow.comptes.par_email(Email(EMAIL_AGENT)) is None
        reste = uow.comptes.obtenir(cfa.id)
    assert reste is not None
    assert reste.role is Role.CFA


def test_un_agent_desactive_ne_se_connecte_plus(deploiement: Deploiement) -> None:
    """Deactivation with a reason: the session ends, the login is refused, twice is refused."""
    ctx = deploiement.contexte
    agent_id = acces.creer_agent(ctx, EMAIL_AGENT, MOT_DE_PASSE, "administrateur")
    session = acces.se_connecter(ctx, EMAIL_AGENT, MOT_DE_PASSE)
    assert acces.session_valide(ctx, agent_id, session.generation_session)
    with pytest.raises(DonneeInvalide) as sans_motif:
        acces.desactiver_agent(ctx, EMAIL_AGENT, "  ", "administrateur")
    assert sans_motif.value.champ == "motif"
    assert acces.session_valide(ctx, agent_id, session.generation_session)
    acces.desactiver_agent(ctx, EMAIL_AGENT, "départ de l'OPCO", "administrateur")
    assert not acces.session_valide(ctx, agent_id, session.generation_session)
    with pytest.raises(CompteNonActive):
        acces.se_connecter(ctx, EMAIL_AGENT, MOT_DE_PASSE)
    with ctx.uow(lecture_seule=True) as uow:
        lu = uow.comptes.obtenir(agent_id)
    assert lu is not None
    assert lu.statut is StatutCompte.DESACTIVE
    assert (lu.historique[-1].motif, lu.historique[-1].auteur) == (
        "départ de l'OPCO",
        "administrateur",
    )
    with pytest.raises(TransitionInterdite):
        acces.desactiver_agent(ctx, EMAIL_AGENT, "encore", "administrateur")


def test_seul_un_agent_se_desactive_ainsi(deploiement: Deploiement) -> None:
    """An organisme's account or an unknown address: Introuvable, nothing changed."""
    ctx = deploiement.contexte
    cfa = _compte_d_organisme(deploiement)
    for adresse in (str(cfa.email), "personne@opco.example"):
        with pytest.raises(Introuvable):
            acces.desactiver_agent(ctx, adresse, "motif", "administrateur")
    with ctx.uow(lecture_seule=True) as uow:
        reste = uow.comptes.obtenir(cfa.id)
    assert reste is not None
    assert reste.statut is StatutCompte.ACTIF
