"""``cfa-admin dossiers refuser-sans-reponse``: the OPCO's silence as a daily job.

The command runs on the portal's own database; each test checks what it did through the
pages: the CFA sees its file refused, the agent sees the reason in the file's history.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import attrs
import pytest

from cfa_domain.services.actions import MOTIF_SILENCE
from cfa_web import admin

from .conftest import EMAIL_AGENT, EMAIL_CFA, BackOffice, Portail, connecter
from .test_actions import dossier, lisible, tableau
from .test_admin import environnement  # noqa: F401 - the fixture

COMMANDE = ["dossiers", "refuser-sans-reponse", "--agent", EMAIL_AGENT]
ETAT = "État du dossier {} ( voir le glossaire )"


def _deposes(portail: Portail) -> None:
    """2011300201 filed 21 days ago, 2011300202 20 days ago.

    The command runs with the system's clock (a deployment's), so the days count from
    today in the OPCO's time zone.
    """
    aujourd_hui = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
    for numero, jours in (("2011300201", 21), ("2011300202", 20)):
        fichier = dossier(numero)
        depot = aujourd_hui - dt.timedelta(days=jours)
        formation = attrs.evolve(fichier.formation, date_depot=depot)
        portail.recevoir(attrs.evolve(fichier, formation=formation))


def test_refuse_les_dossiers_sans_reponse_au_nom_de_l_agent(
    environnement: Portail,  # noqa: F811 - the fixture
    back_office: BackOffice,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Filed 21 days ago: refused, mailed, shown; filed 20 days ago: left; a rerun: nothing."""
    portail = environnement
    portail.compte_actif()
    _deposes(portail)
    assert admin.main(COMMANDE) == 0
    assert capsys.readouterr().out == "1 dossier refusé : 2011300201.\n"
    page = back_office.client.get("/backoffice/dossiers/2011300201")
    derniere = tableau(page, "Changements d'état")[-1]
    assert derniere[2:] == ["refusé", EMAIL_AGENT, MOTIF_SILENCE]
    (mail,) = [m for m in portail.messages() if m.modele == "dossier_refuse"]
    assert (mail.destinataire.adresse, mail.contexte["motif"]) == (EMAIL_CFA, MOTIF_SILENCE)
    connecter(portail.client)
    assert ETAT.format("refusé") in lisible(portail.client.get("/actions/2011300201"))
    assert ETAT.format("reçu") in lisible(portail.client.get("/actions/2011300202"))

    assert admin.main(COMMANDE) == 0
    assert capsys.readouterr().out == "Aucun dossier à refuser.\n"


@pytest.mark.parametrize(
    ("agent", "message"),
    [
        ("personne@opco.example", "introuvable"),
        (EMAIL_CFA, "introuvable"),
        ("pas-une-adresse", "n'est pas une adresse email valide"),
    ],
)
def test_refuse_une_adresse_qui_n_est_pas_celle_d_un_agent(
    environnement: Portail,  # noqa: F811 - the fixture
    capsys: pytest.CaptureFixture[str],
    agent: str,
    message: str,
) -> None:
    """Exit status 2, one French line; no file touched."""
    environnement.compte_actif()
    _deposes(environnement)
    assert admin.main(["dossiers", "refuser-sans-reponse", "--agent", agent]) == 2
    erreur = capsys.readouterr().err
    assert erreur.startswith("cfa-admin : ")
    assert message in erreur.lower()
    assert erreur.count("\n") == 1
    assert not [m for m in environnement.messages() if m.modele == "dossier_refuse"]
    connecter(environnement.client)
    assert ETAT.format("reçu") in lisible(environnement.client.get("/actions/2011300201"))
