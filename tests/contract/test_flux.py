"""The feed on every backend: one bad record never stops it, every stored file can be shown.

Found by fuzzing ``synchroniser``: a lone surrogate (any engine), a NUL byte in an
illegible record (PostgreSQL), a version of 2^63 or more (SQLite) or a contract ending
in 9999 (a schedule that cannot be computed) used
to raise a raw error before the cursor moved, or to store a file whose detail page raised
for good. Each is now quarantined with its reason, and the run goes on.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from cfa_domain.action import EtatDossier
from cfa_domain.errors import DonneeInvalide, DossierNonRemboursable, Introuvable
from cfa_domain.ports import DossierFlux, EnregistrementIllisible, MotifRejet
from cfa_domain.services import actions, demandes, flux
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import MemoireSourceFlux
from cfa_domain.values import Periode

from .constructeurs import compte_actif

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence

    from cfa_domain.ports import EnregistrementRejete
    from cfa_domain.services.contexte import Contexte

    from .conftest import Deploiement

NUMEROS = ("2011300001", "2011300002", "2011300003")
NON_ENREGISTRABLES = ("\ud800", "\udfff", "\x00")


def _compte_du_cfa(ctx: Contexte) -> uuid.UUID:
    """The file's CFA, known to the OPCO, with one active account; returns the account."""
    organisme = exemples.organisme(exemples.SIRET_CFA)
    compte = compte_actif("compta@cfa-sante.fr", organisme)
    with ctx.uow() as uow:
        uow.organismes.ajouter(organisme)
        uow.comptes.ajouter(compte)
        uow.commit()
    return compte.id


def dossier(
    numero: str = NUMEROS[0],
    version: int = 1,
    *,
    fin: dt.date | None = None,
    nom: str | None = None,
    intitule: str | None = None,
    etat: EtatDossier | None = None,
) -> DossierFlux:
    """A record of the guide's file, with what a test changes."""
    contrat = exemples.contrat()
    if fin is not None:
        contrat = attrs.evolve(contrat, periode=Periode(contrat.periode.debut, fin))
    if nom is not None:
        contrat = attrs.evolve(contrat, apprenti=attrs.evolve(contrat.apprenti, nom=nom))
    formation = exemples.formation()
    if intitule is not None:
        formation = attrs.evolve(formation, intitule=intitule)
    return DossierFlux(
        numero_action=numero,
        version=version,
        formation=formation,
        contrat=contrat,
        budget=exemples.budget(),
        etat=etat,
    )


def quarantaine(ctx: Contexte) -> Sequence[EnregistrementRejete]:
    """The quarantine journal."""
    with ctx.uow(lecture_seule=True) as uow:
        return uow.quarantaine.lister()


def curseur(ctx: Contexte, source: str) -> str | None:
    """The stored cursor of a source."""
    with ctx.uow(lecture_seule=True) as uow:
        return uow.quarantaine.curseur(source)


def _consultable(ctx: Contexte, compte_id: uuid.UUID, numero: str) -> str | None:
    """Show and pre-fill the file through its CFA's account; None when it is not stored.

    Returns what the pre-fill said: ``"prérempli"``, or ``"état sans demande"`` when the
    file's state allows no request (a clear refusal, not a failure).
    """
    try:
        detail = actions.consulter_action(ctx, compte_id, numero)
    except Introuvable:
        return None
    assert detail.action.numero_action == numero
    try:
        demandes.preparer_demande(ctx, compte_id, numero)
    except DossierNonRemboursable:
        return "état sans demande"
    return "prérempli"


# --- each bad record found by fuzzing ----------------------------------------------------


# A NUL or a lone surrogate in a record's text no longer reaches this point: the value
# objects refuse it when the edge builds the record (values.texte), so the edge quarantines
# such a record as illegible; tests/unit/services/test_entrees.py covers that refusal.
MAUVAIS = {
    "version_2_63": dossier(version=2**63),
    "fin_9999": dossier(fin=dt.date(9999, 12, 31)),
}


@pytest.mark.parametrize("nom", sorted(MAUVAIS))
def test_un_mauvais_enregistrement_n_arrete_pas_le_flux(deploiement: Deploiement, nom: str) -> None:
    """The bad record is quarantined with its reason and the records after it are applied."""
    ctx = deploiement.contexte
    compte_id = _compte_du_cfa(ctx)
    mauvais = MAUVAIS[nom]
    illisible = EnregistrementIllisible(
        cle="ligne-3", brut='{"numero_action": "\x00\udcff"', detail="JSON tronqué \ud83d"
    )
    source = MemoireSourceFlux([mauvais, dossier(NUMEROS[1]), illisible])
    bilan = flux.synchroniser(ctx, source)
    assert (bilan.crees, bilan.rejetes, bilan.curseur) == (1, 2, "3")
    assert curseur(ctx, source.nom) == "3"
    assert _consultable(ctx, compte_id, NUMEROS[0]) is None
    assert _consultable(ctx, compte_id, NUMEROS[1]) == "état sans demande"  # reçu
    rejet, rejet_illisible = quarantaine(ctx)
    assert (rejet.cle, rejet.motif) == (mauvais.cle, MotifRejet.CONTRADICTOIRE)
    assert rejet.detail
    recu = json.loads(rejet.brut)  # the stored copy is JSON reading back what was received
    assert recu["version"] == mauvais.version
    assert recu["contrat"]["apprenti"]["nom"] == mauvais.contrat.apprenti.nom
    assert recu["formation"]["intitule"] == mauvais.formation.intitule
    assert (rejet_illisible.cle, rejet_illisible.motif) == ("ligne-3", MotifRejet.ILLISIBLE)
    assert rejet_illisible.brut == '{"numero_action": "\\u0000\\udcff"'
    assert rejet_illisible.detail == "JSON tronqué \\ud83d"
    # Received again, nothing changes: the quarantined records are known as they were stored.
    again = flux.synchroniser(ctx, MemoireSourceFlux([mauvais, illisible], nom="bis"))
    assert (again.rejetes, len(quarantaine(ctx))) == (2, 2)


def test_nouvelle_version_sans_echeancier_ne_remplace_pas_le_dossier(
    deploiement: Deploiement,
) -> None:
    """A newer version ending in 9999 is quarantined: the stored version stays consultable."""
    ctx = deploiement.contexte
    compte_id = _compte_du_cfa(ctx)
    flux.synchroniser(ctx, MemoireSourceFlux([dossier()]))
    bilan = flux.synchroniser(
        ctx, MemoireSourceFlux([dossier(version=2, fin=dt.date(9999, 12, 31))], nom="suite")
    )
    assert bilan.rejetes == 1
    detail = actions.consulter_action(ctx, compte_id, NUMEROS[0])
    assert (detail.action.version, detail.action.contrat.periode.fin) == (
        1,
        exemples.contrat().periode.fin,
    )
    (rejet,) = quarantaine(ctx)
    assert "échéancier" in rejet.detail


# --- arbitrary records -------------------------------------------------------------------


textes = st.one_of(
    st.text(max_size=20),
    st.builds(
        lambda debut, mauvais, fin: debut + mauvais + fin,
        st.text(max_size=5),
        st.sampled_from(NON_ENREGISTRABLES),
        st.text(max_size=5),
    ),
    st.text(st.sampled_from("abé"), min_size=250, max_size=255),
)


@st.composite
def enregistrements(draw: st.DrawFn) -> DossierFlux | EnregistrementIllisible:
    """An arbitrary record: valid or not, storable or not, with a computable schedule or not."""
    if draw(st.booleans()):
        return EnregistrementIllisible(cle=draw(textes), brut=draw(textes), detail=draw(textes))
    try:
        return dossier(
            draw(st.sampled_from(NUMEROS) | textes),
            draw(st.integers(1, 3) | st.integers(2**63 - 2, 2**64)),
            fin=draw(
                st.none()
                | st.just(dt.date(9999, 12, 31))
                | st.dates(dt.date(2023, 9, 2), dt.date(9999, 12, 31))
            ),
            nom=draw(st.none() | textes),
            intitule=draw(st.none() | textes),
            etat=draw(st.none() | st.sampled_from(EtatDossier)),
        )
    except DonneeInvalide:
        event("enregistrement refusé dès sa construction")
        assume(condition=False)
        raise  # pragma: no cover - assume(False) does not return


def test_tout_dossier_enregistre_est_consultable(deploiement: Deploiement) -> None:
    """Any list of records is read to its end, and every file stored can be shown and pre-filled.

    One deployment for every example (the backends are slow to reset): each example reads
    its own source, so its cursor starts at the beginning.
    """
    ctx = deploiement.contexte
    compte_id = _compte_du_cfa(ctx)
    sources = (f"source-{rang}" for rang in itertools.count())

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(st.lists(enregistrements(), max_size=5))
    def examiner(lus: list[DossierFlux | EnregistrementIllisible]) -> None:
        source = MemoireSourceFlux(lus, nom=next(sources))
        bilan = flux.synchroniser(ctx, source)
        assert bilan.total == len(lus)
        assert curseur(ctx, source.nom) == (str(len(lus)) if lus else None)
        for numero in NUMEROS:
            event(f"dossier {_consultable(ctx, compte_id, numero) or 'absent'}")
        if bilan.rejetes:
            event("enregistrement mis en quarantaine")

    examiner()
