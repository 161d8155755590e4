"""Names for the invented world, so demo customers and staff read like real ones.

The long word lists are data, kept in `words.toml` beside this module and read the first time
the generator needs them. German surnames keep their umlauts on purpose: they make the
Windows-1252 export and the UTF-8 exports differ in bytes, as they do in a real mixed-encoding
landing folder.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

COMPANY = "Meridian Project Partners"
"""The firm that runs ledgerloop (the Salesforce org's company name in report footers)."""

STAFF_EMAIL_DOMAIN = "meridianpartners.example"
"""Reserved `.example` domain (RFC 2606): demo drafts can never reach a real mailbox."""

US_SUFFIXES = ("Inc.", "LLC", "Corp.", "Co.", "LLP", "Incorporated", "L.P.")
UK_SUFFIXES = ("Ltd", "Limited", "PLC", "LLP", "Ltd.")
DE_SUFFIXES = ("GmbH", "AG", "GmbH & Co. KG", "SE")

WORDS_FILE = Path(__file__).with_name("words.toml")


@dataclass(frozen=True)
class Words:
    """The word lists of `words.toml`, in its order (the generator picks words by position)."""

    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    german_surnames: tuple[str, ...]
    nouns: tuple[str, ...]
    industries: tuple[str, ...]
    project_places: tuple[str, ...]
    project_kinds: tuple[str, ...]
    notes: tuple[str, ...]


@cache
def words() -> Words:
    """The word lists, read once."""
    data = tomllib.loads(WORDS_FILE.read_text(encoding="utf-8"))
    return Words(**{f.name: tuple(data[f.name]) for f in fields(Words)})
