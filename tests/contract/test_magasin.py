"""The web portal's shared state behaves the same in memory, on SQLite and on PostgreSQL.

:class:`~cfa_adapters.magasin.MagasinMemoire` and :class:`~cfa_adapters.sql.magasin.MagasinSql`
(sessions), :class:`~cfa_adapters.magasin.CompteurMemoire` and
:class:`~cfa_adapters.sql.magasin.CompteurSql` (throttling) pass every test here. Two
"workers" are two engines on the same database for SQL (two processes would be alike:
nothing is shared but the database), the same object in memory; hits counted at once
from both are never lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import attrs
import pytest
import sqlalchemy as sa

from cfa_adapters.magasin import (
    LONGUEUR_CLE_LIMITE,
    LONGUEUR_CLE_SESSION,
    Compteur,
    CompteurMemoire,
    Magasin,
    MagasinMemoire,
)
from cfa_adapters.sql import tables
from cfa_adapters.sql.magasin import CompteurSql, MagasinSql
from cfa_adapters.sql.moteur import creer_moteur
from cfa_domain.errors import DonneeInvalide, Panne, ServiceIndisponible

from .conftest import BASES_SQL

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from .conftest import Banc

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
PARIS = dt.timezone(dt.timedelta(hours=1))
MINUTE = dt.timedelta(minutes=1)
SECONDE = dt.timedelta(seconds=1)
# Keys nothing can store: too long, NUL, a lone surrogate.
CLES_IMPOSSIBLES = ("s" * (LONGUEUR_CLE_SESSION + 1), "a\x00b", "a\ud800b")


@attrs.frozen
class Partage:
    """The state under test, and how a second worker opens its own view of it."""

    nom: str
    magasin: Magasin
    compteur: Compteur
    ouvrir: Callable[[], contextlib.AbstractContextManager[tuple[Magasin, Compteur]]]


@pytest.fixture
def partage(banc: Banc) -> Partage:
    """The twins in memory; ``MagasinSql`` and ``CompteurSql`` on each database."""
    if banc.moteur is None:
        magasin, compteur = MagasinMemoire(), CompteurMemoire()

        @contextlib.contextmanager
        def meme() -> Iterator[tuple[Magasin, Compteur]]:
            yield magasin, compteur

        return Partage(banc.nom, magasin, compteur, meme)
    url, options = banc.url, banc.options

    @contextlib.contextmanager
    def autre_moteur() -> Iterator[tuple[Magasin, Compteur]]:
        moteur = creer_moteur(url, **options)
        try:
            yield MagasinSql(moteur), CompteurSql(moteur)
        finally:
            moteur.dispose()

    return Partage(banc.nom, MagasinSql(banc.moteur), CompteurSql(banc.moteur), autre_moteur)


# --- Store --------------------------------------------------------------------------------


def test_ecrire_puis_lire(partage: Partage) -> None:
    """A written value reads back as the same bytes; an unknown key reads as None."""
    m = partage.magasin
    m.ecrire("session-1", b"\x00\xffdonn\xc3\xa9es", T0 + MINUTE)
    assert m.lire("session-1", T0) == b"\x00\xffdonn\xc3\xa9es"
    assert m.existe("session-1", T0)
    assert m.lire("inconnue", T0) is None
    assert not m.existe("inconnue", T0)
    assert m.expire_le("inconnue", T0) is None


def test_valeurs_binaires_vide_et_grande(partage: Partage) -> None:
    """Every byte value, an empty value and a 2 MiB value come back whole."""
    m = partage.magasin
    toutes = bytes(range(256))
    grande = toutes * (2 * 1024 * 1024 // 256)
    m.ecrire("toutes", toutes, None)
    m.ecrire("vide", b"", None)
    m.ecrire("grande", grande, None)
    assert m.lire("toutes", T0) == toutes
    assert m.lire("vide", T0) == b""
    assert m.existe("vide", T0)
    assert m.lire("grande", T0) == grande


def test_ecrire_remplace_valeur_et_expiration(partage: Partage) -> None:
    """Writing a key again replaces its value and its expiry, none included."""
    m = partage.magasin
    m.ecrire("k", b"un", T0 + MINUTE)
    m.ecrire("k", b"deux", None)
    assert m.lire("k", T0 + 10 * MINUTE) == b"deux"
    assert m.expire_le("k", T0) is None
    m.ecrire("k", b"trois", T0 + 2 * MINUTE)
    assert m.expire_le("k", T0) == T0 + 2 * MINUTE


def test_expire_a_l_instant_dit(partage: Partage) -> None:
    """An entry lives until just before ``expire_le``; at that instant it is absent."""
    m = partage.magasin
    m.ecrire("k", b"v", T0 + MINUTE)
    juste_avant = T0 + MINUTE - dt.timedelta(microseconds=1)
    assert m.lire("k", juste_avant) == b"v"
    assert m.expire_le("k", juste_avant) == T0 + MINUTE
    for plus_tard in (T0 + MINUTE, T0 + 2 * MINUTE):
        assert m.lire("k", plus_tard) is None
        assert not m.existe("k", plus_tard)
        assert m.expire_le("k", plus_tard) is None
    # Expired is absent, not deleted: an earlier reader still finds it (clocks of workers).
    assert m.lire("k", T0) == b"v"


def test_instants_en_utc_quel_que_soit_le_fuseau(partage: Partage) -> None:
    """An expiry given in another zone is the same instant, handed back in UTC."""
    m = partage.magasin
    m.ecrire("k", b"v", (T0 + MINUTE).astimezone(PARIS))
    expire = m.expire_le("k", T0.astimezone(PARIS))
    assert expire == T0 + MINUTE
    assert expire is not None
    assert expire.utcoffset() == dt.timedelta(0)
    assert m.lire("k", (T0 + MINUTE).astimezone(PARIS)) is None


def test_deja_expiree_a_l_ecriture(partage: Partage) -> None:
    """An entry written with an expiry in the past is absent at once."""
    m = partage.magasin
    m.ecrire("k", b"v", T0 - SECONDE)
    assert m.lire("k", T0) is None
    assert not m.existe("k", T0)


def test_prolonger_repousse_l_expiration(partage: Partage) -> None:
    """Reading with ``prolonger`` moves the expiry to ``maintenant + prolonger``, either way."""
    m = partage.magasin
    m.ecrire("k", b"v", T0 + MINUTE)
    assert m.lire("k", T0 + 30 * SECONDE, prolonger=10 * MINUTE) == b"v"
    assert m.expire_le("k", T0) == T0 + 30 * SECONDE + 10 * MINUTE
    assert m.lire("k", T0 + 5 * MINUTE) == b"v"
    # Shorter than what was left: the new expiry is what was asked.
    assert m.lire("k", T0 + 5 * MINUTE, prolonger=SECONDE) == b"v"
    assert m.expire_le("k", T0) == T0 + 5 * MINUTE + SECONDE
    assert m.lire("k", T0 + 6 * MINUTE) is None


def test_prolonger_sans_expiration_ne_change_rien(partage: Partage) -> None:
    """An entry without expiry keeps none when read with ``prolonger``."""
    m = partage.magasin
    m.ecrire("k", b"v", None)
    assert m.lire("k", T0, prolonger=MINUTE) == b"v"
    assert m.expire_le("k", T0) is None
    assert m.lire("k", T0 + 365 * 24 * 60 * MINUTE) == b"v"


def test_prolonger_ne_ressuscite_pas(partage: Partage) -> None:
    """Reading an expired entry with ``prolonger`` finds nothing and does not revive it."""
    m = partage.magasin
    m.ecrire("k", b"v", T0 + MINUTE)
    assert m.lire("k", T0 + 2 * MINUTE, prolonger=10 * MINUTE) is None
    assert m.lire("k", T0 + 2 * MINUTE) is None
    assert m.expire_le("k", T0) == T0 + MINUTE
    assert m.lire("inconnue", T0, prolonger=MINUTE) is None


def test_supprimer(partage: Partage) -> None:
    """Deleting removes one entry; deleting an unknown key does nothing."""
    m = partage.magasin
    m.ecrire("a", b"1", None)
    m.ecrire("b", b"2", None)
    m.supprimer("a")
    m.supprimer("a")
    m.supprimer("inconnue")
    assert m.lire("a", T0) is None
    assert m.lire("b", T0) == b"2"


def test_supprimer_tout(partage: Partage) -> None:
    """Deleting everything leaves no entry, live or expired, and the store usable."""
    m = partage.magasin
    m.ecrire("a", b"1", None)
    m.ecrire("b", b"2", T0 - SECONDE)
    m.supprimer_tout()
    assert m.lire("a", T0) is None
    assert m.purger(T0) == 0
    m.ecrire("a", b"3", None)
    assert m.lire("a", T0) == b"3"


def test_purger_ne_retire_que_les_expirees(partage: Partage) -> None:
    """The purge deletes the expired entries (at ``expire_le`` included) and counts them."""
    m = partage.magasin
    m.ecrire("sans", b"0", None)
    m.ecrire("passee", b"1", T0 - MINUTE)
    m.ecrire("pile", b"2", T0)
    m.ecrire("future", b"3", T0 + MINUTE)
    assert m.purger(T0) == 2
    assert m.purger(T0) == 0
    assert m.lire("sans", T0) == b"0"
    assert m.lire("future", T0) == b"3"
    # Deleted for good: an earlier reader no longer finds them.
    assert m.lire("passee", T0 - 2 * MINUTE) is None
    assert m.lire("pile", T0 - MINUTE) is None


def test_cles_longues_et_unicode(partage: Partage) -> None:
    """A key of the longest length and a key in any script are stored as given."""
    m = partage.magasin
    longue = "é" * LONGUEUR_CLE_SESSION
    m.ecrire(longue, b"v", None)
    m.ecrire("clé-ü-漢字", b"w", None)
    assert m.lire(longue, T0) == b"v"
    assert m.lire("clé-ü-漢字", T0) == b"w"
    assert m.lire("cle-u-漢字", T0) is None


@pytest.mark.parametrize("cle", CLES_IMPOSSIBLES, ids=("longue", "nul", "surrogate"))
def test_cle_impossible_introuvable_et_refusee(partage: Partage, cle: str) -> None:
    """A key no database can hold is never found (a forged cookie) and never written."""
    m = partage.magasin
    assert m.lire(cle, T0) is None
    assert m.lire(cle, T0, prolonger=MINUTE) is None
    assert not m.existe(cle, T0)
    assert m.expire_le(cle, T0) is None
    m.supprimer(cle)
    with pytest.raises(DonneeInvalide, match="Clé invalide : au plus 128 caractères") as refus:
        m.ecrire(cle, b"v", None)
    assert refus.value.champ == "cle"
    assert refus.value.valeur == cle
    assert m.purger(T0) == 0


def test_instant_sans_fuseau_refuse(partage: Partage) -> None:
    """A naive datetime is refused wherever an instant is given."""
    m, c = partage.magasin, partage.compteur
    naif = dt.datetime(2026, 12, 1, 9, 0)  # noqa: DTZ001 - the point of the test
    message = "Un horodatage doit porter son fuseau horaire."
    appels: list[Callable[[], object]] = [
        lambda: m.lire("k", naif),
        lambda: m.lire("k", naif, prolonger=MINUTE),
        lambda: m.ecrire("k", b"v", naif),
        lambda: m.existe("k", naif),
        lambda: m.expire_le("k", naif),
        lambda: m.purger(naif),
        lambda: c.incrementer("k", MINUTE, naif),
        lambda: c.purger(naif, MINUTE),
    ]
    for appel in appels:
        with pytest.raises(ValueError, match=message):
            appel()
    assert m.lire("k", T0) is None


def test_deux_travailleurs_voient_le_meme_magasin(partage: Partage) -> None:
    """What one worker writes, renews or deletes, another sees at once."""
    m = partage.magasin
    with partage.ouvrir() as (autre, _):
        m.ecrire("k", b"v", T0 + MINUTE)
        assert autre.lire("k", T0, prolonger=10 * MINUTE) == b"v"
        assert m.expire_le("k", T0) == T0 + 10 * MINUTE
        autre.supprimer("k")
        assert not m.existe("k", T0)


def test_ecritures_simultanees_d_une_cle(partage: Partage) -> None:
    """Two workers writing one key at once both succeed; one of their values stays."""
    n = 100

    def ecrire(nom: bytes) -> None:
        with partage.ouvrir() as (magasin, _):
            for i in range(n):
                magasin.ecrire("disputee", nom + str(i).encode(), T0 + MINUTE)
                assert magasin.lire("disputee", T0) is not None

    with ThreadPoolExecutor(2) as executeur:
        list(executeur.map(ecrire, (b"a", b"b")))
    assert partage.magasin.lire("disputee", T0) in {b"a99", b"b99"}


# --- Counters -----------------------------------------------------------------------------


def test_compter_dans_la_fenetre(partage: Partage) -> None:
    """Hits of one window count 1, 2, 3 ...; keys count apart."""
    c = partage.compteur
    assert [c.incrementer("ip:1", MINUTE, T0 + i * SECONDE) for i in range(4)] == [1, 2, 3, 4]
    assert c.incrementer("ip:2", MINUTE, T0) == 1
    assert c.incrementer("ip:1", MINUTE, T0 + 59 * SECONDE) == 5


def test_fenetre_fixe(partage: Partage) -> None:
    """A window opens with its first hit and ends ``fenetre`` later, whatever came between."""
    c = partage.compteur
    assert c.incrementer("k", MINUTE, T0) == 1
    assert c.incrementer("k", MINUTE, T0 + 50 * SECONDE) == 2
    juste_avant = T0 + MINUTE - dt.timedelta(microseconds=1)
    assert c.incrementer("k", MINUTE, juste_avant) == 3
    # The window [T0, T0 + 1 min) is over: a new one opens at T0 + 1 min.
    assert c.incrementer("k", MINUTE, T0 + MINUTE) == 1
    assert c.incrementer("k", MINUTE, T0 + MINUTE + 59 * SECONDE) == 2
    assert c.incrementer("k", MINUTE, T0 + 5 * MINUTE) == 1


def test_fenetre_en_utc_quel_que_soit_le_fuseau(partage: Partage) -> None:
    """Instants in another zone are compared as the same instants in UTC."""
    c = partage.compteur
    assert c.incrementer("k", MINUTE, T0.astimezone(PARIS)) == 1
    assert c.incrementer("k", MINUTE, T0 + 30 * SECONDE) == 2
    assert c.incrementer("k", MINUTE, (T0 + MINUTE).astimezone(PARIS)) == 1


def test_reinitialiser(partage: Partage) -> None:
    """A counter forgotten starts again at 1; forgetting an unknown key does nothing."""
    c = partage.compteur
    c.incrementer("k", MINUTE, T0)
    c.incrementer("k", MINUTE, T0)
    c.incrementer("autre", MINUTE, T0)
    c.reinitialiser("k")
    c.reinitialiser("inconnue")
    c.reinitialiser("x" * (LONGUEUR_CLE_LIMITE + 1))
    assert c.incrementer("k", MINUTE, T0 + SECONDE) == 1
    assert c.incrementer("autre", MINUTE, T0 + SECONDE) == 2


def test_purger_les_fenetres_finies(partage: Partage) -> None:
    """The purge deletes the counters whose window is over, and counts them."""
    c = partage.compteur
    c.incrementer("ancienne", MINUTE, T0 - 2 * MINUTE)
    c.incrementer("pile", MINUTE, T0 - MINUTE)
    c.incrementer("en-cours", MINUTE, T0 - 30 * SECONDE)
    c.incrementer("en-cours", MINUTE, T0 - 20 * SECONDE)
    assert c.purger(T0, MINUTE) == 2
    assert c.purger(T0, MINUTE) == 0
    assert c.incrementer("en-cours", MINUTE, T0) == 3
    # Gone, not merely over: even a hit dated inside its old window starts at 1.
    assert c.incrementer("ancienne", MINUTE, T0 - 2 * MINUTE) == 1


def test_cle_de_compteur(partage: Partage) -> None:
    """A key of the longest length counts; a longer one, NUL or a surrogate are refused."""
    c = partage.compteur
    assert c.incrementer("é" * LONGUEUR_CLE_LIMITE, MINUTE, T0) == 1
    for cle in ("x" * (LONGUEUR_CLE_LIMITE + 1), "a\x00b", "a\ud800b"):
        with pytest.raises(DonneeInvalide, match="Clé invalide : au plus 200 caractères"):
            c.incrementer(cle, MINUTE, T0)
    assert c.purger(T0 + MINUTE, MINUTE) == 1


@pytest.mark.parametrize("fenetre", [dt.timedelta(0), -MINUTE])
def test_fenetre_nulle_ou_negative_refusee(partage: Partage, fenetre: dt.timedelta) -> None:
    """A window must be a positive duration, to count as to purge."""
    c = partage.compteur
    message = "Une fenêtre de comptage doit être une durée positive."
    with pytest.raises(ValueError, match=message):
        c.incrementer("k", fenetre, T0)
    with pytest.raises(ValueError, match=message):
        c.purger(T0, fenetre)


def test_deux_travailleurs_ne_perdent_aucun_coup(partage: Partage) -> None:
    """Two workers each counting N hits of one key at once end at 2N, each count given once."""
    n = 200
    depart = threading.Barrier(2)

    def compter(_: int) -> list[int]:
        with partage.ouvrir() as (_magasin, compteur):
            compteur.incrementer("echauffement", MINUTE, T0)  # connect before the race
            depart.wait(timeout=30)
            return [compteur.incrementer("disputee", 10 * MINUTE, T0) for _ in range(n)]

    with ThreadPoolExecutor(2) as executeur:
        premiers, seconds = executeur.map(compter, range(2))
    assert sorted(premiers + seconds) == list(range(1, 2 * n + 1))
    assert premiers == sorted(premiers)
    assert seconds == sorted(seconds)
    assert partage.compteur.incrementer("disputee", 10 * MINUTE, T0) == 2 * n + 1


# --- SQL only -----------------------------------------------------------------------------


@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)
def test_lecture_sans_attendre_l_ecrivain(banc: Banc, partage: Partage) -> None:
    """A plain read does not wait for a writer's open transaction, nor see its changes."""
    assert banc.moteur is not None
    partage.magasin.ecrire("k", b"avant", None)
    lu: list[bytes | None] = []
    with banc.moteur.begin() as ecrivain:  # SQLite: BEGIN IMMEDIATE, the write lock
        s = tables.sessions_web
        ecrivain.execute(sa.update(s).where(s.c.cle == "k").values(valeur=b"pendant"))
        with partage.ouvrir() as (autre, _):
            lecteur = threading.Thread(target=lambda: lu.append(autre.lire("k", T0)))
            lecteur.start()
            lecteur.join(timeout=10)
        assert lu == [b"avant"]
    assert partage.magasin.lire("k", T0) == b"pendant"


@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)
def test_les_lignes_expirees_restent_jusqu_a_la_purge(banc: Banc) -> None:
    """A read never writes: expired rows are still in the table until the purge."""
    assert banc.moteur is not None
    magasin = MagasinSql(banc.moteur)
    magasin.ecrire("k", b"v", T0)
    assert magasin.lire("k", T0 + MINUTE, prolonger=MINUTE) is None
    compter = sa.select(sa.func.count()).select_from(tables.sessions_web)
    with banc.moteur.connect() as connexion:
        assert connexion.execute(compter).scalar_one() == 1
    assert magasin.purger(T0) == 1
    with banc.moteur.connect() as connexion:
        assert connexion.execute(compter).scalar_one() == 0


def test_panne_de_base_en_francais(tmp_path: Path) -> None:
    """A database that cannot be opened is ``ServiceIndisponible``, never a driver error."""
    moteur = creer_moteur(f"sqlite:///{tmp_path}")  # a directory: SQLite cannot open it
    try:
        appels: list[Callable[[], object]] = [
            lambda: MagasinSql(moteur).lire("k", T0),
            lambda: MagasinSql(moteur).ecrire("k", b"v", None),
            lambda: CompteurSql(moteur).incrementer("k", MINUTE, T0),
        ]
        for appel in appels:
            with pytest.raises(ServiceIndisponible) as panne:
                appel()
            assert panne.value.panne is Panne.CONNEXION
            assert isinstance(panne.value.__cause__, sa.exc.OperationalError)
    finally:
        moteur.dispose()
