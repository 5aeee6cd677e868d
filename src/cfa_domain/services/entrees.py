"""The door of every use case: its parameters are checked before any work.

:func:`cas_d_usage` decorates every public use case of :mod:`cfa_domain.services`
(``tests/unit/services/test_entrees.py`` fails on one that forgets it). Before the use
case runs, every text among its parameters, however deep in a command object, goes
through :func:`cfa_domain.values.texte`: a NUL character or a lone surrogate is a
:class:`~cfa_domain.errors.DonneeInvalide` naming the parameter (or the command's field),
never a ``UnicodeEncodeError`` of the password hasher or a driver error of the database.
Integers are bounded where they are read, by :func:`cfa_domain.values.entier`.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from cfa_domain.values import verifier_textes

if TYPE_CHECKING:
    from collections.abc import Callable

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["cas_d_usage", "cas_d_usage_sauf", "est_un_cas_d_usage"]

_MARQUE = "__cas_d_usage__"


def cas_d_usage(fonction: Callable[P, R]) -> Callable[P, R]:
    """Check every text parameter of ``fonction`` (but its context) before running it."""
    return _porte(fonction, frozenset({"ctx"}))


def cas_d_usage_sauf(*noms: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """:func:`cas_d_usage`, leaving the parameters ``noms`` to the use case itself.

    For a parameter that is a port rather than data: the feed's source yields records that
    :func:`~cfa_domain.services.flux.synchroniser` checks one by one, quarantining a bad
    one with its reason instead of refusing the whole run.
    """

    def decorer(fonction: Callable[P, R]) -> Callable[P, R]:
        return _porte(fonction, frozenset({"ctx", *noms}))

    return decorer


def _porte(fonction: Callable[P, R], exclus: frozenset[str]) -> Callable[P, R]:
    signature = inspect.signature(fonction)

    @functools.wraps(fonction)
    def verifiee(*args: P.args, **kwargs: P.kwargs) -> R:
        for nom, valeur in signature.bind(*args, **kwargs).arguments.items():
            if nom not in exclus:
                verifier_textes(valeur, nom)
        return fonction(*args, **kwargs)

    setattr(verifiee, _MARQUE, True)
    return verifiee


def est_un_cas_d_usage(fonction: object) -> bool:
    """True when ``fonction`` was decorated with :func:`cas_d_usage`."""
    return getattr(fonction, _MARQUE, False) is True
