"""Ready-made, valid aggregates for example tests: change only what the test is about.

Every builder takes keyword overrides and returns a fully valid object, with figures
taken from the guide where it gives any (the 26 247 € file ``2011303654``)::

    dossier = exemples.action(numero_action="2011300001", etat=EtatDossier.EN_COURS)
    cfa = exemples.organisme(siret=Siret("73282932000074"))
    payee = exemples.demande(exemples.montants_demandes("2400"), etat=EtatDemande.PAYEE)
    soumise = exemples.soumettre(dossier, [payee], Montant(1800))

Objects *as stored* (:func:`demande`, :func:`delegation`, :func:`document`,
:func:`message`) are built without the rules of the use cases that create them, for tests
of storage and of later steps; :func:`soumettre` goes through the submission rules
against :meth:`CalendrierFixe.ouvert`, a schedule where everything is open, so that only
the file's budget limits the requests. :class:`CalendrierFixe` is also the schedule a test
writes by hand, to check the request rules against its own figures.

For random but valid aggregates, use :mod:`cfa_domain.testing.strategies`.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from typing import TYPE_CHECKING, Any

import attrs
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

from cfa_domain.action import (
    Action,
    Apprenti,
    Budget,
    Contrat,
    Employeur,
    EtatDossier,
    Formation,
)
from cfa_domain.compte import Compte, StatutCompte, TypeJeton
from cfa_domain.organisme import (
    Adresse,
    Civilite,
    Delegation,
    FicheOrganisme,
    Interlocuteur,
    Organisme,
    Telephone,
)
from cfa_domain.ports import DocumentMeta, MessageSortant
from cfa_domain.remboursement import (
    MACHINE_DEMANDE,
    DemandeRemboursement,
    EtatDemande,
    FormulaireDemande,
    MontantsDemandes,
    PieceJointe,
    QuantitesFraisAnnexes,
    Soumission,
)
from cfa_domain.testing.fakes import HacheurMemoire
from cfa_domain.values import (
    CodePostal,
    CodeRncp,
    Email,
    Montant,
    Nir,
    NumeroDA,
    NumeroDeca,
    Periode,
    Piece,
    Siret,
    Uai,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "CERTIFICAT",
    "FACTURE",
    "INSTANT",
    "MOT_DE_PASSE",
    "PIECES",
    "SIRET_CFA",
    "SIRET_CFA_2",
    "SIRET_EMPLOYEUR",
    "AnneeFixe",
    "CalendrierFixe",
    "EcheanceFixe",
    "action",
    "apprenti",
    "budget",
    "compte",
    "compte_actif",
    "contrat",
    "delegation",
    "demande",
    "document",
    "fiche",
    "formation",
    "interlocuteur",
    "message",
    "montants_demandes",
    "nir",
    "organisme",
    "siret",
    "soumettre",
]

INSTANT = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)
"""The default instant of the examples (the fakes' clock starts there too)."""

SIRET_CFA = Siret("73282932000074")
SIRET_CFA_2 = Siret("55208131700018")
SIRET_EMPLOYEUR = Siret("42110064500967")
_SIREN_LA_POSTE = "356000000"
MOT_DE_PASSE = "Cheval-Correct-Agrafe-9"
"""The password of the example accounts (it passes the default policy)."""
FACTURE = PieceJointe(Piece.FACTURE, "doc-facture", "facture.pdf")
"""An invoice attached to a request (the document's id as the store would give it)."""
CERTIFICAT = PieceJointe(Piece.CERTIFICAT_REALISATION, "doc-certificat", "certificat.pdf")
"""A certificate of completion attached to a request."""
PIECES = (FACTURE, CERTIFICAT)
"""Both documents: what a request needs whatever the rules ask."""


def siret(base_siren: int, nic: int = 1) -> Siret:
    """The valid SIRET of an 8-digit SIREN body and a NIC body below 10 000.

    Both check digits are computed (python-stdnum's Luhn): a series of distinct, valid
    SIRETs for generated data, ``siret(10_000_000 + rang)``. La Poste's SIREN follows
    another rule and is refused.
    """
    if not (0 <= base_siren < 10**8 and 0 <= nic < 10**4):
        msg = f"SIREN body of 8 digits and NIC of 4 expected, not {base_siren} and {nic}"
        raise ValueError(msg)
    siren = f"{base_siren:08d}"
    siren += luhn.calc_check_digit(siren)
    if siren == _SIREN_LA_POSTE:
        msg = "La Poste's SIRETs follow their own rule: use one of its real numbers"
        raise ValueError(msg)
    corps = f"{siren}{nic:04d}"
    return Siret(corps + luhn.calc_check_digit(corps))


def nir(corps: str) -> Nir:
    """The NIR of a 13-character body (sex, year, month, département, commune, order).

    The key is computed by python-stdnum (2A and 2B read as 19 and 18).
    """
    return Nir(corps + stdnum_nir.calc_check_digits(corps))


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
    """A valid apprentice, without RQTH (``rqth=True`` for one recognised as disabled)."""
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
    """The guide's example budget: 26 247 € of pedagogical costs, and some annex costs.

    No RQTH uplift (``majoration_handicap=Montant(8000)`` engages one; the file's
    apprentice must then have ``rqth=True``).
    """
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


def compte(
    email: Email | str = "c.durand@cfa-sante.fr",
    *,
    chez: Organisme | None = None,
    quand: dt.datetime = INSTANT,
    **changes: Any,  # noqa: ANN401 - keyword overrides of Compte.ouvrir
) -> Compte:
    """A CFA account just opened on ``chez`` (default: :func:`organisme`'s contact person).

    An address on the organisme's file awaits activation, any other an agent's approval.
    Other keywords go to :meth:`~cfa_domain.compte.Compte.ouvrir` (``id``, ``hasher`` ...).
    """
    champs: dict[str, Any] = {
        "id": uuid.uuid4(),
        "email": email if isinstance(email, Email) else Email(email),
        "organisme": chez if chez is not None else organisme(),
        "mot_de_passe": MOT_DE_PASSE,
        "quand": quand,
        "hasher": HacheurMemoire(),
    }
    return Compte.ouvrir(**(champs | changes))


def compte_actif(
    email: Email | str = "c.durand@cfa-sante.fr",
    *,
    chez: Organisme | None = None,
    quand: dt.datetime = INSTANT,
    **changes: Any,  # noqa: ANN401
) -> Compte:
    """A CFA account as :func:`compte` opens it, approved if needed, then activated."""
    ouvert = compte(email, chez=chez, quand=quand, **changes)
    if ouvert.statut is StatutCompte.EN_ATTENTE_APPROBATION:
        ouvert.approuver("exemples", quand)
    secret = "exemple-" * 5
    ouvert.emettre_jeton(TypeJeton.ACTIVATION, secret, quand)
    ouvert.activer(secret, quand)
    return ouvert


def delegation(
    delegant: Siret = SIRET_CFA_2,
    delegataire: Siret = SIRET_CFA,
    *,
    quand: dt.datetime = INSTANT,
    **changes: Any,  # noqa: ANN401 - keyword overrides of Delegation.demander
) -> Delegation:
    """A delegation request, awaiting approval: ``delegataire`` asks to manage ``delegant``'s files.

    Other keywords go to :meth:`~cfa_domain.organisme.Delegation.demander` (``id``,
    ``nom_etablissement``, ``demandee_par``, ``existantes``).
    """
    champs: dict[str, Any] = {
        "id": uuid.uuid4(),
        "siret_delegant": delegant,
        "siret_delegataire": delegataire,
        "nom_etablissement": "CFA du Nord",
        "demandee_par": uuid.uuid4(),
        "quand": quand,
    }
    return Delegation.demander(**(champs | changes))


def montants_demandes(
    pedagogie: Montant | str | int = 0,
    repas: Montant | str | int = 0,
    divers: Montant | str | int = 0,
    mobilite: Montant | str | int = 0,
    *,
    majoration: Montant | str | int = 0,
) -> MontantsDemandes:
    """The amounts of a request form, line by line, in euros (``"12.50"``, ``12`` or a Montant).

    Pedagogical costs, meals and nights, miscellaneous costs, international mobility, and
    the RQTH uplift (``majoration``). All zero is refused, as on the form.
    """

    def montant(valeur: Montant | str | int) -> Montant:
        return valeur if isinstance(valeur, Montant) else Montant(valeur)

    return MontantsDemandes(
        montant(pedagogie),
        montant(repas),
        montant(divers),
        montant(mobilite),
        majoration_handicap=montant(majoration),
    )


_AUTEUR_CFA = "c.durand@cfa-sante.fr"
_AGENT = "agent OPCO"


def demande(
    montants: MontantsDemandes | None = None,
    *,
    etat: EtatDemande = EtatDemande.SOUMISE,
    quand: dt.datetime = INSTANT,
    **changes: Any,  # noqa: ANN401 - keyword overrides of any field
) -> DemandeRemboursement:
    """A request on :func:`action`'s file as a store holds it, moved to ``etat``.

    It is built without the submission rules (no budget, schedule or document checked):
    for tests of what comes after, storing it, processing it, or the rules' view of the
    requests already on a file. Defaults: ``montants`` of 100 € of pedagogical costs for
    the first six months of the example contract, rank 1, both documents (:data:`PIECES`),
    submitted at ``quand``; other keywords replace a field (``numero_action``, ``rang``,
    ``periode``, ``quantites``, ``pieces`` ...). Its history holds the submission and each
    transition to ``etat`` (a refused one carries a reason).
    """
    champs: dict[str, Any] = {
        "id": uuid.uuid4(),
        "numero_action": "2011303654",
        "rang": 1,
        "siret_organisme": SIRET_CFA,
        "compte_id": uuid.uuid4(),
        "soumise_le": quand,
        "periode": Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29)),
        "montants": montants_demandes(100) if montants is None else montants,
        "quantites": QuantitesFraisAnnexes(),
        "pieces": PIECES,
        "conditions_acceptees": True,
        "historique": [
            MACHINE_DEMANDE.creation(EtatDemande.SOUMISE, auteur=_AUTEUR_CFA, quand=quand)
        ],
    }
    resultat = DemandeRemboursement(**(champs | changes))
    traiter, valider = resultat.prendre_en_traitement, resultat.valider
    chemin: dict[EtatDemande, tuple[Callable[..., object], ...]] = {
        EtatDemande.SOUMISE: (),
        EtatDemande.EN_TRAITEMENT: (traiter,),
        EtatDemande.VALIDEE: (traiter, valider),
        EtatDemande.PAYEE: (traiter, valider, resultat.payer),
        EtatDemande.REFUSEE: (functools.partial(resultat.refuser, "Pièce illisible"),),
        EtatDemande.ANNULEE: (resultat.annuler,),
    }
    for etape in chemin[etat]:
        etape(auteur=_AGENT, quand=quand)
    return resultat


@attrs.frozen
class EcheanceFixe:
    """An installment of :class:`CalendrierFixe`: its period and amount."""

    periode: Periode
    montant: Montant


@attrs.frozen
class AnneeFixe:
    """A contract year of :class:`CalendrierFixe`: its rank (from 1) and period."""

    numero: int
    periode: Periode


_TOUT_OUVERT = Montant(10_000_000)


def _ouvertures(valeurs: Iterable[tuple[dt.date, Montant]]) -> tuple[tuple[dt.date, Montant], ...]:
    return tuple(valeurs)


def _annees(valeurs: Iterable[AnneeFixe]) -> tuple[AnneeFixe, ...]:
    return tuple(valeurs)


@attrs.frozen
class CalendrierFixe:
    """A hand-written schedule: amounts opening on given dates, nothing computed.

    It stands for a file's :class:`~cfa_domain.echeancier.Echeancier` (it satisfies
    :class:`~cfa_domain.remboursement.CalendrierPedagogique`) where a test states the
    schedule itself: the rules of a request then meet figures written in the test, not
    figures of the schedule computation. ``ouvertures`` are (opening day, amount) pairs;
    ``premiere_avance`` is the first installment of the first year, ``annees`` the
    contract years in order, ``npec`` the annual cost (the RQTH ceiling before 2021 is
    half of it). :meth:`ouvert` gives a schedule where everything is open.
    """

    ouvertures: tuple[tuple[dt.date, Montant], ...] = attrs.field(converter=_ouvertures)
    premiere_avance: EcheanceFixe
    annees: tuple[AnneeFixe, ...] = attrs.field(converter=_annees)
    npec: Montant

    @classmethod
    def ouvert(cls, dossier: Action) -> CalendrierFixe:
        """Everything open whatever the day: only the file's budget lines limit the requests.

        The contract is one year and one first advance of ten million euros; the NPEC is
        the file's pedagogical engagement.
        """
        contrat = dossier.contrat.periode
        return cls(
            ouvertures=((dt.date.min, _TOUT_OUVERT),),
            premiere_avance=EcheanceFixe(contrat, _TOUT_OUVERT),
            annees=(AnneeFixe(1, contrat),),
            npec=dossier.budget.frais_pedagogiques,
        )

    def disponible_au(self, le: dt.date, deja_demande: Montant) -> Montant:
        """What opened by ``le``, minus what was asked, never below zero."""
        ouvert = Montant.somme(montant for jour, montant in self.ouvertures if jour <= le)
        return max(ouvert - deja_demande, Montant.zero())

    def prochaine_ouverture(self, le: dt.date) -> dt.date | None:
        """The first opening after ``le``, if any."""
        return min((jour for jour, _ in self.ouvertures if jour > le), default=None)


def soumettre(
    sur: Action,
    demandes: Sequence[DemandeRemboursement],
    pedagogie: Montant | str | int,
    *,
    repas: Montant | str | int = 0,
    majoration: Montant | str | int = 0,
    periode: Periode | None = None,
    compte_id: uuid.UUID | None = None,
    quand: dt.datetime = INSTANT,
    cle: str | None = None,
) -> DemandeRemboursement:
    """Submit a request on ``sur`` through the submission rules, as the use case would.

    ``demandes`` are the requests already on the file (the new one's rank follows them).
    The schedule is :meth:`CalendrierFixe.ouvert`: only the budget lines limit the amounts.
    Defaults: the file's whole reimbursable period, both documents, 100 meals declared
    (up to 300 € of ``repas``), submitted by the example account's address at ``quand``
    for the day of ``quand``; ``cle`` is the idempotency key.

    Raises:
        RegleDeGestion: a rule refuses the request (a budget line exceeded, a file not
            en cours ...), as :meth:`DemandeRemboursement.soumettre` does.
    """
    return DemandeRemboursement.soumettre(
        FormulaireDemande(
            periode=sur.periode_remboursable if periode is None else periode,
            montants=montants_demandes(pedagogie, repas, majoration=majoration),
            quantites=QuantitesFraisAnnexes(nombre_repas=100),
            pieces=PIECES,
            conditions_acceptees=True,
        ),
        Soumission(
            demande_id=uuid.uuid4(),
            compte_id=uuid.uuid4() if compte_id is None else compte_id,
            siret_organisme=sur.siret_cfa,
            auteur=_AUTEUR_CFA,
            quand=quand,
            le=quand.date(),
            cle_idempotence=cle,
        ),
        action=sur,
        demandes=demandes,
        calendrier=CalendrierFixe.ouvert(sur),
    )


def document(
    document_id: str = "doc-000001-abcdef",
    **changes: Any,  # noqa: ANN401 - keyword overrides of any field
) -> DocumentMeta:
    """The metadata of an invoice uploaded for :func:`action`'s file at :data:`SIRET_CFA`.

    Other keywords replace a field (``numero_action``, ``siret_organisme``, ``depose_le`` ...).
    """
    champs: dict[str, Any] = {
        "id": document_id,
        "nom_fichier": "facture-septembre.pdf",
        "taille": 48_213,
        "sha256": "a" * 64,
        "siret_organisme": SIRET_CFA,
        "numero_action": "2011303654",
        "depose_le": INSTANT,
        "depose_par": uuid.UUID(int=7),
    }
    return DocumentMeta(**(champs | changes))


def message(
    modele: str = "demande_recue",
    *,
    quand: dt.datetime = INSTANT,
    **changes: Any,  # noqa: ANN401 - keyword overrides of any field
) -> MessageSortant:
    """A mail for the outbox, written at ``quand`` from the template ``modele``.

    Other keywords replace a field (``destinataire``, ``contexte``, ``id``).
    """
    champs: dict[str, Any] = {
        "id": uuid.uuid4(),
        "destinataire": Email(_AUTEUR_CFA),
        "modele": modele,
        "contexte": {"numero_action": "2011303654", "montant": "1 200,00 €"},
        "cree_le": quand,
    }
    return MessageSortant(**(champs | changes))
