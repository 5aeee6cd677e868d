"""Shared pytest configuration: Hypothesis profiles, the migrated SQLite template."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from pathlib import Path

settings.register_profile("ci", max_examples=200, deadline=None, print_blob=True)
settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def modele_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the head revision, copied by each test (the migrations run once)."""
    # Imported here: the `core` session runs tests/unit without SQLAlchemy installed.
    from cfa_adapters.sql.moteur import creer_moteur  # noqa: PLC0415
    from cfa_adapters.sql.schema import mettre_a_jour_schema  # noqa: PLC0415

    chemin = tmp_path_factory.mktemp("modele") / "cfa.sqlite3"
    moteur = creer_moteur(f"sqlite:///{chemin}")
    try:
        mettre_a_jour_schema(moteur)
    finally:
        moteur.dispose()  # closing the last connection checkpoints the WAL into the file
    return chemin
