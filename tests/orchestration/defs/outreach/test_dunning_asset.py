"""The dunning drafts asset under Dagster: the policy file drives the drafts with no code change,
and an invalid policy stops the run before anything is drafted, naming the key."""

import datetime as dt
from email import policy as email_policy
from email.parser import BytesParser

import dagster as dg
import pytest

from notifications.dunning_drafts import dunning_outboxes
from orchestration.defs.outreach.dunning import dunning_drafts
from orchestration.defs.resources import LedgerloopResource
from orchestration.outreach.portal_store import open_store
from orchestration.storage.warehouse import connect
from portal.store import audit_log
from tests.orchestration.dunning.dunning_fixture import build, ledger_invoice, write_policy

pytestmark = pytest.mark.integration

DUE = dt.date(2026, 11, 2)
CONTACTS = [("ACME", "Ann Archer", "ann@acme.example", "+12125550101", "1 Main St\nNew York", None, None)]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    monkeypatch.setenv("LEDGERLOOP_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("LEDGERLOOP_HOME", str(tmp_path))
    build(tmp_path, [ledger_invoice("101", "ACME", "Acme Corp", "500.00", DUE)], CONTACTS)
    return tmp_path


def _materialize(home, policy_path, day):
    resource = LedgerloopResource(home=str(home), config_path=str(policy_path), as_of=day.isoformat())
    return dg.materialize([dunning_drafts], resources={"ledgerloop": resource}, raise_on_error=False)


def _subjects(home):
    outbox = dunning_outboxes(home)["dunning"]
    return [
        str(BytesParser(policy=email_policy.SMTP).parsebytes(item.path.read_bytes())["Subject"])
        for item in outbox.items("drafts")
    ]


def _set_first_step(**changes):
    def change(data):
        data["dunning"]["segments"][2]["steps"][0].update(changes)

    return change


def test_dunning_asset_follows_a_changed_step_timing_and_template_without_code(home, tmp_path):
    day = DUE + dt.timedelta(days=3)  # the test policy's first standard step: 3 days, friendly
    later = write_policy(tmp_path / "later", _set_first_step(offset_days=5))
    assert _materialize(home, later, day).success
    assert _subjects(home) == []  # moved to 5 days: nothing due yet

    firm = write_policy(tmp_path / "firm", _set_first_step(template="reminder_firm"))
    result = _materialize(home, firm, day)
    assert result.success
    (subject,) = _subjects(home)
    assert subject.startswith("Overdue: 1 invoice for Acme Corp")
    metadata = result.asset_materializations_for_node("outbox__dunning_drafts")[0].metadata
    assert metadata["notices"].value == 1 and metadata["policy_sha256"].value

    assert _materialize(home, firm, day).success  # the same day again drafts nothing more
    assert len(_subjects(home)) == 1
    with open_store(home) as store:
        assert len(audit_log.entries(store, "dunning.drafted", account_id="ACME")) == 1
        runs = audit_log.entries(store, "dunning.run")
    assert len(runs) == 3


def test_dunning_asset_stops_on_an_invalid_policy_before_drafting_and_names_the_key(home, tmp_path):
    def bad_channel(data):
        data["dunning"]["segments"][0]["steps"][1]["channel"] = "fax"

    bad = write_policy(tmp_path / "bad", bad_channel)
    result = _materialize(home, bad, DUE + dt.timedelta(days=20))
    assert not result.success
    error = result.failure_data_for_node("outbox__dunning_drafts").error
    cause = error.cause
    assert cause.cls_name == "PolicyError"
    assert "dunning.segments.0.steps.1.channel: Input should be 'email', 'sms', 'letter' or 'call_task'" in (
        cause.message
    )
    assert not (home / "outbox").exists()
    with connect(home / "warehouse.duckdb", read_only=True) as con:
        assert con.execute("select count(*) from outreach.dunning_notices").fetchone()[0] == 0
