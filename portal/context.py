"""What every request handler shares: settings, the store, the signers and the failure limiter."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Litestar
from litestar.connection import ASGIConnection

from portal.customer_links import CustomerLinkSigner
from portal.links import STAFF_LINK_SALTS, LinkSigner, StaffLinkSigner
from portal.ratelimit import FailureLimiter, IpNetwork, client_bucket, real_client
from portal.session import CustomerSessionCodec, SessionCodec, StaffSessionCodec
from portal.settings import PortalSettings
from portal.store import PortalStore, connect


@dataclass(frozen=True)
class PortalContext:
    """Built once by `create_app` and kept in `app.state.portal`."""

    settings: PortalSettings
    store: PortalStore
    links: LinkSigner
    sessions: SessionCodec
    limiter: FailureLimiter
    staff_links: dict[str, StaffLinkSigner]
    staff_sessions: StaffSessionCodec
    customer_links: CustomerLinkSigner
    customer_sessions: CustomerSessionCodec
    proxies: tuple[IpNetwork, ...] = ()
    """The trusted reverse proxies (`LEDGERLOOP_TRUSTED_PROXIES`)."""

    @classmethod
    def from_settings(cls, settings: PortalSettings) -> PortalContext:
        """Open the store (creating its schema) and build the signers from the secret key."""
        return cls(
            settings=settings,
            store=connect(settings.db_url),
            links=LinkSigner(settings.secret_key, settings.link_max_age_seconds),
            sessions=SessionCodec(settings.secret_key),
            limiter=FailureLimiter(),
            staff_links={
                role: StaffLinkSigner(settings.secret_key, settings.link_max_age_seconds, role)
                for role in STAFF_LINK_SALTS
            },
            staff_sessions=StaffSessionCodec(settings.secret_key),
            customer_links=CustomerLinkSigner(settings.secret_key, settings.link_max_age_seconds),
            customer_sessions=CustomerSessionCodec(settings.secret_key),
            proxies=settings.proxy_networks,
        )


def portal_context(app: Litestar) -> PortalContext:
    """The context of the running app."""
    return app.state.portal


def client_id(connection: ASGIConnection) -> str:
    """The client the failure limiter counts by and the logs name: the TCP peer, or behind a
    trusted proxy the address it forwarded (IPv6 by /64)."""
    peer = connection.client.host if connection.client else "unknown"
    proxies = portal_context(connection.app).proxies
    forwarded = connection.headers.getall("x-forwarded-for", []) if proxies else []
    return client_bucket(real_client(peer, forwarded, proxies))
