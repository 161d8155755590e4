"""A director's jobs as they answer them: grouped by client, with the client's contact and what
the director already answered (from the store's inbox, so an answer shows the moment it is sent,
before the pipeline ingests it)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from portal.store.director_jobs import DirectorJob
from portal.store.director_updates import DirectorUpdate

DEFAULT_ANSWER_STANDS_DAYS = 14
"""How long an answer stands when the pipeline has not published the policy's `portal.answer_stands_days`."""


@dataclass(frozen=True)
class JobView:
    """One invoice of a client and the director's newest answer on it, if any."""

    job: DirectorJob
    answer: DirectorUpdate | None
    answered: bool
    """The answer stands (given within the policy's days): the page shows it, not a blank form."""


@dataclass(frozen=True)
class ClientJobs:
    """Every job of one client (account), most overdue first."""

    key: str
    account_name: str
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    jobs: tuple[JobView, ...]

    @property
    def several(self) -> bool:
        return len(self.jobs) > 1

    @property
    def all_answered(self) -> bool:
        return all(view.answered for view in self.jobs)

    @property
    def unanswered_keys(self) -> list[str]:
        return [view.job.invoice_key for view in self.jobs if not view.answered]

    @property
    def keys(self) -> list[str]:
        return [view.job.invoice_key for view in self.jobs]

    @property
    def open_by_currency(self) -> list[tuple[str, Decimal]]:
        """The client's open balance on these invoices per currency (never added across)."""
        totals: dict[str, Decimal] = {}
        for view in self.jobs:
            currency = view.job.currency or "no currency"
            totals[currency] = totals.get(currency, Decimal("0.00")) + view.job.balance
        return sorted(totals.items())

    @property
    def questions(self) -> list[tuple[str, list[str]]]:
        """The collector's questions on the invoices still to answer, each once with the invoice
        numbers it is about (asked once per client, not under every invoice)."""
        asked: dict[str, list[str]] = {}
        for view in self.jobs:
            if view.job.question and not view.answered:
                asked.setdefault(view.job.question, []).append(view.job.invoice_number)
        return list(asked.items())

    @property
    def collectors(self) -> str:
        return ", ".join(sorted({view.job.collector for view in self.jobs if view.job.collector}))

    @property
    def phone_uri(self) -> str | None:
        """`tel:` target of the contact's phone: digits and a leading plus only."""
        if not self.contact_phone:
            return None
        digits = re.sub(r"[^\d+]", "", self.contact_phone)
        return "tel:" + digits if re.fullmatch(r"\+?\d{3,20}", digits) else None


def answer_stands(answer: DirectorUpdate | None, now: dt.datetime, stands_days: int) -> bool:
    """An answer stands for `stands_days` days; after that the collector's question is open again."""
    return answer is not None and now - answer.submitted_at <= dt.timedelta(days=stands_days)


def group_by_client(
    jobs: Sequence[DirectorJob],
    answers: Mapping[str, DirectorUpdate],
    now: dt.datetime,
    stands_days: int = DEFAULT_ANSWER_STANDS_DAYS,
) -> list[ClientJobs]:
    """Clients in the order of their most overdue job (jobs arrive most overdue first); the
    contact is the first job's that has one (all jobs of a client carry the same)."""
    grouped: dict[str, list[DirectorJob]] = {}
    for job in jobs:
        grouped.setdefault(job.client_key, []).append(job)
    clients = []
    for key, members in grouped.items():
        contact = next(
            (j for j in members if j.contact_name or j.contact_email or j.contact_phone), members[0]
        )
        views = tuple(
            JobView(
                job,
                answers.get(job.invoice_key),
                answer_stands(answers.get(job.invoice_key), now, stands_days),
            )
            for job in members
        )
        clients.append(
            ClientJobs(
                key=key,
                account_name=members[0].account_name,
                contact_name=contact.contact_name,
                contact_email=contact.contact_email,
                contact_phone=contact.contact_phone,
                jobs=views,
            )
        )
    return clients
