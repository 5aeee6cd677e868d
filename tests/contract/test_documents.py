"""Contract of DepotDocuments, on every backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cfa_domain.errors import DocumentExistant

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
    """The same document twice is a DocumentExistant; the unit of work stays usable."""
    with banc.uow() as uow:
        uow.documents.ajouter(document())
        with pytest.raises(DocumentExistant) as erreur:
            uow.documents.ajouter(document())
        assert erreur.value.document_id == "doc-000001-abcdef"
        uow.documents.ajouter(document("doc-2"))
        uow.commit()
    with banc.uow() as uow:
        assert uow.documents.obtenir("doc-2") is not None
