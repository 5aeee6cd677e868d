"""The relational schema: one SQLAlchemy Core ``MetaData`` for every repository port.

Mapping choices (the aggregates stay free of SQLAlchemy; :mod:`.traduction` converts):

- **One row per aggregate, value objects flattened into columns** with a prefix
  (``contrat_debut``, ``apprenti_nom``, ``interlocuteur_email`` ...): every field the
  search or a report may filter on is a real, typed, indexable column.
- **Histories are child tables** (``historique_*``), one row per entry, keyed by the
  owner and the entry's rank: entries are only ever appended, so a commit inserts the new
  tail instead of rewriting the list. An account's tokens are child rows too, looked up
  by fingerprint.
- **Small immutable lists go to JSON**: an organisme's known emails, a request's attached
  documents, an outbox message's template variables. They are read and written whole
  with their owner and never queried on their own.
- **Enums are stored as their ``value`` text**, not as database enum types: adding a
  state is then a code change, not a schema migration.
- **Foreign keys only inside an aggregate** (history, tokens) and from a request to its
  file. Aggregates otherwise refer to each other by identity, as in the domain: the feed
  may deliver files of a CFA that has no organisme on the platform yet.
- **The search** (guide: apprentice name, action number, DECA number, restricted to the
  visible CFAs) is served by ``(siret_cfa, numero_action)``, ``(siret_cfa, nom_recherche)``,
  ``(siret_cfa, prenom_recherche)``, ``(numero_deca)`` and ``(numero_sia)`` (the
  "N° DECA ou SIA" field looks in both), and sorted by action number
  as users read it (``999`` before ``1000``) through the stored key ``numero_tri``
  (:func:`cfa_domain.action.cle_tri_numero_action`), indexed as ``(siret_cfa,
  numero_tri, numero_action)``; the total already paid comes
  from ``(numero_action, etat)`` on the requests. Sorted on another column of the list,
  the page reads the stored key of that column (``tri_etat``, ``tri_cfa``,
  ``tri_deca_sia``, ``tri_budget``, ``frais_pedagogiques``, ``tri_annexes``,
  ``tri_rembourse``: :data:`COLONNES_TRI`), indexed as ``(siret_cfa, key, numero_tri,
  numero_action)``; the keys computed from the row are generated columns, the CFA's name
  and the total paid are kept by triggers (revision 0012). The files the OPCO left unanswered
  (the 20-day silence rule) are found through ``(etat, date_depot)``.
- **Uniqueness** is the database's job: SIRET, login email, action number, token
  fingerprint, ``(compte_id, cle_idempotence)`` (NULL keys never collide, on both
  engines) and a request's rank on its file, ``(numero_action, numero)``: two requests
  can never share a receipt reference, whatever the application does. Constraint names
  follow :data:`CONVENTION_NOMMAGE`, so Alembic, the migrations and the error
  translation agree on them.
- **Outbox and quarantine** get an integer ``rang`` primary key: "oldest first" is then
  exact even for rows written in the same microsecond. An outbox message is
  ``a_envoyer``, ``envoye`` or ``echec`` (given up: a permanent refusal, or too many
  attempts); a relay claims it for a while (``reserve_par``, ``reserve_jusqu_au``), and
  each delivery attempt is a row of ``outbox_tentatives`` (see
  :mod:`cfa_adapters.sql.outbox`).
- **The web portal's shared state** lives here too, so that every worker process sees
  it: ``sessions_web`` holds the server-side sessions (an opaque value and its expiry,
  indexed for the purge) and ``limites_web`` the throttling counters (the hits of the
  current window and when it opened); see :mod:`cfa_adapters.sql.magasin`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from cfa_adapters.magasin import LONGUEUR_CLE_LIMITE, LONGUEUR_CLE_SESSION
from cfa_adapters.sql.colonnes import Argent, Horodatage, SommeArgent, TexteRecherche
from cfa_domain.ports import ORDRE_ETATS

__all__ = [
    "CONVENTION_NOMMAGE",
    "actions",
    "cles_api",
    "comptes",
    "curseurs_flux",
    "delegations",
    "demandes",
    "documents",
    "historique_actions",
    "historique_cles_api",
    "historique_comptes",
    "historique_delegations",
    "historique_demandes",
    "historique_organismes",
    "jetons",
    "limites_web",
    "metadata",
    "organismes",
    "outbox",
    "outbox_tentatives",
    "passages_flux",
    "quarantaine_flux",
    "sessions_web",
]

CONVENTION_NOMMAGE = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=CONVENTION_NOMMAGE)

TEXTE = 255
"""Every form text is capped at 255 characters by the domain."""

ETATS_FILE_ATTENTE = ("en_traitement", "soumise", "validee")
"""The states of the back office's queue (``services.demandes.ETATS_A_TRAITER``), by value."""
FILE_ATTENTE = f"etat IN ({', '.join(repr(etat) for etat in ETATS_FILE_ATTENTE)})"
"""The partial index's predicate, as the queue's query writes it (values inline, in order)."""

_Rang = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""An auto-incremented key: SQLite only auto-increments an INTEGER PRIMARY KEY."""


def _historique(nom: str, proprietaire: sa.Column[object], auteur: str) -> sa.Table:
    """A history child table: (owner, rank) → when, who, from, to, why."""
    return sa.Table(
        nom,
        metadata,
        sa.Column(
            proprietaire.name,
            proprietaire.type,
            sa.ForeignKey(proprietaire, ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("rang", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("quand", Horodatage, nullable=False),
        sa.Column(auteur, sa.String(TEXTE), nullable=False),
        sa.Column("depart", sa.String(30), nullable=True),
        sa.Column("arrivee", sa.String(30), nullable=False),
        sa.Column("motif", sa.Text, nullable=False),
    )


# --- Organismes and delegations ---------------------------------------------------------

organismes = sa.Table(
    "organismes",
    metadata,
    sa.Column("siret", sa.String(14), primary_key=True),
    sa.Column("statut", sa.String(30), nullable=False),
    sa.Column("reference_opco", sa.String(TEXTE), nullable=True),
    sa.Column("emails_connus", sa.JSON, nullable=False),
    sa.Column("cree_le", Horodatage, nullable=True),
    sa.Column("fiche_modifiee_le", Horodatage, nullable=True),
    sa.Column("fiche_modifiee_par", sa.String(TEXTE), nullable=True),
    # Fiche
    sa.Column("raison_sociale", sa.String(TEXTE), nullable=False),
    sa.Column("suite_raison_sociale", sa.String(TEXTE), nullable=False),
    sa.Column("rue", sa.String(TEXTE), nullable=False),
    sa.Column("suite_rue", sa.String(TEXTE), nullable=False),
    sa.Column("code_postal", sa.String(5), nullable=False),
    sa.Column("ville", sa.String(TEXTE), nullable=False),
    sa.Column("telephone", sa.String(10), nullable=True),
    sa.Column("email", sa.String(TEXTE), nullable=False),
    sa.Column("intervient_fpc", sa.Boolean, nullable=False),
    sa.Column("est_cfa", sa.Boolean, nullable=False),
    sa.Column("numero_da", sa.String(11), nullable=False),
    sa.Column("but_lucratif", sa.Boolean, nullable=False),
    sa.Column("assujetti_tva", sa.Boolean, nullable=False),
    sa.Column("uai", sa.String(8), nullable=True),
    sa.Column("zone_intervention", sa.String(TEXTE), nullable=False),
    sa.Column("commentaire", sa.String(TEXTE), nullable=False),
    # Interlocuteur
    sa.Column("interlocuteur_civilite", sa.String(10), nullable=False),
    sa.Column("interlocuteur_nom", sa.String(TEXTE), nullable=False),
    sa.Column("interlocuteur_prenom", sa.String(TEXTE), nullable=False),
    sa.Column("interlocuteur_telephone", sa.String(10), nullable=True),
    sa.Column("interlocuteur_email", sa.String(TEXTE), nullable=False),
    sa.Column("interlocuteur_fonction", sa.String(TEXTE), nullable=False),
    # The OPCO's data last applied by the feed (cfa_domain.organisme.ReferentielOpco)
    sa.Column("referentiel_version", sa.BigInteger, nullable=True),
    sa.Column("referentiel_empreinte", sa.String(64), nullable=True),
    sa.Column("referentiel_emails", sa.JSON, nullable=True),
    sa.Index(None, "statut", "cree_le"),
)

historique_organismes = _historique("historique_organismes", organismes.c.siret, "par")

delegations = sa.Table(
    "delegations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("siret_delegant", sa.String(14), nullable=False),
    sa.Column("siret_delegataire", sa.String(14), nullable=False),
    sa.Column("nom_etablissement", sa.String(TEXTE), nullable=False),
    sa.Column("statut", sa.String(30), nullable=False),
    sa.Column("demandee_par", sa.Uuid, nullable=False),
    sa.Column("demandee_le", Horodatage, nullable=False),
    sa.Column("decidee_par", sa.String(TEXTE), nullable=True),
    sa.Column("decidee_le", Horodatage, nullable=True),
    sa.Index(None, "siret_delegant"),
    sa.Index(None, "siret_delegataire", "statut"),
)

historique_delegations = _historique("historique_delegations", delegations.c.id, "par")

# --- Accounts ---------------------------------------------------------------------------

comptes = sa.Table(
    "comptes",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.String(TEXTE), nullable=False),
    sa.Column("siret_organisme", sa.String(14), nullable=True),
    sa.Column("role", sa.String(30), nullable=False),
    sa.Column("statut", sa.String(30), nullable=False),
    sa.Column("hash_mot_de_passe", sa.String(TEXTE), nullable=False),
    sa.Column("cree_le", Horodatage, nullable=False),
    sa.Column("active_le", Horodatage, nullable=True),
    sa.Column("echecs_connexion", sa.Integer, nullable=False),
    sa.Column("verrouille_jusqu_a", Horodatage, nullable=True),
    sa.Column("derniere_connexion", Horodatage, nullable=True),
    sa.Column("generation_session", sa.Integer, nullable=False),
    sa.Column("mot_de_passe_change_le", Horodatage, nullable=True),
    sa.UniqueConstraint("email"),
    sa.Index(None, "siret_organisme", "cree_le"),
    sa.Index(None, "statut", "cree_le"),
)

jetons = sa.Table(
    "jetons",
    metadata,
    sa.Column(
        "compte_id", sa.Uuid, sa.ForeignKey(comptes.c.id, ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("rang", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("type", sa.String(30), nullable=False),
    sa.Column("empreinte", sa.String(64), nullable=False),
    sa.Column("emis_le", Horodatage, nullable=False),
    sa.Column("expire_le", Horodatage, nullable=False),
    sa.Column("utilise_le", Horodatage, nullable=True),
    # The new login address an email-change link confirms (revision 0014).
    sa.Column("email", sa.String(TEXTE), nullable=True),
    sa.UniqueConstraint("empreinte"),
)

historique_comptes = _historique("historique_comptes", comptes.c.id, "par")

# --- API keys ---------------------------------------------------------------------------

cles_api = sa.Table(
    "cles_api",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("siret_organisme", sa.String(14), nullable=False),
    sa.Column("compte_id", sa.Uuid, nullable=False),
    sa.Column("nom", sa.String(TEXTE), nullable=False),
    sa.Column("empreinte", sa.String(64), nullable=False),
    sa.Column("statut", sa.String(30), nullable=False),
    sa.Column("cree_le", Horodatage, nullable=False),
    sa.Column("derniere_utilisation", Horodatage, nullable=True),
    sa.Column("expire_le", Horodatage, nullable=True),
    sa.Index(None, "siret_organisme", "cree_le"),
)

historique_cles_api = _historique("historique_cles_api", cles_api.c.id, "par")

# --- Files (actions) ----------------------------------------------------------------------


def _TexteBinaire(longueur: int) -> sa.types.TypeEngine[str]:  # noqa: N802 - a type
    """Text sorted character by character (code points), as Python and SQLite do."""
    return sa.String(longueur).with_variant(
        postgresql.VARCHAR(longueur, collation="C"), "postgresql"
    )


_ANNEXES = "hebergement + mobilite + transport + frais_divers"
#: The sort keys generated from a file's own columns (SQL both engines run). Sums of
#: amounts are rounded to the cent: SQLite adds binary floats, whose sums may differ in
#: the last bit for equal sums in cents (exact NUMERIC on PostgreSQL: rounding is a no-op).
TRI_ETAT = (
    "CASE etat "
    + " ".join(f"WHEN '{etat.value}' THEN {rang}" for rang, etat in enumerate(ORDRE_ETATS))
    + " END"
)
TRI_DECA_SIA = "coalesce(numero_deca, numero_sia, '')"
TRI_BUDGET = f"round(frais_pedagogiques + majoration_handicap + {_ANNEXES}, 2)"
TRI_ANNEXES = f"round({_ANNEXES}, 2)"
#: The column each computed sort of the list reads, each indexed as
#: ``ix_actions_siret_cfa_<column>`` ``(siret_cfa, <column>, numero_tri, numero_action)``.
COLONNES_TRI = (
    "tri_etat",
    "tri_cfa",
    "tri_deca_sia",
    "tri_budget",
    "frais_pedagogiques",
    "tri_annexes",
    "tri_rembourse",
)

actions = sa.Table(
    "actions",
    metadata,
    sa.Column("numero_action", sa.String(20), primary_key=True),
    # Search order: the number as users read it (cfa_domain.action.cle_tri_numero_action)
    sa.Column("numero_tri", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("etat", sa.String(30), nullable=False),
    # Formation
    sa.Column("intitule", sa.String(TEXTE), nullable=False),
    sa.Column("numero_deca", sa.String(15), nullable=True),
    sa.Column("numero_sia", sa.String(15), nullable=True),
    sa.Column("date_depot", sa.Date, nullable=False),
    sa.Column("diplome", sa.String(TEXTE), nullable=False),
    sa.Column("code_diplome", sa.String(TEXTE), nullable=False),
    sa.Column("niveau_diplome", sa.Integer, nullable=False),
    sa.Column("code_rncp", sa.String(9), nullable=True),
    sa.Column("formation_debut", sa.Date, nullable=False),
    sa.Column("formation_fin", sa.Date, nullable=False),
    sa.Column("siret_cfa", sa.String(14), nullable=False),
    # Contrat, employeur, apprenti
    sa.Column("type_contrat", sa.String(TEXTE), nullable=False),
    sa.Column("employeur_raison_sociale", sa.String(TEXTE), nullable=False),
    sa.Column("employeur_siret", sa.String(14), nullable=False),
    sa.Column("contrat_debut", sa.Date, nullable=False),
    sa.Column("contrat_fin", sa.Date, nullable=False),
    sa.Column("emploi", sa.String(TEXTE), nullable=False),
    sa.Column("apprenti_nom", sa.String(TEXTE), nullable=False),
    sa.Column("apprenti_prenom", sa.String(TEXTE), nullable=False),
    sa.Column("apprenti_nir", sa.String(15), nullable=False),
    sa.Column("apprenti_rqth", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("date_signature", sa.Date, nullable=False),
    sa.Column("date_rupture", sa.Date, nullable=True),
    # Search form: normalised names (see cfa_domain.values.normaliser_recherche)
    sa.Column("nom_recherche", TexteRecherche(TEXTE), nullable=False),
    sa.Column("prenom_recherche", TexteRecherche(TEXTE), nullable=False),
    # Budget
    sa.Column("frais_pedagogiques", Argent, nullable=False),
    sa.Column("hebergement", Argent, nullable=False),
    sa.Column("mobilite", Argent, nullable=False),
    sa.Column("transport", Argent, nullable=False),
    sa.Column("frais_divers", Argent, nullable=False),
    sa.Column("majoration_handicap", Argent, nullable=False, server_default="0"),
    # Sort keys of the list's computed columns (cfa_domain.ports.ColonneTri), each indexed
    # below after siret_cfa. Generated from the row's own columns (VIRTUAL on SQLite,
    # STORED on PostgreSQL: see migration 0012), or kept by triggers (tri_cfa, tri_rembourse).
    sa.Column("tri_etat", sa.SmallInteger, sa.Computed(TRI_ETAT), nullable=True),
    sa.Column("tri_deca_sia", _TexteBinaire(15), sa.Computed(TRI_DECA_SIA), nullable=True),
    sa.Column("tri_budget", SommeArgent, sa.Computed(TRI_BUDGET), nullable=True),
    sa.Column("tri_annexes", SommeArgent, sa.Computed(TRI_ANNEXES), nullable=True),
    # The CFA's registered name (its SIRET without a sheet): triggers on both tables.
    sa.Column("tri_cfa", _TexteBinaire(TEXTE), nullable=True),
    # The total of the file's paid requests: triggers on ``demandes``.
    sa.Column("tri_rembourse", SommeArgent, nullable=False, server_default="0"),
    sa.Index(None, "siret_cfa", "numero_action"),
    sa.Index(None, "siret_cfa", "numero_tri", "numero_action"),
    *(
        sa.Index(f"ix_actions_siret_cfa_{cle}", "siret_cfa", cle, "numero_tri", "numero_action")
        for cle in COLONNES_TRI
    ),
    # The agents' search across every organisme, in the portal's order.
    sa.Index(None, "numero_tri", "numero_action"),
    sa.Index(None, "siret_cfa", "nom_recherche"),
    sa.Index(None, "siret_cfa", "prenom_recherche"),
    sa.Index(None, "numero_deca"),
    sa.Index(None, "numero_sia"),
    sa.Index(None, "etat", "date_depot"),
)

historique_actions = _historique("historique_actions", actions.c.numero_action, "auteur")

# --- Reimbursement requests ---------------------------------------------------------------

demandes = sa.Table(
    "demandes",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column(
        "numero_action", sa.String(20), sa.ForeignKey(actions.c.numero_action), nullable=False
    ),
    sa.Column("numero", sa.Integer, nullable=False),
    sa.Column("siret_organisme", sa.String(14), nullable=False),
    sa.Column("compte_id", sa.Uuid, nullable=False),
    sa.Column("soumise_le", Horodatage, nullable=False),
    sa.Column("periode_debut", sa.Date, nullable=False),
    sa.Column("periode_fin", sa.Date, nullable=False),
    sa.Column("frais_pedagogiques", Argent, nullable=False),
    sa.Column("repas_nuitees", Argent, nullable=False),
    sa.Column("frais_divers", Argent, nullable=False),
    sa.Column("mobilite_internationale", Argent, nullable=False),
    sa.Column("majoration_handicap", Argent, nullable=False, server_default="0"),
    sa.Column("nombre_repas", sa.Integer, nullable=False),
    sa.Column("nombre_nuitees", sa.Integer, nullable=False),
    sa.Column("premier_equipement", Argent, nullable=False),
    sa.Column("pieces", sa.JSON, nullable=False),
    sa.Column("conditions_acceptees", sa.Boolean, nullable=False),
    sa.Column("etat", sa.String(30), nullable=False),
    sa.Column("motif_refus", sa.Text, nullable=True),
    sa.Column("cle_idempotence", sa.String(TEXTE), nullable=True),
    sa.Column("paye_le", sa.Date, nullable=True),
    sa.Column("montant_paye", Argent, nullable=True),
    sa.Column("reference_paiement", sa.String(TEXTE), nullable=True),
    sa.UniqueConstraint("compte_id", "cle_idempotence"),
    sa.UniqueConstraint("numero_action", "numero"),
    sa.Index(None, "numero_action", "etat"),
    sa.Index(None, "soumise_le"),
    sa.Index(None, "etat", "soumise_le", "id"),
    # The back office's queue, in its order (revision 0013); the predicate is the query's.
    sa.Index(
        "ix_demandes_file_attente",
        "soumise_le",
        "id",
        sqlite_where=sa.text(FILE_ATTENTE),
        postgresql_where=sa.text(FILE_ATTENTE),
    ),
)

historique_demandes = _historique("historique_demandes", demandes.c.id, "auteur")

# --- Documents, outbox, feed ------------------------------------------------------------

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.String(TEXTE), primary_key=True),
    sa.Column("nom_fichier", sa.String(TEXTE), nullable=False),
    sa.Column("taille", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("siret_organisme", sa.String(14), nullable=False),
    sa.Column("numero_action", sa.String(20), nullable=False),
    sa.Column("depose_le", Horodatage, nullable=False),
    sa.Column("depose_par", sa.Uuid, nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("rang", _Rang, primary_key=True, autoincrement=True),
    sa.Column("id", sa.Uuid, nullable=False),
    sa.Column("destinataire", sa.String(TEXTE), nullable=False),
    sa.Column("modele", sa.String(TEXTE), nullable=False),
    sa.Column("contexte", sa.JSON, nullable=False),
    sa.Column("cree_le", Horodatage, nullable=False),
    sa.Column("envoye_le", Horodatage, nullable=True),
    sa.Column("tentatives", sa.Integer, nullable=False),
    sa.Column("prochain_essai_le", Horodatage, nullable=True),
    sa.Column("derniere_erreur", sa.Text, nullable=True),
    sa.Column("etat", sa.String(20), nullable=False, server_default="a_envoyer"),
    sa.Column("reserve_par", sa.String(64), nullable=True),
    sa.Column("reserve_jusqu_au", Horodatage, nullable=True),
    sa.UniqueConstraint("id"),
    sa.Index(None, "etat", "rang"),
)

outbox_tentatives = sa.Table(
    "outbox_tentatives",
    metadata,
    sa.Column("rang", _Rang, primary_key=True, autoincrement=True),
    sa.Column(
        "message_id", sa.Uuid, sa.ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("numero", sa.Integer, nullable=False),
    sa.Column("relais", sa.String(64), nullable=False),
    sa.Column("debut", Horodatage, nullable=False),
    sa.Column("fin", Horodatage, nullable=False),
    sa.Column("resultat", sa.String(20), nullable=False),
    sa.Column("code", sa.Integer, nullable=True),
    sa.Column("erreur", sa.Text, nullable=True),
    sa.UniqueConstraint("message_id", "numero"),
)

quarantaine_flux = sa.Table(
    "quarantaine_flux",
    metadata,
    sa.Column("rang", _Rang, primary_key=True, autoincrement=True),
    sa.Column("cle", sa.String(TEXTE), nullable=False),
    sa.Column("brut", sa.Text, nullable=False),
    sa.Column("motif", sa.String(30), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("rejete_le", Horodatage, nullable=False),
    sa.Column("regle_le", Horodatage, nullable=True),
    # Discarded by an agent (regle_le then says when): who and why; NULL otherwise.
    # Who settled the record (replayed or discarded): the revision 0011 named it for the
    # discards; replays fill it too.
    sa.Column("ecarte_par", sa.String(TEXTE), nullable=True),
    sa.Column("motif_ecart", sa.Text, nullable=True),
    sa.Index(None, "cle"),
)

passages_flux = sa.Table(
    "passages_flux",
    metadata,
    sa.Column("rang", _Rang, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(TEXTE), nullable=False),
    sa.Column("debut", Horodatage, nullable=False),
    sa.Column("fin", Horodatage, nullable=False),
    sa.Column("crees", sa.Integer, nullable=True),
    sa.Column("mis_a_jour", sa.Integer, nullable=True),
    sa.Column("inchanges", sa.Integer, nullable=True),
    sa.Column("rejetes", sa.Integer, nullable=True),
    sa.Column("curseur", sa.String(TEXTE), nullable=True),
    sa.Column("erreur", sa.Text, nullable=True),
)

curseurs_flux = sa.Table(
    "curseurs_flux",
    metadata,
    sa.Column("source", sa.String(TEXTE), primary_key=True),
    sa.Column("curseur", sa.String(TEXTE), nullable=False),
)

# --- The web portal's shared state ------------------------------------------------------

sessions_web = sa.Table(
    "sessions_web",
    metadata,
    sa.Column("cle", sa.String(LONGUEUR_CLE_SESSION), primary_key=True),
    sa.Column("valeur", sa.LargeBinary, nullable=False),
    sa.Column("expire_le", Horodatage, nullable=True),
    sa.Index(None, "expire_le"),
)

limites_web = sa.Table(
    "limites_web",
    metadata,
    sa.Column("cle", sa.String(LONGUEUR_CLE_LIMITE), primary_key=True),
    sa.Column("compte", sa.Integer, nullable=False),
    sa.Column("debut", Horodatage, nullable=False),
)
