"""The dunning decision as pure logic: segments, step order, suppression, the contact cap,
sending windows in the customer's time zone, and escalations."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from orchestration.dunning.selection import (
    Account,
    Contact,
    Facts,
    OpenInvoice,
    Promise,
    plan_dunning,
    scheduled_send,
    segment_for,
)
from orchestration.policy import PolicyError
from tests.orchestration.dunning.dunning_fixture import policy, write_policy

DUE = dt.date(2026, 11, 2)  # a Monday
CONTACT = Contact("Ann", "ann@example.com", "+12125550100", ("1 Main St",), None, "smb")


def _dunning(tmp_path, change=None):
    return policy(write_policy(tmp_path, change)).dunning


def _invoice(key="NYC:1", account="A", balance="500.00", due=DUE, currency="USD"):
    return OpenInvoice(
        key,
        key.split(":")[1],
        account,
        "Acme",
        "NYC",
        "Avery Brooks",
        None,
        currency,
        Decimal(balance),
        Decimal(balance),
        due,
    )


def _account(*invoices, contact=CONTACT, **changes):
    values = dict(
        account_id="A",
        account_name="Acme",
        office="NYC",
        collector="Avery Brooks",
        invoices=invoices or (_invoice(),),
        contact=contact,
    )
    values.update(changes)
    return Account(**values)


def test_segment_for_takes_the_first_segment_whose_conditions_all_hold(tmp_path):
    dunning = _dunning(tmp_path)
    assert segment_for(_account(dispute_count=2), dunning.segments, DUE).name == "disputers"
    assert segment_for(_account(_invoice(balance="20000.00")), dunning.segments, DUE).name == "big"
    assert segment_for(_account(), dunning.segments, DUE).name == "standard"


def test_segment_with_a_risk_condition_needs_a_risk_row(tmp_path):
    def risky_first(data):
        data["dunning"]["segments"].insert(
            0,
            {
                "name": "risky",
                "match": {"risk_bands": ["high"]},
                "steps": [{"name": "call", "offset_days": 0, "channel": "call_task"}],
            },
        )

    dunning = _dunning(tmp_path, risky_first)
    assert segment_for(_account(risk_band="high", risk_score=0.9), dunning.segments, DUE).name == "risky"
    assert segment_for(_account(), dunning.segments, DUE).name == "standard"


def test_plan_drafts_the_next_step_only_once_its_offset_is_reached(tmp_path):
    dunning = _dunning(tmp_path)
    assert plan_dunning([_account()], Facts(), dunning, DUE + dt.timedelta(days=2), "UTC").notices == []
    (notice,) = plan_dunning([_account()], Facts(), dunning, DUE + dt.timedelta(days=3), "UTC").notices
    assert (notice.channel, notice.lead.step.name, notice.lead.step_index) == ("email", "reminder", 0)
    # Long past due but only the first step received: the second comes next, never the fourth.
    late = plan_dunning(
        [_account()], Facts(steps_done={"NYC:1": 1}), dunning, DUE + dt.timedelta(days=40), "UTC"
    )
    assert [(n.channel, n.lead.step.name) for n in late.notices] == [("sms", "nudge")]
    done = plan_dunning(
        [_account()], Facts(steps_done={"NYC:1": 4}), dunning, DUE + dt.timedelta(days=40), "UTC"
    )
    assert done.notices == []


def test_plan_sends_one_notice_per_channel_covering_every_due_invoice(tmp_path):
    account = _account(_invoice("NYC:1"), _invoice("NYC:2", due=DUE - dt.timedelta(days=1)))
    (notice,) = plan_dunning(
        [account], Facts(), _dunning(tmp_path), DUE + dt.timedelta(days=5), "UTC"
    ).notices
    assert sorted(i.invoice.invoice_key for i in notice.items) == ["NYC:1", "NYC:2"]


def test_plan_holds_a_notice_within_the_contact_cap_counting_every_channel_and_team(tmp_path):
    dunning = _dunning(tmp_path)  # cap: one touch per 5 days
    day = DUE + dt.timedelta(days=3)
    recent_call = Facts(touches={"A": (day - dt.timedelta(days=4),)})
    plan = plan_dunning([_account()], recent_call, dunning, day, "UTC")
    assert plan.notices == [] and plan.held_counts() == {"contact_cap": 1}
    old_call = Facts(touches={"A": (day - dt.timedelta(days=5),)})
    assert len(plan_dunning([_account()], old_call, dunning, day, "UTC").notices) == 1


def test_plan_suppresses_disputed_promised_and_planned_invoices(tmp_path):
    dunning = _dunning(tmp_path)
    day = DUE + dt.timedelta(days=10)
    account = _account(_invoice("NYC:1"), _invoice("NYC:2"), _invoice("NYC:3", currency="EUR"))
    facts = Facts(
        open_disputes=frozenset({"NYC:1"}),
        promises=(Promise("p1", "A", "NYC:2", "pending", day + dt.timedelta(days=3)),),
        on_track_plans=frozenset({("A", "EUR")}),
    )
    plan = plan_dunning([account], facts, dunning, day, "UTC")
    assert plan.notices == []
    assert plan.held_counts() == {"on_track_plan": 1, "open_dispute": 1, "pending_promise": 1}


def test_plan_without_the_channel_address_holds_the_invoice_and_says_why(tmp_path):
    account = _account(contact=Contact(email=None))
    plan = plan_dunning([account], Facts(), _dunning(tmp_path), DUE + dt.timedelta(days=3), "UTC")
    assert plan.notices == [] and plan.held_counts() == {"no_email": 1}


def test_scheduled_send_opens_at_the_window_in_the_customers_time_zone_and_skips_weekends(tmp_path):
    from zoneinfo import ZoneInfo

    window = policy(write_policy(tmp_path)).dunning.sending_window.model_copy(
        update={"days": ["mon", "tue", "wed", "thu", "fri"]}
    )
    saturday = dt.date(2026, 11, 7)
    moment, local_day = scheduled_send(saturday, window, ZoneInfo("Asia/Tokyo"))
    assert local_day == dt.date(2026, 11, 9)
    assert moment == dt.datetime(2026, 11, 9, 0, 0, tzinfo=dt.UTC)  # 09:00 in Tokyo
    moment, _ = scheduled_send(saturday, window, ZoneInfo("America/New_York"))
    assert moment == dt.datetime(2026, 11, 9, 14, 0, tzinfo=dt.UTC)


def _sent(day: dt.date, what: str = "email sent") -> dict:
    return {"A": ((day, what),)}


def test_plan_escalates_after_the_threshold_without_response_once(tmp_path):
    dunning = _dunning(tmp_path)  # 30+ days past due and 4 days without response since the last contact
    day = DUE + dt.timedelta(days=30)
    four_days_ago = day - dt.timedelta(days=4)
    contacted = Facts(steps_done={"NYC:1": 4}, contacts=_sent(four_days_ago))
    (escalation,) = plan_dunning([_account()], contacted, dunning, day, "UTC").escalations
    assert escalation.key == "no_response:A" and escalation.reason == "no_response"
    assert f"last contact {four_days_ago.isoformat()} (email sent), no response since." in escalation.detail
    too_soon = Facts(steps_done={"NYC:1": 4}, contacts=_sent(day - dt.timedelta(days=3)))
    assert plan_dunning([_account()], too_soon, dunning, day, "UTC").escalations == []
    answered = Facts(
        steps_done={"NYC:1": 4},
        contacts=_sent(day - dt.timedelta(days=6)),
        last_response={"A": day - dt.timedelta(days=1)},
    )
    assert plan_dunning([_account()], answered, dunning, day, "UTC").escalations == []
    raised = Facts(
        steps_done={"NYC:1": 4}, contacts=contacted.contacts, escalated=frozenset({"no_response:A"})
    )
    assert plan_dunning([_account()], raised, dunning, day, "UTC").escalations == []
    broken = Facts(promises=(Promise("p9", "A", None, "broken", DUE),))
    assert [e.key for e in plan_dunning([_account()], broken, dunning, DUE, "UTC").escalations] == [
        "broken_promise:p9"
    ]


def test_only_contact_actually_made_starts_the_no_response_clock(tmp_path):
    dunning = _dunning(tmp_path)
    day = DUE + dt.timedelta(days=30)
    # Drafts scheduled and never sent crowd the contact cap but are no contact: nothing to escalate.
    drafted_only = Facts(steps_done={"NYC:1": 4}, touches={"A": (day - dt.timedelta(days=10),)})
    assert plan_dunning([_account()], drafted_only, dunning, day, "UTC").escalations == []
    # A call logged without reaching anyone is contact, not a response: the clock runs from it.
    voicemail = _sent(day - dt.timedelta(days=5), "call logged (voicemail)")
    call = Facts(steps_done={"NYC:1": 4}, contacts=voicemail)
    (escalation,) = plan_dunning([_account()], call, dunning, day, "UTC").escalations
    assert "(call logged (voicemail))" in escalation.detail


def test_an_answer_on_the_day_of_the_last_contact_is_an_answer(tmp_path):
    """A reached call is both the last contact and the customer's response, on the same day."""
    dunning = _dunning(tmp_path)
    day = DUE + dt.timedelta(days=30)
    reached = day - dt.timedelta(days=10)
    facts = Facts(
        steps_done={"NYC:1": 4},
        contacts=_sent(reached, "call logged (reached)"),
        last_response={"A": reached},
    )
    assert plan_dunning([_account()], facts, dunning, day, "UTC").escalations == []


def _staged(key, stage, source="tracker", due=DUE):
    return replace(_invoice(key, due=due), stage=stage, stage_source=source,
                   stage_updated_at=dt.datetime(2026, 10, 27, 19, 52))


def test_a_stage_the_policy_maps_to_disputed_or_promised_holds_like_a_record(tmp_path):
    dunning = _dunning(tmp_path)  # the shipped mapping: Disputed -> disputed, Promised -> promised
    day = DUE + dt.timedelta(days=10)
    account = _account(
        _staged("NYC:1", "Disputed"),
        _staged("NYC:2", " promised ", source="portal"),  # as a director's answer maps it
        _staged("NYC:3", "Follow Up", source="salesforce"),
    )
    plan = plan_dunning([account], Facts(), dunning, day, "UTC")
    assert [i.invoice.invoice_key for n in plan.notices for i in n.items] == ["NYC:3"]
    held = {h.invoice_key: (h.reason, h.detail) for h in plan.held}
    assert held == {
        "NYC:1": ("stage_disputed", "stage Disputed (the tracker, 2026-10-27)"),
        "NYC:2": ("stage_promised", "stage promised (a director's answer, 2026-10-27)"),
    }


def test_the_stage_mapping_is_policy_and_names_known_stages(tmp_path):
    def salesforce_spelling(data):
        data["stages"].append("In Dispute")
        data["dunning"]["stage_meanings"] = {"disputed": ["Disputed", "In Dispute"], "promised": []}

    dunning = _dunning(tmp_path, salesforce_spelling)
    plan = plan_dunning(
        [_account(_staged("NYC:1", "in dispute", source="salesforce"), _staged("NYC:2", "Promised"))],
        Facts(), dunning, DUE + dt.timedelta(days=10), "UTC",
    )
    assert [(h.invoice_key, h.reason) for h in plan.held] == [("NYC:1", "stage_disputed")]

    def unknown(data):
        data["dunning"]["stage_meanings"] = {"disputed": ["Disputd"]}

    with pytest.raises(PolicyError, match=r"dunning: .*stage_meanings: unknown stage\(s\) \['Disputd'\]"):
        _dunning(tmp_path / "typo", unknown)


def test_a_first_run_starts_each_invoice_at_the_step_that_fits_its_age(tmp_path):
    dunning = _dunning(tmp_path)  # standard: reminder 3, nudge (sms) 9, firm 16, final 25
    day = DUE + dt.timedelta(days=569)
    plan = plan_dunning([_account()], Facts(), dunning, day, "UTC")
    (notice,) = plan.notices
    (item,) = notice.items
    assert (item.step.name, item.step_index, item.reminded_before) == ("final", 3, False)
    assert [s.name for s in item.skipped] == ["reminder", "nudge", "firm"]
    # Seen before while too young for any step (and held since): it starts at the first step.
    seen_young = Facts(first_seen={"NYC:1": DUE + dt.timedelta(days=1)})
    (notice,) = plan_dunning([_account()], seen_young, dunning, day, "UTC").notices
    assert (notice.lead.step.name, notice.lead.skipped) == ("reminder", ())
    # Entered the ledger late, at 17 days past due: the firm reminder, whenever it is drafted.
    late = Facts(first_seen={"NYC:1": DUE + dt.timedelta(days=17)})
    (notice,) = plan_dunning([_account()], late, dunning, DUE + dt.timedelta(days=20), "UTC").notices
    assert notice.lead.step.name == "firm" and notice.lead.first_seen == DUE + dt.timedelta(days=17)
    # Once a step went out, the sequence goes strictly in order again.
    after = Facts(steps_done={"NYC:1": 1}, first_seen=late.first_seen)
    (notice,) = plan_dunning([_account()], after, dunning, day, "UTC").notices
    assert (notice.lead.step.name, notice.lead.reminded_before) == ("nudge", True)


def test_cash_first_holds_notices_and_escalations_with_the_reason(tmp_path):
    dunning = _dunning(tmp_path)
    day = DUE + dt.timedelta(days=30)
    waiting = "the payment files of 2026-12-02 are not in yet"
    files = Facts(payment_files_missing=waiting, contacts=_sent(day - dt.timedelta(days=5)),
                  steps_done={"NYC:1": 3})
    plan = plan_dunning([_account()], files, dunning, day, "UTC")
    assert plan.notices == [] and plan.escalations == []
    assert [(h.invoice_key, h.reason) for h in plan.held] == [
        ("NYC:1", "payment_files_not_in"), (None, "payment_files_not_in")
    ]
    assert plan.held[1].detail == f"escalation (no_response) waits: {waiting}"
    other = _account(_invoice("NYC:9", account="B"), account_id="B")
    cash = Facts(unapplied_cash={"A": "cash not yet applied: USD 500.00 received 2026-12-01"})
    plan = plan_dunning([_account(), other], cash, dunning, day, "UTC")
    assert [n.account.account_id for n in plan.notices] == ["B"]
    assert [(h.account_id, h.reason, h.detail) for h in plan.held] == [
        ("A", "unapplied_cash", "cash not yet applied: USD 500.00 received 2026-12-01")
    ]
