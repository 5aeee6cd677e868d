"""What only the PDF receipt promises: the guide's layout, A4, metadata, its font, a picture.

The picture: page 1 rendered by ``pdftoppm`` (Debian's poppler-utils) is kept as
``var/artifacts/recepisse-page1.png`` for a reviewer to look at. Without ``pdftoppm`` that
test is skipped with the reason, except under CI (``CI`` set), where it fails.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from babel.numbers import format_currency

from cfa_adapters.pdf import RenduRecepissePdf
from cfa_adapters.pdf.recepisse import POLICES, montant_fr
from cfa_domain.values import Montant, Piece

from .recepisses import recepisse
from .test_recepisse import espaces, texte_pdf

ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts"
A4_POINTS = (595.28, 841.89)


def _lecteur(contenu: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(contenu))


def test_lignes_du_guide_libelle_et_valeur() -> None:
    """Each line of the guide's receipt shows its label, then its value, in this order."""
    texte = espaces(texte_pdf(RenduRecepissePdf().rendre(recepisse())))
    lignes = [
        "OPCO SANTÉ",
        "Récépissé de la demande d'acompte 21/08/2020",
        "Organisme de formation : CFA des Métiers de la Santé — Île-de-France",
        "N° de référence OF : OF-004512",
        "Demandeur : compta@cfa-sante.fr",
        "Référence OPCO Santé : 2011303654-02",
        "Dispositif : Contrat d'Apprentissage",
        "Intitulé de formation : BTS Diététique",
        "Numéro d'action : 2011303654",
        "Date du : 04/09/2020 au 30/06/2022",
        "Nom Prénom N° de Sécurité Sociale",
        "Lefèvre Éloïse 2 95 10 99 126 111 93",
        "DEMANDES D'ACOMPTE :",
        "Financement accordé : 26 247,00 €",
        "Remboursements déjà effectués : 4 100,25 €",
        "Remboursement demandé par l'organisme de formation",
        "Période du : 01/09/2020 au 28/02/2021",
        "Montant : 13 123,50 €",
        "dont frais pédagogiques : 12 623,50 €",
        "dont frais divers : 500,00 €",
        "JUSTIFICATIFS",
        "Pièces Fournies Non fournies",
        "Merci d'avoir utilisé ce formulaire en ligne",
        "L'équipe OPCO Santé",
    ]
    position = 0
    for ligne in lignes:
        trouvee = texte.find(ligne, position)
        assert trouvee >= 0, f"« {ligne} » manque ou n'est pas à sa place"
        position = trouvee + len(ligne)
    assert "repas" not in texte  # a category left at 0,00 € is not listed


def test_nom_de_l_opco_parametre() -> None:
    """The OPCO's name is a setting: header, reference line, closing words, author."""
    contenu = RenduRecepissePdf(nom_opco="OPCO Atlas").rendre(recepisse())
    texte = espaces(texte_pdf(contenu))
    assert "OPCO ATLAS" in texte
    assert "Référence OPCO Atlas : 2011303654-02" in texte
    assert "L'équipe OPCO Atlas" in texte
    assert "Santé" not in texte.replace("Métiers de la Santé", "")
    meta = _lecteur(contenu).metadata
    assert meta is not None
    assert meta.author == "OPCO Atlas"


def _coches(contenu: bytes) -> dict[str, str]:
    """For each document row of the table, the column header above its tick."""
    morceaux: list[tuple[str, float, float]] = []

    def visiteur(texte: str, _cm: object, tm: list[float], _dict: object, _taille: object) -> None:
        if texte.strip():
            morceaux.append((texte.strip(), tm[4], tm[5]))

    _lecteur(contenu).pages[0].extract_text(visitor_text=visiteur)
    colonnes = {t: x for t, x, _ in morceaux if t in {"Fournies", "Non fournies"}}
    lignes = {t: y for t, _, y in morceaux if t in {p.libelle for p in Piece}}
    resultat: dict[str, str] = {}
    for texte, x, y in morceaux:
        if texte != "✓":
            continue
        ligne = next(nom for nom, y_ligne in lignes.items() if abs(y_ligne - y) < 1)
        colonne = min(colonnes, key=lambda nom: abs(colonnes[nom] - x))
        resultat[ligne] = colonne
    return resultat


@pytest.mark.parametrize(
    ("fournies", "non_fournies", "attendu"),
    [
        (
            (Piece.FACTURE,),
            (Piece.CERTIFICAT_REALISATION,),
            {"Facture": "Fournies", "Certificat de réalisation": "Non fournies"},
        ),
        (
            (Piece.FACTURE, Piece.CERTIFICAT_REALISATION),
            (),
            {"Facture": "Fournies", "Certificat de réalisation": "Fournies"},
        ),
    ],
)
def test_justificatifs_coches_dans_leur_colonne(
    fournies: tuple[Piece, ...], non_fournies: tuple[Piece, ...], attendu: dict[str, str]
) -> None:
    """Each document has one tick, under "Fournies" or "Non fournies" as the receipt says."""
    contenu = RenduRecepissePdf().rendre(
        recepisse(pieces_fournies=fournies, pieces_non_fournies=non_fournies)
    )
    assert _coches(contenu) == attendu


def test_a4_une_page_metadonnees_date_fixe() -> None:
    """One A4 page; title, author, language; created on the receipt's date, not now."""
    lecteur = _lecteur(RenduRecepissePdf().rendre(recepisse()))
    assert len(lecteur.pages) == 1
    boite = lecteur.pages[0].mediabox
    assert (round(float(boite.width), 2), round(float(boite.height), 2)) == A4_POINTS
    meta = lecteur.metadata
    assert meta is not None
    assert meta.title == "Récépissé de la demande d'acompte 21/08/2020"
    assert meta.author == "OPCO Santé"
    assert meta.creation_date == dt.datetime(2020, 8, 21, tzinfo=dt.UTC)
    assert str(lecteur.root_object["/Lang"]) == "fr-FR"


def test_identifiant_du_fichier_propre_au_recepisse() -> None:
    """``/ID``: two identical strings of 32 hex digits, the same for the same receipt only."""

    def identifiant(contenu: bytes) -> list[str]:
        chaines = _lecteur(contenu).trailer["/ID"]
        assert isinstance(chaines, pypdf.generic.ArrayObject)
        return [chaine.original_bytes.hex() for chaine in chaines]

    premier = identifiant(RenduRecepissePdf().rendre(recepisse()))
    assert len(premier) == 2
    assert premier[0] == premier[1]
    assert len(premier[0]) == 32
    assert identifiant(RenduRecepissePdf().rendre(recepisse())) == premier
    for autre in (
        RenduRecepissePdf().rendre(recepisse(apprenti_prenom="Eloise")),
        RenduRecepissePdf("OPCO EP").rendre(recepisse()),
        RenduRecepissePdf().rendre(recepisse(date=dt.date(2020, 8, 22))),
    ):
        assert identifiant(autre)[0] != premier[0]


@pytest.mark.parametrize(
    "valeur", ["0", "0.5", "0.05", "1234567.89", "26247", "999999999999.99", "-12.5"]
)
def test_montant_fr_comme_format_currency(valeur: str) -> None:
    """The receipt's amounts are Babel's ``format_currency`` in fr_FR, whatever the figure."""
    attendu = format_currency(Decimal(valeur), "EUR", locale="fr_FR")
    assert montant_fr(Montant(valeur)) == attendu


def test_police_unicode_embarquee() -> None:
    """The text is set in the bundled DejaVu Sans, embedded; no standard font is used."""
    page = _lecteur(RenduRecepissePdf().rendre(recepisse())).pages[0]
    ressources = page["/Resources"].get_object()
    assert isinstance(ressources, pypdf.generic.DictionaryObject)
    polices = ressources["/Font"].get_object()
    assert isinstance(polices, pypdf.generic.DictionaryObject)
    noms = set()
    for reference in polices.values():
        police = reference.get_object()
        assert police["/Subtype"] == "/Type0"
        descendante = police["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendante["/FontDescriptor"].get_object()
        noms.add(str(police["/BaseFont"]))
    assert noms == {"/MPDFAA+DejaVuSansBook", "/MPDFAA+DejaVuSansBold"}
    licence = (POLICES / "LICENCE-DejaVu.txt").read_text(encoding="utf-8")
    assert "Bitstream Vera" in licence


def test_textes_longs_restent_lisibles() -> None:
    """A long organisme name wraps under itself; a long name shrinks to fit its cell."""
    organisme = "Centre de formation d'apprentis " + "de la santé et du médico-social " * 5
    nom = "de La Tour d'Auvergne-Lauraguais-Bourbon-Parme"
    contenu = RenduRecepissePdf().rendre(recepisse(organisme=organisme, apprenti_nom=nom))
    texte = espaces(texte_pdf(contenu))
    assert espaces(organisme).strip() in texte
    assert nom in texte
    assert len(_lecteur(contenu).pages) == 1


def _pdftoppm() -> str:
    chemin = shutil.which("pdftoppm")
    if chemin is None:
        message = "pdftoppm introuvable (paquet Debian poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(f"{message} ; il est obligatoire en CI.", pytrace=False)
        pytest.skip(message)
    return chemin


def _pgm(contenu: bytes) -> tuple[int, int, bytes]:
    """Width, height and pixels (one byte each) of a binary PGM image."""
    entete, _, reste = contenu.partition(b"\n255\n")
    _magie, largeur, hauteur = entete.split()
    return int(largeur), int(hauteur), reste


def test_page_1_en_image(tmp_path: Path) -> None:
    """Page 1 rasterises (PNG kept in var/artifacts/); ink inside the margins, not beyond."""
    pdftoppm = _pdftoppm()
    pdf = tmp_path / "recepisse.pdf"
    pdf.write_bytes(RenduRecepissePdf().rendre(recepisse()))
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTEFACTS / "recepisse-page1"
    subprocess.run(  # noqa: S603 - a fixed tool on our own file
        [pdftoppm, "-png", "-r", "100", "-singlefile", "-f", "1", "-l", "1", pdf, png],
        check=True,
    )
    assert png.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
    gris = subprocess.run(  # noqa: S603
        [pdftoppm, "-gray", "-r", "25.4", "-singlefile", "-f", "1", "-l", "1", pdf],
        check=True,
        capture_output=True,
    ).stdout
    largeur, hauteur, pixels = _pgm(gris)
    assert (largeur, hauteur) == (211, 298)  # one pixel a millimetre: A4, edges rounded up
    encre = [
        (x, y) for y in range(hauteur) for x in range(largeur) if pixels[y * largeur + x] < 128
    ]
    assert 0.01 < len(encre) / (largeur * hauteur) < 0.3
    xs, ys = [x for x, _ in encre], [y for _, y in encre]
    # 20 mm margins, a pixel of rounding
    assert min(xs) >= 18
    assert max(xs) <= 192
    assert min(ys) >= 18
    assert max(ys) <= 279
