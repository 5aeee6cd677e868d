"""Contract of the small system ports (clock, secrets, password hashing), fake and real."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import argon2
import pytest

from cfa_adapters.systeme import HacheurArgon2, HorlogeSysteme, JetonsSecrets
from cfa_domain.testing.fakes import HacheurMemoire, HorlogeFixe, JetonsDeterministes

if TYPE_CHECKING:
    from cfa_domain.compte import HacheurMotDePasse
    from cfa_domain.ports import GenerateurJetons, Horloge

# Low-cost argon2 parameters keep the suite fast; the defaults are exercised once below.
_ARGON2_RAPIDE = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(params=["memoire", "argon2"])
def hacheur(request: pytest.FixtureRequest) -> HacheurMotDePasse:
    """Each password hasher: the fake and argon2id."""
    if request.param == "memoire":
        return HacheurMemoire()
    return HacheurArgon2(_ARGON2_RAPIDE)


def test_hache_puis_verifie(hacheur: HacheurMotDePasse) -> None:
    """A hash verifies its own password only, and never contains it in clear."""
    hache = hacheur.hacher("Mot-de-passe-correct-2025")
    assert "Mot-de-passe-correct-2025" not in hache
    assert hacheur.verifier(hache, "Mot-de-passe-correct-2025")
    assert not hacheur.verifier(hache, "Mot-de-passe-incorrect-2025")
    assert not hacheur.doit_rehacher(hache)


def test_hache_malforme_refuse(hacheur: HacheurMotDePasse) -> None:
    """A malformed stored hash never verifies and asks to be re-hashed."""
    assert not hacheur.verifier("pas-un-hash", "n'importe quoi")
    assert hacheur.doit_rehacher("pas-un-hash")


def test_changement_de_parametres_demande_un_nouveau_hash() -> None:
    """A hash made with other parameters verifies but asks to be re-hashed (both hashers)."""
    ancien_argon2 = HacheurArgon2(_ARGON2_RAPIDE).hacher("Phrase-de-passe-2025")
    nouveau_argon2 = HacheurArgon2()
    assert nouveau_argon2.verifier(ancien_argon2, "Phrase-de-passe-2025")
    assert nouveau_argon2.doit_rehacher(ancien_argon2)
    assert not nouveau_argon2.doit_rehacher(nouveau_argon2.hacher("Phrase-de-passe-2025"))
    ancien_memoire = HacheurMemoire(cout=1).hacher("Phrase-de-passe-2025")
    assert HacheurMemoire(cout=2).verifier(ancien_memoire, "Phrase-de-passe-2025")
    assert HacheurMemoire(cout=2).doit_rehacher(ancien_memoire)


def test_argon2id_par_defaut() -> None:
    """The real hasher uses argon2id."""
    assert HacheurArgon2().hacher("Phrase-de-passe-2025").startswith("$argon2id$")


@pytest.mark.parametrize("horloge", [HorlogeFixe(), HorlogeSysteme()], ids=["fixe", "systeme"])
def test_horloge_en_utc(horloge: Horloge) -> None:
    """Every clock answers a timezone-aware instant in UTC."""
    instant = horloge.maintenant()
    assert instant.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    "jetons", [JetonsDeterministes(), JetonsSecrets()], ids=["deterministes", "secrets"]
)
def test_jetons_distincts_et_assez_longs(jetons: GenerateurJetons) -> None:
    """Secrets are URL-safe, at least 256 bits, all distinct; ids are distinct UUIDs."""
    secrets = [jetons.jeton() for _ in range(200)]
    assert len(set(secrets)) == len(secrets)
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    for secret in secrets:
        assert len(secret) >= 43
        assert set(secret) <= alphabet
    identifiants = {jetons.identifiant() for _ in range(200)}
    assert len(identifiants) == 200
    assert all(isinstance(i, uuid.UUID) for i in identifiants)
