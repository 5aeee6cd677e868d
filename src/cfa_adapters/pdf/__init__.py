"""PDF adapters: the receipt drawn with fpdf2 (port ``RenduRecepisse``).

Install with the ``pdf`` extra (fpdf2, Babel, pypdf).
"""

from cfa_adapters.pdf.recepisse import RenduRecepissePdf

__all__ = ["RenduRecepissePdf"]
