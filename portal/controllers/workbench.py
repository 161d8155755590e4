"""The collector workbench: the ranked worklist, an account's timeline with its forms, the submit
and the confirmation. Every read and write is scoped by the collector in the session; an account
or invoice named in the URL or a form is checked against the collector's own list."""

from __future__ import annotations

import datetime as dt
import logging

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect

from portal.context import client_id
from portal.controllers.jobs import MAX_UPDATE_ID
from portal.controllers.signed_in import error_page, signed_in_dependencies
from portal.guards import requires_collector
from portal.pages import Page
from portal.store import ENTRY_KINDS, PortalStore, StaffMember, SubmissionConflict
from portal.workbench_forms import (
    CALL_OUTCOMES,
    KIND_LABELS,
    MAX_INSTALLMENTS,
    AccountScope,
    EntryForm,
    blank_form,
    form_value,
    installment_fields,
    validate_entry,
)

log = logging.getLogger("portal.workbench")
DEFAULT_PLAN_ROWS = 6
PAGE_ITEMS = 200  # a phone page holds the top of the list; the daily exports hold all of it
MAX_ID_LENGTH = 300


def provide_staff(request: Request) -> StaffMember:
    """The person the guard found in the session (never one named by the request)."""
    return request.state.staff


def account_scope(
    store: PortalStore, collector: StaffMember, account_id: str
) -> tuple[list, AccountScope] | None:
    """The collector's items on this account and what they may record; None if it is not theirs."""
    if not account_id or len(account_id) > MAX_ID_LENGTH:
        return None
    items = store.account_items(collector.email, account_id)
    if not items:
        return None
    own_invoices = {i.invoice_key for i in items if i.invoice_key}
    scope = AccountScope(
        account_id=account_id,
        invoice_currencies={i.invoice_key: i.currency for i in items if i.invoice_key and i.currency},
        open_balances=store.account_open_balances(account_id),
        # only the collector's own invoices: a shared account's other disputes are not theirs to resolve
        open_disputes=frozenset(k for k in store.open_disputes(account_id) if k in own_invoices),
    )
    return items, scope


def _not_yours(store: PortalStore, collector: StaffMember, request: Request, account_id: str) -> Page:
    """The same refusal whether the account does not exist or belongs to someone else."""
    log.warning(
        "workbench: %s asked for account %r that is not on their list (client %s)",
        collector.email,
        account_id[:200],
        client_id(request),
    )
    store.audit(
        collector.email,
        "foreign_account_rejected",
        account_id[:200],
        {"client": client_id(request)},
        account_id=account_id[:200],
    )
    return error_page(
        404,
        "Not on your list",
        "That account is not on your worklist. Go back to your list.",
        back_url="/workbench",
        back_label="Back to your list",
    )


def worklist_page(collector: StaffMember, items: list, *, read_only: bool = False) -> Page:
    """A collector's ranked list (the top `PAGE_ITEMS` of `items`), with drivers and next actions."""
    return Page(
        "workbench/list.html.jinja2",
        context={"collector": collector, "items": items, "page_items": PAGE_ITEMS, "read_only": read_only},
    )


def account_page(
    store: PortalStore,
    collector: StaffMember,
    items: list,
    scope: AccountScope,
    *,
    posted: EntryForm | None = None,
    errors: dict[str, str] | None = None,
    plan_rows: int = DEFAULT_PLAN_ROWS,
    status_code: int = 200,
    read_only: bool = False,
) -> Page:
    """The account page: open items, timeline, recent entries and one form per kind."""
    forms = {kind: blank_form(kind, scope.account_id) for kind in ENTRY_KINDS}
    if len(scope.open_balances) == 1:  # one currency: nothing to choose
        [only] = scope.open_balances
        forms["promise"].currency = forms["plan"].currency = only
    if posted is not None:
        forms[posted.kind] = posted
    open_disputes = store.open_disputes(scope.account_id)
    return Page(
        "workbench/account.html.jinja2",
        status_code=status_code,
        context={
            "collector": collector,
            "account_id": scope.account_id,
            "account_name": next((i.account_name for i in items if i.account_name), scope.account_id),
            "items": items,
            "events": store.account_events(scope.account_id),
            "entries": store.account_entries(scope.account_id, limit=20),
            "balances": scope.open_balances,
            "invoices": [i for i in items if i.invoice_key],
            "open_disputes": open_disputes,
            "resolvable": scope.open_disputes,
            "forms": forms,
            "errors_for": posted.kind if posted is not None else "",
            "errors": errors or {},
            "outcomes": CALL_OUTCOMES,
            "kind_labels": KIND_LABELS,
            "plan_rows": plan_rows,
            "max_installments": MAX_INSTALLMENTS,
            "read_only": read_only,
        },
    )


class WorkbenchController(Controller):
    """Pages for a signed-in collector."""

    path = "/workbench"
    guards = [requires_collector]
    dependencies = signed_in_dependencies("collector", provide_staff)

    @get("/", sync_to_thread=True)
    def worklist(
        self, collector: NamedDependency[StaffMember], store: NamedDependency[PortalStore]
    ) -> Page:
        """The collector's ranked list for today, with the drivers and next action of each item."""
        return worklist_page(collector, store.items_for(collector.email, limit=PAGE_ITEMS + 1))

    @get("/account", sync_to_thread=True)
    def account(
        self,
        request: Request,
        collector: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        account_id: FromQuery[str] = "",
        plan_rows: FromQuery[int] = DEFAULT_PLAN_ROWS,
    ) -> Page:
        """One account of the collector's list: its timeline, open items and the forms."""
        found = account_scope(store, collector, account_id)
        if found is None:
            return _not_yours(store, collector, request, account_id)
        items, scope = found
        rows = min(max(plan_rows, 2), MAX_INSTALLMENTS)
        return account_page(store, collector, items, scope, plan_rows=rows)

    @post("/entries", sync_to_thread=True)
    def submit(
        self,
        request: Request,
        collector: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        data: URLEncodedBody[EntryForm],
    ) -> Page | Redirect:
        """Store one entry (once per form) and show the confirmation; errors go back to the form."""
        found = account_scope(store, collector, data.account_id)
        if found is None:
            return _not_yours(store, collector, request, data.account_id)
        items, scope = found
        if data.kind not in ENTRY_KINDS:
            data.kind = "note"
            return account_page(
                store,
                collector,
                items,
                scope,
                posted=data,
                status_code=400,
                errors={"form": "This form is out of date. Please reload the page and try again."},
            )
        result = validate_entry(data, scope, collector.email, collector.name, dt.datetime.now(dt.UTC))
        if result.entry is None:
            key = data.invoice_key.strip()
            if key and key not in scope.invoice_currencies and key not in scope.open_disputes:
                store.audit(
                    collector.email,
                    "foreign_invoice_rejected",
                    data.invoice_key[:200],
                    {"client": client_id(request), "kind": data.kind},
                    account_id=scope.account_id,
                )
            filled = [
                n
                for n in range(1, MAX_INSTALLMENTS + 1)
                if any(form_value(data, f) for f in installment_fields(n))
            ]
            rows = max([DEFAULT_PLAN_ROWS - 1, *filled]) + 1  # the rows in use and one more
            return account_page(
                store,
                collector,
                items,
                scope,
                posted=data,
                errors=result.errors,
                plan_rows=min(rows, MAX_INSTALLMENTS),
                status_code=400,
            )
        try:
            entry_id = store.record_entry(result.entry)
        except SubmissionConflict:
            return error_page(
                409,
                "Form already used",
                "This form was already used for another entry. Reload the account and try again.",
                back_url="/workbench",
                back_label="Back to your list",
            )
        return Redirect(f"/workbench/entries/{entry_id:d}", status_code=303)

    @get("/entries/{entry_id:int}", sync_to_thread=True)
    def confirmation(
        self,
        collector: NamedDependency[StaffMember],
        store: NamedDependency[PortalStore],
        entry_id: FromPath[int],
    ) -> Page:
        """What was saved, so the collector can check it."""
        saved = store.entry(collector.email, entry_id) if 0 < entry_id <= MAX_UPDATE_ID else None
        if saved is None:
            raise NotFoundException("no such entry")
        return Page(
            "workbench/confirmed.html.jinja2",
            context={
                "entry": saved,
                "collector": collector,
                "kind_labels": KIND_LABELS,
                "outcomes": CALL_OUTCOMES,
            },
        )
