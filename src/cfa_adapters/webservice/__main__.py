"""Command line of the feed: ``cfa-feed pull|import|stock|quarantine|simulate``.

- ``pull``: read the Webservice (``CFA_FLUX_URL``, or ``--flux``) from the stored cursor;
- ``import FICHIER``: a JSON Lines file of records (format 1);
- ``stock FICHIER.csv``: a stock CSV (reprise de stock);
- ``quarantine list [--tous]``, ``quarantine show N``, ``quarantine replay N… | --tous``:
  the quarantined records, one in full, replaying them once their cause is gone;
- ``simulate``: serve a file of records as the Webservice would (the demo's upstream).

The database is ``--url`` (default ``CFA_DATABASE_URL``, else the embedded SQLite file).
A run shows a progress bar on a terminal (rich) and plain log lines otherwise, then one
summary line: created, updated, unchanged, quarantined, records per second. Exit status:
0 when nothing was quarantined, 1 when something was (or a replay failed), 2 when the
command could not do its work (a bad setting, the database, the upstream service), told
in one French line on stderr. The settings are in ``docs/feed.md``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

import attrs
import sqlalchemy as sa

from cfa_adapters.files.entrepot import EntrepotDocumentsFichiers
from cfa_adapters.sql.__main__ import STATUT_ERREUR, analyseur_sur_base, expliquer_erreur_base
from cfa_adapters.sql.moteur import url_depuis_environnement
from cfa_adapters.sql.schema import ouvrir_base
from cfa_adapters.sql.uow import fabrique_uow
from cfa_adapters.systeme import HacheurArgon2, HorlogeSysteme, JetonsSecrets
from cfa_adapters.webservice import operations
from cfa_adapters.webservice.http import ErreurWebservice, SourceHttp
from cfa_adapters.webservice.simulateur import JETON_DEMO, Simulateur
from cfa_adapters.webservice.sources import StockInvalide
from cfa_domain.errors import ServiceIndisponible
from cfa_domain.services.contexte import Contexte, Parametres
from cfa_domain.services.flux import ResultatApplication

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from cfa_domain.remboursement import Recepisse
    from cfa_domain.services.flux import Bilan

__all__ = ["ReglageInvalide", "ReglagesFlux", "contexte_flux", "main", "reglages_flux"]

EXEMPLE: Final = Path(__file__).parent / "exemples" / "flux.jsonl"
"""The sample feed shipped with the package (``simulate`` serves it by default)."""

_QUARANTAINE: Final = 1
_MOT_DE_PASSE: Final = re.compile(r"(://[^:/@]*:)[^@]*@")
_journal = logging.getLogger("cfa_adapters.webservice")


class ReglageInvalide(Exception):
    """A setting of the feed is missing or wrong: the French line to print."""


@attrs.frozen
class ReglagesFlux:
    """How to reach the upstream Webservice (the ``CFA_FLUX_*`` variables)."""

    url: str
    jeton: str = attrs.field(repr=False)
    taille_page: int = 500
    delai: float = 10.0
    essais: int = 5
    source: str = "webservice"


def _entier(env: Mapping[str, str], nom: str, defaut: int, maximum: int) -> int:
    valeur = env.get(nom, "").strip()
    if not valeur:
        return defaut
    if not valeur.isdigit() or not 1 <= int(valeur) <= maximum:
        raise ReglageInvalide(f"{nom} : « {valeur} » n'est pas un entier de 1 à {maximum}.")
    return int(valeur)


def _secondes(env: Mapping[str, str], nom: str, defaut: float) -> float:
    valeur = env.get(nom, "").strip()
    if not valeur:
        return defaut
    try:
        secondes = float(valeur)
    except ValueError:
        secondes = -1.0
    if not 0 < secondes <= 3600:  # noqa: PLR2004 - an hour is far beyond any page
        raise ReglageInvalide(f"{nom} : « {valeur} » n'est pas un nombre de secondes (0 à 3600).")
    return secondes


def reglages_flux(env: Mapping[str, str] | None = None, url: str | None = None) -> ReglagesFlux:
    """Read the ``CFA_FLUX_*`` settings (``url`` replaces ``CFA_FLUX_URL``).

    Raises:
        ReglageInvalide: a missing URL or token, a value out of range.
    """
    env = os.environ if env is None else env
    adresse = (url or env.get("CFA_FLUX_URL", "")).strip()
    if not adresse.startswith(("http://", "https://")):
        raise ReglageInvalide(
            "CFA_FLUX_URL : l'adresse du Webservice (http:// ou https://) est obligatoire"
            + (f", pas « {adresse} »." if adresse else ".")
        )
    jeton = env.get("CFA_FLUX_JETON", "").strip()
    if not jeton:
        raise ReglageInvalide("CFA_FLUX_JETON : le jeton d'accès au Webservice est obligatoire.")
    return ReglagesFlux(
        url=adresse,
        jeton=jeton,
        taille_page=_entier(env, "CFA_FLUX_TAILLE_PAGE", 500, 1000),
        delai=_secondes(env, "CFA_FLUX_DELAI", 10.0),
        essais=_entier(env, "CFA_FLUX_ESSAIS", 5, 20),
        source=env.get("CFA_FLUX_SOURCE", "").strip() or "webservice",
    )


# --- The context the feed runs in ---------------------------------------------------------


class _SansRecepisse:
    """The feed renders no receipt: a call is a programming error."""

    def rendre(self, recepisse: Recepisse) -> bytes:
        del recepisse
        msg = "Le flux ne produit aucun récépissé."
        raise RuntimeError(msg)


def contexte_flux(moteur: sa.Engine, parametres: Parametres | None = None) -> Contexte:
    """The :class:`Contexte` the feed's commands run in, on a database engine."""
    return Contexte(
        uow=fabrique_uow(moteur),
        horloge=HorlogeSysteme(),
        jetons=JetonsSecrets(),
        hacheur=HacheurArgon2(),
        documents=EntrepotDocumentsFichiers(),
        rendu_recepisse=_SansRecepisse(),
        parametres=parametres or Parametres(),
    )


# --- Progress -------------------------------------------------------------------------------

_PAS_JOURNAL: Final = 1000


@contextlib.contextmanager
def _progression(titre: str) -> Iterator[operations.Suivi]:
    """A progress bar on a terminal (rich, when installed), plain log lines otherwise."""
    if sys.stderr.isatty():
        with contextlib.suppress(ImportError):
            from rich.progress import Progress  # noqa: PLC0415 - optional, terminals only

            with Progress(transient=False) as barre:
                tache = barre.add_task(titre, total=None)

                def avancer(lus: int, total: int | None) -> None:
                    barre.update(tache, completed=lus, total=total)

                yield avancer
            return

    def journaliser(lus: int, total: int | None) -> None:
        if lus % _PAS_JOURNAL == 0 or lus == total:
            sur = f" sur {total}" if total is not None else ""
            _journal.info("%s : %d enregistrement(s) lu(s)%s", titre, lus, sur)

    yield journaliser


# --- Commands -----------------------------------------------------------------------------


def _analyseur() -> argparse.ArgumentParser:
    analyseur, commandes = analyseur_sur_base(
        "cfa-feed", "Flux des dossiers de la Plateforme CFA (Webservice, fichiers, stock)."
    )
    tirer = commandes.add_parser("pull", help="lit le Webservice depuis le dernier curseur.")
    tirer.add_argument("--flux", help="adresse du Webservice (par défaut : CFA_FLUX_URL).")
    importer = commandes.add_parser("import", help="importe un fichier JSON Lines.")
    importer.add_argument("fichier", type=Path, help="fichier d'enregistrements (format 1).")
    stock = commandes.add_parser("stock", help="importe un stock CSV (reprise de stock).")
    stock.add_argument("fichier", type=Path, help="fichier CSV du stock.")
    quarantaine = commandes.add_parser("quarantine", help="enregistrements en quarantaine.")
    actions = quarantaine.add_subparsers(
        title="actions", dest="action", required=True, metavar="action"
    )
    lister = actions.add_parser("list", help="liste les enregistrements en quarantaine.")
    lister.add_argument("--tous", action="store_true", help="y compris ceux déjà réglés.")
    montrer = actions.add_parser("show", help="montre un enregistrement en entier.")
    montrer.add_argument("numero", type=int, help="son numéro dans la liste.")
    rejouer = actions.add_parser("replay", help="applique à nouveau des enregistrements.")
    rejouer.add_argument("numeros", type=int, nargs="*", help="leurs numéros dans la liste.")
    rejouer.add_argument("--tous", action="store_true", help="tous ceux qui attendent.")
    simuler = commandes.add_parser(
        "simulate", help="sert un fichier d'enregistrements comme le Webservice."
    )
    simuler.add_argument("--fichier", type=Path, default=EXEMPLE, help="par défaut : l'exemple.")
    simuler.add_argument("--hote", default="127.0.0.1", help="par défaut : 127.0.0.1.")
    simuler.add_argument("--port", type=int, default=8765, help="par défaut : 8765.")
    return analyseur


def _afficher(ligne: str) -> None:
    print(ligne)  # noqa: T201 - a CLI prints


def _importer(ctx: Contexte, titre: str, lancer: Callable[[operations.Suivi], Bilan]) -> int:
    chrono = operations.Chrono()
    with _progression(titre) as suivi:
        bilan = lancer(suivi)
    _afficher(operations.resume(bilan, chrono.duree()))
    del ctx
    return _QUARANTAINE if bilan.rejetes else 0


def _lister(ctx: Contexte, tous: bool) -> int:
    rejets = operations.lister_quarantaine(ctx, regles=tous)
    for numero, rejet in rejets:
        regle = f" ; réglé le {rejet.regle_le:%d/%m/%Y %H:%M}" if rejet.regle_le else ""
        _afficher(
            f"{numero}. {rejet.cle} ({rejet.motif.libelle}, {rejet.rejete_le:%d/%m/%Y %H:%M}"
            f"{regle}) : {rejet.detail}"
        )
    _afficher(f"{len(rejets)} enregistrement(s).")
    return 0


def _montrer(ctx: Contexte, numero: int) -> int:
    trouve = dict(operations.lister_quarantaine(ctx, regles=True)).get(numero)
    if trouve is None:
        raise ReglageInvalide(f"aucun enregistrement n° {numero} en quarantaine.")
    _afficher(f"Clé : {trouve.cle}")
    _afficher(f"Motif : {trouve.motif.libelle}")
    _afficher(f"Rejeté le : {trouve.rejete_le:%d/%m/%Y %H:%M:%S}")
    if trouve.regle_le is not None:
        _afficher(f"Réglé le : {trouve.regle_le:%d/%m/%Y %H:%M:%S}")
        decision = "écarté" if trouve.ecarte else "rejoué et appliqué"
        _afficher(f"Décision : {decision} par {trouve.regle_par or 'inconnu'}")
        if trouve.ecarte:
            _afficher(f"Motif de l'écart : {trouve.motif_ecart}")
    _afficher(f"Raison : {trouve.detail}")
    _afficher(f"Reçu : {trouve.brut}")
    return 0


def _rejouer(ctx: Contexte, numeros: list[int], tous: bool) -> int:
    if tous:
        numeros += [n for n, _ in operations.lister_quarantaine(ctx) if n not in numeros]
    if not numeros:
        raise ReglageInvalide("indiquez les numéros des enregistrements à rejouer, ou --tous.")
    echecs = 0
    for numero in numeros:
        rejoue = operations.rejouer_quarantaine(ctx, numero)
        if rejoue is None:
            raise ReglageInvalide(f"aucun enregistrement n° {numero} en quarantaine.")
        rejet, rejeu = rejoue
        if rejeu.resultat is ResultatApplication.REJETE:
            echecs += 1
            _afficher(f"{numero}. {rejet.cle} : toujours refusé : {rejeu.detail}")
        else:
            _afficher(f"{numero}. {rejet.cle} : appliqué ({rejeu.resultat.value}), réglé.")
    return _QUARANTAINE if echecs else 0


def _quarantaine(ctx: Contexte, options: argparse.Namespace) -> int:
    if options.action == "list":
        return _lister(ctx, options.tous)
    if options.action == "show":
        return _montrer(ctx, options.numero)
    return _rejouer(ctx, list(options.numeros), options.tous)


def _simuler(options: argparse.Namespace) -> int:
    import json  # noqa: PLC0415 - only this command reads a file whole

    chemin: Path = options.fichier
    enregistrements = []
    with chemin.open(encoding="utf-8") as fichier:
        for ligne in fichier:
            if ligne.strip():
                try:
                    enregistrements.append(json.loads(ligne))
                except json.JSONDecodeError:
                    enregistrements.append(ligne.rstrip("\n"))  # served as received
    jeton = os.environ.get("CFA_FLUX_JETON", "").strip() or JETON_DEMO
    simulateur = Simulateur(enregistrements, jeton=jeton, hote=options.hote, port=options.port)
    _afficher(
        f"Webservice simulé : {simulateur.url} ({len(enregistrements)} enregistrements). "
        f"Jeton : CFA_FLUX_JETON={jeton}. Ctrl-C pour arrêter."
    )
    with contextlib.suppress(KeyboardInterrupt):
        simulateur.servir()
    return 0


def _executer(options: argparse.Namespace, moteur: sa.Engine) -> int:
    ctx = contexte_flux(moteur)
    if options.commande == "pull":
        reglages = reglages_flux(url=options.flux)
        source = SourceHttp(
            reglages.url,
            reglages.jeton,
            nom=reglages.source,
            taille_page=reglages.taille_page,
            delai=reglages.delai,
            essais=reglages.essais,
        )
        return _importer(ctx, "Webservice", lambda s: operations.importer(ctx, source, s))
    if options.commande == "import":
        chemin = options.fichier
        return _importer(ctx, chemin.name, lambda s: operations.importer_fichier(ctx, chemin, s))
    if options.commande == "stock":
        chemin = options.fichier
        return _importer(ctx, chemin.name, lambda s: operations.importer_stock(ctx, chemin, s))
    return _quarantaine(ctx, options)


def _verifier_fichier(options: argparse.Namespace) -> None:
    chemin = getattr(options, "fichier", None)
    if chemin is not None and not chemin.is_file():
        raise ReglageInvalide(f"le fichier {chemin} n'existe pas.")


def main(arguments: Sequence[str] | None = None) -> int:
    """Run the command; return the process exit status (see the module docstring)."""
    options = _analyseur().parse_args(arguments)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the embedded base's upgrade
    url = options.url or url_depuis_environnement()
    try:
        _verifier_fichier(options)
        if options.commande == "simulate":
            return _simuler(options)
        if options.commande == "pull":
            reglages_flux(url=options.flux)  # a bad setting stops before the database opens
        moteur = ouvrir_base(url)
        try:
            return _executer(options, moteur)
        finally:
            moteur.dispose()
    except (ReglageInvalide, ErreurWebservice, StockInvalide) as erreur:
        message = str(erreur)
    except sa.exc.ArgumentError:
        masquee = _MOT_DE_PASSE.sub(r"\1***@", url)
        message = f"URL de base invalide : « {masquee} »."
    except sa.exc.DBAPIError as erreur:
        message = expliquer_erreur_base(erreur, url)
    except ServiceIndisponible as erreur:  # the unit of work's translation of a driver error
        cause = erreur.__cause__
        if isinstance(cause, sa.exc.DBAPIError):
            message = expliquer_erreur_base(cause, url)
        else:
            message = erreur.message
    except OSError as erreur:
        message = f"{erreur.filename or 'fichier'} : {erreur.strerror or erreur}."
    print(f"cfa-feed : {message}", file=sys.stderr)  # noqa: T201 - a CLI prints
    return STATUT_ERREUR


if __name__ == "__main__":
    sys.exit(main())
