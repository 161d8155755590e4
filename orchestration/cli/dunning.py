"""`ledgerloop dunning preview --date D`: what the dunning run would draft on D, writing nothing.

Besides the notices, the preview says why everything else waits: which invoices a dispute, a
promise, a plan or the team's own stage holds (and who set it), whose cash is not in or not yet
applied, what the contact cap defers, and which steps a catch-up skips for an old invoice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import click

from orchestration.cli.support import home_option, load_policy, one_line, read_only_warehouse, settings_for
from orchestration.cli.working import Working

HELD_SHOWN = 20
"""Held invoices listed per reason unless `--all`."""


@click.group("dunning")
def dunning() -> None:
    """Reminder sequences: preview what a day would draft."""


@dunning.command("preview")
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="The as-of date to preview (YYYY-MM-DD).",
)
@click.option(
    "--all", "show_all", is_flag=True, help=f"List every held invoice (default: {HELD_SHOWN} per reason)."
)
@home_option
def preview(day: dt.datetime, show_all: bool, home: str | None) -> None:
    """Print the notices, call tasks and escalations the run of DATE would draft, and what is held
    and why (the dry run: the warehouse is opened read-only and no file is written)."""
    as_of = day.date()
    with Working(f"Planning the dunning run of {as_of.isoformat()}") as working:
        from orchestration.dunning.drafting import (
            DUNNING_READS,
            DUNNING_STATE,
            plan_day,
            policy_sha256,
            with_mail_from,
        )

        settings = settings_for(home)
        policy = with_mail_from(load_policy(settings))
        try:
            policy.dunning.sender(None)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        busy = "cannot read the warehouse now (a run may hold it)"
        with read_only_warehouse(settings.warehouse, busy, DUNNING_READS + DUNNING_STATE) as con:
            plan = plan_day(con, policy, as_of, settings.home)
        # said once it is all written: a status line on the terminal would cut into the lines
        lines = [f"Dunning preview for {as_of.isoformat()} (policy sha256 "
                 f"{policy_sha256(settings.config_path)[:12]}; nothing is written)"]
        working.doing("Writing out the notices", len(plan.notices))
        for notice in plan.notices:
            lines.extend(_notice_lines(notice, policy, as_of))
            working.advance()
    for escalation in plan.escalations:
        managers = (
            ", ".join(m.email for m in policy.team.managers_of(escalation.account.office)) or "no manager"
        )
        lines.append(
            f"\nescalate  {one_line(escalation.account.account_name)} ({escalation.account.account_id}) to "
            f"{managers}: {escalation.reason}; {one_line(escalation.detail)}"
        )
    lines.extend(_held_lines(plan, show_all))
    held = ", ".join(f"{reason} {count}" for reason, count in plan.held_counts().items()) or "none"
    lines.append(f"\n{len(plan.notices)} notice(s), {len(plan.escalations)} escalation(s); "
                 f"held invoices: {held}")
    click.echo("\n".join(lines))


def _notice_lines(notice, policy, as_of: dt.date) -> list[str]:
    from orchestration.dunning.channels import drafter

    account = notice.account
    lead = notice.lead
    invoices = ", ".join(i.invoice.invoice_number for i in notice.items)
    lines = [
        f"\n{notice.channel:<9} {one_line(account.account_name)} ({account.account_id}), segment "
        f"{notice.segment}, step {lead.step.name} ({lead.step.tone}), at "
        f"{notice.scheduled_at.isoformat()} UTC\n          invoices: {one_line(invoices)}"
    ]
    for item in notice.items:
        if item.skipped:
            skipped = ", ".join(f"{s.name} (day {s.offset_days})" for s in item.skipped)
            age = item.invoice.days_past_due(item.first_seen or as_of)
            lines.append(
                f"          catch-up: {one_line(item.invoice.invoice_number)} was {age} days past due when "
                f"first seen ({(item.first_seen or as_of).isoformat()}), never reminded, so it starts at "
                f"{item.step.name}; skipped {skipped}"
            )
    lines.append(f"          {drafter(notice.channel).preview(notice, policy.dunning, as_of, one_line)}")
    return lines


def _held_lines(plan, show_all: bool) -> list[str]:
    """What waits, by reason, each with its particulars (the stage and who set it, the cash)."""
    names = {}
    numbers = {}
    for account in plan.accounts:
        names[account.account_id] = account.account_name
        numbers.update({i.invoice_key: i.invoice_number for i in account.invoices})
    by_reason = defaultdict(list)
    for held in plan.held:
        by_reason[held.reason].append(held)
    if not by_reason:
        return []
    lines = [f"\nheld ({len(plan.held)}):"]
    for reason, rows in sorted(by_reason.items()):
        shown = rows if show_all else rows[:HELD_SHOWN]
        for held in shown:
            what = numbers.get(held.invoice_key, held.invoice_key) if held.invoice_key else "(the account)"
            detail = f": {one_line(held.detail)}" if held.detail else ""
            lines.append(
                f"  {reason:<20} {one_line(names.get(held.account_id, held.account_id))} ({held.account_id}) "
                f"{one_line(what)}{detail}"
            )
        if len(rows) > len(shown):
            lines.append(f"  {reason:<20} ... and {len(rows) - len(shown)} more (--all lists every one)")
    return lines
