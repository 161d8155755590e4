"""Payment identity: the bank's reference where it names one transaction, else a stable key."""

from orchestration.ingest.payments.formats import parse_payment_file
from tests.orchestration.ingest.payments.helpers import (
    CONFIG,
    SAMPLES,
    entry,
    landing_file,
    statement,
    tx,
)

HEADER = "Date,Amount,Currency,Payer,Reference,Bank Transaction ID\n"


def ids(file):
    return [t.payment_id for t in parse_payment_file(file, CONFIG).receipts]


def test_payment_id_is_the_bank_transaction_id_and_the_same_in_an_overlapping_export(tmp_path):
    week1 = landing_file(tmp_path, "week1.csv", HEADER + "2026-11-16,10.00,USD,A,INV-1,TXN1\n"
                         "2026-11-17,20.00,USD,B,INV-2,TXN2\n")
    week2 = landing_file(tmp_path, "week2.csv", HEADER + "2026-11-17,20.00,USD,B,INV-2,TXN2\n"
                         "2026-11-18,30.00,USD,C,INV-3,TXN3\n")
    assert ids(week1) == ["TXN1", "TXN2"]
    assert ids(week2) == ["TXN2", "TXN3"]


def test_the_same_file_twice_gives_the_same_ids_including_deterministic_keys(tmp_path):
    first = ids(landing_file(tmp_path / "a", "s.bai", (SAMPLES / "moov_sample1.txt").read_bytes()))
    again = ids(landing_file(tmp_path / "b", "s.bai", (SAMPLES / "moov_sample1.txt").read_bytes()))
    assert first == again
    assert len(set(first)) == 5 and all(i.startswith("key-") and len(i) == 36 for i in first)


def test_camt_batch_without_own_refs_gets_keys_and_a_transaction_ref_is_its_id(tmp_path):
    file = landing_file(tmp_path, "s.xml", statement(
        entry("30.00", ref="B1", txs=tx("10.00", ustrd="INV-1") + tx("20.00", ustrd="INV-2"))
        + entry("40.00", ref="B2", txs=tx("15.00", ref="T-1") + tx("25.00"))
        + entry("5.00", ref="S1", txs=tx(ustrd="INV-3"))))
    got = ids(file)
    assert got[0].startswith("key-") and got[1].startswith("key-") and got[0] != got[1]
    assert got[2] == "T-1" and got[3].startswith("key-")
    assert got[4] == "S1"


def test_a_bank_reference_repeated_within_a_file_does_not_become_an_id(tmp_path):
    file = landing_file(tmp_path, "dup.csv", HEADER + "2026-11-16,10.00,USD,A,INV-1,TXN1\n"
                        "2026-11-16,12.00,USD,B,INV-2,TXN1\n")
    first, second = ids(file)
    assert first.startswith("key-") and second.startswith("key-") and first != second
