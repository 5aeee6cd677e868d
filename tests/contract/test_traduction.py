"""Aggregate ↔ rows translation is lossless (pure functions, no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cfa_adapters.sql import traduction as tr
from cfa_domain.compte import TypeJeton
from cfa_domain.testing import strategies as cst
from cfa_domain.testing.exemples import delegation, soumettre
from cfa_domain.values import Montant

from .constructeurs import action as dossier
from .constructeurs import champs, compte, organisme


def _relire_action(lignes: tr.Lignes) -> object:
    return tr.action_depuis_lignes(lignes.principale, lignes.historique)


# Any text the core accepts (values.texte refuses NUL and lone surrogates).
TEXTE_VALIDE = st.characters(codec="utf-8", exclude_characters="\x00")


@given(
    nom=st.text(TEXTE_VALIDE, min_size=1, max_size=40).filter(str.strip),
    prenom=st.text(TEXTE_VALIDE, min_size=1, max_size=40).filter(str.strip),
    budget=cst.montants(max_value=Montant("999999999999.99")),
    numero=cst.numeros_action(),
)
def test_action_aller_retour(nom: str, prenom: str, budget: Montant, numero: str) -> None:
    """Any file survives rows and back; the search columns hold the normalised names."""
    action = dossier(numero, nom=nom, prenom=prenom, budget=budget)
    lignes = tr.action_vers_lignes(action)
    assert champs(_relire_action(lignes)) == champs(action)
    assert lignes.principale["frais_pedagogiques"] == budget.valeur
    assert tr.action_vers_lignes(tr.action_depuis_lignes(lignes.principale, lignes.historique)) == (
        lignes
    )


@given(montant=cst.montants(min_value=Montant("0.01"), max_value=Montant(12000)))
def test_demande_aller_retour(montant: Montant) -> None:
    """A request survives rows and back, amounts to the cent."""
    demande = soumettre(dossier(), [], montant)
    lignes = tr.demande_vers_lignes(demande)
    relue = tr.demande_depuis_lignes(lignes.principale, lignes.historique)
    assert champs(relue) == champs(demande)
    assert isinstance(lignes.principale["frais_pedagogiques"], Decimal)


def test_organisme_compte_delegation_aller_retour() -> None:
    """Organisme, account (with tokens) and delegation survive rows and back."""
    o = organisme()
    lo = tr.organisme_vers_lignes(o)
    assert champs(tr.organisme_depuis_lignes(lo.principale, lo.historique)) == champs(o)
    c = compte()
    c.emettre_jeton(
        TypeJeton.ACTIVATION,
        "s" * 43,
        dt.datetime(2025, 9, 1, tzinfo=dt.UTC),
    )
    lc = tr.compte_vers_lignes(c)
    assert champs(tr.compte_depuis_lignes(lc.principale, lc.historique, lc.enfants)) == champs(c)
    d = delegation()
    ld = tr.delegation_vers_lignes(d)
    assert champs(tr.delegation_depuis_lignes(ld.principale, ld.historique)) == champs(d)


def test_instant_json_des_deux_moteurs() -> None:
    """Instants from SQLite's JSON (naive UTC text) and PostgreSQL's (with offset) agree."""
    attendu = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)
    assert tr.instant_depuis_json("2025-09-01 09:00:00.000000") == attendu
    assert tr.instant_depuis_json("2025-09-01T11:00:00+02:00") == attendu
