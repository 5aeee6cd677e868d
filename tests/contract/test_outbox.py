"""Contract of the Outbox, on every backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfa_domain.testing.exemples import message

from .constructeurs import instant

if TYPE_CHECKING:
    from .conftest import Banc


def test_messages_valides_dans_l_ordre(banc: Banc) -> None:
    """Committed messages reach the relay, oldest first, with their variables unchanged."""
    premier, second = message("a", quand=instant(1)), message("b", quand=instant(1))
    with banc.uow() as uow:
        uow.outbox.ajouter(premier)
        uow.outbox.ajouter(second)
        uow.commit()
    assert list(banc.messages()) == [premier, second]


def test_message_non_valide_perdu(banc: Banc) -> None:
    """A message of a unit of work left without commit never reaches the relay."""
    with banc.uow() as uow:
        uow.outbox.ajouter(message())
    assert list(banc.messages()) == []
