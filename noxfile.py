"""Developer sessions: ``./nox -s tests``, ``core``, ``lint``, ``typing`` (``./nox -l``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "core", "lint", "typing"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
# What the core wheel must not bring: each extra's libraries (a stray import of one of them
# in cfa_domain, or in what the unit suite imports, fails the `core` session).
OPTIONAL_LIBRARIES = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "argon2",
    "litestar",
    "jinja2",
    "babel",
    "cattrs",
    "fpdf",
    "aiosmtplib",
    "httpx",
    "rich",
)


def _groups(*groups: str) -> list[str]:
    return [dep for group in groups for dep in nox.project.dependency_groups(PYPROJECT, group)]


def _install(session: nox.Session, *groups: str) -> None:
    session.install("-e", ".[all]", *_groups(*groups))


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole suite with branch coverage of cfa_domain, cfa_adapters and cfa_web."""
    _install(session, "test")
    session.run(
        "pytest",
        "--cov",
        "--cov-report=term",
        # The floor of what the suite reaches (98.8 % when raised): raise it as it grows.
        "--cov-fail-under=98",
        *session.posargs,
    )


@nox.session(reuse_venv=False)
def core(session: nox.Session) -> None:
    """Build the wheel; run the unit suite on it with only the core (and ``testing``) installed.

    The environment is made anew each time, so nothing an extra brought lingers in it.
    """
    dist = Path(session.create_tmp()) / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("uv", "build", "--wheel", "--out-dir", str(dist), external=True)
    (wheel,) = dist.glob("cfa_platform-*.whl")
    session.install(f"{wheel}[testing]", *_groups("unit"))
    absent = ", ".join(repr(name) for name in OPTIONAL_LIBRARIES)
    session.run(
        "python",
        "-c",
        "import importlib.util, pathlib, cfa_domain\n"
        f"present = [n for n in ({absent},) if importlib.util.find_spec(n)]\n"
        "assert not present, f'the core brought optional libraries: {present}'\n"
        "assert 'site-packages' in pathlib.Path(cfa_domain.__file__).parts, cfa_domain.__file__\n",
    )
    # Without the `sql` extra the schema command says which extra to install.
    sortie = session.run("cfa-db", "upgrade", silent=True, success_codes=[2])
    if "extra « sql »" not in str(sortie):
        session.error(f"cfa-db without SQLAlchemy did not name the extra: {sortie!r}")
    # The `tests` session explores the properties at CI's depth; this one checks imports.
    session.run(
        "pytest",
        "tests/unit",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={"HYPOTHESIS_PROFILE": "dev"},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff, import-linter, and the structural checks of the source.

    The structural checks are tests that read the source, not run it: one ``code`` per
    concrete error class, no ``raise`` of a branch of the error tree, the core's imports.
    """
    _install(session, "lint", "unit")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")
    session.run(
        "pytest",
        "tests/unit/test_errors.py",
        "tests/unit/test_dependencies.py",
        "-p",
        "no:cacheprovider",
        "--no-cov",
        "-q",
    )


@nox.session
def typing(session: nox.Session) -> None:
    """Type-check src/, tests/ and benchmarks/ with mypy --strict."""
    _install(session, "typing")
    session.run("mypy")


@nox.session(name="portail")
def portail(session: nox.Session) -> None:
    """Serve the demo portal on http://127.0.0.1:8000 (``cfa-web demo``; Ctrl-C stops it).

    Demo data are loaded on first start into ``var/cfa.sqlite3``; mails are written under
    ``var/mail/``. Arguments pass through: ``./nox -s portail -- --port 8080``.
    """
    session.install("-e", ".[web]")
    session.run("cfa-web", "demo", *session.posargs)
