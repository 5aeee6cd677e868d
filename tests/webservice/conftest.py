"""The feed's tests on every backend: the contract suite's ``banc`` and ``deploiement``."""

from __future__ import annotations

from contract.conftest import banc, deploiement, schema_postgresql

__all__ = ["banc", "deploiement", "schema_postgresql"]
