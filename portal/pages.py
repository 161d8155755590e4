"""Pages rendered in a worker thread, never on the event loop.

Litestar renders a `Template` while sending the response, on the event loop; a page that lists a
few hundred jobs, items or drafts would hold every other request (and `/healthz`) meanwhile. A
`Page` is a `Template` whose rendering runs in the thread pool, like the handlers that read the
store; what it sends is exactly what the `Template` would."""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio.to_thread
from litestar import Litestar, Request
from litestar.response import Template
from litestar.types import ASGIApp, Receive, Scope, Send


class Page(Template):
    """A `Template` rendered off the event loop."""

    def to_asgi_response(self, app: Litestar | None, request: Request, **kwargs: Any) -> ASGIApp:
        render = partial(Template.to_asgi_response, self, app, request, **kwargs)

        async def send_page(scope: Scope, receive: Receive, send: Send) -> None:
            response = await anyio.to_thread.run_sync(render)
            await response(scope, receive, send)

        return send_page
