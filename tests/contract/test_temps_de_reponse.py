"""Timing on the real databases: "Mot de passe oublié" does not tell who has an account.

Both paths (an active account, an address without one) are timed alternately in the
same run, many times; the medians of their fastest quarters (:func:`calme`) must stay
within :data:`RAPPORT_MAX` of each other.
The ratios are generous (the machine may be busy), and the in-memory fake is left out
(it does no I/O, so it has no timing to leak).

Before the fix only the account's path wrote (a token and a mail), and PostgreSQL's
commit of a write waits for the disk. Now both paths queue a mail and commit a write;
what remains is the account's own rows (read, and its token written), most of the cost
on SQLite, whose commits do not wait for the disk in WAL mode (docs/security.md).
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import TYPE_CHECKING

import pytest

from cfa_domain.services import acces

from .conftest import BASES_SQL
from .constructeurs import QUAND, compte_actif, organisme

if TYPE_CHECKING:
    from collections.abc import Callable

    from .conftest import Deploiement

ECHANTILLONS = 200
RAPPORT_MAX = {"postgresql": 6.0, "sqlite": 4.0}
"""Measured on a busy machine (fastest quarters): before the fix 14 to 17 on PostgreSQL,
4.8 to 5.4 on SQLite; after it, 2.1 to 3.4 and 2.6 to 2.7."""
EXISTANT = "claire.durand@cfa-exemple.fr"
INCONNU = "personne@cfa-exemple.fr"


def calme(durees: list[float]) -> float:
    """The median of the fastest quarter of a path's durations.

    On a busy machine a call is often preempted for a few milliseconds, the longer call
    more often: preemption only adds time, so the fastest calls show the path's own cost.
    """
    return statistics.median(sorted(durees)[: len(durees) // 4])


def duree(appel: Callable[[], object]) -> float:
    """Duration of one call of ``appel``, in seconds."""
    debut = time.perf_counter()
    appel()
    return time.perf_counter() - debut


# The in-memory fake writes nothing: only the databases take a time worth comparing.
@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)
def test_mot_de_passe_oublie_meme_duree_avec_ou_sans_compte(deploiement: Deploiement) -> None:
    """The medians of both paths, measured alternately, are within RAPPORT_MAX."""
    deploiement.horloge.instant = QUAND
    with deploiement.banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(compte_actif(EXISTANT))
        uow.commit()
    ctx = deploiement.contexte
    for email in (EXISTANT, INCONNU) * 5:  # warm the pool and the caches
        acces.mot_de_passe_oublie(ctx, email)
    avec: list[float] = []
    sans: list[float] = []
    traceur = sys.gettrace()  # the coverage tracer slows Python, not the database, down
    sys.settrace(None)
    try:
        for _ in range(ECHANTILLONS):
            avec.append(duree(lambda: acces.mot_de_passe_oublie(ctx, EXISTANT)))
            sans.append(duree(lambda: acces.mot_de_passe_oublie(ctx, INCONNU)))
    finally:
        sys.settrace(traceur)
    rapport = calme(avec) / calme(sans)
    limite = RAPPORT_MAX[deploiement.banc.nom]
    assert 1 / limite < rapport < limite, (
        f"{deploiement.banc.nom} : avec compte {calme(avec) * 1e3:.2f} ms, "
        f"sans compte {calme(sans) * 1e3:.2f} ms (rapport {rapport:.2f})"
    )
