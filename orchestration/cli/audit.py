"""`ledgerloop audit [--account A] [--person P]`: who did what, from the append-only audit log."""

from __future__ import annotations

import click

from orchestration.cli.support import home_option, one_line, settings_for


@click.command("audit")
@click.option("--account", "account_id", default=None, help="Only entries about this account id.")
@click.option("--person", "actor", default=None, help="Only entries by this person (login or email).")
@click.option("--action", default=None, help="Only this action (e.g. dunning.drafted, email.sent).")
@click.option("--limit", default=200, show_default=True, help="Show the newest this many entries.")
@home_option
def audit_command(
    account_id: str | None, actor: str | None, action: str | None, limit: int, home: str | None
) -> None:
    """List audit entries (drafts, approvals, sends, portal updates, collector entries, manual
    matches, the policy of each dunning run), oldest first."""
    from orchestration.outreach.portal_store import open_store
    from portal.store import audit_log

    settings = settings_for(home)
    with open_store(settings.home) as store:
        entries = audit_log.entries(store, action, account_id=account_id, actor=actor)
    entries = entries[-limit:] if limit > 0 else entries
    for entry in entries:
        account = f" [{one_line(entry.account_id)}]" if entry.account_id else ""
        click.echo(
            f"{entry.at.isoformat(timespec='seconds')}  {one_line(entry.actor)}  {entry.action}{account}  "
            f"{one_line(entry.subject)}  {one_line(entry.detail)[:300]}"
        )
    if not entries:
        click.echo("no audit entries match")
