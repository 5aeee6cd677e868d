r"""Availability benchmark: page reads per second while anonymous logins run (SQLite).

Usage (from the repository root)::

    PYTHONPATH=src:benchmarks python benchmarks/bench_disponibilite.py --connexions 0,2,6

One SQLite file (WAL, as deployed), one organisme, one accountant and 200 files. For
each number N of login threads, the benchmark runs for ``--duree`` seconds:

- N threads call :func:`~cfa_domain.services.acces.se_connecter` in a loop with unknown
  addresses (anonymous logins: each checks the real argon2id dummy hash of
  :class:`cfa_adapters.systeme.HacheurArgon2`, argon2-cffi's default parameters);
- ``--lecteurs`` threads read pages in a loop:
  :func:`~cfa_domain.services.actions.rechercher_actions` (page 1 of 10) then
  :func:`~cfa_domain.services.acces.session_valide`.

It prints the reads per second, the median and worst read latency, the logins per
second, and the reads that failed (before issue 7 item 1, "database is locked" after the
30 s busy timeout). Beside it, a raw baseline in the same process: the same page read as
plain ``sqlite3`` queries (no unit of work) with no login running.

The use cases are called through their public API only, so the same script measures an
older version of the core (``PYTHONPATH=<old checkout>/src:benchmarks``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.schema import mettre_a_jour_schema
from cfa_adapters.sql.uow import fabrique_uow
from cfa_adapters.systeme import HacheurArgon2, HorlogeSysteme, JetonsSecrets
from cfa_domain.errors import ErreurDomaine, IdentifiantsInvalides
from cfa_domain.ports import CriteresRecherche
from cfa_domain.services import acces, actions
from cfa_domain.services.contexte import Contexte
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import MemoireEntrepotDocuments, MemoireRenduRecepisse, memoire
from cfa_domain.values import Email

if TYPE_CHECKING:
    import uuid

    import sqlalchemy as sa

EMAIL = "compta@cfa-exemple.fr"
MOT_DE_PASSE = "Un-mot-de-passe-solide-2024"
FICHIERS = 200


@attrs.define
class Mesure:
    """What one run measured."""

    connexions: int
    lectures: list[float] = attrs.Factory(list)
    echecs_lecture: list[str] = attrs.Factory(list)
    nombre_connexions: int = 0
    echecs_connexion: int = 0


def _contexte(chemin: Path) -> Contexte:
    moteur = creer_moteur(f"sqlite:///{chemin}")
    mettre_a_jour_schema(moteur)
    return contexte_sql(moteur)


def contexte_sql(moteur: sa.Engine) -> Contexte:
    """The core on the SQL unit of work of ``moteur``, the system's clock, argon2id hashing."""
    return Contexte(
        uow=fabrique_uow(moteur),
        horloge=HorlogeSysteme(),
        jetons=JetonsSecrets(),
        hacheur=HacheurArgon2(),
        documents=MemoireEntrepotDocuments(),
        rendu_recepisse=MemoireRenduRecepisse(),
    )


def _peupler(ctx: Contexte) -> uuid.UUID:
    """The organisme, its files and an active account; return the account's id."""
    m = memoire()
    m.enregistrer(exemples.organisme(exemples.SIRET_CFA, emails_connus=(Email(EMAIL),)))
    compte_id = m.compte_cfa(exemples.SIRET_CFA, EMAIL, MOT_DE_PASSE)
    with m.contexte.uow() as source, ctx.uow() as cible:
        organisme = source.organismes.obtenir(exemples.SIRET_CFA)
        compte = source.comptes.obtenir(compte_id)
        if organisme is None or compte is None:
            raise LookupError(compte_id)
        cible.organismes.ajouter(organisme)
        cible.comptes.ajouter(compte)
        for rang in range(FICHIERS):
            numero = f"20113{rang:05d}"
            cible.actions.ajouter(exemples.action(numero, siret_cfa=exemples.SIRET_CFA))
        cible.commit()
    return compte_id


def _mesurer(
    ctx: Contexte, compte_id: uuid.UUID, connexions: int, lecteurs: int, duree: float
) -> Mesure:
    mesure = Mesure(connexions)
    fin = time.perf_counter() + duree
    verrou = threading.Lock()

    def connecter(rang: int) -> None:
        essai = 0
        while time.perf_counter() < fin:
            essai += 1
            try:
                acces.se_connecter(ctx, f"inconnu-{rang}-{essai}@exemple.fr", "essai")
            except IdentifiantsInvalides:
                with verrou:
                    mesure.nombre_connexions += 1
            except Exception:  # noqa: BLE001 - counted, the benchmark goes on
                with verrou:
                    mesure.echecs_connexion += 1

    def lire() -> None:
        while time.perf_counter() < fin:
            debut = time.perf_counter()
            try:
                actions.rechercher_actions(ctx, compte_id, CriteresRecherche())
                acces.session_valide(ctx, compte_id, 0)
            except (ErreurDomaine, Exception) as erreur:  # noqa: BLE001 - reported below
                with verrou:
                    mesure.echecs_lecture.append(f"{type(erreur).__name__}: {erreur}"[:120])
                continue
            with verrou:
                mesure.lectures.append(time.perf_counter() - debut)

    fils = [threading.Thread(target=connecter, args=(r,)) for r in range(connexions)]
    fils += [threading.Thread(target=lire) for _ in range(lecteurs)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    return mesure


def _brut(chemin: Path, duree: float) -> float:
    """Reads per second of the same page as plain sqlite3 queries (one thread, no login)."""
    import sqlite3  # noqa: PLC0415 - only the baseline needs the raw driver

    connexion = sqlite3.connect(chemin)
    lectures = 0
    fin = time.perf_counter() + duree
    while time.perf_counter() < fin:
        connexion.execute(
            "SELECT * FROM actions WHERE siret_cfa = ? ORDER BY numero_action DESC LIMIT 10",
            (exemples.SIRET_CFA.numero,),
        ).fetchall()
        connexion.execute(
            "SELECT count(*) FROM actions WHERE siret_cfa = ?", (exemples.SIRET_CFA.numero,)
        ).fetchone()
        connexion.execute("SELECT * FROM comptes LIMIT 1").fetchone()
        lectures += 1
    connexion.close()
    return lectures / duree


def main() -> None:
    """Run the benchmark and print one line per number of login threads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connexions", default="0,2,6", help="login threads, comma-separated")
    parser.add_argument("--lecteurs", type=int, default=2, help="reader threads")
    parser.add_argument("--duree", type=float, default=10.0, help="seconds per run")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as dossier:
        chemin = Path(dossier) / "cfa.sqlite3"
        ctx = _contexte(chemin)
        compte_id = _peupler(ctx)
        brut = _brut(chemin, arguments.duree / 2)
        print(f"brut sqlite3 (1 fil, sans connexion) : {brut:.0f} lectures/s")
        for connexions in (int(n) for n in arguments.connexions.split(",")):
            m = _mesurer(ctx, compte_id, connexions, arguments.lecteurs, arguments.duree)
            latences = sorted(m.lectures) or [float("nan")]
            print(
                f"{connexions} connexions anonymes : "
                f"{len(m.lectures) / arguments.duree:.1f} lectures/s "
                f"(médiane {statistics.median(latences) * 1000:.1f} ms, "
                f"pire {latences[-1] * 1000:.0f} ms), "
                f"{m.nombre_connexions / arguments.duree:.1f} connexions/s, "
                f"{len(m.echecs_lecture)} lectures en échec"
                + (f" ({m.echecs_lecture[0]})" if m.echecs_lecture else "")
            )


if __name__ == "__main__":
    main()
