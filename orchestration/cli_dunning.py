"""`ledgerloop dunning preview --date D`: what the dunning run would draft on D, writing nothing."""

from __future__ import annotations

import datetime as dt

import click

from orchestration.cli_support import load_policy, one_line, read_only_warehouse, settings_for


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
@click.option("--home", envvar="LEDGERLOOP_HOME", default=None, help="Working folder (LEDGERLOOP_HOME).")
def preview(day: dt.datetime, home: str | None) -> None:
    """Print the notices, call tasks and escalations the run of DATE would draft (the dry run:
    the warehouse is opened read-only and no file is written)."""
    from orchestration.dunning.drafting import plan_day, policy_sha256
    from orchestration.dunning.notices import render_email, render_letter, render_sms

    settings = settings_for(home)
    policy = load_policy(settings)
    as_of = day.date()
    busy = "cannot read the warehouse now (a run may hold it)"
    with read_only_warehouse(settings.warehouse_path, busy) as con:
        plan = plan_day(con, policy, as_of, settings.home)
    click.echo(
        f"Dunning preview for {as_of.isoformat()} (policy sha256 {policy_sha256(settings.config_path)[:12]}; "
        "nothing is written)"
    )
    for notice in plan.notices:
        account = notice.account
        lead = notice.lead
        invoices = ", ".join(i.invoice.invoice_number for i in notice.items)
        click.echo(
            f"\n{notice.channel:<9} {one_line(account.account_name)} ({account.account_id}), segment "
            f"{notice.segment}, step {lead.step.name} ({lead.step.tone}), at "
            f"{notice.scheduled_at.isoformat()} UTC\n          invoices: {one_line(invoices)}"
        )
        if notice.channel == "email":
            message = render_email(notice, policy.dunning, as_of)
            click.echo(f'          to {one_line(message["To"])}: "{one_line(message["Subject"])}"')
        elif notice.channel == "sms":
            sms = render_sms(notice, policy.dunning, as_of)
            click.echo(
                f"          to {one_line(sms.recipient)} [{sms.meta['encoding']}, {sms.meta['segments']} "
                f"segment(s)]: {one_line(sms.body)}"
            )
        elif notice.channel == "letter":
            letter = render_letter(notice, policy.dunning, as_of)
            click.echo(
                f"          to {one_line(' / '.join(letter.meta['address_lines']))}: PDF "
                f"{len(letter.attachment or b'')} bytes"
            )
        else:
            click.echo(
                f"          task for {one_line(account.collector or 'unassigned')}: "
                f"{one_line(lead.step.task)}"
            )
    for escalation in plan.escalations:
        managers = (
            ", ".join(m.email for m in policy.team.managers_of(escalation.account.office)) or "no manager"
        )
        click.echo(
            f"\nescalate  {one_line(escalation.account.account_name)} ({escalation.account.account_id}) to "
            f"{managers}: {escalation.reason}; {one_line(escalation.detail)}"
        )
    held = ", ".join(f"{reason} {count}" for reason, count in plan.held_counts().items()) or "none"
    click.echo(
        f"\n{len(plan.notices)} notice(s), {len(plan.escalations)} escalation(s); held invoices: {held}"
    )
