"""Drafting state: a draft whose invoices went on hold before approval is withdrawn and its step
forgotten, so the sequence resumes from the same step later."""

import datetime as dt

from notifications.dunning_drafts import dunning_outboxes
from orchestration.dunning.drafting import policy_sha256, run_day
from orchestration.storage.warehouse import connect
from tests.orchestration.dunning.dunning_fixture import build, ledger_invoice, policy, write_policy

DUE = dt.date(2026, 11, 2)


def _run(home, config, day, audit):
    with connect(home / "warehouse.duckdb") as con:
        return run_day(
            con,
            policy(config),
            policy_sha256(config),
            home,
            day,
            dt.datetime.combine(day, dt.time(5), dt.UTC),
            audit,
        )


def test_unapproved_draft_is_withdrawn_when_its_invoice_is_disputed_and_the_step_resumes_after(tmp_path):
    config = write_policy(tmp_path / "config")
    build(
        tmp_path,
        [ledger_invoice("101", "ACME", "Acme Corp", "500.00", DUE)],
        [("ACME", "Ann", "ann@acme.example", None, None, None, None)],
    )
    entries = []

    def audit(actor, action, subject, detail="", *, account_id=None):
        entries.append((action, account_id))

    first = _run(tmp_path, config, DUE + dt.timedelta(days=3), audit)
    assert len(first.drafted) == 1
    with connect(tmp_path / "warehouse.duckdb") as con:
        con.execute(
            "insert into marts.disputes values ('d1', 'NYC:101', 'ACME', 'Avery Brooks', 'rate', 'mail', "
            "date '2026-11-06', date '2026-11-20', 'open', null, null, false, date '2026-11-06')"
        )
    held = _run(tmp_path, config, DUE + dt.timedelta(days=4), audit)
    assert held.withdrawn == first.drafted and held.drafted == []
    assert dunning_outboxes(tmp_path)["dunning"].items("drafts") == []
    assert ("dunning.withdrawn", "ACME") in entries
    with connect(tmp_path / "warehouse.duckdb") as con:
        assert con.execute("select count(*) from outreach.dunning_steps").fetchone()[0] == 0
        con.execute("update marts.disputes set status = 'resolved'")
    resumed = _run(tmp_path, config, DUE + dt.timedelta(days=10), audit)
    with connect(tmp_path / "warehouse.duckdb") as con:
        steps = con.execute("select step_index, step_name from outreach.dunning_steps").fetchall()
    assert len(resumed.drafted) == 1 and steps == [(0, "reminder")]
