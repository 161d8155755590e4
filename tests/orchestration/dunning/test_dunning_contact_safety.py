"""Contact data typed by staff reaches email headers: a malformed address must hold that account's
email (with a reason), never inject a header nor stop everyone else's notices."""

import datetime as dt

from orchestration.dunning.channels.email import render_email
from orchestration.dunning.selection import Contact, Facts, plan_dunning
from tests.orchestration.dunning.test_selection import CONTACT, DUE, _account, _dunning, _invoice

DAY = DUE + dt.timedelta(days=3)


def test_contact_email_with_a_line_break_or_two_addresses_holds_only_that_account(tmp_path):
    dunning = _dunning(tmp_path)
    good = _account(_invoice("NYC:1", account="A"), account_id="A")
    bad = [
        _account(
            _invoice(f"NYC:{n}", account=f"B{n}"),
            account_id=f"B{n}",
            contact=Contact("Bo", email, None, (), None, "smb"),
        )
        for n, email in enumerate(
            ["bo@example.com\r\nBcc: thief@example.net", "bo@example.com, ceo@example.com", "not an address"],
            start=2,
        )
    ]
    plan = plan_dunning([good, *bad], Facts(), dunning, DAY, "UTC")
    assert [n.account.account_id for n in plan.notices] == ["A"]
    assert plan.held_counts() == {"bad_email": 3}
    [notice] = plan.notices
    assert str(render_email(notice, dunning, DAY)["To"]) == f"Ann <{CONTACT.email}>"


def test_sms_phone_with_a_line_break_is_held_and_never_reaches_the_gateway_file(tmp_path):
    dunning = _dunning(tmp_path)
    contact = Contact("Bo", "bo@example.com", "+1 212 555 0100\nTo: +1 900 555 0199", (), None, "smb")
    accounts = [_account(), _account(_invoice("NYC:2", account="B"), account_id="B", contact=contact)]
    plan = plan_dunning(
        accounts, Facts(steps_done={"NYC:1": 1, "NYC:2": 1}), dunning, DUE + dt.timedelta(days=40), "UTC"
    )
    assert [(n.account.account_id, n.channel) for n in plan.notices] == [("A", "sms")]
    assert plan.held_counts() == {"bad_phone": 1}


def test_a_plain_address_is_accepted_without_the_full_parser_and_is_one_the_parser_accepts(monkeypatch):
    from email.headerregistry import Address

    from orchestration.dunning.channels import email

    plain = ["ann@acme.example", "ann.archer+ar@acme-corp.co.uk", "AP_Team%2@x", " bo@example.com "]
    for address in plain:  # what the quick path accepts, the full parser does too
        Address(addr_spec=address.strip())
    not_plain = ["bo@example.com\r\nBcc: thief@example.net", "bo@example.com, ceo@example.com",
                 "not an address", "a..b@example.com", '"Bo Smith"@example.com']
    parsed = []
    monkeypatch.setattr(email, "Address",
                        lambda addr_spec: parsed.append(addr_spec) or Address(addr_spec=addr_spec))
    assert all(email._one_address(address) for address in plain) and parsed == []
    assert [email._one_address(address) for address in not_plain] == [False, False, False, False, True]
    assert len(parsed) == len(not_plain)  # each went to the full parser
