"""Director outreach emails: both parts, the signed link, escaping."""

import datetime as dt
import email
import email.policy
from decimal import Decimal

import pytest

from notifications.render import money, render_director_email
from portal.links import LinkSigner, link_url
from tests.notifications.helpers import NOW, SENDER, job, message, parts

SCRIPT = "<script>alert('x')</script>"


def test_render_has_a_plain_text_and_an_html_part():
    msg = message()
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]


def test_render_greets_the_director_by_first_name_and_lists_their_jobs():
    msg = message([job("INV-1"), job("INV-2", account_name="Globex", balance=Decimal("99.50"),
                                     currency="GBP")])
    text, html = parts(msg)
    for body in (text, html):
        assert "Dear Dana," in body
        assert "INV-1" in body and "INV-2" in body
        assert "USD 2,345.67" in body and "GBP 99.50" in body
        assert "83" in body and "61-90" in body
    assert msg["Subject"] == "2 invoices waiting on your answer"
    assert msg["To"].addresses[0].addr_spec == "dana@example.com"


def test_render_escapes_markup_in_names_and_answers_in_the_html_part():
    msg = message([job(account_name=SCRIPT, project="<b>Bridge</b>", last_answer=SCRIPT,
                       question="Is it <i>paid</i>?")])
    text, html = parts(msg)
    assert "<script>" not in html and "<b>Bridge</b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert SCRIPT in text  # plain text shows what was typed, as text


def test_render_link_verifies_with_the_portals_signer():
    signer = LinkSigner("k" * 40, 14 * 86_400)
    url = link_url("https://portal.example.com", signer.mint("Dana@Example.com", 3))
    text, html = parts(message(link=url))
    assert url in text
    assert f'href="{url}"' in html
    token = url.rsplit("/", 1)[1]
    claims = signer.verify(token)
    assert (claims.director_email, claims.version) == ("dana@example.com", 3)


def test_render_keeps_a_hostile_director_name_out_of_other_headers():
    msg = message(name="Dana\r\nBcc: everyone@example.com")
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.SMTP)
    assert parsed["Bcc"] is None
    assert [a.addr_spec for a in parsed["To"].addresses] == ["dana@example.com"]


def test_render_drops_terminal_escapes_from_the_director_name():
    msg = message(name="Dana\x1b]0;pwned\x07\x1b[2J Diaz")
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.SMTP)
    assert parsed["To"].addresses[0].display_name == "Dana]0;pwned[2J Diaz"
    assert b"\x1b" not in msg.as_bytes() and b"\x07" not in msg.as_bytes()


def test_render_refuses_an_email_without_jobs():
    with pytest.raises(ValueError, match="no jobs to ask dana@example.com about"):
        render_director_email(director_email="dana@example.com", director_name="Dana", jobs=[],
                              link="x", link_days=14, sender=SENDER, now=NOW)


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    (Decimal("1234567.8"), "USD", "USD 1,234,567.80"),
    (Decimal("0"), "GBP", "GBP 0.00"),
    (Decimal("5.5"), "", "5.50"),
    (None, "USD", "-"),
])
def test_money_formats_exact_decimals(amount, currency, expected):
    assert money(amount, currency) == expected


def test_render_message_has_id_and_utc_date():
    msg = message()
    assert msg["Message-ID"].endswith("@example.com>")
    assert msg["Date"].datetime == dt.datetime(2026, 11, 23, 14, 30, tzinfo=dt.UTC)
