"""Developer sessions: ``./nox -s tests``, ``./nox -s lint``, ``./nox -s typing``."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typing"]

PYPROJECT = nox.project.load_toml("pyproject.toml")


def _install(session: nox.Session, *groups: str) -> None:
    deps = [dep for group in groups for dep in nox.project.dependency_groups(PYPROJECT, group)]
    session.install("-e", ".[postgresql,pdf,testing]", *deps)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite with branch coverage of ``cfa_domain``."""
    _install(session, "test")
    session.run(
        "pytest",
        "--cov",
        "--cov-report=term",
        "--cov-fail-under=95",
        *session.posargs,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff (check and format check) and the import-linter dependency contracts."""
    _install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session
def typing(session: nox.Session) -> None:
    """Type-check src/ and tests/ with mypy --strict."""
    _install(session, "typing")
    session.run("mypy")
