"""The demo generator: deterministic, files where the design says, and a truth that really
follows from the files (checked by re-deriving it with a small reference reader)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from orchestration.demo import generate_demo
from orchestration.policy import load_policy
from orchestration.settings import REPO_ROOT

AS_OF = dt.date(2026, 11, 9)
INVOICES = 3000
SEED = 11
CAMT = "{urn:iso:std:iso:20022:tech:xsd:camt.053.001.02}"
SALESFORCE_HEADER = [
    "Invoice Number",
    "Account Name",
    "Account ID",
    "Office",
    "Project",
    "Project Director",
    "Director Email",
    "Collector",
    "Invoice Date",
    "Due Date",
    "Currency",
    "Amount",
    "Balance",
    "Stage",
    "Last Modified Date",
]
AMOUNT = re.compile(r"^(?:[$£]|USD |GBP )?(?:\d{1,3}(?:,\d{3})*|\d+)\.\d{2}$")


@pytest.fixture(scope="module")
def policy():
    return load_policy(REPO_ROOT / "ledgerloop.yaml")


@pytest.fixture(scope="module")
def home(tmp_path_factory, policy) -> Path:
    home = tmp_path_factory.mktemp("demo")
    generate_demo(home, policy, INVOICES, SEED, AS_OF, progress=False)
    return home


def truth(home: Path, name: str) -> list[dict]:
    with (home / "demo" / "truth" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def normalize(number) -> str:
    """DESIGN §4 identity: uppercase, alphanumerics only, no `INV` prefix, no leading zeros."""
    if isinstance(number, float):
        number = str(int(number))
    return re.sub(r"[^A-Z0-9]", "", number.upper()).removeprefix("INV").lstrip("0")


def parse_date(text: str) -> dt.date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    month, day, year = map(int, text.split("/"))
    return dt.date(year, month, day)


def money(text: str) -> Decimal:
    return Decimal(re.sub(r"[^0-9.]", "", text))


def read_export(path: Path) -> tuple[list[str], list[list[str]], list[str]]:
    """Header, data rows and footer lines of a Salesforce export (UTF-8 or Windows-1252)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    records = list(csv.reader(text.splitlines()))
    blank = records.index([])
    return records[0], records[1:blank], [r[0] for r in records[blank + 1 :]]


def exports(home: Path):
    return sorted(
        (home / "landing" / "salesforce").glob("*.csv"), key=lambda p: (p.name[-14:], p.name)
    )


def bad_fields(row: list[str], offices: dict[str, str]) -> list[str]:
    """What the pipeline must refuse in a Salesforce row, by ledger field."""
    fields = []
    if not AMOUNT.match(row[11]) or not AMOUNT.match(row[12]):
        fields.append("amount")
    for field, column in (("invoice_date", 8), ("due_date", 9)):
        try:
            parse_date(row[column])
        except ValueError:
            fields.append(field)
    if not normalize(row[0]):
        fields.append("invoice_number")
    if row[3].casefold().strip() not in offices:
        fields.append("office")
    return fields


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(home, policy, tmp_path):
    again, other = tmp_path / "again", tmp_path / "other"
    generate_demo(again, policy, INVOICES, SEED, AS_OF, progress=False)
    generate_demo(other, policy, INVOICES, SEED + 1, AS_OF, progress=False)
    files = sorted(
        p.relative_to(home) for p in home.rglob("*") if p.is_file() and p.name != "meta.json"
    )
    assert files == sorted(
        p.relative_to(again) for p in again.rglob("*") if p.is_file() and p.name != "meta.json"
    )
    for name in files:
        assert (home / name).read_bytes() == (again / name).read_bytes(), name
    assert (home / files[0]).read_bytes() != (other / files[0]).read_bytes()


def test_files_land_where_described(policy, tmp_path):
    summary = generate_demo(tmp_path, policy, 200, SEED, AS_OF, progress=False)
    names = {source: sorted(p.name for p in paths) for source, paths in summary.files.items()}
    assert names == {
        "salesforce": sorted(
            f"{o}_AR_Report_{d}.csv"
            for o in ("NYC", "LDN")
            for d in ("2026-10-26", "2026-11-02", "2026-11-09")
        ),
        "tracker": ["legacy_tracker.xlsx"],
        "payments": ["bank_statement_2026-11-08.csv", "camt053_2026-11-08.xml"],
        "contacts": ["account_contacts.csv"],
    }
    for source, paths in summary.files.items():
        folder = tmp_path / "contacts" if source == "contacts" else tmp_path / "landing" / source
        assert all(p.parent == folder and p.exists() for p in paths)
    assert summary.invoices == 200 and summary.truth_dir == tmp_path / "demo" / "truth"
    assert "200 invoices" in summary.report() and str(summary.truth_dir) in summary.report()
    assert len(truth(tmp_path, "ar_ledger.csv")) == 200
    meta = json.loads((summary.truth_dir / "meta.json").read_text())
    assert (meta["seed"], meta["invoices"], meta["as_of"]) == (SEED, 200, "2026-11-09")
    assert {r["field"] for r in truth(tmp_path, "rejected_rows.csv")} == {
        "amount",
        "due_date",
        "invoice_number",
        "office",
    }


def test_salesforce_exports_look_like_salesforce(home):
    for path in exports(home):
        header, rows, footer = read_export(path)
        assert header == SALESFORCE_HEADER
        first_line = path.read_bytes().split(b"\r\n")[1]
        assert first_line.startswith(b'"') and first_line.count(b'","') == 14
        assert footer[0] == f"{path.name[:3]} AR Report"
        assert footer[1] == "Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."
        assert footer[2] == "Confidential Information - Do Not Distribute"
        assert re.fullmatch(
            rf"Generated By:  \S.*\S  {int(path.name[-9:-7])}/\d{{1,2}}/2026 \d{{1,2}}:\d\d [AP]M",
            footer[3],
        )
        assert footer[4] == "Meridian Project Partners" and len(footer) == 5
        for row in rows:
            assert re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d [AP]M", row[14])


def test_quarantine_truth_matches_the_unparseable_rows(home, policy):
    offices = dict(policy.office_spellings)
    found = {}
    counts = {}
    for path in exports(home):
        _, rows, _ = read_export(path)
        counts[path.name] = len(rows)
        for number, row in enumerate(rows, 2):
            fields = bad_fields(row, offices)
            assert len(fields) <= 1, (path.name, number, fields)
            if fields:
                found[(path.name, number)] = fields[0]
    expected = {
        (r["source_file"], int(r["row_number"])): r["field"]
        for r in truth(home, "rejected_rows.csv")
    }
    assert found == expected
    assert len(expected) >= 4 and set(expected.values()) == {
        "amount",
        "due_date",
        "invoice_number",
        "office",
    }
    bad_per_file = Counter(name for name, _ in expected)
    for row in truth(home, "files.csv"):
        read, loaded, quarantined = (
            int(row["rows_read"]),
            int(row["rows_loaded"]),
            int(row["rows_quarantined"]),
        )
        assert read == loaded + quarantined
        if row["source"] == "salesforce":
            assert (read, quarantined) == (
                counts[row["source_file"]],
                bad_per_file[row["source_file"]],
            )
        else:
            assert (
                row["source_file"] == "legacy_tracker.xlsx"
                and read == len(tracker_rows(home))
                and quarantined == 0
            )


def tracker_rows(home: Path) -> list[list]:
    sheet = CalamineWorkbook.from_path(
        home / "landing" / "tracker" / "legacy_tracker.xlsx"
    ).get_sheet_by_name("Tracker")
    rows = sheet.to_python()
    assert rows[0] == [
        "Office",
        "Invoice #",
        "Client",
        "Amount",
        "Due Date",
        "Collections Stage",
        "Notes",
        "Last Updated",
        "Updated By",
    ]
    return rows[1:]


def test_ledger_truth_follows_from_the_files(home, policy):
    """Re-derive the ledger with DESIGN §4's rules and compare every field."""
    offices = dict(policy.office_spellings)
    stages = {re.sub(r"[^a-z0-9]", "", s.casefold()): s for s in policy.stages}
    newest: dict[str, tuple] = {}
    for path in exports(home):
        _, rows, _ = read_export(path)
        for number, row in enumerate(rows, 2):
            if bad_fields(row, offices):
                continue
            key = f"{offices[row[3].casefold().strip()]}:{normalize(row[0])}"
            rank = (dt.datetime.strptime(row[14], "%m/%d/%Y %I:%M %p"), path.name[-14:-4], number)
            if key not in newest or rank > newest[key][0]:
                newest[key] = (rank, row)
    tracked: dict[str, tuple] = {}
    for office, number, client, amount, due, stage, _, updated, _ in tracker_rows(home):
        key = f"{offices[office.casefold().strip()]}:{normalize(number)}"
        if key not in tracked or updated > tracked[key][0]:
            tracked[key] = (
                updated,
                stages[re.sub(r"[^a-z0-9]", "", stage.casefold())],
                number,
                client,
                amount,
                due,
            )

    expected = {}
    for key in newest.keys() | tracked.keys():
        if key in newest:
            row = newest[key][1]
            amount, balance = money(row[11]), money(row[12])
            stage = tracked[key][1] if key in tracked else row[13]
            fields = [
                row[0],
                row[2],
                row[1],
                row[10],
                amount,
                balance,
                balance,
                stage,
                parse_date(row[9]),
            ]
        else:
            _, stage, number, client, amount, due = tracked[key]
            amount = Decimal(str(amount)).quantize(Decimal("0.01"))
            fields = [number, "", client, "", amount, "", amount, stage, due]
        number, account_id, name, currency, amount, source_balance, balance, stage, due = fields
        past_due = (AS_OF - due).days
        bucket = next(
            b.label for b in policy.aging.buckets if b.max_days is None or past_due <= b.max_days
        )
        is_open = balance > 0
        expected[key] = {
            "invoice_key": key,
            "office": key.split(":")[0],
            "invoice_number": number,
            "account_id": account_id,
            "account_name": name,
            "currency": currency,
            "amount": f"{amount:.2f}",
            "source_balance": source_balance if source_balance == "" else f"{source_balance:.2f}",
            "balance": f"{balance:.2f}",
            "status": "open" if is_open else "paid",
            "stage": stage,
            "due_date": due.isoformat(),
            "days_past_due": str(past_due) if is_open else "",
            "aging_bucket": bucket if is_open else "",
        }
    ledger = truth(home, "ar_ledger.csv")
    assert len(ledger) == INVOICES
    assert {r["invoice_key"]: r for r in ledger} == expected


def test_the_mess_of_real_files_is_there(home):
    spellings, offices_written, amounts, dates = defaultdict(set), Counter(), Counter(), Counter()
    duplicates = 0
    for path in exports(home):
        _, rows, _ = read_export(path)
        duplicates += len(rows) - len({tuple(r) for r in rows})
        for row in rows:
            spellings[(path.name[:3], normalize(row[0]))].add(row[0])
            offices_written[row[3]] += 1
            amounts[re.sub(r"[\d,.O]+", "9", row[11])] += 1
            dates["iso" if "-" in row[8] else "mdy"] += 1
    assert sum(len(s) > 1 for s in spellings.values()) > INVOICES / 2
    assert {"9", "$9", "USD 9", "£9", "GBP 9"} <= set(amounts)
    assert dates["iso"] > 0 and dates["mdy"] > dates["iso"]
    assert {"New York", "NY", "New York Office", "London", "UK", "London Office"} <= set(
        offices_written
    )
    assert duplicates > 0
    assert any(
        path.read_bytes().decode("utf-8", "replace").count("\ufffd") for path in exports(home)
    )

    ledger = truth(home, "ar_ledger.csv")
    numbers = defaultdict(set)
    for row in ledger:
        numbers[row["invoice_key"].split(":")[1]].add(row["office"])
    assert 2 <= sum(len(o) == 2 for o in numbers.values()) <= INVOICES / 100


def test_exports_overlap_and_never_lose_an_invoice(home):
    keys = defaultdict(list)
    for path in exports(home):
        _, rows, _ = read_export(path)
        keys[path.name[:3]].append({normalize(r[0]) for r in rows} - {""})
    for office, weekly in keys.items():
        assert len(weekly) == 3
        assert weekly[0] < weekly[1] < weekly[2], office


def test_aging_buckets_and_status_are_consistent(home, policy):
    ledger = truth(home, "ar_ledger.csv")
    open_buckets = Counter(r["aging_bucket"] for r in ledger if r["status"] == "open")
    assert all(open_buckets[b.label] >= 10 for b in policy.aging.buckets)
    for row in ledger:
        assert (row["status"] == "paid") == (Decimal(row["balance"]) == 0)
        if row["status"] == "paid":
            assert row["days_past_due"] == row["aging_bucket"] == ""
    assert Counter(r["status"] for r in ledger)["paid"] > INVOICES / 4


def test_tracker_is_messy_and_holds_legacy_invoices(home):
    rows = tracker_rows(home)
    assert len(rows) == round(0.3 * INVOICES)
    assert any(isinstance(r[1], float) for r in rows) and any(isinstance(r[1], str) for r in rows)
    assert all(
        isinstance(r[3], float) and isinstance(r[4], dt.date) and isinstance(r[7], dt.datetime)
        for r in rows
    )
    assert len({r[5] for r in rows}) > 2 * len(
        {r[5].strip().casefold().replace("-", " ") for r in rows}
    )
    keys = Counter(normalize(r[1]) for r in rows)
    assert any(count > 1 for count in keys.values())
    legacy = [r for r in truth(home, "ar_ledger.csv") if r["account_id"] == ""]
    assert 3 <= len(legacy) <= 50 and all(
        r["currency"] == r["source_balance"] == "" for r in legacy
    )


def test_payment_truth_is_consistent_with_the_ledger_and_the_files(home):
    ledger = {r["invoice_key"]: r for r in truth(home, "ar_ledger.csv")}
    receipts = {(r["bank_transaction_id"], r["tx_index"]): r for r in truth(home, "payments.csv")}
    applied = defaultdict(Decimal)
    per_invoice = Counter()
    for app in truth(home, "payment_applications.csv"):
        receipt = receipts[(app["bank_transaction_id"], app["tx_index"])]
        invoice = ledger[app["invoice_key"]]
        assert invoice["status"] == "open" and invoice["currency"] == receipt["currency"]
        assert Decimal(app["applied_amount"]) <= Decimal(invoice["balance"])
        applied[(app["bank_transaction_id"], app["tx_index"])] += Decimal(app["applied_amount"])
        per_invoice[app["invoice_key"]] += 1
    assert max(per_invoice.values()) == 1
    scenarios = Counter(r["scenario"] for r in receipts.values())
    assert set(scenarios) == {"full", "partial", "multi", "payer_only", "po_or_date", "unmatched"}
    for key, receipt in receipts.items():
        expected = Decimal(0) if receipt["scenario"] == "unmatched" else Decimal(receipt["amount"])
        assert applied[key] == expected, receipt

    bank = list(
        csv.DictReader(
            (home / "landing/payments/bank_statement_2026-11-08.csv").open(encoding="utf-8")
        )
    )
    assert list(bank[0]) == [
        "Date",
        "Amount",
        "Currency",
        "Payer",
        "Reference",
        "Bank Transaction ID",
    ]
    credits = {r["Bank Transaction ID"] for r in bank if not r["Amount"].startswith("-")}
    assert credits == {
        k[0] for k, r in receipts.items() if r["source_file"].startswith("bank_statement")
    }

    root = ET.parse(home / "landing/payments/camt053_2026-11-08.xml").getroot()
    entries = list(root.iter(f"{CAMT}Ntry"))
    total = Decimal(0)
    for entry in entries:
        amount = Decimal(entry.findtext(f"{CAMT}Amt"))
        txs = entry.findall(f"{CAMT}NtryDtls/{CAMT}TxDtls")
        assert (
            sum(Decimal(t.findtext(f"{CAMT}AmtDtls/{CAMT}TxAmt/{CAMT}Amt")) for t in txs) == amount
        )
        total += amount if entry.findtext(f"{CAMT}CdtDbtInd") == "CRDT" else -amount
    balances = {
        b.findtext(f"{CAMT}Tp/{CAMT}CdOrPrtry/{CAMT}Cd"): Decimal(b.findtext(f"{CAMT}Amt"))
        for b in root.iter(f"{CAMT}Bal")
    }
    assert balances["OPBD"] + total == balances["CLBD"]
    assert any(len(e.findall(f"{CAMT}NtryDtls/{CAMT}TxDtls")) > 1 for e in entries)
    assert sum(e.findtext(f"{CAMT}RvslInd") == "true" for e in entries) == 1
    assert sum(e.findtext(f"{CAMT}CdtDbtInd") == "DBIT" for e in entries) >= 3
    assert any(e.find(f".//{CAMT}Strd/{CAMT}CdtrRefInf/{CAMT}Ref") is not None for e in entries)
    camt_receipts = {k for k, r in receipts.items() if r["source_file"].startswith("camt053")}
    refs = {
        (e.findtext(f"{CAMT}AcctSvcrRef"), str(i))
        for e in entries
        if e.findtext(f"{CAMT}CdtDbtInd") == "CRDT"
        for i in range(1, len(e.findall(f"{CAMT}NtryDtls/{CAMT}TxDtls")) + 1)
    }
    non_payments = {(r["bank_transaction_id"], "1") for r in truth(home, "non_payments.csv")}
    assert camt_receipts == refs - non_payments


def test_too_few_invoices_is_refused(policy, tmp_path):
    with pytest.raises(ValueError, match="at least"):
        generate_demo(tmp_path, policy, 10, SEED, AS_OF, progress=False)


def test_every_account_has_a_payables_contact_for_dunning(policy, tmp_path):
    generate_demo(tmp_path, policy, 200, SEED, AS_OF, progress=False)
    with (tmp_path / "contacts" / "account_contacts.csv").open(newline="", encoding="utf-8") as handle:
        contacts = list(csv.DictReader(handle))
    accounts = {r["account_id"] for r in truth(tmp_path, "ar_ledger.csv") if r["account_id"]}
    assert {c["Account ID"] for c in contacts} == accounts and len(contacts) == len(accounts)
    assert all(c["Email"].startswith("payables@") and c["Email"].endswith(".example") for c in contacts)
    assert all(c["Phone"].startswith(("+1 ", "+44 ")) and "|" in c["Address"] for c in contacts)
    assert {c["Customer Type"] for c in contacts} <= {"enterprise", "smb"}
