"""`ledgerloop dunning preview --date D`: what the dunning run would draft on D, writing nothing."""

from __future__ import annotations

import datetime as dt
import re

import click

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean(text: object) -> str:
    """One line without control characters (names come from spreadsheets and reach a terminal)."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", str(text))).strip()


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
    from pathlib import Path

    import duckdb

    from orchestration.config import PolicyError
    from orchestration.dunning.drafting import plan_day, policy_sha256
    from orchestration.dunning.notices import render_email, render_letter, render_sms
    from orchestration.settings import Settings
    from orchestration.warehouse import connect

    settings = Settings(home=Path(home)) if home else Settings()
    try:
        policy = settings.policy()
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    as_of = day.date()
    if not settings.warehouse_path.exists():
        raise click.ClickException(f"no warehouse at {settings.warehouse_path}: run `ledgerloop run` first")
    try:
        with connect(settings.warehouse_path, read_only=True) as con:
            plan = plan_day(con, policy, as_of, settings.home)
    except duckdb.IOException as exc:
        raise click.ClickException(f"cannot read the warehouse now (a run may hold it): {exc}") from None
    click.echo(
        f"Dunning preview for {as_of.isoformat()} (policy sha256 {policy_sha256(settings.config_path)[:12]}; "
        "nothing is written)"
    )
    for notice in plan.notices:
        account = notice.account
        lead = notice.lead
        invoices = ", ".join(i.invoice.invoice_number for i in notice.items)
        click.echo(
            f"\n{notice.channel:<9} {_clean(account.account_name)} ({account.account_id}), segment "
            f"{notice.segment}, step {lead.step.name} ({lead.step.tone}), at "
            f"{notice.scheduled_at.isoformat()} UTC\n          invoices: {_clean(invoices)}"
        )
        if notice.channel == "email":
            message = render_email(notice, policy.dunning, as_of)
            click.echo(f'          to {_clean(message["To"])}: "{_clean(message["Subject"])}"')
        elif notice.channel == "sms":
            sms = render_sms(notice, policy.dunning, as_of)
            click.echo(
                f"          to {_clean(sms.recipient)} [{sms.meta['encoding']}, {sms.meta['segments']} "
                f"segment(s)]: {_clean(sms.body)}"
            )
        elif notice.channel == "letter":
            letter = render_letter(notice, policy.dunning, as_of)
            click.echo(
                f"          to {_clean(' / '.join(letter.meta['address_lines']))}: PDF "
                f"{len(letter.attachment or b'')} bytes"
            )
        else:
            click.echo(
                f"          task for {_clean(account.collector or 'unassigned')}: {_clean(lead.step.task)}"
            )
    for escalation in plan.escalations:
        managers = (
            ", ".join(m.email for m in policy.team.managers_of(escalation.account.office)) or "no manager"
        )
        click.echo(
            f"\nescalate  {_clean(escalation.account.account_name)} ({escalation.account.account_id}) to "
            f"{managers}: {escalation.reason}; {_clean(escalation.detail)}"
        )
    held = ", ".join(f"{reason} {count}" for reason, count in plan.held_counts().items()) or "none"
    click.echo(
        f"\n{len(plan.notices)} notice(s), {len(plan.escalations)} escalation(s); held invoices: {held}"
    )
