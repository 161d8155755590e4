"""The accounts-payable contact of every demo customer, as a team keeps it for dunning
(`contacts/account_contacts.csv`, read by `orchestration.dunning.contacts`)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from orchestration.demo import names
from orchestration.demo.model import World

HEADER = ["Account ID", "Contact Name", "Email", "Phone", "Address", "Customer Type"]
# An account billed this much in all (in any currency) is an enterprise customer.
ENTERPRISE_BILLED_CENTS = 250_000_00
_PHONE_PREFIX = {"LDN": "+44 20 7946 ", "NYC": "+1 212 555 "}
_STREETS = ("Market Street", "High Street", "Station Road", "Park Avenue", "Mill Lane", "King Street")


def write_contacts(world: World, path: Path, rng: np.random.Generator) -> Path:
    """One contact per invoiced account: a named payables clerk at the company's own domain, a phone
    number in its office's country, a postal address, and its customer type."""
    path.parent.mkdir(parents=True, exist_ok=True)
    accounts = len(world.account_id)
    office = np.zeros(accounts, dtype=np.int64)
    office[world.account] = world.office  # an account's invoices are all in its office
    billed_cents = np.bincount(world.account, weights=world.amount.astype(float), minlength=accounts)
    words = names.words()
    first = rng.integers(0, len(words.first_names), accounts)
    last = rng.integers(0, len(words.last_names), accounts)
    numbers = rng.integers(0, 10_000, accounts)
    street = rng.integers(0, len(_STREETS), accounts)
    house = rng.integers(1, 400, accounts)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for a in np.unique(world.account).tolist():  # customers that were invoiced
            company = str(world.account_name[a])
            code = world.offices[office[a]]
            person = f"{words.first_names[first[a]]} {words.last_names[last[a]]}"
            writer.writerow(
                [
                    world.account_id[a],
                    person,
                    f"payables@{_domain(company)}.example",
                    _PHONE_PREFIX.get(code, "+1 555 ") + f"{numbers[a]:04d}",
                    f"Accounts Payable|{house[a]} {_STREETS[street[a]]}",
                    "enterprise" if billed_cents[a] >= ENTERPRISE_BILLED_CENTS else "smb",
                ]
            )
    return path


def _domain(company: str) -> str:
    """`Adams & Rogers Ltd` -> `adams-rogers-ltd`."""
    return re.sub(r"[^a-z0-9]+", "-", company.casefold()).strip("-") or "customer"
