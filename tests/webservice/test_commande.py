"""``cfa-feed``: imports, their summary and exit status, the quarantine, the pull.

Bad settings are told in one French line (exit 2); the simulator serves the sample.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cfa_adapters import webservice
from cfa_adapters.webservice import __main__ as commande
from cfa_adapters.webservice.__main__ import ReglageInvalide, main, reglages_flux
from cfa_adapters.webservice.format import ecrire_ligne
from cfa_adapters.webservice.simulateur import JETON_DEMO, Simulateur
from cfa_domain.action import EtatDossier

from .outils import NUMEROS, dossier, flux_de_test

EXEMPLES = Path(webservice.__file__).parent / "exemples"


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An embedded SQLite base in tmp_path; no feed settings from the environment."""
    for nom in ("CFA_FLUX_URL", "CFA_FLUX_JETON", "CFA_DATABASE_URL", "CFA_FLUX_DELAI"):
        monkeypatch.delenv(nom, raising=False)
    monkeypatch.setenv("CFA_DOCUMENTS_DIR", str(tmp_path / "documents"))
    return f"sqlite:///{tmp_path / 'cfa.sqlite3'}"


def _fichier(tmp_path: Path) -> Path:
    chemin = tmp_path / "flux.jsonl"
    trop_tot = dossier(NUMEROS[0], 2, EtatDossier.EN_COURS)  # reçu → en cours: refused
    chemin.write_text(
        f"{ecrire_ligne(dossier(NUMEROS[0]))}\n{ecrire_ligne(trop_tot)}\n", encoding="utf-8"
    )
    return chemin


def test_import_resume_et_statut(
    base: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An import prints its summary; something quarantined gives exit status 1."""
    assert main(["--url", base, "import", str(_fichier(tmp_path))]) == 1
    sortie = capsys.readouterr().out
    assert sortie.startswith("Créés : 1 ; mis à jour : 0 ; inchangés : 0 ; en quarantaine : 1 ;")
    assert "2 enregistrement(s) en" in sortie
    assert main(["--url", base, "quarantine", "list"]) == 0
    liste = capsys.readouterr().out
    assert liste.startswith(f"1. {NUMEROS[0]}@2 (contradictoire, ")
    assert liste.endswith("1 enregistrement(s).\n")
    assert main(["--url", base, "quarantine", "show", "1"]) == 0
    detail = capsys.readouterr().out
    assert f"Clé : {NUMEROS[0]}@2" in detail
    assert "Reçu : {" in detail
    assert main(["--url", base, "quarantine", "replay", "1"]) == 1
    assert "toujours refusé" in capsys.readouterr().out


def test_rejouer_apres_correction(
    base: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Replayed once its cause is gone, the record applies and its row is settled."""
    main(["--url", base, "import", str(_fichier(tmp_path))])
    suite = tmp_path / "suite.jsonl"
    suite.write_text(
        ecrire_ligne(dossier(NUMEROS[0], 3, EtatDossier.EN_INSTRUCTION)) + "\n", encoding="utf-8"
    )
    assert main(["--url", base, "import", str(suite)]) == 0
    capsys.readouterr()
    assert main(["--url", base, "quarantine", "replay", "--tous"]) == 1  # older than 3 now
    assert main(["--url", base, "quarantine", "list", "--tous"]) == 0
    assert "1 enregistrement(s)." in capsys.readouterr().out


def test_stock_exemple(base: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The sample stock imports whole: exit 0."""
    assert main(["--url", base, "stock", str(EXEMPLES / "stock.csv")]) == 0
    assert "Créés : 30 ;" in capsys.readouterr().out


def test_pull_depuis_le_simulateur(
    base: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``pull`` reads the Webservice named by the settings."""
    with Simulateur(flux_de_test()) as serveur:
        monkeypatch.setenv("CFA_FLUX_JETON", JETON_DEMO)
        assert main(["--url", base, "pull", "--flux", serveur.url]) == 1  # one malformed
        assert "Créés : 12 ; mis à jour : 4 ;" in capsys.readouterr().out
        monkeypatch.setenv("CFA_FLUX_JETON", "autre")
        assert main(["--url", base, "pull", "--flux", serveur.url]) == 2
    assert capsys.readouterr().err == (
        "cfa-feed : Le Webservice refuse le jeton d'accès (HTTP 401) : vérifiez CFA_FLUX_JETON.\n"
    )


@pytest.mark.parametrize(
    ("arguments", "variables", "erreur"),
    [
        (
            ["pull"],
            {},
            "CFA_FLUX_URL : l'adresse du Webservice (http:// ou https://) est obligatoire.",
        ),
        (
            ["pull", "--flux", "ftp://x"],
            {},
            (
                "CFA_FLUX_URL : l'adresse du Webservice "
                "(http:// ou https://) est obligatoire, pas « ftp://x »."
            ),
        ),
        (
            ["pull", "--flux", "http://x"],
            {},
            "CFA_FLUX_JETON : le jeton d'accès au Webservice est obligatoire.",
        ),
        (
            ["pull", "--flux", "http://x"],
            {"CFA_FLUX_JETON": "j", "CFA_FLUX_DELAI": "vite"},
            "CFA_FLUX_DELAI : « vite » n'est pas un nombre de secondes (0 à 3600).",
        ),
        (
            ["pull", "--flux", "http://x"],
            {"CFA_FLUX_JETON": "j", "CFA_FLUX_ESSAIS": "0"},
            "CFA_FLUX_ESSAIS : « 0 » n'est pas un entier de 1 à 20.",
        ),
        (["import", "absent.jsonl"], {}, "le fichier absent.jsonl n'existe pas."),
        (["quarantine", "show", "3"], {}, "aucun enregistrement n° 3 en quarantaine."),
        (
            ["quarantine", "replay"],
            {},
            "indiquez les numéros des enregistrements à rejouer, ou --tous.",
        ),
        (["quarantine", "replay", "4"], {}, "aucun enregistrement n° 4 en quarantaine."),
    ],
)
def test_reglage_invalide_une_ligne_et_code_2(  # noqa: PLR0917 - fixtures and parameters
    base: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    variables: dict[str, str],
    erreur: str,
) -> None:
    """A bad setting or argument: one French line on stderr, exit status 2."""
    for nom, valeur in variables.items():
        monkeypatch.setenv(nom, valeur)
    assert main(["--url", base, *arguments]) == 2
    assert capsys.readouterr().err == f"cfa-feed : {erreur}\n"


def test_stock_refuse_et_base_invalide(
    base: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stock with a wrong header, a database URL that does not parse: exit 2, one line."""
    mauvais = tmp_path / "stock.csv"
    mauvais.write_text("numero_action;autre\n", encoding="utf-8")
    assert main(["--url", base, "stock", str(mauvais)]) == 2
    assert "en-tête du stock refusé" in capsys.readouterr().err
    assert main(["--url", "pas une url", "quarantine", "list"]) == 2
    assert capsys.readouterr().err == "cfa-feed : URL de base invalide : « pas une url ».\n"
    assert main(["--url", "postgresql://u:secret@127.0.0.1:1/x", "quarantine", "list"]) == 2
    ligne = capsys.readouterr().err
    assert "secret" not in ligne
    assert ligne.startswith("cfa-feed : le serveur de la base")
    repertoire = tmp_path / "dossier.jsonl"
    repertoire.mkdir()
    assert main(["--url", base, "import", str(repertoire)]) == 2


def test_simuler(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``simulate`` serves the sample until interrupted."""
    servis: list[int] = []

    def servir(self: Simulateur) -> None:
        servis.append(len(self._enregistrements))
        self.arreter()  # frees the port the real one would serve on
        raise KeyboardInterrupt

    monkeypatch.setattr(Simulateur, "servir", servir)
    monkeypatch.delenv("CFA_FLUX_JETON", raising=False)
    assert main(["simulate", "--port", "0"]) == 0
    assert servis == [839]
    assert "Jeton : CFA_FLUX_JETON=jeton-de-demonstration" in capsys.readouterr().out


def test_reglages_par_defaut() -> None:
    """Defaults of the feed's settings."""
    reglages = reglages_flux({"CFA_FLUX_URL": "https://ws.opco.fr/flux", "CFA_FLUX_JETON": "j"})
    assert (reglages.taille_page, reglages.delai, reglages.essais, reglages.source) == (
        500,
        10.0,
        5,
        "webservice",
    )
    assert "j" not in repr(reglages)
    with pytest.raises(ReglageInvalide):
        reglages_flux({"CFA_FLUX_URL": "https://x", "CFA_FLUX_JETON": "j", "CFA_FLUX_DELAI": "0"})


def test_progression_journal_et_barre(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Plain log lines without a terminal, every thousand records and at the end."""
    with caplog.at_level("INFO"), commande._progression("flux.jsonl") as suivi:
        for lus in range(1, 1201):
            suivi(lus, 1200)
    assert [r.getMessage() for r in caplog.records] == [
        "flux.jsonl : 1000 enregistrement(s) lu(s) sur 1200",
        "flux.jsonl : 1200 enregistrement(s) lu(s) sur 1200",
    ]
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    with commande._progression("flux.jsonl") as suivi:
        suivi(1, None)
        suivi(2, 2)
