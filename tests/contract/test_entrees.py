"""Hostile input on every backend: numbers too large for a column, texts no column stores.

- **Integers**: a page number, a page size or a count beyond what an ``INTEGER`` column
  (or an ``OFFSET``) holds is a French :class:`DonneeInvalide` on its field, never an
  ``OverflowError`` (SQLite) or a ``DataError`` (PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from cfa_domain.errors import DonneeInvalide
from cfa_domain.ports import CriteresRecherche
from cfa_domain.remboursement import MontantsDemandes, QuantitesFraisAnnexes
from cfa_domain.services import actions, demandes
from cfa_domain.services.demandes import CommandeDemande
from cfa_domain.values import ENTIER_MAX, Montant, Periode, Piece

from .constructeurs import QUAND, compte_actif, organisme, pdf
from .constructeurs import action as dossier

if TYPE_CHECKING:
    import uuid

    from .conftest import Deploiement

NUMERO = "2011303654"
TROP_GRANDS = (ENTIER_MAX + 1, 2**63, 10**5000)


def peupler(deploiement: Deploiement) -> uuid.UUID:
    """An active account of an organisme with one file in progress."""
    deploiement.horloge.instant = QUAND
    titulaire = compte_actif()
    with deploiement.banc.uow() as uow:
        uow.organismes.ajouter(organisme())
        uow.comptes.ajouter(titulaire)
        uow.actions.ajouter(dossier(NUMERO))
        uow.commit()
    return titulaire.id


def test_un_numero_de_page_trop_grand_est_une_donnee_invalide(deploiement: Deploiement) -> None:
    """Search and request list refuse a page beyond ENTIER_MAX on their ``page`` field."""
    ctx, compte_id = deploiement.contexte, peupler(deploiement)
    for page in (0, *TROP_GRANDS):
        with pytest.raises(DonneeInvalide) as erreur:
            actions.rechercher_actions(ctx, compte_id, CriteresRecherche(), page=page)
        assert erreur.value.champ == "page"
        with pytest.raises(DonneeInvalide) as erreur:
            demandes.lister_demandes(ctx, compte_id, page=page)
        assert erreur.value.champ == "page"
    for taille in (0, 101, *TROP_GRANDS):
        with pytest.raises(DonneeInvalide) as erreur:
            demandes.lister_demandes(ctx, compte_id, taille=taille)
        assert erreur.value.champ == "taille"
    derniere = actions.rechercher_actions(ctx, compte_id, CriteresRecherche(), page=ENTIER_MAX)
    assert (derniere.total, derniere.elements) == (1, ())


def test_un_nombre_de_repas_trop_grand_est_une_donnee_invalide(deploiement: Deploiement) -> None:
    """Meals and nights beyond what the column holds are refused; nothing is stored."""
    ctx, compte_id = deploiement.contexte, peupler(deploiement)
    for champ in ("nombre_repas", "nombre_nuitees"):
        for nombre in TROP_GRANDS:
            with pytest.raises(DonneeInvalide) as erreur:
                demandes.soumettre_demande(
                    ctx,
                    compte_id,
                    CommandeDemande(
                        numero_action=NUMERO,
                        periode=Periode(dt.date(2024, 9, 2), dt.date(2024, 9, 30)),
                        montants=MontantsDemandes(repas_nuitees=Montant(30)),
                        quantites=(
                            QuantitesFraisAnnexes(nombre_repas=nombre)
                            if champ == "nombre_repas"
                            else QuantitesFraisAnnexes(nombre_nuitees=nombre)
                        ),
                        fichiers=((Piece.FACTURE, "facture.pdf", pdf("facture")),),
                        conditions_acceptees=True,
                    ),
                )
            assert erreur.value.champ == champ
            assert "2\u202f147\u202f483\u202f647" in erreur.value.message
    with deploiement.banc.uow() as uow:
        assert list(uow.demandes.pour_action(NUMERO)) == []
