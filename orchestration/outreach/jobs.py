"""Which open invoices each director is asked about (policy `portal.needs_answer`), each with its
client's contact (contacts/account_contacts.csv) for the jobs page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb

from orchestration.policy import Policy
from portal.store.director_jobs import DirectorJob

_SQL = Path(__file__).resolve().parent / "sql" / "director_jobs.sql"


@cache
def _query() -> str:
    return _SQL.read_text(encoding="utf-8")


@dataclass
class JobSelection:
    """Jobs for directors with an email, and how many needed an answer but have nobody to ask."""

    jobs: list[DirectorJob] = field(default_factory=list)
    without_director_email: list[str] = field(default_factory=list)

    def by_director(self) -> dict[str, list[DirectorJob]]:
        grouped: dict[str, list[DirectorJob]] = {}
        for job in self.jobs:
            grouped.setdefault(job.director_email, []).append(job)
        return grouped


def select_director_jobs(
    con: duckdb.DuckDBPyConnection, policy: Policy, contacts: Mapping[str, dict] | None = None
) -> JobSelection:
    """Read the ledger and the portal answers already ingested; apply the policy's rules; attach
    each client's contact from `contacts` (by account id)."""
    rules = policy.portal.needs_answer
    cursor = con.execute(_query(), {
        "stages": rules.stages,
        "min_days_past_due": rules.min_days_past_due,
        "min_balance": str(rules.min_balance),
    })
    names = [d[0] for d in cursor.description]
    selection = JobSelection()
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        if not row.pop("has_director_email"):
            selection.without_director_email.append(row["invoice_key"])
            continue
        answered_at = row["last_answer_at"]
        row["last_answer_at"] = answered_at.replace(tzinfo=dt.UTC) if answered_at else None
        row["question"] = policy.portal.question_for(row["stage"])
        contact = (contacts or {}).get(row["account_id"] or "", {})
        row["contact_name"] = contact.get("contact_name")
        row["contact_email"] = contact.get("email")
        row["contact_phone"] = contact.get("phone")
        selection.jobs.append(DirectorJob(**row))
    return selection


def published_policy(policy: Policy) -> dict[str, str]:
    """What the portal's pages need from the policy: the time zone their times are shown in,
    and how long a director's answer stands."""
    return {"time_zone": policy.timezone, "answer_stands_days": str(policy.portal.answer_stands_days)}
