"""What is specific to the in-memory fakes: transactions, locking, and the small services.

How each repository queries is pinned by the contract suite (``tests/contract``), run
against these fakes and every real adapter alike; these tests pin the rest.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import threading
import uuid

import attrs
import pytest

from cfa_domain.compte import Role, StatutCompte
from cfa_domain.errors import Introuvable
from cfa_domain.organisme import StatutDelegation
from cfa_domain.ports import DossierFlux, EnregistrementIllisible, MessageSortant
from cfa_domain.remboursement import (
    DemandeRemboursement,
    MontantsDemandes,
    PieceJointe,
    QuantitesFraisAnnexes,
    Recepisse,
)
from cfa_domain.services.contexte import Parametres
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import (
    HacheurMemoire,
    HorlogeFixe,
    JetonsDeterministes,
    MemoireEntrepotDocuments,
    MemoireRenduRecepisse,
    MemoireSourceFlux,
    MemoireUnitOfWork,
    Stockage,
    memoire,
)
from cfa_domain.values import Email, Montant, Periode, Piece

_ATTENTE = 5.0  # seconds: generous, only ever reached when a test fails


def _organisme_enregistre(stockage: Stockage) -> bool:
    """True when the example organisme is in the committed state."""
    with stockage.uow() as uow:
        return uow.organismes.obtenir(exemples.SIRET_CFA) is not None


def _verrou_libre(stockage: Stockage) -> bool:
    """True when another thread can take the store's lock (nobody holds it)."""
    resultat: list[bool] = []

    def essayer() -> None:
        pris = stockage.verrou.acquire(timeout=_ATTENTE)
        resultat.append(pris)
        if pris:
            stockage.verrou.release()

    fil = threading.Thread(target=essayer)
    fil.start()
    fil.join()
    return resultat == [True]


# --- The unit of work ---------------------------------------------------------------------


def test_commit_publishes_the_changes() -> None:
    """What a unit of work commits is seen by the next one."""
    stockage = Stockage()
    with stockage.uow() as uow:
        uow.organismes.ajouter(exemples.organisme())
        uow.commit()
    assert _organisme_enregistre(stockage)


def test_leaving_without_commit_discards_the_changes() -> None:
    """Leaving the block without commit() throws the work away and frees the store."""
    stockage = Stockage()
    with stockage.uow() as uow:
        uow.organismes.ajouter(exemples.organisme())
        assert uow.organismes.obtenir(exemples.SIRET_CFA) is not None
    assert not _organisme_enregistre(stockage)
    assert _verrou_libre(stockage)


def test_leaving_through_an_exception_discards_the_changes() -> None:
    """An exception rolls back, propagates unchanged, and frees the store."""
    stockage = Stockage()
    erreur = ValueError("panne")

    def ajouter_puis_echouer() -> None:
        with stockage.uow() as uow:
            uow.organismes.ajouter(exemples.organisme())
            raise erreur

    with pytest.raises(ValueError, match="panne") as leve:
        ajouter_puis_echouer()
    assert leve.value is erreur
    assert not _organisme_enregistre(stockage)
    assert _verrou_libre(stockage)


def test_changes_in_place_are_kept_only_when_committed() -> None:
    """A loaded aggregate is tracked: changed in place, it is saved by commit() alone."""
    stockage = Stockage()
    with stockage.uow() as uow:
        uow.organismes.ajouter(exemples.organisme())
        uow.commit()
    with stockage.uow() as uow:
        organisme = uow.organismes.obtenir(exemples.SIRET_CFA)
        assert organisme is not None
        organisme.desactiver("agent", exemples.INSTANT, "Fermeture")
    with stockage.uow() as uow:
        organisme = uow.organismes.obtenir(exemples.SIRET_CFA)
        assert organisme is not None
        assert organisme.statut.value == "actif"
        organisme.desactiver("agent", exemples.INSTANT, "Fermeture")
        uow.commit()
    with stockage.uow() as uow:
        organisme = uow.organismes.obtenir(exemples.SIRET_CFA)
        assert organisme is not None
        assert organisme.statut.value == "inactif"


def test_work_after_a_commit_needs_another_commit() -> None:
    """commit() publishes what was done so far; later changes are discarded without another."""
    stockage = Stockage()
    with stockage.uow() as uow:
        uow.organismes.ajouter(exemples.organisme())
        uow.commit()
        uow.organismes.ajouter(exemples.organisme(exemples.SIRET_CFA_2))
        assert uow.organismes.obtenir(exemples.SIRET_CFA_2) is not None
    with stockage.uow() as uow:
        assert uow.organismes.obtenir(exemples.SIRET_CFA) is not None
        assert uow.organismes.obtenir(exemples.SIRET_CFA_2) is None


def test_rollback_goes_back_to_the_committed_state() -> None:
    """rollback() discards the uncommitted work; the unit of work goes on and may commit."""
    stockage = Stockage()
    with stockage.uow() as uow:
        uow.organismes.ajouter(exemples.organisme())
        uow.rollback()
        assert uow.organismes.obtenir(exemples.SIRET_CFA) is None
        uow.organismes.ajouter(exemples.organisme(exemples.SIRET_CFA_2))
        uow.commit()
    with stockage.uow() as uow:
        assert uow.organismes.obtenir(exemples.SIRET_CFA) is None
        assert uow.organismes.obtenir(exemples.SIRET_CFA_2) is not None


def test_repositories_outside_with_raise() -> None:
    """A repository, commit() or rollback() used outside ``with`` is a programming error."""
    uow = Stockage().uow()
    message = re.escape("à l'intérieur d'un bloc « with uow: »")
    with pytest.raises(RuntimeError, match=message):
        uow.organismes.obtenir(exemples.SIRET_CFA)
    with pytest.raises(RuntimeError, match=message):
        uow.commit()
    with pytest.raises(RuntimeError, match=message):
        uow.rollback()
    with uow:
        uow.actions.ajouter(exemples.action())
    with pytest.raises(RuntimeError, match=message):
        uow.actions.obtenir("2011303654")


def test_committed_messages_only_reach_the_relay() -> None:
    """Stockage.messages lists the committed outbox, oldest first, and nothing else."""
    stockage = Stockage()
    messages = [
        MessageSortant(uuid.UUID(int=n), Email("a@b.fr"), "modele", {}, exemples.INSTANT)
        for n in range(3)
    ]
    with stockage.uow() as uow:
        uow.outbox.ajouter(messages[0])
        uow.outbox.ajouter(messages[1])
        uow.commit()
    with stockage.uow() as uow:
        uow.outbox.ajouter(messages[2])
    assert stockage.messages == (messages[0], messages[1])


def test_a_second_thread_waits_for_the_first_unit_of_work() -> None:
    """A unit of work from another thread waits for the first to end, then sees its commit."""
    stockage = Stockage()
    premier_entre, premier_peut_finir, second_entre = (threading.Event() for _ in range(3))
    vu_par_le_second: list[bool] = []

    def premier() -> None:
        with stockage.uow() as uow:
            uow.organismes.ajouter(exemples.organisme())
            premier_entre.set()
            premier_peut_finir.wait(_ATTENTE)
            uow.commit()

    def second() -> None:
        premier_entre.wait(_ATTENTE)
        with stockage.uow() as uow:
            second_entre.set()
            vu_par_le_second.append(uow.organismes.obtenir(exemples.SIRET_CFA) is not None)

    fils = [threading.Thread(target=premier), threading.Thread(target=second)]
    for fil in fils:
        fil.start()
    assert premier_entre.wait(_ATTENTE)
    assert not second_entre.wait(0.2)
    premier_peut_finir.set()
    for fil in fils:
        fil.join(_ATTENTE)
    assert vu_par_le_second == [True]


def test_concurrent_read_modify_write_loses_no_update() -> None:
    """Two threads incrementing one value through units of work lose no increment."""
    stockage = Stockage()
    increments = 100

    def incrementer() -> None:
        for _ in range(increments):
            with stockage.uow() as uow:
                valeur = int(uow.quarantaine.curseur("compteur") or "0")
                uow.quarantaine.avancer("compteur", str(valeur + 1))
                uow.commit()

    fils = [threading.Thread(target=incrementer) for _ in range(2)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(_ATTENTE * 4)
    with stockage.uow() as uow:
        assert uow.quarantaine.curseur("compteur") == str(2 * increments)


def test_stockage_builds_units_of_work_on_itself() -> None:
    """Stockage.uow is a unit-of-work factory bound to that store."""
    stockage, autre = Stockage(), Stockage()
    uow = stockage.uow()
    assert isinstance(uow, MemoireUnitOfWork)
    with uow:
        uow.organismes.ajouter(exemples.organisme())
        uow.commit()
    assert _organisme_enregistre(stockage)
    assert not _organisme_enregistre(autre)


# --- Clock, tokens, hashing ---------------------------------------------------------------


def test_horloge_fixe_stands_still_until_moved() -> None:
    """The fake clock starts at the examples' instant, in UTC, and moves only when told."""
    horloge = HorlogeFixe()
    assert horloge.maintenant() == exemples.INSTANT
    assert horloge.maintenant().tzinfo is dt.UTC
    assert horloge.maintenant() == horloge.maintenant()
    horloge.avancer(dt.timedelta(hours=25))
    assert horloge.maintenant() == exemples.INSTANT + dt.timedelta(hours=25)


def test_jetons_are_url_safe_and_distinct() -> None:
    """Tokens are 43 URL-safe characters (256 bits) and ids version-4 UUIDs, all distinct."""
    jetons = JetonsDeterministes()
    tires = [jetons.jeton() for _ in range(50)]
    assert len(set(tires)) == 50
    alphabet = set(string.ascii_letters + string.digits + "-_")
    assert all(len(j) == 43 and set(j) <= alphabet for j in tires)
    identifiants = [jetons.identifiant() for _ in range(50)]
    assert len(set(identifiants)) == 50
    assert {i.version for i in identifiants} == {4}


def test_jetons_are_reproducible_per_seed() -> None:
    """The same seed gives the same sequence; another seed another one."""
    un, deux, autre = JetonsDeterministes(7), JetonsDeterministes(7), JetonsDeterministes(8)
    assert [un.jeton(), un.identifiant()] == [deux.jeton(), deux.identifiant()]
    assert JetonsDeterministes(7).jeton() != autre.jeton()


def test_hacheur_verifies_its_hashes() -> None:
    """A hash verifies its password only, and does not show it."""
    hacheur = HacheurMemoire()
    hache = hacheur.hacher("Correct-Cheval-9")
    assert hache.startswith("memoire$1$")
    assert "Correct-Cheval-9" not in hache
    assert hacheur.verifier(hache, "Correct-Cheval-9")
    assert not hacheur.verifier(hache, "correct-cheval-9")
    assert hacheur.hacher("Correct-Cheval-9") == hache
    assert hacheur.hacher("Autre-Secret-42") != hache


@pytest.mark.parametrize("hache", ["", "argon2id", "memoire$1$sel", "a$b$c$d$e"])
def test_hacheur_refuses_malformed_hashes(hache: str) -> None:
    """A hash of another shape never verifies (no exception)."""
    assert not HacheurMemoire().verifier(hache, "Correct-Cheval-9")


def test_hacheur_asks_for_a_rehash_after_a_change_of_cost() -> None:
    """A hash made with another cost still verifies, and asks to be redone."""
    ancien = HacheurMemoire(cout=1).hacher("Correct-Cheval-9")
    nouveau = HacheurMemoire(cout=2)
    assert nouveau.verifier(ancien, "Correct-Cheval-9")
    assert nouveau.doit_rehacher(ancien)
    assert not nouveau.doit_rehacher(nouveau.hacher("Correct-Cheval-9"))


# --- Outside the transaction --------------------------------------------------------------


def test_documents_are_stored_read_and_removed() -> None:
    """Bytes come back as stored, under a new id per deposit; removal is idempotent."""
    entrepot = MemoireEntrepotDocuments()
    contenu = b"%PDF-1.7 facture"
    premier = entrepot.deposer(contenu)
    second = entrepot.deposer(contenu)
    assert premier != second
    assert entrepot.lire(premier) == b"%PDF-1.7 facture"
    entrepot.supprimer(premier)
    entrepot.supprimer(premier)
    with pytest.raises(Introuvable):
        entrepot.lire(premier)
    assert entrepot.lire(second) == b"%PDF-1.7 facture"


def test_unknown_document_is_introuvable() -> None:
    """Reading an id never deposited raises Introuvable naming it."""
    with pytest.raises(Introuvable) as erreur:
        MemoireEntrepotDocuments().lire("doc-inconnu")
    assert "doc-inconnu" in str(erreur.value)


def _recepisse() -> Recepisse:
    """The receipt of a 1 000 € pedagogical request on the guide's example file."""
    action = exemples.action()
    demande = DemandeRemboursement(
        id=uuid.UUID(int=1),
        numero_action=action.numero_action,
        rang=1,
        siret_organisme=exemples.SIRET_CFA,
        compte_id=uuid.UUID(int=2),
        soumise_le=exemples.INSTANT,
        periode=Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29)),
        montants=_montants_1000(),
        quantites=QuantitesFraisAnnexes(),
        pieces=(PieceJointe(Piece.FACTURE, "doc-1", "facture.pdf"),),
        conditions_acceptees=True,
    )
    return Recepisse.pour(
        demande,
        action,
        date=exemples.INSTANT.date(),
        organisme_nom="CFA des Métiers de la Santé",
        reference_of="OF-000074",
        demandeur="Claire Durand",
        deja_rembourse=Montant(0),
    )


def _montants_1000() -> MontantsDemandes:
    """1 000 € of pedagogical costs, nothing else."""
    return MontantsDemandes(Montant(1000), Montant(0), Montant(0), Montant(0))


def test_rendu_recepisse_writes_one_line_per_field() -> None:
    """The fake receipt is UTF-8 text, one ``field: value`` line per receipt field, in order."""
    recepisse = _recepisse()
    lignes = MemoireRenduRecepisse().rendre(recepisse).decode().split("\n")
    assert [ligne.split(": ", 1)[0] for ligne in lignes] == [
        f.name for f in attrs.fields(Recepisse)
    ]
    assert "numero_action: 2011303654" in lignes
    assert "organisme: CFA des Métiers de la Santé" in lignes


def test_source_flux_resumes_after_its_cursor() -> None:
    """The feed yields records with their rank as cursor, from the start or after a cursor."""
    premier = DossierFlux(
        "2011303654",
        1,
        exemples.formation(),
        exemples.contrat(),
        exemples.budget(),
    )
    illisible = EnregistrementIllisible("x@1", "{", "JSON invalide")
    flux = MemoireSourceFlux([premier, illisible])
    assert flux.nom == "memoire"
    assert list(flux.lire(None)) == [("1", premier), ("2", illisible)]
    assert list(flux.lire("1")) == [("2", illisible)]
    assert list(flux.lire("2")) == []


# --- memoire() ----------------------------------------------------------------------------


def test_memoire_wires_one_deployment() -> None:
    """memoire() hands the Contexte the very fakes it returns, over one store."""
    deps = memoire()
    contexte = deps.contexte
    assert contexte.horloge is deps.horloge
    assert contexte.jetons is deps.jetons
    assert contexte.hacheur is deps.hacheur
    assert contexte.documents is deps.documents
    assert contexte.rendu_recepisse is deps.rendu
    assert contexte.parametres == Parametres()
    with contexte.uow() as uow:
        uow.organismes.ajouter(exemples.organisme())
        uow.commit()
    assert _organisme_enregistre(deps.stockage)


def test_memoire_starts_empty_at_the_examples_instant() -> None:
    """A new deployment has an empty store and its clock at exemples.INSTANT."""
    deps = memoire()
    assert deps.contexte.maintenant() == exemples.INSTANT
    deps.horloge.avancer(dt.timedelta(days=1))
    assert deps.contexte.maintenant() == exemples.INSTANT + dt.timedelta(days=1)
    assert not _organisme_enregistre(deps.stockage)
    assert deps.stockage.messages == ()


def test_memoire_takes_parameters_and_a_seed() -> None:
    """The given parameters reach the Contexte; the seed drives the token generator."""
    parametres = Parametres(taille_page=25)
    assert memoire(parametres).contexte.parametres is parametres
    assert memoire(graine=3).jetons.jeton() == JetonsDeterministes(3).jeton()
    assert memoire(graine=3).jetons.jeton() != memoire().jetons.jeton()


def test_memoire_messages_go_out_with_the_commit() -> None:
    """A mail queued through the Contexte is dated by the fake clock and sent only if committed."""
    deps = memoire()
    with deps.contexte.uow() as uow:
        deps.contexte.message(uow, Email("c.durand@cfa-sante.fr"), "activation", lien="x")
    assert not deps.stockage.messages
    with deps.contexte.uow() as uow:
        envoye = deps.contexte.message(uow, Email("c.durand@cfa-sante.fr"), "activation")
        uow.commit()
    assert deps.stockage.messages == (envoye,)
    assert envoye.cree_le == exemples.INSTANT


def test_memoire_helpers_set_up_a_world() -> None:
    """The deployment's helpers store aggregates, open accounts and delegations as stated."""
    m = memoire()
    autre = exemples.SIRET_CFA_2
    m.enregistrer(
        exemples.organisme(emails_connus=(Email("compta@cfa-sante.fr"),)),
        exemples.organisme(autre),
        exemples.action(),
    )
    premier = m.compte_cfa(exemples.SIRET_CFA, "compta@cfa-sante.fr")
    invite = m.compte_cfa(exemples.SIRET_CFA, "collegue@cfa-sante.fr")
    agent = m.agent()
    active = m.deleguer(autre, exemples.SIRET_CFA)
    en_attente = m.deleguer(exemples.SIRET_CFA, autre, approuver=False)
    with m.contexte.uow() as uow:
        comptes = [uow.comptes.obtenir(i) for i in (premier, invite, agent)]
        assert [c.statut if c else None for c in comptes] == [StatutCompte.ACTIF] * 3
        assert [c.role if c else None for c in comptes] == [Role.CFA, Role.CFA, Role.AGENT_OPCO]
        statuts = [uow.delegations.obtenir(i) for i in (active, en_attente)]
        assert [d.statut if d else None for d in statuts] == [
            StatutDelegation.ACTIVE,
            StatutDelegation.DEMANDEE,
        ]
        assert uow.actions.obtenir("2011303654") is not None
    with pytest.raises(Introuvable):
        m.compte_cfa(exemples.SIRET_EMPLOYEUR, "x@employeur.fr")
