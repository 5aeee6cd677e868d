"""Ready-made, valid aggregates for example tests: change only what the test is about.

Every builder takes keyword overrides and returns a fully valid object, with figures
taken from the guide where it gives any (the 26 247 € file ``2011303654``)::

    dossier = exemples.action(numero_action="2011300001", etat=EtatDossier.EN_COURS)
    cfa = exemples.organisme(siret=Siret("73282932000074"))

For random but valid aggregates, use :mod:`cfa_domain.testing.strategies`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from cfa_domain.action import (
    Action,
    Apprenti,
    Budget,
    Contrat,
    Employeur,
    EtatDossier,
    Formation,
)
from cfa_domain.organisme import (
    Adresse,
    Civilite,
    FicheOrganisme,
    Interlocuteur,
    Organisme,
    Telephone,
)
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
    "SIRET_CFA",
    "SIRET_CFA_2",
    "SIRET_EMPLOYEUR",
    "action",
    "apprenti",
    "budget",
    "contrat",
    "fiche",
    "formation",
    "interlocuteur",
    "organisme",
]

INSTANT = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)
"""The default instant of the examples (the fakes' clock starts there too)."""

SIRET_CFA = Siret("73282932000074")
SIRET_CFA_2 = Siret("55208131700018")
SIRET_EMPLOYEUR = Siret("42110064500967")


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
    """A valid apprentice."""
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
    """The guide's example budget: 26 247 € of pedagogical costs, and some annex costs."""
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
