"""The HTTP pull against the simulator on 127.0.0.1, on every backend.

Each fault ends in the state of one clean run: 5xx, time-outs, a page cut short, a page
served twice, the process killed between two pages, a malformed record in a page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cfa_adapters.webservice.http import (
    AuthentificationRefusee,
    FluxIndisponible,
    ReponseInvalide,
    RequeteRefusee,
    SourceHttp,
)
from cfa_adapters.webservice.operations import importer
from cfa_adapters.webservice.simulateur import JETON_DEMO, Panne, Simulateur
from cfa_domain.ports import MotifRejet

from .outils import etat, flux_de_test

if TYPE_CHECKING:
    from collections.abc import Iterator

    from cfa_domain.services.contexte import Contexte
    from contract.conftest import Deploiement


def source(simulateur: Simulateur, **options: object) -> SourceHttp:
    """A client of the simulator: small pages, short waits, no real sleep between tries."""
    reglages: dict[str, object] = {"taille_page": 4, "delai": 0.5, "essais": 3} | options
    return SourceHttp(
        simulateur.url,
        JETON_DEMO,
        dormir=lambda _s: None,
        **reglages,  # type: ignore[arg-type]
    )


@pytest.fixture
def simulateur() -> Iterator[Simulateur]:
    """The upstream service, serving the test feed on a free port of 127.0.0.1."""
    with Simulateur(flux_de_test(), lenteur=1.0) as serveur:
        yield serveur


def propre() -> object:
    """The state one clean run leaves (computed once, on the in-memory backend)."""
    from cfa_domain.testing.fakes import memoire  # noqa: PLC0415

    m = memoire()
    with Simulateur(flux_de_test()) as serveur:
        importer(m.contexte, SourceHttp(serveur.url, JETON_DEMO, taille_page=4))
    return etat(m.contexte)


PROPRE = propre()
AMONT = "http://amont.invalid/flux"


def test_une_lecture_propre(deploiement: Deploiement, simulateur: Simulateur) -> None:
    """Every record applied page by page; the malformed one quarantined; the CFA known."""
    ctx = deploiement.contexte
    bilan = importer(ctx, source(simulateur))
    assert (bilan.crees, bilan.mis_a_jour, bilan.rejetes, bilan.curseur) == (12, 4, 1, "17")
    resultat = etat(ctx)
    assert isinstance(resultat, tuple)
    _, organisme, quarantaine = resultat
    assert organisme is not None
    ((cle, motif, detail),) = quarantaine
    assert (cle, motif) == ("2011399999@1", MotifRejet.ILLISIBLE)
    assert "$.budget.pedagogie" in detail
    assert [r["apres"] for r in simulateur.requetes if "apres" in r] == ["4", "8", "12", "16"]
    assert etat(ctx) == PROPRE
    # Run again: nothing new upstream, nothing applied.
    assert importer(ctx, source(simulateur)).total == 0


@pytest.mark.parametrize(
    "pannes",
    [
        (Panne.ERREUR_SERVEUR, Panne.ERREUR_SERVEUR),
        (Panne.LENTEUR,),
        (Panne.PAGE_TRONQUEE,),
        (Panne.ERREUR_SERVEUR, Panne.PAGE_TRONQUEE),
    ],
    ids=["5xx", "lenteur", "tronquee", "5xx_et_tronquee"],
)
def test_pannes_passageres_meme_etat(
    deploiement: Deploiement, simulateur: Simulateur, pannes: tuple[Panne, ...]
) -> None:
    """Passing faults are tried again: the run ends as a clean one."""
    ctx = deploiement.contexte
    importer(ctx, source(simulateur, taille_page=4), None)  # first page clean
    simulateur.injecter(*pannes)
    importer(ctx, source(simulateur))
    assert etat(ctx) == PROPRE


def test_page_servie_deux_fois(deploiement: Deploiement, simulateur: Simulateur) -> None:
    """A page served again in place of the next one is skipped; the next try gets it."""
    ctx = deploiement.contexte
    simulateur.injecter(Panne.ERREUR_SERVEUR)  # nothing yet to serve twice: a 503
    simulateur.requetes.clear()
    lecteur = source(simulateur)
    paires = lecteur.lire(None)
    premiere = [next(paires) for _ in range(4)]
    simulateur.injecter(Panne.PAGE_EN_DOUBLE)
    suite = list(paires)
    assert [c for c, _ in premiere + suite] == [str(n) for n in range(1, 18)]
    importer(ctx, source(simulateur))
    assert etat(ctx) == PROPRE


def test_tous_les_essais_echouent_puis_reprise(
    deploiement: Deploiement, simulateur: Simulateur
) -> None:
    """When every try fails the run stops after what it committed; the next one resumes."""
    ctx = deploiement.contexte
    lecteur = source(simulateur)
    paires = lecteur.lire(None)
    [next(paires) for _ in range(4)]
    simulateur.injecter(*[Panne.ERREUR_SERVEUR] * 3)
    with pytest.raises(FluxIndisponible, match="après 3 essais"):
        next(paires)
    simulateur.injecter(*[Panne.ERREUR_SERVEUR] * 3)
    with pytest.raises(FluxIndisponible):
        importer(ctx, source(simulateur))
    assert etat(ctx)[0] == [None] * 13  # type: ignore[index]
    importer(ctx, source(simulateur))
    assert etat(ctx) == PROPRE


class _Tue(BaseException):
    """The process killed: nothing after it runs."""


def test_processus_tue_entre_deux_pages(deploiement: Deploiement, simulateur: Simulateur) -> None:
    """Killed after the first page, restarted: it resumes after the last committed record."""
    ctx = deploiement.contexte
    lus = 0

    def tuer(nombre: int, _total: int | None) -> None:
        nonlocal lus
        lus = nombre
        if nombre == 4:  # the first page applied
            raise _Tue

    with pytest.raises(_Tue):
        importer(ctx, source(simulateur), tuer)
    assert lus == 4
    with ctx.uow(lecture_seule=True) as uow:
        assert uow.quarantaine.curseur("webservice") == "4"
    simulateur.requetes.clear()
    importer(ctx, source(simulateur))
    assert simulateur.requetes[0]["apres"] == "4"
    assert etat(ctx) == PROPRE


def test_jeton_refuse_arret_clair(deploiement: Deploiement, simulateur: Simulateur) -> None:
    """401 stops at once, in French, without a second try."""
    lecteur = SourceHttp(simulateur.url, "mauvais", dormir=lambda _s: None)
    with pytest.raises(AuthentificationRefusee, match="CFA_FLUX_JETON"):
        importer(deploiement.contexte, lecteur)
    assert len(simulateur.requetes) == 1


def test_requete_refusee_sans_nouvel_essai(simulateur: Simulateur) -> None:
    """Another 4xx is not tried again (the same request would be refused)."""
    lecteur = source(simulateur, taille_page=5000)
    with pytest.raises(RequeteRefusee, match="HTTP 400"):
        list(lecteur.lire(None))
    assert len(simulateur.requetes) == 1


def test_mauvaise_adresse_est_une_panne() -> None:
    """A server that does not answer is tried again, then the run stops."""
    with Simulateur() as serveur:
        url = serveur.url.replace("/flux", "/ailleurs")
    lecteur = SourceHttp(url, JETON_DEMO, essais=2, dormir=lambda _s: None, delai=0.5)
    with pytest.raises(FluxIndisponible, match="connexion impossible"):
        list(lecteur.lire(None))


def test_curseur_qui_n_est_pas_un_nombre(simulateur: Simulateur) -> None:
    """A page whose cursors are not numbers breaks the protocol: the run stops."""
    with pytest.raises(ReponseInvalide, match="« abc »"):
        list(source(simulateur).lire("abc"))
    import httpx  # noqa: PLC0415

    def sans_curseur(requete: httpx.Request) -> httpx.Response:
        del requete
        return httpx.Response(200, json={"enregistrements": [{"x": 1}], "suivant": None})

    lecteur = SourceHttp(
        "http://amont.invalid/flux", "j", transport=httpx.MockTransport(sans_curseur)
    )
    with pytest.raises(ReponseInvalide, match="sans curseur"):
        list(lecteur.lire(None))


def test_page_toujours_la_meme() -> None:
    """An upstream that always serves the same page stops the run instead of looping."""
    import httpx  # noqa: PLC0415

    def meme_page(requete: httpx.Request) -> httpx.Response:
        del requete
        page = {"enregistrements": [{"curseur": "1", "enregistrement": {}}], "suivant": "1"}
        return httpx.Response(200, json=page)

    lecteur = SourceHttp(
        "http://amont.invalid/flux", "j", essais=2, transport=httpx.MockTransport(meme_page)
    )
    with pytest.raises(FluxIndisponible, match="page déjà lue"):
        list(lecteur.lire(None))


def test_page_sans_enregistrements(simulateur: Simulateur) -> None:
    """A 200 that is not a page is a passing fault; the simulator's own 404 and bad query."""
    import httpx  # noqa: PLC0415

    def pas_une_page(requete: httpx.Request) -> httpx.Response:
        del requete
        return httpx.Response(200, json={"autre": 1})

    lecteur = SourceHttp(
        "http://amont.invalid/flux", "j", essais=1, transport=httpx.MockTransport(pas_une_page)
    )
    with pytest.raises(FluxIndisponible, match="enregistrements"):
        list(lecteur.lire(None))
    entetes = {"Authorization": f"Bearer {JETON_DEMO}"}
    assert httpx.get(simulateur.url + "/x", headers=entetes).status_code == 404
    assert httpx.get(simulateur.url, params={"apres": "z"}, headers=entetes).status_code == 400


def test_nouveaux_enregistrements_en_amont(
    deploiement: Deploiement, simulateur: Simulateur
) -> None:
    """Records added upstream after a run are read by the next one, and only they."""
    from cfa_adapters.webservice.format import ecrire  # noqa: PLC0415
    from cfa_domain.action import EtatDossier  # noqa: PLC0415

    from .outils import NUMEROS, dossier  # noqa: PLC0415

    ctx: Contexte = deploiement.contexte
    importer(ctx, source(simulateur))
    simulateur.ajouter(ecrire(dossier(NUMEROS[0], 3, EtatDossier.EN_COURS)))
    bilan = importer(ctx, source(simulateur))
    assert (bilan.total, bilan.mis_a_jour, bilan.curseur) == (1, 1, "18")
