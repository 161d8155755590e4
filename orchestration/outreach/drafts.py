"""Director outreach drafts: one email per director with jobs, with their signed link."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from pathlib import Path

from notifications.outbox import Outbox
from notifications.render import Sender, render_director_email
from portal.links import LinkSigner, link_url
from portal.settings import PortalSettings
from portal.store import DirectorJob, PortalStore


@dataclass(frozen=True)
class DraftResult:
    written: list[Path]
    already_approved_or_sent: list[str]
    withdrawn: list[str]
    """Earlier drafts of the day whose director no longer has jobs to answer."""
    unaddressable: list[str]
    """`email: reason` for directors whose email cannot be a recipient (a typo in the tracker)."""


def draft_name(director_email: str) -> str:
    """A file name per director that is readable and cannot collide (`dana_example_com-1a2b3c4d`)."""
    readable = re.sub(r"[^a-z0-9]+", "_", director_email.lower()).strip("_")[:60]
    return f"{readable}-{hashlib.sha256(director_email.lower().encode()).hexdigest()[:8]}"


def sender_from_env(environ: Mapping[str, str] | None = None) -> Sender:
    """`LEDGERLOOP_MAIL_FROM` (address) and `LEDGERLOOP_MAIL_TEAM` (display name)."""
    env = os.environ if environ is None else environ
    return Sender(
        address=env.get("LEDGERLOOP_MAIL_FROM") or "collections@localhost",
        team=env.get("LEDGERLOOP_MAIL_TEAM") or "The collections team",
    )


def write_director_drafts(
    jobs_by_director: Mapping[str, list[DirectorJob]],
    store: PortalStore,
    settings: PortalSettings,
    outbox: Outbox,
    day: dt.date,
    sender: Sender,
    now: dt.datetime,
) -> DraftResult:
    """Render and write one draft per director and withdraw the day's drafts nobody needs now;
    links carry the director's current link version."""
    signer = LinkSigner(settings.secret_key, settings.link_max_age_seconds)
    written, skipped, unaddressable = [], [], []
    for email, jobs in sorted(jobs_by_director.items()):
        problem = _address_problem(email)
        if problem:  # one typo must not stop every other director's email
            unaddressable.append(f"{email}: {problem} (invoices {', '.join(j.invoice_key for j in jobs)})")
            continue
        token = signer.mint(email, store.link_version(email))
        message = render_director_email(
            director_email=email, director_name=jobs[0].director_name, jobs=jobs,
            link=link_url(settings.base_url, token), link_days=settings.link_max_age_days,
            sender=sender, now=now,
        )
        path = outbox.write_draft(day.isoformat(), draft_name(email), message)
        if path is None:
            skipped.append(email)
        else:
            written.append(path)
    withdrawn = outbox.withdraw_drafts(day.isoformat(), {draft_name(e) for e in jobs_by_director})
    return DraftResult(written, skipped, [item.ident for item in withdrawn], unaddressable)


def _address_problem(email: str) -> str:
    """Why this address cannot go in a To header ('' when it can)."""
    try:
        Address(addr_spec=email)
    except ValueError as exc:
        return str(exc)
    return ""
