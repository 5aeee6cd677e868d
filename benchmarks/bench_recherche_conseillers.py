r"""The agents' files search (every organisme): latency on SQLite and PostgreSQL.

Usage (from the repository root)::

    PYTHONPATH=src:benchmarks python benchmarks/bench_recherche_conseillers.py \\
        --tailles 100000 --moteurs sqlite,postgresql

For each size it generates and loads the data as ``bench_persistance.py`` does, then
prints the median and p95 of a whole search unit of work of
``DepotActions.rechercher_dossiers`` (pool checkout, BEGIN, the page query, the count
query, rollback), page 1 of 10, 200 repetitions: without filter (every file, newest
number first), a work queue (one state, oldest filing first), one CFA, a filing-date
range, a name prefix, a payment regime (a signing-date range). Beside them, the raw
baseline in the same process: ``SELECT count(*)`` and the first 10 action numbers in the
same order, by SQLAlchemy Core on the same engine (no aggregate built).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from bench_persistance import REPETITIONS, _moteur, charger
from generer import generer

from cfa_adapters.sql import tables as t
from cfa_adapters.sql.uow import SqlUnitOfWork
from cfa_domain.action import EtatDossier
from cfa_domain.echeancier import PARAMETRES_PAR_DEFAUT, Regime
from cfa_domain.ports import CriteresDossiers, CriteresRecherche, TriDossiers

if TYPE_CHECKING:
    from collections.abc import Callable


def _criteres(moteur: sa.Engine) -> dict[str, CriteresDossiers]:
    with SqlUnitOfWork(moteur) as uow:
        page = uow.actions.rechercher_dossiers(CriteresDossiers(), page=1, taille=1)
    exemple = page.elements[0].action
    depot = exemple.formation.date_depot
    depuis, avant = PARAMETRES_PAR_DEFAUT.signatures(Regime.REGIME_2021)
    return {
        "sans filtre": CriteresDossiers(),
        "file : reçu, ancienneté": CriteresDossiers(
            etat=EtatDossier.RECU, tri=TriDossiers.ANCIENNETE
        ),
        "un CFA": CriteresDossiers(siret_cfa=exemple.siret_cfa),
        "dépôt sur 30 jours": CriteresDossiers(
            depot_du=depot - dt.timedelta(days=30), depot_au=depot
        ),
        "nom (3 lettres)": CriteresDossiers(
            recherche=CriteresRecherche(nom_apprenti=exemple.contrat.apprenti.nom[:3])
        ),
        "rythme 2021": CriteresDossiers(signature_depuis=depuis, signature_avant=avant),
    }


def _mesurer(appel: Callable[[], int]) -> tuple[float, float, int]:
    durees, total = [], 0
    for _ in range(REPETITIONS):
        debut = time.perf_counter()
        total = appel()
        durees.append((time.perf_counter() - debut) * 1000)
    durees.sort()
    return statistics.median(durees), durees[int(len(durees) * 0.95) - 1], total


def _recherche(moteur: sa.Engine, criteres: CriteresDossiers) -> Callable[[], int]:
    def appel() -> int:
        with SqlUnitOfWork(moteur) as uow:
            return uow.actions.rechercher_dossiers(criteres, page=1, taille=10).total

    return appel


def _brut(moteur: sa.Engine) -> Callable[[], int]:
    a = t.actions

    def appel() -> int:
        with moteur.connect() as connexion:
            total = connexion.scalar(sa.select(sa.func.count()).select_from(a)) or 0
            connexion.execute(
                sa.select(a.c.numero_action)
                .order_by(a.c.numero_tri.desc(), a.c.numero_action.desc())
                .limit(10)
            ).all()
            return total

    return appel


def main() -> None:
    """Parse the arguments, run the benchmark, print the figures."""
    analyseur = argparse.ArgumentParser(description="Recherche des conseillers.")
    analyseur.add_argument("--tailles", default="10000", help="nombres de dossiers")
    analyseur.add_argument("--moteurs", default="sqlite,postgresql", help="sqlite,postgresql")
    options = analyseur.parse_args()
    for taille in (int(x) for x in options.tailles.split(",")):
        jeu = generer(taille)
        print(f"\n=== {taille} dossiers, {len(jeu.organismes)} organismes")
        for nom in options.moteurs.split(","):
            moteur, nettoyer = _moteur(nom, taille)
            try:
                charger(moteur, jeu)
                print(f"[{nom}] page de 10, {REPETITIONS} répétitions :")
                mediane, p95, total = _mesurer(_brut(moteur))
                print(
                    f"    {'brut : count + 10 numéros':<28} médiane {mediane:6.2f} ms"
                    f"   p95 {p95:6.2f} ms   ({total} dossiers)"
                )
                for libelle, criteres in _criteres(moteur).items():
                    mediane, p95, total = _mesurer(_recherche(moteur, criteres))
                    print(
                        f"    {libelle:<28} médiane {mediane:6.2f} ms   p95 {p95:6.2f} ms"
                        f"   ({total} résultats)"
                    )
            finally:
                moteur.dispose()
                if nettoyer is not None:
                    nettoyer()


if __name__ == "__main__":
    main()
