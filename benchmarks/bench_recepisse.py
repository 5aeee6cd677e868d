r"""Receipt benchmark: PDF receipts rendered per second, beside fpdf2's blank A4 page.

Usage (from the repository root)::

    PYTHONPATH=src:benchmarks python benchmarks/bench_recepisse.py --tours 5 --par-tour 40

Both are measured in the same process, in alternating rounds (so that the load of a
shared machine weighs on both alike); the figure of each is its best round and its
median round:

- **receipt**: ``RenduRecepissePdf().rendre(recepisse)``, the whole adapter from a fresh
  renderer (a new document, the bundled fonts installed from the process's parsed copies,
  every field laid out, the fonts embedded, the bytes written); the warm-up call parses
  the fonts, as the first receipt of a process does;
- **blank page**: ``FPDF(format="A4")``, ``add_page()``, ``output()``: fpdf2's floor.

The issue's goals: at least 200 receipts a second, and a receipt costing at most five
blank pages.

Each round is timed by the wall clock and by the process's CPU time: on a shared machine
the wall clock also counts the time the process waited for a core (rounds of a few tens
of milliseconds, preempted or not, can differ tenfold at a load of 8 on 2 cores), the CPU
time much less; both ratios are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
import uuid
from typing import TYPE_CHECKING

from fpdf import FPDF

from cfa_adapters.pdf import RenduRecepissePdf
from cfa_domain.remboursement import MontantsDemandes, Recepisse
from cfa_domain.values import Montant, Nir, Periode, Piece

if TYPE_CHECKING:
    from collections.abc import Callable

RECEPISSE = Recepisse(
    date=dt.date(2020, 8, 21),
    organisme="CFA des Métiers de la Santé — Île-de-France",
    reference_of="OF-004512",
    demandeur="compta@cfa-sante.fr",
    reference_opco="2011303654-02",
    dispositif=Recepisse.DISPOSITIF,
    intitule_formation="BTS Diététique",
    numero_action="2011303654",
    periode_formation=Periode(dt.date(2020, 9, 4), dt.date(2022, 6, 30)),
    apprenti_nom="Lefèvre",
    apprenti_prenom="Éloïse",
    apprenti_nir=Nir("295109912611193"),
    apprenti_rqth=False,
    financement_accorde=Montant("26247"),
    deja_rembourse=Montant("4100.25"),
    montant_demande=Montant("13123.50"),
    montants=MontantsDemandes(Montant("12623.50"), Montant(0), Montant(500), Montant(0)),
    periode=Periode(dt.date(2020, 9, 1), dt.date(2021, 2, 28)),
    pieces_fournies=(Piece.FACTURE,),
    pieces_non_fournies=(Piece.CERTIFICAT_REALISATION,),
    demande_id=uuid.UUID(int=1),
)


def page_blanche() -> bytes:
    """Fpdf2's floor: a blank A4 page, written out."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    return bytes(pdf.output())


def recepisse() -> bytes:
    """The adapter, from a fresh renderer."""
    return RenduRecepissePdf().rendre(RECEPISSE)


def _tour(fonction: Callable[[], bytes], fois: int) -> tuple[float, float]:
    """Seconds per call over ``fois`` calls: wall clock, and CPU time of the process."""
    debut, cpu = time.perf_counter(), time.process_time()
    for _ in range(fois):
        fonction()
    return (time.perf_counter() - debut) / fois, (time.process_time() - cpu) / fois


def _ligne(nom: str, mesures: list[float]) -> str:
    meilleur, median = min(mesures), statistics.median(mesures)
    return (
        f"{nom:<22} meilleur tour {1 / meilleur:8.0f} /s ({meilleur * 1000:6.2f} ms)"
        f"   tour médian {1 / median:8.0f} /s ({median * 1000:6.2f} ms)"
    )


def main() -> None:
    """Measure and print."""
    analyseur = argparse.ArgumentParser(description="Débit du récépissé PDF.")
    analyseur.add_argument("--tours", type=int, default=5, help="rounds (default 5)")
    analyseur.add_argument(
        "--par-tour", type=int, default=40, help="receipts per round (default 40)"
    )
    arguments = analyseur.parse_args()
    recepisse(), page_blanche()  # warm up: imports, Babel's locale data
    recus: list[tuple[float, float]] = []
    blancs: list[tuple[float, float]] = []
    for _ in range(arguments.tours):
        recus.append(_tour(recepisse, arguments.par_tour))
        blancs.append(_tour(page_blanche, arguments.par_tour * 10))
    taille = len(recepisse())
    for horloge, rang in (("horloge", 0), ("CPU", 1)):
        r, b = [m[rang] for m in recus], [m[rang] for m in blancs]
        print(_ligne(f"récépissé ({horloge})", r))
        print(_ligne(f"page blanche ({horloge})", b))
        print(
            f"récépissé / page blanche ({horloge}) : {min(r) / min(b):.1f} × (meilleurs tours),"
            f" {statistics.median(r) / statistics.median(b):.1f} × (tours médians)"
        )
    print(f"taille d'un récépissé : {taille} octets")


if __name__ == "__main__":
    main()
