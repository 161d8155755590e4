"""The replay of new entries on a published account (portal.worklist_now), rule by rule, as the
worklist models in dbt decide them (see tests/dbt/collections for the other side)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from decimal import Decimal

from portal.store.collector_entries import CollectorEntry
from portal.worklist_now import Replay
from tests.portal.workbench_factories import ACCOUNTS, AVERY, ITEMS, STATE, item

BASE = STATE.as_of_date  # 2026-11-23: the day the published lists are for
ACME = ACCOUNTS[0]
ACME_ITEMS = ITEMS[:2]  # NYC|101 (dunning call due, untouched, past due), NYC|102 (untouched, past due)


def entry(kind: str, n: int = 1, **fields) -> CollectorEntry:
    values = dict.fromkeys(
        ("invoice_key", "note", "call_outcome", "currency", "promised_amount", "promised_date",
         "dispute_reason", "dispute_evidence", "dispute_deadline", "resolution", "plan_installments")
    )
    values.update(fields)
    return CollectorEntry(
        submission_id=f"s{n}", collector_email=AVERY, collector="Avery Brooks", kind=kind, account_id="ACC-1",
        submitted_at=dt.datetime(2026, 11, 23, 15, tzinfo=dt.UTC), entry_id=n, **values,
    )


def replay(entries, items=ACME_ITEMS):
    return Replay(STATE).account(ACME, list(items), entries)


def test_nothing_logged_shows_the_account_as_published():
    now = replay([])
    assert (now.reason, now.next_action, now.due_by, now.updated) == (
        "dunning_call", ACME.next_action, dt.date(2026, 11, 23), False)
    assert [d["driver"] for d in now.drivers] == ["dunning_call", "balance", "days_past_due", "no_contact"]


def test_a_call_clears_the_call_step_and_the_contact_gap_of_every_invoice():
    now = replay([entry("call", call_outcome="no_answer")])
    assert (now.reason, now.due_by) == ("past_due", BASE + dt.timedelta(days=3))
    assert now.logged == ["Call logged: no answer"]
    assert {d["driver"] for d in now.drivers} == {"balance", "days_past_due"}


def test_a_promise_due_within_the_window_is_due_and_checked_the_day_after():
    now = replay([entry("promise", invoice_key="NYC|101", currency="USD", promised_amount=Decimal("100"),
                        promised_date=BASE + dt.timedelta(days=3))])
    assert now.reason == "promise_to_pay_due"
    assert now.next_action == "Check the payment the client promised you arrived"
    assert now.due_by == BASE + dt.timedelta(days=4)


def test_an_account_wide_promise_covers_only_the_invoices_in_its_currency():
    gbp = item("Avery Brooks", 3, "LDN|9", "ACC-1", currency="GBP", reasons=ITEMS[0].reasons)
    now = replay([entry("promise", currency="USD", promised_amount=Decimal("100"),
                        promised_date=BASE + dt.timedelta(days=20))], [*ACME_ITEMS, gbp])
    tops = {i.item.invoice_key: min(i.reasons, key=Replay(STATE).position) for i in now.items}
    assert tops == {"NYC|101": "promise_to_pay_pending", "NYC|102": "promise_to_pay_pending",
                    "LDN|9": "dunning_call"}  # the GBP invoice's call step is still due
    assert now.reason == "dunning_call"


def test_a_newer_promise_supersedes_a_broken_one_on_the_same_invoice():
    reasons = [{"reason": "promise_to_pay_broken", "due_by": "2026-11-23"},
               {"reason": "past_due", "due_by": "2026-11-26"}]
    broken = replace(ACME_ITEMS[0], reasons=json.dumps(reasons))
    now = replay([entry("promise", invoice_key="NYC|101", currency="USD", promised_amount=Decimal("100"),
                        promised_date=BASE + dt.timedelta(days=10))], [broken])
    assert now.reason == "promise_to_pay_pending"
    assert now.due_by == BASE + dt.timedelta(days=11)


def test_a_dispute_with_a_near_deadline_is_settled_before_it():
    now = replay([entry("dispute", invoice_key="NYC|101", dispute_reason="Rate",
                        dispute_deadline=BASE + dt.timedelta(days=2))])
    assert now.reason == "dispute_deadline_near"
    assert now.due_by == BASE + dt.timedelta(days=1)
    settle = BASE + dt.timedelta(days=2)
    assert now.logged == [f"Dispute logged on INV-101: Rate, to settle by {settle:%-d %b}"]
