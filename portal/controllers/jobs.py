"""The director's pages: their jobs grouped by client with one answer form per client, the
submit (one answer may cover several invoices of a client), and the confirmation."""

from __future__ import annotations

import datetime as dt
import logging

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect

from portal.clients import DEFAULT_ANSWER_STANDS_DAYS, ClientJobs, group_by_client
from portal.context import client_id
from portal.controllers.signed_in import error_page, signed_in_dependencies
from portal.forms import UpdateForm, new_submission_id, selected_keys, validate_answer
from portal.guards import requires_director
from portal.local_time import page_zone, team_now
from portal.pages import Page
from portal.store import PortalStore, audit_log, director_jobs, director_updates
from portal.store.director_jobs import DirectorJob
from portal.store.inbox import SubmissionConflict

log = logging.getLogger("portal.jobs")
MAX_UPDATE_ID = 2**63 - 1  # the largest id SQLite and PostgreSQL (bigint) can hold


def provide_director(request: Request) -> str:
    """The director the guard found in the session (never one named by the request)."""
    return request.state.director_email


def _stands_days(published: dict[str, str]) -> int:
    value = published.get("answer_stands_days", "")
    return int(value) if value.isdigit() else DEFAULT_ANSWER_STANDS_DAYS


def _clients(store: PortalStore, director: str, jobs: list[DirectorJob], published: dict) -> list[ClientJobs]:
    answers = director_updates.answers(store, director)
    return group_by_client(jobs, answers, dt.datetime.now(dt.UTC), _stands_days(published))


def _blank_form(client: ClientJobs) -> UpdateForm:
    """A fresh form with the client's unanswered invoices ticked (all of them when every one is
    answered: the form then changes the answer)."""
    return UpdateForm(
        submission_id=new_submission_id(),
        client=client.key,
        invoice_key=client.unanswered_keys or client.keys,
    )


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
        """Every job this director is asked about, grouped by client, each client with one form."""
        jobs = director_jobs.for_director(store, director)
        published = director_jobs.published_policy(store)
        clients = _clients(store, director, jobs, published)
        return Page(
            "jobs/list.html.jinja2",
            context={
                "clients": clients,
                "forms": {client.key: _blank_form(client) for client in clients},
                "choices": director_jobs.status_choices(store),
                "director": director,
                "director_name": jobs[0].director_name if jobs else director,
                "zone": page_zone(published),
                "answered": sum(view.answered for client in clients for view in client.jobs),
                "invoices": len(jobs),
            },
        )

    def _refuse_foreign(
        self, request: Request, director: str, store: PortalStore, keys: list[str]
    ) -> Page:
        for key in keys:
            log.warning(
                "update refused: %s posted invoice key %r that is not theirs (client %s)",
                director,
                key[:200],
                client_id(request),
            )
            audit_log.record(
                store, director, "foreign_invoice_rejected", key[:200], {"client": client_id(request)}
            )
        return error_page(
            403,
            "Not one of your jobs",
            "That invoice is not among the jobs we asked you about. Go back to your jobs.",
        )

    @post("/updates", sync_to_thread=True)
    def submit(
        self,
        request: Request,
        director: NamedDependency[str],
        store: NamedDependency[PortalStore],
        data: URLEncodedBody[UpdateForm],
    ) -> Page | Redirect:
        """Store one answer for the ticked invoices of one client (each checked against the
        director's own jobs) and show the confirmation; errors go back to the client's form."""
        keys = selected_keys(data)
        own = {job.invoice_key: job for job in director_jobs.for_director(store, director)}
        foreign = [key for key in keys if key not in own]
        if foreign:
            return self._refuse_foreign(request, director, store, foreign)
        wanted = set(keys)
        picked = [job for key, job in own.items() if key in wanted]  # most overdue first
        if len({job.client_key for job in picked}) > 1:
            return error_page(
                400,
                "One client per answer",
                "An answer covers invoices of one client. Go back to your jobs and answer each client "
                "on its own.",
            )
        published = director_jobs.published_policy(store)
        choices = director_jobs.status_choices(store)
        result = validate_answer(data, director, choices, team_now(published), picked)
        if result.updates is None:
            # The client whose form this was: the ticked invoices', else the form's hidden field
            # (only ever matched against this director's own jobs).
            client_key = picked[0].client_key if picked else data.client
            clients = _clients(
                store, director, [j for j in own.values() if j.client_key == client_key], published
            )
            if not clients:
                return error_page(
                    400, "Nothing to answer", "Tick at least one invoice. Go back to your jobs."
                )
            return Page(
                "jobs/answer.html.jinja2",
                status_code=400,
                context={
                    "client": clients[0],
                    "form": data,
                    "errors": result.errors,
                    "choices": choices,
                    "zone": page_zone(published),
                },
            )
        try:
            update_ids = director_updates.record_answer(store, result.updates)
        except SubmissionConflict:
            return error_page(
                409,
                "Form already used",
                "This form was already used for other invoices. Reload your jobs and try again.",
            )
        return Redirect(f"/updates/{update_ids[0]:d}", status_code=303)

    @get("/updates/{update_id:int}", sync_to_thread=True)
    def confirmation(
        self, director: NamedDependency[str], store: NamedDependency[PortalStore], update_id: FromPath[int]
    ) -> Page:
        """What was saved, for every invoice the answer covers, so the director can check it."""
        in_range = 0 < update_id <= MAX_UPDATE_ID
        rows = director_updates.answer_rows(store, director, update_id) if in_range else []
        if not rows:
            raise NotFoundException("no such update")
        jobs = {job.invoice_key: job for job in director_jobs.for_director(store, director)}
        return Page(
            "updates/confirmed.html.jinja2",
            context={
                "update": rows[0],
                "rows": [(row, jobs.get(row.invoice_key)) for row in rows],
                "job": jobs.get(rows[0].invoice_key),
                "zone": page_zone(director_jobs.published_policy(store)),
            },
        )
