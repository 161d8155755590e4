"""Sign and verify portal links (itsdangerous, SHA-256, constant-time compare).

Directors, collectors and managers each have their own salt and their own door (`/d/`, `/c/`,
`/m/`): a token minted for one role does not verify as another, and a staff token also names its
role inside the signed payload, which the verifier checks.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from portal.signing import LinkExpired, LinkInvalid, claimed_payload, read_token, timed_serializer

__all__ = [
    "LINK_SALT",
    "STAFF_LINK_PATHS",
    "STAFF_LINK_SALTS",
    "LinkClaims",
    "LinkExpired",
    "LinkInvalid",
    "LinkSigner",
    "StaffClaims",
    "StaffLinkSigner",
    "link_url",
    "normalize_email",
    "staff_link_url",
]

LINK_SALT = "ledgerloop.portal.director-link.v1"
STAFF_LINK_SALTS = {
    "collector": "ledgerloop.portal.collector-link.v1",
    "manager": "ledgerloop.portal.manager-link.v1",
}
STAFF_LINK_PATHS = {"collector": "c", "manager": "m"}


@dataclass(frozen=True)
class LinkClaims:
    """What a verified link (or a director's session) says: who it is for and which link version
    it carries."""

    director_email: str
    version: int

    def payload(self) -> dict[str, Any]:
        """What is signed."""
        return {"d": self.director_email, "v": self.version}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> LinkClaims | None:
        """The claims in a signed payload, or None when it is not shaped like ours."""
        if not isinstance(payload.get("d"), str) or not isinstance(payload.get("v"), int):
            return None
        return cls(director_email=payload["d"], version=payload["v"])


class LinkSigner:
    """Mints and verifies director link tokens; one salt for this purpose only."""

    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        if not secret_key:
            raise ValueError("secret_key must not be empty")
        self._serializer = timed_serializer(secret_key, LINK_SALT)
        self._max_age = max_age_seconds

    def mint(self, director_email: str, version: int) -> str:
        """A token for this director at this link version."""
        return self._serializer.dumps(LinkClaims(normalize_email(director_email), int(version)).payload())

    def verify(self, token: str) -> LinkClaims:
        """The claims of a valid token; `LinkExpired` or `LinkInvalid` otherwise."""
        return read_token(self._serializer, token, self._max_age, LinkClaims.from_payload)

    def claimed(self, token: str) -> str | None:
        """The director a token claims to be for, unverified (to count guesses per person)."""
        person = claimed_payload(self._serializer, token).get("d")
        return normalize_email(person) if isinstance(person, str) else None


@dataclass(frozen=True)
class StaffClaims:
    """What a verified collector or manager link says: role, person and link version."""

    role: str
    email: str
    version: int

    def payload(self) -> dict[str, Any]:
        """What is signed."""
        return {"r": self.role, "e": self.email, "v": self.version}

    @classmethod
    def from_payload(cls, payload: dict[str, Any], roles: Collection[str]) -> StaffClaims | None:
        """The claims in a signed payload of one of `roles`, or None when it is not shaped like ours."""
        if (
            payload.get("r") not in roles
            or not isinstance(payload.get("e"), str)
            or not isinstance(payload.get("v"), int)
        ):
            return None
        return cls(role=payload["r"], email=payload["e"], version=payload["v"])


class StaffLinkSigner:
    """Mints and verifies the links of one staff role (collector or manager), with its own salt."""

    def __init__(self, secret_key: str, max_age_seconds: int, role: str) -> None:
        if not secret_key:
            raise ValueError("secret_key must not be empty")
        if role not in STAFF_LINK_SALTS:
            raise ValueError(f"unknown role {role!r}; known: {sorted(STAFF_LINK_SALTS)}")
        self.role = role
        self._serializer = timed_serializer(secret_key, STAFF_LINK_SALTS[role])
        self._max_age = max_age_seconds

    def mint(self, email: str, version: int) -> str:
        """A token for this person in this signer's role at this link version."""
        return self._serializer.dumps(StaffClaims(self.role, normalize_email(email), int(version)).payload())

    def verify(self, token: str) -> StaffClaims:
        """The claims of a valid token of this role; `LinkExpired` or `LinkInvalid` otherwise."""
        return read_token(
            self._serializer, token, self._max_age, lambda p: StaffClaims.from_payload(p, (self.role,))
        )

    def claimed(self, token: str) -> str | None:
        """The person a token claims to be for, unverified (to count guesses per person)."""
        person = claimed_payload(self._serializer, token).get("e")
        return normalize_email(person) if isinstance(person, str) else None


def staff_link_url(base_url: str, role: str, token: str) -> str:
    """The address a collector or manager clicks."""
    return f"{base_url.rstrip('/')}/{STAFF_LINK_PATHS[role]}/{token}"


def normalize_email(email: str) -> str:
    """Directors are identified by their email, compared case-insensitively."""
    return email.strip().lower()


def link_url(base_url: str, token: str) -> str:
    """The address a director clicks."""
    return f"{base_url.rstrip('/')}/d/{token}"
