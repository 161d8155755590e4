"""Customer statements: one account's open invoices with their aging, totals per aging bucket
and per currency, and how to pay, as an HTML page and a printable PDF.

Plain Python: the caller reads the ledger and the policy and passes plain values in. Totals are
kept per currency (a statement never adds dollars to pounds) and buckets come in the policy's
order. Aging is computed here from the statement date so an on-demand statement for another
date ages its invoices at that date, with the same rule as the ledger (`days <= max_days`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path

from jinja2 import Environment

from notifications.pdf import PdfDocument, PdfTable, render_pdf
from notifications.render import money, template_environment

NO_DUE_DATE = "no due date"
"""Bucket of an invoice without a due date (it cannot be aged); listed after the policy's."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Bucket:
    """An aging bucket from the policy: days past due up to `max_days` (None: no upper bound)."""

    label: str
    max_days: int | None


@dataclass(frozen=True)
class StatementInvoice:
    """One open invoice as the statement shows it."""

    invoice_number: str
    invoice_date: dt.date | None
    due_date: dt.date | None
    currency: str
    amount: Decimal
    balance: Decimal
    office: str | None = None


@dataclass(frozen=True)
class HowToPay:
    """Who the statement comes from and how the customer pays: plain text from the policy."""

    sender_name: str
    sender_lines: tuple[str, ...] = ()
    """The sender's address, one line each, under its name."""
    remit_to: tuple[str, ...] = ()
    """Remit-to text of each office the statement's invoices belong to ("\\n" breaks lines)."""
    instructions: str = ""
    contact: str = ""


@dataclass(frozen=True)
class AgedInvoice:
    invoice: StatementInvoice
    days_past_due: int | None
    bucket: str


@dataclass(frozen=True)
class CurrencyTotals:
    """One currency's open balance by bucket (every bucket, in order) and in total."""

    currency: str
    by_bucket: tuple[tuple[str, Decimal], ...]
    total: Decimal
    past_due: Decimal


@dataclass(frozen=True)
class Statement:
    """An account's statement at `as_of`."""

    account_id: str
    account_name: str
    as_of: dt.date
    buckets: tuple[Bucket, ...]
    invoices: tuple[StatementInvoice, ...]
    how_to_pay: HowToPay
    portal_url: str | None = None
    """The contact's link to the customer door, where the portal is configured for customers
    (shown as a link in HTML, printed in full on the PDF)."""

    @cached_property
    def aged(self) -> list[AgedInvoice]:
        """Open invoices (balance > 0) by currency, due date and number, aged at `as_of`."""
        rows = [
            AgedInvoice(invoice, days, bucket_for(days, self.buckets))
            for invoice in self.invoices
            if invoice.balance > 0
            for days in [(self.as_of - invoice.due_date).days if invoice.due_date else None]
        ]
        return sorted(
            rows,
            key=lambda a: (
                a.invoice.currency,
                a.invoice.due_date or dt.date.max,
                a.invoice.invoice_number,
            ),
        )

    @cached_property
    def bucket_labels(self) -> list[str]:
        labels = [b.label for b in self.buckets]
        if any(a.bucket == NO_DUE_DATE for a in self.aged):
            labels.append(NO_DUE_DATE)
        return labels

    @cached_property
    def totals(self) -> list[CurrencyTotals]:
        """Per currency (alphabetical): the balance in each bucket, in total and past due."""
        return statement_totals(self.aged, self.bucket_labels)

    @cached_property
    def has_past_due(self) -> bool:
        return any(t.past_due > 0 for t in self.totals)


def bucket_for(days_past_due: int | None, buckets: Sequence[Bucket]) -> str:
    """The first bucket whose `max_days` holds `days_past_due` (the ledger's rule)."""
    if days_past_due is None:
        return NO_DUE_DATE
    for bucket in buckets:
        if bucket.max_days is None or days_past_due <= bucket.max_days:
            return bucket.label
    raise ValueError("the last aging bucket must have no max_days")


def statement_totals(aged: Iterable[AgedInvoice], labels: Sequence[str]) -> list[CurrencyTotals]:
    """Balances summed per currency and bucket; never across currencies."""
    sums: dict[str, dict[str, Decimal]] = {}
    past_due: dict[str, Decimal] = {}
    for row in aged:
        currency = row.invoice.currency
        per_bucket = sums.setdefault(currency, dict.fromkeys(labels, Decimal("0.00")))
        per_bucket[row.bucket] += row.invoice.balance
        if row.days_past_due is not None and row.days_past_due > 0:
            past_due[currency] = past_due.get(currency, Decimal("0.00")) + row.invoice.balance
    return [
        CurrencyTotals(
            currency=currency,
            by_bucket=tuple(per_bucket.items()),
            total=sum(per_bucket.values(), Decimal("0.00")),
            past_due=past_due.get(currency, Decimal("0.00")),
        )
        for currency, per_bucket in sorted(sums.items())
    ]


def long_date(day: dt.date) -> str:
    """`23 November 2026`: unambiguous on both sides of the Atlantic."""
    return f"{day.day} {day:%B %Y}"


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else "-"


def _days(days: int | None) -> str:
    if days is None:
        return "-"
    if days == 0:
        return "due today"
    return str(days) if days > 0 else "not due"


def file_stem(account_id: str) -> str:
    """A file name for the account: its id where that is safe, else the cleaned id plus a short
    hash of the real one (`A/B` and `A_B` must not overwrite each other)."""
    clean = _UNSAFE.sub("_", account_id).strip("._")[:80]
    if clean == account_id and clean:
        return clean
    digest = hashlib.sha256(account_id.encode("utf-8")).hexdigest()[:8]
    return f"{clean or 'account'}-{digest}"


@cache
def _environment() -> Environment:
    filters = {"long_date": long_date, "iso": _iso, "days": _days}
    return template_environment(filters, escape_every_template=True)


def render_statement_html(statement: Statement) -> str:
    """The statement as a self-contained, printable HTML page (escaped throughout)."""
    return (
        _environment()
        .get_template("statement/statement.html.jinja2")
        .render(
            statement=statement,
            aged=statement.aged,
            totals=statement.totals,
            labels=statement.bucket_labels,
            how=statement.how_to_pay,
        )
    )


def statement_document(statement: Statement) -> PdfDocument:
    """The statement as a letter: summary, aging by bucket per currency, invoices, how to pay."""
    aged = statement.aged
    totals = statement.totals
    how = statement.how_to_pay
    balances = "; ".join(money(t.total, t.currency) for t in totals) or "nothing"
    past_due = "; ".join(money(t.past_due, t.currency) for t in totals if t.past_due > 0)
    summary = (
        f"Account {statement.account_id}. Open invoices as of {long_date(statement.as_of)}: "
        f"{len(aged)}. Balance: {balances}."
        + (f" Past due: {past_due}." if past_due else " Nothing is past due.")
    )
    blocks: list[str | PdfTable] = [summary]
    if totals:
        labels = statement.bucket_labels
        blocks += [
            "Aging by days past due",
            PdfTable(
                headers=["Aging bucket", *[t.currency or "Amount" for t in totals]],
                rows=[
                    [label, *[money(dict(t.by_bucket)[label], t.currency) for t in totals]]
                    for label in labels
                ],
                align=["L", *["R"] * len(totals)],
                footer=["Total", *[money(t.total, t.currency) for t in totals]],
            ),
            "Open invoices",
            PdfTable(
                headers=[
                    "Invoice",
                    "Invoice date",
                    "Due date",
                    "Amount",
                    "Balance",
                    "Days past due",
                    "Bucket",
                ],
                rows=[
                    [
                        a.invoice.invoice_number,
                        _iso(a.invoice.invoice_date),
                        _iso(a.invoice.due_date),
                        money(a.invoice.amount, a.invoice.currency),
                        money(a.invoice.balance, a.invoice.currency),
                        _days(a.days_past_due),
                        a.bucket,
                    ]
                    for a in aged
                ],
                align=["L", "L", "L", "R", "R", "R", "L"],
            ),
        ]
    blocks += _closing(statement)
    return PdfDocument(
        title="Statement of account",
        sender_lines=[how.sender_name, *how.sender_lines],
        recipient_lines=[statement.account_name, f"Account {statement.account_id}"],
        date_line=f"Statement date: {long_date(statement.as_of)}",
        blocks=blocks,
    )


def _closing(statement: Statement) -> list[str]:
    """How to pay, and the customer's link to their account printed in full (where there is one)."""
    how = statement.how_to_pay
    blocks = [text for text in ("How to pay", how.instructions, *how.remit_to, how.contact) if text]
    if statement.portal_url:
        blocks += ["Your account online (statement, promise to pay, dispute an invoice):",
                   statement.portal_url]
    return blocks


def render_statement_pdf(statement: Statement) -> bytes:
    return render_pdf(statement_document(statement))


@dataclass(frozen=True)
class WrittenStatement:
    account_id: str
    html: Path
    pdf: Path | None


def write_statement(
    statement: Statement, folder: Path, *, pdf: bool = True, stem: str | None = None
) -> WrittenStatement:
    """`<stem>.html` (and `<stem>.pdf`) in `folder`; each file written whole, then renamed."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem or file_stem(statement.account_id)
    html_path = folder / f"{stem}.html"
    _write(html_path, render_statement_html(statement).encode("utf-8"))
    pdf_path = None
    if pdf:
        pdf_path = folder / f"{stem}.pdf"
        _write(pdf_path, render_statement_pdf(statement))
    return WrittenStatement(statement.account_id, html_path, pdf_path)


def _write(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)


def batch_stems(account_ids: Iterable[str]) -> dict[str, str]:
    """`file_stem` per account, made unique ignoring case (case-insensitive file systems would
    otherwise let Salesforce's 15-character ids `001aB` and `001Ab` overwrite each other)."""
    stems: dict[str, str] = {}
    taken: set[str] = set()
    for account_id in sorted(account_ids):
        stem = file_stem(account_id)
        if stem.casefold() in taken:
            stem = f"{stem}-{hashlib.sha256(account_id.encode('utf-8')).hexdigest()[:8]}"
        taken.add(stem.casefold())
        stems[account_id] = stem
    return stems


def _write_chunk(folder: Path, jobs: list[tuple[Statement, str, bool]]) -> list[WrittenStatement]:
    return [write_statement(statement, folder, stem=stem, pdf=pdf) for statement, stem, pdf in jobs]


def write_statements(
    statements: Sequence[Statement],
    folder: Path,
    *,
    pdf_for_all: bool = True,
    workers: int = 1,
    chunk_size: int = 500,
) -> list[WrittenStatement]:
    """Every statement's HTML, and its PDF (for all, or only those with something past due),
    in `folder`; rendered in `workers` processes when there is enough to share."""
    stems = batch_stems(s.account_id for s in statements)
    jobs = [(s, stems[s.account_id], pdf_for_all or s.has_past_due) for s in statements]
    folder.mkdir(parents=True, exist_ok=True)
    # A worker needs seconds to start (importing fpdf2): only worth it for a real batch.
    if workers <= 1 or len(jobs) <= 4 * chunk_size:
        return _write_chunk(folder, jobs)
    chunks = [jobs[i : i + chunk_size] for i in range(0, len(jobs), chunk_size)]
    # `spawn`: the caller may be a threaded process (Dagster) that is unsafe to fork; workers
    # import only this module (jinja2, fpdf2), not the orchestration.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        results = pool.map(_write_chunk, [folder] * len(chunks), chunks)
        return [written for chunk in results for written in chunk]
