"""Who may see a page: only a holder of a valid, unrevoked session cookie of the page's role.

Guards are plain functions, which Litestar runs in its thread pool: they read the store (link
version, roster), and no store read runs on the event loop."""

from __future__ import annotations

import logging

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from portal.context import client_id, portal_context
from portal.ratelimit import attempt_id
from portal.session import CUSTOMER_SESSION_COOKIE, SESSION_COOKIE, STAFF_SESSION_COOKIE, cookie_name
from portal.store import customers, link_versions, team

log = logging.getLogger("portal.links")


def requires_director(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Admit a request whose session names a director at their current link version.

    The director found here is the only identity any handler uses: nothing in the URL or the
    form can choose whose data is read or written.
    """
    context = portal_context(connection.app)
    cookie = connection.cookies.get(cookie_name(SESSION_COOKIE, context.settings.secure_cookies))
    claims = context.sessions.decode(cookie)
    if claims is not None and link_versions.current(context.store, claims.director_email) == claims.version:
        connection.state.director_email = claims.director_email
        return
    if cookie and context.sessions.is_forged(cookie):
        _count_forged(connection, cookie, "session cookie")
    raise NotAuthorizedException("a valid director session is required")


def _count_forged(connection: ASGIConnection, cookie: str, what: str) -> None:
    """A session cookie we never signed is a guess like a bad link: it counts toward the client
    address's limit for bad links (never toward anyone's valid link)."""
    client = client_id(connection)
    verdict = portal_context(connection.app).limiter.record_failure([f"address {client}"], attempt_id(cookie))
    log.warning("forged %s from %s (%d failures in window)", what, client, verdict.failures)


def _admit_staff(connection: ASGIConnection, role: str) -> None:
    """Admit a workbench session of `role` whose person is on the published roster in that role
    and holds their current link version; `connection.state.staff` is then the only identity
    handlers use."""
    context = portal_context(connection.app)
    cookie = connection.cookies.get(cookie_name(STAFF_SESSION_COOKIE, context.settings.secure_cookies))
    claims = context.staff_sessions.decode(cookie)
    current = claims is not None and link_versions.current(context.store, claims.email) == claims.version
    if claims is not None and current and claims.role == role:
        member = team.member(context.store, claims.email, role)
        if member is not None:
            connection.state.staff = member
            return
    if cookie and context.staff_sessions.is_forged(cookie):
        _count_forged(connection, cookie, "workbench session cookie")
    raise NotAuthorizedException(f"a valid {role} session is required")


def requires_collector(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Admit a collector's workbench session (never a director's or a manager's)."""
    _admit_staff(connection, "collector")


def requires_manager(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Admit a manager's workbench session (never a director's or a collector's)."""
    _admit_staff(connection, "manager")


def requires_customer(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Admit a customer session whose contact is still a published contact of its account and
    holds their current link version; `connection.state.customer` (the claims) is then the only
    identity handlers use, and its account the only one they read or write."""
    context = portal_context(connection.app)
    cookie = connection.cookies.get(cookie_name(CUSTOMER_SESSION_COOKIE, context.settings.secure_cookies))
    claims = context.customer_sessions.decode(cookie)
    if (
        claims is not None
        and link_versions.current(context.store, claims.version_key) == claims.version
        and customers.contact(context.store, claims.account_id, claims.email) is not None
    ):
        connection.state.customer = claims
        return
    if cookie and context.customer_sessions.is_forged(cookie):
        _count_forged(connection, cookie, "customer session cookie")
    raise NotAuthorizedException("a valid customer session is required")
