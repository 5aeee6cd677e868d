"""The check that a feed record holds only storable text, fast path and slow path agreeing."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfa_domain.errors import TexteNonEnregistrable
from cfa_domain.ports import DossierFlux, OrganismeFlux
from cfa_domain.services import flux
from cfa_domain.testing import exemples

NON_ENREGISTRABLES = ("\x00", "\ud800", "\udfff")

textes = st.text(max_size=4) | st.sampled_from(NON_ENREGISTRABLES).map(lambda c: f"a{c}b")


@attrs.frozen
class Un:
    """A value object of one field (read by a getter of its own)."""

    a: object


@attrs.frozen
class Deux:
    """A value object of two fields."""

    a: object
    b: object


def _conteneurs(enfants: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return (
        st.lists(enfants, max_size=3)
        | st.lists(enfants, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=3), enfants, max_size=3)
    )


#: What the dictionary form holds (the slow walk's input).
valeurs_simples = st.recursive(textes | st.integers() | st.none(), _conteneurs, max_leaves=10)
#: The same, with attrs instances inside.
valeurs = st.recursive(
    textes | st.integers() | st.none(),
    lambda enfants: (
        _conteneurs(enfants) | st.builds(Un, enfants) | st.builds(Deux, enfants, enfants)
    ),
    max_leaves=10,
)


@given(valeurs_simples)
def test_le_chemin_rapide_voit_ce_que_voit_le_chemin_lent(valeur: object) -> None:
    """A bad text is found by the fast walk exactly when the path-building walk finds one."""
    attendu = any(
        any(c in texte for c in NON_ENREGISTRABLES) for _chemin, texte in flux._textes(valeur, "")
    )
    assert flux._a_du_non_enregistrable(valeur) is attendu
    assert flux._a_du_non_enregistrable({"x": frozenset({"a", "b\x00"})})


@given(valeurs)
def test_les_objets_valeurs_sont_visites_comme_leur_forme_dictionnaire(valeur: object) -> None:
    """Inside attrs instances, the walk sees what ``attrs.asdict`` shows (the real path)."""
    racine = Deux(valeur, Un("ok"))
    attendu = any(
        any(c in texte for c in NON_ENREGISTRABLES)
        for _chemin, texte in flux._textes(attrs.asdict(racine), "")
    )
    assert flux._a_du_non_enregistrable(racine) is attendu


@pytest.mark.parametrize("mauvais", NON_ENREGISTRABLES)
def test_texte_non_enregistrable_nomme_son_chemin(mauvais: str) -> None:
    """A text the value objects do not check (the OPCO's reference) is refused by its path."""
    dossier = DossierFlux(
        numero_action="2011303654",
        version=1,
        formation=exemples.formation(),
        contrat=exemples.contrat(),
        budget=exemples.budget(),
        organisme=OrganismeFlux(
            version=1,
            fiche=exemples.fiche(),
            interlocuteur=exemples.interlocuteur(),
            reference_opco=f"OF{mauvais}",
        ),
    )
    with pytest.raises(TexteNonEnregistrable) as erreur:
        flux._verifier_enregistrable(dossier)
    assert "organisme.reference_opco" in erreur.value.message
    flux._verifier_enregistrable(attrs.evolve(dossier, organisme=None))
