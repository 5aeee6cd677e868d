"""Building the SQLAlchemy engine from one URL setting.

``CFA_DATABASE_URL`` chooses the database; without it the platform uses an embedded SQLite
file, ``var/cfa.sqlite3`` under the working directory.

SQLite is tuned for a small multi-user server: WAL (readers never wait for the writer),
foreign keys on, a busy timeout, and **``BEGIN IMMEDIATE``** for every transaction. The
last one matters for correctness: with Python's default deferred transactions two
connections can both read a file's budget and then fail (or worse, serialise wrongly) when
upgrading to a write lock; taking the write lock at ``BEGIN`` makes each unit of work see
the state left by the previous one, which is what ``obtenir_pour_mise_a_jour`` promises.

A connection given the execution option :data:`LECTURE_SEULE` (a read-only unit of work)
begins a plain deferred ``BEGIN`` instead, with ``PRAGMA query_only`` on: it reads a
snapshot beside the writer (WAL) without ever taking or waiting for the write lock, and
SQLite itself refuses any write in it.

PostgreSQL is reached through psycopg 3 (``postgresql+psycopg://...``); the row lock is a
``SELECT ... FOR UPDATE``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "LECTURE_SEULE",
    "URL_PAR_DEFAUT",
    "creer_moteur",
    "normaliser_url",
    "url_depuis_environnement",
]

URL_PAR_DEFAUT = "sqlite:///var/cfa.sqlite3"
DELAI_ATTENTE_SQLITE_MS = 30_000
LECTURE_SEULE = "cfa_lecture_seule"
"""Execution option of a connection whose transactions only read (see the module doc)."""


def normaliser_url(url: str | None) -> str:
    """The URL to connect to, from a setting as an operator writes it.

    Blank means the embedded SQLite file; the usual ``postgresql://`` and ``postgres://``
    forms go through psycopg 3 (``postgresql+psycopg://``). ``CFA_DATABASE_URL`` and the
    ``--url`` of ``cfa-db`` both go through here, so they accept the same forms.
    """
    url = (url or "").strip() or URL_PAR_DEFAUT
    for prefixe in ("postgres://", "postgresql://"):
        if url.startswith(prefixe):
            return "postgresql+psycopg://" + url.removeprefix(prefixe)
    return url


def url_depuis_environnement(environ: Mapping[str, str] | None = None) -> str:
    """The database URL: ``CFA_DATABASE_URL``, or the embedded SQLite file."""
    env = os.environ if environ is None else environ
    return normaliser_url(env.get("CFA_DATABASE_URL"))


def _preparer_sqlite(moteur: sa.Engine) -> None:
    url = moteur.url
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(moteur, "connect")
    def _connexion(dbapi_connection: Any, _record: Any) -> None:  # noqa: ANN401 - DB-API object
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        curseur = dbapi_connection.cursor()
        curseur.execute("PRAGMA journal_mode=WAL")
        curseur.execute("PRAGMA foreign_keys=ON")
        curseur.execute("PRAGMA synchronous=NORMAL")
        curseur.execute(f"PRAGMA busy_timeout={DELAI_ATTENTE_SQLITE_MS}")
        curseur.close()

    @event.listens_for(moteur, "begin")
    def _debut(connexion: sa.Connection) -> None:
        lecture = bool(connexion.get_execution_options().get(LECTURE_SEULE))
        info = connexion.connection.info  # lives as long as the pooled DB-API connection
        if info.get(LECTURE_SEULE, False) != lecture:
            connexion.exec_driver_sql(f"PRAGMA query_only={'ON' if lecture else 'OFF'}")
            info[LECTURE_SEULE] = lecture
        connexion.exec_driver_sql("BEGIN" if lecture else "BEGIN IMMEDIATE")


def creer_moteur(url: str | None = None, **options: Any) -> sa.Engine:  # noqa: ANN401
    """Create the engine for ``url`` (default: from the environment), tuned per dialect.

    ``url`` takes the forms ``CFA_DATABASE_URL`` takes (see :func:`normaliser_url`).
    """
    url = normaliser_url(url) if url else url_depuis_environnement()
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {}).setdefault("check_same_thread", False)
        moteur = sa.create_engine(url, **options)
        _preparer_sqlite(moteur)
        return moteur
    options.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **options)
