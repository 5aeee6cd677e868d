"""Shared key/value state of the web portal: what a store and a counter do, in memory.

Several worker processes serve the portal; what one of them learns about a visitor (the
session, the failed logins counted against an address) must be seen by the others. Two
small ports say what they need, whatever keeps the state:

- :class:`Magasin`, a key/value store with an optional expiry (server-side sessions);
- :class:`Compteur`, fixed-window counters (throttling).

:mod:`cfa_adapters.sql.magasin` implements both in the database of everything else
(tables ``sessions_web`` and ``limites_web``); :class:`MagasinMemoire` and
:class:`CompteurMemoire` here are their in-memory twins for one process (tests, a
single-worker development server). ``tests/contract/test_magasin.py`` runs the same
suite on the twins, SQLite and PostgreSQL. The rules they share:

- **Time is given, never read**: every call that depends on it takes ``maintenant`` (an
  aware instant), so the rules are testable at any date. A naive datetime is refused.
- **An entry is alive while** it has no expiry or ``maintenant < expire_le``; an expired
  entry reads as absent, and :meth:`Magasin.purger` deletes it for good.
- **A window** opened at ``debut`` counts the hits of ``[debut, debut + fenetre)``; the
  first hit at or after ``debut + fenetre`` opens a new window, counted from 1.
- **Keys** are at most :data:`LONGUEUR_CLE_SESSION` (store) or
  :data:`LONGUEUR_CLE_LIMITE` (counter) characters, without NUL nor lone surrogates
  (PostgreSQL stores neither). A lookup of such a key finds nothing (a forged session
  cookie is simply unknown); writing one raises a French
  :class:`~cfa_domain.errors.DonneeInvalide`.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol

import attrs

from cfa_domain.errors import DonneeInvalide

__all__ = [
    "LONGUEUR_CLE_LIMITE",
    "LONGUEUR_CLE_SESSION",
    "Compteur",
    "CompteurMemoire",
    "Magasin",
    "MagasinMemoire",
    "cle_enregistrable",
    "exiger_cle",
    "exiger_fenetre",
    "exiger_instant",
]

LONGUEUR_CLE_SESSION = 128
"""The longest key of a :class:`Magasin` (``sessions_web.cle``)."""

LONGUEUR_CLE_LIMITE = 200
"""The longest key of a :class:`Compteur` (``limites_web.cle``)."""


def cle_enregistrable(cle: str, longueur: int) -> bool:
    """True when ``cle`` fits ``longueur`` characters and every database can store it."""
    if len(cle) > longueur or "\x00" in cle:
        return False
    try:
        cle.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def exiger_cle(cle: str, longueur: int) -> None:
    """Refuse, in French, a key that cannot be written (see :func:`cle_enregistrable`)."""
    if not cle_enregistrable(cle, longueur):
        raise DonneeInvalide(
            f"Clé invalide : au plus {longueur} caractères, sans caractère nul ni "
            "caractère Unicode incomplet.",
            champ="cle",
            valeur=cle,
        )


def exiger_instant(quand: dt.datetime) -> None:
    """Refuse a naive datetime: instants are compared in UTC."""
    if quand.tzinfo is None or quand.utcoffset() is None:
        raise ValueError("Un horodatage doit porter son fuseau horaire.")


def exiger_fenetre(fenetre: dt.timedelta) -> None:
    """Refuse a window that is not a positive duration."""
    if fenetre <= dt.timedelta(0):
        raise ValueError("Une fenêtre de comptage doit être une durée positive.")


class Magasin(Protocol):
    """A key/value store shared by the portal's workers (server-side sessions)."""

    def lire(
        self, cle: str, maintenant: dt.datetime, prolonger: dt.timedelta | None = None
    ) -> bytes | None:
        """The value of a live entry, else None.

        With ``prolonger``, an entry that has an expiry now expires at
        ``maintenant + prolonger``; one without expiry keeps none.
        """
        ...

    def ecrire(self, cle: str, valeur: bytes, expire_le: dt.datetime | None) -> None:
        """Create or replace an entry (``expire_le`` None: it never expires)."""
        ...

    def supprimer(self, cle: str) -> None:
        """Delete an entry; nothing happens when there is none."""
        ...

    def supprimer_tout(self) -> None:
        """Delete every entry."""
        ...

    def existe(self, cle: str, maintenant: dt.datetime) -> bool:
        """True when a live entry has this key."""
        ...

    def expire_le(self, cle: str, maintenant: dt.datetime) -> dt.datetime | None:
        """When a live entry expires; None when it has no expiry or is absent."""
        ...

    def purger(self, maintenant: dt.datetime) -> int:
        """Delete the expired entries; return how many."""
        ...


class Compteur(Protocol):
    """Fixed-window counters shared by the portal's workers (throttling)."""

    def incrementer(self, cle: str, fenetre: dt.timedelta, maintenant: dt.datetime) -> int:
        """Count one hit; return the hits of the current window, this one included."""
        ...

    def reinitialiser(self, cle: str) -> None:
        """Forget a counter (a successful login clears its failures)."""
        ...

    def purger(self, maintenant: dt.datetime, fenetre: dt.timedelta) -> int:
        """Delete the counters whose window of ``fenetre`` is over; return how many."""
        ...


@attrs.frozen
class _Entree:
    valeur: bytes
    expire_le: dt.datetime | None

    def vivante(self, maintenant: dt.datetime) -> bool:
        return self.expire_le is None or maintenant < self.expire_le


@attrs.define
class MagasinMemoire:
    """A :class:`Magasin` in this process's memory, safe across its threads."""

    _entrees: dict[str, _Entree] = attrs.field(factory=dict, init=False)
    _verrou: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    def _vivante(self, cle: str, maintenant: dt.datetime) -> _Entree | None:
        exiger_instant(maintenant)
        entree = self._entrees.get(cle)
        return entree if entree is not None and entree.vivante(maintenant) else None

    def lire(
        self, cle: str, maintenant: dt.datetime, prolonger: dt.timedelta | None = None
    ) -> bytes | None:
        """See :class:`Magasin`."""
        with self._verrou:
            entree = self._vivante(cle, maintenant)
            if entree is None:
                return None
            if prolonger is not None and entree.expire_le is not None:
                self._entrees[cle] = attrs.evolve(entree, expire_le=maintenant + prolonger)
            return entree.valeur

    def ecrire(self, cle: str, valeur: bytes, expire_le: dt.datetime | None) -> None:
        """See :class:`Magasin`."""
        exiger_cle(cle, LONGUEUR_CLE_SESSION)
        if expire_le is not None:
            exiger_instant(expire_le)
            expire_le = expire_le.astimezone(dt.UTC)
        with self._verrou:
            self._entrees[cle] = _Entree(bytes(valeur), expire_le)

    def supprimer(self, cle: str) -> None:
        """See :class:`Magasin`."""
        with self._verrou:
            self._entrees.pop(cle, None)

    def supprimer_tout(self) -> None:
        """See :class:`Magasin`."""
        with self._verrou:
            self._entrees.clear()

    def existe(self, cle: str, maintenant: dt.datetime) -> bool:
        """See :class:`Magasin`."""
        with self._verrou:
            return self._vivante(cle, maintenant) is not None

    def expire_le(self, cle: str, maintenant: dt.datetime) -> dt.datetime | None:
        """See :class:`Magasin`."""
        with self._verrou:
            entree = self._vivante(cle, maintenant)
            return None if entree is None else entree.expire_le

    def purger(self, maintenant: dt.datetime) -> int:
        """See :class:`Magasin`."""
        exiger_instant(maintenant)
        with self._verrou:
            mortes = [c for c, e in self._entrees.items() if not e.vivante(maintenant)]
            for cle in mortes:
                del self._entrees[cle]
            return len(mortes)


@attrs.define
class CompteurMemoire:
    """A :class:`Compteur` in this process's memory, safe across its threads."""

    _fenetres: dict[str, tuple[int, dt.datetime]] = attrs.field(factory=dict, init=False)
    _verrou: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    def incrementer(self, cle: str, fenetre: dt.timedelta, maintenant: dt.datetime) -> int:
        """See :class:`Compteur`."""
        exiger_cle(cle, LONGUEUR_CLE_LIMITE)
        exiger_fenetre(fenetre)
        exiger_instant(maintenant)
        with self._verrou:
            compte, debut = self._fenetres.get(cle, (0, maintenant))
            if debut <= maintenant - fenetre:
                compte, debut = 0, maintenant
            self._fenetres[cle] = (compte + 1, debut)
            return compte + 1

    def reinitialiser(self, cle: str) -> None:
        """See :class:`Compteur`."""
        with self._verrou:
            self._fenetres.pop(cle, None)

    def purger(self, maintenant: dt.datetime, fenetre: dt.timedelta) -> int:
        """See :class:`Compteur`."""
        exiger_fenetre(fenetre)
        exiger_instant(maintenant)
        seuil = maintenant - fenetre
        with self._verrou:
            finies = [c for c, (_, debut) in self._fenetres.items() if debut <= seuil]
            for cle in finies:
                del self._fenetres[cle]
            return len(finies)
