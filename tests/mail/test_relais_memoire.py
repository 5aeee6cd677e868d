"""The relay over the in-memory deployment: the whole journey's mails, and the .eml default."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import re
import urllib.parse
from email.message import EmailMessage
from typing import TYPE_CHECKING

import attrs
import pytest

from cfa_adapters.mail.envoi import ExpediteurFichiers, ExpediteurMemoire
from cfa_adapters.mail.file import FileMemoire
from cfa_adapters.mail.reglages import ParametresMail, ParametresRelais
from cfa_adapters.mail.relais import Relais, pieces_recepisse, tache_relais
from cfa_adapters.mail.rendu import PieceJointeMail, RenduMails, identifiant_message
from cfa_adapters.sql.outbox import EtatMessage
from cfa_domain.compte import StatutCompte
from cfa_domain.services import acces
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import MOT_DE_PASSE_EXEMPLE, Memoire, memoire
from cfa_domain.values import Email

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence
    from pathlib import Path

    from cfa_adapters.sql.outbox import Envoi, MessageReserve
    from cfa_domain.ports import MessageSortant

RENDU = RenduMails(ParametresMail(url_base="https://cfa.example"))


def test_le_parcours_entier_part_avec_le_recepisse_joint(parcours: Memoire) -> None:
    """Every mail of the journey is delivered once; each receipt mail carries its receipt."""
    serveur = ExpediteurMemoire()
    file = FileMemoire(lambda: parcours.stockage.messages)
    relais = Relais(file, serveur, RENDU, pieces=pieces_recepisse(parcours.contexte))
    messages = list(parcours.stockage.messages)
    bilan = asyncio.run(relais.vider())
    assert (bilan.envoyes, bilan.echecs_definitifs) == (len(messages), 0)
    assert [str(m["Message-ID"]) for m in serveur.envoyes] == [
        identifiant_message(m.id, "cfa.localhost") for m in messages
    ]
    assert {file.etat(m.id)[0] for m in messages} == {EtatMessage.ENVOYE}
    recepisses = [m for m in messages if m.modele == "recepisse_demande"]
    assert len(recepisses) == 2
    for message, envoye in zip(messages, serveur.envoyes, strict=True):
        mail = email.message_from_bytes(
            envoye.as_bytes(), _class=EmailMessage, policy=email.policy.default
        )
        assert isinstance(mail, EmailMessage)
        jointes = list(mail.iter_attachments())
        if message.modele != "recepisse_demande":
            assert jointes == []
            continue
        (jointe,) = jointes
        reference = message.contexte["reference_opco"]
        assert jointe.get_filename() == f"recepisse-{reference}.pdf"
        assert jointe.get_content_type() == "application/pdf"
        contenu = jointe.get_content()
        assert f"reference_opco: {reference}".encode() in contenu
        assert f"demande_id: {message.contexte['demande_id']}".encode() in contenu


def test_sans_serveur_un_eml_et_le_lien_dans_le_journal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A fresh machine: the account's mail lands in var/mail/ and its link activates it."""
    m = memoire()
    m.enregistrer(exemples.organisme(exemples.SIRET_CFA, emails_connus=(Email("a@cfa-a.fr"),)))
    acces.creer_compte(
        m.contexte,
        siret=exemples.SIRET_CFA.numero,
        email="a@cfa-a.fr",
        confirmation_email="a@cfa-a.fr",
        mot_de_passe=MOT_DE_PASSE_EXEMPLE,
        confirmation_mot_de_passe=MOT_DE_PASSE_EXEMPLE,
    )
    dossier = tmp_path / "var" / "mail"
    relais = Relais(FileMemoire(lambda: m.stockage.messages), ExpediteurFichiers(dossier), RENDU)
    with caplog.at_level(logging.INFO, logger="cfa_adapters.mail"):
        assert asyncio.run(relais.vider()).envoyes == 1
    (fichier,) = dossier.glob("*.eml")
    (message,) = m.stockage.messages
    assert fichier.name == f"{message.id}.eml"
    mail = email.message_from_bytes(
        fichier.read_bytes(), _class=EmailMessage, policy=email.policy.default
    )
    texte = mail.get_body(("plain",))
    assert texte is not None
    (lien,) = re.findall(r"https://cfa\.example/activation/\S+", texte.get_content())
    assert f"lien : {lien}" in caplog.text
    jeton = urllib.parse.unquote(urllib.parse.urlsplit(lien).path.rsplit("/", 1)[1])
    acces.activer_compte(m.contexte, jeton, MOT_DE_PASSE_EXEMPLE)
    with m.contexte.uow() as uow:
        compte = uow.comptes.par_email(Email("a@cfa-a.fr"))
        assert compte is not None
        assert compte.statut is StatutCompte.ACTIF
    # Delivering the same message again rewrites the same file: still one mail.
    asyncio.run(envoyer_encore(ExpediteurFichiers(dossier), mail))
    assert list(dossier.glob("*")) == [fichier]
    assert b"Message-ID: <" + str(message.id).encode() in fichier.read_bytes()


async def envoyer_encore(expediteur: ExpediteurFichiers, mail: EmailMessage) -> None:
    """Hand a mail to the sender once more."""
    async with expediteur.session() as session:
        await session.envoyer(mail)


@attrs.define
class FilePremierePasseEnPanne(FileMemoire):
    """The in-memory queue, whose first claim fails as a database that is down would."""

    panne: bool = True

    def reserver(
        self, relais: str, quand: dt.datetime, limite: int, bail: dt.timedelta
    ) -> Sequence[MessageReserve]:
        """Fail once, then claim."""
        if self.panne:
            self.panne = False
            msg = "base indisponible"
            raise RuntimeError(msg)
        return super().reserver(relais, quand, limite, bail)


def test_la_tache_de_fond_envoie_puis_s_arrete_sur_demande(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The web app's task: delivers what arrives, survives a failing pass, stops when told."""
    m = memoire()
    serveur = ExpediteurMemoire()
    file = FilePremierePasseEnPanne(lambda: m.stockage.messages)
    relais = Relais(file, serveur, RENDU, ParametresRelais(intervalle=0.01))
    m.enregistrer(exemples.organisme(exemples.SIRET_CFA, emails_connus=(Email("a@cfa-a.fr"),)))
    acces.mot_de_passe_oublie(m.contexte, "inconnu@cfa-a.fr")  # queues nothing
    acces.creer_compte(
        m.contexte,
        siret=exemples.SIRET_CFA.numero,
        email="a@cfa-a.fr",
        confirmation_email="a@cfa-a.fr",
        mot_de_passe=MOT_DE_PASSE_EXEMPLE,
        confirmation_mot_de_passe=MOT_DE_PASSE_EXEMPLE,
    )

    async def scenario() -> None:
        arret = asyncio.Event()
        tache = asyncio.create_task(tache_relais(relais, arret))
        for _ in range(500):
            if serveur.envoyes:
                break
            await asyncio.sleep(0.01)
        arret.set()
        await asyncio.wait_for(tache, timeout=5)

    with caplog.at_level(logging.INFO, logger="cfa_adapters.mail"):
        asyncio.run(scenario())
    assert [str(mail["To"]) for mail in serveur.envoyes] == ["a@cfa-a.fr"]
    assert "passe interrompue" in caplog.text
    assert "base indisponible" in caplog.text


def test_piece_jointe_indisponible_reessayee(tmp_path: Path) -> None:
    """A receipt that cannot be rendered now (its renderer is down) is retried, not lost."""
    m = memoire()
    m.enregistrer(exemples.organisme(exemples.SIRET_CFA, emails_connus=(Email("a@cfa-a.fr"),)))
    m.compte_cfa(exemples.SIRET_CFA, "a@cfa-a.fr")
    acces.mot_de_passe_oublie(m.contexte, "a@cfa-a.fr")

    def en_panne(_message: MessageSortant) -> list[PieceJointeMail]:
        raise OSError("moteur de rendu arrêté")

    file = FileMemoire(lambda: m.stockage.messages)
    relais = Relais(file, ExpediteurFichiers(tmp_path), RENDU, pieces=en_panne)
    bilan = asyncio.run(relais.vider())
    assert (bilan.envoyes, bilan.echecs_temporaires, bilan.echecs_definitifs) == (0, 1, 0)
    (message,) = m.stockage.messages
    etat, erreur = file.etat(message.id)
    assert etat is EtatMessage.A_ENVOYER
    assert erreur == "Pièce jointe indisponible : OSError('moteur de rendu arrêté')"


def test_ecriture_impossible_echec_temporaire(tmp_path: Path) -> None:
    """The .eml folder cannot be written (a file is in the way): a temporary failure."""
    bouchon = tmp_path / "mail"
    bouchon.write_text("pas un dossier")
    m = memoire()
    m.enregistrer(exemples.organisme(exemples.SIRET_CFA, emails_connus=(Email("a@cfa-a.fr"),)))
    m.compte_cfa(exemples.SIRET_CFA, "a@cfa-a.fr")
    acces.mot_de_passe_oublie(m.contexte, "a@cfa-a.fr")
    file = FileMemoire(lambda: m.stockage.messages)
    bilan = asyncio.run(Relais(file, ExpediteurFichiers(bouchon), RENDU).vider())
    assert (bilan.envoyes, bilan.echecs_temporaires) == (0, 1)
    (message,) = m.stockage.messages
    erreur = file.etat(message.id)[1]
    assert erreur is not None
    assert erreur.startswith(f"Écriture de {bouchon / str(message.id)}.eml impossible")


@attrs.define
class FileSansMarque(FileMemoire):
    """The in-memory queue, whose marks fail as a database gone mid-batch would."""

    def marquer_envoyes(self, envois: Sequence[Envoi], relais: str) -> None:
        """Fail."""
        del envois, relais
        msg = "base indisponible"
        raise RuntimeError(msg)


def test_marque_impossible_le_mail_repart_apres_le_bail() -> None:
    """Accepted but not marked (database gone): the error surfaces, the mail goes again later."""
    m = memoire()
    m.enregistrer(exemples.organisme(exemples.SIRET_CFA, emails_connus=(Email("a@cfa-a.fr"),)))
    m.compte_cfa(exemples.SIRET_CFA, "a@cfa-a.fr")
    acces.mot_de_passe_oublie(m.contexte, "a@cfa-a.fr")
    serveur = ExpediteurMemoire()
    file = FileSansMarque(lambda: m.stockage.messages)
    relais = Relais(file, serveur, RENDU, horloge=m.horloge)
    with pytest.raises(RuntimeError, match="base indisponible"):
        asyncio.run(relais.une_fois())
    (message,) = m.stockage.messages
    assert file.etat(message.id)[0] is EtatMessage.A_ENVOYER
    assert asyncio.run(relais.vider()).reserves == 0  # still claimed
    m.horloge.avancer(relais.parametres.bail)
    with pytest.raises(RuntimeError):
        asyncio.run(relais.une_fois())
    assert [str(mail["Message-ID"]) for mail in serveur.envoyes] == [
        identifiant_message(message.id, "cfa.localhost")
    ] * 2
