"""Fuzz suite: every public use case, called with hostile arguments, on every backend.

Issue 7, item 6. Each example calls one use case of :mod:`cfa_domain.services` (every
function of the modules' ``__all__`` whose first parameter is the ``Contexte``) with
arguments drawn from its signature: arbitrary text (unicode, lone surrogates as a JSON
decoder produces them, NUL bytes, very long), numbers (huge, negative), dates, known and
unknown identifiers, and commands, sheets, feed records built from such values. It fails
on any exception that is not an :class:`~cfa_domain.errors.ErreurDomaine`, on a
:class:`~cfa_domain.errors.ServiceIndisponible` (a healthy database must not fail), and
on any stored state that breaks an invariant, checked after every example on the files
the call named and at the end on all of them:

- no file's counted requests exceed its budget, category by category;
- every stored file can be consulted and pre-filled by its organisme's account (or is
  refused for its state only);
- every account still loads, and the accountant can still search her files.

The world is seeded once per backend (two organismes with an account each, an agent, two
files, one request) and examples accumulate on it, as calls of real users would.
Examples: twice the Hypothesis profile's (400 per backend in CI, 120 in development;
about ten seconds a backend).
"""

from __future__ import annotations

import collections
import datetime as dt
import inspect
import uuid
from typing import TYPE_CHECKING, Any

import attrs
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cfa_adapters.webservice.format import relire
from cfa_domain.action import EtatDossier, verifier_numero_action
from cfa_domain.compte import Compte, TypeJeton
from cfa_domain.echeancier import Regime
from cfa_domain.errors import (
    DonneeInvalide,
    DossierNonRemboursable,
    ErreurDomaine,
    ServiceIndisponible,
)
from cfa_domain.ports import (
    ColonneTri,
    CriteresDemandes,
    CriteresDossiers,
    CriteresRecherche,
    DossierFlux,
    EnregistrementIllisible,
    EnregistrementRejete,
    MotifRejet,
    Tri,
    TriDossiers,
)
from cfa_domain.remboursement import (
    EtatDemande,
    MontantsDemandes,
    Paiement,
    QuantitesFraisAnnexes,
    consommation,
)
from cfa_domain.services import (
    actions,
    demandes,
)
from cfa_domain.services.contexte import Contexte, SessionOuverte
from cfa_domain.services.demandes import CommandeDemande, Decision
from cfa_domain.services.historiques import ObjetHistorique
from cfa_domain.testing import strategies as cst
from cfa_domain.testing.cas_d_usage import publics
from cfa_domain.testing.exemples import soumettre
from cfa_domain.testing.fakes import HacheurMemoire, MemoireSourceFlux
from cfa_domain.values import Categorie, Email, Montant, Periode, Piece

from .constructeurs import (
    MOT_DE_PASSE,
    QUAND,
    SIRET_A,
    SIRET_B,
    compte,
    compte_actif,
    fiche,
    interlocuteur,
    organisme,
    pdf,
)
from .constructeurs import action as dossier

if TYPE_CHECKING:
    from collections.abc import Callable

    from .conftest import Deploiement

NUMEROS = ("2011303654", "2011300002")
EMAIL_A = "claire.durand@cfa-exemple.fr"
EMAIL_B = "marc.petit@cfa-b.fr"


# --- hostile values -------------------------------------------------------------------

TEXTES_PIEGES = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "%",
    "_",
    "\\",
    "'; DROP TABLE comptes; --",
    "x" * 10_000,
    "é" * 300,
    "\u202e\u200b",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
)
TEXTES_VALIDES = (
    SIRET_A.numero,
    SIRET_B.numero,
    "854 033 115 00015",
    EMAIL_A,
    EMAIL_B,
    "inconnu@exemple.fr",
    MOT_DE_PASSE,
    *NUMEROS,
    "2011",
    "Martin",
    "075202409000123",
    "doc-000001-abcdef",
    "s" * 43,
)

textes = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=30),  # lone surrogates included
    st.text(max_size=300),
    st.sampled_from(TEXTES_PIEGES),
    st.sampled_from(TEXTES_VALIDES),
)
entiers = st.one_of(
    st.integers(),
    st.sampled_from([0, 1, -1, 2**31, 2**63, -(2**63), 10**30, -(10**30)]),
)
dates = st.dates()
montants_bruts: st.SearchStrategy[object] = st.one_of(
    textes,
    entiers,
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(["953394562078993.28", "999999999999.99", "1e30", "-0.01", "12,50"]),
)


def paresseux(fabrique: Callable[..., object], **strategies: st.SearchStrategy[Any]) -> Any:
    """A strategy of thunks: the value is built inside the guarded call (it may refuse)."""
    return st.fixed_dictionaries(strategies).map(lambda k: lambda: fabrique(**k))


def _commande(
    *,
    numero: str,
    debut: dt.date,
    fin: dt.date,
    montant: object,
    fichiers: tuple[tuple[Piece, str, bytes], ...],
    cle: object,
    ok: bool,
) -> CommandeDemande:
    return CommandeDemande(
        numero_action=numero,
        periode=Periode(debut, fin),
        montants=MontantsDemandes(frais_pedagogiques=Montant(montant)),
        fichiers=fichiers,
        quantites=QuantitesFraisAnnexes(),
        conditions_acceptees=ok,
        cle_idempotence=cle,  # type: ignore[arg-type]
    )


commandes = paresseux(
    _commande,
    numero=textes,
    debut=dates,
    fin=dates,
    montant=montants_bruts,
    fichiers=st.lists(
        st.tuples(st.sampled_from(Piece), textes, st.sampled_from([b"", pdf("f"), b"\x00" * 10])),
        max_size=3,
    ).map(tuple),
    cle=st.none() | textes,
    ok=st.booleans(),
)
criteres = paresseux(
    CriteresRecherche,
    nom_apprenti=st.none() | textes,
    numero_action=st.none() | textes,
    numero_enregistrement=st.none() | textes,
)


def _criteres_dossiers(*, recherche: Callable[[], object], **champs: Any) -> CriteresDossiers:
    return CriteresDossiers(recherche=recherche(), **champs)  # type: ignore[arg-type]


criteres_dossiers = paresseux(
    _criteres_dossiers,
    recherche=criteres | st.just(lambda: None),
    etat=st.none() | st.sampled_from(EtatDossier) | textes,
    siret_cfa=st.none() | textes,
    depot_du=st.none() | dates | st.datetimes(),
    depot_au=st.none() | dates,
    debut_contrat_du=st.none() | dates,
    debut_contrat_au=st.none() | dates | entiers,
    signature_depuis=st.none() | dates,
    signature_avant=st.none() | dates,
    tri=st.sampled_from(TriDossiers) | textes,
)
tris = paresseux(
    Tri,
    colonne=st.sampled_from(ColonneTri) | st.sampled_from([c.value for c in ColonneTri]) | textes,
    croissant=st.booleans() | st.none() | entiers,
)
criteres_demandes = st.one_of(
    st.none().map(lambda v: lambda: v),
    paresseux(
        CriteresDemandes,
        etat=st.none() | st.sampled_from(EtatDemande),
        numero_action=st.none() | textes,
    ),
)
fiches = st.one_of(
    cst.fiches_organisme().map(lambda f: lambda: f),
    paresseux(fiche, email=textes),
)
interlocuteurs = st.one_of(
    cst.interlocuteurs().map(lambda i: lambda: i),
    paresseux(interlocuteur, email=textes),
)


@st.composite
def dossiers_flux(draw: st.DrawFn) -> Callable[[], DossierFlux]:
    """A feed record of organisme A or B: a generated file, its number and version fuzzed."""
    action = draw(cst.actions())
    siret = draw(st.sampled_from([SIRET_A, SIRET_B]))
    numero = draw(st.one_of(st.sampled_from(NUMEROS), textes, cst.numeros_action()))
    version = draw(entiers)
    etat = draw(st.none() | st.sampled_from(EtatDossier))
    return lambda: DossierFlux(
        numero_action=numero,
        version=version,
        formation=attrs.evolve(action.formation, siret_cfa=siret),
        contrat=action.contrat,
        budget=action.budget,
        etat=etat,
    )


def _paiement(*, le: dt.date, montant: object, reference: str) -> Paiement:
    return Paiement(le=le, montant=Montant(montant), reference=reference)


paiements = paresseux(_paiement, le=dates, montant=montants_bruts, reference=textes)
illisibles = paresseux(EnregistrementIllisible, cle=textes, brut=textes, detail=textes)
rejets = paresseux(
    EnregistrementRejete,
    cle=textes,
    brut=textes,
    motif=st.sampled_from(MotifRejet),
    detail=textes,
    rejete_le=st.datetimes(timezones=st.just(dt.UTC)),
)


sources = st.lists(
    st.one_of(
        dossiers_flux(),
        paresseux(EnregistrementIllisible, cle=textes, brut=textes, detail=textes),
    ),
    max_size=3,
).map(lambda fabriques: lambda: MemoireSourceFlux([f() for f in fabriques]))


# --- the world ------------------------------------------------------------------------


@attrs.define
class Monde:
    """The seeded deployment and the identifiers a call may name."""

    ctx: Contexte
    agent: uuid.UUID
    comptes: dict[str, uuid.UUID]
    demandes: list[uuid.UUID]
    numeros: set[str] = attrs.Factory(lambda: set(NUMEROS))
    issues: collections.Counter[str] = attrs.Factory(collections.Counter)

    def identifiants(self) -> st.SearchStrategy[uuid.UUID]:
        """Known ids (agent, accounts, requests) and unknown ones."""
        connus = [self.agent, *self.comptes.values(), *self.demandes]
        return st.one_of(st.sampled_from(connus), st.uuids())

    def strategie(self, annotation: str) -> st.SearchStrategy[Any]:
        """Thunks of hostile values for a parameter of this annotation."""
        valeurs: dict[str, st.SearchStrategy[Any]] = {
            "str": textes,
            "str | None": st.none() | textes,
            "int": entiers,
            "int | None": st.none() | entiers,
            "bool": st.booleans(),
            "dt.date": dates,
            "uuid.UUID": self.identifiants(),
            "Acteur": self.identifiants()
            | st.builds(SessionOuverte, self.identifiants(), st.sampled_from([0, 1]) | entiers),
            "EtatDossier": st.sampled_from(EtatDossier),
            "Decision": st.sampled_from(Decision),
            "EtatDemande | None": st.none() | st.sampled_from(EtatDemande),
            "Regime | None": st.none() | st.sampled_from(Regime) | textes,
            "ObjetHistorique": st.sampled_from(ObjetHistorique) | textes,
        }
        fabriques: dict[str, st.SearchStrategy[Any]] = {
            "CriteresRecherche": criteres,
            "Tri": tris,
            "CriteresDemandes | None": criteres_demandes,
            "CriteresDossiers": criteres_dossiers,
            "LecteurFlux": st.just(lambda: relire),
            "CommandeDemande": commandes,
            "FicheOrganisme": fiches,
            "Interlocuteur": interlocuteurs,
            "DossierFlux": dossiers_flux(),
            "SourceFlux": sources,
            "EnregistrementRejete": rejets,
            "Paiement | None": st.one_of(st.none().map(lambda v: lambda: v), paiements),
            "DossierFlux | EnregistrementIllisible": st.one_of(dossiers_flux(), illisibles),
        }
        if annotation in valeurs:
            return valeurs[annotation].map(lambda v: lambda: v)
        return fabriques[annotation]


def semer(ctx: Contexte) -> Monde:
    """Two organismes with an account each, an agent, two files of A, one request."""
    a = compte_actif(EMAIL_A)
    b = compte(EMAIL_B, organisme(SIRET_B))
    b.approuver("conseiller@opco.example", QUAND)
    b.emettre_jeton(TypeJeton.ACTIVATION, "b" * 43, QUAND)  # a's link is "s" * 43
    b.activer("b" * 43, QUAND)
    agent = Compte.ouvrir_agent(
        id=uuid.uuid4(),
        email=Email("conseiller@opco.example"),
        mot_de_passe=MOT_DE_PASSE,
        quand=QUAND,
        hasher=HacheurMemoire(),
        auteur="administrateur",
    )
    premier = dossier(NUMEROS[0])
    with ctx.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.organismes.ajouter(organisme(SIRET_B))
        for titulaire in (a, b, agent):
            uow.comptes.ajouter(titulaire)
        uow.actions.ajouter(premier)
        uow.actions.ajouter(dossier(NUMEROS[1]))
        demande = soumettre(premier, [], Montant(1000), compte_id=a.id)
        uow.demandes.ajouter(demande)
        uow.commit()
    return Monde(ctx, agent.id, {SIRET_A.numero: a.id, SIRET_B.numero: b.id}, [demande.id])


def verifier_invariants(
    monde: Monde,
    numeros: set[str],
    *,
    categories: frozenset[Categorie] = frozenset(),
    noter: Callable[[str], object] = event,
) -> set[str]:
    """The stored state the issue promises, on the files ``numeros`` that exist (returned).

    ``categories``: those a request just accepted asked for, which must stay within their
    budget. (Only then: the feed may lower a file's budget below what was already asked,
    and no rule refuses that; see the report of issue 7.)
    """
    ctx = monde.ctx
    with ctx.uow(lecture_seule=True) as uow:
        stockes = [a for a in (uow.actions.obtenir(n) for n in sorted(numeros)) if a is not None]
        requetes = {
            a.numero_action: list(uow.demandes.pour_action(a.numero_action)) for a in stockes
        }
        for compte_id in (monde.agent, *monde.comptes.values()):
            assert uow.comptes.obtenir(compte_id) is not None
    for action in stockes:
        consomme = consommation(requetes[action.numero_action])
        for categorie in categories:
            assert consomme[categorie] <= action.budget.pour(categorie), (action, categorie)
        titulaire = monde.comptes[action.siret_cfa.numero]
        detail = actions.consulter_action(ctx, titulaire, action.numero_action)
        assert detail.action.numero_action == action.numero_action
        try:
            demandes.preparer_demande(ctx, titulaire, action.numero_action)
        except DossierNonRemboursable:
            noter("fichier non remboursable dans son état")
    page = actions.rechercher_actions(ctx, monde.comptes[SIRET_A.numero], CriteresRecherche())
    assert page.total >= 1
    return {a.numero_action for a in stockes}


CAS = [fonction for _nom, fonction in publics()]


def test_les_cas_d_usage_sont_tous_la() -> None:
    """The fuzz suite reaches every use case (a new one is fuzzed without editing this)."""
    noms = {f.__name__ for f in CAS}
    assert {"se_connecter", "soumettre_demande", "synchroniser", "rompre_action"} <= noms
    assert len(noms) >= 35


def test_fuzz_de_tous_les_cas_d_usage(deploiement: Deploiement) -> None:
    """Hostile calls of every use case raise only domain errors and keep the invariants."""
    monde = semer(deploiement.contexte)

    @st.composite
    def appels(draw: st.DrawFn) -> tuple[Callable[..., object], dict[str, Any], list[Any]]:
        fonction = draw(st.sampled_from(CAS))
        positionnels, nommes = [], {}
        for p in list(inspect.signature(fonction).parameters.values())[1:]:
            if p.default is not p.empty and draw(st.booleans()):
                continue
            valeur = draw(monde.strategie(p.annotation))
            if p.kind is p.KEYWORD_ONLY:
                nommes[p.name] = valeur
            else:
                positionnels.append(valeur)
        return fonction, nommes, positionnels

    @settings(
        max_examples=2 * settings().max_examples,  # 400 per backend in CI, 120 in development
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(appels())
    def un_appel(appel: tuple[Callable[..., object], dict[str, Any], list[Any]]) -> None:
        fonction, nommes, positionnels = appel
        event(fonction.__name__)
        try:
            arguments = [f() for f in positionnels]
            mots = {k: f() for k, f in nommes.items()}
            fonction(monde.ctx, *arguments, **mots)
        except ServiceIndisponible:
            raise
        except ErreurDomaine as erreur:
            event(f"{fonction.__name__} → {type(erreur).__name__}")
            monde.issues[f"{fonction.__name__} → {type(erreur).__name__}"] += 1
            return
        event(f"{fonction.__name__} → succès")
        monde.issues[f"{fonction.__name__} → succès"] += 1
        cites = _numeros_cites([*arguments, *mots.values()])
        demandees = frozenset(
            c
            for a in arguments
            if isinstance(a, CommandeDemande)
            for c in Categorie
            if a.montants.pour(c)
        )
        monde.numeros |= verifier_invariants(monde, set(NUMEROS) | cites, categories=demandees)

    un_appel()
    verifier_invariants(monde, monde.numeros, noter=lambda _: None)  # no event outside a test
    # It still tests something: many use cases were reached, and some calls went through.
    assert len({issue.split(" → ")[0] for issue in monde.issues}) >= 10, monde.issues
    assert any(issue.endswith("succès") for issue in monde.issues), monde.issues


def _numeros_cites(arguments: list[object]) -> set[str]:
    """The well-formed action numbers a call names (as text, in a command or a record)."""
    valeurs: list[object] = []
    for argument in arguments:
        valeurs.append(argument)
        valeurs.append(getattr(argument, "numero_action", None))
        valeurs.extend(
            getattr(e, "numero_action", None) for e in getattr(argument, "enregistrements", ())
        )
    numeros = set()
    for valeur in valeurs:
        try:
            verifier_numero_action(valeur)
        except DonneeInvalide:
            continue
        numeros.add(str(valeur))
    return numeros
