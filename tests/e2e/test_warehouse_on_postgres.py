"""The warehouse on PostgreSQL (`LEDGERLOOP_WAREHOUSE_URL`): `ledgerloop run` over two days of
files, with a director's answer, a promise, a dispute and a plan between them, holds the same rows
as on the DuckDB file in every table (ingest, quarantine, dbt's layers, the dunning state), makes
the same drafts, exports and portal pages, says the same in its summary, and the read commands
print the same; a file dropped again is loaded once (exactly once per file holds); and the answer
loop delivers a collector's promise to the list and the timeline once, without a refresh. Each run starts
at a fixed moment, so the rows' load stamps are the same on both engines."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest

from orchestration.cli.runner import ANSWER_LOOP_JOB, JOB
from orchestration.demo.generate import generate_demo
from orchestration.outreach.portal_store import open_store
from orchestration.settings import REPO_ROOT, Settings
from portal.store import account_events, collector_entries, director_updates, worklists
from portal.store.collector_entries import NewEntry
from portal.store.director_updates import NewUpdate
from tests.portal.postgres_server import postgres_server
from tests.warehouse_tables import differing_tables, warehouse_tables

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DAYS = (dt.datetime(2026, 3, 2, 14, tzinfo=dt.UTC), dt.datetime(2026, 3, 9, 14, tzinfo=dt.UTC))
SCHEMAS = ("raw", "quarantine", "staging", "intermediate", "marts", "snapshots", "outreach")
PLAN = json.dumps([{"due_on": "2026-04-01", "amount": "100.10"}, {"due_on": "2026-05-01", "amount": "50.00"}])
SUMMARY = ("ingest", "outputs", "checks", "ledger", "open_by_bucket", "quarantined_rows", "payment_queue")
"""What the run's summary says (not its timings or run id)."""
BUSY = ("raw.salesforce_invoices", "raw.payments", "quarantine.rejected_rows", "marts.ar_ledger",
        "marts.payments", "marts.payment_applications", "marts.collector_worklist", "marts.alerts",
        "marts.account_risk", "marts.disputes", "marts.promises_to_pay", "marts.payment_plans",
        "raw.director_updates", "outreach.dunning_notices", "outreach.account_contacts")


def land(files: list[Path], folder: Path, day: dt.datetime) -> None:
    """Files written an hour before the run (a spreadsheet's export time is its file's)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = (day - dt.timedelta(hours=1)).timestamp()
    for file in files:
        shutil.copy2(file, folder / file.name)
        os.utime(folder / file.name, (written, written))


def environment(home: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LEDGERLOOP_WAREHOUSE_URL", "LEDGERLOOP_PORTAL_DB_URL",
                        "LEDGERLOOP_DAGSTER_STORAGE_URL", "LEDGERLOOP_CONFIG")}
    return env | {"LEDGERLOOP_HOME": str(home)} | ({"LEDGERLOOP_WAREHOUSE_URL": url} if url else {})


def refresh(home: Path, started_at: dt.datetime, url: str | None, job: str = JOB) -> dict:
    command = [sys.executable, "-m", "tests.e2e.warehouse_refresh", str(home), started_at.isoformat(), job]
    done = subprocess.run(command, cwd=REPO_ROOT, env=environment(home, url), capture_output=True, text=True,
                          timeout=600)
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-5000:]
    summary = json.loads(lines[-1])
    assert done.returncode == 0, summary["report"]
    return summary


def commands_read(home: Path, url: str | None, account: str) -> dict:
    """What a person's read commands print: the dunning preview, an account's statement (its
    HTML), the risk backtest's figures (to 12 significant digits)."""
    ledgerloop = str(Path(sys.executable).parent / "ledgerloop")

    def run(*args: str) -> str:
        done = subprocess.run([ledgerloop, *args], env=environment(home, url), capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    out = home.parent / "statement"
    shutil.rmtree(out, ignore_errors=True)
    run("statement", account, "--as-of", DAYS[1].date().isoformat(), "--out", str(out))
    (html,) = out.glob("*.html")
    return {"preview": run("dunning", "preview", "--date", DAYS[1].date().isoformat()),
            "statement": html.read_text(encoding="utf-8"),
            # the fit's sums run over rows in the order each engine gives them: the last bits differ
            "backtest": json.loads(run("risk", "backtest", "--json", "--out", str(home.parent / "backtest")),
                                   parse_float=lambda text: float(f"{float(text):.12g}"))}


def open_invoices(warehouse: Path, count: int) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select invoice_key, account_id, collector, director_email from marts.ar_ledger "
            "where status = 'open' and account_id is not null and director_email is not null "
            "order by invoice_key limit $n", {"n": count}).fetchall()


def entry(n: int, invoice: tuple, kind: str, at: dt.datetime, **fields) -> NewEntry:
    values = dict(note=None, call_outcome=None, currency=None, promised_amount=None, promised_date=None,
                  dispute_reason=None, dispute_evidence=None, dispute_deadline=None, resolution=None,
                  plan_installments=None)
    values.update(fields)
    return NewEntry(f"pg-{n}", "avery.brooks@meridianpartners.example", invoice[2], kind, invoice[1],
                    invoice[0] if kind != "plan" else None, submitted_at=at, **values)


def portal_work(home: Path, invoices: list[tuple], at: dt.datetime) -> None:
    """What people enter between the runs: a director's answer, a promise, a dispute, a plan."""
    with open_store(home) as store:
        director_updates.record(store, NewUpdate(
            "pg-answer", invoices[0][3], invoices[0][0], "Payment is on its way", "paying", None, None,
            None, None, at))
        collector_entries.record(store, entry(1, invoices[1], "promise", at, currency="USD",
                                              promised_amount=Decimal("100.00"),
                                              promised_date=at.date() + dt.timedelta(days=3)))
        collector_entries.record(store, entry(2, invoices[2], "dispute", at, dispute_reason="Rate",
                                              dispute_evidence="po.pdf",
                                              dispute_deadline=at.date() + dt.timedelta(days=10)))
        collector_entries.record(store, entry(3, invoices[3], "plan", at, currency="USD",
                                              plan_installments=PLAN))


def two_days(root: Path, generated: Path, url: str | None, invoices: list[tuple] | None = None):
    """The same files on the same two days, into a fresh home at the same path, with people's
    answers and entries between them (about `invoices`, else the first run's first open ones);
    returns the home, the second run's summary and the invoices."""
    home = root / "home"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(generated / "contacts", home / "contacts")
    exports = sorted((generated / "landing" / "salesforce").glob("*.csv"))
    land(exports[: len(exports) // 2], home / "landing" / "salesforce", DAYS[0])
    land(list((generated / "landing" / "tracker").iterdir()), home / "landing" / "tracker", DAYS[0])
    refresh(home, DAYS[0], url)
    invoices = invoices or open_invoices(home / "warehouse.duckdb", 4)
    portal_work(home, invoices, DAYS[0] + dt.timedelta(days=1))
    land(exports[len(exports) // 2:], home / "landing" / "salesforce", DAYS[1])
    land(list((generated / "landing" / "payments").iterdir()), home / "landing" / "payments", DAYS[1])
    second = refresh(home, DAYS[1], url)
    assert all(check["passed"] for check in second["checks"]), second["report"]
    return home, second, invoices


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    root = tmp_path_factory.mktemp("warehouse")
    generated = root / "generated"
    generate_demo(generated, Settings(home=root, config_path=REPO_ROOT / "ledgerloop.yaml").policy(),
                  400, 7, DAYS[0].date(), progress=False)
    home, summary, invoices = two_days(root, generated, None)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as duck:
        on_duckdb = warehouse_tables(duck, SCHEMAS)
        (account,) = duck.execute(
            "select min(account_id) from marts.ar_ledger where status = 'open'").fetchall()[0]
    read = commands_read(home, None, account)
    made, store = files_made(home), portal_store(home)
    for server in postgres_server():
        url = server.new_database().replace("postgresql+psycopg://", "postgresql://")
        home, pg_summary, _ = two_days(root, generated, url, invoices)
        yield home, url, {"tables": on_duckdb, "summary": summary, "files": made, "store": store,
                               "read": read, "account": account}, pg_summary


SIGNED = re.compile(r"\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{43}")
"""The moment and signature a signed link carries (new each time one is signed)."""


def what_it_says(path: Path) -> bytes:
    """A file's content, an email's as its reader sees it (headers that name it, each part
    decoded) without what is new each time one is written: its id, boundary and link signatures."""
    if path.suffix == ".xlsx":
        return b""  # the workbook holds the moment it was zipped
    if path.suffix != ".eml":
        return path.read_bytes()
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    parts = [str(message[header]) for header in ("From", "To", "Subject")]
    parts += [SIGNED.sub("", part.get_content()) for part in message.walk()
              if part.get_content_maintype() == "text"]
    return "\n".join(parts).encode()


STORE_STAMPED = {"audit_log", "schema_version", "published_rows", "sqlite_sequence"}
"""Portal store tables that hold wall-clock moments or fingerprints of JSON text (PostgreSQL's
jsonb orders keys its own way), not what a page shows."""


def portal_store(home: Path) -> dict[str, Counter]:
    """What the portal's pages read: every published table, JSON text compared parsed."""
    def cell(value):
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                return json.dumps(json.loads(value), sort_keys=True)
        return value

    with contextlib.closing(sqlite3.connect(home / "portal.sqlite3")) as store:
        names = [name for (name,) in store.execute("select name from sqlite_master where type = 'table'")]
        return {name: Counter(tuple(map(cell, row)) for row in store.execute(f'select * from "{name}"'))
                for name in names if name not in STORE_STAMPED}


def files_made(home: Path) -> dict[str, str]:
    """Every draft, export and archived file the runs made, with a digest of what it says."""
    made = {}
    for folder in ("outbox", "exports", "archive"):
        for path in sorted((home / folder).rglob("*")):
            if not path.is_file() or path.suffix in (".sqlite3", ".lock"):
                continue
            made[str(path.relative_to(home))] = hashlib.sha256(what_it_says(path)).hexdigest()
    return made


def test_every_table_on_postgresql_holds_the_rows_it_holds_on_duckdb(engines):
    home, url, duckdb_run, _ = engines
    on_duckdb = duckdb_run["tables"]
    assert not (home / "warehouse.duckdb").exists(), "a step wrote the DuckDB file on a PostgreSQL home"
    with psycopg.connect(url) as pg:
        on_postgres = warehouse_tables(pg, SCHEMAS)
    assert sorted(on_postgres) == sorted(on_duckdb)
    differing = differing_tables(on_duckdb, on_postgres)
    assert not differing, "\n".join(f"{name}: {how}" for name, how in differing.items())
    for busy in BUSY:
        assert on_duckdb[busy], f"{busy} is empty on both engines: nothing was compared"


def test_the_run_says_the_same_and_makes_the_same_files_on_both_engines(engines):
    home, _, duckdb_run, summary = engines
    for part in SUMMARY:
        said, expected = summary[part], duckdb_run["summary"][part]
        if part == "checks":  # run in another order: dbt runs in parts around the risk scores
            said, expected = (sorted(checks, key=lambda check: check["name"]) for checks in (said, expected))
        assert said == expected, part
    assert summary["quarantined_rows"] > 0 and summary["ledger"]["open"] > 0
    assert "PostgreSQL" in summary["report"] and "warehouse.duckdb" not in summary["report"]
    assert files_made(home) == duckdb_run["files"]
    published = portal_store(home)
    assert published == duckdb_run["store"]
    assert published["collector_accounts"] and published["director_jobs"] and published["customer_accounts"]


def test_files_dropped_again_are_recorded_once_on_postgresql(engines):
    home, url, _, _ = engines
    with psycopg.connect(url) as pg:
        before = pg.execute("select count(*), (select count(*) from raw.salesforce_invoices) "
                            "from raw.ingested_files").fetchone()
    generated = home.parent / "generated"
    again = DAYS[1] + dt.timedelta(hours=2)
    land(sorted((generated / "landing" / "salesforce").glob("*.csv")), home / "landing" / "salesforce", again)
    outcome = refresh(home, again, url)
    assert outcome["success"], outcome["report"]
    with psycopg.connect(url) as pg:
        after = pg.execute("select count(*), (select count(*) from raw.salesforce_invoices) "
                           "from raw.ingested_files").fetchone()
    assert after == before
    assert not list((home / "landing" / "salesforce").glob("*.csv")), "duplicates stay in landing"


def test_the_read_commands_print_the_same_from_either_engine(engines):
    home, url, duckdb_run, _ = engines
    read = commands_read(home, url, duckdb_run["account"])
    assert read == duckdb_run["read"]
    assert "Dunning preview" in read["preview"] and duckdb_run["account"] in read["statement"]


def test_the_answer_loop_on_postgresql_delivers_a_promise_once_without_a_refresh(engines):
    home, url, _, _ = engines
    collectors = {m.name: m.email for m in Settings(home=home).policy().team.collectors}
    with psycopg.connect(url) as pg:
        invoice_key, account_id, collector = pg.execute(
            "select invoice_key, account_id, collector from marts.ar_ledger where status = 'open' "
            "and account_id is not null and collector = any(%s) and currency = 'USD' "
            "order by balance desc, invoice_key limit 1", [list(collectors)]).fetchone()
    at = DAYS[1] + dt.timedelta(hours=3)
    promise = NewEntry("pg-loop", collectors[collector], collector, "promise", account_id, invoice_key,
                       note="Will pay Friday", call_outcome=None, currency="USD",
                       promised_amount=Decimal("321.00"), promised_date=at.date() + dt.timedelta(days=2),
                       dispute_reason=None, dispute_evidence=None, dispute_deadline=None,
                       resolution=None, plan_installments=None, submitted_at=at)
    drafts_before = sorted((home / "outbox").rglob("*"))
    with open_store(home) as store:
        collector_entries.record(store, promise)

    def on_the_timeline() -> int:
        with open_store(home) as store:
            return sum(e.amount == Decimal("321.00") and "promise" in e.kind
                       for e in account_events.timeline(store, account_id))

    loop = refresh(home, at + dt.timedelta(seconds=10), url, ANSWER_LOOP_JOB)
    assert loop["ingest"]["portal/collector_entries"]["entries_loaded"] == 1
    assert on_the_timeline() == 1
    with open_store(home) as store:
        listed = worklists.accounts_for(store, collectors[collector])
    (account,) = [a for a in listed if a.account_id == account_id]
    assert "USD 321.00" in account.drivers
    assert sorted((home / "outbox").rglob("*")) == drafts_before, "the answer loop wrote what people receive"

    again = refresh(home, at + dt.timedelta(seconds=40), url, ANSWER_LOOP_JOB)
    assert again["ingest"]["portal/collector_entries"]["entries_loaded"] == 0
    assert on_the_timeline() == 1
    with psycopg.connect(url) as pg:
        assert pg.execute("select count(*) from raw.collector_entries where submission_id = 'pg-loop'"
                          ).fetchone() == (1,)
        assert pg.execute("select count(*) from marts.promises_to_pay where invoice_key = %s "
                          "and promised_amount = 321.00", [invoice_key]).fetchone() == (1,)
