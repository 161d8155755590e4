"""Workbench test data: a roster, two collectors' worklists (accounts and the invoices under
them), timelines, the team workload and the state the lists reflect, and signing collectors and
managers in."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from litestar.testing import TestClient

from orchestration.outreach.workbench import replay_policy
from orchestration.policy import load_policy
from orchestration.settings import REPO_ROOT
from portal.app import create_app
from portal.links import StaffLinkSigner
from portal.settings import PortalSettings
from portal.store import PortalStore, connect, director_jobs, workbench
from portal.store.account_events import AccountEvent
from portal.store.team import StaffMember, WorkloadRow
from portal.store.worklists import CollectorItem
from portal.worklist_rows import CollectorAccount, WorkbenchState
from tests.portal.portal_factories import DANA, ERIN, STATUSES, job

AVERY = "avery.brooks@example.com"  # collector, NYC: accounts ACC-1 and ACC-2
HARRIET = "harriet.cole@example.com"  # collector, LDN: account ACC-9
MORGAN = "morgan.reyes@example.com"  # manager, NYC
FIONA = "fiona.hale@example.com"  # manager, LDN
WHITFIELD = "dana.whitfield@example.com"  # manager of every office

MEMBERS = [
    StaffMember(AVERY, "collector", "Avery Brooks", "NYC"),
    StaffMember(HARRIET, "collector", "Harriet Cole", "LDN"),
    StaffMember(MORGAN, "manager", "Morgan Reyes", "NYC"),
    StaffMember(FIONA, "manager", "Fiona Hale", "LDN"),
    StaffMember(WHITFIELD, "manager", "Dana Whitfield", None),
]
DRIVERS = json.dumps(
    [
        {"driver": "days_past_due", "value": "45", "points": "22.50"},
        {"driver": "balance_rank_in_currency", "value": "0.9", "points": "27.00"},
    ]
)


PAST_DUE = '[{"reason": "past_due", "due_by": "2026-11-26"}]'
AS_OF = dt.date(2026, 11, 23)
ACCOUNT_DRIVERS = json.dumps(
    [
        {"driver": "balance", "label": "USD 2,000.25 open in 2 invoices", "points": "27.00"},
        {"driver": "days_past_due", "label": "oldest invoice 45 days past due", "points": "11.25"},
        {"driver": "no_contact", "label": "no contact for 21 days", "points": "10.50"},
        {"driver": "dunning_call", "label": "reminders reached their call step for INV-101",
         "points": "30.00"},
    ]
)


def item(collector: str, rank: int, invoice_key: str, account_id: str, **changes) -> CollectorItem:
    """One worklist row; keyword arguments override any field."""
    email = {"Avery Brooks": AVERY, "Harriet Cole": HARRIET}.get(collector)
    office = {"Avery Brooks": "NYC", "Harriet Cole": "LDN"}.get(collector)
    base = CollectorItem(
        collector=collector,
        item_key=invoice_key,
        collector_email=email,
        collector_office=office,
        rank=rank,
        invoice_key=invoice_key,
        payment_id=None,
        account_id=account_id,
        account_name=f"{account_id} Holdings",
        invoice_number="INV-" + invoice_key.split("|")[-1],
        currency="USD",
        balance=Decimal("1000.00"),
        days_past_due=45,
        aging_bucket="31-60",
        reason="past_due",
        next_action="Send a reminder or call the client",
        due_by=dt.date(2026, 11, 26),
        priority_score=Decimal("49.50"),
        drivers=DRIVERS,
        reasons=PAST_DUE,
        due_date=dt.date(2026, 10, 9),
    )
    return replace(base, **changes)


# ACC-1's first invoice has reached the dunning call step; nobody contacted Acme for 21 days.
CALL_DUE = (
    '[{"reason": "dunning_call", "due_by": "2026-11-23"}, {"reason": "untouched", "due_by": "2026-11-24"}, '
    '{"reason": "past_due", "due_by": "2026-11-26"}]'
)
UNTOUCHED = (
    '[{"reason": "untouched", "due_by": "2026-11-24"}, {"reason": "past_due", "due_by": "2026-11-26"}]'
)
CALL_ACTION = "Make the dunning call: the reminder sequence has reached its call step"

ITEMS = [
    item("Avery Brooks", 1, "NYC|101", "ACC-1", balance=Decimal("1500.00"), account_name="Acme Builders",
         reason="dunning_call", next_action=CALL_ACTION, due_by=dt.date(2026, 11, 23), reasons=CALL_DUE,
         source_number="inv 101"),
    item("Avery Brooks", 2, "NYC|102", "ACC-1", balance=Decimal("500.25"), account_name="Acme Builders",
         reason="untouched", next_action="Contact the client: nobody has for too long",
         due_by=dt.date(2026, 11, 24), reasons=UNTOUCHED),
    item("Avery Brooks", 3, "NYC|201", "ACC-2", account_name="Bolt & Sons <b>"),
    item("Harriet Cole", 1, "LDN|901", "ACC-9", currency="GBP", account_name="Secret London Client"),
]
def account(collector: str, rank: int, account_id: str, **changes) -> CollectorAccount:
    """One ranked account of a collector's list; keyword arguments override any field."""
    email = {"Avery Brooks": AVERY, "Harriet Cole": HARRIET}.get(collector)
    office = {"Avery Brooks": "NYC", "Harriet Cole": "LDN"}.get(collector)
    base = CollectorAccount(
        collector=collector,
        item_key=account_id,
        collector_email=email,
        collector_office=office,
        rank=rank,
        account_id=account_id,
        account_name=f"{account_id} Holdings",
        payment_id=None,
        contact_name="Dana Payables",
        contact_email="payables@example.com",
        contact_phone="+1 212 555 0199",
        open_invoices=1,
        open_balances="USD 1,000.00",
        days_past_due=45,
        reason="past_due",
        next_action="Send a reminder or call the client",
        due_by=dt.date(2026, 11, 26),
        priority_score=Decimal("78.75"),
        drivers=ACCOUNT_DRIVERS,
        notes=None,
        days_since_contact=21,
    )
    return replace(base, **changes)


ACCOUNTS = [
    account("Avery Brooks", 1, "ACC-1", account_name="Acme Builders", open_invoices=2,
            open_balances="USD 2,000.25", reason="dunning_call", next_action=CALL_ACTION,
            due_by=dt.date(2026, 11, 23)),
    account(
        "Avery Brooks", 2, "ACC-2", account_name="Bolt & Sons <b>", contact_name=None, contact_email=None,
        contact_phone=None,
    ),
    account("Harriet Cole", 1, "ACC-9", account_name="Secret London Client", open_balances="GBP 1,000.00"),
]
STATE = WorkbenchState(AS_OF, 0, dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC),
                       replay_policy(load_policy(REPO_ROOT / "ledgerloop.yaml")))

EVENTS = [
    AccountEvent(
        "ACC-1",
        1,
        "Acme Builders",
        dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
        "invoice_issued",
        "NYC|101",
        None,
        Decimal("1500.00"),
        "USD",
        "salesforce",
        "Invoice INV-101 issued",
    ),
    AccountEvent(
        "ACC-1",
        2,
        "Acme Builders",
        dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
        "director_answer",
        "NYC|101",
        None,
        None,
        "USD",
        DANA,
        "Will pay; note: Acme timeline note",
    ),
    AccountEvent(
        "ACC-9",
        1,
        "Secret London Client",
        dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
        "invoice_issued",
        "LDN|901",
        None,
        Decimal("1000.00"),
        "GBP",
        "salesforce",
        "London secret event",
    ),
]


def workload(collector: str, office: str | None, **changes) -> WorkloadRow:
    """One team workload row."""
    base = WorkloadRow(
        collector=collector,
        currency="USD",
        collector_email=None,
        collector_office=office,
        open_items=3,
        open_balance=Decimal("2000.25"),
        past_due_items=3,
        past_due_balance=Decimal("2000.25"),
        updates_last_7_days=1,
        updates_last_30_days=4,
        applications_last_7_days=0,
        applications_last_30_days=2,
        coverage_gap_accounts=1,
        collector_open_items=3,
        reassignment_hint=None,
        as_of_date=dt.date(2026, 11, 23),
    )
    return replace(base, **changes)


WORKLOAD = [
    workload("Avery Brooks", "NYC", reassignment_hint="Holds 3 open items: move about 1 to Casey"),
    workload("Harriet Cole", "LDN", currency="GBP", open_items=1, collector_open_items=1),
    workload("unassigned", None, open_items=7, collector_open_items=7),
]


def publish(store: PortalStore) -> None:
    """The workbench read models as a pipeline run would publish them."""
    workbench.publish(store, MEMBERS, ITEMS, EVENTS, WORKLOAD, ACCOUNTS, STATE)


def mint_staff(settings: PortalSettings, role: str, email: str, version: int = 1) -> str:
    """A valid link token for this person in this role."""
    return StaffLinkSigner(settings.secret_key, settings.link_max_age_seconds, role).mint(email, version)


def sign_in_staff(client, settings: PortalSettings, role: str, email: str, version: int = 1) -> None:
    """Open the person's link so the client holds the workbench session cookie."""
    path = {"collector": "c", "manager": "m"}[role]
    response = client.get(f"/{path}/{mint_staff(settings, role, email, version)}")
    assert response.status_code == 200, response.text


def entry_form(html: str, kind: str) -> dict[str, str]:
    """The hidden fields of the account page's form of this kind."""
    for form in re.findall(r"<form.*?</form>", html, flags=re.S):
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        if fields.get("kind") == kind:
            return fields
    raise AssertionError(f"no {kind} form on the page")


@pytest.fixture
def workbench_store(portal_settings):
    """A store with directors' jobs and the workbench read models."""
    store = connect(portal_settings.db_url)
    director_jobs.publish(store, [job("new-york|123", DANA), job("boston|789", ERIN)], STATUSES)
    publish(store)
    yield store
    store.close()


@pytest.fixture
def workbench_client(portal_settings, workbench_store):
    """A test client of the portal around `workbench_store`."""
    with TestClient(create_app(portal_settings), base_url="http://testserver.local") as test_client:
        yield test_client
