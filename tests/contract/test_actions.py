"""Contract of DepotActions (files and the files search), on every backend."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from cfa_domain.action import EtatDossier
from cfa_domain.errors import DossierExistant
from cfa_domain.ports import CriteresRecherche
from cfa_domain.remboursement import DemandeRemboursement, EtatDemande
from cfa_domain.testing.exemples import soumettre
from cfa_domain.values import Montant, NumeroSia

from .constructeurs import SIRET_A, SIRET_B, SIRET_C, champs, instant
from .constructeurs import action as dossier

if TYPE_CHECKING:
    from .conftest import Banc

TOUS = frozenset({SIRET_A, SIRET_B, SIRET_C})


def test_ajouter_relire(banc: Banc) -> None:
    """A committed file reads back whole, with its history; unknown gives None."""
    cree = dossier(deca="075202409000123")
    with banc.uow() as uow:
        uow.actions.ajouter(cree)
        uow.commit()
    with banc.uow() as uow:
        relue = uow.actions.obtenir(cree.numero_action)
        assert relue is not None
        assert champs(relue) == champs(cree)
        assert uow.actions.obtenir("999") is None
        assert uow.actions.obtenir_pour_mise_a_jour("999") is None


def test_numero_deja_connu(banc: Banc) -> None:
    """A second file with a known action number is a DossierExistant naming it."""
    with banc.uow() as uow:
        uow.actions.ajouter(dossier())
        uow.commit()
    with banc.uow() as uow, pytest.raises(DossierExistant) as erreur:
        uow.actions.ajouter(dossier())
    assert (erreur.value.numero_action, erreur.value.champ) == ("2011303654", "numero_action")


def test_changement_d_etat_et_rupture_enregistres(banc: Banc) -> None:
    """A rupture loaded for update is saved: state, rupture date, one more history entry."""
    with banc.uow() as uow:
        uow.actions.ajouter(dossier())
        uow.commit()
    with banc.uow() as uow:
        verrouillee = uow.actions.obtenir_pour_mise_a_jour("2011303654")
        assert verrouillee is not None
        verrouillee.rompre(
            instant(0).date(), auteur="Webservice", quand=instant(1), motif="démission"
        )
        uow.commit()
    with banc.uow() as uow:
        relue = uow.actions.obtenir("2011303654")
        assert relue is not None
        assert relue.etat is EtatDossier.ROMPU
        assert relue.date_rupture == instant(0).date()
        assert [c.arrivee for c in relue.historique][-1] is EtatDossier.ROMPU
        assert len(relue.historique) == 4


def _peupler(banc: Banc) -> None:
    with banc.uow() as uow:
        for action in (
            dossier("1000", SIRET_A, nom="Martin", prenom="Éloïse"),
            dossier("1001", SIRET_A, nom="Lefèvre", prenom="Hugo", deca="075202409000123"),
            dossier("1002", SIRET_A, nom="Martinez", prenom="Inès"),
            dossier("2000", SIRET_B, nom="Élodie", prenom="Marc"),
            dossier("3000", SIRET_C, nom="Martin", prenom="Paul", sia="974202101NC0042"),
            dossier("10010", SIRET_A, nom="O'Neil", prenom="Zoé_Anne"),
        ):
            uow.actions.ajouter(action)
        uow.commit()


def _numeros(
    banc: Banc,
    criteres: CriteresRecherche,
    visibles: frozenset[object] = TOUS,
    *,
    page: int = 1,
    taille: int = 10,
) -> tuple[list[str], int]:
    with banc.uow() as uow:
        resultat = uow.actions.rechercher(
            criteres,
            visibles,  # type: ignore[arg-type]  # sets of Siret
            page=page,
            taille=taille,
        )
    return [r.action.numero_action for r in resultat.elements], resultat.total


def test_recherche_tri_decroissant_et_visibilite(banc: Banc) -> None:
    """Only the visible CFAs' files, by action number descending (as numbers)."""
    _peupler(banc)
    assert _numeros(banc, CriteresRecherche(), frozenset({SIRET_A})) == (
        ["10010", "1002", "1001", "1000"],
        4,
    )


def test_recherche_triee_comme_on_lit_les_numeros(banc: Banc) -> None:
    """999 comes after 1000 (not before, as text would have it); equal values by text."""
    with banc.uow() as uow:
        for numero in ("999", "1000", "20", "0999", "9", "00000000000000000001", "99999999999"):
            uow.actions.ajouter(dossier(numero, SIRET_A))
        uow.commit()
    attendus = ["99999999999", "1000", "999", "0999", "20", "9", "00000000000000000001"]
    assert _numeros(banc, CriteresRecherche()) == (attendus, 7)
    assert _numeros(banc, CriteresRecherche(), page=2, taille=3) == (["0999", "20", "9"], 7)
    assert _numeros(banc, CriteresRecherche(numero_action="9")) == (
        ["99999999999", "999", "9"],
        3,
    )
    assert _numeros(banc, CriteresRecherche(), frozenset()) == ([], 0)


@pytest.mark.parametrize(
    ("nom", "attendus"),
    [
        ("martin", ["3000", "1002", "1000"]),
        ("MARTÍN", ["3000", "1002", "1000"]),
        ("eloi", ["1000"]),
        ("elo", ["2000", "1000"]),
        ("lefe", ["1001"]),
        ("o'n", ["10010"]),
        ("zoe_", ["10010"]),
        ("zoe%", []),
        ("z_e", []),
        ("artin", []),
    ],
)
def test_recherche_par_nom(banc: Banc, nom: str, attendus: list[str]) -> None:
    """The name is a case- and accent-insensitive prefix of last or first name; % and _ are literal."""  # noqa: E501
    _peupler(banc)
    assert _numeros(banc, CriteresRecherche(nom_apprenti=nom)) == (attendus, len(attendus))


def test_recherche_par_numero_et_deca(banc: Banc) -> None:
    """The action number is a prefix; the DECA number matches exactly; criteria combine."""
    _peupler(banc)
    assert _numeros(banc, CriteresRecherche(numero_action="100")) == (
        ["10010", "1002", "1001", "1000"],
        4,
    )
    assert _numeros(banc, CriteresRecherche(numero_enregistrement="075 2024 09 00 0123")) == (
        ["1001"],
        1,
    )
    assert _numeros(banc, CriteresRecherche(nom_apprenti="mar", numero_action="3")) == (
        ["3000"],
        1,
    )


def test_recherche_par_numero_deca_ou_sia(banc: Banc) -> None:
    """The "N° DECA ou SIA" field finds a file by its DECA number or by its SIA number."""
    _peupler(banc)
    with banc.uow() as uow:
        uow.actions.ajouter(dossier("4000", SIRET_A, sia="075202409000123"))
        uow.commit()
    assert _numeros(banc, CriteresRecherche(numero_enregistrement="974 2021 01 NC 0042")) == (
        ["3000"],
        1,
    )
    # The same number registered at the DECA for one file and at the SIA for another.
    assert _numeros(banc, CriteresRecherche(numero_enregistrement="075202409000123")) == (
        ["4000", "1001"],
        2,
    )
    assert _numeros(banc, CriteresRecherche(numero_enregistrement="075202409000124")) == ([], 0)
    with banc.uow() as uow:
        relue = uow.actions.obtenir("3000")
    assert relue is not None
    assert relue.formation.numero_sia == NumeroSia("974202101NC0042")
    assert relue.formation.numero_deca is None


def test_recherche_paginee(banc: Banc) -> None:
    """Pages cut the sorted list; the total counts every match; past the end is empty."""
    _peupler(banc)
    assert _numeros(banc, CriteresRecherche(), page=1, taille=4) == (
        ["10010", "3000", "2000", "1002"],
        6,
    )
    assert _numeros(banc, CriteresRecherche(), page=2, taille=4) == (["1001", "1000"], 6)
    assert _numeros(banc, CriteresRecherche(), page=3, taille=4) == ([], 6)


def test_recherche_total_rembourse(banc: Banc) -> None:
    """Each row carries the sum of the file's paid requests only."""
    _peupler(banc)
    with banc.uow() as uow:
        action = uow.actions.obtenir("1000")
        assert action is not None
        demandes: list[DemandeRemboursement] = []
        for montant, etat in (
            ("100.10", EtatDemande.PAYEE),
            ("200.25", EtatDemande.PAYEE),
            ("50", None),
        ):
            demande = soumettre(action, demandes, Montant(montant))
            if etat is EtatDemande.PAYEE:
                demande.prendre_en_traitement(auteur="agent", quand=instant(1))
                demande.valider(auteur="agent", quand=instant(2))
                demande.payer(auteur="agent", quand=instant(3))
            uow.demandes.ajouter(demande)
            demandes.append(demande)
        uow.commit()
    with banc.uow() as uow:
        page = uow.actions.rechercher(
            CriteresRecherche(numero_action="100"), frozenset({SIRET_A}), page=1, taille=10
        )
        totaux = {r.action.numero_action: r.total_rembourse for r in page.elements}
        assert totaux == {
            "10010": Montant(0),
            "1002": Montant(0),
            "1001": Montant(0),
            "1000": Montant("300.35"),
        }
        relue = next(r.action for r in page.elements if r.action.numero_action == "1000")
        assert relue is uow.actions.obtenir("1000")
        assert len(relue.historique) == 3


def test_sans_reponse(banc: Banc) -> None:
    """Files reçu, en instruction or en attente filed before the day, oldest filing first."""
    depot = dt.date(2025, 3, 1)
    with banc.uow() as uow:
        for numero, etat, jours in (
            ("1001", EtatDossier.RECU, 0),
            ("1002", EtatDossier.EN_INSTRUCTION, -10),
            ("1003", EtatDossier.EN_ATTENTE, 0),
            ("1004", EtatDossier.RECU, 1),
            ("1005", EtatDossier.EN_COURS, -10),
            ("1006", EtatDossier.ANNULE, -10),
        ):
            uow.actions.ajouter(dossier(numero, etat=etat, depot=depot + dt.timedelta(days=jours)))
        uow.commit()
    with banc.uow() as uow:
        trouves = uow.actions.sans_reponse(dt.date(2025, 3, 2))
        assert [a.numero_action for a in trouves] == ["1002", "1001", "1003"]
        assert [len(a.historique) for a in trouves] == [2, 1, 3]
        assert [a.numero_action for a in uow.actions.sans_reponse(depot)] == ["1002"]
        changee = trouves[0]
        changee.changer_etat(EtatDossier.EN_COURS, auteur="conseiller", quand=instant(1))
        assert [a.numero_action for a in uow.actions.sans_reponse(depot)] == []


@pytest.mark.parametrize("texte", ["999 999 999 999,99", "953 394 562,28", "0,01"])
def test_le_plus_grand_montant_relu_au_centime(banc: Banc, texte: str) -> None:
    """Every amount Montant accepts (up to 999 999 999 999,99 €) reads back to the cent.

    From 10¹² € Montant refuses it (tests/unit/test_argent.py): SQLite used to store
    953 394 562 078 993,28 € and read back ...,20, and PostgreSQL's NUMERIC(14,2) refused it.
    """
    with banc.uow() as uow:
        uow.actions.ajouter(dossier(budget=Montant(texte)))
        uow.commit()
    with banc.uow() as uow:
        relue = uow.actions.obtenir("2011303654")
        assert relue is not None
        assert relue.budget.frais_pedagogiques.valeur == Montant(texte).valeur
        assert str(relue.budget.frais_pedagogiques.valeur).endswith(texte[-2:])
