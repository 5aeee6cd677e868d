"""Write the feed's samples shipped in the package, deterministically (same bytes each run).

``python scripts/generer_exemples_flux.py [DOSSIER]`` writes ``flux.jsonl`` and
``stock.csv`` (default: ``src/cfa_adapters/webservice/exemples``):

- ``flux.jsonl``: 300 files of four CFAs, as the Webservice would have sent them: first
  each file received (version 1), then each one moved state by state to where it stands
  (every state, every payment regime, RQTH apprentices with a majoration handicap, DECA
  and SIA numbers, ruptures), a few budgets revised; every record carries the OPCO's data
  on its CFA, whose contact address can open the CFA's first account. Before the second
  part the first CFA's contact changes (its data goes to version 2).
- ``stock.csv``: 30 files signed in 2019 that the OPCO takes over (reprise de stock), in
  the columns of ``docs/feed.md``.

The files and organismes come from the benchmarks' seeded generator
(``benchmarks/generer.py``), so every value is valid.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import sys
from decimal import Decimal
from pathlib import Path

import attrs

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE / "benchmarks"))

from generer import CHEMINS, generer  # noqa: E402 - the benchmarks' folder is put on the path

from cfa_adapters.webservice.format import ecrire_ligne  # noqa: E402
from cfa_adapters.webservice.sources import COLONNES_STOCK  # noqa: E402
from cfa_domain.action import EtatDossier  # noqa: E402
from cfa_domain.ports import DossierFlux, OrganismeFlux  # noqa: E402
from cfa_domain.values import Email, Montant  # noqa: E402

GRAINE = 20251201
DOSSIERS = 300
STOCK = 30
CONTACT_CHANGE = "nouvelle.direction0@cfa0.fr"


def _donnees(organisme: object, version: int) -> OrganismeFlux:
    return OrganismeFlux(
        version=version,
        fiche=organisme.fiche,  # type: ignore[attr-defined]
        interlocuteur=organisme.interlocuteur,  # type: ignore[attr-defined]
        reference_opco=f"OF-{organisme.siret.numero[-6:]}",  # type: ignore[attr-defined]
    )


def flux() -> list[str]:
    """The lines of ``flux.jsonl``."""
    jeu = generer(DOSSIERS, GRAINE)
    alea = random.Random(GRAINE)  # noqa: S311 - reproducible samples, not secrets
    donnees = {o.siret: _donnees(o, 1) for o in jeu.organismes}
    (actions, _), *_ = jeu.lots(DOSSIERS)
    dossiers = []
    for rang, action in enumerate(actions):
        contrat, budget = action.contrat, action.budget
        if rang % 9 == 0:  # an apprentice with RQTH, and the majoration handicap engaged
            contrat = attrs.evolve(contrat, apprenti=attrs.evolve(contrat.apprenti, rqth=True))
            budget = attrs.evolve(budget, majoration_handicap=Montant(alea.choice((2000, 4000))))
        dossiers.append(
            (
                action.etat,
                DossierFlux(
                    numero_action=action.numero_action,
                    version=1,
                    formation=action.formation,
                    contrat=contrat,
                    budget=budget,
                    etat=EtatDossier.RECU,
                ),
            )
        )
    lignes = [
        ecrire_ligne(attrs.evolve(d, organisme=donnees[d.formation.siret_cfa])) for _, d in dossiers
    ]
    premier = jeu.organismes[0]
    contact = attrs.evolve(premier.interlocuteur, email=Email(CONTACT_CHANGE))
    donnees[premier.siret] = attrs.evolve(donnees[premier.siret], version=2, interlocuteur=contact)
    for rang, (etat, dossier) in enumerate(dossiers):
        courant = attrs.evolve(dossier, organisme=donnees[dossier.formation.siret_cfa])
        if rang % 25 == 1:  # a revised budget, a newer version in the same state
            revise = courant.budget.frais_pedagogiques + Montant(Decimal(500))
            courant = attrs.evolve(
                courant,
                version=courant.version + 1,
                budget=attrs.evolve(courant.budget, frais_pedagogiques=revise),
            )
            lignes.append(ecrire_ligne(courant))
        for etape in CHEMINS[etat]:
            courant = attrs.evolve(courant, version=courant.version + 1, etat=etape)
            lignes.append(ecrire_ligne(courant))
    return lignes


_ETATS_STOCK = ("ENGAGE", "ENGAGE", "ENGAGE", "RUPTURE", "SOLDE", "EN_COURS_INSTRUCTION")


def stock() -> str:
    """The text of ``stock.csv``: files signed in 2019, in the OPCO's French spreadsheet style."""
    jeu = generer(STOCK, GRAINE + 1)
    (actions, _), *_ = jeu.lots(STOCK)
    sirets = [o.siret for o in generer(DOSSIERS, GRAINE).organismes]
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\n")
    ecrivain.writerow(COLONNES_STOCK)
    for rang, action in enumerate(actions):
        f, c, b = action.formation, action.contrat, action.budget
        signature = dt.date(2019, 1 + rang % 12, 1 + rang % 28)
        debut = signature + dt.timedelta(days=20)
        fin = debut + dt.timedelta(days=(729, 1094)[rang % 2])
        etat = _ETATS_STOCK[rang % len(_ETATS_STOCK)]
        rupture = fin - dt.timedelta(days=200) if etat == "RUPTURE" else None

        def francaise(jour: dt.date | None) -> str:
            return "" if jour is None else f"{jour:%d/%m/%Y}"

        def euros(montant: Montant) -> str:
            return f"{montant.valeur:.2f}".replace(".", ",")

        ecrivain.writerow(
            [
                f"19{rang:08d}",
                "5",
                etat,
                francaise(signature),
                "" if f.numero_deca is None else f"075{signature:%Y%m}00{rang:04d}",
                "",
                f.intitule,
                f.diplome,
                f.code_diplome,
                str(f.niveau_diplome),
                "",
                francaise(debut),
                francaise(fin),
                sirets[rang % len(sirets)].numero,
                c.employeur.siret.numero,
                c.employeur.raison_sociale,
                c.type_contrat,
                c.emploi,
                c.apprenti.nom,
                c.apprenti.prenom,
                c.apprenti.nir.numero,
                "non",
                francaise(signature),
                francaise(debut),
                francaise(fin),
                francaise(rupture),
                euros(b.frais_pedagogiques),
                euros(b.hebergement),
                euros(b.mobilite),
                euros(b.transport),
                euros(b.frais_divers),
                "0,00",
            ]
        )
    return sortie.getvalue()


def main() -> None:
    """Write both samples into the folder given (default: the package's ``exemples``)."""
    dossier = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else (RACINE / "src" / "cfa_adapters" / "webservice" / "exemples")
    )
    dossier.mkdir(parents=True, exist_ok=True)
    lignes = flux()
    (dossier / "flux.jsonl").write_text("\n".join(lignes) + "\n", encoding="utf-8")
    (dossier / "stock.csv").write_text(stock(), encoding="utf-8")
    print(f"{dossier / 'flux.jsonl'} : {len(lignes)} enregistrements")
    print(f"{dossier / 'stock.csv'} : {STOCK} dossiers")


if __name__ == "__main__":
    main()
