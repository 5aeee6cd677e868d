"""Contract of ``DepotActions.rechercher_dossiers`` (the agents' search), on every backend."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import attrs
import pytest

from cfa_domain.action import Action, EtatDossier
from cfa_domain.errors import DonneeInvalide
from cfa_domain.ports import CriteresDossiers, CriteresRecherche, TriDossiers
from cfa_domain.testing.exemples import soumettre
from cfa_domain.values import Montant, Siret

from .constructeurs import SIRET_A, SIRET_B, SIRET_C, instant
from .constructeurs import action as dossier

if TYPE_CHECKING:
    from .conftest import Banc


def _signe(action: Action, signature: dt.date, debut: dt.date | None = None) -> Action:
    """The file with its contract signed on ``signature`` (and starting on ``debut``)."""
    periode = action.contrat.periode
    if debut is not None:
        periode = attrs.evolve(periode, debut=debut)
    return attrs.evolve(
        action, contrat=attrs.evolve(action.contrat, date_signature=signature, periode=periode)
    )


# number, CFA, state, filing day, signing day, contract start
FICHIERS = (
    ("1000", SIRET_A, EtatDossier.RECU, dt.date(2024, 8, 20), dt.date(2019, 6, 1), None),
    ("1001", SIRET_A, EtatDossier.EN_COURS, dt.date(2024, 8, 1), dt.date(2020, 1, 1), None),
    ("2000", SIRET_B, EtatDossier.RECU, dt.date(2024, 7, 1), dt.date(2021, 1, 1), None),
    ("2001", SIRET_B, EtatDossier.EN_ATTENTE, dt.date(2024, 8, 20), dt.date(2024, 8, 15), None),
    (
        "3000",
        SIRET_C,
        EtatDossier.RECU,
        dt.date(2024, 8, 20),
        dt.date(2024, 8, 15),
        dt.date(2024, 10, 1),
    ),
    ("999", SIRET_C, EtatDossier.EN_COURS, dt.date(2024, 6, 30), dt.date(2025, 7, 1), None),
)


def _peupler(banc: Banc) -> None:
    with banc.uow() as uow:
        for numero, siret, etat, depot, signature, debut in FICHIERS:
            nom = "Martin" if numero in {"1000", "3000"} else "Bernard"
            action = dossier(numero, siret, etat=etat, depot=depot, nom=nom)
            uow.actions.ajouter(_signe(action, signature, debut))
        uow.commit()


def _numeros(
    banc: Banc, criteres: CriteresDossiers, *, page: int = 1, taille: int = 10
) -> tuple[list[str], int]:
    with banc.uow(lecture_seule=True) as uow:
        resultat = uow.actions.rechercher_dossiers(criteres, page=page, taille=taille)
    return [r.action.numero_action for r in resultat.elements], resultat.total


def test_tous_les_organismes_par_numero_decroissant(banc: Banc) -> None:
    """No visibility set: every organisme's files, by number as users read it, descending."""
    _peupler(banc)
    assert _numeros(banc, CriteresDossiers()) == (
        ["3000", "2001", "2000", "1001", "1000", "999"],
        6,
    )
    assert _numeros(banc, CriteresDossiers(), page=2, taille=4) == (["1000", "999"], 6)


def test_filtres_du_portail(banc: Banc) -> None:
    """The portal's name and number filters match as in the CFA search."""
    _peupler(banc)
    nom = CriteresDossiers(recherche=CriteresRecherche(nom_apprenti="MARTÍ"))
    assert _numeros(banc, nom) == (["3000", "1000"], 2)
    numero = CriteresDossiers(recherche=CriteresRecherche(numero_action="20"))
    assert _numeros(banc, numero) == (["2001", "2000"], 2)


@pytest.mark.parametrize(
    ("criteres", "attendus"),
    [
        (CriteresDossiers(etat=EtatDossier.RECU), ["3000", "2000", "1000"]),
        (CriteresDossiers(etat=EtatDossier.SOLDE), []),
        (CriteresDossiers(siret_cfa=SIRET_B), ["2001", "2000"]),
        (CriteresDossiers(siret_cfa=SIRET_B.numero), ["2001", "2000"]),
        (CriteresDossiers(etat=EtatDossier.RECU, siret_cfa=SIRET_C), ["3000"]),
        (CriteresDossiers(depot_du=dt.date(2024, 8, 1)), ["3000", "2001", "1001", "1000"]),
        (CriteresDossiers(depot_au=dt.date(2024, 7, 1)), ["2000", "999"]),
        (
            CriteresDossiers(depot_du=dt.date(2024, 7, 1), depot_au=dt.date(2024, 8, 1)),
            ["2000", "1001"],
        ),
        (CriteresDossiers(debut_contrat_du=dt.date(2024, 9, 3)), ["3000"]),
        (
            CriteresDossiers(debut_contrat_au=dt.date(2024, 9, 2)),
            ["2001", "2000", "1001", "1000", "999"],
        ),
        (CriteresDossiers(signature_avant=dt.date(2020, 1, 1)), ["1000"]),
        (
            CriteresDossiers(
                signature_depuis=dt.date(2020, 1, 1), signature_avant=dt.date(2021, 1, 1)
            ),
            ["1001"],
        ),
        (CriteresDossiers(signature_depuis=dt.date(2025, 7, 1)), ["999"]),
    ],
)
def test_filtres_des_conseillers(
    banc: Banc, criteres: CriteresDossiers, attendus: list[str]
) -> None:
    """State, CFA, filing and contract start (days included), signing [from, before[."""
    _peupler(banc)
    assert _numeros(banc, criteres) == (attendus, len(attendus))


def test_file_de_travail_par_anciennete(banc: Banc) -> None:
    """Oldest filing first, then by number as users read it (999 before 1000)."""
    _peupler(banc)
    with banc.uow() as uow:
        uow.actions.ajouter(
            dossier("10000", SIRET_A, etat=EtatDossier.RECU, depot=dt.date(2024, 8, 20))
        )
        uow.commit()
    anciennete = CriteresDossiers(tri=TriDossiers.ANCIENNETE)
    assert _numeros(banc, anciennete) == (
        ["999", "2000", "1001", "1000", "2001", "3000", "10000"],
        7,
    )
    recus = CriteresDossiers(etat=EtatDossier.RECU, tri=TriDossiers.ANCIENNETE)
    assert _numeros(banc, recus, taille=2) == (["2000", "1000"], 4)
    assert _numeros(banc, recus, page=2, taille=2) == (["3000", "10000"], 4)


def test_total_rembourse_de_chaque_dossier(banc: Banc) -> None:
    """Each row carries the total of the file's paid requests (0 € when none)."""
    _peupler(banc)
    with banc.uow() as uow:
        action = uow.actions.obtenir("1001")
        assert action is not None
        payee = soumettre(action, [], Montant("1500.50"))
        payee.prendre_en_traitement(auteur="agent", quand=instant(1))
        payee.valider(auteur="agent", quand=instant(2))
        payee.payer(auteur="agent", quand=instant(3))
        uow.demandes.ajouter(payee)
        uow.demandes.ajouter(soumettre(action, [payee], Montant(200)))
        uow.commit()
    with banc.uow(lecture_seule=True) as uow:
        resultat = uow.actions.rechercher_dossiers(
            CriteresDossiers(siret_cfa=SIRET_A), page=1, taille=10
        )
    assert {r.action.numero_action: r.total_rembourse for r in resultat.elements} == {
        "1001": Montant("1500.50"),
        "1000": Montant(0),
    }


@pytest.mark.parametrize(
    ("champs", "champ"),
    [
        ({"depot_du": dt.date(2024, 2, 2), "depot_au": dt.date(2024, 2, 1)}, "depot_du"),
        (
            {"debut_contrat_du": dt.date(2024, 2, 2), "debut_contrat_au": dt.date(2024, 2, 1)},
            "debut_contrat_du",
        ),
        ({"depot_du": instant(0)}, "depot_du"),
        ({"depot_au": "2024-01-01"}, "depot_au"),
        ({"etat": "recu"}, "etat"),
        ({"siret_cfa": "123"}, "siret"),
        ({"recherche": None}, "criteres"),
        ({"tri": "numero"}, "tri"),
    ],
)
def test_criteres_invalides(champs: dict[str, object], champ: str) -> None:
    """A reversed range or a value of the wrong type is a French DonneeInvalide."""
    with pytest.raises(DonneeInvalide) as erreur:
        CriteresDossiers(**champs)  # type: ignore[arg-type]
    assert erreur.value.champ == champ


def test_siret_vide_veut_dire_tous() -> None:
    """A blank CFA field filters nothing; a valid SIRET as text is kept as a Siret."""
    assert CriteresDossiers(siret_cfa="  ").siret_cfa is None
    assert CriteresDossiers(siret_cfa="854 033 115 00015").siret_cfa == Siret("85403311500015")
