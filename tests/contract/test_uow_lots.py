"""Contract of the batch reads and writes the feed uses, on every backend.

``pour_mise_a_jour``, ``ajouter_plusieurs``, ``obtenir_plusieurs`` and ``en_attente`` answer
for many aggregates what ``obtenir_pour_mise_a_jour``, ``ajouter``, ``obtenir`` and
``contient`` answer for one; the SQL unit of work writes back only what changed.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import TYPE_CHECKING

import attrs
import pytest
import sqlalchemy as sa

from cfa_adapters.sql import tables
from cfa_adapters.sql.uow import _meme_empreinte
from cfa_domain.action import EtatDossier
from cfa_domain.errors import DossierExistant
from cfa_domain.ports import EnregistrementRejete, MotifRejet
from cfa_domain.testing import exemples
from cfa_domain.values import Montant

from .conftest import BASES_SQL
from .constructeurs import SIRET_A, SIRET_B, instant, organisme
from .constructeurs import action as dossier

if TYPE_CHECKING:
    from attrs import AttrsInstance

    from cfa_domain.action import Action

    from .conftest import Banc


def _lignes(action: Action) -> tuple[object, ...]:
    """What a file holds, to compare a file read back with the one written."""
    return (
        action.numero_action,
        action.version,
        action.formation,
        action.contrat,
        action.budget,
        action.etat,
        tuple(action.historique),
    )


def test_ajouter_plusieurs_puis_relire(banc: Banc) -> None:
    """Files added at once read back as written, history included, and as one object each."""
    ajoutes = [dossier("1001"), dossier("1002", etat=EtatDossier.RECU), dossier("1003")]
    with banc.uow() as uow:
        uow.actions.ajouter_plusieurs(ajoutes)
        uow.actions.ajouter_plusieurs([])
        assert uow.actions.obtenir("1002") is ajoutes[1]
        uow.commit()
    with banc.uow() as uow:
        trouves = uow.actions.pour_mise_a_jour(["1003", "1001", "9999", "1001"])
        assert sorted(trouves) == ["1001", "1003"]
        assert [_lignes(trouves[n]) for n in ("1001", "1003")] == [
            _lignes(ajoutes[0]),
            _lignes(ajoutes[2]),
        ]
        assert uow.actions.obtenir("1001") is trouves["1001"]
        assert uow.actions.pour_mise_a_jour([]) == {}


@pytest.mark.parametrize("doublon", ["stocke", "dans_la_liste"])
def test_ajouter_plusieurs_tout_ou_rien(banc: Banc, doublon: str) -> None:
    """A number already stored, or twice in the list: DossierExistant, none of them added."""
    with banc.uow() as uow:
        uow.actions.ajouter(dossier("1001"))
        uow.commit()
    repete = "1001" if doublon == "stocke" else "1003"
    with banc.uow() as uow:
        with pytest.raises(DossierExistant) as erreur:
            uow.actions.ajouter_plusieurs([dossier("1002"), dossier("1003"), dossier(repete)])
        assert erreur.value.numero_action == repete
        uow.commit()
    with banc.uow() as uow:
        assert sorted(uow.actions.pour_mise_a_jour(["1001", "1002", "1003"])) == ["1001"]


def test_obtenir_plusieurs_organismes(banc: Banc) -> None:
    """The known organismes among the SIRETs asked, the same objects ``obtenir`` returns."""
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme(SIRET_A))
        uow.commit()
    with banc.uow() as uow:
        deja = uow.organismes.obtenir(SIRET_A)
        trouves = uow.organismes.obtenir_plusieurs({SIRET_A, SIRET_B})
        assert list(trouves) == [SIRET_A]
        assert trouves[SIRET_A] is deja
        assert uow.organismes.obtenir_plusieurs(set()) == {}
    with banc.uow() as uow:
        trouves = uow.organismes.obtenir_plusieurs([SIRET_A])
        assert trouves[SIRET_A] is uow.organismes.obtenir(SIRET_A)
        assert trouves[SIRET_A].fiche == organisme(SIRET_A).fiche


def _rejet(cle: str, brut: str) -> EnregistrementRejete:
    return EnregistrementRejete(
        cle=cle, brut=brut, motif=MotifRejet.ILLISIBLE, detail="illisible", rejete_le=instant(1)
    )


def test_en_attente(banc: Banc) -> None:
    """The unsettled (key, content) pairs under the keys asked; settled ones are not."""
    with banc.uow() as uow:
        for cle, brut in (("a@1", "x"), ("a@1", "y"), ("b@1", "x"), ("c@1", "z")):
            uow.quarantaine.ajouter(_rejet(cle, brut))
        uow.quarantaine.regler("a@1", "y", instant(2), "cfa-feed")
        uow.commit()
    with banc.uow() as uow:
        attendu = frozenset({("a@1", "x"), ("b@1", "x")})
        assert uow.quarantaine.en_attente(["a@1", "b@1", "d@1", "a@1"]) == attendu
        assert uow.quarantaine.en_attente([]) == frozenset()
        for cle, brut in (("a@1", "x"), ("a@1", "y"), ("c@1", "z")):
            assert uow.quarantaine.contient(cle, brut) == ((cle, brut) in attendu or cle == "c@1")


@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)
def test_seuls_les_agregats_changes_sont_reecrits(banc: Banc) -> None:
    """Writing back UPDATEs the changed files only, in one statement for the same columns."""
    assert banc.moteur is not None
    numeros = [f"{1000 + rang}" for rang in range(6)]
    with banc.uow() as uow:
        uow.actions.ajouter_plusieurs([dossier(n) for n in numeros])
        uow.commit()
    instructions: list[str] = []

    def noter(_connexion: object, _curseur: object, instruction: str, *_autres: object) -> None:
        instructions.append(instruction)

    sa.event.listen(banc.moteur, "before_cursor_execute", noter)
    try:
        with banc.uow() as uow:
            actions = uow.actions.pour_mise_a_jour(numeros)
            for numero in numeros[:3]:
                action = actions[numero]
                action.budget = attrs.evolve(action.budget, frais_divers=Montant("12.00"))
            egal = actions[numeros[3]]  # another object of the same value: nothing to write
            egal.budget = attrs.evolve(egal.budget)
            instructions.clear()
            uow.commit()
    finally:
        sa.event.remove(banc.moteur, "before_cursor_execute", noter)
    mises_a_jour = [i for i in instructions if i.lstrip().upper().startswith("UPDATE")]
    assert len(mises_a_jour) == 1
    with banc.moteur.connect() as connexion:
        a = tables.actions
        divers = dict(connexion.execute(sa.select(a.c.numero_action, a.c.frais_divers)).all())
    assert {n for n, montant in divers.items() if montant == Montant("12.00").valeur} == set(
        numeros[:3]
    )


def test_historique_reecrit(banc: Banc) -> None:
    """A history entry changed in place is stored as changed (its rows written again)."""
    with banc.uow() as uow:
        uow.actions.ajouter(dossier("1001"))
        uow.commit()
    with banc.uow() as uow:
        action = uow.actions.pour_mise_a_jour(["1001"])["1001"]
        action.historique[0] = attrs.evolve(action.historique[0], motif="Motif corrigé")
        uow.commit()
    with banc.uow() as uow:
        relu = uow.actions.obtenir("1001")
        assert relu is not None
        assert relu.historique[0].motif == "Motif corrigé"
        assert len(relu.historique) == len(dossier("1001").historique)


def test_empreintes_comparees_par_identite() -> None:
    """Snapshots are the same when they hold the very same objects, lists item by item."""
    a, b = object(), object()
    assert _meme_empreinte((a, (a, b)), (a, (a, b)))
    assert not _meme_empreinte((a,), (a, b))  # an attribute set since
    assert not _meme_empreinte((a, (a, b)), (a, (a, a)))  # an item replaced in a list
    assert not _meme_empreinte((a, (a,)), (a, (a, b)))  # an item added
    assert not _meme_empreinte((a,), (b,))  # an attribute replaced


_IMMUABLES = (str, int, float, decimal.Decimal, dt.date, uuid.UUID, enum.Enum, type(None))


def _immuable(valeur: object) -> bool:
    """True for a value nothing can change in place (frozen attrs, tuples of such ...)."""
    if isinstance(valeur, _IMMUABLES):
        return True
    if isinstance(valeur, tuple | frozenset):
        return all(_immuable(v) for v in valeur)
    classe = type(valeur)
    if attrs.has(classe) and _gele(valeur, classe):
        return all(_immuable(getattr(valeur, a.name)) for a in attrs.fields(classe))
    return False


def _gele(valeur: object, classe: type[AttrsInstance]) -> bool:
    """True when the attrs instance refuses to have an attribute set (``attrs.frozen``)."""
    premier = attrs.fields(classe)[0].name
    try:
        setattr(valeur, premier, getattr(valeur, premier))  # the same value: harmless
    except attrs.exceptions.FrozenInstanceError:
        return True
    return False


@pytest.mark.parametrize(
    "agregat",
    [
        exemples.action(),
        exemples.organisme(),
        exemples.compte_actif(),
        exemples.delegation(),
        exemples.demande(),
    ],
    ids=lambda agregat: type(agregat).__name__,
)
def test_agregats_faits_de_valeurs_immuables(agregat: object) -> None:
    """What the snapshot of write-back relies on: attributes immutable, or lists of such.

    An aggregate then changes only by replacing an attribute or changing a list, which
    the unit of work's snapshot (compared by identity) sees.
    """
    for nom, valeur in vars(agregat).items():
        elements = valeur if isinstance(valeur, list) else [valeur]
        assert all(_immuable(e) for e in elements), nom
    assert not _immuable(agregat)  # the aggregate itself changes in place
    assert not _immuable([1])
    assert not _immuable({"a": 1})
