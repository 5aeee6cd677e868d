"""The receipt's fast path draws what fpdf2 draws by itself, and keeps no state between PDFs.

``RenduRecepissePdf`` parses its fonts once per process, embeds them whole with fixed codes
(``cfa_adapters.pdf.polices_partagees``) and writes its text as ``FPDF.text`` writes it, where
``FPDF.cell`` would draw the same. Here:

- receipts rendered one after the other, in either order, by one renderer, and from two
  threads at once, each read their own fields and have the bytes of the receipt rendered
  alone;
- the pages are the pages fpdf2 draws with its own fonts (``add_font``, subset at each
  ``output()``), pixel for pixel (``pdftoppm``), and read the same (``pdftotext``);
- ``_cellule`` draws what ``FPDF.cell`` draws, for each way the receipt uses it;
- a character the font lacks is logged and left out, as fpdf2 does;
- the bundled fonts hold the characters ``scripts/polices_recepisse.py`` promises.

Without ``pdftoppm`` and ``pdftotext`` (Debian's poppler-utils) the picture tests are skipped
with the reason, except under CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import gc
import io
import logging
import subprocess
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pypdf
import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import TTFFont
from fpdf.output import OutputProducer

from cfa_adapters.pdf import RenduRecepissePdf
from cfa_adapters.pdf.polices_partagees import SortiePolicesPartagees
from cfa_adapters.pdf.recepisse import POLICES, _Document
from cfa_domain.values import Montant, Piece

from .recepisses import recepisse
from .test_recepisse import espaces, texte_pdf
from .test_recepisse_pdf import _pdftoppm

if TYPE_CHECKING:
    from cfa_domain.remboursement import Recepisse

DEUX = (
    recepisse(),
    recepisse(
        organisme="Institut régional de formation aux métiers de la rééducation",
        apprenti_nom="Dvořák",
        apprenti_prenom="Œlise",
        montant_demande=Montant("1234567.89"),
        pieces_fournies=(Piece.FACTURE, Piece.CERTIFICAT_REALISATION),
        pieces_non_fournies=(),
        demande_id=uuid.UUID(int=7),
    ),
)
"""Two receipts that share no name, amount or tick column."""


def _lit(contenu: bytes) -> str:
    return espaces(texte_pdf(contenu))


def _propre(recu: Recepisse) -> list[str]:
    """What only this receipt of ``DEUX`` shows."""
    return [recu.apprenti_nom, recu.organisme, str(recu.demande_id)]


def test_deux_recepisses_de_suite_chacun_le_sien() -> None:
    """One renderer, two receipts in a row, in both orders: each reads its own fields only.

    And each has the same bytes whether rendered first or second.
    """
    rendu = RenduRecepissePdf()
    premier, second = (rendu.rendre(recu) for recu in DEUX)
    second_d_abord, premier_ensuite = (rendu.rendre(recu) for recu in reversed(DEUX))
    assert (premier, second) == (premier_ensuite, second_d_abord)
    guide, autre_recu = DEUX
    for contenu, recu, autre in ((premier, guide, autre_recu), (second, autre_recu, guide)):
        texte = _lit(contenu)
        assert all(champ in texte for champ in _propre(recu))
        assert not any(champ in texte for champ in _propre(autre))
    assert "1 234 567,89 €" in _lit(second)
    assert "1 234 567,89 €" not in _lit(premier)


def test_deux_fils_en_meme_temps() -> None:
    """Two threads render the two receipts at once, with one renderer.

    Every rendering has the bytes of its receipt rendered alone.
    """
    rendu = RenduRecepissePdf()
    attendus = [rendu.rendre(recu) for recu in DEUX]
    depart = threading.Barrier(2)

    def serie(indice: int) -> list[bytes]:
        depart.wait()
        return [rendu.rendre(DEUX[indice]) for _ in range(15)]

    with ThreadPoolExecutor(max_workers=2) as fils:
        resultats = list(fils.map(serie, (0, 1)))
    for indice, rendus in enumerate(resultats):
        assert rendus == [attendus[indice]] * 15


def test_rien_ne_reste_en_memoire() -> None:
    """Rendered receipts leave no font of theirs behind (fpdf2's glyph cache included)."""

    def polices_vivantes() -> int:
        gc.collect()
        return sum(isinstance(objet, TTFFont) for objet in gc.get_objects())

    rendu = RenduRecepissePdf()
    rendu.rendre(DEUX[0])
    avant = polices_vivantes()
    for _ in range(20):
        rendu.rendre(DEUX[0])
    assert polices_vivantes() == avant


class _RenduFpdf2Seul(RenduRecepissePdf):
    """The same layout, with fpdf2's own fonts: parsed, subset and embedded per document."""

    @staticmethod
    def _polices(pdf: FPDF) -> None:
        pdf.add_font("DejaVuSans", style="", fname=POLICES / "DejaVuSans.ttf")
        pdf.add_font("DejaVuSans", style="B", fname=POLICES / "DejaVuSans-Bold.ttf")

    @staticmethod
    def _ecrire(pdf: FPDF) -> bytes:
        return bytes(pdf.output())


def _pixels(pdf: Path) -> bytes:
    """Page 1 in grey levels at 150 dpi (PGM)."""
    return subprocess.run(  # noqa: S603 - a fixed tool on our own file
        [_pdftoppm(), "-gray", "-r", "150", "-singlefile", "-f", "1", "-l", "1", pdf],
        check=True,
        capture_output=True,
    ).stdout


def _pdftotext(pdf: Path) -> str:
    outil = Path(_pdftoppm()).with_name("pdftotext")
    return subprocess.run(  # noqa: S603 - a fixed tool on our own file
        [outil, "-layout", pdf, "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.parametrize("recu", DEUX, ids=["guide", "autre"])
def test_memes_pages_que_fpdf2_seul(recu: Recepisse, tmp_path: Path) -> None:
    """The shared fonts draw every pixel fpdf2's own fonts draw, and read the same."""
    rapide, reference = tmp_path / "rapide.pdf", tmp_path / "reference.pdf"
    rapide.write_bytes(RenduRecepissePdf().rendre(recu))
    reference.write_bytes(_RenduFpdf2Seul().rendre(recu))
    assert rapide.read_bytes() != reference.read_bytes()  # not the same path
    assert _pixels(rapide) == _pixels(reference)
    assert _pdftotext(rapide) == _pdftotext(reference)


class _SortieAvecDir(SortiePolicesPartagees):
    """The shared-font writer, fpdf2's objects listed by fpdf2 itself (``dir()`` each)."""

    _add_pdf_obj = OutputProducer._add_pdf_obj


class _RenduSortieAvecDir(RenduRecepissePdf):
    @staticmethod
    def _ecrire(pdf: FPDF) -> bytes:
        assert isinstance(pdf, _Document)
        pdf.identifier()
        return bytes(pdf.output(output_producer_class=_SortieAvecDir))


@pytest.mark.parametrize(
    ("recu", "pages"),
    [(DEUX[0], 1), (DEUX[1], 1), (recepisse(organisme="Centre au nom très long " * 300), 5)],
    ids=["guide", "autre", "cinq-pages"],
)
def test_objets_de_fpdf2_ecrits_comme_fpdf2_les_ecrit(recu: Recepisse, pages: int) -> None:
    """Listing a class's attributes once writes the bytes fpdf2's ``dir()`` at each object does."""
    contenu = RenduRecepissePdf().rendre(recu)
    assert contenu == _RenduSortieAvecDir().rendre(recu)
    assert len(pypdf.PdfReader(io.BytesIO(contenu)).pages) == pages


def _page(dessin: str) -> FPDF:
    """A page with the receipt's font, its grey, and cells drawn by ``dessin``."""
    pdf = FPDF(format="A4")
    RenduRecepissePdf._polices(pdf)
    pdf.add_page()
    pdf.set_draw_color(180, 180, 180)
    pdf.set_font("DejaVuSans", "B", 10)
    for texte, largeur, alignement, bordure in (
        ("À gauche, 26 247,00 €", 0, Align.L, False),
        ("Au centre ✓", 50.0, Align.C, True),
        ("Bordée", 60.0, Align.L, True),
    ):
        if dessin == "cell":
            pdf.cell(largeur, 8, texte, border=1 if bordure else 0, align=alignement)
        else:
            RenduRecepissePdf._cellule(pdf, largeur, 8, texte, alignement, bordure=bordure)
        pdf.ln(8)
    pdf.set_text_color(90, 90, 90)
    pdf.set_font("DejaVuSans", "", 8)
    pdf.set_y(pdf.h - 21)  # the next cell crosses the bottom margin: a new page first
    if dessin == "cell":
        pdf.cell(0, 5, "En gris, page suivante", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        RenduRecepissePdf._cellule(pdf, 0, 5, "En gris, page suivante")
    return pdf


def test_cellule_dessine_ce_que_cell_dessine(tmp_path: Path) -> None:
    """``_cellule`` puts text, border, colour and page break where ``FPDF.cell`` does."""
    chemins = []
    for dessin in ("cell", "_cellule"):
        pdf = _page(dessin)
        assert pdf.pages_count == 2
        chemin = tmp_path / f"{dessin}.pdf"
        chemin.write_bytes(bytes(pdf.output(output_producer_class=SortiePolicesPartagees)))
        chemins.append(chemin)
    for page in ("1", "2"):
        images = [
            subprocess.run(  # noqa: S603 - a fixed tool on our own files
                [_pdftoppm(), "-gray", "-r", "150", "-singlefile", "-f", page, "-l", page, c],
                check=True,
                capture_output=True,
            ).stdout
            for c in chemins
        ]
        assert images[0] == images[1]


def test_caractere_absent_journalise_et_omis(caplog: pytest.LogCaptureFixture) -> None:
    """A name with letters the font lacks: logged with their code points, the rest drawn."""
    with caplog.at_level(logging.WARNING, logger="cfa_adapters.pdf.polices_partagees"):
        contenu = RenduRecepissePdf().rendre(recepisse(apprenti_nom="Nguyễn"))
    assert "U+1EC5" in caplog.text
    assert "DejaVuSansBook" in caplog.text
    assert "Nguyn" in _lit(contenu)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="cfa_adapters.pdf.polices_partagees"):
        RenduRecepissePdf().rendre(recepisse())
    assert caplog.text == ""  # the next receipt has nothing missing: nothing carried over


def test_police_etrangere_refusee_a_la_sortie() -> None:
    """The shared-font writer refuses a document whose font it did not install."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    pdf.text(20, 20, "Bonjour")
    with pytest.raises(TypeError, match="helvetica"):
        pdf.output(output_producer_class=SortiePolicesPartagees)


def _points(de: str, a: str) -> set[int]:
    return set(range(int(de, 16), int(a, 16) + 1))


@pytest.mark.parametrize("fichier", ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"])
def test_polices_livrees(fichier: str) -> None:
    """Each bundled font holds French text, € and the ticks, and nothing fpdf2 leaves unused."""
    police = TTFont(io.BytesIO((POLICES / fichier).read_bytes()))
    caracteres = set(police.getBestCmap())
    francais = "àâäçéèêëîïôöùûüÿæœÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ«»€’“”–—…\u00a0\u202f✓✗"
    assert {ord(c) for c in francais} <= caracteres
    assert _points("20", "7e") | _points("a0", "17f") <= caracteres
    assert not {"GSUB", "GPOS", "GDEF", "fpgm", "prep", "cvt "} & set(police.keys())


def test_lecture_pypdf_des_deux() -> None:
    """Pypdf reads both receipts, with their fonts' ToUnicode maps, on one page each."""
    for recu in DEUX:
        lecteur = pypdf.PdfReader(io.BytesIO(RenduRecepissePdf().rendre(recu)))
        assert len(lecteur.pages) == 1
        assert recu.apprenti_prenom in lecteur.pages[0].extract_text()
