"""The contract suites' defaults over :mod:`cfa_domain.testing.exemples` (no I/O).

Organismes at ``SIRET_A`` with ``cfa-exemple.fr`` addresses, and a file on a two-year
contract from September 2024; everything else (requests, delegations, documents, mails)
comes from the test kit itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import attrs

from cfa_domain.action import Action, EtatDossier
from cfa_domain.compte import Compte
from cfa_domain.organisme import FicheOrganisme, Interlocuteur, Organisme
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import HacheurMemoire
from cfa_domain.values import Email, Montant, NumeroDeca, NumeroSia, Periode, Siret

if TYPE_CHECKING:
    from cfa_domain.ports import FabriqueUnitOfWork

SIRET_A = Siret("85403311500015")
SIRET_B = exemples.SIRET_CFA
SIRET_C = Siret("35600000000048")
QUAND = exemples.INSTANT
MOT_DE_PASSE = exemples.MOT_DE_PASSE
CONTRAT = Periode(dt.date(2024, 9, 2), dt.date(2026, 8, 31))
BUDGET_PEDAGOGIQUE = Montant(12000)


def instant(minutes: int) -> dt.datetime:
    """``QUAND`` plus a number of minutes (distinct, ordered instants)."""
    return QUAND + dt.timedelta(minutes=minutes)


def fiche(email: str = "contact@cfa-exemple.fr") -> FicheOrganisme:
    """The test kit's information sheet, with this address."""
    return exemples.fiche(email=Email(email))


def interlocuteur(email: str = "claire.durand@cfa-exemple.fr") -> Interlocuteur:
    """The test kit's contact person, with this address (on the organisme's file)."""
    return exemples.interlocuteur(email=Email(email))


def organisme(siret: Siret = SIRET_A, quand: dt.datetime = QUAND) -> Organisme:
    """An organisme the OPCO knows (active)."""
    return exemples.organisme(siret, fiche=fiche(), interlocuteur=interlocuteur(), quand=quand)


def organisme_soumis(siret: Siret = SIRET_B, quand: dt.datetime = QUAND) -> Organisme:
    """An information sheet awaiting an OPCO agent."""
    return Organisme.fiche_soumise(
        siret=siret, fiche=fiche(), interlocuteur=interlocuteur(), quand=quand
    )


def compte(
    email: str = "claire.durand@cfa-exemple.fr",
    org: Organisme | None = None,
    quand: dt.datetime = QUAND,
    compte_id: uuid.UUID | None = None,
) -> Compte:
    """A CFA account opened on an active organisme."""
    return exemples.compte(
        email, chez=org or organisme(), quand=quand, id=compte_id or uuid.uuid4()
    )


def compte_actif(
    email: str = "claire.durand@cfa-exemple.fr",
    org: Organisme | None = None,
    compte_id: uuid.UUID | None = None,
) -> Compte:
    """A CFA account (approved by an agent if its address is not on file), activated."""
    return exemples.compte_actif(
        email, chez=org or organisme(), quand=QUAND, id=compte_id or uuid.uuid4()
    )


def pdf(texte: str) -> bytes:
    """The bytes of an uploaded PDF (the use case checks the ``%PDF-`` signature only)."""
    return f"%PDF-1.7\n{texte}\n%%EOF\n".encode()


def action(
    numero: str = "2011303654",
    siret_cfa: Siret = SIRET_A,
    *,
    nom: str = "Martin",
    prenom: str = "Éloïse",
    deca: str | None = None,
    sia: str | None = None,
    budget: Montant = BUDGET_PEDAGOGIQUE,
    rqth: bool = False,
    majoration: Montant | None = None,
    etat: EtatDossier = EtatDossier.EN_COURS,
    depot: dt.date = dt.date(2024, 8, 20),
) -> Action:
    """The test kit's file on a two-year contract from September 2024, moved to ``etat``."""
    return exemples.action(
        numero,
        etat=etat,
        siret_cfa=siret_cfa,
        formation=exemples.formation(
            numero_deca=None if deca is None else NumeroDeca(deca),
            date_depot=depot,
            periode=Periode(dt.date(2024, 9, 2), dt.date(2026, 6, 30)),
            numero_sia=None if sia is None else NumeroSia(sia),
        ),
        contrat=exemples.contrat(
            periode=CONTRAT,
            apprenti=exemples.apprenti(nom=nom, prenom=prenom, rqth=rqth),
            date_signature=dt.date(2024, 8, 15),
        ),
        budget=exemples.budget(
            frais_pedagogiques=budget,
            hebergement=Montant(1000),
            mobilite=Montant(800),
            transport=Montant(100),
            frais_divers=Montant(600),
            majoration_handicap=majoration or Montant(0),
        ),
        quand=QUAND - dt.timedelta(days=365),
    )


def champs(agregat: object) -> dict[str, object]:
    """An aggregate's fields (entities compare by identity; tests compare their values)."""
    return attrs.asdict(agregat, recurse=False)  # type: ignore[arg-type]  # attrs instances


def agent_enregistre(uow: FabriqueUnitOfWork, email: str = "agent@opco.example") -> uuid.UUID:
    """An active OPCO agent's account, stored through ``uow``; its id."""
    agent = Compte.ouvrir_agent(
        id=uuid.uuid4(),
        email=Email(email),
        mot_de_passe=MOT_DE_PASSE,
        quand=QUAND,
        hasher=HacheurMemoire(),
        auteur="administrateur",
    )
    with uow() as unite:
        unite.comptes.ajouter(agent)
        unite.commit()
    return agent.id
