"""Contract of JournalQuarantaine (quarantined feed records and cursors), on every backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfa_domain.ports import EnregistrementRejete, MotifRejet

from .constructeurs import instant

if TYPE_CHECKING:
    from .conftest import Banc


def rejet(cle: str, minutes: int) -> EnregistrementRejete:
    """A quarantined record."""
    return EnregistrementRejete(
        cle=cle,
        brut='{"numero_action": "2011303654", "version": "x"}',
        motif=MotifRejet.ILLISIBLE,
        detail="version : un entier est attendu",
        rejete_le=instant(minutes),
    )


def test_rejets_dans_l_ordre(banc: Banc) -> None:
    """Quarantined records are listed oldest first, unchanged."""
    premier, second = rejet("2011303654@3", 1), rejet("2011303655@1", 2)
    with banc.uow() as uow:
        uow.quarantaine.ajouter(premier)
        uow.quarantaine.ajouter(second)
        uow.commit()
    with banc.uow() as uow:
        assert list(uow.quarantaine.lister()) == [premier, second]


def test_curseur_par_source(banc: Banc) -> None:
    """A source's cursor is None at first, then the last position recorded, per source."""
    with banc.uow() as uow:
        assert uow.quarantaine.curseur("webservice") is None
        uow.quarantaine.avancer("webservice", "12")
        uow.commit()
    with banc.uow() as uow:
        assert uow.quarantaine.curseur("webservice") == "12"
        uow.quarantaine.avancer("webservice", "15")
        uow.quarantaine.avancer("autre", "1")
        uow.commit()
    with banc.uow() as uow:
        assert uow.quarantaine.curseur("webservice") == "15"
        assert uow.quarantaine.curseur("autre") == "1"


def test_contient_la_meme_cle_et_le_meme_contenu(banc: Banc) -> None:
    """A record is known to the quarantine only with the same key and the same content."""
    with banc.uow() as uow:
        uow.quarantaine.ajouter(rejet("2011303654@3", 1))
        assert uow.quarantaine.contient("2011303654@3", rejet("x", 0).brut)
        uow.commit()
    with banc.uow() as uow:
        assert uow.quarantaine.contient("2011303654@3", rejet("x", 0).brut)
        assert not uow.quarantaine.contient("2011303654@4", rejet("x", 0).brut)
        assert not uow.quarantaine.contient("2011303654@3", "{}")


def test_regler_un_rejet_le_garde_au_journal(banc: Banc) -> None:
    """A settled record stays listed with its date; it no longer counts as awaiting."""
    attente, autre = rejet("2011303654@3", 1), rejet("2011303655@1", 2)
    with banc.uow() as uow:
        uow.quarantaine.ajouter(attente)
        uow.quarantaine.ajouter(autre)
        uow.commit()
    with banc.uow() as uow:
        uow.quarantaine.regler(attente.cle, attente.brut, instant(5), "cfa-feed")
        # No such row: nothing.
        uow.quarantaine.regler("inconnu@1", attente.brut, instant(5), "cfa-feed")
        uow.commit()
    with banc.uow() as uow:
        regle, inchange = uow.quarantaine.lister()
        assert regle.regle_le == instant(5)
        assert (regle.cle, regle.brut, regle.detail) == (attente.cle, attente.brut, attente.detail)
        assert inchange == autre
        assert not uow.quarantaine.contient(attente.cle, attente.brut)
        assert uow.quarantaine.contient(autre.cle, autre.brut)


def test_regler_sans_commit_ne_change_rien(banc: Banc) -> None:
    """Settling is written with the unit of work, like anything else."""
    with banc.uow() as uow:
        uow.quarantaine.ajouter(rejet("2011303654@3", 1))
        uow.commit()
    with banc.uow() as uow:
        uow.quarantaine.regler("2011303654@3", rejet("x", 0).brut, instant(5), "cfa-feed")
    with banc.uow() as uow:
        assert uow.quarantaine.contient("2011303654@3", rejet("x", 0).brut)
