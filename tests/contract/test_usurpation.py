"""Squatting on every backend: nobody keeps someone else's address or SIRET for good.

- **Email.** A request typed with someone else's address under another organisme's
  public SIRET never keeps the address from its owner: her own creation form erases the
  squatter's request (pending or refused) and opens her account; a request refused by
  an agent is erased at once.
- **SIRET.** An information sheet refused by an agent does not block a new sheet for
  that SIRET.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from cfa_domain.compte import Compte, StatutCompte
from cfa_domain.errors import ErreurDomaine, JetonInvalide, OrganismeExistant
from cfa_domain.organisme import Organisme, StatutOrganisme
from cfa_domain.services import acces, organismes
from cfa_domain.testing.fakes import HacheurMemoire
from cfa_domain.values import Email

from .constructeurs import (
    MOT_DE_PASSE,
    QUAND,
    SIRET_A,
    SIRET_B,
    SIRET_C,
    fiche,
    interlocuteur,
    organisme,
)

if TYPE_CHECKING:
    from .conftest import Deploiement

VICTIME = "claire.durand@cfa-exemple.fr"  # on file for organisme A only
MDP_PIRATE = "Attaquant-Choisi-2024!"


def installer(deploiement: Deploiement) -> uuid.UUID:
    """Organisme A (the victim's address on file), organisme B (other addresses), an agent."""
    deploiement.horloge.instant = QUAND
    autre = Organisme.connu(
        siret=SIRET_B,
        fiche=fiche("contact@autre-cfa.fr"),
        interlocuteur=interlocuteur("direction@autre-cfa.fr"),
        quand=QUAND,
        auteur="flux OPCO",
    )
    agent = Compte.ouvrir_agent(
        id=uuid.uuid4(),
        email=Email("conseiller@opco.example"),
        mot_de_passe=MOT_DE_PASSE,
        quand=QUAND,
        hasher=HacheurMemoire(),
        auteur="administrateur",
    )
    with deploiement.banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.organismes.ajouter(autre)
        uow.comptes.ajouter(agent)
        uow.commit()
    return agent.id


def creer(deploiement: Deploiement, siret: str, mot_de_passe: str) -> None:
    """Fill the creation form with the victim's address."""
    acces.creer_compte(
        deploiement.contexte,
        siret=siret,
        email=VICTIME,
        confirmation_email=VICTIME,
        mot_de_passe=mot_de_passe,
        confirmation_mot_de_passe=mot_de_passe,
    )


def titulaire(deploiement: Deploiement) -> Compte | None:
    """The account holding the victim's address, as committed."""
    with deploiement.banc.uow() as uow:
        return uow.comptes.par_email(Email(VICTIME))


def activer_comme_la_victime(deploiement: Deploiement) -> None:
    """Follow the last activation link of her mailbox with her password, then log in."""
    lien = next(
        m.contexte["lien_jeton"]
        for m in reversed(deploiement.messages())
        if m.destinataire == Email(VICTIME) and m.modele == "activation_compte"
    )
    acces.activer_compte(deploiement.contexte, lien, MOT_DE_PASSE)
    connexion = acces.se_connecter(deploiement.contexte, VICTIME, MOT_DE_PASSE)
    assert connexion.siret == SIRET_A


@pytest.mark.parametrize("refuser", [False, True], ids=["en_attente", "refuse"])
def test_une_demande_d_un_autre_organisme_ne_garde_pas_l_adresse(
    deploiement: Deploiement, refuser: bool
) -> None:
    """The squatter's request under B, pending or refused, gives way to the owner's form."""
    agent = installer(deploiement)
    creer(deploiement, SIRET_B.numero, MDP_PIRATE)
    squat = titulaire(deploiement)
    assert squat is not None
    assert (squat.statut, squat.siret_organisme) == (StatutCompte.EN_ATTENTE_APPROBATION, SIRET_B)
    if refuser:
        acces.refuser_compte(deploiement.contexte, agent, squat.id, "Adresse sans rapport")
        assert titulaire(deploiement) is None  # erased at once: the address is free
    creer(deploiement, SIRET_A.numero, MOT_DE_PASSE)
    compte = titulaire(deploiement)
    assert compte is not None
    assert (compte.siret_organisme, compte.statut) == (SIRET_A, StatutCompte.EN_ATTENTE_ACTIVATION)
    assert compte.id != squat.id
    with deploiement.banc.uow() as uow:
        assert uow.comptes.obtenir(squat.id) is None
        assert [c.id for c in uow.comptes.a_approuver()] == []
    activer_comme_la_victime(deploiement)


def test_une_demande_en_attente_du_meme_organisme_garde_son_adresse(
    deploiement: Deploiement,
) -> None:
    """A pending request of the same organisme is not erased: its owner is told instead."""
    installer(deploiement)
    creer(deploiement, SIRET_B.numero, MDP_PIRATE)
    premiere = titulaire(deploiement)
    assert premiere is not None
    avant = len(deploiement.messages())
    creer(deploiement, SIRET_B.numero, MOT_DE_PASSE)
    seconde = titulaire(deploiement)
    assert seconde is not None
    assert (seconde.id, seconde.statut) == (premiere.id, StatutCompte.EN_ATTENTE_APPROBATION)
    assert [m.modele for m in deploiement.messages()[avant:]] == ["compte_existant"]


def test_un_compte_active_garde_son_adresse(deploiement: Deploiement) -> None:
    """Once activated, an account keeps its address against any other organisme's form."""
    installer(deploiement)
    creer(deploiement, SIRET_A.numero, MOT_DE_PASSE)
    activer_comme_la_victime(deploiement)
    creer(deploiement, SIRET_B.numero, MDP_PIRATE)
    compte = titulaire(deploiement)
    assert compte is not None
    assert (compte.siret_organisme, compte.statut) == (SIRET_A, StatutCompte.ACTIF)
    assert deploiement.messages()[-1].modele == "compte_existant"


def test_une_demande_approuvee_par_erreur_cede_aussi(deploiement: Deploiement) -> None:
    """Approved by mistake, the squatter's request still gives way, and its link dies."""
    agent = installer(deploiement)
    creer(deploiement, SIRET_B.numero, MDP_PIRATE)
    squat = titulaire(deploiement)
    assert squat is not None
    acces.approuver_compte(deploiement.contexte, agent, squat.id)
    lien_squat = deploiement.messages()[-1].contexte["lien_jeton"]
    creer(deploiement, SIRET_A.numero, MOT_DE_PASSE)
    with pytest.raises(JetonInvalide):
        acces.activer_compte(deploiement.contexte, lien_squat, MDP_PIRATE)
    activer_comme_la_victime(deploiement)


# --- SIRET ------------------------------------------------------------------------------


def soumettre(deploiement: Deploiement, email: str) -> None:
    """Send the information sheet of SIRET C (unknown to the OPCO)."""
    organismes.soumettre_fiche(
        deploiement.contexte,
        siret=SIRET_C.numero,
        fiche=fiche(email),
        interlocuteur=interlocuteur(email),
    )


def test_une_fiche_refusee_ne_bloque_pas_une_nouvelle_fiche(deploiement: Deploiement) -> None:
    """After an agent refuses a squatter's sheet, the real organisme's sheet is accepted."""
    agent = installer(deploiement)
    soumettre(deploiement, "pirate@exemple.fr")
    with pytest.raises(OrganismeExistant):  # pending: still one sheet at a time
        soumettre(deploiement, "contact@vrai-cfa.fr")
    organismes.refuser_fiche(deploiement.contexte, agent, SIRET_C.numero, "Fiche fantaisiste")
    soumettre(deploiement, "contact@vrai-cfa.fr")
    with deploiement.banc.uow() as uow:
        nouvelle = uow.organismes.obtenir(SIRET_C)
    assert nouvelle is not None
    assert nouvelle.statut is StatutOrganisme.A_VALIDER
    assert nouvelle.fiche.email == Email("contact@vrai-cfa.fr")
    assert nouvelle.emails_connus == frozenset()
    assert [c.arrivee for c in nouvelle.historique] == [
        StatutOrganisme.A_VALIDER,
        StatutOrganisme.INACTIF,
        StatutOrganisme.A_VALIDER,
    ]
    assert deploiement.messages()[-1].destinataire == Email("contact@vrai-cfa.fr")
    organismes.valider_fiche(deploiement.contexte, agent, SIRET_C.numero, "OF-777")


def test_un_organisme_desactive_apres_validation_reste_bloque(deploiement: Deploiement) -> None:
    """Only a refused sheet gives way: an organisme deactivated by the OPCO keeps its SIRET."""
    agent = installer(deploiement)
    soumettre(deploiement, "contact@vrai-cfa.fr")
    organismes.valider_fiche(deploiement.contexte, agent, SIRET_C.numero, "OF-777")
    with deploiement.banc.uow() as uow:
        connu = uow.organismes.obtenir(SIRET_C)
        assert connu is not None
        connu.desactiver("conseiller", QUAND, "Cessation d'activité")
        uow.commit()
    with pytest.raises(ErreurDomaine) as erreur:
        soumettre(deploiement, "pirate@exemple.fr")
    assert isinstance(erreur.value, OrganismeExistant)
