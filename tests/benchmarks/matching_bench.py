"""Cash-application benchmark: match quality and matching time at scale.

Generates N invoices straight into `raw.salesforce_invoices` and N labelled payments into
`raw.payments` (by SQL: the demo generator is not built for a million receipts), runs
`dbt build`, and reports precision (share of applications that are right), recall (share of
placeable payments placed exactly right), straight-through rates per payment and per invoice
line, and the seconds the matching models take: within the whole build (from
`run_results.json`) and run alone on the built warehouse.

Each account has ten invoices; its ten payment slots are: four in full with a reference in
one of five spellings, one partial, one paying two invoices (half with the prefix written
once: `INV 123, 124`), one with no invoice (an unknown payer), one with no reference (payer and
amount only), one with a PO number or date next to the reference, one in full. Every invoice
is open, so every placeable payment is placeable.

    python -m tests.benchmarks.matching_bench [--invoices 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import tempfile
import time
from pathlib import Path

from orchestration.storage.warehouse import connect
from tests.dbt.payments.dbt_payments import dbt
from tests.dbt.payments.demo_payments import load_truth_payments, match_quality

AS_OF = dt.date(2026, 11, 23)
LOADED_AT = dt.datetime(2026, 11, 23, 6)
MATCHING_PATHS = ("models/staging/payments/", "models/intermediate/payments/", "models/marts/payments/")

INVOICES = """
insert into raw.salesforce_invoices by name
with numbered as (
    select
        i,
        (i - 1) // 10 as account_no,
        case when ((i - 1) // 10) % 4 = 3 then 'LDN' else 'NYC' end as office
    from range(1, $invoices + 1) as t (i)
)
select
    'INV-' || lpad(cast(200000 + i as varchar), 8, '0') as invoice_number,
    office,
    'Bench ' || account_no || ' Trading '
    || ['Inc.', 'LLC', 'Ltd', 'Limited', 'Corp.'][1 + cast(account_no % 5 as integer)] as account_name,
    'ACC' || lpad(cast(account_no as varchar), 9, '0') as account_id,
    cast(date '2026-10-01' + cast(i % 60 as integer) as date) as due_date,
    case when office = 'LDN' then 'GBP' else 'USD' end as currency,
    cast((hash(i, 'amount') % 2000000 + 5000) / 100 as decimal(18, 2)) as amount,
    cast((hash(i, 'amount') % 2000000 + 5000) / 100 as decimal(18, 2)) as balance,
    'Invoiced' as stage,
    timestamp '2026-11-20 08:00:00' as last_modified_at,
    'bench.csv' as _source_file,
    'bench' as _file_sha256,
    cast(i + 1 as integer) as _row_number,
    timestamp '2026-11-20 09:00:00' as _exported_at,
    $loaded_at as _loaded_at
from numbered
"""

SLOTS = """
create or replace temp table slots as
with slot as (
    select
        a * 10 + j as p,
        j,
        a * 10 + j + 1 as i,
        a * 10 + j + 2 as next_i
    from range(0, $invoices // 10) as accounts (a), range(0, 10) as slots (j)
),
invoice as (
    select
        cast(substr(invoice_number, 5) as bigint) - 200000 as i,
        office || ':' || ltrim(substr(invoice_number, 5), '0') as invoice_key,
        ltrim(substr(invoice_number, 5), '0') as number,
        account_name,
        currency,
        balance
    from raw.salesforce_invoices
)
select
    slot.p,
    case slot.j
        when 4 then 'partial' when 5 then 'multi' when 6 then 'unmatched'
        when 7 then 'payer_only' when 8 then 'po_or_date' else 'full'
    end as scenario,
    first.invoice_key,
    second.invoice_key as second_key,
    first.number,
    second.number as second_number,
    first.account_name,
    first.currency,
    first.balance,
    second.balance as second_balance,
    cast(hash(slot.p, 'spelling') % 5 as integer) as spelling,
    cast(hash(slot.p, 'payer') % 3 as integer) as payer_form,
    cast(hash(slot.p, 'noise') % 6 as integer) as noise
from slot
inner join invoice as first on first.i = slot.i
left join invoice as second on second.i = slot.next_i and slot.j = 5
"""

TRUTH_PAYMENTS = """
select
    'B' || lpad(cast(p as varchar), 9, '0') as bank_transaction_id,
    1 as tx_index,
    cast(date '2026-11-16' + cast(p % 7 as integer) as date) as received_on,
    cast(case
        when scenario = 'unmatched' then cast((hash(p, 'unmatched') % 400000 + 5000) / 100 as decimal(18, 2))
        when scenario = 'partial' then cast(balance * 0.4 as decimal(18, 2))
        when scenario = 'multi' then balance + second_balance
        else balance
    end as decimal(18, 2)) as amount,
    currency,
    case
        when scenario = 'unmatched' then 'J SMITH'
        when payer_form = 0 then account_name
        when payer_form = 1 then upper(account_name)
        else regexp_replace(upper(account_name), '[^A-Z0-9 ]', '', 'g')
    end as payer,
    case
        when scenario in ('unmatched', 'payer_only') then ''
        when scenario = 'multi' and noise % 2 = 0 then spelled || ', ' || second_number
        when scenario = 'multi' then spelled || ' & inv ' || second_number
        when scenario = 'po_or_date' then [
            spelled || ' PO 1' || lpad(cast(p % 100000 as varchar), 5, '0'),
            'PO#1' || lpad(cast(p % 100000 as varchar), 5, '0') || ' ' || spelled,
            spelled || ' PO 45000' || (p % 100000),
            spelled || ' paid 11/1' || (p % 10) || '/2026',
            'Payment 2026-11-1' || (p % 10) || ' ' || spelled,
            spelled || ' 1' || (p % 10) || '.11.2026 PO-' || (p % 100000)
        ][1 + noise]
        else spelled
    end as reference,
    '' as structured_reference,
    'bench.csv' as source_file,
    scenario
from (
    select
        *,
        [
            'INV-' || lpad(number, 8, '0'), 'inv ' || number, '#' || number, 'INV' || number,
            'Invoice no. ' || number
        ][1 + spelling] as spelled
    from slots
)
order by p
"""

TRUTH_APPLICATIONS = """
select bank_transaction_id, tx_index, invoice_key, applied_amount
from (
    select 'B' || lpad(cast(p as varchar), 9, '0') as bank_transaction_id, 1 as tx_index, p,
        invoice_key,
        case when scenario = 'partial' then cast(balance * 0.4 as decimal(18, 2)) else balance end
            as applied_amount
    from slots
    where scenario != 'unmatched'
    union all
    select 'B' || lpad(cast(p as varchar), 9, '0'), 1, p, second_key, second_balance
    from slots
    where scenario = 'multi'
)
order by p, invoice_key
"""


def prepare(home: Path, invoices: int) -> int:
    """Invoices, payments and their truth; returns the number of payments."""
    truth = home / "truth"
    truth.mkdir(parents=True)
    with connect(home / "warehouse.duckdb") as con:
        con.execute(INVOICES, {"invoices": invoices, "loaded_at": LOADED_AT})
        con.execute(SLOTS, {"invoices": invoices})
        con.sql(TRUTH_PAYMENTS).write_csv(str(truth / "payments.csv"))
        con.sql(TRUTH_APPLICATIONS).write_csv(str(truth / "payment_applications.csv"))
        return load_truth_payments(con, truth, LOADED_AT)


def matching_seconds(home: Path) -> tuple[float, float]:
    """Seconds dbt spent building the matching models, and running their tests."""
    results = json.loads((home / "dbt-target" / "run_results.json").read_text())
    models = tests = 0.0
    for result in results["results"]:
        node = result["unique_id"]
        path = result.get("relation_name") or ""
        matching = any(part in node for part in ("payment", "payer", "for_matching")) or "payments" in path
        if not matching:
            continue
        if node.startswith("model."):
            models += result["execution_time"]
        elif node.startswith(("test.", "unit_test.")):
            tests += result["execution_time"]
    return models, tests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="Work here and keep it.")
    args = parser.parse_args()
    home = args.keep or Path(tempfile.mkdtemp(prefix="matching-bench-"))
    try:
        started = time.monotonic()
        payments = prepare(home, args.invoices)
        print(f"{args.invoices:,} invoices and {payments:,} payments generated in "
              f"{time.monotonic() - started:.1f} s")
        started = time.monotonic()
        result = dbt(home, AS_OF.isoformat(), "build")
        wall = time.monotonic() - started
        if result.returncode != 0:
            raise SystemExit(result.stdout[-4000:])
        models, tests = matching_seconds(home)
        print(f"dbt build (everything) {wall:.1f} s; in it, matching models {models:.1f} s and "
              f"their tests {tests:.1f} s (summed over dbt's 2 threads)")
        started = time.monotonic()
        result = dbt(home, AS_OF.isoformat(), "run", "--select", *(f"path:{p}" for p in MATCHING_PATHS))
        wall = time.monotonic() - started
        if result.returncode != 0:
            raise SystemExit(result.stdout[-4000:])
        elapsed = json.loads((home / "dbt-target" / "run_results.json").read_text())["elapsed_time"]
        print(f"matching models alone (dbt run --select): {elapsed:.1f} s in dbt, {wall:.1f} s with "
              "dbt's start-up")
        with connect(home / "warehouse.duckdb", read_only=True) as con:
            print(match_quality(con, home / "truth").report())
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
