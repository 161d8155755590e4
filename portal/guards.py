"""Who may see a director page: only a holder of a valid, unrevoked session cookie."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from portal.context import portal_context
from portal.session import SESSION_COOKIE


async def requires_director(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Admit a request whose session names a director at their current link version.

    The director found here is the only identity any handler uses: nothing in the URL or the
    form can choose whose data is read or written.
    """
    context = portal_context(connection.app)
    claims = context.sessions.decode(connection.cookies.get(SESSION_COOKIE))
    if claims is None or context.store.link_version(claims.director_email) != claims.version:
        raise NotAuthorizedException("a valid director session is required")
    connection.state.director_email = claims.director_email
