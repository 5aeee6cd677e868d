"""Mes actions: the search and its table, the CSV export, a file's detail page.

The files come in as in production, through the feed's use case
(:func:`cfa_domain.services.flux.synchroniser`); the requests through the request use
cases, paid by an OPCO agent. Every expected figure is computed here from the contract's
terms (the 2021 regime of ``docs/embedding.md``), not read back from the application.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from cfa_domain.action import EtatDossier
from cfa_domain.ports import DossierFlux
from cfa_domain.remboursement import MontantsDemandes
from cfa_domain.services import actions, demandes, organismes
from cfa_domain.services.demandes import CommandeDemande, Decision
from cfa_domain.testing import exemples
from cfa_domain.values import Montant, NumeroDeca, NumeroSia, Periode, Piece, Siret
from cfa_web.portail import actions as pages_actions

from .conftest import EMAIL_AGENT, MOT_DE_PASSE, Portail, connecter, pdf_valide, texte

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import TestClient

NUMERO = "2011303654"
SIRET_B = exemples.SIRET_CFA_2
EMAIL_B = "compta@cfa-nord.fr"
NUMERO_B = "2011300002"
DECA = "075202309000123"
SIA = "092202310000456"
SVG = "{http://www.w3.org/2000/svg}"


# --- reading pages ------------------------------------------------------------------------


def simple(chaine: str) -> str:
    """Spaces as a reader sees them (Babel groups thousands with narrow no-break spaces)."""
    return re.sub(r"[\s\u202f\xa0]+", " ", chaine).strip()


def lisible(reponse: Any) -> str:
    """The page's text without its tags, spaces simplified."""
    corps = reponse.text.split("<main", 1)[1]
    return simple(html.unescape(re.sub(r"<[^>]+>", " ", corps)))


def euros(valeur: str) -> str:
    """``"26247.00"`` as a page shows it: ``26 247,00 €``."""
    entier, decimales = f"{Decimal(valeur):.2f}".split(".")
    groupes = f"{int(entier):,}".replace(",", " ")
    return f"{groupes},{decimales} €"


class _Tableaux(HTMLParser):
    """The tables of a page: for each, its caption and its rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tableaux: list[dict[str, Any]] = []
        self._cellule: list[str] | None = None
        self._legende: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tableaux.append({"classe": dict(attrs).get("class") or "", "lignes": []})
        elif tag == "caption":
            self._legende = []
        elif tag == "tr" and self.tableaux:
            self.tableaux[-1]["lignes"].append([])
        elif tag in {"td", "th"}:
            self._cellule = []
        elif tag == "br" and self._cellule is not None:
            self._cellule.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cellule is not None:
            self.tableaux[-1]["lignes"][-1].append(simple("".join(self._cellule)))
            self._cellule = None
        elif tag == "caption" and self._legende is not None:
            self.tableaux[-1]["legende"] = simple("".join(self._legende))
            self._legende = None

    def handle_data(self, data: str) -> None:
        if self._cellule is not None:
            self._cellule.append(data)
        if self._legende is not None:
            self._legende.append(data)


def tableau(reponse: Any, legende: str) -> list[list[str]]:
    """The rows (header included) of the table whose caption starts with ``legende``."""
    lecteur = _Tableaux()
    lecteur.feed(reponse.text)
    for trouve in lecteur.tableaux:
        if trouve.get("legende", "").startswith(legende):
            return list(trouve["lignes"])
    pytest.fail(f"no table {legende!r}")


def numeros_affiches(reponse: Any) -> list[str]:
    """The action numbers of the list's rows, in order."""
    return [ligne[0] for ligne in tableau(reponse, "Dossiers")[1:]]


def champ_en_erreur(reponse: Any, nom: str) -> str:
    """The message shown beside the field ``nom``."""
    trouve = re.search(
        rf'id="{nom}-erreur"><span class="invisible">Erreur : </span>([^<]+)</p>', reponse.text
    )
    assert trouve is not None, f"no error beside {nom}"
    return simple(html.unescape(trouve.group(1)))


# --- seeding through the use cases --------------------------------------------------------


def dossier(
    numero: str,
    *,
    version: int = 1,
    etat: EtatDossier | None = None,
    siret_cfa: Siret = exemples.SIRET_CFA,
    nom: str = "Martin",
    prenom: str = "Éloïse",
    deca: str | None = DECA,
    sia: str | None = None,
    frais_pedagogiques: str = "26247",
) -> DossierFlux:
    """A file as the Webservice sends it (the guide's example by default)."""
    return DossierFlux(
        numero_action=numero,
        version=version,
        formation=exemples.formation(
            siret_cfa=siret_cfa,
            numero_deca=None if deca is None else NumeroDeca(deca),
            numero_sia=None if sia is None else NumeroSia(sia),
        ),
        contrat=exemples.contrat(apprenti=exemples.apprenti(nom=nom, prenom=prenom)),
        budget=exemples.budget(frais_pedagogiques=Montant(frais_pedagogiques)),
        etat=etat,
    )


def en_cours(portail: Portail, *fichiers: DossierFlux) -> None:
    """Files received, then agreed (*en cours*) by two later versions of the feed."""
    bilan = portail.recevoir(
        *fichiers,
        *(attrs.evolve(f, version=2, etat=EtatDossier.EN_INSTRUCTION) for f in fichiers),
        *(attrs.evolve(f, version=3, etat=EtatDossier.EN_COURS) for f in fichiers),
    )
    assert bilan.rejetes == 0


def deux_organismes(portail: Portail) -> None:
    """Organisme A (the default account) and B, each with an account and one file."""
    portail.compte_actif()
    portail.compte_actif(email=EMAIL_B, siret=SIRET_B)
    en_cours(portail, dossier(NUMERO), dossier(NUMERO_B, siret_cfa=SIRET_B, nom="Bernard"))


def demander(
    portail: Portail,
    periode: Periode,
    montants: MontantsDemandes,
    *,
    certificat: bool = True,
    numero: str = NUMERO,
) -> Any:
    """A reimbursement request of the default account, with real PDFs."""
    fichiers = [(Piece.FACTURE, "facture.pdf", pdf_valide("Facture"))]
    if certificat:
        fichiers.append((Piece.CERTIFICAT_REALISATION, "certificat.pdf", pdf_valide("Certificat")))
    return demandes.soumettre_demande(
        portail.contexte,
        portail.id_compte(),
        CommandeDemande(
            numero_action=numero,
            periode=periode,
            montants=montants,
            fichiers=tuple(fichiers),
            conditions_acceptees=True,
        ),
    )


def payer(portail: Portail, recu: Any) -> None:
    """An OPCO agent takes, validates and pays a request."""
    agent = portail.agent()
    for decision in (Decision.PRENDRE_EN_TRAITEMENT, Decision.VALIDER, Decision.PAYER):
        demandes.traiter_demande(portail.contexte, agent, recu.demande_id, decision)


def client_connecte(portail: Portail) -> TestClient[Litestar]:
    """The default account, logged in."""
    connecter(portail.client)
    return portail.client


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("adresse", ["/actions", "/actions/export.csv", f"/actions/{NUMERO}"])
def test_les_pages_des_actions_demandent_une_connexion(portail: Portail, adresse: str) -> None:
    """Without a session every page of the files sends to the login page, and back."""
    reponse = portail.client.get(adresse, follow_redirects=False)
    assert reponse.status_code == 303
    assert reponse.headers["location"] == f"/connexion?suite={adresse}"


def test_un_conseiller_de_l_opco_n_ouvre_pas_les_pages_des_organismes(portail: Portail) -> None:
    """An OPCO agent's session is refused the CFA's pages (403, in French)."""
    portail.agent()
    connecter(portail.client, EMAIL_AGENT, MOT_DE_PASSE)
    reponse = portail.client.get("/actions")
    assert reponse.status_code == 403
    assert "réservée aux comptes des organismes" in texte(reponse)


# --- the list -------------------------------------------------------------------------------


def test_la_liste_montre_le_tableau_du_guide(portail: Portail) -> None:
    """The guide's columns, with the file's figures and the paid total."""
    deux_organismes(portail)
    recu = demander(
        portail,
        Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29)),
        MontantsDemandes(frais_pedagogiques=Montant("5249.40"), frais_divers=Montant("100")),
        certificat=False,
    )
    payer(portail, recu)
    reponse = client_connecte(portail).get("/actions")
    assert reponse.status_code == 200
    (entete, ligne) = tableau(reponse, "Dossiers")
    assert entete == [
        "Numéro d'action",
        "État du dossier",
        "CFA bénéficiaire des comptes Apprenti",
        "Apprenti",
        "Numéro DECA ou SIA",
        "Budget alternance total",
        "Montant des frais pédagogiques pris en charge",
        "Montant des frais annexes pris en charge",
        "Total des remboursements",
    ]
    # Budget of exemples.budget(): 26 247 € of pedagogical costs; 300 + 500 + 0 + 450 annex.
    assert ligne == [
        NUMERO,
        "en cours",
        "CFA des Métiers de la Santé 732 829 320 00074",
        "Martin Éloïse",
        DECA,
        euros("27497"),
        euros("26247"),
        euros("1250"),
        euros("5349.40"),
    ]
    assert f'href="/actions/{NUMERO}"' in reponse.text
    assert "Affichage de l'élément 1 à 1 sur 1 élément" in lisible(reponse)


@pytest.mark.parametrize(
    ("criteres", "attendus"),
    [
        ({"nom_apprenti": "ELOI"}, ["2011300020"]),  # prefix, case and accents ignored
        ({"nom_apprenti": "dur"}, ["2011300040", "2011300030"]),  # last or first name
        ({"numero_action": "20113000"}, ["2011300040", "2011300030", "2011300020"]),
        ({"numero_action": "2011300030"}, ["2011300030"]),
        ({"numero_enregistrement": DECA}, ["2011300020"]),
        ({"numero_enregistrement": "075 2023 09 00 0123"}, ["2011300020"]),  # as printed
        ({"numero_enregistrement": SIA}, ["2011300030"]),  # a public contract's SIA number
        ({"nom_apprenti": "durand", "numero_action": "2011300040"}, ["2011300040"]),
        ({"nom_apprenti": "personne"}, []),
    ],
)
def test_la_recherche_filtre_par_chaque_critere(
    portail: Portail, criteres: dict[str, str], attendus: list[str]
) -> None:
    """Apprentice name, action number, DECA or SIA number; the criteria stay in the form."""
    portail.compte_actif()
    portail.recevoir(
        dossier("2011300020", nom="Martin", prenom="Éloïse", deca=DECA),
        dossier("2011300030", nom="Durand", prenom="Paul", deca=None, sia=SIA),
        dossier("2011300040", nom="Petit", prenom="Durandal", deca=None),
    )
    reponse = client_connecte(portail).get("/actions", params=criteres)
    assert reponse.status_code == 200
    if attendus:
        assert numeros_affiches(reponse) == attendus
    else:
        assert "Aucune donnée disponible" in texte(reponse)
        assert '<table class="actions"' not in reponse.text
    for nom, valeur in criteres.items():
        assert f'name="{nom}" type="' in reponse.text
        assert f'value="{valeur}"' in texte(reponse)


@pytest.mark.parametrize(
    ("criteres", "champ", "message"),
    [
        (
            {"numero_action": "20113A"},
            "numero_action",
            "Le numéro d'action ne contient que des chiffres.",
        ),
        (
            {"numero_enregistrement": "1234"},
            "numero_enregistrement",
            "Numéro DECA ou SIA « 1234 » : 15 caractères attendus",
        ),
    ],
)
def test_un_critere_mal_forme_est_signale_a_cote_de_son_champ(
    portail: Portail, criteres: dict[str, str], champ: str, message: str
) -> None:
    """A malformed criterion: the French message beside its field, the input kept."""
    portail.compte_actif()
    reponse = client_connecte(portail).get("/actions", params=criteres)
    assert reponse.status_code == 422
    assert champ_en_erreur(reponse, champ).startswith(message)
    assert f'href="#{champ}"' in reponse.text  # the summary links to the field
    assert 'aria-invalid="true"' in reponse.text
    assert f'value="{next(iter(criteres.values()))}"' in reponse.text
    export = portail.client.get("/actions/export.csv", params=criteres)
    assert export.status_code == 422
    assert champ_en_erreur(export, champ).startswith(message)


def test_la_liste_vide_dit_aucune_donnee(portail: Portail) -> None:
    """No file: "Aucune donnée disponible", no table, no pages, no export."""
    portail.compte_actif()
    reponse = client_connecte(portail).get("/actions")
    assert reponse.status_code == 200
    assert "Aucune donnée disponible" in texte(reponse)
    assert "Précédent" not in texte(reponse)
    assert "/actions/export.csv" not in reponse.text


def pages_de_23(portail: Portail) -> list[str]:
    """23 files of the default account; their numbers as the list sorts them."""
    portail.compte_actif()
    numeros = [f"20113{rang:05d}" for rang in range(1, 24)]
    assert portail.recevoir(*(dossier(n) for n in numeros)).crees == 23
    return sorted(numeros, key=int, reverse=True)


def test_la_pagination_premiere_milieu_et_derniere_page(portail: Portail) -> None:
    """Pages of 10: the counts of each page, Précédent / Suivant only where they lead."""
    ordre = pages_de_23(portail)
    client = client_connecte(portail)
    premiere = client.get("/actions")
    assert numeros_affiches(premiere) == ordre[:10]
    assert "Affichage de l'élément 1 à 10 sur 23 éléments" in lisible(premiere)
    assert '<span aria-disabled="true">Précédent</span>' in premiere.text
    assert '<a href="/actions?page=2" rel="next">Suivant</a>' in premiere.text

    milieu = client.get("/actions", params={"page": "2"})
    assert numeros_affiches(milieu) == ordre[10:20]
    assert "Affichage de l'élément 11 à 20 sur 23 éléments" in lisible(milieu)
    assert '<a href="/actions?page=1" rel="prev">Précédent</a>' in milieu.text
    assert '<a href="/actions?page=3" rel="next">Suivant</a>' in milieu.text

    derniere = client.get("/actions", params={"page": "3"})
    assert numeros_affiches(derniere) == ordre[20:]
    assert "Affichage de l'élément 21 à 23 sur 23 éléments" in lisible(derniere)
    assert '<a href="/actions?page=2" rel="prev">Précédent</a>' in derniere.text
    assert '<span aria-disabled="true">Suivant</span>' in derniere.text


def test_les_liens_de_pages_gardent_les_criteres(portail: Portail) -> None:
    """Précédent / Suivant and the export keep the search."""
    pages_de_23(portail)
    reponse = client_connecte(portail).get("/actions", params={"nom_apprenti": "Éloïse"})
    assert "sur 23 éléments" in lisible(reponse)
    assert 'href="/actions?nom_apprenti=%C3%89lo%C3%AFse&amp;page=2" rel="next"' in reponse.text
    assert 'href="/actions/export.csv?nom_apprenti=%C3%89lo%C3%AFse"' in reponse.text


def test_une_page_au_dela_de_la_fin_mene_a_la_derniere(portail: Portail) -> None:
    """A page past the end (the list shrank since) sends to the last page."""
    pages_de_23(portail)
    client = client_connecte(portail)
    reponse = client.get(
        "/actions", params={"page": "9", "numero_action": "2011300"}, follow_redirects=False
    )
    assert reponse.status_code == 303
    assert reponse.headers["location"] == "/actions?numero_action=2011300&page=3"
    vide = client.get(
        "/actions", params={"page": "4", "nom_apprenti": "personne"}, follow_redirects=False
    )
    assert vide.headers["location"] == "/actions?nom_apprenti=personne&page=1"


@pytest.mark.parametrize("page", ["0", str(2**63)])
def test_un_numero_de_page_refuse_est_dit_en_francais(portail: Portail, page: str) -> None:
    """A page number the use case refuses: a French message at the results, no 500."""
    portail.compte_actif()
    reponse = client_connecte(portail).get("/actions", params={"page": page})
    assert reponse.status_code == 422
    assert 'href="#resultats"' in reponse.text
    assert "Numéro de page" in texte(reponse)


def test_un_numero_de_page_qui_n_est_pas_un_nombre_est_une_requete_incorrecte(
    portail: Portail,
) -> None:
    """``?page=abc`` is a malformed address: the French 400 page."""
    portail.compte_actif()
    reponse = client_connecte(portail).get("/actions", params={"page": "abc"})
    assert reponse.status_code == 400
    assert "La requête est incomplète ou mal formée." in texte(reponse)


# --- the CSV export --------------------------------------------------------------------------


def lire_csv(reponse: Any) -> list[list[str]]:
    """The rows of the CSV file, after checking it is what French Excel expects."""
    assert reponse.headers["content-type"] == "text/csv; charset=utf-8"
    assert reponse.headers["content-disposition"] == 'attachment; filename="mes-actions.csv"'
    assert reponse.content.startswith(b"\xef\xbb\xbf")  # the BOM
    return list(csv.reader(io.StringIO(reponse.content.decode("utf-8-sig")), delimiter=";"))


def test_l_export_csv_contient_tout_le_resultat_page_apres_page(
    portail: Portail, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every matching file, not only the first page, read page after page."""
    portail.compte_actif()
    numeros = [f"20113{rang:05d}" for rang in range(1, 24)]
    fichiers = [
        dossier(n, frais_pedagogiques=f"{1000 + rang * 10}.50", prenom=f"Éloïse{'x' * rang}")
        for rang, n in enumerate(numeros)
    ]
    portail.recevoir(*fichiers, dossier("2011399999", nom="Autre", prenom="Personne"))
    lues: list[tuple[int, int | None]] = []
    reelle = actions.lister_actions

    def espion(*args: Any, **kwargs: Any) -> Any:
        lues.append((kwargs["page"], kwargs["taille"]))
        return reelle(*args, **kwargs)

    monkeypatch.setattr(pages_actions, "TAILLE_PAGE_EXPORT", 10)
    monkeypatch.setattr(actions, "lister_actions", espion)
    reponse = client_connecte(portail).get("/actions/export.csv", params={"nom_apprenti": "eloi"})
    assert reponse.status_code == 200
    assert lues == [(1, 10), (2, 10), (3, 10)]
    entete, *lignes = lire_csv(reponse)
    assert entete == list(pages_actions.ENTETES_CSV)
    attendues = []
    for rang, numero in sorted(enumerate(numeros), key=lambda p: int(p[1]), reverse=True):
        pedagogiques = Decimal(1000 + rang * 10) + Decimal("0.50")
        attendues.append(
            [
                numero,
                "reçu",
                "CFA des Métiers de la Santé",
                "73282932000074",
                "Martin",
                f"Éloïse{'x' * rang}",
                DECA,
                f"{pedagogiques + 1250:.2f}".replace(".", ","),
                f"{pedagogiques:.2f}".replace(".", ","),
                "1250,00",
                "0,00",
            ]
        )
    assert lignes == attendues


def test_l_export_csv_d_une_recherche_vide_n_a_que_l_entete(portail: Portail) -> None:
    """No match: the header line alone."""
    portail.compte_actif()
    reponse = client_connecte(portail).get("/actions/export.csv")
    assert lire_csv(reponse) == [list(pages_actions.ENTETES_CSV)]


def test_l_export_csv_desarme_les_formules(portail: Portail) -> None:
    """A text a spreadsheet would run as a formula is written as text (CSV injection)."""
    portail.compte_actif(EMAIL_B, siret=SIRET_B, raison_sociale='=HYPERLINK("http://x")')
    portail.recevoir(dossier(NUMERO_B, siret_cfa=SIRET_B))
    connecter(portail.client, EMAIL_B)
    (_, ligne) = lire_csv(portail.client.get("/actions/export.csv"))
    assert ligne[2] == '\'=HYPERLINK("http://x")'


# --- access control between organismes -------------------------------------------------------


def test_un_organisme_ne_voit_jamais_les_dossiers_d_un_autre(portail: Portail) -> None:
    """Neither the list, the search, the export nor the URL shows B's file to A (IDOR)."""
    deux_organismes(portail)
    client = client_connecte(portail)
    assert numeros_affiches(client.get("/actions")) == [NUMERO]
    recherche = client.get("/actions", params={"numero_action": NUMERO_B})
    assert "Aucune donnée disponible" in texte(recherche)
    assert "Bernard" not in texte(client.get("/actions", params={"nom_apprenti": "bernard"}))
    (_, *lignes) = lire_csv(client.get("/actions/export.csv"))
    assert [ligne[0] for ligne in lignes] == [NUMERO]

    autre = client.get(f"/actions/{NUMERO_B}")
    inexistant = client.get("/actions/2099999999")
    assert autre.status_code == inexistant.status_code == 404
    assert texte(autre) == texte(inexistant).replace("2099999999", NUMERO_B)
    assert "Bernard" not in texte(autre)

    b = portail.client_neuf()
    connecter(b, EMAIL_B)
    assert b.get(f"/actions/{NUMERO_B}").status_code == 200
    assert b.get(f"/actions/{NUMERO}").status_code == 404


def test_une_delegation_active_montre_les_dossiers_du_delegant(portail: Portail) -> None:
    """B delegates to A (approved by B): A sees B's file, named after B."""
    portail.compte_actif()
    portail.compte_actif(EMAIL_B, siret=SIRET_B, raison_sociale="CFA du Nord")
    en_cours(portail, dossier(NUMERO), dossier(NUMERO_B, siret_cfa=SIRET_B, nom="Bernard"))
    delegation = organismes.demander_delegation(
        portail.contexte, portail.id_compte(), SIRET_B.numero, "CFA du Nord"
    )
    organismes.decider_delegation(
        portail.contexte, portail.id_compte(EMAIL_B), delegation.id, approuver=True
    )
    client = client_connecte(portail)
    lignes = tableau(client.get("/actions"), "Dossiers")[1:]
    assert [(ligne[0], ligne[2]) for ligne in lignes] == [
        (NUMERO, "CFA des Métiers de la Santé 732 829 320 00074"),
        (NUMERO_B, "CFA du Nord 552 081 317 00018"),
    ]
    assert client.get(f"/actions/{NUMERO_B}").status_code == 200


# --- the file's detail ---------------------------------------------------------------------


def dossier_avec_paiements(portail: Portail) -> None:
    """The guide's file, its first advance paid, a second request in processing.

    2021 regime (signed 15/08/2023), contract 01/09/2023 - 31/08/2025: two full years, each
    half of the 26 247 € engagement (13 123,50 €), paid 40 % / 30 % / 30 %.
    """
    deux_organismes(portail)
    premiere = demander(
        portail,
        Periode(dt.date(2023, 9, 1), dt.date(2024, 2, 29)),
        MontantsDemandes(frais_pedagogiques=Montant("5249.40")),
        certificat=False,
    )
    payer(portail, premiere)
    portail.horloge.instant = dt.datetime(2024, 3, 15, 9, 0, tzinfo=dt.UTC)
    demander(
        portail,
        Periode(dt.date(2024, 3, 1), dt.date(2024, 5, 31)),
        MontantsDemandes(frais_pedagogiques=Montant("1000"), frais_divers=Montant("120")),
    )


def test_le_detail_montre_les_blocs_du_guide(portail: Portail) -> None:
    """Formation, Contrat, Aspect financier: the file's fields as the guide lists them."""
    dossier_avec_paiements(portail)
    reponse = client_connecte(portail).get(f"/actions/{NUMERO}")
    assert reponse.status_code == 200
    page = lisible(reponse)
    for attendu in (
        f"Dossier {NUMERO}",
        "État du dossier en cours",
        # Formation
        "Intitulé BTS Diététique",
        f"Numéro DECA {DECA}",
        "Date de dépôt 20/08/2023",
        "Diplôme préparé Brevet de technicien supérieur diététique (niveau 5)",
        "Code diplôme 32033104 – RNCP35612",
        "Date de début 04/09/2023",
        "Date de fin 30/06/2025",
        # Contrat
        "Type de contrat Contrat d'apprentissage initial",
        "Employeur Clinique des Lilas (SIRET 421 100 645 00967)",
        "Date de début 01/09/2023",
        "Date de fin 31/08/2025",
        "Emploi occupé Diététicien",
        "Apprenti Éloïse Martin – N° de sécurité sociale 2 95 10 •• ••• ••• 93",
        # Aspect financier
        f"Total des remboursements {euros('5249.40')}",
    ):
        assert attendu in page, attendu
    assert "295109912611193" not in reponse.text  # the NIR is never shown whole
    assert tableau(reponse, "Budget engagé") == [
        [
            "Frais pédagogiques",
            "Hébergement",
            "Frais de mobilité",
            "Transport",
            "Frais divers",
            "Budget total alternance",
        ],
        [euros("26247"), euros("300"), euros("500"), euros("0"), euros("450"), euros("27497")],
    ]


def test_le_detail_montre_l_echeancier_calcule(portail: Portail) -> None:
    """Each installment: period, amount, opening, requested, paid, left (2021 regime)."""
    dossier_avec_paiements(portail)
    reponse = client_connecte(portail).get(f"/actions/{NUMERO}")
    annee = Decimal(26247) / 2  # two full years
    acompte = ", premier acompte"
    avance, deuxieme = annee * Decimal("0.40"), annee * Decimal("0.30")
    troisieme = annee - avance - deuxieme
    assert (avance, deuxieme, troisieme) == (
        Decimal("5249.40"),
        Decimal("3937.05"),
        Decimal("3937.05"),
    )
    periodes = [
        ("01/09/2023", "29/02/2024"),
        ("01/03/2024", "31/05/2024"),
        ("01/06/2024", "31/08/2024"),
        ("01/09/2024", "28/02/2025"),
        ("01/03/2025", "31/05/2025"),
        ("01/06/2025", "31/08/2025"),
    ]
    montants = [avance, deuxieme, troisieme] * 2
    demande = [Decimal(0), Decimal(1000)] + [Decimal(0)] * 4  # the second request, in processing
    paye = [avance] + [Decimal(0)] * 5
    attendu = [
        [
            f"{rang + 1} (A{rang // 3 + 1}-E{rang % 3 + 1}{acompte if rang == 0 else ''})",
            f"du {debut} au {fin}",
            euros(str(montants[rang])),
            debut,
            euros(str(demande[rang])),
            euros(str(paye[rang])),
            euros(str(montants[rang] - demande[rang] - paye[rang])),
        ]
        for rang, (debut, fin) in enumerate(periodes)
    ]
    lignes = tableau(reponse, "Échéances")
    assert lignes[0] == [
        "Échéance",
        "Période",
        "Montant",
        "Ouverture",
        "Demandé, en cours",
        "Payé",
        "Reste à demander",
    ]
    assert lignes[1:] == attendu
    page = lisible(reponse)
    assert "Rythme de paiement Contrat signé du 1er janvier 2021 au 30 juin 2025" in page
    assert f"Engagement {euros('26247')}" in page
    assert f"À verser par l'OPCO Santé {euros('26247')}" in page


def test_le_detail_montre_les_paiements_et_le_budget_consomme(portail: Portail) -> None:
    """Paiements: each request; the budget table: budget, consumed, available per category."""
    dossier_avec_paiements(portail)
    reponse = client_connecte(portail).get(f"/actions/{NUMERO}")
    paiements = tableau(reponse, "Demandes de remboursement")
    assert paiements[0] == [
        "Numéro",
        "État de la demande",
        "Date de début",
        "Date de fin",
        "Frais pédagogiques",
        "Frais de repas et de nuitées",
        "Frais divers",
        "Frais de mobilité internationale",
        "Total",
    ]
    zero = euros("0")
    assert paiements[1:] == [
        [
            "1",
            "payée",
            "01/09/2023",
            "29/02/2024",
            euros("5249.40"),
            zero,
            zero,
            zero,
            euros("5249.40"),
        ],
        [
            "2",
            "soumise",
            "01/03/2024",
            "31/05/2024",
            euros("1000"),
            zero,
            euros("120"),
            zero,
            euros("1120"),
        ],
    ]  # no column for the majoration handicap: none engaged, none requested
    consommation = tableau(reponse, "Budget, consommé et disponible")
    assert consommation[1:] == [
        ["Frais pédagogiques", euros("26247"), euros("6249.40"), euros("19997.60")],
        ["Frais de repas et de nuitées", euros("300"), zero, euros("300")],
        ["Frais divers", euros("450"), euros("120"), euros("330")],
        ["Frais de mobilité internationale", euros("500"), zero, euros("500")],
    ]
    assert re.search(r'href="/demandes/[0-9a-f-]{36}">1</a>', reponse.text)


def test_le_graphique_du_budget_est_un_svg_valide_et_accessible(portail: Portail) -> None:
    """An inline SVG, valid XML, role="img" with a title and the figures in its description."""
    dossier_avec_paiements(portail)
    reponse = client_connecte(portail).get(f"/actions/{NUMERO}")
    trouve = re.search(r"<svg\b.*?</svg>", reponse.text, re.DOTALL)
    assert trouve is not None
    svg = ET.fromstring(trouve.group(0))  # noqa: S314 - our own page
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "graphique-titre graphique-desc"
    titre = svg.find(f"{SVG}title")
    description = svg.find(f"{SVG}desc")
    assert titre is not None
    assert titre.text == "Budget consommé par catégorie"
    assert description is not None
    assert description.text is not None
    assert f"Frais pédagogiques : {euros('6249.40')} consommés sur {euros('26247')}" in simple(
        description.text
    )
    barres = svg.findall(f"{SVG}g")
    assert len(barres) == 4  # the categories of the table above
    pleines = [b.find(f"{SVG}rect[@class='barre-consomme']") for b in barres]
    largeurs = [int(p.get("width", "-1")) for p in pleines if p is not None]
    # 600 units for a whole budget: 6 249,40 / 26 247 and 120 / 450 of it.
    assert largeurs == [
        round(600 * 6249.40 / 26247),
        0,
        round(600 * 120 / 450),
        0,
    ]
    assert "<script" not in trouve.group(0)
    assert "style=" not in trouve.group(0)


def test_le_detail_montre_l_historique_des_etats(portail: Portail) -> None:
    """The history: each state change, its author and reason."""
    deux_organismes(portail)
    reponse = client_connecte(portail).get(f"/actions/{NUMERO}")
    historique = tableau(reponse, "Changements d'état")
    assert [ligne[1:4] for ligne in historique[1:]] == [
        ["", "reçu", "Webservice"],
        ["reçu", "en instruction", "Webservice"],
        ["en instruction", "en cours", "Webservice"],
    ]
    assert historique[1][0] == "10/09/2023 à 10:30"  # 08:30 UTC in Paris
    assert historique[1][4] == "Dossier transmis par le Webservice de l'adhérent"


def test_le_bouton_de_demande_n_apparait_que_si_le_dossier_est_remboursable(
    portail: Portail,
) -> None:
    """*En cours*: a link to the request form; *reçu*: none, and no request yet."""
    portail.compte_actif()
    en_cours(portail, dossier(NUMERO))
    portail.recevoir(dossier("2011300077"))
    client = client_connecte(portail)
    remboursable = client.get(f"/actions/{NUMERO}")
    assert f'href="/actions/{NUMERO}/demande">Saisir une demande de remboursement</a>' in (
        remboursable.text
    )
    recu = client.get("/actions/2011300077")
    assert recu.status_code == 200
    assert "Saisir une demande de remboursement" not in texte(recu)
    assert "Aucune donnée disponible" in texte(recu)  # Paiements
    assert "État du dossier reçu" in lisible(recu)


def test_une_majoration_handicap_engagee_a_sa_colonne_et_sa_barre(portail: Portail) -> None:
    """An apprentice with RQTH: the majoration handicap shows in the budget and the chart."""
    portail.compte_actif()
    avec_rqth = attrs.evolve(
        dossier(NUMERO),
        contrat=exemples.contrat(apprenti=exemples.apprenti(rqth=True)),
        budget=exemples.budget(majoration_handicap=Montant("8000")),
    )
    en_cours(portail, avec_rqth)
    reponse = client_connecte(portail).get(f"/actions/{NUMERO}")
    budget = tableau(reponse, "Budget engagé")
    assert budget[0][1] == "Majoration handicap"
    assert budget[1][1] == euros("8000")
    assert budget[1][-1] == euros(str(26247 + 8000 + 1250))
    lignes = tableau(reponse, "Budget, consommé et disponible")
    assert lignes[-1] == ["Majoration handicap (RQTH)", euros("8000"), euros("0"), euros("8000")]
    assert "reconnu travailleur handicapé (RQTH)" in lisible(reponse)
    assert reponse.text.count('class="barre-consomme"') == 5


# --- sortable columns ------------------------------------------------------------------------


def trois_budgets(portail: Portail) -> dict[str, Decimal]:
    """12 files of the default account, pedagogical costs in an order unlike their numbers."""
    portail.compte_actif()
    couts = {f"20113{rang:05d}": Decimal(1000 + (rang * 7) % 12 * 100) for rang in range(12)}
    portail.recevoir(
        *(dossier(n, frais_pedagogiques=str(c), prenom="Éloïse") for n, c in couts.items())
    )
    return couts


def entetes_tries(reponse: Any) -> dict[str, tuple[str, str | None]]:
    """Each sortable header's label: its link and its ``aria-sort``."""
    trouves = re.findall(
        r'<th scope="col"(?: class="montant")?(?: aria-sort="(\w+)")?>'
        r'<a href="([^"]+)" class="tri">([^<]+)</a></th>',
        reponse.text,
    )
    return {
        html.unescape(libelle): (html.unescape(lien), tri or None) for tri, lien, libelle in trouves
    }


def test_chaque_colonne_du_guide_sauf_l_apprenti_se_trie(portail: Portail) -> None:
    """Eight headers are links; the list is sorted by action number descending (aria-sort)."""
    pages_de_23(portail)
    reponse = client_connecte(portail).get("/actions", params={"nom_apprenti": "elo"})
    entetes = entetes_tries(reponse)
    assert list(entetes) == [
        "Numéro d'action",
        "État du dossier",
        "CFA bénéficiaire des comptes Apprenti",
        "Numéro DECA ou SIA",
        "Budget alternance total",
        "Montant des frais pédagogiques pris en charge",
        "Montant des frais annexes pris en charge",
        "Total des remboursements",
    ]
    assert entetes["Numéro d'action"] == (
        "/actions?nom_apprenti=elo&tri=numero&ordre=croissant",
        "descending",
    )
    assert entetes["Budget alternance total"] == (
        "/actions?nom_apprenti=elo&tri=budget&ordre=croissant",
        None,
    )
    assert '<th scope="col">Apprenti</th>' in reponse.text


def test_un_clic_trie_un_second_inverse_et_la_pagination_garde_le_tri(portail: Portail) -> None:
    """Budget ascending, then descending; Suivant and the export keep criteria and order."""
    couts = trois_budgets(portail)
    client = client_connecte(portail)
    croissant = sorted(couts, key=lambda n: (couts[n], int(n)))
    lien, _ = entetes_tries(client.get("/actions", params={"page": "2"}))["Budget alternance total"]
    assert lien == "/actions?tri=budget&ordre=croissant"  # back to the first page
    premiere = client.get(lien)
    assert numeros_affiches(premiere) == croissant[:10]
    assert entetes_tries(premiere)["Budget alternance total"] == (
        "/actions?tri=budget&ordre=decroissant",
        "ascending",
    )
    assert '<a href="/actions?tri=budget&amp;ordre=croissant&amp;page=2" rel="next">' in (
        premiere.text
    )
    assert (
        numeros_affiches(client.get("/actions?tri=budget&ordre=croissant&page=2"))
        == (croissant[10:])
    )
    inverse = client.get("/actions?tri=budget&ordre=decroissant")
    assert numeros_affiches(inverse) == croissant[::-1][:10]
    assert entetes_tries(inverse)["Budget alternance total"][1] == "descending"
    assert 'href="/actions/export.csv?tri=budget&amp;ordre=decroissant"' in inverse.text


def test_l_export_csv_suit_l_ordre_de_la_liste(portail: Portail) -> None:
    """The CSV file lists the files in the order of the sorted list."""
    couts = trois_budgets(portail)
    _, *lignes = lire_csv(
        client_connecte(portail).get(
            "/actions/export.csv", params={"tri": "pedagogie", "ordre": "croissant"}
        )
    )
    assert [ligne[0] for ligne in lignes] == sorted(couts, key=lambda n: (couts[n], int(n)))


@pytest.mark.parametrize(
    ("parametres", "message"),
    [
        ({"tri": "apprenti"}, "Tri : cette colonne ne se trie pas."),
        ({"tri": "budget", "ordre": "aleatoire"}, "Tri : ordre inconnu."),
    ],
)
def test_un_tri_inconnu_est_dit_en_francais(
    portail: Portail, parametres: dict[str, str], message: str
) -> None:
    """An unknown column or order: the French message at the results, for the list and CSV."""
    portail.compte_actif()
    client = client_connecte(portail)
    for adresse in ("/actions", "/actions/export.csv"):
        reponse = client.get(adresse, params=parametres)
        assert reponse.status_code == 422
        assert 'href="#resultats"' in reponse.text
        assert message in texte(reponse)
