"""The feed's edges: what the main scenarios do not reach.

Settings accepted, a page that is not JSON, a line of several mebibytes, a replay that
applies, the simulator serving in its own thread, the database's failures in one line.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from cfa_adapters.webservice import __main__ as commande
from cfa_adapters.webservice import operations
from cfa_adapters.webservice.__main__ import main, reglages_flux
from cfa_adapters.webservice.format import ecrire_ligne, relire
from cfa_adapters.webservice.http import FluxIndisponible, SourceHttp
from cfa_adapters.webservice.simulateur import Simulateur
from cfa_adapters.webservice.sources import LIGNE_MAX, SourceFichier, SourceStock
from cfa_domain.action import EtatDossier
from cfa_domain.errors import Panne, ServiceIndisponible
from cfa_domain.ports import EnregistrementIllisible
from cfa_domain.services import flux
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import memoire

from .outils import NUMEROS, dossier


def test_reglages_acceptes() -> None:
    """Page size, delay and tries given in range are taken as they are."""
    reglages = reglages_flux(
        {
            "CFA_FLUX_URL": "https://ws.opco.fr/flux",
            "CFA_FLUX_JETON": "j",
            "CFA_FLUX_TAILLE_PAGE": "100",
            "CFA_FLUX_DELAI": "2.5",
            "CFA_FLUX_SOURCE": "opco-sante",
        }
    )
    assert (reglages.taille_page, reglages.delai, reglages.source) == (100, 2.5, "opco-sante")


def test_le_flux_ne_rend_aucun_recepisse(tmp_path: Path) -> None:
    """The feed's context has no receipt renderer: asking one is a programming error."""
    from cfa_adapters.sql.schema import ouvrir_base  # noqa: PLC0415

    moteur = ouvrir_base(f"sqlite:///{tmp_path / 'cfa.sqlite3'}")
    try:
        ctx = commande.contexte_flux(moteur)
        with pytest.raises(RuntimeError, match="aucun récépissé"):
            ctx.rendu_recepisse.rendre(None)  # type: ignore[arg-type]
    finally:
        moteur.dispose()


def test_page_qui_n_est_pas_du_json() -> None:
    """A 200 whose body is not JSON is a page cut short: tried again, then the run stops."""

    def texte(requete: httpx.Request) -> httpx.Response:
        del requete
        return httpx.Response(200, text='{"enregistrements": [')

    lecteur = SourceHttp(
        "http://amont.invalid/flux",
        "j",
        essais=2,
        dormir=lambda _s: None,
        transport=httpx.MockTransport(texte),
    )
    with pytest.raises(FluxIndisponible, match="pas du JSON"):
        list(lecteur.lire(None))


def test_ligne_de_plusieurs_mebioctets(tmp_path: Path) -> None:
    """A line of several times the limit is skipped whole, in pieces, as one record."""
    chemin = tmp_path / "flux.jsonl"
    chemin.write_bytes(b"y" * (3 * LIGNE_MAX) + b"\n" + ecrire_ligne(dossier(NUMEROS[0])).encode())
    lus = list(SourceFichier.ouvrir(chemin).lire(None))
    assert [c for c, _ in lus] == ["1", "2"]
    assert isinstance(lus[0][1], EnregistrementIllisible)
    stock = tmp_path / "stock.csv"
    entete = (
        (Path(commande.__file__).parent / "exemples" / "stock.csv")
        .read_text(encoding="utf-8")
        .splitlines()[0]
    )
    stock.write_bytes(entete.encode() + b"\n" + b"z" * (LIGNE_MAX + 5) + b"\n")
    ((curseur, recu),) = SourceStock.ouvrir(stock).lire(None)
    assert curseur == "2.0"
    assert isinstance(recu, EnregistrementIllisible)


def test_relire_le_texte_recu() -> None:
    """A quarantined text as received (format 1) reads back through the format's reader."""
    recu = dossier(NUMEROS[0])
    assert relire(ecrire_ligne(recu), recu.cle) == recu


def test_rejeu_qui_s_applique_et_montre_regle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``replay`` of a record whose cause is gone applies it; ``show`` then says when."""
    monkeypatch.setenv("CFA_DOCUMENTS_DIR", str(tmp_path / "documents"))
    base = f"sqlite:///{tmp_path / 'cfa.sqlite3'}"
    chemin = tmp_path / "flux.jsonl"
    trop_tot = dossier(NUMEROS[0], 2, EtatDossier.EN_COURS)
    chemin.write_text(
        f"{ecrire_ligne(dossier(NUMEROS[0]))}\n{ecrire_ligne(trop_tot)}\n", encoding="utf-8"
    )
    assert main(["--url", base, "import", str(chemin)]) == 1
    from cfa_adapters.sql.schema import ouvrir_base  # noqa: PLC0415
    from cfa_domain.services import actions  # noqa: PLC0415

    moteur = ouvrir_base(base)
    try:
        ctx = commande.contexte_flux(moteur)
        with ctx.uow() as uow:
            action = uow.actions.obtenir_pour_mise_a_jour(NUMEROS[0])
            assert action is not None
            action.changer_etat(EtatDossier.EN_INSTRUCTION, auteur="agent", quand=exemples.INSTANT)
            uow.commit()
        del actions
    finally:
        moteur.dispose()
    capsys.readouterr()
    assert main(["--url", base, "quarantine", "replay", "1"]) == 0
    assert capsys.readouterr().out == f"1. {NUMEROS[0]}@2 : appliqué (mis_a_jour), réglé.\n"
    assert main(["--url", base, "quarantine", "show", "1"]) == 0
    montre = capsys.readouterr().out
    assert "Réglé le : " in montre
    assert "Décision : rejoué et appliqué par cfa-feed quarantine replay\n" in montre


def test_simulateur_dans_son_fil_et_ligne_non_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``servir`` serves until shut down; ``simulate`` serves a line that is not JSON as text."""
    simulateur = Simulateur(["pas du json"])
    fil = threading.Thread(target=simulateur.servir)
    fil.start()
    page = httpx.get(simulateur.url, headers={"Authorization": f"Bearer {simulateur.jeton}"}).json()
    simulateur._serveur.shutdown()
    fil.join()
    assert page["enregistrements"] == [{"curseur": "1", "enregistrement": "pas du json"}]
    servis: list[object] = []

    def servir(self: Simulateur) -> None:
        servis.extend(self._enregistrements)
        self.arreter()

    monkeypatch.setattr(Simulateur, "servir", servir)
    fichier = tmp_path / "flux.jsonl"
    fichier.write_text('{"a": 1}\nnon json\n\n', encoding="utf-8")
    assert main(["simulate", "--port", "0", "--fichier", str(fichier)]) == 0
    assert servis == [{"a": 1}, "non json"]


def test_base_qui_n_est_pas_une_base(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file that is not a database: one French line, exit 2."""
    faux = tmp_path / "faux.sqlite3"
    faux.write_bytes(b"ceci n'est pas une base SQLite" * 100)
    assert main(["--url", f"sqlite:///{faux}", "quarantine", "list"]) == 2
    assert capsys.readouterr().err == f"cfa-feed : le fichier {faux} n'est pas une base SQLite.\n"


def test_panne_sans_erreur_de_pilote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ServiceIndisponible not caused by a driver error is told by its own message."""

    def en_panne(*_args: object, **_kwargs: object) -> None:
        raise ServiceIndisponible(Panne.CONNEXION)

    monkeypatch.setattr(operations, "lister_quarantaine", en_panne)
    assert main(["--url", f"sqlite:///{tmp_path / 'cfa.sqlite3'}", "quarantine", "list"]) == 2
    assert capsys.readouterr().err.startswith("cfa-feed : Le service est temporairement")


def test_rejouer_arrete_sur_une_panne(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure of the infrastructure during a replay is raised, not reported as the record's."""
    m = memoire()
    recu = dossier(NUMEROS[0])

    def en_panne(*_args: object) -> None:
        raise ServiceIndisponible(Panne.CONNEXION)

    monkeypatch.setattr(flux, "_upsert", en_panne)
    rejet = flux._rejet(m.contexte, recu)
    with pytest.raises(ServiceIndisponible):
        flux.rejouer(m.contexte, rejet, recu, auteur="cfa-feed")


def test_erreur_de_fichier_une_ligne(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the system cannot read is told in one line with its name, exit 2."""

    def illisible(*_args: object) -> None:
        raise PermissionError(13, "Permission non accordée", "flux.jsonl")

    monkeypatch.setattr(operations, "importer_fichier", illisible)
    chemin = tmp_path / "flux.jsonl"
    chemin.write_text("", encoding="utf-8")
    assert main(["--url", f"sqlite:///{tmp_path / 'cfa.sqlite3'}", "import", str(chemin)]) == 2
    assert capsys.readouterr().err == "cfa-feed : flux.jsonl : Permission non accordée.\n"


def test_python_m(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m cfa_adapters.webservice`` is the same command."""
    import runpy  # noqa: PLC0415
    import sys  # noqa: PLC0415

    monkeypatch.setattr(sys, "argv", ["cfa-feed", "--help"])
    monkeypatch.delitem(sys.modules, "cfa_adapters.webservice.__main__")
    with pytest.raises(SystemExit) as sortie:
        runpy.run_module("cfa_adapters.webservice", run_name="__main__")
    assert sortie.value.code == 0
    assert "usage: cfa-feed" in capsys.readouterr().out
