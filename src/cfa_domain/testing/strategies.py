"""Hypothesis strategies for the domain's values, valid by construction.

Domain experts write property-based tests against ``cfa_domain`` with these strategies
instead of hand-picking identifiers: every strategy draws values that the matching value
class accepts (``Siret``, ``Nir``, ``Uai`` ...), so a failing test points at the rule under
test, never at a malformed fixture. Identifiers are *computed* (Luhn digit, NIR key, UAI
letter), not filtered from random text: generation stays fast and shrinks towards simple
examples (``00000000000000``-like numbers, the earliest date, 0,00 €).

Keyword parameters steer a strategy towards the cases a test cares about::

    from hypothesis import given
    from cfa_domain.testing import strategies as cst
    from cfa_domain.values import Montant, Nir, Periode, Siret

    @given(cst.montants(max_value=Montant("500")))        # first-equipment ceiling
    def test_equipment(montant: Montant) -> None: ...

    @given(cst.sirets(la_poste=True))                      # digit-sum rule of La Poste
    def test_la_poste(numero: str) -> None:
        assert Siret(numero).siren == "356000000"

    @given(cst.nirs(corse=True))                           # 2A / 2B departments
    def test_corsica(numero: str) -> None:
        assert Nir(numero).numero[5:7] in {"2A", "2B"}

    @given(cst.periodes(min_days=30, max_days=365))
    def test_period(periode: Periode) -> None:
        assert 30 <= periode.jours <= 365

Other strategies: ``sirens()``, ``numeros_da(cfa_historique=...)``, ``numeros_deca()``,
``numeros_sia()``, ``uais()``, ``codes_postaux()``, ``codes_rncp()``, ``emails()``,
``telephones()``, ``dates(min_value, max_value)`` and ``numeros_action()``.

Aggregates and their parts are drawn the same way, through the aggregates' own
constructors and transitions, so that every draw is something the platform could hold::

    @given(cst.actions(etat={EtatDossier.EN_COURS, EtatDossier.ROMPU}))
    def test_reimbursable(action: Action) -> None: ...

    @given(cst.contrats(regime=Regime.REGIME_2025_07, duree_mois=(12, 36)))
    def test_july_2025(contrat: Contrat) -> None: ...

``adresses()``, ``fiches_organisme(est_cfa)``, ``interlocuteurs(telephone)``,
``organismes(statut, siret)``, ``formations(siret_cfa, niveau, periode)``, ``apprentis(rqth)``,
``contrats(signe_entre, duree_mois, regime, rompu, parametres)``, ``budgets(<one strategy
per line>)``, ``actions(etat, siret_cfa, regime, budget, parametres)``,
``montants_demandes(max_total, categories)``, ``rythmes(solde)``,
``parametres_echeancier()`` and ``echeanciers(regime, parametres, engagement, niveau,
rompu)``.

Choices: identifiers come out as compact strings (what a form or the feed hands to the
value class, and what a test may also feed to an edge); amounts, dates and periods come
out as domain values, aggregates as aggregates. Default ranges are realistic for the
platform (amounts up to 100 000 €, dates from 2010 to 2039, periods up to four years,
contracts of 6 months to 4 years signed from 2015 to 2030, which covers every payment
regime) rather than the extremes of the types; widen them with the parameters when a test
needs to. Nothing is filtered: each constraint is met by construction (a signing date is
drawn inside its regime's range, a file walks allowed transitions to its state), which
keeps generation fast and shrinking meaningful. Sections: money and time, identifiers,
texts of the forms, aggregates, then requests and schedules. A parameter that admits no
value at all (an empty set of states, a regime outside the signing window) raises
Hypothesis' ``InvalidArgument`` when the strategy is built.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

from cfa_domain.action import (
    NIVEAU_DIPLOME_MAX,
    NIVEAU_DIPLOME_MIN,
    TRANSITIONS_DOSSIER,
    Action,
    Apprenti,
    Budget,
    Contrat,
    Employeur,
    EtatDossier,
    Formation,
)
from cfa_domain.echeancier import (
    PARAMETRES_PAR_DEFAUT,
    Echeancier,
    ParametresEcheancier,
    Regime,
    Tranche,
    ajouter_mois,
    calculer_echeancier,
)
from cfa_domain.organisme import (
    Adresse,
    Civilite,
    FicheOrganisme,
    Interlocuteur,
    Organisme,
    StatutOrganisme,
    Telephone,
)
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.values import (
    CONTEXTE_MONETAIRE,
    Categorie,
    CodePostal,
    CodeRncp,
    Email,
    Montant,
    Nir,
    NumeroDA,
    NumeroDeca,
    NumeroSia,
    Periode,
    RegistreContrat,
    Siret,
    Uai,
)

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = [
    "actions",
    "adresses",
    "apprentis",
    "budgets",
    "codes_postaux",
    "codes_rncp",
    "contrats",
    "dates",
    "echeanciers",
    "emails",
    "fiches_organisme",
    "formations",
    "interlocuteurs",
    "montants",
    "montants_demandes",
    "nirs",
    "numeros_action",
    "numeros_da",
    "numeros_deca",
    "numeros_sia",
    "organismes",
    "parametres_echeancier",
    "periodes",
    "rythmes",
    "sirens",
    "sirets",
    "telephones",
    "uais",
]

T = TypeVar("T")


# --- Money and time ---------------------------------------------------------------------

_ZERO = Montant.zero()
_CENT_MILLE = Montant("100000")
_DATE_MIN = dt.date(2010, 1, 1)
_DATE_MAX = dt.date(2039, 12, 31)
# Apprenticeship contracts last up to three years (four for a disabled apprentice).
_JOURS_MAX = 4 * 365 + 1


def _centiemes(nombre: int) -> Decimal:
    """``nombre`` hundredths, exactly (whatever the thread's decimal context)."""
    return Decimal(nombre).scaleb(-2, CONTEXTE_MONETAIRE)


def montants(
    min_value: Montant = _ZERO, max_value: Montant = _CENT_MILLE
) -> st.SearchStrategy[Montant]:
    """Amounts to the cent between ``min_value`` and ``max_value`` (both included).

    Defaults: 0,00 € to 100 000,00 €. Drawn as a whole number of cents, so every value is
    exact and failing examples shrink to round figures.
    """
    if max_value < min_value:
        raise InvalidArgument(f"montants: max_value={max_value} < min_value={min_value}")
    centimes = st.integers(int(min_value.valeur * 100), int(max_value.valeur * 100))
    return centimes.map(lambda c: Montant(_centiemes(c)))


def dates(
    min_value: dt.date = _DATE_MIN, max_value: dt.date = _DATE_MAX
) -> st.SearchStrategy[dt.date]:
    """Calendar dates between ``min_value`` and ``max_value`` (defaults: 2010 to 2039)."""
    return st.dates(min_value=min_value, max_value=max_value)


def periodes(
    min_value: dt.date = _DATE_MIN,
    max_value: dt.date = _DATE_MAX,
    min_days: int = 1,
    max_days: int = _JOURS_MAX,
) -> st.SearchStrategy[Periode]:
    """Periods lying between ``min_value`` and ``max_value``, lasting ``min_days`` to ``max_days``.

    Day counts include both ends (``Periode.jours``): ``min_days=1`` allows one-day periods.
    """
    if min_days < 1 or max_days < min_days:
        raise InvalidArgument(
            f"periodes: need 1 <= min_days <= max_days, got {min_days}, {max_days}"
        )
    if max_value - min_value < dt.timedelta(days=min_days - 1):
        raise InvalidArgument(
            f"periodes: no period of {min_days} days fits between {min_value} and {max_value}"
        )
    return _periodes(min_value=min_value, max_value=max_value, min_days=min_days, max_days=max_days)


@st.composite
def _periodes(
    draw: st.DrawFn, *, min_value: dt.date, max_value: dt.date, min_days: int, max_days: int
) -> Periode:
    dernier_debut = max_value - dt.timedelta(days=min_days - 1)
    debut = draw(st.dates(min_value=min_value, max_value=dernier_debut))
    jours = draw(st.integers(min_days, min(max_days, (max_value - debut).days + 1)))
    return Periode(debut, debut + dt.timedelta(days=jours - 1))


# --- Identifiers ------------------------------------------------------------------------

_SIREN_LA_POSTE = "356000000"
# La Poste's head office follows the Luhn rule; its other establishments do not.
_SIRET_SIEGE_LA_POSTE = "35600000000048"


def _chiffres(nombre: int) -> st.SearchStrategy[str]:
    """Strings of exactly ``nombre`` decimal digits."""
    return st.integers(0, 10**nombre - 1).map(lambda n: f"{n:0{nombre}d}")


def sirens() -> st.SearchStrategy[str]:
    """SIREN numbers of companies: 8 digits and their Luhn digit (9 digits)."""
    return _chiffres(8).map(lambda debut: debut + luhn.calc_check_digit(debut))


def sirets(la_poste: bool | None = None) -> st.SearchStrategy[str]:
    """SIRET numbers of establishments (14 digits), accepted by ``Siret``.

    ``la_poste=False``: a Luhn-valid SIREN, a 4-digit NIC and the Luhn digit of the whole.
    ``la_poste=True``: La Poste's establishments, SIREN 356000000, whose digits add up to a
    multiple of 5 (and the head office 35600000000048, which follows Luhn).
    ``None`` (default): either.
    """
    ordinaires = st.tuples(sirens().filter(lambda s: s != _SIREN_LA_POSTE), _chiffres(4)).map(
        lambda parts: parts[0] + parts[1] + luhn.calc_check_digit(parts[0] + parts[1])
    )
    etablissements_poste = st.tuples(_chiffres(4), st.sampled_from((0, 5))).map(
        lambda parts: _la_poste(parts[0], parts[1])
    )
    poste = st.one_of(etablissements_poste, st.just(_SIRET_SIEGE_LA_POSTE))
    if la_poste is None:
        return st.one_of(ordinaires, poste)
    return poste if la_poste else ordinaires


def _la_poste(nic: str, decalage: int) -> str:
    """La Poste SIRET with this NIC and a last digit making the digit sum a multiple of 5."""
    debut = _SIREN_LA_POSTE + nic
    return debut + str(-sum(map(int, debut)) % 5 + decalage)


# Département part of a NIR: metropolitan (20 became 2A/2B in 1976), overseas 97, born
# abroad 99.
_DEPARTEMENTS_NIR = (*(f"{d:02d}" for d in (*range(1, 20), *range(21, 96))), "97", "99")
_CORSE = ("2A", "2B")


def nirs(corse: bool | None = None) -> st.SearchStrategy[str]:
    """Social security numbers (15 characters), accepted by ``Nir``.

    Sex 1 or 2, two-digit year, month 01 to 12, département, commune, order number and the
    key 97 − (number mod 97), computed with 2A read as 19 and 2B as 18. ``corse=True`` draws
    only Corsica (2A, 2B), ``corse=False`` never, ``None`` (default) both.
    """
    departements: st.SearchStrategy[str]
    if corse is None:
        departements = st.sampled_from((*_DEPARTEMENTS_NIR, *_CORSE))
    else:
        departements = st.sampled_from(_CORSE if corse else _DEPARTEMENTS_NIR)
    corps = st.tuples(
        st.sampled_from("12"),
        _chiffres(2),
        st.integers(1, 12).map(lambda m: f"{m:02d}"),
        departements,
        st.integers(1, 999).map(lambda c: f"{c:03d}"),
        st.integers(1, 999).map(lambda o: f"{o:03d}"),
    ).map("".join)
    return corps.map(lambda c: c + stdnum_nir.calc_check_digits(c))


def numeros_da(cfa_historique: bool | None = None) -> st.SearchStrategy[str]:
    """N° DA: 11 digits, or ``CFA`` when ``cfa_historique=True`` (``None``: either)."""
    chiffres = _chiffres(11)
    if cfa_historique is None:
        return st.one_of(chiffres, st.just("CFA"))
    return st.just("CFA") if cfa_historique else chiffres


_DEPARTEMENTS_DECA = (
    *(f"{d:03d}" for d in range(1, 96)),
    "02A",
    "02B",
    *(f"97{d}" for d in range(1, 7)),
)


def numeros_deca() -> st.SearchStrategy[str]:
    """DECA numbers (15 characters ``DDD YYYY MM NN NNNN``), accepted by ``NumeroDeca``.

    Département 001 to 095, 02A, 02B or 971 to 976; year 2010 to 2039; month 01 to 12;
    fourth group two digits or ``NC``; a 4-digit sequence.
    """
    return st.tuples(
        st.sampled_from(_DEPARTEMENTS_DECA),
        st.integers(_DATE_MIN.year, _DATE_MAX.year).map(str),
        st.integers(1, 12).map(lambda m: f"{m:02d}"),
        st.one_of(_chiffres(2), st.just("NC")),
        _chiffres(4),
    ).map("".join)


def numeros_sia() -> st.SearchStrategy[str]:
    """SIA numbers of public-sector contracts, accepted by ``NumeroSia``.

    They have the DECA number's form (the rule of ``cfa_domain.values.NumeroSia``), so
    they are drawn as :func:`numeros_deca` are.
    """
    return numeros_deca()


def uais() -> st.SearchStrategy[str]:
    """UAI numbers: 7 digits and their mod-23 check letter, accepted by ``Uai``."""
    return _chiffres(7).map(lambda chiffres: chiffres + Uai.lettre_de_controle(chiffres))


def codes_postaux() -> st.SearchStrategy[str]:
    """French postal codes: 5 digits, from 01000 to 98999 as real ones are."""
    return st.integers(1000, 98999).map(lambda c: f"{c:05d}")


def codes_rncp() -> st.SearchStrategy[str]:
    """RNCP codes: ``RNCP`` followed by 3 to 5 digits (``RNCP100`` to ``RNCP99999``)."""
    return st.integers(100, 99999).map(lambda n: f"RNCP{n}")


_LETTRES_CHIFFRES = "abcdefghijklmnopqrstuvwxyz0123456789"


def _mots(max_size: int) -> st.SearchStrategy[str]:
    return st.text(_LETTRES_CHIFFRES, min_size=1, max_size=max_size)


def emails() -> st.SearchStrategy[str]:
    """Email addresses already in ``Email``'s normal form (trimmed, lower-case).

    Local part: dot-separated words, maybe a ``+tag``; domain: one or two labels (hyphens
    inside only) and a 2-to-6-letter top-level domain. ``Email(x).adresse == x``.
    """
    locale = st.tuples(
        st.lists(_mots(10), min_size=1, max_size=3).map(".".join),
        st.one_of(st.just(""), _mots(8).map(lambda tag: "+" + tag)),
    ).map("".join)
    label = st.one_of(_mots(12), st.tuples(_mots(6), _mots(6)).map("-".join))
    domaine = st.tuples(
        st.lists(label, min_size=1, max_size=2).map(".".join),
        st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6),
    ).map(".".join)
    return st.tuples(locale, domaine).map("@".join)


def numeros_action() -> st.SearchStrategy[str]:
    """OPCO action numbers: 10 digits not starting with 0, like ``2011303654``."""
    return st.integers(10**9, 10**10 - 1).map(str)


def telephones() -> st.SearchStrategy[str]:
    """French phone numbers in their 10-digit national form (``0149681010``)."""
    return st.tuples(st.integers(1, 9), _chiffres(8)).map(lambda p: f"0{p[0]}{p[1]}")


# --- Texts of the forms -----------------------------------------------------------------

_LETTRES = "abcdefghijklmnopqrstuvwxyzàâçéèêëîïôöùûüÿæœ"
_MOT = st.text(_LETTRES + _LETTRES.upper() + "'-", min_size=1, max_size=12)


def _textes(*exemples: str, max_mots: int = 4) -> st.SearchStrategy[str]:
    """Required form texts, already trimmed: a realistic example, or words of letters.

    The examples come first, so a failing test shrinks towards a readable value; the
    random words (accented letters, hyphens, apostrophes) reach what the examples miss.
    Words are joined by single spaces: the aggregates' trimming leaves the text unchanged.
    """
    mots = st.lists(_MOT, min_size=1, max_size=max_mots).map(" ".join)
    return st.one_of(st.sampled_from(exemples), mots) if exemples else mots


def _optionnel(texte: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """An optional form text: empty, or one of ``texte``."""
    return st.one_of(st.just(""), texte)


_NOMS = _textes("Martin", "Dubois", "Lefèvre", "N'Diaye", "Le Goff", "Da Silva", "Nguyen")
_PRENOMS = _textes("Éloïse", "Claire", "Jean-Baptiste", "Chloé", "Noah", "Inès", "Loïc")
_VILLES = _textes("Paris", "Lyon", "Saint-Étienne", "Aix-en-Provence", "L'Haÿ-les-Roses")
_RUES = _textes("12 rue des Lilas", "3 bis avenue Jean Jaurès", "Zone artisanale du Moulin")
_RAISONS_SOCIALES = _textes(
    "CFA des Métiers de la Santé", "Institut de formation Bâtiment", "CFA Hôtellerie"
)
_FONCTIONS = _textes("Directrice", "Responsable administratif", "Chargée de relation OPCO")
_ZONES = _textes("Île-de-France", "Auvergne-Rhône-Alpes", "National")
_EMPLOIS = _textes("Diététicien", "Cuisinier", "Maçon", "Assistante de gestion")
_TYPES_CONTRAT = st.sampled_from(
    (
        "Contrat d'apprentissage initial",
        "Contrat d'apprentissage succédant à un contrat rompu",
        "Avenant au contrat d'apprentissage",
    )
)


# --- Aggregates -------------------------------------------------------------------------
#
# Every strategy below builds its object through the aggregate's own constructors and
# transitions (``Organisme.connu``, ``Action.recue``, ``changer_etat`` ...), so what it
# draws is what the platform itself could hold; nothing is filtered, every constraint is
# met by construction.

_UN_JOUR = dt.timedelta(days=1)
_SIGNATURES = (dt.date(2015, 1, 1), dt.date(2030, 12, 31))
_DUREES_MOIS = (6, 48)
_MOIS_MAX = 48
_ENGAGEMENTS = montants(max_value=Montant("60000"))
_HEBERGEMENTS = montants(max_value=Montant("3000"))
_MOBILITES = montants(max_value=Montant("1500"))
_TRANSPORTS = montants(max_value=Montant("2000"))
_FRAIS_DIVERS = montants(max_value=Montant("2000"))
_MAJORATIONS = montants(max_value=Montant("16000"))
_DIX_MILLE = Montant("10000")
_AUTEUR = "strategies"


def _instant(draw: st.DrawFn, jour: dt.date) -> dt.datetime:
    """A UTC instant during office hours of ``jour``."""
    heure = dt.time(draw(st.integers(7, 19)), draw(st.integers(0, 59)))
    return dt.datetime.combine(jour, heure, tzinfo=dt.UTC)


def _selon(choix: bool | None, strategie: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    """Values of ``strategie`` when ``choix`` is True, None when False, either when None."""
    if choix is None:
        return st.none() | strategie
    return strategie if choix else st.none()


def _apres(draw: st.DrawFn, instant: dt.datetime) -> dt.datetime:
    """An instant a few minutes to sixty days after ``instant``."""
    return instant + dt.timedelta(minutes=draw(st.integers(1, 60 * 24 * 60)))


def adresses() -> st.SearchStrategy[Adresse]:
    """Postal addresses: a street, an optional continuation, a postal code and a city."""
    return st.builds(
        Adresse,
        rue=_RUES,
        suite_rue=_optionnel(_textes("Bâtiment B", "BP 42")),
        code_postal=codes_postaux().map(CodePostal),
        ville=_VILLES,
    )


def fiches_organisme(est_cfa: bool | None = None) -> st.SearchStrategy[FicheOrganisme]:
    """Information sheets an organisme may save ("Fiche OF dématérialisée").

    Every sheet has a telephone, and a CFA's has a UAI, as ``mettre_a_jour_fiche``
    requires; only a CFA may carry the historical N° DA ``CFA``. ``est_cfa=True`` draws
    CFAs only, ``False`` other training organismes only, ``None`` (default) both.
    """
    return _fiches(est_cfa=est_cfa)


@st.composite
def _fiches(draw: st.DrawFn, *, est_cfa: bool | None) -> FicheOrganisme:
    cfa = draw(st.booleans()) if est_cfa is None else est_cfa
    uai = Uai(draw(uais())) if cfa else draw(st.none() | uais().map(Uai))
    return FicheOrganisme(
        raison_sociale=draw(_RAISONS_SOCIALES),
        suite_raison_sociale=draw(_optionnel(_textes("Site de Lyon", "Antenne Sud"))),
        adresse=draw(adresses()),
        telephone=Telephone(draw(telephones())),
        email=Email(draw(emails())),
        intervient_fpc=draw(st.booleans()),
        est_cfa=cfa,
        numero_da=NumeroDA(draw(numeros_da(cfa_historique=None if cfa else False))),
        but_lucratif=draw(st.booleans()),
        assujetti_tva=draw(st.booleans()),
        uai=uai,
        zone_intervention=draw(_ZONES),
        commentaire=draw(_optionnel(_textes())),
    )


def interlocuteurs(telephone: bool | None = True) -> st.SearchStrategy[Interlocuteur]:
    """Main contact persons of an organisme.

    ``telephone=True`` (default) always gives a number, as the validation form requires;
    ``False`` never; ``None`` either.
    """
    return st.builds(
        Interlocuteur,
        civilite=st.sampled_from(Civilite),
        nom=_NOMS,
        prenom=_PRENOMS,
        telephone=_selon(telephone, telephones().map(Telephone)),
        email=emails().map(Email),
        fonction=_FONCTIONS,
    )


def organismes(
    statut: StatutOrganisme | None = None, siret: Siret | None = None
) -> st.SearchStrategy[Organisme]:
    """Organismes in ``statut`` (any when None), with the SIRET ``siret`` (drawn when None).

    Built the way the platform builds them: *actif* is known to the OPCO
    (``Organisme.connu``) or a submitted sheet an agent validated; *à valider* a submitted
    sheet; *inactif* either of those, deactivated with a reason. The history's instants
    go forward.
    """
    return _organismes(statut=statut, siret=siret)


@st.composite
def _organismes(
    draw: st.DrawFn, *, statut: StatutOrganisme | None, siret: Siret | None
) -> Organisme:
    cible = draw(st.sampled_from(StatutOrganisme)) if statut is None else statut
    numero = Siret(draw(sirets())) if siret is None else siret
    reference = f"OF-{draw(st.integers(1, 999_999)):06d}"
    quand = _instant(draw, draw(dates()))
    fiche = draw(fiches_organisme())
    interlocuteur = draw(interlocuteurs())
    if cible is StatutOrganisme.A_VALIDER or draw(st.booleans()):
        organisme = Organisme.fiche_soumise(
            siret=numero, fiche=fiche, interlocuteur=interlocuteur, quand=quand
        )
        if cible is StatutOrganisme.ACTIF or (
            cible is StatutOrganisme.INACTIF and draw(st.booleans())
        ):
            quand = _apres(draw, quand)
            organisme.valider("agent OPCO", quand, reference)
    else:
        organisme = Organisme.connu(
            siret=numero,
            fiche=fiche,
            interlocuteur=interlocuteur,
            quand=quand,
            auteur=_AUTEUR,
            reference_opco=reference,
            emails_connus=draw(st.lists(emails().map(Email), max_size=2)),
        )
    if cible is StatutOrganisme.INACTIF:
        organisme.desactiver("agent OPCO", _apres(draw, quand), "Organisme fermé")
    return organisme


# Training titles with their diploma and level, as an example draw (random texts too).
_FORMATIONS_TYPES = (
    ("CAP Cuisine", "Certificat d'aptitude professionnelle cuisine", 3),
    ("Bac pro Commerce", "Baccalauréat professionnel métiers du commerce", 4),
    ("BTS Diététique", "Brevet de technicien supérieur diététique", 5),
    ("Licence pro Logistique", "Licence professionnelle logistique", 6),
    ("Master Management", "Master management des organisations", 7),
    ("Doctorat Chimie", "Doctorat de chimie", 8),
)


def formations(
    siret_cfa: Siret | None = None, niveau: int | None = None, periode: Periode | None = None
) -> st.SearchStrategy[Formation]:
    """Training blocks, at the CFA ``siret_cfa``, of diploma level ``niveau`` (3 to 8).

    Each is drawn when None; so are the training dates unless ``periode`` fixes them.
    The contract's registration number is a DECA number, an SIA number (public sector)
    or missing, as in the feed; so is the RNCP code; the filing date comes before the
    training starts.
    """
    if niveau is not None and not NIVEAU_DIPLOME_MIN <= niveau <= NIVEAU_DIPLOME_MAX:
        raise InvalidArgument(f"formations: niveau={niveau} is not between 3 and 8")
    return _formations(siret_cfa=siret_cfa, niveau=niveau, periode=periode)


@st.composite
def _formations(
    draw: st.DrawFn, *, siret_cfa: Siret | None, niveau: int | None, periode: Periode | None
) -> Formation:
    intitule, diplome, niveau_type = draw(st.sampled_from(_FORMATIONS_TYPES))
    if draw(st.booleans()):
        intitule, diplome = draw(_textes()), draw(_textes())
    dates_formation = draw(periodes(min_days=30, max_days=3 * 365)) if periode is None else periode
    registre = draw(st.sampled_from([None, *RegistreContrat]))
    numero = draw(numeros_deca())
    return Formation(
        intitule=intitule,
        numero_deca=NumeroDeca(numero) if registre is RegistreContrat.DECA else None,
        numero_sia=NumeroSia(numero) if registre is RegistreContrat.SIA else None,
        date_depot=dates_formation.debut - dt.timedelta(days=draw(st.integers(0, 120))),
        diplome=diplome,
        code_diplome=draw(_chiffres(8)),
        niveau_diplome=niveau_type if niveau is None else niveau,
        code_rncp=draw(st.none() | codes_rncp().map(CodeRncp)),
        periode=dates_formation,
        siret_cfa=Siret(draw(sirets())) if siret_cfa is None else siret_cfa,
    )


def apprentis(rqth: bool | None = None) -> st.SearchStrategy[Apprenti]:
    """Apprentices: a name, a first name (accents, hyphens ...), a NIR and the RQTH flag.

    ``rqth`` fixes whether the apprentice is recognised as a disabled worker (drawn when
    None).
    """
    return st.builds(
        Apprenti,
        nom=_NOMS,
        prenom=_PRENOMS,
        nir=nirs().map(Nir),
        rqth=st.booleans() if rqth is None else st.just(rqth),
    )


def _signatures_du_regime(
    regime: Regime | None, parametres: ParametresEcheancier, signe_entre: tuple[dt.date, dt.date]
) -> tuple[dt.date, dt.date]:
    """The signing dates inside ``signe_entre`` that ``parametres`` map to ``regime``."""
    debut, fin = signe_entre
    bornes = {
        Regime.REPRISE_STOCK: (None, parametres.debut_regime_2020),
        Regime.REGIME_2020: (parametres.debut_regime_2020, parametres.debut_regime_2021),
        Regime.REGIME_2021: (parametres.debut_regime_2021, parametres.debut_regime_2025_07),
        Regime.REGIME_2025_07: (parametres.debut_regime_2025_07, None),
    }
    if regime is not None:
        premier, suivant = bornes[regime]
        debut = debut if premier is None else max(debut, premier)
        fin = fin if suivant is None else min(fin, suivant - _UN_JOUR)
    if fin < debut:
        raise InvalidArgument(
            f"contrats: no signing date between {signe_entre[0]} and {signe_entre[1]} "
            f"falls under {regime}"
        )
    return debut, fin


def contrats(
    signe_entre: tuple[dt.date, dt.date] = _SIGNATURES,
    duree_mois: tuple[int, int] = _DUREES_MOIS,
    regime: Regime | None = None,
    *,
    rompu: bool | None = False,
    parametres: ParametresEcheancier = PARAMETRES_PAR_DEFAUT,
) -> st.SearchStrategy[Contrat]:
    """Apprenticeship contracts, signed between ``signe_entre`` (both included).

    ``regime``: the signing date is drawn where ``parametres.regime_pour`` gives that
    regime (inside ``signe_entre``). The contract starts 0 to 90 days after its signature
    and lasts ``duree_mois`` months (default 6 months to 4 years): either a whole number of
    months (a contract ending the day before an anniversary, the common case) or any day
    in that range (partial years). ``rompu=True`` adds a rupture date inside the contract,
    ``None`` sometimes. Defaults: signed 2015 to 2030, which covers every regime.
    """
    minimum, maximum = duree_mois
    if not 1 <= minimum <= maximum <= _MOIS_MAX:
        raise InvalidArgument(f"contrats: need 1 <= duree_mois <= 48 months, got {duree_mois}")
    signature_min, signature_max = _signatures_du_regime(regime, parametres, signe_entre)
    return _contrats(
        signature_min=signature_min,
        signature_max=signature_max,
        duree_mois=duree_mois,
        rompu=rompu,
    )


@st.composite
def _contrats(
    draw: st.DrawFn,
    *,
    signature_min: dt.date,
    signature_max: dt.date,
    duree_mois: tuple[int, int],
    rompu: bool | None,
) -> Contrat:
    signature = draw(st.dates(signature_min, signature_max))
    debut = signature + dt.timedelta(days=draw(st.integers(0, 90)))
    minimum, maximum = duree_mois
    fin = draw(
        st.one_of(
            st.integers(minimum, maximum).map(lambda m: ajouter_mois(debut, m) - _UN_JOUR),
            st.dates(
                ajouter_mois(debut, minimum) - _UN_JOUR, ajouter_mois(debut, maximum) - _UN_JOUR
            ),
        )
    )
    return Contrat(
        type_contrat=draw(_TYPES_CONTRAT),
        employeur=Employeur(draw(_RAISONS_SOCIALES), Siret(draw(sirets()))),
        periode=Periode(debut, fin),
        emploi=draw(_EMPLOIS),
        apprenti=draw(apprentis()),
        date_signature=signature,
        date_rupture=draw(_selon(rompu, st.dates(debut, fin))),
    )


def budgets(
    frais_pedagogiques: st.SearchStrategy[Montant] = _ENGAGEMENTS,
    hebergement: st.SearchStrategy[Montant] = _HEBERGEMENTS,
    mobilite: st.SearchStrategy[Montant] = _MOBILITES,
    transport: st.SearchStrategy[Montant] = _TRANSPORTS,
    frais_divers: st.SearchStrategy[Montant] = _FRAIS_DIVERS,
    *,
    majoration_handicap: st.SearchStrategy[Montant] = _MAJORATIONS,
) -> st.SearchStrategy[Budget]:
    """*Aspect financier* blocks; each line is drawn from its strategy (non-negative amounts).

    Defaults: pedagogical costs up to 60 000 € (four years of a costly NPEC), lodging up
    to 3 000 €, mobility 1 500 €, transport and miscellaneous 2 000 €, the RQTH uplift up
    to 16 000 € (four years at its 4 000 € ceiling). Fix a line with
    ``st.just(Montant("26247"))`` or narrow it with :func:`montants`. :func:`actions`
    drops the uplift of a file whose apprentice has no RQTH.
    """
    return st.builds(
        Budget,
        frais_pedagogiques=frais_pedagogiques,
        hebergement=hebergement,
        mobilite=mobilite,
        transport=transport,
        frais_divers=frais_divers,
        majoration_handicap=majoration_handicap,
    )


def _selon_rqth(budget: Budget, contrat: Contrat) -> Budget:
    """The budget, without its RQTH uplift when the apprentice has no RQTH (by construction)."""
    if contrat.apprenti.rqth:
        return budget
    return attrs.evolve(budget, majoration_handicap=Montant.zero())


def _distances_vers(cible: EtatDossier) -> dict[EtatDossier, int]:
    """Fewest transitions from each state that can reach ``cible`` (0 for ``cible``)."""
    distances = {cible: 0}
    frontiere = [cible]
    while frontiere:
        suivante = []
        for etat in frontiere:
            for precedent, suivants in TRANSITIONS_DOSSIER.items():
                if etat in suivants and precedent not in distances:
                    distances[precedent] = distances[etat] + 1
                    suivante.append(precedent)
        frontiere = suivante
    return distances


_DISTANCES = {cible: _distances_vers(cible) for cible in EtatDossier}
# Past this many transitions, a file takes a shortest way to its target state.
_ETAPES_MAX = 6


def _etats(etat: EtatDossier | Collection[EtatDossier] | None) -> tuple[EtatDossier, ...]:
    """The target states as an ordered tuple (declaration order, for reproducible draws)."""
    if etat is None:
        return tuple(EtatDossier)
    if isinstance(etat, EtatDossier):
        return (etat,)
    cibles = tuple(e for e in EtatDossier if e in etat)
    if not cibles:
        raise InvalidArgument("actions: etat is an empty collection")
    return cibles


def actions(
    etat: EtatDossier | Collection[EtatDossier] | None = None,
    siret_cfa: Siret | None = None,
    regime: Regime | None = None,
    *,
    budget: st.SearchStrategy[Budget] | None = None,
    parametres: ParametresEcheancier = PARAMETRES_PAR_DEFAUT,
) -> st.SearchStrategy[Action]:
    """Apprenticeship files, received from the feed and moved to ``etat``.

    ``etat``: one state, a collection of states (``{EN_COURS, ROMPU}``: the reimbursable
    ones) or None for any. The file is built with ``Action.recue`` and walks allowed
    transitions to its state, sometimes by a detour (*en attente* and back), each
    transition recorded at a later instant; a *rompu* file has a rupture date inside its
    contract. ``siret_cfa`` fixes the CFA beneficiary, ``regime`` the contract's payment
    regime (see :func:`contrats`), ``budget`` the strategy of the *Aspect financier*
    (default :func:`budgets`). The training dates lie inside the contract.
    """
    return _actions(
        cibles=_etats(etat),
        siret_cfa=siret_cfa,
        contrat=contrats(regime=regime, parametres=parametres),
        budget=budgets() if budget is None else budget,
    )


@st.composite
def _actions(
    draw: st.DrawFn,
    *,
    cibles: tuple[EtatDossier, ...],
    siret_cfa: Siret | None,
    contrat: st.SearchStrategy[Contrat],
    budget: st.SearchStrategy[Budget],
) -> Action:
    cible = draw(st.sampled_from(cibles))
    contrat_tire = draw(contrat)
    dates_contrat = contrat_tire.periode
    recue_le = contrat_tire.date_signature + dt.timedelta(days=draw(st.integers(0, 60)))
    quand = _instant(draw, recue_le)
    dossier = Action.recue(
        numero_action=draw(numeros_action()),
        version=draw(st.integers(1, 5)),
        formation=draw(
            formations(
                siret_cfa=siret_cfa,
                periode=draw(periodes(dates_contrat.debut, dates_contrat.fin)),
            )
        ),
        contrat=contrat_tire,
        budget=_selon_rqth(draw(budget), contrat_tire),
        quand=quand,
    )
    distances = _DISTANCES[cible]
    etapes = 0
    while True:
        # Ways on to the target, the shortest first: failing examples shrink to it.
        suivants = sorted(
            (e for e in TRANSITIONS_DOSSIER[dossier.etat] if e in distances),
            key=lambda e: (distances[e], e.value),
        )
        if dossier.etat is cible and (
            etapes >= _ETAPES_MAX or not suivants or not draw(st.booleans())
        ):
            return dossier
        arrivee = suivants[0] if etapes >= _ETAPES_MAX else draw(st.sampled_from(suivants))
        quand = _apres(draw, quand)
        if arrivee is EtatDossier.ROMPU:
            rupture = draw(st.dates(dates_contrat.debut, dates_contrat.fin))
            dossier.rompre(rupture, auteur=_AUTEUR, quand=quand, motif="Rupture du contrat")
        else:
            dossier.changer_etat(arrivee, auteur=_AUTEUR, quand=quand, motif="Décision OPCO")
        etapes += 1


# --- Requests and schedules -------------------------------------------------------------


def montants_demandes(
    max_total: Montant = _DIX_MILLE, categories: Collection[Categorie] | None = None
) -> st.SearchStrategy[MontantsDemandes]:
    """The four amounts of a request form, totalling 0,01 € to ``max_total`` (default 10 000 €).

    ``categories`` limits the lines that may be non-zero (``{Categorie.FRAIS_PEDAGOGIQUES}``
    for a purely pedagogical request); the others stay at 0,00 €. A request of nothing is
    invalid, so the total is never zero.
    """
    lignes = tuple(c for c in Categorie if categories is None or c in categories)
    if not lignes:
        raise InvalidArgument("montants_demandes: categories is an empty collection")
    centimes = int(max_total.valeur * 100)
    if centimes < 1:
        raise InvalidArgument(f"montants_demandes: max_total={max_total} is below 0,01 €")
    return _montants_demandes(lignes=lignes, centimes=centimes)


@st.composite
def _montants_demandes(
    draw: st.DrawFn, *, lignes: tuple[Categorie, ...], centimes: int
) -> MontantsDemandes:
    reste = centimes
    tires: dict[Categorie, int] = {}
    for categorie in lignes:
        tires[categorie] = draw(st.integers(0, reste))
        reste -= tires[categorie]
    if reste == centimes:  # nothing drawn: the smallest valid request
        tires[lignes[0]] = 1
    return MontantsDemandes.depuis({c: Montant(_centiemes(v)) for c, v in tires.items()})


_MOIS_PAR_AN = 12
_CENT_POUR_CENT_EN_CENTIEMES = 10_000


def rythmes(solde: bool | None = None) -> st.SearchStrategy[tuple[Tranche, ...]]:
    """Rhythms of a full contract year that ``ParametresEcheancier`` accepts.

    One to four installments covering months 1 to 12 one after the other, percentages to
    0.01 % summing to 100 %; ``solde=True`` adds a last *solde* tranche (opening after the
    year, like the July-2025 10 %), ``False`` never, ``None`` (default) sometimes.
    """
    return _rythmes(solde=solde)


@st.composite
def _rythmes(draw: st.DrawFn, *, solde: bool | None) -> tuple[Tranche, ...]:
    avec_solde = draw(st.booleans()) if solde is None else solde
    nombre = draw(st.integers(1, 4))
    suivants = draw(
        st.lists(
            st.integers(2, _MOIS_PAR_AN), min_size=nombre - 1, max_size=nombre - 1, unique=True
        )
    )
    debuts = [1, *sorted(suivants)]
    fins = [debut - 1 for debut in debuts[1:]] + [_MOIS_PAR_AN]
    parts = nombre + avec_solde
    coupes = draw(
        st.lists(
            st.integers(1, _CENT_POUR_CENT_EN_CENTIEMES - 1),
            min_size=parts - 1,
            max_size=parts - 1,
            unique=True,
        )
    )
    bornes = [0, *sorted(coupes), _CENT_POUR_CENT_EN_CENTIEMES]
    pourcentages = [_centiemes(b - a) for a, b in itertools.pairwise(bornes)]
    tranches = [
        Tranche(debut, fin, pourcentage)
        for debut, fin, pourcentage in zip(debuts, fins, pourcentages, strict=False)
    ]
    if avec_solde:
        tranches.append(Tranche(1, _MOIS_PAR_AN, pourcentages[-1], solde=True))
    return tuple(tranches)


def _pourcentages_stricts() -> st.SearchStrategy[Decimal]:
    """Percentages strictly between 0 and 100, to 0.01 %."""
    return st.integers(1, _CENT_POUR_CENT_EN_CENTIEMES - 1).map(_centiemes)


def parametres_echeancier() -> st.SearchStrategy[ParametresEcheancier]:
    """Valid variations of the schedule's rules (``ParametresEcheancier``).

    Each group of rules keeps its default or changes: the regimes' start dates (in order,
    2018 to 2027), the rhythms of the 2020, 2021 and July-2025 regimes (:func:`rythmes`),
    the "reprise de stock" advance (up to 90 %) and periodicity, the short year's advance, the date
    from which short years weigh in days, the days of a year (360 to 366), the solde's
    lapse delay (0 to 12 months) and the employer participation (start date, minimum
    level, 0 to 2 000 €). Failing examples shrink towards :data:`PARAMETRES_PAR_DEFAUT`.
    """
    return _parametres_echeancier()


def _ou_defaut(defaut: T, variation: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """The default first (what failing examples shrink to), else a variation."""
    return st.one_of(st.just(defaut), variation)


@st.composite
def _dates_regimes(draw: st.DrawFn) -> tuple[dt.date, dt.date, dt.date]:
    debut_2020 = draw(st.dates(dt.date(2018, 1, 1), dt.date(2020, 12, 31)))
    debut_2021 = draw(st.dates(debut_2020 + _UN_JOUR, dt.date(2022, 12, 31)))
    debut_2025 = draw(st.dates(debut_2021 + _UN_JOUR, dt.date(2027, 12, 31)))
    return debut_2020, debut_2021, debut_2025


@st.composite
def _reprise_de_stock(draw: st.DrawFn) -> tuple[Decimal, int, int]:
    mois_avance = draw(st.integers(1, _MOIS_PAR_AN))
    # An advance covers the whole year exactly when it is worth 100 %. Otherwise it leaves
    # at least 10 %, so that up to 11 equal installments stay above 0.01 % once rounded.
    avance = (
        Decimal(100) if mois_avance == _MOIS_PAR_AN else _centiemes(draw(st.integers(1, 9_000)))
    )
    return avance, mois_avance, draw(st.integers(1, _MOIS_PAR_AN))


@st.composite
def _parametres_echeancier(draw: st.DrawFn) -> ParametresEcheancier:
    defaut = PARAMETRES_PAR_DEFAUT
    debut_2020, debut_2021, debut_2025 = draw(
        _ou_defaut(
            (defaut.debut_regime_2020, defaut.debut_regime_2021, defaut.debut_regime_2025_07),
            _dates_regimes(),
        )
    )
    avance, mois_avance, periodicite = draw(
        _ou_defaut(
            (
                defaut.reprise_avance_pourcentage,
                defaut.reprise_avance_mois,
                defaut.reprise_periodicite_mois,
            ),
            _reprise_de_stock(),
        )
    )
    dates_pivots = st.dates(dt.date(2018, 1, 1), dt.date(2027, 12, 31))
    return ParametresEcheancier(
        debut_regime_2020=debut_2020,
        debut_regime_2021=debut_2021,
        debut_regime_2025_07=debut_2025,
        rythme_2020=draw(_ou_defaut(defaut.rythme_2020, rythmes())),
        rythme_2021=draw(_ou_defaut(defaut.rythme_2021, rythmes())),
        rythme_2025_07=draw(_ou_defaut(defaut.rythme_2025_07, rythmes())),
        reprise_avance_pourcentage=avance,
        reprise_avance_mois=mois_avance,
        reprise_periodicite_mois=periodicite,
        annee_courte_avance_pourcentage=draw(
            _ou_defaut(defaut.annee_courte_avance_pourcentage, _pourcentages_stricts())
        ),
        debut_poids_en_jours=draw(_ou_defaut(defaut.debut_poids_en_jours, dates_pivots)),
        jours_par_annee=draw(_ou_defaut(defaut.jours_par_annee, st.integers(360, 366))),
        delai_caducite_solde_mois=draw(
            _ou_defaut(defaut.delai_caducite_solde_mois, st.integers(0, _MOIS_PAR_AN))
        ),
        debut_participation_employeur=draw(
            _ou_defaut(defaut.debut_participation_employeur, dates_pivots)
        ),
        participation_employeur_niveau_min=draw(
            _ou_defaut(
                defaut.participation_employeur_niveau_min,
                st.integers(NIVEAU_DIPLOME_MIN, NIVEAU_DIPLOME_MAX),
            )
        ),
        participation_employeur_montant=draw(
            _ou_defaut(defaut.participation_employeur_montant, montants(max_value=Montant("2000")))
        ),
    )


def echeanciers(
    regime: Regime | None = None,
    *,
    parametres: ParametresEcheancier | st.SearchStrategy[ParametresEcheancier] = (
        PARAMETRES_PAR_DEFAUT
    ),
    engagement: st.SearchStrategy[Montant] = _ENGAGEMENTS,
    niveau: int | None = None,
    rompu: bool | None = None,
) -> st.SearchStrategy[Echeancier]:
    """Payment schedules of drawn contracts (:func:`contrats`), computed by ``calculer_echeancier``.

    ``regime`` fixes the contract's regime; ``parametres`` is a set of rules or a strategy
    of them (``parametres=parametres_echeancier()`` varies the rules too); ``engagement``
    draws the pedagogical engagement (default 0 to 60 000 €); ``niveau`` the diploma level
    (3 to 8, drawn when None); ``rompu`` as in :func:`contrats` (default: sometimes). The
    schedule carries its inputs' outcome: ``engagement_initial``, ``date_rupture``,
    ``participation_employeur``; use :func:`contrats` and ``calculer_echeancier`` directly
    when a test needs the contract itself.
    """
    if niveau is not None and not NIVEAU_DIPLOME_MIN <= niveau <= NIVEAU_DIPLOME_MAX:
        raise InvalidArgument(f"echeanciers: niveau={niveau} is not between 3 and 8")
    regles = parametres if isinstance(parametres, st.SearchStrategy) else st.just(parametres)
    return _echeanciers(
        regime=regime, regles=regles, engagement=engagement, niveau=niveau, rompu=rompu
    )


@st.composite
def _echeanciers(
    draw: st.DrawFn,
    *,
    regime: Regime | None,
    regles: st.SearchStrategy[ParametresEcheancier],
    engagement: st.SearchStrategy[Montant],
    niveau: int | None,
    rompu: bool | None,
) -> Echeancier:
    parametres = draw(regles)
    contrat = draw(contrats(regime=regime, rompu=rompu, parametres=parametres))
    return calculer_echeancier(
        debut=contrat.periode.debut,
        fin=contrat.periode.fin,
        date_signature=contrat.date_signature,
        engagement=draw(engagement),
        niveau_diplome=draw(st.integers(NIVEAU_DIPLOME_MIN, NIVEAU_DIPLOME_MAX))
        if niveau is None
        else niveau,
        date_rupture=contrat.date_rupture,
        parametres=parametres,
    )
