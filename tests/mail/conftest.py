"""The journey every mail test starts from: the use cases queue each template at least once."""

from __future__ import annotations

import datetime as dt

import pytest

from cfa_domain.action import EtatDossier
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.services import acces, actions, demandes, organismes
from cfa_domain.services.demandes import CommandeDemande, Decision
from cfa_domain.testing import exemples
from cfa_domain.testing.fakes import MOT_DE_PASSE_EXEMPLE, Memoire, memoire
from cfa_domain.values import Email, Montant, Periode, Piece

SIRET_A = exemples.SIRET_CFA
SIRET_B = exemples.SIRET_CFA_2
SIRET_INCONNU = "35600000000048"
NOUVEAU = "Nouveau-mot-de-passe-2025"
FACTURE = b"%PDF-1.7\n%%EOF\n"
URL = "https://cfa.example"


def parcours_complet() -> Memoire:
    """A deployment where a journey through the use cases queued every template."""
    m = memoire()
    ctx = m.contexte
    m.enregistrer(
        exemples.organisme(SIRET_A, emails_connus=(Email("compta@cfa-a.fr"),)),
        exemples.organisme(SIRET_B, emails_connus=(Email("compta@cfa-b.fr"),)),
        exemples.action("2011303654", etat=EtatDossier.EN_INSTRUCTION),
        exemples.action("2011303655", etat=EtatDossier.EN_COURS),
        exemples.action("2011303656", etat=EtatDossier.EN_COURS),
        exemples.action("2011303657", etat=EtatDossier.EN_INSTRUCTION),
    )
    agent = m.agent()
    formulaire = {"mot_de_passe": MOT_DE_PASSE_EXEMPLE}
    formulaire["confirmation_mot_de_passe"] = MOT_DE_PASSE_EXEMPLE
    # Accounts: a known address, an unknown one (refused), the known one again.
    for adresse in ("compta@cfa-a.fr", "inconnu@cfa-a.fr"):
        acces.creer_compte(
            ctx, siret=SIRET_A.numero, email=adresse, confirmation_email=adresse, **formulaire
        )
    (en_attente,) = acces.lister_comptes_a_approuver(ctx, agent)
    acces.refuser_compte(ctx, agent, en_attente.compte.id, "Adresse personnelle")
    lien = next(msg for msg in m.stockage.messages if msg.modele == "activation_compte")
    acces.activer_compte(ctx, lien.contexte["lien_jeton"], MOT_DE_PASSE_EXEMPLE)
    compte_a = acces.se_connecter(ctx, "compta@cfa-a.fr", MOT_DE_PASSE_EXEMPLE).compte_id
    acces.creer_compte(
        ctx,
        siret=SIRET_A.numero,
        email="compta@cfa-a.fr",
        confirmation_email="compta@cfa-a.fr",
        **formulaire,
    )
    acces.inviter(ctx, compte_a, "collegue@cfa-a.fr")
    acces.inviter(ctx, compte_a, "collegue@cfa-a.fr")  # invited again: the plain invitation
    acces.mot_de_passe_oublie(ctx, "compta@cfa-a.fr")
    acces.changer_mot_de_passe(ctx, compte_a, MOT_DE_PASSE_EXEMPLE, NOUVEAU, NOUVEAU)
    acces.changer_email(ctx, compte_a, NOUVEAU, "direction@cfa-a.fr", "direction@cfa-a.fr")
    (confirmation,) = [msg for msg in m.stockage.messages if msg.modele == "confirmation_email"]
    acces.confirmer_email(ctx, confirmation.contexte["lien_jeton"])
    # Organismes: one sheet validated, one refused; a delegation asked, approved, refused,
    # revoked.
    for siret, suite in ((SIRET_INCONNU, "valider"), ("44306184100047", "refuser")):
        organismes.soumettre_fiche(
            ctx,
            siret=siret,
            fiche=exemples.fiche(email=Email(f"contact-{siret}@of.fr")),
            interlocuteur=exemples.interlocuteur(),
        )
        if suite == "valider":
            organismes.valider_fiche(ctx, agent, siret, "OF-2025-001")
        else:
            organismes.refuser_fiche(ctx, agent, siret, "SIRET fermé")
    compte_b = m.compte_cfa(SIRET_B, "compta@cfa-b.fr")
    for approuver in (True, False, None):
        delegation = organismes.demander_delegation(ctx, compte_b, SIRET_A.numero, "Site Nord")
        if approuver is None:
            organismes.revoquer_delegation(ctx, compte_b, delegation.id, "Fin du partenariat")
        else:
            motif = "" if approuver else "Inconnu"
            organismes.decider_delegation(
                ctx, compte_a, delegation.id, approuver=approuver, motif=motif
            )
            if approuver:
                organismes.revoquer_delegation(ctx, compte_a, delegation.id, "Fin")
    # Files: every state the CFA hears of.
    actions.changer_etat_action(ctx, agent, "2011303654", EtatDossier.EN_ATTENTE, "RIB")
    actions.changer_etat_action(ctx, agent, "2011303654", EtatDossier.EN_INSTRUCTION)
    actions.changer_etat_action(ctx, agent, "2011303654", EtatDossier.EN_COURS)
    actions.rompre_action(ctx, agent, "2011303655", dt.date(2024, 1, 31), "Démission")
    actions.changer_etat_action(ctx, agent, "2011303655", EtatDossier.SOLDE)
    actions.changer_etat_action(ctx, agent, "2011303656", EtatDossier.SOLDE, "Terminé")
    actions.changer_etat_action(ctx, agent, "2011303657", EtatDossier.REFUSE, "Hors champ")
    # Requests: received, then refused; another validated and paid.
    m.horloge.instant = dt.datetime(2023, 9, 10, 8, 30, tzinfo=dt.UTC)
    for montant, fin in (("1000", (Decision.REFUSER,)), ("2000", (Decision.VALIDER,))):
        recu = demandes.soumettre_demande(
            ctx,
            compte_a,
            CommandeDemande(
                numero_action="2011303654",
                periode=Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29)),
                montants=MontantsDemandes(frais_pedagogiques=Montant(montant)),
                fichiers=((Piece.FACTURE, "facture.pdf", FACTURE),),
                conditions_acceptees=True,
            ),
        )
        demandes.traiter_demande(ctx, agent, recu.demande_id, Decision.PRENDRE_EN_TRAITEMENT)
        for decision in fin:
            demandes.traiter_demande(ctx, agent, recu.demande_id, decision, "Facture illisible")
    demandes.traiter_demande(ctx, agent, recu.demande_id, Decision.PAYER)
    return m


@pytest.fixture(scope="module")
def parcours() -> Memoire:
    """The journey's deployment (built once per module: the use cases are the slow part)."""
    return parcours_complet()
