"""Who may see a director page: only a holder of a valid, unrevoked session cookie."""

from __future__ import annotations

import logging

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from portal.context import client_id, portal_context
from portal.session import SESSION_COOKIE, cookie_name

log = logging.getLogger("portal.links")


async def requires_director(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Admit a request whose session names a director at their current link version.

    The director found here is the only identity any handler uses: nothing in the URL or the
    form can choose whose data is read or written.
    """
    context = portal_context(connection.app)
    cookie = connection.cookies.get(cookie_name(SESSION_COOKIE, context.settings.secure_cookies))
    claims = context.sessions.decode(cookie)
    if claims is not None and context.store.link_version(claims.director_email) == claims.version:
        connection.state.director_email = claims.director_email
        return
    if cookie and context.sessions.is_forged(cookie):
        # A session cookie we never signed is a guess like a bad link: it counts toward the
        # same limit, so guessing through cookies is no way around the link's rate limit.
        client = client_id(connection)
        failures = context.limiter.record_failure(client)
        log.warning("forged session cookie from %s (%d failures in window)", client, failures)
    raise NotAuthorizedException("a valid director session is required")
