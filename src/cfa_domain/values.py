"""Value objects: immutable, validated on construction, compared by value.

Each constructor refuses bad input with :class:`~cfa_domain.errors.DonneeInvalide` and a
French message naming the field, so an edge (web form, feed record) can hand raw strings
to these classes and show the error as it is. Identifiers are stored in their compact form
(no spaces) and print in the form users know. Checksums come from python-stdnum where it
has the identifier (SIRET, NIR); the UAI's mod-23 letter is not in python-stdnum, so it is
written here.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import functools
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, ClassVar, ParamSpec, Self, TypeAlias, TypeVar

import attrs
from stdnum import exceptions as stdnum_exceptions
from stdnum.fr import nir as stdnum_nir
from stdnum.fr import siret as stdnum_siret

from cfa_domain.errors import DonneeInvalide

if TYPE_CHECKING:
    import contextlib
    from collections.abc import Callable, Iterable

CENTIME = Decimal("0.01")
_ZERO_CENTIMES = Decimal("0.00")
MONTANT_LIMITE = Decimal(10) ** 12
"""Amounts stay strictly below this in absolute value (mille milliards d'euros).

Far above any real figure; it is what the ``NUMERIC(14, 2)`` column of the SQL adapter
stores exactly on every engine (12 digits before the point, 2 after), and it keeps sums
and products of amounts exact within the 28 digits of :data:`CONTEXTE_MONETAIRE`.
"""

CONTEXTE_MONETAIRE = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
"""The decimal context of every money computation, whatever the host application set.

``decimal``'s current context is per thread and belongs to the embedding application,
which may lower its precision or trap ``Inexact``; amounts are computed in this one
(through :func:`calcul_monetaire`), so a schedule is the same in any host.
"""

__all__ = [
    "CENTIME",
    "CONTEXTE_MONETAIRE",
    "ENTIER_MAX",
    "LONGUEUR_MAX_EMAIL",
    "MONTANT_LIMITE",
    "Categorie",
    "CodePostal",
    "CodeRncp",
    "Email",
    "Montant",
    "Nir",
    "NumeroDA",
    "NumeroDeca",
    "NumeroEnregistrement",
    "NumeroSia",
    "Periode",
    "Piece",
    "RegistreContrat",
    "Siret",
    "Uai",
    "arrondi_centime",
    "calcul_monetaire",
    "entier",
    "monetaire",
    "normaliser_recherche",
    "texte",
    "verifier_numero_enregistrement",
    "verifier_textes",
]

# A NUL (PostgreSQL refuses it in any text) or a lone UTF-16 surrogate (what a JSON decoder
# makes of "\\ud800"; no UTF-8 encoder accepts it).
_CARACTERE_INTERDIT = re.compile("[\x00\ud800-\udfff]")


def texte(valeur: object, champ: str, libelle: str | None = None) -> str:
    """Return ``valeur`` if it is a string that every store and every encoder accepts.

    The one check of every text entering the core: value objects, command classes and the
    parameters of every use case (see :func:`verifier_textes`) go through it. A non-string,
    a NUL character or a lone surrogate (text that cannot be encoded in UTF-8) raises
    :class:`DonneeInvalide` on ``champ``; the message never repeats the text, which could
    not be printed either.
    """
    nom = libelle or champ
    if not isinstance(valeur, str):
        raise DonneeInvalide(f"{nom} : une chaîne de caractères est attendue.", champ=champ)
    interdit = _CARACTERE_INTERDIT.search(valeur)
    if interdit is not None:
        quoi = "le caractère nul" if interdit.group() == "\x00" else "un caractère invalide"
        raise DonneeInvalide(
            f"{nom} : ce texte contient {quoi} (position {interdit.start() + 1}) ; "
            "seul un texte Unicode valide est accepté.",
            champ=champ,
        )
    return valeur


def verifier_textes(valeur: object, champ: str) -> None:
    """Check with :func:`texte` every string inside ``valeur``, however deep.

    Strings, the fields of attrs instances (named after the field), the items of tuples,
    lists, sets and the keys and values of dicts are visited; bytes and every other type
    are left alone. Use cases run it on their parameters (``cas_d_usage``).
    """
    if isinstance(valeur, str):
        texte(valeur, champ)
    elif isinstance(valeur, tuple | list | set | frozenset):
        for element in valeur:
            verifier_textes(element, champ)
    elif isinstance(valeur, dict):
        for cle, element in valeur.items():
            verifier_textes(cle, champ)
            verifier_textes(element, champ)
    else:
        classe = type(valeur)
        if attrs.has(classe):
            for attribut in attrs.fields(classe):
                verifier_textes(getattr(valeur, attribut.name), attribut.name)


def calcul_monetaire() -> contextlib.AbstractContextManager[decimal.Context]:
    """Run the ``with`` block's Decimal arithmetic in :data:`CONTEXTE_MONETAIRE`."""
    return decimal.localcontext(CONTEXTE_MONETAIRE)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def monetaire(fonction: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: the whole function computes in :data:`CONTEXTE_MONETAIRE`."""

    @functools.wraps(fonction)
    def dans_le_contexte(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with calcul_monetaire():
            return fonction(*args, **kwargs)

    return dans_le_contexte


ENTIER_MAX = 2**31 - 1
"""The largest whole number the core accepts as input (PostgreSQL's ``INTEGER``).

Every count, rank, version and page number stays below it, so no integer column and no
``OFFSET`` computed from a page can overflow on any engine.
"""


def _nombre(valeur: int) -> str:
    """French form of a bound: ``2 147 483 647``."""
    return f"{valeur:,}".replace(",", "\u202f")


def entier(
    valeur: object, champ: str, libelle: str, *, minimum: int = 0, maximum: int = ENTIER_MAX
) -> int:
    """Return ``valeur`` if it is a whole number (not a bool) from ``minimum`` to ``maximum``.

    The one check of every integer entering the core (page numbers, counts, ranks,
    versions): anything else raises :class:`DonneeInvalide` on ``champ``. The message never
    prints the value, which may be too long to print.
    """
    if isinstance(valeur, bool) or not isinstance(valeur, int) or not minimum <= valeur <= maximum:
        raise DonneeInvalide(
            f"{libelle} : un nombre entier de {_nombre(minimum)} à {_nombre(maximum)} est attendu.",
            champ=champ,
        )
    return valeur


def arrondi_centime(valeur: Decimal) -> Decimal:
    """Round half-up to the cent, the rounding rule of every computed amount."""
    return valeur.quantize(CENTIME, rounding=ROUND_HALF_UP, context=CONTEXTE_MONETAIRE)


def _vers_decimal(valeur: object) -> Decimal:
    """Convert ``valeur`` to Decimal, refusing floats, booleans and non-numbers."""
    if isinstance(valeur, Decimal):
        resultat = valeur
    elif isinstance(valeur, int) and not isinstance(valeur, bool):
        resultat = Decimal(valeur)
    elif isinstance(valeur, str):
        texte = valeur.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        texte = texte.removesuffix("€").replace(",", ".")
        try:
            with calcul_monetaire():  # a syntax error raises, whatever the host's traps
                resultat = Decimal(texte)
        except InvalidOperation:
            raise DonneeInvalide(
                f"« {valeur} » n'est pas un montant valide.", valeur=valeur
            ) from None
    else:
        raise DonneeInvalide(
            "Un montant doit être un Decimal, un entier ou un texte, jamais un nombre "
            f"à virgule flottante (reçu : {type(valeur).__name__}).",
            valeur=valeur,
        )
    if not resultat.is_finite():
        raise DonneeInvalide("Un montant doit être un nombre fini.", valeur=valeur)
    if resultat.copy_abs() >= MONTANT_LIMITE:
        raise DonneeInvalide(
            "Un montant doit rester inférieur à mille milliards d'euros.", valeur=valeur
        )
    return resultat


def _montant(valeur: object) -> Decimal:
    """Attrs converter: a Decimal with exactly two places, refusing sub-cent precision."""
    decimal = _vers_decimal(valeur)
    arrondi = arrondi_centime(decimal)
    if arrondi != decimal:
        raise DonneeInvalide(
            f"« {valeur} » : un montant s'exprime en euros et centimes (deux décimales au plus).",
            valeur=valeur,
        )
    # A computed zero may carry a sign (-5 € × 0): it must print 0,00 €, not -0,00 €.
    return arrondi.copy_abs() if arrondi.is_zero() else arrondi


@attrs.frozen(order=False)
class Montant:
    """An amount in euros, to the cent. Never built from a float.

    ``Montant("12,50")``, ``Montant(Decimal("12.5"))`` and ``Montant(12)`` are accepted;
    ``Montant(12.5)`` and ``Montant("1.234")`` raise :class:`DonneeInvalide`. Arithmetic
    between amounts is exact; multiplying by a rate rounds half-up to the cent. Amounts stay
    below 10¹⁵ € in absolute value, which keeps that arithmetic exact.
    """

    valeur: Decimal = attrs.field(converter=_montant)

    @classmethod
    def zero(cls) -> Self:
        """Return 0,00 €."""
        return cls._exact(_ZERO_CENTIMES)

    @classmethod
    def arrondi(cls, valeur: Decimal | int) -> Self:
        """Build an amount from a computed Decimal, rounding half-up to the cent."""
        return cls._exact(arrondi_centime(_vers_decimal(valeur)))

    @classmethod
    def somme(cls, montants: Iterable[Montant]) -> Self:
        """Add up amounts (0,00 € when there are none)."""
        total = _ZERO_CENTIMES
        for montant in montants:
            total = CONTEXTE_MONETAIRE.add(total, montant.valeur)
        return cls._exact(total)

    @classmethod
    def _exact(cls, valeur: Decimal) -> Self:
        """The amount of ``valeur``, exact to the cent: a sum, a difference, a rounding.

        Such a value is already exact to the cent (two places, exact in
        :data:`CONTEXTE_MONETAIRE`), so only the bound and the sign of zero are checked:
        the schedule's arithmetic builds hundreds of amounts per file, and the full
        converter's parsing and rounding were most of its time. Anything else goes
        through the converter.
        """
        if valeur.copy_abs() >= MONTANT_LIMITE:
            return cls(valeur)  # raises the converter's error
        montant = object.__new__(cls)
        object.__setattr__(montant, "valeur", valeur.copy_abs() if valeur.is_zero() else valeur)
        return montant

    def __add__(self, autre: Montant) -> Montant:
        """Exact sum."""
        if not isinstance(autre, Montant):
            return NotImplemented
        return Montant._exact(CONTEXTE_MONETAIRE.add(self.valeur, autre.valeur))

    def __sub__(self, autre: Montant) -> Montant:
        """Exact difference (may be negative, e.g. an overpayment to recover)."""
        if not isinstance(autre, Montant):
            return NotImplemented
        return Montant._exact(CONTEXTE_MONETAIRE.subtract(self.valeur, autre.valeur))

    # Ordered by value, as ``attrs``' ``order=True`` would (an amount is compared with an
    # amount only), without building a tuple per comparison: ``min`` and ``max`` of
    # amounts run at every installment of a schedule.
    def __lt__(self, autre: object) -> bool:
        """Smaller amount."""
        if autre.__class__ is not self.__class__:
            return NotImplemented
        return self.valeur < autre.valeur

    def __le__(self, autre: object) -> bool:
        """Smaller or equal amount."""
        if autre.__class__ is not self.__class__:
            return NotImplemented
        return self.valeur <= autre.valeur

    def __gt__(self, autre: object) -> bool:
        """Larger amount."""
        if autre.__class__ is not self.__class__:
            return NotImplemented
        return self.valeur > autre.valeur

    def __ge__(self, autre: object) -> bool:
        """Larger or equal amount."""
        if autre.__class__ is not self.__class__:
            return NotImplemented
        return self.valeur >= autre.valeur

    def __neg__(self) -> Montant:
        """Opposite amount."""
        return Montant(self.valeur.copy_negate())

    def __mul__(self, taux: Decimal | int) -> Montant:
        """Multiply by a rate or a quantity, rounding half-up to the cent."""
        if isinstance(taux, bool) or not isinstance(taux, Decimal | int):
            return NotImplemented
        return Montant.arrondi(CONTEXTE_MONETAIRE.multiply(self.valeur, taux))

    __rmul__ = __mul__

    def __bool__(self) -> bool:
        """An amount is truthy when it is not zero."""
        return bool(self.valeur)

    @property
    def est_negatif(self) -> bool:
        """True below zero."""
        return self.valeur < 0

    def __str__(self) -> str:
        """French form: ``26 247,00 €`` (narrow no-break space between thousands)."""
        return f"{self.valeur:,.2f} €".replace(",", "\u202f").replace(".", ",")


@functools.lru_cache(maxsize=16384)
def _valide_stdnum(module: object, valeur: str) -> str:
    """``module.validate(valeur)``, remembered for the numbers found valid.

    A page of files checks the same SIRETs again and again (the CFA's, its employers');
    python-stdnum's cleaning and checksum cost more than the rest of a file's rebuilding.
    """
    return str(module.validate(valeur))  # type: ignore[attr-defined]


def _stdnum(module: object, valeur: object, champ: str, libelle: str) -> str:
    """Validate ``valeur`` with a python-stdnum module, giving a French message."""
    chaine = texte(valeur, champ, libelle)
    try:
        return _valide_stdnum(module, chaine)
    except stdnum_exceptions.InvalidLength:
        message = f"{libelle} « {valeur} » : longueur incorrecte."
    except stdnum_exceptions.InvalidFormat:
        message = f"{libelle} « {valeur} » : format incorrect."
    except stdnum_exceptions.InvalidChecksum:
        message = f"{libelle} « {valeur} » : clé de contrôle incorrecte."
    except stdnum_exceptions.ValidationError:
        message = f"{libelle} « {valeur} » n'est pas valide."
    raise DonneeInvalide(message, champ=champ, valeur=valeur)


def _siret(valeur: object) -> str:
    return _stdnum(stdnum_siret, valeur, "siret", "SIRET")


def _nir(valeur: object) -> str:
    return _stdnum(stdnum_nir, valeur, "nir", "N° de sécurité sociale")


@attrs.frozen(order=True)
class Siret:
    """SIRET of an establishment: 14 digits, Luhn.

    La Poste's establishments (SIREN 356000000) have a digit sum multiple of 5 instead,
    except its head office 35600000000048, which passes the ordinary Luhn check
    (python-stdnum's rule, as the domain brief states it).
    """

    numero: str = attrs.field(converter=_siret)

    @property
    def siren(self) -> str:
        """The company's SIREN: the first nine digits."""
        return self.numero[:9]

    def __str__(self) -> str:
        """Usual form ``421 100 645 00967``."""
        return str(stdnum_siret.format(self.numero))


@attrs.frozen
class Nir:
    """French social security number: 13 characters and a 2-digit key (Corsica 2A/2B)."""

    numero: str = attrs.field(converter=_nir)

    def __str__(self) -> str:
        """Usual form ``2 95 10 99 126 111 93``."""
        return str(stdnum_nir.format(self.numero))

    def masque(self) -> str:
        """Masked form for screens that need not show it whole: ``2 95 10 •• ••• ••• 93``."""
        n = self.numero
        return f"{n[0]} {n[1:3]} {n[3:5]} •• ••• ••• {n[13:]}"


def _compact(valeur: object, champ: str, libelle: str) -> str:
    return re.sub(r"[\s.\-]", "", texte(valeur, champ, libelle)).upper()


def _numero_da(valeur: object) -> str:
    compact = _compact(valeur, "numero_da", "N° DA")
    if compact == "CFA" or re.fullmatch(r"\d{11}", compact):
        return compact
    raise DonneeInvalide(
        f"N° DA « {valeur} » : 11 chiffres attendus (ou « CFA » pour un CFA historique "
        "sans déclaration d'activité).",
        champ="numero_da",
        valeur=valeur,
    )


@attrs.frozen
class NumeroDA:
    """Déclaration d'activité number: 11 digits, or ``CFA`` for a historical CFA."""

    numero: str = attrs.field(converter=_numero_da)

    @property
    def cfa_historique(self) -> bool:
        """True for the literal ``CFA`` of a historical CFA without a declaration."""
        return self.numero == "CFA"

    def __str__(self) -> str:
        """The number as typed."""
        return self.numero


_NUMERO_ENREGISTREMENT = re.compile(r"(0\d\d|02A|02B|97\d)(\d{4})(0[1-9]|1[0-2])(\d\d|NC)(\d{4})")
"""The registration number of a contract, DECA or SIA: ``DDD YYYY MM NN NNNN``.

15 characters: the department group (``001``–``095``, ``02A``/``02B``, ``97x``), the
registration year and month, two digits or ``NC``, then four digits. The one rule of both
registries (:func:`verifier_numero_enregistrement`)."""


class RegistreContrat(enum.Enum):
    """The register that recorded an apprenticeship contract ("N° DECA ou SIA")."""

    DECA = "deca"
    """The DGEFP's DECA: contracts of private employers (and public industrial ones)."""
    SIA = "sia"
    """The Service Interministériel de l'Apprentissage: public-sector contracts."""

    @property
    def libelle(self) -> str:
        """``DECA`` or ``SIA``, as the guide writes them."""
        return self.name


def verifier_numero_enregistrement(
    valeur: object,
    registre: RegistreContrat | None = None,
    champ: str = "numero_enregistrement",
) -> str:
    """Return the compact registration number, or raise DonneeInvalide.

    ``registre`` only names the register in the message (None: "DECA ou SIA", the search
    field that finds either).
    """
    libelle = f"Numéro {registre.libelle if registre else 'DECA ou SIA'}"
    compact = _compact(valeur, champ, libelle)
    if _NUMERO_ENREGISTREMENT.fullmatch(compact) and compact[:3] != "000":
        return compact
    raise DonneeInvalide(
        f"{libelle} « {valeur} » : 15 caractères attendus, sous la forme "
        "DDD AAAA MM NN NNNN (ex. 02B202212000000).",
        champ=champ,
        valeur=valeur,
    )


def _numero_deca(valeur: object) -> str:
    return verifier_numero_enregistrement(valeur, RegistreContrat.DECA, "numero_deca")


def _numero_sia(valeur: object) -> str:
    return verifier_numero_enregistrement(valeur, RegistreContrat.SIA, "numero_sia")


class _NumeroEnregistrement:
    """What the DECA and SIA numbers share: their parts and their printed form."""

    numero: str
    registre: ClassVar[RegistreContrat]

    @property
    def departement(self) -> str:
        """The department group (``075``, ``02B``, ``974`` ...)."""
        return self.numero[:3]

    @property
    def annee(self) -> int:
        """The registration year."""
        return int(self.numero[3:7])

    @property
    def mois(self) -> int:
        """The registration month."""
        return int(self.numero[7:9])

    def __str__(self) -> str:
        """The compact number, as the DGEFP portal prints it."""
        return self.numero


@attrs.frozen(order=True)
class NumeroDeca(_NumeroEnregistrement):
    """DECA registration number of a contract: ``DDD YYYY MM NN NNNN`` (15 characters)."""

    numero: str = attrs.field(converter=_numero_deca)
    registre: ClassVar[RegistreContrat] = RegistreContrat.DECA


@attrs.frozen(order=True)
class NumeroSia(_NumeroEnregistrement):
    """SIA registration number of a public-sector contract: same form as a DECA number.

    Our rule, stated once (:data:`_NUMERO_ENREGISTREMENT`): we found no official text
    giving the SIA number's format. The one public specification we found, the open
    schema of the DGEFP's online contract form for public employers (the
    ``mission-apprentissage/cerfa`` project), checks its contract numbers against the
    DECA structure. So an SIA number is accepted with exactly the DECA number's
    structure, and nothing looser:
    a number of another form is refused with a French message rather than stored
    unchecked. A file carries a DECA number or an SIA number, never both; since the two
    look alike, the register is carried by the class, not guessed from the number.
    """

    numero: str = attrs.field(converter=_numero_sia)
    registre: ClassVar[RegistreContrat] = RegistreContrat.SIA


NumeroEnregistrement: TypeAlias = NumeroDeca | NumeroSia
"""A contract's registration number: DECA or SIA."""


_UAI_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ"  # A–Z without I, O, Q: 23 letters


def _uai(valeur: object) -> str:
    compact = _compact(valeur, "uai", "N° UAI")
    if not re.fullmatch(r"\d{7}[A-Z]", compact):
        raise DonneeInvalide(
            f"N° UAI « {valeur} » : 7 chiffres suivis d'une lettre attendus.",
            champ="uai",
            valeur=valeur,
        )
    if _UAI_ALPHABET[int(compact[:7]) % 23] != compact[7]:
        raise DonneeInvalide(
            f"N° UAI « {valeur} » : lettre de contrôle incorrecte.", champ="uai", valeur=valeur
        )
    return compact


@attrs.frozen
class Uai:
    """Unité administrative immatriculée: 7 digits and a check letter (number mod 23)."""

    numero: str = attrs.field(converter=_uai)

    @staticmethod
    def lettre_de_controle(chiffres: str) -> str:
        """The check letter of a 7-digit number."""
        return _UAI_ALPHABET[int(chiffres) % 23]

    def __str__(self) -> str:
        """The compact number."""
        return self.numero


def _code_postal(valeur: object) -> str:
    compact = _compact(valeur, "code_postal", "Code postal")
    if re.fullmatch(r"\d{5}", compact):
        return compact
    raise DonneeInvalide(
        f"Code postal « {valeur} » : 5 chiffres attendus.", champ="code_postal", valeur=valeur
    )


@attrs.frozen
class CodePostal:
    """French postal code: 5 digits."""

    code: str = attrs.field(converter=_code_postal)

    def __str__(self) -> str:
        """The five digits."""
        return self.code


def _rncp(valeur: object) -> str:
    compact = _compact(valeur, "code_rncp", "Code RNCP")
    if re.fullmatch(r"RNCP\d{3,5}", compact):
        return compact
    raise DonneeInvalide(
        f"Code RNCP « {valeur} » : « RNCP » suivi de 3 à 5 chiffres attendu.",
        champ="code_rncp",
        valeur=valeur,
    )


@attrs.frozen
class CodeRncp:
    """Répertoire national des certifications professionnelles code: ``RNCP`` + 3-5 digits."""

    code: str = attrs.field(converter=_rncp)

    def __str__(self) -> str:
        """The compact code."""
        return self.code


# One "@", a dot-separated domain of letters, digits and hyphens, no spaces: the shape
# every mail system accepts. Deliverability is proven by the activation link, not here.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


LONGUEUR_MAX_EMAIL = 254
"""RFC 5321's bound on a usable address (and the width of every email column)."""


def _email(valeur: object) -> str:
    normalise = unicodedata.normalize("NFC", texte(valeur, "email", "Adresse email").strip())
    normalise = normalise.lower()
    if len(normalise) > LONGUEUR_MAX_EMAIL:
        raise DonneeInvalide(
            f"Adresse email : {LONGUEUR_MAX_EMAIL} caractères au plus.",
            champ="email",
            valeur=valeur,
        )
    if _EMAIL.fullmatch(normalise) and ".." not in normalise:
        return normalise
    raise DonneeInvalide(
        f"« {valeur} » n'est pas une adresse email valide.", champ="email", valeur=valeur
    )


@attrs.frozen(order=True)
class Email:
    """An email address, trimmed and lower-cased so that one mailbox is one login."""

    adresse: str = attrs.field(converter=_email)

    def __str__(self) -> str:
        """The normalised address."""
        return self.adresse


def _date(valeur: object, champ: str) -> dt.date:
    if isinstance(valeur, dt.datetime) or not isinstance(valeur, dt.date):
        raise DonneeInvalide("Une date est attendue.", champ=champ, valeur=valeur)
    return valeur


def _date_debut(valeur: object) -> dt.date:
    return _date(valeur, "date_debut")


def _date_fin(valeur: object) -> dt.date:
    return _date(valeur, "date_fin")


@attrs.frozen(order=True)
class Periode:
    """A period of whole days, both ends included."""

    debut: dt.date = attrs.field(converter=_date_debut)
    fin: dt.date = attrs.field(converter=_date_fin)

    def __attrs_post_init__(self) -> None:
        """Refuse a period that ends before it starts."""
        if self.fin < self.debut:
            raise DonneeInvalide(
                f"La date de fin ({self.fin:%d/%m/%Y}) précède la date de début "
                f"({self.debut:%d/%m/%Y}).",
                champ="date_fin",
            )

    @property
    def jours(self) -> int:
        """Number of days, both ends included."""
        return (self.fin - self.debut).days + 1

    def contient(self, autre: dt.date | Periode) -> bool:
        """True when a date or a whole period lies inside this one."""
        if isinstance(autre, Periode):
            return self.debut <= autre.debut and autre.fin <= self.fin
        return self.debut <= autre <= self.fin

    def chevauche(self, autre: Periode) -> bool:
        """True when the two periods share at least one day."""
        return self.debut <= autre.fin and autre.debut <= self.fin

    def __str__(self) -> str:
        """``du 01/01/2020 au 30/06/2020``."""
        return f"du {self.debut:%d/%m/%Y} au {self.fin:%d/%m/%Y}"


@functools.lru_cache(maxsize=65536)
def normaliser_recherche(texte: str) -> str:
    """Case- and accent-insensitive form of a name, for prefix search (``Éloïse`` → ``eloise``).

    Remembered: the same names come back at every file written and every search.
    """
    decompose = unicodedata.normalize("NFKD", texte)
    sans_accents = "".join(c for c in decompose if not unicodedata.combining(c))
    return " ".join(sans_accents.casefold().split())


class Categorie(enum.Enum):
    """The lines of the request form, each drawn on one budget line of the file.

    frais pédagogiques → frais pédagogiques; repas et nuitées → hébergement; frais divers
    (includes first equipment) → frais divers; mobilité internationale → frais de mobilité;
    majoration handicap (an apprentice with RQTH, article D6332-82; the inter-OPCO norm's
    ``MAJORATION_RQTH`` line) → majoration handicap.
    """

    FRAIS_PEDAGOGIQUES = "frais_pedagogiques"
    REPAS_NUITEES = "repas_nuitees"
    FRAIS_DIVERS = "frais_divers"
    MOBILITE_INTERNATIONALE = "mobilite_internationale"
    MAJORATION_HANDICAP = "majoration_handicap"

    @property
    def libelle(self) -> str:
        """The form's French label."""
        return _LIBELLES_CATEGORIES[self]


_LIBELLES_CATEGORIES = {
    Categorie.FRAIS_PEDAGOGIQUES: "Frais pédagogiques",
    Categorie.REPAS_NUITEES: "Frais de repas et de nuitées",
    Categorie.FRAIS_DIVERS: "Frais divers",
    Categorie.MOBILITE_INTERNATIONALE: "Frais de mobilité internationale",
    Categorie.MAJORATION_HANDICAP: "Majoration handicap (RQTH)",
}


class Piece(enum.Enum):
    """Documents a reimbursement request may carry."""

    FACTURE = "facture"
    CERTIFICAT_REALISATION = "certificat_realisation"

    @property
    def libelle(self) -> str:
        """French label, as on the receipt."""
        return "Facture" if self is Piece.FACTURE else "Certificat de réalisation"
