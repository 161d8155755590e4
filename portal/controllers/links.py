"""Opening a director link: the token is exchanged for a session cookie, or refused."""

from __future__ import annotations

import logging

from litestar import Controller, Request, get
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.response import Template

from portal.context import PortalContext, client_id, portal_context
from portal.links import LinkClaims, LinkExpired, LinkInvalid, StaffClaims
from portal.session import (
    SESSION_COOKIE,
    STAFF_SESSION_COOKIE,
    SessionCodec,
    StaffSessionCodec,
    cookie_name,
)

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
            return _over_the_limit("director", client)
        claims, reason = self._verify(request, token)
        if claims is None:
            return _rejected(context, client, "director", reason, reason)
        context.store.audit(claims.director_email, "link_opened", claims.director_email, {"client": client})
        cookie = _session_cookie(context, SESSION_COOKIE, context.sessions, claims)
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


def _over_the_limit(role: str, client: str) -> Template:
    """The refusal page for a client that failed too often lately (whether or not the link is good)."""
    log.warning("%s link refused: client %s is over the failure limit", role, client)
    return Template(INVALID_PAGE, context={"rate_limited": True}, status_code=429)


def _rejected(context: PortalContext, client: str, role: str, reason: str, subject: str) -> Template:
    """Count the failure against the client, log and audit why, and show the same refusal page
    whatever the reason."""
    failures = context.limiter.record_failure(client)
    log.warning("%s link rejected from %s: %s (%d failures in window)", role, client, reason, failures)
    context.store.audit(f"client:{client}", "link_rejected", subject, {"failures": failures})
    return Template(INVALID_PAGE, context={"rate_limited": False}, status_code=403)


def _session_cookie(
    context: PortalContext,
    name: str,
    sessions: SessionCodec | StaffSessionCodec,
    claims: LinkClaims | StaffClaims,
) -> Cookie:
    """The session cookie a verified link starts: HTTP-only, strict, host-only over HTTPS."""
    return Cookie(
        key=cookie_name(name, context.settings.secure_cookies),
        value=sessions.encode(claims),
        max_age=sessions.max_age_seconds,
        path="/",
        httponly=True,
        samesite="strict",
        secure=context.settings.secure_cookies,
    )


STAFF_HOME = {"collector": "/workbench", "manager": "/team"}


def _open_staff_link(request: Request, token: str, role: str) -> Template:
    """Like a director link, for a collector or manager: the same refusal page and rate limit, a
    session cookie of the workbench's own kind, and the person must be on the roster."""
    context = portal_context(request.app)
    client = client_id(request)
    if context.limiter.is_blocked(client):
        return _over_the_limit(role, client)
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
        return _rejected(context, client, role, reason, f"{role}: {reason}")
    context.store.audit(claims.email, "link_opened", f"{role}:{claims.email}", {"client": client})
    cookie = _session_cookie(context, STAFF_SESSION_COOKIE, context.staff_sessions, claims)
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
