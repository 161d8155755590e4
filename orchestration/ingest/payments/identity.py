"""Payment identity (DESIGN §3): the bank's own reference where it names one transaction,
otherwise a deterministic key, so the same file always gives the same ids."""

from __future__ import annotations

import hashlib
from collections import Counter

from orchestration.ingest.payments.records import Transaction, cents_text

KEY_PREFIX = "key-"


def deterministic_key(tx: Transaction) -> str:
    """sha256 of statement account, booking date, amount, remittance text and position."""
    parts = (tx.account, tx.booked_on.isoformat(), cents_text(tx.cents), tx.currency,
             tx.reference or "", str(tx.row_number), str(tx.tx_index))
    return KEY_PREFIX + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def assign_payment_ids(transactions: list[Transaction]) -> None:
    """Set `payment_id` on every receipt.

    A bank reference is the id only when it names one transaction: the line's own reference,
    and no other receipt of the file carries it (a shared batch reference does not).
    """
    receipts = [t for t in transactions if t.reason is None]
    seen = Counter(t.bank_ref for t in receipts if t.bank_ref and t.ref_identifies)
    for tx in receipts:
        if tx.bank_ref and tx.ref_identifies and seen[tx.bank_ref] == 1:
            tx.payment_id = tx.bank_ref
        else:
            tx.payment_id = deterministic_key(tx)
