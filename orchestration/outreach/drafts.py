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

from notifications.draft_kinds import stamp
from notifications.outbox import Outbox
from notifications.render import Sender, render_director_email
from orchestration.policy import Policy
from portal.links import LinkSigner, link_url
from portal.settings import PortalSettings
from portal.store import PortalStore, link_versions
from portal.store.director_jobs import DirectorJob


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
    written, skipped, unaddressable = [], [], []
    for email, jobs in sorted(jobs_by_director.items()):
        problem = _address_problem(email)
        if problem:  # one typo must not stop every other director's email
            unaddressable.append(f"{email}: {problem} (invoices {', '.join(j.invoice_key for j in jobs)})")
            continue
        token = signer.mint(email, link_versions.current(store, email))
        message = render_director_email(
            director_email=email, director_name=jobs[0].director_name, jobs=jobs,
            link=link_url(settings.base_url, token), link_days=settings.link_max_age_days,
            sender=sender, now=now,
        )
        keys = [job.invoice_key for job in jobs]
        found = [(accounts or {}).get(key) for key in keys]
        stamp(message, "director", [a for a in found if a], keys)
        path = outbox.write_draft(day.isoformat(), draft_name(email), message)
        if path is None:
            skipped.append(email)
        else:
            written.append(path)
    withdrawn = outbox.withdraw_drafts(day.isoformat(), "director", {draft_name(e) for e in jobs_by_director})
    return DraftResult(written, skipped, [item.ident for item in withdrawn], unaddressable)


def _address_problem(email: str) -> str:
    """Why this address cannot go in a To header ('' when it can)."""
    try:
        Address(addr_spec=email)
    except ValueError as exc:
        return str(exc)
    return ""
