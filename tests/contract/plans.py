"""The query plans of what a piece of adapter code runs, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from collections.abc import Callable


def plans_des_selects(
    moteur: sa.Engine,
    lancer: Callable[[], object],
    preparer_postgresql: Callable[[sa.Connection], object] = lambda _connexion: None,
) -> list[str]:
    """Run ``lancer``, then return the plan of each SELECT it ran (one text per query).

    SQLite: ``EXPLAIN QUERY PLAN``. PostgreSQL: ``EXPLAIN``, after
    ``preparer_postgresql`` set the planner up on the connection (``SET LOCAL …``, or an
    index dropped: the connection's transaction is rolled back at the end).
    """
    requetes: list[tuple[str, Any]] = []

    def garder(_conn: Any, _cursor: Any, statement: str, parametres: Any, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            requetes.append((statement, parametres))

    sa.event.listen(moteur, "before_cursor_execute", garder)
    try:
        lancer()
    finally:
        sa.event.remove(moteur, "before_cursor_execute", garder)
    plans = []
    with moteur.connect() as connexion:
        if moteur.dialect.name == "sqlite":
            prefixe = "EXPLAIN QUERY PLAN "
        else:
            preparer_postgresql(connexion)
            prefixe = "EXPLAIN "
        for requete, parametres in requetes:
            lignes = connexion.exec_driver_sql(prefixe + requete, parametres).all()
            plans.append("\n".join(str(ligne[-1]) for ligne in lignes))
        connexion.rollback()
    return plans
