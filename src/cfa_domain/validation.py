"""Attrs validators of the value objects of a file and of a request, with French messages.

Each builds a validator for one form field (``champ``) and its French label (``libelle``)
and raises :class:`~cfa_domain.errors.DonneeInvalide` naming them. They live below the
aggregates (:mod:`cfa_domain.action`, :mod:`cfa_domain.remboursement`) so that both
use them without importing each other.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, TypeAlias

from cfa_domain.errors import DonneeInvalide
from cfa_domain.organisme import LONGUEUR_MAX_TEXTE
from cfa_domain.values import ENTIER_MAX, Montant, entier, normaliser_recherche

if TYPE_CHECKING:
    from collections.abc import Callable

    # attrs infers a field's type from its validator's: Any keeps the annotation in charge.
    Validateur: TypeAlias = Callable[[Any, Any, Any], None]

__all__ = ["LONGUEUR_MAX_NUMERO_ACTION", "cle_tri_numero_action", "verifier_numero_action"]


def _texte(champ: str, libelle: str) -> Validateur:
    """Attrs validator: a non-blank string of at most :data:`LONGUEUR_MAX_TEXTE` characters."""

    def valider(_instance: object, _attribut: object, valeur: object) -> None:
        if not isinstance(valeur, str) or not valeur.strip():
            raise DonneeInvalide(f"{libelle} : ce champ est obligatoire.", champ=champ)
        if len(valeur) > LONGUEUR_MAX_TEXTE:
            raise DonneeInvalide(
                f"{libelle} : {LONGUEUR_MAX_TEXTE} caractères au plus.",
                champ=champ,
                valeur=valeur,
            )

    return valider


def _nom(champ: str, libelle: str) -> Validateur:
    """Attrs validator: a name (:func:`_texte`) whose search form also fits the limit."""
    texte = _texte(champ, libelle)

    def valider(instance: object, attribut: object, valeur: object) -> None:
        texte(instance, attribut, valeur)
        if len(normaliser_recherche(str(valeur))) > LONGUEUR_MAX_TEXTE:
            raise DonneeInvalide(
                f"{libelle} : {LONGUEUR_MAX_TEXTE} caractères au plus.",
                champ=champ,
                valeur=valeur,
            )

    return valider


def _instance(
    type_attendu: type[object] | tuple[type[object], ...], champ: str, libelle: str
) -> Validateur:
    """Attrs validator: a value of the expected type."""

    def valider(_instance: object, _attribut: object, valeur: object) -> None:
        if not isinstance(valeur, type_attendu):
            raise DonneeInvalide(f"{libelle} : valeur invalide.", champ=champ, valeur=valeur)

    return valider


def _date(champ: str, libelle: str) -> Validateur:
    """Attrs validator: a calendar date (a datetime is refused: it carries a time)."""

    def valider(_instance: object, _attribut: object, valeur: object) -> None:
        if isinstance(valeur, dt.datetime) or not isinstance(valeur, dt.date):
            raise DonneeInvalide(f"{libelle} : une date est attendue.", champ=champ, valeur=valeur)

    return valider


def _montant_positif(champ: str, libelle: str) -> Validateur:
    """Attrs validator: a :class:`Montant` that is not negative."""

    def valider(_instance: object, _attribut: object, valeur: object) -> None:
        if not isinstance(valeur, Montant) or valeur.est_negatif:
            raise DonneeInvalide(
                f"{libelle} : un montant positif ou nul est attendu.", champ=champ, valeur=valeur
            )

    return valider


def _entier(champ: str, libelle: str, bornes: tuple[int, int] | None = None) -> Validateur:
    """Attrs validator: a whole number (:func:`~cfa_domain.values.entier`), within ``bornes``.

    Without ``bornes``: from zero to :data:`~cfa_domain.values.ENTIER_MAX`.
    """
    minimum, maximum = bornes or (0, ENTIER_MAX)

    def valider(_instance: object, _attribut: object, valeur: object) -> None:
        entier(valeur, champ, libelle, minimum=minimum, maximum=maximum)

    return valider


LONGUEUR_MAX_NUMERO_ACTION = 20
"""An OPCO action number has 1 to 20 digits."""


def verifier_numero_action(numero_action: object) -> str:
    """Return the OPCO action number if it is made of digits, else raise DonneeInvalide."""
    if isinstance(numero_action, str) and re.fullmatch(
        rf"\d{{1,{LONGUEUR_MAX_NUMERO_ACTION}}}", numero_action
    ):
        return numero_action
    raise DonneeInvalide(
        f"Numéro d'action « {numero_action} » : des chiffres sont attendus (ex. 2011303654).",
        champ="numero_action",
        valeur=numero_action,
    )


def cle_tri_numero_action(numero_action: str) -> str:
    """The key that sorts action numbers as users read them: by their numeric value.

    An action number is digits only (:func:`verifier_numero_action`), so left-padding it with
    zeros to the longest length makes text order the numeric order: ``999`` before
    ``1000``. Numbers of equal value (``0999`` and ``999``) share a key; sorts then break
    the tie on the number's text. The SQL adapter stores this key in an indexed column,
    the in-memory fake sorts on it: both engines order the files search the same way.
    """
    return numero_action.zfill(LONGUEUR_MAX_NUMERO_ACTION)


def _numero_action() -> Validateur:
    """Attrs validator: an OPCO action number."""

    def valider(_instance: object, _attribut: object, valeur: object) -> None:
        verifier_numero_action(valeur)

    return valider
