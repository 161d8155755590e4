"""The collector's list by account: one entry per customer with the contact, the next action and
the drivers in words, the invoices under it (numbers as the office writes them); an entry just
logged changes the account's next action at once, from the store's inbox, before any run."""

from __future__ import annotations

import datetime as dt
import html
import re

from portal.store import collector_entries, workbench
from tests.portal import workbench_factories
from tests.portal.workbench_factories import AVERY, MORGAN, STATE, entry_form, sign_in_staff

workbench_store = workbench_factories.workbench_store
workbench_client = workbench_factories.workbench_client
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")


def visible_text(page: str) -> str:
    """What a person reads: the page without tags, attributes, scripts or styles."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def cards(page: str) -> dict[str, str]:
    """Each account's card on the list, by account name."""
    found = {}
    for card in re.findall(r'<li class="job".*?</li>\s*(?=<li class="job"|</ol>)', page, flags=re.S):
        name = re.search(r'<h2 id="account-\d+">.*?>([^<]+)</a>', card, flags=re.S)
        found[html.unescape(name.group(1)) if name else "?"] = card
    return found


def _soon(days: int = 10) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def _log(client, kind: str, account_id: str = "ACC-1", **fields) -> str:
    """Log an entry on the account's page; returns the confirmation's address."""
    page = client.get("/workbench/account", params={"account_id": account_id}).text
    data = entry_form(page, kind)
    data.update(fields)
    response = client.post("/workbench/entries", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_worklist_lists_each_account_once_with_its_contact_and_invoices_under_it(
    workbench_client, portal_settings
):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    page = workbench_client.get("/workbench").text
    listed = cards(page)
    assert list(listed) == ["Acme Builders", "Bolt & Sons <b>"]  # two accounts, three invoices
    acme = listed["Acme Builders"]
    assert "Dana Payables" in acme and 'href="tel:+12125550199"' in acme
    assert 'href="mailto:payables%40example.com"' in acme
    assert acme.index("INV-101") < acme.index("INV-102") and "USD 1,500.00" in acme
    assert "Make the dunning call: the reminder sequence has reached its call step" in acme
    assert "by Mon 23 Nov" in acme
    assert "no contact for 21 days" in acme and "(+10.50)" in acme
    assert "inv 101" not in page  # the source's spelling is for the account page
    assert "No contact on file" in listed["Bolt & Sons <b>"]


def test_worklist_and_account_pages_read_in_words_without_codes(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    for path in ("/workbench", "/workbench/account?account_id=ACC-1"):
        text = visible_text(workbench_client.get(path).text)
        assert not SNAKE_CASE.search(text), SNAKE_CASE.search(text).group(0)
        assert "log-odds" not in text and "None" not in text


def test_a_promise_just_logged_changes_the_accounts_next_action_at_once(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    promised = dt.date.fromisoformat(_soon(10))
    confirmation = _log(workbench_client, "promise", promised_amount="750.50", currency="USD",
                        promised_date=promised.isoformat(), invoice_key="NYC|101")
    saved = workbench_client.get(confirmation).text
    assert "<dt>Account</dt><dd>Acme Builders</dd>" in saved and "<dt>Invoice</dt><dd>INV-101</dd>" in saved
    assert "NYC|101" not in visible_text(saved)
    acme = cards(workbench_client.get("/workbench").text)["Acme Builders"]
    due = promised + dt.timedelta(days=1)
    assert "Wait for the promised payment, then check it arrived</p>" not in acme  # it has its date
    action = "Wait for the promised payment, then check it arrived"
    assert f'{action} <span class="when">by {due:%a %-d %b}</span>' in acme
    assert f"Promise logged: promised USD 750.50 by {promised:%-d %b} (INV-101)" in acme
    # what the promise made untrue is gone: the dunning call (held by the promise), no contact
    assert "reminders reached their call step" not in acme and "no contact for 21 days" not in acme
    assert "USD 2,000.25 open in 2 invoices" in acme  # what stays true stays
    assert "Make the dunning call" not in acme


def test_a_dispute_holds_its_invoice_and_a_resolution_lifts_it_at_once(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    deadline = STATE.as_of_date + dt.timedelta(days=30)
    _log(workbench_client, "dispute", invoice_key="NYC|101", dispute_reason="Wrong rate",
         dispute_evidence="PO 77", dispute_deadline=_soon(30))
    acme = cards(workbench_client.get("/workbench").text)["Acme Builders"]
    work_by = STATE.as_of_date + dt.timedelta(days=3)  # policy: 3 days, never after the deadline
    action = "Work the dispute: no reminders go out while it is open"
    assert f'{action} <span class="when">by {work_by:%a %-d %b}</span>' in acme
    assert "Dispute logged on INV-101: Wrong rate" in acme
    assert deadline > work_by
    _log(workbench_client, "dispute_resolution", invoice_key="NYC|101", resolution="Credit note CN-1")
    acme = cards(workbench_client.get("/workbench").text)["Acme Builders"]
    assert "Dispute on INV-101 resolved" in acme
    assert "Send a reminder or call the client" in acme and "Work the dispute" not in acme


def test_a_plan_waits_for_its_first_installment(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    first = dt.date.fromisoformat(_soon(7))
    _log(workbench_client, "plan", currency="USD", installment_due_1=first.isoformat(),
         installment_amount_1="1000",
         installment_due_2=_soon(37), installment_amount_2="1000.25")
    acme = cards(workbench_client.get("/workbench").text)["Acme Builders"]
    check = first + dt.timedelta(days=1)
    assert f'Check the next plan installment arrived <span class="when">by {check:%a %-d %b}</span>' in acme
    assert f"Payment plan logged: 2 installments, the first USD 1,000.00 on {first:%-d %b}" in acme


def test_entries_the_published_list_already_counts_are_not_replayed(
    workbench_client, portal_settings, workbench_store
):
    from dataclasses import replace

    from tests.portal.workbench_factories import ACCOUNTS, EVENTS, ITEMS, MEMBERS, WORKLOAD

    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    _log(workbench_client, "call", call_outcome="reached", note="will pay Friday")
    assert "Call logged: reached the client" in workbench_client.get("/workbench").text
    (entry,) = collector_entries.after(workbench_store, 0, 10)
    # the next run ingested the call and published lists that count it
    workbench.publish(
        workbench_store,
        MEMBERS, ITEMS, EVENTS, WORKLOAD, ACCOUNTS, replace(STATE, entries_through=entry.entry_id)
    )
    acme = cards(workbench_client.get("/workbench").text)["Acme Builders"]
    assert "Call logged" not in acme and "Make the dunning call" in acme


def test_account_page_shows_the_contact_the_next_action_now_and_numbers_as_the_office_writes_them(
    workbench_client, portal_settings
):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    _log(workbench_client, "dispute", invoice_key="NYC|102", dispute_reason="Short delivery",
         dispute_evidence="photo", dispute_deadline=_soon(20))
    page = workbench_client.get("/workbench/account", params={"account_id": "ACC-1"}).text
    assert "Dana Payables" in page and 'href="tel:+12125550199"' in page
    assert "Make the dunning call" in page  # NYC|101's call is still due: it comes first
    assert "Dispute logged on INV-102: Short delivery" in page
    assert 'INV-101</span> <span class="muted">(inv 101 in the source)</span>' in page
    assert re.search(r"Dispute · INV-102 ", visible_text(page))  # the entry names the invoice, not its key
    assert '<option value="NYC|102">INV-102: Short delivery</option>' in page
    assert "NYC|102" not in visible_text(page)


def test_timeline_leads_with_the_most_recent_event(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "collector", AVERY)
    page = workbench_client.get("/workbench/account", params={"account_id": "ACC-1"}).text
    timeline = page[page.index('id="h-timeline"'):]
    assert timeline.index("Acme timeline note") < timeline.index("Invoice INV-101 issued")
    assert "1 Oct 2026" in timeline and "Timeline, most recent first" in page


def test_manager_reads_a_collectors_accounts_with_the_same_next_actions(workbench_client, portal_settings):
    sign_in_staff(workbench_client, portal_settings, "manager", MORGAN)
    page = workbench_client.get("/team/collector", params={"name": "Avery Brooks"}).text
    assert list(cards(page)) == ["Acme Builders", "Bolt & Sons <b>"]
    assert "Dana Payables" in page and "<form" not in page
