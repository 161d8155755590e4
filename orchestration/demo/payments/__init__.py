"""Payment files (`landing/payments/`): a bank CSV for the USD account and an ISO 20022
camt.053.001.02 statement for the GBP account, covering the week before `as_of`.

Receipts pay invoices that are open in the newest export, the way customers really pay: in
full, in part, several invoices at once (half of those with the prefix written once:
`INV 200123, 200124`), with no reference at all, with references in any spelling, next to PO
numbers and dates that are not invoice numbers. The camt statement also batches transactions
under one entry, reverses one credit and books a few debits.

The parts: `plan` (which invoices get paid and how), `bank_csv` and `camt` (the two files),
`results` (what each receipt must pay, for the truth).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from orchestration.demo.model import World
from orchestration.demo.payments.bank_csv import write_bank_csv
from orchestration.demo.payments.camt import write_camt
from orchestration.demo.payments.plan import FILE_CURRENCIES, Planner
from orchestration.demo.payments.results import PaymentsResult

__all__ = ["PaymentsResult", "write_payments"]


def write_payments(world: World, folder: Path, rng: np.random.Generator) -> PaymentsResult:
    """Both statements, dated the day before `as_of`, and what each receipt must pay."""
    folder.mkdir(parents=True, exist_ok=True)
    statement_day = world.as_of - dt.timedelta(days=1)
    drafts, reversed_credit = Planner(world, rng).drafts()
    by_currency = {c: [d for d in drafts if d.currency == c] for c in FILE_CURRENCIES}
    csv_path = folder / f"bank_statement_{statement_day.isoformat()}.csv"
    camt_path = folder / f"camt053_{statement_day.isoformat()}.xml"
    result = PaymentsResult([csv_path, camt_path], [], [], [])
    write_bank_csv(world, csv_path, by_currency["USD"], rng, result)
    write_camt(world, camt_path, by_currency["GBP"], reversed_credit, rng, result)
    return result
