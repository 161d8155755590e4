"""Opening a director link: the token is exchanged for a session cookie, or refused."""

from __future__ import annotations

import logging

from litestar import Controller, Request, get
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.response import Template

from portal.context import client_id, portal_context
from portal.links import LinkClaims, LinkExpired, LinkInvalid, StaffClaims
from portal.session import SESSION_COOKIE, STAFF_SESSION_COOKIE, cookie_name

log = logging.getLogger("portal.links")

INVALID_PAGE = "links/invalid.html.jinja2"


class LinkController(Controller):
    """`/d/<token>`: the only door into the portal."""

    path = "/d"

    @get("/{token:str}", sync_to_thread=False)
    def open_link(self, request: Request, token: FromPath[str]) -> Template:
        """Verify the token; on success set the session and move on to a URL without the token.

        The move is a meta refresh from a 200 page rather than a 302: a SameSite=Strict cookie
        is not sent on a redirect chain that started on another site (webmail), but it is on a
        navigation the portal's own page starts. Every failure shows the same page and status,
        so a visitor learns nothing about which directors exist or why the link failed.
        """
        context = portal_context(request.app)
        client = client_id(request)
        if context.limiter.is_blocked(client):
            log.warning("director link refused: client %s is over the failure limit", client)
            return Template(INVALID_PAGE, context={"rate_limited": True}, status_code=429)
        claims, reason = self._verify(request, token)
        if claims is None:
            failures = context.limiter.record_failure(client)
            log.warning(
                "director link rejected from %s: %s (%d failures in window)", client, reason, failures
            )
            context.store.audit(f"client:{client}", "link_rejected", reason, {"failures": failures})
            return Template(INVALID_PAGE, context={"rate_limited": False}, status_code=403)
        context.store.audit(claims.director_email, "link_opened", claims.director_email, {"client": client})
        cookie = Cookie(
            key=cookie_name(SESSION_COOKIE, context.settings.secure_cookies),
            value=context.sessions.encode(claims),
            max_age=context.sessions.max_age_seconds,
            path="/",
            httponly=True,
            samesite="strict",
            secure=context.settings.secure_cookies,
        )
        return Template("links/opened.html.jinja2", context={"next_url": "/jobs"}, cookies=[cookie])

    @staticmethod
    def _verify(request: Request, token: str) -> tuple[LinkClaims | None, str]:
        context = portal_context(request.app)
        try:
            claims = context.links.verify(token)
        except LinkExpired:
            return None, "expired"
        except LinkInvalid:
            return None, "invalid signature or payload"
        if context.store.link_version(claims.director_email) != claims.version:
            return None, "revoked"
        return claims, ""


STAFF_HOME = {"collector": "/workbench", "manager": "/team"}


def _open_staff_link(request: Request, token: str, role: str) -> Template:
    """Like a director link, for a collector or manager: the same refusal page and rate limit, a
    session cookie of the workbench's own kind, and the person must be on the roster."""
    context = portal_context(request.app)
    client = client_id(request)
    if context.limiter.is_blocked(client):
        log.warning("%s link refused: client %s is over the failure limit", role, client)
        return Template(INVALID_PAGE, context={"rate_limited": True}, status_code=429)
    claims: StaffClaims | None = None
    try:
        claims = context.staff_links[role].verify(token)
        reason = ""
    except LinkExpired:
        reason = "expired"
    except LinkInvalid:
        reason = "invalid signature or payload"
    if claims is not None and context.store.link_version(claims.email) != claims.version:
        claims, reason = None, "revoked"
    if claims is not None and context.store.member(claims.email, role) is None:
        claims, reason = None, f"not on the roster as {role}"
    if claims is None:
        failures = context.limiter.record_failure(client)
        log.warning("%s link rejected from %s: %s (%d failures in window)", role, client, reason, failures)
        context.store.audit(f"client:{client}", "link_rejected", f"{role}: {reason}", {"failures": failures})
        return Template(INVALID_PAGE, context={"rate_limited": False}, status_code=403)
    context.store.audit(claims.email, "link_opened", f"{role}:{claims.email}", {"client": client})
    cookie = Cookie(
        key=cookie_name(STAFF_SESSION_COOKIE, context.settings.secure_cookies),
        value=context.staff_sessions.encode(claims),
        max_age=context.staff_sessions.max_age_seconds,
        path="/",
        httponly=True,
        samesite="strict",
        secure=context.settings.secure_cookies,
    )
    return Template(
        "links/opened.html.jinja2",
        context={"next_url": STAFF_HOME[role], "destination": "your workbench" if role == "collector"
                 else "your team"},
        cookies=[cookie],
    )


class CollectorLinkController(Controller):
    """`/c/<token>`: the collector's door into the workbench."""

    path = "/c"

    @get("/{token:str}", sync_to_thread=False)
    def open_link(self, request: Request, token: FromPath[str]) -> Template:
        """Verify a collector token and start a collector session."""
        return _open_staff_link(request, token, "collector")


class ManagerLinkController(Controller):
    """`/m/<token>`: the manager's door into the team view."""

    path = "/m"

    @get("/{token:str}", sync_to_thread=False)
    def open_link(self, request: Request, token: FromPath[str]) -> Template:
        """Verify a manager token and start a manager session."""
        return _open_staff_link(request, token, "manager")
