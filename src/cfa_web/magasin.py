"""Litestar's ``Store`` over the portal's shared state (sessions in the database).

:class:`MagasinLitestar` lets Litestar's server-side sessions (or any part of Litestar
that takes a store) keep their data in a :class:`~cfa_adapters.magasin.Magasin`: the
table ``sessions_web`` through :class:`~cfa_adapters.sql.magasin.MagasinSql`, so that
every worker process sees every session, or
:class:`~cfa_adapters.magasin.MagasinMemoire` for one process::

    stores={"sessions": MagasinLitestar(MagasinSql(moteur))}

Litestar's semantics (``litestar.stores.base.Store``, ``MemoryStore``) kept here:

- ``expires_in`` and ``renew_for`` are seconds (``int``) or a ``timedelta``; a false
  value (``None``, ``0``, ``timedelta(0)``) means no expiry, or no renewal, as in
  ``MemoryStore``. ``renew_for`` renews only an entry that has an expiry. A ``str`` value
  is stored as its UTF-8 bytes.
- Where ``MemoryStore`` strays from the interface it implements, the interface wins:
  :meth:`~MagasinLitestar.exists` is False for an expired entry, and
  :meth:`~MagasinLitestar.expires_in` is None for an entry without expiry (not ``-1``).

The magasin's calls are blocking (a database round trip, a lock); each runs in a worker
thread (``anyio.to_thread``), so the event loop serves other requests meanwhile. The clock
is read once per call, from ``horloge`` (the system clock in UTC unless a test gives its
own).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import anyio.to_thread
from litestar.stores.base import Store

from cfa_adapters.systeme import HorlogeSysteme

if TYPE_CHECKING:
    from collections.abc import Callable

    from cfa_adapters.magasin import Magasin

__all__ = ["MagasinLitestar"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _duree(valeur: int | dt.timedelta | None) -> dt.timedelta | None:
    """Litestar's duration: seconds or a timedelta; a false value is none."""
    if not valeur:
        return None
    return valeur if isinstance(valeur, dt.timedelta) else dt.timedelta(seconds=valeur)


class MagasinLitestar(Store):
    """A Litestar ``Store`` whose entries live in a :class:`~cfa_adapters.magasin.Magasin`."""

    __slots__ = ("_horloge", "_magasin")

    def __init__(self, magasin: Magasin, horloge: Callable[[], dt.datetime] | None = None) -> None:
        """Keep entries in ``magasin``; read the time from ``horloge`` (aware, UTC)."""
        self._magasin = magasin
        self._horloge = horloge or HorlogeSysteme().maintenant

    @staticmethod
    async def _en_fil(fonction: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Run a blocking call of the magasin in a worker thread."""
        return await anyio.to_thread.run_sync(functools.partial(fonction, *args, **kwargs))

    async def set(
        self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None
    ) -> None:
        """Store ``value`` under ``key``, for ``expires_in`` (seconds or timedelta) or for good."""
        valeur = value.encode("utf-8") if isinstance(value, str) else value
        duree = _duree(expires_in)
        expire_le = None if duree is None else self._horloge() + duree
        await self._en_fil(self._magasin.ecrire, key, valeur, expire_le)

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        """The live value of ``key``, its expiry moved ``renew_for`` from now if it has one."""
        return await self._en_fil(
            self._magasin.lire, key, self._horloge(), prolonger=_duree(renew_for)
        )

    async def delete(self, key: str) -> None:
        """Delete ``key``; nothing happens when it is absent."""
        await self._en_fil(self._magasin.supprimer, key)

    async def delete_all(self) -> None:
        """Delete every entry of the magasin."""
        await self._en_fil(self._magasin.supprimer_tout)

    async def exists(self, key: str) -> bool:
        """True when ``key`` has a live entry."""
        return await self._en_fil(self._magasin.existe, key, self._horloge())

    async def expires_in(self, key: str) -> int | None:
        """Whole seconds before ``key`` expires; None when absent or without expiry."""
        maintenant = self._horloge()
        expire_le = await self._en_fil(self._magasin.expire_le, key, maintenant)
        return None if expire_le is None else int((expire_le - maintenant).total_seconds())

    async def delete_expired(self) -> int:
        """Delete the expired entries (as ``MemoryStore.delete_expired``); return how many."""
        return await self._en_fil(self._magasin.purger, self._horloge())
