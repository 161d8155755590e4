"""The link to the customer door that a dunning notice carries: minted for the account's contact
(the email dunning writes to), at the contact's current link version, only for a contact the
portal store has published (so the link opens), and only when the portal is configured for
customers (its public address and a secret)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from orchestration.dunning.model import Account, Notice
from portal.customer_links import CustomerLinkSigner, customer_link_url, version_key
from portal.settings import PortalSettings
from portal.store import PortalStore, customers, link_versions

CustomerLinks = Callable[[str, "str | None"], "str | None"]
"""(account id, contact email) -> the contact's link, or None where they have no door."""


def customer_links(settings: PortalSettings, store: PortalStore) -> CustomerLinks:
    """A minter of customer links at each contact's current version, for published contacts only."""
    signer = CustomerLinkSigner(settings.secret_key, settings.link_max_age_seconds)

    def link(account_id: str, email: str | None) -> str | None:
        email = (email or "").strip()
        if not email or customers.contact(store, account_id, email) is None:
            return None
        try:
            version = link_versions.current(store, version_key(account_id, email))
        except ValueError:  # an id and email too long for a revocable link: no link
            return None
        return customer_link_url(settings.base_url, signer.mint(account_id, email, version))

    return link


def with_link(notice: Notice, links: CustomerLinks | None) -> Notice:
    """The notice with its account's customer link, when there is a minter and a door."""
    if links is None:
        return notice
    account: Account = notice.account
    url = links(account.account_id, account.contact.email)
    return notice if url is None else replace(notice, account=replace(account, portal_url=url))
