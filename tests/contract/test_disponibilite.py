"""Logins never hold the database while argon2 runs: reads and other logins go on.

Issue 7, item 1: on SQLite every unit of work began with ``BEGIN IMMEDIATE`` and the
login checked the password (argon2, tens of milliseconds) inside it, so a few anonymous
logins queued every page read behind them until "database is locked". Here six
anonymous logins (unknown addresses: they check the dummy hash of the real argon2
hasher of :mod:`cfa_adapters.systeme`) are held *inside* their password check by a gate;
while all six are in there, an accountant reads her pages, logs in, mistypes her
password (counted) and changes nothing else. Every one of those calls returns before the
gate opens: nothing waits for the six checks. Without the fix the first read would wait
for the SQLite write lock held by a login and fail after the 30 s busy timeout with
"database is locked" (no timing threshold is asserted: a blocked call simply never
returns before the gate opens).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import argon2
import attrs
import pytest

from cfa_adapters.systeme import HacheurArgon2
from cfa_domain.errors import IdentifiantsInvalides
from cfa_domain.ports import CriteresRecherche
from cfa_domain.services import acces, actions, organismes

from .constructeurs import SIRET_A, compte_actif, organisme
from .constructeurs import action as dossier

if TYPE_CHECKING:
    from .conftest import Deploiement

ANONYMES = 6
EMAIL = "claire.durand@cfa-exemple.fr"
MOT_DE_PASSE = "Un-mot-de-passe-solide-2024"
MOT_DE_PASSE_ANONYME = "essai-d-un-inconnu"


@attrs.define
class HacheurAvecPorte:
    """The real argon2 hasher, whose checks of the anonymous password wait at a gate."""

    reel: HacheurArgon2
    porte: threading.Event = attrs.Factory(threading.Event)
    entres: threading.Semaphore = attrs.Factory(lambda: threading.Semaphore(0))

    def hacher(self, mot_de_passe: str) -> str:
        """Hash with argon2."""
        return self.reel.hacher(mot_de_passe)

    def verifier(self, hache: str, mot_de_passe: str) -> bool:
        """Check with argon2; an anonymous login first waits for the gate to open."""
        if mot_de_passe == MOT_DE_PASSE_ANONYME:
            self.entres.release()
            if not self.porte.wait(timeout=120):
                msg = "la porte ne s'est jamais ouverte"
                raise RuntimeError(msg)
        return self.reel.verifier(hache, mot_de_passe)

    def doit_rehacher(self, hache: str) -> bool:
        """Ask argon2."""
        return self.reel.doit_rehacher(hache)


def test_les_lectures_n_attendent_pas_les_connexions(deploiement: Deploiement) -> None:
    """Six logins inside argon2: reads, a login and a counted failure all go through."""
    # Light argon2 parameters: the cost is not what is measured, the gate holds the checks.
    leger = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    hacheur = HacheurAvecPorte(HacheurArgon2(leger))
    ctx = attrs.evolve(deploiement.contexte, hacheur=hacheur)
    titulaire = compte_actif(EMAIL)
    titulaire.hash_mot_de_passe = hacheur.hacher(MOT_DE_PASSE)
    with ctx.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(titulaire)
        uow.actions.ajouter(dossier(siret_cfa=SIRET_A))
        uow.commit()
    ctx.hash_factice()  # made once, before the race (a real argon2 hash)

    def anonyme(rang: int) -> None:
        with pytest.raises(IdentifiantsInvalides):
            acces.se_connecter(ctx, f"inconnu-{rang}@exemple.fr", MOT_DE_PASSE_ANONYME)

    with ThreadPoolExecutor(ANONYMES) as pool:
        en_cours = [pool.submit(anonyme, rang) for rang in range(ANONYMES)]
        try:
            for _ in range(ANONYMES):  # every anonymous login is inside its argon2 check
                assert hacheur.entres.acquire(timeout=60)
            page = actions.rechercher_actions(ctx, titulaire.id, CriteresRecherche())
            assert [r.action.numero_action for r in page.elements] == ["2011303654"]
            detail = actions.consulter_action(ctx, titulaire.id, "2011303654")
            assert detail.action.siret_cfa == SIRET_A
            assert organismes.consulter_organisme(ctx, titulaire.id).siret == SIRET_A
            assert acces.session_valide(ctx, titulaire.id, titulaire.generation_session)
            with pytest.raises(IdentifiantsInvalides):
                acces.se_connecter(ctx, EMAIL, "pas-le-bon-mot-de-passe")
            connexion = acces.se_connecter(ctx, EMAIL, MOT_DE_PASSE)
            assert connexion.compte_id == titulaire.id
            # All of this happened while the six checks were still held at the gate.
            assert not any(f.done() for f in en_cours)
        finally:
            hacheur.porte.set()
        for issue in en_cours:
            issue.result()
    with ctx.uow(lecture_seule=True) as uow:
        relu = uow.comptes.obtenir(titulaire.id)
        assert relu is not None
        assert relu.echecs_connexion == 0  # the failure was counted, then the login reset it
        assert relu.derniere_connexion is not None
