"""Form data: one cattrs converter, and the field-error model the templates use.

The converter structures the posted fields into a small attrs class per form: blank means
missing, text is stripped, amounts become :class:`~cfa_domain.values.Montant` (French or
dotted decimals, never floats), dates read ``jj/mm/aaaa`` or ``aaaa-mm-jj``, checkboxes
are true when present. A field that does not convert is an error in French beside it;
:func:`traiter` runs a use case and puts its domain error beside the field it names
(:data:`cfa_web.errors.TABLE`), keeping what the user typed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError

from cfa_domain.errors import DonneeInvalide, ErreurDomaine
from cfa_domain.values import Montant
from cfa_web.errors import Affichage, message_affiche, traitement_de

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["Formulaire", "FormulaireInvalide", "convertisseur", "lire", "traiter"]

T = TypeVar("T")

OBLIGATOIRE = "Ce champ est obligatoire."
_DATE_FR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@attrs.define
class Formulaire:
    """What a form template shows: the values typed and the errors beside each field.

    ``erreurs`` maps a field name to its message; ``generales`` are the errors that name
    no field (shown in the summary at the top). Values are kept as typed (strings).
    """

    valeurs: dict[str, str] = attrs.Factory(dict)
    erreurs: dict[str, str] = attrs.Factory(dict)
    generales: list[str] = attrs.Factory(list)

    @property
    def en_erreur(self) -> bool:
        """Whether anything is shown as an error."""
        return bool(self.erreurs or self.generales)

    def ajouter(self, champ: str | None, message: str) -> None:
        """Show ``message`` beside ``champ`` (in the summary if None or already taken)."""
        if champ and champ not in self.erreurs:
            self.erreurs[champ] = message
        else:
            self.generales.append(message)

    def valeur(self, nom: str, defaut: str = "") -> str:
        """What the user typed in ``nom`` (or ``defaut``)."""
        return self.valeurs.get(nom, defaut)


class FormulaireInvalide(Exception):
    """The posted fields do not structure: ``formulaire`` holds the errors."""

    def __init__(self, formulaire: Formulaire) -> None:
        """Keep the form with its errors."""
        super().__init__("formulaire invalide")
        self.formulaire = formulaire


def _texte(valeur: object, _: type) -> str:
    if not isinstance(valeur, str):
        raise TypeError(valeur)
    return valeur


def _montant(valeur: object, _: type) -> Montant:
    if not isinstance(valeur, str):
        raise TypeError(valeur)
    return Montant(valeur.replace("\u202f", "").replace("\xa0", "").replace(" ", "").rstrip("€"))


def _entier(valeur: object, _: type) -> int:
    if not isinstance(valeur, str) or not valeur.isdigit() or len(valeur) > 9:  # noqa: PLR2004
        raise DonneeInvalide("Saisissez un nombre entier positif.", valeur=valeur)
    return int(valeur)


def _date(valeur: object, _: type) -> dt.date:
    if isinstance(valeur, str):
        trouve = _DATE_FR.fullmatch(valeur)
        try:
            if trouve:
                jour, mois, annee = (int(g) for g in trouve.groups())
                return dt.date(annee, mois, jour)
            return dt.date.fromisoformat(valeur)
        except ValueError:
            pass
    raise DonneeInvalide("Saisissez une date au format jj/mm/aaaa.", valeur=valeur)


def _booleen(valeur: object, _: type) -> bool:
    return valeur not in (None, "", "0", "non", "false")


def _creer() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=False)
    conv.register_structure_hook(str, _texte)
    conv.register_structure_hook(Montant, _montant)
    conv.register_structure_hook(int, _entier)
    conv.register_structure_hook(dt.date, _date)
    conv.register_structure_hook(bool, _booleen)
    return conv


convertisseur = _creer()
"""The converter of every form of the web layer."""


def _message(erreur: BaseException) -> str:
    if isinstance(erreur, KeyError):
        return OBLIGATOIRE
    if isinstance(erreur, ErreurDomaine):
        return erreur.message
    return "Valeur invalide."


def valeurs_saisies(donnees: Mapping[str, Any]) -> dict[str, str]:
    """The posted text fields, stripped (files and the CSRF token left out)."""
    return {
        nom: valeur.strip()
        for nom, valeur in donnees.items()
        if isinstance(valeur, str) and nom != "_csrf_token"
    }


def valeurs_a_reafficher(donnees: Mapping[str, Any]) -> dict[str, str]:
    """What a form shows again after an error: never a password."""
    return {
        nom: valeur for nom, valeur in valeurs_saisies(donnees).items() if "mot_de_passe" not in nom
    }


def lire(classe: type[T], donnees: Mapping[str, Any]) -> T:
    """Structure the posted fields into ``classe``.

    Raises:
        FormulaireInvalide: one French message per field that is missing or malformed.
    """
    saisies = valeurs_saisies(donnees)
    remplies = {nom: valeur for nom, valeur in saisies.items() if valeur}
    try:
        return convertisseur.structure(remplies, classe)
    except ClassValidationError as groupe:
        formulaire = Formulaire(valeurs=valeurs_a_reafficher(donnees))
        avec_note, sans_note = groupe.group_exceptions()
        for erreur, note in avec_note:
            formulaire.ajouter(str(note.name), _message(erreur))
        for erreur in sans_note:  # pragma: no cover - cattrs attaches a note to each field
            formulaire.ajouter(None, _message(erreur))
        raise FormulaireInvalide(formulaire) from None
    except ForbiddenExtraKeysError:  # pragma: no cover - extra keys are allowed
        raise


def traiter(
    donnees: Mapping[str, Any], action: Callable[[], T], *, champs: Mapping[str, str] | None = None
) -> T:
    """Run ``action`` (a use case call); a form error comes back beside its field.

    ``champs`` renames the core's ``champ`` to the form's input name where they differ.
    An error the table does not show on a form (403, 404, 503 ...) propagates to the
    application's error pages.

    Raises:
        FormulaireInvalide: the use case refused the input; the form keeps what was typed.
    """
    try:
        return action()
    except ErreurDomaine as erreur:
        if traitement_de(erreur).affichage is not Affichage.CHAMP:
            raise
        formulaire = Formulaire(valeurs=valeurs_a_reafficher(donnees))
        champ = erreur.champ
        if champ is not None and champs is not None:
            champ = champs.get(champ, champ)
        formulaire.ajouter(champ, message_affiche(erreur))
        raise FormulaireInvalide(formulaire) from erreur
