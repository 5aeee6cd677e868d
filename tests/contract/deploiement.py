"""A whole deployment, a :class:`~cfa_domain.services.contexte.Contexte`, on a backend.

The use cases run on the backend's real units of work; the other ports are the fakes of
:mod:`cfa_domain.testing.fakes`: a settable clock, seeded ids and tokens, a fast hasher
(argon2 would cost 50 ms a login), documents kept in memory (the document store adapter
is tested on its own) and a text receipt. A worker in another process builds its own
deployment on the same database URL with :func:`deploiement_sql`, as every process of
a real server does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from typing import TYPE_CHECKING, Any

import attrs

from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.uow import fabrique_uow
from cfa_adapters.systeme import JetonsSecrets
from cfa_domain.services.contexte import Contexte
from cfa_domain.testing.fakes import (
    HacheurMemoire,
    HorlogeFixe,
    JetonsDeterministes,
    MemoireEntrepotDocuments,
    MemoireRenduRecepisse,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from cfa_domain.ports import FabriqueUnitOfWork, GenerateurJetons, Horloge

__all__ = ["EntrepotDocumentsTrace", "HorlogeQuiAvance", "contexte", "deploiement_sql"]

_UNE_MILLISECONDE = dt.timedelta(milliseconds=1)


@attrs.define
class EntrepotDocumentsTrace(MemoireEntrepotDocuments):
    """The in-memory document store, remembering every id it handed out.

    ``compteur`` sets where its ids start, so that stores of several workers never hand
    out the same id.
    """

    deposes: list[str] = attrs.Factory(list)

    def deposer(self, contenu: bytes) -> str:
        """Store the bytes under a new id and remember that id."""
        document_id = super().deposer(contenu)
        self.deposes.append(document_id)
        return document_id


@attrs.define
class HorlogeQuiAvance(HorlogeFixe):
    """A settable clock moving one millisecond at each reading, shared by threads.

    Two use cases never read the same instant, as with a real clock.
    """

    _verrou: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False)

    def maintenant(self) -> dt.datetime:
        """Move one millisecond on and return the new instant."""
        with self._verrou:
            self.avancer(_UNE_MILLISECONDE)
            return self.instant


def contexte(
    uow: FabriqueUnitOfWork,
    *,
    horloge: Horloge | None = None,
    documents: MemoireEntrepotDocuments | None = None,
    jetons: GenerateurJetons | None = None,
) -> Contexte:
    """A deployment on ``uow``, the other ports being fakes (see the module docstring)."""
    return Contexte(
        uow=uow,
        horloge=horloge or HorlogeFixe(),
        jetons=jetons or JetonsDeterministes(),
        hacheur=HacheurMemoire(),
        documents=documents if documents is not None else EntrepotDocumentsTrace(),
        rendu_recepisse=MemoireRenduRecepisse(),
    )


@contextlib.contextmanager
def deploiement_sql(
    url: str, options: dict[str, Any], *, horloge: Horloge, documents: MemoireEntrepotDocuments
) -> Iterator[Contexte]:
    """A deployment with its own engine on the database at ``url`` (disposed at the end).

    Its ids are random (:class:`~cfa_adapters.systeme.JetonsSecrets`): deployments of
    several processes share the database, and seeded ids would be the same in each.
    """
    moteur = creer_moteur(url, **options)
    try:
        yield contexte(
            fabrique_uow(moteur), horloge=horloge, documents=documents, jetons=JetonsSecrets()
        )
    finally:
        moteur.dispose()
