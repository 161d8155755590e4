"""`ledgerloop drafts list|approve|send`: a person approves outreach before anything is sent.

Director emails are named `<date>/<name>`; dunning messages carry their channel:
`dunning:<date>/<name>` (customer emails and escalations), `sms:...`, `letter:...`.
"""

from __future__ import annotations

import getpass
import smtplib
from pathlib import Path

import click

from notifications.outbox import Outbox, OutboxError, SendReport, SmtpSettings
from orchestration.cli.support import home_option, settings_for
from orchestration.cli.working import Working
from orchestration.runtime import now_utc


def _home(home: str | None) -> Path:
    return settings_for(home).home


def _outbox(home: str | None) -> Outbox:
    return Outbox(_home(home) / "outbox")


actor_option = click.option("--as", "actor", default=getpass.getuser, show_default="your login",
                            help="Who approves or sends, for the audit log.")


def _counted(audit, working: Working):
    """`audit`, advancing `working` by one for each outcome it records (every approval, send
    and refusal is audited once)."""

    def record(*args, **kwargs) -> None:
        audit(*args, **kwargs)
        working.advance()

    return record


def _record_events(home: str | None, events: list) -> None:
    """Approvals and sends of dunning messages into raw.outreach_events (the account timeline)."""
    from orchestration.dunning.events import save_events

    settings = settings_for(home)
    where = save_events(settings.home, events, settings.warehouse)
    if where not in ("none", "warehouse"):
        click.echo(f"the warehouse is busy: {len(events)} outreach event(s) kept in {where} for the next run")


@click.group()
def drafts() -> None:
    """Outreach (director emails, dunning email/SMS/letters): list, approve, send what was approved."""


@drafts.command("list")
@click.option("--state", type=click.Choice(["drafts", "approved", "sending", "sent", "rejected", "all"]),
              default="all", show_default=True)
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object a line per message: path, kind, state, name, recipient, subject, "
                   "account_ids, invoice_keys, link_urls.")
@home_option
def list_command(state: str, as_json: bool, home: str | None) -> None:
    """Show every message (director, alert, dunning email/SMS/letter, escalation) grouped by kind,
    counts first (`sending` means delivery was interrupted: check before resending)."""
    import json

    from notifications.draft_catalog import catalog

    states = ["drafts", "approved", "sending", "sent", "rejected"] if state == "all" else [state]
    with Working(f"Reading the messages in {_home(home) / 'outbox'}"):
        entries = catalog(_home(home), states, with_links=as_json)  # links are listed in JSON only
    if as_json:
        for entry in entries:
            click.echo(json.dumps(entry.as_json(), ensure_ascii=False))
        return
    if not entries:
        click.echo(f"no messages in {_outbox(home).root}")
        return
    for line in listing_lines(entries):
        click.echo(line)


def listing_lines(entries: list) -> list[str]:
    """Counts first (by kind and by state), then each kind's messages, one a line."""
    by_kind: dict[str, list] = {}
    by_state: dict[str, int] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
        by_state[entry.state] = by_state.get(entry.state, 0) + 1
    kinds = ", ".join(f"{len(rows)} {kind}" for kind, rows in by_kind.items())
    states = ", ".join(f"{count} {state}" for state, count in by_state.items())
    lines = [f"{len(entries)} message(s): {kinds} ({states})"]
    folder = {"draft": "drafts"}
    for kind, rows in by_kind.items():
        lines.append(f"{kind} ({len(rows)})")
        lines.extend(
            f"  {folder.get(e.state, e.state):<9} {e.name}  to {e.to or e.recipient}  \"{e.subject}\""
            for e in rows
        )
    return lines


@drafts.command()
@click.argument("names", nargs=-1)
@click.option("--all", "approve_all", is_flag=True, help="Approve every draft.")
@click.option("--date", "day", default=None, help="With --all: only drafts of this date (YYYY-MM-DD).")
@actor_option
@home_option
def approve(names: tuple[str, ...], approve_all: bool, day: str | None, actor: str,
            home: str | None) -> None:
    """Approve drafts by name (`<date>/<name>`, `dunning:<date>/<name>`, `sms:...`, `letter:...`,
    as `drafts list` shows them) or --all (every channel)."""
    if approve_all == bool(names):
        raise click.UsageError("name the drafts to approve, or pass --all (not both)")
    with Working("Finding the drafts to approve") as working:
        from orchestration.dunning import delivery

        if approve_all:
            idents = [item.ident for item in _outbox(home).items("drafts", day)]
            channel_names = delivery.pending_names(_home(home), day)
        else:
            idents = [n for n in names if delivery.split_ident(n)[0] is None]
            channel_names = [n for n in names if delivery.split_ident(n)[0] is not None]
        if idents or channel_names:
            working.doing("Approving drafts", len(idents) + len(channel_names))
            approved, dunning_approved, events = _approve(home, idents, channel_names, actor, working)
    if not idents and not channel_names:
        click.echo("no drafts to approve")
        return
    for item in approved:
        click.echo(f"approved  {item.ident}")
    for name in dunning_approved:
        click.echo(f"approved  {name}")
    _record_events(home, events)


def _approve(home: str | None, idents: list[str], channel_names: list[str], actor: str,
             working: Working) -> tuple[list, list[str], list]:
    """Approve the director and alert emails `idents` and the dunning messages `channel_names`,
    each audited; (emails approved, dunning messages approved, their outreach events)."""
    from orchestration.dunning import delivery
    from orchestration.outreach.portal_store import open_store
    from portal.store import audit_log

    with open_store(_home(home)) as store:
        audit = _counted(audit_log.recorder(store), working)
        try:
            approved = _outbox(home).approve(idents, actor, audit) if idents else []
            dunning_approved, events = (
                delivery.approve(_home(home), channel_names, actor, audit, now_utc())
                if channel_names else ([], [])
            )
        except OutboxError as exc:
            raise click.ClickException(str(exc)) from None
    return approved, dunning_approved, events


@drafts.command()
@actor_option
@home_option
def send(actor: str, home: str | None) -> None:
    """Send every approved message: email through SMTP (LEDGERLOOP_SMTP_*), SMS and letters
    through their gateways; a dunning message waits for its sending window; never sends one twice."""
    outbox = _outbox(home)
    now = now_utc()
    with Working("Finding the approved messages") as working:
        from orchestration.dunning import delivery
        from orchestration.outreach.portal_store import open_store
        from portal.store import audit_log

        emails = len(outbox.items("approved")) + len(delivery.approved_names(_home(home), smtp=True))
        others = len(delivery.approved_names(_home(home), smtp=False))
        try:
            smtp = SmtpSettings.from_env() if emails or not others else None
        except OutboxError as exc:
            raise click.ClickException(str(exc)) from None
        working.doing("Sending approved messages", emails + others)  # no SMTP only when no email waits
        with open_store(_home(home)) as store:
            audit = _counted(audit_log.recorder(store), working)
            try:
                report = outbox.send(smtp, actor, audit) if smtp else SendReport()
                dunning_report = delivery.send(_home(home), smtp, actor, audit, now)
            except (OSError, smtplib.SMTPException) as exc:
                raise click.ClickException(
                    f"SMTP delivery to {smtp.host}:{smtp.port} stopped: {exc}. Messages not tried are "
                    "still approved; `ledgerloop drafts list --state sending` shows one that may have gone."
                ) from None
    for item in report.sent:
        click.echo(f"sent      {item.ident}")
    for item, reason in report.refused:
        click.echo(f"refused   {item.ident}: {reason} (still approved; fix and send again)")
    for item in report.uncertain:
        click.echo(
            f"uncertain {item.ident}: an earlier send was interrupted; not sent again. Look for "
            f"{item.headers()['Message-ID']} in the mail server's log."
        )
    for name in dunning_report.sent:
        click.echo(f"sent      {name}")
    for name, reason in dunning_report.refused:
        click.echo(f"refused   {name}: {reason} (still approved; fix and send again)")
    for name in dunning_report.uncertain:
        click.echo(f"uncertain {name}: an earlier send was interrupted; not sent again. Check the gateway "
                   "or mail server log before moving it back.")
    if dunning_report.held:
        click.echo(f"{len(dunning_report.held)} approved message(s) wait for their sending window")
    _record_events(home, dunning_report.events)
    click.echo(f"{len(report.sent) + len(dunning_report.sent)} sent, "
               f"{len(report.refused) + len(dunning_report.refused)} refused, "
               f"{len(report.uncertain) + len(dunning_report.uncertain)} uncertain")
    if report.refused or dunning_report.refused:
        raise SystemExit(1)
