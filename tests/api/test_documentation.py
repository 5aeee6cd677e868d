"""docs/api.md's curl session runs, as written, against a server of the API."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from web.conftest import pdf_valide

if TYPE_CHECKING:
    from .conftest import Monde

PAGE = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_la_session_curl_de_la_documentation_aboutit(
    serveur: tuple[str, Monde], tmp_path: Path
) -> None:
    """The page's ``sh`` block, run by bash with curl and jq, ends with the receipt in PDF."""
    if shutil.which("curl") is None or shutil.which("jq") is None:
        message = "curl et jq sont nécessaires pour rejouer la session de docs/api.md"
        if os.environ.get("CI"):  # CI installs them (.ci/run): their absence is a failure
            pytest.fail(message)
        pytest.skip(message)
    (bloc,) = re.findall(
        r"^```sh\n(.*?)^```$", PAGE.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL
    )
    base, monde = serveur
    (tmp_path / "facture.pdf").write_bytes(pdf_valide("Facture"))
    (tmp_path / "certificat.pdf").write_bytes(pdf_valide("Certificat"))
    fini = subprocess.run(  # noqa: S603 - our own documentation's block
        ["bash", "-c", bloc],  # noqa: S607
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "CFA_API": base, "CFA_CLE": monde.cle_a},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert fini.returncode == 0, fini.stderr + fini.stdout
    recu = (tmp_path / "recepisse.pdf").read_bytes()
    assert recu.startswith(b"%PDF-")
    (demande,) = monde.client.get("/api/v1/demandes", headers=monde.entetes()).json()["elements"]
    assert demande["etat"] == "soumise"
