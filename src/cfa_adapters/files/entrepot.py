"""Uploaded documents on the file system (port ``EntrepotDocuments``).

- **Names.** A document's id is 128 random bits in hexadecimal (``secrets``), nothing the
  uploader chose: its file is ``<racine>/<2 first hex digits>/<id>`` (256 sub-folders, so
  no folder holds millions of files). An id that is not 32 hexadecimal digits names no
  document (``Introuvable``), so no id can reach outside the root.
- **Root.** A setting (:func:`racine_depuis_environnement`: ``CFA_DOCUMENTS_DIR``, default
  ``var/documents``). It must lie outside any folder a web server serves: the bytes are
  read back only through the use case that checks access
  (:func:`cfa_domain.services.demandes.document`). Folders are made ``0o700``, files
  ``0o600``.
- **No half file.** ``deposer`` writes into ``<racine>/tmp/``, ``fsync``-s the file,
  renames it into place (atomic on one file system) and ``fsync``-s the folder: after a
  crash a document is either whole under its name or absent; what a crash leaves in
  ``tmp/`` is removed by :meth:`EntrepotDocumentsFichiers.nettoyer_temporaires` (the
  sweep calls it).
- **Age.** :meth:`EntrepotDocumentsFichiers.deposes_avant` lists the documents whose file
  was written before an instant (its modification time), for the sweep of orphans
  (:func:`cfa_domain.services.documents.balayer_documents`).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from cfa_domain.errors import Agregat, Introuvable

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterator, Mapping

__all__ = ["RACINE_PAR_DEFAUT", "EntrepotDocumentsFichiers", "racine_depuis_environnement"]

RACINE_PAR_DEFAUT = Path("var/documents")
"""Where documents go when ``CFA_DOCUMENTS_DIR`` is not set (relative to the working folder)."""

_ID = re.compile(r"[0-9a-f]{32}")
_TEMPORAIRES = "tmp"


def racine_depuis_environnement(env: Mapping[str, str] | None = None) -> Path:
    """The documents' root: ``CFA_DOCUMENTS_DIR``, or :data:`RACINE_PAR_DEFAUT`."""
    valeur = (os.environ if env is None else env).get("CFA_DOCUMENTS_DIR", "").strip()
    return Path(valeur) if valeur else RACINE_PAR_DEFAUT


def _fsync_dossier(dossier: Path) -> None:
    """Make a folder's entries (a new or removed name) durable."""
    descripteur = os.open(dossier, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descripteur)
    finally:
        os.close(descripteur)


class EntrepotDocumentsFichiers:
    """Document bytes in files under ``racine`` (see the module docstring)."""

    def __init__(self, racine: Path | str | None = None) -> None:
        """Use ``racine`` (default: :func:`racine_depuis_environnement`); made on first use."""
        self.racine = Path(racine) if racine is not None else racine_depuis_environnement()

    # --- the port ----------------------------------------------------------------------

    def deposer(self, contenu: bytes) -> str:
        """Store the bytes under a new random id, whole or not at all; return the id."""
        temporaires = self._dossier(self.racine / _TEMPORAIRES)
        document_id = secrets.token_hex(16)
        chemin = self._chemin(document_id)
        dossier = self._dossier(chemin.parent)
        provisoire = temporaires / f"{document_id}.part"
        try:
            descripteur = os.open(provisoire, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descripteur, "wb") as fichier:
                fichier.write(contenu)
                fichier.flush()
                os.fsync(fichier.fileno())
            provisoire.replace(chemin)
        except BaseException:
            provisoire.unlink(missing_ok=True)
            raise
        _fsync_dossier(dossier)
        _fsync_dossier(temporaires)
        return document_id

    def lire(self, document_id: str) -> bytes:
        """Return a document's bytes (``Introuvable`` for an unknown or malformed id)."""
        if not _ID.fullmatch(document_id):
            raise Introuvable(Agregat.DOCUMENT, document_id)
        try:
            return self._chemin(document_id).read_bytes()
        except FileNotFoundError:
            raise Introuvable(Agregat.DOCUMENT, document_id) from None

    def supprimer(self, document_id: str) -> None:
        """Remove a document's file (nothing to do if it is gone; ``OSError`` otherwise)."""
        if not _ID.fullmatch(document_id):
            return
        chemin = self._chemin(document_id)
        try:
            chemin.unlink()
        except FileNotFoundError:
            return
        _fsync_dossier(chemin.parent)

    def deposes_avant(self, instant: dt.datetime) -> Iterator[str]:
        """Yield the ids of the documents written before ``instant`` (timezone-aware)."""
        limite = instant.timestamp()
        if not self.racine.is_dir():
            return
        for dossier in sorted(self.racine.iterdir()):
            if dossier.name == _TEMPORAIRES or not dossier.is_dir():
                continue
            for fichier in sorted(dossier.iterdir()):
                if not _ID.fullmatch(fichier.name):
                    continue
                with contextlib.suppress(FileNotFoundError):
                    if fichier.stat().st_mtime < limite:
                        yield fichier.name

    # --- upkeep ------------------------------------------------------------------------

    def nettoyer_temporaires(self, instant: dt.datetime) -> list[Path]:
        """Remove the partial files of writes that began before ``instant``; return them.

        A write in progress is younger than any sensible ``instant`` (the sweep passes
        now minus its grace period), so only what a crash left behind goes.
        """
        temporaires = self.racine / _TEMPORAIRES
        if not temporaires.is_dir():
            return []
        limite = instant.timestamp()
        retires = []
        for fichier in sorted(temporaires.iterdir()):
            with contextlib.suppress(FileNotFoundError):
                if fichier.stat().st_mtime < limite:
                    fichier.unlink()
                    retires.append(fichier)
        if retires:
            _fsync_dossier(temporaires)
        return retires

    # --- helpers -----------------------------------------------------------------------

    def _chemin(self, document_id: str) -> Path:
        return self.racine / document_id[:2] / document_id

    def _dossier(self, dossier: Path) -> Path:
        """Make ``dossier`` (and the root) if missing, private to the platform's user."""
        if not dossier.is_dir():
            dossier.mkdir(mode=0o700, parents=True, exist_ok=True)
            _fsync_dossier(dossier.parent)
        return dossier
