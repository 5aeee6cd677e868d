r"""Persistence benchmark: bulk load rate and search latency on SQLite and PostgreSQL.

Usage (from the repository root)::

    PYTHONPATH=src:benchmarks python benchmarks/bench_persistance.py --tailles 10000,100000
    PYTHONPATH=src:benchmarks python benchmarks/bench_persistance.py \\
        --tailles 1000000 --moteurs sqlite

For each size it generates the data (``generer.py``, seeded), then on each engine:

- **load rate**: files per second through the adapter's path (aggregate → rows with
  ``cfa_adapters.sql.traduction``, then SQLAlchemy Core ``executemany`` in batches of
  5 000, files with their history and their requests), beside raw ``sqlite3.executemany``
  of the very same rows into an identical SQLite schema (the driver's floor);
- **search**: median and p95 of ``DepotActions.rechercher`` (a whole unit of work: pool
  checkout, BEGIN, the page query, the count query, rollback) for the organisme with the
  most visible files and its delegants, page 1 of 10, without filter and with each filter.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from generer import Jeu, generer

from cfa_adapters.sql import tables as t
from cfa_adapters.sql import traduction as tr
from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.schema import mettre_a_jour_schema
from cfa_adapters.sql.uow import SqlUnitOfWork
from cfa_domain.ports import CriteresRecherche

if TYPE_CHECKING:
    from cfa_domain.values import Siret

URL_POSTGRESQL = os.environ.get(
    "CFA_BENCH_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REPETITIONS = 200


def _lignes_du_lot(
    jeu: Jeu, lot: tuple[list[Any], list[Any]]
) -> dict[sa.Table, list[dict[str, Any]]]:
    actions, demandes = lot
    lignes: dict[sa.Table, list[dict[str, Any]]] = {
        t.actions: [],
        t.historique_actions: [],
        t.demandes: [],
        t.historique_demandes: [],
    }
    for action in actions:
        la = tr.action_vers_lignes(action)
        lignes[t.actions].append(dict(la.principale))
        lignes[t.historique_actions].extend(dict(h) for h in la.historique)
    for demande in demandes:
        ld = tr.demande_vers_lignes(demande)
        lignes[t.demandes].append(dict(ld.principale))
        lignes[t.historique_demandes].extend(dict(h) for h in ld.historique)
    del jeu
    return lignes


def _brut(valeur: object) -> object:
    """A value as sqlite3 takes it (what SQLAlchemy's SQLite types send)."""
    if isinstance(valeur, dt.datetime):
        return valeur.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(valeur, dt.date):
        return valeur.isoformat()
    if isinstance(valeur, Decimal):
        return str(valeur)
    if isinstance(valeur, uuid.UUID):
        return valeur.hex
    if isinstance(valeur, list | dict):
        return json.dumps(valeur)
    return valeur


def _preparer_base(moteur: sa.Engine, jeu: Jeu) -> None:
    mettre_a_jour_schema(moteur)
    with moteur.begin() as connexion:
        for organisme in jeu.organismes:
            lo = tr.organisme_vers_lignes(organisme)
            connexion.execute(sa.insert(t.organismes), [dict(lo.principale)])
            connexion.execute(sa.insert(t.historique_organismes), [dict(h) for h in lo.historique])
        for delegation in jeu.delegations:
            ld = tr.delegation_vers_lignes(delegation)
            connexion.execute(sa.insert(t.delegations), [dict(ld.principale)])
            connexion.execute(sa.insert(t.historique_delegations), [dict(h) for h in ld.historique])


def charger(moteur: sa.Engine, jeu: Jeu, *, comparer: bool = True) -> tuple[float, float, int]:
    """Load every file; return (adapter seconds, raw sqlite3 seconds or nan, rows).

    ``comparer``: also load the same rows with raw ``sqlite3`` into a scratch SQLite file.
    """
    _preparer_base(moteur, jeu)
    duree_adaptateur = 0.0
    duree_brute = 0.0
    lignes_total = 0
    brut: sqlite3.Connection | None = None
    if comparer and moteur.dialect.name == "sqlite":
        chemin = Path(tempfile.mkdtemp()) / "brut.sqlite3"
        modele = creer_moteur(f"sqlite:///{chemin}")
        mettre_a_jour_schema(modele)
        modele.dispose()
        brut = sqlite3.connect(chemin, isolation_level=None)
        brut.execute("PRAGMA journal_mode=WAL")
        brut.execute("PRAGMA synchronous=NORMAL")
    for lot in jeu.lots():
        lignes = _lignes_du_lot(jeu, lot)
        debut = time.perf_counter()
        with moteur.begin() as connexion:
            for table, rangees in lignes.items():
                if rangees:
                    connexion.execute(sa.insert(table), rangees)
        duree_adaptateur += time.perf_counter() - debut
        lignes_total += sum(len(r) for r in lignes.values())
        if brut is not None:
            tuples = {
                table: (
                    list(rangees[0]),
                    [tuple(_brut(v) for v in r.values()) for r in rangees],
                )
                for table, rangees in lignes.items()
                if rangees
            }
            debut = time.perf_counter()
            brut.execute("BEGIN IMMEDIATE")
            for table, (colonnes, valeurs) in tuples.items():
                marques = ", ".join("?" for _ in colonnes)
                brut.executemany(
                    f"INSERT INTO {table.name} ({', '.join(colonnes)}) VALUES ({marques})",  # noqa: S608 - our own table names
                    valeurs,
                )
            brut.execute("COMMIT")
            duree_brute += time.perf_counter() - debut
    if brut is not None:
        brut.close()
    with moteur.begin() as connexion:
        connexion.exec_driver_sql("ANALYZE")
    return duree_adaptateur, (duree_brute if brut is not None else float("nan")), lignes_total


def _cible(moteur: sa.Engine, jeu: Jeu) -> tuple[frozenset[Siret], int]:
    """The delegataire organisme with the most visible files, and that number."""
    delegataires = {d.siret_delegataire for d in jeu.delegations}
    meilleur: tuple[frozenset[Siret], int] = (frozenset(), -1)
    with SqlUnitOfWork(moteur) as uow:
        for siret in sorted(delegataires)[:20]:
            visibles = frozenset({siret}) | uow.delegations.delegants_actifs(siret)
            total = uow.actions.rechercher(CriteresRecherche(), visibles, page=1, taille=1).total
            if total > meilleur[1]:
                meilleur = (visibles, total)
    return meilleur


def _criteres(moteur: sa.Engine, visibles: frozenset[Siret]) -> dict[str, CriteresRecherche]:
    with SqlUnitOfWork(moteur) as uow:
        page = uow.actions.rechercher(CriteresRecherche(), visibles, page=1, taille=50)
    exemple = next(r.action for r in page.elements if r.action.formation.numero_deca is not None)
    return {
        "sans filtre": CriteresRecherche(),
        "nom (3 lettres)": CriteresRecherche(nom_apprenti=exemple.contrat.apprenti.nom[:3]),
        "n° d'action (préfixe)": CriteresRecherche(numero_action=exemple.numero_action[:7]),
        "n° DECA ou SIA": CriteresRecherche(numero_enregistrement=exemple.formation.numero_deca),
        "nom + n° d'action": CriteresRecherche(
            nom_apprenti=exemple.contrat.apprenti.prenom[:2],
            numero_action=exemple.numero_action[:6],
        ),
    }


def mesurer_recherche(
    moteur: sa.Engine, visibles: frozenset[Siret], criteres: CriteresRecherche
) -> tuple[float, float, int]:
    """Median and p95 (ms) of a whole search unit of work; and the number of matches."""
    durees = []
    total = 0
    for _ in range(REPETITIONS):
        debut = time.perf_counter()
        with SqlUnitOfWork(moteur) as uow:
            total = uow.actions.rechercher(criteres, visibles, page=1, taille=10).total
        durees.append((time.perf_counter() - debut) * 1000)
    durees.sort()
    return statistics.median(durees), durees[int(len(durees) * 0.95) - 1], total


def _moteur(nom: str, taille: int) -> tuple[sa.Engine, Any]:
    if nom == "sqlite":
        dossier = Path(tempfile.mkdtemp(prefix=f"bench-{taille}-"))
        return creer_moteur(f"sqlite:///{dossier / 'cfa.sqlite3'}"), None
    schema = f"bench_{os.getpid()}_{taille}"
    admin = sa.create_engine(URL_POSTGRESQL)
    with admin.begin() as connexion:
        connexion.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connexion.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    moteur = creer_moteur(URL_POSTGRESQL, connect_args={"options": f"-csearch_path={schema}"})

    def nettoyer() -> None:
        with admin.begin() as connexion:
            connexion.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()

    return moteur, nettoyer


def main() -> None:
    """Parse the arguments, run the benchmark, print the figures."""
    analyseur = argparse.ArgumentParser(description="Mesures de la persistance SQL.")
    analyseur.add_argument("--tailles", default="10000,100000", help="nombres de dossiers")
    analyseur.add_argument("--moteurs", default="sqlite,postgresql", help="sqlite,postgresql")
    options = analyseur.parse_args()
    for taille in (int(x) for x in options.tailles.split(",")):
        debut = time.perf_counter()
        jeu = generer(taille)
        print(
            f"\n=== {taille} dossiers, {len(jeu.organismes)} organismes, "
            f"{len(jeu.delegations)} délégations (génération à la volée)"
        )
        for nom in options.moteurs.split(","):
            moteur, nettoyer = _moteur(nom, taille)
            try:
                adaptateur, brut, lignes = charger(moteur, jeu)
                ligne = (
                    f"[{nom}] chargement : {taille / adaptateur:,.0f} dossiers/s "
                    f"({lignes:,} lignes en {adaptateur:.1f} s)"
                )
                if not math.isnan(brut):
                    ligne += (
                        f" ; sqlite3.executemany brut : {taille / brut:,.0f} dossiers/s "
                        f"({brut:.1f} s)"
                    )
                print(ligne.replace(",", " "))
                visibles, nombre = _cible(moteur, jeu)
                print(
                    f"[{nom}] recherche pour un organisme voyant {nombre} dossiers "
                    f"({len(visibles)} SIRET), page de 10, {REPETITIONS} répétitions :"
                )
                for libelle, criteres in _criteres(moteur, visibles).items():
                    mediane, p95, total = mesurer_recherche(moteur, visibles, criteres)
                    print(
                        f"    {libelle:<24} médiane {mediane:6.2f} ms   p95 {p95:6.2f} ms"
                        f"   ({total} résultats)"
                    )
            finally:
                moteur.dispose()
                if nettoyer is not None:
                    nettoyer()
        print(f"(durée totale pour cette taille : {time.perf_counter() - debut:.0f} s)")


if __name__ == "__main__":
    main()
