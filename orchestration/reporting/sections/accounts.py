"""Accounts by name: the watch sections (alerts, risk, credit) show a customer's name, not its id."""

from __future__ import annotations

from orchestration.reporting.blocks import read_rows, table_exists

ACCOUNT_NAMES_QUERY = """
select account_id, max(account_name) as account_name
from marts.ar_ledger
where account_id is not null
group by account_id
"""


def account_names(con) -> dict[str, str]:
    """Account id -> name from the ledger (empty when the warehouse has no ledger yet)."""
    if not table_exists(con, "marts", "ar_ledger"):
        return {}
    return {r["account_id"]: r["account_name"] for r in read_rows(con, ACCOUNT_NAMES_QUERY)}
