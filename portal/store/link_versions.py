"""Link versions per person, whatever their role (director, collector, manager): a link carries
the version it was minted with, so bumping the version revokes every link and session of that
person."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update

from portal.links import normalize_email
from portal.store.columns import utcnow
from portal.store.connection import PortalStore
from portal.store.tables import director_links

FIRST_LINK_VERSION = 1
_LINK_VERSION = select(director_links.c.version).where(
    director_links.c.director_email == bindparam("director_email")
)


def current(store: PortalStore, email: str) -> int:
    """The current link version of a person (1 until first revoked; a revocation is a commit, so
    it is seen on the next request, kept read or not)."""
    email = normalize_email(email)

    def read() -> int:
        with store.engine.connect() as conn:
            version = conn.execute(_LINK_VERSION, {"director_email": email}).scalar()
        return FIRST_LINK_VERSION if version is None else version

    return store.cached(("link_version", email), read)


def revoke(store: PortalStore, email: str) -> int:
    """Invalidate every link of this person by bumping the version; returns the new version."""
    email = normalize_email(email)
    with store.writer.begin() as conn:
        version = conn.execute(_LINK_VERSION, {"director_email": email}).scalar()
        if version is None:
            new = FIRST_LINK_VERSION + 1
            conn.execute(
                insert(director_links).values(director_email=email, version=new, changed_at=utcnow())
            )
        else:
            new = version + 1
            conn.execute(
                update(director_links)
                .where(director_links.c.director_email == email)
                .values(version=new, changed_at=utcnow())
            )
    return new
