"""The demo data: loaded once, through the feed and the use cases, every state present."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cfa_domain.action import EtatDossier
from cfa_domain.echeancier import Regime
from cfa_domain.remboursement import EtatDemande
from cfa_domain.services import acces
from cfa_web.demo import COMPTES_DEMO, charger_demo, est_chargee

from .conftest import connecter, texte

if TYPE_CHECKING:
    from .conftest import Portail


AUJOURD_HUI = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
"""The demo is loaded on the day it is served: contracts run around that day."""


def _compter(portail: Portail, requete: str) -> dict[str, int]:
    with portail.moteur.connect() as connexion:
        return {ligne[0]: ligne[1] for ligne in connexion.execute(sa.text(requete))}


def test_la_demo_se_charge_une_fois_avec_chaque_etat(portail: Portail) -> None:
    """Files and requests in every state, nothing quarantined; loading again adds nothing."""
    portail.horloge.instant = AUJOURD_HUI
    assert not est_chargee(portail.contexte)
    assert charger_demo(portail.contexte, fichiers=120)
    assert est_chargee(portail.contexte)
    dossiers = _compter(portail, "select etat, count(*) from actions group by etat")
    assert set(dossiers) == {e.value for e in EtatDossier}
    assert sum(dossiers.values()) == 120
    demandes = _compter(portail, "select etat, count(*) from demandes group by etat")
    assert set(demandes) == {e.value for e in EtatDemande}
    assert _compter(portail, "select 'q', count(*) from quarantaine_flux") == {"q": 0}
    # The load is a run of the feed, shown on the back office's feed page.
    assert _compter(portail, "select source, crees from passages_flux") == {"demonstration": 120}
    assert not charger_demo(portail.contexte, fichiers=120)
    assert (
        sum(_compter(portail, "select etat, count(*) from actions group by etat").values()) == 120
    )


def test_la_demo_couvre_chaque_regime_de_paiement(portail: Portail) -> None:
    """The contracts are signed under every payment regime."""
    portail.horloge.instant = AUJOURD_HUI
    charger_demo(portail.contexte, fichiers=40)
    echeancier = portail.contexte.parametres.echeancier
    with portail.moteur.connect() as connexion:
        signatures = connexion.execute(sa.text("select date_signature from actions")).scalars()
        regimes = {echeancier.regime_pour(_date(s)) for s in signatures}
    assert regimes == set(Regime)


def _date(valeur: Any) -> Any:
    return valeur if isinstance(valeur, dt.date) else dt.date.fromisoformat(valeur)


def test_les_comptes_de_demo_se_connectent(portail: Portail) -> None:
    """The printed credentials open the portal (the CFA) and the agent's account."""
    portail.horloge.instant = AUJOURD_HUI
    charger_demo(portail.contexte, fichiers=30)
    cfa, _, agent = COMPTES_DEMO
    connecter(portail.client, cfa.email, cfa.mot_de_passe)
    assert "CFA Santé Avenir" in texte(portail.client.get("/"))
    connexion = acces.se_connecter(portail.contexte, agent.email, agent.mot_de_passe)
    assert connexion.siret is None
