"""Alert emails: one draft per owner and day listing the alerts `marts.alerts` raised that day.

`marts.alerts` raises each alert once, on its as-of date, so the day's drafts are a pure function
of the day: a re-run rewrites the same drafts (until a person approves them) and never adds a
second email for an alert. Drafts wait in `outbox/drafts/<date>/` like the director emails.
"""

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path

import duckdb
from jinja2 import Environment

from notifications.draft_kinds import ALERT_PREFIX, stamp
from notifications.outbox import Outbox
from notifications.render import Sender, template_environment
from orchestration.outreach.drafts import draft_name
from orchestration.policy import Policy
from portal.links import StaffLinkSigner, staff_link_url
from portal.settings import PortalSettings
from portal.store import PortalStore, link_versions

KIND_LABELS = {
    "crossed_30": "30 days past due",
    "crossed_60": "60 days past due",
    "broken_promise": "Promise to pay broken",
    "dispute_overdue": "Dispute past its deadline",
    "plan_behind": "Payment plan behind",
    "payment_unmatched": "Payment unmatched",
    "check_failed": "Data check failed",
}

ALERTS_QUERY = """
select alert_key, kind, subject, account_id, invoice_key, owner, owner_email, raised_on, message
from marts.alerts
where raised_on = $day
order by owner_email, kind, alert_key
"""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Alert:
    alert_key: str
    kind: str
    subject: str
    account_id: str | None
    invoice_key: str | None
    owner: str
    owner_email: str | None
    raised_on: dt.date
    message: str

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class StaffLink:
    """Where an alert email's button goes: the owner's own door into the portal."""

    url: str
    label: str


STAFF_PAGES = {
    "collector": "Open your worklist (accounts in priority order)",
    "manager": "Open the team's workload",
}


def staff_links(policy: Policy, store: PortalStore, settings: PortalSettings, emails: Iterable[str]) -> dict:
    """email -> StaffLink for each owner on the roster (a collector's workbench, a manager's team
    page), signed with their current link version, pointing at the portal as served."""
    roles = {m.email.lower(): "collector" for m in policy.team.collectors}
    roles.update({m.email.lower(): "manager" for m in policy.team.managers if m.email.lower() not in roles})
    age = settings.link_max_age_seconds
    signers = {role: StaffLinkSigner(settings.secret_key, age, role) for role in STAFF_PAGES}
    links = {}
    for email in {e.lower() for e in emails if e}:
        role = roles.get(email)
        if role:
            token = signers[role].mint(email, link_versions.current(store, email))
            links[email] = StaffLink(staff_link_url(settings.base_url, role, token), STAFF_PAGES[role])
    return links


@dataclass(frozen=True)
class AlertDrafts:
    """What one day's rendering did."""

    written: list[Path]
    already_approved_or_sent: list[str]
    """Owners whose draft of the day a person already approved or sent: left as it is."""
    without_email: list[str]
    """`owner: alert keys` of alerts whose owner has no usable email (not on the roster)."""


def read_alerts(con: duckdb.DuckDBPyConnection, day: dt.date) -> list[Alert]:
    """The alerts raised on `day`."""
    cursor = con.execute(ALERTS_QUERY, {"day": day})
    return [Alert(*row) for row in cursor.fetchall()]


def owner_names(policy: Policy) -> dict[str, str]:
    """Roster name by lower-cased email, for greetings."""
    members = [*policy.team.collectors, *policy.team.managers]
    return {m.email.lower(): m.name for m in members}


@cache
def _environment() -> Environment:
    return template_environment()


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()


def _address_problem(address: str) -> str:
    try:
        Address(addr_spec=address)
    except ValueError as exc:
        return str(exc)
    return ""


def render_alert_email(
    *,
    owner_email: str,
    owner_name: str | None,
    alerts: Sequence[Alert],
    day: dt.date,
    sender: Sender,
    now: dt.datetime,
    link: StaffLink | None = None,
) -> EmailMessage:
    """One email to one owner listing the day's alerts, with a link to their worklist (a collector)
    or the team's workload (a manager); HTML (escaped) and text parts. The Message-ID is derived
    from the day, owner and alert keys, so a re-render is the same message."""
    if not alerts:
        raise ValueError(f"no alerts for {owner_email} on {day}")
    name = _one_line(owner_name or "")
    context = {
        "greeting_name": name.split(" ")[0] if name else "colleague",
        "alerts": list(alerts),
        "day": day.isoformat(),
        "team": sender.team,
        "link": link,
    }
    env = _environment()
    subject = _one_line(env.get_template("email/alert/subject.txt.jinja2").render(context))
    context["subject"] = subject
    identity = "\n".join([day.isoformat(), owner_email.lower(), *sorted(a.alert_key for a in alerts)])
    digest = hashlib.sha256(identity.encode()).hexdigest()[:24]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=sender.team, addr_spec=sender.address)
    message["To"] = Address(display_name=name, addr_spec=owner_email.strip())
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = (
        f"<alerts-{day.isoformat()}-{digest}@{sender.address.rpartition('@')[2] or 'localhost'}>"
    )
    message["Auto-Submitted"] = "auto-generated"
    stamp(
        message,
        "alert",
        [a.account_id for a in alerts if a.account_id],
        [a.invoice_key for a in alerts if a.invoice_key],
    )
    message.set_content(env.get_template("email/alert/alerts.txt.jinja2").render(context))
    message.add_alternative(
        env.get_template("email/alert/alerts.html.jinja2").render(context), subtype="html"
    )
    return message


def alert_draft_name(owner_email: str) -> str:
    """`alerts-<readable>-<hash>`: never the same file as the owner's director or dunning drafts."""
    return f"{ALERT_PREFIX}{draft_name(owner_email)}"


def alert_emails(outbox: Outbox, day: dt.date) -> list[Path]:
    """The alert emails of `day` that exist now, in any state (a person may have approved or sent
    some since they were drafted)."""
    return [
        item.path
        for state in ("drafts", "approved", "sending", "sent")
        for item in outbox.items(state, day.isoformat())
        if item.name.startswith(ALERT_PREFIX)
    ]


def write_alert_drafts(
    alerts: Sequence[Alert],
    names: Mapping[str, str],
    outbox: Outbox,
    day: dt.date,
    sender: Sender,
    now: dt.datetime,
    links: Mapping[str, StaffLink] | None = None,
) -> AlertDrafts:
    """Write one draft per owner email with the day's alerts (and their link into the portal, from
    `links` by email); report the owners without one."""
    by_email: dict[str, list[Alert]] = {}
    without: dict[str, list[str]] = {}
    for alert in alerts:
        email = (alert.owner_email or "").strip().lower()
        if not email or _address_problem(email):
            without.setdefault(alert.owner, []).append(alert.alert_key)
            continue
        by_email.setdefault(email, []).append(alert)
    written, skipped = [], []
    for email, owned in sorted(by_email.items()):
        message = render_alert_email(
            owner_email=email,
            owner_name=names.get(email),
            alerts=owned,
            day=day,
            sender=sender,
            now=now,
            link=(links or {}).get(email),
        )
        path = outbox.write_draft(day.isoformat(), alert_draft_name(email), message)
        if path is None:
            skipped.append(email)
        else:
            written.append(path)
    return AlertDrafts(
        written, skipped, [f"{owner}: {', '.join(keys)}" for owner, keys in sorted(without.items())]
    )
