"""`ledgerloop statement ACCOUNT_ID`: one customer's aging statement, HTML and PDF, on demand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import duckdb

from orchestration.cli.support import home_option, load_policy, read_only_warehouse, settings_for
from orchestration.policy import PolicyError
from orchestration.runtime import local_day, now_utc


@click.command("statement")
@click.argument("account_id")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Statement date: invoices are aged at it (default: today in the policy's time zone).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write to (default: exports/statements/<date>/ under the home).",
)
@home_option
def statement_command(account_id: str, as_of: dt.datetime | None, out: Path | None, home: str | None) -> None:
    """Write ACCOUNT_ID's statement (open invoices, aging, totals per currency, how to pay) as
    HTML and PDF, and print the two paths."""
    from notifications.statements import write_statement
    from orchestration.outreach.statements import (
        STATEMENT_READS,
        UnknownAccountError,
        check_statements_policy,
        read_statements,
        statements_folder,
    )

    settings = settings_for(home)
    policy = load_policy(settings)
    try:
        check_statements_policy(policy)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    day = as_of.date() if as_of else local_day(now_utc(), policy.timezone)
    busy = "cannot read the warehouse (a run may be writing it; try again when it ends)"
    try:
        with read_only_warehouse(settings.warehouse, busy, STATEMENT_READS) as con:
            (statement,) = read_statements(con, policy, day, account_id)
            statement = _with_link(statement, con, settings.home)
    except UnknownAccountError:
        raise click.ClickException(
            f"unknown account {account_id!r}: no invoice in the ledger has that account id"
        ) from None
    except duckdb.CatalogException:
        raise click.ClickException("the warehouse has no ledger yet: run `ledgerloop run` first") from None
    written = write_statement(statement, out or statements_folder(settings.exports_dir, day))
    if statement.portal_url:
        click.echo("with the customer's link to their account (the portal is set up for customers)", err=True)
    click.echo(str(written.html))
    click.echo(str(written.pdf))


def _with_link(statement, con, home: Path):
    """The statement with its contact's link to the customer door, where the portal is configured
    for customers (`LEDGERLOOP_PORTAL_URL` and a secret) and the contact has a door."""
    from orchestration.dunning.contacts import current_contacts
    from orchestration.dunning.customer_links import customer_links
    from orchestration.outreach.portal_store import customer_portal_settings, open_store
    from orchestration.outreach.statements import with_customer_links

    door = customer_portal_settings(home)
    if door is None:
        return statement
    with open_store(home) as store:
        (linked,) = with_customer_links([statement], current_contacts(con, home), customer_links(door, store))
    return linked
