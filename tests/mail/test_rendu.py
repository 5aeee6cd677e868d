"""The mail templates, rendered with the variables the use cases really queue.

The ``parcours`` fixture (``conftest.py``) runs the use cases on the in-memory fakes until
every template the core can queue has been queued at least once (the invitation both with
and without its inviter), then every message is rendered with ``StrictUndefined``: a
template naming a variable the core does not pass fails here, not in a user's mailbox.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import uuid
from email.message import EmailMessage
from typing import TYPE_CHECKING

import jinja2
import pytest

from cfa_adapters.mail import rendu as rendu_module
from cfa_adapters.mail.reglages import ParametresMail, ReglageInvalide
from cfa_adapters.mail.rendu import ModeleInconnu, PieceJointeMail, RenduMails
from cfa_domain.ports import MessageSortant
from cfa_domain.values import Email

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cfa_domain.testing.fakes import Memoire

URL = "https://cfa.example"


@pytest.fixture(scope="module")
def messages(parcours: Memoire) -> list[MessageSortant]:
    """The messages of the journey."""
    return list(parcours.stockage.messages)


@pytest.fixture(scope="module")
def rendu() -> RenduMails:
    """The renderer with a production-like base URL."""
    return RenduMails(ParametresMail(url_base=URL + "/"))


def test_le_parcours_met_chaque_modele_en_file(
    messages: Sequence[MessageSortant], rendu: RenduMails
) -> None:
    """The journey queues every template the adapter has, and the adapter has them all."""
    assert {msg.modele for msg in messages} == rendu.modeles()
    assert len(rendu.modeles()) == 25
    invitations = [msg for msg in messages if msg.modele == "invitation"]
    assert {"invite_par" in msg.contexte for msg in invitations} == {True, False}


def test_chaque_message_se_rend_sans_variable_manquante(
    messages: Sequence[MessageSortant], rendu: RenduMails
) -> None:
    """Every queued message renders: a subject, a French text part and an HTML part."""
    for message in messages:
        mail = rendu.rendre(message)
        assert mail.sujet
        assert "\n" not in mail.sujet
        assert mail.texte.startswith("Bonjour,\n")
        assert '<html lang="fr">' in mail.html
        assert "{{" not in mail.texte + mail.html
        for cle, valeur in message.contexte.items():
            # Identifiers, names and addresses appear as they are (dates and amounts are
            # formatted); a delegation is reached from the "Gestion des accès" page.
            if cle != "delegation_id" and not re.fullmatch(r"[\d.:+T-]*", valeur):
                assert valeur in mail.texte, (message.modele, cle)


def _message(modele: str, **contexte: str) -> MessageSortant:
    return MessageSortant(
        id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        destinataire=Email("compta@cfa-a.fr"),
        modele=modele,
        contexte=contexte,
        cree_le=dt.datetime(2020, 8, 21, 12, 5, tzinfo=dt.UTC),
    )


def test_activation_lien_absolu_et_heure_de_paris(rendu: RenduMails) -> None:
    """The activation link is absolute and URL-quoted; its end is shown in Paris time."""
    mail = rendu.rendre(
        _message(
            "activation_compte",
            lien_jeton="abc-DEF_123",
            expire_le="2020-08-22T12:05:00+00:00",
            organisme="CFA Santé",
        )
    )
    assert "https://cfa.example/activation/abc-DEF_123\n" in mail.texte
    assert 'href="https://cfa.example/activation/abc-DEF_123"' in mail.html
    assert "valable jusqu'au 22/08/2020 à 14:05" in mail.texte
    assert mail.sujet == "Activez votre compte sur la Plateforme CFA"


def test_montants_et_dates_en_francais(rendu: RenduMails) -> None:
    """Amounts as « 26 247,00 € » (Babel, fr_FR), days as 21/08/2020."""
    mail = rendu.rendre(
        _message(
            "demande_refusee",
            demande_id="d-1",
            numero_action="2011303654",
            debut="2020-08-21",
            fin="2021-02-28",
            montant="26247.00",
            motif="Facture <illisible>",
        )
    )
    assert "Montant demandé : 26\u202f247,00\xa0€" in mail.texte
    assert "Période : du 21/08/2020 au 28/02/2021" in mail.texte
    assert "Motif : Facture <illisible>" in mail.texte
    assert "Facture &lt;illisible&gt;" in mail.html  # escaped in HTML only
    assert mail.sujet == "Demande de remboursement refusée (action 2011303654)"


def test_variable_manquante_est_une_erreur(rendu: RenduMails) -> None:
    """StrictUndefined: a missing variable raises instead of leaving a hole."""
    with pytest.raises(jinja2.UndefinedError, match="lien_jeton"):
        rendu.rendre(_message("reinitialisation_mot_de_passe", expire_le="2020-08-22T12:05:00"))


def test_modele_inconnu(rendu: RenduMails) -> None:
    """A template name the adapter does not know is named in the error."""
    with pytest.raises(ModeleInconnu, match="« inexistant »"):
        rendu.rendre(_message("inexistant"))


def test_composer_entetes_alternative_et_piece_jointe(rendu: RenduMails) -> None:
    """The MIME mail: headers, a stable Message-ID, text and HTML, the attachment."""
    message = _message("compte_refuse", motif="Adresse personnelle")
    piece = PieceJointeMail("recepisse.pdf", "application/pdf", b"%PDF-1.7 contenu")
    brut = rendu.composer(message, [piece]).as_bytes()
    relu = email.message_from_bytes(brut, policy=email.policy.default)
    assert isinstance(relu, EmailMessage)
    assert relu["Message-ID"] == "<12345678-1234-5678-1234-567812345678@cfa.localhost>"
    assert relu["From"] == "Plateforme CFA <ne-pas-repondre@cfa.localhost>"
    assert relu["To"] == "compta@cfa-a.fr"
    assert relu["Subject"] == "Votre demande de compte n'a pas été acceptée"
    assert relu["Date"] == "Fri, 21 Aug 2020 12:05:00 +0000"
    texte = relu.get_body(("plain",))
    html = relu.get_body(("html",))
    assert texte is not None
    assert html is not None
    assert "Motif : Adresse personnelle" in texte.get_content()
    assert "<strong>Motif&nbsp;:</strong> Adresse personnelle" in html.get_content()
    (jointe,) = relu.iter_attachments()
    assert (jointe.get_filename(), jointe.get_content_type()) == (
        "recepisse.pdf",
        "application/pdf",
    )
    assert jointe.get_content() == b"%PDF-1.7 contenu"
    assert rendu.composer(message)["Message-ID"] == relu["Message-ID"]


@pytest.mark.parametrize(
    ("reglage", "message"),
    [
        ({"url_base": "cfa.example"}, "URL de base invalide"),
        ({"expediteur": "personne"}, "Adresse d'expédition invalide"),
        ({"fuseau_horaire": "Europe/Atlantide"}, "Fuseau horaire inconnu"),
    ],
)
def test_parametres_invalides(reglage: dict[str, str], message: str) -> None:
    """A bad setting is refused when built, with a French line."""
    with pytest.raises(ReglageInvalide, match=message):
        ParametresMail(**reglage)


def test_chaque_mail_se_relit_tel_que_rendu(
    messages: Sequence[MessageSortant], rendu: RenduMails
) -> None:
    """Every queued message, composed and read back by a mail reader, reads as rendered.

    Its subject, text and HTML are those rendered, and its bytes those ``compat32`` itself
    would write, the same at every composition.
    """
    compat32 = email.policy.compat32.clone(max_line_length=0, linesep="\r\n")
    for message in messages:
        attendu = rendu.rendre(message)
        compose = rendu.composer(message)
        brut = compose.as_bytes(policy=compose.policy.clone(linesep="\r\n"))
        assert brut == compose.as_bytes(policy=compat32)
        # the same bytes at every attempt: boundaries come from the message's id
        assert rendu.composer(message).as_bytes() == compose.as_bytes()
        relu = email.message_from_bytes(brut, policy=email.policy.default)
        assert isinstance(relu, EmailMessage)
        assert relu["Subject"] == attendu.sujet
        texte, html = relu.get_body(("plain",)), relu.get_body(("html",))
        assert texte is not None
        assert html is not None
        assert texte.get_content().replace("\r\n", "\n") == attendu.texte
        assert html.get_content().replace("\r\n", "\n") == attendu.html
        for partie in (texte, html):  # quoted-printable: lines of 76 characters at most
            assert max(map(len, str(partie.get_payload()).splitlines())) <= 76


@pytest.mark.parametrize(
    "sujet",
    [
        "Activez votre compte sur la Plateforme CFA",
        "Demande de remboursement refusée (action 2011303654)",
        "Délégation révoquée : « Centre de formation d'apprentis de la santé et du "
        "médico-social — Île-de-France » ✓ 26\u202f247,00\xa0€ " * 2,
        "Un =?piège?= en ASCII",
    ],
)
def test_sujet_en_mots_rfc_2047(sujet: str) -> None:
    """A subject in ASCII is written as it is; any other in RFC 2047 words.

    UTF-8 words of 75 characters at most, on one line, which a reader decodes back.
    """
    message = _message("compte_refuse", motif="Adresse personnelle")
    rendu = RenduMails()
    mail = rendu.composer(message)
    del mail["Subject"]
    mail["Subject"] = rendu_sujet = rendu_module._entete_encode(sujet)
    assert rendu_sujet.isascii()
    assert (rendu_sujet == sujet) == (sujet.isascii() and "=?" not in sujet)
    assert all(len(mot) <= 75 for mot in rendu_sujet.split(" ") if mot.startswith("=?"))
    relu = email.message_from_bytes(mail.as_bytes(), policy=email.policy.default)
    assert relu["Subject"] == sujet


@pytest.mark.parametrize(
    "valeur",
    ["Plateforme CFA <ne-pas-repondre@cfa.localhost>", "", "Récépissé", "deux\tmots", "a\nb"],
)
def test_entetes_ecrits_comme_compat32(valeur: str) -> None:
    """The mails' policy writes any header with the bytes ``compat32`` writes."""
    compat32 = email.policy.compat32.clone(max_line_length=0, linesep="\r\n")
    politique = rendu_module._SANS_REPLI.clone(linesep="\r\n")
    assert politique.fold_binary("X-Essai", valeur) == compat32.fold_binary("X-Essai", valeur)
