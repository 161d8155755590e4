"""Director outreach drafts: one email per director with jobs, with their signed link."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.parser import BytesHeaderParser
from email.policy import compat32
from functools import cache
from pathlib import Path

from notifications.draft_kinds import stamp
from notifications.outbox import Outbox
from notifications.render import TEMPLATES_DIR, Sender, render_director_email
from orchestration.policy import Policy
from portal.links import LinkSigner, link_url
from portal.settings import PortalSettings
from portal.store import PortalStore, link_versions
from portal.store.director_jobs import DirectorJob

FINGERPRINT_HEADER = "X-Ledgerloop-Fingerprint"
"""What a director's draft was made from (jobs, link version, sender, portal address, accounts):
a refresh that would make the same email leaves the day's draft as it is."""


@dataclass(frozen=True)
class DraftResult:
    written: list[Path]
    already_approved_or_sent: list[str]
    withdrawn: list[str]
    """Earlier drafts of the day whose director no longer has jobs to answer."""
    unaddressable: list[str]
    """`email: reason` for directors whose email cannot be a recipient (a typo in the tracker)."""
    unchanged: list[str] = field(default_factory=list)
    """Directors whose draft of the day already says what it would say now (not written again)."""


def draft_name(director_email: str) -> str:
    """A file name per director that is readable and cannot collide (`dana_example_com-1a2b3c4d`)."""
    readable = re.sub(r"[^a-z0-9]+", "_", director_email.lower()).strip("_")[:60]
    return f"{readable}-{hashlib.sha256(director_email.lower().encode()).hexdigest()[:8]}"


def sender_from_env(policy: Policy, environ: Mapping[str, str] | None = None) -> Sender:
    """Who director and alert emails come from: `LEDGERLOOP_MAIL_FROM` (address) and
    `LEDGERLOOP_MAIL_TEAM` (display name), else the policy's sender (`dunning.senders`); an error
    names both when neither gives an address (there is no built-in one)."""
    env = os.environ if environ is None else environ
    default = policy.dunning.senders
    address = (env.get("LEDGERLOOP_MAIL_FROM") or "").strip() or default.email
    if not address:
        raise ValueError(
            "no sender address for emails: set LEDGERLOOP_MAIL_FROM or dunning.senders.email "
            "in ledgerloop.yaml"
        )
    return Sender(address=address, team=env.get("LEDGERLOOP_MAIL_TEAM") or default.name)


def write_director_drafts(
    jobs_by_director: Mapping[str, list[DirectorJob]],
    store: PortalStore,
    settings: PortalSettings,
    outbox: Outbox,
    day: dt.date,
    sender: Sender,
    now: dt.datetime,
    accounts: Mapping[str, str] | None = None,
) -> DraftResult:
    """Render and write one draft per director and withdraw the day's director drafts nobody needs
    now (never another writer's); links carry the director's current link version. `accounts`
    (invoice key -> account id) names the customers each email is about."""
    signer = LinkSigner(settings.secret_key, settings.link_max_age_seconds)
    written, skipped, unaddressable, unchanged = [], [], [], []
    for email, jobs in sorted(jobs_by_director.items()):
        problem = _address_problem(email)
        if problem:  # one typo must not stop every other director's email
            unaddressable.append(f"{email}: {problem} (invoices {', '.join(j.invoice_key for j in jobs)})")
            continue
        version = link_versions.current(store, email)
        keys = [job.invoice_key for job in jobs]
        found = [a for a in ((accounts or {}).get(key) for key in keys) if a]
        fingerprint = _fingerprint(jobs, version, settings, sender, found)
        if _drafted_fingerprint(outbox, day, draft_name(email)) == fingerprint:
            unchanged.append(email)
            continue
        message = render_director_email(
            director_email=email, director_name=jobs[0].director_name, jobs=jobs,
            link=link_url(settings.base_url, signer.mint(email, version)),
            link_days=settings.link_max_age_days, sender=sender, now=now,
        )
        stamp(message, "director", found, keys)
        message[FINGERPRINT_HEADER] = fingerprint
        path = outbox.write_draft(day.isoformat(), draft_name(email), message)
        if path is None:
            skipped.append(email)
        else:
            written.append(path)
    withdrawn = outbox.withdraw_drafts(day.isoformat(), "director", {draft_name(e) for e in jobs_by_director})
    return DraftResult(written, skipped, [item.ident for item in withdrawn], unaddressable, unchanged)


def _fingerprint(
    jobs: list[DirectorJob], version: int, settings: PortalSettings, sender: Sender, accounts: list[str]
) -> str:
    """What the director's email is made of, hashed (short enough for one header line)."""
    made_of = repr((jobs, version, settings.base_url, settings.link_max_age_days, sender, accounts))
    return hashlib.sha256(f"{_templates_version()}\n{made_of}".encode()).hexdigest()[:32]


@cache
def _templates_version() -> str:
    """The director email's templates, hashed: new wording (a release) makes every draft again."""
    files = sorted((TEMPLATES_DIR / "email" / "director").glob("*.jinja2"))
    return hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()


def _drafted_fingerprint(outbox: Outbox, day: dt.date, name: str) -> str | None:
    """The fingerprint of the day's waiting draft of this name, read from its headers only."""
    item = outbox.draft(f"{day.isoformat()}/{name}")
    if item is None:
        return None
    try:
        with item.path.open("rb") as handle:
            value = BytesHeaderParser(policy=compat32).parse(handle).get(FINGERPRINT_HEADER)
    except OSError:  # approved or withdrawn meanwhile
        return None
    return str(value).strip() if value else None


def _address_problem(email: str) -> str:
    """Why this address cannot go in a To header ('' when it can)."""
    try:
        Address(addr_spec=email)
    except ValueError as exc:
        return str(exc)
    return ""
