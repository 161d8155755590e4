"""Printable letters: layout read back with pypdf, determinism, and text outside Latin-1."""

import io

import pytest
from pypdf import PdfReader

from notifications.pdf import PdfDocument, PdfTable, pdf_text, render_pdf

MM = 72 / 25.4  # PDF points per millimetre


def letter(blocks=None, **changes) -> PdfDocument:
    values = dict(
        title="Statement of account",
        sender_lines=["Meridian Partners", "350 Fifth Avenue", "New York, NY 10118"],
        recipient_lines=["Acme, Inc.", "1 Harbour Road", "Boston, MA 02110"],
        date_line="23 November 2026",
        blocks=blocks if blocks is not None else ["Dear customer,", invoices_table(3), "Thank you."],
    )
    values.update(changes)
    return PdfDocument(**values)


def invoices_table(rows: int, footer=True) -> PdfTable:
    return PdfTable(
        headers=["Invoice", "Due date", "Balance"],
        rows=[[f"INV-{i:03d}", "2026-10-01", f"USD {i + 1:,}.00"] for i in range(rows)],
        align=["L", "L", "R"],
        footer=["Total", "", "USD 6.00"] if footer else None,
    )


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def positions(pdf: bytes, page: int = 0) -> dict[str, tuple[float, float]]:
    """Each text run's (x from the left, y from the top) in millimetres."""
    reader = PdfReader(io.BytesIO(pdf))
    height = float(reader.pages[page].mediabox.height)
    found: dict[str, tuple[float, float]] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.setdefault(text.strip(), (tm[4] / MM, (height - tm[5]) / MM))

    reader.pages[page].extract_text(visitor_text=visit)
    return found


def test_render_pdf_reads_back_as_a_letter_in_order():
    (text,) = pages(render_pdf(letter()))
    order = [
        "Meridian Partners",
        "Acme, Inc.",
        "23 November 2026",
        "Statement of account",
        "Dear customer,",
        "Invoice Due date Balance",
        "INV-000 2026-10-01 USD 1.00",
        "INV-002 2026-10-01 USD 3.00",
        "Total USD 6.00",
        "Thank you.",
        "Page 1 of 1",
    ]
    at = [text.index(part) for part in order]
    assert at == sorted(at), text


def test_render_pdf_puts_the_recipient_in_the_envelope_window_and_the_sender_top_right():
    where = positions(render_pdf(letter()))
    for line in ("Acme, Inc.", "1 Harbour Road", "Boston, MA 02110"):
        x, y = where[line]
        assert 20 <= x <= 25 and 45 <= y <= 85, (line, x, y)
    sender_x, sender_y = where["Meridian Partners"]
    assert sender_x > 105 and sender_y < 30


def test_render_pdf_aligns_money_columns_right():
    table = PdfTable(
        headers=["Item", "Amount"], rows=[["a", "1.00"], ["b", "1,000,000.00"]], align=["L", "R"]
    )
    where = positions(render_pdf(letter([table])))
    assert where["1.00"][0] > where["1,000,000.00"][0] + 10  # short amounts start further right
    assert where["a"][0] == pytest.approx(where["b"][0])


def test_render_pdf_repeats_the_table_header_on_every_page_and_numbers_the_pages():
    texts = pages(render_pdf(letter(["Dear customer,", invoices_table(150)])))
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert "Invoice Due date Balance" in text
    everything = "\n".join(texts)
    assert all(f"INV-{i:03d} " in everything for i in range(150))
    assert everything.count("Total USD 6.00") == 1


def test_render_pdf_wraps_long_cells_without_losing_words():
    words = "the client says the purchase order number on the invoice does not match theirs " * 4
    words = words.strip()
    table = PdfTable(
        headers=["Invoice", "Note", "Balance"], rows=[["INV-1", words, "USD 1.00"]], align=["L", "L", "R"]
    )
    (text,) = pages(render_pdf(letter([table])))
    assert words in " ".join(text.split())
    assert words not in text  # it wrapped onto several lines inside its cell
    assert "USD 1.00" in text


def test_render_pdf_gives_the_same_bytes_for_the_same_letter():
    first = render_pdf(letter())
    assert render_pdf(letter()) == first
    assert render_pdf(letter(date_line="24 November 2026")) != first
    assert PdfReader(io.BytesIO(first)).metadata["/CreationDate"] == "D:20000101000000Z"


def test_render_pdf_fits_letter_paper_too():
    reader = PdfReader(io.BytesIO(render_pdf(letter(), paper="Letter")))
    assert float(reader.pages[0].mediabox.width) == pytest.approx(612, abs=0.5)


def test_render_pdf_rejects_a_row_that_does_not_match_the_headers():
    table = PdfTable(headers=["Invoice", "Balance"], rows=[["INV-1"]])
    with pytest.raises(ValueError, match="1 cells, headers have 2"):
        render_pdf(letter([table]))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Total €1,234.50", "Total EUR 1,234.50"),
        ("€ 5", "EUR 5"),
        ("“Quoted” – ‘dash’ — …", "\"Quoted\" - 'dash' - ..."),
        ("Łódź Ősz Straße Müller £ café", "Lódz Osz Straße Müller £ café"),
        ("ООО Ромашка, Αθήνα", "OOO Romashka, Athina"),
        ("株式会社", "[U+682A][U+5F0F][U+4F1A][U+793E]"),
        ("Thanks 😀!", "Thanks [U+1F600]!"),
        ("zero\u200bwidth\u00a0space", "zerowidth space"),
        ("plain ASCII", "plain ASCII"),
    ],
)
def test_pdf_text_keeps_meaning_within_latin1(text, expected):
    assert pdf_text(text) == expected
    expected.encode("latin-1")


def test_render_pdf_draws_text_outside_latin1_instead_of_crashing_or_dropping_it():
    doc = letter(
        ["Balance €1,234.50 for 株式会社サンプル 😀", invoices_table(1)],
        recipient_lines=["Zażółć Gęślą Jaźń sp. z o.o.", "ул. Тверская 1"],
        title="Statement – Ωmega",
    )
    (text,) = pages(render_pdf(doc))
    assert "Balance EUR 1,234.50 for [U+682A][U+5F0F]" in text
    assert "[U+1F600]" in text
    assert "Zazólc Gesla Jazn sp. z o.o." in text
    assert "ul. Tverskaya 1" in text
    assert PdfReader(io.BytesIO(render_pdf(doc))).metadata["/Title"] == "Statement – Ωmega"
