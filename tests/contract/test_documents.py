"""Contract of the documents' metadata and bytes.

DepotDocuments (the metadata) runs on every backend; EntrepotDocuments (the bytes) on the
in-memory fake and on the file system store.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from cfa_adapters.files import EntrepotDocumentsFichiers
from cfa_domain.errors import DocumentExistant, Introuvable
from cfa_domain.testing.exemples import document
from cfa_domain.testing.fakes import MemoireEntrepotDocuments

if TYPE_CHECKING:
    from pathlib import Path

    from cfa_domain.ports import EntrepotDocuments

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


def test_connus(banc: Banc) -> None:
    """``connus`` answers which ids a committed row holds, in one call; none for none."""
    with banc.uow() as uow:
        uow.documents.ajouter(document("doc-1"))
        uow.documents.ajouter(document("doc-2"))
        uow.commit()
    with banc.uow() as uow:
        uow.documents.ajouter(document("doc-3"))  # not committed: rolled back
    with banc.uow() as uow:
        assert uow.documents.connus(["doc-1", "doc-3", "doc-9"]) == {"doc-1"}
        assert uow.documents.connus(("doc-2", "doc-1")) == {"doc-1", "doc-2"}
        assert uow.documents.connus([]) == frozenset()


# --- EntrepotDocuments: the bytes, on the fake and on the file system -----------------------


@pytest.fixture(params=["memoire", "fichiers"])
def entrepot(request: pytest.FixtureRequest, tmp_path: Path) -> EntrepotDocuments:
    """Each implementation of the document store, empty."""
    if request.param == "memoire":
        return MemoireEntrepotDocuments()
    return EntrepotDocumentsFichiers(tmp_path / "documents")


@pytest.mark.parametrize(
    "contenu",
    [b"", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n%%EOF\n", bytes(range(256)) * 4096],
    ids=["vide", "pdf", "un-mio"],
)
def test_deposer_lire_supprimer(entrepot: EntrepotDocuments, contenu: bytes) -> None:
    """Bytes read back exactly as stored; once deleted they are unknown (Introuvable)."""
    document_id = entrepot.deposer(contenu)
    assert entrepot.lire(document_id) == contenu
    entrepot.supprimer(document_id)
    with pytest.raises(Introuvable):
        entrepot.lire(document_id)
    entrepot.supprimer(document_id)  # already gone: no error


def test_identifiants_distincts(entrepot: EntrepotDocuments) -> None:
    """The same bytes deposited twice get two ids; deleting one keeps the other."""
    premier, second = entrepot.deposer(b"%PDF-1.7 x"), entrepot.deposer(b"%PDF-1.7 x")
    assert premier != second
    entrepot.supprimer(premier)
    assert entrepot.lire(second) == b"%PDF-1.7 x"


@pytest.mark.parametrize(
    "document_id",
    ["inconnu", "0" * 32, "../../../etc/passwd", "/etc/passwd", "", "tmp", "..", "a/b"],
)
def test_identifiant_inconnu(entrepot: EntrepotDocuments, document_id: str) -> None:
    """An id the store never gave names nothing, whatever it looks like."""
    entrepot.deposer(b"%PDF-1.7 autre")
    with pytest.raises(Introuvable):
        entrepot.lire(document_id)
    entrepot.supprimer(document_id)


def test_deposes_avant(entrepot: EntrepotDocuments) -> None:
    """Documents are listed by age; deleting while listing is allowed; deleted ones go."""
    maintenant = dt.datetime.now(dt.UTC)
    ids = {entrepot.deposer(f"%PDF-1.7 {n}".encode()) for n in range(5)}
    assert set(entrepot.deposes_avant(maintenant - dt.timedelta(hours=1))) == set()
    dans_une_heure = maintenant + dt.timedelta(hours=1)
    listes = set()
    for document_id in entrepot.deposes_avant(dans_une_heure):
        listes.add(document_id)
        entrepot.supprimer(document_id)
    assert listes == ids
    assert set(entrepot.deposes_avant(dans_une_heure)) == set()
