"""Bundled fonts that fpdf2 parses once per process and embeds whole, never subset again.

fpdf2 (2.8) parses a TrueType file at every ``FPDF.add_font`` and, at every ``output()``,
subsets it with fontTools, writes the subset and compresses it: four fifths of a receipt's
time went there. The receipt's fonts are small files cut for it
(``scripts/polices_recepisse.py``: 23 KB each), so here:

- each is parsed once per process, by fpdf2 itself (its ``TTFFont``, through a throw-away
  ``FPDF``), and every document gets a shallow copy of it, whose per-document state (the
  characters used, the missing ones, the index) is its own: :func:`installer`;
- every character of the font has a fixed code (a CID), the same in every document
  (:class:`CodesFixes`), so the font file, the widths, the ``ToUnicode`` map (how a reader
  gets the text back) and the ``CIDToGIDMap`` are computed and compressed once, and then
  only referenced by each document; a text is encoded by ``str.translate`` rather than
  one call per character;
- :class:`SortiePolicesPartagees`, given to ``FPDF.output(output_producer_class=...)``,
  writes these objects instead of fpdf2's subsetting (it overrides
  ``OutputProducer._add_fonts``, written for fpdf2 2.8: ``pyproject.toml`` bounds the
  version, and ``tests/contract/test_recepisse_pdf.py`` compares the pages drawn this way
  with those fpdf2 draws by itself, pixel for pixel).

The shared objects are never written after they are built, so documents can be rendered
in several threads at once. A character the font does not have is not drawn (as fpdf2
does) and is logged once per document, with the font's name.
"""

from __future__ import annotations

import functools
import logging
import threading
import zlib
from typing import TYPE_CHECKING, Any, cast

import attrs
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import OutputProducer
from fpdf.syntax import PDFObject, build_obj_dict
from fpdf.util import escape_parens

if TYPE_CHECKING:
    from pathlib import Path

    from fpdf.encryption import StandardSecurityHandler
    from fpdf.output import PDFFont, PDFType3Font

__all__ = ["CodesFixes", "PoliceChargee", "SortiePolicesPartagees", "installer", "police"]

_JOURNAL = logging.getLogger(__name__)
_PREFIXE_SOUS_ENSEMBLE = "MPDFAA+"
"""fpdf2's tag before an embedded font's name (PDF 32000-1, 9.6.4): kept, readers expect it."""


@attrs.frozen(eq=False)
class PoliceChargee:
    """A bundled font parsed once, with the text of its PDF objects, written once.

    ``modele`` is fpdf2's parsed font, copied into each document and never written;
    ``codes`` gives each character of the font its code (CID) in every document;
    ``objets`` are the text of the font's six PDF objects (:data:`_LIENS`), each with a
    ``{}`` where the number of an object it refers to goes.
    """

    modele: TTFFont
    codes: dict[int, int]
    objets: tuple[str, ...]
    vers_codes: dict[int, str] = attrs.field(init=False)
    """``codes`` for ``str.translate``: character → its code, as it is written in a PDF
    string (two bytes, big-endian, each as a latin-1 character, ``\\``, ``(``, ``)`` and
    carriage return escaped: what fpdf2's ``encode_text`` writes, one character at a time)."""
    connus: dict[int, None] = attrs.field(init=False)
    """For ``str.translate`` too: removes every character the font has."""

    @vers_codes.default
    def _vers_codes(self) -> dict[int, str]:
        return {
            unicode: escape_parens(code.to_bytes(2, "big").decode("latin-1"))
            for unicode, code in self.codes.items()
        }

    @connus.default
    def _connus(self) -> dict[int, None]:
        return dict.fromkeys(self.codes)


_LIENS = ((1, 2), (3, 4), (), (5,), (), ())
"""For each of a font's objects, in the order they are written (Type0 font, CIDFontType2,
ToUnicode, FontDescriptor, CIDToGIDMap, FontFile2), the indexes of those it refers to."""

_CHARGEES: dict[tuple[str, str, Path], PoliceChargee] = {}
_VERROU = threading.Lock()


def police(famille: str, style: str, fichier: Path) -> PoliceChargee:
    """The font ``fichier`` parsed and prepared, once per process."""
    cle = (famille.lower(), style, fichier)
    with _VERROU:
        chargee = _CHARGEES.get(cle)
        if chargee is None:
            chargee = _CHARGEES[cle] = _charger(famille, style, fichier)
    return chargee


def _charger(famille: str, style: str, fichier: Path) -> PoliceChargee:
    jetable = FPDF()
    jetable.add_font(famille, style=style, fname=fichier)
    modele = jetable.fonts[f"{famille.lower()}{style}"]
    if not isinstance(modele, TTFFont):  # pragma: no cover - add_font makes a TTFFont
        raise TypeError(f"{fichier} n'est pas une police TrueType")
    modele.ttfont.close()  # every table fpdf2 reads is loaded; nothing reads it again
    # One code per character, from 1 (fpdf2 draws no character whose code is 0).
    codes = {unicode: code for code, unicode in enumerate(sorted(modele.glyph_ids), start=1)}
    nom = f"/{_PREFIXE_SOUS_ENSEMBLE}{modele.name}"
    desc = modele.desc
    largeurs = {code: int(modele.cw[unicode]) for unicode, code in codes.items()}
    glyphes = {code: modele.glyph_ids[unicode] for unicode, code in codes.items()}
    objets = (
        (
            f"<</Type /Font /Subtype /Type0 /BaseFont {nom} /Encoding /Identity-H"
            " /DescendantFonts [{}] /ToUnicode {}>>"
        ),
        (
            f"<</Type /Font /Subtype /CIDFontType2 /BaseFont {nom}"
            " /CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>>"
            f" /FontDescriptor {{}} /CIDToGIDMap {{}} /DW {desc.missing_width}"
            f" /W {_largeurs(largeurs)}>>"
        ),
        _flux(_cmap_unicode(codes)),
        (
            f"<</Type /FontDescriptor /FontName {nom} /Flags {desc.flags.value}"
            f" /FontBBox {desc.font_b_box} /ItalicAngle {desc.italic_angle}"
            f" /Ascent {desc.ascent} /Descent {desc.descent} /CapHeight {desc.cap_height}"
            f" /StemV {desc.stem_v} /MissingWidth {desc.missing_width} /FontFile2 {{}}>>"
        ),
        _flux(_cid_vers_gid(glyphes)),
        _flux(fichier.read_bytes(), longueur=True),
    )
    return PoliceChargee(modele=modele, codes=codes, objets=objets)


def _flux(contenu: bytes, *, longueur: bool = False) -> str:
    """A stream object's text, its content compressed (``/Length1``: the uncompressed size)."""
    comprime = zlib.compress(contenu)
    longueur1 = f" /Length1 {len(contenu)}" if longueur else ""
    return (
        f"<</Filter /FlateDecode /Length {len(comprime)}{longueur1}>>\nstream\n"
        f"{comprime.decode('latin-1')}\nendstream"
    )


def _largeurs(largeurs: dict[int, int]) -> str:
    """The ``/W`` array (PDF 32000-1, 9.7.4.3) of codes 1 to n: ``[1 [w1 w2 … wn]]``."""
    return f"[1 [{' '.join(str(largeurs[code]) for code in range(1, len(largeurs) + 1))}]]"


def _cmap_unicode(codes: dict[int, int]) -> bytes:
    """The ``ToUnicode`` CMap of two-byte codes, in blocks of 100 (Adobe note #5014)."""
    paires = [f"<{code:04X}> <{unicode:04X}>\n" for unicode, code in sorted(codes.items())]
    blocs = "".join(
        f"{len(paires[debut : debut + 100])} beginbfchar\n"
        f"{''.join(paires[debut : debut + 100])}endbfchar\n"
        for debut in range(0, len(paires), 100)
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{blocs}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    ).encode("ascii")


def _cid_vers_gid(glyphes: dict[int, int]) -> bytes:
    """The ``CIDToGIDMap`` stream: two big-endian bytes a code, 0 to 65535 (PDF 9.7.4.2)."""
    table = bytearray(2 * 65536)
    for code, glyphe in glyphes.items():
        table[2 * code : 2 * code + 2] = glyphe.to_bytes(2, "big")
    return bytes(table)


class CodesFixes(SubsetMap):
    """A document's codes for a shared font: the font's fixed ones, whatever the text.

    fpdf2's ``SubsetMap`` numbers characters in the order a document first uses them, so
    each document needs its own subset, widths and maps; here a character's code is the
    same in every document. Missing characters are noted in the document's copy of the
    font, as fpdf2 does, for :class:`SortiePolicesPartagees` to log them.
    """

    def __init__(self, font: TTFFont, chargee: PoliceChargee) -> None:
        """Codes of ``chargee`` for ``font``, a document's copy of ``chargee.modele``.

        Not ``SubsetMap.__init__``: it looks up two glyphs through ``get_glyph``, whose
        cache (``functools.cache``) is shared by every ``SubsetMap`` and emptied only by
        fpdf2's own writer; each document would stay in it, and in memory, for good.
        """
        self.font = font
        self.chargee = chargee
        self._codes = chargee.codes
        self._next = 0
        self._reserved: list[int] = []
        self._char_id_per_glyph = {}

    def pick(self, unicode: int) -> int | None:  # type: ignore[override] # fpdf2's is cached
        """The code of ``unicode`` in the font, None if the font does not have it."""
        code = self._codes.get(unicode)
        if code is None and unicode not in self.font.missing_glyphs:
            self.font.missing_glyphs.append(unicode)
        return code


class _PoliceDocument(TTFFont):
    """A document's copy of a shared font, which encodes text in one pass of C code."""

    __slots__ = ("chargee",)
    chargee: PoliceChargee

    def encode_text(self, text: str) -> str:
        """``(codes) Tj`` for ``FPDF.text``, as fpdf2's, without a call per character."""
        if text.translate(self.chargee.connus):
            return super().encode_text(text)  # a character is missing: fpdf2 notes it
        return f"({text.translate(self.chargee.vers_codes)}) Tj"

    def get_text_width(
        self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None
    ) -> tuple[int, float]:
        """fpdf2's width of ``text`` (characters, points), its widths summed by C code.

        The same sum in the same order as fpdf2's generator, so the same float. Shaped text
        and symbol fonts go to fpdf2's own: the receipt has neither (shaping needs
        uharfbuzz, which the ``pdf`` extra does not install).
        """
        if text_shaping_params or self.is_symbol:  # pragma: no cover - see above
            return super().get_text_width(text, font_size_pt, text_shaping_params)
        self.biggest_size_pt = max(self.biggest_size_pt, font_size_pt)
        return len(text), sum(map(self.cw.__getitem__, map(ord, text))) * font_size_pt * 0.001


def installer(pdf: FPDF, chargee: PoliceChargee) -> None:
    """Make the font ``chargee`` usable in ``pdf`` (in place of ``pdf.add_font``)."""
    font = _PoliceDocument.__new__(_PoliceDocument)
    for nom in TTFFont.__slots__:
        if hasattr(chargee.modele, nom):
            setattr(font, nom, getattr(chargee.modele, nom))
    font.chargee = chargee
    font.i = len(pdf.fonts) + 1
    font.cw = chargee.modele.cw.copy()  # fpdf2 adds missing characters to it
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = CodesFixes(font, chargee)
    pdf.fonts[font.fontkey] = font


class _ObjetFige(PDFObject):
    """A PDF object whose text was written once: each document fills in the numbers only."""

    def __init__(self, texte: str, *liens: PDFObject) -> None:
        super().__init__()
        self._texte = texte
        self._liens = liens

    def serialize(
        self,
        obj_dict: dict[str, object] | None = None,
        _security_handler: StandardSecurityHandler | None = None,
    ) -> str:
        """The object, ``n 0 obj … endobj``, referring to its objects by their numbers."""
        if obj_dict or _security_handler is not None:
            raise NotImplementedError("objet de police figé : ni dictionnaire ni chiffrement")
        texte = self._texte
        if self._liens:  # a stream refers to nothing: its bytes are not scanned for {}
            texte = texte.format(*(lien.ref for lien in self._liens))
        return f"{self.id} 0 obj\n{texte}\nendobj"


_ATTRIBUTS: dict[type, frozenset[str]] = {}
"""Per class of fpdf2's objects: :func:`_attributs_de_classe` (a handful of classes)."""


def _attributs_de_classe(classe: type) -> frozenset[str]:
    """The names ``dir()`` gives for ``classe`` that fpdf2 may write as PDF keys, once.

    Those of a value, a property or a slot: not a method, not private, not ``id``/``ref``.
    """
    noms = _ATTRIBUTS.get(classe)
    if noms is None:
        noms = _ATTRIBUTS[classe] = frozenset(
            nom
            for nom in dir(classe)
            if not nom.startswith("_")
            and nom not in {"id", "ref"}
            and (
                isinstance(getattr(classe, nom, None), property)
                or not callable(getattr(classe, nom, None))
            )
        )
    return noms


def _dictionnaire_pdf(
    objet: PDFObject, security_handler: StandardSecurityHandler | None = None
) -> dict[str, object]:
    """What ``PDFObject._build_obj_dict`` gives, its class's attributes listed once.

    fpdf2 lists them with ``dir(objet)`` at each object it writes: a fifth of a receipt's
    time. ``dir`` is the class's names and the instance's, sorted: the same here, and the
    same filter after (``build_obj_dict`` drops methods, private names and None values).
    """
    noms = set(_attributs_de_classe(type(objet)))
    noms.update(vars(objet))
    return build_obj_dict(
        {nom: getattr(objet, nom) for nom in sorted(noms)},
        _security_handler=security_handler,
        _obj_id=objet.id,
    )


class SortiePolicesPartagees(OutputProducer):
    """fpdf2's writer, which embeds the shared fonts of :func:`installer` whole.

    Pass it as ``pdf.output(output_producer_class=SortiePolicesPartagees)``: every font of
    the document must come from :func:`installer`. fpdf2's own objects are written as
    fpdf2 writes them, their attributes listed once per class (:func:`_dictionnaire_pdf`).
    """

    def _add_pdf_obj(self, pdf_obj: PDFObject, trace_label: str | None = None) -> int:
        """Add the object, to be written with :func:`_dictionnaire_pdf` if fpdf2 would list it."""
        if type(pdf_obj)._build_obj_dict is PDFObject._build_obj_dict:  # noqa: SLF001
            pdf_obj._build_obj_dict = functools.partial(_dictionnaire_pdf, pdf_obj)  # type: ignore[method-assign] # noqa: SLF001
        return super()._add_pdf_obj(pdf_obj, trace_label)

    def _add_fonts(
        self,
        image_objects_per_index: object,
        gfxstate_objs_per_name: object,
        pattern_objs_per_name: object,
    ) -> dict[int, PDFFont | PDFType3Font]:
        """Write each font's objects from its prepared contents; no subsetting."""
        del image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name
        objets: dict[int, PDFFont | PDFType3Font] = {}
        for font in sorted(self.fpdf.fonts.values(), key=lambda font: font.i):
            if not isinstance(font, TTFFont) or not isinstance(font.subset, CodesFixes):
                raise TypeError(f"police {font.fontkey} non installée par polices_partagees")
            # fpdf2 reads only the number of a font's object, in the pages' resources.
            objets[font.i] = cast("PDFFont", self._police(font, font.subset.chargee))
        return objets

    def _police(self, font: TTFFont, chargee: PoliceChargee) -> _ObjetFige:
        if font.missing_glyphs:
            _JOURNAL.warning(
                "La police %s n'a pas les caractères %s : ils ne sont pas dessinés.",
                font.name,
                ", ".join(f"{chr(c)!r} (U+{c:04X})" for c in font.missing_glyphs),
            )
        objets: list[_ObjetFige] = []
        for texte, liens in zip(reversed(chargee.objets), reversed(_LIENS), strict=True):
            # an object refers only to those after it, already made
            objets.insert(0, _ObjetFige(texte, *(objets[i - len(_LIENS)] for i in liens)))
        for objet in objets:
            self._add_pdf_obj(objet, "fonts")
        return objets[0]
