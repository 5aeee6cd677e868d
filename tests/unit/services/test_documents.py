"""Upkeep of the documents' bytes (services/documents.py), on the in-memory fakes."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import TYPE_CHECKING

from cfa_domain.ports import DocumentMeta
from cfa_domain.services import documents as service
from cfa_domain.services.documents import balayer_documents, effacer_orphelins
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import HorlogeFixe, MemoireEntrepotDocuments, Stockage

if TYPE_CHECKING:
    import pytest

    from cfa_domain.ports import UnitOfWork

HEURE = dt.timedelta(hours=1)


def _enregistrer(stockage: Stockage, *document_ids: str) -> None:
    """Commit a metadata row for each id."""
    with stockage.uow() as uow:
        for document_id in document_ids:
            uow.documents.ajouter(
                DocumentMeta(
                    id=document_id,
                    nom_fichier="facture.pdf",
                    taille=10,
                    sha256="0" * 64,
                    siret_organisme=exemples.SIRET_CFA,
                    numero_action="2011303654",
                    depose_le=exemples.INSTANT,
                    depose_par=uuid.UUID(int=1),
                )
            )
        uow.commit()


def test_effacer_orphelins_garde_ce_qu_une_ligne_reference() -> None:
    """Only the ids no committed row holds are deleted; none asked, nothing asked."""
    stockage, entrepot = Stockage(), MemoireEntrepotDocuments()
    garde, orphelin = entrepot.deposer(b"%PDF-1 a"), entrepot.deposer(b"%PDF-1 b")
    _enregistrer(stockage, garde)
    assert effacer_orphelins(stockage.uow, entrepot, [garde, orphelin]) == [orphelin]
    assert set(entrepot.contenus) == {garde}
    assert effacer_orphelins(stockage.uow, entrepot, []) == []


def test_effacer_orphelins_base_injoignable_ne_supprime_rien(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When the database cannot say which ids it holds, every byte stays; it is logged."""
    entrepot = MemoireEntrepotDocuments()
    document_id = entrepot.deposer(b"%PDF-1 a")

    def injoignable(*, lecture_seule: bool = False) -> UnitOfWork:  # noqa: ARG001 - the port
        raise ConnectionError("base injoignable")

    with caplog.at_level(logging.WARNING, logger=service.__name__):
        assert effacer_orphelins(injoignable, entrepot, [document_id]) == []
    assert set(entrepot.contenus) == {document_id}
    (enregistrement,) = caplog.records
    assert document_id in enregistrement.getMessage()


def test_balayer_par_lots_apres_la_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sweep asks the database by lots and removes only old, unreferenced bytes."""
    monkeypatch.setattr(service, "TAILLE_LOT", 2)
    stockage, horloge = Stockage(), HorlogeFixe()
    entrepot = MemoireEntrepotDocuments(horloge=horloge)
    anciens = [entrepot.deposer(f"%PDF-1 {n}".encode()) for n in range(5)]
    _enregistrer(stockage, anciens[1], anciens[4])
    horloge.avancer(25 * HEURE)
    recent = entrepot.deposer(b"%PDF-1 en cours")
    supprimes = balayer_documents(
        stockage.uow, entrepot, maintenant=horloge.maintenant(), delai_grace=24 * HEURE
    )
    assert supprimes == [anciens[0], anciens[2], anciens[3]]
    assert set(entrepot.contenus) == {anciens[1], anciens[4], recent}
