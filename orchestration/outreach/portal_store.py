"""The portal store as the pipeline sees it: same settings as the portal, our home folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from portal.settings import SECRET_FILE_NAME, PortalSettings
from portal.store import PortalStore, connect


def portal_settings(home: Path) -> PortalSettings:
    """The portal's settings from the environment, with the pipeline's `LEDGERLOOP_HOME`."""
    return PortalSettings.from_env({**os.environ, "LEDGERLOOP_HOME": str(home)})


@contextmanager
def open_store(home: Path) -> Iterator[PortalStore]:
    """The portal store (schema created if missing), its connections released on exit."""
    store = connect(portal_settings(home).db_url)
    try:
        yield store
    finally:
        store.close()


def customer_portal_settings(home: Path, environ: dict[str, str] | None = None) -> PortalSettings | None:
    """The portal's settings when it is configured for customers, else None: customers are outside,
    so their links need the portal's public address (`LEDGERLOOP_PORTAL_URL`, never the loopback
    address it was last served at) and a secret already set (`LEDGERLOOP_SECRET_KEY` or the home's
    `secret.key`; none is created for them)."""
    env = dict(os.environ if environ is None else environ)
    if not env.get("LEDGERLOOP_PORTAL_URL"):
        return None
    if not env.get("LEDGERLOOP_SECRET_KEY") and not (home / SECRET_FILE_NAME).is_file():
        return None
    return PortalSettings.from_env({**env, "LEDGERLOOP_HOME": str(home)})
