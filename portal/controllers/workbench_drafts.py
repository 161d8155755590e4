"""The collector's dunning drafts: review and approve what the pipeline drafted for their accounts.

Only drafts whose account is on the collector's own worklist (from the store, by the session's
collector) are listed, previewed, downloadable or approvable; a draft named in a URL or a form is
looked up in that list and nowhere else."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from notifications.dunning_drafts import DunningDraft, account_drafts, approve_draft, letter_pdf
from portal.context import client_id, portal_context
from portal.controllers.signed_in import signed_in_dependencies
from portal.controllers.workbench import MAX_ID_LENGTH, provide_staff
from portal.guards import requires_collector
from portal.store import PortalStore, StaffMember

log = logging.getLogger("portal.workbench")
DONE_STATES = ("approved", "sending", "sent")
NO_LONGER_WAITING = (
    "This draft is no longer waiting for approval: it was approved, sent or withdrawn meanwhile. "
    "The list below is up to date."
)


@dataclass
class ApproveForm:
    """The Approve button of one draft: its labelled name, as listed."""

    draft: str = ""


def _accounts(store: PortalStore, collector: StaffMember) -> dict[str, str]:
    """The collector's own accounts (id -> name), from the worklist the pipeline published."""
    return {
        i.account_id: i.account_name or i.account_id for i in store.items_for(collector.email) if i.account_id
    }


def _invoice_numbers(store: PortalStore, collector: StaffMember) -> dict[str, str]:
    return {
        i.invoice_key: i.invoice_number
        for i in store.items_for(collector.email)
        if i.invoice_key and i.invoice_number
    }


def _waiting(
    request: Request, store: PortalStore, collector: StaffMember
) -> tuple[dict[str, str], list[DunningDraft]]:
    accounts = _accounts(store, collector)
    return accounts, account_drafts(portal_context(request.app).settings.home, accounts)


def _page(
    request: Request,
    store: PortalStore,
    collector: StaffMember,
    *,
    message: str = "",
    approved: DunningDraft | None = None,
    status_code: int = 200,
) -> Template:
    accounts, drafts = _waiting(request, store, collector)
    return Template(
        "workbench/drafts.html.jinja2",
        status_code=status_code,
        context={
            "collector": collector,
            "drafts": drafts,
            "accounts": accounts,
            "invoice_numbers": _invoice_numbers(store, collector),
            "message": message,
            "approved": approved,
            "utc": dt.UTC,
        },
    )


def _refused(
    request: Request,
    store: PortalStore,
    collector: StaffMember,
    accounts: dict[str, str],
    label: str,
    what: str,
) -> None:
    """Log a draft name that is not one of the collector's waiting drafts; audit it when it names
    another account's waiting draft (someone reaching beyond their list)."""
    home = portal_context(request.app).settings.home
    foreign = any(d.label == label and d.account_id not in accounts for d in account_drafts(home, None))
    log.warning(
        "workbench: %s asked to %s draft %r that is not waiting on their list (client %s)",
        collector.email,
        what,
        label[:200],
        client_id(request),
    )
    if foreign:
        store.audit(
            collector.email,
            "foreign_draft_rejected",
            label[:200],
            {"client": client_id(request), "what": what},
        )


def _done(label: str) -> Redirect:
    return Redirect(f"/workbench/drafts?done={quote(label, safe='')}", status_code=303)


class WorkbenchDraftsController(Controller):
    """The collector's drafts to approve."""

    path = "/workbench/drafts"
    guards = [requires_collector]
    dependencies = signed_in_dependencies("collector", provide_staff)

    @get("/", sync_to_thread=False)
    def drafts(
        self,
        request: Request,
        collector: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        done: FromQuery[str] = "",
    ) -> Template:
        """Dunning drafts of the collector's accounts waiting for approval, each with its preview."""
        approved = None
        if done and len(done) <= MAX_ID_LENGTH:
            home = portal_context(request.app).settings.home
            mine = account_drafts(home, _accounts(store, collector), DONE_STATES)
            approved = next((d for d in mine if d.label == done), None)
        return _page(request, store, collector, approved=approved)

    @get("/letter.pdf", sync_to_thread=False)
    def letter(
        self,
        request: Request,
        collector: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        draft: FromQuery[str] = "",
    ) -> Response | Template:
        """The printable PDF of one of the collector's waiting letter drafts."""
        accounts, drafts = _waiting(request, store, collector)
        listed = {d.label for d in drafts if d.has_pdf}
        pdf = letter_pdf(portal_context(request.app).settings.home, draft) if draft in listed else None
        if pdf is None:
            _refused(request, store, collector, accounts, draft, "download")
            return _page(request, store, collector, message=NO_LONGER_WAITING, status_code=404)
        filename = re.sub(r"[^A-Za-z0-9._-]", "_", draft.partition("/")[2])[:120] or "letter"
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"content-disposition": f'attachment; filename="{filename}.pdf"'},
        )

    @post("/approve", sync_to_thread=False)
    def approve(
        self,
        request: Request,
        collector: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        data: URLEncodedBody[ApproveForm],
    ) -> Template | Redirect:
        """Approve one listed draft (audited with the collector as actor and the account)."""
        home = portal_context(request.app).settings.home
        accounts, drafts = _waiting(request, store, collector)
        draft = next((d for d in drafts if d.label == data.draft), None)
        if draft is not None and approve_draft(home, draft.label, collector.email, store.audit):
            return _done(draft.label)
        if any(d.label == data.draft for d in account_drafts(home, accounts, DONE_STATES)):
            return _done(data.draft)  # approved already (twice, or by someone else): nothing to do
        _refused(request, store, collector, accounts, data.draft, "approve")
        return _page(request, store, collector, message=NO_LONGER_WAITING, status_code=409)
