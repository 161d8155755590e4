"""Manual cash-application decisions, kept in an append-only JSON-lines file.

The warehouse is locked while a run writes, so `ledgerloop payments resolve|unapply` never
opens it: each decision is one line appended (under an exclusive lock, fsync'd) to
`$LEDGERLOOP_HOME/decisions/payment_decisions.jsonl`. Each run loads the file into
`raw.payment_decisions` before dbt (`load_decisions`, the `payments/decisions` asset), a table
every warehouse engine can read. The newest decision for a payment overrides the matching rules
for it and teaches the payer's alias; nothing is ever rewritten, so the file is the audit trail
(who, when, what).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

import duckdb

from orchestration.storage.warehouse import transaction

DECISIONS_FILE = Path("decisions") / "payment_decisions.jsonl"
Action = Literal["resolve", "unapply"]


class DecisionError(ValueError):
    """A decision that cannot be recorded, or a decisions file line that cannot be read."""


@dataclass(frozen=True)
class InvoiceChoice:
    """An invoice a payment goes to: `OFFICE:NUMBER` or a number in any spelling, and the
    amount (None: the invoice's open balance, as far as the payment reaches)."""

    invoice: str
    amount: Decimal | None = None

    def as_json(self) -> dict:
        return {"invoice": self.invoice, "amount": None if self.amount is None else str(self.amount)}

    def __str__(self) -> str:
        return self.invoice if self.amount is None else f"{self.invoice}={self.amount}"


@dataclass(frozen=True)
class Decision:
    decision_id: str
    payment_id: str
    action: Action
    invoices: tuple[InvoiceChoice, ...]
    decided_by: str
    decided_at: dt.datetime
    """UTC, written without offset (dbt reads it as a UTC timestamp)."""

    def as_json(self) -> dict:
        return {
            "decision_id": self.decision_id,
            "payment_id": self.payment_id,
            "action": self.action,
            "invoices": [choice.as_json() for choice in self.invoices],
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(),
        }


def decisions_path(home: Path) -> Path:
    """Where the CLI writes decisions and the pipeline reads them."""
    return home / DECISIONS_FILE


def parse_invoice_choice(text: str) -> InvoiceChoice:
    """`NYC:123`, `INV-00123` or `NYC:123=250.00`; the amount has at most two decimals."""
    invoice, sep, amount_text = text.partition("=")
    invoice = invoice.strip()
    if not invoice:
        raise DecisionError(f"{text!r}: no invoice before '='")
    if not sep:
        return InvoiceChoice(invoice)
    try:
        amount = Decimal(amount_text.strip())
    except InvalidOperation:
        raise DecisionError(f"{text!r}: amount {amount_text!r} is not a number") from None
    if not amount.is_finite() or amount <= 0:
        raise DecisionError(f"{text!r}: amount must be positive, got {amount_text!r}")
    if amount.as_tuple().exponent < -2:
        raise DecisionError(f"{text!r}: amount {amount_text!r} has more than two decimals")
    return InvoiceChoice(invoice, amount.quantize(Decimal("0.01")))


def make_decision(
    payment_id: str,
    action: Action,
    invoices: tuple[InvoiceChoice, ...],
    decided_by: str,
    now: dt.datetime,
) -> Decision:
    """A checked decision: a payment id, who decided, and for `resolve` distinct invoices."""
    payment_id, decided_by = payment_id.strip(), decided_by.strip()
    if not payment_id:
        raise DecisionError("payment id is empty")
    if not decided_by:
        raise DecisionError("who decided is empty (--by)")
    if action == "resolve" and not invoices:
        raise DecisionError(f"payment {payment_id}: resolve needs at least one invoice")
    if action == "unapply" and invoices:
        raise DecisionError(f"payment {payment_id}: unapply takes no invoices")
    named = [choice.invoice.casefold() for choice in invoices]
    if len(set(named)) != len(named):
        raise DecisionError(f"payment {payment_id}: an invoice is named twice")
    decided_at = now.astimezone(dt.UTC)
    return Decision(uuid.uuid4().hex, payment_id, action, invoices, decided_by, decided_at)


def append_decision(path: Path, decision: Decision) -> None:
    """Append one line, durably: exclusive lock against concurrent writers, then fsync."""
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    line = json.dumps(decision.as_json(), sort_keys=True) + "\n"
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    if created:  # the new directory entry must survive a crash too
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def read_decisions(path: Path) -> list[Decision]:
    """Every decision in the file, oldest first; a bad line is an error naming file and line."""
    if not path.exists():
        return []
    decisions = []
    with path.open(encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)  # never a line half appended
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                decisions.append(
                    Decision(
                        data["decision_id"],
                        data["payment_id"],
                        data["action"],
                        tuple(
                            InvoiceChoice(i["invoice"], None if i["amount"] is None else Decimal(i["amount"]))
                            for i in data["invoices"]
                        ),
                        data["decided_by"],
                        dt.datetime.fromisoformat(data["decided_at"]).replace(tzinfo=dt.UTC),
                    )
                )
            except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
                raise DecisionError(f"{path}, line {number}: not a decision ({exc})") from None
    return decisions


def decision_rows(decisions: list[Decision]) -> list[tuple]:
    """`raw.payment_decisions` rows: one per invoice a decision names (position 1, 2, ...), one
    with no invoice for an `unapply`; amounts and times as the file writes them."""
    rows = []
    for decision in decisions:
        recorded = decision.as_json()
        head = (recorded["decision_id"], recorded["payment_id"], recorded["action"])
        tail = (recorded["decided_by"], recorded["decided_at"])
        choices = recorded["invoices"] or [{"invoice": None, "amount": None}]
        for position, choice in enumerate(choices, 1):
            rows.append((*head, position, choice["invoice"], choice["amount"], *tail))
    return rows


def load_decisions(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Make `raw.payment_decisions` hold exactly the file's decisions, in one transaction (a bad
    line fails the load and leaves the last one); returns how many decisions."""
    decisions = read_decisions(path)
    rows = decision_rows(decisions)
    with transaction(con):
        con.execute("delete from raw.payment_decisions")
        if rows:
            con.executemany("insert into raw.payment_decisions values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(decisions)
