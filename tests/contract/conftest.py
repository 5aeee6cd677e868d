"""One fixture, ``banc``, runs each contract test on every backend of the ports.

- ``memoire``: the in-memory fake (``cfa_domain.testing.fakes.Stockage``);
- ``sqlite``: a real SQLite file in ``tmp_path``, its schema made by the migrations (made
  once per session in a template file, ``modele_sqlite`` of ``tests/conftest.py``, then
  copied: the migrations run once);
- ``postgresql``: a schema of its own per test session (``contrat_<pid>_<random>``,
  dropped at the end), made by the migrations, emptied before each test. Its URL comes
  from ``CFA_TEST_POSTGRESQL_URL`` (default: the local server, user postgres). When the
  server is unreachable these cases are skipped with the reason, except when ``CI`` is set:
  then they fail, since CI must run the whole contract.

A second fixture, ``deploiement``, builds on ``banc`` a whole
:class:`~cfa_domain.services.contexte.Contexte` (see :mod:`.deploiement`), so that the
use cases themselves run on every backend.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pytest
import sqlalchemy as sa

from cfa_adapters.sql import tables
from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.outbox import messages_a_envoyer
from cfa_adapters.sql.schema import mettre_a_jour_schema
from cfa_adapters.sql.uow import fabrique_uow
from cfa_domain.ports import FabriqueUnitOfWork, MessageSortant
from cfa_domain.services.contexte import Contexte
from cfa_domain.testing.fakes import HorlogeFixe, Stockage

from .deploiement import EntrepotDocumentsTrace, contexte

if TYPE_CHECKING:
    from pathlib import Path

URL_POSTGRESQL = os.environ.get(
    "CFA_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("memoire", "sqlite", "postgresql")
#: For a test about what only a database does: ``@pytest.mark.parametrize("banc", BASES_SQL,
#: indirect=True)`` runs it on these backends and generates no case for the others.
BASES_SQL = ("sqlite", "postgresql")


@attrs.define
class Banc:
    """A backend under test: how to open units of work and read the committed outbox.

    A SQL backend also gives its URL and engine options (for workers of other processes)
    and its engine (for a test counting rows).
    """

    nom: str
    uow: FabriqueUnitOfWork
    messages: Callable[[], Sequence[MessageSortant]]
    url: str | None = None
    options: dict[str, Any] = attrs.Factory(dict)
    moteur: sa.Engine | None = None


@attrs.frozen
class SchemaPostgresql:
    """A PostgreSQL schema of this session, at the head revision."""

    url: str
    options: dict[str, Any]


def _indisponible(raison: str) -> None:
    message = f"PostgreSQL injoignable ({URL_POSTGRESQL}) : {raison}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} ; il est obligatoire en CI.", pytrace=False)
    pytest.skip(message)


@contextlib.contextmanager
def _schema_postgresql_vide() -> Iterator[SchemaPostgresql]:
    """A new, empty PostgreSQL schema (skipped, or failed under CI, without a server)."""
    nom = f"contrat_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    administration = sa.create_engine(URL_POSTGRESQL, connect_args={"connect_timeout": 3})
    try:
        with administration.begin() as connexion:
            connexion.exec_driver_sql(f'CREATE SCHEMA "{nom}"')
    except sa.exc.OperationalError as erreur:
        administration.dispose()
        _indisponible(str(erreur.orig).strip().splitlines()[0])
    try:
        options = {"connect_args": {"options": f"-csearch_path={nom}"}}
        yield SchemaPostgresql(URL_POSTGRESQL, options)
    finally:
        with administration.begin() as connexion:
            connexion.exec_driver_sql(f'DROP SCHEMA "{nom}" CASCADE')
        administration.dispose()


@pytest.fixture(scope="session")
def schema_postgresql() -> Iterator[SchemaPostgresql]:
    """Create this session's schema and migrate it; drop it at the end."""
    with _schema_postgresql_vide() as schema:
        moteur = creer_moteur(schema.url, **schema.options)
        try:
            mettre_a_jour_schema(moteur)
        finally:
            moteur.dispose()
        yield schema


@pytest.fixture(params=("sqlite", "postgresql"))
def base_vide(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine on an empty database, without any revision (to test the migrations)."""
    if request.param == "sqlite":
        moteur = creer_moteur(f"sqlite:///{tmp_path / 'vide.sqlite3'}")
        try:
            yield moteur
        finally:
            moteur.dispose()
        return
    with _schema_postgresql_vide() as schema:
        moteur = creer_moteur(schema.url, **schema.options)
        try:
            yield moteur
        finally:
            moteur.dispose()


def _vider(moteur: sa.Engine) -> None:
    noms = ", ".join(f'"{t.name}"' for t in tables.metadata.sorted_tables)
    with moteur.begin() as connexion:
        connexion.exec_driver_sql(f"TRUNCATE {noms} RESTART IDENTITY CASCADE")


def _banc_sql(nom: str, url: str, options: dict[str, Any]) -> tuple[Banc, sa.Engine]:
    moteur = creer_moteur(url, **options)
    banc = Banc(
        nom=nom,
        uow=fabrique_uow(moteur),
        messages=lambda: messages_a_envoyer(moteur, limite=10_000),
        url=url,
        options=options,
        moteur=moteur,
    )
    return banc, moteur


@pytest.fixture(params=BACKENDS)
def banc(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Banc]:
    """Every backend of the ports, freshly emptied."""
    if request.param == "memoire":
        stockage = Stockage()
        yield Banc("memoire", stockage.uow, lambda: stockage.messages)
        return
    if request.param == "sqlite":
        chemin = tmp_path / "cfa.sqlite3"
        shutil.copyfile(request.getfixturevalue("modele_sqlite"), chemin)
        banc, moteur = _banc_sql("sqlite", f"sqlite:///{chemin}", {})
    else:
        schema: SchemaPostgresql = request.getfixturevalue("schema_postgresql")
        banc, moteur = _banc_sql("postgresql", schema.url, schema.options)
        _vider(moteur)
    try:
        yield banc
    finally:
        moteur.dispose()


@attrs.define
class Deploiement:
    """A whole deployment on a backend: its context and the fakes a test steers."""

    banc: Banc
    contexte: Contexte
    horloge: HorlogeFixe
    documents: EntrepotDocumentsTrace

    def messages(self) -> Sequence[MessageSortant]:
        """The committed outbox, oldest first."""
        return self.banc.messages()


@pytest.fixture
def deploiement(banc: Banc) -> Deploiement:
    """A :class:`Contexte` on every backend (fake clock, ids, hasher, documents, receipt)."""
    horloge = HorlogeFixe()
    documents = EntrepotDocumentsTrace()
    return Deploiement(
        banc, contexte(banc.uow, horloge=horloge, documents=documents), horloge, documents
    )
