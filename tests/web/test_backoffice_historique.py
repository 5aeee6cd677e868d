"""The audit trail in the back office: a history on its page and as a CSV file."""

from __future__ import annotations

import csv
import io

import pytest

from cfa_domain.action import EtatDossier
from cfa_domain.services import actions

from .conftest import EMAIL_AGENT, EMAIL_CFA, BackOffice
from .test_actions import champ_en_erreur, dossier, lisible, tableau

HISTORIQUE = "/backoffice/historique"
NUMERO = "2011300401"


def _dossier_instruit(back_office: BackOffice) -> None:
    """A file received, then taken and put on hold by the agent (a formula as reason)."""
    back_office.portail.recevoir(dossier(NUMERO))
    ctx, agent = back_office.contexte, back_office.agent_id
    actions.changer_etat_action(ctx, agent, NUMERO, EtatDossier.EN_INSTRUCTION)
    actions.changer_etat_action(ctx, agent, NUMERO, EtatDossier.EN_ATTENTE, "=SOMME(A1) RIB")


def test_l_historique_d_un_dossier_sur_sa_page(back_office: BackOffice) -> None:
    """Who, when, from, to, why; oldest first; the form keeps what was asked."""
    _dossier_instruit(back_office)
    reponse = back_office.client.get(HISTORIQUE, params={"objet": "dossier", "identifiant": NUMERO})
    assert reponse.status_code == 200
    (entete, *lignes) = tableau(reponse, "Changements d'état")
    assert entete == ["Date", "Par", "Ancien état", "Nouvel état", "Motif"]
    assert [ligne[1:] for ligne in lignes] == [
        ["Webservice", "", "reçu", lignes[0][4]],
        [EMAIL_AGENT, "reçu", "en instruction", ""],
        [EMAIL_AGENT, "en instruction", "en attente", "=SOMME(A1) RIB"],
    ]
    assert lignes[1][0] == "10/09/2023 à 10:30"  # 08:30 UTC, shown in Paris time
    assert f'value="{NUMERO}"' in reponse.text


def test_export_csv_de_l_historique(back_office: BackOffice) -> None:
    """The same entries as CSV (BOM, ``;``), a formula never run by a spreadsheet."""
    _dossier_instruit(back_office)
    page = back_office.client.get(f"/backoffice/dossiers/{NUMERO}")
    lien = f"/backoffice/historique/export.csv?objet=dossier&amp;identifiant={NUMERO}"
    assert lien in page.text
    reponse = back_office.client.get(lien.replace("&amp;", "&"))
    assert reponse.status_code == 200
    assert reponse.headers["content-type"].startswith("text/csv")
    assert f"historique-dossier-{NUMERO}.csv" in reponse.headers["content-disposition"]
    assert reponse.content.startswith("\ufeff".encode())
    lignes = list(csv.reader(io.StringIO(reponse.text.lstrip("\ufeff")), delimiter=";"))
    assert lignes[0] == [
        "Objet",
        "Identifiant",
        "Date",
        "Par",
        "Ancien état",
        "Nouvel état",
        "Motif",
    ]
    assert lignes[-1] == [
        "dossier",
        NUMERO,
        "10/09/2023 à 10:30",
        EMAIL_AGENT,
        "en instruction",
        "en attente",
        "'=SOMME(A1) RIB",
    ]
    assert len(lignes) == 4


def test_historique_d_un_compte_par_son_adresse(back_office: BackOffice) -> None:
    """An account named by its login address: its opening and activation."""
    back_office.portail.compte_actif()
    reponse = back_office.client.get(
        HISTORIQUE, params={"objet": "compte", "identifiant": EMAIL_CFA}
    )
    assert reponse.status_code == 200
    assert tableau(reponse, "Changements d'état")[-1][3] == "actif"


@pytest.mark.parametrize(
    ("parametres", "champ", "message"),
    [
        (
            {"objet": "organisme", "identifiant": "123"},
            "identifiant",
            "SIRET « 123 » : longueur incorrecte.",
        ),
        (
            {"objet": "demande", "identifiant": "x"},
            "identifiant",
            "Identifiant : un identifiant (UUID) est attendu.",
        ),
        ({"objet": "planete", "identifiant": "x"}, "objet", "Valeur invalide."),
        ({"objet": "dossier"}, "identifiant", "Ce champ est obligatoire."),
    ],
)
def test_nom_refuse_a_cote_du_champ(
    back_office: BackOffice, parametres: dict[str, str], champ: str, message: str
) -> None:
    """A malformed name: 422 and the message beside its field, on the page and the export."""
    for adresse in (HISTORIQUE, f"{HISTORIQUE}/export.csv"):
        reponse = back_office.client.get(adresse, params=parametres)
        assert reponse.status_code == 422
        assert champ_en_erreur(reponse, champ) == message


def test_formulaire_vide_et_objet_inconnu(back_office: BackOffice) -> None:
    """The bare page shows the form; an unknown file is a 404."""
    vide = back_office.client.get(HISTORIQUE)
    assert vide.status_code == 200
    assert "Identifiant" in lisible(vide)
    inconnu = back_office.client.get(
        HISTORIQUE, params={"objet": "dossier", "identifiant": "2099999999"}
    )
    assert inconnu.status_code == 404
