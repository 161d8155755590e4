"""The customer's own account: open invoices, the statement PDF, invoice copies, the paid history,
the collector to contact, and the forms to promise to pay or dispute an invoice. Every read and
write takes the account from the session the guard checked; an invoice named in a form or a copy's
URL is checked against that account's own invoices, and no URL or form field can name another
account."""

from __future__ import annotations

import re
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, URLEncodedBody
from litestar.response import Redirect

from portal.context import client_id, portal_context
from portal.controllers.jobs import MAX_UPDATE_ID
from portal.controllers.signed_in import error_page, signed_in_dependencies
from portal.customer_discrepancy import discrepancy_forms, open_differences, validate_discrepancy
from portal.customer_forms import (
    CustomerForm,
    DisputeUpload,
    RemittanceForm,
    blank_forms,
    chosen_keys,
    remittance_entry,
    validate_customer_entry,
    with_attachment,
)
from portal.customer_links import CustomerClaims
from portal.customer_view import account_view, customer_standing
from portal.guards import requires_customer
from portal.invoice_copies import documents_dir, read_copy
from portal.local_time import team_now
from portal.pages import Page
from portal.remittance_lists import invoice_list
from portal.store import PortalStore, audit_log, collector_entries, customers, director_jobs
from portal.store.customers import CustomerAccount
from portal.store.inbox import SubmissionConflict
from portal.uploads import MAX_UPLOAD_BYTES, UploadRefused, store_upload


def provide_customer(request: Request) -> CustomerClaims:
    """The account contact the guard found in the session (never one named by the request)."""
    return request.state.customer


def _published(store: PortalStore, customer: CustomerClaims) -> CustomerAccount:
    published = customers.account(store, customer.account_id)
    if published is None:  # the guard found the contact, and contacts are published with their account
        raise NotFoundException("account not published")
    return published


def account_page(
    store: PortalStore,
    customer: CustomerClaims,
    posted: CustomerForm | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Page:
    """The account page, with the posted form and its errors when a form came back."""
    published = _published(store, customer)
    entries = collector_entries.for_account(store, customer.account_id, limit=200)
    invoices = customers.invoices(store, customer.account_id)
    view = account_view(published, invoices, customer_standing(entries))
    forms = blank_forms()
    differences = discrepancy_forms(open_differences(invoices, entries))
    if posted is not None and posted.kind == "discrepancy":
        if posted.invoice_key in differences:
            differences[posted.invoice_key] = posted
    elif posted is not None:
        forms[posted.kind] = posted
    by_key = {i.invoice_key: i for i in invoices}
    return Page(
        "customer/account.html.jinja2",
        status_code=status_code,
        context={
            "view": view,
            "customer": customer,
            "forms": forms,
            "differences": [(by_key[key], form) for key, form in differences.items()],
            "errors": errors or {},
            "errors_for": posted.kind if posted is not None else "",
            "posted": posted,
            "reasons": published.rules["dispute_reasons"],
        },
    )


def _refused_form(
    request: Request,
    store: PortalStore,
    customer: CustomerClaims,
    form: CustomerForm,
    errors: dict,
    invoices: list,
) -> Page:
    """The account page again with the posted form and its errors; an invoice that is not the
    account's (the form was altered) is audited."""
    own = {i.invoice_key for i in invoices}
    foreign = [key for key in chosen_keys(form) if key not in own]
    if foreign:
        audit_log.record(
            store,
            customer.email,
            "foreign_invoice_rejected",
            ", ".join(foreign)[:200],
            {"client": client_id(request), "kind": form.kind[:30]},
            account_id=customer.account_id,
        )
    if form.kind not in {*blank_forms(), "discrepancy"}:
        form.kind = "promise"
    return account_page(store, customer, posted=form, errors=errors, status_code=400)


def _audit_refused_upload(
    request: Request, store: PortalStore, customer: CustomerClaims, filename: str, refused: Exception
) -> None:
    audit_log.record(
        store,
        customer.email,
        "upload_refused",
        filename[:200],
        {"reason": str(refused), "client": client_id(request)},
        account_id=customer.account_id,
    )


def _recorded(store: PortalStore, entry) -> Page | Redirect:
    """Store the entry (once per form) and move on to its confirmation."""
    try:
        entry_id = collector_entries.record(store, entry)
    except SubmissionConflict:
        return error_page(
            409,
            "Form already used",
            "This form was already used. Reload the page and try again.",
            back_url="/account",
            back_label="Back to your account",
        )
    return Redirect(f"/account/entries/{entry_id:d}", status_code=303)


class CustomerController(Controller):
    """Pages for a signed-in customer contact."""

    path = "/account"
    guards = [requires_customer]
    dependencies = signed_in_dependencies("customer", provide_customer)

    @get("/", sync_to_thread=True)
    def account(self, customer: NamedDependency[CustomerClaims], store: NamedDependency[PortalStore]) -> Page:
        """The account's open invoices, paid history, statement, collector and forms."""
        return account_page(store, customer)

    @get("/statement.pdf", sync_to_thread=True)
    def statement(
        self, customer: NamedDependency[CustomerClaims], store: NamedDependency[PortalStore]
    ) -> Response[bytes]:
        """The account's statement as `ledgerloop statement` prints it for the published day."""
        from notifications.statement_json import load_statement
        from notifications.statements import file_stem, render_statement_pdf

        statement = load_statement(_published(store, customer).statement)
        name = f"statement-{file_stem(statement.account_id)}-{statement.as_of.isoformat()}.pdf"
        return Response(
            render_statement_pdf(statement),
            media_type="application/pdf",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    @get("/invoices/{invoice_key:str}/copy", sync_to_thread=True)
    def copy(
        self,
        request: Request,
        customer: NamedDependency[CustomerClaims],
        store: NamedDependency[PortalStore],
        invoice_key: FromPath[str],
    ) -> Response[bytes]:
        """The invoice's PDF as the pipeline published it, for an invoice of the session's account
        only; anything else (another account's key, no copy, a file changed since) is one 404."""
        found = customers.invoice(store, customer.account_id, invoice_key[:200])
        data = None
        if found is not None and found.document_file and found.document_sha256:
            root = documents_dir(portal_context(request.app).settings.home)
            data = read_copy(root, found.document_file, found.document_sha256)
        if data is None:
            raise NotFoundException("no such copy")
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", found.invoice_number)[:100] or "invoice"
        return Response(
            data,
            media_type="application/pdf",
            headers={
                "content-disposition": f'attachment; filename="{name}.pdf"',
                "x-content-type-options": "nosniff",
                "cache-control": "private, no-store",
            },
        )

    @post("/entries", sync_to_thread=True)
    def submit(
        self,
        request: Request,
        customer: NamedDependency[CustomerClaims],
        store: NamedDependency[PortalStore],
        data: URLEncodedBody[CustomerForm],
    ) -> Page | Redirect:
        """Store a promise, dispute, update or accepted difference (once per form) and confirm it;
        errors go back to the form."""
        published = _published(store, customer)
        invoices = customers.invoices(store, customer.account_id)
        now = team_now(director_jobs.published_policy(store))
        if data.kind == "discrepancy":
            entries = collector_entries.for_account(store, customer.account_id, limit=200)
            result = validate_discrepancy(data, published, invoices, entries, customer.email, now)
        else:
            disputed = set(collector_entries.open_disputes(store, customer.account_id))
            result = validate_customer_entry(data, published, invoices, customer.email, disputed, now)
        if result.entry is None:
            return _refused_form(request, store, customer, data, result.errors, invoices)
        return _recorded(store, result.entry)

    @post("/disputes", sync_to_thread=True, request_max_body_size=MAX_UPLOAD_BYTES + 64 * 1024)
    def dispute(
        self,
        request: Request,
        customer: NamedDependency[CustomerClaims],
        store: NamedDependency[PortalStore],
        data: Annotated[DisputeUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Page | Redirect:
        """A dispute with an optional attachment (checked and kept like a remittance advice)."""
        form = data.as_form()
        published = _published(store, customer)
        invoices = customers.invoices(store, customer.account_id)
        disputed = set(collector_entries.open_disputes(store, customer.account_id))
        now = team_now(director_jobs.published_policy(store))
        result = validate_customer_entry(form, published, invoices, customer.email, disputed, now)
        if result.entry is None:
            return _refused_form(request, store, customer, form, result.errors, invoices)
        entry = result.entry
        if data.file is not None and data.file.filename:
            try:
                content = data.file.file.read(MAX_UPLOAD_BYTES + 1)
                home = portal_context(request.app).settings.home
                stored = store_upload(home, customer.account_id, content, data.file.filename, "disputes")
            except UploadRefused as refused:
                _audit_refused_upload(request, store, customer, data.file.filename, refused)
                return account_page(store, customer, form, {"file": str(refused)}, 400)
            entry = with_attachment(entry, stored)
        return _recorded(store, entry)

    @post("/remittances", sync_to_thread=True, request_max_body_size=MAX_UPLOAD_BYTES + 64 * 1024)
    def upload(
        self,
        request: Request,
        customer: NamedDependency[CustomerClaims],
        store: NamedDependency[PortalStore],
        data: Annotated[RemittanceForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Page | Redirect:
        """Keep a remittance advice (checked, outside the web root) and note it on the account."""
        posted = CustomerForm(submission_id=data.submission_id, kind="remittance", details=data.details)
        if data.file is None:
            return account_page(store, customer, posted, {"file": "Choose a file to upload."}, 400)
        try:
            content = data.file.file.read(MAX_UPLOAD_BYTES + 1)
            stored = store_upload(
                portal_context(request.app).settings.home,
                customer.account_id,
                content,
                data.file.filename or "",
            )
        except UploadRefused as refused:
            _audit_refused_upload(request, store, customer, data.file.filename or "", refused)
            return account_page(store, customer, posted, {"file": str(refused)}, 400)
        listed = invoice_list(content, stored.kind)
        customers.record_remittance(
            store, customer.account_id, customer.email, stored.sha256, stored.kind, stored.path.name, listed
        )
        result = remittance_entry(
            data, stored, _published(store, customer), customer.email,
            team_now(director_jobs.published_policy(store)),
        )
        if result.entry is None:
            return account_page(store, customer, posted, result.errors, 400)
        return _recorded(store, result.entry)

    @get("/entries/{entry_id:int}", sync_to_thread=True)
    def confirmation(
        self,
        customer: NamedDependency[CustomerClaims],
        store: NamedDependency[PortalStore],
        entry_id: FromPath[int],
    ) -> Page:
        """What was saved, so the customer can check it."""
        in_range = 0 < entry_id <= MAX_UPDATE_ID
        saved = (
            collector_entries.get(store, customer.email, entry_id, customer.account_id) if in_range else None
        )
        if saved is None or saved.entered_by != "customer":
            raise NotFoundException("no such entry")
        numbers = {i.invoice_key: i.invoice_number for i in customers.invoices(store, customer.account_id)}
        return Page(
            "customer/confirmed.html.jinja2",
            context={"entry": saved, "numbers": numbers, "account": _published(store, customer)},
        )
