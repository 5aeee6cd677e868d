"""``cfa-mail relay``: settings from the environment, a bad value, the ``.eml`` default."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from cfa_adapters.mail.__main__ import main
from cfa_adapters.sql import outbox
from cfa_adapters.sql.outbox import EtatMessage
from cfa_adapters.sql.schema import ouvrir_base
from cfa_adapters.sql.uow import fabrique_uow
from cfa_domain.ports import MessageSortant
from cfa_domain.values import Email

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def test_valeur_invalide_une_ligne_et_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A bad variable stops the command before it touches anything, in one French line."""
    monkeypatch.setenv("CFA_SMTP_PORT", "vingt-cinq")
    url = f"sqlite:///{tmp_path / 'cfa.sqlite3'}"
    assert main(["--url", url, "relay", "--once"]) == 2
    sortie = capsys.readouterr()
    assert sortie.err == "cfa-mail : CFA_SMTP_PORT : « vingt-cinq » n'est pas un numéro de port.\n"
    assert not (tmp_path / "cfa.sqlite3").exists()


def test_sans_serveur_les_mails_vont_dans_le_dossier(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """No CFA_SMTP_HOST: ``relay --once`` writes the outbox's mails as .eml files and stops."""
    dossier = tmp_path / "mail"
    monkeypatch.delenv("CFA_SMTP_HOST", raising=False)
    monkeypatch.setenv("CFA_MAIL_DOSSIER", str(dossier))
    monkeypatch.setenv("CFA_URL_BASE", "https://cfa.example")
    url = f"sqlite:///{tmp_path / 'cfa.sqlite3'}"
    moteur = ouvrir_base(url)
    message = MessageSortant(
        id=uuid.uuid4(),
        destinataire=Email("compta@cfa-a.fr"),
        modele="reinitialisation_mot_de_passe",
        contexte={"lien_jeton": "jeton-secret", "expire_le": "2025-09-01T10:00:00+00:00"},
        cree_le=dt.datetime(2025, 9, 1, 9, tzinfo=dt.UTC),
    )
    try:
        with fabrique_uow(moteur)() as uow:
            uow.outbox.ajouter(message)
            uow.commit()
        assert main(["--url", url, "relay", "--once"]) == 0
        assert outbox.etat(moteur, message.id) == (EtatMessage.ENVOYE, None)
    finally:
        moteur.dispose()
    assert capsys.readouterr().out == "Envoyés : 1 ; à réessayer : 0 ; abandonnés : 0\n"
    contenu = (dossier / f"{message.id}.eml").read_bytes()
    assert b"https://cfa.example/mot-de-passe/reinitialisation/jeton-secret" in contenu
