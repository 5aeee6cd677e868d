"""The payment schedule (échéancier) of an apprenticeship file's pedagogical costs.

The OPCO engages an amount for the whole contract (the file's *frais pédagogiques*); the
CFA asks for it in installments (échéances) whose rhythm depends on the date the contract
was signed. This module computes the whole schedule of a file, so that the platform can
pre-fill the next request ("aide à la saisie") and refuse a request asking for more than
what is open. Every rule below is a field of :class:`ParametresEcheancier` whose default
is the rule; :data:`PARAMETRES_PAR_DEFAUT` holds them all.

Regimes, selected by the signing date (:meth:`ParametresEcheancier.regime_pour`):

* **Reprise de stock** (signed in 2019 or before): the rhythm of the contract's regional
  convention. Configurable: a first advance (50 %) covering months 1–6, then the rest in
  equal installments every 3 months to the year's end, i.e. 50 / 25 / 25 by default
  (:func:`tranches_reprise_de_stock` derives the tranches).
* **2020**: 50 % (months 1–6), 25 % (months 7–9), 25 % (months 10–12); décret 2019-1489
  of 27 December 2019 (article R6332-25 of the Code du travail), the rhythm the user guide
  prints as help text.
* **2021 to 30 June 2025**: 40 % (months 1–6), 30 % (months 7–9), 30 % (months 10–12),
  R6332-25 as amended for contracts concluded from 1 January 2021 (OPCOs' vade-mecum CFA).
* **From 1 July 2025**: 40 % (months 1–6), 30 % (months 7–9), 20 % (months 10–12) and a
  10 % *solde* once delivery of the year is certified: it opens the day after the year
  ends; the last year's solde lapses 4 months after the contract's end (décret 2025-585 of
  27 June 2025).

Rules we decided where the texts are silent (docs/domain.md, "Rules we have decided"):

* **Contract years.** Year *k* starts on the (k−1)-th anniversary of the contract start
  (:func:`anniversaire`); a year ends the day before the next one starts, the last one on
  the contract's end, or on the rupture date. The anniversary of a 29 February start in a
  non-leap year is 1 March by default (``anniversaire_29_fevrier``,
  :class:`ConventionAnniversaire`): 29/02/2024–28/02/2026 is then two full years
  (29/02/2024–28/02/2025 and 01/03/2025–28/02/2026). The other convention, 28 February,
  makes each year end on 27 February and leaves 28/02/2026 as a one-day third year.
* **Months of a year.** Following the rule literally, month *m* of a year starts m−1
  months after *the year's* start (not after the contract's start: the two differ when a
  year starts on a shifted anniversary). A day missing from the target month becomes its
  last day (:func:`ajouter_mois`): a year starting on 31 January has its month 2 start on
  28 (29) February and its month 3 on 31 March. Each month is computed from the year's
  start, never from the previous (clamped) month, so a clamp never accumulates. Month 12
  ends when the year ends.
* **Weight of a year.** 1 for a full year; for a shorter one, its started months ÷ 12 for
  contracts signed before 1 July 2025 ("tout mois commencé est dû"), its days ÷ 365 for
  those signed since (décret 2025-585's daily prorata). Weights are exact fractions.
* **A year whose 12th month has started** (a last year one day short,
  02/09/2025–31/08/2026 say, or a year cut by a rupture in its 12th month) counts as a
  full year, for its rhythm as for its weight ("tout mois commencé est dû"): it is paid
  with the full-year rhythm of its regime, its last installments cut at its end, and
  weighs 1 whatever the signing date. :attr:`AnneeContrat.complete` says which years
  count as full.
* **Split.** The engagement is split across years in proportion to their weight (the
  implied annual NPEC is engagement ÷ total weight), each year's share across its
  installments by the rhythm's percentages.
* **Short year** (fewer than 12 started months: a contract under one year, or a partial
  last year): 50 % advance over the first half of the year (by days, the odd day going to
  the first half), open on its first day; the balance over the second half, open on the
  year's last day. No July-2025 solde in a short year: its balance already waits for the
  end of the year, and it never lapses (the 4-month lapse is the solde's, by the décret).
* **Rounding.** Each amount is rounded half-up to the cent; the last installment of a year
  takes the remainder, so years sum to their share, and the last year takes the
  remainder, so the schedule sums to the engagement exactly. An amount is never rounded
  past what is left to split (this only bites on amounts of a few cents), so no
  installment is ever negative.
* **Opening.** An installment can be requested from the first day of its first month
  (month 1, 7 or 10); short years and the solde as above. The last year's solde lapses 4
  months after the contract's end (or the rupture date): the last day it may be requested
  is the end plus 4 calendar months (:func:`ajouter_mois`; end 30/06/2027 → 30/10/2027,
  end 28/02/2027 → 28/06/2027), so its :attr:`Echeance.date_caducite`, the first day it
  can no longer be requested, is the day after. The solde of an earlier year never lapses.
* **Documents** are not the schedule's business: the rule (an invoice always, the
  certificate except for the first advance, by period and amount) is
  :func:`cfa_domain.remboursement.certificat_requis`, in one place.
* **Rupture.** The engagement is recomputed over the years up to the rupture date, with
  the same weights (engagement × weight up to the rupture ÷ weight of the whole
  contract); installments after it disappear; the short last year's balance opens on the
  rupture date. :meth:`Echeancier.trop_percu` gives what was paid beyond the new total.
* **Employer participation** (article L6332-14 I-1°, R6332-25-1 created by décret
  2025-585): for contracts signed from 1 July 2025 preparing a diploma of level 6 or more,
  the employer pays 750 € to the CFA and the OPCO deducts it from its first advance (from
  the following installments if the first advance is smaller). So the installments sum to
  ``engagement − participation_employeur``: :attr:`Echeancier.total` is what the OPCO
  pays, :attr:`Echeancier.engagement` what it engaged. The reduced participations of the
  décret (rupture during the 45-day probation, new contract after a rupture) are not
  modelled.

Frais annexes (article D6332-83) are claimed as incurred, outside this schedule.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import functools
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

import attrs

from cfa_domain.errors import DonneeInvalide
from cfa_domain.values import Montant, Periode, calcul_monetaire, monetaire

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "PARAMETRES_PAR_DEFAUT",
    "RYTHME_2020",
    "RYTHME_2021",
    "RYTHME_2025_07",
    "AnneeContrat",
    "ConventionAnniversaire",
    "Echeance",
    "EcheanceDue",
    "Echeancier",
    "MethodePoids",
    "ParametresEcheancier",
    "Regime",
    "Tranche",
    "ajouter_mois",
    "anniversaire",
    "calculer_echeancier",
    "tranches_reprise_de_stock",
]

_CENT = Decimal(100)
_UN_JOUR = dt.timedelta(days=1)
_CENTIEME = Decimal("0.01")
_MOIS_PAR_AN = 12
_NIVEAUX_DIPLOME = range(3, 9)
_PARTICIPATION_EMPLOYEUR = Montant(750)


def ajouter_mois(jour: dt.date, mois: int) -> dt.date:
    """Return ``jour`` plus ``mois`` calendar months, clamped to the month's last day.

    ``ajouter_mois(date(2024, 1, 31), 1) == date(2024, 2, 29)``.
    """
    annee, index = divmod(jour.year * 12 + jour.month - 1 + mois, 12)
    quantieme = jour.day
    if quantieme > 28:  # noqa: PLR2004 - every month has 28 days; only later ones may clamp
        quantieme = min(quantieme, calendar.monthrange(annee, index + 1)[1])
    return dt.date(annee, index + 1, quantieme)


class ConventionAnniversaire(enum.Enum):
    """Where the anniversary of a contract started on 29 February falls in a non-leap year."""

    PREMIER_MARS = "premier_mars"
    """1 March: the day after 28 February, so every year but a leap one has 365 days."""
    VINGT_HUIT_FEVRIER = "vingt_huit_fevrier"
    """28 February: the last day of the month, as :func:`ajouter_mois` clamps."""


def anniversaire(
    debut: dt.date,
    annees: int,
    convention: ConventionAnniversaire = ConventionAnniversaire.PREMIER_MARS,
) -> dt.date:
    """The ``annees``-th anniversary of ``debut`` (``annees`` = 0 gives ``debut`` itself).

    Only a 29 February start may lack its anniversary: ``convention`` then says whether
    it is 1 March (default) or 28 February.
    """
    annee = debut.year + annees
    if (debut.month, debut.day) != (2, 29) or calendar.isleap(annee):
        return debut.replace(year=annee)
    if convention is ConventionAnniversaire.PREMIER_MARS:
        return dt.date(annee, 3, 1)
    return dt.date(annee, 2, 28)


class Regime(enum.Enum):
    """Payment regime of a contract, selected by its signing date."""

    REPRISE_STOCK = "reprise_stock"
    REGIME_2020 = "regime_2020"
    REGIME_2021 = "regime_2021"
    REGIME_2025_07 = "regime_2025_07"

    @property
    def libelle(self) -> str:
        """French label, as shown on the file."""
        return _LIBELLES_REGIMES[self]


_LIBELLES_REGIMES = {
    Regime.REPRISE_STOCK: "Reprise de stock (contrat signé en 2019 ou avant)",
    Regime.REGIME_2020: "Contrat signé en 2020",
    Regime.REGIME_2021: "Contrat signé du 1er janvier 2021 au 30 juin 2025",
    Regime.REGIME_2025_07: "Contrat signé à partir du 1er juillet 2025",
}


class MethodePoids(enum.Enum):
    """How a contract year shorter than 12 months is weighted."""

    MOIS_COMMENCES = "mois_commences"
    """Started months ÷ 12: every started month is due."""
    JOURS = "jours"
    """Days ÷ 365: the daily prorata of décret 2025-585."""


@attrs.frozen
class Tranche:
    """One installment of a full contract year's rhythm.

    It covers months ``mois_debut`` to ``mois_fin`` of the year (1-based, both included)
    and is worth ``pourcentage`` percent of the year's share (``Decimal(40)`` is 40 %).
    It opens on the first day of ``mois_debut``, or, for a ``solde``, the day after the
    year ends (once the year's delivery is certified).
    """

    mois_debut: int
    mois_fin: int
    pourcentage: Decimal
    solde: bool = False

    def __attrs_post_init__(self) -> None:
        """Refuse months outside 1–12 and a percentage outside ]0, 100]."""
        if not 1 <= self.mois_debut <= self.mois_fin <= _MOIS_PAR_AN:
            raise DonneeInvalide(
                f"Tranche : les mois doivent vérifier 1 ≤ début ({self.mois_debut}) ≤ "
                f"fin ({self.mois_fin}) ≤ 12.",
                champ="mois_debut",
            )
        if not 0 < self.pourcentage <= _CENT:
            raise DonneeInvalide(
                f"Tranche : le pourcentage ({self.pourcentage}) doit être compris entre 0 "
                "(exclu) et 100.",
                champ="pourcentage",
                valeur=self.pourcentage,
            )


RYTHME_2020 = (
    Tranche(1, 6, Decimal(50)),
    Tranche(7, 9, Decimal(25)),
    Tranche(10, 12, Decimal(25)),
)
"""Contracts signed in 2020: 50 / 25 / 25."""

RYTHME_2021 = (
    Tranche(1, 6, Decimal(40)),
    Tranche(7, 9, Decimal(30)),
    Tranche(10, 12, Decimal(30)),
)
"""Contracts signed from 2021 to 30 June 2025: 40 / 30 / 30."""

RYTHME_2025_07 = (
    Tranche(1, 6, Decimal(40)),
    Tranche(7, 9, Decimal(30)),
    Tranche(10, 12, Decimal(20)),
    Tranche(1, 12, Decimal(10), solde=True),
)
"""Contracts signed from 1 July 2025: 40 / 30 / 20 and a 10 % solde after certification."""


def tranches_reprise_de_stock(
    avance: Decimal, mois_avance: int, periodicite_mois: int
) -> tuple[Tranche, ...]:
    """Derive the "reprise de stock" rhythm of a full year.

    A first advance of ``avance`` percent covers months 1 to ``mois_avance``; the rest is
    split in equal installments every ``periodicite_mois`` months to the year's end (the
    last may cover fewer months). Equal shares are rounded to 0.01 % and the last takes
    the remainder, so the rhythm sums to 100 %. Defaults (50, 6, 3) give 50 / 25 / 25.
    """
    if not 1 <= mois_avance <= _MOIS_PAR_AN:
        raise DonneeInvalide(
            f"Reprise de stock : l'avance doit couvrir de 1 à 12 mois (reçu : {mois_avance}).",
            champ="reprise_avance_mois",
            valeur=mois_avance,
        )
    if periodicite_mois < 1:
        raise DonneeInvalide(
            "Reprise de stock : la périodicité des échéances doit être d'au moins un mois "
            f"(reçu : {periodicite_mois}).",
            champ="reprise_periodicite_mois",
            valeur=periodicite_mois,
        )
    if (mois_avance == _MOIS_PAR_AN) != (avance == _CENT):
        raise DonneeInvalide(
            "Reprise de stock : une avance couvrant toute l'année doit valoir 100 %, et une "
            "avance de 100 % doit couvrir toute l'année.",
            champ="reprise_avance_pourcentage",
            valeur=avance,
        )
    premiere = Tranche(1, mois_avance, avance)
    debuts = range(mois_avance + 1, _MOIS_PAR_AN + 1, periodicite_mois)
    if not debuts:
        return (premiere,)
    with calcul_monetaire():
        reste = _CENT - avance
        part = (reste / len(debuts)).quantize(_CENTIEME, rounding=ROUND_HALF_UP)
        dernier = reste - part * (len(debuts) - 1)
    tranches = [premiere]
    for rang, debut in enumerate(debuts, start=1):
        pourcentage = part if rang < len(debuts) else dernier
        tranches.append(
            Tranche(debut, min(debut + periodicite_mois - 1, _MOIS_PAR_AN), pourcentage)
        )
    return tuple(tranches)


def _valider_rythme(nom: str, rythme: tuple[Tranche, ...]) -> None:
    """Refuse a rhythm that does not sum to 100 % or whose openings go backwards."""
    with calcul_monetaire():
        total = sum((tranche.pourcentage for tranche in rythme), Decimal(0))
    if total != _CENT:
        raise DonneeInvalide(
            f"Le rythme {nom} doit totaliser 100 % sur l'année.", champ=nom, valeur=rythme
        )
    cles = [(tranche.solde, tranche.mois_debut if not tranche.solde else 0) for tranche in rythme]
    if cles != sorted(cles):
        raise DonneeInvalide(
            f"Le rythme {nom} doit lister ses tranches par mois d'ouverture croissant, le "
            "solde en dernier.",
            champ=nom,
            valeur=rythme,
        )


@attrs.frozen
class ParametresEcheancier:
    """Every rule of the schedule, each with the default we decided (docs/domain.md)."""

    debut_regime_2020: dt.date = dt.date(2020, 1, 1)
    """Contracts signed before this date are "reprise de stock"."""
    debut_regime_2021: dt.date = dt.date(2021, 1, 1)
    debut_regime_2025_07: dt.date = dt.date(2025, 7, 1)
    rythme_2020: tuple[Tranche, ...] = RYTHME_2020
    rythme_2021: tuple[Tranche, ...] = RYTHME_2021
    rythme_2025_07: tuple[Tranche, ...] = RYTHME_2025_07
    reprise_avance_pourcentage: Decimal = Decimal(50)
    reprise_avance_mois: int = 6
    reprise_periodicite_mois: int = 3
    annee_courte_avance_pourcentage: Decimal = Decimal(50)
    """Share of a short year paid as its advance; the balance is the rest."""
    debut_poids_en_jours: dt.date = dt.date(2025, 7, 1)
    """Contracts signed from this date weigh a short year in days, before it in months."""
    jours_par_annee: int = 365
    delai_caducite_solde_mois: int = 4
    """The last year's solde can be requested up to the end plus this many months."""
    anniversaire_29_fevrier: ConventionAnniversaire = ConventionAnniversaire.PREMIER_MARS
    """The anniversary of a 29 February start in a non-leap year."""
    debut_participation_employeur: dt.date = dt.date(2025, 7, 1)
    participation_employeur_niveau_min: int = 6
    participation_employeur_montant: Montant = _PARTICIPATION_EMPLOYEUR

    def __attrs_post_init__(self) -> None:
        """Refuse inconsistent parameters with a French message naming the field."""
        if not self.debut_regime_2020 < self.debut_regime_2021 < self.debut_regime_2025_07:
            raise DonneeInvalide(
                "Les dates de début des régimes 2020, 2021 et juillet 2025 doivent se suivre.",
                champ="debut_regime_2021",
            )
        _valider_rythme("rythme_2020", self.rythme_2020)
        _valider_rythme("rythme_2021", self.rythme_2021)
        _valider_rythme("rythme_2025_07", self.rythme_2025_07)
        self.rythme(Regime.REPRISE_STOCK)  # derives, hence validates, the stock tranches
        if not 0 < self.annee_courte_avance_pourcentage < _CENT:
            raise DonneeInvalide(
                "L'avance d'une année de moins de 12 mois doit être comprise entre 0 et 100 % "
                "(exclus).",
                champ="annee_courte_avance_pourcentage",
                valeur=self.annee_courte_avance_pourcentage,
            )
        if self.jours_par_annee < 1:
            raise DonneeInvalide(
                "Le nombre de jours par an doit être positif.",
                champ="jours_par_annee",
                valeur=self.jours_par_annee,
            )
        if self.delai_caducite_solde_mois < 0:
            raise DonneeInvalide(
                "Le délai de caducité du solde ne peut pas être négatif.",
                champ="delai_caducite_solde_mois",
                valeur=self.delai_caducite_solde_mois,
            )
        if self.participation_employeur_montant.est_negatif:
            raise DonneeInvalide(
                "La participation de l'employeur ne peut pas être négative.",
                champ="participation_employeur_montant",
                valeur=self.participation_employeur_montant,
            )

    def regime_pour(self, date_signature: dt.date) -> Regime:
        """The regime of a contract signed on ``date_signature``."""
        if date_signature >= self.debut_regime_2025_07:
            return Regime.REGIME_2025_07
        if date_signature >= self.debut_regime_2021:
            return Regime.REGIME_2021
        if date_signature >= self.debut_regime_2020:
            return Regime.REGIME_2020
        return Regime.REPRISE_STOCK

    def signatures(self, regime: Regime) -> tuple[dt.date | None, dt.date | None]:
        """The signing dates of ``regime``'s contracts: ``[from, before[``, None when open."""
        debuts: list[tuple[Regime, dt.date | None]] = [
            (Regime.REPRISE_STOCK, None),
            (Regime.REGIME_2020, self.debut_regime_2020),
            (Regime.REGIME_2021, self.debut_regime_2021),
            (Regime.REGIME_2025_07, self.debut_regime_2025_07),
        ]
        rang = [r for r, _ in debuts].index(regime)
        suivant = debuts[rang + 1][1] if rang + 1 < len(debuts) else None
        return debuts[rang][1], suivant

    def rythme(self, regime: Regime) -> tuple[Tranche, ...]:
        """The tranches of a full contract year under ``regime``."""
        if regime is Regime.REPRISE_STOCK:
            return tranches_reprise_de_stock(
                self.reprise_avance_pourcentage,
                self.reprise_avance_mois,
                self.reprise_periodicite_mois,
            )
        return {
            Regime.REGIME_2020: self.rythme_2020,
            Regime.REGIME_2021: self.rythme_2021,
            Regime.REGIME_2025_07: self.rythme_2025_07,
        }[regime]

    def methode_poids(self, date_signature: dt.date) -> MethodePoids:
        """How a short year of a contract signed on ``date_signature`` is weighted."""
        if date_signature >= self.debut_poids_en_jours:
            return MethodePoids.JOURS
        return MethodePoids.MOIS_COMMENCES

    def participation_employeur(
        self, date_signature: dt.date, niveau_diplome: int | None
    ) -> Montant:
        """The employer's flat participation due on such a contract (0 € when none)."""
        if (
            date_signature >= self.debut_participation_employeur
            and niveau_diplome is not None
            and niveau_diplome >= self.participation_employeur_niveau_min
        ):
            return self.participation_employeur_montant
        return Montant.zero()


PARAMETRES_PAR_DEFAUT = ParametresEcheancier()
"""The rules as decided in docs/domain.md."""


@attrs.frozen
class AnneeContrat:
    """One contract year: its period, whether it is a full year, its weight and share."""

    numero: int
    periode: Periode
    complete: bool
    """Its 12th month has started: it counts as a full year (full-year rhythm, weight 1)."""
    poids: Fraction
    montant: Montant
    """The year's share of the engagement (before any employer participation)."""


@attrs.frozen
class Echeance:
    """One installment of the schedule."""

    numero: int
    """1 to n across the whole schedule, in order of opening."""
    annee: int
    """Contract year, 1-based."""
    codification: str
    """Stable short code, ``A{year}-E{rank in the year}`` (``A1-E1``)."""
    periode: Periode
    pourcentage: Decimal
    """Share of its year, in percent."""
    montant: Montant
    """What the OPCO pays (the first advance is net of the employer participation)."""
    date_ouverture: dt.date
    date_caducite: dt.date | None
    """First day the installment can no longer be requested; None when it never lapses."""
    premiere_avance: bool

    def est_ouverte(self, le: dt.date) -> bool:
        """True when the installment may be requested on ``le`` (opened, not lapsed)."""
        return self.date_ouverture <= le and (self.date_caducite is None or le < self.date_caducite)


@attrs.frozen
class EcheanceDue:
    """The next installment not fully requested yet, and how much of it is left."""

    echeance: Echeance
    reste: Montant
    ouverte: bool
    """Whether it may be requested on the date the question was asked."""


def _positif(montant: Montant, champ: str) -> None:
    """Refuse a negative amount given for ``champ``."""
    if montant.est_negatif:
        raise DonneeInvalide(
            f"Le montant ({montant}) ne peut pas être négatif.", champ=champ, valeur=montant
        )


@attrs.frozen
class Echeancier:
    """The whole payment schedule of a file's pedagogical costs."""

    regime: Regime
    engagement: Montant
    """What the OPCO engaged for the contract (recomputed up to the rupture, if any)."""
    participation_employeur: Montant
    """Paid by the employer to the CFA, deducted from the first installment(s)."""
    echeances: tuple[Echeance, ...]
    annees: tuple[AnneeContrat, ...]
    engagement_initial: Montant
    """The engagement for the whole contract, before any rupture."""
    date_rupture: dt.date | None

    @property
    def total(self) -> Montant:
        """Sum of the installments: ``engagement − participation_employeur``."""
        return Montant.somme(echeance.montant for echeance in self.echeances)

    @property
    def npec(self) -> Montant:
        """The implied annual NPEC: the engagement ÷ the total weight of its years."""
        poids = sum((a.poids for a in self.annees), Fraction())
        return _part(self.engagement, 1 / poids)

    @property
    def premiere_avance(self) -> Echeance:
        """The first advance of the first year (requested without certificat)."""
        return self.echeances[0]

    def ouvert_au(self, le: dt.date) -> Montant:
        """Sum of the installments opened by ``le`` (a lapsed one still counts)."""
        return Montant.somme(e.montant for e in self.echeances if e.date_ouverture <= le)

    def _restes(self, deja_demande: Montant) -> list[Montant]:
        """What is left of each installment once ``deja_demande`` is allocated in order."""
        _positif(deja_demande, "deja_demande")
        restes: list[Montant] = []
        a_allouer = deja_demande
        for echeance in self.echeances:
            if not a_allouer:  # nothing left to allocate: the installment is whole
                restes.append(echeance.montant)
                continue
            alloue = min(a_allouer, echeance.montant)
            restes.append(echeance.montant - alloue)
            a_allouer -= alloue
        return restes

    def disponible_au(self, le: dt.date, deja_demande: Montant) -> Montant:
        """What may still be requested on ``le``, ``deja_demande`` being already requested.

        The opened installments minus what is already requested, floored at 0; the
        unrequested part of a lapsed solde is lost.
        """
        restes = self._restes(deja_demande)
        return Montant.somme(
            reste
            for echeance, reste in zip(self.echeances, restes, strict=True)
            if echeance.est_ouverte(le)
        )

    def prochaine_echeance(self, le: dt.date, deja_demande: Montant) -> EcheanceDue | None:
        """The first installment not fully requested (open or not yet), None if none is.

        ``deja_demande`` is allocated to the installments in order; a solde lapsed on
        ``le`` cannot be due any more and is skipped.
        """
        restes = self._restes(deja_demande)
        for echeance, reste in zip(self.echeances, restes, strict=True):
            caduque = echeance.date_caducite is not None and le >= echeance.date_caducite
            if reste and not caduque:
                return EcheanceDue(echeance, reste, ouverte=echeance.est_ouverte(le))
        return None

    def prochaine_ouverture(self, le: dt.date) -> dt.date | None:
        """The first opening date after ``le``, None when every installment is open."""
        return min(
            (e.date_ouverture for e in self.echeances if e.date_ouverture > le), default=None
        )

    def trop_percu(self, deja_paye: Montant) -> Montant:
        """What the OPCO paid beyond the schedule's total (after a rupture), 0 € if nothing."""
        _positif(deja_paye, "deja_paye")
        return max(deja_paye - self.total, Montant.zero())


@functools.lru_cache(maxsize=256)
def _fraction_de_cent(pourcentage: Decimal) -> Fraction:
    """``pourcentage`` % as a fraction (a rhythm has a handful of percentages: remembered)."""
    return Fraction(pourcentage) / 100


def _part(montant: Montant, fraction: Fraction) -> Montant:
    """``montant × fraction``, rounded half-up to the cent."""
    with calcul_monetaire():
        return Montant.arrondi(montant.valeur * fraction.numerator / fraction.denominator)


def _repartir(total: Montant, parts: Sequence[Fraction]) -> list[Montant]:
    """Split ``total`` by ``parts`` (summing to 1): each rounded, the last takes the rest.

    An amount is capped at what is left, so none is negative even on a few cents.
    """
    montants: list[Montant] = []
    reste = total
    for part in parts[:-1]:
        montant = min(_part(total, part), reste)
        montants.append(montant)
        reste -= montant
    montants.append(reste)
    return montants


@attrs.frozen
class _Modele:
    """An installment before amounts: what the rhythm says about it."""

    periode: Periode
    pourcentage: Decimal
    date_ouverture: dt.date
    date_caducite: dt.date | None


@attrs.frozen
class _Annee:
    """A contract year before amounts."""

    periode: Periode
    complete: bool
    poids: Fraction
    debuts_mois: tuple[dt.date, ...]
    """Starts of months 1 to 12, then the next year's start (13 dates)."""


def _annees(
    debut: dt.date, fin: dt.date, methode: MethodePoids, parametres: ParametresEcheancier
) -> list[_Annee]:
    """The contract years from ``debut`` to ``fin``: period, rhythm, weight, month starts."""
    annees: list[_Annee] = []
    rang = 0
    convention = parametres.anniversaire_29_fevrier
    while (debut_annee := anniversaire(debut, rang, convention)) <= fin:
        suivante = anniversaire(debut, rang + 1, convention)
        debuts_mois = (*(ajouter_mois(debut_annee, m) for m in range(_MOIS_PAR_AN)), suivante)
        periode = Periode(debut_annee, min(suivante - _UN_JOUR, fin))
        mois_commences = sum(1 for d in debuts_mois[:_MOIS_PAR_AN] if d <= fin)
        if mois_commences == _MOIS_PAR_AN:  # "tout mois commencé est dû": a full year
            poids = Fraction(1)
        elif methode is MethodePoids.JOURS:
            poids = Fraction(periode.jours, parametres.jours_par_annee)
        else:
            poids = Fraction(mois_commences, _MOIS_PAR_AN)
        annees.append(_Annee(periode, mois_commences == _MOIS_PAR_AN, poids, debuts_mois))
        rang += 1
    return annees


def _modeles_annee_pleine(
    annee: _Annee, rythme: tuple[Tranche, ...], caducite_solde: dt.date | None
) -> list[_Modele]:
    """The installments of a year of 12 started months, cut at the year's end."""
    modeles: list[_Modele] = []
    for tranche in rythme:
        debut_tranche = annee.debuts_mois[tranche.mois_debut - 1]
        fin_tranche = min(annee.debuts_mois[tranche.mois_fin] - _UN_JOUR, annee.periode.fin)
        if tranche.solde:
            ouverture, caducite = annee.periode.fin + _UN_JOUR, caducite_solde
        else:
            ouverture, caducite = debut_tranche, None
        modeles.append(
            _Modele(Periode(debut_tranche, fin_tranche), tranche.pourcentage, ouverture, caducite)
        )
    return modeles


def _modeles_annee_courte(periode: Periode, avance: Decimal) -> list[_Modele]:
    """A short year: advance on the first half (open day 1), balance on its last day."""
    milieu = periode.debut + dt.timedelta(days=(periode.jours + 1) // 2 - 1)
    return [
        _Modele(Periode(periode.debut, milieu), avance, periode.debut, None),
        _Modele(
            Periode(min(milieu + _UN_JOUR, periode.fin), periode.fin),
            _CENT - avance,
            periode.fin,
            None,
        ),
    ]


def _deduire(montants: list[Montant], participation: Montant) -> list[Montant]:
    """Deduct the employer participation from the first amounts, in order."""
    nets: list[Montant] = []
    a_deduire = participation
    for montant in montants:
        if not a_deduire:  # the participation is deducted: the rest stays whole
            nets.append(montant)
            continue
        deduit = min(a_deduire, montant)
        nets.append(montant - deduit)
        a_deduire -= deduit
    return nets


def _valider_entrees(
    debut: dt.date,
    fin: dt.date,
    engagement: Montant,
    niveau_diplome: int | None,
    date_rupture: dt.date | None,
) -> None:
    """Refuse inconsistent contract data with a French message naming the field."""
    if fin < debut:
        raise DonneeInvalide(
            f"La date de fin du contrat ({fin:%d/%m/%Y}) précède sa date de début "
            f"({debut:%d/%m/%Y}).",
            champ="date_fin",
            valeur=fin,
        )
    if engagement.est_negatif:
        raise DonneeInvalide(
            f"Le montant engagé ({engagement}) ne peut pas être négatif.",
            champ="frais_pedagogiques",
            valeur=engagement,
        )
    if niveau_diplome is not None and niveau_diplome not in _NIVEAUX_DIPLOME:
        raise DonneeInvalide(
            f"Le niveau de diplôme ({niveau_diplome}) doit être compris entre 3 et 8.",
            champ="niveau_diplome",
            valeur=niveau_diplome,
        )
    if date_rupture is not None and not debut <= date_rupture <= fin:
        raise DonneeInvalide(
            f"La date de rupture ({date_rupture:%d/%m/%Y}) doit se situer dans le contrat "
            f"(du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}).",
            champ="date_rupture",
            valeur=date_rupture,
        )


@monetaire
def calculer_echeancier(
    *,
    debut: dt.date,
    fin: dt.date,
    date_signature: dt.date,
    engagement: Montant,
    niveau_diplome: int | None = None,
    date_rupture: dt.date | None = None,
    parametres: ParametresEcheancier = PARAMETRES_PAR_DEFAUT,
) -> Echeancier:
    """Compute the payment schedule of a contract from ``debut`` to ``fin`` (included).

    ``engagement`` is the OPCO's pedagogical engagement for the whole contract;
    ``date_rupture``, if any, is the contract's last day after an early end.
    Raises :class:`DonneeInvalide` for inconsistent dates or amounts.
    """
    _valider_entrees(debut, fin, engagement, niveau_diplome, date_rupture)
    regime = parametres.regime_pour(date_signature)
    methode = parametres.methode_poids(date_signature)
    fin_effective = fin if date_rupture is None else date_rupture
    annees_contrat = _annees(debut, fin, methode, parametres)
    poids_contrat = sum((a.poids for a in annees_contrat), Fraction())
    annees_brutes = (
        annees_contrat
        if fin_effective == fin
        else _annees(debut, fin_effective, methode, parametres)
    )
    poids_effectif = sum((a.poids for a in annees_brutes), Fraction())
    engagement_effectif = _part(engagement, poids_effectif / poids_contrat)
    parts_annees = _repartir(engagement_effectif, [a.poids / poids_effectif for a in annees_brutes])

    rythme = parametres.rythme(regime)
    annees: list[AnneeContrat] = []
    modeles: list[tuple[int, int, _Modele]] = []
    montants: list[Montant] = []
    for index, (annee, part) in enumerate(zip(annees_brutes, parts_annees, strict=True)):
        annees.append(AnneeContrat(index + 1, annee.periode, annee.complete, annee.poids, part))
        if annee.complete:
            derniere = index == len(annees_brutes) - 1
            caducite = (
                ajouter_mois(annee.periode.fin, parametres.delai_caducite_solde_mois) + _UN_JOUR
                if derniere
                else None
            )
            modeles_annee = _modeles_annee_pleine(annee, rythme, caducite)
        else:
            modeles_annee = _modeles_annee_courte(
                annee.periode, parametres.annee_courte_avance_pourcentage
            )
        modeles.extend((index + 1, rang, m) for rang, m in enumerate(modeles_annee, start=1))
        montants.extend(_repartir(part, [_fraction_de_cent(m.pourcentage) for m in modeles_annee]))

    participation = min(
        parametres.participation_employeur(date_signature, niveau_diplome), engagement_effectif
    )
    echeances = tuple(
        Echeance(
            numero=numero,
            annee=annee,
            codification=f"A{annee}-E{rang}",
            periode=modele.periode,
            pourcentage=modele.pourcentage,
            montant=montant,
            date_ouverture=modele.date_ouverture,
            date_caducite=modele.date_caducite,
            premiere_avance=numero == 1,
        )
        for numero, ((annee, rang, modele), montant) in enumerate(
            zip(modeles, _deduire(montants, participation), strict=True), start=1
        )
    )
    return Echeancier(
        regime=regime,
        engagement=engagement_effectif,
        participation_employeur=participation,
        echeances=echeances,
        annees=tuple(annees),
        engagement_initial=engagement,
        date_rupture=date_rupture,
    )
