"""Signed, timed tokens (links and session cookies): one way to sign them and to read them back.

Every purpose has its own salt, so a token signed for one does not verify as another. Reading a
token tells an expired one of ours (`LinkExpired`) from one we never signed or that does not carry
the claims expected (`LinkInvalid`); the links and the sessions share this.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from itsdangerous import BadData, BadSignature, SignatureExpired, URLSafeTimedSerializer

Claims = TypeVar("Claims")


class LinkInvalid(Exception):
    """The token is not one we signed (forged, tampered, other key, malformed)."""


class LinkExpired(LinkInvalid):
    """The token was ours but is older than the allowed age."""


def timed_serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    """A SHA-256 signer of JSON payloads for the purpose `salt` names."""
    return URLSafeTimedSerializer(secret_key, salt=salt, signer_kwargs={"digest_method": hashlib.sha256})


def read_token(
    serializer: URLSafeTimedSerializer,
    token: str,
    max_age: int,
    claims: Callable[[dict[str, Any]], Claims | None],
) -> Claims:
    """The claims of a token signed within `max_age` seconds, as `claims` reads its payload (None
    when the payload is not what it expects); `LinkExpired` or `LinkInvalid` otherwise."""
    try:
        payload = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired("link expired") from None
    except (BadSignature, ValueError, TypeError, UnicodeError):
        raise LinkInvalid("link invalid") from None
    found = claims(payload) if isinstance(payload, dict) else None
    if found is None:
        raise LinkInvalid("link invalid")
    return found


def claimed_payload(serializer: URLSafeTimedSerializer, token: str) -> dict[str, Any]:
    """What a token's payload claims, read *without* checking its signature: only to count guesses
    at one person's link; empty when the token does not even decode."""
    try:
        _, payload = serializer.loads_unsafe(token)
    except (BadData, ValueError, TypeError, UnicodeError):
        return {}
    return payload if isinstance(payload, dict) else {}
