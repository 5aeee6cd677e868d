"""Contract of RenduRecepisse: the fake text renderer and the fpdf2 one keep the same promises.

Each implementation comes with the way a reader gets its text back (UTF-8 for the fake,
pypdf's extraction for the PDF): every field of the receipt must read there in French.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import attrs
import pypdf
import pytest

from cfa_adapters.pdf import RenduRecepissePdf
from cfa_domain.ports import RenduRecepisse
from cfa_domain.testing.fakes import MemoireRenduRecepisse
from cfa_domain.values import Montant

from .recepisses import CHAMPS_ATTENDUS, recepisse


@attrs.frozen
class Rendu:
    """A renderer under test and how to read its output back as text."""

    nom: str
    rendu: RenduRecepisse
    texte: Callable[[bytes], str]


def espaces(texte: str) -> str:
    """Every run of spaces (narrow, no-break, line breaks) as one plain space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", texte)


def texte_pdf(contenu: bytes) -> str:
    """The text of every page of a PDF, as pypdf extracts it."""
    lecteur = pypdf.PdfReader(io.BytesIO(contenu))
    return "\n".join(page.extract_text() for page in lecteur.pages)


@pytest.fixture(params=["memoire", "fpdf2"])
def rendu(request: pytest.FixtureRequest) -> Rendu:
    """Each implementation of the port."""
    if request.param == "memoire":
        return Rendu("memoire", MemoireRenduRecepisse(), lambda contenu: contenu.decode())
    return Rendu("fpdf2", RenduRecepissePdf(), texte_pdf)


@pytest.mark.parametrize("champ", sorted(CHAMPS_ATTENDUS))
def test_chaque_champ_se_lit_en_francais(rendu: Rendu, champ: str) -> None:
    """Every field of the receipt reads in the output, amounts and dates the French way."""
    texte = espaces(rendu.texte(rendu.rendu.rendre(recepisse())))
    assert espaces(CHAMPS_ATTENDUS[champ]) in texte


def test_meme_recepisse_memes_octets(rendu: Rendu) -> None:
    """The same receipt renders to the same bytes, by a fresh renderer too."""
    premier = rendu.rendu.rendre(recepisse())
    assert premier
    assert rendu.rendu.rendre(recepisse()) == premier
    assert type(rendu.rendu)().rendre(recepisse()) == premier


def test_un_autre_recepisse_d_autres_octets(rendu: Rendu) -> None:
    """A receipt that differs by one amount renders differently, with that amount."""
    autre = rendu.rendu.rendre(recepisse(deja_rembourse=Montant("999.99")))
    assert autre != rendu.rendu.rendre(recepisse())
    assert "999,99 €" in espaces(rendu.texte(autre))
