r"""Make the receipt's bundled fonts: DejaVu Sans cut to what French text needs, ready to embed.

Usage (from the repository root, with fontTools: the ``pdf`` extra brings it through fpdf2)::

    python scripts/polices_recepisse.py [--source /usr/share/fonts/truetype/dejavu]

reads ``DejaVuSans.ttf`` and ``DejaVuSans-Bold.ttf`` from ``--source`` (Debian's
fonts-dejavu-core by default) and writes their subsets into
``src/cfa_adapters/pdf/polices/`` (``--destination``), beside the licence
(``LICENCE-DejaVu.txt``, which must stay with them).

What a subset keeps: Basic Latin, Latin-1, Latin Extended-A (names from other languages:
Ł, ř, ş …), typographic punctuation and spaces (the narrow no-break space U+202F that
Babel puts between thousands), €, ™, − and the ticks ✓ ✗ (``CARACTERES``). What it drops:
hinting and the OpenType layout tables (GDEF, GPOS, GSUB, MATH), which fpdf2 does not use
without text shaping. The renderer embeds each file whole, as it is, in every receipt
(``cfa_adapters.pdf.polices_partagees``): what is left out here is what makes a receipt
smaller.

The output is the same for the same source files and fontTools version (no timestamp).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

DEPOT = Path(__file__).resolve().parents[1]
DESTINATION = DEPOT / "src" / "cfa_adapters" / "pdf" / "polices"
SOURCE = Path("/usr/share/fonts/truetype/dejavu")
FICHIERS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

CARACTERES = (
    "U+0020-007E,U+00A0-017F,U+0192,U+02C6-02DC,U+2010-2027,U+202F,U+2030-203A,"
    "U+20AC,U+2122,U+2212,U+2713,U+2717"
)
"""The code points kept, in pyftsubset's ``--unicodes`` syntax."""

TABLES_RETIREES = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "kern", "meta")


def _options() -> subset.Options:
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.recommended_glyphs = True
    options.drop_tables += list(TABLES_RETIREES)
    return options


def couper(source: Path, destination: Path) -> int:
    """Write the subset of the font ``source`` into ``destination``; return its size."""
    police = TTFont(source, recalcTimestamp=False)
    decoupe = subset.Subsetter(_options())
    decoupe.populate(unicodes=subset.parse_unicodes(CARACTERES))
    decoupe.subset(police)
    police.save(destination)
    return destination.stat().st_size


def main() -> None:
    """Cut each font of ``FICHIERS`` and say what was written."""
    analyseur = argparse.ArgumentParser(description="Polices du récépissé PDF.")
    analyseur.add_argument("--source", type=Path, default=SOURCE, help=f"défaut : {SOURCE}")
    analyseur.add_argument(
        "--destination", type=Path, default=DESTINATION, help=f"défaut : {DESTINATION}"
    )
    arguments = analyseur.parse_args()
    for nom in FICHIERS:
        taille = couper(arguments.source / nom, arguments.destination / nom)
        print(f"{arguments.destination / nom} : {taille} octets")


if __name__ == "__main__":
    main()
