r"""The "Mes actions" pages over HTTP on large bases, beside a bare Litestar handler.

Usage (from the repository root)::

    PYTHONPATH=src:benchmarks python benchmarks/bench_recherche.py --fichiers 100000
    PYTHONPATH=src:benchmarks python benchmarks/bench_recherche.py --fichiers 1000000 \
        --moteurs sqlite --repetitions 100
    PYTHONPATH=src:benchmarks python benchmarks/bench_recherche.py --fichiers 30000  # quick

The base holds ``--fichiers`` files: those of the seeded generator (``generer.py``: about
250 files an organisme, every state, requests in every state, histories) and, among
them, the files of one large organisme (``--geant``, 20 000 by default) with its logged-in
accountant. Bases are kept for the next run: the SQLite file under ``var/bench/`` and the
PostgreSQL schema ``bench_recherche_<n>`` (``--regenerer`` builds them again).

Each figure is a whole HTTP request through the real application
(:func:`cfa_web.app.create_app` on the SQL adapters: the unit of work, the SQL sessions
and throttling store; Litestar's test client, in this process), for the large
organisme's accountant: the list searched by name and by action-number prefix, its first
page, its *last* page (page 2 000 of 20 000 files), the last page sorted on each
computed column (state, CFA, DECA/SIA number, budget, pedagogical and annex costs, total
reimbursed; the budget and the total reimbursed in both directions), and a file's detail
page. Beside them, in the same process and the same rounds, a
bare Litestar handler (``sync_to_thread``, no session, no database) rendering a Jinja
template to a page of the same size as the list's and as the detail's. Rounds alternate
the measures, so a load spike of the shared machine hits them all; each line gives the
median and the p95 of ``--repetitions`` rounds, and the ratio of the p95 to the bare
handler's.

No figure is asserted: compare runs (and versions) by reading them.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import sqlalchemy as sa
from bench_disponibilite import contexte_sql
from bench_export_actions import connecter
from bench_persistance import URL_POSTGRESQL, charger
from generer import Jeu, generer
from litestar import Litestar, MediaType, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig
from litestar.testing import TestClient

from cfa_adapters.sql import tables as t
from cfa_adapters.sql.magasin import CompteurSql, MagasinSql
from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.schema import mettre_a_jour_schema
from cfa_adapters.sql.uow import fabrique_uow
from cfa_adapters.systeme import HacheurArgon2
from cfa_domain.services.contexte import Parametres
from cfa_domain.testing import exemples
from cfa_domain.values import Email
from cfa_web.app import Composants, create_app
from cfa_web.settings import ReglagesWeb

if TYPE_CHECKING:
    from collections.abc import Callable

EMAIL = "compta@cfa-geant.fr"
GRAINE = 20250901
CACHE = Path("var/bench")

#: The sorts measured on the last page: (label, ``tri``, ``ordre``), every computed column.
TRIS = (
    ("état", "etat", "croissant"),
    ("CFA", "cfa", "croissant"),
    ("n° DECA/SIA", "enregistrement", "croissant"),
    ("budget", "budget", "croissant"),
    ("budget ↓", "budget", "decroissant"),
    ("frais péda.", "pedagogie", "croissant"),
    ("frais annexes", "annexes", "croissant"),
    ("remboursé", "rembourse", "croissant"),
    ("remboursé ↓", "rembourse", "decroissant"),
)

GABARIT_NU = """<!doctype html><html lang="fr"><head><title>{{ titre }}</title></head><body>
<main><h1>{{ titre }}</h1><table>{% for ligne in lignes %}<tr>{% for cellule in ligne %}
<td>{{ cellule }}</td>{% endfor %}</tr>{% endfor %}</table></main></body></html>"""


def _base(nom: str, fichiers: int) -> tuple[sa.Engine, str]:
    """The engine of the cached base of ``fichiers`` files, and its URL (created if missing)."""
    if nom == "sqlite":
        CACHE.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{CACHE / f'recherche-{fichiers}.sqlite3'}"
        return creer_moteur(url), url
    schema = f"bench_recherche_{fichiers}"
    with sa.create_engine(URL_POSTGRESQL).begin() as connexion:
        connexion.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return creer_moteur(URL_POSTGRESQL, connect_args={"options": f"-csearch_path={schema}"}), ""


def _n(nombre: int) -> str:
    return f"{nombre:,}".replace(",", " ")


def _nombre_de_dossiers(moteur: sa.Engine) -> int:
    try:
        with moteur.connect() as connexion:
            return connexion.scalar(sa.select(sa.func.count()).select_from(t.actions)) or 0
    except sa.exc.DBAPIError:  # no schema yet
        return 0


def _vider(moteur: sa.Engine) -> None:
    t.metadata.drop_all(moteur)
    with moteur.begin() as connexion:
        connexion.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def _statistiques(moteur: sa.Engine) -> None:
    """The planner's statistics; on PostgreSQL also the visibility map (``VACUUM``).

    Autovacuum keeps both in a live base. Right after a bulk load the map is empty and
    PostgreSQL cannot count on index-only scans: the last page would read every row.
    """
    if moteur.dialect.name == "sqlite":
        with moteur.begin() as connexion:
            connexion.exec_driver_sql("ANALYZE")
        return
    with moteur.connect().execution_options(isolation_level="AUTOCOMMIT") as connexion:
        connexion.exec_driver_sql("VACUUM ANALYZE")


def preparer(moteur: sa.Engine, fichiers: int, geant: int, *, regenerer: bool) -> None:
    """Fill the base (``fichiers`` files, ``geant`` of them at one organisme) unless it is."""
    if not regenerer and _nombre_de_dossiers(moteur) == fichiers:
        mettre_a_jour_schema(moteur)
        _statistiques(moteur)
        print(f"  base reprise : {_n(fichiers)} dossiers")
        return
    _vider(moteur)
    mettre_a_jour_schema(moteur)
    debut = time.perf_counter()
    organisme = exemples.organisme(
        fiche=exemples.fiche(raison_sociale="CFA Géant"), emails_connus=(Email(EMAIL),)
    )
    autres = generer(fichiers - geant, GRAINE)
    if organisme.siret in {o.siret for o in autres.organismes}:  # pragma: no cover - seeded
        msg = "le SIRET du grand organisme est déjà tiré par le générateur"
        raise RuntimeError(msg)
    charger(moteur, autres, comparer=False)
    charger(
        moteur,
        Jeu((organisme,), (), geant, GRAINE + 7, premier_rang=fichiers - geant),
        comparer=False,
    )
    hacheur = HacheurArgon2()
    with fabrique_uow(moteur)() as uow:
        uow.comptes.ajouter(exemples.compte_actif(EMAIL, chez=organisme, hasher=hacheur))
        uow.commit()
    _statistiques(moteur)
    print(f"  base construite : {_n(fichiers)} dossiers en {time.perf_counter() - debut:.0f} s")


def application(moteur: sa.Engine, url: str) -> Litestar:
    """The portal on the real SQL adapters (sessions and throttling in the base too)."""
    reglages = ReglagesWeb(
        url_base_donnees=url or URL_POSTGRESQL,
        cle_secrete="cle-de-banc-" + "x" * 40,
        cookies_securises=False,
        dossier_documents=CACHE / "documents",
        relais_mail=False,
    )
    contexte = contexte_sql(moteur)
    composants = Composants(
        contexte=contexte, sessions=MagasinSql(moteur), compteur=CompteurSql(moteur)
    )
    return create_app(reglages, composants)


def application_nue(tailles: dict[str, int]) -> Litestar:
    """One handler per size: a Jinja template rendering a table to about that many bytes."""

    def lignes(octets: int) -> list[list[str]]:
        ligne = [f"cellule {i:03d} de la ligne" for i in range(9)]
        une = len("<tr>" + "".join(f"\n<td>{c}</td>" for c in ligne) + "</tr>")
        return [ligne] * max(1, octets // une)

    contenus = {nom: lignes(octets) for nom, octets in tailles.items()}

    @get("/nu/{nom:str}", sync_to_thread=True, media_type=MediaType.HTML)
    def nu(nom: str) -> Template:
        return Template(template_name="nu.html", context={"titre": nom, "lignes": contenus[nom]})

    moteur_gabarits = JinjaTemplateEngine.from_environment(
        jinja2.Environment(loader=jinja2.DictLoader({"nu.html": GABARIT_NU}), autoescape=True)
    )
    return Litestar(
        route_handlers=[nu],
        template_config=TemplateConfig(instance=moteur_gabarits),
        logging_config=None,
    )


def lire(client: TestClient[Litestar], adresse: str, attendu: str) -> Callable[[], int]:
    """A GET that must answer 200 with ``attendu`` in its page; returns its size."""

    def appel() -> int:
        reponse = client.get(adresse)
        if reponse.status_code != 200 or attendu not in reponse.text:  # noqa: PLR2004
            msg = f"{adresse}: {reponse.status_code} {reponse.text[:300]}"
            raise RuntimeError(msg)
        return len(reponse.content)

    return appel


def mesurer(
    appels: dict[str, Callable[[], int]], tours: int
) -> dict[str, tuple[list[float], list[float]]]:
    """``tours`` rounds, each calling every measure once: wall-clock and CPU times (ms).

    The CPU time is the whole process's (the server's threads included): on a shared,
    loaded machine it moves less than the wall-clock time, which also counts the waits
    for a core.
    """
    durees: dict[str, tuple[list[float], list[float]]] = {nom: ([], []) for nom in appels}
    for appel in appels.values():  # warm-up: templates compiled, caches filled
        appel()
    for _ in range(tours):
        for nom, appel in appels.items():
            debut, debut_cpu = time.perf_counter(), time.process_time()
            appel()
            durees[nom][0].append((time.perf_counter() - debut) * 1000)
            durees[nom][1].append((time.process_time() - debut_cpu) * 1000)
    return durees


def p95(valeurs: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordonnees = sorted(valeurs)
    return ordonnees[max(0, -(-len(ordonnees) * 95 // 100) - 1)]


def banc(nom: str, fichiers: int, options: argparse.Namespace) -> None:
    """Build (or reuse) the base of one engine and print its table."""
    moteur, url = _base(nom, fichiers)
    preparer(moteur, fichiers, options.geant, regenerer=options.regenerer)
    derniere = -(-options.geant // Parametres().taille_page)
    premier = f"{2_000_000_000 + fichiers - options.geant}"
    with moteur.connect() as connexion:
        nom_apprenti = connexion.scalar(
            sa.select(t.actions.c.apprenti_nom).where(t.actions.c.numero_action == premier)
        )
    if nom_apprenti is None:
        msg = f"le dossier {premier} manque à la base"
        raise RuntimeError(msg)
    with TestClient(application(moteur, url)) as client:
        connecter(client, EMAIL)
        taille_liste = lire(client, "/actions", "Affichage")()
        taille_detail = lire(client, f"/actions/{premier}", premier)()
        with TestClient(application_nue({"liste": taille_liste, "detail": taille_detail})) as nu:
            appels = {
                "recherche par nom (3 lettres)": lire(
                    client, f"/actions?nom_apprenti={nom_apprenti[:3]}", "Affichage"
                ),
                "préfixe du n° d'action (7 chiffres)": lire(
                    client, f"/actions?numero_action={premier[:7]}", "Affichage"
                ),
                "première page": lire(client, "/actions", "Affichage"),
                f"dernière page ({derniere})": lire(
                    client, f"/actions?page={derniere}", "Affichage"
                ),
                **{
                    f"dernière page triée par {libelle} ({derniere})": lire(
                        client, f"/actions?tri={tri}&ordre={ordre}&page={derniere}", "Affichage"
                    )
                    for libelle, tri, ordre in TRIS
                },
                "détail d'un dossier": lire(client, f"/actions/{premier}", premier),
                f"gabarit nu ({taille_liste} o, comme la liste)": lire(nu, "/nu/liste", "<table>"),
                f"gabarit nu ({taille_detail} o, comme le détail)": lire(
                    nu, "/nu/detail", "<table>"
                ),
            }
            durees = mesurer(appels, options.repetitions)
    moteur.dispose()
    nus = [p95(v) for k, (v, _cpu) in durees.items() if k.startswith("gabarit nu")]
    charge = os.getloadavg()[0]
    print(
        f"[{nom}] {_n(fichiers)} dossiers, organisme de {_n(options.geant)} dossiers, "
        f"{options.repetitions} tours, charge {charge:.1f}"
    )
    print(f"    {'':<44} {'médiane':>9} {'p95':>9} {'CPU méd.':>9}   p95 / gabarit nu")
    for libelle, (valeurs, cpu) in durees.items():
        reference = nus[1] if "détail" in libelle else nus[0]
        rapport = "" if libelle.startswith("gabarit") else f"   × {p95(valeurs) / reference:.1f}"
        mediane, mediane_cpu = statistics.median(valeurs), statistics.median(cpu)
        print(
            f"    {libelle:<44} {mediane:6.1f} ms {p95(valeurs):6.1f} ms {mediane_cpu:6.1f} ms"
            f"{rapport}"
        )


def main() -> None:
    """Parse the arguments, run each engine at each size."""
    analyseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyseur.add_argument("--fichiers", default="100000", help="tailles de base (100000,1000000)")
    analyseur.add_argument("--moteurs", default="sqlite,postgresql", help="sqlite,postgresql")
    analyseur.add_argument("--geant", type=int, default=20000, help="dossiers du grand organisme")
    analyseur.add_argument("--repetitions", type=int, default=200, help="tours de mesure")
    analyseur.add_argument("--regenerer", action="store_true", help="reconstruire les bases")
    options = analyseur.parse_args()
    for journal in ("httpx", "alembic", "litestar"):
        logging.getLogger(journal).setLevel(logging.WARNING)
    for fichiers in (int(x) for x in options.fichiers.split(",")):
        if fichiers <= options.geant:
            analyseur.error("--fichiers doit dépasser --geant")
        for nom in options.moteurs.split(","):
            banc(nom, fichiers, options)


if __name__ == "__main__":
    main()
