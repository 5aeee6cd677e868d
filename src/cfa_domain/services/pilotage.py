"""The back office's dashboard: where the OPCO's work stands.

Counts of files and requests by state, what the requests weighed this month (in the
OPCO's time zone), the request waiting longest for the OPCO, and how many feed records
await in quarantine. Every figure is an aggregate the repositories compute (SQL
``GROUP BY`` and sums on the database; Python on the fakes): the dashboard costs a fixed
handful of queries whatever the volume.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

import attrs

from cfa_domain.action import EtatDossier
from cfa_domain.ports import MontantsPeriode
from cfa_domain.remboursement import DemandeRemboursement, EtatDemande
from cfa_domain.services.contexte import agent_actif
from cfa_domain.services.demandes import ETATS_A_TRAITER
from cfa_domain.services.entrees import cas_d_usage

if TYPE_CHECKING:
    from cfa_domain.services.contexte import Acteur, Contexte

__all__ = ["TableauDeBord", "tableau_de_bord"]


@attrs.frozen
class TableauDeBord:
    """The dashboard's figures.

    ``dossiers`` and ``demandes``: every state in the order of its enum, with its count
    (0 included); ``mois``: the first day of the current month, whose amounts
    ``montants`` gives; ``plus_ancienne``: the request submitted longest ago among those
    waiting for the OPCO (None when none waits); ``quarantaine``: the feed records not
    settled yet.
    """

    dossiers: tuple[tuple[EtatDossier, int], ...]
    demandes: tuple[tuple[EtatDemande, int], ...]
    mois: dt.date
    montants: MontantsPeriode
    plus_ancienne: DemandeRemboursement | None
    quarantaine: int


def _mois(ctx: Contexte) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """The current month's first day, and its start and end instants in the OPCO's zone."""
    zone = zoneinfo.ZoneInfo(ctx.parametres.fuseau_horaire)
    premier = ctx.aujourd_hui().replace(day=1)
    suivant = (premier + dt.timedelta(days=32)).replace(day=1)
    return (
        premier,
        dt.datetime.combine(premier, dt.time(), zone),
        dt.datetime.combine(suivant, dt.time(), zone),
    )


@cas_d_usage
def tableau_de_bord(ctx: Contexte, agent_id: Acteur) -> TableauDeBord:
    """Back office: the dashboard's figures, read in one read-only unit of work."""
    premier, debut, fin = _mois(ctx)
    with ctx.uow(lecture_seule=True) as uow:
        agent_actif(uow, agent_id)
        dossiers = uow.actions.compter_par_etat()
        demandes = uow.demandes.compter_par_etat()
        attente = uow.demandes.par_etats(frozenset(ETATS_A_TRAITER), page=1, taille=1)
        tableau = TableauDeBord(
            dossiers=tuple((etat, dossiers.get(etat, 0)) for etat in EtatDossier),
            demandes=tuple((etat, demandes.get(etat, 0)) for etat in EtatDemande),
            mois=premier,
            montants=uow.demandes.montants_entre(debut, fin),
            plus_ancienne=attente.elements[0] if attente.elements else None,
            quarantaine=uow.quarantaine.nombre_en_attente(),
        )
        uow.commit()
    return tableau
