"""Opening a link (`/d/` director, `/c/` collector, `/m/` manager): the token is exchanged for a
session cookie, or refused.

A valid, unexpired, unrevoked link always opens. Only a token we never signed is a guess: it is
counted per real client address and per person it claims (`portal.ratelimit`), and beyond the
limit further guesses get "too many attempts". Expired and revoked links (and staff no longer on
the roster) were signed by us, so they are refused without being counted.
"""

from __future__ import annotations

import logging

from litestar import Controller, Request, get
from litestar.datastructures import Cookie
from litestar.params import FromPath

from portal.context import PortalContext, client_id, portal_context
from portal.links import LinkClaims, LinkExpired, LinkInvalid, StaffClaims
from portal.pages import Page
from portal.ratelimit import attempt_id
from portal.session import (
    SESSION_COOKIE,
    STAFF_SESSION_COOKIE,
    SessionCodec,
    StaffSessionCodec,
    cookie_name,
)
from portal.store import audit_log, link_versions, team

log = logging.getLogger("portal.links")

INVALID_PAGE = "links/invalid.html.jinja2"
GUESSED = "invalid signature or payload"
STAFF_HOME = {"collector": "/workbench", "manager": "/team"}


def _verify_director(context: PortalContext, token: str) -> tuple[LinkClaims | None, str]:
    try:
        claims = context.links.verify(token)
    except LinkExpired:
        return None, "expired"
    except LinkInvalid:
        return None, GUESSED
    if link_versions.current(context.store, claims.director_email) != claims.version:
        return None, "revoked"
    return claims, ""


def _verify_staff(context: PortalContext, token: str, role: str) -> tuple[StaffClaims | None, str]:
    try:
        claims = context.staff_links[role].verify(token)
    except LinkExpired:
        return None, "expired"
    except LinkInvalid:
        return None, GUESSED
    if link_versions.current(context.store, claims.email) != claims.version:
        return None, "revoked"
    if team.member(context.store, claims.email, role) is None:
        return None, f"not on the roster as {role}"
    return claims, ""


def _signer(context: PortalContext, role: str):
    """The signer of a role's links (director, customer, or a staff role)."""
    if role == "director":
        return context.links
    return context.customer_links if role == "customer" else context.staff_links[role]


def _refused(request: Request, role: str, token: str, reason: str, subject: str) -> Page:
    """The same refusal page whatever the reason; a guess is counted, and once over the limit it
    is answered "too many attempts" and no longer audited one by one."""
    context = portal_context(request.app)
    client = client_id(request)
    if reason != GUESSED:
        log.warning("%s link rejected from %s: %s", role, client, reason)
        audit_log.record(context.store, f"client:{client}", "link_rejected", subject, {"reason": reason})
        return Page(INVALID_PAGE, context={"rate_limited": False}, status_code=403)
    person = _signer(context, role).claimed(token)
    keys = [f"address {client}"] + ([f"{role} {person}"] if person else [])
    verdict = context.limiter.record_failure(keys, attempt_id(token))
    if verdict.newly_limited:
        audit_log.record(
            context.store,
            f"client:{client}", "link_rate_limited", "; ".join(verdict.newly_limited)[:400],
            {"failures": verdict.failures},
        )
    if verdict.limited:
        log.warning("%s link refused: %s is over the failure limit", role, " and ".join(keys))
        return Page(INVALID_PAGE, context={"rate_limited": True}, status_code=429)
    failures = verdict.failures
    log.warning("%s link rejected from %s: %s (%d failures in window)", role, client, reason, failures)
    audit_log.record(context.store, f"client:{client}", "link_rejected", subject, {"failures": failures})
    return Page(INVALID_PAGE, context={"rate_limited": False}, status_code=403)


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


class LinkController(Controller):
    """`/d/<token>`: the director's door into the portal."""

    path = "/d"

    @get("/{token:str}", sync_to_thread=True)
    def open_link(self, request: Request, token: FromPath[str]) -> Page:
        """Verify the token; on success set the session and move on to a URL without the token.

        The move is a meta refresh from a 200 page rather than a 302: a SameSite=Strict cookie
        is not sent on a redirect chain that started on another site (webmail), but it is on a
        navigation the portal's own page starts. Every failure shows the same page and status,
        so a visitor learns nothing about which directors exist or why the link failed.
        """
        context = portal_context(request.app)
        claims, reason = _verify_director(context, token)
        if claims is None:
            return _refused(request, "director", token, reason, reason)
        email = claims.director_email
        audit_log.record(context.store, email, "link_opened", email, {"client": client_id(request)})
        cookie = _session_cookie(context, SESSION_COOKIE, context.sessions, claims)
        return Page("links/opened.html.jinja2", context={"next_url": "/jobs"}, cookies=[cookie])


def _open_staff_link(request: Request, token: str, role: str) -> Page:
    """Like a director link, for a collector or manager: the same refusal page and limits, a
    session cookie of the workbench's own kind, and the person must be on the roster."""
    context = portal_context(request.app)
    claims, reason = _verify_staff(context, token, role)
    if claims is None:
        return _refused(request, role, token, reason, f"{role}: {reason}")
    audit_log.record(
        context.store, claims.email, "link_opened", f"{role}:{claims.email}", {"client": client_id(request)}
    )
    cookie = _session_cookie(context, STAFF_SESSION_COOKIE, context.staff_sessions, claims)
    return Page(
        "links/opened.html.jinja2",
        context={"next_url": STAFF_HOME[role], "destination": "your workbench" if role == "collector"
                 else "your team"},
        cookies=[cookie],
    )


class CollectorLinkController(Controller):
    """`/c/<token>`: the collector's door into the workbench."""

    path = "/c"

    @get("/{token:str}", sync_to_thread=True)
    def open_link(self, request: Request, token: FromPath[str]) -> Page:
        """Verify a collector token and start a collector session."""
        return _open_staff_link(request, token, "collector")


class ManagerLinkController(Controller):
    """`/m/<token>`: the manager's door into the team view."""

    path = "/m"

    @get("/{token:str}", sync_to_thread=True)
    def open_link(self, request: Request, token: FromPath[str]) -> Page:
        """Verify a manager token and start a manager session."""
        return _open_staff_link(request, token, "manager")
