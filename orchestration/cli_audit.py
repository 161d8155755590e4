"""`ledgerloop audit [--account A] [--person P]`: who did what, from the append-only audit log."""

from __future__ import annotations

import re
from pathlib import Path

import click

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean(text: object) -> str:
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", str(text))).strip()


@click.command("audit")
@click.option("--account", "account_id", default=None, help="Only entries about this account id.")
@click.option("--person", "actor", default=None, help="Only entries by this person (login or email).")
@click.option("--action", default=None, help="Only this action (e.g. dunning.drafted, email.sent).")
@click.option("--limit", default=200, show_default=True, help="Show the newest this many entries.")
@click.option("--home", envvar="LEDGERLOOP_HOME", default=None, help="Working folder (LEDGERLOOP_HOME).")
def audit_command(
    account_id: str | None, actor: str | None, action: str | None, limit: int, home: str | None
) -> None:
    """List audit entries (drafts, approvals, sends, portal updates, collector entries, manual
    matches, the policy of each dunning run), oldest first."""
    from orchestration.outreach.portal_store import open_store
    from orchestration.settings import Settings

    settings = Settings(home=Path(home)) if home else Settings()
    with open_store(settings.home) as store:
        entries = store.audit_entries(action, account_id=account_id, actor=actor)
    entries = entries[-limit:] if limit > 0 else entries
    for entry in entries:
        account = f" [{_clean(entry.account_id)}]" if entry.account_id else ""
        click.echo(
            f"{entry.at.isoformat(timespec='seconds')}  {_clean(entry.actor)}  {entry.action}{account}  "
            f"{_clean(entry.subject)}  {_clean(entry.detail)[:300]}"
        )
    if not entries:
        click.echo("no audit entries match")
