"""The back office's reading of organismes, on every backend.

An agent sees any organisme the OPCO knows, whatever its status: its sheet and history,
its accounts without any secret, every delegation it is part of, one page of its own
files; and the delegation requests nobody has decided yet. A CFA account sees none of it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import attrs
import pytest

from cfa_domain.cle_api import CleApi, StatutCleApi
from cfa_domain.compte import StatutCompte
from cfa_domain.errors import DonneeInvalide, Introuvable, ReserveAuxConseillers
from cfa_domain.organisme import StatutOrganisme
from cfa_domain.services import organismes
from cfa_domain.testing.exemples import delegation

from .constructeurs import (
    SIRET_A,
    SIRET_B,
    SIRET_C,
    action,
    agent_enregistre,
    compte_actif,
    instant,
    organisme,
    organisme_soumis,
)

if TYPE_CHECKING:
    from cfa_domain.values import Siret

    from .conftest import Deploiement


def _agent(deploiement: Deploiement) -> uuid.UUID:
    return agent_enregistre(deploiement.contexte.uow)


def _cle(siret: Siret, compte_id: uuid.UUID, nom: str, minutes: int, **options: int) -> CleApi:
    cle, _ = CleApi.creer(
        id=uuid.uuid4(),
        siret_organisme=siret,
        compte_id=compte_id,
        nom=nom,
        secret="s" * 43,
        quand=instant(minutes),
        **options,
    )
    return cle


def test_la_page_d_un_organisme_pour_un_agent(deploiement: Deploiement) -> None:
    """Sheet, accounts (no secret), delegations on both sides, its own files paged."""
    ctx = deploiement.contexte
    agent_id = _agent(deploiement)
    a = organisme()
    titulaire = compte_actif(org=a)
    vers_b = delegation(SIRET_B, SIRET_A, quand=instant(2))
    depuis_c = delegation(SIRET_A, SIRET_C, quand=instant(1))
    with ctx.uow() as uow:
        for o in (a, organisme(SIRET_B), organisme(SIRET_C)):
            uow.organismes.ajouter(o)
        uow.comptes.ajouter(titulaire)
        for d in (vers_b, depuis_c):
            uow.delegations.ajouter(d)
        for numero in ("2011300001", "2011300002", "2011300003"):
            uow.actions.ajouter(action(numero))
        uow.actions.ajouter(action("2011300009", SIRET_B))
        uow.commit()
    # Keys: the holder's (one day of life, over at the clock's instant), one whose account
    # is not the organisme's, revoked, and B's (not shown).
    du_titulaire = _cle(SIRET_A, titulaire.id, "ERP", 3, duree_jours=1)
    orpheline = _cle(SIRET_A, uuid.uuid4(), "Ancien ERP", 4)
    orpheline.revoquer("conseiller@opco.example", instant(5), "poste compromis")
    with ctx.uow() as uow:
        for cle in (du_titulaire, orpheline, _cle(SIRET_B, titulaire.id, "Autre", 6)):
            uow.cles_api.ajouter(cle)
        uow.commit()
    deploiement.horloge.avancer(dt.timedelta(days=2))
    ctx = attrs.evolve(ctx, parametres=attrs.evolve(ctx.parametres, taille_page=2))
    vue = organismes.consulter_organisme_opco(ctx, agent_id, SIRET_A.numero)
    assert vue.organisme.siret == SIRET_A
    assert [(c.email, c.statut, c.est_le_mien) for c in vue.comptes] == [
        (titulaire.email, StatutCompte.ACTIF, False)
    ]
    assert not hasattr(vue.comptes[0], "hash_mot_de_passe")
    assert [d.id for d in vue.delegations] == [depuis_c.id, vers_b.id]
    assert [
        (c.id, c.nom, c.cree_par, c.statut, c.expiree, c.est_active, c.expire_le) for c in vue.cles
    ] == [
        (orpheline.id, "Ancien ERP", None, StatutCleApi.REVOQUEE, False, False, None),
        (
            du_titulaire.id,
            "ERP",
            titulaire.email,
            StatutCleApi.ACTIVE,
            True,
            True,
            instant(3) + dt.timedelta(days=1),
        ),
    ]
    revocation = vue.cles[0].revocation
    assert revocation is not None
    assert (revocation.auteur, revocation.quand, revocation.motif) == (
        "conseiller@opco.example",
        instant(5),
        "poste compromis",
    )
    assert vue.cles[1].revocation is None
    assert not hasattr(vue.cles[0], "empreinte")
    assert (vue.dossiers.total, vue.dossiers.numero) == (3, 1)
    assert [r.action.numero_action for r in vue.dossiers.elements] == ["2011300003", "2011300002"]
    suite = organismes.consulter_organisme_opco(ctx, agent_id, SIRET_A.numero, page=2)
    assert [r.action.numero_action for r in suite.dossiers.elements] == ["2011300001"]


def test_un_organisme_a_valider_se_consulte_aussi(deploiement: Deploiement) -> None:
    """A sheet awaiting validation has its page: no account, no file, its history."""
    ctx = deploiement.contexte
    agent_id = _agent(deploiement)
    with ctx.uow() as uow:
        uow.organismes.ajouter(organisme_soumis())
        uow.commit()
    vue = organismes.consulter_organisme_opco(ctx, agent_id, SIRET_B.numero)
    assert vue.organisme.statut is StatutOrganisme.A_VALIDER
    assert (vue.comptes, vue.delegations, vue.cles, vue.dossiers.total) == ((), (), (), 0)
    assert [c.arrivee for c in vue.organisme.historique] == [StatutOrganisme.A_VALIDER]


def test_refus_inconnu_et_page_invalide(deploiement: Deploiement) -> None:
    """Unknown SIRET, malformed SIRET, page 0, a CFA account: refused."""
    ctx = deploiement.contexte
    agent_id = _agent(deploiement)
    titulaire = compte_actif()
    with ctx.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(titulaire)
        uow.commit()
    with pytest.raises(Introuvable):
        organismes.consulter_organisme_opco(ctx, agent_id, SIRET_C.numero)
    with pytest.raises(DonneeInvalide):
        organismes.consulter_organisme_opco(ctx, agent_id, "123")
    with pytest.raises(DonneeInvalide):
        organismes.consulter_organisme_opco(ctx, agent_id, SIRET_A.numero, page=0)
    with pytest.raises(ReserveAuxConseillers):
        organismes.consulter_organisme_opco(ctx, titulaire.id, SIRET_A.numero)
    with pytest.raises(ReserveAuxConseillers):
        organismes.lister_delegations_en_attente(ctx, titulaire.id)


def test_les_delegations_en_attente_puis_decidees_par_un_agent(
    deploiement: Deploiement,
) -> None:
    """Oldest first; once an agent decides one it leaves the list, the delegataire is told."""
    ctx = deploiement.contexte
    agent_id = _agent(deploiement)
    recente = delegation(SIRET_B, SIRET_A, quand=instant(3))
    ancienne = delegation(SIRET_C, SIRET_A, quand=instant(1))
    with ctx.uow() as uow:
        for o in (organisme(), organisme(SIRET_B), organisme(SIRET_C)):
            uow.organismes.ajouter(o)
        uow.comptes.ajouter(compte_actif())
        uow.delegations.ajouter(recente)
        uow.delegations.ajouter(ancienne)
        uow.commit()
    attente = organismes.lister_delegations_en_attente(ctx, agent_id)
    assert [d.id for d in attente] == [ancienne.id, recente.id]
    organismes.decider_delegation(ctx, agent_id, ancienne.id, approuver=True)
    assert [d.id for d in organismes.lister_delegations_en_attente(ctx, agent_id)] == [recente.id]
    assert [m.modele for m in deploiement.messages()] == ["delegation_approuvee"]
