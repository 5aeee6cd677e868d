"""The one table from a domain error to its HTTP status and the way it is shown.

Handlers never catch domain errors one by one: a form handler runs its use case through
:func:`cfa_web.forms.traiter` (which puts an ``Affichage.CHAMP`` error beside its field
and re-renders the form), and anything else reaches the application's exception handler,
which renders the French error page of :func:`traitement_de` (or problem+json for the API).

The order matters: the most specific class first (``MotDePasseNonConforme`` is both a
``DonneeInvalide`` and an ``ErreurAuthentification``; the user must see the form error).
"""

from __future__ import annotations

import enum
from typing import Final

from cfa_domain.errors import (
    AccesRefuse,
    CompteVerrouille,
    Conflit,
    DonneeInvalide,
    ErreurAuthentification,
    ErreurDomaine,
    IdentifiantsInvalides,
    Introuvable,
    RegleDeGestion,
    ServiceIndisponible,
    SessionInvalide,
    TransitionInterdite,
)

__all__ = [
    "TABLE",
    "Affichage",
    "MessagePublic",
    "Traitement",
    "message_affiche",
    "traitement_de",
]


class MessagePublic:
    """Mixin of the web layer's own HTTP exceptions: their ``detail`` is French, shown as is.

    Litestar's own exceptions carry English details for developers; the error pages
    replace those by the French sentence of their status.
    """


class Affichage(enum.Enum):
    """Where the user reads the error."""

    CHAMP = "champ"
    """Beside the form field named by ``champ`` (or at the top of the form), form kept."""
    PAGE = "page"
    """As an error page with the status (403, 404, 409, 503 ...)."""
    CONNEXION = "connexion"
    """The session ended: back to the login page."""


class Traitement:
    """How one branch of the tree is answered."""

    __slots__ = ("affichage", "statut")

    def __init__(self, statut: int, affichage: Affichage) -> None:
        """Keep the status and the display."""
        self.statut = statut
        self.affichage = affichage


TABLE: Final[tuple[tuple[type[ErreurDomaine], Traitement], ...]] = (
    (SessionInvalide, Traitement(401, Affichage.CONNEXION)),
    (DonneeInvalide, Traitement(422, Affichage.CHAMP)),
    (ErreurAuthentification, Traitement(422, Affichage.CHAMP)),
    (AccesRefuse, Traitement(403, Affichage.PAGE)),
    (Introuvable, Traitement(404, Affichage.PAGE)),
    (Conflit, Traitement(409, Affichage.CHAMP)),
    (TransitionInterdite, Traitement(409, Affichage.CHAMP)),
    (RegleDeGestion, Traitement(422, Affichage.CHAMP)),
    (ServiceIndisponible, Traitement(503, Affichage.PAGE)),
)
"""Branch of the error tree → status and display; the first matching row wins."""


def traitement_de(erreur: ErreurDomaine) -> Traitement:
    """The row of :data:`TABLE` for ``erreur``."""
    return next(t for classe, t in TABLE if isinstance(erreur, classe))


def message_affiche(erreur: ErreurDomaine) -> str:
    """The French sentence shown to the user.

    A locked account reads exactly as wrong credentials (``security.md``: nobody learns
    from the login form that an account exists or is locked).
    """
    if isinstance(erreur, CompteVerrouille):
        return IdentifiantsInvalides().message
    return erreur.message
