"""The truth the demo files encode (`demo/truth/`), for tests and benchmarks of the pipeline.

`ar_ledger.csv` is what the ledger concludes from the invoice sources alone, by the rules of
DESIGN §4: the newest Salesforce record gives the financial fields and the number's spelling,
the newest tracker row gives the stage, tracker-only invoices come from the tracker.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from orchestration.demo.behaviour import BEHAVIOURS
from orchestration.demo.formats import DayTable
from orchestration.demo.model import World
from orchestration.demo.payments import PaymentsResult
from orchestration.demo.records import Application, FileCount, NonPayment, Receipt, Rejected
from orchestration.demo.salesforce_export import SalesforceResult
from orchestration.demo.tracker import TrackerResult
from orchestration.policy import Policy

LEDGER_COLUMNS = (
    "invoice_key",
    "office",
    "invoice_number",
    "account_id",
    "account_name",
    "currency",
    "amount",
    "source_balance",
    "balance",
    "status",
    "stage",
    "due_date",
    "days_past_due",
    "aging_bucket",
)
CHUNK = 200_000


def write_truth(
    folder: Path,
    world: World,
    policy: Policy,
    sf: SalesforceResult,
    tracker: TrackerResult,
    payments: PaymentsResult,
    seed: int,
    advance: Callable[[int], object],
) -> None:
    """All truth files; `meta.json` last, so its presence means the set is complete."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_ledger(folder / "ar_ledger.csv", world, policy, sf, tracker, advance)
    counts: list[FileCount] = [*sorted(sf.counts, key=lambda c: c.source_file), tracker.count]
    _write_csv(
        folder / "files.csv",
        ("source", "source_file", "rows_read", "rows_loaded", "rows_quarantined"),
        ((c.source, c.source_file, c.rows_read, c.rows_loaded, c.rows_quarantined) for c in counts),
    )
    rejected = sorted(sf.rejected, key=lambda r: (r.source_file, r.row_number))
    _write_records(folder / "rejected_rows.csv", Rejected, rejected)
    _write_records(folder / "payments.csv", Receipt, payments.receipts)
    _write_records(folder / "payment_applications.csv", Application, payments.applications)
    _write_records(folder / "non_payments.csv", NonPayment, payments.non_payments)
    _write_behaviours(folder / "account_behaviour.csv", world)
    meta = {
        "seed": seed,
        "invoices": len(world.number) + len(world.legacy_number),
        "as_of": world.as_of.isoformat(),
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def _write_ledger(path, world: World, policy: Policy, sf, tracker, advance) -> None:
    """One row per invoice key, sorted by office and number; money as plain `1234.56`."""
    c = _ledger_arrays(world, sf, tracker)
    offices = np.array(world.offices, dtype=object)
    buckets = policy.aging.buckets
    limits = np.array([b.max_days for b in buckets[:-1]])
    labels = np.array([b.label for b in buckets], dtype=object)
    past_due = -c["due_day"]
    is_open = c["balance"] > 0
    table = DayTable(world.as_of, int(c["due_day"].min()), int(c["due_day"].max()), "MDY")
    order = np.lexsort((c["number"], c["office"]))

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LEDGER_COLUMNS)
        for start in range(0, len(order), CHUNK):
            rows = order[start : start + CHUNK]
            office = offices[c["office"][rows]]
            balance_text = _money(c["balance"][rows])
            open_rows = is_open[rows]
            writer.writerows(
                zip(
                    (office + ":" + c["number"][rows].astype(str).astype(object)).tolist(),
                    office.tolist(),
                    c["spelled"][rows].tolist(),
                    c["account_id"][rows].tolist(),
                    c["account_name"][rows].tolist(),
                    c["currency"][rows].tolist(),
                    _money(c["amount"][rows]),
                    np.where(c["source_balance"][rows], balance_text, "").tolist(),
                    balance_text.tolist(),
                    np.where(open_rows, "open", "paid").tolist(),
                    np.array(world.stages, dtype=object)[c["stage"][rows]].tolist(),
                    table.iso[c["due_day"][rows] - table.first].tolist(),
                    np.where(open_rows, past_due[rows].astype(str), "").tolist(),
                    np.where(open_rows, labels[np.searchsorted(limits, past_due[rows])], "").tolist(),
                    strict=True,
                )
            )
            advance(len(rows))


def _ledger_arrays(world: World, sf: SalesforceResult, tracker: TrackerResult) -> dict[str, np.ndarray]:
    """Per ledger invoice (Salesforce's, then the tracker-only legacy ones), each field the ledger
    concludes: the newest tracker stage where the tracker has the invoice, the newest spelling."""
    blank = np.full(len(world.legacy_number), "", dtype=object)
    return {
        "office": np.concatenate([world.office, world.legacy_office]),
        "number": np.concatenate([world.number, world.legacy_number]),
        "amount": np.concatenate([world.amount, world.legacy_amount]),
        "balance": np.concatenate([world.balance, world.legacy_amount]),
        "due_day": np.concatenate([world.due_day, world.legacy_due_day]),
        "stage": np.concatenate(
            [np.where(tracker.stage >= 0, tracker.stage, world.stage), world.legacy_stage]
        ),
        "spelled": np.concatenate([sf.newest_spelling, np.array(tracker.legacy_spelling, dtype=object)]),
        "account_id": np.concatenate([world.account_id[world.account], blank]),
        "account_name": np.concatenate(
            [world.account_name[world.account], world.account_name[world.legacy_account]]
        ),
        "currency": np.concatenate([np.array(world.currencies, dtype=object)[world.currency], blank]),
        "source_balance": np.concatenate([np.ones(len(world.number), bool), np.zeros(len(blank), bool)]),
    }


def _write_behaviours(path: Path, world: World) -> None:
    """How each account pays (orchestration/demo/behaviour.py), one row per account."""
    b = world.behaviours
    drift_start = [
        (world.as_of + dt.timedelta(days=int(d))).isoformat() if rate else ""
        for d, rate in zip(b.drift_start_day.tolist(), b.drift_days_per_month.tolist(), strict=True)
    ]
    _write_csv(
        path,
        ("account_id", "behaviour", "base_days_late", "drift_start_on", "drift_days_per_month",
         "slow_months", "slow_extra_days"),
        zip(
            world.account_id.tolist(),
            np.array(BEHAVIOURS, dtype=object)[b.kind].tolist(),
            np.round(b.base_days_late, 1).tolist(),
            drift_start,
            np.round(b.drift_days_per_month, 1).tolist(),
            b.slow_month_names(),
            np.round(b.slow_extra_days, 1).tolist(),
            strict=True,
        ),
    )


def _money(cents: np.ndarray) -> np.ndarray:
    return np.array([f"{c // 100}.{c % 100:02d}" for c in cents.tolist()], dtype=object)


def _write_records(path: Path, record_type: type, records: list) -> None:
    header = [f.name for f in dataclasses.fields(record_type)]
    _write_csv(path, header, (dataclasses.astuple(r) for r in records))


def _write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
