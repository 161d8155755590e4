"""The alerts section: the alerts raised in the last week, counted by owner and kind, and the
newest of them listed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from orchestration.reporting.blocks import (
    Chart,
    Section,
    Table,
    bar_chart,
    chart_block,
    guarded,
    number,
    read_rows,
)
from orchestration.reporting.sections.accounts import account_names

ALERT_DAYS = 7
ALERT_ROWS = 50

ALERTS_QUERY = """
select raised_on, kind, owner, account_id, subject, message
from marts.alerts
where raised_on > $since and raised_on <= $as_of
order by raised_on desc, kind, owner, alert_key
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


def alerts_section(con, as_of: dt.date) -> Section:
    section = Section("alerts", f"Alerts raised in the last {ALERT_DAYS} days")

    def build(section: Section) -> None:
        rows = read_rows(con, ALERTS_QUERY, {"since": as_of - dt.timedelta(days=ALERT_DAYS), "as_of": as_of})
        if not rows:
            section.state = "empty"
            return
        section.intro = f"{len(rows)} alert{'' if len(rows) == 1 else 's'} raised from "
        section.intro += f"{(as_of - dt.timedelta(days=ALERT_DAYS - 1)).isoformat()} to {as_of.isoformat()}."
        names = account_names(con)
        section.charts.append(_by_owner_chart(rows))
        section.tables.append(_latest_table(rows, names))

    return guarded(con, section, "alerts", build)


def _by_owner_chart(rows: list[dict]) -> Chart:
    """Alerts per owner, stacked by kind, with the counts and each owner's total in the table."""
    owners = sorted({r["owner"] or "(no owner)" for r in rows})
    kinds = sorted({kind_label(r["kind"]) for r in rows})
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        counts[(r["owner"] or "(no owner)", kind_label(r["kind"]))] += 1
    return chart_block(
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
                [o, *(number(counts[(o, k)]) for k in kinds), number(sum(counts[(o, k)] for k in kinds))]
                for o in owners
            ],
            frozenset(range(1, len(kinds) + 2)),
        ),
    )


def _latest_table(rows: list[dict], names: dict[str, str]) -> Table:
    """The newest alerts (at most `ALERT_ROWS`), accounts by name."""
    more = f" (the {ALERT_ROWS} newest of {len(rows)})" if len(rows) > ALERT_ROWS else ""
    caption = "Latest alerts" + more
    return Table(
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
            for r in rows[:ALERT_ROWS]
        ],
    )
