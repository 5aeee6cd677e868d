"""The state-machine helper, and the five transition tables of the aggregates."""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import types
from typing import Any

import pytest

from cfa_domain.action import MACHINE_DOSSIER, EtatDossier
from cfa_domain.compte import MACHINE_COMPTE, StatutCompte
from cfa_domain.errors import Agregat, DonneeInvalide, TransitionInterdite
from cfa_domain.etats import Changement, MachineAEtats
from cfa_domain.organisme import (
    MACHINE_DELEGATION,
    MACHINE_ORGANISME,
    StatutDelegation,
    StatutOrganisme,
)
from cfa_domain.remboursement import MACHINE_DEMANDE, EtatDemande

QUAND = dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC)

# Written out by hand from the docstrings and domain.md, not read back from the tables.
ATTENDUES: dict[str, tuple[MachineAEtats[enum.Enum], set[tuple[str, str]]]] = {
    "dossier": (
        MACHINE_DOSSIER,  # type: ignore[dict-item]
        {
            ("RECU", "EN_INSTRUCTION"),
            ("RECU", "ANNULE"),
            ("RECU", "SUPPRIME"),
            ("RECU", "REFUSE"),
            ("EN_INSTRUCTION", "EN_ATTENTE"),
            ("EN_INSTRUCTION", "EN_COURS"),
            ("EN_INSTRUCTION", "REFUSE"),
            ("EN_INSTRUCTION", "ANNULE"),
            ("EN_INSTRUCTION", "SUPPRIME"),
            ("EN_ATTENTE", "EN_INSTRUCTION"),
            ("EN_ATTENTE", "ANNULE"),
            ("EN_ATTENTE", "SUPPRIME"),
            ("EN_ATTENTE", "REFUSE"),
            ("EN_COURS", "ROMPU"),
            ("EN_COURS", "SOLDE"),
            ("EN_COURS", "ANNULE"),
            ("ROMPU", "SOLDE"),
        },
    ),
    "demande": (
        MACHINE_DEMANDE,  # type: ignore[dict-item]
        {
            ("SOUMISE", "EN_TRAITEMENT"),
            ("SOUMISE", "REFUSEE"),
            ("SOUMISE", "ANNULEE"),
            ("EN_TRAITEMENT", "VALIDEE"),
            ("EN_TRAITEMENT", "REFUSEE"),
            ("VALIDEE", "PAYEE"),
        },
    ),
    "organisme": (
        MACHINE_ORGANISME,  # type: ignore[dict-item]
        {
            ("A_VALIDER", "ACTIF"),
            ("A_VALIDER", "INACTIF"),
            ("ACTIF", "INACTIF"),
            ("INACTIF", "A_VALIDER"),
            ("INACTIF", "ACTIF"),
        },
    ),
    "delegation": (
        MACHINE_DELEGATION,  # type: ignore[dict-item]
        {
            ("DEMANDEE", "ACTIVE"),
            ("DEMANDEE", "REFUSEE"),
            ("DEMANDEE", "REVOQUEE"),
            ("ACTIVE", "REVOQUEE"),
        },
    ),
    "compte": (
        MACHINE_COMPTE,  # type: ignore[dict-item]
        {
            ("EN_ATTENTE_APPROBATION", "EN_ATTENTE_ACTIVATION"),
            ("EN_ATTENTE_APPROBATION", "DESACTIVE"),
            ("EN_ATTENTE_ACTIVATION", "ACTIF"),
            ("EN_ATTENTE_ACTIVATION", "DESACTIVE"),
            ("ACTIF", "DESACTIVE"),
            ("DESACTIVE", "EN_ATTENTE_APPROBATION"),
            ("DESACTIVE", "EN_ATTENTE_ACTIVATION"),
            ("DESACTIVE", "ACTIF"),
        },
    ),
}

ENUMS: dict[str, type[enum.Enum]] = {
    "dossier": EtatDossier,
    "demande": EtatDemande,
    "organisme": StatutOrganisme,
    "delegation": StatutDelegation,
    "compte": StatutCompte,
}


def _agregat(machine: MachineAEtats[Any], etat: enum.Enum, *historique: Changement[Any]) -> Any:
    """A stand-in aggregate: its state, identifier and history where ``machine`` reads them."""
    return types.SimpleNamespace(
        **{machine.attribut: etat, machine.identifiant: "ID-1", "historique": list(historique)}
    )


AGREGATS = {
    "dossier": Agregat.DOSSIER,
    "demande": Agregat.DEMANDE,
    "organisme": Agregat.ORGANISME,
    "delegation": Agregat.DELEGATION,
    "compte": Agregat.COMPTE,
}

CAS = [
    pytest.param(nom, depart, arrivee, id=f"{nom}-{depart.name}-{arrivee.name}")
    for nom, etats in ENUMS.items()
    for depart, arrivee in itertools.product(etats, etats)
]


@pytest.mark.parametrize(("nom", "depart", "arrivee"), CAS)
def test_chaque_transition_de_chaque_table(nom: str, depart: enum.Enum, arrivee: enum.Enum) -> None:
    """Allowed pairs append one entry and return it; every other pair raises, untouched."""
    machine, autorisees = ATTENDUES[nom]
    creation = machine.creation(depart, auteur="création", quand=QUAND)
    agregat = _agregat(machine, depart, creation)
    if (depart.name, arrivee.name) in autorisees:
        changement = machine.passer(
            agregat, arrivee, auteur="agent@opco.fr", quand=QUAND, motif="pourquoi"
        )
        assert changement == Changement(
            quand=QUAND, auteur="agent@opco.fr", depart=depart, arrivee=arrivee, motif="pourquoi"
        )
        assert agregat.historique == [creation, changement]
        assert getattr(agregat, machine.attribut) is arrivee
        assert machine.permet(depart, arrivee)
    else:
        with pytest.raises(TransitionInterdite) as erreur:
            machine.passer(agregat, arrivee, auteur="agent@opco.fr", quand=QUAND)
        assert agregat.historique == [creation]
        assert getattr(agregat, machine.attribut) is depart
        assert not machine.permet(depart, arrivee)
        etats: tuple[object, object] = (erreur.value.depart, erreur.value.arrivee)
        assert etats == (depart, arrivee)
        assert (erreur.value.agregat, erreur.value.identifiant) == (AGREGATS[nom], "ID-1")


@pytest.mark.parametrize("nom", sorted(ENUMS))
def test_les_tables_couvrent_chaque_etat(nom: str) -> None:
    """Every state has an entry (terminal states an empty one)."""
    machine, _ = ATTENDUES[nom]
    assert set(machine.transitions) == set(ENUMS[nom])


def test_depuis_restreint_les_departs() -> None:
    """A method narrower than the table (approving an account) refuses other departures."""
    compte = _agregat(MACHINE_COMPTE, StatutCompte.DESACTIVE)
    with pytest.raises(TransitionInterdite):
        MACHINE_COMPTE.passer(
            compte,
            StatutCompte.EN_ATTENTE_ACTIVATION,
            auteur="agent",
            quand=QUAND,
            depuis={StatutCompte.EN_ATTENTE_APPROBATION},
        )
    assert (compte.statut, compte.historique) == (StatutCompte.DESACTIVE, [])
    compte.statut = StatutCompte.EN_ATTENTE_APPROBATION
    MACHINE_COMPTE.passer(
        compte,
        StatutCompte.EN_ATTENTE_ACTIVATION,
        auteur="agent",
        quand=QUAND,
        depuis={StatutCompte.EN_ATTENTE_APPROBATION},
    )
    assert [c.arrivee for c in compte.historique] == [StatutCompte.EN_ATTENTE_ACTIVATION]
    assert compte.statut is StatutCompte.EN_ATTENTE_ACTIVATION


def test_agregat_nomme_dans_le_message() -> None:
    """The error names the aggregate by its kind and identifier, and both states."""
    dossier = types.SimpleNamespace(numero_action="42", etat=EtatDossier.SOLDE)
    with pytest.raises(TransitionInterdite, match=r"Dossier 42 : .*« soldé » à l'état « reçu »"):
        MACHINE_DOSSIER.verifier(dossier, EtatDossier.RECU)


def test_creation_sans_depart() -> None:
    """The first entry of a history has no departure state."""
    assert MACHINE_DEMANDE.creation(EtatDemande.SOUMISE, auteur="cfa", quand=QUAND) == Changement(
        quand=QUAND, auteur="cfa", depart=None, arrivee=EtatDemande.SOUMISE, motif=""
    )


@pytest.mark.parametrize(
    ("champs", "champ"),
    [
        ({"quand": dt.date(2024, 3, 1)}, "quand"),
        ({"auteur": "  "}, "auteur"),
        ({"auteur": "x" * 256}, "auteur"),
        ({"arrivee": "soumise"}, "etat"),
        ({"depart": "soumise"}, "etat"),
        ({"motif": None}, "motif"),
    ],
)
def test_changement_invalide(champs: dict[str, object], champ: str) -> None:
    """A history entry validates itself (a wrong entry never reaches the database)."""
    valides: dict[str, object] = {
        "quand": QUAND,
        "auteur": "cfa",
        "depart": None,
        "arrivee": EtatDemande.SOUMISE,
    }
    with pytest.raises(DonneeInvalide) as erreur:
        Changement(**(valides | champs))  # type: ignore[arg-type,type-var]
    assert erreur.value.champ == champ


class _A(enum.Enum):
    UN = 1
    DEUX = 2


class _B(enum.Enum):
    TROIS = 3


def test_table_incomplete_ou_melangee_refusee() -> None:
    """A table missing a state, or mixing two enums, is a programming error."""
    with pytest.raises(ValueError, match="without an entry"):
        MachineAEtats(Agregat.DOSSIER, "etat", "id", {_A.UN: frozenset({_A.DEUX})})
    with pytest.raises(ValueError, match="one enum"):
        MachineAEtats(
            Agregat.DOSSIER, "etat", "id", {_A.UN: frozenset({_B.TROIS}), _A.DEUX: frozenset()}
        )  # type: ignore[misc]
