"""The portal under test: the real application on a SQLite file, driven by Litestar's client.

Every adapter is the real one (SQL unit of work, files on disk, fpdf2 receipts, pypdf
checks, argon2id with light parameters so that a login costs milliseconds), except the
clock, which the tests move (:class:`~cfa_domain.testing.fakes.HorlogeFixe`), and the mail
relay, which does not run: the tests read the outbox in the database.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from typing import TYPE_CHECKING, Any

import argon2
import attrs
import pytest
import sqlalchemy as sa
from fpdf import FPDF
from litestar import Litestar
from litestar.testing import TestClient

from cfa_adapters.files.entrepot import EntrepotDocumentsFichiers
from cfa_adapters.pdf import RenduRecepissePdf, VerificateurPdfPypdf
from cfa_adapters.sql.magasin import CompteurSql, MagasinSql
from cfa_adapters.sql.outbox import messages_a_envoyer
from cfa_adapters.sql.schema import ouvrir_base
from cfa_adapters.sql.uow import fabrique_uow
from cfa_adapters.systeme import HacheurArgon2, JetonsSecrets
from cfa_domain.action import EtatDossier
from cfa_domain.compte import Compte
from cfa_domain.ports import DossierFlux
from cfa_domain.services import acces, actions, flux
from cfa_domain.services.contexte import Contexte
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import HorlogeFixe, MemoireSourceFlux
from cfa_domain.values import Email
from cfa_web.app import Composants, create_app
from cfa_web.settings import ReglagesWeb

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from cfa_domain.ports import MessageSortant
    from cfa_domain.services.flux import Bilan

MOT_DE_PASSE = "Facturation-apprentis-2023"
EMAIL_CFA = "compta@cfa-sante.fr"
EMAIL_AGENT = "conseiller@opco.example"
_JETON_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@attrs.define
class Portail:
    """The application, its client, and what a test reaches behind the pages."""

    app: Litestar
    client: TestClient[Litestar]
    contexte: Contexte
    moteur: sa.Engine
    horloge: HorlogeFixe

    def client_neuf(self) -> TestClient[Litestar]:
        """Another browser (its own cookies) on the same application."""
        return TestClient(self.app)

    def messages(self) -> list[MessageSortant]:
        """The mails queued in the outbox, oldest first."""
        return list(messages_a_envoyer(self.moteur, limite=1000))

    def dernier_lien(self, modele: str) -> str:
        """The secret of the last mail of ``modele`` (what its link carries)."""
        message = [m for m in self.messages() if m.modele == modele][-1]
        return message.contexte["lien_jeton"]

    def organisme_connu(
        self,
        siret: Any = exemples.SIRET_CFA,
        email: str = EMAIL_CFA,
        raison_sociale: str | None = None,
    ) -> None:
        """An organisme the OPCO knows, with ``email`` on file (and its sheet's name)."""
        fiche = (
            exemples.fiche()
            if raison_sociale is None
            else exemples.fiche(raison_sociale=raison_sociale)
        )
        with self.contexte.uow() as uow:
            uow.organismes.ajouter(
                exemples.organisme(siret, emails_connus=(Email(email),), fiche=fiche)
            )
            uow.commit()

    def compte_actif(
        self,
        email: str = EMAIL_CFA,
        mot_de_passe: str = MOT_DE_PASSE,
        siret: Any = exemples.SIRET_CFA,
        raison_sociale: str | None = None,
    ) -> None:
        """An organisme and its first account, activated through the use cases."""
        self.organisme_connu(siret, email, raison_sociale)
        acces.creer_compte(
            self.contexte,
            siret=str(siret),
            email=email,
            confirmation_email=email,
            mot_de_passe=mot_de_passe,
            confirmation_mot_de_passe=mot_de_passe,
        )
        acces.activer_compte(self.contexte, self.dernier_lien("activation_compte"), mot_de_passe)

    def id_compte(self, email: str = EMAIL_CFA) -> uuid.UUID:
        """The id of the account of ``email`` (what the use cases take)."""
        with self.contexte.uow(lecture_seule=True) as uow:
            compte = uow.comptes.par_email(Email(email))
        assert compte is not None, email
        return compte.id

    def agent(self, email: str = EMAIL_AGENT, mot_de_passe: str = MOT_DE_PASSE) -> uuid.UUID:
        """An active OPCO agent's account (opened on first call); its id."""
        with self.contexte.uow() as uow:
            existant = uow.comptes.par_email(Email(email))
            if existant is not None:
                return existant.id
            agent = Compte.ouvrir_agent(
                id=self.contexte.jetons.identifiant(),
                email=Email(email),
                mot_de_passe=mot_de_passe,
                quand=self.contexte.maintenant(),
                hasher=self.contexte.hacheur,
                auteur="administrateur",
            )
            uow.comptes.ajouter(agent)
            uow.commit()
            return agent.id

    def recevoir(self, *dossiers: DossierFlux) -> Bilan:
        """Files sent by the adhérents' Webservice, through the feed's use case."""
        source = MemoireSourceFlux(list(dossiers), nom=f"test-{uuid.uuid4().hex}")
        return flux.synchroniser(self.contexte, source)


def texte(reponse: Any) -> str:
    """The page's text as a reader sees it (HTML entities decoded)."""
    return html.unescape(reponse.text)


def jeton_csrf(client: TestClient[Litestar], page: str = "/connexion") -> str:
    """The CSRF token of a form, as a browser gets it (GET the page, read the hidden field)."""
    reponse = client.get(page)
    trouve = _JETON_CSRF.search(reponse.text)
    assert trouve is not None, f"no CSRF field on {page}"
    return trouve.group(1)


def poster(
    client: TestClient[Litestar],
    adresse: str,
    champs: dict[str, str],
    *,
    page: str | None = None,
    **options: Any,
) -> Any:
    """Post a form with the CSRF token of ``page`` (``adresse`` by default)."""
    jeton = jeton_csrf(client, page or adresse)
    return client.post(
        adresse, data={**champs, "_csrf_token": jeton}, follow_redirects=False, **options
    )


def connecter(
    client: TestClient[Litestar], email: str = EMAIL_CFA, mot_de_passe: str = MOT_DE_PASSE
) -> Any:
    """Log in through the login form; the response is the redirect."""
    reponse = poster(client, "/connexion", {"email": email, "mot_de_passe": mot_de_passe})
    assert reponse.status_code == 303, reponse.text
    return reponse


def reglages_de_test(dossier: Path, **changes: Any) -> ReglagesWeb:
    """Settings for plain http on the test client."""
    return attrs.evolve(
        ReglagesWeb(
            url_base_donnees=f"sqlite:///{dossier / 'cfa.sqlite3'}",
            cle_secrete="cle-de-test-" + "x" * 40,
            cookies_securises=False,
            dossier_documents=dossier / "documents",
            relais_mail=False,
        ),
        **changes,
    )


@pytest.fixture
def fabrique_portail(tmp_path: Path) -> Iterator[Any]:
    """Build portals (settings changed by keyword); each is closed at the end."""
    ouverts: list[tuple[TestClient[Litestar], sa.Engine]] = []

    def fabriquer(**changes: Any) -> Portail:
        reglages = reglages_de_test(tmp_path, **changes)
        moteur = ouvrir_base(reglages.url_base_donnees)
        horloge = HorlogeFixe(dt.datetime(2023, 9, 10, 8, 30, tzinfo=dt.UTC))
        contexte = Contexte(
            uow=fabrique_uow(moteur),
            horloge=horloge,
            jetons=JetonsSecrets(),
            hacheur=HacheurArgon2(argon2.PasswordHasher(time_cost=1, memory_cost=1024)),
            documents=EntrepotDocumentsFichiers(reglages.dossier_documents),
            rendu_recepisse=RenduRecepissePdf(),
            verificateur_pdf=VerificateurPdfPypdf(),
        )
        app = create_app(
            reglages,
            Composants(
                contexte=contexte,
                sessions=MagasinSql(moteur),
                compteur=CompteurSql(moteur),
                moteur=moteur,
            ),
        )
        client = TestClient(app)
        client.__enter__()
        ouverts.append((client, moteur))
        return Portail(app=app, client=client, contexte=contexte, moteur=moteur, horloge=horloge)

    yield fabriquer
    for client, moteur in ouverts:
        client.__exit__(None, None, None)
        moteur.dispose()


@pytest.fixture
def portail(fabrique_portail: Any) -> Portail:
    """A portal with the default settings."""
    return fabrique_portail()  # type: ignore[no-any-return]


# --- Files and documents for the request pages (portail-demandes) ---------------------------

EMAIL_AGENT = "conseiller@opco.example"
MOT_DE_PASSE_AGENT = "Instruction-des-dossiers-2023"
NUMERO_ACTION = "2011303654"


def agent_opco(portail: Portail, email: str = EMAIL_AGENT) -> uuid.UUID:
    """An active OPCO agent's account (as the OPCO's administrator opens it); its id."""
    ctx = portail.contexte
    agent = Compte.ouvrir_agent(
        id=ctx.jetons.identifiant(),
        email=Email(email),
        mot_de_passe=MOT_DE_PASSE_AGENT,
        quand=ctx.maintenant(),
        hasher=ctx.hacheur,
        auteur="administrateur",
    )
    with ctx.uow() as uow:
        uow.comptes.ajouter(agent)
        uow.commit()
    return agent.id


def dossier_recu(
    portail: Portail, numero: str = NUMERO_ACTION, siret: Any = exemples.SIRET_CFA
) -> None:
    """The adhérent's Webservice sends a file of the CFA ``siret`` (the test kit's contract)."""
    dossier = DossierFlux(
        numero_action=numero,
        version=1,
        formation=exemples.formation(siret_cfa=siret),
        contrat=exemples.contrat(),
        budget=exemples.budget(),
    )
    bilan = flux.synchroniser(portail.contexte, MemoireSourceFlux([dossier], nom=f"flux-{numero}"))
    assert (bilan.crees, bilan.rejetes) == (1, 0)


def dossier_en_cours(
    portail: Portail,
    agent_id: uuid.UUID,
    numero: str = NUMERO_ACTION,
    siret: Any = exemples.SIRET_CFA,
) -> None:
    """A file received from the feed, instructed by ``agent_id`` and funded (*en cours*)."""
    dossier_recu(portail, numero, siret)
    for etat in (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS):
        actions.changer_etat_action(portail.contexte, agent_id, numero, etat, "dossier complet")


def pdf_valide(texte: str, pages: int = 1) -> bytes:
    """A small real PDF (fpdf2) of ``pages`` pages showing ``texte``."""
    document = FPDF()
    document.set_font("helvetica", size=12)
    for _ in range(pages):
        document.add_page()
        document.cell(text=texte)
    return bytes(document.output())


# --- The OPCO agents' back office --------------------------------------------------------


def connecter_agent(
    client: TestClient[Litestar],
    email: str = EMAIL_AGENT,
    mot_de_passe: str = MOT_DE_PASSE_AGENT,
) -> Any:
    """Log in through the agents' login form; the response is the redirect."""
    reponse = poster(
        client, "/backoffice/connexion", {"email": email, "mot_de_passe": mot_de_passe}
    )
    assert reponse.status_code == 303, reponse.text
    return reponse


@attrs.define
class BackOffice:
    """A portal with an OPCO agent logged in on a client of its own."""

    portail: Portail
    client: TestClient[Litestar]
    """The agent's browser (``portail.client`` stays free for a CFA)."""
    agent_id: uuid.UUID

    @property
    def contexte(self) -> Contexte:
        """The portal's context (what a test reaches behind the pages)."""
        return self.portail.contexte


@pytest.fixture
def back_office(portail: Portail) -> BackOffice:
    """An active agent (``EMAIL_AGENT``), logged in through ``/backoffice/connexion``."""
    agent_id = agent_opco(portail)
    client = portail.client_neuf()
    connecter_agent(client)
    return BackOffice(portail=portail, client=client, agent_id=agent_id)
