"""Customer links: a signed, expiring, revocable link for one contact of one customer account.

The same model as the director and staff links (itsdangerous, SHA-256, constant-time compare), with
a salt for this purpose only and its own door (`/a/`): a customer token never verifies as a
director's or a collector's, nor the other way round. The signed payload names the account and the
contact, so the account a customer sees is never chosen by anything in the request. Each contact
of each account has its own link version (`version_key`): revoking one contact leaves the
account's other contacts signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.links import normalize_email
from portal.signing import claimed_payload, read_token, timed_serializer

CUSTOMER_LINK_SALT = "ledgerloop.portal.customer-link.v1"
CUSTOMER_DOOR = "a"
MAX_VERSION_KEY = 320
"""The link version table's key length (an email's maximum)."""


@dataclass(frozen=True)
class CustomerClaims:
    """What a verified customer link (or session) says: the account, its contact, the version."""

    account_id: str
    email: str
    version: int

    def payload(self) -> dict[str, Any]:
        """What is signed."""
        return {"a": self.account_id, "c": self.email, "v": self.version}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> CustomerClaims | None:
        """The claims in a signed payload, or None when it is not shaped like a customer's."""
        account, email, version = payload.get("a"), payload.get("c"), payload.get("v")
        if not isinstance(account, str) or not isinstance(email, str) or not isinstance(version, int):
            return None
        return cls(account_id=account, email=email, version=version)

    @property
    def version_key(self) -> str:
        return version_key(self.account_id, self.email)


def version_key(account_id: str, email: str) -> str:
    """The key of this account contact's link version (one per contact and account)."""
    key = f"customer:{normalize_email(email)}#{account_id}"
    if len(key) > MAX_VERSION_KEY:
        raise ValueError(f"account id and email are too long for a link ({len(key)} characters)")
    return key


class CustomerLinkSigner:
    """Mints and verifies customer link tokens; one salt for this purpose only."""

    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        if not secret_key:
            raise ValueError("secret_key must not be empty")
        self._serializer = timed_serializer(secret_key, CUSTOMER_LINK_SALT)
        self._max_age = max_age_seconds

    def mint(self, account_id: str, email: str, version: int) -> str:
        """A token for this contact of this account at this link version."""
        version_key(account_id, email)  # refuses what could not be revoked
        return self._serializer.dumps(
            CustomerClaims(account_id, normalize_email(email), int(version)).payload()
        )

    def verify(self, token: str) -> CustomerClaims:
        """The claims of a valid token; `LinkExpired` or `LinkInvalid` otherwise."""
        return read_token(self._serializer, token, self._max_age, CustomerClaims.from_payload)

    def claimed(self, token: str) -> str | None:
        """The contact a token claims to be for, unverified (to count guesses per person)."""
        person = claimed_payload(self._serializer, token).get("c")
        return normalize_email(person) if isinstance(person, str) else None


def customer_link_url(base_url: str, token: str) -> str:
    """The address a customer clicks."""
    return f"{base_url.rstrip('/')}/{CUSTOMER_DOOR}/{token}"
