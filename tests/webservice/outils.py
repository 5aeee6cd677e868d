"""Records for the feed's tests, and the state a run leaves (to compare two runs)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import attrs

from cfa_adapters.webservice.format import ecrire
from cfa_domain.action import EtatDossier
from cfa_domain.ports import DossierFlux, OrganismeFlux
from cfa_domain.testing import exemples
from cfa_domain.values import Email, Montant

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cfa_domain.services.contexte import Contexte

NUMEROS = tuple(f"20113{rang:05d}" for rang in range(1, 13))


def dossier(numero: str, version: int = 1, etat: EtatDossier | None = None) -> DossierFlux:
    """A record of the guide's file under another number, with the OPCO's data on its CFA."""
    return DossierFlux(
        numero_action=numero,
        version=version,
        formation=exemples.formation(),
        contrat=exemples.contrat(),
        budget=exemples.budget(frais_pedagogiques=Montant(20000 + version)),
        etat=etat,
        organisme=OrganismeFlux(
            version=1,
            fiche=exemples.fiche(),
            interlocuteur=exemples.interlocuteur(email=Email("direction@cfa-sante.fr")),
            reference_opco="OF-000074",
        ),
    )


def flux_de_test() -> list[object]:
    """Twelve files, some moved on by later versions, and one malformed record among them."""
    enregistrements: list[object] = [ecrire(dossier(n)) for n in NUMEROS]
    malforme = ecrire(dossier("2011399999"))
    malforme["budget"]["pedagogie"] = 1234.5  # a float: refused
    enregistrements.insert(5, malforme)
    enregistrements.extend(
        ecrire(dossier(numero, 2, EtatDossier.EN_INSTRUCTION)) for numero in NUMEROS[:4]
    )
    return enregistrements


def lignes(enregistrements: Sequence[object]) -> str:
    """The records as a JSON Lines text."""
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in enregistrements)


def etat(ctx: Contexte, numeros: Sequence[str] = (*NUMEROS, "2011399999")) -> object:
    """What a run leaves: each file's version, state and budget; the CFA; the quarantine."""
    with ctx.uow(lecture_seule=True) as uow:
        dossiers = []
        for numero in numeros:
            action = uow.actions.obtenir(numero)
            dossiers.append(
                None
                if action is None
                else (numero, action.version, action.etat, action.budget, len(action.historique))
            )
        cfa = uow.organismes.obtenir(exemples.SIRET_CFA)
        organisme = None if cfa is None else (cfa.statut, sorted(cfa.emails_connus))
        quarantaine = sorted((r.cle, r.motif, r.detail) for r in uow.quarantaine.lister())
    return dossiers, organisme, quarantaine


def sans_champ(donnees: dict[str, object], chemin: str) -> dict[str, object]:
    """A copy of a record without the field at ``chemin`` (dotted)."""
    copie: dict[str, object] = json.loads(json.dumps(donnees))
    *blocs, champ = chemin.split(".")
    cible = copie
    for bloc in blocs:
        sous = cible[bloc]
        assert isinstance(sous, dict)
        cible = sous
    del cible[champ]
    return copie


__all__ = ["NUMEROS", "attrs", "dossier", "etat", "flux_de_test", "lignes", "sans_champ"]
