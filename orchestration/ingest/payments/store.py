"""Load payment files into the warehouse: each file once (content hash), in one transaction,
every entry counted, then archived."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.ingest.landing import (
    FileRejected,
    LandingFile,
    archive,
    fingerprint,
    settled,
    unchanged,
)
from orchestration.ingest.payments.formats import parse_payment_file, pending_payment_files
from orchestration.ingest.payments.records import ParsedFile, cents_text
from orchestration.ingest.sql_files import ingest_sql
from orchestration.policy.payments import PaymentsSource
from orchestration.storage.warehouse import run_sql_file

SOURCE = "payments"


@dataclass(frozen=True)
class PaymentFileResult:
    file_name: str
    file_sha256: str
    status: str  # loaded | rejected | duplicate | waiting (still being written: left in landing)
    format: str | None = None
    rows_read: int = 0
    receipts: int = 0
    non_receipts: int = 0
    quarantined: int = 0
    encoding: str = "utf-8"
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def ingest_payment_folder(con: duckdb.DuckDBPyConnection, config: PaymentsSource, landing_dir: Path,
                          archive_dir: Path, now: dt.datetime,
                          settle_seconds: float) -> list[PaymentFileResult]:
    """Process every settled payment file, oldest first, and archive each one."""
    ready, writing = settled(pending_payment_files(landing_dir, config), settle_seconds, now)
    results = [_still_being_written(path.name) for path in writing]
    for path in ready:
        try:
            file = fingerprint(path)
        except FileNotFoundError:  # taken away since it was listed
            continue
        results.append(ingest_payment_file(con, file, config, archive_dir, now))
    return results


def _still_being_written(name: str, sha256: str = "") -> PaymentFileResult:
    return PaymentFileResult(name, sha256, "waiting",
                             error="still being written: left in landing for the next run")


def ingest_payment_file(con: duckdb.DuckDBPyConnection, file: LandingFile, config: PaymentsSource,
                        archive_dir: Path, now: dt.datetime) -> PaymentFileResult:
    """Parse one file (outside the transaction), store it in one transaction, archive it.

    A file that changed while it was read (hashed again before commit) is left for a later run.
    """
    target = archive_dir / SOURCE
    if con.execute("select 1 from raw.ingested_files where file_sha256 = ?", [file.sha256]).fetchone():
        archive(file, target)
        return PaymentFileResult(file.name, file.sha256, "duplicate")
    try:
        parsed: ParsedFile | FileRejected = parse_payment_file(file, config)
    except FileRejected as exc:
        parsed = exc
    archived = target / file.sha256[:2] / f"{file.sha256[:16]}__{file.name}"
    con.begin()
    try:
        if isinstance(parsed, FileRejected):
            result = _reject_file(con, file, parsed, now)
        else:
            result = _store(con, file, parsed, now)
        if not unchanged(file):
            con.rollback()
            return _still_being_written(file.name, file.sha256)
        con.execute(
            "insert into raw.ingested_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [file.sha256, SOURCE, file.name, str(archived), result.status, result.rows_read,
             result.receipts + result.non_receipts, result.quarantined, 0, result.encoding,
             None if isinstance(parsed, FileRejected) else parsed.created_at, result.error, now],
        )
        con.execute(
            "insert into raw.payment_files values (?, ?, ?, ?, ?, ?, ?, ?)",
            [file.sha256, file.name, result.format, result.rows_read, result.receipts,
             result.non_receipts, result.quarantined, now],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        for view in ("payment_rows", "non_receipt_rows", "rejected_payment_rows"):
            con.unregister(view)
    archive(file, target)
    return result


def _store(con, file: LandingFile, parsed: ParsedFile, now: dt.datetime) -> PaymentFileResult:
    receipts, others = parsed.receipts, parsed.non_receipts
    con.register("payment_rows", pd.DataFrame({
        "payment_id": [t.payment_id for t in receipts],
        "bank_transaction_id": [t.bank_ref for t in receipts],
        "statement_account": [t.account for t in receipts],
        "received_on": _dates(receipts),
        "amount": [cents_text(t.cents) for t in receipts],
        "currency": [t.currency for t in receipts],
        "payer": [t.payer for t in receipts],
        "reference": [t.reference for t in receipts],
        "row_number": [t.row_number for t in receipts],
        "tx_index": [t.tx_index for t in receipts],
        "transaction_code": [t.code for t in receipts],
    }, dtype=object).astype({"row_number": "int64", "tx_index": "int64"}))
    con.register("non_receipt_rows", pd.DataFrame({
        "bank_transaction_id": [t.bank_ref for t in others],
        "statement_account": [t.account for t in others],
        "booked_on": _dates(others),
        "amount": [cents_text(t.cents) for t in others],
        "currency": [t.currency for t in others],
        "counterparty": [t.payer for t in others],
        "reference": [t.reference for t in others],
        "reason": [t.reason for t in others],
        "reverses": [t.reverses for t in others],
        "transaction_code": [t.code for t in others],
        "row_number": [t.row_number for t in others],
        "tx_index": [t.tx_index for t in others],
    }, dtype=object).astype({"row_number": "int64", "tx_index": "int64"}))
    con.register("rejected_payment_rows", pd.DataFrame({
        "row_number": [r.row_number for r in parsed.rejected],
        "field": [r.field for r in parsed.rejected],
        "reason": [f"{file.name} row {r.row_number}: {r.reason}" for r in parsed.rejected],
        "raw_record": [json.dumps(r.raw_record, default=str) for r in parsed.rejected],
    }, dtype=object).astype({"row_number": "int64"}))
    run_sql_file(con, ingest_sql("payments_load.sql"), {"format": parsed.format, "source_file": file.name,
                                           "file_sha256": file.sha256, "loaded_at": now})
    return PaymentFileResult(
        file.name, file.sha256, "loaded", parsed.format,
        len(receipts) + len(others) + len(parsed.rejected), len(receipts), len(others),
        len(parsed.rejected), parsed.encoding)


def _dates(transactions) -> list[str]:
    """ISO dates, formatted once per distinct day."""
    cache: dict = {}
    return [cache.get(t.booked_on) or cache.setdefault(t.booked_on, t.booked_on.isoformat())
            for t in transactions]


def _reject_file(con, file: LandingFile, problem: FileRejected, now: dt.datetime) -> PaymentFileResult:
    """The file as a whole could not be read: one quarantine row (no row number) with the reason."""
    message = str(problem)
    record = {"file": file.name, "bytes": file.size, "line": problem.row_number}
    con.execute(
        "insert into quarantine.rejected_rows values (?, ?, ?, ?, ?, ?, ?, ?)",
        [SOURCE, file.name, None, problem.field, message, json.dumps(record), now, file.sha256],
    )
    return PaymentFileResult(file.name, file.sha256, "rejected", error=message)
