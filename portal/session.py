"""The director session cookie: a signed (not encrypted) claim of who is signed in.

The link token is exchanged for this cookie on first visit so the token leaves the address bar.
It holds the director and the link version; the version is checked against the store on every
request, so revoking a director's links also ends their sessions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic

from portal.customer_links import CustomerClaims
from portal.links import STAFF_LINK_SALTS, LinkClaims, StaffClaims
from portal.signing import Claims, LinkExpired, LinkInvalid, read_token, timed_serializer

SESSION_COOKIE = "ll_session"
CSRF_COOKIE = "csrftoken"
HOST_ONLY_PREFIX = "__Host-"
SESSION_SALT = "ledgerloop.portal.session.v1"
SESSION_MAX_AGE_SECONDS = 8 * 3600
# The workbench (collectors and managers) has its own cookie and salt: a director's session
# cookie does not decode as a staff one, nor the other way round.
STAFF_SESSION_COOKIE = "ll_staff"
STAFF_SESSION_SALT = "ledgerloop.portal.staff-session.v1"
# Customers too: their cookie opens only the customer pages of the account it names.
CUSTOMER_SESSION_COOKIE = "ll_customer"
CUSTOMER_SESSION_SALT = "ledgerloop.portal.customer-session.v1"


def cookie_name(name: str, secure: bool) -> str:
    """`__Host-<name>` over HTTPS: browsers then refuse a cookie of that name set with a Domain
    (from a sibling subdomain, which SameSite counts as the same site) or another Path."""
    return HOST_ONLY_PREFIX + name if secure else name


class _SessionCodec(ABC, Generic[Claims]):
    """Signs and reads one kind of session cookie, with a salt distinct from the link tokens'."""

    salt: str

    def __init__(self, secret_key: str, max_age_seconds: int = SESSION_MAX_AGE_SECONDS) -> None:
        self._serializer = timed_serializer(secret_key, self.salt)
        self.max_age_seconds = max_age_seconds

    @abstractmethod
    def _claims(self, payload: dict[str, Any]) -> Claims | None:
        """The claims a verified payload carries, or None when it is not this cookie's kind."""

    def encode(self, claims: LinkClaims | StaffClaims | CustomerClaims) -> str:
        """The cookie value for a verified link."""
        return self._serializer.dumps(claims.payload())

    def decode(self, value: str | None) -> Claims | None:
        """The claims in a cookie, or None when it is missing, forged or too old."""
        if not value:
            return None
        try:
            return read_token(self._serializer, value, self.max_age_seconds, self._claims)
        except LinkInvalid:
            return None

    def is_forged(self, value: str) -> bool:
        """True for a cookie we never signed (as opposed to one of ours that merely grew old)."""
        try:
            read_token(self._serializer, value, self.max_age_seconds, self._claims)
        except LinkExpired:
            return False
        except LinkInvalid:
            return True
        return False


class SessionCodec(_SessionCodec[LinkClaims]):
    """Signs and reads director session cookies: director and link version."""

    salt = SESSION_SALT

    def _claims(self, payload: dict[str, Any]) -> LinkClaims | None:
        return LinkClaims.from_payload(payload)


class StaffSessionCodec(_SessionCodec[StaffClaims]):
    """Signs and reads the workbench session cookie: role, email and link version."""

    salt = STAFF_SESSION_SALT

    def _claims(self, payload: dict[str, Any]) -> StaffClaims | None:
        return StaffClaims.from_payload(payload, STAFF_LINK_SALTS)


class CustomerSessionCodec(_SessionCodec[CustomerClaims]):
    """Signs and reads the customer session cookie: account, contact and link version."""

    salt = CUSTOMER_SESSION_SALT

    def _claims(self, payload: dict[str, Any]) -> CustomerClaims | None:
        return CustomerClaims.from_payload(payload)
