"""The record format v1: the converter both ways, its JSON Schema, its French reasons."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfa_adapters.webservice import format as fmt
from cfa_domain.action import EtatDossier
from cfa_domain.ports import DossierFlux, EnregistrementIllisible, OrganismeFlux
from cfa_domain.services.flux import brut
from cfa_domain.testing import strategies

from .outils import dossier, sans_champ

VALIDATEUR = jsonschema.Draft202012Validator(
    fmt.schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


@st.composite
def dossiers_flux(draw: st.DrawFn) -> DossierFlux:
    """Any record a DossierFlux can hold: RQTH, SIA, the OPCO's data on CFA and employer."""
    contrat = draw(strategies.contrats())
    budget = draw(strategies.budgets())
    if not contrat.apprenti.rqth:
        budget = budget.__class__(
            frais_pedagogiques=budget.frais_pedagogiques,
            hebergement=budget.hebergement,
            mobilite=budget.mobilite,
            transport=budget.transport,
            frais_divers=budget.frais_divers,
        )
    referentiels = st.none() | st.builds(
        OrganismeFlux,
        version=st.integers(-(2**63), 2**63 - 1),
        fiche=strategies.fiches_organisme(),
        interlocuteur=strategies.interlocuteurs(telephone=None),
        reference_opco=st.none() | st.sampled_from(["OF-1", "Réf. 2025/07"]),
    )
    organisme, employeur = draw(referentiels), draw(referentiels)
    return DossierFlux(
        numero_action=draw(strategies.numeros_action()),
        version=draw(st.integers(-(2**63), 2**63 - 1)),
        formation=draw(strategies.formations()),
        contrat=contrat,
        budget=budget,
        etat=draw(st.none() | st.sampled_from(EtatDossier)),
        organisme=organisme,
        employeur=employeur,
    )


@given(dossiers_flux())
def test_aller_retour(recu: DossierFlux) -> None:
    """DossierFlux → JSON line → DossierFlux gives the same record; the schema accepts it."""
    ligne = fmt.ecrire_ligne(recu)
    assert "\n" not in ligne
    assert fmt.lire_texte(ligne, "ligne 1") == recu
    VALIDATEUR.validate(json.loads(ligne))
    assert fmt.relire(brut(recu), recu.cle) == recu  # the quarantine's copy reads back


def test_le_schema_est_un_schema() -> None:
    """The shipped schema is valid JSON Schema 2020-12 and names format 1."""
    jsonschema.Draft202012Validator.check_schema(fmt.schema())
    assert fmt.schema()["properties"]["format"] == {
        "description": "Version du format de l'enregistrement.",
        "const": 1,
    }


BON = fmt.ecrire(dossier("2011303654"))


def _avec(chemin: str, valeur: object) -> dict[str, Any]:
    copie: dict[str, Any] = json.loads(json.dumps(BON))
    *blocs, champ = chemin.split(".")
    cible = copie
    for bloc in blocs:
        cible = cible[bloc]
    cible[champ] = valeur
    return copie


MAUVAIS = {
    "version_en_texte": (_avec("version", "2"), "un nombre entier est attendu ($.version)"),
    "version_booleenne": (
        _avec("version", True),  # noqa: FBT003 - the JSON value true
        "un nombre entier est attendu ($.version)",
    ),
    "montant_flottant": (
        _avec("budget.pedagogie", 1250.5),
        'est attendu (par exemple "1250.00") ($.budget.pedagogie)',
    ),
    "date_francaise": (
        _avec("contrat.dateDebutContrat", "01/09/2023"),
        "une date AAAA-MM-JJ est attendue ($.contrat.dateDebutContrat)",
    ),
    "date_impossible": (
        _avec("contrat.dateDebutContrat", "2023-02-30"),
        "« 2023-02-30 » n'est pas une date du calendrier ($.contrat.dateDebutContrat)",
    ),
    "etat_inconnu": (_avec("etat", "PAYE"), "valeur inconnue « PAYE »"),
    "champ_inconnu": (_avec("formation.duree", 12), "champ(s) inconnu(s) : duree ($.formation)"),
    "nom_absent": (sans_champ(BON, "apprenti.nom"), "champ obligatoire absent ($.apprenti.nom)"),
    "bloc_pas_objet": (_avec("contrat", []), "un objet JSON est attendu ($.contrat)"),
    "rqth_en_texte": (_avec("apprenti.handicap", "oui"), "true ou false est attendu"),
    "texte_nombre": (_avec("employeur.denomination", 3), "une chaîne de caractères est attendue"),
}


@pytest.mark.parametrize("nom", sorted(MAUVAIS))
def test_enregistrement_refuse_par_le_schema_et_le_convertisseur(nom: str) -> None:
    """A malformed record is refused by both, the converter saying why and where, in French."""
    donnees, raison = MAUVAIS[nom]
    assert not VALIDATEUR.is_valid(donnees)
    texte = json.dumps(donnees)
    recu = fmt.lire(donnees, texte, "ligne 7")
    assert isinstance(recu, EnregistrementIllisible)
    assert recu.cle == ("ligne 7" if nom.startswith("version") else "2011303654@1")
    assert recu.brut == texte
    assert raison in recu.detail


def test_valeur_refusee_par_le_domaine() -> None:
    """A value of the right type that fails its rule (a NIR's key) gives the domain's reason."""
    recu = fmt.lire(_avec("apprenti.nir", "295109912611194"), "{}", "ligne 1")
    assert isinstance(recu, EnregistrementIllisible)
    assert recu.detail == "N° de sécurité sociale « 295109912611194 » : clé de contrôle incorrecte."


@pytest.mark.parametrize(
    ("texte", "detail"),
    [
        ('{"format": 1,', "JSON invalide : Expecting property name enclosed in double quotes"),
        ("[1, 2]", "un objet JSON est attendu ($)"),
        ("[" * 100_000, "JSON trop imbriqué"),
        (
            json.dumps(_avec("format", 2)),
            "format 2 inconnu : ce lecteur lit le format 1 ($.format)",
        ),
    ],
)
def test_texte_illisible(texte: str, detail: str) -> None:
    """What is not a record of format 1 is illegible, kept as received, with the reason."""
    recu = fmt.lire_texte(texte, "ligne 3")
    assert isinstance(recu, EnregistrementIllisible)
    assert recu.brut == texte
    assert recu.detail.startswith(detail)


def test_relire_une_copie_abimee() -> None:
    """The quarantine's copy that no longer structures reads back as illegible, with why."""
    copie = json.loads(brut(dossier("2011303654")))
    copie["version"] = "x"
    recu = fmt.relire(json.dumps(copie), "2011303654@1")
    assert isinstance(recu, EnregistrementIllisible)
    assert "un nombre entier est attendu ($.version)" in recu.detail
    copie = json.loads(brut(dossier("2011303654")))
    copie["formation"]["siret_cfa"]["numero"] = "12345678901234"
    recu = fmt.relire(json.dumps(copie), "2011303654@1")
    assert isinstance(recu, EnregistrementIllisible)
    assert "SIRET" in recu.detail
    assert isinstance(fmt.relire("{pas du json", "k"), EnregistrementIllisible)


def test_etats_du_fil() -> None:
    """Each state has its word on the wire: the norm's, and EN_ATTENTE and SUPPRIME."""
    mots = {e: fmt.ecrire(dossier("1", etat=e))["etat"] for e in EtatDossier}
    assert mots[EtatDossier.EN_COURS] == "ENGAGE"
    assert mots[EtatDossier.RECU] == "TRANSMIS"
    assert mots[EtatDossier.ROMPU] == "RUPTURE"
    assert len(set(mots.values())) == len(EtatDossier)
