"""Known organismes come from the feed, by the version rules of the files; replaying a record."""

from __future__ import annotations

import attrs
import pytest

from cfa_domain.action import EtatDossier
from cfa_domain.errors import ReferentielPerime
from cfa_domain.organisme import Organisme, ReferentielOpco, StatutOrganisme
from cfa_domain.ports import DossierFlux, EnregistrementIllisible, MotifRejet, OrganismeFlux
from cfa_domain.services import actions, flux
from cfa_domain.services.actions import AUTEUR_WEBSERVICE
from cfa_domain.services.flux import ResultatApplication, appliquer_dossier, rejouer
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import Memoire, memoire
from cfa_domain.values import Email

R = ResultatApplication
SIRET = exemples.SIRET_CFA


def donnees(
    version: int = 1, *, contact: str = "c.durand@cfa-sante.fr", **fiche: object
) -> OrganismeFlux:
    """The OPCO's data on the guide's CFA, at a version, with its contact's address."""
    return OrganismeFlux(
        version=version,
        fiche=exemples.fiche(**fiche),
        interlocuteur=exemples.interlocuteur(email=Email(contact)),
        reference_opco="OF-000074",
    )


def dossier(
    version: int = 1, organisme: OrganismeFlux | None = None, *, numero: str = "2011303654"
) -> DossierFlux:
    """A record of the guide's file carrying the OPCO's data on its CFA."""
    return DossierFlux(
        numero_action=numero,
        version=version,
        formation=exemples.formation(),
        contrat=exemples.contrat(),
        budget=exemples.budget(),
        organisme=organisme if organisme is not None else donnees(),
    )


def cfa(m: Memoire) -> Organisme:
    """The stored CFA."""
    with m.contexte.uow(lecture_seule=True) as uow:
        organisme = uow.organismes.obtenir(SIRET)
    assert organisme is not None
    return organisme


def test_un_enregistrement_fait_connaitre_son_cfa() -> None:
    """An unknown CFA becomes a known, active organisme with the OPCO's addresses on file."""
    m = memoire()
    assert appliquer_dossier(m.contexte, dossier()) is R.CREE
    organisme = cfa(m)
    assert organisme.statut is StatutOrganisme.ACTIF
    assert organisme.email_connu(Email("c.durand@cfa-sante.fr"))
    assert organisme.email_connu(Email("contact@cfa-sante.fr"))
    assert not organisme.email_connu(Email("autre@cfa-sante.fr"))
    assert organisme.reference_opco == "OF-000074"
    assert organisme.referentiel is not None
    assert organisme.referentiel.version == 1
    assert organisme.historique[0].auteur == AUTEUR_WEBSERVICE


def test_le_premier_compte_s_ouvre_avec_l_adresse_de_l_opco() -> None:
    """The address the OPCO has on file opens the first account without an agent."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier())
    compte = exemples.compte("c.durand@cfa-sante.fr", chez=cfa(m))
    autre = exemples.compte("inconnu@cfa-sante.fr", chez=cfa(m))
    assert compte.statut.name == "EN_ATTENTE_ACTIVATION"
    assert autre.statut.name == "EN_ATTENTE_APPROBATION"


def test_sans_donnees_d_organisme_rien_n_est_cree() -> None:
    """A record without the OPCO's data leaves the organismes as they are."""
    m = memoire()
    appliquer_dossier(m.contexte, attrs.evolve(dossier(), organisme=None))
    with m.contexte.uow(lecture_seule=True) as uow:
        assert uow.organismes.obtenir(SIRET) is None


def test_version_plus_recente_remplace_les_adresses_de_la_precedente() -> None:
    """A newer version replaces the sheet and the addresses the previous one put on file."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier(1, donnees(1, contact="ancien@cfa-sante.fr")))
    nouvelles = donnees(2, contact="nouveau@cfa-sante.fr", raison_sociale="CFA Santé Est")
    # The file itself is the same version: only the organisme changes.
    assert appliquer_dossier(m.contexte, dossier(1, nouvelles)) is R.MIS_A_JOUR
    organisme = cfa(m)
    assert organisme.fiche.raison_sociale == "CFA Santé Est"
    assert organisme.email_connu(Email("nouveau@cfa-sante.fr"))
    assert not organisme.email_connu(Email("ancien@cfa-sante.fr"))
    assert organisme.email_connu(Email("contact@cfa-sante.fr"))  # still the sheet's
    assert organisme.fiche_modifiee_par == AUTEUR_WEBSERVICE


def test_adresse_ajoutee_par_un_agent_gardee() -> None:
    """An address an agent put on file stays when the OPCO's data changes."""
    m = memoire()
    m.enregistrer(exemples.organisme(emails_connus=(Email("agent@cfa-sante.fr"),)))
    appliquer_dossier(m.contexte, dossier(1, donnees(1, contact="nouveau@cfa-sante.fr")))
    organisme = cfa(m)
    assert organisme.email_connu(Email("agent@cfa-sante.fr"))
    assert organisme.email_connu(Email("nouveau@cfa-sante.fr"))


def test_meme_version_memes_donnees_inchange() -> None:
    """The stored version with the same data changes nothing (a replay)."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier())
    assert appliquer_dossier(m.contexte, dossier()) is R.INCHANGE
    with m.contexte.uow(lecture_seule=True) as uow:
        assert uow.quarantaine.lister() == ()


@pytest.mark.parametrize(
    ("version", "raison"),
    [(1, "porte d'autres données"), (0, "n'est pas plus récente")],
)
def test_donnees_contradictoires_mettent_l_enregistrement_en_quarantaine(
    version: int, raison: str
) -> None:
    """Older data, or the stored version with other data: the whole record is quarantined."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier(1, donnees(1)))
    contraire = dossier(2, donnees(version, raison_sociale="Autre nom"))
    assert appliquer_dossier(m.contexte, contraire) is R.REJETE
    with m.contexte.uow(lecture_seule=True) as uow:
        (rejet,) = uow.quarantaine.lister()
        action = uow.actions.obtenir("2011303654")
    assert rejet.motif is MotifRejet.CONTRADICTOIRE
    assert raison in rejet.detail
    assert action is not None
    assert action.version == 1  # nothing of the record applied
    assert cfa(m).fiche.raison_sociale == exemples.fiche().raison_sociale


def test_referentiel_perime_nomme_l_organisme() -> None:
    """The error names the organisme and both versions."""
    erreur = ReferentielPerime(SIRET.numero, 2, 3)
    assert (erreur.siret, erreur.recue, erreur.enregistree) == (SIRET.numero, 2, 3)
    assert erreur.code == "referentiel_perime"


def test_fiche_en_attente_devient_connue() -> None:
    """A sheet awaiting an agent is replaced by the OPCO's data and becomes active."""
    m = memoire()
    soumise = Organisme.fiche_soumise(
        siret=SIRET,
        fiche=exemples.fiche(raison_sociale="Saisie anonyme"),
        interlocuteur=exemples.interlocuteur(),
        quand=exemples.INSTANT,
    )
    m.enregistrer(soumise)
    appliquer_dossier(m.contexte, dossier())
    organisme = cfa(m)
    assert organisme.statut is StatutOrganisme.ACTIF
    assert organisme.fiche.raison_sociale == exemples.fiche().raison_sociale
    assert organisme.historique[-1].auteur == AUTEUR_WEBSERVICE


def test_fiche_refusee_devient_connue() -> None:
    """A refused sheet (anyone may send one for any SIRET) gives way to the OPCO's data."""
    m = memoire()
    soumise = Organisme.fiche_soumise(
        siret=SIRET,
        fiche=exemples.fiche(),
        interlocuteur=exemples.interlocuteur(),
        quand=exemples.INSTANT,
    )
    soumise.refuser_fiche("agent", exemples.INSTANT, "Inconnu")
    m.enregistrer(soumise)
    appliquer_dossier(m.contexte, dossier())
    assert cfa(m).statut is StatutOrganisme.ACTIF


def test_organisme_desactive_reste_inactif() -> None:
    """An organisme an agent deactivated stays inactive; its data follows the OPCO's."""
    m = memoire()
    desactive = exemples.organisme()
    desactive.desactiver("agent", exemples.INSTANT, "Fermeture")
    m.enregistrer(desactive)
    appliquer_dossier(m.contexte, dossier(1, donnees(1, raison_sociale="CFA repris")))
    organisme = cfa(m)
    assert organisme.statut is StatutOrganisme.INACTIF
    assert organisme.fiche.raison_sociale == "CFA repris"


def test_version_d_organisme_hors_limites_en_quarantaine() -> None:
    """An organisme version beyond 64 bits is quarantined like a file's."""
    m = memoire()
    assert appliquer_dossier(m.contexte, dossier(1, donnees(2**63))) is R.REJETE
    with m.contexte.uow(lecture_seule=True) as uow:
        assert uow.organismes.obtenir(SIRET) is None


def test_referentiel_sans_adresse_precedente() -> None:
    """An organisme never described by the feed keeps its addresses and gains the OPCO's."""
    organisme = exemples.organisme()
    avant = organisme.emails_connus
    assert organisme.suivre_referentiel(
        fiche=exemples.fiche(),
        interlocuteur=exemples.interlocuteur(email=Email("x@cfa-sante.fr")),
        reference_opco=None,
        referentiel=ReferentielOpco(1, "e", frozenset({Email("x@cfa-sante.fr")})),
        auteur="t",
        quand=exemples.INSTANT,
    )
    assert organisme.emails_connus == avant | {Email("x@cfa-sante.fr")}
    assert organisme.reference_opco == exemples.organisme().reference_opco


# --- replaying a quarantined record ---------------------------------------------------------


def test_rejouer_applique_et_regle_la_ligne() -> None:
    """A record refused for a state it could not reach applies once the file got there."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier(1))
    en_cours = attrs.evolve(dossier(2), etat=EtatDossier.EN_COURS)  # reçu → en cours: refused
    assert appliquer_dossier(m.contexte, en_cours) is R.REJETE
    with m.contexte.uow(lecture_seule=True) as uow:
        (rejet,) = uow.quarantaine.lister()
    agent = m.agent()
    actions.changer_etat_action(m.contexte, agent, "2011303654", EtatDossier.EN_INSTRUCTION)
    rejeu = rejouer(m.contexte, rejet, en_cours, auteur="agent@opco.example")
    assert rejeu.resultat is R.MIS_A_JOUR
    with m.contexte.uow(lecture_seule=True) as uow:
        (regle,) = uow.quarantaine.lister()
        action = uow.actions.obtenir("2011303654")
    assert (regle.regle_le, regle.regle_par) == (m.horloge.maintenant(), "agent@opco.example")
    assert action is not None
    assert action.etat is EtatDossier.EN_COURS
    # Received again from the feed, the settled record is an ordinary replay.
    assert appliquer_dossier(m.contexte, en_cours) is R.INCHANGE


def test_rejouer_encore_refuse_ne_change_rien() -> None:
    """Refused again, the row keeps waiting and the reason is returned."""
    m = memoire()
    appliquer_dossier(m.contexte, dossier(2))
    ancien = dossier(1)
    appliquer_dossier(m.contexte, ancien)
    with m.contexte.uow(lecture_seule=True) as uow:
        (rejet,) = uow.quarantaine.lister()
    rejeu = rejouer(m.contexte, rejet, ancien, auteur="agent@opco.example")
    assert rejeu.resultat is R.REJETE
    assert "n'est pas plus récente" in rejeu.detail
    with m.contexte.uow(lecture_seule=True) as uow:
        assert uow.quarantaine.lister() == (rejet,)


def test_rejouer_un_illisible_dit_pourquoi() -> None:
    """A record the edge still cannot read is not applied; its reason comes back."""
    m = memoire()
    illisible = EnregistrementIllisible("ligne-1", "{", "JSON tronqué\ud800")
    appliquer_dossier(m.contexte, dossier())
    rejeu = rejouer(m.contexte, flux._rejet(m.contexte, illisible), illisible, auteur="cfa-feed")
    assert rejeu == flux.Rejeu(R.REJETE, "JSON tronqué\\ud800")


# --- the employer ---------------------------------------------------------------------------


def donnees_employeur(version: int = 1, **fiche: object) -> OrganismeFlux:
    """The OPCO's data on the guide's employer (a clinic with a CFA of its own)."""
    champs: dict[str, object] = {
        "raison_sociale": "Clinique des Lilas",
        "email": Email("formation@clinique-lilas.fr"),
        **fiche,
    }
    return OrganismeFlux(
        version=version,
        fiche=exemples.fiche(**champs),
        interlocuteur=exemples.interlocuteur(email=Email("rh@clinique-lilas.fr")),
        reference_opco="OF-000912",
    )


def avec_employeur(
    version: int, employeur: OrganismeFlux, *, cfa_connu: bool = False
) -> DossierFlux:
    """The guide's file at ``version`` carrying the OPCO's data on its employer."""
    return attrs.evolve(
        dossier(version), organisme=donnees() if cfa_connu else None, employeur=employeur
    )


def employeur(m: Memoire) -> Organisme | None:
    """The stored employer, if any."""
    with m.contexte.uow(lecture_seule=True) as uow:
        return uow.organismes.obtenir(exemples.SIRET_EMPLOYEUR)


def test_un_enregistrement_fait_connaitre_son_employeur() -> None:
    """The employer's data make it a known, active organisme; the CFA's absence creates none."""
    m = memoire()
    assert appliquer_dossier(m.contexte, avec_employeur(1, donnees_employeur())) is R.CREE
    connu = employeur(m)
    assert connu is not None
    assert connu.statut is StatutOrganisme.ACTIF
    assert connu.fiche.raison_sociale == "Clinique des Lilas"
    assert connu.email_connu(Email("rh@clinique-lilas.fr"))
    assert connu.email_connu(Email("formation@clinique-lilas.fr"))
    assert not connu.email_connu(Email("c.durand@cfa-sante.fr"))
    assert connu.reference_opco == "OF-000912"
    with m.contexte.uow(lecture_seule=True) as uow:
        assert uow.organismes.obtenir(SIRET) is None  # the record said nothing of its CFA


def test_employeur_et_cfa_connus_par_le_meme_enregistrement() -> None:
    """One record may make both known, each with its own addresses."""
    m = memoire()
    recu = avec_employeur(1, donnees_employeur(), cfa_connu=True)
    assert appliquer_dossier(m.contexte, recu) is R.CREE
    connu = employeur(m)
    assert connu is not None
    assert connu.email_connu(Email("rh@clinique-lilas.fr"))
    assert cfa(m).email_connu(Email("c.durand@cfa-sante.fr"))
    assert not cfa(m).email_connu(Email("rh@clinique-lilas.fr"))


def test_employeur_suit_les_regles_de_version() -> None:
    """Newer employer data update it; older ones quarantine the whole record.

    A file left unchanged by a record whose employer data are newer counts as updated.
    """
    m = memoire()
    appliquer_dossier(m.contexte, avec_employeur(1, donnees_employeur()))
    plus_recent = avec_employeur(1, donnees_employeur(2, raison_sociale="Clinique des Lilas SA"))
    assert appliquer_dossier(m.contexte, plus_recent) is R.MIS_A_JOUR
    connu = employeur(m)
    assert connu is not None
    assert connu.fiche.raison_sociale == "Clinique des Lilas SA"
    assert appliquer_dossier(m.contexte, plus_recent) is R.INCHANGE
    perime = avec_employeur(2, donnees_employeur(1, raison_sociale="Autre nom"))
    assert appliquer_dossier(m.contexte, perime) is R.REJETE
    with m.contexte.uow(lecture_seule=True) as uow:
        (rejet,) = uow.quarantaine.lister()
        action = uow.actions.obtenir("2011303654")
    assert rejet.motif is MotifRejet.CONTRADICTOIRE
    assert "n'est pas plus récente" in rejet.detail
    assert action is not None
    assert action.version == 1  # nothing of the record applied
    connu = employeur(m)
    assert connu is not None
    assert connu.fiche.raison_sociale == "Clinique des Lilas SA"


def test_version_d_employeur_hors_limites_en_quarantaine() -> None:
    """An employer's version beyond 64 bits quarantines the record, as the CFA's does."""
    m = memoire()
    recu = avec_employeur(1, donnees_employeur(2**63))
    assert appliquer_dossier(m.contexte, recu) is R.REJETE
    assert employeur(m) is None
