"""Adapters for the small system ports: clock, secrets and password hashing.

- :class:`HorlogeSysteme` reads the system clock in UTC.
- :class:`JetonsSecrets` draws link secrets from :mod:`secrets` (256 bits, URL-safe) and
  aggregate ids from :func:`uuid.uuid4`.
- :class:`HacheurArgon2` hashes passwords with argon2id through argon2-cffi, whose default
  parameters are above the OWASP minimum; :meth:`HacheurArgon2.doit_rehacher` tells the
  login use case to re-hash when the parameters have changed since the hash was made.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import argon2
from argon2 import exceptions as argon2_exceptions

__all__ = ["HacheurArgon2", "HorlogeSysteme", "JetonsSecrets"]


class HorlogeSysteme:
    """The system clock, timezone-aware in UTC."""

    def maintenant(self) -> dt.datetime:
        """Return the current instant in UTC."""
        return dt.datetime.now(dt.UTC)


class JetonsSecrets:
    """Cryptographically strong secrets and random UUIDs."""

    def jeton(self) -> str:
        """Return a URL-safe secret of 256 bits."""
        return secrets.token_urlsafe(32)

    def identifiant(self) -> uuid.UUID:
        """Return a random UUID."""
        return uuid.uuid4()


class HacheurArgon2:
    """argon2id password hashing (argon2-cffi's ``PasswordHasher``)."""

    def __init__(self, hasher: argon2.PasswordHasher | None = None) -> None:
        """Use argon2-cffi's defaults unless a configured hasher is given."""
        self._hasher = hasher or argon2.PasswordHasher()

    def hacher(self, mot_de_passe: str) -> str:
        """Return the encoded argon2id hash (salt and parameters included)."""
        return self._hasher.hash(mot_de_passe)

    def verifier(self, hache: str, mot_de_passe: str) -> bool:
        """True when the password matches; False for a wrong password or a malformed hash."""
        try:
            return self._hasher.verify(hache, mot_de_passe)
        except (argon2_exceptions.VerificationError, argon2_exceptions.InvalidHashError):
            return False

    def doit_rehacher(self, hache: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(hache)
        except argon2_exceptions.InvalidHashError:
            return True
