"""The director session cookie: a signed (not encrypted) claim of who is signed in.

The link token is exchanged for this cookie on first visit so the token leaves the address bar.
It holds the director and the link version; the version is checked against the store on every
request, so revoking a director's links also ends their sessions.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.links import LinkClaims

SESSION_COOKIE = "ll_session"
CSRF_COOKIE = "csrftoken"
HOST_ONLY_PREFIX = "__Host-"
SESSION_SALT = "ledgerloop.portal.session.v1"
SESSION_MAX_AGE_SECONDS = 8 * 3600


def cookie_name(name: str, secure: bool) -> str:
    """`__Host-<name>` over HTTPS: browsers then refuse a cookie of that name set with a Domain
    (from a sibling subdomain, which SameSite counts as the same site) or another Path."""
    return HOST_ONLY_PREFIX + name if secure else name


class SessionCodec:
    """Signs and reads session cookies with a salt distinct from the link tokens'."""

    def __init__(self, secret_key: str, max_age_seconds: int = SESSION_MAX_AGE_SECONDS) -> None:
        self._serializer = URLSafeTimedSerializer(
            secret_key, salt=SESSION_SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )
        self.max_age_seconds = max_age_seconds

    def encode(self, claims: LinkClaims) -> str:
        """The cookie value for a verified link."""
        return self._serializer.dumps({"d": claims.director_email, "v": claims.version})

    def decode(self, value: str | None) -> LinkClaims | None:
        """The claims in a cookie, or None when it is missing, forged or too old."""
        if not value:
            return None
        try:
            payload = self._serializer.loads(value, max_age=self.max_age_seconds)
        except (BadSignature, ValueError, TypeError, UnicodeError):
            return None
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("d"), str)
            or not isinstance(payload.get("v"), int)
        ):
            return None
        return LinkClaims(director_email=payload["d"], version=payload["v"])

    def is_forged(self, value: str) -> bool:
        """True for a cookie we never signed (as opposed to one of ours that merely grew old)."""
        try:
            self._serializer.loads(value, max_age=self.max_age_seconds)
        except SignatureExpired:
            return False
        except (BadSignature, ValueError, TypeError, UnicodeError):
            return True
        return self.decode(value) is None
