"""The bytes of a submission on the real file store, on every backend.

They are kept when a committed row references them, deleted otherwise, and swept when a
crash left them.

Three defects of the first cleanup are pinned here (issue 8):

- a commit whose answer is lost deleted the invoices of a request that exists;
- a store failing to delete replaced the user's error and left the other files;
- files a crash left behind were never reclaimed.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import signal
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from cfa_adapters.files import EntrepotDocumentsFichiers, balayer
from cfa_adapters.files.__main__ import main as cli_documents
from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.uow import fabrique_uow
from cfa_domain.errors import BudgetDepasse, Introuvable
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.services.demandes import CommandeDemande, document, soumettre_demande
from cfa_domain.testing.fakes import HorlogeFixe
from cfa_domain.values import Montant, Periode, Piece

from .conftest import BASES_SQL
from .constructeurs import BUDGET_PEDAGOGIQUE, compte_actif, organisme, pdf
from .constructeurs import action as dossier
from .deploiement import contexte
from .test_uow import PanneInjectee, UowEnPanne

if TYPE_CHECKING:
    from cfa_domain.ports import FabriqueUnitOfWork, UnitOfWork
    from cfa_domain.services.contexte import Contexte

    from .conftest import Banc

NUMERO = "2011303654"
PERIODE = Periode(dt.date(2024, 9, 2), dt.date(2025, 2, 28))
TOUT_OUVERT = dt.datetime(2026, 8, 31, 9, 0, tzinfo=dt.UTC)
FACTURE, CERTIFICAT = pdf("facture de septembre"), pdf("certificat de septembre")
GRACE = dt.timedelta(hours=24)


def commande(montant: Montant | None = None, cle: str = "formulaire-1") -> CommandeDemande:
    """A valid request (1 500 € by default) with its invoice and its certificate."""
    return CommandeDemande(
        numero_action=NUMERO,
        periode=PERIODE,
        montants=MontantsDemandes(frais_pedagogiques=montant or Montant(1500)),
        fichiers=(
            (Piece.FACTURE, "facture.pdf", FACTURE),
            (Piece.CERTIFICAT_REALISATION, "certificat.pdf", CERTIFICAT),
        ),
        conditions_acceptees=True,
        cle_idempotence=cle,
    )


def monde(banc: Banc) -> uuid.UUID:
    """The organisme, its accountant's account and the file; returns the account's id."""
    compte = compte_actif()
    with banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(compte)
        uow.actions.ajouter(dossier(NUMERO))
        uow.commit()
    return compte.id


def contexte_fichiers(uow: FabriqueUnitOfWork, entrepot: EntrepotDocumentsFichiers) -> Contexte:
    """A deployment on ``uow`` whose documents go to the file store ``entrepot``."""
    return attrs.evolve(contexte(uow, horloge=HorlogeFixe(TOUT_OUVERT)), documents=entrepot)


def _stockes(entrepot: EntrepotDocumentsFichiers) -> set[str]:
    return set(entrepot.deposes_avant(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)))


def test_accuse_de_commit_perdu_garde_les_factures(banc: Banc, tmp_path: Path) -> None:
    """The commit's answer is lost: the request exists, so its invoice stays.

    The retry with the same form key gets the receipt and reads its documents back.
    """
    compte_id = monde(banc)
    entrepot = EntrepotDocumentsFichiers(tmp_path / "documents")
    ouvertes: list[UnitOfWork] = []

    def accuse_perdu_la_premiere_fois(*, lecture_seule: bool = False) -> UnitOfWork:
        if lecture_seule:
            return banc.uow(lecture_seule=True)
        uow = banc.uow() if ouvertes else UowEnPanne(banc.uow(), "accuse", NUMERO)
        ouvertes.append(uow)
        return uow

    ctx = contexte_fichiers(accuse_perdu_la_premiere_fois, entrepot)
    with pytest.raises(PanneInjectee):
        soumettre_demande(ctx, compte_id, commande())
    with banc.uow() as uow:
        demande = uow.demandes.par_cle_idempotence(compte_id, "formulaire-1")
    assert demande is not None
    ids = {p.piece: p.document_id for p in demande.pieces}
    assert _stockes(entrepot) == set(ids.values())
    recepisse = soumettre_demande(ctx, compte_id, commande())  # the user's retry
    assert recepisse.demande_id == demande.id
    assert _stockes(entrepot) == set(ids.values())  # the retry's own bytes are gone
    for piece, attendu in ((Piece.FACTURE, FACTURE), (Piece.CERTIFICAT_REALISATION, CERTIFICAT)):
        meta, octets = document(ctx, compte_id, ids[piece])
        assert octets == attendu
        assert meta.taille == len(attendu)


def test_soumission_refusee_efface_ses_octets(banc: Banc, tmp_path: Path) -> None:
    """A request the rules refuse leaves no byte on disk; an accepted one keeps its two."""
    compte_id = monde(banc)
    entrepot = EntrepotDocumentsFichiers(tmp_path / "documents")
    ctx = contexte_fichiers(banc.uow, entrepot)
    trop = BUDGET_PEDAGOGIQUE + Montant(1)
    with pytest.raises(BudgetDepasse):
        soumettre_demande(ctx, compte_id, commande(trop, "formulaire-refuse"))
    assert _stockes(entrepot) == set()
    assert [p for p in entrepot.racine.rglob("*") if p.is_file()] == []
    recepisse = soumettre_demande(ctx, compte_id, commande())
    with banc.uow() as uow:
        demande = uow.demandes.obtenir(recepisse.demande_id)
    assert demande is not None
    assert _stockes(entrepot) == {p.document_id for p in demande.pieces}


class EntrepotQuiResiste(EntrepotDocumentsFichiers):
    """A file store whose first deletion fails (a permission, a busy network share)."""

    def __init__(self, racine: Path) -> None:
        """A store under ``racine`` that has not failed yet."""
        super().__init__(racine)
        self.echecs: list[str] = []

    def supprimer(self, document_id: str) -> None:
        """Fail the first time, delete for real afterwards."""
        if not self.echecs:
            self.echecs.append(document_id)
            raise PermissionError(13, "Permission denied", document_id)
        super().supprimer(document_id)


def test_un_entrepot_qui_echoue_ne_cache_pas_l_erreur(
    banc: Banc, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The user gets BudgetDepasse, not the store's OSError; the other file is deleted.

    The failure is logged, and the sweep reclaims the file once the grace is over.
    """
    compte_id = monde(banc)
    entrepot = EntrepotQuiResiste(tmp_path / "documents")
    ctx = contexte_fichiers(banc.uow, entrepot)
    with (
        caplog.at_level(logging.WARNING, logger="cfa_domain.services.documents"),
        pytest.raises(BudgetDepasse),
    ):
        soumettre_demande(ctx, compte_id, commande(BUDGET_PEDAGOGIQUE + Montant(1)))
    (reste,) = entrepot.echecs
    assert _stockes(entrepot) == {reste}
    (enregistrement,) = caplog.records
    assert reste in enregistrement.getMessage()
    assert isinstance(enregistrement.exc_info and enregistrement.exc_info[1], PermissionError)
    maintenant = dt.datetime.now(dt.UTC)
    assert balayer(banc.uow, entrepot, maintenant=maintenant, delai_grace=GRACE).documents == ()
    resultat = balayer(banc.uow, entrepot, maintenant=maintenant + GRACE * 2, delai_grace=GRACE)
    assert resultat.documents == (reste,)
    assert _stockes(entrepot) == set()


@attrs.frozen
class Crash:
    """What the process that dies inside its unit of work needs."""

    url: str
    options: dict[str, Any]
    racine: Path
    compte_id: uuid.UUID


class UowQuiMeurt(UowEnPanne):
    """A unit of work whose process is killed (SIGKILL) when it is about to commit."""

    def commit(self) -> None:
        """Die as a process killed by the OOM killer or a deployment would."""
        os.kill(os.getpid(), signal.SIGKILL)


def soumettre_puis_mourir(crash: Crash) -> None:
    """In a process of its own: store the bytes, then die before the commit."""
    moteur = creer_moteur(crash.url, **crash.options)
    uow = fabrique_uow(moteur)

    def mourante(*, lecture_seule: bool = False) -> UnitOfWork:
        if lecture_seule:
            return uow(lecture_seule=True)
        return UowQuiMeurt(uow(), "mort", NUMERO)

    ctx = contexte_fichiers(mourante, EntrepotDocumentsFichiers(crash.racine))
    soumettre_demande(ctx, crash.compte_id, commande())


# The in-memory storage does not outlive the killed process.
@pytest.mark.parametrize("banc", BASES_SQL, indirect=True)
def test_le_balayage_recupere_les_fichiers_d_un_crash(banc: Banc, tmp_path: Path) -> None:
    """A process killed inside its unit of work leaves its two files behind.

    The sweep keeps them during the grace period, then removes them, and never removes
    what a committed row holds.
    """
    assert banc.url is not None
    compte_id = monde(banc)
    racine = tmp_path / "documents"
    processus = multiprocessing.get_context("spawn").Process(
        target=soumettre_puis_mourir, args=(Crash(banc.url, banc.options, racine, compte_id),)
    )
    processus.start()
    processus.join(60)
    assert processus.exitcode == -signal.SIGKILL
    entrepot = EntrepotDocumentsFichiers(racine)
    orphelins = _stockes(entrepot)
    assert len(orphelins) == 2
    with banc.uow() as uow:
        assert uow.documents.connus(orphelins) == frozenset()
    recepisse = soumettre_demande(contexte_fichiers(banc.uow, entrepot), compte_id, commande())
    with banc.uow() as uow:
        demande = uow.demandes.obtenir(recepisse.demande_id)
    assert demande is not None
    gardes = {p.document_id for p in demande.pieces}
    maintenant = dt.datetime.now(dt.UTC)
    assert balayer(banc.uow, entrepot, maintenant=maintenant, delai_grace=GRACE).documents == ()
    plus_tard = maintenant + 2 * GRACE
    resultat = balayer(banc.uow, entrepot, maintenant=plus_tard, delai_grace=GRACE)
    assert set(resultat.documents) == orphelins
    assert _stockes(entrepot) == gardes
    for document_id in orphelins:
        with pytest.raises(Introuvable):
            entrepot.lire(document_id)


@pytest.mark.parametrize("banc", ["sqlite"], indirect=True)  # one URL is enough for the command
def test_commande_sweep(banc: Banc, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``cfa-documents sweep`` on the SQLite file: orphans older than the grace go."""
    assert banc.url is not None
    monde(banc)
    entrepot = EntrepotDocumentsFichiers(tmp_path / "documents")
    orphelin = entrepot.deposer(FACTURE)
    arguments = ["--url", banc.url, "--racine", str(entrepot.racine), "sweep"]
    assert cli_documents(arguments) == 0
    assert "0 document(s) orphelin(s) supprimé(s)" in capsys.readouterr().out
    assert cli_documents([*arguments, "--delai-heures", "0"]) == 0
    assert "1 document(s) orphelin(s) supprimé(s)" in capsys.readouterr().out
    with pytest.raises(Introuvable):
        entrepot.lire(orphelin)
    assert cli_documents([*arguments, "--delai-heures", "-1"]) == 2
