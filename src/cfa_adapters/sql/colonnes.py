"""Column types that keep the domain's guarantees on both engines.

- :class:`Argent` is ``NUMERIC(14, 2)`` everywhere and always hands back a ``Decimal``
  quantized to the cent. PostgreSQL stores it exactly. SQLite has no decimal type: its
  NUMERIC affinity keeps ``'12.50'`` as the REAL 12.5. Below 10¹³ € a double holds every
  cent exactly (``Montant`` stays below 10¹² €, what the column holds) and ``repr`` gives
  the shortest exact text, so going through ``str`` and quantizing is lossless; we read
  the float ourselves instead of letting SQLAlchemy's ``Numeric`` do it, which
  warns (and our test suite turns warnings into errors).
- :class:`Horodatage` stores instants in UTC. PostgreSQL keeps ``timestamptz``; SQLite
  stores a naive ISO text, so the UTC zone is re-attached on load. A naive datetime is
  refused on the way in: the domain only deals in aware instants.
- :class:`TexteRecherche` is the normalised search column. Its collation lets an index
  serve ``LIKE 'prefix%'``: ``NOCASE`` on SQLite (whose LIKE is case-insensitive, so the
  index must be too; the stored text is already case-folded) and ``"C"`` on PostgreSQL
  (byte order, so a prefix is a range of the index whatever the database's locale).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from cfa_domain.values import CENTIME, CONTEXTE_MONETAIRE

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import Dialect

__all__ = ["Argent", "Horodatage", "SommeArgent", "TexteRecherche"]


class Argent(TypeDecorator[Decimal]):
    """An amount in euros: NUMERIC(14, 2), read back as a Decimal to the cent."""

    impl = sa.Numeric(14, 2)
    cache_ok = True
    #: The column's digits (two of them after the point).
    chiffres = 14

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        """On SQLite, read the raw value (a float) and convert it here."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Numeric[float](self.chiffres, 2, asdecimal=False))
        return dialect.type_descriptor(sa.Numeric[Decimal](self.chiffres, 2))

    def process_bind_param(self, value: object, dialect: Dialect) -> object:
        """Send text to SQLite (never a float), the Decimal itself elsewhere."""
        if value is None:
            return None
        if isinstance(value, float):
            msg = "Un montant ne se construit jamais à partir d'un nombre flottant."
            raise TypeError(msg)
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: object, _dialect: Dialect) -> Decimal | None:
        """Return a Decimal quantized to the cent."""
        if value is None:
            return None
        return Decimal(str(value)).quantize(CENTIME, context=CONTEXTE_MONETAIRE)


class SommeArgent(Argent):
    """A sum of amounts (a budget's six lines, a file's paid requests): NUMERIC(18, 2).

    Each amount stays below 10¹² €, their sums may not: :class:`Argent`'s 14 digits would
    overflow on PostgreSQL. (On SQLite, beyond 10¹³ € a sum's double may miss a cent.)
    """

    impl = sa.Numeric(18, 2)
    cache_ok = True
    chiffres = 18


class Horodatage(TypeDecorator[dt.datetime]):
    """A timezone-aware instant, stored in UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> object:
        """Refuse a naive datetime; convert to UTC (and drop the zone for SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            msg = "Un horodatage doit porter son fuseau horaire."
            raise ValueError(msg)
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self, value: dt.datetime | None, _dialect: Dialect
    ) -> dt.datetime | None:
        """Return an aware datetime in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def TexteRecherche(longueur: int) -> sa.types.TypeEngine[str]:  # noqa: N802 - reads as a type
    """A normalised search text whose index serves ``LIKE 'prefix%'`` on both engines."""
    return (
        sa.String(longueur)
        .with_variant(sa.String(longueur, collation="NOCASE"), "sqlite")
        .with_variant(sa.String(longueur, collation="C"), "postgresql")
    )
