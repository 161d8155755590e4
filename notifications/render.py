"""Render director outreach emails from jinja2 templates (HTML and plain text).

HTML templates autoescape: account names and notes come from spreadsheets and directors, so
`<script>` in them must reach the reader as text. Links are minted by the caller, which knows
the store's link version.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from pathlib import Path
from typing import Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # keeps \t \n \v \f \r: they become spaces


class OutreachJob(Protocol):
    """What an email shows of one job (`portal.store.director_jobs.DirectorJob` fits)."""

    account_name: str
    project: str | None
    invoice_number: str
    currency: str | None
    amount: Decimal
    balance: Decimal
    due_date: dt.date | None
    days_past_due: int | None
    aging_bucket: str | None
    question: str
    last_answer: str | None


@dataclass(frozen=True)
class Sender:
    """Who director emails come from."""

    address: str
    team: str = "The collections team"


def money(amount: Decimal | None, currency: str | None) -> str:
    """`USD 1,234.56`: exact decimals, never floats."""
    if amount is None:
        return "-"
    text = f"{Decimal(amount).quantize(Decimal('0.01')):,}"
    return f"{currency} {text}" if currency else text


def template_environment(
    filters: Mapping[str, Callable] | None = None, *, escape_every_template: bool = False
) -> Environment:
    """The jinja2 environment over `notifications/templates/` that every message renders with.

    `*.html.jinja2` templates autoescape (names and notes come from spreadsheets and people; with
    `escape_every_template`, every template does); an undefined variable is an error rather than
    an empty string; trailing newlines are kept so text parts end as written. `money` is always a
    filter; `filters` adds more.
    """
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html.jinja2",), default=escape_every_template),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update({"money": money, **(filters or {})})
    return env


@cache
def _environment() -> Environment:
    return template_environment()


def _one_line(text: str) -> str:
    """Header values stay on one line whatever a spreadsheet put in a name, and carry no control
    characters (an escape sequence in a name would reach the terminal of `ledgerloop drafts list`)."""
    return re.sub(r"\s+", " ", _CONTROL.sub("", text)).strip()


def render_director_email(
    *,
    director_email: str,
    director_name: str | None,
    jobs: Sequence[OutreachJob],
    link: str,
    link_days: int,
    sender: Sender,
    now: dt.datetime,
) -> EmailMessage:
    """One email to one director: greeting, their jobs, the button; HTML and text parts."""
    if not jobs:
        raise ValueError(f"no jobs to ask {director_email} about")
    name = _one_line(director_name or "")
    context = {
        "greeting_name": name.split(" ")[0] if name else "colleague",
        "jobs": list(jobs),
        "link": link,
        "link_days": link_days,
        "team": sender.team,
    }
    env = _environment()
    subject = _one_line(env.get_template("email/director/subject.txt.jinja2").render(context))
    context["subject"] = subject
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=sender.team, addr_spec=sender.address)
    message["To"] = Address(display_name=name, addr_spec=director_email.strip())
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = make_msgid(domain=sender.address.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(env.get_template("email/director/outreach.txt.jinja2").render(context))
    message.add_alternative(
        env.get_template("email/director/outreach.html.jinja2").render(context), subtype="html"
    )
    return message
