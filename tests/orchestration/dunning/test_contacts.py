"""Customer contacts from the staff-maintained CSV reach the notices."""

import datetime as dt

from orchestration.dunning.drafting import DunningOutboxes, policy_sha256, run_day
from orchestration.warehouse import connect
from tests.orchestration.dunning.dunning_fixture import build, ledger_invoice, policy, write_policy

DUE = dt.date(2026, 11, 2)


def test_contacts_csv_is_upserted_and_used_for_the_next_notice(tmp_path):
    config = write_policy(tmp_path / "config")
    build(
        tmp_path,
        [ledger_invoice("101", "ACME", "Acme Corp", "500.00", DUE)],
        [("OTHER", "Olga", "olga@other.example", None, None, None, None)],
    )
    folder = tmp_path / "contacts"
    folder.mkdir()
    (folder / "account_contacts.csv").write_text(
        "Account ID,Contact Name,Email,Phone,Address,Time Zone,Customer Type\n"
        'ACME,Ann Archer,ann@acme.example,+12125550101,"1 Main St | New York, NY",Asia/Tokyo,smb\n'
    )
    day = DUE + dt.timedelta(days=3)
    with connect(tmp_path / "warehouse.duckdb") as con:
        result = run_day(
            con,
            policy(config),
            policy_sha256(config),
            tmp_path,
            day,
            dt.datetime.combine(day, dt.time(5), dt.UTC),
            lambda *a, **k: None,
        )
        rows = con.execute(
            "select account_id, address_lines, time_zone from outreach.account_contacts order by 1"
        ).fetchall()
    assert result.contacts_loaded == 1
    assert rows == [("ACME", "1 Main St\nNew York, NY", "Asia/Tokyo"), ("OTHER", None, None)]
    (item,) = DunningOutboxes.at(tmp_path).email.items("drafts")
    message = item.message()
    assert str(message["To"]) == "Ann Archer <ann@acme.example>"
    assert message["X-Ledgerloop-Send-After"] == "2026-11-05T00:00:00+00:00"  # 09:00 in Tokyo
