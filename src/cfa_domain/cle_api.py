"""API keys: how a CFA's management software calls the JSON API in the name of its organisme.

Rules (docs/api.md, docs/security.md):

- **Shown once, stored hashed.** A key reads ``cfa_<id>_<secret>``: ``id`` is the key's
  identifier (32 hex digits, the lookup), ``secret`` a random token of at least 256 bits
  (:meth:`~cfa_domain.ports.GenerateurJetons.jeton`). Only the SHA-256 fingerprint of the
  secret is stored, as for the accounts' one-time tokens: a secret of 256 random bits
  cannot be found from its fingerprint by trying, so a slow password hash (argon2) would
  only make every API call cost tens of milliseconds. The check compares fingerprints in
  constant time.
- **Whose.** A key belongs to an organisme and is created by one of its active accounts;
  the API acts as that account (the same use cases, visibility and rules as its portal
  session: the organisme's files and those of its active delegants). The key stops
  working when it is revoked or when that account can no longer act (deactivated).
- **Expiry.** A key may be given a life in days (:data:`DUREE_MAX_JOURS` at most) when
  it is created; from its ``expire_le`` on it is refused as a revoked one. Without one it
  lives until revoked.
- **Revocation** is final; an account of the organisme or an OPCO agent revokes.
- **Last use** is recorded at most once a minute (:data:`INTERVALLE_UTILISATION`), so an
  API call writes to the database once a minute at most, not at every request.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import re
import uuid
from typing import Final, Self

import attrs

from cfa_domain.errors import Agregat, CleApiInvalide, DonneeInvalide
from cfa_domain.etats import Changement, MachineAEtats
from cfa_domain.values import Siret, entier, texte

__all__ = [
    "DUREE_MAX_JOURS",
    "INTERVALLE_UTILISATION",
    "LONGUEUR_MAX_NOM",
    "MACHINE_CLE_API",
    "PREFIXE",
    "CleApi",
    "StatutCleApi",
    "empreinte_secret",
    "lire_cle",
]

PREFIXE: Final = "cfa"
"""Every key starts with ``cfa_`` (secret scanners and people recognise it)."""

LONGUEUR_MAX_NOM: Final = 100
"""The longest name of a key ("Logiciel de gestion", "ERP – site de Lyon")."""

INTERVALLE_UTILISATION: Final = dt.timedelta(minutes=1)
"""The last use is recorded again only once this long has passed since the recorded one."""

DUREE_MAX_JOURS: Final = 3650
"""The longest life a key may be given (ten years)."""

_FORME = re.compile(r"cfa_(?P<id>[0-9a-f]{32})_(?P<secret>[A-Za-z0-9_-]{43,128})")


class StatutCleApi(enum.Enum):
    """The life of a key."""

    ACTIVE = "active"
    REVOQUEE = "revoquee"

    @property
    def libelle(self) -> str:
        """French label."""
        return "active" if self is StatutCleApi.ACTIVE else "révoquée"


MACHINE_CLE_API: MachineAEtats[StatutCleApi] = MachineAEtats(
    Agregat.CLE_API,
    "statut",
    "id",
    {
        StatutCleApi.ACTIVE: frozenset({StatutCleApi.REVOQUEE}),
        StatutCleApi.REVOQUEE: frozenset(),
    },
)
"""Active until revoked, once."""


def empreinte_secret(secret: str) -> str:
    """The stored fingerprint of a key's secret (SHA-256, hex)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def lire_cle(cle: str) -> tuple[uuid.UUID, str]:
    """Split a key as the caller sends it into its id and its secret.

    Raises:
        CleApiInvalide: the text does not have the form of a key.
    """
    forme = _FORME.fullmatch(cle)
    if forme is None:
        raise CleApiInvalide
    return uuid.UUID(hex=forme["id"]), forme["secret"]


def _nom(valeur: str) -> str:
    nom = texte(valeur, "nom", "Nom de la clé").strip()
    if not nom:
        raise DonneeInvalide("Nom de la clé : ce champ est obligatoire.", champ="nom")
    if len(nom) > LONGUEUR_MAX_NOM:
        raise DonneeInvalide(
            f"Nom de la clé : {LONGUEUR_MAX_NOM} caractères au plus.", champ="nom", valeur=nom
        )
    return nom


@attrs.define(slots=False, eq=False)
class CleApi:
    """An API key of an organisme (its secret is never kept, only its fingerprint)."""

    id: uuid.UUID
    siret_organisme: Siret
    compte_id: uuid.UUID
    """The account that created the key: the API acts as it."""
    nom: str
    empreinte: str
    statut: StatutCleApi
    cree_le: dt.datetime
    derniere_utilisation: dt.datetime | None = None
    expire_le: dt.datetime | None = None
    """From this instant the key is refused; None: it lives until revoked."""
    historique: list[Changement[StatutCleApi]] = attrs.field(factory=list)

    @classmethod
    def creer(
        cls,
        *,
        id: uuid.UUID,  # noqa: A002 - the entity's field is named id, as in every aggregate
        siret_organisme: Siret,
        compte_id: uuid.UUID,
        nom: str,
        secret: str,
        quand: dt.datetime,
        duree_jours: int | None = None,
    ) -> tuple[Self, str]:
        """A new active key and the full text to show once (``cfa_<id>_<secret>``).

        ``duree_jours``: its life, 1 to :data:`DUREE_MAX_JOURS` days (None: until revoked).

        Raises:
            DonneeInvalide: no name, a name longer than :data:`LONGUEUR_MAX_NOM`, a life
                out of range.
        """
        expire_le = (
            None
            if duree_jours is None
            else quand
            + dt.timedelta(
                days=entier(
                    duree_jours,
                    "duree_jours",
                    "Durée de validité (jours)",
                    minimum=1,
                    maximum=DUREE_MAX_JOURS,
                )
            )
        )
        cle = cls(
            id=id,
            siret_organisme=siret_organisme,
            compte_id=compte_id,
            nom=_nom(nom),
            empreinte=empreinte_secret(secret),
            statut=StatutCleApi.ACTIVE,
            cree_le=quand,
            expire_le=expire_le,
        )
        cle.historique.append(
            MACHINE_CLE_API.creation(StatutCleApi.ACTIVE, auteur=str(compte_id), quand=quand)
        )
        texte_cle = f"{PREFIXE}_{id.hex}_{secret}"
        lire_cle(texte_cle)  # the generator's secret has the documented form
        return cle, texte_cle

    @property
    def est_active(self) -> bool:
        """True until revoked."""
        return self.statut is StatutCleApi.ACTIVE

    @property
    def revocation(self) -> Changement[StatutCleApi] | None:
        """Its revocation (when, by whom, why), None while active."""
        return next((c for c in self.historique if c.arrivee is StatutCleApi.REVOQUEE), None)

    @property
    def revoquee_le(self) -> dt.datetime | None:
        """When it was revoked, None while active."""
        revocation = self.revocation
        return None if revocation is None else revocation.quand

    def expiree(self, quand: dt.datetime) -> bool:
        """True when the key's life is over at ``quand``."""
        return self.expire_le is not None and quand >= self.expire_le

    def accepte(self, secret: str, quand: dt.datetime) -> bool:
        """True when ``secret`` is the key's (constant-time check) and it is usable at ``quand``."""
        correspond = hmac.compare_digest(self.empreinte, empreinte_secret(secret))
        return correspond and self.est_active and not self.expiree(quand)

    def revoquer(
        self, auteur: str, quand: dt.datetime, motif: str = ""
    ) -> Changement[StatutCleApi]:
        """Revoke the key for good.

        Raises:
            TransitionInterdite: the key is already revoked.
        """
        return MACHINE_CLE_API.passer(
            self, StatutCleApi.REVOQUEE, auteur=auteur, quand=quand, motif=motif
        )

    def utilisation_a_noter(self, quand: dt.datetime) -> bool:
        """True when the use at ``quand`` must be recorded (see :data:`INTERVALLE_UTILISATION`)."""
        derniere = self.derniere_utilisation
        return derniere is None or quand - derniere >= INTERVALLE_UTILISATION

    def noter_utilisation(self, quand: dt.datetime) -> None:
        """Record a use (never moves the recorded instant backwards)."""
        if self.utilisation_a_noter(quand):
            self.derniere_utilisation = quand
