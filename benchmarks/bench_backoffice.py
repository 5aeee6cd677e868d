r"""The back office's dashboard and request queue on a large SQLite base.

Usage (from the repository root)::

    PYTHONPATH=src:benchmarks python benchmarks/bench_backoffice.py --dossiers 20000

It loads ``--dossiers`` generated files with their requests (``generer.py``, seeded;
``bench_persistance.charger``) into a SQLite file, adds an OPCO agent, then prints the
median and worst of ``--repetitions`` calls of:

- ``pilotage.tableau_de_bord`` (the whole use case: the agent's check, the counts by
  state, this month's sums, the oldest waiting request, the quarantine size), beside the
  raw baseline of its cheapest query alone (``SELECT etat, count(*) FROM actions GROUP BY
  etat`` on a bare connection);
- ``demandes.lister_demandes_a_traiter`` page 1 and its last page (the use case: the
  page's rows with their history, and the count), beside the raw ``SELECT ... ORDER BY
  soumise_le, id LIMIT n [OFFSET m]`` of the same pages, and the last page's raw query as
  the adapter writes it (the page's ids first, from the partial index of revision 0013,
  then their rows).

No figure is asserted: compare runs (and versions) by reading them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from bench_persistance import charger
from generer import generer

from cfa_adapters.sql.schema import ouvrir_base
from cfa_adapters.sql.tables import FILE_ATTENTE
from cfa_adapters.sql.uow import fabrique_uow
from cfa_adapters.systeme import JetonsSecrets
from cfa_domain.compte import Compte
from cfa_domain.services import demandes, pilotage
from cfa_domain.services.contexte import Contexte
from cfa_domain.testing.fakes import (
    HacheurMemoire,
    HorlogeFixe,
    MemoireEntrepotDocuments,
    MemoireRenduRecepisse,
)
from cfa_domain.values import Email

if TYPE_CHECKING:
    from collections.abc import Callable


def mesurer(appel: Callable[[], object], repetitions: int) -> tuple[float, float]:
    """Median and worst duration of ``appel`` in milliseconds (one warm-up call first)."""
    appel()
    durees = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        appel()
        durees.append((time.perf_counter() - debut) * 1000)
    return statistics.median(durees), max(durees)


def main() -> None:
    """Parse the arguments, load the base, print the figures."""
    analyseur = argparse.ArgumentParser(description="Mesures du back office.")
    analyseur.add_argument("--dossiers", type=int, default=20000, help="nombre de dossiers")
    analyseur.add_argument("--repetitions", type=int, default=30, help="appels mesurés")
    options = analyseur.parse_args()
    dossier = Path(tempfile.mkdtemp())
    moteur = ouvrir_base(f"sqlite:///{dossier / 'cfa.sqlite3'}")
    try:
        _, _, lignes = charger(moteur, generer(options.dossiers))
        contexte = Contexte(
            uow=fabrique_uow(moteur),
            horloge=HorlogeFixe(dt.datetime(2025, 3, 15, 9, tzinfo=dt.UTC)),
            jetons=JetonsSecrets(),
            hacheur=HacheurMemoire(),
            documents=MemoireEntrepotDocuments(),
            rendu_recepisse=MemoireRenduRecepisse(),
        )
        agent = Compte.ouvrir_agent(
            id=uuid.uuid4(),
            email=Email("agent@opco.example"),
            mot_de_passe="Instruction-des-dossiers-2025",
            quand=contexte.maintenant(),
            hasher=contexte.hacheur,
            auteur="bench",
        )
        with contexte.uow() as uow:
            uow.comptes.ajouter(agent)
            uow.commit()
        with moteur.connect() as connexion:
            nombre = connexion.scalar(sa.text("SELECT count(*) FROM demandes"))
        print(f"{options.dossiers} dossiers, {nombre} demandes ({lignes} lignes) sur SQLite")
        tableau = pilotage.tableau_de_bord(contexte, agent.id)
        file = demandes.lister_demandes_a_traiter(contexte, agent.id)
        print(f"  file d'attente : {file.total} demandes, {file.pages} pages")

        def brut(requete: str) -> Callable[[], object]:
            def executer() -> object:
                with moteur.connect() as connexion:
                    return connexion.execute(sa.text(requete)).all()

            return executer

        file_brute = f"SELECT * FROM demandes WHERE {FILE_ATTENTE} ORDER BY soumise_le, id"  # noqa: S608 - our constant
        mesures = {
            "tableau_de_bord": lambda: pilotage.tableau_de_bord(contexte, agent.id),
            "  brut : GROUP BY etat des dossiers": brut(
                "SELECT etat, count(*) FROM actions GROUP BY etat"
            ),
            "file des demandes, page 1": lambda: demandes.lister_demandes_a_traiter(
                contexte, agent.id
            ),
            "file des demandes, dernière page": lambda: demandes.lister_demandes_a_traiter(
                contexte, agent.id, page=file.pages
            ),
            "  brut : page 1 de la file": brut(f"{file_brute} LIMIT {file.taille}"),
            "  brut : dernière page de la file": brut(
                f"{file_brute} LIMIT {file.taille} OFFSET {(file.pages - 1) * file.taille}"
            ),
            "  brut : dernière page, numéros d'abord": brut(
                f"SELECT * FROM demandes WHERE id IN ({file_brute.replace('*', 'id', 1)} "  # noqa: S608
                f"LIMIT {file.taille} OFFSET {(file.pages - 1) * file.taille}) "
                "ORDER BY soumise_le, id"
            ),
        }
        for libelle, appel in mesures.items():
            mediane, pire = mesurer(appel, options.repetitions)
            print(f"  {libelle:<38} médiane {mediane:7.2f} ms   pire {pire:7.2f} ms")
        print(f"  (plus ancienne en attente : {tableau.plus_ancienne is not None})")
    finally:
        moteur.dispose()
        shutil.rmtree(dossier, ignore_errors=True)


if __name__ == "__main__":
    main()
