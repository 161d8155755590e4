"""Customer statements from `marts.ar_ledger`: one HTML page and PDF per account with an open
balance, written to `exports/statements/<date>/` on the first run of each month (or when asked),
and on demand for one account (`ledgerloop statement ACCOUNT_ID`).

The day's folder is written beside the old one and swapped in whole, with an `index.csv` listing
every account and its files; a folder with an index means "this month's statements are done".
"""

import csv
import datetime as dt
import re
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import duckdb

from notifications.statements import (
    Bucket,
    HowToPay,
    Statement,
    StatementInvoice,
    WrittenStatement,
    write_statements,
)
from orchestration.dunning.customer_links import CustomerLinks
from orchestration.policy import Policy, PolicyError

INDEX_FILE = "index.csv"

STATEMENT_INVOICES_QUERY = """
select account_id, account_name, office, invoice_key, display_number as invoice_number, invoice_date,
    due_date, coalesce(currency, '') as currency, amount, balance
from marts.ar_ledger
where balance > 0
    and account_id is not null
    and ($account_id is null or account_id = $account_id)
    and ($accounts is null or account_id in (select unnest($accounts::varchar [])))
order by account_id, invoice_key
"""
"""Open invoices of every account (or of one, or of a list), grouped by account; numbers as the
office writes them."""

ACCOUNT_KNOWN_QUERY = "select count(*) from marts.ar_ledger where account_id = $account_id"
SETTLED_ACCOUNTS_QUERY = """
select account_id, max(account_name), list(distinct office)
from marts.ar_ledger
where account_id in (select unnest($account_ids::varchar []))
group by account_id
order by account_id
"""
"""Name and offices of accounts read whole (a statement with nothing open still has a letterhead)."""
STATEMENT_READS = ["marts.ar_ledger", "outreach.account_contacts"]
"""What statements read (what a PostgreSQL warehouse's session pulls)."""
OPEN_WITHOUT_ACCOUNT_QUERY = "select count(*) from marts.ar_ledger where balance > 0 and account_id is null"

_DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class UnknownAccountError(LookupError):
    """No invoice in the ledger carries this account id."""


def check_statements_policy(policy: Policy) -> None:
    """`statements.remit_to` may only name offices the policy knows (the error names the key)."""
    codes = [o.code for o in policy.offices]
    unknown = policy.statements.unknown_offices(codes)
    if unknown:
        raise PolicyError(f"statements.remit_to: unknown office(s) {unknown}; known: {codes}")


def aging_buckets(policy: Policy) -> tuple[Bucket, ...]:
    return tuple(Bucket(b.label, b.max_days) for b in policy.aging.buckets)


def how_to_pay(policy: Policy, offices: list[str]) -> HowToPay:
    """The policy's sender and payment text, with the remit-to of each of the account's offices."""
    settings = policy.statements
    names = {o.code: o.name for o in policy.offices}
    texts = [settings.remit_to_for(office) for office in sorted(set(offices), key=str)]
    unique = [t for i, t in enumerate(texts) if t and t not in texts[:i]]
    if len(unique) > 1:  # invoices from several offices: say which remit-to is whose
        unique = [
            f"{names.get(office, office)}: {settings.remit_to_for(office)}"
            for office in sorted({o for o in offices if settings.remit_to_for(o)}, key=str)
        ]
    return HowToPay(
        sender_name=settings.sender_name,
        sender_lines=tuple(settings.sender_lines),
        remit_to=tuple(unique),
        instructions=settings.payment_instructions,
        contact=settings.contact,
    )


def read_statements(
    con: duckdb.DuckDBPyConnection, policy: Policy, as_of: dt.date, account_id: str | None = None,
    accounts: list[str] | None = None,
) -> list[Statement]:
    """A statement per account with open invoices (only of `accounts` when given; for
    `account_id`, even with none open: UnknownAccountError when no invoice ever carried it)."""
    if account_id is not None:
        (known,) = con.execute(ACCOUNT_KNOWN_QUERY, {"account_id": account_id}).fetchone()
        if not known:
            raise UnknownAccountError(account_id)
    cursor = con.execute(STATEMENT_INVOICES_QUERY, {"account_id": account_id, "accounts": accounts})
    buckets = aging_buckets(policy)
    grouped: dict[str, list[tuple]] = {}
    while batch := cursor.fetchmany(50_000):
        for row in batch:
            grouped.setdefault(row[0], []).append(row)
    if account_id is not None and account_id not in grouped:
        return settled_statements(con, policy, as_of, [account_id])
    statements = []
    for account, rows in grouped.items():
        # The name on the newest invoice: Salesforce may have renamed the account since.
        newest = max(rows, key=lambda r: (r[5] or dt.date.min, r[3]))
        invoices = tuple(
            StatementInvoice(
                invoice_number=number or key,
                invoice_date=invoice_date,
                due_date=due_date,
                currency=currency,
                amount=Decimal(amount) if amount is not None else balance,
                balance=balance,
                office=office,
            )
            for _, _, office, key, number, invoice_date, due_date, currency, amount, balance in rows
        )
        offices = [row[2] for row in rows]
        statements.append(
            Statement(account, newest[1] or account, as_of, buckets, invoices, how_to_pay(policy, offices))
        )
    return statements


def settled_statements(
    con: duckdb.DuckDBPyConnection, policy: Policy, as_of: dt.date, account_ids: list[str]
) -> list[Statement]:
    """The statement of each named account with nothing open (no invoice lines), in one read of
    the ledger; an account no invoice ever carried has none."""
    rows = con.execute(SETTLED_ACCOUNTS_QUERY, {"account_ids": account_ids}).fetchall()
    buckets = aging_buckets(policy)
    return [
        Statement(account, name or account, as_of, buckets, (), how_to_pay(policy, offices))
        for account, name, offices in rows
    ]


def with_customer_links(
    statements: list[Statement], contacts: Mapping[str, Mapping], links: CustomerLinks | None
) -> list[Statement]:
    """Each statement with its contact's link to the customer door (`contacts` by account id, as
    `current_contacts` reads them), where there is a minter and the contact has a door."""
    if links is None:
        return statements
    linked = []
    for statement in statements:
        url = links(statement.account_id, (contacts.get(statement.account_id) or {}).get("email"))
        linked.append(statement if url is None else replace(statement, portal_url=url))
    return linked


def statements_folder(exports_dir: Path, as_of: dt.date) -> Path:
    return exports_dir / "statements" / as_of.isoformat()


def month_done(exports_dir: Path, as_of: dt.date) -> Path | None:
    """The folder of this month's completed batch, if a run already wrote one."""
    root = exports_dir / "statements"
    if not root.is_dir():
        return None
    month = as_of.isoformat()[:7]
    for folder in sorted(root.iterdir()):
        if (
            _DATE_FOLDER.match(folder.name)
            and folder.name.startswith(month)
            and (folder / INDEX_FILE).is_file()
        ):
            return folder
    return None


def _csv_cell(value: object) -> str:
    """Text a spreadsheet shows as text: an account named `=HYPERLINK(...)` must not run."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


@dataclass(frozen=True)
class ExportedStatements:
    folder: Path
    accounts: int
    html_files: int
    pdf_files: int
    seconds: float


def export_statements(
    statements: list[Statement], exports_dir: Path, as_of: dt.date, *, pdf_for_all: bool, workers: int
) -> ExportedStatements:
    """Write every statement and the index into a staging folder, then swap the day's folder in."""
    started = time.perf_counter()
    folder = statements_folder(exports_dir, as_of)
    staging = folder.with_name(f".{as_of.isoformat()}.writing")
    shutil.rmtree(staging, ignore_errors=True)
    written = write_statements(statements, staging, pdf_for_all=pdf_for_all, workers=workers)
    _write_index(staging / INDEX_FILE, statements, written)
    previous = folder.with_name(f".{as_of.isoformat()}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if folder.exists():
        folder.rename(previous)
    staging.rename(folder)
    shutil.rmtree(previous, ignore_errors=True)
    return ExportedStatements(
        folder=folder,
        accounts=len(written),
        html_files=len(written),
        pdf_files=sum(1 for w in written if w.pdf),
        seconds=time.perf_counter() - started,
    )


def _write_index(path: Path, statements: list[Statement], written: list[WrittenStatement]) -> None:
    by_id = {w.account_id: w for w in written}
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["account_id", "account_name", "currency", "balance", "past_due", "html", "pdf"])
        for statement in sorted(statements, key=lambda s: s.account_id):
            files = by_id[statement.account_id]
            for totals in statement.totals:
                writer.writerow(
                    [
                        _csv_cell(statement.account_id),
                        _csv_cell(statement.account_name),
                        totals.currency,
                        totals.total,
                        totals.past_due,
                        files.html.name,
                        files.pdf.name if files.pdf else "",
                    ]
                )
