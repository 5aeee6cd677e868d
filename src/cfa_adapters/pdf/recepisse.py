"""The receipt of a reimbursement request in PDF, drawn with fpdf2 (port ``RenduRecepisse``).

The layout follows the guide's "Récépissé de la demande d'acompte": the OPCO's name, the
dated title, the organisme and the request's references, the file and its apprentice,
the funding granted and already reimbursed, the amount requested and its period, and the
documents provided or not.

- **A4, French figures.** Amounts and dates are written by Babel in the ``fr_FR`` locale
  (``26 247,00 €``, ``21/08/2020``).
- **Unicode.** The text is set in DejaVu Sans, bundled in ``polices/`` with its licence,
  cut to the Latin letters, punctuation, € and ✓ that French text (and most names) need
  (``scripts/polices_recepisse.py``); a character beyond them is not drawn, and logged.
- **Byte-identical.** The same receipt gives the same bytes: the PDF's creation date is the
  receipt's date (midnight UTC), and nothing else in the file depends on the clock, the
  receipts rendered before or the other threads.
- **Metadata.** Title (the receipt's heading), author (the OPCO), subject, language.
- **Speed.** The fonts are parsed once per process and embedded whole, their PDF objects
  written once (:mod:`cfa_adapters.pdf.polices_partagees`); the text and borders are
  written as fpdf2's ``text`` and ``rect`` write them, where ``cell`` would have drawn the
  same (:meth:`_cellule`), without their per-call checks, and ``multi_cell`` breaks only
  the lines that need it; the file id hashes the pages, not the fonts (:class:`_Document`).
  About 20 times faster than fpdf2's defaults (``docs/performance.md``), for a file of
  42 KB instead of 16 KB.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from babel import Locale
from babel.dates import format_date
from babel.numbers import get_currency_symbol, parse_pattern
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

from cfa_adapters.pdf.polices_partagees import SortiePolicesPartagees, installer, police
from cfa_domain.values import Categorie, Piece

if TYPE_CHECKING:
    from fpdf.fonts import TTFFont

    from cfa_domain.remboursement import Recepisse
    from cfa_domain.values import Montant, Periode

__all__ = ["POLICES", "RenduRecepissePdf", "date_fr", "montant_fr"]

POLICES = Path(__file__).parent / "polices"
"""The bundled fonts and their licence (``LICENCE-DejaVu.txt``)."""

_LOCALE = Locale("fr", "FR")
"""Parsed once: Babel parses a locale's name at every call given a string."""
_POLICE = "DejaVuSans"
_CLE_POLICE = _POLICE.lower()
"""The font's key in ``FPDF.fonts``, before its style (fpdf2 writes families in lower case)."""
_MARGE = 20.0
_LIBELLE = 64.0
_INTERLIGNE = 6.0
_GRIS = (90, 90, 90)
_FILET = (180, 180, 180)
_COCHE = "✓"
_TAILLE_MIN = 6.0
_REMERCIEMENT = (
    "Merci d'avoir utilisé ce formulaire en ligne, nous vous tiendrons informé de "
    "la suite de votre demande."
)
_LIGNES_DES_PARAGRAPHES: dict[tuple[str, str, str, float, float], tuple[str, ...]] = {}
"""The lines of each fixed text, by font and width (:meth:`RenduRecepissePdf._paragraphe`)."""


_MOTIF_EUROS = parse_pattern(
    _LOCALE.currency_formats["standard"].pattern.replace(
        "¤", f"'{get_currency_symbol('EUR', _LOCALE)}'"
    )
)
"""fr_FR's currency pattern with the euro's symbol written in, parsed once.

``format_currency`` gives the same text (the euro has the pattern's two decimals), but
looks up the currency's plural name at every call, for a ``¤¤¤`` the pattern does not
have: two thirds of its time.
"""


def montant_fr(montant: Montant) -> str:
    """An amount as French text: ``26 247,00 €`` (Babel's fr_FR spaces)."""
    return str(_MOTIF_EUROS.apply(montant.valeur, _LOCALE))


def date_fr(jour: dt.date) -> str:
    """A date as French text: ``21/08/2020``."""
    return format_date(jour, "dd/MM/y", locale=_LOCALE)


def _periode(periode: Periode) -> str:
    return f"{date_fr(periode.debut)} au {date_fr(periode.fin)}"


class _Document(FPDF):
    """An fpdf2 document whose file identifier is set by :meth:`identifier`.

    fpdf2's default ``/ID`` (PDF 32000-1, 14.4) is an MD5 of the whole file, whose 40 KB
    are mostly the embedded fonts, the same in every receipt: a fifteenth of a receipt's
    time. Here it is an MD5 of what makes a receipt this one: its pages' drawing and its
    metadata; the same receipt keeps the same bytes, another one gets another identifier.
    """

    identifiant: str | None = None

    def identifier(self) -> None:
        """Hash the pages drawn and the metadata: call it once the receipt is drawn."""
        empreinte = hashlib.md5(usedforsecurity=False)
        for numero in sorted(self.pages):
            empreinte.update(bytes(cast("bytearray", self.pages[numero].contents)))
        metadonnees = (self.title, self.author, self.subject, self.creator, self.producer)
        empreinte.update(repr((metadonnees, self.lang, self.creation_date)).encode())
        self.identifiant = empreinte.hexdigest().upper()

    def file_id(self) -> str | Literal[-1] | None:
        """The identifier, twice (first written, last updated); fpdf2's until identified."""
        if self.identifiant is None:
            return super().file_id()  # fpdf2's own: -1 asks for its MD5 of the file
        return f"<{self.identifiant}><{self.identifiant}>"


class RenduRecepissePdf:
    """Renders a :class:`~cfa_domain.remboursement.Recepisse` as an A4 PDF.

    ``nom_opco`` is the OPCO's name, printed in the header, the "Référence" line and the
    closing words (the guide's OPCO Santé by default).
    """

    def __init__(self, nom_opco: str = "OPCO Santé") -> None:
        """Remember the OPCO's name."""
        self.nom_opco = nom_opco

    def rendre(self, recepisse: Recepisse) -> bytes:
        """Return the receipt as PDF bytes (the same bytes for the same receipt)."""
        pdf = self._document(recepisse)
        self._entete(pdf, recepisse)
        self._references(pdf, recepisse)
        self._apprenti(pdf, recepisse)
        self._montants(pdf, recepisse)
        self._justificatifs(pdf, recepisse)
        self._conclusion(pdf, recepisse)
        return self._ecrire(pdf)

    # --- fonts and output (the tests compare them with fpdf2's own) -------------------

    @staticmethod
    def _polices(pdf: FPDF) -> None:
        """Give ``pdf`` the bundled fonts, parsed once per process."""
        installer(pdf, police(_POLICE, "", POLICES / "DejaVuSans.ttf"))
        installer(pdf, police(_POLICE, "B", POLICES / "DejaVuSans-Bold.ttf"))

    @staticmethod
    def _ecrire(pdf: FPDF) -> bytes:
        """The document's bytes, its fonts embedded whole, identified by its pages."""
        cast("_Document", pdf).identifier()
        return bytes(pdf.output(output_producer_class=SortiePolicesPartagees))

    # --- the parts of the page ---------------------------------------------------------

    def _document(self, recepisse: Recepisse) -> FPDF:
        pdf = _Document(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(_MARGE, _MARGE, _MARGE)
        pdf.set_auto_page_break(auto=True, margin=_MARGE)
        self._polices(pdf)
        pdf.set_title(recepisse.titre)
        pdf.set_author(self.nom_opco)
        pdf.set_subject(f"Demande de remboursement {recepisse.reference_opco}")
        pdf.set_creator("cfa-platform")
        pdf.set_producer("cfa-platform")
        pdf.set_lang("fr-FR")
        pdf.set_creation_date(dt.datetime.combine(recepisse.date, dt.time(), tzinfo=dt.UTC))
        pdf.add_page()
        pdf.set_font(_POLICE, "", 10)  # fpdf2 checks it; _choisir_police changes it after
        return pdf

    def _entete(self, pdf: FPDF, recepisse: Recepisse) -> None:
        RenduRecepissePdf._choisir_police(pdf, "B", 18)
        self._cellule(pdf, 0, 10, self.nom_opco.upper())
        pdf.ln(10 + 4)
        RenduRecepissePdf._choisir_police(pdf, "B", 14)
        self._cellule(pdf, 0, 9, f"Récépissé de la demande d'acompte {date_fr(recepisse.date)}")
        pdf.ln(9)
        self._filet(pdf)

    def _references(self, pdf: FPDF, recepisse: Recepisse) -> None:
        self._ligne(pdf, "Organisme de formation :", recepisse.organisme)
        self._ligne(pdf, "N° de référence OF :", recepisse.reference_of)
        self._ligne(pdf, "Demandeur :", recepisse.demandeur)
        self._ligne(pdf, f"Référence {self.nom_opco} :", recepisse.reference_opco)
        pdf.ln(3)
        self._ligne(pdf, "Dispositif :", recepisse.dispositif)
        self._ligne(pdf, "Intitulé de formation :", recepisse.intitule_formation)
        self._ligne(pdf, "Numéro d'action :", recepisse.numero_action)
        self._ligne(pdf, "Date du :", _periode(recepisse.periode_formation))

    def _apprenti(self, pdf: FPDF, recepisse: Recepisse) -> None:
        pdf.ln(4)
        self._tableau(
            pdf,
            (60.0, 50.0, pdf.epw - 110.0),
            ("Nom", "Prénom", "N° de Sécurité Sociale"),
            [(recepisse.apprenti_nom, recepisse.apprenti_prenom, str(recepisse.apprenti_nir))],
            (Align.L, Align.L, Align.C),
        )

    def _montants(self, pdf: FPDF, recepisse: Recepisse) -> None:
        self._section(pdf, "DEMANDES D'ACOMPTE :")
        self._ligne(pdf, "Financement accordé :", montant_fr(recepisse.financement_accorde))
        self._ligne(pdf, "Remboursements déjà effectués :", montant_fr(recepisse.deja_rembourse))
        self._section(pdf, "Remboursement demandé par l'organisme de formation")
        self._ligne(pdf, "Période du :", _periode(recepisse.periode))
        self._ligne(pdf, "Montant :", montant_fr(recepisse.montant_demande))
        pdf.set_text_color(*_GRIS)
        for categorie in Categorie:
            montant = recepisse.montants.pour(categorie)
            if montant:
                self._ligne(pdf, f"    dont {categorie.libelle.lower()} :", montant_fr(montant))
        pdf.set_text_color(0)

    def _justificatifs(self, pdf: FPDF, recepisse: Recepisse) -> None:
        self._section(pdf, "JUSTIFICATIFS")
        fournies = set(recepisse.pieces_fournies)
        lignes = [
            (
                piece.libelle,
                _COCHE if piece in fournies else "",
                "" if piece in fournies else _COCHE,
            )
            for piece in sorted(
                fournies | set(recepisse.pieces_non_fournies), key=list(Piece).index
            )
        ]
        self._tableau(
            pdf,
            (pdf.epw - 60.0, 30.0, 30.0),
            ("Pièces", "Fournies", "Non fournies"),
            lignes,
            (Align.L, Align.C, Align.C),
        )

    def _conclusion(self, pdf: FPDF, recepisse: Recepisse) -> None:
        pdf.ln(6)
        RenduRecepissePdf._choisir_police(pdf, "", 10)
        self._paragraphe(pdf, _REMERCIEMENT)
        pdf.ln(2)
        self._cellule(pdf, 0, _INTERLIGNE, f"L'équipe {self.nom_opco}")
        pdf.ln(_INTERLIGNE + 4)
        RenduRecepissePdf._choisir_police(pdf, "", 8)
        pdf.set_text_color(*_GRIS)
        self._cellule(pdf, 0, 5, f"Identifiant de la demande : {recepisse.demande_id}")
        pdf.ln(5)
        pdf.set_text_color(0)

    # --- drawing helpers ---------------------------------------------------------------

    @staticmethod
    def _choisir_police(pdf: FPDF, style: str, taille: float) -> None:
        """What ``pdf.set_font(_POLICE, style, taille)`` does, once the document has a font.

        ``set_font`` normalises and checks its arguments at each call (a tenth of the
        receipt's drawing): here the bundled font of that style becomes the current one, to
        be named on the page before the next text (``current_font_is_set_on_page``), as
        ``set_font`` does for a font already added; nothing at all if it is the same.
        """
        if pdf.font_style == style and pdf.font_size_pt == taille:
            return
        pdf.font_style = style
        pdf.font_size_pt = taille
        pdf.current_font = pdf.fonts[_CLE_POLICE + style]
        pdf.current_font_is_set_on_page = False

    @staticmethod
    def _largeur(pdf: FPDF, texte: str) -> float:
        """``pdf.get_string_width(texte)`` for plain text: no markdown, spacing or stretching.

        ``get_string_width`` splits the text into styled fragments first, a copy of the
        graphics state each: five times the cost of adding up the characters' widths.
        """
        police = pdf.current_font
        if police is None:  # pragma: no cover - every caller sets a font first
            raise ValueError("aucune police choisie")
        return police.get_text_width(texte, pdf.font_size_pt, None)[1] / pdf.k

    @staticmethod
    def _cellule(
        pdf: FPDF,
        largeur: float,
        hauteur: float,
        texte: str,
        alignement: Align = Align.L,
        *,
        bordure: bool = False,
    ) -> None:
        """What ``pdf.cell(largeur, hauteur, texte, bordure, alignement)`` draws, six times faster.

        fpdf2's ``cell`` lays out styled fragments (markdown, shaping, links…), which the
        receipt never uses: here the text is placed as ``cell`` places it (the cell's
        margin on the left, or centred; the baseline at half the height plus 0.3 em) with
        ``pdf.text``, the border drawn with ``pdf.rect``, and the page broken first if the
        cell would cross the bottom margin. The position moves to the cell's right.
        """
        if pdf.will_page_break(hauteur):
            x = pdf.x
            pdf.add_page()
            pdf.x = x
        x, y, k = pdf.x, pdf.y, pdf.k
        if largeur == 0:
            largeur = pdf.w - pdf.r_margin - x
        if bordure:  # what pdf.rect(x, y, largeur, hauteur) writes
            pdf._out(  # noqa: SLF001
                f"{x * k:.2f} {(pdf.h - y) * k:.2f} {largeur * k:.2f} {-hauteur * k:.2f} re S"
            )
        if texte:
            decalage = (
                (largeur - RenduRecepissePdf._largeur(pdf, texte)) / 2
                if alignement is Align.C
                else pdf.c_margin
            )
            RenduRecepissePdf._texte(
                pdf, x + decalage, y + 0.5 * hauteur + 0.3 * pdf.font_size, texte
            )
        pdf.x = x + largeur

    @staticmethod
    def _texte(pdf: FPDF, x: float, y: float, texte: str) -> None:
        """What ``pdf.text(x, y, texte)`` writes, the same operators, at a third of its cost.

        ``FPDF.text`` goes through two decorators (the page check, the deprecated ``txt``
        argument) and checks the text mode, underline, strike-through and text annotations,
        none of which the receipt uses (its styles are regular and bold).
        """
        police = cast("TTFFont", pdf.current_font)
        operateurs = (
            f"BT {x * pdf.k:.2f} {(pdf.h - y) * pdf.k:.2f} Td {police.encode_text(texte)} ET"
        )
        couleur = pdf.text_color
        if pdf.fill_color != couleur and couleur is not None:
            operateurs = f"q {couleur.serialize().lower()} {operateurs} Q"
        if not pdf.current_font_is_set_on_page:  # the font's name first, one line before
            choix = pdf._set_font_for_page(police, pdf.font_size_pt)  # noqa: SLF001
            operateurs = f"{choix}\n{operateurs}"
        pdf._out(operateurs)  # noqa: SLF001

    @staticmethod
    def _filet(pdf: FPDF) -> None:
        pdf.ln(2)
        pdf.set_draw_color(*_FILET)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.ln(4)

    @staticmethod
    def _section(pdf: FPDF, titre: str) -> None:
        pdf.ln(3)
        RenduRecepissePdf._choisir_police(pdf, "B", 11)
        RenduRecepissePdf._cellule(pdf, 0, 8, titre)
        pdf.ln(8)

    @staticmethod
    def _ligne(pdf: FPDF, libelle: str, valeur: str) -> None:
        """A ``label: value`` line; a long value wraps under itself, not under the label."""
        RenduRecepissePdf._choisir_police(pdf, "", 10)
        RenduRecepissePdf._cellule(pdf, _LIBELLE, _INTERLIGNE, libelle)
        RenduRecepissePdf._choisir_police(pdf, "B", 10)
        place = pdf.w - pdf.r_margin - pdf.get_x() - 2 * pdf.c_margin
        if "\n" not in valeur and RenduRecepissePdf._largeur(pdf, valeur) <= place:
            # One line: the text multi_cell would draw, where it would, at a tenth of its cost.
            RenduRecepissePdf._cellule(pdf, 0, _INTERLIGNE, valeur)
            pdf.ln(_INTERLIGNE)
            return
        pdf.multi_cell(0, _INTERLIGNE, valeur, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    @staticmethod
    def _paragraphe(pdf: FPDF, texte: str) -> None:
        """A fixed text, wrapped from the left margin to the right one, left-aligned.

        fpdf2's line breaking (``multi_cell``) costs a third of a receipt: a fixed text is
        broken once per process, by ``multi_cell`` itself, and its lines drawn as cells.
        """
        cle = (texte, pdf.font_family, pdf.font_style, pdf.font_size_pt, pdf.epw)
        lignes = _LIGNES_DES_PARAGRAPHES.get(cle)
        if lignes is None:
            decoupe = pdf.multi_cell(
                0, _INTERLIGNE, texte, align=Align.L, dry_run=True, output=MethodReturnValue.LINES
            )
            lignes = _LIGNES_DES_PARAGRAPHES[cle] = tuple(cast("list[str]", decoupe))
        for ligne in lignes:
            RenduRecepissePdf._cellule(pdf, 0, _INTERLIGNE, ligne)
            pdf.ln(_INTERLIGNE)

    @staticmethod
    def _tableau(
        pdf: FPDF,
        largeurs: tuple[float, float, float],
        entetes: tuple[str, str, str],
        lignes: list[tuple[str, str, str]],
        alignements: tuple[Align, Align, Align],
    ) -> None:
        """A bordered table: a bold header row, then one row per line.

        A cell's text too wide for its column is set smaller (down to 6 pt), not cut.
        """
        pdf.set_draw_color(*_FILET)
        RenduRecepissePdf._choisir_police(pdf, "B", 10)
        for largeur, entete, alignement in zip(largeurs, entetes, alignements, strict=True):
            RenduRecepissePdf._cellule(pdf, largeur, 8, entete, alignement, bordure=True)
        pdf.ln(8)
        for ligne in lignes:
            for largeur, texte, alignement in zip(largeurs, ligne, alignements, strict=True):
                taille = 10.0
                RenduRecepissePdf._choisir_police(pdf, "", taille)
                place = largeur - 2 * pdf.c_margin
                while taille > _TAILLE_MIN and RenduRecepissePdf._largeur(pdf, texte) > place:
                    taille -= 0.5
                    pdf.set_font_size(taille)
                RenduRecepissePdf._cellule(pdf, largeur, 8, texte, alignement, bordure=True)
            pdf.ln(8)
