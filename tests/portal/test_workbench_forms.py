"""Workbench forms: validation per kind, errors next to the field with the input kept, the
confirmation, double submits stored once, and the manager's workload page."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from portal.store import audit_log, collector_entries, workbench
from portal.workbench_forms import AccountScope, EntryForm, new_submission_id, validate_entry
from tests.portal import workbench_factories
from tests.portal.workbench_factories import (
    AVERY,
    MORGAN,
    entry_form,
    sign_in_staff,
)

# Fixtures shared by the workbench tests.
workbench_store = workbench_factories.workbench_store
workbench_client = workbench_factories.workbench_client

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
SCOPE = AccountScope(
    account_id="ACC-1",
    invoice_currencies={"NYC|101": "USD", "NYC|102": "USD"},
    open_balances={"USD": Decimal("2000.25")},
    open_disputes=frozenset({"NYC|102"}),
)


def validate(kind: str, **fields):
    form = EntryForm(submission_id=new_submission_id(), kind=kind, account_id="ACC-1", **fields)
    return validate_entry(form, SCOPE, AVERY, "Avery Brooks", NOW)


def plan(*rows: tuple[str, str], currency: str = "USD"):
    fields = {}
    for n, (due, amount) in enumerate(rows, start=1):
        fields[f"installment_due_{n}"], fields[f"installment_amount_{n}"] = due, amount
    return validate("plan", currency=currency, **fields)


# validation, one rule per test ------------------------------------------------------------------
def test_plan_with_ascending_dates_and_positive_amounts_within_the_balance_is_accepted():
    result = plan(("2026-12-01", "1000.25"), ("2027-01-01", "1,000"))
    assert result.errors == {}
    assert json.loads(result.entry.plan_installments) == [
        {"due_on": "2026-12-01", "amount": "1000.25"},
        {"due_on": "2027-01-01", "amount": "1000.00"},
    ]
    assert (result.entry.kind, result.entry.currency, result.entry.invoice_key) == ("plan", "USD", None)


def test_plan_dates_must_ascend():
    result = plan(("2026-12-01", "10"), ("2026-12-01", "10"), ("2026-11-30", "10"))
    assert result.entry is None
    assert result.errors["installment_due_2"] == "Each installment must fall after the one before it."
    assert result.errors["installment_due_3"] == "Each installment must fall after the one before it."


def test_plan_amounts_must_be_more_than_zero():
    result = plan(("2026-12-01", "0"), ("2027-01-01", "-5"))
    assert result.errors["installment_amount_1"] == "The amount must be more than zero."
    assert result.errors["installment_amount_2"] == "The amount must be more than zero."


def test_plan_total_must_not_exceed_the_open_balance_in_its_currency():
    result = plan(("2026-12-01", "1000.25"), ("2027-01-01", "1000.01"))
    assert result.errors == {
        "installments": "The installments add up to USD 2,000.26, more than the account's open balance "
        "of USD 2,000.25."
    }


def test_plan_needs_two_to_twenty_four_installments():
    assert "2 to 24 installments (this one has 1)" in plan(("2026-12-01", "10")).errors["installments"]
    rows = [((dt.date(2026, 12, 1) + dt.timedelta(days=n)).isoformat(), "1") for n in range(25)]
    form = {}
    for n, (due, amount) in enumerate(rows[:24], start=1):
        form[f"installment_due_{n}"], form[f"installment_amount_{n}"] = due, amount
    assert validate("plan", currency="USD", **form).errors == {}


def test_plan_row_with_a_date_but_no_amount_is_an_error_on_that_row():
    result = plan(("2026-12-01", "10"), ("2027-01-01", ""))
    assert result.errors == {"installment_amount_2": "Enter the installment's amount."}


def test_plan_currency_must_be_one_the_account_owes_in():
    assert plan(("2026-12-01", "10"), ("2027-01-01", "10"), currency="EUR").errors["currency"] == (
        "Choose one of the account's currencies."
    )


def test_promise_needs_amount_currency_and_a_date_not_in_the_past():
    result = validate("promise", promised_amount="", currency="", promised_date="2026-11-22")
    assert result.errors == {
        "promised_amount": "Enter the promised amount.",
        "currency": "Choose a currency.",
        "promised_date": "The date cannot be in the past.",
    }


def test_promise_on_an_invoice_checks_the_invoice_and_its_currency():
    ok = validate(
        "promise", promised_amount="250", currency="USD", promised_date="2026-12-04", invoice_key="NYC|101"
    )
    assert ok.errors == {} and ok.entry.invoice_key == "NYC|101"
    assert ok.entry.promised_amount == Decimal("250.00") and ok.entry.promised_date == dt.date(2026, 12, 4)
    foreign = validate(
        "promise", promised_amount="1", currency="USD", promised_date="2026-12-04", invoice_key="X|1"
    )
    assert foreign.errors == {"invoice_key": "Choose one of the listed invoices."}


def test_dispute_needs_invoice_reason_evidence_and_deadline():
    result = validate("dispute")
    assert set(result.errors) == {"invoice_key", "dispute_reason", "dispute_evidence", "dispute_deadline"}
    ok = validate(
        "dispute",
        invoice_key="NYC|101",
        dispute_reason="Wrong rate",
        dispute_evidence="file://contracts/acme.pdf",
        dispute_deadline="2026-12-15",
    )
    assert ok.errors == {} and ok.entry.dispute_deadline == dt.date(2026, 12, 15)


def test_dispute_resolution_needs_an_open_dispute_and_a_resolution():
    assert validate("dispute_resolution", invoice_key="NYC|101", resolution="Credited").errors == {
        "invoice_key": "Choose one of the listed invoices."
    }
    ok = validate("dispute_resolution", invoice_key="NYC|102", resolution="Credit note issued")
    assert ok.errors == {} and ok.entry.resolution == "Credit note issued"


def test_call_needs_a_known_outcome_and_note_needs_text():
    assert validate("call", call_outcome="shouted").errors == {"call_outcome": "Choose how the call went."}
    assert validate("call", call_outcome="voicemail").entry.call_outcome == "voicemail"
    assert validate("note", note="  ").errors == {"note": "Write the note."}
    assert validate("note", note="bad\x00text").errors == {
        "note": "Please remove the invisible control characters from this text."
    }


def test_unknown_kind_or_stale_submission_id_is_refused():
    assert "form" in validate("refund").errors
    stale = EntryForm(submission_id="not-an-id", kind="note", account_id="ACC-1", note="x")
    assert "form" in validate_entry(stale, SCOPE, AVERY, "Avery Brooks", NOW).errors


def test_fields_another_kind_uses_are_neither_checked_nor_stored():
    result = validate(
        "call",
        call_outcome="reached",
        note="Spoke to AP",
        invoice_key="X|1",
        currency="XXX",
        promised_amount="lots",
        promised_date="someday",
        dispute_deadline="2001-01-01",
        resolution="bad\x00text",
        installment_due_1="2001-01-01",
    )
    assert result.errors == {}
    stored = {name: getattr(result.entry, name) for name in (
        "invoice_key", "currency", "promised_amount", "promised_date", "dispute_reason", "dispute_evidence",
        "dispute_deadline", "resolution", "plan_installments",
    )}
    assert stored == dict.fromkeys(stored)
    assert (result.entry.call_outcome, result.entry.note) == ("reached", "Spoke to AP")


# pages ---------------------------------------------------------------------------------------------
def _soon(days: int = 30) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def avery(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    return workbench_client


def _account(client, account_id: str = "ACC-1") -> str:
    response = client.get("/workbench/account", params={"account_id": account_id})
    assert response.status_code == 200
    return response.text


def test_account_page_shows_timeline_open_items_and_every_form(avery):
    page = _account(avery)
    assert "Acme timeline note" in page and "INV-101" in page and "INV-102" in page
    assert "2,000.25" in page  # open balance in USD
    kinds = set(re.findall(r'name="kind" value="([a-z_]+)"', page))
    assert kinds == {"call", "note", "promise", "dispute", "plan"}  # no open dispute: nothing to resolve
    assert page.count('name="_csrf_token"') == len(re.findall(r"<form", page))
    assert page.count('<option value="USD" selected>') == 2  # one currency: promise and plan preselect it
    for field_id in re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', page):
        assert f'<label for="{field_id}"' in page, field_id


def test_invalid_plan_comes_back_with_errors_next_to_fields_and_input_kept(avery, workbench_store):
    data = entry_form(_account(avery), "plan")
    data.update(
        currency="USD",
        installment_due_1=_soon(10),
        installment_amount_1="100",
        installment_due_2=_soon(5),
        installment_amount_2="abc",
    )
    response = avery.post("/workbench/entries", data=data)
    assert response.status_code == 400
    page = response.text
    assert 'id="plan-installment_due_2-error">Each installment must fall after the one before it.' in page
    assert 'id="plan-installment_amount_2-error">Enter an amount in numbers' in page
    assert f'id="plan-installment_due_1" name="installment_due_1" value="{_soon(10)}"' in page
    assert 'name="installment_amount_2" value="abc"' in page
    assert 'aria-invalid="true" aria-describedby="plan-installment_amount_2-error"' in page
    assert f'name="submission_id" value="{data["submission_id"]}"' in page  # the retry stores once
    assert collector_entries.after(workbench_store, 0, 10) == []


def test_promise_is_saved_once_even_when_posted_twice_and_confirmed(avery, workbench_store):
    data = entry_form(_account(avery), "promise")
    data.update(promised_amount="750.50", currency="USD", promised_date=_soon(), invoice_key="NYC|101")
    first = avery.post("/workbench/entries", data=data, follow_redirects=False)
    second = avery.post("/workbench/entries", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    [saved] = collector_entries.after(workbench_store, 0, 10)
    assert (saved.kind, saved.account_id, saved.invoice_key, saved.promised_amount) == (
        "promise",
        "ACC-1",
        "NYC|101",
        Decimal("750.50"),
    )
    page = avery.get(first.headers["location"]).text
    assert "Saved: promise to pay" in page and "USD 750.50" in page
    assert [e.action for e in audit_log.entries(workbench_store, account_id="ACC-1", actor=AVERY)] == [
        "collector_entry.promise"
    ]


def test_same_submission_id_for_another_account_is_a_conflict(avery, workbench_store):
    data = entry_form(_account(avery), "note")
    data.update(note="first")
    assert avery.post("/workbench/entries", data=data, follow_redirects=False).status_code == 303
    data.update(account_id="ACC-2", note="second")
    response = avery.post("/workbench/entries", data=data, follow_redirects=False)
    assert response.status_code == 409 and "Form already used" in response.text
    assert [e.note for e in collector_entries.after(workbench_store, 0, 10)] == ["first"]


def test_dispute_then_resolution_round_trip(avery, workbench_store):
    data = entry_form(_account(avery), "dispute")
    data.update(
        invoice_key="NYC|102",
        dispute_reason="Wrong rate",
        dispute_evidence="PO 77 attached",
        dispute_deadline=_soon(14),
    )
    assert avery.post("/workbench/entries", data=data, follow_redirects=False).status_code == 303
    page = _account(avery)
    assert "disputed" in page
    resolution = entry_form(page, "dispute_resolution")
    resolution.update(invoice_key="NYC|102", resolution="Credit note CN-1")
    assert avery.post("/workbench/entries", data=resolution, follow_redirects=False).status_code == 303
    assert 'value="dispute_resolution"' not in _account(avery)
    kinds = [e.kind for e in collector_entries.after(workbench_store, 0, 10)]
    assert kinds == ["dispute", "dispute_resolution"]


def test_plan_confirmation_lists_the_installments(avery):
    data = entry_form(_account(avery), "plan")
    data.update(
        currency="USD",
        installment_due_1=_soon(10),
        installment_amount_1="1000",
        installment_due_3=_soon(40),
        installment_amount_3="1000.25",
    )
    response = avery.post("/workbench/entries", data=data)
    assert response.status_code == 200
    assert "Saved: payment plan" in response.text
    assert "1000.25" in response.text and _soon(40) in response.text


def test_manager_page_shows_workload_activity_gaps_and_hints(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "manager", MORGAN)
    page = workbench_client.get("/team").text
    assert "Team workload · NYC" in page and "2,000.25" in page
    assert "Holds 3 open items: move about 1 to Casey" in page
    assert 'href="/team/collector?name=Avery%20Brooks"' in page


def test_worklist_page_shows_the_top_of_a_long_list_in_rank_order(
    workbench_client, portal_settings, workbench_store
):
    from portal.controllers.workbench import PAGE_ITEMS
    from tests.portal.workbench_factories import EVENTS, MEMBERS, STATE, WORKLOAD, account, item

    items = [item("Avery Brooks", n, f"NYC|{n}", f"ACC-{n}") for n in range(1, PAGE_ITEMS + 6)]
    accounts = [account("Avery Brooks", n, f"ACC-{n}") for n in range(1, PAGE_ITEMS + 6)]
    workbench.publish(workbench_store, MEMBERS, items, EVENTS, WORKLOAD, accounts, STATE)
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    page = workbench_client.get("/workbench").text
    assert f"The top {PAGE_ITEMS} accounts" in page
    ranks = [int(r) for r in re.findall(r'<span class="rank">#(\d+)</span>', page)]
    assert ranks == list(range(1, PAGE_ITEMS + 1))
