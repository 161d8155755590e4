"""The director's pages: their jobs with a form each, the submit, and the confirmation."""

from __future__ import annotations

import datetime as dt
import logging

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect

from portal.context import client_id
from portal.controllers.signed_in import error_page, signed_in_dependencies
from portal.forms import UpdateForm, new_submission_id, validate_update
from portal.guards import requires_director
from portal.pages import Page
from portal.store import PortalStore, SubmissionConflict

log = logging.getLogger("portal.jobs")
MAX_UPDATE_ID = 2**63 - 1  # the largest id SQLite and PostgreSQL (bigint) can hold


def provide_director(request: Request) -> str:
    """The director the guard found in the session (never one named by the request)."""
    return request.state.director_email


class JobsController(Controller):
    """Pages for a signed-in director; every read and write is scoped by their session."""

    path = "/"
    guards = [requires_director]
    dependencies = signed_in_dependencies("director", provide_director)

    @get("/", sync_to_thread=False)  # no store, no files: nothing to wait for
    def home(self) -> Redirect:
        """The portal's front door leads to the jobs."""
        return Redirect("/jobs", status_code=303)

    @get("/jobs", sync_to_thread=True)
    def jobs(self, director: NamedDependency[str], store: NamedDependency[PortalStore]) -> Page:
        """Every job this director is asked about, each with its own form."""
        jobs = store.jobs_for(director)
        forms = {
            job.invoice_key: UpdateForm(submission_id=new_submission_id(), invoice_key=job.invoice_key)
            for job in jobs
        }
        return Page(
            "jobs/list.html.jinja2",
            context={
                "jobs": jobs,
                "forms": forms,
                "choices": store.status_choices(),
                "director": director,
                "director_name": jobs[0].director_name if jobs else director,
            },
        )

    @post("/updates", sync_to_thread=True)
    def submit(
        self,
        request: Request,
        director: NamedDependency[str],
        store: NamedDependency[PortalStore],
        data: URLEncodedBody[UpdateForm],
    ) -> Page | Redirect:
        """Store one update (once per form) and show the confirmation; errors go back to the form."""
        job = store.job(director, data.invoice_key)
        if job is None:
            log.warning(
                "update refused: %s posted invoice key %r that is not theirs (client %s)",
                director,
                data.invoice_key[:200],
                client_id(request),
            )
            store.audit(
                director, "foreign_invoice_rejected", data.invoice_key[:200], {"client": client_id(request)}
            )
            return error_page(
                403,
                "Not one of your jobs",
                "That invoice is not among the jobs we asked you about. Go back to your jobs.",
            )
        choices = store.status_choices()
        result = validate_update(data, director, choices, dt.datetime.now(dt.UTC))
        if result.update is None:
            return Page(
                "jobs/answer.html.jinja2",
                status_code=400,
                context={
                    "job": job,
                    "form": data,
                    "errors": result.errors,
                    "choices": choices,
                },
            )
        try:
            update_id = store.record_update(result.update)
        except SubmissionConflict:
            return error_page(
                409,
                "Form already used",
                "This form was already used for another invoice. Reload your jobs and try again.",
            )
        return Redirect(f"/updates/{update_id:d}", status_code=303)

    @get("/updates/{update_id:int}", sync_to_thread=True)
    def confirmation(
        self, director: NamedDependency[str], store: NamedDependency[PortalStore], update_id: FromPath[int]
    ) -> Page:
        """What was saved, so the director can check it."""
        saved = store.update(director, update_id) if 0 < update_id <= MAX_UPDATE_ID else None
        if saved is None:
            raise NotFoundException("no such update")
        return Page(
            "updates/confirmed.html.jinja2",
            context={
                "update": saved,
                "job": store.job(director, saved.invoice_key),
            },
        )
