"""Sources of feed records read from files: JSON Lines, and the stock CSV (reprise de stock).

Both are :class:`~cfa_domain.ports.SourceFlux`: :func:`~cfa_domain.services.flux.synchroniser`
applies their records and keeps their cursor, the number of the last line handled.

Choices
-------
- **Memory flat.** A file is read line by line (binary, decoded line by line), never
  whole: a line longer than :data:`LIGNE_MAX` bytes is one illegible record, skipped
  without being held. Opening a source reads the file once more, by blocks, to count its
  records (the progress bar's total) and fingerprint it.
- **The cursor belongs to the content.** The source is named after the SHA-256 of the
  file (``fichier:<sha256>``, ``stock:<sha256>``): importing the same file again resumes
  where the last import stopped (nothing to do once it ended), while another file, even
  under the same name, starts from its first line.
- **A line that does not read is a record like any other**: invalid UTF-8, invalid JSON,
  a record that does not structure: an :class:`~cfa_domain.ports.EnregistrementIllisible`
  keyed by the file's name and the line number, quarantined with its reason.
- **A stock row brings its file to its state** through the file's state machine, as the
  feed would have: the files an OPCO takes over are mostly funded (*en cours*), a state a
  new file cannot be created in. A row of version *v* whose state is *k* transitions
  away from *reçu* gives *k* + 1 records, versions *v* − *k* … *v*, each one step further
  (cursor ``<line>.<step>``, so a resumed import goes on at the next step); a row whose
  version is too small to number its steps is quarantined. The versions below *v* are
  the stock's own: any later record of the upstream feed newer than *v* follows them.
- **The stock CSV** is the platform's own mapping of one file per row onto the record
  format (:data:`COLONNES_STOCK`, documented in ``docs/feed.md``): separator ``;`` (or
  ``,``, read from the header), UTF-8 with or without BOM, dates ``JJ/MM/AAAA`` or
  ``AAAA-MM-JJ``, amounts in euros with a comma or a dot (``26 247,00``), yes/no as
  ``oui``/``non``. An empty cell is an absent field. A header without one of the
  required columns, or with an unknown one, refuses the whole file
  (:class:`StockInvalide`) before anything is applied; a row that does not structure is
  quarantined with its reasons, named by their columns.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from cfa_adapters.webservice import format as format_flux
from cfa_domain.action import TRANSITIONS_DOSSIER, EtatDossier
from cfa_domain.ports import DossierFlux, EnregistrementIllisible

if TYPE_CHECKING:
    from collections.abc import Iterator


__all__ = [
    "COLONNES_STOCK",
    "LIGNE_MAX",
    "SourceFichier",
    "SourceStock",
    "StockInvalide",
]

LIGNE_MAX: Final = 1024 * 1024
"""The longest line read (1 Mio): a record is a few kilobytes."""

_BLOC: Final = 64 * 1024

Enregistrement = tuple[str, "DossierFlux | EnregistrementIllisible"]


def _empreinte_et_lignes(chemin: Path) -> tuple[str, int]:
    """The file's SHA-256 and its number of non-blank lines, read by blocks."""
    empreinte = hashlib.sha256()
    lignes, pleine = 0, False  # pleine: the current line holds more than whitespace
    with chemin.open("rb") as fichier:
        while bloc := fichier.read(_BLOC):
            empreinte.update(bloc)
            for rang, morceau in enumerate(bloc.split(b"\n")):
                if rang:  # a line ended before this piece
                    lignes += pleine
                    pleine = False
                pleine = pleine or bool(morceau.strip())
    return empreinte.hexdigest(), lignes + pleine


def _lignes(chemin: Path, depuis: int) -> Iterator[tuple[int, bytes | None]]:
    """``(number, bytes)`` of each line after ``depuis``; None for a line too long to read."""
    with chemin.open("rb") as fichier:
        numero = 0
        while ligne := fichier.readline(LIGNE_MAX + 1):
            numero += 1
            trop_longue = len(ligne) > LIGNE_MAX and not ligne.endswith(b"\n")
            if trop_longue:
                while (suite := fichier.readline(LIGNE_MAX)) and not suite.endswith(b"\n"):
                    pass
            if numero > depuis:
                yield numero, None if trop_longue else ligne.rstrip(b"\r\n")


def _texte(ligne: bytes, position: str) -> str | EnregistrementIllisible:
    """The line decoded as UTF-8, or the illegible record saying where it is not UTF-8."""
    try:
        return ligne.decode("utf-8")
    except UnicodeDecodeError as erreur:
        return EnregistrementIllisible(
            cle=position,
            brut=ligne.decode("utf-8", "backslashreplace"),
            detail=f"texte UTF-8 invalide (octet {erreur.start + 1} de la ligne)",
        )


def _trop_longue(position: str) -> EnregistrementIllisible:
    return EnregistrementIllisible(
        cle=position,
        brut="",
        detail=f"ligne de plus de {LIGNE_MAX} octets, ignorée sans être lue en entier",
    )


@attrs.define
class SourceFichier:
    """A JSON Lines file of records (format 1), one record a line; blank lines are skipped.

    Build it with :meth:`ouvrir`, which names it after the file's content and counts its
    records.
    """

    chemin: Path
    nom: str
    total: int | None = None

    @classmethod
    def ouvrir(cls, chemin: Path) -> SourceFichier:
        """The source of this file, named ``fichier:<sha256>``."""
        empreinte, lignes = _empreinte_et_lignes(chemin)
        return cls(chemin, f"fichier:{empreinte}", lignes)

    def lire(self, depuis: str | None) -> Iterator[Enregistrement]:
        """Yield ``(line number, record)`` for each non-blank line after line ``depuis``."""
        for numero, ligne in _lignes(self.chemin, int(depuis or 0)):
            position = f"{self.chemin.name}, ligne {numero}"
            if ligne is None:
                yield str(numero), _trop_longue(position)
                continue
            if not ligne.strip():
                continue
            texte = _texte(ligne.removeprefix(b"\xef\xbb\xbf") if numero == 1 else ligne, position)
            if isinstance(texte, EnregistrementIllisible):
                yield str(numero), texte
            else:
                yield str(numero), format_flux.lire_texte(texte, position)


# --- Reprise de stock ----------------------------------------------------------------------


COLONNES_STOCK: Final = {
    "numero_action": "numeroInterne",
    "version": "version",
    "etat": "etat",
    "date_depot": "dateDepot",
    "numero_deca": "numeroDeca",
    "numero_sia": "numeroSia",
    "intitule_formation": "formation.intitule",
    "diplome": "formation.intituleQualification",
    "code_diplome": "formation.codeDiplome",
    "niveau_diplome": "formation.niveau",
    "code_rncp": "formation.rncp",
    "debut_formation": "formation.dateDebutFormation",
    "fin_formation": "formation.dateFinFormation",
    "siret_cfa": "organismeFormationResponsable.siret",
    "siret_employeur": "employeur.siret",
    "employeur": "employeur.denomination",
    "type_contrat": "contrat.typeContrat",
    "emploi": "contrat.emploiOccupe",
    "nom_apprenti": "apprenti.nom",
    "prenom_apprenti": "apprenti.prenom",
    "nir_apprenti": "apprenti.nir",
    "rqth": "apprenti.handicap",
    "date_signature": "contrat.dateConclusion",
    "debut_contrat": "contrat.dateDebutContrat",
    "fin_contrat": "contrat.dateFinContrat",
    "date_rupture": "contrat.dateEffetRupture",
    "frais_pedagogiques": "budget.pedagogie",
    "hebergement": "budget.hebergement",
    "mobilite": "budget.mobilite",
    "transport": "budget.transport",
    "frais_divers": "budget.fraisDivers",
    "majoration_handicap": "budget.majorationRqth",
}
"""Each column of the stock CSV → the field of the record (format 1) it fills."""

_COLONNES_FACULTATIVES: Final = frozenset(
    {
        "etat",
        "numero_deca",
        "numero_sia",
        "code_rncp",
        "rqth",
        "date_rupture",
        "hebergement",
        "mobilite",
        "transport",
        "frais_divers",
        "majoration_handicap",
    }
)
_ENTIERS: Final = frozenset({"version", "niveau_diplome"})
_DATES: Final = frozenset(
    {
        "date_depot",
        "debut_formation",
        "fin_formation",
        "date_signature",
        "debut_contrat",
        "fin_contrat",
        "date_rupture",
    }
)
_MONTANTS: Final = frozenset(
    {
        "frais_pedagogiques",
        "hebergement",
        "mobilite",
        "transport",
        "frais_divers",
        "majoration_handicap",
    }
)
_OUI_NON: Final = {"oui": True, "non": False, "o": True, "n": False, "1": True, "0": False}
_DATE_FRANCAISE: Final = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_ENTIER: Final = re.compile(r"-?\d+")
_ESPACES: Final = re.compile(r"[\s\u00a0\u202f]")
_CHEMINS: Final = {f"$.{chemin}": colonne for colonne, chemin in COLONNES_STOCK.items()}


class StockInvalide(Exception):
    """The stock file cannot be read as a whole (its header): nothing is applied."""


def _cellule(colonne: str, valeur: str) -> object:
    """The cell as the record's field: converted when it reads, as received otherwise.

    A cell that does not convert is left as text: the record's converter then names the
    field it expected (and the column, see :func:`_colonnes`).
    """
    if colonne in _ENTIERS and _ENTIER.fullmatch(valeur):
        return int(valeur)
    if colonne in _DATES and (date := _DATE_FRANCAISE.fullmatch(valeur)):
        return f"{date[3]}-{date[2]}-{date[1]}"
    if colonne in _MONTANTS:
        return _ESPACES.sub("", valeur).removesuffix("€").replace(",", ".")
    if colonne == "rqth":
        return _OUI_NON.get(valeur.casefold(), valeur)
    if colonne == "etat":
        return valeur.upper()
    return valeur


_BLOCS: Final = (
    "formation",
    "organismeFormationResponsable",
    "employeur",
    "apprenti",
    "contrat",
    "budget",
)


def _enregistrement(ligne: dict[str, str]) -> dict[str, Any]:
    """The record (format 1) a row of the stock describes (every block present)."""
    donnees: dict[str, Any] = {"format": format_flux.VERSION_FORMAT}
    donnees |= {bloc: {} for bloc in _BLOCS}
    for colonne, valeur in ligne.items():
        texte = valeur.strip()
        if texte:
            bloc, _, champ = COLONNES_STOCK[colonne].rpartition(".")
            (donnees[bloc] if bloc else donnees)[champ] = _cellule(colonne, texte)
    return donnees


def _colonnes(detail: str) -> str:
    """The reasons with the record's JSON paths named by the stock's columns."""
    return re.sub(
        r"\((\$[\w.]*)\)",
        lambda m: f"(colonne {_CHEMINS[m[1]]})" if m[1] in _CHEMINS else m[0],
        detail,
    )


@attrs.define
class SourceStock:
    """A stock CSV (reprise de stock): one file a row, columns :data:`COLONNES_STOCK`.

    One row a line (no line break inside a cell). Build it with :meth:`ouvrir`, which
    checks the header, names the source after the file's content and counts its rows.
    """

    chemin: Path
    nom: str
    separateur: str
    colonnes: tuple[str, ...]
    total: int | None = None

    @classmethod
    def ouvrir(cls, chemin: Path) -> SourceStock:
        """The source of this CSV, named ``stock:<sha256>``.

        Raises:
            StockInvalide: the header lacks a required column or names an unknown one.
        """
        with chemin.open(encoding="utf-8-sig", errors="replace", newline="") as fichier:
            entete = fichier.readline()
        separateur = ";" if ";" in entete else ","
        colonnes = tuple(c.strip() for c in next(csv.reader([entete], delimiter=separateur)))
        inconnues = sorted(set(colonnes) - COLONNES_STOCK.keys())
        manquantes = sorted(COLONNES_STOCK.keys() - _COLONNES_FACULTATIVES - set(colonnes))
        raisons = []
        if manquantes:
            raisons.append(f"colonnes obligatoires absentes : {', '.join(manquantes)}")
        if inconnues:
            raisons.append(f"colonnes inconnues : {', '.join(inconnues)}")
        if raisons:
            raise StockInvalide(
                f"{chemin.name} : en-tête du stock refusé ({' ; '.join(raisons)}). "
                "Les colonnes attendues sont décrites dans docs/feed.md."
            )
        empreinte, lignes = _empreinte_et_lignes(chemin)
        return cls(chemin, f"stock:{empreinte}", separateur, colonnes, lignes - 1)

    def lire(self, depuis: str | None) -> Iterator[Enregistrement]:
        """Yield ``("<line>.<step>", record)`` for each step of each row after ``depuis``.

        Line 1 is the header; a row yields its steps from 0 (see the module docstring).
        """
        ligne_depuis, _, etape_depuis = (depuis or "1.-1").partition(".")
        for numero, ligne in _lignes(self.chemin, int(ligne_depuis) - 1):
            position = f"{self.chemin.name}, ligne {numero}"
            if ligne is None:
                recus: list[DossierFlux | EnregistrementIllisible] = [_trop_longue(position)]
            elif not ligne.strip() or numero == 1:
                continue
            else:
                texte = _texte(ligne, position)
                recus = (
                    [texte]
                    if isinstance(texte, EnregistrementIllisible)
                    else self._rangee(texte, position)
                )
            for etape, recu in enumerate(recus):
                if numero > int(ligne_depuis) or etape > int(etape_depuis or -1):
                    yield f"{numero}.{etape}", recu

    def _rangee(self, texte: str, position: str) -> list[DossierFlux | EnregistrementIllisible]:
        """The records of a row: one per step towards its state, or the illegible row."""
        cellules = next(csv.reader([texte], delimiter=self.separateur))
        if len(cellules) != len(self.colonnes):
            detail = f"{len(cellules)} cellules pour {len(self.colonnes)} colonnes"
            return [EnregistrementIllisible(cle=position, brut=texte, detail=detail)]
        rangee = dict(zip(self.colonnes, cellules, strict=True))
        brut = json.dumps(rangee, ensure_ascii=False)
        recu = format_flux.lire(_enregistrement(rangee), brut, position)
        if isinstance(recu, EnregistrementIllisible):
            return [attrs.evolve(recu, detail=_colonnes(recu.detail))]
        chemin = _chemin_vers(recu.etat)
        premiere = recu.version - len(chemin) + 1
        if premiere < 1:
            detail = (
                f"version {recu.version} trop petite pour amener le dossier à l'état "
                f"« {recu.etat.libelle if recu.etat else ''} » en {len(chemin)} étapes "
                f"(au moins {len(chemin)}) (colonne version)"
            )
            return [EnregistrementIllisible(cle=recu.cle, brut=brut, detail=detail)]
        return [
            attrs.evolve(recu, version=premiere + rang, etat=etat)
            for rang, etat in enumerate(chemin)
        ]


def _chemin_vers(etat: EtatDossier | None) -> list[EtatDossier | None]:
    """The states a new file goes through to ``etat``, from *reçu* (shortest path)."""
    if etat is None:
        return [None]
    chemins: dict[EtatDossier, list[EtatDossier | None]] = {EtatDossier.RECU: [EtatDossier.RECU]}
    a_voir = [EtatDossier.RECU]
    while a_voir and etat not in chemins:
        depart = a_voir.pop(0)
        for arrivee in sorted(TRANSITIONS_DOSSIER[depart], key=lambda e: e.value):
            if arrivee not in chemins:
                chemins[arrivee] = [*chemins[depart], arrivee]
                a_voir.append(arrivee)
    return chemins[etat]  # every state is reachable from reçu
