"""The resources of ``/api/v1``: files, their history, requests, receipts, documents.

Each handler parses, calls one use case of the core as the key's account
(:func:`cfa_web.auth.acces_api`), and renders (:mod:`cfa_web.api.schemas`); the core's
errors reach :mod:`cfa_web.api.problemes`. The visibility is the core's: a key sees the
files of its organisme and of its active delegants, and any other id is a 404.
"""

from __future__ import annotations

import uuid  # noqa: TC003 - Litestar reads the path parameter's type at runtime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Final
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile  # noqa: TC002 - Litestar reads it at runtime
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath, HeaderParameter, QueryParameter

from cfa_domain.errors import DonneeInvalide
from cfa_domain.ports import CriteresDemandes, CriteresRecherche
from cfa_domain.remboursement import EtatDemande  # noqa: TC001 - Litestar reads it at runtime
from cfa_domain.services import actions, demandes
from cfa_domain.services.contexte import TAILLE_PAGE_MAX
from cfa_domain.services.demandes import LONGUEUR_MAX_CLE_IDEMPOTENCE
from cfa_domain.values import Piece
from cfa_web.api import schemas
from cfa_web.api.problemes import MEDIA_PROBLEME
from cfa_web.auth import acces_api, garde_api
from cfa_web.portail._commun import contexte

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["PREFIXE", "ROUTES"]

PREFIXE: Final = "/api/v1"
PDF: Final = "application/pdf"

Page = Annotated[int, QueryParameter(ge=1, le=2**31 - 1, description="Numéro de page (1 …).")]
Taille = Annotated[
    int,
    QueryParameter(ge=1, le=TAILLE_PAGE_MAX, description="Éléments par page."),
]


def _probleme(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=schemas.Probleme,
        media_type=MEDIA_PROBLEME,
        description=description,
        generate_examples=False,
    )


ERREURS: Final = {
    400: _probleme("Requête mal formée (paramètre, en-tête ou corps)."),
    401: _probleme("Clé d'API absente, invalide ou révoquée."),
    404: _probleme("Ressource inexistante, ou que la clé ne voit pas."),
    429: _probleme("Trop de requêtes avec cette clé : voir Retry-After."),
}
ERREURS_RECHERCHE: Final = {
    **ERREURS,
    422: _probleme("Critère refusé par le cœur (code et champ)."),
}
ERREURS_ECRITURE: Final = {
    **ERREURS,
    409: _probleme("Conflit : état de la demande, clé d'idempotence réutilisée."),
    413: _probleme("Corps trop volumineux."),
    422: _probleme("Refus d'une règle de gestion ou donnée invalide (code et champs)."),
}


def _compte(request: Request[Any, Any, Any]) -> uuid.UUID:
    return acces_api(request).compte_id


def _adresse(request: Request[Any, Any, Any]) -> Callable[[int], str]:
    """The address of another page of the same query."""
    parametres = {k: v for k, v in request.query_params.items() if k != "page"}

    def adresse(page: int) -> str:
        return f"{request.url.path}?{urlencode({**parametres, 'page': page})}"

    return adresse


# --- Files -------------------------------------------------------------------------------


@get("/dossiers", responses=ERREURS_RECHERCHE, sync_to_thread=True)
def chercher_dossiers(
    request: Request[Any, Any, Any],
    *,
    nom_apprenti: Annotated[str | None, QueryParameter(name="nomApprenti", max_length=100)] = None,
    numero_action: Annotated[
        str | None, QueryParameter(name="numeroAction", max_length=20, pattern=r"^[0-9]*$")
    ] = None,
    numero_enregistrement: Annotated[
        str | None, QueryParameter(name="numeroEnregistrement", max_length=20)
    ] = None,
    page: Page = 1,
    taille: Taille = 20,
) -> schemas.PageDossiers:
    """Search the files the key may see (the portal's filters), newest action number first.

    ``nomApprenti``: a prefix of the apprentice's last or first name (accents and case
    ignored); ``numeroAction``: a prefix; ``numeroEnregistrement``: a DECA or SIA number.
    """
    criteres = CriteresRecherche(
        nom_apprenti=nom_apprenti,
        numero_action=numero_action,
        numero_enregistrement=numero_enregistrement,
    )
    liste = actions.lister_actions(
        contexte(request), _compte(request), criteres, page=page, taille=taille
    )
    return schemas.page_dossiers(liste, _adresse(request))


@get("/dossiers/{numero_action:str}", responses=ERREURS, sync_to_thread=True)
def lire_dossier(request: Request[Any, Any, Any], numero_action: FromPath[str]) -> schemas.Dossier:
    """A file: budget lines, the computed schedule and what is requested and paid of it."""
    return schemas.dossier(
        actions.consulter_action(contexte(request), _compte(request), numero_action)
    )


@get("/dossiers/{numero_action:str}/historique", responses=ERREURS, sync_to_thread=True)
def historique_dossier(
    request: Request[Any, Any, Any], numero_action: FromPath[str]
) -> schemas.Historique:
    """A file's changes of state, oldest first."""
    detail = actions.consulter_action(contexte(request), _compte(request), numero_action)
    return schemas.historique(detail)


# --- Requests ----------------------------------------------------------------------------


@get("/demandes", responses=ERREURS_RECHERCHE, sync_to_thread=True)
def lister_demandes(
    request: Request[Any, Any, Any],
    *,
    etat: Annotated[EtatDemande | None, QueryParameter()] = None,
    numero_action: Annotated[
        str | None, QueryParameter(name="numeroAction", max_length=20, pattern=r"^[0-9]*$")
    ] = None,
    page: Page = 1,
    taille: Taille = 20,
) -> schemas.PageDemandes:
    """The requests on the files the key may see, newest first."""
    criteres = CriteresDemandes(etat=etat, numero_action=numero_action)
    resultat = demandes.lister_demandes(
        contexte(request), _compte(request), criteres, page=page, taille=taille
    )
    return schemas.page_demandes(resultat, _adresse(request))


@dataclass
class EnvoiDemande:
    """The multipart body of a request's creation.

    ``demande``: the JSON invoice (:class:`~cfa_web.api.schemas.Facture`); ``facture``
    and ``certificat_realisation``: the PDFs (the certificate when the rules require it).
    """

    demande: str
    facture: UploadFile | None = None
    certificat_realisation: UploadFile | None = None


def _lire(envoi: UploadFile | None, piece: Piece) -> tuple[tuple[Piece, str, bytes], ...]:
    if envoi is None:
        return ()
    try:
        return ((piece, envoi.filename, envoi.file.read()),)
    finally:
        envoi.file.close()


def _facture(texte: str) -> schemas.Facture:
    try:
        return msgspec.json.decode(texte, type=schemas.Facture)
    except msgspec.ValidationError as erreur:
        raise DonneeInvalide(
            f"Demande : document JSON invalide ({erreur}).", champ="demande"
        ) from None
    except msgspec.DecodeError:
        raise DonneeInvalide("Demande : ce n'est pas un document JSON.", champ="demande") from None


@post(
    "/demandes",
    status_code=201,
    responses=ERREURS_ECRITURE,
    sync_to_thread=True,
)
def creer_demande(
    request: Request[Any, Any, Any],
    data: Annotated[EnvoiDemande, Body(media_type=RequestEncodingType.MULTI_PART)],
    cle_idempotence: Annotated[
        str | None,
        HeaderParameter(
            name="Idempotency-Key",
            min_length=1,
            max_length=LONGUEUR_MAX_CLE_IDEMPOTENCE,
            required=False,
        ),
    ] = None,
) -> Response[schemas.Accuse]:
    """Submit a reimbursement request as an invoice (lines by ``natureLigne``) with its PDFs.

    With an ``Idempotency-Key``, sending the same request again answers the first one's
    acknowledgement (nothing new is created); another request under the same key is a 409.
    """
    fichiers = _lire(data.facture, Piece.FACTURE) + _lire(
        data.certificat_realisation, Piece.CERTIFICAT_REALISATION
    )
    commande = schemas.commande(_facture(data.demande), fichiers, cle_idempotence)
    recu = demandes.soumettre_demande(contexte(request), _compte(request), commande)
    adresse = f"{PREFIXE}/demandes/{recu.demande_id}"
    return Response(
        schemas.accuse(recu, f"{adresse}/recepisse"),
        status_code=201,
        headers={"location": adresse},
    )


@get("/demandes/{demande_id:uuid}", responses=ERREURS, sync_to_thread=True)
def lire_demande(
    request: Request[Any, Any, Any], demande_id: FromPath[uuid.UUID]
) -> schemas.Demande:
    """A request: its state and history, its lines and documents."""
    detail = demandes.consulter_demande(contexte(request), _compte(request), demande_id)
    return schemas.demande(detail.demande)


@post(
    "/demandes/{demande_id:uuid}/annulation",
    status_code=200,
    responses=ERREURS_ECRITURE,
    sync_to_thread=True,
)
def annuler_demande(
    request: Request[Any, Any, Any], demande_id: FromPath[uuid.UUID]
) -> schemas.Annulation:
    """Withdraw a request the OPCO has not started processing (else 409)."""
    changement = demandes.annuler_demande(contexte(request), _compte(request), demande_id)
    return schemas.Annulation(id=demande_id, etat=changement.arrivee.value, quand=changement.quand)


@get(
    "/demandes/{demande_id:uuid}/recepisse",
    media_type=PDF,
    responses=ERREURS,
    sync_to_thread=True,
)
def recepisse(request: Request[Any, Any, Any], demande_id: FromPath[uuid.UUID]) -> Response[bytes]:
    """The request's receipt in PDF (the same as the portal's, on every download)."""
    contenu = demandes.recepisse_pdf(contexte(request), _compte(request), demande_id)
    return Response(
        contenu,
        media_type=PDF,
        headers={"content-disposition": f'attachment; filename="recepisse-{demande_id}.pdf"'},
    )


@get(
    "/documents/{document_id:str}",
    media_type=PDF,
    responses=ERREURS,
    sync_to_thread=True,
)
def document(request: Request[Any, Any, Any], document_id: FromPath[str]) -> Response[bytes]:
    """A document sent with a request (invoice, certificate), the PDF as it was received.

    Its address is in the request's ``pieces``; a document of a file the key does not
    see is a 404, as an unknown one.
    """
    meta, contenu = demandes.document(contexte(request), _compte(request), document_id)
    return Response(
        contenu,
        media_type=PDF,
        headers={
            "content-disposition": (
                f'attachment; filename="document-{meta.numero_action}-{meta.id}.pdf"'
            )
        },
    )


ROUTES: Final = [
    Router(
        path=PREFIXE,
        guards=[garde_api],
        security=[{"cleApi": []}],
        tags=["API CFA"],
        route_handlers=[
            chercher_dossiers,
            lire_dossier,
            historique_dossier,
            lister_demandes,
            creer_demande,
            lire_demande,
            annuler_demande,
            recepisse,
            document,
        ],
    )
]
"""One router (GET and POST of ``/demandes`` registered together, see portail/organisme)."""
