"""The documentation's examples run: what docs/ shows a newcomer is true."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_mail_examples_run() -> None:
    """Every python block of docs/mail.md runs in order, its assertions included."""
    blocks = _python_blocks((DOCS / "mail.md").read_text(encoding="utf-8"))
    assert blocks
    namespace: dict[str, object] = {"__name__": "docs_mail"}
    for block in blocks:
        exec(compile(block, "docs/mail.md", "exec"), namespace)  # noqa: S102 - our own doc
