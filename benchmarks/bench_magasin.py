r"""Shared web state benchmark: session reads, writes and throttling hits per second.

Usage (from the repository root)::

    PYTHONPATH=src:benchmarks python benchmarks/bench_magasin.py --fils 1,4 --moteurs sqlite

For each engine (a fresh SQLite file in WAL, or a PostgreSQL schema of its own, dropped
afterwards: ``--postgresql`` gives the server's URL) and each number of threads, every
thread has its own engine (as a worker process would) and loops for ``--duree`` seconds
on one operation of :mod:`cfa_adapters.sql.magasin`:

- ``lire``: a session read (``MagasinSql.lire``, a read-only transaction);
- ``lire+prolonger``: a read that renews the expiry (one ``UPDATE ... RETURNING``);
- ``ecrire``: a session written again (the upsert);
- ``incrementer``: a hit on one shared throttling key (``CompteurSql.incrementer``).

It prints the operations per second and the median and p99 latency; ``incrementer`` also
checks that the shared counter ends at the number of hits made (none lost).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from cfa_adapters.sql.magasin import CompteurSql, MagasinSql
from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.schema import mettre_a_jour_schema

MAINTENANT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
FENETRE = dt.timedelta(days=1)
VALEUR = b"x" * 600  # about what a serialised session with an account and CSRF weighs
SESSIONS = 1000

Operation = Callable[[MagasinSql, CompteurSql, int], object]
OPERATIONS: dict[str, Operation] = {
    "lire": lambda m, _c, i: m.lire(f"s{i % SESSIONS}", MAINTENANT),
    "lire+prolonger": lambda m, _c, i: m.lire(
        f"s{i % SESSIONS}", MAINTENANT, prolonger=dt.timedelta(hours=1)
    ),
    "ecrire": lambda m, _c, i: m.ecrire(
        f"s{i % SESSIONS}", VALEUR, MAINTENANT + dt.timedelta(hours=1)
    ),
    "incrementer": lambda _m, c, _i: c.incrementer("connexion:ip:203.0.113.7", FENETRE, MAINTENANT),
}


def _mesurer(
    url: str, options: dict[str, Any], operation: Operation, fils: int, duree: float
) -> list[float]:
    """Run ``fils`` threads for ``duree`` seconds; return every call's latency."""
    latences: list[list[float]] = [[] for _ in range(fils)]
    depart = threading.Barrier(fils)

    def travailleur(rang: int) -> None:
        moteur = creer_moteur(url, **options)
        magasin, compteur = MagasinSql(moteur), CompteurSql(moteur)
        try:
            operation(magasin, compteur, rang)  # connect before the clock starts
            depart.wait()
            fin, i = time.perf_counter() + duree, rang
            while (debut := time.perf_counter()) < fin:
                operation(magasin, compteur, i)
                latences[rang].append(time.perf_counter() - debut)
                i += fils
        finally:
            moteur.dispose()

    threads = [threading.Thread(target=travailleur, args=(r,)) for r in range(fils)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [latence for liste in latences for latence in liste]


def _banc(url: str, options: dict[str, Any], fils: list[int], duree: float) -> None:
    moteur = creer_moteur(url, **options)
    try:
        mettre_a_jour_schema(moteur)
        magasin = MagasinSql(moteur)
        for i in range(SESSIONS):
            magasin.ecrire(f"s{i}", VALEUR, MAINTENANT + dt.timedelta(hours=1))
        for nom, operation in OPERATIONS.items():
            for n in fils:
                CompteurSql(moteur).reinitialiser("connexion:ip:203.0.113.7")
                latences = _mesurer(url, options, operation, n, duree)
                p99 = statistics.quantiles(latences, n=100)[98] * 1000
                ligne = (
                    f"  {nom:<15} {n} fil(s) : {len(latences) / duree:8.0f} op/s   "
                    f"médiane {statistics.median(latences) * 1000:6.2f} ms   p99 {p99:6.2f} ms"
                )
                if nom == "incrementer":
                    fin = CompteurSql(moteur).incrementer(
                        "connexion:ip:203.0.113.7", FENETRE, MAINTENANT
                    )
                    perdus = len(latences) + n - (fin - 1)  # + n: each thread's warm-up hit
                    ligne += f"   coups perdus : {perdus}"
                print(ligne)
    finally:
        moteur.dispose()


def main() -> None:
    """Run the benchmark on each engine asked for and print one line per measure."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--fils", default="1,4", help="numbers of threads, comma-separated")
    parser.add_argument("--duree", type=float, default=3.0, help="seconds per measure")
    parser.add_argument("--moteurs", default="sqlite,postgresql")
    parser.add_argument("--postgresql", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    arguments = parser.parse_args()
    fils = [int(n) for n in arguments.fils.split(",")]
    moteurs = arguments.moteurs.split(",")
    if "sqlite" in moteurs:
        with tempfile.TemporaryDirectory() as dossier:
            print("sqlite (fichier WAL)")
            _banc(f"sqlite:///{Path(dossier) / 'cfa.sqlite3'}", {}, fils, arguments.duree)
    if "postgresql" in moteurs:
        schema = f"bench_magasin_{uuid.uuid4().hex[:8]}"
        administration = sa.create_engine(arguments.postgresql)
        with administration.begin() as connexion:
            connexion.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            print("postgresql")
            options = {"connect_args": {"options": f"-csearch_path={schema}"}}
            _banc(arguments.postgresql, options, fils, arguments.duree)
        finally:
            with administration.begin() as connexion:
                connexion.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            administration.dispose()


if __name__ == "__main__":
    main()
