"""Alembic environment: migrations run against :data:`cfa_adapters.sql.tables.metadata`.

No ``alembic.ini`` is needed: :func:`cfa_adapters.sql.schema.configuration_alembic` builds the
configuration in code and hands over an open connection in
``config.attributes["connection"]`` (or a URL in the ``sqlalchemy.url`` option).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import context

from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.tables import metadata

if TYPE_CHECKING:
    import sqlalchemy as sa


def _migrer(connexion: sa.Connection) -> None:
    context.configure(
        connection=connexion,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite rebuilds tables to alter them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _executer() -> None:
    config = context.config
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            literal_binds=True,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connexion = config.attributes.get("connection")
    if connexion is not None:
        _migrer(connexion)
        return
    moteur = creer_moteur(config.get_main_option("sqlalchemy.url"))
    try:
        with moteur.connect() as nouvelle:
            _migrer(nouvelle)
            nouvelle.commit()
    finally:
        moteur.dispose()


_executer()
