"""A dunning draft a person rejects (in the workbench) never goes out, is on the account's timeline
with who rejected it and why, and is not drafted again the same day: the policy's
`dunning.redraft_rejected_after_days` says when the step may be drafted afresh (never, with null)."""

import datetime as dt

from click.testing import CliRunner

from notifications.dunning_drafts import account_drafts, reject_draft
from orchestration.cli.drafts import drafts
from orchestration.dunning import delivery
from orchestration.storage.warehouse import connect
from tests.orchestration.dunning.dunning_fixture import build, ledger_invoice, write_policy
from tests.orchestration.dunning.test_drafting import _run as run_drafting_day

DUE = dt.date(2026, 11, 2)
FIRST = DUE + dt.timedelta(days=3)
AVERY = "avery.brooks@example.com"


def _run(home, config, day):
    return run_drafting_day(home, config, day, lambda *args, **kwargs: None)


def _home(tmp_path, change=None):
    config = write_policy(tmp_path / "config", change)
    build(
        tmp_path,
        [ledger_invoice("101", "ACME", "Acme Corp", "500.00", DUE)],
        [("ACME", "Ann", "ann@acme.example", None, None, None, None)],
    )
    return config


def _reject_first_draft(home, config):
    [label] = _run(home, config, FIRST).drafted
    rejected_at = dt.datetime.combine(FIRST, dt.time(9), dt.UTC)
    reason = "Customer called: paying Friday"
    assert reject_draft(home, label, AVERY, reason, lambda *a, **k: None, rejected_at)
    return label


def test_rejected_draft_is_never_sent_nor_redrafted_the_same_day_and_is_on_the_timeline(tmp_path):
    config = _home(tmp_path)
    label = _reject_first_draft(tmp_path, config)
    assert delivery.pending_names(tmp_path, None) == []  # `drafts approve --all` cannot pick it up
    listed = CliRunner().invoke(drafts, ["list", "--state", "rejected", "--home", str(tmp_path)]).output
    assert f"\n  rejected  {label}  to Ann <ann@acme.example>" in listed
    again = _run(tmp_path, config, FIRST)
    assert again.drafted == []
    [rejected] = account_drafts(tmp_path, None, ("rejected",))
    assert (rejected.label, rejected.rejected_by, rejected.rejected_reason) == (
        label, AVERY, "Customer called: paying Friday"
    )
    with connect(tmp_path / "warehouse.duckdb") as con:
        events = con.execute(
            "select kind, actor, subject from raw.outreach_events where kind = 'rejected'"
        ).fetchall()
    assert events == [("rejected", AVERY, f"{rejected.subject} (rejected: Customer called: paying Friday)")]


def test_rejected_step_is_drafted_afresh_the_day_after_by_default(tmp_path):
    config = _home(tmp_path)
    label = _reject_first_draft(tmp_path, config)
    next_day = _run(tmp_path, config, FIRST + dt.timedelta(days=1))
    assert len(next_day.drafted) == 1 and next_day.drafted != [label]
    assert next_day.released == [label]
    with connect(tmp_path / "warehouse.duckdb") as con:
        steps = con.execute("select step_name, run_on from outreach.dunning_steps").fetchall()
    assert steps == [("reminder", FIRST + dt.timedelta(days=1))]
    assert _run(tmp_path, config, FIRST + dt.timedelta(days=2)).released == []  # released once


def test_policy_can_say_a_rejected_step_is_never_drafted_again(tmp_path):
    config = _home(tmp_path, lambda data: data["dunning"].update(redraft_rejected_after_days=None))
    _reject_first_draft(tmp_path, config)
    later = _run(tmp_path, config, FIRST + dt.timedelta(days=5))
    assert later.released == [] and later.drafted == []
