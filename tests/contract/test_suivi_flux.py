"""The feed's follow-up: discard, runs log (JournalQuarantaine) and the agents' use cases.

On every backend: the port's new methods, then the use cases of
:mod:`cfa_domain.services.suivi_flux` on a whole deployment.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import attrs
import pytest

from cfa_adapters.webservice.format import relire
from cfa_domain.action import EtatDossier
from cfa_domain.compte import Compte
from cfa_domain.errors import (
    DonneeInvalide,
    EnregistrementDejaRegle,
    Introuvable,
    ReserveAuxConseillers,
)
from cfa_domain.ports import DossierFlux, EnregistrementIllisible, PassageFlux
from cfa_domain.services import actions, suivi_flux
from cfa_domain.services.flux import ResultatApplication
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import HacheurMemoire, MemoireSourceFlux
from cfa_domain.values import Email

from .constructeurs import MOT_DE_PASSE, QUAND, SIRET_A, compte_actif, instant, organisme
from .test_quarantaine import rejet

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .conftest import Banc, Deploiement

AGENT = "conseiller@opco.example"
NUMERO = "2011303654"


# --- the port ---------------------------------------------------------------------------


def test_ecarter_regle_la_ligne_en_attente_seulement(banc: Banc) -> None:
    """Discarding settles the waiting row with who and why; a settled twin is left alone."""
    premier = rejet("2011303654@3", 1)
    with banc.uow() as uow:
        uow.quarantaine.ajouter(premier)
        uow.quarantaine.regler(premier.cle, premier.brut, instant(2), "cfa-feed")
        uow.quarantaine.ajouter(rejet("2011303654@3", 3))
        uow.commit()
    with banc.uow() as uow:
        uow.quarantaine.ecarter(premier.cle, premier.brut, instant(4), AGENT, "obsolète")
        uow.commit()
    with banc.uow(lecture_seule=True) as uow:
        regle, ecarte = uow.quarantaine.lister()
        assert not uow.quarantaine.contient(premier.cle, premier.brut)
    assert (regle.regle_le, regle.regle_par, regle.motif_ecart) == (instant(2), "cfa-feed", None)
    assert not regle.ecarte
    assert ecarte.ecarte
    assert (ecarte.regle_le, ecarte.regle_par, ecarte.motif_ecart) == (
        instant(4),
        AGENT,
        "obsolète",
    )
    assert not ecarte.en_attente


def test_passages_du_plus_recent_au_plus_ancien(banc: Banc) -> None:
    """Runs read back whole, the latest first, ``nombre`` at most; unknown counts stay None."""
    complet = PassageFlux("webservice", instant(0), instant(1), 3, 1, 5, 2, "42")
    arrete = PassageFlux("webservice", instant(2), instant(3), curseur="44", erreur="panne")
    autre = PassageFlux("stock.csv", instant(4), instant(5), 1, 0, 0, 0, "1.2")
    with banc.uow() as uow:
        for passage in (complet, arrete, autre):
            uow.quarantaine.noter_passage(passage)
        uow.commit()
    with banc.uow(lecture_seule=True) as uow:
        assert list(uow.quarantaine.derniers_passages(10)) == [autre, arrete, complet]
        assert list(uow.quarantaine.derniers_passages(2)) == [autre, arrete]
        assert list(uow.quarantaine.derniers_passages(0)) == []
    assert (complet.total, arrete.total) == (11, None)


# --- the use cases ----------------------------------------------------------------------


def _monde(deploiement: Deploiement) -> tuple[uuid.UUID, uuid.UUID]:
    """An organisme with an account, an agent; the agent's id and the account's."""
    ctx = deploiement.contexte
    titulaire = compte_actif()
    agent = Compte.ouvrir_agent(
        id=uuid.uuid4(),
        email=Email(AGENT),
        mot_de_passe=MOT_DE_PASSE,
        quand=QUAND,
        hasher=HacheurMemoire(),
        auteur="administrateur",
    )
    with ctx.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(titulaire)
        uow.comptes.ajouter(agent)
        uow.commit()
    return agent.id, titulaire.id


def _version(version: int, etat: EtatDossier | None = None) -> DossierFlux:
    return DossierFlux(
        numero_action=NUMERO,
        version=version,
        formation=exemples.formation(siret_cfa=SIRET_A),
        contrat=exemples.contrat(),
        budget=exemples.budget(),
        etat=etat,
    )


ILLISIBLE = EnregistrementIllisible(cle="ligne 3", brut="{", detail="JSON illisible")


def test_quarantaine_ecart_et_rejeu_par_un_agent(deploiement: Deploiement) -> None:
    """A file reçu told soldé: quarantined; replayed once en cours: applied and settled."""
    ctx = deploiement.contexte
    agent, titulaire = _monde(deploiement)
    source = MemoireSourceFlux([_version(1), _version(2, EtatDossier.SOLDE), ILLISIBLE], "ws")
    bilan = suivi_flux.synchroniser_et_noter(ctx, source)
    assert (bilan.crees, bilan.rejetes) == (1, 2)

    suivi = suivi_flux.consulter_flux(ctx, agent)
    assert [(r.numero, r.rejet.cle) for r in suivi.en_attente] == [
        (1, f"{NUMERO}@2"),
        (2, "ligne 3"),
    ]
    assert suivi.regles == ()
    (passage,) = suivi.passages
    assert (passage.source, passage.crees, passage.rejetes, passage.curseur) == ("ws", 1, 2, "3")
    assert passage.erreur is None

    encore = suivi_flux.rejouer_rejet(ctx, agent, 1, relire)
    assert encore.resultat is ResultatApplication.REJETE
    assert "reçu" in encore.detail
    assert "soldé" in encore.detail
    for etat in (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS):
        actions.changer_etat_action(ctx, agent, NUMERO, etat, "complet")
    rejeu = suivi_flux.rejouer_rejet(ctx, agent, 1, relire)
    assert rejeu.resultat is ResultatApplication.MIS_A_JOUR
    assert actions.consulter_action(ctx, titulaire, NUMERO).action.etat is EtatDossier.SOLDE

    ecarte = suivi_flux.ecarter_rejet(ctx, agent, 2, "Ligne tronquée à la source, renvoyée")
    assert (ecarte.rejet.regle_par, ecarte.rejet.motif_ecart) == (
        AGENT,
        "Ligne tronquée à la source, renvoyée",
    )
    suivi = suivi_flux.consulter_flux(ctx, agent)
    assert suivi.en_attente == ()
    # Both name the agent who settled them; only the discarded one has a reason.
    assert [(r.numero, r.rejet.regle_par, r.rejet.ecarte) for r in suivi.regles] == [
        (2, AGENT, True),
        (1, AGENT, False),
    ]
    assert suivi_flux.consulter_rejet(ctx, agent, 2) == ecarte
    for numero in (1, 2):
        with pytest.raises(EnregistrementDejaRegle):
            suivi_flux.ecarter_rejet(ctx, agent, numero, "encore")
        with pytest.raises(EnregistrementDejaRegle):
            suivi_flux.rejouer_rejet(ctx, agent, numero, relire)


def test_refus_des_cas_d_usage_du_flux(deploiement: Deploiement) -> None:
    """No reason, a number out of range or unknown, a CFA account: refused, nothing written."""
    ctx = deploiement.contexte
    agent, titulaire = _monde(deploiement)
    suivi_flux.synchroniser_et_noter(ctx, MemoireSourceFlux([ILLISIBLE], "ws"))
    with pytest.raises(DonneeInvalide) as erreur:
        suivi_flux.ecarter_rejet(ctx, agent, 1, "  ")
    assert erreur.value.champ == "motif"
    for numero in (0, -1, 2**70):
        with pytest.raises(DonneeInvalide):
            suivi_flux.consulter_rejet(ctx, agent, numero)
    with pytest.raises(Introuvable):
        suivi_flux.ecarter_rejet(ctx, agent, 2, "absent")
    with pytest.raises(ReserveAuxConseillers):
        suivi_flux.consulter_flux(ctx, titulaire)
    with pytest.raises(ReserveAuxConseillers):
        suivi_flux.ecarter_rejet(ctx, titulaire, 1, "pas un agent")
    with pytest.raises(ReserveAuxConseillers):
        suivi_flux.rejouer_rejet(ctx, titulaire, 1, relire)
    assert [r.numero for r in suivi_flux.consulter_flux(ctx, agent).en_attente] == [1]


@attrs.define
class _SourceEnPanne:
    """A source that yields its records, then fails (the Webservice going down)."""

    enregistrements: list[DossierFlux]
    nom: str = "ws"

    def lire(self, depuis: str | None) -> Iterator[tuple[str, DossierFlux]]:
        del depuis
        yield from ((str(r), e) for r, e in enumerate(self.enregistrements, start=1))
        raise OSError("connexion interrompue")


def test_un_passage_interrompu_est_note_avec_sa_raison(deploiement: Deploiement) -> None:
    """The run stopped by the source: recorded with the reason and the cursor, then raised."""
    ctx = deploiement.contexte
    agent, _ = _monde(deploiement)
    deploiement.horloge.instant = dt.datetime(2024, 1, 8, 6, 0, tzinfo=dt.UTC)
    with pytest.raises(OSError, match="connexion interrompue"):
        suivi_flux.synchroniser_et_noter(ctx, _SourceEnPanne([_version(1)]))
    (passage,) = suivi_flux.consulter_flux(ctx, agent).passages
    assert (passage.erreur, passage.curseur, passage.total) == ("connexion interrompue", "1", None)
    assert passage.debut == dt.datetime(2024, 1, 8, 6, 0, tzinfo=dt.UTC)
