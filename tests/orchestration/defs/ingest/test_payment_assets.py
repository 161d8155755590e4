"""The payments/transactions asset, its reconcile check, and the sensor seeing payment files."""

import shutil

import dagster as dg
import pytest

from orchestration.defs.automation.sensors import new_landing_files_sensor
from orchestration.defs.ingest import payments as payment_assets
from orchestration.defs.ingest.payments import payment_files_reconcile, payment_transactions
from orchestration.defs.resources import LedgerloopResource
from tests.orchestration.ingest.payments.helpers import SAMPLES


@pytest.fixture
def ledgerloop(tmp_path, monkeypatch) -> LedgerloopResource:
    monkeypatch.delenv("LEDGERLOOP_CONFIG", raising=False)
    return LedgerloopResource(home=str(tmp_path))


def test_payment_definitions_load_with_the_shared_resource(ledgerloop):
    dg.Definitions.validate_loadable(dg.Definitions.merge(
        payment_assets.defs, dg.Definitions(resources={"ledgerloop": ledgerloop})))
    assert payment_transactions.key == dg.AssetKey(["payments", "transactions"])
    assert payment_transactions.group_names_by_key[payment_transactions.key] == "ingest"
    (spec,) = payment_files_reconcile.check_specs
    assert spec.blocking


def test_materializing_payments_reports_every_entry_and_the_check_passes(ledgerloop, tmp_path):
    landing = tmp_path / "landing" / "payments"
    landing.mkdir(parents=True)
    shutil.copy(SAMPLES / "moov_sample1.txt", landing / "bank.bai")
    (landing / "bad.csv").write_text("Date,Amount,Currency,Payer,Reference,Bank Transaction ID\n"
                                     "2026-11-16,x,USD,A,INV-1,T1\n")
    result = dg.materialize([payment_transactions, payment_files_reconcile],
                            resources={"ledgerloop": ledgerloop})
    assert result.success
    (materialization,) = result.asset_materializations_for_node("payments__transactions")
    meta = {k: v.value for k, v in materialization.metadata.items()}
    assert (meta["files_processed"], meta["rows_read"], meta["rows_loaded"],
            meta["rows_not_receipts"], meta["rows_quarantined"]) == (2, 18, 5, 12, 1)
    assert "| bank.bai | bai2 | loaded | 17 | 5 | 12 | 0 |" in meta["files"]
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["payment_files_reconcile"].passed
    assert checks["payment_files_reconcile"].metadata["files_checked"].value == 2
    assert checks["rows_quarantined_share"].passed
    assert checks["rows_quarantined_share"].metadata["rows_quarantined"].value == 1
    assert not list(landing.iterdir())


def test_sensor_starts_a_run_when_a_payment_file_waits(ledgerloop, tmp_path):
    with dg.build_sensor_context(resources={"ledgerloop": ledgerloop}) as context:
        assert isinstance(new_landing_files_sensor(context), dg.SkipReason)
    landing = tmp_path / "landing" / "payments"
    landing.mkdir(parents=True)
    shutil.copy(SAMPLES / "moov_sample2.txt", landing / "statement.bai2")
    (landing / "notes.docx").write_text("not a payment file")
    with dg.build_sensor_context(resources={"ledgerloop": ledgerloop}) as context:
        request = new_landing_files_sensor(context)
    assert isinstance(request, dg.RunRequest)
