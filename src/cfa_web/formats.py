"""French formatting of the pages, in one place: Jinja filters backed by Babel's fr_FR.

Amounts, dates and instants are written by Python's own formatting with fr_FR's symbols
and patterns (Babel's functions re-read them at each call, and a page writes dozens);
``tests/web/test_socle.py`` checks that the texts are Babel's.
"""

from __future__ import annotations

import enum
import zoneinfo
from typing import TYPE_CHECKING

from babel import Locale
from babel.numbers import format_currency, format_decimal, get_currency_symbol

from cfa_domain.values import Montant

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable
    from decimal import Decimal

    from cfa_domain.compte import PolitiqueMotDePasse

__all__ = [
    "FILTRES",
    "date_fr",
    "filtres",
    "instant_fr",
    "montant_csv",
    "montant_fr",
    "nombre_fr",
    "regles_mot_de_passe",
]

LOCALE = Locale.parse("fr_FR")
"""Parsed once: Babel parses a locale given as text at every call (half of a list page's
rendering went to it, 40 amounts a page)."""


_SYMBOLES = LOCALE.number_symbols["latn"]
_SEPARATEURS = str.maketrans(
    {",": _SYMBOLES["group"], ".": _SYMBOLES["decimal"], "-": _SYMBOLES["minusSign"]}
)
_EUROS = "\xa0" + get_currency_symbol("EUR", LOCALE)
_MOTIF_CONNU = LOCALE.currency_formats["standard"].pattern == "#,##0.00\xa0¤"
"""True with the CLDR data of every Babel we know; another falls back to Babel itself."""


def montant_fr(valeur: Montant | Decimal | None) -> str:
    """``26 247,00 €`` (a narrow no-break space groups the thousands); empty for None.

    The text of Babel's ``format_currency(valeur, "EUR", locale="fr_FR")`` (the pattern
    ``#,##0.00 ¤``, rounded half to even; ``tests/web/test_socle.py`` compares them on
    any decimal), written by Python's own formatting with fr_FR's symbols: Babel took
    20 µs an amount, and a list page shows 40 of them.
    """
    if valeur is None:
        return ""
    nombre = valeur.valeur if isinstance(valeur, Montant) else valeur
    if not _MOTIF_CONNU:  # pragma: no cover - a Babel whose fr_FR pattern changed
        return format_currency(nombre, "EUR", locale=LOCALE)
    return f"{nombre:,.2f}".translate(_SEPARATEURS) + _EUROS


def montant_csv(valeur: Montant) -> str:
    """``26247,00``: a decimal comma, no grouping, no sign of currency (a spreadsheet's number)."""
    return f"{valeur.valeur:.2f}".replace(".", ",")


def date_fr(valeur: dt.date | None) -> str:
    """``21/08/2020``; empty for None.

    Babel's ``format_date(valeur, "dd/MM/yyyy", locale="fr_FR")`` (digits only, nothing of
    the locale's; ``tests/web/test_socle.py`` compares them), without its pattern parsing:
    a file's page shows some thirty dates.
    """
    if valeur is None:
        return ""
    return f"{valeur.day:02d}/{valeur.month:02d}/{valeur.year:04d}"


def nombre_fr(valeur: int | Decimal | None) -> str:
    """``20 000`` (grouped the French way); empty for None."""
    if valeur is None:
        return ""
    return format_decimal(valeur, locale=LOCALE)


def filtres(fuseau: str) -> dict[str, Callable[..., str]]:
    """The filters of the templates, instants shown in the OPCO's time zone ``fuseau``."""
    zone = zoneinfo.ZoneInfo(fuseau)

    def instant_fr(valeur: dt.datetime | None) -> str:
        """``21/08/2020 à 14:05`` in the OPCO's time zone; empty for None."""
        if valeur is None:
            return ""
        local = valeur.astimezone(zone)
        return f"{date_fr(local)} à {local.hour:02d}:{local.minute:02d}"

    def libelle(valeur: object) -> str:
        """The French label of an enum member (its ``libelle``, else its value)."""
        if valeur is None:
            return ""
        if isinstance(valeur, enum.Enum):
            return str(getattr(valeur, "libelle", valeur.value))
        return str(valeur)

    return {
        "montant": montant_fr,
        "date": date_fr,
        "instant": instant_fr,
        "nombre": nombre_fr,
        "libelle": libelle,
    }


FILTRES = filtres("Europe/Paris")
instant_fr = FILTRES["instant"]


def regles_mot_de_passe(politique: PolitiqueMotDePasse) -> list[tuple[str, str]]:
    """The password policy as the form shows it: (rule key, French sentence) pairs.

    The page's script ticks each rule as the user types (``data-regle``); the server
    checks them all again (the core's policy decides, not the page).
    """
    regles = [("longueur", f"au moins {politique.longueur_min} caractères")]
    if politique.exige_minuscule:
        regles.append(("minuscule", "une lettre minuscule"))
    if politique.exige_majuscule:
        regles.append(("majuscule", "une lettre majuscule"))
    if politique.refuser_courants:
        regles.append(("courant", "pas un mot de passe courant (vérifié à l'envoi)"))
    return regles
