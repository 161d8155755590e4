"""A warehouse with two years of payment behaviour for the risk marts: a Salesforce export of
monthly invoices for steady, late and drifting payers (a paid invoice's Last Modified Date is its
payment), ingested the way the pipeline does, then `dbt build` of account_risk and credit_limits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.dbt.payments.dbt_payments import dbt, ingest_invoices
from tests.factories import export, row

AS_OF = "2026-11-23"
RUN_DAY = dt.date(2026, 11, 23)
RISK_MARTS = ["+account_risk", "+credit_limits", "reconciliation_exceptions"]
STEADY = [f"S{i:02d}" for i in range(12)]
LATE = [f"L{i:02d}" for i in range(12)]
DRIFTING = [f"D{i:02d}" for i in range(12)]


def days_late(account: str, month: int) -> int:
    """Steady payers pay a few days early or late, late payers 45-65 days late, drifting payers
    start on time and slip by three days a month."""
    jitter = (sum(map(ord, account)) * 7 + month * 13) % 11 - 5
    if account.startswith("S"):
        return jitter
    if account.startswith("L"):
        return 55 + 2 * jitter
    return 3 * month + jitter - 20


def invoices() -> list[dict[str, str]]:
    rows = []
    for index, account in enumerate(STEADY + LATE + DRIFTING):
        for month in range(24):
            issued = dt.date(2024, 11, 1) + dt.timedelta(days=round(month * 30.44))
            due = issued + dt.timedelta(days=30)
            paid = due + dt.timedelta(days=days_late(account, month))
            amount = f"{(10 if account in STEADY else 1) * (1000 + 100 * index):.2f}"
            is_paid = paid < RUN_DAY
            rows.append(
                row(
                    f"{index + 1:02d}{month:03d}",
                    amount=amount,
                    balance="0.00" if is_paid else amount,
                    due=f"{due.month}/{due.day}/{due.year}",
                    **{
                        "Invoice Date": f"{issued.month}/{issued.day}/{issued.year}",
                        "Account ID": account,
                        "Account Name": f"Account {account}",
                        "Last Modified Date": (
                            f"{paid.month}/{paid.day}/{paid.year} 10:00 AM"
                            if is_paid
                            else f"{issued.month}/{issued.day}/{issued.year} 9:00 AM"
                        ),
                    },
                )
            )
    return rows


def build_risk(home: Path, as_of: str = AS_OF, select: list[str] | None = None) -> None:
    """Landing export and ingest on the first call, then `dbt build` of the risk marts."""
    landing = home / "landing" / "salesforce"
    if not landing.exists():
        landing.mkdir(parents=True)
        (landing / "history.csv").write_text(export(invoices()))
        ingest_invoices(home)
    result = dbt(home, as_of, "build", "--select", *(select or RISK_MARTS))
    assert result.returncode == 0, result.stdout[-6000:]
