"""Readiness probe for `ledgerloop portal` and load balancers."""

from __future__ import annotations

from litestar import Request, get

from portal.context import portal_context
from portal.store import schema


@get("/healthz", sync_to_thread=True, cache=False)
def healthz(request: Request) -> dict[str, str]:
    """200 once the app runs and its store answers."""
    schema.recorded_version(portal_context(request.app).store)
    return {"status": "ok"}
