"""Organisme aggregate: information sheet, status history, delegations."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfa_domain.errors import (
    Agregat,
    CreationCompteImpossible,
    DelegationDejaDemandee,
    DelegationImpossible,
    DonneeInvalide,
    FicheNonEnAttente,
    FicheNonModifiable,
    TransitionInterdite,
)
from cfa_domain.etats import Changement
from cfa_domain.organisme import (
    LONGUEUR_MAX_TEXTE,
    PAR_FORMULAIRE_PUBLIC,
    Adresse,
    Civilite,
    Delegation,
    Organisme,
    StatutDelegation,
    StatutOrganisme,
    Telephone,
)
from cfa_domain.testing.exemples import fiche, interlocuteur
from cfa_domain.values import CodePostal, Email, Siret

if TYPE_CHECKING:
    from collections.abc import Callable

T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=1)
T2 = T0 + dt.timedelta(days=2)
SIRET_A = Siret("42110064500967")
SIRET_B = Siret("73282932000017")
SIRET_C = Siret("55208131700018")
COMPTE_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")


def adresse(**changes: Any) -> Adresse:
    """A valid address."""
    champs: dict[str, Any] = {
        "rue": "12 rue des Lilas",
        "code_postal": CodePostal("75011"),
        "ville": "Paris",
    }
    return Adresse(**(champs | changes))


def organisme_connu(**changes: Any) -> Organisme:
    """An organisme known to the OPCO (active)."""
    champs: dict[str, Any] = {
        "siret": SIRET_A,
        "fiche": fiche(),
        "interlocuteur": interlocuteur(),
        "quand": T0,
        "auteur": "flux",
    }
    return Organisme.connu(**(champs | changes))


def organisme_soumis() -> Organisme:
    """An unknown organisme's submitted sheet (awaiting validation)."""
    return Organisme.fiche_soumise(
        siret=SIRET_B, fiche=fiche(), interlocuteur=interlocuteur(), quand=T0
    )


# --- Labels -------------------------------------------------------------------------------


def test_libelles_des_statuts_et_civilites() -> None:
    """Statuses and civilités have the French labels the screens print."""
    assert [s.libelle for s in StatutOrganisme] == ["à valider", "actif", "inactif"]
    assert [c.libelle for c in Civilite] == ["Mme", "M."]
    assert [s.libelle for s in StatutDelegation] == [
        "demandée",
        "active",
        "refusée",
        "révoquée",
    ]


# --- Telephone ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "saisie",
    [
        "01 49 68 10 10",
        "01.49.68.10.10",
        "01-49-68-10-10",
        "0149681010",
        "+33 1 49 68 10 10",
        "+33 (0)1 49 68 10 10",
        "0033 1 49 68 10 10",
    ],
)
def test_telephone_normalise(saisie: str) -> None:
    """Every usual way of writing a French number normalises to its 10 national digits."""
    telephone = Telephone(saisie)
    assert telephone.numero == "0149681010"
    assert str(telephone) == "01 49 68 10 10"


@pytest.mark.parametrize(
    "saisie",
    ["", "0149", "01496810101", "0049681010", "+44 20 7946 0958", "01 49 68 10 1O", "1149681010"],
)
def test_telephone_refuse_un_numero_non_francais(saisie: str) -> None:
    """A number that is not 10 digits starting with 0 (or +33) is refused, naming the field."""
    with pytest.raises(DonneeInvalide) as erreur:
        Telephone(saisie)
    assert erreur.value.champ == "telephone"
    assert erreur.value.valeur == saisie


def test_telephone_refuse_un_non_texte() -> None:
    """A number given as an int (leading zero lost) is refused."""
    with pytest.raises(DonneeInvalide, match="Téléphone"):
        Telephone(149681010)


@given(st.integers(1, 9), st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_telephone_formes_nationale_et_internationale_egales(premier: int, reste: str) -> None:
    """The +33 form and the 0 form of one number are the same value."""
    national = Telephone(f"0{premier}{reste}")
    assert Telephone(f"+33{premier}{reste}") == national
    assert Telephone(str(national)) == national


# --- Texts, address, contact, sheet ------------------------------------------------------


def test_adresse_nettoie_les_textes() -> None:
    """Texts are trimmed and inner runs of spaces collapse; the continuation is optional."""
    a = adresse(rue="  12   rue des  Lilas ", ville=" Paris ")
    assert (a.rue, a.suite_rue, a.ville) == ("12 rue des Lilas", "", "Paris")
    assert adresse(suite_rue=" Bât. B ").suite_rue == "Bât. B"


@pytest.mark.parametrize(("champ", "attendu"), [("rue", "rue"), ("ville", "ville")])
def test_adresse_champs_obligatoires(champ: str, attendu: str) -> None:
    """Street and city are required: a blank one is refused with the field named."""
    with pytest.raises(DonneeInvalide, match="obligatoire") as erreur:
        adresse(**{champ: "   "})
    assert erreur.value.champ == attendu


def test_texte_non_chaine_et_trop_long() -> None:
    """A non-text value and a text over the cap are refused with the field named."""
    with pytest.raises(DonneeInvalide, match="un texte est attendu") as erreur:
        adresse(ville=None)
    assert erreur.value.champ == "ville"
    assert adresse(rue="x" * LONGUEUR_MAX_TEXTE).rue == "x" * LONGUEUR_MAX_TEXTE
    with pytest.raises(DonneeInvalide, match="255 caractères au plus") as erreur:
        adresse(rue="x" * (LONGUEUR_MAX_TEXTE + 1))
    assert erreur.value.champ == "rue"


@pytest.mark.parametrize("champ", ["nom", "prenom", "fonction"])
def test_interlocuteur_champs_obligatoires(champ: str) -> None:
    """The contact's name, first name and function are required."""
    with pytest.raises(DonneeInvalide) as erreur:
        interlocuteur(**{champ: ""})
    assert erreur.value.champ == f"interlocuteur.{champ}"


def test_interlocuteur_nom_complet_et_telephone_facultatif() -> None:
    """The contact prints as « Mme Claire DURAND »; the telephone may be absent."""
    contact = interlocuteur(telephone=None)
    assert contact.telephone is None
    assert contact.nom_complet == "Mme Claire DURAND"
    assert interlocuteur(civilite=Civilite.M, prenom="Paul").nom_complet == "M. Paul DURAND"


@pytest.mark.parametrize("champ", ["raison_sociale", "zone_intervention"])
def test_fiche_champs_texte_obligatoires(champ: str) -> None:
    """Raison sociale and zone d'intervention are required."""
    with pytest.raises(DonneeInvalide, match="obligatoire") as erreur:
        fiche(**{champ: " "})
    assert erreur.value.champ == champ


@pytest.mark.parametrize("champ", ["intervient_fpc", "est_cfa", "but_lucratif", "assujetti_tva"])
def test_fiche_questions_oui_non_obligatoires(champ: str) -> None:
    """Each yes/no question must be answered: anything but a boolean is refused."""
    with pytest.raises(DonneeInvalide, match="oui ou par non") as erreur:
        fiche(**{champ: None})
    assert erreur.value.champ == champ


def test_fiche_champs_facultatifs_et_nom() -> None:
    """Optional fields default to empty; the name joins the raison sociale and its suite."""
    f = fiche(telephone=None, uai=None, est_cfa=False)
    assert (f.suite_raison_sociale, f.commentaire, f.telephone, f.uai) == ("", "", None, None)
    assert f.nom == "CFA des Métiers de la Santé"
    f2 = fiche(suite_raison_sociale=" site de Lyon ", commentaire=" ouvert  le samedi ")
    assert f2.nom == "CFA des Métiers de la Santé site de Lyon"
    assert f2.commentaire == "ouvert le samedi"


# --- Organisme ---------------------------------------------------------------------------


def test_organisme_connu_actif_avec_adresses_au_dossier() -> None:
    """A known organisme is active; the sheet's, contact's and extra addresses are on file."""
    extra = Email("compta@cfa-sante.fr")
    o = organisme_connu(reference_opco="  OF-1234 ", emails_connus=[extra])
    assert o.statut is StatutOrganisme.ACTIF
    assert o.reference_opco == "OF-1234"
    assert o.emails_connus == {
        Email("contact@cfa-sante.fr"),
        Email("c.durand@cfa-sante.fr"),
        extra,
    }
    assert o.email_connu(Email("C.Durand@CFA-sante.fr"))
    assert not o.email_connu(Email("pirate@exemple.fr"))
    assert o.historique == [
        Changement(quand=T0, auteur="flux", depart=None, arrivee=StatutOrganisme.ACTIF)
    ]
    assert o.nom == "CFA des Métiers de la Santé"


def test_reference_opco_vide_devient_none() -> None:
    """An empty optional OPCO reference is stored as None."""
    assert organisme_connu(reference_opco="  ").reference_opco is None
    assert organisme_connu().reference_opco is None


def test_fiche_soumise_a_valider_sans_adresse_connue() -> None:
    """A submitted sheet awaits an agent, and none of its typed addresses is trusted."""
    o = organisme_soumis()
    assert o.statut is StatutOrganisme.A_VALIDER
    assert o.emails_connus == frozenset()
    assert o.historique[0].auteur == PAR_FORMULAIRE_PUBLIC
    assert o.historique[0].arrivee is StatutOrganisme.A_VALIDER


def test_fiche_soumise_exige_le_telephone_de_l_interlocuteur() -> None:
    """The validation form marks the contact's telephone as required."""
    with pytest.raises(DonneeInvalide) as erreur:
        Organisme.fiche_soumise(
            siret=SIRET_B, fiche=fiche(), interlocuteur=interlocuteur(telephone=None), quand=T0
        )
    assert erreur.value.champ == "interlocuteur.telephone"


def test_valider_une_fiche_soumise() -> None:
    """Validation activates, sets the reference and puts the sheet's addresses on file."""
    o = organisme_soumis()
    o.valider("agent:42", T1, " OF-9 ")
    assert o.statut is StatutOrganisme.ACTIF
    assert o.reference_opco == "OF-9"
    assert o.emails_connus == {Email("contact@cfa-sante.fr"), Email("c.durand@cfa-sante.fr")}
    assert o.historique[-1] == Changement(
        quand=T1, auteur="agent:42", depart=StatutOrganisme.A_VALIDER, arrivee=StatutOrganisme.ACTIF
    )


def test_valider_avec_adresses_choisies_par_l_agent() -> None:
    """The agent may put on file only the addresses it checked."""
    o = organisme_soumis()
    o.valider("agent:42", T1, "OF-9", emails_connus=[Email("direction@cfa-sante.fr")])
    assert o.emails_connus == {Email("direction@cfa-sante.fr")}


def test_valider_exige_une_reference() -> None:
    """The OPCO reference is required on validation, and nothing changes without it."""
    o = organisme_soumis()
    with pytest.raises(DonneeInvalide) as erreur:
        o.valider("agent:42", T1, " ")
    assert erreur.value.champ == "reference_opco"


def test_valider_un_organisme_deja_actif_interdit() -> None:
    """Only a sheet awaiting validation can be validated."""
    with pytest.raises(TransitionInterdite) as erreur:
        organisme_connu().valider("agent:42", T1, "OF-1")
    assert (erreur.value.depart, erreur.value.arrivee) == (StatutOrganisme.ACTIF,) * 2
    assert erreur.value.agregat is Agregat.ORGANISME


@pytest.mark.parametrize("fabrique", [organisme_connu, organisme_soumis])
def test_desactiver_puis_reactiver_revient_au_statut_precedent(fabrique: Any) -> None:
    """Deactivation (or rejection) is undone to the previous status, never skipping validation."""
    o: Organisme = fabrique()
    avant = o.statut
    o.desactiver("agent:42", T1, "  doublon ")
    assert o.statut is StatutOrganisme.INACTIF
    assert o.historique[-1].motif == "doublon"
    o.reactiver("agent:42", T2)
    assert o.statut is avant
    assert o.historique[-1].depart is StatutOrganisme.INACTIF


def test_desactiver_exige_un_motif_et_un_organisme_non_inactif() -> None:
    """Deactivating needs a reason, and an inactive organisme cannot be deactivated again."""
    o = organisme_connu()
    with pytest.raises(DonneeInvalide) as erreur:
        o.desactiver("agent:42", T1, "")
    assert erreur.value.champ == "motif"
    o.desactiver("agent:42", T1, "cessation")
    with pytest.raises(TransitionInterdite):
        o.desactiver("agent:42", T2, "encore")


def test_reactiver_un_organisme_actif_interdit() -> None:
    """Only an inactive organisme can be reactivated."""
    with pytest.raises(TransitionInterdite):
        organisme_connu().reactiver("agent:42", T1)


def test_reactiver_sans_historique_revient_a_actif() -> None:
    """An organisme loaded inactive without a recorded deactivation reactivates to active."""
    o = Organisme(
        siret=SIRET_A,
        fiche=fiche(),
        interlocuteur=interlocuteur(),
        statut=StatutOrganisme.INACTIF,
    )
    o.reactiver("agent:42", T1, "reprise")
    assert o.statut is StatutOrganisme.ACTIF
    assert o.historique[-1].motif == "reprise"


def test_mettre_a_jour_fiche() -> None:
    """The Fiche OF replaces sheet and contact, records who and when, never adds addresses."""
    o = organisme_connu()
    connus = o.emails_connus
    nouvelle = fiche(email=Email("nouveau@exemple.fr"), raison_sociale="CFA Santé Paris")
    contact = interlocuteur(email=Email("autre@exemple.fr"), telephone=None)
    o.mettre_a_jour_fiche(nouvelle, contact, "compte:1", T1)
    assert (o.fiche, o.interlocuteur) == (nouvelle, contact)
    assert (o.fiche_modifiee_par, o.fiche_modifiee_le) == ("compte:1", T1)
    assert o.emails_connus == connus
    assert o.nom == "CFA Santé Paris"


def test_mettre_a_jour_fiche_regles_du_formulaire() -> None:
    """The Fiche OF requires the telephone, and a UAI for a CFA but not for a plain OF."""
    o = organisme_connu()
    with pytest.raises(DonneeInvalide) as erreur:
        o.mettre_a_jour_fiche(fiche(telephone=None), interlocuteur(), "compte:1", T1)
    assert erreur.value.champ == "telephone"
    with pytest.raises(DonneeInvalide) as erreur:
        o.mettre_a_jour_fiche(fiche(uai=None), interlocuteur(), "compte:1", T1)
    assert erreur.value.champ == "uai"
    o.mettre_a_jour_fiche(fiche(uai=None, est_cfa=False), interlocuteur(), "compte:1", T1)
    assert o.fiche.uai is None


def test_mettre_a_jour_fiche_d_un_organisme_inactif_refuse() -> None:
    """An inactive organisme's sheet cannot be edited."""
    o = organisme_connu()
    o.desactiver("agent:42", T1, "cessation")
    with pytest.raises(FicheNonModifiable) as erreur:
        o.mettre_a_jour_fiche(fiche(), interlocuteur(), "compte:1", T2)
    assert erreur.value.statut is StatutOrganisme.INACTIF
    assert erreur.value.message == (
        "Votre organisme est « inactif » auprès de l'OPCO : sa fiche ne peut pas être modifiée."
    )


# --- Delegations -------------------------------------------------------------------------


def demande() -> Delegation:
    """B asks to manage A's files."""
    return Delegation.demander(
        id=uuid.uuid4(),
        siret_delegant=SIRET_A,
        siret_delegataire=SIRET_B,
        nom_etablissement="  CFA Santé  site A ",
        demandee_par=COMPTE_ID,
        quand=T0,
    )


def test_demander_une_delegation() -> None:
    """A request starts as « demandée », inactive, with the name as typed (trimmed)."""
    d = demande()
    assert d.statut is StatutDelegation.DEMANDEE
    assert not d.est_active
    assert d.nom_etablissement == "CFA Santé site A"
    assert (d.demandee_par, d.demandee_le, d.decidee_par, d.decidee_le) == (
        COMPTE_ID,
        T0,
        None,
        None,
    )
    assert d.historique == [
        Changement(quand=T0, auteur=str(COMPTE_ID), depart=None, arrivee=StatutDelegation.DEMANDEE)
    ]


def test_pas_de_delegation_a_soi_meme() -> None:
    """An organisme cannot add itself as delegating organisme."""
    with pytest.raises(DonneeInvalide) as erreur:
        Delegation.demander(
            id=uuid.uuid4(),
            siret_delegant=SIRET_A,
            siret_delegataire=SIRET_A,
            nom_etablissement="Moi",
            demandee_par=COMPTE_ID,
            quand=T0,
        )
    assert erreur.value.champ == "siret"


def test_nom_etablissement_obligatoire() -> None:
    """The establishment's name is required."""
    with pytest.raises(DonneeInvalide) as erreur:
        Delegation.demander(
            id=uuid.uuid4(),
            siret_delegant=SIRET_A,
            siret_delegataire=SIRET_B,
            nom_etablissement="",
            demandee_par=COMPTE_ID,
            quand=T0,
        )
    assert erreur.value.champ == "nom_etablissement"


def test_approuver_active_et_enregistre_la_decision() -> None:
    """Approval activates the delegation and records who decided and when."""
    d = demande()
    d.approuver("compte:A", T1)
    assert d.est_active
    assert (d.decidee_par, d.decidee_le) == ("compte:A", T1)
    assert d.historique[-1] == Changement(
        quand=T1,
        auteur="compte:A",
        depart=StatutDelegation.DEMANDEE,
        arrivee=StatutDelegation.ACTIVE,
    )


def test_refuser_enregistre_motif_et_decision() -> None:
    """Refusal needs a reason, which is recorded with the decision."""
    d = demande()
    with pytest.raises(DonneeInvalide):
        d.refuser("compte:A", T1, " ")
    assert len(d.historique) == 1  # nothing recorded
    d.refuser("compte:A", T1, "inconnu")
    assert d.statut is StatutDelegation.REFUSEE
    assert (d.decidee_par, d.historique[-1].motif) == ("compte:A", "inconnu")


def _dans_l_etat(statut: StatutDelegation) -> Delegation:
    d = demande()
    if statut is StatutDelegation.ACTIVE:
        d.approuver("agent", T1)
    elif statut is StatutDelegation.REFUSEE:
        d.refuser("agent", T1, "non")
    elif statut is StatutDelegation.REVOQUEE:
        d.revoquer("agent", T1, "retrait")
    return d


ACTIONS: dict[str, tuple[Callable[[Delegation], None], StatutDelegation]] = {
    "approuver": (lambda d: d.approuver("x", T2), StatutDelegation.ACTIVE),
    "refuser": (lambda d: d.refuser("x", T2, "motif"), StatutDelegation.REFUSEE),
    "revoquer": (lambda d: d.revoquer("x", T2, "motif"), StatutDelegation.REVOQUEE),
}
PERMISES = {
    (StatutDelegation.DEMANDEE, "approuver"),
    (StatutDelegation.DEMANDEE, "refuser"),
    (StatutDelegation.DEMANDEE, "revoquer"),
    (StatutDelegation.ACTIVE, "revoquer"),
}


@pytest.mark.parametrize("depart", list(StatutDelegation))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_machine_a_etats_des_delegations(depart: StatutDelegation, action: str) -> None:
    """Every (state, action) pair is either the allowed transition or refused unchanged."""
    d = _dans_l_etat(depart)
    faire, arrivee = ACTIONS[action]
    if (depart, action) in PERMISES:
        faire(d)
        assert d.statut is arrivee
        assert d.historique[-1].depart is depart
    else:
        longueur = len(d.historique)
        with pytest.raises(TransitionInterdite) as erreur:
            faire(d)
        assert (erreur.value.depart, erreur.value.arrivee) == (depart, arrivee)
        assert (erreur.value.agregat, erreur.value.identifiant) == (Agregat.DELEGATION, d.id)
        assert (d.statut, len(d.historique)) == (depart, longueur)


def test_revoquer_exige_un_motif() -> None:
    """Revocation needs a reason."""
    d = _dans_l_etat(StatutDelegation.ACTIVE)
    with pytest.raises(DonneeInvalide):
        d.revoquer("x", T2, "")
    assert d.est_active


@pytest.mark.parametrize(
    ("siret", "est_agent", "decider", "revoquer"),
    [
        (SIRET_A, False, True, True),  # the delegant
        (SIRET_B, False, False, True),  # the delegataire: may withdraw, not approve
        (SIRET_C, False, False, False),  # a stranger
        (None, True, True, True),  # an OPCO agent
        (None, False, False, False),  # no organisme, not an agent
    ],
)
def test_qui_peut_decider_ou_revoquer(
    siret: Siret | None, est_agent: bool, decider: bool, revoquer: bool
) -> None:
    """Only the delegant or an agent approves; the delegataire may also revoke."""
    d = demande()
    assert d.peut_decider(siret, est_agent) is decider
    assert d.peut_revoquer(siret, est_agent) is revoquer


@given(st.lists(st.sampled_from(list(ACTIONS)), max_size=6))
def test_historique_des_delegations_coherent(actions: list[str]) -> None:
    """Whatever is attempted, the history chains (each start is the previous arrival)."""
    d = demande()
    for action in actions:
        with contextlib.suppress(TransitionInterdite):
            ACTIONS[action][0](d)
    for precedent, suivant in zip(d.historique, d.historique[1:], strict=False):
        assert suivant.depart is precedent.arrivee
    assert d.historique[-1].arrivee is d.statut
    assert d.est_active == (d.statut is StatutDelegation.ACTIVE)
    assert len(d.historique) <= 3  # created, decided, revoked: then final


def test_valeurs_immuables() -> None:
    """Sheets are frozen values: changing one means building a new one."""
    f = fiche()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        f.raison_sociale = "autre"  # type: ignore[misc]  # the point of the test
    assert attrs.evolve(f, commentaire=" note ").commentaire == "note"


# --- Rules moved from the use cases into the aggregates -----------------------------------


@pytest.mark.parametrize(
    ("fabrique", "actif"),
    [
        (organisme_connu, True),
        (organisme_soumis, False),
    ],
)
@pytest.mark.parametrize("refus", [CreationCompteImpossible, DelegationImpossible])
def test_exiger_actif(fabrique: Callable[[], Organisme], actif: bool, refus: Any) -> None:
    """Only an active organisme passes; otherwise the error the caller names, with the status."""
    o = fabrique()
    if actif:
        o.exiger_actif(refus)
        return
    with pytest.raises(refus) as erreur:
        o.exiger_actif(refus)
    assert erreur.value.statut is StatutOrganisme.A_VALIDER
    o.desactiver("agent", T1, "fermé")
    with pytest.raises(refus) as erreur:
        o.exiger_actif(refus)
    assert erreur.value.statut is StatutOrganisme.INACTIF


def test_refuser_fiche_seulement_a_valider() -> None:
    """A submitted sheet is refused with a reason; an active or inactive one awaits nothing."""
    o = organisme_soumis()
    with pytest.raises(DonneeInvalide):
        o.refuser_fiche("agent", T1, " ")
    o.refuser_fiche("agent", T1, "SIRET fermé")
    assert (o.statut, o.historique[-1].motif, o.historique[-1].auteur) == (
        StatutOrganisme.INACTIF,
        "SIRET fermé",
        "agent",
    )
    for autre in (o, organisme_connu()):
        longueur = len(autre.historique)
        with pytest.raises(FicheNonEnAttente) as erreur:
            autre.refuser_fiche("agent", T2, "encore")
        assert erreur.value.statut is autre.statut
        assert len(autre.historique) == longueur


def _demander_a(
    delegataire: Organisme, delegant: Organisme | None, existantes: list[Delegation]
) -> Delegation:
    return delegataire.demander_delegation(
        delegant,
        siret_delegant=SIRET_A if delegant is None else delegant.siret,
        id=uuid.uuid4(),
        nom_etablissement="Site A",
        demandee_par=COMPTE_ID,
        quand=T0,
        existantes=existantes,
    )


def test_demander_delegation_entre_organismes_actifs() -> None:
    """An active organisme asks an active one; the request names both, pending."""
    delegant, delegataire = organisme_connu(), organisme_connu(siret=SIRET_B)
    d = _demander_a(delegataire, delegant, [])
    assert (d.siret_delegant, d.siret_delegataire, d.statut) == (
        SIRET_A,
        SIRET_B,
        StatutDelegation.DEMANDEE,
    )


def test_demander_delegation_refus() -> None:
    """Inactive delegataire; unknown or inactive delegant (told alike); itself."""
    actif = organisme_connu(siret=SIRET_B)
    with pytest.raises(DelegationImpossible) as impossible:
        _demander_a(organisme_soumis(), organisme_connu(), [])
    assert impossible.value.statut is StatutOrganisme.A_VALIDER
    inactif = organisme_connu()
    inactif.desactiver("agent", T1, "fermé")
    for delegant in (None, inactif, organisme_soumis()):
        with pytest.raises(DonneeInvalide, match="Aucun organisme actif") as erreur:
            _demander_a(actif, delegant, [])
        assert erreur.value.valeur == (SIRET_A if delegant is None else delegant.siret).numero
    with pytest.raises(DonneeInvalide, match="propre organisme"):
        _demander_a(actif, actif, [])


@pytest.mark.parametrize("statut", list(StatutDelegation))
def test_une_seule_delegation_en_vigueur_par_paire(statut: StatutDelegation) -> None:
    """A requested or active delegation blocks a new one for the same pair, not others."""
    existante = _dans_l_etat(statut)  # A delegates to B
    en_vigueur = statut in {StatutDelegation.DEMANDEE, StatutDelegation.ACTIVE}
    assert existante.en_vigueur is en_vigueur
    delegant, delegataire = organisme_connu(), organisme_connu(siret=SIRET_B)
    if en_vigueur:
        with pytest.raises(DelegationDejaDemandee) as erreur:
            _demander_a(delegataire, delegant, [existante])
        assert (erreur.value.siret_delegant, erreur.value.siret_delegataire) == (
            SIRET_A.numero,
            SIRET_B.numero,
        )
    else:
        assert _demander_a(delegataire, delegant, [existante]).statut is StatutDelegation.DEMANDEE
    # The reverse pair (B delegates to A) and another delegataire are not blocked.
    assert _demander_a(delegant, delegataire, [existante]).siret_delegant == SIRET_B
    autre = organisme_connu(siret=SIRET_C)
    assert _demander_a(autre, delegant, [existante]).siret_delegataire == SIRET_C
