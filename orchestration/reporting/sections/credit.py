"""The credit section: suggested credit-limit changes, largest first per currency. Suggestions
only: nothing here changes a limit."""

from __future__ import annotations

import datetime as dt

from orchestration.reporting.blocks import Section, Table, guarded, money, read_rows
from orchestration.reporting.sections.accounts import account_names

CREDIT_ROWS = 200

CREDIT_QUERY = """
select account_id, currency, current_exposure, suggested_limit, previous_limit, change_reason, as_of
from marts.credit_limits
where as_of = (select max(as_of) from marts.credit_limits where as_of <= $as_of)
order by currency, account_id
"""


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
