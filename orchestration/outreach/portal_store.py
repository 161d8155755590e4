"""The portal store as the pipeline sees it: same settings as the portal, our home folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from portal.settings import PortalSettings
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
