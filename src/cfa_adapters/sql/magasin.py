"""The web portal's shared state in the database: sessions and throttling counters.

:class:`MagasinSql` (table ``sessions_web``) and :class:`CompteurSql` (table
``limites_web``) implement the ports of :mod:`cfa_adapters.magasin` with the rules
written there; the in-memory twins pass the same contract suite
(``tests/contract/test_magasin.py``). Mapping choices:

- **One statement per call, so no lock is held between two.** Writing an entry is an
  upsert (``INSERT ... ON CONFLICT (cle) DO UPDATE``), reading it while renewing its
  expiry an ``UPDATE ... RETURNING``, both on SQLite (≥ 3.35) and PostgreSQL.
- **Counting is atomic across processes**: one ``INSERT ... ON CONFLICT DO UPDATE ...
  RETURNING compte`` inserts the first hit of a key, or restarts a window that is over
  (``debut <= maintenant - fenetre``: back to 1, opened now), or adds one. PostgreSQL
  locks the row for the update and re-reads it if a concurrent insert won; SQLite runs
  every writing transaction alone (``BEGIN IMMEDIATE``, see :mod:`.moteur`). Two workers
  hitting the same key at once therefore never lose a hit.
- **Plain reads take no write lock**: on SQLite they run in a read-only transaction
  (:data:`~cfa_adapters.sql.moteur.LECTURE_SEULE`), beside the writer.
- **Expired rows stay until purged.** A read filters them out (``expire_le IS NULL OR
  expire_le > maintenant``) instead of deleting them, so a read never writes;
  :meth:`MagasinSql.purger` deletes them through the index on ``expire_le``, and
  :meth:`CompteurSql.purger` the counters whose window is over.
- **Errors in French**: a database failure is the
  :class:`~cfa_domain.errors.ServiceIndisponible` the unit of work raises (the web layer
  answers 503), never a driver error.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from cfa_adapters.magasin import (
    LONGUEUR_CLE_LIMITE,
    LONGUEUR_CLE_SESSION,
    cle_enregistrable,
    exiger_cle,
    exiger_fenetre,
    exiger_instant,
)
from cfa_adapters.sql import tables as t
from cfa_adapters.sql.colonnes import Horodatage
from cfa_adapters.sql.moteur import LECTURE_SEULE
from cfa_adapters.sql.uow import _traduit

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterator

__all__ = ["CompteurSql", "MagasinSql"]


def _upsert(moteur: sa.Engine, table: sa.Table) -> sqlite.Insert | postgresql.Insert:
    """The dialect's INSERT, which knows ``ON CONFLICT``."""
    inserer = postgresql.insert if moteur.dialect.name == "postgresql" else sqlite.insert
    return inserer(table)


def _instant(quand: dt.datetime) -> sa.BindParameter[dt.datetime]:
    """A bound instant stored as the columns store it (UTC; naive text on SQLite)."""
    return sa.literal(quand, Horodatage())


def _ecrire(moteur: sa.Engine, requete: sa.Executable) -> int:
    """Run one writing statement in a transaction of its own; return the rows it touched."""
    with moteur.begin() as connexion:
        return connexion.execute(requete).rowcount


@contextlib.contextmanager
def _lecture(moteur: sa.Engine) -> Iterator[sa.Connection]:
    """A connection whose transaction only reads (no write lock on SQLite)."""
    with moteur.connect() as connexion:
        yield connexion.execution_options(**{LECTURE_SEULE: True})


def _lecture_vivante(colonne: sa.Column[Any]) -> sa.Select[Any]:
    """``colonne`` of the live entry of ``:cle`` at ``:maintenant``, built once."""
    s = t.sessions_web
    return sa.select(colonne).where(
        s.c.cle == sa.bindparam("cle"),
        sa.or_(s.c.expire_le.is_(None), s.c.expire_le > sa.bindparam("maintenant")),
    )


_LECTURES: dict[str, sa.Select[Any]] = {
    nom: _lecture_vivante(t.sessions_web.c[nom]) for nom in ("valeur", "cle", "expire_le")
}
"""The plain reads of a session, built once: a session is read at every request, and
building the statement cost a third of the read."""


@attrs.frozen
class MagasinSql:
    """A :class:`~cfa_adapters.magasin.Magasin` in the table ``sessions_web``."""

    moteur: sa.Engine

    @staticmethod
    def _cherchable(cle: str, maintenant: dt.datetime) -> bool:
        """False for a key no row can have; refuse a naive instant."""
        exiger_instant(maintenant)
        return cle_enregistrable(cle, LONGUEUR_CLE_SESSION)

    @staticmethod
    def _vivante(cle: str, maintenant: dt.datetime) -> sa.ColumnElement[bool]:
        s = t.sessions_web
        return sa.and_(
            s.c.cle == cle, sa.or_(s.c.expire_le.is_(None), s.c.expire_le > _instant(maintenant))
        )

    def _ligne(self, cle: str, maintenant: dt.datetime, colonne: str) -> sa.Row[Any] | None:
        """The live entry's ``colonne``, in a read-only transaction; None when absent."""
        if not self._cherchable(cle, maintenant):
            return None
        with _lecture(self.moteur) as connexion:
            return connexion.execute(
                _LECTURES[colonne], {"cle": cle, "maintenant": maintenant}
            ).one_or_none()

    @_traduit
    def lire(
        self, cle: str, maintenant: dt.datetime, prolonger: dt.timedelta | None = None
    ) -> bytes | None:
        """See :class:`~cfa_adapters.magasin.Magasin`."""
        s = t.sessions_web
        if prolonger is None:
            ligne = self._ligne(cle, maintenant, "valeur")
            return None if ligne is None else bytes(ligne.valeur)
        if not self._cherchable(cle, maintenant):
            return None
        # An entry without expiry keeps none: a CASE without ELSE is NULL.
        nouvelle = sa.case((s.c.expire_le.is_not(None), _instant(maintenant + prolonger)))
        renouveler = (
            sa.update(s)
            .where(self._vivante(cle, maintenant))
            .values(expire_le=nouvelle)
            .returning(s.c.valeur)
        )
        with self.moteur.begin() as connexion:
            valeur = connexion.execute(renouveler).scalar_one_or_none()
        return None if valeur is None else bytes(valeur)

    @_traduit
    def ecrire(self, cle: str, valeur: bytes, expire_le: dt.datetime | None) -> None:
        """See :class:`~cfa_adapters.magasin.Magasin`."""
        exiger_cle(cle, LONGUEUR_CLE_SESSION)
        if expire_le is not None:
            exiger_instant(expire_le)
        inserer = _upsert(self.moteur, t.sessions_web).values(
            cle=cle, valeur=bytes(valeur), expire_le=expire_le
        )
        requete = inserer.on_conflict_do_update(
            index_elements=[t.sessions_web.c.cle],
            set_={"valeur": inserer.excluded.valeur, "expire_le": inserer.excluded.expire_le},
        )
        _ecrire(self.moteur, requete)

    @_traduit
    def supprimer(self, cle: str) -> None:
        """See :class:`~cfa_adapters.magasin.Magasin`."""
        if cle_enregistrable(cle, LONGUEUR_CLE_SESSION):
            _ecrire(self.moteur, sa.delete(t.sessions_web).where(t.sessions_web.c.cle == cle))

    @_traduit
    def supprimer_tout(self) -> None:
        """See :class:`~cfa_adapters.magasin.Magasin`."""
        _ecrire(self.moteur, sa.delete(t.sessions_web))

    @_traduit
    def existe(self, cle: str, maintenant: dt.datetime) -> bool:
        """See :class:`~cfa_adapters.magasin.Magasin`."""
        return self._ligne(cle, maintenant, "cle") is not None

    @_traduit
    def expire_le(self, cle: str, maintenant: dt.datetime) -> dt.datetime | None:
        """See :class:`~cfa_adapters.magasin.Magasin`."""
        ligne = self._ligne(cle, maintenant, "expire_le")
        return None if ligne is None else ligne.expire_le

    @_traduit
    def purger(self, maintenant: dt.datetime) -> int:
        """See :class:`~cfa_adapters.magasin.Magasin`."""
        exiger_instant(maintenant)
        s = t.sessions_web
        return _ecrire(self.moteur, sa.delete(s).where(s.c.expire_le <= _instant(maintenant)))


@attrs.frozen
class CompteurSql:
    """A :class:`~cfa_adapters.magasin.Compteur` in the table ``limites_web``."""

    moteur: sa.Engine

    @_traduit
    def incrementer(self, cle: str, fenetre: dt.timedelta, maintenant: dt.datetime) -> int:
        """See :class:`~cfa_adapters.magasin.Compteur`."""
        exiger_cle(cle, LONGUEUR_CLE_LIMITE)
        exiger_fenetre(fenetre)
        exiger_instant(maintenant)
        li = t.limites_web
        finie = li.c.debut <= _instant(maintenant - fenetre)
        inserer = _upsert(self.moteur, li).values(cle=cle, compte=1, debut=maintenant)
        requete = inserer.on_conflict_do_update(
            index_elements=[li.c.cle],
            # Both right-hand sides read the row as it was before this update.
            set_={
                "compte": sa.case((finie, 1), else_=li.c.compte + 1),
                "debut": sa.case((finie, _instant(maintenant)), else_=li.c.debut),
            },
        ).returning(li.c.compte)
        with self.moteur.begin() as connexion:
            return int(connexion.execute(requete).scalar_one())

    @_traduit
    def reinitialiser(self, cle: str) -> None:
        """See :class:`~cfa_adapters.magasin.Compteur`."""
        if cle_enregistrable(cle, LONGUEUR_CLE_LIMITE):
            _ecrire(self.moteur, sa.delete(t.limites_web).where(t.limites_web.c.cle == cle))

    @_traduit
    def purger(self, maintenant: dt.datetime, fenetre: dt.timedelta) -> int:
        """See :class:`~cfa_adapters.magasin.Compteur`."""
        exiger_fenetre(fenetre)
        exiger_instant(maintenant)
        li = t.limites_web
        return _ecrire(
            self.moteur, sa.delete(li).where(li.c.debut <= _instant(maintenant - fenetre))
        )
