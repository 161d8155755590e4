"""Sign and verify director links (itsdangerous, SHA-256, constant-time compare)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

LINK_SALT = "ledgerloop.portal.director-link.v1"


class LinkInvalid(Exception):
    """The token is not one we signed (forged, tampered, other key, malformed)."""


class LinkExpired(LinkInvalid):
    """The token was ours but is older than the allowed age."""


@dataclass(frozen=True)
class LinkClaims:
    """What a verified link says: who it is for and which link version it carries."""

    director_email: str
    version: int


class LinkSigner:
    """Mints and verifies director link tokens; one salt for this purpose only."""

    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        if not secret_key:
            raise ValueError("secret_key must not be empty")
        self._serializer = URLSafeTimedSerializer(
            secret_key, salt=LINK_SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )
        self._max_age = max_age_seconds

    def mint(self, director_email: str, version: int) -> str:
        """A token for this director at this link version."""
        return self._serializer.dumps({"d": normalize_email(director_email), "v": int(version)})

    def verify(self, token: str) -> LinkClaims:
        """The claims of a valid token; `LinkExpired` or `LinkInvalid` otherwise."""
        try:
            payload = self._serializer.loads(token, max_age=self._max_age)
        except SignatureExpired:
            raise LinkExpired("link expired") from None
        except (BadSignature, ValueError, TypeError, UnicodeError):
            raise LinkInvalid("link invalid") from None
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("d"), str)
            or not isinstance(payload.get("v"), int)
        ):
            raise LinkInvalid("link invalid")
        return LinkClaims(director_email=payload["d"], version=payload["v"])


def normalize_email(email: str) -> str:
    """Directors are identified by their email, compared case-insensitively."""
    return email.strip().lower()


def link_url(base_url: str, token: str) -> str:
    """The address a director clicks."""
    return f"{base_url.rstrip('/')}/d/{token}"
