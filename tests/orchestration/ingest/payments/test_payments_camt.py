"""camt.053/054: versions, batches, remittance, reversals, debits and broken documents."""

import datetime as dt

import pytest

from orchestration.ingest.landing import FileRejected
from orchestration.ingest.payments.camt import parse_camt
from tests.orchestration.ingest.payments.helpers import NS053, NS054, entry, landing_file, statement, tx


def parse(tmp_path, text: str, name: str = "s.xml"):
    return parse_camt(landing_file(tmp_path, name, text))


def test_camt053_batch_entry_gives_one_transaction_per_txdtls_sharing_the_entry_ref(tmp_path):
    parsed = parse(tmp_path, statement(entry("30.00", ref="B1", txs=(
        tx("10.00", payer="ACME LTD", strd="INV-1", ustrd="THANK YOU")
        + tx("20.00", payer="Zenith", ustrd="inv 2")))))
    assert parsed.format == "camt053"
    assert parsed.created_at == dt.datetime(2026, 11, 23, 5, 0)  # UTC
    assert [(t.row_number, t.tx_index, t.cents, t.payer, t.reference, t.bank_ref, t.ref_identifies,
             t.account, t.booked_on) for t in parsed.receipts] == [
        (1, 1, 1000, "ACME LTD", "INV-1 THANK YOU", "B1", False, "GB29NWBK60161331926819",
         dt.date(2026, 11, 16)),
        (2, 2, 2000, "Zenith", "inv 2", "B1", False, "GB29NWBK60161331926819",
         dt.date(2026, 11, 16)),
    ]


def test_camt054_v08_notification_reads_structured_and_unstructured_remittance(tmp_path):
    text = (f'<Document xmlns="{NS054}"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>N</MsgId>'
            "<CreDtTm>2026-11-23T06:00:00</CreDtTm></GrpHdr><Ntfctn><Id>N1</Id>"
            "<Acct><Id><Othr><Id>12345678</Id></Othr></Id></Acct>"
            '<Ntry><Amt Ccy="EUR">1500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
            "<BookgDt><DtTm>2026-11-20T10:00:00</DtTm></BookgDt><AcctSvcrRef>N-1</AcctSvcrRef>"
            '<NtryDtls><TxDtls><Refs><AcctSvcrRef>TX-9</AcctSvcrRef></Refs><Amt Ccy="EUR">1500.00'
            "</Amt><CdtDbtInd>CRDT</CdtDbtInd><RltdPties><Dbtr><Pty><Nm>Müller AG</Nm></Pty></Dbtr>"
            "</RltdPties><RmtInf><Ustrd>Zahlung</Ustrd><Strd><RfrdDocInf><Nb>INV-77</Nb></RfrdDocInf>"
            "</Strd><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf>"
            "</TxDtls></NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>")
    (receipt,) = parse(tmp_path, text).receipts
    assert (receipt.account, receipt.booked_on, receipt.cents, receipt.currency, receipt.payer,
            receipt.reference, receipt.bank_ref, receipt.ref_identifies) == (
        "12345678", dt.date(2026, 11, 20), 150000, "EUR", "Müller AG",
        "RF18539007547034 INV-77 Zahlung", "TX-9", True)


def test_camt_debit_and_reversal_are_not_receipts_and_the_reversal_cancels_its_credit(tmp_path):
    parsed = parse(tmp_path, statement(
        entry("500.00", ref="C1", txs=tx(ref="C1", payer="Wallace", ustrd="INV-9"))
        + entry("500.00", ref="C2", txs=tx(ref="C2", payer="Wallace", ustrd="INV-9"))
        + entry("20.12", "DBIT", ref="D1", txs=tx(ustrd="BANK CHARGES"))
        + entry("500.00", "DBIT", ref="R1", extra="<RvslInd>true</RvslInd>",
                txs=tx(ref="C1", ustrd="RETURN"), day="2026-11-18")
        + entry("70.00", ref="P1", status="<Sts>PDNG</Sts>", txs=tx())))
    assert [(t.bank_ref, t.cents) for t in parsed.receipts] == [("C2", 50000)]
    assert [(t.bank_ref, t.cents, t.reason, t.reverses) for t in parsed.non_receipts] == [
        ("C1", 50000, "reversed credit", None), ("D1", -2012, "debit", None),
        ("R1", -50000, "reversal", "C1"), ("P1", 7000, "not booked", None)]


def test_camt_reversal_whose_credit_is_not_in_the_file_keeps_its_reference_without_a_guess(
        tmp_path):
    parsed = parse(tmp_path, statement(
        entry("10.00", ref="C9", txs=tx(payer="A")) + entry(
            "10.00", "DBIT", ref="R1", extra="<RvslInd>true</RvslInd>", txs=tx(ref="OLD-7"))))
    assert [t.bank_ref for t in parsed.receipts] == ["C9"]
    assert [(t.reason, t.reverses) for t in parsed.non_receipts] == [("reversal", "OLD-7")]


def test_camt_reversal_finds_a_credit_known_only_by_its_entry_reference(tmp_path):
    parsed = parse(tmp_path, statement(
        entry("10.00", ref="C1", txs=tx(payer="A")) + entry(
            "10.00", "DBIT", ref="R1", extra="<RvslInd>true</RvslInd>", txs=tx(ref="C1"))))
    assert parsed.receipts == []
    assert [(t.bank_ref, t.reason, t.reverses) for t in parsed.non_receipts] == [
        ("C1", "reversed credit", None), ("R1", "reversal", "C1")]


def test_camt_batch_whose_transactions_do_not_add_up_is_quarantined(tmp_path):
    parsed = parse(tmp_path, statement(entry("30.00", ref="B1", txs=tx("10.00") + tx("19.00"))))
    assert parsed.transactions == []
    assert [(r.row_number, r.field) for r in parsed.rejected] == [(1, "amount"), (2, "amount")]
    assert "its transactions add up to 29.00, the entry books 30.00" in parsed.rejected[0].reason


def test_camt_entry_without_an_amount_is_quarantined_and_the_rest_load(tmp_path):
    parsed = parse(tmp_path, statement(entry("abc", ref="X", txs=tx()) + entry("5.00", txs=tx())))
    assert [(r.row_number, r.field) for r in parsed.rejected] == [(1, "amount")]
    assert parsed.rejected[0].raw_record["entry_reference"] == "X"
    assert [t.row_number for t in parsed.receipts] == [2]


def test_camt_malformed_xml_is_rejected_naming_line_and_column(tmp_path):
    text = statement(entry("5.00", txs=tx())).replace("</Stmt>", "\n</Stmnt>")
    with pytest.raises(FileRejected, match=r"s.xml: malformed XML at line 2, column 2: mismatched tag"):
        parse(tmp_path, text)


def test_camt_other_documents_are_rejected_by_namespace(tmp_path):
    text = statement("", "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03")
    with pytest.raises(FileRejected, match=r"not a camt.053 or camt.054 document .* 'urn:iso:std:"
                                           r"iso:20022:tech:xsd:pain.001.001.03'"):
        parse(tmp_path, text)


def test_camt_entity_expansion_is_refused(tmp_path):
    text = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            f'<Document xmlns="{NS053}">&b;</Document>')
    with pytest.raises(FileRejected, match=r"s.xml: refused unsafe XML"):
        parse(tmp_path, text)
