"""The error tree: one stable code per concrete class, no branch ever raised, typed fields.

These are the structural checks of issue 6 ("errors a user interface can map without
reading messages"); they run with the unit suite (``./nox -s tests``), on the source tree
itself, so a new bare ``raise RegleDeGestion("...")`` anywhere in ``src/`` fails CI.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import subprocess
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from cfa_domain import errors
from cfa_domain.action import EtatDossier
from cfa_domain.compte import StatutCompte, TypeJeton
from cfa_domain.errors import (
    BRANCHES,
    Agregat,
    BudgetDepasse,
    CompteNonActive,
    DonneeInvalide,
    ErreurDomaine,
    MotifRefusDocument,
    RegleMotDePasse,
    TransitionInterdite,
)
from cfa_domain.organisme import StatutOrganisme
from cfa_domain.values import Categorie, Montant, Piece

if TYPE_CHECKING:
    from collections.abc import Callable

SRC = Path(__file__).resolve().parents[2] / "src"


def _arbre(racine: type[ErreurDomaine]) -> list[type[ErreurDomaine]]:
    """Every class below ``racine`` (included), each once."""
    vues: list[type[ErreurDomaine]] = []
    a_voir = [racine]
    while a_voir:
        classe = a_voir.pop()
        if classe not in vues:
            vues.append(classe)
            a_voir.extend(classe.__subclasses__())
    return vues


ARBRE = _arbre(ErreurDomaine)
CONCRETES = [c for c in ARBRE if c not in BRANCHES]


def test_l_arbre_est_celui_du_module() -> None:
    """Every error class lives in cfa_domain.errors and appears in its docstring's tree."""
    assert len(CONCRETES) > 40
    assert set(ARBRE) >= BRANCHES
    docstring = errors.__doc__ or ""
    for classe in ARBRE:
        assert classe.__module__ == "cfa_domain.errors", classe
        assert f" {classe.__name__} " in docstring or f"── {classe.__name__}\n" in docstring, (
            f"{classe.__name__} is missing from the tree drawn in errors.py"
        )


def test_chaque_classe_concrete_a_son_propre_code() -> None:
    """Each concrete class declares its own code (not its parent's); no two codes are equal."""
    for classe in CONCRETES:
        assert "code" in vars(classe), f"{classe.__name__} inherits its parent's code"
    codes = [c.code for c in ARBRE]
    assert len(set(codes)) == len(codes), sorted(c for c in codes if codes.count(c) > 1)
    for code in codes:
        assert code.isascii()
        assert code == code.lower()
        assert code.replace("_", "").isalpha()


def test_les_branches_ne_se_construisent_qu_a_travers_une_sous_classe() -> None:
    """A branch has concrete subclasses: a front end maps the branch or the leaf, never text."""
    for branche in BRANCHES:
        assert any(issubclass(c, branche) for c in CONCRETES), branche


def _noms_des_branches(module: ast.Module) -> dict[str, str]:
    """Local name → branch name, for the branches a module imports from cfa_domain.errors."""
    branches = {b.__name__ for b in BRANCHES}
    noms: dict[str, str] = {}
    for noeud in ast.walk(module):
        if isinstance(noeud, ast.ImportFrom) and noeud.module == "cfa_domain.errors":
            for alias in noeud.names:
                if alias.name in branches:
                    noms[alias.asname or alias.name] = alias.name
    return noms


def _appels_de_branches(chemin: Path) -> list[str]:
    """``file:line: Branch`` for each construction or raise of a branch in a source file."""
    module = ast.parse(chemin.read_text(encoding="utf-8"), filename=str(chemin))
    noms = _noms_des_branches(module)
    branches = {b.__name__ for b in BRANCHES}
    fautes = []
    for noeud in ast.walk(module):
        if isinstance(noeud, ast.Call):
            cible, ligne = noeud.func, noeud.lineno
        elif isinstance(noeud, ast.Raise) and noeud.exc is not None:
            cible, ligne = noeud.exc, noeud.lineno
        else:
            continue
        if isinstance(cible, ast.Attribute) and cible.attr in branches:
            fautes.append(f"{chemin}:{ligne}: {cible.attr}")
        elif isinstance(cible, ast.Name) and cible.id in noms:
            fautes.append(f"{chemin}:{ligne}: {noms[cible.id]}")
    return fautes


def test_aucun_raise_de_src_ne_nomme_une_branche() -> None:
    """Every raise in src/ names a concrete class: no ``raise Conflit("...")`` with a message."""
    fichiers = sorted(SRC.rglob("*.py"))
    assert len(fichiers) > 30
    fautes = [faute for fichier in fichiers for faute in _appels_de_branches(fichier)]
    assert fautes == []


def test_le_controle_voit_un_raise_de_branche(tmp_path: Path) -> None:
    """The AST check above does find the forms it forbids (it could otherwise pass vacuously)."""
    source = tmp_path / "module.py"
    source.write_text(
        "from cfa_domain.errors import Conflit, RegleDeGestion as Regle\n"
        "from cfa_domain import errors\n"
        "def f():\n"
        "    raise Conflit('x')\n"
        "def g():\n"
        "    return Regle('y')\n"
        "def h():\n"
        "    raise errors.AccesRefuse\n",
        encoding="utf-8",
    )
    assert sorted(f.split(": ")[-1] for f in _appels_de_branches(source)) == [
        "AccesRefuse",
        "Conflit",
        "RegleDeGestion",
    ]


def test_errors_s_importe_seul() -> None:
    """errors.py sits below values and aggregates: importing it loads no other core module."""
    charges = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, cfa_domain.errors; print(sorted(m for m in sys.modules if 'cfa' in m))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert charges == "['cfa_domain', 'cfa_domain.errors']"


def test_les_messages_derivent_des_champs() -> None:
    """Typed fields in, French message out: enum members and amounts, not their labels."""
    budget = BudgetDepasse(Categorie.FRAIS_DIVERS, Montant("650.5"), Montant(600))
    assert (budget.categorie, budget.demande, budget.disponible) == (
        Categorie.FRAIS_DIVERS,
        Montant("650.50"),
        Montant(600),
    )
    assert (budget.champ, budget.code) == ("frais_divers", "budget_depasse")
    assert budget.message == (
        "Frais divers : le montant demandé (650,50 €) dépasse le budget encore disponible "
        "pour cette catégorie (600,00 €)."
    )
    transition = TransitionInterdite(
        Agregat.DOSSIER, "2011303654", EtatDossier.SOLDE, EtatDossier.EN_COURS
    )
    assert transition.depart is EtatDossier.SOLDE
    assert transition.message == (
        "Dossier 2011303654 : le passage de l'état « soldé » à l'état « en cours » n'est pas "
        "autorisé."
    )
    assert isinstance(budget, errors.RegleDeGestion)
    assert not isinstance(transition, errors.RegleDeGestion)


def test_compte_non_active_explique_chaque_statut() -> None:
    """Each status that cannot log in has its own explanation, chosen by the member."""
    statuts = [s for s in StatutCompte if s is not StatutCompte.ACTIF]
    erreurs = [CompteNonActive(s) for s in statuts]
    assert [e.statut for e in erreurs] == statuts
    assert len({e.message for e in erreurs}) == len(statuts) == 3
    assert CompteNonActive(StatutCompte.DESACTIVE).message == (
        "Votre compte est désactivé. Contactez le Centre de Relation Client."
    )


def test_chaque_classe_concrete_se_construit_avec_des_champs_types() -> None:
    """Every concrete class builds from typed values and keeps them as its fields.

    Its message is French text, and each constructor argument is an attribute of the same
    name: what a front end reads.
    """
    exemples: dict[str, object] = {
        "message": "Message.",
        "agregat": Agregat.DOSSIER,
        "identifiant": "2011303654",
        "depart": EtatDossier.EN_COURS,
        "arrivee": EtatDossier.RECU,
        "delegation_id": uuid.UUID(int=7),
        "siret": "42110064500967",
        "siret_delegant": "42110064500967",
        "siret_delegataire": "73282932000074",
        "siret_actuel": "42110064500967",
        "siret_nouveau": "73282932000074",
        "statut": StatutOrganisme.INACTIF,
        "email": "a@cfa.fr",
        "numero_action": "2011303654",
        "cle_idempotence": "cle-1",
        "document_id": "doc-1",
        "numero": 4,
        "recue": 2,
        "enregistree": 3,
        "version": 3,
        "enregistre": EtatDossier.EN_COURS,
        "recu": EtatDossier.ROMPU,
        "nombre_demandes": 2,
        "etat": EtatDossier.SOLDE,
        "debut": dt.date(2024, 1, 1),
        "fin": dt.date(2024, 1, 31),
        "contrat_debut": dt.date(2024, 2, 1),
        "contrat_fin": dt.date(2025, 1, 31),
        "categorie": Categorie.FRAIS_DIVERS,
        "demande": Montant(12),
        "disponible": Montant(10),
        "ouvert": Montant(10),
        "autorise": Montant(10),
        "plafond": Montant(500),
        "deja": Montant(490),
        "plafond_repas": Montant(3),
        "plafond_nuitee": Montant(6),
        "nombre_repas": 2,
        "nombre_nuitees": 1,
        "annee": 2,
        "prochaine_ouverture": dt.date(2024, 3, 1),
        "piece": Piece.FACTURE,
        "nom_fichier": "facture.pdf",
        "motif": MotifRefusDocument.TROP_DE_PAGES,
        "type_jeton": TypeJeton.ACTIVATION,
        "jusqu_a": dt.datetime(2024, 1, 1, 12, 30, tzinfo=dt.UTC),
        "regles": (RegleMotDePasse.LONGUEUR_MIN, RegleMotDePasse.MAJUSCULE),
        "longueur_min": 12,
        "longueur_max": 128,
        "valeur": "x",
        "champ": "champ",
        "panne": errors.Panne.CONNEXION,
    }
    for classe in CONCRETES:
        if classe is CompteNonActive:
            exemples["statut"] = StatutCompte.DESACTIVE
        parametres = [
            p for p in inspect.signature(classe).parameters.values() if p.default is p.empty
        ]
        fabrique: Callable[..., ErreurDomaine] = classe
        erreur = fabrique(
            *[exemples[p.name] for p in parametres if p.kind is p.POSITIONAL_OR_KEYWORD],
            **{p.name: exemples[p.name] for p in parametres if p.kind is p.KEYWORD_ONLY},
        )
        exemples["statut"] = StatutOrganisme.INACTIF
        assert erreur.message
        assert str(erreur) == erreur.message
        for p in parametres:
            if p.name != "message" and not issubclass(classe, DonneeInvalide):
                assert hasattr(erreur, p.name), f"{classe.__name__}.{p.name}"
