"""Password hashing prepared before the write unit of work (argon2 outside the lock).

Hashing and checking a password costs tens of milliseconds by design. A use case that
needed them inside its unit of work would hold the database's write lock (SQLite) or the
account's row lock (PostgreSQL) for that long, and a few anonymous logins would make
every other request wait. So the authentication use cases read what they need in a
read-only unit of work, do the argon2 work outside any transaction through
:class:`HachagePrepare`, then open a short write unit that reloads the account (locked)
and applies the outcome with the domain's own methods, passing the prepared hasher.

The prepared hasher answers from what was computed beforehand, and falls back to the
real hasher for anything else (the account's hash changed between the two units: a
concurrent password change), so the outcome is always the one the domain computes on
the row it holds locked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfa_domain.errors import DonneeInvalide

if TYPE_CHECKING:
    from cfa_domain.compte import HacheurMotDePasse

__all__ = ["HachagePrepare"]


class HachagePrepare:
    """A :class:`~cfa_domain.compte.HacheurMotDePasse` whose costly answers are computed first."""

    def __init__(self, hacheur: HacheurMotDePasse) -> None:
        """Wrap the deployment's hasher; nothing is prepared yet."""
        self._hacheur = hacheur
        self._verifications: dict[tuple[str, str], bool] = {}
        self._hashes: dict[str, list[str]] = {}

    def preparer_verification(self, hash_mot_de_passe: str, mot_de_passe: str) -> bool:
        """Check ``mot_de_passe`` against ``hash_mot_de_passe`` now; return the answer.

        When it matches and the hash is outdated, the new hash the domain will ask for
        (rehash on login) is prepared too.
        """
        try:
            ok = self._hacheur.verifier(hash_mot_de_passe, mot_de_passe)
        except UnicodeEncodeError:  # a lone surrogate: no stored password has one
            ok = False
        self._verifications[hash_mot_de_passe, mot_de_passe] = ok
        if ok and self._hacheur.doit_rehacher(hash_mot_de_passe):
            self.preparer_hash(mot_de_passe)
        return ok

    def preparer_hash(self, mot_de_passe: str) -> None:
        """Hash ``mot_de_passe`` now, for one later :meth:`hacher` of the same password."""
        try:
            hache = self._hacheur.hacher(mot_de_passe)
        except UnicodeEncodeError:
            raise DonneeInvalide(
                "Le mot de passe contient des caractères invalides.", champ="mot_de_passe"
            ) from None
        self._hashes.setdefault(mot_de_passe, []).append(hache)

    def hacher(self, mot_de_passe: str) -> str:
        """A prepared hash of this password (each is used once), else a fresh one."""
        prepares = self._hashes.get(mot_de_passe)
        if prepares:
            return prepares.pop()
        return self._hacheur.hacher(mot_de_passe)

    def verifier(self, hash_mot_de_passe: str, mot_de_passe: str) -> bool:
        """The prepared answer for this hash and password, else a real check."""
        prepare = self._verifications.get((hash_mot_de_passe, mot_de_passe))
        if prepare is not None:
            return prepare
        return self._hacheur.verifier(hash_mot_de_passe, mot_de_passe)

    def doit_rehacher(self, hash_mot_de_passe: str) -> bool:
        """Ask the real hasher (cheap: it reads the hash's parameters)."""
        return self._hacheur.doit_rehacher(hash_mot_de_passe)
