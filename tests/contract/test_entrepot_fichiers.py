"""What only the file system store promises: names, permissions, no half file, settings."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from typing import TYPE_CHECKING

import pytest

from cfa_adapters.files import (
    RACINE_PAR_DEFAUT,
    EntrepotDocumentsFichiers,
    racine_depuis_environnement,
)

if TYPE_CHECKING:
    from pathlib import Path

CONTENU = b"%PDF-1.7\nfacture de septembre\n%%EOF\n"


def _fichiers(racine: Path) -> list[Path]:
    return sorted(p for p in racine.rglob("*") if p.is_file())


def test_nom_genere_dossier_et_droits(tmp_path: Path) -> None:
    """A file lands under <root>/<2 hex>/<random id>, private, and nothing else stays."""
    racine = tmp_path / "documents"
    entrepot = EntrepotDocumentsFichiers(racine)
    document_id = entrepot.deposer(CONTENU)
    assert len(document_id) == 32
    assert int(document_id, 16) >= 0
    assert document_id not in hashlib.sha256(CONTENU).hexdigest()
    chemin = racine / document_id[:2] / document_id
    assert _fichiers(racine) == [chemin]
    assert chemin.read_bytes() == CONTENU
    assert stat.S_IMODE(chemin.stat().st_mode) == 0o600
    assert stat.S_IMODE(chemin.parent.stat().st_mode) == 0o700
    assert list((racine / "tmp").iterdir()) == []


def test_une_ecriture_interrompue_ne_laisse_aucun_demi_fichier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fails while the bytes are made durable: no file under any name, the error."""
    racine = tmp_path / "documents"
    entrepot = EntrepotDocumentsFichiers(racine)

    def disque_plein(_descripteur: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disque_plein)
    with pytest.raises(OSError, match="No space left"):
        entrepot.deposer(CONTENU)
    assert _fichiers(racine) == []


def test_nettoyer_temporaires(tmp_path: Path) -> None:
    """Partial files older than the limit go (a crash's); a younger one (a write) stays."""
    entrepot = EntrepotDocumentsFichiers(tmp_path)
    garde = entrepot.deposer(CONTENU)
    temporaires = tmp_path / "tmp"
    jeune = temporaires / "b.part"
    vieux = temporaires / "0123.part"
    vieux.write_bytes(b"%PDF-1.7 moiti")
    jeune.write_bytes(b"%PDF-1.7 en cours")
    il_y_a_deux_jours = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).timestamp()
    os.utime(vieux, (il_y_a_deux_jours, il_y_a_deux_jours))
    limite = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    assert entrepot.nettoyer_temporaires(limite) == [vieux]
    assert sorted(temporaires.iterdir()) == [jeune]
    assert entrepot.lire(garde) == CONTENU
    assert EntrepotDocumentsFichiers(tmp_path / "neuf").nettoyer_temporaires(limite) == []


def test_racine_est_un_reglage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``CFA_DOCUMENTS_DIR`` names the root; var/documents when unset or blank."""
    assert racine_depuis_environnement({}) == RACINE_PAR_DEFAUT
    assert RACINE_PAR_DEFAUT.as_posix() == "var/documents"
    assert racine_depuis_environnement({"CFA_DOCUMENTS_DIR": "  "}) == RACINE_PAR_DEFAUT
    monkeypatch.setenv("CFA_DOCUMENTS_DIR", str(tmp_path / "ailleurs"))
    entrepot = EntrepotDocumentsFichiers()
    assert entrepot.racine == tmp_path / "ailleurs"
    document_id = entrepot.deposer(CONTENU)
    assert (tmp_path / "ailleurs" / document_id[:2] / document_id).is_file()


def test_deposes_avant_racine_absente_ou_desordonnee(tmp_path: Path) -> None:
    """A root not made yet lists nothing; stray files and folders are not documents."""
    demain = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert list(EntrepotDocumentsFichiers(tmp_path / "absente").deposes_avant(demain)) == []
    entrepot = EntrepotDocumentsFichiers(tmp_path)
    document_id = entrepot.deposer(CONTENU)
    (tmp_path / "LISEZMOI").write_text("pas un document")
    (tmp_path / document_id[:2] / "notes.txt").write_text("pas un document")
    assert list(entrepot.deposes_avant(demain)) == [document_id]
