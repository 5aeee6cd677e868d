"""``cfa-web``: the settings checked before serving, the demo prepared and announced."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from cfa_web import __main__ as commande

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def serveur(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run replaced by a recorder: the command's choices, without serving."""
    appels: list[dict[str, Any]] = []

    def run(application: str, **options: Any) -> None:
        appels.append({"application": application, **options})

    monkeypatch.setattr("uvicorn.run", run)
    for variable in ("CFA_SECRET_KEY", "CFA_DEMO", "CFA_URL_BASE", "CFA_DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    return appels


def test_serve_sans_cle_s_arrete_en_une_ligne(
    serveur: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Outside the demo the secret key is required: exit status 2, one French line."""
    assert commande.main(["serve"]) == 2
    erreur = capsys.readouterr().err
    assert erreur.startswith("cfa-web : CFA_SECRET_KEY : la clé secrète est obligatoire")
    assert erreur.count("\n") == 1
    assert serveur == []


def test_serve_lance_les_processus_demandes(
    serveur: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve`` runs the application factory with the workers asked."""
    monkeypatch.setenv("CFA_SECRET_KEY", "s" * 48)
    assert commande.main(["serve", "--hote", "0.0.0.0", "--port", "9000", "--workers", "3"]) == 0  # noqa: S104
    (appel,) = serveur
    assert appel["application"] == "cfa_web.app:app_depuis_environnement"
    assert appel["factory"] is True
    assert (appel["host"], appel["port"], appel["workers"]) == ("0.0.0.0", 9000, 3)  # noqa: S104


@pytest.mark.usefixtures("serveur")
def test_demo_charge_les_donnees_et_affiche_les_comptes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``demo``: data loaded under var/ of the working folder, credentials and address printed."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("cfa_web.demo.charger_demo.__kwdefaults__", {"fichiers": 20, "graine": 1})
    assert commande.main(["demo", "--port", "8123"]) == 0
    sortie = capsys.readouterr().out
    assert "Données de démonstration chargées." in sortie
    assert "compta@cfa-sante-avenir.fr / Remboursements-apprentis-2026" in sortie
    assert "http://127.0.0.1:8123/" in sortie
    assert (tmp_path / "var" / "cfa.sqlite3").is_file()
    import os  # noqa: PLC0415

    assert os.environ["CFA_URL_BASE"] == "http://127.0.0.1:8123"
    assert os.environ["CFA_DEMO"] == "1"
    # A second start finds the data and does not load them again.
    assert commande.main(["demo", "--port", "8123"]) == 0
    assert "Données de démonstration chargées." not in capsys.readouterr().out
