"""The agents' files: search across organismes, work queues, a file's page, its state changes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import attrs
import pytest

from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.values import Montant, Periode

from .conftest import (
    EMAIL_AGENT,
    EMAIL_CFA,
    BackOffice,
    connecter,
    connecter_agent,
    poster,
    texte,
)
from .test_actions import (
    NUMERO,
    NUMERO_B,
    SIRET_B,
    champ_en_erreur,
    demander,
    deux_organismes,
    dossier,
    en_cours,
    euros,
    lisible,
    numeros_affiches,
    payer,
    tableau,
)

if TYPE_CHECKING:
    from typing import Any

    from .conftest import Portail

DOSSIERS = "/backoffice/dossiers"


def _recus(portail: Portail) -> None:
    """Three files received from the feed, filed on different days, of two CFAs."""
    fichiers = [
        dossier("2011300101", nom="Martin"),
        dossier("2011300102", nom="Bernard", siret_cfa=SIRET_B),
        dossier("2011300103", nom="Petit"),
    ]
    depots = [dt.date(2023, 8, 25), dt.date(2023, 8, 1), dt.date(2023, 8, 10)]
    portail.recevoir(
        *(
            attrs.evolve(f, formation=attrs.evolve(f.formation, date_depot=d))
            for f, d in zip(fichiers, depots, strict=True)
        )
    )


# --- search and work queues ---------------------------------------------------------------


def test_un_agent_cherche_parmi_les_dossiers_de_tous_les_organismes(
    back_office: BackOffice,
) -> None:
    """Both organismes' files, newest number first, each with its CFA."""
    deux_organismes(back_office.portail)
    reponse = back_office.client.get(DOSSIERS)
    assert reponse.status_code == 200
    assert numeros_affiches(reponse) == [NUMERO, NUMERO_B]
    (entete, *lignes) = tableau(reponse, "Dossiers")
    assert entete[:3] == ["Numéro d'action", "État du dossier", "CFA bénéficiaire"]
    assert [ligne[1] for ligne in lignes] == ["en cours", "en cours"]
    assert "Affichage de l'élément 1 à 2 sur 2 éléments" in lisible(reponse)


@pytest.mark.parametrize(
    ("criteres", "attendus"),
    [
        ({"etat": "recu"}, ["2011300103", "2011300102", "2011300101"]),
        ({"etat": "en_cours"}, []),
        ({"siret_cfa": str(SIRET_B)}, ["2011300102"]),
        ({"depot_du": "05/08/2023"}, ["2011300103", "2011300101"]),
        ({"depot_au": "2023-08-10", "nom_apprenti": "pet"}, ["2011300103"]),
        ({"regime": "regime_2021"}, ["2011300103", "2011300102", "2011300101"]),
        ({"regime": "regime_2020"}, []),
        ({"debut_contrat_du": "02/09/2023"}, []),
    ],
)
def test_chaque_filtre_des_conseillers(
    back_office: BackOffice, criteres: dict[str, str], attendus: list[str]
) -> None:
    """State, CFA, filing dates, regime, contract start; the criteria stay in the form."""
    _recus(back_office.portail)
    reponse = back_office.client.get(DOSSIERS, params=criteres)
    assert reponse.status_code == 200
    if attendus:
        assert numeros_affiches(reponse) == attendus
    else:
        assert "Aucune donnée disponible" in lisible(reponse)
    for nom, valeur in criteres.items():
        assert f'name="{nom}"' in reponse.text
        assert f'value="{valeur}"' in reponse.text


@pytest.mark.parametrize(
    ("criteres", "champ", "message"),
    [
        ({"depot_du": "32/13/2023"}, "depot_du", "Saisissez une date au format jj/mm/aaaa."),
        ({"etat": "inconnu"}, "etat", "Valeur invalide."),
        ({"siret_cfa": "123"}, "siret_cfa", "SIRET « 123 » : longueur incorrecte."),
        (
            {"depot_du": "10/08/2023", "depot_au": "01/08/2023"},
            "depot_du",
            "Date de dépôt : la date de début doit précéder la date de fin.",
        ),
        (
            {"numero_action": "20A"},
            "numero_action",
            "Le numéro d'action ne contient que des chiffres.",
        ),
    ],
)
def test_criteres_refuses_en_francais_a_cote_du_champ(
    back_office: BackOffice, criteres: dict[str, str], champ: str, message: str
) -> None:
    """A malformed or contradictory criterion: 422, its message beside its field."""
    reponse = back_office.client.get(DOSSIERS, params=criteres)
    assert reponse.status_code == 422
    assert champ_en_erreur(reponse, champ) == message


def test_la_pagination_garde_les_criteres(back_office: BackOffice) -> None:
    """Page links keep the criteria; a page past the end shows none of the files."""
    _recus(back_office.portail)
    for numero in range(11):
        back_office.portail.recevoir(dossier(f"20113002{numero:02d}"))
    reponse = back_office.client.get(DOSSIERS, params={"etat": "recu"})
    assert len(numeros_affiches(reponse)) == 10
    assert 'href="/backoffice/dossiers?etat=recu&amp;page=2"' in reponse.text
    suivante = back_office.client.get(DOSSIERS, params={"etat": "recu", "page": "2"})
    assert len(numeros_affiches(suivante)) == 4
    refusee = back_office.client.get(DOSSIERS, params={"page": "0"})
    assert refusee.status_code == 422


def test_file_de_travail_du_plus_ancien_depot(back_office: BackOffice) -> None:
    """The received files, oldest filing first; an unknown state is a 404."""
    _recus(back_office.portail)
    reponse = back_office.client.get(f"{DOSSIERS}/a-traiter/recu")
    assert reponse.status_code == 200
    assert numeros_affiches(reponse) == ["2011300102", "2011300103", "2011300101"]
    assert "Dossiers « reçu »" in texte(reponse)
    assert back_office.client.get(f"{DOSSIERS}/a-traiter/perdu").status_code == 404


# --- a file's page and its changes ----------------------------------------------------------


def test_la_page_d_un_dossier_montre_ses_blocs_et_les_etats_possibles(
    back_office: BackOffice,
) -> None:
    """Blocks, schedule, history as the CFA sees them; the states the file may go to."""
    _recus(back_office.portail)
    reponse = back_office.client.get(f"{DOSSIERS}/2011300102")
    assert reponse.status_code == 200
    page = lisible(reponse)
    for bloc in ("Formation", "Contrat", "Aspect financier", "Échéancier", "Historique"):
        assert bloc in page
    options = [ligne.split('">')[1] for ligne in reponse.text.split('<option value="')[1:]]
    assert [o.split("<")[0] for o in options] == [
        "en instruction",
        "refusé",
        "annulé",
        "supprimé",
    ]
    assert "Rupture du contrat" not in page
    assert back_office.client.get(f"{DOSSIERS}/2099999999").status_code == 404


def test_l_agent_fait_avancer_le_dossier_et_le_cfa_le_voit(back_office: BackOffice) -> None:
    """reçu → en instruction → en attente (mailed, with the reason) → en instruction → en cours."""
    portail = back_office.portail
    portail.compte_actif()
    _recus(portail)
    numero = "2011300101"
    for etat, motif in (
        ("en_instruction", ""),
        ("en_attente", "Contrat signé manquant"),
        ("en_instruction", "Pièces reçues"),
        ("en_cours", "Dossier complet"),
    ):
        reponse = poster(
            back_office.client,
            f"{DOSSIERS}/{numero}/etat",
            {"etat": etat, "motif": motif},
            page=f"{DOSSIERS}/{numero}",
        )
        assert reponse.status_code == 303, reponse.text
        assert reponse.headers["location"] == f"{DOSSIERS}/{numero}"
    page = back_office.client.get(f"{DOSSIERS}/{numero}")
    assert "Le dossier est désormais « en cours »." in texte(page)
    historique = tableau(page, "Changements d'état")
    assert historique[-2][1:] == ["en attente", "en instruction", EMAIL_AGENT, "Pièces reçues"]
    mails = [m for m in portail.messages() if m.destinataire.adresse == EMAIL_CFA]
    assert [(m.modele, m.contexte["motif"]) for m in mails if m.modele.startswith("dossier")] == [
        ("dossier_en_attente", "Contrat signé manquant"),
        ("dossier_accorde", "Dossier complet"),
    ]
    connecter(portail.client)
    vue_cfa = portail.client.get(f"/actions/{numero}")
    assert "en cours" in lisible(vue_cfa)
    assert f"Suivi par {EMAIL_AGENT}" in lisible(vue_cfa)


def test_un_refus_sans_motif_est_refuse_a_cote_du_motif(back_office: BackOffice) -> None:
    """No reason for a refusal: 422, the message beside the reason, nothing written."""
    _recus(back_office.portail)
    adresse = f"{DOSSIERS}/2011300101"
    reponse = poster(
        back_office.client, f"{adresse}/etat", {"etat": "refuse", "motif": " "}, page=adresse
    )
    assert reponse.status_code == 422
    assert champ_en_erreur(reponse, "motif") == "Le motif du refus est obligatoire."
    assert "reçu" in lisible(back_office.client.get(adresse)).split("Nouvel état")[0]


def test_une_transition_interdite_est_expliquee(back_office: BackOffice) -> None:
    """A state the file cannot reach (forged form): 409 and the reason, nothing written."""
    _recus(back_office.portail)
    adresse = f"{DOSSIERS}/2011300101"
    reponse = poster(back_office.client, f"{adresse}/etat", {"etat": "solde"}, page=adresse)
    assert reponse.status_code == 409
    assert "reçu" in texte(reponse)
    assert "soldé" in texte(reponse)
    sans_etat = poster(back_office.client, f"{adresse}/etat", {"motif": "x"}, page=adresse)
    assert sans_etat.status_code == 422
    assert champ_en_erreur(sans_etat, "etat") == "Ce champ est obligatoire."


def test_un_formulaire_sans_jeton_csrf_est_refuse(back_office: BackOffice) -> None:
    """Every form of these pages carries the CSRF token; without it, 403."""
    _recus(back_office.portail)
    reponse = back_office.client.post(
        f"{DOSSIERS}/2011300101/etat", data={"etat": "en_instruction"}, follow_redirects=False
    )
    assert reponse.status_code == 403


# --- rupture --------------------------------------------------------------------------------


def _dossier_paye(back_office: BackOffice) -> None:
    """A file en cours with 18 372,90 € of pedagogical costs paid (the unit test's figures).

    The clock moves a year on: the agent logs in again (the morning's session has expired).
    """
    portail = back_office.portail
    portail.compte_actif()
    en_cours(portail, dossier(NUMERO))
    portail.horloge.instant = dt.datetime(2024, 9, 15, 9, 0, tzinfo=dt.UTC)
    recu = demander(
        portail,
        Periode(dt.date(2023, 9, 1), dt.date(2024, 12, 31)),
        MontantsDemandes(frais_pedagogiques=Montant("18372.90")),
    )
    payer(portail, recu)
    connecter_agent(back_office.client)


def test_rupture_apercu_puis_confirmation(back_office: BackOffice) -> None:
    """The preview shows 17 498 € recomputed and 874,90 € overpaid; confirming records it."""
    portail = back_office.portail
    _dossier_paye(back_office)
    adresse = f"{DOSSIERS}/{NUMERO}"
    champs = {"date_rupture": "31/12/2024", "motif_rupture": "Démission de l'apprenti"}
    apercu = poster(back_office.client, f"{adresse}/rupture/apercu", champs, page=adresse)
    assert apercu.status_code == 200
    page = lisible(apercu)
    assert f"Engagement actuel {euros('26247')}" in page
    assert f"Engagement recalculé à la rupture {euros('17498')}" in page
    assert f"Trop-perçu à reverser par le CFA {euros('874.90')}" in page
    assert 'name="date_rupture" value="31/12/2024"' in apercu.text
    page_dossier = back_office.client.get(adresse)
    assert "en cours" in lisible(page_dossier).split("Nouvel état")[0]
    assert 'href="/backoffice/demandes/' in page_dossier.text  # the agents' request page
    assert 'href="/demandes/' not in page_dossier.text
    assert not [m for m in portail.messages() if m.modele == "dossier_rompu"]

    confirmee = poster(back_office.client, f"{adresse}/rupture", champs, page=adresse)
    assert confirmee.status_code == 303
    apres = back_office.client.get(adresse)
    assert "La rupture du contrat est enregistrée" in texte(apres)
    assert f"Trop-perçu à reverser après la rupture {euros('874.90')}" in lisible(apres)
    (mail,) = [m for m in portail.messages() if m.modele == "dossier_rompu"]
    assert mail.contexte["date_rupture"] == "2024-12-31"
    connecter(portail.client)
    assert "rompu" in lisible(portail.client.get(f"/actions/{NUMERO}"))


@pytest.mark.parametrize(
    ("champs", "champ", "statut"),
    [
        ({"date_rupture": "31/12/2030", "motif_rupture": "Démission"}, "date_rupture", 422),
        ({"date_rupture": "demain", "motif_rupture": "Démission"}, "date_rupture", 422),
        ({"date_rupture": "31/12/2024", "motif_rupture": " "}, "motif_rupture", 422),
    ],
)
def test_rupture_refusee_a_cote_du_champ(
    back_office: BackOffice, champs: dict[str, str], champ: str, statut: int
) -> None:
    """A date outside the contract, a malformed date, no reason: beside the field."""
    portail = back_office.portail
    portail.compte_actif()
    en_cours(portail, dossier(NUMERO))
    adresse = f"{DOSSIERS}/{NUMERO}"
    for etape in ("rupture/apercu", "rupture"):
        reponse = poster(back_office.client, f"{adresse}/{etape}", champs, page=adresse)
        assert reponse.status_code == statut
        assert champ_en_erreur(reponse, champ)
    assert not [m for m in portail.messages() if m.modele == "dossier_rompu"]


def test_rupture_d_un_dossier_qui_n_est_pas_en_cours(back_office: BackOffice) -> None:
    """A file still reçu cannot be ruptured: 409 with the reason."""
    _recus(back_office.portail)
    adresse = f"{DOSSIERS}/2011300101"
    champs: dict[str, Any] = {"date_rupture": "31/12/2023", "motif_rupture": "Démission"}
    reponse = poster(back_office.client, f"{adresse}/rupture/apercu", champs, page=adresse)
    assert reponse.status_code == 409
