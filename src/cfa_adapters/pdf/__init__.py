"""PDF adapters: the receipt and the check of uploaded PDFs.

- :class:`RenduRecepissePdf` draws the receipt with fpdf2 (port ``RenduRecepisse``);
- :class:`VerificateurPdfPypdf` parses uploaded PDFs with pypdf (port ``VerificateurPdf``).

Install with the ``pdf`` extra (fpdf2, Babel, pypdf).
"""

from cfa_adapters.pdf.recepisse import RenduRecepissePdf
from cfa_adapters.pdf.verification import VerificateurPdfPypdf

__all__ = ["RenduRecepissePdf", "VerificateurPdfPypdf"]
