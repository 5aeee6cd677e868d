"""Every public use case checks its texts first; the checks of texts and integers."""

from __future__ import annotations

import uuid

import attrs
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from cfa_domain.errors import DonneeInvalide
from cfa_domain.ports import CriteresRecherche
from cfa_domain.services.entrees import cas_d_usage, est_un_cas_d_usage
from cfa_domain.testing.cas_d_usage import publics
from cfa_domain.values import ENTIER_MAX, entier, texte, verifier_textes


def test_chaque_cas_d_usage_verifie_ses_entrees() -> None:
    """No public use case forgets the door (a new one must be decorated too)."""
    trouves = publics()
    assert len(trouves) >= 38
    assert [nom for nom, fonction in trouves if not est_un_cas_d_usage(fonction)] == []


def test_le_decorateur_nomme_le_parametre_ou_le_champ() -> None:
    """A bad text is reported on its parameter, or on the field of the command holding it."""
    appels: list[tuple[object, str, object]] = []

    @cas_d_usage
    def cas(ctx: object, nom: str, criteres: object = None) -> str:
        appels.append((ctx, nom, criteres))
        return nom

    assert cas("contexte \ud800 ignoré", "Éloïse") == "Éloïse"
    with pytest.raises(DonneeInvalide) as erreur:
        cas(None, "a\x00")
    assert (erreur.value.champ, appels[-1][1]) == ("nom", "Éloïse")
    with pytest.raises(DonneeInvalide) as erreur:
        cas(None, "ok", criteres={"cle": [("x", "\udc80")]})
    assert erreur.value.champ == "criteres"
    assert len(appels) == 1


@attrs.frozen
class Interne:
    """A nested command object."""

    libelle: str
    octets: bytes = b"\x00\xff"


@attrs.frozen
class Commande:
    """A command holding texts at several depths."""

    titre: str
    interne: Interne
    valeurs: tuple[str, ...] = ()


def test_verifier_textes_visite_les_champs_imbriques() -> None:
    """Fields of attrs instances, items of containers; bytes and other types are left alone."""
    verifier_textes(Commande("ok", Interne("ok"), ("a", "b")), "commande")
    verifier_textes((uuid.UUID(int=1), 3, None, b"\x00"), "divers")
    for commande, champ in (
        (Commande("\x00", Interne("ok")), "titre"),
        (Commande("ok", Interne("\ud800")), "libelle"),
        (Commande("ok", Interne("ok"), ("a", "\udfff")), "valeurs"),
    ):
        with pytest.raises(DonneeInvalide) as erreur:
            verifier_textes(commande, "commande")
        assert erreur.value.champ == champ


@given(st.text())
def test_texte_accepte_exactement_ce_qu_utf8_encode_sans_nul(valeur: str) -> None:
    """``texte`` accepts a string iff it encodes in UTF-8 and holds no NUL."""
    try:
        valeur.encode("utf-8")
    except UnicodeEncodeError:
        attendu = False
    else:
        attendu = "\x00" not in valeur
    event(f"accepté : {attendu}")
    if attendu:
        assert texte(valeur, "champ") is valeur
    else:
        with pytest.raises(DonneeInvalide) as erreur:
            texte(valeur, "champ", "Nom")
        assert erreur.value.champ == "champ"
        assert erreur.value.message.startswith("Nom : ce texte contient")
        erreur.value.message.encode("utf-8")


def test_texte_refuse_ce_qui_n_est_pas_une_chaine() -> None:
    """A non-string is refused in French."""
    with pytest.raises(DonneeInvalide, match="une chaîne de caractères est attendue"):
        texte(b"abc", "nom")


def test_criteres_de_recherche_refusent_un_texte_invalide() -> None:
    """The search form's command refuses a NUL at construction, on its field."""
    with pytest.raises(DonneeInvalide) as erreur:
        CriteresRecherche(nom_apprenti="Mar\x00tin")
    assert erreur.value.champ == "nom_apprenti"


@pytest.mark.parametrize(
    "valeur",
    [True, 1.0, "3", -1, ENTIER_MAX + 1, 10**5000],
    ids=["bool", "float", "str", "negatif", "max+1", "5000_chiffres"],
)
def test_entier_refuse_hors_bornes_et_non_entiers(valeur: object) -> None:
    """Booleans, floats, strings and out-of-range numbers are refused without printing them."""
    with pytest.raises(DonneeInvalide) as erreur:
        entier(valeur, "nombre_repas", "Nombre de repas")
    assert erreur.value.champ == "nombre_repas"
    assert erreur.value.message == (
        "Nombre de repas : un nombre entier de 0 à 2\u202f147\u202f483\u202f647 est attendu."
    )


def test_entier_accepte_ses_bornes() -> None:
    """Both bounds are included."""
    assert entier(0, "n", "N") == 0
    assert entier(ENTIER_MAX, "n", "N") == ENTIER_MAX
    assert entier(5, "n", "N", minimum=5, maximum=5) == 5
