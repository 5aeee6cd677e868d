"""The documentation's examples run: what docs/ shows a newcomer is true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _python_blocks(page: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", page, flags=re.MULTILINE | re.DOTALL)


def test_embedding_example_runs() -> None:
    """Every python block of docs/embedding.md runs in order, its assertions included."""
    blocks = _python_blocks((DOCS / "embedding.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    namespace: dict[str, object] = {"__name__": "docs_embedding"}
    for block in blocks:
        exec(compile(block, "docs/embedding.md", "exec"), namespace)  # noqa: S102 - our own doc
    recepisse = namespace["recepisse"]
    assert getattr(recepisse, "numero_action", None) == "2011303654"


@pytest.mark.parametrize("page", ["documents.md", "mail.md"])
def test_adapter_pages_examples_run(page: str) -> None:
    """Every python block of an adapter's page of docs/ runs in order, assertions included."""
    blocks = _python_blocks((DOCS / page).read_text(encoding="utf-8"))
    assert blocks
    namespace: dict[str, object] = {"__name__": f"docs_{page.removesuffix('.md')}"}
    for block in blocks:
        exec(compile(block, f"docs/{page}", "exec"), namespace)  # noqa: S102 - our own doc
