"""Ready-made, valid aggregates for example tests: change only what the test is about.

Every builder takes keyword overrides and returns a fully valid object, with figures
taken from the guide where it gives any (the 26 247 € file ``2011303654``)::

    dossier = exemples.action(numero_action="2011300001", etat=EtatDossier.EN_COURS)
    cfa = exemples.organisme(siret=Siret("73282932000074"))

For random but valid aggregates, use :mod:`cfa_domain.testing.strategies`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import attrs
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

from cfa_domain.action import (
    Action,
    Apprenti,
    Budget,
    Contrat,
    Employeur,
    EtatDossier,
    Formation,
)
from cfa_domain.compte import Compte, StatutCompte, TypeJeton
from cfa_domain.organisme import (
    Adresse,
    Civilite,
    FicheOrganisme,
    Interlocuteur,
    Organisme,
    Telephone,
)
from cfa_domain.testing.fakes import HacheurMemoire
from cfa_domain.values import (
    CodePostal,
    CodeRncp,
    Email,
    Montant,
    Nir,
    NumeroDA,
    NumeroDeca,
    Periode,
    Siret,
    Uai,
)

__all__ = [
    "INSTANT",
    "MOT_DE_PASSE",
    "SIRET_CFA",
    "SIRET_CFA_2",
    "SIRET_EMPLOYEUR",
    "action",
    "apprenti",
    "budget",
    "compte",
    "compte_actif",
    "contrat",
    "fiche",
    "formation",
    "interlocuteur",
    "nir",
    "organisme",
    "siret",
]

INSTANT = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)
"""The default instant of the examples (the fakes' clock starts there too)."""

SIRET_CFA = Siret("73282932000074")
SIRET_CFA_2 = Siret("55208131700018")
SIRET_EMPLOYEUR = Siret("42110064500967")
_SIREN_LA_POSTE = "356000000"
MOT_DE_PASSE = "Cheval-Correct-Agrafe-9"
"""The password of the example accounts (it passes the default policy)."""


def siret(base_siren: int, nic: int = 1) -> Siret:
    """The valid SIRET of an 8-digit SIREN body and a NIC body below 10 000.

    Both check digits are computed (python-stdnum's Luhn): a series of distinct, valid
    SIRETs for generated data, ``siret(10_000_000 + rang)``. La Poste's SIREN follows
    another rule and is refused.
    """
    if not (0 <= base_siren < 10**8 and 0 <= nic < 10**4):
        msg = f"SIREN body of 8 digits and NIC of 4 expected, not {base_siren} and {nic}"
        raise ValueError(msg)
    siren = f"{base_siren:08d}"
    siren += luhn.calc_check_digit(siren)
    if siren == _SIREN_LA_POSTE:
        msg = "La Poste's SIRETs follow their own rule: use one of its real numbers"
        raise ValueError(msg)
    corps = f"{siren}{nic:04d}"
    return Siret(corps + luhn.calc_check_digit(corps))


def nir(corps: str) -> Nir:
    """The NIR of a 13-character body (sex, year, month, département, commune, order).

    The key is computed by python-stdnum (2A and 2B read as 19 and 18).
    """
    return Nir(corps + stdnum_nir.calc_check_digits(corps))


def fiche(**changes: Any) -> FicheOrganisme:  # noqa: ANN401 - keyword overrides of any field
    """A CFA's valid information sheet."""
    champs: dict[str, Any] = {
        "raison_sociale": "CFA des Métiers de la Santé",
        "adresse": Adresse(rue="12 rue des Lilas", code_postal=CodePostal("75011"), ville="Paris"),
        "telephone": Telephone("01 49 68 10 10"),
        "email": Email("contact@cfa-sante.fr"),
        "intervient_fpc": True,
        "est_cfa": True,
        "numero_da": NumeroDA("11751234575"),
        "but_lucratif": False,
        "assujetti_tva": False,
        "uai": Uai("0751234J"),
        "zone_intervention": "Île-de-France",
    }
    return FicheOrganisme(**(champs | changes))


def interlocuteur(**changes: Any) -> Interlocuteur:  # noqa: ANN401
    """A valid main contact person."""
    champs: dict[str, Any] = {
        "civilite": Civilite.MME,
        "nom": "Durand",
        "prenom": "Claire",
        "telephone": Telephone("06 12 34 56 78"),
        "email": Email("c.durand@cfa-sante.fr"),
        "fonction": "Directrice",
    }
    return Interlocuteur(**(champs | changes))


def organisme(
    siret: Siret = SIRET_CFA,
    *,
    emails_connus: tuple[Email, ...] = (),
    **changes: Any,  # noqa: ANN401
) -> Organisme:
    """An organisme known to the OPCO (active); its sheet's addresses are on file."""
    champs: dict[str, Any] = {
        "siret": siret,
        "fiche": fiche(),
        "interlocuteur": interlocuteur(),
        "quand": INSTANT,
        "auteur": "exemples",
        "reference_opco": f"OF-{siret.numero[-6:]}",
        "emails_connus": emails_connus,
    }
    return Organisme.connu(**(champs | changes))


def formation(**changes: Any) -> Formation:  # noqa: ANN401
    """A valid training block (BTS, level 5) at :data:`SIRET_CFA`."""
    champs: dict[str, Any] = {
        "intitule": "BTS Diététique",
        "numero_deca": NumeroDeca("075202309000123"),
        "date_depot": dt.date(2023, 8, 20),
        "diplome": "Brevet de technicien supérieur diététique",
        "code_diplome": "32033104",
        "niveau_diplome": 5,
        "code_rncp": CodeRncp("RNCP35612"),
        "periode": Periode(dt.date(2023, 9, 4), dt.date(2025, 6, 30)),
        "siret_cfa": SIRET_CFA,
    }
    return Formation(**(champs | changes))


def apprenti(**changes: Any) -> Apprenti:  # noqa: ANN401
    """A valid apprentice, without RQTH (``rqth=True`` for one recognised as disabled)."""
    champs: dict[str, Any] = {"nom": "Martin", "prenom": "Éloïse", "nir": Nir("295109912611193")}
    return Apprenti(**(champs | changes))


def contrat(**changes: Any) -> Contrat:  # noqa: ANN401
    """A two-year contract from 1 September 2023, signed 15 August 2023 (2021 regime)."""
    champs: dict[str, Any] = {
        "type_contrat": "Contrat d'apprentissage initial",
        "employeur": Employeur("Clinique des Lilas", SIRET_EMPLOYEUR),
        "periode": Periode(dt.date(2023, 9, 1), dt.date(2025, 8, 31)),
        "emploi": "Diététicien",
        "apprenti": apprenti(),
        "date_signature": dt.date(2023, 8, 15),
    }
    return Contrat(**(champs | changes))


def budget(**changes: Any) -> Budget:  # noqa: ANN401
    """The guide's example budget: 26 247 € of pedagogical costs, and some annex costs.

    No RQTH uplift (``majoration_handicap=Montant(8000)`` engages one; the file's
    apprentice must then have ``rqth=True``).
    """
    champs: dict[str, Any] = {
        "frais_pedagogiques": Montant("26247"),
        "hebergement": Montant("300"),
        "mobilite": Montant("500"),
        "transport": Montant("0"),
        "frais_divers": Montant("450"),
    }
    return Budget(**(champs | changes))


def action(
    numero_action: str = "2011303654",
    *,
    etat: EtatDossier = EtatDossier.EN_COURS,
    siret_cfa: Siret | None = None,
    **changes: Any,  # noqa: ANN401
) -> Action:
    """A file received from the feed and moved to ``etat`` (default *en cours*).

    ``siret_cfa`` sets the CFA beneficiary; other keywords replace ``formation``,
    ``contrat``, ``budget`` or ``version``.
    """
    champs: dict[str, Any] = {
        "numero_action": numero_action,
        "version": 1,
        "formation": formation(),
        "contrat": contrat(),
        "budget": budget(),
        "quand": INSTANT,
    }
    champs |= changes
    if siret_cfa is not None:
        champs["formation"] = attrs.evolve(champs["formation"], siret_cfa=siret_cfa)
    dossier = Action.recue(**champs)
    chemin = {
        EtatDossier.RECU: [],
        EtatDossier.EN_INSTRUCTION: [EtatDossier.EN_INSTRUCTION],
        EtatDossier.EN_ATTENTE: [EtatDossier.EN_INSTRUCTION, EtatDossier.EN_ATTENTE],
        EtatDossier.EN_COURS: [EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS],
        EtatDossier.REFUSE: [EtatDossier.REFUSE],
        EtatDossier.ANNULE: [EtatDossier.ANNULE],
        EtatDossier.SUPPRIME: [EtatDossier.SUPPRIME],
        EtatDossier.SOLDE: [EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS, EtatDossier.SOLDE],
    }
    if etat is EtatDossier.ROMPU:
        for etape in (EtatDossier.EN_INSTRUCTION, EtatDossier.EN_COURS):
            dossier.changer_etat(etape, auteur="exemples", quand=INSTANT, motif="exemple")
        fin = dossier.contrat.periode
        rupture = fin.debut + (fin.fin - fin.debut) // 2
        dossier.rompre(rupture, auteur="exemples", quand=INSTANT, motif="exemple")
        return dossier
    for etape in chemin[etat]:
        dossier.changer_etat(etape, auteur="exemples", quand=INSTANT, motif="exemple")
    return dossier


def compte(
    email: Email | str = "c.durand@cfa-sante.fr",
    *,
    chez: Organisme | None = None,
    quand: dt.datetime = INSTANT,
    **changes: Any,  # noqa: ANN401 - keyword overrides of Compte.ouvrir
) -> Compte:
    """A CFA account just opened on ``chez`` (default: :func:`organisme`'s contact person).

    An address on the organisme's file awaits activation, any other an agent's approval.
    Other keywords go to :meth:`~cfa_domain.compte.Compte.ouvrir` (``id``, ``hasher`` ...).
    """
    champs: dict[str, Any] = {
        "id": uuid.uuid4(),
        "email": email if isinstance(email, Email) else Email(email),
        "organisme": chez if chez is not None else organisme(),
        "mot_de_passe": MOT_DE_PASSE,
        "quand": quand,
        "hasher": HacheurMemoire(),
    }
    return Compte.ouvrir(**(champs | changes))


def compte_actif(
    email: Email | str = "c.durand@cfa-sante.fr",
    *,
    chez: Organisme | None = None,
    quand: dt.datetime = INSTANT,
    **changes: Any,  # noqa: ANN401
) -> Compte:
    """A CFA account as :func:`compte` opens it, approved if needed, then activated."""
    ouvert = compte(email, chez=chez, quand=quand, **changes)
    if ouvert.statut is StatutCompte.EN_ATTENTE_APPROBATION:
        ouvert.approuver("exemples", quand)
    secret = "exemple-" * 5
    ouvert.emettre_jeton(TypeJeton.ACTIVATION, secret, quand)
    ouvert.activer(secret, quand)
    return ouvert
