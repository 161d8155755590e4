"""Strict security headers on every response, including errors and static files."""

from __future__ import annotations

from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
# Sent only when the portal is served over HTTPS: browsers then refuse plain HTTP to it for a
# year, so no one on the network can strip TLS and read a director's page or session cookie.
HSTS_HEADER = (b"strict-transport-security", b"max-age=31536000")
_REPLACED = {name for name, _ in SECURITY_HEADERS} | {HSTS_HEADER[0]}


async def add_security_headers(message: Message, scope: Scope) -> None:
    """`before_send` hook: every HTTP response start gets SECURITY_HEADERS, replacing weaker ones.

    A hook rather than a middleware because it also sees the responses Litestar's router makes
    itself (404, 405), which never reach route middleware.
    """
    if message["type"] == "http.response.start":
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _REPLACED]
        message["headers"] = headers + list(SECURITY_HEADERS)
        if scope["app"].state.portal.settings.secure_cookies:
            message["headers"].append(HSTS_HEADER)
