"""The feed by batches ends exactly as record by record, on every backend.

The property: any sequence of records (new files, newer versions, replays, older and
contradictory versions, records the schedule or the database cannot take, illegible ones,
records already in quarantine), read in two runs, leaves the same files, organismes,
quarantine, outbox, cursor and counts whether ``synchroniser`` applies it with
``taille_lot=1`` (each record in its own unit of work) or by batches of any size. Two
deployments of the same backend receive the same records, one per way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import logging
import shutil
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.outbox import messages_a_envoyer
from cfa_adapters.sql.schema import mettre_a_jour_schema
from cfa_adapters.sql.uow import fabrique_uow
from cfa_domain.action import EtatDossier
from cfa_domain.errors import DonneeInvalide, Panne, ServiceIndisponible
from cfa_domain.ports import DossierFlux, EnregistrementIllisible, MessageSortant, OrganismeFlux
from cfa_domain.services import flux
from cfa_domain.services.contexte import Contexte
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import MemoireSourceFlux, Stockage, _valeur
from cfa_domain.values import Email, Montant, Periode

from .conftest import BACKENDS, _schema_postgresql_vide
from .constructeurs import compte_actif
from .deploiement import contexte

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SIRETS = (exemples.SIRET_CFA, exemples.SIRET_CFA_2)


@attrs.frozen
class Deploiement:
    """A context and how to read its committed outbox."""

    contexte: Contexte
    messages: Callable[[], Sequence[MessageSortant]]


def _memoire() -> Deploiement:
    stockage = Stockage()
    return Deploiement(contexte(stockage.uow), lambda: stockage.messages)


@contextlib.contextmanager
def _sql(request: pytest.FixtureRequest, tmp_path: Path, rang: int) -> Iterator[Deploiement]:
    """A deployment on an empty database of the backend ``request.param``."""
    with contextlib.ExitStack() as pile:
        if request.param == "sqlite":
            chemin = tmp_path / f"cfa-{rang}.sqlite3"
            shutil.copyfile(request.getfixturevalue("modele_sqlite"), chemin)
            moteur = creer_moteur(f"sqlite:///{chemin}")
        else:
            schema = pile.enter_context(_schema_postgresql_vide())
            moteur = creer_moteur(schema.url, **schema.options)
            mettre_a_jour_schema(moteur)
        pile.callback(moteur.dispose)
        yield Deploiement(
            contexte(fabrique_uow(moteur)), lambda: messages_a_envoyer(moteur, limite=10_000)
        )


@pytest.fixture(params=BACKENDS)
def deux(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Deploiement, ...]]:
    """Two empty deployments of the same backend, the guide's CFA known with one account."""
    with contextlib.ExitStack() as pile:
        if request.param == "memoire":
            paire: tuple[Deploiement, ...] = (_memoire(), _memoire())
        else:
            paire = tuple(pile.enter_context(_sql(request, tmp_path, rang)) for rang in range(2))
        for deploiement in paire:
            organisme = exemples.organisme(exemples.SIRET_CFA)
            with deploiement.contexte.uow() as uow:
                uow.organismes.ajouter(organisme)
                uow.comptes.ajouter(compte_actif("compta@cfa-sante.fr", organisme))
                uow.commit()
        yield paire


# --- records ---------------------------------------------------------------------------


def _organisme(version: int, *, telephone: bool) -> OrganismeFlux:
    fiche = exemples.fiche() if telephone else exemples.fiche(telephone=None)
    return OrganismeFlux(
        version=version,
        fiche=fiche,
        interlocuteur=exemples.interlocuteur(email=Email("c.durand@cfa-sante.fr")),
        reference_opco="OF-000074",
    )


@st.composite
def enregistrement(
    draw: st.DrawFn, numeros: Sequence[str]
) -> DossierFlux | EnregistrementIllisible:
    """A record among few files, versions and contents, so that they meet each other."""
    if draw(st.integers(0, 5)) == 0:
        cle = draw(st.sampled_from(["ligne-1", "ligne-2", "x" * 300]))
        brut = draw(st.sampled_from(['{"a": 1', "\x00", "{"]))
        return EnregistrementIllisible(cle=cle, brut=brut, detail="JSON illisible")
    # The employer: a company, or the CFA itself (a CFA employing its own apprentices).
    employeur = attrs.evolve(
        exemples.contrat().employeur,
        siret=draw(st.sampled_from([exemples.SIRET_EMPLOYEUR, exemples.SIRET_EMPLOYEUR, *SIRETS])),
    )
    contrat = attrs.evolve(exemples.contrat(), employeur=employeur)
    fin = draw(st.sampled_from([*[None] * 7, dt.date(9999, 12, 31)]))
    if fin is not None:
        contrat = attrs.evolve(contrat, periode=Periode(contrat.periode.debut, fin))
    formation = exemples.formation(siret_cfa=draw(st.sampled_from(SIRETS)))
    divers = draw(st.sampled_from(["0.00", "0.00", "10.00"]))
    return DossierFlux(
        numero_action=draw(st.sampled_from(numeros)),
        version=draw(st.sampled_from([1, 1, 1, 2, 2, 3, 3, 1, 2, 2**63])),
        formation=formation,
        contrat=contrat,
        budget=exemples.budget(frais_divers=Montant(divers)),
        etat=draw(
            st.sampled_from(
                [*[None] * 6, EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS, EtatDossier.ROMPU]
            )
        ),
        organisme=draw(
            st.sampled_from(
                [None, None, None, _organisme(1, telephone=True), _organisme(2, telephone=False)]
            )
        ),
        employeur=draw(
            st.sampled_from(
                [None, None, None, _organisme(1, telephone=False), _organisme(2, telephone=True)]
            )
        ),
    )


# --- what is compared ------------------------------------------------------------------


def _etat(deploiement: Deploiement, numeros: Sequence[str], source: str) -> object:
    with deploiement.contexte.uow(lecture_seule=True) as uow:
        actions = [uow.actions.obtenir(n) for n in numeros]
        organismes = [uow.organismes.obtenir(s) for s in (*SIRETS, exemples.SIRET_EMPLOYEUR)]
        return (
            [_valeur(a) for a in actions],
            [_valeur(o) for o in organismes],
            [_valeur(r) for r in uow.quarantaine.lister()],
            uow.quarantaine.curseur(source),
            [(m.destinataire, m.modele, dict(m.contexte)) for m in deploiement.messages()],
        )


class Rejeux(logging.Handler):
    """Counts the batches replayed record by record (the feed's debug log says so)."""

    def __init__(self) -> None:
        """No batch replayed yet."""
        super().__init__(logging.DEBUG)
        self.nombre = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count one replayed batch."""
        if record.getMessage().startswith("Lot de "):
            self.nombre += 1


@pytest.fixture
def rejeux() -> Iterator[Rejeux]:
    """The feed's debug log, counting the batches replayed record by record."""
    compteur = Rejeux()
    journal = logging.getLogger(flux.__name__)
    niveau = journal.level
    journal.setLevel(logging.DEBUG)
    journal.addHandler(compteur)
    try:
        yield compteur
    finally:
        journal.removeHandler(compteur)
        journal.setLevel(niveau)


def _lots_groupes(nombre: int, taille: int) -> int:
    """How many batches of ``nombre`` records hold two records or more (applied at once)."""
    return nombre // taille + (1 if nombre % taille >= 2 else 0)


_EXEMPLES = itertools.count()


@settings(
    max_examples=settings().max_examples // 2,  # 30 by default, 100 under CI
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), taille=st.integers(2, 6), coupure=st.integers(0, 20))
def test_par_lots_comme_un_par_un(
    deux: tuple[Deploiement, Deploiement],
    rejeux: Rejeux,
    data: st.DataObject,
    taille: int,
    coupure: int,
) -> None:
    """Batches of any size, over two runs, leave what one record per unit of work leaves.

    One pair of deployments for every example (the backends are slow to reset): each
    example has its own files and its own source; the quarantine, the organismes and the
    outbox they share are compared whole.
    """
    un_par_un, par_lots = deux
    rang = next(_EXEMPLES)
    numeros = [f"30{rang:06d}{i:02d}" for i in range(3)]
    lus = data.draw(st.lists(enregistrement(numeros), max_size=20))
    source = f"source-{rang}"
    avant = rejeux.nombre
    bilans = []
    for deploiement, taille_lot in ((un_par_un, 1), (par_lots, taille)):
        premier = flux.synchroniser(
            deploiement.contexte, MemoireSourceFlux(lus[:coupure], source), taille_lot=taille_lot
        )
        suite = flux.synchroniser(
            deploiement.contexte, MemoireSourceFlux(lus, source), taille_lot=taille_lot
        )
        bilans.append((premier, suite))
    assert bilans[0] == bilans[1]
    assert _etat(un_par_un, numeros, source) == _etat(par_lots, numeros, source)
    lus_d_abord = min(coupure, len(lus))
    groupes = _lots_groupes(lus_d_abord, taille) + _lots_groupes(len(lus) - lus_d_abord, taille)
    rejoues = rejeux.nombre - avant
    event(f"lots de 2+ enregistrements : {min(groupes, 3)}{'+' if groupes >= 3 else ''}")
    event(f"lots rejoués un par un : {min(rejoues, 2)}{'+' if rejoues >= 2 else ''}")
    event(f"lots appliqués d'un coup : {'oui' if groupes > rejoues else 'non'}")
    if bilans[0][1].rejetes:
        event("enregistrements mis en quarantaine")


def test_taille_de_lot_invalide() -> None:
    """A batch of no record is refused before anything is read."""
    ctx = _memoire().contexte
    with pytest.raises(DonneeInvalide) as erreur:
        flux.synchroniser(ctx, MemoireSourceFlux([]), taille_lot=0)
    assert erreur.value.champ == "taille_lot"


def _dossier(numero: str) -> DossierFlux:
    return DossierFlux(
        numero_action=numero,
        version=1,
        formation=exemples.formation(),
        contrat=exemples.contrat(),
        budget=exemples.budget(),
    )


@attrs.define
class SourceQuiCasse:
    """Yields its records, then fails."""

    enregistrements: list[DossierFlux]
    nom: str = "casse"

    def lire(self, depuis: str | None) -> Iterator[tuple[str, DossierFlux]]:
        """Yield the records after ``depuis``, then raise."""
        debut = int(depuis or 0)
        for rang, dossier in enumerate(self.enregistrements[debut:], start=debut + 1):
            yield str(rang), dossier
        msg = "page tronquée"
        raise OSError(msg)


def test_panne_de_la_source_au_milieu_d_un_lot() -> None:
    """The records read before the source fails are applied and the cursor moves past them."""
    m = _memoire()
    source = SourceQuiCasse([_dossier(f"300000010{i}") for i in range(3)])
    with pytest.raises(OSError, match="page tronquée"):
        flux.synchroniser(m.contexte, SourceQuiCasse([]), taille_lot=5)
    with pytest.raises(OSError, match="page tronquée"):
        flux.synchroniser(m.contexte, source, taille_lot=5)
    with m.contexte.uow(lecture_seule=True) as uow:
        assert uow.quarantaine.curseur("casse") == "3"
        assert sorted(
            uow.actions.pour_mise_a_jour([d.numero_action for d in source.enregistrements])
        ) == [d.numero_action for d in source.enregistrements]


def test_panne_de_la_base_arrete_le_flux() -> None:
    """A failure of the infrastructure in a batch stops the run: nothing of it is applied."""
    stockage = Stockage()
    ctx = contexte(stockage.uow)

    class Journal:
        def __getattr__(self, nom: str) -> Any:
            raise ServiceIndisponible(Panne.CONNEXION)

    def fabrique(*, lecture_seule: bool = False) -> Any:
        uow = stockage.uow(lecture_seule=lecture_seule)
        if not lecture_seule:
            uow.quarantaine = Journal()
        return uow

    en_panne = attrs.evolve(ctx, uow=fabrique)
    with pytest.raises(ServiceIndisponible):
        flux.synchroniser(
            en_panne, MemoireSourceFlux([_dossier("3000000201"), _dossier("3000000202")])
        )
    with ctx.uow(lecture_seule=True) as uow:
        assert uow.quarantaine.curseur("memoire") is None
        assert uow.actions.obtenir("3000000201") is None
