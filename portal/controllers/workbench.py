"""The collector workbench: the ranked accounts, an account's timeline with its forms, the submit
and the confirmation. Every read and write is scoped by the collector in the session; an account
or invoice named in the URL or a form is checked against the collector's own list. An entry
logged since the lists were published changes the account's next action at once (replayed from
the store's inbox by `portal.worklist_now`)."""

from __future__ import annotations

import logging

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect

from portal.context import client_id
from portal.controllers.jobs import MAX_UPDATE_ID
from portal.controllers.signed_in import error_page, signed_in_dependencies
from portal.forms import OUT_OF_DATE
from portal.guards import requires_collector
from portal.local_time import team_now
from portal.pages import Page
from portal.store import PortalStore, account_events, audit_log, collector_entries, director_jobs, worklists
from portal.store.inbox import SubmissionConflict
from portal.store.team import StaffMember
from portal.workbench_forms import (
    CALL_OUTCOMES,
    COLLECTOR_KINDS,
    KIND_LABELS,
    MAX_INSTALLMENTS,
    AccountScope,
    EntryForm,
    blank_form,
    form_value,
    installment_fields,
    validate_entry,
)
from portal.worklist_now import AccountNow, ItemNow, Replay, published
from portal.worklist_rows import CollectorAccount

log = logging.getLogger("portal.workbench")
DEFAULT_PLAN_ROWS = 6
PAGE_ITEMS = 200  # accounts: a phone page holds the top of the list; the daily exports hold all of it
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
    items = worklists.account_items(store, collector.email, account_id)
    if not items:
        return None
    own_invoices = {i.invoice_key for i in items if i.invoice_key}
    scope = AccountScope(
        account_id=account_id,
        invoice_currencies={i.invoice_key: i.currency for i in items if i.invoice_key and i.currency},
        open_balances=worklists.account_open_balances(store, account_id),
        # only the collector's own invoices: a shared account's other disputes are not theirs to resolve
        open_disputes=frozenset(
            k for k in collector_entries.open_disputes(store, account_id) if k in own_invoices
        ),
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
    audit_log.record(
        store,
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


def accounts_now(
    store: PortalStore, collector: StaffMember, accounts: list[CollectorAccount], *, by_name: bool
) -> list[AccountNow]:
    """The accounts with their items and the entries logged since the lists were published."""
    ids = [a.account_id for a in accounts if a.account_id]
    if by_name:  # a manager's view, already scoped to a collector named in the lists
        items = worklists.items_of_accounts(store, ids, collector=collector.name)
    else:
        items = worklists.items_of_accounts(store, ids, collector_email=collector.email)
    by_account: dict[str, list] = {}
    for item in items:
        by_account.setdefault(item.account_id, []).append(item)
    state = worklists.workbench_state(store)
    if state is None:  # lists published before the portal knew their state: shown as published
        return [published(a, [ItemNow(i, {}) for i in by_account.get(a.account_id, [])]) for a in accounts]
    entries: dict[str, list] = {}
    for entry in collector_entries.since(store, state.entries_through, ids):
        entries.setdefault(entry.account_id, []).append(entry)
    replay = Replay(state)
    return [
        replay.account(a, by_account.get(a.account_id, []), entries.get(a.account_id, [])) for a in accounts
    ]


def worklist_page(store: PortalStore, collector: StaffMember, *, read_only: bool = False) -> Page:
    """A collector's ranked accounts (the top `PAGE_ITEMS`), each with its contact, next action as it
    stands now, the drivers of its score and its invoices."""
    if read_only:
        accounts = worklists.accounts_of_collector(store, collector.name, limit=PAGE_ITEMS + 1)
    else:
        accounts = worklists.accounts_for(store, collector.email, limit=PAGE_ITEMS + 1)
    shown = accounts_now(store, collector, accounts[:PAGE_ITEMS], by_name=read_only)
    return Page(
        "workbench/list.html.jinja2",
        context={"collector": collector, "accounts": shown, "more": len(accounts) > PAGE_ITEMS,
                 "page_items": PAGE_ITEMS, "read_only": read_only},
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
    forms = {kind: blank_form(kind, scope.account_id) for kind in COLLECTOR_KINDS}
    if len(scope.open_balances) == 1:  # one currency: nothing to choose
        [only] = scope.open_balances
        forms["promise"].currency = forms["plan"].currency = only
    if posted is not None:
        forms[posted.kind] = posted
    open_disputes = collector_entries.open_disputes(store, scope.account_id)
    owner = {"collector": collector.name} if read_only else {"collector_email": collector.email}
    row = worklists.collector_account(store, scope.account_id, **owner)
    now = accounts_now(store, collector, [row], by_name=read_only)[0] if row is not None else None
    return Page(
        "workbench/account.html.jinja2",
        status_code=status_code,
        context={
            "collector": collector,
            "account_id": scope.account_id,
            "account_name": next((i.account_name for i in items if i.account_name), scope.account_id),
            "now": now,
            "numbers": {i.invoice_key: i.invoice_number for i in items if i.invoice_key},
            "items": items,
            "events": account_events.timeline(store, scope.account_id),
            "entries": collector_entries.for_account(store, scope.account_id, limit=20),
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


def _plan_rows_in_use(form: EntryForm) -> int:
    """The installment rows to show a posted plan form with: the rows in use and one more."""
    filled = [
        n for n in range(1, MAX_INSTALLMENTS + 1) if any(form_value(form, f) for f in installment_fields(n))
    ]
    return min(max([DEFAULT_PLAN_ROWS - 1, *filled]) + 1, MAX_INSTALLMENTS)


def _refused_entry(
    store: PortalStore,
    collector: StaffMember,
    request: Request,
    found: tuple[list, AccountScope],
    form: EntryForm,
    errors: dict[str, str],
) -> Page:
    """The account page again with the posted form and its errors. An invoice that is not on the
    collector's list (the form was altered) is audited."""
    items, scope = found
    key = form.invoice_key.strip()
    if key and key not in scope.invoice_currencies and key not in scope.open_disputes:
        audit_log.record(
            store,
            collector.email,
            "foreign_invoice_rejected",
            form.invoice_key[:200],
            {"client": client_id(request), "kind": form.kind},
            account_id=scope.account_id,
        )
    return account_page(
        store,
        collector,
        items,
        scope,
        posted=form,
        errors=errors,
        plan_rows=_plan_rows_in_use(form),
        status_code=400,
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
        """The collector's ranked accounts for today, with the drivers and next action of each."""
        return worklist_page(store, collector)

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
        if data.kind not in COLLECTOR_KINDS:
            data.kind = "note"
            return account_page(
                store, collector, items, scope, posted=data, status_code=400, errors={"form": OUT_OF_DATE}
            )
        now = team_now(director_jobs.published_policy(store))
        result = validate_entry(data, scope, collector.email, collector.name, now)
        if result.entry is None:
            return _refused_entry(store, collector, request, found, data, result.errors)
        try:
            entry_id = collector_entries.record(store, result.entry)
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
        in_range = 0 < entry_id <= MAX_UPDATE_ID
        saved = collector_entries.get(store, collector.email, entry_id) if in_range else None
        if saved is None:
            raise NotFoundException("no such entry")
        items = worklists.account_items(store, collector.email, saved.account_id)
        return Page(
            "workbench/confirmed.html.jinja2",
            context={
                "entry": saved,
                "account_name": next((i.account_name for i in items if i.account_name), saved.account_id),
                "numbers": {i.invoice_key: i.invoice_number for i in items if i.invoice_key},
                "collector": collector,
                "kind_labels": KIND_LABELS,
                "outcomes": CALL_OUTCOMES,
            },
        )
