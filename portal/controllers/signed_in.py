"""What the pages of a signed-in person (director, collector, manager) share: their dependencies
and the error page they answer with when something is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.di import Provide

from portal.context import portal_context
from portal.pages import Page
from portal.store import PortalStore


def provide_store(request: Request) -> PortalStore:
    """The portal store."""
    return portal_context(request.app).store


def signed_in_dependencies(person: str, provide_person: Callable[[Request], Any]) -> dict[str, Provide]:
    """A controller's dependencies: the signed-in person as `person` (from the session the guard
    checked, never from the request) and the store."""
    return {
        person: Provide(provide_person, sync_to_thread=False),
        "store": Provide(provide_store, sync_to_thread=False),
    }


def error_page(
    status_code: int, title: str, message: str, back_url: str | None = None, back_label: str | None = None
) -> Page:
    """The error page with a way back (the director's jobs unless `back_url` says otherwise)."""
    context = {"title": title, "message": message}
    if back_url is not None:
        context |= {"back_url": back_url, "back_label": back_label}
    return Page("errors/error.html.jinja2", status_code=status_code, context=context)
