"""Every dunning email and SMS carries the customer's link to their account (escaped), only for a
contact the portal publishes and only when the portal is configured for customers."""

import datetime as dt
from dataclasses import replace

from markupsafe import escape

from orchestration.dunning.channels.email import render_email
from orchestration.dunning.channels.sms import render_sms
from orchestration.dunning.customer_links import customer_links, with_link
from orchestration.dunning.selection import Facts, plan_dunning
from orchestration.outreach.portal_store import customer_portal_settings
from portal.customer_links import CustomerLinkSigner
from portal.store import connect, customers
from portal.store.customers import CustomerAccount, CustomerContact
from tests.orchestration.dunning.test_selection import CONTACT, DUE, _account, _dunning, _invoice
from tests.portal.portal_factories import settings_for

DAY = DUE + dt.timedelta(days=3)
ODD_BASE = 'https://portal.example/pay?x="1"&y=<b>'


def _door(tmp_path, base_url=ODD_BASE):
    settings = replace(settings_for(tmp_path), base_url=base_url)
    store = connect(settings.db_url)
    customers.publish(
        store,
        [CustomerAccount("A", "Acme", DAY, "Avery Brooks", None, "{}", "{}")],
        [CustomerContact("A", CONTACT.email, "Ann")],
        [],
    )
    return settings, store


def _notice(tmp_path, *accounts, facts=None, day=DAY):
    dunning = _dunning(tmp_path)
    plan = plan_dunning(list(accounts or [_account()]), facts or Facts(), dunning, day, "UTC")
    return dunning, plan.notices


def test_the_email_carries_the_contacts_link_escaped_in_html_and_whole_in_text(tmp_path):
    settings, store = _door(tmp_path)
    dunning, [notice] = _notice(tmp_path)
    message = render_email(with_link(notice, customer_links(settings, store)), dunning, DAY)
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    url = next(line for line in text.splitlines() if line.startswith(ODD_BASE))
    claims = CustomerLinkSigner(settings.secret_key, 3600).verify(url.rsplit("/", 1)[1])
    assert (claims.account_id, claims.email, claims.version) == ("A", CONTACT.email, 1)
    assert f'href="{escape(url)}"' in page and "<b>" not in page
    assert "See your account online" in page


def test_the_sms_carries_the_link(tmp_path):
    settings, store = _door(tmp_path)
    later = DUE + dt.timedelta(days=40)  # the policy's second step texts
    dunning, [notice] = _notice(tmp_path, facts=Facts(steps_done={"NYC:1": 1}), day=later)
    assert notice.channel == "sms"
    sms = render_sms(with_link(notice, customer_links(settings, store)), dunning, later)
    assert f"Your account: {ODD_BASE}/a/" in sms.body


def test_no_link_for_a_contact_the_portal_does_not_publish_or_without_a_minter(tmp_path):
    settings, store = _door(tmp_path)
    other = _account(_invoice("NYC:2", account="B"), account_id="B")
    dunning, notices = _notice(tmp_path, _account(), other)
    links = customer_links(settings, store)
    bodies = {
        n.account.account_id: render_email(with_link(n, links), dunning, DAY)
        .get_body(("plain",))
        .get_content()
        for n in notices
    }
    assert "Your account online" in bodies["A"] and "Your account online" not in bodies["B"]
    plain = render_email(with_link(notices[0], None), dunning, DAY).get_body(("html",)).get_content()
    assert "See your account online" not in plain


def test_the_portal_is_configured_for_customers_only_with_a_public_address_and_a_secret(tmp_path):
    assert customer_portal_settings(tmp_path, {}) is None
    assert customer_portal_settings(tmp_path, {"LEDGERLOOP_PORTAL_URL": "https://p.example"}) is None
    assert not (tmp_path / "secret.key").exists()  # asking never creates one
    env = {"LEDGERLOOP_PORTAL_URL": "https://p.example", "LEDGERLOOP_SECRET_KEY": "k" * 40}
    assert customer_portal_settings(tmp_path, env).base_url == "https://p.example"


def test_every_statement_carries_the_link_in_html_and_printed_in_full_on_the_pdf(tmp_path):
    from notifications.statements import render_statement_html, render_statement_pdf
    from orchestration.outreach.statements import with_customer_links
    from tests.notifications.test_statements import pdf_text
    from tests.portal.customer_factories import statement_of

    settings, store = _door(tmp_path, base_url="https://portal.example/<b>&")
    acme, other = statement_of("001A", "Acme, Inc."), statement_of("001B", "Bolt LLC")
    acme = replace(acme, account_id="A")
    contacts = {"A": {"email": CONTACT.email}, "001B": {"email": "pay@bolt.example"}}
    linked, unlinked = with_customer_links([acme, other], contacts, customer_links(settings, store))
    assert unlinked.portal_url is None  # Bolt's contact has no door
    assert linked.portal_url.startswith("https://portal.example/<b>&/a/")
    page = render_statement_html(linked)
    assert f'href="{escape(linked.portal_url)}"' in page and "<b>" not in page
    printed = pdf_text(render_statement_pdf(linked)).replace("\n", "")
    assert "Your account online" in printed and linked.portal_url.rsplit(".", 1)[1] in printed
    assert "Your account online" not in pdf_text(render_statement_pdf(acme))
