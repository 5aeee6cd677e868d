"""Contract of the relay on every backend (memoire, SQLite, PostgreSQL), with the fake sender.

Whatever goes wrong, nothing is lost and nothing is doubled: every message is accepted
once by the server, or given up with its reason; every attempt is recorded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from cfa_adapters.mail.envoi import ExpediteurMemoire
from cfa_adapters.mail.file import FileMemoire, FileSortante
from cfa_adapters.mail.reglages import ParametresRelais
from cfa_adapters.mail.relais import Bilan, Relais
from cfa_adapters.mail.rendu import RenduMails, identifiant_message
from cfa_adapters.sql import outbox
from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.outbox import EtatMessage, FileSql, Tentative
from cfa_domain.ports import MessageSortant
from cfa_domain.testing.fakes import HorlogeFixe
from cfa_domain.values import Email

from .conftest import Banc

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from cfa_adapters.sql.outbox import Envoi, MessageReserve

DEBUT = dt.datetime(2025, 9, 1, 9, tzinfo=dt.UTC)
PARAMETRES = ParametresRelais(
    taille_lot=3,
    tentatives_max=3,
    attente_base=dt.timedelta(seconds=10),
    attente_max=dt.timedelta(minutes=5),
    bail=dt.timedelta(minutes=2),
)
RENDU = RenduMails()


@attrs.define
class Monde:
    """A backend's outbox, a fake SMTP server, a fixed clock."""

    banc: Banc
    file: FileSortante
    serveur: ExpediteurMemoire
    horloge: HorlogeFixe

    def relais(self, nom: str = "relais-1", **options: object) -> Relais:
        """A relay on this outbox (jitter drawn as 0: waits are half the backoff)."""
        parametres = attrs.evolve(PARAMETRES, **options)  # type: ignore[arg-type]
        return Relais(
            self.file,
            self.serveur,
            RENDU,
            parametres,
            horloge=self.horloge,
            nom=nom,
            alea=lambda: 0.0,
        )

    def ajouter(self, *destinataires: str, modele: str = "compte_refuse") -> list[uuid.UUID]:
        """Commit one message per recipient; their ids, in order."""
        messages = [
            MessageSortant(
                id=uuid.uuid4(),
                destinataire=Email(d),
                modele=modele,
                contexte={"motif": f"motif {i}"},
                cree_le=self.horloge.maintenant(),
            )
            for i, d in enumerate(destinataires)
        ]
        with self.banc.uow() as uow:
            for message in messages:
                uow.outbox.ajouter(message)
            uow.commit()
        return [m.id for m in messages]

    def etat(self, message_id: uuid.UUID) -> tuple[EtatMessage, str | None]:
        """State and last error of a message."""
        if isinstance(self.file, FileMemoire):
            return self.file.etat(message_id)
        assert self.banc.moteur is not None
        return outbox.etat(self.banc.moteur, message_id)

    def tentatives(self, message_id: uuid.UUID) -> list[Tentative]:
        """Recorded attempts of a message."""
        if isinstance(self.file, FileMemoire):
            return self.file.tentatives(message_id)
        assert self.banc.moteur is not None
        return outbox.tentatives(self.banc.moteur, message_id)

    def recus(self) -> list[str]:
        """Message-IDs the server accepted, in order."""
        return [str(m["Message-ID"]) for m in self.serveur.envoyes]


def mid(message_id: uuid.UUID) -> str:
    """The Message-ID a message carries."""
    return identifiant_message(message_id, RENDU.parametres.domaine)


def file_de(banc: Banc) -> FileSortante:
    """The relay queue of a backend."""
    if banc.moteur is None:
        return FileMemoire(banc.messages)
    return FileSql(banc.moteur)


@pytest.fixture
def monde(banc: Banc) -> Monde:
    """An empty outbox on each backend."""
    horloge = HorlogeFixe()
    horloge.instant = DEBUT
    return Monde(banc, file_de(banc), ExpediteurMemoire(), horloge)


def vider(relais: Relais) -> Bilan:
    """Run ``relais.vider()``."""
    return asyncio.run(relais.vider())


def test_tout_part_une_fois_dans_l_ordre(monde: Monde) -> None:
    """Seven messages in batches of three: each accepted once, in order, marked sent."""
    ids = monde.ajouter(*(f"cfa{i}@cfa-a.fr" for i in range(7)))
    bilan = vider(monde.relais())
    assert (bilan.reserves, bilan.envoyes) == (7, 7)
    assert monde.recus() == [mid(i) for i in ids]
    for message_id in ids:
        assert monde.etat(message_id) == (EtatMessage.ENVOYE, None)
        (tentative,) = monde.tentatives(message_id)
        assert (tentative.numero, tentative.resultat, tentative.relais) == (1, "envoye", "relais-1")
    assert vider(monde.relais()) == Bilan()
    assert len(monde.recus()) == 7


def test_refus_definitif_visible_et_les_autres_partent(monde: Monde) -> None:
    """A 550 gives the message up at once, with the server's answer; the batch goes on."""
    monde.serveur.refuses["inconnu@cfa-a.fr"] = (550, "5.1.1 Boite inconnue")
    premier, refuse, dernier = monde.ajouter("a@cfa-a.fr", "inconnu@cfa-a.fr", "b@cfa-a.fr")
    bilan = vider(monde.relais())
    assert (bilan.envoyes, bilan.echecs_definitifs) == (2, 1)
    assert monde.recus() == [mid(premier), mid(dernier)]
    etat, erreur = monde.etat(refuse)
    assert etat is EtatMessage.ECHEC
    assert erreur is not None
    assert "550 5.1.1 Boite inconnue" in erreur
    (tentative,) = monde.tentatives(refuse)
    assert (tentative.resultat, tentative.code) == ("echec_definitif", 550)
    monde.horloge.avancer(dt.timedelta(days=1))
    assert vider(monde.relais()) == Bilan()


def test_refus_temporaire_reessaye_avec_attente_puis_abandonne(monde: Monde) -> None:
    """A 451 is retried after 5 s, 10 s (half of the doubling backoff, jitter 0); given up at 3."""
    monde.serveur.refuses["plein@cfa-a.fr"] = (451, "4.2.2 Boite pleine")
    (message_id,) = monde.ajouter("plein@cfa-a.fr")
    attentes = []
    for _ in range(2):
        assert vider(monde.relais()).echecs_temporaires == 1
        assert monde.etat(message_id)[0] is EtatMessage.A_ENVOYER
        assert vider(monde.relais()) == Bilan()  # not due yet
        attente = monde.tentatives(message_id)[-1]
        attentes.append(attente.erreur)
        monde.horloge.avancer(dt.timedelta(seconds=5 * len(attentes)))
    assert vider(monde.relais()).echecs_definitifs == 1
    assert monde.etat(message_id) == (
        EtatMessage.ECHEC,
        "Destinataire refusé par le serveur (451 4.2.2 Boite pleine)",
    )
    assert [t.resultat for t in monde.tentatives(message_id)] == [
        "echec_temporaire",
        "echec_temporaire",
        "echec_definitif",
    ]
    assert monde.recus() == []


def test_serveur_en_panne_rien_n_est_perdu(monde: Monde) -> None:
    """Server down: messages wait (never given up for it), then go out once when it is back."""
    ids = monde.ajouter("a@cfa-a.fr", "b@cfa-a.fr", "c@cfa-a.fr", "d@cfa-a.fr")
    monde.serveur.en_panne = True
    for _ in range(4):  # more passes than tentatives_max
        bilan = vider(monde.relais())
        assert (bilan.envoyes, bilan.echecs_definitifs) == (0, 0)
        monde.horloge.avancer(dt.timedelta(minutes=5))
    for message_id in ids:
        assert monde.etat(message_id)[0] is EtatMessage.A_ENVOYER
        assert len(monde.tentatives(message_id)) == 4
    monde.serveur.en_panne = False
    assert vider(monde.relais()).envoyes == 4
    assert monde.recus() == [mid(i) for i in ids]


def test_coupure_au_milieu_d_un_lot(monde: Monde) -> None:
    """The connection drops after 1 mail of a batch of 3: nothing lost, nothing doubled."""
    ids = monde.ajouter(*(f"cfa{i}@cfa-a.fr" for i in range(5)))
    monde.serveur.coupure_apres = 1
    bilan = vider(monde.relais())
    # batch 1: sent, cut (attempt failed), released; then the released one and batch 2.
    assert (bilan.envoyes, bilan.echecs_temporaires, bilan.liberes) == (4, 1, 1)
    coupe = ids[1]
    assert monde.etat(coupe)[0] is EtatMessage.A_ENVOYER
    monde.horloge.avancer(dt.timedelta(seconds=5))
    assert vider(monde.relais()).envoyes == 1
    assert sorted(monde.recus()) == sorted(mid(i) for i in ids)
    assert [t.resultat for t in monde.tentatives(coupe)] == ["echec_temporaire", "envoye"]
    assert len(monde.tentatives(ids[2])) == 1  # released untried: no attempt counted


def test_modele_inconnu_abandonne(monde: Monde) -> None:
    """A mail that cannot be composed is given up with the reason, without a server call."""
    (message_id,) = monde.ajouter("a@cfa-a.fr", modele="modele_disparu")
    assert vider(monde.relais()).echecs_definitifs == 1
    etat, erreur = monde.etat(message_id)
    assert etat is EtatMessage.ECHEC
    assert erreur == "Mail impossible à composer : Modèle de mail inconnu : « modele_disparu »."
    assert monde.recus() == []


def test_reservation_d_un_relais_mort_reprise_apres_le_bail(monde: Monde) -> None:
    """Messages claimed by a relay that died go out through another once the claim expires."""
    ids = monde.ajouter("a@cfa-a.fr", "b@cfa-a.fr")
    assert len(monde.file.reserver("mort", DEBUT, 10, PARAMETRES.bail)) == 2
    assert vider(monde.relais("vivant")) == Bilan()
    monde.horloge.avancer(PARAMETRES.bail)
    assert vider(monde.relais("vivant")).envoyes == 2
    assert monde.recus() == [mid(i) for i in ids]


def test_deux_relais_en_meme_temps_chaque_mail_une_fois(monde: Monde) -> None:
    """Two relays (their own connections to the base) drain one outbox: no mail twice."""
    ids = monde.ajouter(*(f"cfa{i}@cfa-a.fr" for i in range(30)))
    files = [monde.file]
    moteur = None
    if monde.banc.url is not None:
        moteur = creer_moteur(monde.banc.url, **monde.banc.options)
        files.append(FileSql(moteur))
    else:
        files.append(monde.file)
    relais = [
        Relais(f, monde.serveur, RENDU, PARAMETRES, horloge=monde.horloge, nom=f"r{n}")
        for n, f in enumerate(files)
    ]

    async def ensemble() -> list[Bilan]:
        return list(await asyncio.gather(*(r.vider() for r in relais)))

    try:
        bilans = asyncio.run(ensemble())
    finally:
        if moteur is not None:
            moteur.dispose()
    assert sum(b.envoyes for b in bilans) == 30
    assert sorted(monde.recus()) == sorted(mid(i) for i in ids)
    assert {t.relais for i in ids for t in monde.tentatives(i)} <= {"r0", "r1"}


@attrs.define
class FileLente:
    """A backend's queue whose first mark waits until the server has every mail of the batch.

    As a database slower than the server would: the marks queued meanwhile must go
    together, in the next group (one transaction), each message once.
    """

    file: FileSortante
    serveur: ExpediteurMemoire
    attendus: int
    groupes: list[list[uuid.UUID]] = attrs.Factory(list)

    def reserver(
        self, relais: str, quand: dt.datetime, limite: int, bail: dt.timedelta
    ) -> Sequence[MessageReserve]:
        """The backend's."""
        return self.file.reserver(relais, quand, limite, bail)

    def marquer_envoyes(self, envois: Sequence[Envoi], relais: str) -> None:
        """The backend's, the first group only once the server has every mail."""
        limite = time.monotonic() + 10
        while not self.groupes and len(self.serveur.envoyes) < self.attendus:
            assert time.monotonic() < limite, "le relais attend la marque pour envoyer"
            time.sleep(0.005)
        self.groupes.append([envoi.message_id for envoi in envois])
        self.file.marquer_envoyes(envois, relais)

    def noter_echec(self, message_id: uuid.UUID, **details: Any) -> None:
        """The backend's."""
        self.file.noter_echec(message_id, **details)

    def liberer(self, message_ids: Iterable[uuid.UUID], relais: str) -> None:
        """The backend's."""
        self.file.liberer(message_ids, relais)


def test_marques_en_attente_ecrites_ensemble(monde: Monde) -> None:
    """Mails keep going while a mark is written; the marks queued meanwhile share one group."""
    ids = monde.ajouter("a@x.fr", "b@x.fr", "c@x.fr", "d@x.fr")
    lente = FileLente(monde.file, monde.serveur, attendus=4)
    monde.file = lente
    bilan = vider(monde.relais(taille_lot=4))
    monde.file = lente.file
    assert (bilan.reserves, bilan.envoyes) == (4, 4)
    assert lente.groupes == [ids[:1], ids[1:]]
    assert monde.recus() == [mid(i) for i in ids]
    for message_id in ids:
        assert monde.etat(message_id) == (EtatMessage.ENVOYE, None)
        assert [(t.numero, t.resultat) for t in monde.tentatives(message_id)] == [(1, "envoye")]
