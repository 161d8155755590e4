"""The collections loop over two consecutive as-of dates on generated demo data: collectors'
records from the portal store and a bank file reach the marts, alerts are raised once and their
emails are there after the whole run, a broken promise tops its collector's list, an open dispute
and every stage the policy maps to disputed or promised hold dunning, a plan's running balance is
exact, every link in every draft opens the portal actually served, and the risk backtest beats its
naive baseline on the same history."""

import datetime as dt
import json
import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import duckdb
import httpx
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.cli.runner import run_pipeline
from orchestration.demo import generate_demo
from orchestration.dunning.drafting import plan_day
from orchestration.outreach.portal_store import open_store
from orchestration.settings import REPO_ROOT, Settings
from portal.store import collector_entries
from portal.store.collector_entries import NewEntry
from tests.portal import test_portal_browser
from tests.portal.test_portal_browser import CHROMEDRIVER, CHROMIUM, portal_process, serving_portal

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
browser = test_portal_browser.browser  # the portal tests' headless Chromium fixture
DAY_1 = dt.date(2026, 11, 23)
DAY_2 = DAY_1 + dt.timedelta(days=1)
SUBMITTED = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
PAID_ON_PLAN = Decimal("60.00")
DEMO_SEED = 7  # what `make demo` generates

# Open invoices of rostered collectors, one per account, largest balance first.
CANDIDATES = """
select ledger.invoice_key, ledger.invoice_number, ledger.account_id, ledger.collector, ledger.currency,
    ledger.balance, ledger.office
from marts.ar_ledger as ledger
where ledger.status = 'open' and ledger.account_id is not null and ledger.currency = 'USD'
    and ledger.collector = any($collectors) and ledger.balance >= 500
qualify row_number() over (partition by ledger.account_id order by ledger.balance desc) = 1
order by ledger.balance desc, ledger.invoice_key
"""


def entry(n: int, kind: str, invoice: dict, email: str, **fields) -> NewEntry:
    values = dict(
        submission_id=f"e2e-{n}",
        collector_email=email,
        collector=invoice["collector"],
        kind=kind,
        account_id=invoice["account_id"],
        invoice_key=None,
        note=None,
        call_outcome=None,
        currency=None,
        promised_amount=None,
        promised_date=None,
        dispute_reason=None,
        dispute_evidence=None,
        dispute_deadline=None,
        resolution=None,
        plan_installments=None,
        submitted_at=SUBMITTED + dt.timedelta(minutes=n),
    )
    values.update(fields)
    return NewEntry(**values)


def bank_csv(invoice: dict) -> str:
    """A bank statement line paying part of the plan's invoice, on day 2."""
    return (
        "Date,Amount,Currency,Payer,Reference,Bank Transaction ID\n"
        f"{DAY_2.isoformat()},{PAID_ON_PLAN},USD,Plan Payer,INV {invoice['invoice_number']},E2E-PLAN-1\n"
    )


@contextmanager
def portal_served_as_a_user(home: Path) -> Iterator[str]:
    """`ledgerloop portal --port P` on a free port, as a person starts it: no LEDGERLOOP_PORTAL_URL
    and the home's own secret, so links minted meanwhile must find the port by themselves."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hidden = ("LEDGERLOOP_PORTAL_URL", "LEDGERLOOP_SECRET_KEY", "LEDGERLOOP_PORTAL_DB_URL")
    env = {**{k: v for k, v in os.environ.items() if k not in hidden}, "LEDGERLOOP_HOME": str(home)}
    with portal_process(env, port):
        yield f"http://127.0.0.1:{port}"


def drafts_listed(home: Path) -> list[dict]:
    result = CliRunner().invoke(main, ["drafts", "list", "--json", "--home", str(home)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """The portal served as a person serves it for the whole loop (links minted by every run must
    open it), three runs over two days, and what the drafts look like at the end."""
    home = tmp_path_factory.mktemp("loop")
    with pytest.MonkeyPatch.context() as patch, portal_served_as_a_user(home) as served:
        for hidden in ("LEDGERLOOP_PORTAL_URL", "LEDGERLOOP_SECRET_KEY", "LEDGERLOOP_PORTAL_DB_URL"):
            patch.delenv(hidden, raising=False)
        found = run_the_loop(home)
        drafts = drafts_listed(home)
        links = {url: httpx.get(url, timeout=10).status_code for row in drafts for url in row["link_urls"]}
    yield {**found, "drafts": drafts, "served": served, "links": links}
    shutil.rmtree(home, ignore_errors=True)


def run_the_loop(home: Path) -> dict:
    settings = Settings(home=home, config_path=REPO_ROOT / "ledgerloop.yaml")
    policy = settings.policy()
    generate_demo(home, policy, 3_000, DEMO_SEED, DAY_1, progress=False)
    first = run_pipeline(settings, DAY_1)
    assert first.success, first.report()

    emails = {m.name: m.email for m in policy.team.collectors}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        cursor = con.execute(CANDIDATES, {"collectors": list(emails)})
        names = [d[0] for d in cursor.description]
        invoices = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        crossed_on_day_1 = {
            key
            for (key,) in con.execute("select subject from marts.alerts where kind = 'crossed_30'").fetchall()
        }
    promised, disputed, planned = invoices[0], invoices[1], invoices[2]
    installments = [
        {"due_on": DAY_1.isoformat(), "amount": "100.00"},
        {"due_on": (DAY_1 + dt.timedelta(days=30)).isoformat(), "amount": "100.00"},
    ]
    with open_store(home) as store:
        collector_entries.record(
            store,
            entry(
                1,
                "promise",
                promised,
                emails[promised["collector"]],
                currency="USD",
                promised_amount=Decimal("250.00"),
                promised_date=DAY_1,
                note="will pay today",
            )
        )
        collector_entries.record(
            store,
            entry(
                2,
                "dispute",
                disputed,
                emails[disputed["collector"]],
                invoice_key=disputed["invoice_key"],
                dispute_reason="Hours billed twice",
                dispute_evidence="timesheet-2026-10.pdf",
                dispute_deadline=DAY_1 + dt.timedelta(days=14),
            )
        )
        collector_entries.record(
            store,
            entry(
                3,
                "plan",
                planned,
                emails[planned["collector"]],
                currency="USD",
                plan_installments=json.dumps(installments),
            )
        )
    payments = home / "landing" / "payments"
    (payments / "bank_statement_e2e_plan.csv").write_text(bank_csv(planned), encoding="utf-8")

    second = run_pipeline(settings, DAY_2)
    assert second.success, second.report()
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        alerts_after_day_2 = con.execute("select alert_key from marts.alerts order by 1").fetchall()
    again = run_pipeline(settings, DAY_2)
    assert again.success, again.report()
    return {
        "settings": settings,
        "promised": promised,
        "disputed": disputed,
        "planned": planned,
        "crossed_on_day_1": crossed_on_day_1,
        "alerts_after_day_2": alerts_after_day_2,
        "summary": again.report(),
    }


def query(loop, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(loop["settings"].warehouse_path), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()


def test_crossing_30_days_alerts_once_on_the_day_it_happens(loop):
    crossed_today = {
        k
        for (k,) in query(
            loop, "select invoice_key from marts.ar_ledger where status = 'open' and days_past_due = 30"
        )
    }
    raised = query(loop, "select subject, raised_on from marts.alerts where kind = 'crossed_30'")
    subjects = [subject for subject, _ in raised]
    assert crossed_today, "the demo should have invoices reaching 30 days on day 2"
    assert len(subjects) == len(set(subjects))  # once, ever
    assert crossed_today <= {s for s, on in raised if on == DAY_2}
    # What crossed on day 1 (31 days on day 2) was not raised again.
    assert not loop["crossed_on_day_1"] & {s for s, on in raised if on == DAY_2}


def test_rerunning_the_same_day_raises_nothing_again(loop):
    assert query(loop, "select alert_key from marts.alerts order by 1") == loop["alerts_after_day_2"]


def test_a_broken_promise_tops_its_collectors_list_with_its_drivers(loop):
    promised = loop["promised"]
    ((status, paid),) = query(
        loop,
        "select status, paid_amount from marts.promises_to_pay where account_id = $a",
        {"a": promised["account_id"]},
    )
    assert (status, paid) == ("broken", Decimal("0.00"))
    ((account, reason, drivers),) = query(
        loop,
        "select account_id, reason, drivers from marts.collector_worklist where collector = $c and rank = 1",
        {"c": promised["collector"]},
    )
    assert account == promised["account_id"]
    driver = next(d for d in json.loads(drivers) if d["driver"] == "promise_to_pay_broken")
    assert driver["label"] == "promise broken: USD 250.00 by 23 Nov, USD 0.00 paid"
    alerts = query(loop, "select owner, raised_on from marts.alerts where kind = 'broken_promise'")
    assert alerts == [(promised["collector"], DAY_2)]


def test_an_open_dispute_holds_the_invoices_dunning(loop):
    disputed = loop["disputed"]
    ((status,),) = query(
        loop, "select status from marts.disputes where invoice_key = $k", {"k": disputed["invoice_key"]}
    )
    assert status == "open"
    settings = loop["settings"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        plan = plan_day(con, settings.policy(), DAY_2, settings.home)
    assert any(h.invoice_key == disputed["invoice_key"] and h.reason == "open_dispute" for h in plan.held)
    noticed = {k for notice in plan.notices for k in (i.invoice.invoice_key for i in notice.items)}
    assert disputed["invoice_key"] not in noticed
    drafted_day_2 = query(
        loop, "select invoice_key from outreach.dunning_steps where run_on = $d", {"d": DAY_2}
    )
    assert (disputed["invoice_key"],) not in drafted_day_2


def test_a_plans_running_balance_is_exact_to_the_cent(loop):
    planned = loop["planned"]
    rows = query(
        loop,
        "select installment_number, cumulative_due, paid_to_date, running_balance, status "
        "from marts.payment_plans where account_id = $a and is_current_plan order by 1",
        {"a": planned["account_id"]},
    )
    assert rows == [
        (1, Decimal("100.00"), PAID_ON_PLAN, Decimal("140.00"), "behind"),
        (2, Decimal("200.00"), PAID_ON_PLAN, Decimal("140.00"), "behind"),
    ]


def test_the_risk_backtest_beats_the_naive_baseline_on_this_history(loop):
    home = loop["settings"].home
    result = CliRunner().invoke(main, ["risk", "backtest", "--json", "--home", str(home)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    model, baseline = report["model"], report["baseline"]
    assert model["auc"] > baseline["auc"]
    assert model["brier"] < baseline["brier"]
    page = (home / "exports" / "risk" / f"backtest-{report['cutoff']}.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 3 and "<script" not in page


@pytest.fixture
def portal_on_the_loop(loop):
    """The portal under uvicorn on loopback, serving the store the loop's runs published."""
    with serving_portal(loop["settings"].home) as env:
        yield env


@pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
    reason="Debian's chromium and chromium-driver are not installed",
)
def test_a_promise_logged_in_the_browser_is_on_the_collectors_list_after_the_next_run(
    loop, portal_on_the_loop, browser
):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    settings = loop["settings"]
    policy = settings.policy()
    emails = {m.name: m.email for m in policy.team.collectors}
    taken = {loop[k]["account_id"] for k in ("promised", "disputed", "planned")}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        cursor = con.execute(CANDIDATES, {"collectors": list(emails)})
        names = [d[0] for d in cursor.description]
        invoice = next(dict(zip(names, row, strict=True)) for row in cursor.fetchall() if row[2] not in taken)
    minted = CliRunner().invoke(main, ["link", emails[invoice["collector"]]], env=portal_on_the_loop)
    assert minted.exit_code == 0, minted.output

    browser.get(minted.output.strip().splitlines()[-1])
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/workbench$"))
    browser.get(browser.current_url + "/account?account_id=" + invoice["account_id"])
    # The next run's date: the entry's own (UTC) date or later, so the promise was made by then.
    run_on = max(dt.datetime.now(dt.UTC).date(), DAY_2)
    promised = run_on + dt.timedelta(days=2)
    browser.find_element(By.ID, "promise-promised_amount").send_keys("321.00")
    Select(browser.find_element(By.ID, "promise-currency")).select_by_value("USD")
    browser.find_element(By.ID, "promise-promised_date").send_keys(promised.strftime("%m%d%Y"))
    browser.find_element(By.XPATH, "//button[normalize-space()='Save the promise']").click()
    WebDriverWait(browser, 30).until(expected_conditions.url_matches(r"/workbench/entries/\d+$"))

    outcome = run_pipeline(settings, run_on)
    assert outcome.success, outcome.report()
    browser.get(browser.current_url.split("/workbench")[0] + "/workbench")
    expected = f"promised USD 321.00 by {promised.day} {promised:%b}"
    # Read until the page holds it: a single read straight after loading found no document
    # (page_source '') in two of three suites on a loaded machine.
    try:
        WebDriverWait(browser, 30).until(lambda b: expected in b.page_source)
    except TimeoutException:
        pytest.fail(f"{expected!r} is not on {browser.current_url}: {browser.page_source[-2000:]!r}")
    (drivers,) = query(
        loop,
        "select drivers from marts.collector_worklist "
        "where account_id = $a and drivers like '%promise_to_pay_due%'",
        {"a": invoice["account_id"]},
    )[0]
    assert "USD 321.00" in drivers


def test_alert_emails_exist_after_the_whole_run_on_a_day_alerts_are_raised(loop):
    owners = {
        email.lower()
        for (email,) in query(
            loop,
            "select distinct owner_email from marts.alerts where raised_on = $d and owner_email is not null",
            {"d": DAY_2},
        )
    }
    assert owners, "the demo raises alerts for rostered owners on day 2"
    day = f"/{DAY_2.isoformat()}/"
    alert_emails = [r for r in loop["drafts"] if r["kind"] == "alert" and day in r["path"]]
    assert {r["recipient"] for r in alert_emails} == owners
    assert all(Path(r["path"]).is_file() for r in alert_emails)
    drafts = f"{len(alert_emails)} email draft{'' if len(alert_emails) == 1 else 's'}"
    assert f", {drafts} to the people concerned" in loop["summary"]


def test_no_dunning_draft_covers_an_invoice_whose_stage_means_disputed_or_promised(loop):
    meanings = loop["settings"].policy().dunning.stage_meanings
    stages = dict(query(loop, "select invoice_key, stage from marts.ar_ledger where status = 'open'"))
    held = {key for key, stage in stages.items() if meanings.meaning(stage)}
    assert len(held) >= 10, "the demo's tracker marks open invoices Disputed and Promised"
    covered = {
        key for row in loop["drafts"] if row["kind"].startswith("dunning_") for key in row["invoice_keys"]
    }
    assert covered, "the loop drafts dunning notices"
    assert not covered & held


def test_every_link_in_every_draft_opens_the_portal_being_served(loop):
    assert loop["links"], "director emails carry links"
    assert all(url.startswith(loop["served"] + "/") for url in loop["links"])
    assert set(loop["links"].values()) == {200}
