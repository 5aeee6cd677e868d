"""Faults of the relay against a real SMTP server (aiosmtpd) and a real database.

Each fault ends with every message accepted by the server exactly once (counted by
``Message-ID``), or given up with its reason. The process-level cases run the real
command, ``python -m cfa_adapters.mail relay --once``, against SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from cfa_adapters.mail.envoi import ExpediteurSmtp
from cfa_adapters.mail.reglages import ParametresRelais, ParametresSmtp, Securite
from cfa_adapters.mail.relais import Relais
from cfa_adapters.mail.rendu import RenduMails, identifiant_message
from cfa_adapters.sql import outbox
from cfa_adapters.sql.outbox import EtatMessage, FileSql
from cfa_domain.ports import MessageSortant
from cfa_domain.testing.fakes import HorlogeFixe
from cfa_domain.values import Email

from .conftest import BASES_SQL
from .serveur_smtp import HOTE, Enregistreur, port_libre, serveur_smtp

if TYPE_CHECKING:
    import sqlalchemy as sa

    from .conftest import Banc

DEBUT = dt.datetime(2025, 9, 1, 9, tzinfo=dt.UTC)
RENDU = RenduMails()
# The relay reads a SQL outbox, and its processes need a database they can open.
pytestmark = pytest.mark.parametrize("banc", BASES_SQL, indirect=True)


def moteur_de(banc: Banc) -> sa.Engine:
    """The backend's engine."""
    assert banc.moteur is not None
    return banc.moteur


def ajouter(banc: Banc, nombre: int, *, refuse: str | None = None) -> list[uuid.UUID]:
    """Commit ``nombre`` messages (the first to ``refuse`` if given); their ids."""
    messages = [
        MessageSortant(
            id=uuid.uuid4(),
            destinataire=Email(refuse if refuse and i == 0 else f"cfa{i}@cfa-a.fr"),
            modele="compte_refuse",
            contexte={"motif": f"motif {i}"},
            cree_le=DEBUT,
        )
        for i in range(nombre)
    ]
    with banc.uow() as uow:
        for message in messages:
            uow.outbox.ajouter(message)
        uow.commit()
    return [m.id for m in messages]


def attendus(ids: list[uuid.UUID]) -> list[str]:
    """The Message-IDs of the messages."""
    return sorted(identifiant_message(i, RENDU.parametres.domaine) for i in ids)


def relais_vers(banc: Banc, port: int, horloge: HorlogeFixe) -> Relais:
    """An in-process relay to 127.0.0.1:port (jitter 0, waits of 5 s then 10 s...)."""
    return Relais(
        FileSql(moteur_de(banc)),
        ExpediteurSmtp(ParametresSmtp(hote=HOTE, port=port, securite=Securite.AUCUNE, delai=30)),
        RENDU,
        ParametresRelais(taille_lot=4, attente_base=dt.timedelta(seconds=10)),
        horloge=horloge,
        alea=lambda: 0.0,
    )


def horloge() -> HorlogeFixe:
    """A fixed clock at DEBUT."""
    fixe = HorlogeFixe()
    fixe.instant = DEBUT
    return fixe


def test_serveur_arrete_puis_revenu(banc: Banc) -> None:
    """Server down: everything stays pending; once it is back, everything goes out once."""
    ids = ajouter(banc, 6)
    port, temps = port_libre(), horloge()
    bilan = asyncio.run(relais_vers(banc, port, temps).vider())
    assert (bilan.envoyes, bilan.echecs_temporaires, bilan.echecs_definitifs) == (0, 6, 0)
    assert {outbox.etat(moteur_de(banc), i)[0] for i in ids} == {EtatMessage.A_ENVOYER}
    enregistreur = Enregistreur()
    with serveur_smtp(enregistreur, port=port):
        temps.avancer(dt.timedelta(seconds=5))
        assert asyncio.run(relais_vers(banc, port, temps).vider()).envoyes == 6
    assert sorted(enregistreur.identifiants()) == attendus(ids)
    erreur = outbox.tentatives(moteur_de(banc), ids[0])[0].erreur
    assert erreur is not None
    assert f"{HOTE}:{port} injoignable" in erreur


def test_destinataire_refuse_marque_en_echec(banc: Banc) -> None:
    """A 550 from the server: the message is given up with the answer, the rest goes out."""
    ids = ajouter(banc, 3, refuse="inconnu@cfa-a.fr")
    enregistreur = Enregistreur(refus={"inconnu@cfa-a.fr": "550 5.1.1 Boite inconnue"})
    with serveur_smtp(enregistreur) as port:
        bilan = asyncio.run(relais_vers(banc, port, horloge()).vider())
    assert (bilan.envoyes, bilan.echecs_definitifs) == (2, 1)
    assert sorted(enregistreur.identifiants()) == attendus(ids[1:])
    assert outbox.etat(moteur_de(banc), ids[0]) == (
        EtatMessage.ECHEC,
        "Destinataire refusé par le serveur (550 5.1.1 Boite inconnue)",
    )


def test_connexion_coupee_au_milieu_d_un_lot(banc: Banc) -> None:
    """The server drops the connection on the 3rd mail of a batch: nothing lost or doubled."""
    ids = ajouter(banc, 8)
    enregistreur = Enregistreur(coupure_apres=2)
    temps = horloge()
    with serveur_smtp(enregistreur) as port:
        bilan = asyncio.run(relais_vers(banc, port, temps).vider())
        assert (bilan.envoyes, bilan.echecs_temporaires) == (7, 1)
        temps.avancer(dt.timedelta(seconds=5))
        assert asyncio.run(relais_vers(banc, port, temps).vider()).envoyes == 1
    assert sorted(enregistreur.identifiants()) == attendus(ids)
    assert [t.resultat for t in outbox.tentatives(moteur_de(banc), ids[2])] == [
        "echec_temporaire",
        "envoye",
    ]


def _url(banc: Banc) -> str:
    """The backend's URL, with PostgreSQL's search_path in it (for another process)."""
    assert banc.url is not None
    options = banc.options.get("connect_args", {}).get("options")
    if options is None:
        return banc.url
    return f"{banc.url}?options={urllib.parse.quote(options)}"


def lancer(banc: Banc, port: int, *, bail: int = 30) -> subprocess.Popen[bytes]:
    """``python -m cfa_adapters.mail relay --once`` on the base, to 127.0.0.1:port."""
    env = {
        **os.environ,
        "CFA_SMTP_HOST": HOTE,
        "CFA_SMTP_PORT": str(port),
        "CFA_SMTP_SECURITE": "aucune",
        "CFA_RELAIS_LOT": "5",
        "CFA_RELAIS_BAIL": str(bail),
    }
    commande = [sys.executable, "-m", "cfa_adapters.mail", "--url", _url(banc), "relay", "--once"]
    return subprocess.Popen(commande, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603


def test_relais_tue_au_milieu_d_un_lot_puis_relance(banc: Banc) -> None:
    """Kill -9 mid-batch, then a new relay: every mail accepted; at most the one in flight twice."""
    ids = ajouter(banc, 30)
    enregistreur = Enregistreur(lenteur=0.05)
    with serveur_smtp(enregistreur) as port:
        processus = lancer(banc, port, bail=2)
        limite = time.monotonic() + 60
        while len(enregistreur.recus) < 8 and time.monotonic() < limite:
            time.sleep(0.01)
        processus.send_signal(signal.SIGKILL)
        processus.communicate()
        avant = len(enregistreur.recus)
        assert 8 <= avant < 30
        time.sleep(2.1)  # the dead relay's claims expire
        relance = lancer(banc, port, bail=2)
        sortie, erreurs = relance.communicate(timeout=120)
        assert relance.returncode == 0, erreurs.decode()
    recus = Counter(enregistreur.identifiants())
    assert sorted(recus) == attendus(ids)
    assert sum(recus.values()) - len(recus) <= 1
    assert {outbox.etat(moteur_de(banc), i)[0] for i in ids} == {EtatMessage.ENVOYE}
    assert "Envoyés :" in sortie.decode()


def test_deux_relais_sur_une_base_chaque_mail_une_fois(banc: Banc) -> None:
    """Two relay processes drain one outbox at once: each mail accepted exactly once."""
    ids = ajouter(banc, 60)
    enregistreur = Enregistreur(lenteur=0.02)
    with serveur_smtp(enregistreur) as port:
        processus = [lancer(banc, port), lancer(banc, port)]
        for un in processus:
            _, erreurs = un.communicate(timeout=120)
            assert un.returncode == 0, erreurs.decode()
    recus = Counter(enregistreur.identifiants())
    assert sorted(recus) == attendus(ids)
    assert set(recus.values()) == {1}
    for message_id in ids:
        (tentative,) = outbox.tentatives(moteur_de(banc), message_id)
        assert tentative.resultat == "envoye"
