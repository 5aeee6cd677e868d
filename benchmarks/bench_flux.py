r"""Feed benchmark: records per second through ``synchroniser``, beside a raw executemany.

Usage (from the repository root)::

    PYTHONPATH=src:benchmarks python benchmarks/bench_flux.py --taille 10000
    PYTHONPATH=src:benchmarks python benchmarks/bench_flux.py --taille 10000 --moteurs sqlite
    PYTHONPATH=src:benchmarks python benchmarks/bench_flux.py --taille 10000 --taille-lot 1
    PYTHONPATH=src:benchmarks python benchmarks/bench_flux.py --memoire 10000,100000,1000000

For ``--taille`` generated files (``generer.py``, seeded), on each engine, in one process,
records applied by batches of ``--taille-lot`` (``flux.TAILLE_LOT`` by default; 1 is the
record-by-record path):

- **nouveaux**: every record creates its file (an empty database but the organismes);
- **rejeu**: the same records again from another source (each one unchanged);
- **mises à jour**: a newer version of each record (another budget);
- **brut**: the rows of the same new files (``cfa_adapters.sql.traduction``) inserted by the
  driver's own ``executemany`` (``sqlite3`` / ``psycopg``), one transaction, no SQLAlchemy:
  the floor the use case is compared with.

The records are made before the clock starts (so the figures exclude the generator). Each
figure is given in wall-clock time and in the process's CPU time (``time.process_time``):
on a machine shared with other work the wall clock measures the load as much as the code,
while the CPU time of SQLite (which runs in the process) does not; PostgreSQL's own work
is in the server, outside the process's CPU time. The peak resident memory of the process
(``ru_maxrss``, records included) is printed at the end.

``--memoire`` measures instead the peak resident memory of the new-records scenario on
SQLite for each size, each in a process of its own, the records generated as the feed
reads them (nothing kept): memory must stay flat whatever the size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from bench_persistance import _brut, _moteur, _preparer_base
from generer import Jeu, generer

from cfa_adapters.sql import tables as t
from cfa_adapters.sql import traduction as tr
from cfa_adapters.sql.uow import fabrique_uow
from cfa_domain.action import Action
from cfa_domain.ports import DossierFlux
from cfa_domain.services.contexte import Contexte
from cfa_domain.services.flux import TAILLE_LOT, synchroniser
from cfa_domain.testing.fakes import (
    HacheurMemoire,
    HorlogeFixe,
    JetonsDeterministes,
    MemoireEntrepotDocuments,
    MemoireRenduRecepisse,
)
from cfa_domain.values import Montant

if TYPE_CHECKING:
    from collections.abc import Iterator

QUAND = dt.datetime(2025, 9, 1, 9, tzinfo=dt.UTC)


def dossiers(jeu: Jeu, *, version: int = 1) -> Iterator[DossierFlux]:
    """The generated files as feed records (``version`` > 1: another budget)."""
    for actions, _demandes in jeu.lots(1000):
        for action in actions:
            budget = action.budget
            if version > 1:
                budget = attrs.evolve(budget, frais_divers=budget.frais_divers + Montant(version))
            yield DossierFlux(
                numero_action=action.numero_action,
                version=version,
                formation=action.formation,
                contrat=action.contrat,
                budget=budget,
            )


@attrs.define
class SourceGeneree:
    """A feed generating its records as it is read (memory flat); the cursor is the rank."""

    jeu: Jeu
    nom: str

    def lire(self, depuis: str | None) -> Iterator[tuple[str, DossierFlux]]:
        """Yield the records after ``depuis``."""
        debut = int(depuis) if depuis is not None else 0
        for rang, dossier in enumerate(dossiers(self.jeu), start=1):
            if rang > debut:
                yield str(rang), dossier


@attrs.define
class SourceListe:
    """A feed reading records made beforehand (not timed); the cursor is the record's rank."""

    enregistrements: list[DossierFlux]
    nom: str

    def lire(self, depuis: str | None) -> Iterator[tuple[str, DossierFlux]]:
        """Yield the records after ``depuis``."""
        debut = int(depuis) if depuis is not None else 0
        for rang in range(debut, len(self.enregistrements)):
            yield str(rang + 1), self.enregistrements[rang]


def _contexte(moteur: sa.Engine) -> Contexte:
    return Contexte(
        uow=fabrique_uow(moteur),
        horloge=HorlogeFixe(QUAND),
        jetons=JetonsDeterministes(),
        hacheur=HacheurMemoire(),
        documents=MemoireEntrepotDocuments(),
        rendu_recepisse=MemoireRenduRecepisse(),
    )


def _lignes(dossier: DossierFlux) -> tr.Lignes:
    """The rows of the file ``dossier`` creates."""
    return tr.action_vers_lignes(
        Action.recue(
            numero_action=dossier.numero_action,
            version=dossier.version,
            formation=dossier.formation,
            contrat=dossier.contrat,
            budget=dossier.budget,
            quand=QUAND,
            auteur="Webservice",
        )
    )


def brut(moteur: sa.Engine, jeu: Jeu) -> tuple[float, float]:
    """Wall and CPU seconds to insert the new files' rows with the driver's executemany."""
    par_table: dict[sa.Table, list[dict[str, Any]]] = {t.actions: [], t.historique_actions: []}
    for dossier in dossiers(jeu):
        lignes = _lignes(dossier)
        par_table[t.actions].append(dict(lignes.principale))
        par_table[t.historique_actions].extend(dict(h) for h in lignes.historique)
    sqlite = moteur.dialect.name == "sqlite"
    marque = "?" if sqlite else "%s"
    requetes = [
        (
            (
                f"INSERT INTO {table.name} ({', '.join(rangees[0])}) "  # noqa: S608 - our tables
                f"VALUES ({', '.join(marque for _ in rangees[0])})"
            ),
            [tuple(_brut(v) for v in r.values()) for r in rangees],
        )
        for table, rangees in par_table.items()
    ]
    connexion = moteur.raw_connection()
    try:
        curseur = connexion.cursor()
        debut, cpu = time.perf_counter(), time.process_time()
        if sqlite:
            curseur.execute("BEGIN IMMEDIATE")
        for requete, valeurs in requetes:
            curseur.executemany(requete, valeurs)
        connexion.commit()
        return time.perf_counter() - debut, time.process_time() - cpu
    finally:
        connexion.close()


def _vider_dossiers(moteur: sa.Engine) -> None:
    with moteur.begin() as connexion:
        for table in (t.historique_actions, t.actions, t.quarantaine_flux, t.curseurs_flux):
            connexion.execute(sa.delete(table))


def mesurer(nom: str, taille: int, jeu: Jeu, taille_lot: int) -> None:
    """Print the rates of each scenario on one engine."""
    moteur, nettoyer = _moteur(nom, taille)
    try:
        _preparer_base(moteur, jeu)
        duree_brute, cpu_brut = brut(moteur, jeu)
        _vider_dossiers(moteur)
        ctx = _contexte(moteur)
        print(
            f"[{nom}] brut executemany : {taille / duree_brute:>9,.0f} dossiers/s "
            f"(CPU : {taille / cpu_brut:,.0f}/s)"
        )
        premiers = list(dossiers(jeu))
        for libelle, source in (
            ("nouveaux", SourceListe(premiers, "nouveaux")),
            ("rejeu", SourceListe(premiers, "rejeu")),
            ("mises à jour", SourceListe(list(dossiers(jeu, version=2)), "maj")),
        ):
            debut, cpu = time.perf_counter(), time.process_time()
            bilan = synchroniser(ctx, source, taille_lot=taille_lot)
            duree, cpu = time.perf_counter() - debut, time.process_time() - cpu
            if bilan.total != taille:
                msg = f"{taille} enregistrements attendus : {bilan}"
                raise RuntimeError(msg)
            print(
                f"[{nom}] {libelle:<12} : {taille / duree:>9,.0f} dossiers/s "
                f"({duree / duree_brute:.1f} x brut ; CPU : {taille / cpu:,.0f}/s, "
                f"{cpu / cpu_brut:.1f} x brut) {bilan}"
            )
    finally:
        moteur.dispose()
        if nettoyer is not None:
            nettoyer()


def memoire_seule(taille: int, taille_lot: int) -> None:
    """New records on SQLite, generated as read; print the rate and the peak memory."""
    jeu = generer(taille)
    moteur, _nettoyer = _moteur("sqlite", taille)
    try:
        _preparer_base(moteur, jeu)
        debut = time.perf_counter()
        bilan = synchroniser(_contexte(moteur), SourceGeneree(jeu, "flux"), taille_lot=taille_lot)
        duree = time.perf_counter() - debut
    finally:
        moteur.dispose()
    pic = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"[sqlite] {taille:>9,} nouveaux, générés à la lecture : {pic:,.0f} Mo au plus, "
        f"{taille / duree:,.0f} dossiers/s (génération comprise) ; {bilan.crees:,} créés"
    )


def main() -> None:
    """Parse the arguments, run the benchmark, print the figures."""
    analyseur = argparse.ArgumentParser(description="Débit du flux amont.")
    analyseur.add_argument("--taille", type=int, default=10_000, help="nombre de dossiers")
    analyseur.add_argument("--moteurs", default="sqlite,postgresql", help="sqlite,postgresql")
    analyseur.add_argument(
        "--taille-lot", type=int, default=TAILLE_LOT, help="enregistrements par lot (1 : un à un)"
    )
    analyseur.add_argument(
        "--memoire", default="", help="tailles (10000,100000,1000000) : mémoire de pointe"
    )
    analyseur.add_argument("--enfant", type=int, default=0, help=argparse.SUPPRESS)
    options = analyseur.parse_args()
    if options.enfant:
        memoire_seule(options.enfant, options.taille_lot)
        return
    if options.memoire:
        for taille in (int(t) for t in options.memoire.split(",")):
            commande = [sys.executable, __file__, "--enfant", str(taille)]
            commande += ["--taille-lot", str(options.taille_lot)]
            subprocess.run(commande, check=True)  # noqa: S603 - this very script
        return
    jeu = generer(options.taille)
    print(
        f"=== {options.taille} dossiers, {len(jeu.organismes)} organismes, "
        f"lots de {options.taille_lot}"
    )
    for nom in options.moteurs.split(","):
        mesurer(nom, options.taille, jeu, options.taille_lot)
    pic = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"mémoire résidente maximale du processus : {pic:.0f} Mo")


if __name__ == "__main__":
    main()
