"""The feed's record format, version 1: JSON in, :class:`~cfa_domain.ports.DossierFlux` out.

The format is written down in ``format_v1.schema.json`` beside this module (JSON Schema,
draft 2020-12) and described in ``docs/feed.md``. This module is its one reader and
writer; cattrs converts here and nowhere else in the feed.

Mapping choices
---------------
- **Names** come from the CERFA FA13 (cerfa 10103) and the DECA exchanges where they have
  one (``apprenti.nir``, ``apprenti.handicap`` for the RQTH, ``contrat.dateConclusion``,
  ``contrat.dateDebutContrat``, ``formation.intituleQualification``, ``formation.rncp``,
  ``organismeFormationResponsable.siret``, ``contrat.dateEffetRupture``), from the
  inter-OPCO norm otherwise (``numeroInterne``, ``numeroDeca``, the states ``TRANSMIS``
  … ``SOLDE``, the budget lines after its ``natureLigne``); the platform's own words fill
  the rest (``intitule``, ``niveau``, ``dateDepot``). camelCase throughout, as both use.
- **Blocks follow the CERFA**, not the domain: the DECA or SIA number and the filing date
  sit on the file, the CFA under ``organismeFormationResponsable`` with, optionally, the
  OPCO's data on it (``referentiel``, which makes it a known organisme); the employer
  under ``employeur``, which may carry a ``referentiel`` of the same shape (an employer
  with a CFA of its own then becomes a known organisme too).
- **Amounts are strings** of euros with a dot (``"26247.00"``): a JSON number is a float
  to most readers, and a float at any edge is an error. **Dates** are ``AAAA-MM-JJ``.
- **Strict.** Every type is checked as it stands (no ``"12"`` for 12, no 1 for true), an
  unknown field is an error, a missing optional field takes its default. What does not
  structure, or fails a rule of the domain's values (a SIRET's key, a period ending before
  it starts …), gives an :class:`~cfa_domain.ports.EnregistrementIllisible` holding the
  text as received and the reasons in French, with their JSON path: the feed quarantines
  it. Its key is ``<numeroInterne>@<version>`` when both can be read, else the record's
  position in its source.
- **Two states are the platform's own**: the norm has no *en attente* (``EN_ATTENTE``) and
  no *supprimé* (``SUPPRIME``); the others map one to one (``TRANSMIS`` = *reçu*,
  ``EN_COURS_INSTRUCTION``, ``ENGAGE`` = *en cours*, ``REFUSE``, ``RUPTURE`` = *rompu*,
  ``SOLDE``, ``ANNULE``).

:func:`relire` reads a quarantined record back for a replay: the text as received (this
format) or the readable copy the quarantine keeps of a structured record (the domain's
own field names, :func:`cfa_domain.services.flux.brut`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import functools
import importlib.resources
import json
import re
from typing import TYPE_CHECKING, Any, Final

import attrs
import cattrs
from cattrs.errors import ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from cfa_domain.action import Apprenti, Budget, Contrat, Employeur, EtatDossier, Formation
from cfa_domain.errors import ErreurDomaine
from cfa_domain.organisme import Adresse, Civilite, FicheOrganisme, Interlocuteur, Telephone
from cfa_domain.ports import DossierFlux, EnregistrementIllisible, OrganismeFlux
from cfa_domain.values import (
    CodePostal,
    CodeRncp,
    Email,
    Montant,
    Nir,
    NumeroDA,
    NumeroDeca,
    NumeroSia,
    Periode,
    Siret,
    Uai,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "VERSION_FORMAT",
    "ecrire",
    "ecrire_ligne",
    "lire",
    "lire_texte",
    "relire",
    "schema",
]

VERSION_FORMAT: Final = 1
"""The version of the record format this module reads and writes (``"format": 1``)."""


class EtatFlux(enum.Enum):
    """A file's state on the wire (the inter-OPCO norm's, and two of the platform's)."""

    TRANSMIS = "TRANSMIS"
    EN_COURS_INSTRUCTION = "EN_COURS_INSTRUCTION"
    EN_ATTENTE = "EN_ATTENTE"
    ENGAGE = "ENGAGE"
    REFUSE = "REFUSE"
    RUPTURE = "RUPTURE"
    SOLDE = "SOLDE"
    ANNULE = "ANNULE"
    SUPPRIME = "SUPPRIME"


_ETATS: Final = {
    EtatFlux.TRANSMIS: EtatDossier.RECU,
    EtatFlux.EN_COURS_INSTRUCTION: EtatDossier.EN_INSTRUCTION,
    EtatFlux.EN_ATTENTE: EtatDossier.EN_ATTENTE,
    EtatFlux.ENGAGE: EtatDossier.EN_COURS,
    EtatFlux.REFUSE: EtatDossier.REFUSE,
    EtatFlux.RUPTURE: EtatDossier.ROMPU,
    EtatFlux.SOLDE: EtatDossier.SOLDE,
    EtatFlux.ANNULE: EtatDossier.ANNULE,
    EtatFlux.SUPPRIME: EtatDossier.SUPPRIME,
}
_ETATS_FLUX: Final = {domaine: flux for flux, domaine in _ETATS.items()}


class CiviliteFlux(enum.Enum):
    """The contact person's civilité on the wire."""

    MME = "MME"
    M = "M"


_CIVILITES: Final = {CiviliteFlux.MME: Civilite.MME, CiviliteFlux.M: Civilite.M}
_CIVILITES_FLUX: Final = {domaine: flux for flux, domaine in _CIVILITES.items()}

_ZERO: Final = decimal.Decimal("0.00")


# --- The wire's blocks (snake_case here, camelCase on the wire) --------------------------


@attrs.frozen(kw_only=True)
class _Adresse:
    voie: str
    complement: str = ""
    code_postal: str
    commune: str


@attrs.frozen(kw_only=True)
class _Interlocuteur:
    civilite: CiviliteFlux
    nom: str
    prenom: str
    telephone: str | None = None
    courriel: str
    fonction: str


@attrs.frozen(kw_only=True)
class _Referentiel:
    version: int
    reference_opco: str | None = None
    denomination: str
    suite_denomination: str = ""
    adresse: _Adresse
    telephone: str | None = None
    courriel: str
    numero_da: str
    uai_cfa: str | None = None
    est_cfa: bool
    intervient_fpc: bool
    but_lucratif: bool
    assujetti_tva: bool
    zone_intervention: str
    commentaire: str = ""
    interlocuteur: _Interlocuteur


@attrs.frozen(kw_only=True)
class _OrganismeFormation:
    siret: str
    referentiel: _Referentiel | None = None


@attrs.frozen(kw_only=True)
class _Formation:
    intitule: str
    intitule_qualification: str
    code_diplome: str
    niveau: int
    rncp: str | None = None
    date_debut_formation: dt.date
    date_fin_formation: dt.date


@attrs.frozen(kw_only=True)
class _Employeur:
    siret: str
    denomination: str
    referentiel: _Referentiel | None = None


@attrs.frozen(kw_only=True)
class _Apprenti:
    nom: str
    prenom: str
    nir: str
    handicap: bool = False


@attrs.frozen(kw_only=True)
class _Contrat:
    type_contrat: str
    emploi_occupe: str
    date_conclusion: dt.date
    date_debut_contrat: dt.date
    date_fin_contrat: dt.date
    date_effet_rupture: dt.date | None = None


@attrs.frozen(kw_only=True)
class _Budget:
    pedagogie: decimal.Decimal
    hebergement: decimal.Decimal = _ZERO
    mobilite: decimal.Decimal = _ZERO
    transport: decimal.Decimal = _ZERO
    frais_divers: decimal.Decimal = _ZERO
    majoration_rqth: decimal.Decimal = _ZERO


@attrs.frozen(kw_only=True)
class _Enregistrement:
    version_format: int
    numero_interne: str
    version: int
    etat: EtatFlux | None = None
    date_depot: dt.date
    numero_deca: str | None = None
    numero_sia: str | None = None
    formation: _Formation
    organisme_formation_responsable: _OrganismeFormation
    employeur: _Employeur
    apprenti: _Apprenti
    contrat: _Contrat
    budget: _Budget


# --- The converter ----------------------------------------------------------------------


class _Refus(ValueError):
    """A value of the wrong type or form, with the French reason."""


def _camel(nom: str) -> str:
    if nom == "version_format":
        return "format"
    tete, *suite = nom.split("_")
    return tete + "".join(mot.capitalize() for mot in suite)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL = re.compile(r"-?\d{1,15}(\.\d{1,15})?")


def _texte(valeur: object, _type: object) -> str:
    if not isinstance(valeur, str):
        raise _Refus("une chaîne de caractères est attendue")
    return valeur


def _entier(valeur: object, _type: object) -> int:
    if isinstance(valeur, bool) or not isinstance(valeur, int):
        raise _Refus("un nombre entier est attendu")
    return valeur


def _booleen(valeur: object, _type: object) -> bool:
    if not isinstance(valeur, bool):
        raise _Refus("true ou false est attendu")
    return valeur


def _date(valeur: object, _type: object) -> dt.date:
    if not isinstance(valeur, str) or not _DATE.fullmatch(valeur):
        raise _Refus("une date AAAA-MM-JJ est attendue")
    try:
        return dt.date.fromisoformat(valeur)
    except ValueError:
        raise _Refus(f"« {valeur} » n'est pas une date du calendrier") from None


def _montant(valeur: object, _type: object) -> decimal.Decimal:
    if not isinstance(valeur, str) or not _DECIMAL.fullmatch(valeur):
        raise _Refus('un montant en chaîne de caractères est attendu (par exemple "1250.00")')
    return decimal.Decimal(valeur)


def _enumere(valeur: object, type_: type[enum.Enum]) -> enum.Enum:
    try:
        return type_(valeur)
    except ValueError:
        attendus = ", ".join(str(membre.value) for membre in type_)
        raise _Refus(f"valeur inconnue « {valeur} » (attendu : {attendus})") from None


def _est_bloc(type_: object) -> bool:
    return isinstance(type_, type) and attrs.has(type_)


def _structure_bloc(convertisseur: cattrs.Converter, type_: type[Any]) -> Callable[..., Any]:
    renommages: dict[str, Any] = {
        a.name: override(rename=_camel(a.name)) for a in attrs.fields(type_)
    }
    structurer = make_dict_structure_fn(
        type_, convertisseur, _cattrs_forbid_extra_keys=True, **renommages
    )

    def structure(valeur: object, _type: object) -> Any:  # noqa: ANN401 - any block
        if not isinstance(valeur, dict):
            raise _Refus("un objet JSON est attendu")
        return structurer(valeur, type_)

    return structure


def _unstructure_bloc(convertisseur: cattrs.Converter, type_: type[Any]) -> Callable[..., Any]:
    renommages: dict[str, Any] = {
        a.name: override(rename=_camel(a.name)) for a in attrs.fields(type_)
    }
    if type_ is _Employeur:  # added after the first records: absent when there is none
        renommages["referentiel"] = override(rename="referentiel", omit_if_default=True)
    return make_dict_unstructure_fn(type_, convertisseur, **renommages)


def _convertisseur() -> cattrs.Converter:
    convertisseur = cattrs.Converter()
    for type_, crochet in (
        (str, _texte),
        (int, _entier),
        (bool, _booleen),
        (dt.date, _date),
        (decimal.Decimal, _montant),
    ):
        convertisseur.register_structure_hook(type_, crochet)
    convertisseur.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _enumere
    )
    convertisseur.register_unstructure_hook(dt.date, dt.date.isoformat)
    convertisseur.register_unstructure_hook(decimal.Decimal, lambda d: f"{d:.2f}")
    convertisseur.register_structure_hook_factory(
        _est_bloc, functools.partial(_structure_bloc, convertisseur)
    )
    convertisseur.register_unstructure_hook_factory(
        _est_bloc, functools.partial(_unstructure_bloc, convertisseur)
    )
    return convertisseur


_CONVERTISSEUR: Final = _convertisseur()


def _message(erreur: BaseException, _type: object) -> str:
    if isinstance(erreur, KeyError):
        return "champ obligatoire absent"
    if isinstance(erreur, ForbiddenExtraKeysError):
        return f"champ(s) inconnu(s) : {', '.join(sorted(erreur.extra_fields))}"
    if isinstance(erreur, _Refus):
        return str(erreur)
    return f"valeur refusée ({erreur})"  # pragma: no cover - our hooks raise the above


def _chemin_json(chemin: str) -> str:
    """Cattrs names the attributes on the path: the wire names them in camelCase."""
    return ".".join(_camel(partie) for partie in chemin.split("."))


def _raisons(erreur: Exception, *, fil: bool = True) -> str:
    """The French reasons of a structuring failure, each with its JSON path.

    ``fil``: the path names the wire's fields (camelCase), else the domain's.
    """
    raisons = []
    for ligne in cattrs.transform_error(erreur, format_exception=_message):
        raison, _, chemin = ligne.rpartition(" @ ")
        raisons.append(f"{raison} ({_chemin_json(chemin) if fil else chemin})")
    return " ; ".join(raisons)


# --- Wire → domain ----------------------------------------------------------------------


def _optionnel(classe: Callable[[str], Any], valeur: str | None) -> Any:  # noqa: ANN401
    return None if valeur is None else classe(valeur)


def _organisme(bloc: _Referentiel) -> OrganismeFlux:
    contact = bloc.interlocuteur
    return OrganismeFlux(
        version=bloc.version,
        reference_opco=bloc.reference_opco,
        fiche=FicheOrganisme(
            raison_sociale=bloc.denomination,
            suite_raison_sociale=bloc.suite_denomination,
            adresse=Adresse(
                rue=bloc.adresse.voie,
                suite_rue=bloc.adresse.complement,
                code_postal=CodePostal(bloc.adresse.code_postal),
                ville=bloc.adresse.commune,
            ),
            telephone=_optionnel(Telephone, bloc.telephone),
            email=Email(bloc.courriel),
            intervient_fpc=bloc.intervient_fpc,
            est_cfa=bloc.est_cfa,
            numero_da=NumeroDA(bloc.numero_da),
            but_lucratif=bloc.but_lucratif,
            assujetti_tva=bloc.assujetti_tva,
            uai=_optionnel(Uai, bloc.uai_cfa),
            zone_intervention=bloc.zone_intervention,
            commentaire=bloc.commentaire,
        ),
        interlocuteur=Interlocuteur(
            civilite=_CIVILITES[contact.civilite],
            nom=contact.nom,
            prenom=contact.prenom,
            telephone=_optionnel(Telephone, contact.telephone),
            email=Email(contact.courriel),
            fonction=contact.fonction,
        ),
    )


def _dossier(e: _Enregistrement) -> DossierFlux:
    if e.version_format != VERSION_FORMAT:
        raise _Refus(f"format {e.version_format} inconnu : ce lecteur lit le format 1")
    f, c, b, cfa = e.formation, e.contrat, e.budget, e.organisme_formation_responsable
    return DossierFlux(
        numero_action=e.numero_interne,
        version=e.version,
        etat=None if e.etat is None else _ETATS[e.etat],
        formation=Formation(
            intitule=f.intitule,
            numero_deca=_optionnel(NumeroDeca, e.numero_deca),
            numero_sia=_optionnel(NumeroSia, e.numero_sia),
            date_depot=e.date_depot,
            diplome=f.intitule_qualification,
            code_diplome=f.code_diplome,
            niveau_diplome=f.niveau,
            code_rncp=_optionnel(CodeRncp, f.rncp),
            periode=Periode(f.date_debut_formation, f.date_fin_formation),
            siret_cfa=Siret(cfa.siret),
        ),
        contrat=Contrat(
            type_contrat=c.type_contrat,
            employeur=Employeur(e.employeur.denomination, Siret(e.employeur.siret)),
            periode=Periode(c.date_debut_contrat, c.date_fin_contrat),
            emploi=c.emploi_occupe,
            apprenti=Apprenti(
                nom=e.apprenti.nom,
                prenom=e.apprenti.prenom,
                nir=Nir(e.apprenti.nir),
                rqth=e.apprenti.handicap,
            ),
            date_signature=c.date_conclusion,
            date_rupture=c.date_effet_rupture,
        ),
        budget=Budget(
            frais_pedagogiques=Montant(b.pedagogie),
            hebergement=Montant(b.hebergement),
            mobilite=Montant(b.mobilite),
            transport=Montant(b.transport),
            frais_divers=Montant(b.frais_divers),
            majoration_handicap=Montant(b.majoration_rqth),
        ),
        organisme=None if cfa.referentiel is None else _organisme(cfa.referentiel),
        employeur=None if e.employeur.referentiel is None else _organisme(e.employeur.referentiel),
    )


def _cle(donnees: object, position: str) -> str:
    """``<numeroInterne>@<version>`` when the record names them, else its position."""
    if isinstance(donnees, dict):
        numero, version = donnees.get("numeroInterne"), donnees.get("version")
        if isinstance(numero, str) and isinstance(version, int) and not isinstance(version, bool):
            return f"{numero}@{version}"
    return position


def lire(donnees: object, texte: str, position: str) -> DossierFlux | EnregistrementIllisible:
    """Structure one record already parsed from JSON; ``texte`` is what was received.

    Returns the record, or an illegible record holding ``texte`` and the reasons.
    """
    try:
        enregistrement = _CONVERTISSEUR.structure(donnees, _Enregistrement)
        return _dossier(enregistrement)
    except _Refus as erreur:  # the record itself: not an object, or another format
        detail = f"{erreur} ({'$.format' if isinstance(donnees, dict) else '$'})"
    except (cattrs.BaseValidationError, ForbiddenExtraKeysError) as erreur:
        detail = _raisons(erreur)
    except ErreurDomaine as erreur:
        detail = erreur.message
    return EnregistrementIllisible(cle=_cle(donnees, position), brut=texte, detail=detail)


def lire_texte(texte: str, position: str) -> DossierFlux | EnregistrementIllisible:
    """Parse and structure one record from its JSON text (a line of a JSON Lines file)."""
    try:
        donnees = json.loads(texte)
    except json.JSONDecodeError as erreur:
        detail = f"JSON invalide : {erreur.msg} (ligne {erreur.lineno}, colonne {erreur.colno})"
        return EnregistrementIllisible(cle=position, brut=texte, detail=detail)
    except RecursionError:
        return EnregistrementIllisible(cle=position, brut=texte, detail="JSON trop imbriqué")
    return lire(donnees, texte, position)


# --- Domain → wire ----------------------------------------------------------------------


def _referentiel(organisme: OrganismeFlux | None) -> _Referentiel | None:
    if organisme is None:
        return None
    fiche, contact = organisme.fiche, organisme.interlocuteur
    return _Referentiel(
        version=organisme.version,
        reference_opco=organisme.reference_opco,
        denomination=fiche.raison_sociale,
        suite_denomination=fiche.suite_raison_sociale,
        adresse=_Adresse(
            voie=fiche.adresse.rue,
            complement=fiche.adresse.suite_rue,
            code_postal=fiche.adresse.code_postal.code,
            commune=fiche.adresse.ville,
        ),
        telephone=None if fiche.telephone is None else fiche.telephone.numero,
        courriel=fiche.email.adresse,
        numero_da=fiche.numero_da.numero,
        uai_cfa=None if fiche.uai is None else fiche.uai.numero,
        est_cfa=fiche.est_cfa,
        intervient_fpc=fiche.intervient_fpc,
        but_lucratif=fiche.but_lucratif,
        assujetti_tva=fiche.assujetti_tva,
        zone_intervention=fiche.zone_intervention,
        commentaire=fiche.commentaire,
        interlocuteur=_Interlocuteur(
            civilite=_CIVILITES_FLUX[contact.civilite],
            nom=contact.nom,
            prenom=contact.prenom,
            telephone=None if contact.telephone is None else contact.telephone.numero,
            courriel=contact.email.adresse,
            fonction=contact.fonction,
        ),
    )


def ecrire(dossier: DossierFlux) -> dict[str, Any]:
    """The record in format 1, as JSON-ready data (every field written, absent ones null)."""
    f, c, b = dossier.formation, dossier.contrat, dossier.budget
    enregistrement = _Enregistrement(
        version_format=VERSION_FORMAT,
        numero_interne=dossier.numero_action,
        version=dossier.version,
        etat=None if dossier.etat is None else _ETATS_FLUX[dossier.etat],
        date_depot=f.date_depot,
        numero_deca=None if f.numero_deca is None else f.numero_deca.numero,
        numero_sia=None if f.numero_sia is None else f.numero_sia.numero,
        formation=_Formation(
            intitule=f.intitule,
            intitule_qualification=f.diplome,
            code_diplome=f.code_diplome,
            niveau=f.niveau_diplome,
            rncp=None if f.code_rncp is None else f.code_rncp.code,
            date_debut_formation=f.periode.debut,
            date_fin_formation=f.periode.fin,
        ),
        organisme_formation_responsable=_OrganismeFormation(
            siret=f.siret_cfa.numero, referentiel=_referentiel(dossier.organisme)
        ),
        employeur=_Employeur(
            siret=c.employeur.siret.numero,
            denomination=c.employeur.raison_sociale,
            referentiel=_referentiel(dossier.employeur),
        ),
        apprenti=_Apprenti(
            nom=c.apprenti.nom,
            prenom=c.apprenti.prenom,
            nir=c.apprenti.nir.numero,
            handicap=c.apprenti.rqth,
        ),
        contrat=_Contrat(
            type_contrat=c.type_contrat,
            emploi_occupe=c.emploi,
            date_conclusion=c.date_signature,
            date_debut_contrat=c.periode.debut,
            date_fin_contrat=c.periode.fin,
            date_effet_rupture=c.date_rupture,
        ),
        budget=_Budget(
            pedagogie=b.frais_pedagogiques.valeur,
            hebergement=b.hebergement.valeur,
            mobilite=b.mobilite.valeur,
            transport=b.transport.valeur,
            frais_divers=b.frais_divers.valeur,
            majoration_rqth=b.majoration_handicap.valeur,
        ),
    )
    donnees: dict[str, Any] = _CONVERTISSEUR.unstructure(enregistrement)
    return donnees


def ecrire_ligne(dossier: DossierFlux) -> str:
    """The record as one line of a JSON Lines file (UTF-8 text, no newline)."""
    return json.dumps(ecrire(dossier), ensure_ascii=False, separators=(",", ":"))


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of format 1, as shipped in the package."""
    texte = importlib.resources.files(__package__).joinpath("format_v1.schema.json")
    donnees: dict[str, Any] = json.loads(texte.read_text(encoding="utf-8"))
    return donnees


# --- Replay: reading a quarantined record back ---------------------------------------------


def _copie_domaine() -> cattrs.Converter:
    """Structures the quarantine's readable copy (``attrs.asdict`` of the domain's classes)."""
    convertisseur = cattrs.Converter(forbid_extra_keys=True)
    for type_, crochet in ((str, _texte), (int, _entier), (bool, _booleen), (dt.date, _date)):
        convertisseur.register_structure_hook(type_, crochet)
    convertisseur.register_structure_hook(decimal.Decimal, _montant)
    convertisseur.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _enumere
    )
    return convertisseur


_COPIE_DOMAINE: Final = _copie_domaine()


def relire(brut: str, cle: str) -> DossierFlux | EnregistrementIllisible:
    """Read a quarantined record back: as received (format 1), or the journal's copy.

    The journal keeps the text of an illegible record as received, and a readable copy
    (the domain's field names) of a structured one that contradicted the files.
    """
    try:
        donnees = json.loads(brut)
    except (json.JSONDecodeError, RecursionError):
        return lire_texte(brut, cle)
    if isinstance(donnees, dict) and "numero_action" in donnees:
        try:
            return _COPIE_DOMAINE.structure(donnees, DossierFlux)
        except (cattrs.BaseValidationError, ErreurDomaine) as erreur:
            detail = (
                erreur.message if isinstance(erreur, ErreurDomaine) else _raisons(erreur, fil=False)
            )
            return EnregistrementIllisible(cle=cle, brut=brut, detail=detail)
    return lire(donnees, brut, cle)
