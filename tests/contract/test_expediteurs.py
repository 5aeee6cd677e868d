"""Contract of the senders: the in-memory fake and a real aiosmtpd server behave alike.

Each case runs on ``memoire`` (:class:`ExpediteurMemoire`) and on aiosmtpd on 127.0.0.1:
plain, with authentication, with STARTTLS on a certificate of a throwaway CA (and
authentication), and with implicit TLS.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import uuid
from collections.abc import Callable
from email.message import EmailMessage, Message
from typing import TYPE_CHECKING

import attrs
import pytest

from cfa_adapters.mail.envoi import EchecEnvoi, Expediteur, ExpediteurMemoire, ExpediteurSmtp
from cfa_adapters.mail.reglages import ParametresSmtp, Securite
from cfa_adapters.mail.rendu import PieceJointeMail, RenduMails
from cfa_domain.ports import MessageSortant
from cfa_domain.values import Email

from .serveur_smtp import (
    HOTE,
    MOT_DE_PASSE,
    UTILISATEUR,
    Certificats,
    Enregistreur,
    lire,
    port_libre,
    serveur_smtp,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


# The "smtp_auth" server takes a login over plain text on purpose (a local relay's case).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

VARIANTES = ("memoire", "smtp", "smtp_auth", "starttls_auth", "tls")
#: The variants a login or a certificate can fail on (a case only where it applies).
AVEC_AUTHENTIFICATION = ("smtp_auth", "starttls_auth")
AVEC_TLS = ("starttls_auth", "tls")


@attrs.define
class BancEnvoi:
    """A sender under test and a view of what its server accepted."""

    nom: str
    expediteur: Expediteur
    recus: Callable[[], list[EmailMessage]]
    refuser: Callable[[str, int, str], None]
    parametres: ParametresSmtp | None = None


@pytest.fixture(params=VARIANTES)
def banc_envoi(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BancEnvoi]:
    """Every sender, on a fresh server."""
    if request.param == "memoire":
        faux = ExpediteurMemoire()

        def refuser_memoire(adresse: str, code: int, texte: str) -> None:
            faux.refuses[adresse] = (code, texte)

        yield BancEnvoi(
            "memoire", faux, lambda: [lire(m.as_bytes()) for m in faux.envoyes], refuser_memoire
        )
        return
    enregistreur = Enregistreur()
    certificats = Certificats()
    options: dict[str, object] = {}
    parametres = ParametresSmtp(hote=HOTE, securite=Securite.AUCUNE, delai=30)
    if request.param == "smtp_auth":
        options["authentification"] = True
        parametres = attrs.evolve(parametres, utilisateur=UTILISATEUR, mot_de_passe=MOT_DE_PASSE)
    elif request.param == "starttls_auth":
        options.update(authentification=True, starttls=certificats.contexte_serveur())
        parametres = attrs.evolve(
            parametres,
            securite=Securite.STARTTLS,
            utilisateur=UTILISATEUR,
            mot_de_passe=MOT_DE_PASSE,
            certificats_ca=certificats.fichier_ca(tmp_path),
        )
    elif request.param == "tls":
        options["tls"] = certificats.contexte_serveur()
        parametres = attrs.evolve(
            parametres, securite=Securite.TLS, certificats_ca=certificats.fichier_ca(tmp_path)
        )

    def refuser_smtp(adresse: str, code: int, texte: str) -> None:
        enregistreur.refus[adresse] = f"{code} {texte}"

    with serveur_smtp(enregistreur, **options) as port:  # type: ignore[arg-type]
        parametres = attrs.evolve(parametres, port=port)
        yield BancEnvoi(
            request.param,
            ExpediteurSmtp(parametres),
            enregistreur.mails,
            refuser_smtp,
            parametres,
        )
    # A connection the sender forgot to close shows up here, on the case that leaked it,
    # rather than in whichever later test the garbage collector happens to run in.
    gc.collect()


RENDU = RenduMails()


def mail(destinataire: str = "compta@cfa-a.fr", *, piece: bytes | None = None) -> Message:
    """A real mail of the platform (a refused account), with an attachment if asked."""
    message = MessageSortant(
        id=uuid.uuid4(),
        destinataire=Email(destinataire),
        modele="compte_refuse",
        contexte={"motif": "Adresse personnelle"},
        cree_le=dt.datetime(2025, 9, 1, 9, tzinfo=dt.UTC),
    )
    pieces = [] if piece is None else [PieceJointeMail("recepisse.pdf", "application/pdf", piece)]
    return RENDU.composer(message, pieces)


async def envoyer(expediteur: Expediteur, *mails: Message) -> list[EchecEnvoi | None]:
    """Send the mails on one session; the outcome of each."""
    resultats: list[EchecEnvoi | None] = []
    async with expediteur.session() as session:
        for un_mail in mails:
            try:
                await session.envoyer(un_mail)
            except EchecEnvoi as echec:
                resultats.append(echec)
            else:
                resultats.append(None)
    return resultats


def test_mail_accepte_arrive_intact(banc_envoi: BancEnvoi) -> None:
    """Headers, both parts and the attachment's bytes arrive as composed."""
    envoye = mail(piece=b"%PDF-1.7 recepisse\x00\xff")
    assert asyncio.run(envoyer(banc_envoi.expediteur, envoye)) == [None]
    (recu,) = banc_envoi.recus()
    compose = lire(envoye.as_bytes())
    for entete in ("Message-ID", "Subject", "From", "To", "Date"):
        assert recu[entete] == compose[entete]
    assert recu["Subject"] == "Votre demande de compte n'a pas été acceptée"
    texte = recu.get_body(("plain",))
    assert texte is not None
    assert "Motif : Adresse personnelle" in texte.get_content()
    (jointe,) = recu.iter_attachments()
    assert jointe.get_content() == b"%PDF-1.7 recepisse\x00\xff"


def test_plusieurs_mails_sur_une_session(banc_envoi: BancEnvoi) -> None:
    """A batch goes out on one session, in order."""
    mails = [mail(f"cfa{i}@cfa-a.fr") for i in range(4)]
    assert asyncio.run(envoyer(banc_envoi.expediteur, *mails)) == [None] * 4
    assert [m["Message-ID"] for m in banc_envoi.recus()] == [m["Message-ID"] for m in mails]


@pytest.mark.parametrize(("code", "definitif"), [(550, True), (451, False)])
def test_destinataire_refuse(banc_envoi: BancEnvoi, code: int, definitif: bool) -> None:
    """A refused recipient fails with the server's code (5xx: for good); the session goes on."""
    banc_envoi.refuser("inconnu@cfa-a.fr", code, "Boite inconnue")
    refuse, suivant = mail("inconnu@cfa-a.fr"), mail()
    echec, ok = asyncio.run(envoyer(banc_envoi.expediteur, refuse, suivant))
    assert ok is None
    assert isinstance(echec, EchecEnvoi)
    assert (echec.code, echec.definitif, echec.connexion_perdue) == (code, definitif, False)
    assert f"{code} Boite inconnue" in echec.message
    assert [m["Message-ID"] for m in banc_envoi.recus()] == [suivant["Message-ID"]]


def test_serveur_injoignable(banc_envoi: BancEnvoi) -> None:
    """No server: the session does not open, and the failure is temporary."""
    if banc_envoi.parametres is None:
        expediteur: Expediteur = ExpediteurMemoire(en_panne=True)
    else:
        expediteur = ExpediteurSmtp(attrs.evolve(banc_envoi.parametres, port=port_libre()))
    with pytest.raises(EchecEnvoi) as echec:
        asyncio.run(envoyer(expediteur, mail()))
    assert (echec.value.definitif, echec.value.connexion_perdue) == (False, True)
    assert "injoignable" in echec.value.message


@pytest.mark.parametrize("banc_envoi", AVEC_AUTHENTIFICATION, indirect=True)
def test_mauvais_mot_de_passe_echec_temporaire(banc_envoi: BancEnvoi) -> None:
    """A refused login is a configuration error: temporary, nothing is given up."""
    assert banc_envoi.parametres is not None
    assert banc_envoi.parametres.utilisateur is not None
    faux = attrs.evolve(banc_envoi.parametres, mot_de_passe="faux")
    with pytest.raises(EchecEnvoi) as echec:
        asyncio.run(envoyer(ExpediteurSmtp(faux), mail()))
    assert echec.value.definitif is False
    assert banc_envoi.recus() == []


@pytest.mark.parametrize("banc_envoi", AVEC_TLS, indirect=True)
def test_certificat_non_reconnu_refuse(banc_envoi: BancEnvoi) -> None:
    """Without the CA that signed the server's certificate, TLS does not open."""
    assert banc_envoi.parametres is not None
    assert banc_envoi.parametres.certificats_ca is not None
    sans_ca = attrs.evolve(banc_envoi.parametres, certificats_ca=None)
    with pytest.raises(EchecEnvoi, match="CERTIFICATE_VERIFY_FAILED"):
        asyncio.run(envoyer(ExpediteurSmtp(sans_ca), mail()))
    assert banc_envoi.recus() == []
