"""What the documentation and the docstrings cite exists.

- A file path in backquotes (``src/...``, ``tests/...``, ``docs/...``, ``benchmarks/...``,
  ``.ci/...`` or a top-level file) names a file or folder of the repository; a glob names
  at least one.
- A Sphinx role (``:func:``, ``:class:``, ``:meth:``, ``:mod:``, ``:data:``, ``:attr:``,
  ``:exc:``) in a docstring or a page names something Python can reach: a module that
  imports, an attribute found on it. A name without a module is looked up where it is
  written: the module's own definitions and imports, then its classes' members.
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2]
PAGES = [RACINE / "README.md", *sorted((RACINE / "docs").glob("*.md"))]
SOURCES = sorted(
    chemin
    for dossier in ("src", "tests", "benchmarks")
    for chemin in (RACINE / dossier).rglob("*.py")
    if "migrations" not in chemin.parts or chemin.name == "env.py"
)
_RACINES_DE_CHEMIN = ("src/", "tests/", "docs/", "benchmarks/", ".ci/")
_FICHIERS_DE_TETE = ("README.md", "pyproject.toml", "noxfile.py", "nox")
_CITATION = re.compile(r"`{1,2}([^`\s]+)`{1,2}")
_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj):`([^`]+)`")


def _chemins_cites(texte: str) -> set[str]:
    chemins = set()
    for cite in _CITATION.findall(texte):
        chemin = cite.split("::")[0].split(":")[0].rstrip(".,;")
        if chemin.startswith(_RACINES_DE_CHEMIN) or chemin in _FICHIERS_DE_TETE:
            chemins.add(chemin)
    return chemins


def _existe(chemin: str) -> bool:
    if any(signe in chemin for signe in "*?["):
        return any(RACINE.glob(chemin))
    return (RACINE / chemin).exists()


def _cible(role: str) -> str:
    """The dotted name a role's text designates (``~a.b`` and ``title <a.b>`` forms)."""
    cible = role.rsplit("<", maxsplit=1)[-1].rstrip(">") if "<" in role else role
    return cible.lstrip("~!").removesuffix("()")


def _atteindre(nom: str) -> bool:
    """True when a dotted name is a module, or an attribute reached from one."""
    parties = nom.split(".")
    for longueur in range(len(parties), 0, -1):
        try:
            objet: object = importlib.import_module(".".join(parties[:longueur]))
        except ImportError:
            continue
        for partie in parties[longueur:]:
            if not _a_membre(objet, partie):
                return False
            objet = getattr(objet, partie, None)
        return True
    return False


def _a_membre(objet: object, nom: str) -> bool:
    if hasattr(objet, nom):
        return True
    # attrs fields without a default, and annotated class attributes, are not attributes.
    champs = getattr(objet, "__attrs_attrs__", ())
    return any(champ.name == nom for champ in champs) or nom in getattr(
        objet, "__annotations__", {}
    )


@cache
def _definitions(chemin: Path) -> tuple[dict[str, str | None], dict[str, set[str]]]:
    """A file's top-level names (with the module each is imported from) and class members."""
    arbre = ast.parse(chemin.read_text(encoding="utf-8"))
    noms: dict[str, str | None] = {}
    classes: dict[str, set[str]] = {}
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.ClassDef):
            classes[noeud.name] = {
                membre for enfant in noeud.body for membre in _noms_definis(enfant)
            }
    for noeud in arbre.body:
        for nom in _noms_definis(noeud):
            noms.setdefault(nom, None)
        if isinstance(noeud, ast.If):  # if TYPE_CHECKING: imports
            for enfant in noeud.body:
                _importes(enfant, chemin, noms)
        _importes(noeud, chemin, noms)
    return noms, classes


def _noms_definis(noeud: ast.stmt) -> list[str]:
    if isinstance(noeud, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [noeud.name]
    if isinstance(noeud, ast.AnnAssign) and isinstance(noeud.target, ast.Name):
        return [noeud.target.id]
    if isinstance(noeud, ast.Assign):
        return [cible.id for cible in noeud.targets if isinstance(cible, ast.Name)]
    return []


def _importes(noeud: ast.stmt, chemin: Path, noms: dict[str, str | None]) -> None:
    if isinstance(noeud, ast.Import):
        for alias in noeud.names:
            noms[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0]
            )
    elif isinstance(noeud, ast.ImportFrom):
        module = _module_absolu(noeud.module or "", noeud.level, chemin)
        for alias in noeud.names:
            noms[alias.asname or alias.name] = f"{module}.{alias.name}"


def _module_absolu(module: str, niveau: int, chemin: Path) -> str:
    if niveau == 0:
        return module
    paquet = chemin.parents[niveau - 1]
    parties = paquet.relative_to(RACINE / "src").parts if "src" in chemin.parts else ()
    return ".".join((*parties, *(module.split(".") if module else ())))


def _resoudre_dans(nom: str, chemin: Path) -> bool:
    """Resolve ``nom`` as written in ``chemin``: local names first, then absolute."""
    noms, classes = _definitions(chemin)
    if nom.startswith("."):
        relatif = nom.lstrip(".")
        niveau = len(nom) - len(relatif)
        dossier = chemin.parents[niveau - 1] / relatif.replace(".", "/")
        return dossier.with_suffix(".py").exists() or (dossier / "__init__.py").exists()
    tete, _, reste = nom.partition(".")
    if tete in noms:
        origine = noms[tete]
        if origine is None:  # defined here
            membre = reste.split(".")[0]
            return not reste or tete not in classes or membre in classes[tete]
        return _atteindre(f"{origine}.{reste}" if reste else origine) or _fichier_local(
            origine, reste, chemin
        )
    if "." not in nom and any(nom in membres for membres in classes.values()):
        return True
    return _atteindre(nom)


def _fichier_local(origine: str, reste: str, chemin: Path) -> bool:
    """A name imported from a sibling test module (``from .conftest import X``)."""
    module, _, nom = origine.rpartition(".")
    if "src" in chemin.parts or not module:
        return False
    voisin = chemin.parent / f"{module.split('.')[-1]}.py"
    return voisin.exists() and _resoudre_dans(".".join(filter(None, (nom, reste))), voisin)


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_les_chemins_cites_par_les_pages_existent(page: Path) -> None:
    """Each repository path a page cites is there."""
    manquants = sorted(
        c for c in _chemins_cites(page.read_text(encoding="utf-8")) if not _existe(c)
    )
    assert manquants == []


def test_les_chemins_cites_par_les_docstrings_existent() -> None:
    """Each repository path a docstring or comment cites is there."""
    manquants = {
        str(source.relative_to(RACINE)): chemin
        for source in SOURCES
        for chemin in _chemins_cites(source.read_text(encoding="utf-8"))
        if not _existe(chemin)
    }
    assert manquants == {}


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_les_roles_des_pages_se_resolvent(page: Path) -> None:
    """Each ``:func:``/``:class:``/``:mod:``... of a page names something importable."""
    roles = _ROLE.findall(page.read_text(encoding="utf-8"))
    assert sorted(role for role in roles if not _atteindre(_cible(role))) == []


def test_les_roles_des_docstrings_se_resolvent() -> None:
    """Each role of a docstring names something reachable from where it is written."""
    manquants = sorted(
        f"{source.relative_to(RACINE)}: {role}"
        for source in SOURCES
        for role in _ROLE.findall(source.read_text(encoding="utf-8"))
        if not _resoudre_dans(_cible(role), source)
    )
    assert manquants == []


@pytest.mark.parametrize(
    ("nom", "attendu"),
    [
        ("cfa_domain.values.Montant", True),
        ("cfa_domain.values.Montant.zero", True),
        ("cfa_domain.values.Montant.inexistant", False),
        ("cfa_domain.inexistant", False),
        ("secrets", True),
        ("uuid.uuid4", True),
    ],
)
def test_la_resolution_distingue_l_existant(nom: str, attendu: bool) -> None:
    """The checker itself tells a real name from a wrong one (it could otherwise pass all)."""
    assert _atteindre(nom) is attendu


def test_la_resolution_locale_distingue_l_existant() -> None:
    """Names written without their module resolve where they are written, and only there."""
    systeme = RACINE / "src" / "cfa_adapters" / "systeme.py"
    assert _resoudre_dans("HacheurArgon2.doit_rehacher", systeme)
    assert _resoudre_dans("doit_rehacher", systeme)
    assert _resoudre_dans("secrets", systeme)
    assert not _resoudre_dans("HacheurArgon2.inexistant", systeme)
    assert not _resoudre_dans("Inexistant", systeme)
    assert _chemins_cites("voir `docs/embedding.md` et ``src/cfa_domain/values.py``.") == {
        "docs/embedding.md",
        "src/cfa_domain/values.py",
    }
    assert not _existe("docs/inexistant.md")
