"""`ledgerloop drafts list|approve|send`: a person approves outreach before anything is sent."""

from __future__ import annotations

import getpass
import os
import smtplib
from pathlib import Path

import click

from notifications.outbox import Outbox, OutboxError, SmtpSettings


def _home(home: str | None) -> Path:
    return Path(home or os.environ.get("LEDGERLOOP_HOME") or "var").resolve()


def _outbox(home: str | None) -> Outbox:
    return Outbox(_home(home) / "outbox")


home_option = click.option("--home", envvar="LEDGERLOOP_HOME", default=None,
                           help="Working folder (LEDGERLOOP_HOME).")
actor_option = click.option("--as", "actor", default=getpass.getuser, show_default="your login",
                            help="Who approves or sends, for the audit log.")


@click.group()
def drafts() -> None:
    """Director outreach emails: list the drafts, approve them, send what was approved."""


@drafts.command("list")
@click.option("--state", type=click.Choice(["drafts", "approved", "sending", "sent", "all"]),
              default="all", show_default=True)
@home_option
def list_command(state: str, home: str | None) -> None:
    """Show messages by state (`sending` means delivery was interrupted: check before resending)."""
    outbox = _outbox(home)
    states = ["drafts", "approved", "sending", "sent"] if state == "all" else [state]
    shown = 0
    for name in states:
        for item in outbox.items(name):
            message = item.message()
            click.echo(f"{name:<9} {item.ident}  to {message['To']}  \"{message['Subject']}\"")
            shown += 1
    if not shown:
        click.echo(f"no messages in {outbox.root}")


@drafts.command()
@click.argument("names", nargs=-1)
@click.option("--all", "approve_all", is_flag=True, help="Approve every draft.")
@click.option("--date", "day", default=None, help="With --all: only drafts of this date (YYYY-MM-DD).")
@actor_option
@home_option
def approve(names: tuple[str, ...], approve_all: bool, day: str | None, actor: str,
            home: str | None) -> None:
    """Approve drafts by name (`<date>/<name>`, as `drafts list` shows them) or --all."""
    from orchestration.outreach.portal_store import open_store

    outbox = _outbox(home)
    if approve_all == bool(names):
        raise click.UsageError("name the drafts to approve, or pass --all (not both)")
    idents = [item.ident for item in outbox.items("drafts", day)] if approve_all else list(names)
    if not idents:
        click.echo("no drafts to approve")
        return
    with open_store(_home(home)) as store:
        try:
            approved = outbox.approve(idents, actor, store.audit)
        except OutboxError as exc:
            raise click.ClickException(str(exc)) from None
    for item in approved:
        click.echo(f"approved  {item.ident}")


@drafts.command()
@actor_option
@home_option
def send(actor: str, home: str | None) -> None:
    """Send every approved message through SMTP (LEDGERLOOP_SMTP_*); never sends one twice."""
    from orchestration.outreach.portal_store import open_store

    outbox = _outbox(home)
    try:
        smtp = SmtpSettings.from_env()
    except OutboxError as exc:
        raise click.ClickException(str(exc)) from None
    with open_store(_home(home)) as store:
        try:
            report = outbox.send(smtp, actor, store.audit)
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
            f"{item.message()['Message-ID']} in the mail server's log."
        )
    click.echo(f"{len(report.sent)} sent, {len(report.refused)} refused, "
               f"{len(report.uncertain)} uncertain")
    if report.refused:
        raise SystemExit(1)
