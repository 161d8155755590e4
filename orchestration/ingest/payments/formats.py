"""Which parser reads a payment file, by its suffix; and which files wait in landing."""

from __future__ import annotations

from pathlib import Path

from orchestration.ingest.landing import LandingFile, pending_files
from orchestration.ingest.payments.bai2 import parse_bai2
from orchestration.ingest.payments.bank_csv import parse_bank_csv
from orchestration.ingest.payments.camt import parse_camt
from orchestration.ingest.payments.identity import assign_payment_ids
from orchestration.ingest.payments.records import ParsedFile
from orchestration.policy.payments import PaymentsSource

BAI2_SUFFIXES = (".bai", ".bai2", ".txt")
SUFFIXES = (".csv", ".xml", *BAI2_SUFFIXES)


def pending_payment_files(landing_dir: Path, config: PaymentsSource) -> list[Path]:
    """Payment files waiting in `landing/<payments>/`, oldest first."""
    return pending_files(landing_dir / config.landing, SUFFIXES)


def parse_payment_file(file: LandingFile, config: PaymentsSource) -> ParsedFile:
    """Parse one file with the parser its suffix names and give every receipt its payment id."""
    suffix = file.path.suffix.lower()
    if suffix == ".csv":
        parsed = parse_bank_csv(file, config.bank_csv)
    elif suffix == ".xml":
        parsed = parse_camt(file)
    else:
        parsed = parse_bai2(file, config.bai2)
    assign_payment_ids(parsed.transactions)
    return parsed
