"""``cfa-admin agent create|deactivate``: the administrator's command on agents' accounts.

The command runs on the portal's own database (``CFA_DATABASE_URL``), so each test checks
what it did through the back office's pages: the agent it opens logs in there, the agent
it deactivates is logged out at the next page.
"""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING

import pytest

from cfa_web import admin

from .conftest import EMAIL_CFA, MOT_DE_PASSE, Portail, connecter_agent, poster, texte

if TYPE_CHECKING:
    from pathlib import Path

EMAIL = "nouvelle.conseillere@opco.example"


@pytest.fixture
def environnement(portail: Portail, monkeypatch: pytest.MonkeyPatch) -> Portail:
    """The deployment's settings pointing at the portal's database."""
    for variable in ("CFA_DEMO", "CFA_URL_BASE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("CFA_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("CFA_DATABASE_URL", str(portail.moteur.url))
    return portail


def _entree(monkeypatch: pytest.MonkeyPatch, texte_saisi: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(texte_saisi))


def test_create_lit_le_mot_de_passe_sur_l_entree_et_l_agent_se_connecte(
    environnement: Portail, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A password piped in: the agent is active and opens the back office with it."""
    _entree(monkeypatch, f"{MOT_DE_PASSE}\n")
    assert admin.main(["agent", "create", EMAIL]) == 0
    assert capsys.readouterr().out == f"Compte conseiller créé et actif : {EMAIL}.\n"
    client = environnement.client_neuf()
    connecter_agent(client, EMAIL, MOT_DE_PASSE)
    assert client.get("/backoffice").status_code == 200


def test_create_au_terminal_demande_deux_fois_le_mot_de_passe(
    environnement: Portail, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal the password is typed twice, hidden; two different ones change nothing."""
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    saisies = iter([MOT_DE_PASSE, "Autre-chose-2023-xyz"])
    invites: list[str] = []

    def getpass(invite: str) -> str:
        invites.append(invite)
        return next(saisies)

    monkeypatch.setattr("getpass.getpass", getpass)
    assert admin.main(["agent", "create", EMAIL]) == 2
    assert invites == ["Mot de passe du conseiller : ", "Confirmez le mot de passe : "]
    assert capsys.readouterr().err == "cfa-admin : les deux mots de passe saisis diffèrent.\n"
    saisies = iter([MOT_DE_PASSE, MOT_DE_PASSE])
    assert admin.main(["agent", "create", EMAIL]) == 0
    client = environnement.client_neuf()
    connecter_agent(client, EMAIL, MOT_DE_PASSE)


@pytest.mark.parametrize(
    "cas",
    [
        (EMAIL, "", "aucun mot de passe sur l'entrée standard (une ligne attendue)."),
        (EMAIL, "court\n", "Le mot de passe ne respecte pas"),
        ("pas-une-adresse", f"{MOT_DE_PASSE}\n", "adresse email"),
        (EMAIL_CFA, f"{MOT_DE_PASSE}\n", "déjà utilisée par un autre compte."),
    ],
)
def test_create_refuse_en_une_ligne_et_n_ecrit_rien(
    environnement: Portail,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cas: tuple[str, str, str],
) -> None:
    """Bad input: exit status 2, one French line on stderr, no account opened."""
    email, saisie, message = cas
    environnement.compte_actif()
    _entree(monkeypatch, saisie)
    assert admin.main(["agent", "create", email]) == 2
    erreur = capsys.readouterr().err
    assert erreur.startswith("cfa-admin : ")
    assert message in erreur
    assert erreur.count("\n") == 1
    refus = poster(
        environnement.client_neuf(),
        "/backoffice/connexion",
        {"email": email, "mot_de_passe": MOT_DE_PASSE},
    )
    assert refus.status_code == 422


def test_deactivate_ferme_les_sessions_de_l_agent(
    environnement: Portail, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deactivated: its open session ends at the next page and it can no longer log in."""
    _entree(monkeypatch, f"{MOT_DE_PASSE}\n")
    assert admin.main(["agent", "create", EMAIL]) == 0
    client = environnement.client_neuf()
    connecter_agent(client, EMAIL, MOT_DE_PASSE)
    assert admin.main(["agent", "deactivate", EMAIL, "--motif", "départ de l'OPCO"]) == 0
    assert capsys.readouterr().out.endswith(f"Compte conseiller désactivé : {EMAIL}.\n")
    page = client.get("/backoffice", follow_redirects=False)
    assert page.headers["location"] == "/backoffice/connexion?suite=/backoffice"
    refus = poster(client, "/backoffice/connexion", {"email": EMAIL, "mot_de_passe": MOT_DE_PASSE})
    assert refus.status_code == 422
    assert "désactivé" in texte(refus) or "incorrect" in texte(refus)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["agent", "deactivate", EMAIL_CFA, "--motif", "x"], "introuvable"),
        (["agent", "deactivate", EMAIL, "--motif", " "], "Motif : ce champ est obligatoire."),
    ],
)
def test_deactivate_refuse_ce_qui_n_est_pas_un_agent(
    environnement: Portail,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    """An organisme's account is no agent; a blank reason is refused: status 2, nothing done."""
    environnement.compte_actif()
    _entree(monkeypatch, f"{MOT_DE_PASSE}\n")
    assert admin.main(["agent", "create", EMAIL]) == 0
    assert admin.main(arguments) == 2
    assert message in capsys.readouterr().err
    client = environnement.client_neuf()
    connecter_agent(client, EMAIL, MOT_DE_PASSE)


def test_reglages_et_base_en_defaut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad setting, a file that is no database, a server that does not answer: one line."""
    monkeypatch.delenv("CFA_DEMO", raising=False)
    monkeypatch.delenv("CFA_SECRET_KEY", raising=False)
    arguments = ["agent", "deactivate", EMAIL, "--motif", "x"]
    assert admin.main(arguments) == 2
    assert "CFA_SECRET_KEY" in capsys.readouterr().err
    monkeypatch.setenv("CFA_SECRET_KEY", "s" * 48)
    pas_une_base = tmp_path / "pas-une-base.sqlite3"
    pas_une_base.write_bytes(b"ceci n'est pas une base SQLite" * 100)
    monkeypatch.setenv("CFA_DATABASE_URL", f"sqlite:///{pas_une_base}")
    assert admin.main(arguments) == 2
    assert capsys.readouterr().err == (
        f"cfa-admin : le fichier {pas_une_base} n'est pas une base SQLite.\n"
    )
    monkeypatch.setenv("CFA_DATABASE_URL", "postgresql://cfa:secret@127.0.0.1:9/cfa")
    assert admin.main(arguments) == 2
    erreur = capsys.readouterr().err
    assert erreur.startswith("cfa-admin : le serveur de la base postgresql+psycopg://cfa:***@")
    assert "secret" not in erreur


def test_des_adaptateurs_sans_base_se_ferment_sans_rien_faire() -> None:
    """Closing adapters that own no database engine (an embedding host's) does nothing."""
    from cfa_domain.testing.fakes import memoire  # noqa: PLC0415
    from cfa_web.app import Composants  # noqa: PLC0415

    composants = Composants(contexte=memoire().contexte)
    composants.fermer()
    assert composants.moteur is None
