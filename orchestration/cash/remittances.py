"""Remittance advices customers upload at the customer door, turned into cash decisions.

An advice lists invoices (and usually amounts). When the cash not yet applied of exactly one
payment of that account (`dunning.cash.UNAPPLIED_BY_ACCOUNT`: queued, part-applied, or from a
payer spelled like the account) equals what the advice lists, the advice becomes a `resolve`
decision for that payment, naming its invoices and amounts, decided by the advice (so it is in
the decisions file's audit trail and `ledgerloop payments unapply` takes it back); the next run
applies it. An advice without such a payment waits for one: it is looked at again every run. An
amount the advice leaves out is the invoice's open balance."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal

import duckdb

from orchestration.cash.decisions import Decision, InvoiceChoice, make_decision
from orchestration.dunning.cash import UNAPPLIED_BY_ACCOUNT
from orchestration.dunning.engagement import has_table
from portal.store.customers import Remittance

_OPEN_BALANCES = """
select coalesce(display_number, invoice_number), invoice_number, balance, coalesce(currency, '')
from marts.ar_ledger
where account_id = $account_id and balance > 0
"""


def _number(text: str) -> str:
    """An invoice number as the account's invoices are told apart (`INV-000123`, `inv 123`,
    `#123` -> `123`), or the text itself where it holds no digits."""
    digits = re.sub(r"\D", "", text).lstrip("0")
    return digits or text.strip().lower()


def decided_by(advice: Remittance) -> str:
    """Who a decision from this advice is decided by: the advice (by its file's hash) and its sender."""
    return f"remittance advice {advice.sha256[:16]} from {advice.contact_email}"


def _total(
    con: duckdb.DuckDBPyConnection, advice: Remittance
) -> tuple[Decimal, str, tuple[InvoiceChoice, ...]] | None:
    """What the advice pays in all, in which currency and on which invoices; None unless every
    invoice it lists is open on the account, all in one currency."""
    open_: dict[str, tuple[Decimal, str]] = {}
    for display, number, balance, currency in con.execute(
        _OPEN_BALANCES, {"account_id": advice.account_id}
    ).fetchall():
        open_[_number(display)] = open_[_number(number)] = (balance, currency)
    total, currencies, choices = Decimal("0.00"), set(), []
    for item in advice.listed():
        found = open_.get(_number(item["invoice"]))
        if found is None:
            return None
        amount = Decimal(item["amount"]) if item["amount"] else found[0]
        total += amount
        currencies.add(found[1])
        choices.append(InvoiceChoice(item["invoice"], amount))
    return (total, currencies.pop(), tuple(choices)) if len(currencies) == 1 else None


REMITTANCE_READS = ["marts.ar_ledger", "marts.payments", "marts.reconciliation_exceptions",
                    "marts.payment_applications"]
"""What placing advices reads (what a PostgreSQL warehouse's session pulls)."""


def remittance_decisions(
    con: duckdb.DuckDBPyConnection, advices: list[Remittance], already: set[str], now: dt.datetime
) -> list[Decision]:
    """A decision for each advice not decided yet (`already`: decided_by of the decisions on file)
    whose total is the unapplied cash of exactly one payment of its account (one advice a payment)."""
    if not all(has_table(con, "marts", t) for t in ("payments", "reconciliation_exceptions", "ar_ledger")):
        return []
    unapplied: dict[str, list[tuple[str, Decimal, str]]] = defaultdict(list)
    for account_id, payment_id, amount, currency, *_ in con.execute(UNAPPLIED_BY_ACCOUNT).fetchall():
        unapplied[account_id].append((payment_id, amount, currency or ""))
    decisions, taken = [], set()
    for advice in advices:
        if decided_by(advice) in already or not advice.listed():
            continue
        found = _total(con, advice)
        if found is None:
            continue
        total, currency, choices = found
        payments = [
            p
            for p, amount, paid_in in unapplied.get(advice.account_id, [])
            if amount == total and paid_in == currency and p not in taken
        ]
        if len(payments) == 1:
            taken.add(payments[0])
            decisions.append(make_decision(payments[0], "resolve", choices, decided_by(advice), now))
    return decisions
