"""The core's dependency rule, checked on the source itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import cfa_domain

ALLOWED_THIRD_PARTY = {"attrs", "stdnum"}
# The public test kit builds Hypothesis strategies for domain experts' suites.
ALLOWED_IN_TESTING_KIT = {"hypothesis"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_cfa_domain_imports_only_stdlib_attrs_and_stdnum() -> None:
    """Every module of cfa_domain imports the standard library, attrs, stdnum or itself."""
    package = Path(cfa_domain.__file__).parent
    offenders: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        allowed = set(sys.stdlib_module_names) | ALLOWED_THIRD_PARTY | {"cfa_domain"}
        if "testing" in path.relative_to(package).parts:
            allowed |= ALLOWED_IN_TESTING_KIT
        extra = _imported_roots(path) - allowed
        if extra:
            offenders[str(path.relative_to(package))] = extra
    assert offenders == {}
