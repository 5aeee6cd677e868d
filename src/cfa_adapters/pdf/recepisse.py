"""The receipt of a reimbursement request in PDF, drawn with fpdf2 (port ``RenduRecepisse``).

The layout follows the guide's "Récépissé de la demande d'acompte": the OPCO's name, the
dated title, the organisme and the request's references, the file and its apprentice,
the funding granted and already reimbursed, the amount requested and its period, and the
documents provided or not.

- **A4, French figures.** Amounts and dates are written by Babel in the ``fr_FR`` locale
  (``26 247,00 €``, ``21/08/2020``).
- **Unicode.** The text is set in DejaVu Sans, bundled in ``polices/`` with its licence
  (a subset of the Latin letters, punctuation, € and ✓ that French text needs, so that a
  receipt embeds a few kilobytes of font); any character beyond it would be drawn as an
  empty box, and fpdf2 logs it.
- **Byte-identical.** The same receipt gives the same bytes: the PDF's creation date is the
  receipt's date (midnight UTC), and nothing else in the file depends on the clock.
- **Metadata.** Title (the receipt's heading), author (the OPCO), subject, language.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from babel.dates import format_date
from babel.numbers import format_currency
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from cfa_domain.values import Categorie, Piece

if TYPE_CHECKING:
    from cfa_domain.remboursement import Recepisse
    from cfa_domain.values import Montant, Periode

__all__ = ["POLICES", "RenduRecepissePdf", "date_fr", "montant_fr"]

POLICES = Path(__file__).parent / "polices"
"""The bundled fonts and their licence (``LICENCE-DejaVu.txt``)."""

_LOCALE = "fr_FR"
_POLICE = "DejaVuSans"
_MARGE = 20.0
_LIBELLE = 64.0
_INTERLIGNE = 6.0
_GRIS = (90, 90, 90)
_FILET = (180, 180, 180)
_COCHE = "✓"
_TAILLE_MIN = 6.0


def montant_fr(montant: Montant) -> str:
    """An amount as French text: ``26 247,00 €`` (Babel's fr_FR spaces)."""
    return format_currency(montant.valeur, "EUR", locale=_LOCALE)


def date_fr(jour: dt.date) -> str:
    """A date as French text: ``21/08/2020``."""
    return format_date(jour, "dd/MM/y", locale=_LOCALE)


def _periode(periode: Periode) -> str:
    return f"{date_fr(periode.debut)} au {date_fr(periode.fin)}"


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
        return bytes(pdf.output())

    # --- the parts of the page ---------------------------------------------------------

    def _document(self, recepisse: Recepisse) -> FPDF:
        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(_MARGE, _MARGE, _MARGE)
        pdf.set_auto_page_break(auto=True, margin=_MARGE)
        pdf.add_font(_POLICE, style="", fname=POLICES / "DejaVuSans.ttf")
        pdf.add_font(_POLICE, style="B", fname=POLICES / "DejaVuSans-Bold.ttf")
        pdf.set_title(recepisse.titre)
        pdf.set_author(self.nom_opco)
        pdf.set_subject(f"Demande de remboursement {recepisse.reference_opco}")
        pdf.set_creator("cfa-platform")
        pdf.set_producer("cfa-platform")
        pdf.set_lang("fr-FR")
        pdf.set_creation_date(dt.datetime.combine(recepisse.date, dt.time(), tzinfo=dt.UTC))
        pdf.add_page()
        return pdf

    def _entete(self, pdf: FPDF, recepisse: Recepisse) -> None:
        pdf.set_font(_POLICE, "B", 18)
        pdf.cell(0, 10, self.nom_opco.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        pdf.set_font(_POLICE, "B", 14)
        titre = f"Récépissé de la demande d'acompte {date_fr(recepisse.date)}"
        pdf.cell(0, 9, titre, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
        pdf.set_font(_POLICE, "", 10)
        pdf.multi_cell(
            0,
            _INTERLIGNE,
            "Merci d'avoir utilisé ce formulaire en ligne, nous vous tiendrons informé de "
            "la suite de votre demande.",
            align=Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(2)
        pdf.cell(0, _INTERLIGNE, f"L'équipe {self.nom_opco}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        pdf.set_font(_POLICE, "", 8)
        pdf.set_text_color(*_GRIS)
        pdf.cell(
            0,
            5,
            f"Identifiant de la demande : {recepisse.demande_id}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_text_color(0)

    # --- drawing helpers ---------------------------------------------------------------

    @staticmethod
    def _filet(pdf: FPDF) -> None:
        pdf.ln(2)
        pdf.set_draw_color(*_FILET)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.ln(4)

    @staticmethod
    def _section(pdf: FPDF, titre: str) -> None:
        pdf.ln(3)
        pdf.set_font(_POLICE, "B", 11)
        pdf.cell(0, 8, titre, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    @staticmethod
    def _ligne(pdf: FPDF, libelle: str, valeur: str) -> None:
        """A ``label: value`` line; a long value wraps under itself, not under the label."""
        pdf.set_font(_POLICE, "", 10)
        pdf.cell(_LIBELLE, _INTERLIGNE, libelle)
        pdf.set_font(_POLICE, "B", 10)
        pdf.multi_cell(0, _INTERLIGNE, valeur, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

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
        pdf.set_font(_POLICE, "B", 10)
        for largeur, entete, alignement in zip(largeurs, entetes, alignements, strict=True):
            pdf.cell(largeur, 8, entete, border=1, align=alignement)
        pdf.ln()
        for ligne in lignes:
            for largeur, texte, alignement in zip(largeurs, ligne, alignements, strict=True):
                taille = 10.0
                pdf.set_font(_POLICE, "", taille)
                place = largeur - 2 * pdf.c_margin
                while taille > _TAILLE_MIN and pdf.get_string_width(texte) > place:
                    taille -= 0.5
                    pdf.set_font_size(taille)
                pdf.cell(largeur, 8, texte, border=1, align=alignement)
            pdf.ln()
