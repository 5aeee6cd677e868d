"""Use cases of the organisme: information sheet, « Fiche OF », « Gestion des accès »."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cfa_domain.compte import Compte, StatutCompte
from cfa_domain.errors import (
    AccesRefuse,
    CompteNonActive,
    Conflit,
    DelegationImpossible,
    DonneeInvalide,
    FicheNonEnAttente,
    Introuvable,
    OrganismeExistant,
    OrganismeNonActif,
    TransitionInterdite,
)
from cfa_domain.organisme import Organisme, StatutDelegation, StatutOrganisme
from cfa_domain.services import acces, organismes
from cfa_domain.services.contexte import sirets_visibles
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import Memoire, memoire
from cfa_domain.values import Email, Siret

if TYPE_CHECKING:
    from cfa_domain.organisme import Delegation
    from cfa_domain.ports import MessageSortant

MDP = "Cheval-Agrafe-Pile9"
SIRET_A = exemples.SIRET_CFA
SIRET_B = exemples.SIRET_CFA_2
SIRET_C = Siret("44306184100047")
SIRET_INCONNU = Siret("35600000000048")


# --- Helpers -------------------------------------------------------------------------


def organisme_de(siret: Siret, lettre: str) -> Organisme:
    """An active organisme whose sheet and contact addresses are ``contact@<lettre>.fr``..."""
    return exemples.organisme(
        siret,
        fiche=exemples.fiche(
            raison_sociale=f"CFA {lettre.upper()}", email=Email(f"contact@{lettre}.fr")
        ),
        interlocuteur=exemples.interlocuteur(email=Email(f"direction@{lettre}.fr")),
    )


def stocker(m: Memoire, *elements: Organisme | Compte) -> None:
    """Store organismes or accounts directly."""
    with m.stockage.uow() as uow:
        for element in elements:
            if isinstance(element, Organisme):
                uow.organismes.ajouter(element)
            else:
                uow.comptes.ajouter(element)
        uow.commit()


def ouvrir(m: Memoire, email: str, siret: Siret) -> uuid.UUID:
    """Create and activate an account of an organisme through the use cases."""
    acces.creer_compte(
        m.contexte,
        siret=siret.numero,
        email=email,
        confirmation_email=email,
        mot_de_passe=MDP,
        confirmation_mot_de_passe=MDP,
    )
    lien = messages_a(m, email)[-1].contexte["lien_jeton"]
    acces.activer_compte(m.contexte, lien, MDP)
    with m.stockage.uow() as uow:
        compte = uow.comptes.par_email(Email(email))
    assert compte is not None
    return compte.id


def agent(m: Memoire) -> uuid.UUID:
    """An active OPCO agent."""
    compte = Compte.ouvrir_agent(
        id=uuid.uuid4(),
        email=Email("agent@opco.fr"),
        mot_de_passe=MDP,
        quand=m.horloge.maintenant(),
        hasher=m.hacheur,
        auteur="admin",
    )
    stocker(m, compte)
    return compte.id


def messages_a(m: Memoire, email: str) -> list[MessageSortant]:
    """Committed mails to one address."""
    return [msg for msg in m.stockage.messages if msg.destinataire == Email(email)]


def organisme(m: Memoire, siret: Siret) -> Organisme:
    """The committed organisme."""
    with m.stockage.uow() as uow:
        trouve = uow.organismes.obtenir(siret)
    assert trouve is not None
    return trouve


def delegation(m: Memoire, delegation_id: uuid.UUID) -> Delegation:
    """The committed delegation."""
    with m.stockage.uow() as uow:
        trouvee = uow.delegations.obtenir(delegation_id)
    assert trouvee is not None
    return trouvee


def visibles(m: Memoire, compte_id: uuid.UUID) -> frozenset[Siret]:
    """The SIRETs whose files an account may see."""
    with m.stockage.uow() as uow:
        compte = uow.comptes.obtenir(compte_id)
        assert compte is not None
        return sirets_visibles(uow, compte)


@pytest.fixture
def m() -> Memoire:
    """Three known organismes A, B, C, each with one active account."""
    deploiement = memoire()
    stocker(
        deploiement,
        organisme_de(SIRET_A, "a"),
        organisme_de(SIRET_B, "b"),
        organisme_de(SIRET_C, "c"),
    )
    for lettre, siret in (("a", SIRET_A), ("b", SIRET_B), ("c", SIRET_C)):
        ouvrir(deploiement, f"contact@{lettre}.fr", siret)
    return deploiement


def compte_de(m: Memoire, lettre: str) -> uuid.UUID:
    """The id of organisme ``lettre``'s account."""
    with m.stockage.uow() as uow:
        compte = uow.comptes.par_email(Email(f"contact@{lettre}.fr"))
    assert compte is not None
    return compte.id


# --- Fiche de renseignements d'un organisme inconnu -------------------------------


def soumettre(m: Memoire, siret: Siret = SIRET_INCONNU) -> None:
    """Submit the example sheet for ``siret``."""
    organismes.soumettre_fiche(
        m.contexte,
        siret=siret.numero,
        fiche=exemples.fiche(email=Email("accueil@nouveau.fr")),
        interlocuteur=exemples.interlocuteur(email=Email("dir@nouveau.fr")),
        reference_opco=" REF-42 ",
    )


def test_soumettre_fiche_d_un_organisme_inconnu(m: Memoire) -> None:
    """The sheet awaits validation, nothing is on file, and its address is acknowledged."""
    soumettre(m)
    soumis = organisme(m, SIRET_INCONNU)
    assert (soumis.statut, soumis.emails_connus, soumis.reference_opco) == (
        StatutOrganisme.A_VALIDER,
        frozenset(),
        "REF-42",
    )
    (mail,) = messages_a(m, "accueil@nouveau.fr")
    assert mail.modele == "fiche_recue"
    assert dict(mail.contexte) == {
        "siret": SIRET_INCONNU.numero,
        "raison_sociale": "CFA des Métiers de la Santé",
    }
    assert acces.verifier_siret(m.contexte, SIRET_INCONNU.numero) is acces.ResultatSiret.EN_ATTENTE


def test_soumettre_fiche_refuse_un_siret_deja_connu(m: Memoire) -> None:
    """A known SIRET, active or awaiting, cannot submit a sheet again."""
    avant = m.stockage.messages
    with pytest.raises(OrganismeExistant) as erreur:
        soumettre(m, SIRET_A)
    assert (erreur.value.champ, erreur.value.siret) == ("siret", SIRET_A.numero)
    assert erreur.value.statut is StatutOrganisme.ACTIF
    soumettre(m)
    with pytest.raises(OrganismeExistant, match="à valider") as erreur:
        soumettre(m)
    assert erreur.value.statut is StatutOrganisme.A_VALIDER
    assert len(m.stockage.messages) == len(avant) + 1


def test_soumettre_fiche_exige_le_telephone_du_contact(m: Memoire) -> None:
    """The validation form requires the contact person's telephone."""
    with pytest.raises(DonneeInvalide) as erreur:
        organismes.soumettre_fiche(
            m.contexte,
            siret=SIRET_INCONNU.numero,
            fiche=exemples.fiche(),
            interlocuteur=exemples.interlocuteur(telephone=None),
        )
    assert erreur.value.champ == "interlocuteur.telephone"


def test_agent_valide_une_fiche_et_ses_adresses_ouvrent_un_compte(m: Memoire) -> None:
    """Once validated, the sheet's addresses are on file: they get an activation link."""
    agent_id = agent(m)
    soumettre(m)
    (a_valider,) = organismes.lister_fiches_a_valider(m.contexte, agent_id)
    assert a_valider.siret == SIRET_INCONNU
    organismes.valider_fiche(m.contexte, agent_id, SIRET_INCONNU.numero, "OF-2025-001")
    valide = organisme(m, SIRET_INCONNU)
    assert (valide.statut, valide.reference_opco) == (StatutOrganisme.ACTIF, "OF-2025-001")
    assert valide.historique[-1].auteur == str(agent_id)
    for adresse in ("accueil@nouveau.fr", "dir@nouveau.fr"):
        mail = messages_a(m, adresse)[-1]
        assert (mail.modele, mail.contexte["reference_opco"]) == ("fiche_validee", "OF-2025-001")
    assert organismes.lister_fiches_a_valider(m.contexte, agent_id) == ()
    compte_id = ouvrir(m, "dir@nouveau.fr", SIRET_INCONNU)
    assert visibles(m, compte_id) == frozenset({SIRET_INCONNU})


def test_agent_refuse_une_fiche_avec_un_motif(m: Memoire) -> None:
    """A rejected sheet makes the organisme inactive; the reason is mailed."""
    agent_id = agent(m)
    soumettre(m)
    organismes.refuser_fiche(m.contexte, agent_id, SIRET_INCONNU.numero, "SIRET fermé")
    assert organisme(m, SIRET_INCONNU).statut is StatutOrganisme.INACTIF
    mail = messages_a(m, "accueil@nouveau.fr")[-1]
    assert (mail.modele, mail.contexte["motif"]) == ("fiche_refusee", "SIRET fermé")
    with pytest.raises(FicheNonEnAttente) as refus:
        organismes.refuser_fiche(m.contexte, agent_id, SIRET_INCONNU.numero, "encore")
    assert refus.value.statut is StatutOrganisme.INACTIF
    with pytest.raises(TransitionInterdite):
        organismes.valider_fiche(m.contexte, agent_id, SIRET_INCONNU.numero, "OF-1")


def test_seul_un_agent_traite_les_fiches(m: Memoire) -> None:
    """A CFA account cannot list, validate or reject sheets, not even its own."""
    soumettre(m)
    cfa = compte_de(m, "a")
    with pytest.raises(AccesRefuse):
        organismes.lister_fiches_a_valider(m.contexte, cfa)
    with pytest.raises(AccesRefuse):
        organismes.valider_fiche(m.contexte, cfa, SIRET_INCONNU.numero, "OF-1")
    with pytest.raises(AccesRefuse):
        organismes.refuser_fiche(m.contexte, cfa, SIRET_INCONNU.numero, "non")
    assert organisme(m, SIRET_INCONNU).statut is StatutOrganisme.A_VALIDER


def test_valider_une_fiche_inconnue(m: Memoire) -> None:
    """Validating a SIRET nobody submitted says so."""
    with pytest.raises(Introuvable):
        organismes.valider_fiche(m.contexte, agent(m), SIRET_INCONNU.numero, "OF-1")


# --- Mon organisme / Fiche OF dématérialisée ---------------------------------------


def test_consulter_son_organisme(m: Memoire) -> None:
    """An account reads its own organisme and its status with the OPCO."""
    lu = organismes.consulter_organisme(m.contexte, compte_de(m, "b"))
    assert (lu.siret, lu.nom, lu.statut.libelle) == (SIRET_B, "CFA B", "actif")


def test_un_agent_n_a_pas_d_organisme(m: Memoire) -> None:
    """An agent's account has no « Mon organisme »."""
    with pytest.raises(AccesRefuse):
        organismes.consulter_organisme(m.contexte, agent(m))


def test_mettre_a_jour_la_fiche_ne_change_pas_les_adresses_connues(m: Memoire) -> None:
    """The sheet is replaced, attributed; a new address typed there is not put on file."""
    compte_id = compte_de(m, "a")
    nouvelle = exemples.fiche(raison_sociale="CFA A rénové", email=Email("pirate@ailleurs.fr"))
    organismes.mettre_a_jour_fiche(m.contexte, compte_id, nouvelle, exemples.interlocuteur())
    apres = organisme(m, SIRET_A)
    assert (apres.nom, apres.fiche_modifiee_par) == ("CFA A rénové", str(compte_id))
    assert not apres.email_connu(Email("pirate@ailleurs.fr"))


def test_mettre_a_jour_la_fiche_exige_le_telephone(m: Memoire) -> None:
    """The Fiche OF requires the organisme's telephone."""
    with pytest.raises(DonneeInvalide) as erreur:
        organismes.mettre_a_jour_fiche(
            m.contexte,
            compte_de(m, "a"),
            exemples.fiche(telephone=None),
            exemples.interlocuteur(),
        )
    assert erreur.value.champ == "telephone"
    assert organisme(m, SIRET_A).nom == "CFA A"


# --- Délégations --------------------------------------------------------------------


def demander(m: Memoire, delegataire: str = "a", siret: Siret = SIRET_B) -> Delegation:
    """Organisme ``delegataire`` asks ``siret`` for a delegation."""
    return organismes.demander_delegation(
        m.contexte, compte_de(m, delegataire), siret.numero, " Site de Lyon "
    )


def test_taper_le_siret_d_un_autre_n_ouvre_rien(m: Memoire) -> None:
    """A request is pending and opens none of the delegant's files; the delegant is told."""
    demande = demander(m)
    assert (demande.statut, demande.nom_etablissement) == (
        StatutDelegation.DEMANDEE,
        "Site de Lyon",
    )
    assert delegation(m, demande.id).siret_delegataire == SIRET_A
    assert visibles(m, compte_de(m, "a")) == frozenset({SIRET_A})
    mail = messages_a(m, "contact@b.fr")[-1]
    assert mail.modele == "delegation_demandee"
    assert dict(mail.contexte) == {
        "delegation_id": str(demande.id),
        "siret_delegataire": SIRET_A.numero,
        "delegataire": "CFA A",
        "nom_etablissement": "Site de Lyon",
    }


def test_le_delegataire_ne_peut_pas_approuver_sa_propre_demande(m: Memoire) -> None:
    """The requesting organisme cannot approve its own request."""
    demande = demander(m)
    with pytest.raises(AccesRefuse):
        organismes.decider_delegation(m.contexte, compte_de(m, "a"), demande.id, approuver=True)
    assert visibles(m, compte_de(m, "a")) == frozenset({SIRET_A})


def test_le_delegant_approuve_et_les_dossiers_deviennent_visibles(m: Memoire) -> None:
    """Once the delegant approves, the delegataire sees its files and is told."""
    demande = demander(m)
    organismes.decider_delegation(m.contexte, compte_de(m, "b"), demande.id, approuver=True)
    approuvee = delegation(m, demande.id)
    assert (approuvee.statut, approuvee.decidee_par) == (
        StatutDelegation.ACTIVE,
        str(compte_de(m, "b")),
    )
    assert visibles(m, compte_de(m, "a")) == frozenset({SIRET_A, SIRET_B})
    mail = messages_a(m, "contact@a.fr")[-1]
    assert (mail.modele, mail.contexte["siret_delegant"]) == (
        "delegation_approuvee",
        SIRET_B.numero,
    )


def test_un_agent_peut_approuver(m: Memoire) -> None:
    """An OPCO agent may approve a delegation."""
    demande = demander(m)
    organismes.decider_delegation(m.contexte, agent(m), demande.id, approuver=True)
    assert delegation(m, demande.id).est_active


def test_le_delegant_refuse_avec_un_motif(m: Memoire) -> None:
    """A refusal needs a reason, which the delegataire receives; nothing becomes visible."""
    demande = demander(m)
    delegant = compte_de(m, "b")
    with pytest.raises(DonneeInvalide):
        organismes.decider_delegation(m.contexte, delegant, demande.id, approuver=False)
    organismes.decider_delegation(
        m.contexte, delegant, demande.id, approuver=False, motif="Inconnu chez nous"
    )
    assert delegation(m, demande.id).statut is StatutDelegation.REFUSEE
    mail = messages_a(m, "contact@a.fr")[-1]
    assert (mail.modele, mail.contexte["motif"]) == ("delegation_refusee", "Inconnu chez nous")
    assert visibles(m, compte_de(m, "a")) == frozenset({SIRET_A})
    with pytest.raises(TransitionInterdite):
        organismes.decider_delegation(m.contexte, delegant, demande.id, approuver=True)


def test_idor_un_tiers_ne_decide_ni_ne_revoque(m: Memoire) -> None:
    """An account of C cannot decide or revoke a delegation between A and B."""
    demande = demander(m)
    tiers = compte_de(m, "c")
    with pytest.raises(AccesRefuse):
        organismes.decider_delegation(m.contexte, tiers, demande.id, approuver=True)
    with pytest.raises(AccesRefuse):
        organismes.revoquer_delegation(m.contexte, tiers, demande.id, "piratage")
    organismes.decider_delegation(m.contexte, compte_de(m, "b"), demande.id, approuver=True)
    with pytest.raises(AccesRefuse):
        organismes.revoquer_delegation(m.contexte, tiers, demande.id, "piratage")
    assert delegation(m, demande.id).est_active
    assert visibles(m, tiers) == frozenset({SIRET_C})


def test_delegation_inconnue(m: Memoire) -> None:
    """An unknown delegation id is reported as not found."""
    with pytest.raises(Introuvable):
        organismes.decider_delegation(m.contexte, compte_de(m, "b"), uuid.uuid4(), approuver=True)
    with pytest.raises(Introuvable):
        organismes.revoquer_delegation(m.contexte, compte_de(m, "b"), uuid.uuid4(), "fin")


def test_le_delegant_revoque_et_l_acces_disparait(m: Memoire) -> None:
    """Revoking ends the access; only the other organisme is told."""
    demande = demander(m)
    delegant = compte_de(m, "b")
    organismes.decider_delegation(m.contexte, delegant, demande.id, approuver=True)
    a_avant, b_avant = len(messages_a(m, "contact@a.fr")), len(messages_a(m, "contact@b.fr"))
    organismes.revoquer_delegation(m.contexte, delegant, demande.id, "Fin du partenariat")
    assert delegation(m, demande.id).statut is StatutDelegation.REVOQUEE
    assert visibles(m, compte_de(m, "a")) == frozenset({SIRET_A})
    (mail,) = messages_a(m, "contact@a.fr")[a_avant:]
    assert (mail.modele, mail.contexte["motif"]) == ("delegation_revoquee", "Fin du partenariat")
    assert len(messages_a(m, "contact@b.fr")) == b_avant


def test_le_delegataire_retire_sa_demande(m: Memoire) -> None:
    """The delegataire may withdraw a pending request; the delegant is told."""
    demande = demander(m)
    organismes.revoquer_delegation(m.contexte, compte_de(m, "a"), demande.id, "Erreur de saisie")
    assert delegation(m, demande.id).statut is StatutDelegation.REVOQUEE
    assert messages_a(m, "contact@b.fr")[-1].modele == "delegation_revoquee"


def test_un_agent_revoque_et_previent_les_deux_organismes(m: Memoire) -> None:
    """An agent's revocation is mailed to both organismes; a reason is required."""
    demande = demander(m)
    agent_id = agent(m)
    with pytest.raises(DonneeInvalide):
        organismes.revoquer_delegation(m.contexte, agent_id, demande.id, " ")
    organismes.revoquer_delegation(m.contexte, agent_id, demande.id, "Contrôle OPCO")
    for adresse in ("contact@a.fr", "contact@b.fr"):
        assert messages_a(m, adresse)[-1].modele == "delegation_revoquee"


def test_demande_vers_un_organisme_inconnu_ou_inactif(m: Memoire) -> None:
    """The delegant must be an active organisme known to the OPCO (error on the siret field)."""
    with pytest.raises(DonneeInvalide, match="Aucun organisme actif") as erreur:
        demander(m, siret=SIRET_INCONNU)
    assert erreur.value.champ == "siret"
    soumettre(m)
    with pytest.raises(DonneeInvalide, match="Aucun organisme actif"):
        demander(m, siret=SIRET_INCONNU)
    with pytest.raises(DonneeInvalide) as invalide:
        organismes.demander_delegation(m.contexte, compte_de(m, "a"), "123", "Site")
    assert invalide.value.champ == "siret"


def test_demande_vers_son_propre_organisme(m: Memoire) -> None:
    """An organisme cannot delegate to itself."""
    with pytest.raises(DonneeInvalide, match="propre organisme"):
        demander(m, siret=SIRET_A)


def test_pas_de_doublon_de_delegation_en_cours(m: Memoire) -> None:
    """A pending or active delegation cannot be requested twice; after a refusal it can."""
    demande = demander(m)
    with pytest.raises(Conflit) as erreur:
        demander(m)
    assert erreur.value.champ == "siret"
    organismes.decider_delegation(m.contexte, compte_de(m, "b"), demande.id, approuver=True)
    with pytest.raises(Conflit):
        demander(m)
    organismes.revoquer_delegation(m.contexte, compte_de(m, "b"), demande.id, "fin")
    assert demander(m).statut is StatutDelegation.DEMANDEE
    assert demander(m, "c").siret_delegataire == SIRET_C


def test_delegant_sans_compte_actif_prevenu_a_l_adresse_de_sa_fiche(m: Memoire) -> None:
    """A delegant with no active account is told at its sheet's address."""
    stocker(m, organisme_de(SIRET_INCONNU, "d"))
    demande = demander(m, siret=SIRET_INCONNU)
    mail = messages_a(m, "contact@d.fr")[-1]
    assert (mail.modele, mail.contexte["delegation_id"]) == ("delegation_demandee", str(demande.id))


def test_organisme_inactif_ne_demande_pas_de_delegation(m: Memoire) -> None:
    """An organisme deactivated by the OPCO cannot ask for a delegation."""
    with m.stockage.uow() as uow:
        a = uow.organismes.obtenir(SIRET_A)
        assert a is not None
        a.desactiver("agent", exemples.INSTANT, "cessation")
        uow.commit()
    with pytest.raises(DelegationImpossible) as erreur:
        demander(m)
    assert erreur.value.statut is StatutOrganisme.INACTIF
    assert isinstance(erreur.value, OrganismeNonActif)


def test_lister_les_delegations(m: Memoire) -> None:
    """Each side sees what it requested, what awaits its decision and what it granted."""
    de_a = demander(m, "a", SIRET_B)
    de_c = demander(m, "c", SIRET_B)
    vers_c = demander(m, "b", SIRET_C)
    organismes.decider_delegation(m.contexte, compte_de(m, "b"), de_c.id, approuver=True)
    liste_b = organismes.lister_delegations(m.contexte, compte_de(m, "b"))
    assert [d.id for d in liste_b.demandees] == [vers_c.id]
    assert [d.id for d in liste_b.a_decider] == [de_a.id]
    assert [d.id for d in liste_b.accordees] == [de_c.id]
    liste_a = organismes.lister_delegations(m.contexte, compte_de(m, "a"))
    assert ([d.id for d in liste_a.demandees], liste_a.a_decider, liste_a.accordees) == (
        [de_a.id],
        (),
        (),
    )


def test_un_agent_n_a_pas_de_liste_de_delegations(m: Memoire) -> None:
    """« Gestion des accès » belongs to an organisme's account."""
    with pytest.raises(AccesRefuse):
        organismes.lister_delegations(m.contexte, agent(m))


def test_compte_inactif_refuse(m: Memoire) -> None:
    """An account not yet active cannot act on delegations or the sheet."""
    acces.creer_compte(
        m.contexte,
        siret=SIRET_A.numero,
        email="inconnu@exemple.fr",
        confirmation_email="inconnu@exemple.fr",
        mot_de_passe=MDP,
        confirmation_mot_de_passe=MDP,
    )
    with m.stockage.uow() as uow:
        en_attente = uow.comptes.par_email(Email("inconnu@exemple.fr"))
    assert en_attente is not None
    assert en_attente.statut is StatutCompte.EN_ATTENTE_APPROBATION
    with pytest.raises(CompteNonActive):
        organismes.demander_delegation(m.contexte, en_attente.id, SIRET_B.numero, "Site")
    with pytest.raises(CompteNonActive):
        organismes.mettre_a_jour_fiche(
            m.contexte, en_attente.id, exemples.fiche(), exemples.interlocuteur()
        )


@settings(max_examples=25)
@given(
    actions=st.lists(
        st.tuples(st.sampled_from("abc"), st.sampled_from(["approuver", "refuser", "revoquer"])),
        max_size=6,
    )
)
def test_propriete_seul_un_accord_du_delegant_ouvre_les_dossiers(
    actions: list[tuple[str, str]],
) -> None:
    """Whoever tries whatever on A's request to B, A sees B's files only if B approved last."""
    m = memoire()
    stocker(m, organisme_de(SIRET_A, "a"), organisme_de(SIRET_B, "b"), organisme_de(SIRET_C, "c"))
    for lettre, siret in (("a", SIRET_A), ("b", SIRET_B), ("c", SIRET_C)):
        ouvrir(m, f"contact@{lettre}.fr", siret)
    demande = demander(m)
    # The model: A asked B; only B decides a pending request, A or B may withdraw or end it.
    etat = "demandee"
    for lettre, geste in actions:
        compte_id = compte_de(m, lettre)
        if geste == "revoquer":
            permis, departs, arrivee = lettre in "ab", {"demandee", "active"}, "revoquee"
        else:
            permis, departs = lettre == "b", {"demandee"}
            arrivee = "active" if geste == "approuver" else "refusee"
        attendu = AccesRefuse if not permis else None if etat in departs else TransitionInterdite

        def faire(compte_id: uuid.UUID = compte_id, geste: str = geste) -> None:
            if geste == "revoquer":
                organismes.revoquer_delegation(m.contexte, compte_id, demande.id, "motif")
            else:
                organismes.decider_delegation(
                    m.contexte, compte_id, demande.id, approuver=geste == "approuver", motif="non"
                )

        if attendu is None:
            faire()
            etat = arrivee
            event(f"{geste} : accepté")
        else:
            with pytest.raises(attendu):
                faire()
            event(f"{geste} : refusé ({attendu.__name__})")
    assert (SIRET_B in visibles(m, compte_de(m, "a"))) is (etat == "active")
    assert SIRET_A not in visibles(m, compte_de(m, "b"))
