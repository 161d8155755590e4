"""`/a/<token>`: a customer contact's door. The token is exchanged for a customer session cookie,
or refused with the same page, status and limits as every other door (`controllers.links`).

Opening a link spends nothing: it can be opened again until it expires or is revoked, so a mail
scanner that fetches it first (GET or HEAD) changes nothing a customer relies on (only the audit
log notes the visit, as for every door)."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath

from portal.context import PortalContext, client_id, portal_context
from portal.controllers.links import GUESSED, _refused, _session_cookie
from portal.customer_links import CustomerClaims
from portal.links import LinkExpired, LinkInvalid
from portal.pages import Page
from portal.session import CUSTOMER_SESSION_COOKIE
from portal.store import audit_log, customers, link_versions


def verify_customer(context: PortalContext, token: str) -> tuple[CustomerClaims | None, str]:
    """The claims of a token that still opens its account, or why not."""
    try:
        claims = context.customer_links.verify(token)
    except LinkExpired:
        return None, "expired"
    except LinkInvalid:
        return None, GUESSED
    if link_versions.current(context.store, claims.version_key) != claims.version:
        return None, "revoked"
    if customers.contact(context.store, claims.account_id, claims.email) is None:
        return None, "not a contact of the account"
    return claims, ""


class CustomerLinkController(Controller):
    """`/a/<token>`: the customer's door into their account."""

    path = "/a"

    @get("/{token:str}", sync_to_thread=True)
    def open_link(self, request: Request, token: FromPath[str]) -> Page:
        """Verify the token; on success set the customer session and move on to `/account`."""
        context = portal_context(request.app)
        claims, reason = verify_customer(context, token)
        if claims is None:
            return _refused(request, "customer", token, reason, f"customer: {reason}")
        audit_log.record(
            context.store,
            claims.email,
            "link_opened",
            f"customer:{claims.email}",
            {"client": client_id(request)},
            account_id=claims.account_id,
        )
        cookie = _session_cookie(context, CUSTOMER_SESSION_COOKIE, context.customer_sessions, claims)
        return Page(
            "links/opened.html.jinja2",
            context={"next_url": "/account", "destination": "your account"},
            cookies=[cookie],
        )
