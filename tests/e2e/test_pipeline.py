"""The whole graph materialized in process on generated demo data, checked against the
generator's truth row for row."""

import datetime as dt
import shutil

import duckdb
import pytest

from orchestration.cli.runner import run_pipeline
from orchestration.demo import generate_demo
from orchestration.settings import REPO_ROOT, Settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
AS_OF = dt.date(2026, 11, 23)


# The generator's ledger truth is what the invoice sources say; the payments it wrote are
# applied on top by DESIGN §4: balance = least(source balance, amount - applied), never below 0.
EXPECTED_LEDGER = """
create temp table truth as
with invoices as (
    select * from read_csv($ledger, header = true, all_varchar = true)
),
applied as (
    select invoice_key, sum(cast(applied_amount as decimal(18, 2))) as applied_amount
    from read_csv($applications, header = true, all_varchar = true)
    group by invoice_key
),
balanced as (
    select
        invoices.*,
        cast(greatest(least(
            coalesce(cast(source_balance as decimal(18, 2)), cast(amount as decimal(18, 2))),
            cast(amount as decimal(18, 2)) - coalesce(applied.applied_amount, 0)
        ), 0) as decimal(18, 2)) as expected_balance,
        $as_of::date - cast(due_date as date) as days
    from invoices
    left join applied using (invoice_key)
)
select
    invoice_key, office, invoice_number, account_id, account_name, currency, amount,
    source_balance, cast(expected_balance as varchar) as balance,
    case when expected_balance > 0 then 'open' else 'paid' end as status,
    stage, due_date,
    case when expected_balance > 0 then cast(days as varchar) end as days_past_due,
    case
        when expected_balance <= 0 then null
        when days <= 0 then 'current'
        when days <= 30 then '1-30'
        when days <= 60 then '31-60'
        when days <= 90 then '61-90'
        else '90+'
    end as aging_bucket
from balanced
"""


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    home = tmp_path_factory.mktemp("e2e")
    settings = Settings(home=home, config_path=REPO_ROOT / "ledgerloop.yaml")
    summary = generate_demo(home, settings.policy(), 3_000, 11, AS_OF, progress=False)
    outcome = run_pipeline(settings, AS_OF)
    return settings, summary, outcome


def warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.warehouse_path), read_only=True)


def test_run_succeeds_with_every_check_passing(pipeline):
    _, _, outcome = pipeline
    assert outcome.success, outcome.report()
    assert outcome.checks and all(c.passed for c in outcome.checks), outcome.report()
    assert {"salesforce/invoices", "tracker/invoices"} <= set(outcome.ingest)


def test_the_runs_validator_process_ends_with_the_run(pipeline):
    """The GX checks ran in the validator `run_pipeline` started (their results are above); no
    process of it outlives the run."""
    from orchestration.quality import validator

    _, _, outcome = pipeline
    assert any(c.name.endswith(":raw_invoices_valid") and c.passed for c in outcome.checks)
    assert validator._validator is None


def test_ledger_matches_the_truth_row_for_row(pipeline):
    settings, summary, _ = pipeline
    with warehouse(settings) as con:
        con.execute(EXPECTED_LEDGER, {
            "ledger": str(summary.truth_dir / "ar_ledger.csv"),
            "applications": str(summary.truth_dir / "payment_applications.csv"),
            "as_of": AS_OF,
        })
        con.execute(
            "create temp table ledger as select invoice_key, office, invoice_number, account_id, "
            "account_name, currency, amount::varchar as amount, source_balance::varchar as "
            "source_balance, balance::varchar as balance, status, stage, due_date::varchar as "
            "due_date, days_past_due::varchar as days_past_due, aging_bucket from marts.ar_ledger"
        )
        truth_count, ledger_count = con.execute(
            "select (select count(*) from truth), (select count(*) from ledger)"
        ).fetchone()
        assert con.execute("select * from truth limit 0").description == con.execute(
            "select * from ledger limit 0").description
        differences = con.execute("(from truth except from ledger) limit 10").fetchall()
    assert ledger_count == truth_count
    assert differences == []


def test_bad_rows_are_in_quarantine_exactly(pipeline):
    settings, summary, _ = pipeline
    with warehouse(settings) as con:
        missing, unexpected = con.execute(
            """
            with truth as (
                select source, source_file, cast(row_number as integer) as row_number, field
                from read_csv(?, header=true, all_varchar=true)
            ), got as (
                select source, source_file, row_number, field from quarantine.rejected_rows
            )
            select (select count(*) from (from truth except from got)),
                   (select count(*) from (from got except from truth))
            """,
            [str(summary.truth_dir / "rejected_rows.csv")],
        ).fetchone()
        reasons = con.execute("select count(*) from quarantine.rejected_rows where reason = ''").fetchone()
    assert (missing, unexpected) == (0, 0)
    assert reasons == (0,)


def test_every_file_reconciles_with_the_truth(pipeline):
    settings, summary, _ = pipeline
    with warehouse(settings) as con:
        mismatches = con.execute(
            """
            select truth.source_file from read_csv(?, header=true) as truth
            left join raw.ingested_files as files on files.file_name = truth.source_file
            where files.rows_read is distinct from truth.rows_read
               or files.rows_loaded is distinct from truth.rows_loaded
               or files.rows_quarantined is distinct from truth.rows_quarantined
            """,
            [str(summary.truth_dir / "files.csv")],
        ).fetchall()
    assert mismatches == []


def test_dropping_the_same_files_again_changes_nothing(pipeline):
    settings, summary, _ = pipeline
    with warehouse(settings) as con:
        before = con.execute("select count(*), sum(balance) from marts.ar_ledger").fetchone()
    for archived in (settings.archive_dir / "salesforce").rglob("*__NYC_*.csv"):
        shutil.copy(archived, settings.landing_dir / "salesforce" / archived.name.split("__", 1)[1])
    outcome = run_pipeline(settings, AS_OF)
    assert outcome.success
    assert outcome.ingest["salesforce/invoices"]["files_skipped_as_duplicates"] == 3
    assert outcome.ingest["salesforce/invoices"]["rows_read"] == 0
    with warehouse(settings) as con:
        assert con.execute("select count(*), sum(balance) from marts.ar_ledger").fetchone() == before


def test_aging_history_builds_up_across_as_of_dates(pipeline):
    settings, _, _ = pipeline
    assert run_pipeline(settings, AS_OF + dt.timedelta(days=1)).success
    with warehouse(settings) as con:
        dates = con.execute("select distinct as_of_date from marts.ar_aging_daily order by 1").fetchall()
        moved = con.execute(
            "select sum(balance) from marts.ar_aging_daily where as_of_date = ? and aging_bucket = 'current'",
            [AS_OF + dt.timedelta(days=1)],
        ).fetchone()[0]
        before = con.execute(
            "select sum(balance) from marts.ar_aging_daily where as_of_date = ? and aging_bucket = 'current'",
            [AS_OF],
        ).fetchone()[0]
    assert dates == [(AS_OF,), (AS_OF + dt.timedelta(days=1),)]
    assert moved <= before  # a day later, invoices due today have left `current`


def test_a_failing_blocking_check_stops_the_ledger_and_fails_the_command(pipeline):
    """Corrupt raw (a row no file accounts for): the reconcile check blocks dbt; exit code 1."""
    import subprocess
    import sys
    from pathlib import Path

    settings, _, _ = pipeline
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("insert into raw.salesforce_invoices select * from raw.salesforce_invoices limit 1")
        built_before = con.execute("select max(as_of_date) from marts.ar_ledger").fetchone()[0]
    command = [str(Path(sys.executable).parent / "ledgerloop"), "run", "--home", str(settings.home),
               "--as-of", "2026-12-01"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "failed (stops the run): " in result.stdout
    assert "[salesforce/invoices:salesforce_rows_reconcile]" in result.stdout
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute("select max(as_of_date) from marts.ar_ledger").fetchone()[0] == built_before
