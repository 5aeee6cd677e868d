"""Contract of DepotDocuments, on every backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cfa_domain.errors import Conflit

from .constructeurs import document

if TYPE_CHECKING:
    from .conftest import Banc


def test_ajouter_relire(banc: Banc) -> None:
    """A committed document's metadata reads back equal; an unknown id gives None."""
    cree = document()
    with banc.uow() as uow:
        uow.documents.ajouter(cree)
        uow.commit()
    with banc.uow() as uow:
        assert uow.documents.obtenir(cree.id) == cree
        assert uow.documents.obtenir("doc-inconnu") is None


def test_doublon(banc: Banc) -> None:
    """Recording the same document twice is a Conflit; the unit of work stays usable."""
    with banc.uow() as uow:
        uow.documents.ajouter(document())
        with pytest.raises(Conflit):
            uow.documents.ajouter(document())
        uow.documents.ajouter(document("doc-2"))
        uow.commit()
    with banc.uow() as uow:
        assert uow.documents.obtenir("doc-2") is not None
