"""API keys on every backend.

The repository, and the use cases that create, list, revoke and authenticate them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import TYPE_CHECKING

import pytest

from cfa_domain.cle_api import CleApi, StatutCleApi
from cfa_domain.compte import Compte, StatutCompte
from cfa_domain.errors import (
    Agregat,
    CleApiInvalide,
    DonneeInvalide,
    Introuvable,
    ModificationConcurrente,
    OrganismeEnLectureSeule,
    ReserveAuxConseillers,
    TransitionInterdite,
)
from cfa_domain.organisme import StatutOrganisme
from cfa_domain.services import cles_api
from cfa_domain.values import Email

from .constructeurs import SIRET_A, SIRET_B, champs, compte_actif, instant, organisme

if TYPE_CHECKING:
    from cfa_domain.values import Siret

    from .conftest import Banc, Deploiement

SECRET = "s" * 43


def _cle(siret: Siret = SIRET_A, minutes: int = 0, duree_jours: int | None = None) -> CleApi:
    cle, _ = CleApi.creer(
        id=uuid.uuid4(),
        siret_organisme=siret,
        compte_id=uuid.uuid4(),
        nom="Logiciel de gestion",
        secret=SECRET,
        quand=instant(minutes),
        duree_jours=duree_jours,
    )
    return cle


def test_ajouter_relire_et_lister(banc: Banc) -> None:
    """A committed key reads back whole; keys are listed per organisme, newest first."""
    ancienne, recente, ailleurs = _cle(minutes=1, duree_jours=90), _cle(minutes=5), _cle(SIRET_B, 3)
    with banc.uow() as uow:
        for cle in (ancienne, recente, ailleurs):
            uow.cles_api.ajouter(cle)
        uow.commit()
    with banc.uow(lecture_seule=True) as uow:
        relue = uow.cles_api.obtenir(ancienne.id)
        assert relue is not None
        assert champs(relue) == champs(ancienne)
        assert relue.expire_le == instant(1) + dt.timedelta(days=90)
        assert relue.empreinte == hashlib.sha256(SECRET.encode()).hexdigest()
        assert [c.id for c in uow.cles_api.pour_organisme(SIRET_A)] == [recente.id, ancienne.id]
        assert [c.id for c in uow.cles_api.pour_organisme(SIRET_B)] == [ailleurs.id]
        assert uow.cles_api.obtenir(uuid.uuid4()) is None


def test_revocation_et_derniere_utilisation_persistent(banc: Banc) -> None:
    """Changing a loaded key is enough: its status, history and last use are written back."""
    cle = _cle()
    with banc.uow() as uow:
        uow.cles_api.ajouter(cle)
        uow.commit()
    with banc.uow() as uow:
        relue = uow.cles_api.obtenir(cle.id)
        assert relue is not None
        relue.noter_utilisation(instant(10))
        relue.noter_utilisation(instant(10) + dt.timedelta(seconds=30))  # within the minute
        relue.revoquer("agent@opco.example", instant(11), "fuite")
        uow.commit()
    with banc.uow() as uow:
        relue = uow.cles_api.obtenir(cle.id)
        assert relue is not None
        assert (relue.statut, relue.derniere_utilisation, relue.revoquee_le) == (
            StatutCleApi.REVOQUEE,
            instant(10),
            instant(11),
        )
        assert [(c.depart, c.arrivee, c.motif) for c in relue.historique] == [
            (None, StatutCleApi.ACTIVE, ""),
            (StatutCleApi.ACTIVE, StatutCleApi.REVOQUEE, "fuite"),
        ]
        assert not relue.accepte(SECRET, instant(12))


def test_doublon(banc: Banc) -> None:
    """The same key id twice is a ModificationConcurrente (the id is the key's lookup)."""
    cle = _cle()
    with banc.uow() as uow:
        uow.cles_api.ajouter(cle)
        uow.commit()
    with banc.uow() as uow, pytest.raises(ModificationConcurrente):
        uow.cles_api.ajouter(cle)


# --- The use cases --------------------------------------------------------------------


def _monde(deploiement: Deploiement) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Organismes A and B with an active account each, and an OPCO agent."""
    a, b = organisme(), organisme(SIRET_B)
    moi = compte_actif(org=a)
    autre = compte_actif("contact@cfa-exemple.fr", org=b)
    autre.jetons.clear()  # the kit's activation token is the same for both (unique in base)
    agent = Compte.ouvrir_agent(
        id=uuid.uuid4(),
        email=Email("conseiller@opco.example"),
        mot_de_passe="Violet-Cheval-52!",
        quand=instant(0),
        hasher=deploiement.contexte.hacheur,
        auteur="administrateur",
    )
    with deploiement.contexte.uow() as uow:
        for org in (a, b):
            uow.organismes.ajouter(org)
        for compte in (moi, autre, agent):
            uow.comptes.ajouter(compte)
        uow.commit()
    return moi.id, autre.id, agent.id


def test_creer_authentifier_lister_revoquer(deploiement: Deploiement) -> None:
    """The full text authenticates as its account; revoked, it no longer does."""
    ctx = deploiement.contexte
    moi, autre, _ = _monde(deploiement)
    creee = cles_api.creer_cle_api(ctx, moi, "  ERP  ")
    assert creee.texte.startswith(f"cfa_{creee.cle.id.hex}_")
    assert creee.cle.nom == "ERP"
    secret = creee.texte.removeprefix(f"cfa_{creee.cle.id.hex}_")
    assert len(secret) >= 43
    assert creee.cle.empreinte == hashlib.sha256(secret.encode()).hexdigest()
    acces = cles_api.authentifier_cle_api(ctx, creee.texte)
    assert (acces.cle_id, acces.siret_organisme, acces.compte_id) == (creee.cle.id, SIRET_A, moi)
    (listee,) = cles_api.lister_cles_api(ctx, moi)
    assert (listee.id, listee.derniere_utilisation) == (creee.cle.id, deploiement.horloge.instant)
    assert cles_api.lister_cles_api(ctx, autre) == ()
    with pytest.raises(Introuvable) as erreur:
        cles_api.revoquer_cle_api(ctx, autre, creee.cle.id)
    assert (erreur.value.agregat, erreur.value.identifiant) == (Agregat.CLE_API, creee.cle.id)
    cles_api.revoquer_cle_api(ctx, moi, creee.cle.id)
    with pytest.raises(CleApiInvalide):
        cles_api.authentifier_cle_api(ctx, creee.texte)
    with pytest.raises(TransitionInterdite):
        cles_api.revoquer_cle_api(ctx, moi, creee.cle.id)


def test_la_derniere_utilisation_est_notee_une_fois_par_minute(deploiement: Deploiement) -> None:
    """A use within a minute of the recorded one writes nothing; a later one moves it."""
    ctx = deploiement.contexte
    moi, _, _ = _monde(deploiement)
    texte = cles_api.creer_cle_api(ctx, moi, "ERP").texte
    debut = deploiement.horloge.instant
    cles_api.authentifier_cle_api(ctx, texte)
    deploiement.horloge.avancer(dt.timedelta(seconds=59))
    cles_api.authentifier_cle_api(ctx, texte)
    assert cles_api.lister_cles_api(ctx, moi)[0].derniere_utilisation == debut
    deploiement.horloge.avancer(dt.timedelta(seconds=1))
    cles_api.authentifier_cle_api(ctx, texte)
    assert cles_api.lister_cles_api(ctx, moi)[0].derniere_utilisation == debut + dt.timedelta(
        minutes=1
    )


@pytest.mark.parametrize(
    "alteration",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # another secret
        lambda t: f"cfa_{uuid.uuid4().hex}{t[36:]}",  # another id
        lambda t: t.replace("cfa_", "xyz_"),  # not the form
        lambda _t: "",
    ],
)
def test_une_cle_alteree_est_refusee(deploiement: Deploiement, alteration: object) -> None:
    """Any other text is the same CleApiInvalide, whatever is wrong with it."""
    ctx = deploiement.contexte
    moi, _, _ = _monde(deploiement)
    texte = cles_api.creer_cle_api(ctx, moi, "ERP").texte
    with pytest.raises(CleApiInvalide) as erreur:
        cles_api.authentifier_cle_api(ctx, alteration(texte))  # type: ignore[operator]
    assert erreur.value.message == "Clé d'API invalide ou révoquée."


def test_la_cle_d_un_compte_desactive_ne_sert_plus(deploiement: Deploiement) -> None:
    """The key acts as its account: once that account is deactivated, the key is refused."""
    ctx = deploiement.contexte
    moi, _, _ = _monde(deploiement)
    texte = cles_api.creer_cle_api(ctx, moi, "ERP").texte
    with ctx.uow() as uow:
        compte = uow.comptes.obtenir(moi)
        assert compte is not None
        compte.desactiver("conseiller@opco.example", instant(30), "départ")
        uow.commit()
        assert compte.statut is StatutCompte.DESACTIVE
    with pytest.raises(CleApiInvalide):
        cles_api.authentifier_cle_api(ctx, texte)


def test_un_agent_revoque_toute_cle_et_liste_celles_d_un_organisme(
    deploiement: Deploiement,
) -> None:
    """An OPCO agent lists and revokes any organisme's keys; a CFA account cannot list others'."""
    ctx = deploiement.contexte
    moi, autre, agent = _monde(deploiement)
    creee = cles_api.creer_cle_api(ctx, moi, "ERP")
    assert [c.id for c in cles_api.lister_cles_api_organisme(ctx, agent, SIRET_A.numero)] == [
        creee.cle.id
    ]
    with pytest.raises(ReserveAuxConseillers):
        cles_api.lister_cles_api_organisme(ctx, autre, SIRET_A.numero)
    # From B's page (``siret``), A's key is not found, for an agent as for A's account.
    for qui in (agent, moi):
        with pytest.raises(Introuvable):
            cles_api.revoquer_cle_api(ctx, qui, creee.cle.id, siret=SIRET_B.numero)
    assert cles_api.lister_cles_api(ctx, moi)[0].est_active
    cles_api.revoquer_cle_api(ctx, agent, creee.cle.id, "poste compromis", siret=SIRET_A.numero)
    (revoquee,) = cles_api.lister_cles_api(ctx, moi)
    assert revoquee.historique[-1].auteur == "conseiller@opco.example"
    assert revoquee.historique[-1].motif == "poste compromis"
    assert revoquee.revocation == revoquee.historique[-1]
    assert revoquee.revoquee_le == deploiement.horloge.instant


def test_nom_obligatoire_et_organisme_actif(deploiement: Deploiement) -> None:
    """No key without a name, or for an organisme the OPCO deactivated; nothing is written."""
    ctx = deploiement.contexte
    moi, _, _ = _monde(deploiement)
    with pytest.raises(DonneeInvalide) as erreur:
        cles_api.creer_cle_api(ctx, moi, "   ")
    assert erreur.value.champ == "nom"
    with pytest.raises(DonneeInvalide):
        cles_api.creer_cle_api(ctx, moi, "x" * 101)
    with ctx.uow() as uow:
        org = uow.organismes.obtenir(SIRET_A)
        assert org is not None
        org.desactiver("conseiller@opco.example", instant(40), "fin de convention")
        uow.commit()
        assert org.statut is StatutOrganisme.INACTIF
    with pytest.raises(OrganismeEnLectureSeule):
        cles_api.creer_cle_api(ctx, moi, "ERP")
    assert cles_api.lister_cles_api(ctx, moi) == ()


def test_une_cle_expire_au_terme_de_sa_duree(deploiement: Deploiement) -> None:
    """A key given 30 days works until the 30th day's instant, then is refused as revoked."""
    ctx = deploiement.contexte
    moi, _, _ = _monde(deploiement)
    creee = cles_api.creer_cle_api(ctx, moi, "ERP", duree_jours=30)
    assert creee.cle.expire_le == deploiement.horloge.instant + dt.timedelta(days=30)
    deploiement.horloge.avancer(dt.timedelta(days=30) - dt.timedelta(seconds=1))
    assert cles_api.authentifier_cle_api(ctx, creee.texte).cle_id == creee.cle.id
    deploiement.horloge.avancer(dt.timedelta(seconds=1))
    with pytest.raises(CleApiInvalide):
        cles_api.authentifier_cle_api(ctx, creee.texte)
    for duree in (0, 3651, -1):
        with pytest.raises(DonneeInvalide) as erreur:
            cles_api.creer_cle_api(ctx, moi, "ERP", duree_jours=duree)
        assert erreur.value.champ == "duree_jours"
