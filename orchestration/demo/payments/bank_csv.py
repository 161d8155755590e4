"""The USD account's bank CSV: ISO dates, plain amounts, debits negative, one id per line."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from orchestration.demo.formats import decimal_text
from orchestration.demo.model import World
from orchestration.demo.payments.plan import STATEMENT_DAYS, Draft
from orchestration.demo.payments.results import PaymentsResult, record
from orchestration.demo.records import NonPayment

BANK_CSV_HEADER = ("Date", "Amount", "Currency", "Payer", "Reference", "Bank Transaction ID")


def write_bank_csv(
    world: World, path: Path, drafts: list[Draft], rng, result: PaymentsResult
) -> None:
    """US-style bank export: ISO dates, plain amounts, debits negative, one id per line."""
    fees = [
        Draft("debit", "USD", -int(rng.integers(1, STATEMENT_DAYS + 1)), -cents, "", label, [])
        for label, cents in (
            ("WIRE FEE", int(rng.integers(1_500, 5_000))),
            ("TRANSFER TO SAVINGS", int(rng.integers(100_000, 900_000))),
        )
    ]
    lines = sorted(drafts + fees, key=lambda d: d.day)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(BANK_CSV_HEADER)
        for seq, draft in enumerate(lines, 1):
            day = world.as_of + dt.timedelta(days=draft.day)
            txn_id = f"TXN{day:%Y%m%d}{seq:06d}"
            writer.writerow(
                (
                    day.isoformat(),
                    decimal_text(draft.cents),
                    draft.currency,
                    draft.payer,
                    draft.reference,
                    txn_id,
                )
            )
            if draft.cents < 0:
                result.non_payments.append(
                    NonPayment(txn_id, decimal_text(draft.cents), "USD", path.name, "debit")
                )
            else:
                record(world, result, draft, txn_id, 1, path)
