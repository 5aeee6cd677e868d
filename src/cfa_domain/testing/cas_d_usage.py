"""Every public use case of the core, found from the service modules' ``__all__``.

The suites that must see each use case (the door check of ``services.entrees``, the fuzz
suite calling each with hostile arguments) share this one list: a new use case, or a new
service module added to :data:`MODULES`, is covered by all of them at once.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Final

from cfa_domain.services import (
    acces,
    actions,
    cles_api,
    demandes,
    dossiers,
    flux,
    historiques,
    organismes,
    pilotage,
    suivi_flux,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

__all__ = ["MODULES", "publics"]

MODULES: Final[tuple[ModuleType, ...]] = (
    acces,
    actions,
    cles_api,
    demandes,
    dossiers,
    flux,
    historiques,
    organismes,
    pilotage,
    suivi_flux,
)
"""The modules of use cases (every module of :mod:`cfa_domain.services` offering some)."""


def publics() -> list[tuple[str, Callable[..., object]]]:
    """Each exported function taking the context first, with its qualified name.

    A helper working inside a caller's unit of work (a ``uow`` parameter) is not a use
    case.
    """
    trouves: list[tuple[str, Callable[..., object]]] = []
    for module in MODULES:
        for nom in module.__all__:
            fonction = getattr(module, nom)
            if not inspect.isfunction(fonction):
                continue
            parametres = list(inspect.signature(fonction).parameters)
            if parametres[:1] == ["ctx"] and "uow" not in parametres:
                trouves.append((f"{module.__name__}.{nom}", fonction))
    return trouves
