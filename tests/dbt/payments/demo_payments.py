"""Payments for dbt tests and the matching benchmark: `raw.payments` (the ingest contract) and
the demo generator's labelled receipts loaded into it, and match quality against that truth.

The truth's payment id is `bank_transaction_id:tx_index` (a camt batch shares one reference).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

RAW_PAYMENTS_DDL = """
create schema if not exists raw;
create table if not exists raw.payments (
    payment_id varchar not null,
    bank_transaction_id varchar,
    statement_account varchar,
    received_on date not null,
    amount decimal(18, 2) not null,
    currency varchar not null,
    payer varchar,
    reference varchar,
    format varchar not null,
    _source_file varchar not null,
    _file_sha256 varchar not null,
    _row_number integer not null,
    _loaded_at timestamp not null,
    tx_index integer not null,
    transaction_code varchar
)
"""

LOAD_TRUTH = """
insert into raw.payments by name
select
    bank_transaction_id || ':' || tx_index as payment_id,
    bank_transaction_id,
    currency || '-account' as statement_account,
    cast(received_on as date) as received_on,
    cast(amount as decimal(18, 2)) as amount,
    currency,
    nullif(payer, '') as payer,
    nullif(concat_ws(' ', nullif(structured_reference, ''), nullif(reference, '')), '') as reference,
    case when source_file like '%.xml' then 'camt053' else 'bank_csv' end as format,
    source_file as _source_file,
    'truth:' || source_file as _file_sha256,
    cast(row_number() over () as integer) + 1 as _row_number,
    $loaded_at as _loaded_at,
    cast(tx_index as integer) as tx_index
from read_csv($path, header = true, all_varchar = true)
"""

QUALITY = """
with truth_payments as (
    select bank_transaction_id || ':' || tx_index as payment_id, scenario
    from read_csv($payments, header = true, all_varchar = true)
),
truth_applications as (
    select
        bank_transaction_id || ':' || tx_index as payment_id,
        invoice_key,
        cast(applied_amount as decimal(18, 2)) as applied_amount
    from read_csv($applications, header = true, all_varchar = true)
),
predicted as (
    select payment_id, invoice_key, applied_amount from marts.payment_applications
),
right_applications as (
    select count(*) as n
    from predicted
    inner join truth_applications using (payment_id, invoice_key, applied_amount)
),
placeable as (
    select distinct payment_id from truth_applications
),
placed_right as (
    -- every truth application of the payment made, and nothing else
    select payment_id
    from placeable
    where
        not exists (
            select 1 from truth_applications as t
            where t.payment_id = placeable.payment_id
            and not exists (
                select 1 from predicted as p
                where p.payment_id = t.payment_id and p.invoice_key = t.invoice_key
                and p.applied_amount = t.applied_amount
            )
        )
        and (select count(*) from predicted as p where p.payment_id = placeable.payment_id)
        = (select count(*) from truth_applications as t where t.payment_id = placeable.payment_id)
)
select
    (select count(*) from predicted) as applications,
    (select n from right_applications) as right_applications,
    (select count(*) from placeable) as placeable_payments,
    (
        select count(*) from placeable where payment_id in (select payment_id from predicted)
    ) as placed_payments,
    (select count(*) from placed_right) as placed_right_payments,
    (select count(*) from truth_payments) as payments,
    (select count(*) from marts.payments where match_status != 'exception') as straight_through_payments,
    (select count(*) from truth_applications) as invoice_lines,
    (select n from right_applications) as straight_through_lines,
    (
        select count(*) from truth_payments where scenario = 'unmatched'
    ) as must_be_exceptions,
    (
        select count(*) from truth_payments
        where scenario = 'unmatched'
        and payment_id in (select payment_id from marts.reconciliation_exceptions)
    ) as must_be_exceptions_queued
"""


@dataclass(frozen=True)
class MatchQuality:
    applications: int
    right_applications: int
    placeable_payments: int
    placed_payments: int
    placed_right_payments: int
    payments: int
    straight_through_payments: int
    invoice_lines: int
    straight_through_lines: int
    must_be_exceptions: int
    must_be_exceptions_queued: int

    @property
    def precision(self) -> float:
        """Share of applications made that are right (1.0 when none was made)."""
        return self.right_applications / self.applications if self.applications else 1.0

    @property
    def recall(self) -> float:
        """Share of placeable payments placed exactly as the truth says."""
        return self.placed_right_payments / self.placeable_payments

    @property
    def straight_through_rate(self) -> float:
        """Share of all payments that needed no person (not in the exception queue)."""
        return self.straight_through_payments / self.payments

    @property
    def straight_through_line_rate(self) -> float:
        """Share of the truth's invoice lines applied right with no person."""
        return self.straight_through_lines / self.invoice_lines

    def report(self) -> str:
        return (
            f"precision {self.precision:.2%} ({self.right_applications:,}/{self.applications:,} "
            f"applications right); recall {self.recall:.2%} ({self.placed_right_payments:,}/"
            f"{self.placeable_payments:,} placeable payments placed right); straight-through "
            f"{self.straight_through_rate:.2%} of payments, {self.straight_through_line_rate:.2%} "
            f"of invoice lines; must-be-exceptions queued {self.must_be_exceptions_queued}/"
            f"{self.must_be_exceptions}"
        )


def create_raw_payments(con: duckdb.DuckDBPyConnection) -> None:
    """The `raw.payments` table as the payments ingest creates it."""
    for statement in RAW_PAYMENTS_DDL.split(";"):
        con.execute(statement)


def load_truth_payments(con: duckdb.DuckDBPyConnection, truth_dir: Path, loaded_at: dt.datetime) -> int:
    """The generator's receipts into `raw.payments`, as the parsers would load them."""
    create_raw_payments(con)
    con.execute(LOAD_TRUTH, {"path": str(truth_dir / "payments.csv"), "loaded_at": loaded_at})
    return con.execute("select count(*) from raw.payments").fetchone()[0]


def match_quality(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> MatchQuality:
    """Precision, recall and straight-through rates of the marts against the truth."""
    row = con.execute(
        QUALITY,
        {
            "payments": str(truth_dir / "payments.csv"),
            "applications": str(truth_dir / "payment_applications.csv"),
        },
    ).fetchone()
    return MatchQuality(*row)
