"""Customer contacts from the staff-maintained CSV reach the notices."""

import datetime as dt

from notifications.dunning_drafts import dunning_outboxes
from orchestration.dunning.drafting import policy_sha256, run_day
from orchestration.storage.warehouse import connect
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
    (item,) = dunning_outboxes(tmp_path)["dunning"].items("drafts")
    message = item.message()
    assert str(message["To"]) == "Ann Archer <ann@acme.example>"
    assert message["X-Ledgerloop-Send-After"] == "2026-11-05T00:00:00+00:00"  # 09:00 in Tokyo


def test_current_contacts_overlay_the_file_on_the_rows_the_warehouse_holds(tmp_path):
    from orchestration.dunning.contacts import current_contacts

    (tmp_path / "contacts").mkdir()
    (tmp_path / "contacts" / "account_contacts.csv").write_text(
        "Account ID,Contact Name,Phone\nA1,New Name,+1 555 0100\n", encoding="utf-8"
    )
    with connect(tmp_path / "w.duckdb") as con:
        assert current_contacts(con, tmp_path)["A1"]["contact_name"] == "New Name"  # no rows yet
        con.execute("insert into outreach.account_contacts (account_id, contact_name, email) values "
                    "('A1', 'Old Name', 'old@a1.example'), ('A2', 'Typed In', 'a2@example.com')")
        contacts = current_contacts(con, tmp_path)
    assert (contacts["A1"]["contact_name"], contacts["A1"]["phone"]) == ("New Name", "+1 555 0100")
    assert contacts["A2"]["email"] == "a2@example.com"


def test_the_file_is_parsed_once_per_content_and_each_reader_gets_its_own_rows(tmp_path, monkeypatch):
    # A run reads the file in five steps: at 110k contacts each parse took ~1.5 s.
    from orchestration.dunning import contacts

    path = tmp_path / "account_contacts.csv"
    path.write_text("Account ID,Email\r\nACME,ann@acme.example\r\n", encoding="utf-8-sig")
    parses = []
    real = contacts.csv.DictReader
    monkeypatch.setattr(contacts.csv, "DictReader", lambda *a, **k: parses.append(1) or real(*a, **k))
    monkeypatch.setattr(contacts, "_KEPT", {})
    first = contacts.read_contacts_file(path, keep=False)
    assert contacts.read_contacts_file(path) == first
    assert len(parses) == 2  # the first read was not kept; the second was
    first = contacts.read_contacts_file(path)
    first["ACME"]["email"] = "changed by a caller"
    assert contacts.read_contacts_file(path)["ACME"]["email"] == "ann@acme.example"
    assert len(parses) == 2
    path.write_text("Account ID,Email\r\nACME,bob@acme.example\r\n", encoding="utf-8-sig")  # same size
    assert contacts.read_contacts_file(path)["ACME"]["email"] == "bob@acme.example"
    assert len(parses) == 3
