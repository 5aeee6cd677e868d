"""``MagasinLitestar`` keeps Litestar's ``Store`` promises, in memory and on SQLite.

The same scenarios run over :class:`~cfa_adapters.magasin.MagasinMemoire` and over
:class:`~cfa_adapters.sql.magasin.MagasinSql` on a migrated SQLite file, with a clock the
test moves. Then Litestar's own server-side sessions run on it: a session opened by one
worker is read by another worker on its own engine, and lives in ``sessions_web``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
import attrs
import pytest
import sqlalchemy as sa
from litestar import Litestar, Request, get
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.testing import TestClient

from cfa_adapters.magasin import Magasin, MagasinMemoire
from cfa_adapters.sql import tables
from cfa_adapters.sql.magasin import MagasinSql
from cfa_adapters.sql.moteur import creer_moteur
from cfa_domain.errors import DonneeInvalide
from cfa_domain.testing.fakes import HorlogeFixe
from cfa_web.magasin import MagasinLitestar

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.anyio

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def anyio_backend() -> str:
    """Litestar runs on asyncio here."""
    return "asyncio"


@attrs.frozen
class Banc:
    """A magasin under test, how another worker opens it, and the clock of both."""

    nom: str
    horloge: HorlogeFixe
    ouvrir: Callable[[], contextlib.AbstractContextManager[Magasin]]
    moteur: sa.Engine | None = None

    @contextlib.contextmanager
    def store(self) -> Iterator[MagasinLitestar]:
        """A Litestar store of one more worker, on the shared clock."""
        with self.ouvrir() as magasin:
            yield MagasinLitestar(magasin, self.horloge.maintenant)


@pytest.fixture(params=("memoire", "sqlite"))
def banc(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Banc]:
    """The in-memory magasin, or ``MagasinSql`` on a migrated SQLite file."""
    horloge = HorlogeFixe(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    if request.param == "memoire":
        memoire = MagasinMemoire()

        @contextlib.contextmanager
        def meme() -> Iterator[Magasin]:
            yield memoire

        yield Banc("memoire", horloge, meme)
        return
    chemin = tmp_path / "cfa.sqlite3"
    shutil.copyfile(request.getfixturevalue("modele_sqlite"), chemin)

    @contextlib.contextmanager
    def autre_moteur() -> Iterator[Magasin]:
        moteur = creer_moteur(f"sqlite:///{chemin}")
        try:
            yield MagasinSql(moteur)
        finally:
            moteur.dispose()

    moteur = creer_moteur(f"sqlite:///{chemin}")
    try:
        yield Banc("sqlite", horloge, autre_moteur, moteur)
    finally:
        moteur.dispose()


@pytest.fixture
def store(banc: Banc) -> Iterator[MagasinLitestar]:
    """The Litestar store under test."""
    with banc.store() as store:
        yield store


async def test_un_store_litestar(store: MagasinLitestar) -> None:
    """It is a Litestar ``Store``: Litestar accepts it wherever a store is named."""
    assert isinstance(store, Store)
    assert Litestar(stores={"sessions": store}).stores.get("sessions") is store


async def test_set_get_bytes_et_texte(store: MagasinLitestar) -> None:
    """Bytes come back as given; a text comes back as its UTF-8 bytes; unknown is None."""
    await store.set("octets", b"\x00\xff")
    await store.set("texte", "déjà vu")
    assert await store.get("octets") == b"\x00\xff"
    assert await store.get("texte") == "déjà vu".encode()
    assert await store.get("inconnue") is None
    await store.set("texte", "remplacé")
    assert await store.get("texte") == "remplacé".encode()


@pytest.mark.parametrize("expires_in", [60, dt.timedelta(seconds=60)], ids=("int", "timedelta"))
async def test_expiration(
    banc: Banc, store: MagasinLitestar, expires_in: int | dt.timedelta
) -> None:
    """``expires_in`` seconds or timedelta: alive before, gone at the instant after."""
    await store.set("k", b"v", expires_in=expires_in)
    banc.horloge.avancer(dt.timedelta(seconds=59.999))
    assert await store.get("k") == b"v"
    assert await store.exists("k")
    banc.horloge.avancer(dt.timedelta(milliseconds=1))
    assert await store.get("k") is None
    assert not await store.exists("k")
    assert await store.expires_in("k") is None


@pytest.mark.parametrize("expires_in", [None, 0, dt.timedelta(0)], ids=("none", "0", "td0"))
async def test_sans_expiration(
    banc: Banc, store: MagasinLitestar, expires_in: int | dt.timedelta | None
) -> None:
    """No expiry, or a zero one (as Litestar's ``MemoryStore`` reads it): kept for good."""
    await store.set("k", b"v", expires_in=expires_in)
    banc.horloge.avancer(dt.timedelta(days=3650))
    assert await store.get("k") == b"v"
    assert await store.expires_in("k") is None


async def test_expiration_negative(store: MagasinLitestar) -> None:
    """A negative ``expires_in`` stores an entry already expired."""
    await store.set("k", b"v", expires_in=-1)
    assert await store.get("k") is None
    assert not await store.exists("k")


async def test_expires_in_en_secondes_entieres(banc: Banc, store: MagasinLitestar) -> None:
    """``expires_in`` counts the whole seconds left; None for an unknown key."""
    await store.set("k", b"v", expires_in=dt.timedelta(hours=2))
    assert await store.expires_in("k") == 7200
    banc.horloge.avancer(dt.timedelta(seconds=0.5))
    assert await store.expires_in("k") == 7199
    banc.horloge.avancer(dt.timedelta(minutes=59, seconds=59))
    assert await store.expires_in("k") == 3600
    assert await store.expires_in("inconnue") is None


@pytest.mark.parametrize("renew_for", [600, dt.timedelta(minutes=10)], ids=("int", "timedelta"))
async def test_get_renouvelle(
    banc: Banc, store: MagasinLitestar, renew_for: int | dt.timedelta
) -> None:
    """``get(renew_for=…)`` moves the expiry to now plus ``renew_for``."""
    await store.set("k", b"v", expires_in=60)
    banc.horloge.avancer(dt.timedelta(seconds=30))
    assert await store.get("k", renew_for=renew_for) == b"v"
    assert await store.expires_in("k") == 600
    banc.horloge.avancer(dt.timedelta(minutes=9))
    assert await store.get("k") == b"v"
    banc.horloge.avancer(MINUTE)
    assert await store.get("k") is None


async def test_renouveler_sans_effet(banc: Banc, store: MagasinLitestar) -> None:
    """Renewing an entry without expiry, or for 0 seconds, changes nothing."""
    await store.set("sans", b"v")
    await store.set("avec", b"w", expires_in=60)
    assert await store.get("sans", renew_for=600) == b"v"
    assert await store.expires_in("sans") is None
    assert await store.get("avec", renew_for=0) == b"w"
    assert await store.expires_in("avec") == 60
    banc.horloge.avancer(MINUTE)
    assert await store.get("avec", renew_for=600) is None


async def test_delete_et_delete_all(store: MagasinLitestar) -> None:
    """``delete`` removes one key (an unknown one is a no-op); ``delete_all`` every key."""
    await store.set("a", b"1")
    await store.set("b", b"2", expires_in=60)
    await store.delete("a")
    await store.delete("a")
    assert not await store.exists("a")
    assert await store.exists("b")
    await store.delete_all()
    assert not await store.exists("b")


async def test_delete_expired(banc: Banc, store: MagasinLitestar) -> None:
    """``delete_expired`` deletes what has expired and says how many."""
    await store.set("courte", b"1", expires_in=60)
    await store.set("longue", b"2", expires_in=600)
    await store.set("sans", b"3")
    banc.horloge.avancer(MINUTE)
    assert await store.delete_expired() == 1
    assert await store.delete_expired() == 0
    assert await store.get("longue") == b"2"
    assert await store.get("sans") == b"3"


async def test_cle_forgee(store: MagasinLitestar) -> None:
    """A key no database can hold (a forged cookie) is unknown; writing it is refused."""
    forgee = "x" * 5000
    assert await store.get(forgee) is None
    assert not await store.exists(forgee)
    assert await store.expires_in(forgee) is None
    await store.delete(forgee)
    with pytest.raises(DonneeInvalide):
        await store.set(forgee, b"v")


async def test_deux_travailleurs(banc: Banc, store: MagasinLitestar) -> None:
    """What one worker stores, renews or deletes, another worker's store sees."""
    with banc.store() as autre:
        await store.set("k", b"v", expires_in=60)
        assert await autre.get("k", renew_for=600) == b"v"
        assert await store.expires_in("k") == 600
        await autre.delete("k")
        assert not await store.exists("k")


@pytest.mark.parametrize("banc", ["sqlite"], indirect=True)
async def test_la_boucle_tourne_pendant_l_attente(banc: Banc, store: MagasinLitestar) -> None:
    """While the database makes a call wait, the event loop goes on serving others."""
    assert banc.moteur is not None
    tours = 0

    async def autre_requete() -> None:
        nonlocal tours
        for _ in range(5):
            await anyio.sleep(0.01)
            tours += 1

    with banc.moteur.connect() as verrou:
        verrou.begin()  # SQLite: BEGIN IMMEDIATE, the database's write lock
        async with anyio.create_task_group() as groupe:
            groupe.start_soon(store.set, "k", b"v")
            await autre_requete()
            assert tours == 5
            assert not await store.exists("k")  # a read does not wait for the lock
            verrou.rollback()  # the set waiting in its thread goes through now
    assert await store.get("k") == b"v"


# --- Litestar's server-side sessions on it ------------------------------------------------


@get("/poser", sync_to_thread=False)
def poser(request: Request[Any, Any, Any]) -> None:
    """Put a value in the session."""
    request.session["valeur"] = "bonjour"


@get("/lire", sync_to_thread=False)
def lire(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Read the session's value."""
    return {"valeur": request.session.get("valeur")}


@get("/sortir", sync_to_thread=False)
def sortir(request: Request[Any, Any, Any]) -> None:
    """Clear the session."""
    request.clear_session()


def _application(store: MagasinLitestar) -> Litestar:
    sessions = ServerSideSessionConfig(max_age=3600, renew_on_access=True)
    return Litestar(
        [poser, lire, sortir], middleware=[sessions.middleware], stores={"sessions": store}
    )


def _lignes(moteur: sa.Engine) -> list[tuple[str, dt.datetime | None]]:
    s = tables.sessions_web
    with moteur.connect() as connexion:
        return [(r.cle, r.expire_le) for r in connexion.execute(sa.select(s.c.cle, s.c.expire_le))]


def test_sessions_partagees_entre_travailleurs(banc: Banc, store: MagasinLitestar) -> None:
    """A session opened on one worker is read and renewed on another, then ends everywhere."""
    debut = banc.horloge.maintenant()
    with banc.store() as autre, TestClient(_application(store)) as premier:
        premier.get("/poser")
        identifiant = premier.cookies["session"]
        if banc.moteur is not None:
            assert _lignes(banc.moteur) == [(identifiant, debut + dt.timedelta(hours=1))]
        banc.horloge.avancer(dt.timedelta(minutes=50))
        with TestClient(_application(autre)) as second:
            second.cookies.set("session", identifiant)
            assert second.get("/lire").json() == {"valeur": "bonjour"}
            banc.horloge.avancer(dt.timedelta(minutes=50))  # renewed on access: still alive
            assert premier.get("/lire").json() == {"valeur": "bonjour"}
            second.get("/sortir")
        if banc.moteur is not None:
            assert _lignes(banc.moteur) == []
        assert premier.get("/lire").json() == {"valeur": None}
