"""The sweep of orphaned documents, as the CLI and the web app's periodic task run it.

One call of :func:`balayer` removes what a crash left half-written in the store's
``tmp/`` folder, then every stored document that no committed row references and that is
older than the grace period (:func:`cfa_domain.services.documents.balayer_documents`).
It is safe to run at any time, from several processes at once: it deletes nothing a
committed row references, nothing younger than the grace period.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from cfa_domain.services.documents import balayer_documents

if TYPE_CHECKING:
    import datetime as dt

    from cfa_adapters.files.entrepot import EntrepotDocumentsFichiers
    from cfa_domain.ports import FabriqueUnitOfWork

__all__ = ["Balayage", "balayer"]


@attrs.frozen
class Balayage:
    """What a sweep removed."""

    documents: tuple[str, ...]
    temporaires: tuple[Path, ...]

    def __str__(self) -> str:
        """One French line for the log and the CLI."""
        return (
            f"{len(self.documents)} document(s) orphelin(s) supprimé(s), "
            f"{len(self.temporaires)} fichier(s) temporaire(s) supprimé(s)."
        )


def balayer(
    uow: FabriqueUnitOfWork,
    entrepot: EntrepotDocumentsFichiers,
    *,
    maintenant: dt.datetime,
    delai_grace: dt.timedelta,
) -> Balayage:
    """Sweep ``entrepot`` against the committed documents of ``uow`` (see the module doc)."""
    limite = maintenant - delai_grace
    temporaires = entrepot.nettoyer_temporaires(limite)
    documents = balayer_documents(uow, entrepot, maintenant=maintenant, delai_grace=delai_grace)
    return Balayage(tuple(documents), tuple(temporaires))
