"""The home page, the contact page, the glossary of file states and the legal notice."""

from __future__ import annotations

from typing import Any, Final

from litestar import Request, get
from litestar.response import Template

from cfa_domain.action import EtatDossier
from cfa_domain.services import organismes
from cfa_web.auth import VERIFIEE, exiger_cfa, par_session
from cfa_web.portail._commun import contexte

__all__ = ["DESCRIPTIONS_ETATS", "ROUTES"]

DESCRIPTIONS_ETATS: Final = {
    EtatDossier.RECU: (
        "Le dossier de demande de prise en charge (DPC) a été saisi par l'adhérent via le "
        "Webservice. Il doit contenir le CERFA complet, signé par toutes les parties, et la "
        "convention de formation signée."
    ),
    EtatDossier.EN_INSTRUCTION: (
        "Le dossier est pris en main par un conseiller : il est à l'étude au sein de nos "
        "délégations."
    ),
    EtatDossier.EN_ATTENTE: (
        "Le dossier est incomplet. La plupart de ces dossiers ont fait l'objet d'une relance "
        "auprès de l'adhérent ou du CFA."
    ),
    EtatDossier.EN_COURS: (
        "Le dossier est complet et a fait l'objet d'un accord de prise en charge financière : "
        "le CFA peut demander ses remboursements."
    ),
    EtatDossier.REFUSE: (
        "La prise en charge du dossier a été refusée par l'OPCO (ou le dossier est resté sans "
        "réponse au-delà du délai prévu)."
    ),
    EtatDossier.ROMPU: (
        "Le contrat a été rompu avant son terme : le CFA peut encore demander le "
        "remboursement des périodes réalisées."
    ),
    EtatDossier.SOLDE: "Le dossier est soldé : tous les paiements ont été effectués.",
    EtatDossier.ANNULE: "Le dossier a été annulé par l'adhérent.",
    EtatDossier.SUPPRIME: (
        "Le dossier a été supprimé par nos conseillers à la demande de l'adhérent."
    ),
}
"""The glossary of the guide ("État des dossiers"), completed for the states it omits."""


@get("/", name="accueil", guards=[exiger_cfa], sync_to_thread=True, opt=VERIFIEE)
def accueil(request: Request[Any, Any, Any]) -> Template:
    """Home: the organisme's name and identifier, the menu, useful links."""
    organisme = par_session(
        request, lambda session: organismes.consulter_organisme(contexte(request), session)
    )
    return Template(template_name="pages/accueil.html", context={"organisme": organisme})


@get("/contact", name="contact", sync_to_thread=False)
def contact() -> Template:
    """Contacting the customer relations centre ("always quote the action number")."""
    return Template(template_name="pages/contact.html")


@get("/glossaire", name="glossaire", sync_to_thread=False)
def glossaire() -> Template:
    """The file states and what each one means."""
    return Template(
        template_name="pages/glossaire.html",
        context={"etats": [(etat, DESCRIPTIONS_ETATS[etat]) for etat in EtatDossier]},
    )


@get("/mentions-legales", name="mentions_legales", sync_to_thread=False)
def mentions_legales() -> Template:
    """The legal notice: who runs the platform, the personal data it holds."""
    return Template(template_name="pages/mentions_legales.html")


ROUTES = [accueil, contact, glossaire, mentions_legales]
