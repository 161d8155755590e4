"""`ledgerloop link EMAIL --role customer`: a customer contact's link, for a contact listed in
`contacts/account_contacts.csv`, or the revocation of that contact's links.

The file is the authority: a link is minted only for an email it lists, for the account it lists
it under (`--account` when it lists the email under several). The link opens once the pipeline
has published the account (the next run after the contact was added).
"""

from __future__ import annotations

import getpass
from pathlib import Path

import click


def contact_accounts(home: Path, email: str) -> dict[str, str | None]:
    """The accounts the contacts file lists `email` under, with the contact's name."""
    from orchestration.dunning.contacts import contacts_path, read_contacts_file
    from portal.links import normalize_email

    rows = read_contacts_file(contacts_path(home))
    return {
        account_id: row.get("contact_name")
        for account_id, row in rows.items()
        if row.get("email") and normalize_email(row["email"]) == email
    }


def _account(home: Path, email: str, account: str | None) -> str:
    """The one account of the contacts file this link is for; a clear error otherwise."""
    listed = contact_accounts(home, email)
    if not listed:
        raise click.ClickException(
            f"{email} is not a contact in {home / 'contacts' / 'account_contacts.csv'} "
            "(add a row with its Account ID and Email first)"
        )
    if account is not None:
        if account not in listed:
            raise click.ClickException(
                f"{email} is not a contact of account {account!r}; it is of: " + ", ".join(sorted(listed))
            )
        return account
    if len(listed) > 1:
        raise click.ClickException(
            f"{email} is a contact of several accounts ({', '.join(sorted(listed))}): name one with --account"
        )
    return next(iter(listed))


def customer_link(
    settings, home: Path, who: str, account: str | None, revoke: bool, base_url: str | None
) -> None:
    """Mint (or with `revoke`, revoke) the link of a customer contact; prints the link."""
    from portal.customer_links import CustomerLinkSigner, customer_link_url, version_key
    from portal.links import normalize_email
    from portal.store import audit_log, connect, customers, link_versions

    email = normalize_email(who)
    if "@" not in email:
        raise click.BadParameter("a customer contact is named by their email", param_hint="EMAIL_OR_NAME")
    account_id = _account(home, email, account)
    store = connect(settings.db_url)
    actor = f"cli:{getpass.getuser()}"
    try:
        key = version_key(account_id, email)
        if revoke:
            version = link_versions.revoke(store, key)
            audit_log.record(
                store,
                actor,
                "links_revoked",
                f"customer:{email}",
                {"version": version},
                account_id=account_id,
            )
            click.echo(
                f"Revoked every link of {email} for account {account_id}; new links use version {version}."
            )
            return
        version = link_versions.current(store, key)
        token = CustomerLinkSigner(settings.secret_key, settings.link_max_age_seconds).mint(
            account_id, email, version
        )
        audit_log.record(
            store,
            actor,
            "link_minted",
            f"customer:{email}",
            {"version": version, "role": "customer"},
            account_id=account_id,
        )
        if customers.contact(store, account_id, email) is None:
            click.echo(
                f"note: account {account_id} is not published for {email} yet; the link opens "
                "after the next run.",
                err=True,
            )
        click.echo(customer_link_url(base_url or settings.base_url, token))
    finally:
        store.close()
