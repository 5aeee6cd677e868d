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
valeurs = st.recursive(
    textes | st.integers() | st.none(),
    lambda enfants: (
        st.lists(enfants, max_size=3)
        | st.lists(enfants, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=3), enfants, max_size=3)
    ),
    max_leaves=10,
)


@given(valeurs)
def test_le_chemin_rapide_voit_ce_que_voit_le_chemin_lent(valeur: object) -> None:
    """A bad text is found by the fast walk exactly when the path-building walk finds one."""
    attendu = any(
        any(c in texte for c in NON_ENREGISTRABLES) for _chemin, texte in flux._textes(valeur, "")
    )
    assert flux._a_du_non_enregistrable(valeur) is attendu
    assert flux._a_du_non_enregistrable({"x": frozenset({"a", "b\x00"})})


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
