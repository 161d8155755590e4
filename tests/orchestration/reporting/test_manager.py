"""The manager summary page: sections from the marts, escaped, per currency, tolerant of older
warehouses, written to exports/manager/<as_of>/index.html by its Dagster asset."""

import datetime as dt
import re
from html.parser import HTMLParser

import dagster as dg
import pytest

from orchestration.defs.reporting import manager_summary
from orchestration.defs.resources import LedgerloopResource
from orchestration.reporting.manager import read_summary, render_page, write_page
from orchestration.reporting.sections.risk import top_driver
from orchestration.storage.warehouse import connect
from tests.orchestration.reporting.manager_warehouse import AS_OF, SCRIPT, build_warehouse

BUCKETS = ["current", "1-30", "31-60", "61-90", "90+"]
SECTIONS = ["aging", "workload", "kpis", "alerts", "risk", "credit"]


class Page(HTMLParser):
    """The page's sections (id -> state), tables (caption -> rows of cell text) and svg count."""

    def __init__(self, html: str):
        super().__init__()
        self.sections: dict[str, str] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.svgs = 0
        self.scripts = 0
        self._caption: str | None = None
        self._in_caption = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "section":
            self.sections[attributes["id"]] = attributes["data-state"]
        elif tag == "svg":
            self.svgs += 1
        elif tag == "script":
            self.scripts += 1
        elif tag == "caption":
            self._in_caption, self._caption = True, ""
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
            self.tables[self._caption] = []
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._caption].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._in_caption:
            self._caption += data
        elif self._cell is not None:
            self._cell.append(data)


def summary_page(home, as_of=AS_OF) -> str:
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        return render_page(read_summary(con, as_of, BUCKETS))


def section_html(html: str, key: str) -> str:
    return re.search(rf'<section id="{key}".*?</section>', html, re.S).group(0)


@pytest.fixture
def page(tmp_path):
    build_warehouse(tmp_path)
    html = summary_page(tmp_path)
    return html, Page(html)


def test_summary_has_every_section_with_charts_and_no_javascript(page):
    html, parsed = page
    assert parsed.sections == dict.fromkeys(SECTIONS, "ready")
    # aging USD + GBP, workload items + 2 balances + activity, 2 KPI groups x 2, alerts, risk bands
    assert parsed.svgs == 2 + 4 + 4 + 1 + 1
    assert parsed.scripts == 0
    assert 'role="img"' in html and "on" + "load=" not in html


def test_aging_trend_is_charted_per_office_and_currency_and_never_adds_currencies(page):
    html, parsed = page
    usd = parsed.tables["Open balance by aging bucket, New York, USD"]
    gbp = parsed.tables["Open balance by aging bucket, New York, GBP"]
    assert usd[0] == ["As of", "current", "1-30", "31-60", "90+", "Total"]  # policy bucket order
    assert usd[1] == ["2026-11-23", "800.00", "0.00", "350.00", "125.50", "1,275.50"]
    assert gbp[1:] == [["2026-11-23", "700.00", "700.00"]]
    assert "1,975.50" not in html  # USD 1,275.50 + GBP 700.00
    assert "99,999.00" not in html  # older than the trend window
    assert "Aging trend, New York, USD" in html and "Aging trend, New York, GBP" in html


def test_every_chart_is_titled_with_its_currency_or_office(page):
    html, _ = page
    titles = re.findall(r'<title id="chart-[0-9a-f]+-title">([^<]*)</title>', html)
    assert len(titles) == 12
    for title in titles:
        assert re.search(r"USD|GBP|office|New York|London", title), title


def test_an_aging_bucket_has_the_same_colour_on_every_chart(page):
    html, _ = page
    colours: dict[str, set[str]] = {}
    for chart in re.findall(r'<svg[^>]*class="chart".*?</svg>', html, flags=re.S):
        if "Aging trend" not in chart:
            continue
        legend = re.findall(
            r'<rect x="[\d.]+" y="[\d.]+" width="12" height="1[02]" fill="(#[0-9A-Fa-f]{6})"/>'
            r"\s*<text[^>]*>([^<]*)",
            chart,
        )
        for colour, label in legend:
            colours.setdefault(label.split(":")[0].strip(), set()).add(colour)
    assert colours["current"] == {"#0072B2"} and colours["90+"] == {"#56B4E9"}  # 5th of the policy
    assert all(len(found) == 1 for found in colours.values()), colours


def test_a_chart_of_one_date_shows_values_not_a_lone_dot(page):
    html, _ = page
    london = re.search(
        r'<svg[^>]*class="chart"(?:(?!</svg>).)*DSO, best possible DSO and ADD, London, GBP.*?</svg>',
        html,
        flags=re.S,
    ).group(0)
    assert "<circle" not in london and "One date so far (2026-11-23)" in london
    assert "DSO: <tspan font-weight=\"600\">30.0 d</tspan>" in london


def test_workload_shows_items_balances_activity_gaps_and_hints(page):
    html, parsed = page
    rows = parsed.tables["Workload per collector and currency"]
    assert rows[0][:4] == ["Collector", "Currency", "Open items", "Open balance"]
    chris_usd = next(r for r in rows if r[:2] == ["Chris", "USD"])
    assert chris_usd[2:11] == ["6", "2,100.00", "3", "700.00", "2", "5", "1", "3", "1"]
    assert parsed.tables["Open items per collector (all currencies)"][2] == ["Chris", "4", "3", "7"]
    assert parsed.tables["Open balance per collector, GBP"][1:] == [["Chris", "700.00", "700.00"]]
    assert parsed.tables["Activity per collector"][2] == ["Chris", "6", "16"]
    workload = section_html(html, "workload")
    assert "move about 3 to &lt;script&gt;alert(1)&lt;/script&gt;" in workload
    assert "3 past-due accounts without a recent touch." in workload


def test_kpis_are_charted_per_office_and_currency_from_the_all_collectors_rows(page):
    html, parsed = page
    new_york = parsed.tables["KPIs, New York, USD"]
    assert new_york[0] == ["As of", "DSO", "Best possible DSO", "ADD", "CEI %", "Share current", "Open AR"]
    assert new_york[1:] == [
        ["2026-11-23", "43.00", "21.00", "22.00", "70.00", "60.0%", "1,000.00"],
        ["2026-11-22", "41.50", "20.00", "21.50", "72.25", "60.0%", "1,000.00"],
    ]
    assert parsed.tables["KPIs, London, GBP"][1][4] == "–"  # CEI without a denominator
    assert "999.00" not in section_html(html, "kpis")  # a single collector's row is not the office's
    assert "Collection effectiveness index, New York, USD" in html


def test_offices_are_shown_by_their_policy_names(tmp_path):
    build_warehouse(tmp_path)
    with connect(tmp_path / "warehouse.duckdb", read_only=True) as con:
        html = render_page(read_summary(con, AS_OF, BUCKETS, office_names={"London": "London office"}))
    assert "KPIs, London office, GBP" in html and "DSO, best possible DSO and ADD, London office, GBP" in html
    assert "Aging trend, New York, USD" in html  # an office the mapping does not name keeps its own


def test_alerts_of_the_last_seven_days_by_kind_and_owner(page):
    _, parsed = page
    counts = parsed.tables["Alerts by owner and kind"]
    assert counts[0] == [
        "Owner",
        "30 days past due",
        "60 days past due",
        "Data check failed",
        "Promise broken",
        "Total",
    ]
    assert ["Chris", "1", "1", "0", "0", "2"] in counts
    assert [SCRIPT, "0", "0", "0", "1", "1"] in counts
    latest = parsed.tables["Latest alerts"]
    assert [row[0] for row in latest[1:]] == ["2026-11-23", "2026-11-23", "2026-11-20", "2026-11-17"]
    assert "001B" not in [row[3] for row in latest]  # raised 8 days before, counting the as-of date
    assert "Acme, Inc." in [row[3] for row in latest]  # the account by name, not its id
    assert "crossed_30" not in [row[1] for row in latest]


def test_risk_shows_bands_and_the_top_twenty_with_their_top_driver(page):
    html, parsed = page
    bands = parsed.tables["Accounts by risk band"]
    assert bands[1:] == [["low", "6"], ["medium", "8"], ["high", "11"]]  # the latest scoring only
    top = parsed.tables["Top 20 riskiest accounts"]
    assert len(top) == 1 + 20
    assert top[1] == ["1", SCRIPT + " & Co", "001C", "95.0%", "high", "mean days late 45 (lowers the risk)"]
    assert top[2][5] == "share paid late 0.5 (raises the risk)"
    assert "A999" not in html  # scored on an earlier date
    assert "A020" not in html  # 21st riskiest


def test_credit_limits_are_labelled_suggestions_and_list_only_changes(page):
    html, parsed = page
    credit = section_html(html, "credit")
    assert "Suggestions, not applied" in credit
    rows = parsed.tables["Suggested limits"]
    assert rows[0] == [
        "Account",
        "Currency",
        "Current exposure",
        "Previous limit",
        "Suggested limit",
        "Reason",
    ]
    assert rows[1:] == [
        ["001B", "GBP", "700.00", "none", "1,500.00", "First suggestion"],  # not in the ledger: its id
        ["Acme, Inc.", "USD", "2,100.00", "4,000.00", "5,000.00", "Pays on time; utilization 53%"],
        [SCRIPT + " & Co", "USD", "250.00", "1,000.00", "0.00", SCRIPT + " broke two promises"],
    ]
    assert "001D" not in credit  # suggested limit equals the previous one
    assert "3 of 4 accounts" in credit


def test_hostile_names_are_escaped_everywhere(page):
    html, _ = page
    assert "<script" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8


@pytest.mark.parametrize("key", ["alerts", "risk", "credit"])
def test_section_of_a_mart_an_older_warehouse_lacks_says_it_is_not_available(tmp_path, key):
    build_warehouse(tmp_path, tables=("ar_aging_daily", "collector_workload", "collections_kpis"))
    html = summary_page(tmp_path)
    table = {"alerts": "alerts", "risk": "account_risk", "credit": "credit_limits"}[key]
    assert Page(html).sections[key] == "missing"
    assert f"Not available: marts.{table} does not exist in this warehouse yet" in section_html(html, key)
    assert Page(html).sections["aging"] == "ready"


def test_warehouse_without_any_mart_still_renders_a_page_saying_so(tmp_path):
    build_warehouse(tmp_path, tables=())
    parsed = Page(summary_page(tmp_path))
    assert parsed.sections == dict.fromkeys(SECTIONS, "missing")


@pytest.mark.parametrize("key", SECTIONS)
def test_section_of_an_empty_mart_says_none(tmp_path, key):
    table = {
        "aging": "ar_aging_daily",
        "workload": "collector_workload",
        "kpis": "collections_kpis",
        "alerts": "alerts",
        "risk": "account_risk",
        "credit": "credit_limits",
    }[key]
    build_warehouse(tmp_path, empty=(table,))
    html = summary_page(tmp_path)
    assert Page(html).sections[key] == "empty"
    assert '<p class="status empty">None.</p>' in section_html(html, key)


def test_section_of_an_unreadable_mart_says_why_without_failing_the_page(tmp_path):
    path = build_warehouse(tmp_path, tables=("ar_aging_daily",))
    with connect(path) as con:
        con.execute("create table marts.alerts (alert_key varchar)")  # not the contract's columns
    html = summary_page(tmp_path)
    assert Page(html).sections["alerts"] == "missing"
    assert "marts.alerts could not be read" in section_html(html, "alerts")


def test_top_driver_is_the_largest_contribution_either_way():
    drivers = (
        '[{"feature": "tenure", "value": 3, "contribution": 0.5}, '
        '{"feature": "late_share", "value": 0.9, "contribution": -2}]'
    )
    assert top_driver(drivers) == "late share 0.9 (lowers the risk)"
    assert top_driver("[]") == "–"
    assert top_driver([{"feature": "f_days_late_mean", "value": 42.123456, "contribution": 0.851}]) == (
        "paid 42 days late on average (raises the risk)"
    )
    assert top_driver([{"feature": "f_share_paid_late", "value": 0.25, "contribution": 0.1}]) == (
        "25% of invoices paid late (raises the risk)"
    )


def test_page_and_latest_copy_are_written_and_an_older_date_keeps_latest(tmp_path):
    exports = tmp_path / "exports"
    path = write_page("<p>new</p>", exports, AS_OF)
    assert path == exports / "manager" / "2026-11-23" / "index.html"
    assert (exports / "manager" / "latest.html").read_text() == "<p>new</p>"
    write_page("<p>old</p>", exports, AS_OF - dt.timedelta(days=1))
    assert (exports / "manager" / "2026-11-22" / "index.html").read_text() == "<p>old</p>"
    assert (exports / "manager" / "latest.html").read_text() == "<p>new</p>"
    assert not list((exports / "manager").rglob(".*"))  # no staging files left behind


def test_asset_materializes_the_page_for_the_run_date(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    build_warehouse(
        tmp_path, tables=("ar_ledger", "ar_aging_daily", "collector_workload", "collections_kpis")
    )
    resource = LedgerloopResource(home=str(tmp_path), as_of=AS_OF.isoformat())
    result = dg.materialize([manager_summary], resources={"ledgerloop": resource})
    assert result.success
    page = tmp_path / "exports" / "manager" / "2026-11-23" / "index.html"
    assert Page(page.read_text()).sections["aging"] == "ready"
    assert (tmp_path / "exports" / "manager" / "latest.html").read_text() == page.read_text()
    metadata = result.asset_materializations_for_node("exports__manager_summary")[0].metadata
    assert metadata["sections_missing"].value == "alerts, risk, credit"
    assert metadata["sections_ready"].value == 3
    assert metadata["charts"].value == 2 + 4 + 4


def test_asset_depends_on_every_mart_the_page_reads():
    marts = {key.path[-1] for key in manager_summary.dependency_keys}
    assert marts == {
        "ar_ledger",
        "ar_aging_daily",
        "collector_workload",
        "collections_kpis",
        "alerts",
        "account_risk",
        "credit_limits",
    }
    assert manager_summary.key == dg.AssetKey(["exports", "manager_summary"])


def test_amounts_without_a_currency_are_their_own_group_not_a_failure(tmp_path):
    # Invoices only the legacy tracker knows have no currency; they must neither break the page
    # nor be added into another currency.
    path = build_warehouse(tmp_path)
    with connect(path) as con:
        con.execute(
            "insert into marts.collector_workload (collector, currency, open_items, open_balance, "
            "past_due_items, past_due_balance, updates_last_7_days, updates_last_30_days, "
            "applications_last_7_days, applications_last_30_days, coverage_gap_accounts, as_of_date) "
            "values ('Chris', null, 3, 5470.77, 3, 5470.77, 0, 0, 0, 0, 1, ?)",
            [AS_OF],
        )
        con.execute(
            "insert into marts.ar_aging_daily (as_of_date, office, collector, currency, aging_bucket, "
            "invoice_count, balance) values (?, 'New York', 'Chris', null, '90+', 3, 5470.77)",
            [AS_OF],
        )
    html = summary_page(tmp_path)
    assert Page(html).sections["workload"] == "ready"
    assert "Open balance per collector, no currency" in section_html(html, "workload")
    assert "no currency" in section_html(html, "aging")
