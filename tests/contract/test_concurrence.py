"""Reimbursements never exceed a file's budget, even when submitted all at once.

Twenty submissions of a tenth of the pedagogical budget each race on one file, from
threads (every backend) and from separate processes (SQLite and PostgreSQL, ``spawn``):
exactly ten are accepted, the sum accepted is the budget, and the database holds exactly
those ten. A form submitted several times at once with one idempotency key gives one
request. The workers follow the use case's steps: lock the file
(``obtenir_pour_mise_a_jour``), read its requests, let the domain decide, add, commit.
"""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.uow import SqlUnitOfWork
from cfa_domain.errors import BudgetDepasse, Conflit
from cfa_domain.values import Montant

from .constructeurs import BUDGET_PEDAGOGIQUE, soumettre
from .constructeurs import action as dossier

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from multiprocessing.pool import Pool
    from typing import TypeAlias

    from cfa_domain.ports import FabriqueUnitOfWork

    from .conftest import Banc

    Lanceur: TypeAlias = Callable[[list[str | None], uuid.UUID], list[str]]

NUMERO = "2011303654"
PARTICIPANTS = 20
PART = Montant(BUDGET_PEDAGOGIQUE.valeur / 10)
PROCESSUS = 4


def _soumission(
    fabrique: FabriqueUnitOfWork, compte_id: uuid.UUID, cle: str | None, depart: Callable[[], Any]
) -> str:
    """One submission, as the use case does it; returns what happened."""
    depart()
    with fabrique() as uow:
        action = uow.actions.obtenir_pour_mise_a_jour(NUMERO)
        assert action is not None
        if cle is not None and uow.demandes.par_cle_idempotence(compte_id, cle) is not None:
            return "deja_envoyee"
        try:
            demande = soumettre(
                action, uow.demandes.pour_action(NUMERO), PART, compte_id=compte_id, cle=cle
            )
            uow.demandes.ajouter(demande)
        except BudgetDepasse:
            return "refusee"
        except Conflit:
            return "deja_envoyee"
        uow.commit()
        return "acceptee"


def soumission_dans_un_processus(
    url: str, options: dict[str, Any], compte_id: uuid.UUID, cle: str | None
) -> str:
    """A submission from another process, with its own engine (spawn: importable here)."""
    moteur = creer_moteur(url, **options)
    try:
        return _soumission(lambda: SqlUnitOfWork(moteur), compte_id, cle, lambda: None)
    finally:
        moteur.dispose()


def _preparer(banc: Banc) -> None:
    with banc.uow() as uow:
        uow.actions.ajouter(dossier(NUMERO))
        uow.commit()


def _en_threads(banc: Banc, cles: list[str | None], compte_id: uuid.UUID) -> list[str]:
    barriere = threading.Barrier(len(cles))
    with ThreadPoolExecutor(max_workers=len(cles)) as executeur:
        futurs = [
            executeur.submit(_soumission, banc.uow, compte_id, cle, barriere.wait) for cle in cles
        ]
        return [f.result() for f in futurs]


@pytest.fixture(scope="module")
def processus() -> Iterator[Pool]:
    """Worker processes started once for the module (spawning one costs ~1 s of CPU)."""
    with multiprocessing.get_context("spawn").Pool(PROCESSUS) as pool:
        yield pool


def _lanceur(banc: Banc, mode: str, request: pytest.FixtureRequest) -> Lanceur:
    if mode == "threads":
        return lambda cles, compte_id: _en_threads(banc, cles, compte_id)
    if not banc.sql or banc.url is None:
        pytest.skip("le stockage en mémoire ne se partage pas entre processus")
    pool: Pool = request.getfixturevalue("processus")
    url, options = banc.url, banc.options
    return lambda cles, compte_id: pool.starmap(
        soumission_dans_un_processus, [(url, options, compte_id, cle) for cle in cles]
    )


def _total_accepte(banc: Banc) -> tuple[int, Montant]:
    with banc.uow() as uow:
        demandes = uow.demandes.pour_action(NUMERO)
    return len(demandes), Montant.somme(d.total for d in demandes)


@pytest.mark.parametrize("mode", ["threads", "processus"])
def test_le_budget_n_est_jamais_depasse(
    banc: Banc, mode: str, request: pytest.FixtureRequest
) -> None:
    """20 racing requests of a tenth of the budget: exactly 10 accepted, the budget used up."""
    lancer = _lanceur(banc, mode, request)
    _preparer(banc)
    resultats = lancer([None] * PARTICIPANTS, uuid.uuid4())
    assert resultats.count("acceptee") == 10
    assert resultats.count("refusee") == PARTICIPANTS - 10
    assert _total_accepte(banc) == (10, BUDGET_PEDAGOGIQUE)


@pytest.mark.parametrize("mode", ["threads", "processus"])
def test_double_soumission_d_un_formulaire(
    banc: Banc, mode: str, request: pytest.FixtureRequest
) -> None:
    """One form sent 8 times at once (one idempotency key) makes one request."""
    lancer = _lanceur(banc, mode, request)
    _preparer(banc)
    resultats = lancer(["formulaire-42"] * 8, uuid.uuid4())
    assert resultats.count("acceptee") == 1
    assert resultats.count("deja_envoyee") == 7
    assert _total_accepte(banc) == (1, PART)
