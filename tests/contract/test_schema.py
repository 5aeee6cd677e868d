"""The migrations produce exactly the schema the tables declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from cfa_adapters.sql import tables
from cfa_adapters.sql.moteur import creer_moteur
from cfa_adapters.sql.schema import (
    configuration_alembic,
    mettre_a_jour_schema,
    ouvrir_base,
    revision_cible,
)
from cfa_adapters.sql.tables import metadata
from cfa_adapters.sql.traduction import (
    action_vers_lignes,
    demande_vers_lignes,
    organisme_vers_lignes,
)
from cfa_adapters.sql.uow import fabrique_uow
from cfa_domain.action import EtatDossier
from cfa_domain.ports import ColonneTri, CriteresRecherche, Tri
from cfa_domain.testing import exemples
from cfa_domain.testing.exemples import soumettre
from cfa_domain.values import Montant

from .constructeurs import SIRET_A, SIRET_C, instant
from .constructeurs import action as dossier

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from cfa_domain.remboursement import DemandeRemboursement

    from .conftest import SchemaPostgresql


def _differences(moteur: sa.Engine) -> list[object]:
    with moteur.connect() as connexion:
        contexte = MigrationContext.configure(connexion, opts={"compare_type": True})
        return list(compare_metadata(contexte, metadata))


def test_sqlite_migre_egale_les_tables(tmp_path: Path) -> None:
    """On SQLite, Alembic finds no difference between the migrated base and the tables."""
    moteur = creer_moteur(f"sqlite:///{tmp_path / 'cfa.sqlite3'}")
    try:
        premiere = mettre_a_jour_schema(moteur)
        assert (premiere.avant, premiere.apres) == (None, revision_cible())
        assert not mettre_a_jour_schema(moteur).a_change
        assert _differences(moteur) == []
    finally:
        moteur.dispose()


def test_postgresql_migre_egale_les_tables(schema_postgresql: SchemaPostgresql) -> None:
    """On PostgreSQL, Alembic finds no difference between the migrated base and the tables."""
    moteur = creer_moteur(schema_postgresql.url, **schema_postgresql.options)
    try:
        assert not mettre_a_jour_schema(moteur).a_change
        assert _differences(moteur) == []
    finally:
        moteur.dispose()


def test_ouvrir_base_sqlite_se_met_a_jour(tmp_path: Path) -> None:
    """Opening the embedded SQLite base brings it to the latest revision by itself."""
    moteur = ouvrir_base(f"sqlite:///{tmp_path / 'var' / 'cfa.sqlite3'}")
    try:
        with moteur.connect() as connexion:
            revision = MigrationContext.configure(connexion).get_current_revision()
        assert revision == revision_cible()
    finally:
        moteur.dispose()


def test_0002_calcule_la_cle_de_tri_des_dossiers_deja_enregistres(base_vide: sa.Engine) -> None:
    """Files stored before revision 0002 get their sort key: the search reads 999 < 1000."""
    with base_vide.begin() as connexion:
        command.upgrade(configuration_alembic(connexion), "0001")
        table_0001 = sa.Table("actions", sa.MetaData(), autoload_with=connexion)
        for numero in ("999", "1000", "0999"):
            ligne = action_vers_lignes(dossier(numero)).principale
            connexion.execute(
                sa.insert(table_0001).values({c.name: ligne[c.name] for c in table_0001.c})
            )
    assert mettre_a_jour_schema(base_vide).avant == "0001"
    a = tables.actions
    with base_vide.connect() as connexion:
        lignes = connexion.execute(
            sa.select(a.c.numero_action, a.c.numero_tri).order_by(
                a.c.numero_tri.desc(), a.c.numero_action.desc()
            )
        ).all()
    assert [tuple(ligne) for ligne in lignes] == [
        ("1000", "00000000000000001000"),
        ("999", "00000000000000000999"),
        ("0999", "00000000000000000999"),
    ]


def _inserer(connexion: sa.Connection, nom: str, ligne: Mapping[str, object]) -> None:
    """Insert the columns of ``ligne`` the table ``nom`` has at the base's revision."""
    colonnes = [c["name"] for c in sa.inspect(connexion).get_columns(nom)]
    table = tables.metadata.tables[nom]  # its types (UUID, amounts) bind the values
    connexion.execute(sa.insert(table).values({c: ligne[c] for c in colonnes}))


def test_0012_calcule_les_cles_de_tri_des_dossiers_deja_enregistres(base_vide: sa.Engine) -> None:
    """Files stored before revision 0012 get their sort keys, and keep them right after.

    The CFA's name (or its SIRET without a sheet), the state's rank, the DECA or SIA
    number, the budget and annex costs (0.10 + 0.20 of binary floats on SQLite) and the
    total of the paid requests only; then the triggers follow a payment and a renaming,
    and going back to 0011 and up again gives the same keys.
    """
    cfa = exemples.organisme(SIRET_A, fiche=exemples.fiche(raison_sociale="CFA Zénith"))
    paye = dossier("1000", SIRET_A, deca="075202409000123", etat=EtatDossier.EN_COURS)
    paye.budget = attrs.evolve(
        paye.budget,
        hebergement=Montant("0.10"),
        mobilite=Montant("0.20"),
        transport=Montant(0),
        frais_divers=Montant(0),
    )
    autre = dossier("999", SIRET_C, sia="974202101NC0042", etat=EtatDossier.RECU)
    demandes: list[DemandeRemboursement] = []
    for pedagogie, payer in (("100.10", True), ("0.20", True), ("7", False)):
        demande = soumettre(paye, demandes, pedagogie)
        if payer:
            demande.prendre_en_traitement(auteur="agent", quand=instant(1))
            demande.valider(auteur="agent", quand=instant(2))
            demande.payer(auteur="agent", quand=instant(3))
        demandes.append(demande)
    with base_vide.begin() as connexion:
        command.upgrade(configuration_alembic(connexion), "0011")
        _inserer(connexion, "organismes", organisme_vers_lignes(cfa).principale)
        for action in (paye, autre):
            _inserer(connexion, "actions", action_vers_lignes(action).principale)
        for demande in demandes:
            _inserer(connexion, "demandes", demande_vers_lignes(demande).principale)
    assert mettre_a_jour_schema(base_vide).avant == "0011"
    rang_recu = 4  # annulé, en attente, en cours, en instruction, reçu ...
    attendues = {
        "1000": (2, "CFA Zénith", "075202409000123", Decimal("12000.30"), Decimal("0.30")),
        "999": (rang_recu, SIRET_C.numero, "974202101NC0042", Decimal(14500), Decimal(2500)),
    }
    totaux = {"1000": Decimal("100.30"), "999": Decimal(0)}
    assert _cles(base_vide) == {n: (*c, totaux[n]) for n, c in attendues.items()}

    # The triggers: a request paid, the CFA renamed, a sheet created for SIRET_C.
    with fabrique_uow(base_vide)() as uow:
        reste = next(d for d in uow.demandes.pour_action("1000") if d.total == Montant(7))
        reste.prendre_en_traitement(auteur="agent", quand=instant(4))
        reste.valider(auteur="agent", quand=instant(5))
        reste.payer(auteur="agent", quand=instant(6))
        renomme = uow.organismes.obtenir(SIRET_A)
        assert renomme is not None
        renomme.mettre_a_jour_fiche(
            attrs.evolve(renomme.fiche, raison_sociale="Zéphyr"),
            renomme.interlocuteur,
            auteur="agent",
            quand=instant(7),
        )
        uow.organismes.ajouter(
            exemples.organisme(SIRET_C, fiche=exemples.fiche(raison_sociale="Atelier"))
        )
        uow.commit()
    totaux["1000"] = Decimal("107.30")
    attendues["1000"] = (2, "Zéphyr", *attendues["1000"][2:])
    attendues["999"] = (rang_recu, "Atelier", *attendues["999"][2:])
    assert _cles(base_vide) == {n: (*c, totaux[n]) for n, c in attendues.items()}
    with fabrique_uow(base_vide)() as uow:
        page = uow.actions.rechercher(
            CriteresRecherche(),
            frozenset({SIRET_A, SIRET_C}),
            page=1,
            taille=10,
            tri=Tri(ColonneTri.CFA, croissant=True),
        )
    assert [r.action.numero_action for r in page.elements] == ["999", "1000"]

    with base_vide.begin() as connexion:
        command.downgrade(configuration_alembic(connexion), "0011")
        colonnes = {c["name"] for c in sa.inspect(connexion).get_columns("actions")}
        assert not {c for c in colonnes if c.startswith("tri_")}
    mettre_a_jour_schema(base_vide)
    assert _cles(base_vide) == {n: (*c, totaux[n]) for n, c in attendues.items()}


def _cles(moteur: sa.Engine) -> dict[str, tuple[object, ...]]:
    a = tables.actions
    colonnes = (a.c.tri_etat, a.c.tri_cfa, a.c.tri_deca_sia, a.c.tri_budget, a.c.tri_annexes)
    with moteur.connect() as connexion:
        lignes = connexion.execute(sa.select(a.c.numero_action, *colonnes, a.c.tri_rembourse))
        return {ligne[0]: tuple(ligne[1:]) for ligne in lignes}
