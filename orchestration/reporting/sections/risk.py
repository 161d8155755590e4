"""The payment-risk section: accounts by risk band and the riskiest accounts with what weighs
most in their score, in words."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

from orchestration.reporting import svg
from orchestration.reporting.blocks import Section, Table, bar_chart, chart_block, guarded, number, read_rows
from orchestration.reporting.risk_words import driver_in_words
from orchestration.reporting.sections.accounts import account_names

TOP_RISKY = 20
RISK_BANDS = ("low", "medium", "high")

RISK_QUERY = """
select account_id, as_of, risk_score, risk_band, drivers, model_version
from marts.account_risk
where as_of = (select max(as_of) from marts.account_risk where as_of <= $as_of)
order by risk_score desc, account_id
"""


def top_driver(drivers) -> str:
    """The driver with the largest |contribution|, in words with its value: `paid 82 days late
    on average (raises the risk)`."""
    parsed = json.loads(drivers) if isinstance(drivers, str) else (drivers or [])
    if not parsed:
        return "–"
    best = max(parsed, key=lambda d: abs(float(d.get("contribution") or 0)))
    return driver_in_words(str(best.get("feature")), best.get("value"), float(best.get("contribution") or 0))


def risk_section(con, as_of: dt.date) -> Section:
    section = Section("risk", "Payment risk")

    def build(section: Section) -> None:
        rows = read_rows(con, RISK_QUERY, {"as_of": as_of})
        if not rows:
            section.state = "empty"
            return
        names = account_names(con)
        scored_on = rows[0]["as_of"]
        section.intro = (
            f"{len(rows)} accounts scored on {scored_on} (model {rows[0]['model_version']}): the probability "
            "that the account's next due invoice is paid late, and what weighs most in it."
        )
        bands = defaultdict(int)
        for r in rows:
            bands[r["risk_band"]] += 1
        labels = [*RISK_BANDS, *sorted(set(bands) - set(RISK_BANDS))]
        section.charts.append(
            chart_block(
                bar_chart(
                    labels,
                    {"Accounts": [bands[b] for b in labels]},
                    title="Accounts by risk band (all offices and currencies)",
                    value_format="count",
                ),
                Table(
                    "Accounts by risk band",
                    ["Band", "Accounts"],
                    [[b, number(bands[b])] for b in labels],
                    frozenset({1}),
                ),
            )
        )
        section.tables.append(_top_table(rows, names))

    return guarded(con, section, "account_risk", build)


def _top_table(rows: list[dict], names: dict[str, str]) -> Table:
    """The `TOP_RISKY` riskiest accounts with their score, band and top driver."""
    return Table(
        f"Top {TOP_RISKY} riskiest accounts",
        ["#", "Account", "Account ID", "Risk score", "Band", "What weighs most"],
        [
            [
                str(i),
                names.get(r["account_id"]) or r["account_id"],
                r["account_id"],
                svg.format_value(r["risk_score"], "percent"),
                r["risk_band"],
                top_driver(r["drivers"]),
            ]
            for i, r in enumerate(rows[:TOP_RISKY], start=1)
        ],
        frozenset({0, 3}),
    )
