"""Initial schema: every table of the repository ports.

Written out in full (generated once, then reviewed): a migration must keep describing the
schema of its time, whatever ``tables.py`` becomes. The column types come from
:mod:`cfa_adapters.sql.colonnes` because they are part of the storage format (amounts,
UTC instants, search collations), not of one revision.

Revision ID: 0001
Revises:
Create Date: 2025-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cfa_adapters.sql.colonnes import Argent, Horodatage, TexteRecherche

RANG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""Auto-incremented keys: SQLite only auto-increments an INTEGER PRIMARY KEY."""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "actions",
        sa.Column("numero_action", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("etat", sa.String(length=30), nullable=False),
        sa.Column("intitule", sa.String(length=255), nullable=False),
        sa.Column("numero_deca", sa.String(length=15), nullable=True),
        sa.Column("date_depot", sa.Date(), nullable=False),
        sa.Column("diplome", sa.String(length=255), nullable=False),
        sa.Column("code_diplome", sa.String(length=255), nullable=False),
        sa.Column("niveau_diplome", sa.Integer(), nullable=False),
        sa.Column("code_rncp", sa.String(length=9), nullable=True),
        sa.Column("formation_debut", sa.Date(), nullable=False),
        sa.Column("formation_fin", sa.Date(), nullable=False),
        sa.Column("siret_cfa", sa.String(length=14), nullable=False),
        sa.Column("type_contrat", sa.String(length=255), nullable=False),
        sa.Column("employeur_raison_sociale", sa.String(length=255), nullable=False),
        sa.Column("employeur_siret", sa.String(length=14), nullable=False),
        sa.Column("contrat_debut", sa.Date(), nullable=False),
        sa.Column("contrat_fin", sa.Date(), nullable=False),
        sa.Column("emploi", sa.String(length=255), nullable=False),
        sa.Column("apprenti_nom", sa.String(length=255), nullable=False),
        sa.Column("apprenti_prenom", sa.String(length=255), nullable=False),
        sa.Column("apprenti_nir", sa.String(length=15), nullable=False),
        sa.Column("date_signature", sa.Date(), nullable=False),
        sa.Column("date_rupture", sa.Date(), nullable=True),
        sa.Column("nom_recherche", TexteRecherche(255), nullable=False),
        sa.Column("prenom_recherche", TexteRecherche(255), nullable=False),
        sa.Column("frais_pedagogiques", Argent(), nullable=False),
        sa.Column("hebergement", Argent(), nullable=False),
        sa.Column("mobilite", Argent(), nullable=False),
        sa.Column("transport", Argent(), nullable=False),
        sa.Column("frais_divers", Argent(), nullable=False),
        sa.PrimaryKeyConstraint("numero_action", name=op.f("pk_actions")),
    )
    op.create_index(op.f("ix_actions_numero_deca"), "actions", ["numero_deca"])
    op.create_index(op.f("ix_actions_etat_date_depot"), "actions", ["etat", "date_depot"])
    op.create_index(
        op.f("ix_actions_siret_cfa_nom_recherche"), "actions", ["siret_cfa", "nom_recherche"]
    )
    op.create_index(
        op.f("ix_actions_siret_cfa_numero_action"), "actions", ["siret_cfa", "numero_action"]
    )
    op.create_index(
        op.f("ix_actions_siret_cfa_prenom_recherche"), "actions", ["siret_cfa", "prenom_recherche"]
    )

    op.create_table(
        "comptes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("siret_organisme", sa.String(length=14), nullable=True),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("statut", sa.String(length=30), nullable=False),
        sa.Column("hash_mot_de_passe", sa.String(length=255), nullable=False),
        sa.Column("cree_le", Horodatage(), nullable=False),
        sa.Column("active_le", Horodatage(), nullable=True),
        sa.Column("echecs_connexion", sa.Integer(), nullable=False),
        sa.Column("verrouille_jusqu_a", Horodatage(), nullable=True),
        sa.Column("derniere_connexion", Horodatage(), nullable=True),
        sa.Column("generation_session", sa.Integer(), nullable=False),
        sa.Column("mot_de_passe_change_le", Horodatage(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comptes")),
        sa.UniqueConstraint("email", name=op.f("uq_comptes_email")),
    )
    op.create_index(
        op.f("ix_comptes_siret_organisme_cree_le"), "comptes", ["siret_organisme", "cree_le"]
    )
    op.create_index(op.f("ix_comptes_statut_cree_le"), "comptes", ["statut", "cree_le"])

    op.create_table(
        "curseurs_flux",
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("curseur", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_curseurs_flux")),
    )
    op.create_table(
        "delegations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("siret_delegant", sa.String(length=14), nullable=False),
        sa.Column("siret_delegataire", sa.String(length=14), nullable=False),
        sa.Column("nom_etablissement", sa.String(length=255), nullable=False),
        sa.Column("statut", sa.String(length=30), nullable=False),
        sa.Column("demandee_par", sa.Uuid(), nullable=False),
        sa.Column("demandee_le", Horodatage(), nullable=False),
        sa.Column("decidee_par", sa.String(length=255), nullable=True),
        sa.Column("decidee_le", Horodatage(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
    )
    op.create_index(op.f("ix_delegations_siret_delegant"), "delegations", ["siret_delegant"])
    op.create_index(
        op.f("ix_delegations_siret_delegataire_statut"),
        "delegations",
        ["siret_delegataire", "statut"],
    )

    op.create_table(
        "documents",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("nom_fichier", sa.String(length=255), nullable=False),
        sa.Column("taille", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("siret_organisme", sa.String(length=14), nullable=False),
        sa.Column("numero_action", sa.String(length=20), nullable=False),
        sa.Column("depose_le", Horodatage(), nullable=False),
        sa.Column("depose_par", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    op.create_table(
        "organismes",
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("statut", sa.String(length=30), nullable=False),
        sa.Column("reference_opco", sa.String(length=255), nullable=True),
        sa.Column("emails_connus", sa.JSON(), nullable=False),
        sa.Column("cree_le", Horodatage(), nullable=True),
        sa.Column("fiche_modifiee_le", Horodatage(), nullable=True),
        sa.Column("fiche_modifiee_par", sa.String(length=255), nullable=True),
        sa.Column("raison_sociale", sa.String(length=255), nullable=False),
        sa.Column("suite_raison_sociale", sa.String(length=255), nullable=False),
        sa.Column("rue", sa.String(length=255), nullable=False),
        sa.Column("suite_rue", sa.String(length=255), nullable=False),
        sa.Column("code_postal", sa.String(length=5), nullable=False),
        sa.Column("ville", sa.String(length=255), nullable=False),
        sa.Column("telephone", sa.String(length=10), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("intervient_fpc", sa.Boolean(), nullable=False),
        sa.Column("est_cfa", sa.Boolean(), nullable=False),
        sa.Column("numero_da", sa.String(length=11), nullable=False),
        sa.Column("but_lucratif", sa.Boolean(), nullable=False),
        sa.Column("assujetti_tva", sa.Boolean(), nullable=False),
        sa.Column("uai", sa.String(length=8), nullable=True),
        sa.Column("zone_intervention", sa.String(length=255), nullable=False),
        sa.Column("commentaire", sa.String(length=255), nullable=False),
        sa.Column("interlocuteur_civilite", sa.String(length=10), nullable=False),
        sa.Column("interlocuteur_nom", sa.String(length=255), nullable=False),
        sa.Column("interlocuteur_prenom", sa.String(length=255), nullable=False),
        sa.Column("interlocuteur_telephone", sa.String(length=10), nullable=True),
        sa.Column("interlocuteur_email", sa.String(length=255), nullable=False),
        sa.Column("interlocuteur_fonction", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("siret", name=op.f("pk_organismes")),
    )
    op.create_index(op.f("ix_organismes_statut_cree_le"), "organismes", ["statut", "cree_le"])

    op.create_table(
        "outbox",
        sa.Column("rang", RANG, autoincrement=True, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("destinataire", sa.String(length=255), nullable=False),
        sa.Column("modele", sa.String(length=255), nullable=False),
        sa.Column("contexte", sa.JSON(), nullable=False),
        sa.Column("cree_le", Horodatage(), nullable=False),
        sa.Column("envoye_le", Horodatage(), nullable=True),
        sa.Column("tentatives", sa.Integer(), nullable=False),
        sa.Column("prochain_essai_le", Horodatage(), nullable=True),
        sa.Column("derniere_erreur", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("rang", name=op.f("pk_outbox")),
        sa.UniqueConstraint("id", name=op.f("uq_outbox_id")),
    )
    op.create_index(op.f("ix_outbox_envoye_le_rang"), "outbox", ["envoye_le", "rang"])

    op.create_table(
        "quarantaine_flux",
        sa.Column("rang", RANG, autoincrement=True, nullable=False),
        sa.Column("cle", sa.String(length=255), nullable=False),
        sa.Column("brut", sa.Text(), nullable=False),
        sa.Column("motif", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("rejete_le", Horodatage(), nullable=False),
        sa.PrimaryKeyConstraint("rang", name=op.f("pk_quarantaine_flux")),
    )
    op.create_index(op.f("ix_quarantaine_flux_cle"), "quarantaine_flux", ["cle"])
    op.create_table(
        "demandes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("numero_action", sa.String(length=20), nullable=False),
        sa.Column("numero", sa.Integer(), nullable=False),
        sa.Column("siret_organisme", sa.String(length=14), nullable=False),
        sa.Column("compte_id", sa.Uuid(), nullable=False),
        sa.Column("soumise_le", Horodatage(), nullable=False),
        sa.Column("periode_debut", sa.Date(), nullable=False),
        sa.Column("periode_fin", sa.Date(), nullable=False),
        sa.Column("frais_pedagogiques", Argent(), nullable=False),
        sa.Column("repas_nuitees", Argent(), nullable=False),
        sa.Column("frais_divers", Argent(), nullable=False),
        sa.Column("mobilite_internationale", Argent(), nullable=False),
        sa.Column("nombre_repas", sa.Integer(), nullable=False),
        sa.Column("nombre_nuitees", sa.Integer(), nullable=False),
        sa.Column("premier_equipement", Argent(), nullable=False),
        sa.Column("pieces", sa.JSON(), nullable=False),
        sa.Column("conditions_acceptees", sa.Boolean(), nullable=False),
        sa.Column("etat", sa.String(length=30), nullable=False),
        sa.Column("motif_refus", sa.Text(), nullable=True),
        sa.Column("cle_idempotence", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["numero_action"],
            ["actions.numero_action"],
            name=op.f("fk_demandes_numero_action_actions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demandes")),
        sa.UniqueConstraint(
            "compte_id", "cle_idempotence", name=op.f("uq_demandes_compte_id_cle_idempotence")
        ),
        sa.UniqueConstraint(
            "numero_action", "numero", name=op.f("uq_demandes_numero_action_numero")
        ),
    )
    op.create_index(op.f("ix_demandes_numero_action_etat"), "demandes", ["numero_action", "etat"])
    op.create_index(op.f("ix_demandes_soumise_le"), "demandes", ["soumise_le"])

    op.create_table(
        "historique_actions",
        sa.Column("numero_action", sa.String(length=20), nullable=False),
        sa.Column("rang", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("quand", Horodatage(), nullable=False),
        sa.Column("auteur", sa.String(length=255), nullable=False),
        sa.Column("depart", sa.String(length=30), nullable=True),
        sa.Column("arrivee", sa.String(length=30), nullable=False),
        sa.Column("motif", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["numero_action"],
            ["actions.numero_action"],
            name=op.f("fk_historique_actions_numero_action_actions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("numero_action", "rang", name=op.f("pk_historique_actions")),
    )
    op.create_table(
        "historique_comptes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("rang", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("quand", Horodatage(), nullable=False),
        sa.Column("par", sa.String(length=255), nullable=False),
        sa.Column("depart", sa.String(length=30), nullable=True),
        sa.Column("arrivee", sa.String(length=30), nullable=False),
        sa.Column("motif", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["id"],
            ["comptes.id"],
            name=op.f("fk_historique_comptes_id_comptes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", "rang", name=op.f("pk_historique_comptes")),
    )
    op.create_table(
        "historique_delegations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("rang", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("quand", Horodatage(), nullable=False),
        sa.Column("par", sa.String(length=255), nullable=False),
        sa.Column("depart", sa.String(length=30), nullable=True),
        sa.Column("arrivee", sa.String(length=30), nullable=False),
        sa.Column("motif", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["id"],
            ["delegations.id"],
            name=op.f("fk_historique_delegations_id_delegations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", "rang", name=op.f("pk_historique_delegations")),
    )
    op.create_table(
        "historique_organismes",
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("rang", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("quand", Horodatage(), nullable=False),
        sa.Column("par", sa.String(length=255), nullable=False),
        sa.Column("depart", sa.String(length=30), nullable=True),
        sa.Column("arrivee", sa.String(length=30), nullable=False),
        sa.Column("motif", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["siret"],
            ["organismes.siret"],
            name=op.f("fk_historique_organismes_siret_organismes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("siret", "rang", name=op.f("pk_historique_organismes")),
    )
    op.create_table(
        "jetons",
        sa.Column("compte_id", sa.Uuid(), nullable=False),
        sa.Column("rang", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("empreinte", sa.String(length=64), nullable=False),
        sa.Column("emis_le", Horodatage(), nullable=False),
        sa.Column("expire_le", Horodatage(), nullable=False),
        sa.Column("utilise_le", Horodatage(), nullable=True),
        sa.ForeignKeyConstraint(
            ["compte_id"],
            ["comptes.id"],
            name=op.f("fk_jetons_compte_id_comptes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("compte_id", "rang", name=op.f("pk_jetons")),
        sa.UniqueConstraint("empreinte", name=op.f("uq_jetons_empreinte")),
    )
    op.create_table(
        "historique_demandes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("rang", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("quand", Horodatage(), nullable=False),
        sa.Column("auteur", sa.String(length=255), nullable=False),
        sa.Column("depart", sa.String(length=30), nullable=True),
        sa.Column("arrivee", sa.String(length=30), nullable=False),
        sa.Column("motif", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["id"],
            ["demandes.id"],
            name=op.f("fk_historique_demandes_id_demandes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", "rang", name=op.f("pk_historique_demandes")),
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("historique_demandes")
    op.drop_table("jetons")
    op.drop_table("historique_organismes")
    op.drop_table("historique_delegations")
    op.drop_table("historique_comptes")
    op.drop_table("historique_actions")
    op.drop_index(op.f("ix_demandes_soumise_le"), table_name="demandes")
    op.drop_index(op.f("ix_demandes_numero_action_etat"), table_name="demandes")

    op.drop_table("demandes")
    op.drop_index(op.f("ix_quarantaine_flux_cle"), table_name="quarantaine_flux")
    op.drop_table("quarantaine_flux")
    op.drop_index(op.f("ix_outbox_envoye_le_rang"), table_name="outbox")

    op.drop_table("outbox")
    op.drop_index(op.f("ix_organismes_statut_cree_le"), table_name="organismes")

    op.drop_table("organismes")
    op.drop_table("documents")
    op.drop_index(op.f("ix_delegations_siret_delegataire_statut"), table_name="delegations")
    op.drop_index(op.f("ix_delegations_siret_delegant"), table_name="delegations")

    op.drop_table("delegations")
    op.drop_table("curseurs_flux")
    op.drop_index(op.f("ix_comptes_statut_cree_le"), table_name="comptes")
    op.drop_index(op.f("ix_comptes_siret_organisme_cree_le"), table_name="comptes")

    op.drop_table("comptes")
    op.drop_index(op.f("ix_actions_siret_cfa_prenom_recherche"), table_name="actions")
    op.drop_index(op.f("ix_actions_siret_cfa_numero_action"), table_name="actions")
    op.drop_index(op.f("ix_actions_siret_cfa_nom_recherche"), table_name="actions")
    op.drop_index(op.f("ix_actions_numero_deca"), table_name="actions")
    op.drop_index(op.f("ix_actions_etat_date_depot"), table_name="actions")

    op.drop_table("actions")
