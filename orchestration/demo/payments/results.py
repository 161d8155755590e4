"""What the payment files encode, for the truth: each receipt, what it pays, and the lines that
are no payment (debits, reversals)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from orchestration.demo.formats import decimal_text
from orchestration.demo.model import World
from orchestration.demo.payments.plan import Draft
from orchestration.demo.records import Application, NonPayment, Receipt


@dataclass(frozen=True)
class PaymentsResult:
    """The payment files written and, for the truth, what their lines are."""

    files: list[Path]
    receipts: list[Receipt]
    applications: list[Application]
    non_payments: list[NonPayment]


def record(
    world: World, result: PaymentsResult, draft: Draft, txn_id: str, tx_index: int, path: Path
) -> None:
    """A receipt placed in a file as transaction `txn_id` (`tx_index` within a batch), and each
    invoice it pays with the amount, keyed `office:number`."""
    result.receipts.append(
        Receipt(
            txn_id,
            tx_index,
            (world.as_of + dt.timedelta(days=draft.day)).isoformat(),
            decimal_text(draft.cents),
            draft.currency,
            draft.payer,
            draft.reference,
            draft.structured,
            path.name,
            draft.scenario,
        )
    )
    for inv, cents in draft.paid:
        key = f"{world.offices[world.office[inv]]}:{world.number[inv]}"
        result.applications.append(Application(txn_id, tx_index, key, decimal_text(cents)))
