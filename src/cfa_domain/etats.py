"""The one state-machine helper of the aggregates, and the history entry it writes.

Every aggregate with a life (:class:`~cfa_domain.action.Action`,
:class:`~cfa_domain.remboursement.DemandeRemboursement`,
:class:`~cfa_domain.organisme.Organisme`, :class:`~cfa_domain.organisme.Delegation`,
:class:`~cfa_domain.compte.Compte`) declares its allowed transitions once, as a
:class:`MachineAEtats`, and keeps a history of :class:`Changement` entries. The machine
checks a transition against its table and writes the entry (who, when, from, to, why); the
aggregate keeps the rules that are its own (a reason required, a date to record) and
stores the new state.

Rules
-----
- A transition not in the table raises :class:`~cfa_domain.errors.TransitionInterdite`
  with the aggregate's kind and identifier and both states (the enum members); nothing
  changes then.
- A state never goes to itself unless its table says so (none does today).
- The first entry of a history (creation) has no departure state (``depart`` is None).
- The actor is named ``auteur`` in every history: an email, an account's id, "Webservice"
  or :data:`~cfa_domain.organisme.PAR_FORMULAIRE_PUBLIC`, never blank.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import attrs

from cfa_domain.errors import Agregat, DonneeInvalide, TransitionInterdite

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from cfa_domain.errors import Enumere

__all__ = ["Changement", "MachineAEtats"]

E = TypeVar("E", bound=enum.Enum)

_LONGUEUR_MAX_AUTEUR = 255
"""The widest actor stored (an email is at most 254 characters)."""


def _quand(_instance: object, _attribut: object, valeur: Any) -> None:  # noqa: ANN401
    if not isinstance(valeur, dt.datetime):
        raise DonneeInvalide(
            "Date du changement : un instant (date et heure) est attendu.",
            champ="quand",
            valeur=valeur,
        )


def _auteur(_instance: object, _attribut: object, valeur: Any) -> None:  # noqa: ANN401
    if not isinstance(valeur, str) or not valeur.strip():
        raise DonneeInvalide("Auteur du changement : ce champ est obligatoire.", champ="auteur")
    if len(valeur) > _LONGUEUR_MAX_AUTEUR:
        raise DonneeInvalide(
            f"Auteur du changement : {_LONGUEUR_MAX_AUTEUR} caractères au plus.",
            champ="auteur",
            valeur=valeur,
        )


def _etat(*, optionnel: bool) -> Callable[[Any, Any, Any], None]:
    def valider(_instance: object, _attribut: object, valeur: object) -> None:
        if not (isinstance(valeur, enum.Enum) or (optionnel and valeur is None)):
            raise DonneeInvalide("État : valeur invalide.", champ="etat", valeur=valeur)

    return valider


def _motif(_instance: object, _attribut: object, valeur: Any) -> None:  # noqa: ANN401
    if not isinstance(valeur, str):
        raise DonneeInvalide("Motif : un texte est attendu.", champ="motif", valeur=valeur)


@attrs.frozen
class Changement(Generic[E]):
    """One entry of a history: who (``auteur``), when, from (None at creation), to, why."""

    quand: dt.datetime = attrs.field(validator=_quand)
    auteur: str = attrs.field(validator=_auteur)
    depart: E | None = attrs.field(validator=_etat(optionnel=True))
    arrivee: E = attrs.field(validator=_etat(optionnel=False))
    motif: str = attrs.field(default="", validator=_motif)


def _table(transitions: Mapping[E, frozenset[E]]) -> Mapping[E, frozenset[E]]:
    """Attrs converter: a read-only copy of the table, every state of the enum present."""
    table = {depart: frozenset(arrivees) for depart, arrivees in transitions.items()}
    etats = {type(e) for e in table} | {type(a) for arrivees in table.values() for a in arrivees}
    if len(etats) != 1:
        msg = "A transition table is over the states of one enum."
        raise ValueError(msg)
    (classe,) = etats
    manquants = set(classe) - table.keys()
    if manquants:
        msg = f"Transition table without an entry for {sorted(e.name for e in manquants)}."
        raise ValueError(msg)
    return MappingProxyType(table)


@attrs.frozen
class MachineAEtats(Generic[E]):
    """The allowed transitions of one kind of aggregate.

    ``transitions`` maps every state to the states it may go to (a terminal state maps to
    an empty set): a table missing a state is a programming error, refused at import.
    ``attribut`` names the aggregate's state attribute (``etat`` or ``statut``),
    ``identifiant`` the attribute that identifies it in an error (``numero_action``,
    ``id``, ``siret``).
    """

    agregat: Agregat
    attribut: str
    identifiant: str
    transitions: Mapping[E, frozenset[E]] = attrs.field(converter=_table)

    def permet(self, depart: E, arrivee: E) -> bool:
        """True when the table allows ``depart`` → ``arrivee``."""
        return arrivee in self.transitions[depart]

    def verifier(self, agregat: object, arrivee: E, *, depuis: Collection[E] | None = None) -> None:
        """Raise :class:`TransitionInterdite` unless ``agregat`` may go to ``arrivee``.

        ``depuis`` narrows the departures for a method whose rule is narrower than the
        table (approving an account leaves only *en attente d'approbation*, though the
        table also lets a deactivated account go back there).
        """
        depart: E = getattr(agregat, self.attribut)
        if not self.permet(depart, arrivee) or (depuis is not None and depart not in depuis):
            raise TransitionInterdite(
                self.agregat,
                getattr(agregat, self.identifiant),
                cast("Enumere", depart),
                cast("Enumere", arrivee),
            )

    def creation(
        self, etat: E, *, auteur: str, quand: dt.datetime, motif: str = ""
    ) -> Changement[E]:
        """The first entry of a history: the aggregate is created in state ``etat``."""
        return Changement(quand=quand, auteur=auteur, depart=None, arrivee=etat, motif=motif)

    def passer(
        self,
        agregat: object,
        arrivee: E,
        *,
        auteur: str,
        quand: dt.datetime,
        motif: str = "",
        depuis: Collection[E] | None = None,
    ) -> Changement[E]:
        """Move ``agregat`` to ``arrivee``: check, append the history entry, set the state.

        The aggregate keeps its state in :attr:`attribut` and its history in
        ``historique``; ``depuis`` is that of :meth:`verifier`. Nothing changes when the
        transition is refused or the entry invalid.
        """
        self.verifier(agregat, arrivee, depuis=depuis)
        changement = Changement(
            quand=quand,
            auteur=auteur,
            depart=getattr(agregat, self.attribut),
            arrivee=arrivee,
            motif=motif,
        )
        historique: list[Changement[E]] = getattr(agregat, "historique")  # noqa: B009
        historique.append(changement)
        setattr(agregat, self.attribut, arrivee)
        return changement
