"""Readiness probe for `ledgerloop portal` and load balancers."""

from __future__ import annotations

from litestar import Request, get

from portal.context import portal_context


@get("/healthz", sync_to_thread=True, cache=False)
def healthz(request: Request) -> dict[str, str]:
    """200 once the app runs and its store answers."""
    portal_context(request.app).store.schema_version()
    return {"status": "ok"}
