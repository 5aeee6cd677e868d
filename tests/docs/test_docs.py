"""The documentation runs: every Python block of ``docs/*.md``, in order, page by page.

A page's blocks share one namespace, as a reader's session would: a later block may use
what an earlier one defined. Each page runs in an empty working directory (its SQLite
files land there) without ``CFA_DATABASE_URL``. A block that defines ``test_*`` functions
(the test kit's properties) has them called, so the properties a page shows hold.

Blocks that are not Python to run are fenced as ``text``, ``sh`` or ``console``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2]
PAGES = sorted((RACINE / "docs").glob("*.md"))
_BLOC = re.compile(r"^```python\n(.*?)^```$", flags=re.MULTILINE | re.DOTALL)


def blocs_python(page: str) -> list[str]:
    """The Python blocks of a Markdown page, in order."""
    return _BLOC.findall(page)


def _executer(page: Path) -> dict[str, object]:
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    for numero, bloc in enumerate(blocs_python(page.read_text(encoding="utf-8")), start=1):
        avant = set(namespace)
        nom = f"docs/{page.name} (bloc {numero})"
        exec(compile(bloc, nom, "exec"), namespace)  # noqa: S102 - our own documentation
        for cle in sorted(set(namespace) - avant):
            fonction = namespace[cle]
            if cle.startswith("test_") and callable(fonction):
                fonction()
    return namespace


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_chaque_bloc_python_s_execute(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every Python block of the page runs, its assertions included."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CFA_DATABASE_URL", raising=False)
    _executer(page)


def test_les_pages_qui_montrent_du_code_en_montrent_assez() -> None:
    """The pages meant to be run keep their blocks (a fence typo would silently drop one)."""
    nombres = {page.name: len(blocs_python(page.read_text(encoding="utf-8"))) for page in PAGES}
    assert nombres["embedding.md"] >= 7
    assert nombres["testing-kit.md"] >= 6
    assert nombres["persistence.md"] >= 1
    for page in PAGES:
        texte = page.read_text(encoding="utf-8")
        # Only these fences exist: a "```py" or "``` python" would escape the suite.
        langages = set(re.findall(r"^```(\S*)", texte, flags=re.MULTILINE)) - {""}
        assert langages <= {"python", "text", "sh", "console", "toml"}, (page.name, langages)


def test_le_parcours_d_embedding_aboutit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedding guide's journey ends with a receipt for the guide's file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CFA_DATABASE_URL", raising=False)
    namespace = _executer(RACINE / "docs" / "embedding.md")
    recepisse = namespace["recepisse"]
    assert getattr(recepisse, "numero_action", None) == "2011303654"
