"""``cfa-db``: the forms of ``--url``, and one French line (status 2) for what can go wrong."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from cfa_adapters.sql.__main__ import main
from cfa_adapters.sql.schema import revision_cible

from .conftest import URL_POSTGRESQL

if TYPE_CHECKING:
    from pathlib import Path

    from .conftest import SchemaPostgresql

_SANS_PILOTE = sa.make_url(URL_POSTGRESQL).set(drivername="postgresql")


def _erreur(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    """Run the command, check it failed with status 2 and one line; return that line."""
    assert main(list(arguments)) == 2
    sortie = capsys.readouterr()
    assert sortie.out == ""
    lignes = sortie.err.splitlines()
    assert len(lignes) == 1, sortie.err
    assert lignes[0].startswith("cfa-db : ")
    return lignes[0]


def test_upgrade_puis_revision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``upgrade`` creates and upgrades the embedded base, then says it is up to date."""
    url = f"sqlite:///{tmp_path / 'var' / 'cfa.sqlite3'}"
    assert main(["--url", url, "upgrade"]) == 0
    assert "Schéma mis à jour : révision aucune (base vide)" in capsys.readouterr().out
    assert main(["--url", url, "upgrade"]) == 0
    assert f"Schéma déjà à jour (révision {revision_cible()})" in capsys.readouterr().out
    assert main(["--url", url, "revision"]) == 0
    sortie = capsys.readouterr().out
    assert f"Révision de la base : {revision_cible()} ; dernière : {revision_cible()}" in sortie


def test_url_par_defaut_depuis_l_environnement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without ``--url`` the command uses ``CFA_DATABASE_URL``."""
    chemin = tmp_path / "env.sqlite3"
    monkeypatch.setenv("CFA_DATABASE_URL", f" sqlite:///{chemin} ")
    assert main(["upgrade"]) == 0
    assert f"Base : sqlite:///{chemin}" in capsys.readouterr().out
    assert chemin.is_file()


@pytest.mark.parametrize("prefixe", ["postgresql://", "postgres://"])
def test_url_sous_les_formes_de_la_variable(
    schema_postgresql: SchemaPostgresql, prefixe: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--url`` takes the ``postgresql://`` and ``postgres://`` forms, as the variable does."""
    assert schema_postgresql.url == URL_POSTGRESQL
    url = _SANS_PILOTE.render_as_string(hide_password=False).replace("postgresql://", prefixe)
    assert main(["--url", url, "revision"]) == 0
    sortie = capsys.readouterr().out
    assert "Base : postgresql+psycopg://" in sortie
    assert f"dernière : {revision_cible()}" in sortie


@pytest.mark.parametrize(
    ("url", "attendu"),
    [
        ("n'importe quoi", "URL de base invalide : « n'importe quoi »"),
        ("mysql+inconnu://u@h/b", "URL de base invalide : « mysql+inconnu://u@h/b »"),
        ("oracle://moi:secret@h/b", "base non prise en charge : « oracle://moi:***@h/b »"),
    ],
)
def test_url_invalide(url: str, attendu: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A URL that does not parse, or names an engine the platform does not run on, is told."""
    assert attendu in _erreur(capsys, "--url", url, "upgrade")


def test_serveur_injoignable(capsys: pytest.CaptureFixture[str]) -> None:
    """A server that does not answer is told, not traced back."""
    ligne = _erreur(capsys, "--url", "postgresql://postgres@127.0.0.1:1/test", "upgrade")
    assert "le serveur de la base postgresql+psycopg://postgres@127.0.0.1:1/test ne répond pas" in (
        ligne
    )


def test_base_absente_sur_le_serveur(
    schema_postgresql: SchemaPostgresql, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database the server does not have is named."""
    url = sa.make_url(schema_postgresql.url).set(database="cfa_base_absente")
    ligne = _erreur(capsys, "--url", url.render_as_string(hide_password=False), "revision")
    assert f"la base cfa_base_absente n'existe pas sur le serveur {url.host}." in ligne


def test_fichier_sqlite_absent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``revision`` on a SQLite file that does not exist says so and creates nothing."""
    chemin = tmp_path / "absente.sqlite3"
    ligne = _erreur(capsys, "--url", f"sqlite:///{chemin}", "revision")
    assert ligne == f"cfa-db : la base SQLite {chemin} n'existe pas (cfa-db upgrade la crée)."
    assert not chemin.exists()


@pytest.mark.parametrize("commande", ["upgrade", "revision"])
def test_fichier_qui_n_est_pas_une_base(
    tmp_path: Path, commande: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that is not a SQLite database is told, and left as it was."""
    chemin = tmp_path / "notes.txt"
    contenu = b"Ceci est un compte rendu de reunion, pas une base.\n" * 200
    chemin.write_bytes(contenu)
    ligne = _erreur(capsys, "--url", f"sqlite:///{chemin}", commande)
    assert ligne == f"cfa-db : le fichier {chemin} n'est pas une base SQLite."
    assert chemin.read_bytes() == contenu


def test_dossier_impossible_a_creer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A SQLite file under a path that cannot be a folder is told."""
    (tmp_path / "fichier").write_text("x", encoding="utf-8")
    ligne = _erreur(capsys, "--url", f"sqlite:///{tmp_path / 'fichier' / 'cfa.sqlite3'}", "upgrade")
    assert ligne.startswith("cfa-db : impossible d'ouvrir la base sqlite:///")


def test_sans_sqlalchemy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the ``sql`` extra, the command names the extra to install."""
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    ligne = _erreur(capsys, "upgrade")
    assert "installez l'extra « sql » (pip install 'cfa-platform[sql]'" in ligne


def test_sans_psycopg(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A PostgreSQL URL without psycopg names the ``postgresql`` extra."""
    monkeypatch.setitem(sys.modules, "psycopg", None)
    ligne = _erreur(capsys, "--url", "postgresql://postgres@127.0.0.1:1/test", "upgrade")
    assert "installez l'extra « postgresql » (pip install 'cfa-platform[postgresql]')" in ligne


def test_processus_sans_trace(tmp_path: Path) -> None:
    """Run as a process, a failure prints one line on stderr and exits with status 2."""
    chemin = tmp_path / "notes.txt"
    chemin.write_text("pas une base\n" * 300, encoding="utf-8")
    resultat = subprocess.run(  # noqa: S603 - this interpreter, our module
        [sys.executable, "-m", "cfa_adapters.sql", "--url", f"sqlite:///{chemin}", "upgrade"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert resultat.returncode == 2
    assert resultat.stdout == ""
    assert resultat.stderr == f"cfa-db : le fichier {chemin} n'est pas une base SQLite.\n"
