"""The watch sections of the manager summary: recent alerts, payment risk and suggested credit
limits (suggestions only: nothing here changes a limit)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

from orchestration.reporting import svg
from orchestration.reporting.blocks import (
    Section,
    Table,
    bar_chart,
    chart_block,
    guarded,
    money,
    number,
    read_rows,
    table_exists,
)
from orchestration.reporting.risk_words import driver_in_words

TOP_RISKY = 20
ALERT_DAYS = 7
ALERT_ROWS = 50
CREDIT_ROWS = 200
RISK_BANDS = ("low", "medium", "high")

ALERTS_QUERY = """
select raised_on, kind, owner, account_id, subject, message
from marts.alerts
where raised_on > $since and raised_on <= $as_of
order by raised_on desc, kind, owner, alert_key
"""

RISK_QUERY = """
select account_id, as_of, risk_score, risk_band, drivers, model_version
from marts.account_risk
where as_of = (select max(as_of) from marts.account_risk where as_of <= $as_of)
order by risk_score desc, account_id
"""

ACCOUNT_NAMES_QUERY = """
select account_id, max(account_name) as account_name
from marts.ar_ledger
where account_id is not null
group by account_id
"""

CREDIT_QUERY = """
select account_id, currency, current_exposure, suggested_limit, previous_limit, change_reason, as_of
from marts.credit_limits
where as_of = (select max(as_of) from marts.credit_limits where as_of <= $as_of)
order by currency, account_id
"""


ALERT_KINDS = {
    "crossed_30": "30 days past due",
    "crossed_60": "60 days past due",
    "broken_promise": "Promise broken",
    "dispute_overdue": "Dispute overdue",
    "plan_behind": "Plan behind",
    "payment_unmatched": "Payment not placed",
    "check_failed": "Data check failed",
}
"""Alert kinds as a manager says them; an unknown kind is shown with its underscores as spaces."""

def kind_label(kind: str | None) -> str:
    return ALERT_KINDS.get(kind or "", (kind or "").replace("_", " ").capitalize())


def account_names(con) -> dict[str, str]:
    """Account id -> name from the ledger (empty when the warehouse has no ledger yet)."""
    if not table_exists(con, "marts", "ar_ledger"):
        return {}
    return {r["account_id"]: r["account_name"] for r in read_rows(con, ACCOUNT_NAMES_QUERY)}


def alerts_section(con, as_of: dt.date) -> Section:
    section = Section("alerts", f"Alerts raised in the last {ALERT_DAYS} days")

    def build(section: Section) -> None:
        rows = read_rows(con, ALERTS_QUERY, {"since": as_of - dt.timedelta(days=ALERT_DAYS), "as_of": as_of})
        if not rows:
            section.state = "empty"
            return
        section.intro = f"{len(rows)} alert{'' if len(rows) == 1 else 's'} raised from "
        section.intro += f"{(as_of - dt.timedelta(days=ALERT_DAYS - 1)).isoformat()} to {as_of.isoformat()}."
        owners = sorted({r["owner"] or "(no owner)" for r in rows})
        kinds = sorted({kind_label(r["kind"]) for r in rows})
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for r in rows:
            counts[(r["owner"] or "(no owner)", kind_label(r["kind"]))] += 1
        names = account_names(con)
        section.charts.append(
            chart_block(
                bar_chart(
                    owners,
                    {k: [counts[(o, k)] for o in owners] for k in kinds},
                    title="Alerts by owner and kind (all offices)",
                    value_format="count",
                    stacked=True,
                    horizontal=True,
                ),
                Table(
                    "Alerts by owner and kind",
                    ["Owner", *kinds, "Total"],
                    [
                        [
                            o,
                            *(number(counts[(o, k)]) for k in kinds),
                            number(sum(counts[(o, k)] for k in kinds)),
                        ]
                        for o in owners
                    ],
                    frozenset(range(1, len(kinds) + 2)),
                ),
            )
        )
        shown = rows[:ALERT_ROWS]
        caption = "Latest alerts" + (
            f" (the {ALERT_ROWS} newest of {len(rows)})" if len(rows) > ALERT_ROWS else ""
        )
        section.tables.append(
            Table(
                caption,
                ["Raised on", "Kind", "Owner", "Account", "Message"],
                [
                    [
                        r["raised_on"].isoformat(),
                        kind_label(r["kind"]),
                        r["owner"] or "",
                        names.get(r["account_id"]) or r["account_id"] or "",
                        r["message"] or "",
                    ]
                    for r in shown
                ],
            )
        )

    return guarded(con, section, "alerts", build)


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
        section.tables.append(
            Table(
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
        )

    return guarded(con, section, "account_risk", build)


def credit_section(con, as_of: dt.date) -> Section:
    section = Section("credit", "Suggested credit-limit changes (suggestions, not applied)")

    def build(section: Section) -> None:
        rows = read_rows(con, CREDIT_QUERY, {"as_of": as_of})
        changes = [
            r for r in rows if r["previous_limit"] is None or r["suggested_limit"] != r["previous_limit"]
        ]
        if not changes:
            section.state = "empty"
            return
        section.intro = (
            f"{len(changes)} of {len(rows)} accounts would get a new limit. Nothing here changes a limit "
            "in any system; a manager decides."
        )
        changes.sort(
            key=lambda r: (r["currency"], -abs((r["suggested_limit"] or 0) - (r["previous_limit"] or 0)))
        )
        shown = changes[:CREDIT_ROWS]
        names = account_names(con)
        caption = "Suggested limits" + (
            f" (the {CREDIT_ROWS} largest changes)" if len(changes) > CREDIT_ROWS else ""
        )
        section.tables.append(
            Table(
                caption,
                ["Account", "Currency", "Current exposure", "Previous limit", "Suggested limit", "Reason"],
                [
                    [
                        names.get(r["account_id"]) or r["account_id"],
                        r["currency"],
                        money(r["current_exposure"]),
                        money(r["previous_limit"]) or "none",
                        money(r["suggested_limit"]),
                        r["change_reason"] or "",
                    ]
                    for r in shown
                ],
                frozenset({2, 3, 4}),
            )
        )

    return guarded(con, section, "credit_limits", build)
