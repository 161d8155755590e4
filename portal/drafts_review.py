"""Reviewing dunning drafts in the portal: the list (from the drafts index, a page at a time),
approve, edit the text, reject with a reason, and a letter's PDF.

A `Reviewer` is the signed-in person and the accounts whose drafts they may act on (a collector's
own list, a manager's office), from the session and the store, never from the request. A draft
named in a URL or a form is looked up in the index and must be of one of those accounts; one of
another account is refused like a draft that does not exist, and audited as a reach beyond the
person's scope. Every handler that calls this runs in the thread pool (file and index work).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.response import Redirect

from notifications.draft_index import DraftIndex
from notifications.dunning_drafts import (
    DunningDraft,
    EditRefused,
    approve_draft,
    draft_parts,
    edit_draft,
    letter_pdf,
    reject_draft,
)
from portal.context import client_id, portal_context
from portal.pages import Page
from portal.store import PortalStore, audit_log, worklists

log = logging.getLogger("portal.drafts")
PAGE_SIZE = 25
MAX_LABEL_LENGTH = 300
DONE_STATES = ("approved", "sending", "sent")
OUTCOME_STATES = {"approved": DONE_STATES, "rejected": ("rejected",), "edited": ("drafts",)}
NO_LONGER_WAITING = (
    "This draft is no longer waiting for approval: it was approved, rejected, sent or withdrawn "
    "meanwhile. The list below is up to date."
)


@dataclass(frozen=True)
class Reviewer:
    """Who reviews, which accounts are theirs, and where their drafts pages are."""

    email: str
    name: str
    accounts: dict[str, str]
    """account id -> name."""
    base: str
    """`/workbench/drafts` or `/team/drafts`."""
    back_url: str
    back_label: str
    sub: str
    whose: str
    """"your accounts" or "your team's accounts"."""
    account_url: str | None = None
    """Where an account's page is (`?account_id=` appended), when the reviewer has one."""


@dataclass
class ApproveForm:
    """The Approve button of one draft: its labelled name, and the list page it was on."""

    draft: str = ""
    page: int = 1


@dataclass
class EditForm:
    """A draft's edited text: `text` (email, SMS), or `before` and `after` the letter's table."""

    draft: str = ""
    text: str = ""
    before: str = ""
    after: str = ""

    def parts(self, draft: DunningDraft) -> list[str]:
        """The fields the draft's channel edits (`edit_parts`), in its order."""
        return [getattr(self, name) for name in draft.outbox_channel.edit_parts]


@dataclass
class RejectForm:
    """Reject one draft, with the reason (required)."""

    draft: str = ""
    reason: str = ""


def _index(request: Request) -> DraftIndex:
    return DraftIndex(portal_context(request.app).settings.home)


def _listed(index: DraftIndex, reviewer: Reviewer, label: str, states=("drafts",)) -> DunningDraft | None:
    """The reviewer's draft of this name in `states`, or None (unknown, or another account's)."""
    if not label or len(label) > MAX_LABEL_LENGTH:
        return None
    draft = index.find(label, states)
    return draft if draft is not None and draft.account_id in reviewer.accounts else None


def _refused(
    request: Request, store: PortalStore, reviewer: Reviewer, index: DraftIndex, label: str, what: str
) -> None:
    """Log a draft name that is not one of the reviewer's waiting drafts; audit it when it names
    another account's draft (someone reaching beyond their scope)."""
    label = label[:MAX_LABEL_LENGTH]
    found = index.find(label, ("drafts", *DONE_STATES, "rejected")) if label else None
    log.warning("drafts: %s asked to %s draft %r that is not waiting in their scope (client %s)",
                reviewer.email, what, label[:200], client_id(request))
    if found is not None and found.account_id not in reviewer.accounts:
        audit_log.record(store, reviewer.email, "foreign_draft_rejected", label[:200],
                    {"client": client_id(request), "what": what})


def _mine_or_refused(
    request: Request, store: PortalStore, reviewer: Reviewer, label: str, what: str
) -> DunningDraft | None:
    """The reviewer's waiting draft of this name; None (logged, audited when foreign) otherwise."""
    index = _index(request)
    draft = _listed(index, reviewer, label)
    if draft is None:
        _refused(request, store, reviewer, index, label, what)
    return draft


def _done(reviewer: Reviewer, label: str, did: str, page: int = 1) -> Redirect:
    query = urlencode({"done": label, "did": did, "page": max(page, 1)})
    return Redirect(f"{reviewer.base}?{query}", status_code=303)


def list_page(
    request: Request,
    store: PortalStore,
    reviewer: Reviewer,
    *,
    page: int = 1,
    done: str = "",
    did: str = "approved",
    message: str = "",
    status_code: int = 200,
) -> Page:
    """One page of the reviewer's waiting drafts, oldest first, each with its preview and actions."""
    index = _index(request)
    index.sync()
    total = index.count(reviewer.accounts)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    drafts = index.drafts(reviewer.accounts, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    outcome = _listed(index, reviewer, done, OUTCOME_STATES[did]) if did in OUTCOME_STATES else None
    keys = [key for d in drafts for key in d.invoice_keys]
    return Page(
        "drafts/list.html.jinja2",
        status_code=status_code,
        context={
            "reviewer": reviewer,
            "drafts": drafts,
            "total": total,
            "page": page,
            "pages": pages,
            "first": (page - 1) * PAGE_SIZE + 1,
            "invoice_numbers": worklists.invoice_numbers(store, keys),
            "message": message,
            "outcome": outcome,
            "did": did,
            "utc": dt.UTC,
        },
    )


def approve(request: Request, store: PortalStore, reviewer: Reviewer, form: ApproveForm) -> Page | Redirect:
    """Approve one of the reviewer's waiting drafts (audited with them as actor and the account)."""
    index = _index(request)
    home = portal_context(request.app).settings.home
    draft = _listed(index, reviewer, form.draft)
    if draft is not None and approve_draft(home, draft.label, reviewer.email, audit_log.recorder(store)):
        return _done(reviewer, draft.label, "approved", form.page)
    if _listed(index, reviewer, form.draft, DONE_STATES) is not None:
        return _done(reviewer, form.draft, "approved", form.page)  # approved already: nothing to do
    _refused(request, store, reviewer, index, form.draft, "approve")
    return list_page(request, store, reviewer, page=form.page, message=NO_LONGER_WAITING, status_code=409)


def edit_page(
    request: Request,
    store: PortalStore,
    reviewer: Reviewer,
    label: str,
    *,
    form: EditForm | RejectForm | None = None,
    error: str = "",
    status_code: int = 200,
) -> Page:
    """One waiting draft with its text to edit and the reject form; the list when it is gone."""
    draft = _mine_or_refused(request, store, reviewer, label, "edit")
    found = draft_parts(portal_context(request.app).settings.home, draft) if draft is not None else None
    if draft is None or found is None:
        return list_page(request, store, reviewer, message=NO_LONGER_WAITING, status_code=404)
    parts, fixed = found
    if isinstance(form, EditForm):
        parts = form.parts(draft)
    return Page(
        "drafts/edit.html.jinja2",
        status_code=status_code,
        context={
            "reviewer": reviewer,
            "d": draft,
            "parts": parts,
            "fixed": fixed,
            "reason": form.reason if isinstance(form, RejectForm) else "",
            "error": error,
            "error_for": "reject" if isinstance(form, RejectForm) else "edit",
            "invoice_numbers": worklists.invoice_numbers(store, draft.invoice_keys),
            "utc": dt.UTC,
        },
    )


def save_edit(request: Request, store: PortalStore, reviewer: Reviewer, form: EditForm) -> Page | Redirect:
    """Replace a waiting draft's text with the reviewer's (audited); errors go back to the form."""
    draft = _mine_or_refused(request, store, reviewer, form.draft, "edit")
    if draft is None:
        return list_page(request, store, reviewer, message=NO_LONGER_WAITING, status_code=409)
    home = portal_context(request.app).settings.home
    try:
        saved = edit_draft(home, draft, reviewer.email, form.parts(draft), audit_log.recorder(store))
    except EditRefused as exc:
        return edit_page(request, store, reviewer, draft.label, form=form, error=str(exc), status_code=400)
    if not saved:
        return list_page(request, store, reviewer, message=NO_LONGER_WAITING, status_code=409)
    return _done(reviewer, draft.label, "edited")


def reject(request: Request, store: PortalStore, reviewer: Reviewer, form: RejectForm) -> Page | Redirect:
    """Reject one waiting draft with the reviewer's reason: it never goes out (audited)."""
    draft = _mine_or_refused(request, store, reviewer, form.draft, "reject")
    if draft is None:
        return list_page(request, store, reviewer, message=NO_LONGER_WAITING, status_code=409)
    home = portal_context(request.app).settings.home
    try:
        now = dt.datetime.now(dt.UTC)
        audit = audit_log.recorder(store)
        rejected = reject_draft(home, draft.label, reviewer.email, form.reason, audit, now)
    except ValueError:
        error = "Say why you reject this draft (at most 500 characters): it is kept with the draft."
        return edit_page(request, store, reviewer, draft.label, form=form, error=error, status_code=400)
    if not rejected:
        return list_page(request, store, reviewer, message=NO_LONGER_WAITING, status_code=409)
    return _done(reviewer, draft.label, "rejected")


def letter(request: Request, store: PortalStore, reviewer: Reviewer, label: str) -> Response | Page:
    """The printable PDF of one of the reviewer's waiting letter drafts."""
    draft = _mine_or_refused(request, store, reviewer, label, "download")
    pdf = letter_pdf(portal_context(request.app).settings.home, draft.label) if draft is not None else None
    if pdf is None:
        return list_page(request, store, reviewer, message=NO_LONGER_WAITING, status_code=404)
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", draft.name)[:120] or "letter"  # type: ignore[union-attr]
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{filename}.pdf"'},
    )
