"""What an operator (or the demo) does with the feed, callable from Python.

Each import goes through :func:`cfa_domain.services.flux.synchroniser`: the rules of a
record, the quarantine and the resumable cursor are the core's, whatever the source.
``suivi`` (optional) is told, after each record read, how many were read and how many
are expected (None when unknown): the command line draws its progress bar from it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, TypeAlias

import attrs

from cfa_adapters.webservice import format as format_flux
from cfa_adapters.webservice.sources import SourceFichier, SourceStock
from cfa_domain.ports import (
    SourceFlux,
)
from cfa_domain.services import flux, suivi_flux

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from cfa_domain.ports import (
        DossierFlux,
        EnregistrementIllisible,
        EnregistrementRejete,
    )
    from cfa_domain.services.contexte import Contexte
    from cfa_domain.services.flux import Bilan, Rejeu

__all__ = [
    "Chrono",
    "Suivi",
    "importer",
    "importer_fichier",
    "importer_stock",
    "lister_quarantaine",
    "rejouer_quarantaine",
    "resume",
]

Suivi: TypeAlias = Callable[[int, int | None], None]
"""Told the number of records read so far and the number expected (None: unknown)."""


@attrs.define
class _SourceSuivie:
    """A source that tells ``suivi`` of each record it yields."""

    source: SourceFlux
    suivi: Suivi
    nom: str = attrs.field(init=False)
    lus: int = 0
    _position: str | None = None

    def __attrs_post_init__(self) -> None:
        self.nom = self.source.nom

    def lire(
        self, depuis: str | None
    ) -> Iterator[tuple[str, DossierFlux | EnregistrementIllisible]]:
        for paire in self.source.lire(depuis):
            yield paire
            # A stock row yields its steps under "<line>.<step>": count rows, not steps.
            position = paire[0].partition(".")[0]
            if position != self._position:
                self._position = position
                self.lus += 1
                self.suivi(self.lus, getattr(self.source, "total", None))


def importer(
    ctx: Contexte,
    source: SourceFlux,
    suivi: Suivi | None = None,
) -> Bilan:
    """Apply every record of ``source`` after its stored cursor (see the module doc).

    The run is recorded with its summary (``suivi_flux.synchroniser_et_noter``): the back
    office shows the latest ones.
    """
    return suivi_flux.synchroniser_et_noter(
        ctx, source if suivi is None else _SourceSuivie(source, suivi)
    )


def importer_fichier(ctx: Contexte, chemin: Path, suivi: Suivi | None = None) -> Bilan:
    """Import a JSON Lines file of records (format 1), resuming an earlier import of it."""
    return importer(ctx, SourceFichier.ouvrir(chemin), suivi)


def importer_stock(ctx: Contexte, chemin: Path, suivi: Suivi | None = None) -> Bilan:
    """Import a stock CSV (reprise de stock), resuming an earlier import of it.

    Raises:
        StockInvalide: its header lacks a required column or names an unknown one.
    """
    return importer(ctx, SourceStock.ouvrir(chemin), suivi)


def lister_quarantaine(
    ctx: Contexte, *, regles: bool = False
) -> Sequence[tuple[int, EnregistrementRejete]]:
    """The quarantined records with their number (1 for the oldest), settled ones if asked."""
    with ctx.uow(lecture_seule=True) as uow:
        rejets = uow.quarantaine.lister()
    return [
        (numero, rejet)
        for numero, rejet in enumerate(rejets, start=1)
        if regles or rejet.regle_le is None
    ]


AUTEUR_LIGNE_DE_COMMANDE: Final = "cfa-feed quarantine replay"
"""Who settled a record replayed from the command line (an operator, not an agent's account)."""


def rejouer_quarantaine(ctx: Contexte, numero: int) -> tuple[EnregistrementRejete, Rejeu] | None:
    """Replay the quarantined record ``numero`` (as :func:`lister_quarantaine` numbers it).

    The record is read back by the format's reader
    (:func:`cfa_adapters.webservice.format.relire`), then applied by
    :func:`cfa_domain.services.flux.rejouer`. None when there is no such record.
    """
    rejets = dict(lister_quarantaine(ctx, regles=True))
    rejet = rejets.get(numero)
    if rejet is None:
        return None
    rejeu = flux.rejouer(
        ctx, rejet, format_flux.relire(rejet.brut, rejet.cle), auteur=AUTEUR_LIGNE_DE_COMMANDE
    )
    return rejet, rejeu


@attrs.frozen
class Chrono:
    """The duration of a run, for its records per second."""

    debut: float = attrs.Factory(time.perf_counter)

    def duree(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.debut


def resume(bilan: Bilan, duree: float) -> str:
    """The French summary line of a run."""
    debit = bilan.total / duree if duree > 0 else 0.0
    return (
        f"Créés : {bilan.crees} ; mis à jour : {bilan.mis_a_jour} ; inchangés : "
        f"{bilan.inchanges} ; en quarantaine : {bilan.rejetes} ; {bilan.total} "
        f"enregistrement(s) en {duree:.1f} s ({debit:.0f} par seconde)."
    )
