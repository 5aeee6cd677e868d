"""Uploaded documents on the file system (port ``EntrepotDocuments``) and their sweep.

See ``docs/documents.md``. The command ``cfa-documents sweep`` (or
``python -m cfa_adapters.files sweep``) removes orphaned files; the web app runs
:func:`~cfa_adapters.files.balayage.balayer` periodically.
"""

from cfa_adapters.files.balayage import Balayage, balayer
from cfa_adapters.files.entrepot import (
    RACINE_PAR_DEFAUT,
    EntrepotDocumentsFichiers,
    racine_depuis_environnement,
)

__all__ = [
    "RACINE_PAR_DEFAUT",
    "Balayage",
    "EntrepotDocumentsFichiers",
    "balayer",
    "racine_depuis_environnement",
]
