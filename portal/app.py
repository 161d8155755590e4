"""`create_app(settings)`: the Litestar application of the director portal."""

from __future__ import annotations

import logging
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from portal.context import PortalContext
from portal.controllers.customer import CustomerController
from portal.controllers.customer_link import CustomerLinkController
from portal.controllers.health import healthz
from portal.controllers.jobs import JobsController
from portal.controllers.links import (
    INVALID_PAGE,
    CollectorLinkController,
    LinkController,
    ManagerLinkController,
)
from portal.controllers.team import TeamController
from portal.controllers.workbench import WorkbenchController
from portal.controllers.workbench_drafts import TeamDraftsController, WorkbenchDraftsController
from portal.customer_view import long_date
from portal.local_time import local_date, local_time
from portal.security import add_security_headers
from portal.session import CSRF_COOKIE, cookie_name
from portal.settings import PortalSettings
from portal.store.director_jobs import DirectorJob

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
log = logging.getLogger("portal.app")
# The largest honest form: 4,000 characters of text, 4 bytes each in UTF-8, percent-encoded
# (x3), is about 48 KiB. Litestar's default of 10 MB would let anyone holding a session make the
# portal parse and hold megabytes per request.
MAX_BODY_BYTES = 64 * 1024


def money(value: Decimal | None) -> str:
    """1234.5 -> '1,234.50' (exact: Decimal formatting, no float)."""
    return "" if value is None else f"{value:,.2f}"


def _jinja_environment() -> Environment:
    """Autoescaping on for every template, whatever its file name; unknown variables fail loudly."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined, auto_reload=False
    )
    environment.filters["money"] = money
    environment.filters["field"] = getattr
    environment.filters["local_time"] = local_time
    environment.filters["local_date"] = local_date
    environment.filters["long_date"] = long_date
    facts_template = environment.get_template("jobs/_facts.html.jinja2")

    @lru_cache(maxsize=8192)
    def job_facts(job: DirectorJob) -> Markup:
        # Keyed by the whole frozen job, so a republished job renders afresh and never stale;
        # the facts are most of the jobs page, which is the portal's hot path.
        return Markup(facts_template.render(job=job))

    environment.filters["job_facts"] = job_facts
    # Compile every template now, once: compiling is pure Python work that would otherwise hold
    # the interpreter for the first visitor of each page (and every request waiting meanwhile).
    for name in environment.list_templates(extensions=["jinja2"]):
        environment.get_template(name)
    return environment


def _render_error(request: Request, exc: Exception) -> Response:
    """Errors as pages of the portal (not JSON), with nothing more than the status says."""
    engine: JinjaTemplateEngine = request.app.template_engine
    if isinstance(exc, NotAuthorizedException):
        html = engine.get_template(INVALID_PAGE).render(rate_limited=False)
        return Response(html, status_code=401, media_type="text/html")
    status = exc.status_code if isinstance(exc, HTTPException) else HTTP_500_INTERNAL_SERVER_ERROR
    if status >= 500:
        log.error("portal error on %s %s", request.method, request.url.path, exc_info=exc)
    titles = {403: "Not allowed", 404: "Page not found", 405: "Not allowed", 413: "Too long"}
    title = titles.get(status, "Something went wrong")
    if status == 403:
        message = "This form has expired. Go back, reload the page and try again."
    elif status < 500:
        message = "We could not find or accept that request. Go back and try again."
    else:
        message = "The portal could not complete this request. Please try again in a moment."
    back = {}
    if request.url.path.startswith(("/account", "/a/")):  # the customer door: no jobs page there
        back = {"back_url": "/account", "back_label": "Back to your account"}
    html = engine.get_template("errors/error.html.jinja2").render(title=title, message=message, **back)
    return Response(html, status_code=status, media_type="text/html")


def create_app(settings: PortalSettings) -> Litestar:
    """Build the portal for `settings`: open the store, wire routes, CSRF, headers and templates."""
    context = PortalContext.from_settings(settings)
    app = Litestar(
        route_handlers=[
            healthz,
            LinkController,
            JobsController,
            CollectorLinkController,
            ManagerLinkController,
            WorkbenchController,
            WorkbenchDraftsController,
            TeamController,
            TeamDraftsController,
            CustomerLinkController,
            CustomerController,
            create_static_files_router(path="/static", directories=[STATIC_DIR]),
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_httponly=True,
            cookie_samesite="strict",
            cookie_secure=settings.secure_cookies,
            cookie_name=cookie_name(CSRF_COOKIE, settings.secure_cookies),
        ),
        before_send=[add_security_headers],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(_jinja_environment())),
        exception_handlers={HTTPException: _render_error, Exception: _render_error},
        on_shutdown=[context.store.close],
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=None,
        debug=False,
    )
    app.state.portal = context
    return app
