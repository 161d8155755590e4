"""The team's read models: the roster of collectors and managers (contract C1), and the team
workload a manager sees (marts.collector_workload), one row per collector and currency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, insert, select

from portal.links import normalize_email
from portal.store.connection import PortalStore
from portal.store.tables import collector_items, team_members, team_workload

ROLES = ("collector", "manager")


@dataclass(frozen=True)
class StaffMember:
    """A collector or manager on the roster the pipeline publishes (contract C1)."""

    email: str
    role: str
    name: str
    office: str | None


@dataclass(frozen=True)
class WorkloadRow:
    """One collector and currency of the team view (marts.collector_workload)."""

    collector: str
    currency: str
    collector_email: str | None
    collector_office: str | None
    open_items: int
    open_balance: Decimal
    past_due_items: int
    past_due_balance: Decimal
    updates_last_7_days: int
    updates_last_30_days: int
    applications_last_7_days: int
    applications_last_30_days: int
    coverage_gap_accounts: int
    collector_open_items: int
    reassignment_hint: str | None
    as_of_date: dt.date | None
    team_mean_open_items: Decimal | None = None
    """The mean of open items per collector (unassigned left out), and the policy's
    `worklist.reassign_load_ratio`: load is even within mean / ratio .. mean x ratio."""
    load_ratio: Decimal | None = None


_WORKLOAD_FIELDS = list(WorkloadRow.__dataclass_fields__)


def member_rows(members: Iterable[StaffMember]) -> list[dict]:
    """The roster as rows (emails normalized); an unknown role is refused."""
    rows = []
    for member in members:
        if member.role not in ROLES:
            raise ValueError(f"{member.email}: unknown role {member.role!r}; known: {list(ROLES)}")
        email = normalize_email(member.email)
        rows.append({"email": email, "role": member.role, "name": member.name, "office": member.office})
    return rows


def publish_roster(store: PortalStore, members: Iterable[StaffMember]) -> int:
    """Replace the roster alone (`ledgerloop link` keeps it current before the first run)."""
    rows = member_rows(members)
    with store.writer.begin() as conn:
        conn.execute(delete(team_members))
        if rows:
            conn.execute(insert(team_members), rows)
    return len(rows)


def member(store: PortalStore, email: str, role: str) -> StaffMember | None:
    """The roster entry of this person in this role, if they have it."""
    query = select(team_members).where(
        team_members.c.email == normalize_email(email), team_members.c.role == role
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else StaffMember(*row)


def members(store: PortalStore, role: str) -> list[StaffMember]:
    """Everyone on the roster in this role, by name."""
    query = select(team_members).where(team_members.c.role == role).order_by(team_members.c.name)
    with store.engine.connect() as conn:
        return [StaffMember(*row) for row in conn.execute(query)]


def workload(store: PortalStore, office: str | None) -> list[WorkloadRow]:
    """The team view: every collector of `office` (every collector when None), by name."""
    query = select(*[team_workload.c[name] for name in _WORKLOAD_FIELDS]).order_by(
        team_workload.c.collector, team_workload.c.currency
    )
    if office is not None:
        query = query.where(team_workload.c.collector_office == office)
    with store.engine.connect() as conn:
        return [WorkloadRow(*row) for row in conn.execute(query)]


def collector_office(store: PortalStore, collector: str) -> tuple[bool, str | None]:
    """(known, office) of a collector named in the published lists or the workload."""
    with store.engine.connect() as conn:
        for table in (team_workload, collector_items):
            row = conn.execute(
                select(table.c.collector_office).where(table.c.collector == collector).limit(1)
            ).first()
            if row is not None:
                return True, row[0]
    return False, None
