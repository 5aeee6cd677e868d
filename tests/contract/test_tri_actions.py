"""The files search sorted on each column of the guide's table, the same on every backend.

Each order is compared with a sort made here, in Python, from the values the files were
built with (not from the repository's or the domain's own sort keys), page after page.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from cfa_domain.action import EtatDossier
from cfa_domain.errors import DonneeInvalide
from cfa_domain.ports import ColonneTri, CriteresRecherche, Tri
from cfa_domain.testing import exemples
from cfa_domain.testing.exemples import soumettre
from cfa_domain.values import Montant, NumeroDeca, NumeroSia, Periode

from .constructeurs import CONTRAT, SIRET_A, SIRET_B, SIRET_C, instant

if TYPE_CHECKING:
    from cfa_domain.remboursement import DemandeRemboursement

    from .conftest import Banc

TOUS = frozenset({SIRET_A, SIRET_B, SIRET_C})
NOMS_CFA = {SIRET_A: "CFA Zénith", SIRET_B: "Atelier des métiers"}
"""SIRET_C has no sheet: the column shows (and sorts on) its SIRET."""


@attrs.frozen
class Fiche:
    """What a file is built with, and the values its row must show."""

    numero: str
    siret: Any
    etat: EtatDossier
    enregistrement: str = ""
    pedagogie: str = "1000"
    annexes: tuple[str, str] = ("0", "0")
    """Hébergement and mobilité; transport and frais divers stay at 0."""
    payees: tuple[tuple[str, str], ...] = ()
    """(pedagogical, RQTH uplift) of each paid request."""

    @property
    def valeurs(self) -> dict[ColonneTri, object]:
        """The value of each column, computed here from the figures above."""
        annexes = sum((Decimal(x) for x in self.annexes), Decimal(0))
        return {
            ColonneTri.NUMERO_ACTION: 0,
            ColonneTri.ETAT: _sans_accents(_LIBELLES[self.etat]),
            ColonneTri.CFA: NOMS_CFA.get(self.siret, self.siret.numero),
            ColonneTri.NUMERO_ENREGISTREMENT: self.enregistrement,
            ColonneTri.BUDGET_TOTAL: Decimal(self.pedagogie) + annexes + Decimal(MAJORATION),
            ColonneTri.FRAIS_PEDAGOGIQUES: Decimal(self.pedagogie),
            ColonneTri.FRAIS_ANNEXES: annexes,
            ColonneTri.TOTAL_REMBOURSE: sum(
                (Decimal(p) + Decimal(m) for p, m in self.payees), Decimal(0)
            ),
        }


MAJORATION = "500"
_LIBELLES = dict(
    zip(
        EtatDossier,
        [
            "Reçu",
            "En instruction",
            "En attente",
            "En cours",
            "Refusé",
            "Rompu",
            "Soldé",
            "Annulé",
            "Supprimé",
        ],
        strict=True,
    )
)
"""The glossary's labels, in the order of the enumeration."""


def _sans_accents(texte: str) -> str:
    return unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode().lower()


FICHES = (
    Fiche(
        "1000",
        SIRET_A,
        EtatDossier.EN_COURS,
        "075202409000123",
        "1000",
        ("0.10", "0.20"),
        payees=(("100", "0"),),
    ),
    Fiche("999", SIRET_A, EtatDossier.EN_COURS, "", "1000", ("0.30", "0"), payees=(("50", "50"),)),
    Fiche("0999", SIRET_B, EtatDossier.REFUSE, "974202101NC0042", "2500.50", ("300", "0")),
    Fiche("20", SIRET_B, EtatDossier.RECU, "", "999.99", ("0", "0")),
    Fiche(
        "3000",
        SIRET_C,
        EtatDossier.EN_COURS,
        "013202001000001",
        "1000",
        ("0.30", "0"),
        payees=(("0", "250.25"), ("70", "0")),
    ),
    Fiche("4", SIRET_C, EtatDossier.ANNULE, "075202409000123", "12000", ("1000", "800")),
    Fiche("55", SIRET_A, EtatDossier.EN_ATTENTE, "", "1000", ("0", "0.30")),
    Fiche("1234567", SIRET_B, EtatDossier.EN_INSTRUCTION, "", "500", ("0", "0")),
    Fiche("7", SIRET_A, EtatDossier.SOLDE, "031202301000007", "1000", ("0", "0")),
)
"""Ties on purpose: equal budgets (0.10 + 0.20 and 0.30 of annex costs), states, CFAs,
registration numbers and paid totals, and equal action numbers by value (999, 0999)."""


def _fichier(fiche: Fiche) -> Any:
    numero_deca, numero_sia = None, None
    if fiche.enregistrement:
        if fiche.numero == "0999":
            numero_sia = NumeroSia(fiche.enregistrement)
        else:
            numero_deca = NumeroDeca(fiche.enregistrement)
    return exemples.action(
        fiche.numero,
        etat=fiche.etat,
        siret_cfa=fiche.siret,
        formation=exemples.formation(
            numero_deca=numero_deca,
            numero_sia=numero_sia,
            periode=Periode(CONTRAT.debut, CONTRAT.fin),
        ),
        contrat=exemples.contrat(
            periode=CONTRAT, apprenti=exemples.apprenti(rqth=True), date_signature=CONTRAT.debut
        ),
        budget=exemples.budget(
            frais_pedagogiques=Montant(fiche.pedagogie),
            hebergement=Montant(fiche.annexes[0]),
            mobilite=Montant(fiche.annexes[1]),
            transport=Montant(0),
            frais_divers=Montant(0),
            majoration_handicap=Montant(MAJORATION),
        ),
    )


def _peupler(banc: Banc) -> None:
    with banc.uow() as uow:
        for siret, nom in NOMS_CFA.items():
            uow.organismes.ajouter(
                exemples.organisme(siret, fiche=exemples.fiche(raison_sociale=nom))
            )
        for fiche in FICHES:
            action = _fichier(fiche)
            uow.actions.ajouter(action)
            demandes: list[DemandeRemboursement] = []
            for pedagogie, majoration in fiche.payees:
                demande = soumettre(action, demandes, pedagogie, majoration=majoration)
                demande.prendre_en_traitement(auteur="agent", quand=instant(1))
                demande.valider(auteur="agent", quand=instant(2))
                demande.payer(auteur="agent", quand=instant(3))
                uow.demandes.ajouter(demande)
                demandes.append(demande)
            # A request submitted but not paid counts in no total reimbursed.
            if fiche.etat is EtatDossier.EN_COURS:
                uow.demandes.ajouter(soumettre(action, demandes, "10"))
        uow.commit()


def _attendu(colonne: ColonneTri, *, croissant: bool) -> list[str]:
    ordre = sorted(
        FICHES,
        key=lambda f: (f.valeurs[colonne], int(f.numero), f.numero),
        reverse=not croissant,
    )
    return [f.numero for f in ordre]


@pytest.mark.parametrize("croissant", [True, False], ids=["croissant", "decroissant"])
def test_chaque_colonne_triee_comme_en_python(banc: Banc, *, croissant: bool) -> None:
    """Every column, both ways, page after page: the order of an independent sort."""
    _peupler(banc)
    for colonne in ColonneTri:
        tri = Tri(colonne, croissant=croissant)
        lus: list[str] = []
        totaux: dict[str, Montant] = {}
        with banc.uow() as uow:
            for numero in (1, 2, 3, 4):
                page = uow.actions.rechercher(
                    CriteresRecherche(), TOUS, page=numero, taille=3, tri=tri
                )
                assert page.total == len(FICHES)
                lus += [r.action.numero_action for r in page.elements]
                totaux |= {r.action.numero_action: r.total_rembourse for r in page.elements}
        assert lus == _attendu(colonne, croissant=croissant), colonne
        attendus = {f.numero: f.valeurs[ColonneTri.TOTAL_REMBOURSE] for f in FICHES}
        assert {n: m.valeur for n, m in totaux.items()} == attendus


def test_tri_avec_filtre(banc: Banc) -> None:
    """A sort applies to the filtered result: the files of "9…", cheapest budget first."""
    _peupler(banc)
    with banc.uow() as uow:
        page = uow.actions.rechercher(
            CriteresRecherche(numero_action="9"),
            TOUS,
            page=1,
            taille=10,
            tri=Tri(ColonneTri.BUDGET_TOTAL, croissant=True),
        )
    assert [r.action.numero_action for r in page.elements] == ["999"]


def test_total_rembourse_compte_la_majoration_handicap(banc: Banc) -> None:
    """The list's total reimbursed adds every line of the paid requests, RQTH uplift included."""
    _peupler(banc)
    with banc.uow() as uow:
        page = uow.actions.rechercher(
            CriteresRecherche(numero_action="3000"), TOUS, page=1, taille=10
        )
    assert [r.total_rembourse for r in page.elements] == [Montant("320.25")]


def test_tri_refuse_une_colonne_inconnue() -> None:
    """A column code no table has is a French error on the ``tri`` field."""
    assert Tri("budget", croissant=True) == Tri(ColonneTri.BUDGET_TOTAL, croissant=True)
    with pytest.raises(DonneeInvalide) as refus:
        Tri("nom_de_l_apprenti")
    assert refus.value.champ == "tri"
    with pytest.raises(DonneeInvalide):
        Tri(ColonneTri.ETAT, croissant="oui")  # type: ignore[arg-type]
