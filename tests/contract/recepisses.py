"""A receipt with every field set to a value no other field shares, for the renderers' tests."""

from __future__ import annotations

import datetime as dt
import uuid

from cfa_domain.remboursement import MontantsDemandes, Recepisse
from cfa_domain.values import Montant, Nir, Periode, Piece

__all__ = ["CHAMPS_ATTENDUS", "recepisse"]


def recepisse(**changes: object) -> Recepisse:
    """The guide's receipt of 21/08/2020: invoice provided, certificate not provided."""
    champs: dict[str, object] = {
        "date": dt.date(2020, 8, 21),
        "organisme": "CFA des Métiers de la Santé — Île-de-France",
        "reference_of": "OF-004512",
        "demandeur": "compta@cfa-sante.fr",
        "reference_opco": "2011303654-02",
        "dispositif": Recepisse.DISPOSITIF,
        "intitule_formation": "BTS Diététique",
        "numero_action": "2011303654",
        "periode_formation": Periode(dt.date(2020, 9, 4), dt.date(2022, 6, 30)),
        "apprenti_nom": "Lefèvre",
        "apprenti_prenom": "Éloïse",
        "apprenti_nir": Nir("295109912611193"),
        "apprenti_rqth": False,
        "financement_accorde": Montant("26247"),
        "deja_rembourse": Montant("4100.25"),
        "montant_demande": Montant("13123.50"),
        "montants": MontantsDemandes(
            Montant("12623.50"), Montant("0"), Montant("500"), Montant("0")
        ),
        "periode": Periode(dt.date(2020, 9, 1), dt.date(2021, 2, 28)),
        "pieces_fournies": (Piece.FACTURE,),
        "pieces_non_fournies": (Piece.CERTIFICAT_REALISATION,),
        "demande_id": uuid.UUID("6f1c2a4e-0d3b-4c55-9a7e-2b8d1f0e9c31"),
    }
    return Recepisse(**(champs | changes))  # type: ignore[arg-type]


CHAMPS_ATTENDUS = {
    "date": "21/08/2020",
    "organisme": "CFA des Métiers de la Santé — Île-de-France",
    "reference_of": "OF-004512",
    "demandeur": "compta@cfa-sante.fr",
    "reference_opco": "2011303654-02",
    "dispositif": "Contrat d'Apprentissage",
    "intitule_formation": "BTS Diététique",
    "numero_action": "2011303654",
    "periode_formation": "04/09/2020 au 30/06/2022",
    "apprenti_nom": "Lefèvre",
    "apprenti_prenom": "Éloïse",
    "apprenti_nir": "2 95 10 99 126 111 93",
    "financement_accorde": "26 247,00 €",
    "deja_rembourse": "4 100,25 €",
    "montant_demande": "13 123,50 €",
    "montants": "12 623,50 €",
    "periode": "01/09/2020 au 28/02/2021",
    "pieces_fournies": "Facture",
    "pieces_non_fournies": "Certificat de réalisation",
    "demande_id": "6f1c2a4e-0d3b-4c55-9a7e-2b8d1f0e9c31",
}
"""How each field of :func:`recepisse` reads on any rendering, written out by hand.

Spaces are compared after ``espaces`` of ``tests/contract/test_recepisse.py`` (French
figures use narrow and no-break spaces).
"""
