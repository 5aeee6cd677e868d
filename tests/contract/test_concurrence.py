"""Submissions racing on one file never get past its budget or its opened installments.

Each worker calls the use case :func:`~cfa_domain.services.demandes.soumettre_demande`
with the file's real schedule (a contract of 2 September 2024 to 31 August 2026 signed
in 2024: 12 000 € of pedagogical costs, 2 400 / 1 800 / 1 800 € the first year, then,
the second year being one day short, 3 000 € on its first day and 3 000 € on its last),
from threads sharing one deployment
(every backend) or from separate processes (``spawn``; SQLite and PostgreSQL), each
building its own deployment on the same database URL:

- every installment open (31 August 2026): 20 requests of 1 200 € make exactly 10 accepted,
  12 000 €, the budget; the others get ``BudgetDepasse``;
- two installments open (April 2025, 4 200 €): 20 requests of 420 € make exactly 10
  accepted; the others get ``MontantNonOuvert`` although the budget is far from spent;
- one form sent 8 times at once (one idempotency key) makes one request, and every
  sender gets its receipt.

Afterwards the database holds exactly the accepted requests, each with its receipt mail
in the committed outbox and the metadata of its two documents; a refused worker kept
no document bytes and wrote no metadata. Every worker has its own document store (ids
apart), as every process of a server would write its own files.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from cfa_domain.errors import BudgetDepasse, ErreurDomaine, MontantNonOuvert
from cfa_domain.remboursement import MontantsDemandes, Recepisse
from cfa_domain.services import demandes
from cfa_domain.services.demandes import CommandeDemande
from cfa_domain.testing.fakes import HorlogeFixe
from cfa_domain.values import Montant, Periode, Piece

from .conftest import BACKENDS
from .constructeurs import BUDGET_PEDAGOGIQUE, compte_actif, organisme, pdf
from .constructeurs import action as dossier
from .deploiement import EntrepotDocumentsTrace, HorlogeQuiAvance, deploiement_sql

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from multiprocessing.pool import Pool
    from typing import TypeAlias

    from cfa_domain.services.contexte import Contexte

    from .conftest import Deploiement

    Lanceur: TypeAlias = Callable[[list[CommandeDemande]], list["Issue"]]

NUMERO = "2011303654"
PARTICIPANTS = 20
PROCESSUS = 4
PERIODE = Periode(dt.date(2024, 9, 2), dt.date(2025, 2, 28))
TOUT_OUVERT = dt.datetime(2026, 8, 31, 9, 0, tzinfo=dt.UTC)
"""Every installment of the contract is open (the last one opens on its last day)."""
DEUX_ECHEANCES = dt.datetime(2025, 4, 1, 9, 0, tzinfo=dt.UTC)
"""Two installments are open: 2 400 € (2 September 2024) and 1 800 € (2 March 2025)."""


@attrs.frozen
class Issue:
    """What one submission got, and the document ids its store handed out and still holds."""

    recepisse: Recepisse | None
    refus: str | None
    """The code of the domain error that refused the request."""
    message: str | None
    deposes: tuple[str, ...]
    restants: tuple[str, ...]


def _soumettre(
    ctx: Contexte,
    documents: EntrepotDocumentsTrace,
    compte_id: uuid.UUID,
    commande: CommandeDemande,
    depart: Callable[[], Any],
) -> Issue:
    """One worker: wait for the start, submit, tell what happened."""
    depart()
    try:
        recu = demandes.soumettre_demande(ctx, compte_id, commande)
    except ErreurDomaine as erreur:  # a code, not the error: it crosses processes (pickle)
        return Issue(
            None, erreur.code, erreur.message, tuple(documents.deposes), tuple(documents.contenus)
        )
    return Issue(recu, None, None, tuple(documents.deposes), tuple(documents.contenus))


@attrs.frozen
class Travail:
    """What a worker of another process needs: the database, the instant, its request."""

    url: str
    options: dict[str, Any]
    instant: dt.datetime
    rang: int
    compte_id: uuid.UUID
    commande: CommandeDemande


def soumettre_dans_un_processus(travail: Travail) -> Issue:
    """A worker of another process, on a deployment of its own (spawn: importable here)."""
    documents = EntrepotDocumentsTrace(compteur=1000 * travail.rang)
    horloge = HorlogeFixe(travail.instant)
    with deploiement_sql(travail.url, travail.options, horloge=horloge, documents=documents) as ctx:
        return _soumettre(ctx, documents, travail.compte_id, travail.commande, lambda: None)


def _en_threads(deploiement: Deploiement, instant: dt.datetime, compte_id: uuid.UUID) -> Lanceur:
    horloge = HorlogeQuiAvance(instant)

    def lancer(commandes: list[CommandeDemande]) -> list[Issue]:
        barriere = threading.Barrier(len(commandes))
        with ThreadPoolExecutor(max_workers=len(commandes)) as executeur:
            futurs = []
            for rang, commande in enumerate(commandes, start=1):
                documents = EntrepotDocumentsTrace(compteur=1000 * rang)
                ctx = attrs.evolve(deploiement.contexte, horloge=horloge, documents=documents)
                futurs.append(
                    executeur.submit(_soumettre, ctx, documents, compte_id, commande, barriere.wait)
                )
            return [f.result() for f in futurs]

    return lancer


@pytest.fixture(scope="module")
def processus() -> Iterator[Pool]:
    """Worker processes started once for the module (spawning one costs ~1 s of CPU)."""
    with multiprocessing.get_context("spawn").Pool(PROCESSUS) as pool:
        yield pool


def _lanceur(
    deploiement: Deploiement,
    mode: str,
    instant: dt.datetime,
    request: pytest.FixtureRequest,
) -> tuple[Lanceur, uuid.UUID]:
    """Prepare the file and its CFA's account; return how to run the workers."""
    banc, url = deploiement.banc, deploiement.banc.url
    assert mode == "threads" or url is not None
    compte = compte_actif()
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(compte)
        uow.actions.ajouter(dossier(NUMERO))
        uow.commit()
    if mode == "threads" or url is None:
        return _en_threads(deploiement, instant, compte.id), compte.id
    pool: Pool = request.getfixturevalue("processus")
    options = banc.options

    def lancer(commandes: list[CommandeDemande]) -> list[Issue]:
        return pool.map(
            soumettre_dans_un_processus,
            [
                Travail(url, options, instant, rang, compte.id, commande)
                for rang, commande in enumerate(commandes, start=1)
            ],
        )

    return lancer, compte.id


def _commande(montant: Montant, cle: str, texte: str) -> CommandeDemande:
    return CommandeDemande(
        numero_action=NUMERO,
        periode=PERIODE,
        montants=MontantsDemandes(frais_pedagogiques=montant),
        fichiers=(
            (Piece.FACTURE, "facture.pdf", pdf(f"facture {texte}")),
            (Piece.CERTIFICAT_REALISATION, "certificat.pdf", pdf(f"certificat {texte}")),
        ),
        conditions_acceptees=True,
        cle_idempotence=cle,
    )


def _acceptees(issues: Sequence[Issue]) -> list[Recepisse]:
    return [i.recepisse for i in issues if i.recepisse is not None]


def _verifier_base(deploiement: Deploiement, issues: Sequence[Issue], compte_id: uuid.UUID) -> None:
    """The database holds the accepted requests, their mails and documents, nothing else."""
    acceptees = {r.demande_id for r in _acceptees(issues)}
    mails = [m for m in deploiement.messages() if m.modele == "recepisse_demande"]
    assert sorted(m.contexte["demande_id"] for m in mails) == sorted(map(str, acceptees))
    with deploiement.banc.uow() as uow:
        enregistrees = uow.demandes.pour_action(NUMERO)
        assert {d.id for d in enregistrees} == acceptees
        gardes: set[str] = set()
        for demande in enregistrees:
            pieces = {p.document_id for p in demande.pieces}
            (auteur,) = [i for i in issues if set(i.deposes) == pieces]
            assert set(auteur.restants) == pieces
            for document_id in pieces:
                meta = uow.documents.obtenir(document_id)
                assert meta is not None
                assert (meta.numero_action, meta.depose_par) == (NUMERO, compte_id)
            gardes |= pieces
        for issue in issues:
            assert len(issue.deposes) == 2
            if not gardes.issuperset(issue.deposes):
                assert issue.restants == ()
                assert all(uow.documents.obtenir(d) is None for d in issue.deposes)


def _verifier_recepisses(
    deploiement: Deploiement, mode: str, recus: Sequence[Recepisse], compte_id: uuid.UUID
) -> None:
    """With threads (one clock), receipts are numbered in order and read back identical."""
    if mode != "threads":
        return
    attendues = [f"{NUMERO}-{rang:02d}" for rang in range(1, len(recus) + 1)]
    assert sorted(r.reference_opco for r in recus) == attendues
    ctx = deploiement.contexte
    assert [demandes.recepisse(ctx, compte_id, r.demande_id) for r in recus] == list(recus)


# Worker processes share a database, not the in-memory store: no such case for memoire.
MODES = [
    (banc, mode)
    for banc in BACKENDS
    for mode in ("threads", "processus")
    if (banc, mode) != ("memoire", "processus")
]


@pytest.mark.parametrize(("banc", "mode"), MODES, indirect=["banc"])
def test_le_budget_borne_les_demandes_simultanees(
    deploiement: Deploiement, mode: str, request: pytest.FixtureRequest
) -> None:
    """Every installment open: 20 racing requests of a tenth of the budget, exactly 10 pass."""
    lancer, compte_id = _lanceur(deploiement, mode, TOUT_OUVERT, request)
    part = Montant(BUDGET_PEDAGOGIQUE.valeur / 10)
    issues = lancer([_commande(part, f"f-{n}", f"n°{n}") for n in range(PARTICIPANTS)])
    recus = _acceptees(issues)
    assert len(recus) == 10, [(i.refus, i.message) for i in issues]
    assert Montant.somme(r.montant_demande for r in recus) == BUDGET_PEDAGOGIQUE
    refus = [i.refus for i in issues if i.recepisse is None]
    assert refus == [BudgetDepasse.code] * (PARTICIPANTS - 10)
    _verifier_base(deploiement, issues, compte_id)
    _verifier_recepisses(deploiement, mode, recus, compte_id)


@pytest.mark.parametrize(("banc", "mode"), MODES, indirect=["banc"])
def test_les_echeances_ouvertes_bornent_les_demandes_simultanees(
    deploiement: Deploiement, mode: str, request: pytest.FixtureRequest
) -> None:
    """4 200 € open of 12 000 €: 20 racing requests of 420 €, exactly 10 pass."""
    lancer, compte_id = _lanceur(deploiement, mode, DEUX_ECHEANCES, request)
    issues = lancer([_commande(Montant(420), f"f-{n}", f"n°{n}") for n in range(PARTICIPANTS)])
    recus = _acceptees(issues)
    assert len(recus) == 10
    assert Montant.somme(r.montant_demande for r in recus) == Montant(4200)
    refus = [i.refus for i in issues if i.recepisse is None]
    assert refus == [MontantNonOuvert.code] * (PARTICIPANTS - 10)
    _verifier_base(deploiement, issues, compte_id)
    _verifier_recepisses(deploiement, mode, recus, compte_id)


@pytest.mark.parametrize(("banc", "mode"), MODES, indirect=["banc"])
def test_double_soumission_d_un_formulaire(
    deploiement: Deploiement, mode: str, request: pytest.FixtureRequest
) -> None:
    """One form sent 8 times at once makes one request; every sender gets its receipt."""
    lancer, compte_id = _lanceur(deploiement, mode, TOUT_OUVERT, request)
    issues = lancer([_commande(Montant(1500), "formulaire-42", "unique")] * 8)
    recus = _acceptees(issues)
    assert len(recus) == 8
    assert len(set(recus)) == 1
    assert recus[0].montant_demande == Montant(1500)
    assert sum(1 for i in issues if i.restants) == 1
    _verifier_base(deploiement, issues, compte_id)
    _verifier_recepisses(deploiement, mode, recus[:1], compte_id)
