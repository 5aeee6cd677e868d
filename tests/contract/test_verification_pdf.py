"""Contract of VerificateurPdf (the structural fake and pypdf), and the refusals it drives.

The PDFs are made here with fpdf2 (real files: cross-reference table, trailer, page
tree), then broken on purpose: a bare ``%PDF-`` header, a file cut in two, an encrypted
one. The use case refuses each with a :class:`DocumentRefuse` naming the file and the
reason, before anything is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import attrs
import pytest
from fpdf import FPDF

from cfa_adapters.files import EntrepotDocumentsFichiers
from cfa_adapters.pdf import VerificateurPdfPypdf
from cfa_domain.errors import DocumentRefuse, MotifRefusDocument
from cfa_domain.ports import ExamenPdf, VerificateurPdf
from cfa_domain.services.contexte import Parametres
from cfa_domain.services.demandes import soumettre_demande
from cfa_domain.testing.fakes import MemoireVerificateurPdf, Stockage
from cfa_domain.values import Piece

from .conftest import Banc
from .test_documents_nettoyage import commande, contexte_fichiers, monde

if TYPE_CHECKING:
    from pathlib import Path


def fabriquer_pdf(pages: int = 1, *, chiffre: bool = False) -> bytes:
    """A real PDF of ``pages`` pages, encrypted (user password) if asked."""
    pdf = FPDF()
    if chiffre:
        pdf.set_encryption(owner_password="o", user_password="u")  # noqa: S106 - a test file
    pdf.set_font("helvetica", size=12)
    for numero in range(pages):
        pdf.add_page()
        pdf.cell(text=f"Facture, page {numero + 1}")
    return bytes(pdf.output())


UNE_PAGE = fabriquer_pdf(1)
TROIS_PAGES = fabriquer_pdf(3)

CAS = {
    "une-page": (UNE_PAGE, ExamenPdf(lisible=True, pages=1)),
    "trois-pages": (TROIS_PAGES, ExamenPdf(lisible=True, pages=3)),
    "chiffre": (fabriquer_pdf(1, chiffre=True), ExamenPdf(lisible=True, chiffre=True)),
    "en-tete-seul": (b"%PDF-1.7\nfacture\n%%EOF\n", ExamenPdf(lisible=False)),
    "coupe-en-deux": (TROIS_PAGES[: len(TROIS_PAGES) // 2], ExamenPdf(lisible=False)),
    "fin-coupee": (TROIS_PAGES[:-30], ExamenPdf(lisible=False)),
    "vide": (b"", ExamenPdf(lisible=False)),
    "png": (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, ExamenPdf(lisible=False)),
}


@pytest.fixture(params=["memoire", "pypdf"])
def verificateur(request: pytest.FixtureRequest) -> VerificateurPdf:
    """Each implementation of the port."""
    return MemoireVerificateurPdf() if request.param == "memoire" else VerificateurPdfPypdf()


@pytest.mark.parametrize("cas", sorted(CAS))
def test_examen(verificateur: VerificateurPdf, cas: str) -> None:
    """Both implementations report the same facts on real and broken PDFs."""
    contenu, attendu = CAS[cas]
    assert verificateur.examiner(contenu) == attendu


# --- the refusals, through the use case -----------------------------------------------------


def _soumettre(
    verificateur: VerificateurPdf, contenu: bytes, racine: Path, *, pages_max: int = 200
) -> EntrepotDocumentsFichiers:
    """Submit one invoice named ``facture-mars.pdf`` (a valid request otherwise)."""
    stockage = Stockage()
    banc = Banc("memoire", stockage.uow, lambda: stockage.messages)
    compte_id = monde(banc)
    entrepot = EntrepotDocumentsFichiers(racine)
    ctx = attrs.evolve(
        contexte_fichiers(banc.uow, entrepot),
        verificateur_pdf=verificateur,
        parametres=Parametres(pages_max_document=pages_max),
    )
    envoi = attrs.evolve(
        commande(), fichiers=((Piece.FACTURE, "factures/facture-mars.pdf", contenu),)
    )
    soumettre_demande(ctx, compte_id, envoi)
    return entrepot


@pytest.mark.parametrize(
    ("cas", "motif", "fin"),
    [
        ("en-tete-seul", MotifRefusDocument.ILLISIBLE, "est endommagé ou incomplet."),
        ("coupe-en-deux", MotifRefusDocument.ILLISIBLE, "est endommagé ou incomplet."),
        ("chiffre", MotifRefusDocument.CHIFFRE, "déposez-le sans protection."),
        (
            "trois-pages",
            MotifRefusDocument.TROP_DE_PAGES,
            "compte 3 pages : 2 au plus sont acceptées.",
        ),
        ("png", MotifRefusDocument.PAS_UN_PDF, "Seuls les documents PDF sont acceptés."),
    ],
)
def test_refus_nomme_le_fichier_et_la_raison(
    verificateur: VerificateurPdf, tmp_path: Path, cas: str, motif: MotifRefusDocument, fin: str
) -> None:
    """A refused PDF gets a French error naming it and why; no byte is stored."""
    with pytest.raises(DocumentRefuse) as erreur:
        _soumettre(verificateur, CAS[cas][0], tmp_path / "documents", pages_max=2)
    refus = erreur.value
    assert (refus.code, refus.champ, refus.motif) == ("document_refuse", "facture", motif)
    assert refus.nom_fichier == "facture-mars.pdf"
    assert refus.message.startswith("Facture : « facture-mars.pdf » ")
    assert refus.message.endswith(fin)
    if motif is MotifRefusDocument.TROP_DE_PAGES:
        assert (refus.pages, refus.limite) == (3, 2)
    assert not (tmp_path / "documents").exists() or not any(
        p.is_file() for p in (tmp_path / "documents").rglob("*")
    )


def test_un_pdf_sans_page_est_refuse(tmp_path: Path) -> None:
    """A parser reporting a readable PDF of no page: refused as such."""

    class SansPage:
        def examiner(self, contenu: bytes) -> ExamenPdf:
            assert contenu == UNE_PAGE
            return ExamenPdf(lisible=True, pages=0)

    with pytest.raises(DocumentRefuse) as erreur:
        _soumettre(SansPage(), UNE_PAGE, tmp_path)
    assert erreur.value.motif is MotifRefusDocument.SANS_PAGE
    assert erreur.value.message.endswith("ne contient aucune page.")


def test_un_vrai_pdf_est_accepte_et_stocke(verificateur: VerificateurPdf, tmp_path: Path) -> None:
    """A real PDF within the page limit is accepted and stored, bytes intact."""
    entrepot = _soumettre(verificateur, TROIS_PAGES, tmp_path / "documents", pages_max=3)
    (document_id,) = entrepot.deposes_avant(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    assert entrepot.lire(document_id) == TROIS_PAGES
