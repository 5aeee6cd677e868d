"""Upkeep of uploaded documents' bytes: cleanup after a failed submission, sweep of orphans.

A document's bytes live in the :class:`~cfa_domain.ports.EntrepotDocuments`, outside the
transaction; its metadata row (``DepotDocuments``) is committed with the request that
uses it. The bytes are written first, so three things can go wrong, and each has its rule:

- **A commit whose answer is lost.** The database committed, the connection broke before
  saying so: the use case sees an error although the request exists. So bytes are never
  deleted on the mere word that something failed: :func:`effacer_orphelins` asks a fresh
  unit of work which of the ids a committed row references, and deletes only the others.
  When that question cannot be answered (the database is still unreachable), it deletes
  nothing: the sweep will decide later.
- **A store that fails to delete.** :func:`effacer_orphelins` never raises: each failure
  is logged (logger ``cfa_domain.services.documents``) and the next id is still deleted;
  the user gets the error of their submission, not the store's.
- **A crash.** A process killed between writing the bytes and committing leaves bytes no
  row references. :func:`balayer_documents` removes stored documents that no committed
  row references and that were written before a grace period
  (:attr:`~cfa_domain.services.contexte.Parametres.delai_grace_documents`, 24 h by
  default): a submission in progress is far younger than that, so its bytes are safe.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from cfa_domain.ports import EntrepotDocuments, FabriqueUnitOfWork

__all__ = ["TAILLE_LOT", "balayer_documents", "effacer_orphelins"]

TAILLE_LOT = 500
"""How many ids the sweep checks against the database in one query."""

_journal = logging.getLogger(__name__)


def _supprimer(documents: EntrepotDocuments, document_id: str) -> bool:
    """Delete one document's bytes; log a failure instead of raising it."""
    try:
        documents.supprimer(document_id)
    except Exception:  # noqa: BLE001 - any failure of the store is logged, never raised
        _journal.warning(
            "Document %s non supprimé : laissé au balayage.", document_id, exc_info=True
        )
        return False
    return True


def effacer_orphelins(
    uow: FabriqueUnitOfWork, documents: EntrepotDocuments, document_ids: Sequence[str]
) -> list[str]:
    """Delete the bytes of those documents that no committed row references; never raise.

    Returns the ids deleted. Called by a submission that did not commit (or replayed a
    request already made); see the module docstring for why it asks the database first.
    """
    if not document_ids:
        return []
    try:
        with uow(lecture_seule=True) as travail:
            connus = travail.documents.connus(document_ids)
    except Exception:  # noqa: BLE001 - unknown state: keep every byte, the sweep decides
        _journal.warning(
            "Impossible de vérifier les documents %s : laissés au balayage.",
            ", ".join(document_ids),
            exc_info=True,
        )
        return []
    return [
        document_id
        for document_id in document_ids
        if document_id not in connus and _supprimer(documents, document_id)
    ]


def balayer_documents(
    uow: FabriqueUnitOfWork,
    documents: EntrepotDocuments,
    *,
    maintenant: dt.datetime,
    delai_grace: dt.timedelta,
) -> list[str]:
    """Delete the stored documents no committed row references, written before the grace.

    ``maintenant - delai_grace`` is the limit: younger bytes may belong to a submission in
    progress. The database is asked by lots of :data:`TAILLE_LOT` ids. A failed deletion
    is logged and retried at the next sweep. Returns the ids deleted.
    """
    supprimes: list[str] = []
    lot: list[str] = []

    def traiter() -> None:
        with uow(lecture_seule=True) as travail:
            connus = travail.documents.connus(lot)
        supprimes.extend(
            document_id
            for document_id in lot
            if document_id not in connus and _supprimer(documents, document_id)
        )
        lot.clear()

    for document_id in documents.deposes_avant(maintenant - delai_grace):
        lot.append(document_id)
        if len(lot) == TAILLE_LOT:
            traiter()
    if lot:
        traiter()
    if supprimes:
        _journal.info("Balayage : %d document(s) orphelin(s) supprimé(s).", len(supprimes))
    return supprimes
