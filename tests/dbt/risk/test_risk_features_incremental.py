"""int_account_risk_features is built account by account: a refresh on the same day builds again
the accounts whose inputs changed (an invoice, a payment plan), deletes the rows of an account the
inputs no longer have and leaves every other row as it was; new code or a new as-of date builds
every account again. Rows of an unchanged account are marked in the table (a balance of -1) so a
build that touched them shows."""

from pathlib import Path

import pytest

from orchestration.storage.warehouse import connect
from tests.dbt.payments.dbt_payments import dbt, invoice, land_invoices

pytestmark = [pytest.mark.integration, pytest.mark.slow]
AS_OF = "2026-11-23"
ACCOUNTS = [f"001{n:02d}" for n in range(12)]  # 3 changed of 13: under the quarter that builds all
FEATURES = "intermediate.int_account_risk_features"
HISTORY = "intermediate.int_invoice_payment_history"


def build(home: Path, as_of: str = AS_OF, code_digest: str = "first") -> None:
    run = dbt(home, as_of, "build", "--select", "int_account_risk_features",
              extra_vars={"code_digest": code_digest})
    assert run.returncode == 0, run.stdout[-6000:]


def query(home: Path, sql: str) -> list[tuple]:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


def execute(home: Path, sql: str) -> None:
    with connect(home / "warehouse.duckdb") as con:
        con.execute(sql)


def current(home: Path, account: str, feature: str = "f_open_balance") -> float:
    """`feature` on the account's row at the run's as-of date."""
    ((value,),) = query(home, f"select {feature} from {FEATURES} "
                              f"where is_current and account_id = '{account}'")
    return value


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """Twelve accounts of two open invoices each, built; then account 00100's rows marked, 00101's
    first invoice grown by 1.00, a plan for 00104 with an installment due and unpaid, and rows of
    an account no invoice names added; then refreshed."""
    home = tmp_path_factory.mktemp("risk_incremental")
    land_invoices(home, [
        invoice(f"INV-{n:05d}", "$100.00", account=f"Client {account}", account_id=account)
        for n, account in enumerate(a for a in ACCOUNTS for _ in range(2))
    ])
    run = dbt(home, AS_OF, "build", "--select", "+int_account_risk_features", "reconciliation_exceptions",
              extra_vars={"code_digest": "first"})
    assert run.returncode == 0, run.stdout[-6000:]
    execute(home, f"update {FEATURES} set f_open_balance = -1 where account_id = '00100'")
    execute(home, f"update {HISTORY} set amount = amount + 1 where invoice_key = "
                  f"(select min(invoice_key) from {HISTORY} where account_id = '00101')")
    execute(home, "insert into marts.payment_plans by name select '9' as plan_id, '00104' as account_id, "
                  "'USD' as currency, date '2026-11-01' as made_on, date '2026-11-10' as due_on, "
                  "cast(50 as decimal(18, 2)) as amount")
    execute(home, f"insert into {FEATURES} select * replace ('GONE' as account_id) from {FEATURES} "
                  "where account_id = '00102'")
    build(home)
    return home


def test_a_refresh_builds_again_the_account_whose_invoice_changed(home):
    assert current(home, "00101") == 201.0


def test_a_refresh_builds_again_the_account_whose_payment_plan_changed(home):
    assert current(home, "00104", "f_plan_behind") == 1.0
    assert current(home, "00105", "f_plan_behind") == 0.0


def test_a_refresh_leaves_the_rows_of_unchanged_accounts_as_they_were(home):
    assert current(home, "00100") == -1.0


def test_a_refresh_deletes_the_rows_of_an_account_no_invoice_names(home):
    assert query(home, f"select count(*) from {FEATURES} where account_id = 'GONE'") == [(0,)]


def test_new_code_builds_every_account_again(home):
    build(home, code_digest="second")
    assert current(home, "00100") == 200.0


def test_a_new_as_of_date_builds_every_account_again(home):
    execute(home, f"update {FEATURES} set f_open_balance = -1 where account_id = '00100'")
    build(home, "2026-11-24", code_digest="second")
    assert current(home, "00100") == 200.0
    (as_of,) = query(home, f"select distinct as_of from {FEATURES} where is_current")
    assert as_of[0].isoformat() == "2026-11-24"
