"""Customer statements: totals per bucket and per currency, in the PDF and the HTML."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from notifications.statements import (
    NO_DUE_DATE,
    Bucket,
    HowToPay,
    Statement,
    StatementInvoice,
    batch_stems,
    bucket_for,
    file_stem,
    render_statement_html,
    render_statement_pdf,
    write_statements,
)

AS_OF = dt.date(2026, 11, 23)
BUCKETS = (
    Bucket("current", 0),
    Bucket("1-30", 30),
    Bucket("31-60", 60),
    Bucket("61-90", 90),
    Bucket("90+", None),
)
HOW = HowToPay(
    sender_name="Meridian Partners - Accounts Receivable",
    sender_lines=("350 Fifth Avenue, New York",),
    remit_to=("Remit to: First Example Bank\nABA 021000000, account 123456789",),
    instructions="Please pay by bank transfer, quoting the invoice numbers.",
    contact="Questions: ar@example.com",
)


def inv(number, days_past_due, balance, currency="USD", amount=None) -> StatementInvoice:
    due = AS_OF - dt.timedelta(days=days_past_due) if days_past_due is not None else None
    return StatementInvoice(
        invoice_number=number,
        invoice_date=(due or AS_OF) - dt.timedelta(days=30),
        due_date=due,
        currency=currency,
        amount=Decimal(amount or balance),
        balance=Decimal(balance),
    )


def statement(invoices, name="Acme, Inc.", how=HOW) -> Statement:
    return Statement("001A000001", name, AS_OF, BUCKETS, tuple(invoices), how)


EVERY_BUCKET = [
    inv("INV-C1", -10, "100.00", amount="150.00"),  # current: not yet due
    inv("INV-C2", 0, "50.25"),  # current: due today
    inv("INV-A1", 1, "200.00"),  # 1-30
    inv("INV-A2", 30, "1000.00"),  # 1-30 (edge)
    inv("INV-B1", 31, "300.10"),  # 31-60 (edge)
    inv("INV-D1", 90, "400.00"),  # 61-90 (edge)
    inv("INV-E1", 91, "1234.56"),  # 90+
    inv("INV-E2", 400, "10000.00"),  # 90+
    inv("INV-PAID", 45, "0.00", amount="999.00"),  # paid: not on the statement
]
EXPECTED_USD = {
    "current": "150.25",
    "1-30": "1,200.00",
    "31-60": "300.10",
    "61-90": "400.00",
    "90+": "11,234.56",
}
EXPECTED_TOTAL = "13,284.91"


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    """Text with every run of whitespace as one space: paragraphs wrap where the page ends."""
    return " ".join(text.split())


def html_rows(html: str, table_id: str) -> list[list[str]]:
    """Each row's cell texts of one table of the page (tags stripped)."""
    table = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S).group(1)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (90, "61-90"),
        (91, "90+"),
        (None, NO_DUE_DATE),
    ],
)
def test_bucket_for_follows_the_ledger_rule(days, label):
    assert bucket_for(days, BUCKETS) == label


def test_statement_pdf_totals_every_bucket_and_the_grand_total():
    text = pdf_text(render_statement_pdf(statement(EVERY_BUCKET)))
    lines = text.splitlines()
    for label, amount in EXPECTED_USD.items():
        assert f"{label} USD {amount}" in lines, (label, text)
    assert f"Total USD {EXPECTED_TOTAL}" in lines
    assert f"Balance: USD {EXPECTED_TOTAL}. Past due: USD 13,134.66." in flat(text)
    # Buckets in the policy's order, then the invoices (the paid one left out) and how to pay.
    at = [text.index(f"{label} USD") for label in EXPECTED_USD]
    assert at == sorted(at)
    assert "INV-E2 2025-09-19 2025-10-19 USD 10,000.00 USD 10,000.00 400 90+" in lines
    assert "INV-C1 2026-11-03 2026-12-03 USD 150.00 USD 100.00 not due current" in lines
    assert "INV-PAID" not in text
    assert "Remit to: First Example Bank" in text and "ABA 021000000" in text
    assert "Acme, Inc." in text and "Statement date: 23 November 2026" in text


def test_statement_html_shows_the_same_totals_and_invoices():
    html = render_statement_html(statement(EVERY_BUCKET))
    aging = html_rows(html, "aging")
    assert aging[0] == ["Aging bucket", "USD"]
    assert aging[1:] == [[label, f"USD {amount}"] for label, amount in EXPECTED_USD.items()] + [
        ["Total", f"USD {EXPECTED_TOTAL}"]
    ]
    invoices = html_rows(html, "invoices")
    assert [row[0] for row in invoices[1:]] == [
        "INV-E2",
        "INV-E1",
        "INV-D1",
        "INV-B1",
        "INV-A2",
        "INV-A1",
        "INV-C2",
        "INV-C1",
    ]
    assert invoices[1] == [
        "INV-E2",
        "2025-09-19",
        "2025-10-19",
        "USD 10,000.00",
        "USD 10,000.00",
        "400",
        "90+",
    ]
    assert "Remit to: First Example Bank\nABA 021000000" in html


def test_statement_keeps_currencies_apart():
    s = statement(
        [
            inv("US-1", 10, "100.00", "USD"),
            inv("US-2", 70, "250.00", "USD"),
            inv("UK-1", 10, "80.00", "GBP"),
            inv("EU-1", 100, "1000.00", "EUR"),
        ]
    )
    assert [(t.currency, t.total) for t in s.totals] == [
        ("EUR", Decimal("1000.00")),
        ("GBP", Decimal("80.00")),
        ("USD", Decimal("350.00")),
    ]
    text = pdf_text(render_statement_pdf(s))
    assert "Aging bucket EUR GBP USD" in text
    assert "1-30 EUR 0.00 GBP 80.00 USD 100.00" in text
    assert "61-90 EUR 0.00 GBP 0.00 USD 250.00" in text
    assert "Total EUR 1,000.00 GBP 80.00 USD 350.00" in text
    assert "1,430.00" not in text and "430.00" not in text  # never a sum across currencies
    aging = html_rows(render_statement_html(s), "aging")
    assert aging[-1] == ["Total", "EUR 1,000.00", "GBP 80.00", "USD 350.00"]


def test_statement_lists_invoices_without_a_due_date_in_their_own_bucket():
    s = statement([inv("INV-1", 5, "10.00"), inv("INV-2", None, "20.00")])
    text = pdf_text(render_statement_pdf(s))
    assert f"{NO_DUE_DATE} USD 20.00" in text
    assert "Total USD 30.00" in text
    assert "Past due: USD 10.00." in flat(text)


def test_statement_with_nothing_open_says_so():
    s = statement([inv("INV-PAID", 10, "0.00", amount="5.00")])
    assert "Nothing is open." in render_statement_html(s)
    text = pdf_text(render_statement_pdf(s))
    assert "Balance: nothing." in flat(text) and "How to pay" in text


def test_statement_html_escapes_hostile_text():
    hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    how = HowToPay(sender_name="AR <b>team</b>", remit_to=("<a href='javascript:x'>pay</a>",))
    s = statement([inv('INV-"><svg onload=alert(1)>', 10, "1.00")], name=hostile, how=how)
    html = render_statement_html(s)
    assert "<script>" not in html and "<img" not in html and "<svg" not in html and "<a href" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in html
    assert "AR &lt;b&gt;team&lt;/b&gt;" in html
    text = pdf_text(render_statement_pdf(s))
    assert '<script>alert("x")</script>' in text  # a PDF shows the name as it is: text, not markup


def test_statement_pdf_and_html_handle_names_outside_latin1():
    s = statement([inv("INV-1", 10, "99.00", "EUR")], name="株式会社サンプル Łódź €")
    assert "株式会社サンプル Łódź €" in render_statement_html(s)
    text = pdf_text(render_statement_pdf(s))
    assert "[U+682A][U+5F0F][U+4F1A][U+793E]" in text and "Lódz EUR" in text
    assert "1-30 EUR 99.00" in text


def test_statement_pdf_is_the_same_bytes_every_time():
    assert render_statement_pdf(statement(EVERY_BUCKET)) == render_statement_pdf(statement(EVERY_BUCKET))


def test_file_stem_keeps_safe_ids_and_disambiguates_the_rest():
    assert file_stem("001A000001") == "001A000001"
    assert file_stem("A/B") != file_stem("A_B") == "A_B"
    assert re.fullmatch(r"[A-Za-z0-9._-]+", file_stem("../../etc/passwd"))
    stems = batch_stems(["001aB", "001Ab"])
    assert len({s.casefold() for s in stems.values()}) == 2


def test_write_statements_in_worker_processes_writes_what_one_process_writes(tmp_path):
    many = [
        Statement(
            f"ACC{i:03d}", f"Account {i}", AS_OF, BUCKETS, (inv(f"INV-{i}", i % 120 - 10, "10.00"),), HOW
        )
        for i in range(12)
    ]
    single = write_statements(many, tmp_path / "one", workers=1)
    parallel = write_statements(many, tmp_path / "two", workers=2, chunk_size=2)
    assert [w.account_id for w in parallel] == [s.account_id for s in many]
    for a, b in zip(single, parallel, strict=True):
        assert a.pdf.read_bytes() == b.pdf.read_bytes()
        assert a.html.read_text() == b.html.read_text()


def test_write_statements_can_keep_pdfs_for_accounts_with_something_past_due(tmp_path):
    late = statement([inv("INV-1", 5, "10.00")])
    on_time = Statement("002", "On Time Ltd", AS_OF, BUCKETS, (inv("INV-2", -5, "10.00"),), HOW)
    written = write_statements([late, on_time], tmp_path, pdf_for_all=False)
    assert [(w.html.name, w.pdf.name if w.pdf else None) for w in written] == [
        ("001A000001.html", "001A000001.pdf"),
        ("002.html", None),
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["001A000001.html", "001A000001.pdf", "002.html"]
