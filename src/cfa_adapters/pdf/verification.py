"""The check of uploaded PDFs with pypdf (port ``VerificateurPdf``).

The bytes are parsed in pypdf's strict mode (a missing cross-reference table or ``%%EOF``,
a broken object, is an error, not something to repair): a file that only starts with
``%PDF-`` does not pass. An encrypted file is reported as such without being decrypted; an
open one has its page tree walked to count its pages. The use case decides what to refuse
(:class:`~cfa_domain.errors.DocumentRefuse`) from the report.
"""

from __future__ import annotations

import io
import logging
import warnings

import pypdf

from cfa_domain.ports import ExamenPdf

__all__ = ["VerificateurPdfPypdf"]

_journal = logging.getLogger(__name__)


class VerificateurPdfPypdf:
    """Parses uploaded bytes with pypdf; bad bytes are reported unreadable, never raised."""

    def examiner(self, contenu: bytes) -> ExamenPdf:
        """Report whether ``contenu`` parses, is encrypted, and how many pages it has."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lecteur = pypdf.PdfReader(io.BytesIO(contenu), strict=True)
                if lecteur.is_encrypted:
                    return ExamenPdf(lisible=True, chiffre=True)
                return ExamenPdf(lisible=True, pages=len(lecteur.pages))
        except Exception:  # noqa: BLE001 - hostile bytes can break a parser in any way
            _journal.info("PDF illisible", exc_info=True)
            return ExamenPdf(lisible=False)
