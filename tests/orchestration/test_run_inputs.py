"""A refresh with nothing new is known without running it, and anything new a refresh reads
(a file, a portal entry, the policy, contacts, decisions, drafts, the warehouse, the day) makes
the next refresh run."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable

import pytest

from orchestration.outreach.portal_store import open_store
from orchestration.run_inputs import begin_refresh, finish_refresh, nothing_new
from orchestration.settings import REPO_ROOT, Settings
from portal.store import customers, director_updates

DAY = dt.date(2026, 11, 23)
ENDED = dt.datetime(2026, 11, 23, 14, 5, tzinfo=dt.UTC)


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.delenv("LEDGERLOOP_PORTAL_DB_URL", raising=False)
    for name in [n for n in os.environ if n.startswith("SALESFORCE_")]:
        monkeypatch.delenv(name)
    shutil.copy(REPO_ROOT / "ledgerloop.yaml", tmp_path / "ledgerloop.yaml")
    settings = Settings(home=tmp_path / "home", config_path=tmp_path / "ledgerloop.yaml")
    (settings.landing_dir / "salesforce").mkdir(parents=True)
    return settings


def refresh(settings: Settings, run_id: str = "run-1", while_running: Callable[[], None] = lambda: None
            ) -> None:
    """A refresh as the resource and the CLI record it: begun, written, finished."""
    policy = settings.policy()
    begin_refresh(settings, policy, DAY, run_id)
    with open(settings.warehouse_path, "ab") as warehouse:  # what the run writes
        warehouse.write(b"rows")
    drafted = settings.home / "outbox" / "dunning" / "email" / "waiting" / DAY.isoformat()
    drafted.mkdir(parents=True, exist_ok=True)
    while_running()
    finish_refresh(settings, policy, run_id, ENDED)


def is_current(settings: Settings, day: dt.date = DAY) -> bool:
    return nothing_new(settings, settings.policy(), day) is not None


def test_after_a_finished_refresh_nothing_is_new(settings):
    refresh(settings)
    last = nothing_new(settings, settings.policy(), DAY)
    assert (last.run_id, last.as_of, last.finished_at) == ("run-1", DAY, ENDED)


def _land_a_file(settings: Settings) -> None:
    (settings.landing_dir / "salesforce" / "nyc.csv").write_text("Invoice Number\n1\n")


def _answer_in_the_portal(settings: Settings) -> None:
    with open_store(settings.home) as store:
        director_updates.record(store, director_updates.NewUpdate(
            "s-1", "dana@example.com", "NYC:1", "Promised", None, None, None, None, None, ENDED))


def _upload_a_remittance_advice(settings: Settings) -> None:
    with open_store(settings.home) as store:
        customers.record_remittance(store, "A1", "ap@client.example", "ab" * 32, "csv", "advice.csv",
                                    [{"invoice": "INV-1", "amount": "10.00"}])


def _edit_the_policy(settings: Settings) -> None:
    with open(settings.config_path, "a") as policy:
        policy.write("\n# a comment is still an edit\n")


def _add_a_contact(settings: Settings) -> None:
    (settings.home / "contacts").mkdir(exist_ok=True)
    (settings.home / "contacts" / "account_contacts.csv").write_text("account_id,email\nA1,a@example.com\n")


def _keep_an_invoice_copy(settings: Settings) -> None:
    (settings.home / "documents" / "NYC").mkdir(parents=True)
    (settings.home / "documents" / "NYC" / "INV-1.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")


def _decide_a_payment(settings: Settings) -> None:
    from orchestration.cash.decisions import decisions_path

    decisions_path(settings.home).parent.mkdir(parents=True, exist_ok=True)
    decisions_path(settings.home).write_text('{"payment_key": "P1"}\n')


def _approve_a_draft(settings: Settings) -> None:
    (settings.home / "outbox" / "dunning" / "email" / "approved" / DAY.isoformat()).mkdir(parents=True)


def _write_the_warehouse(settings: Settings) -> None:
    with open(settings.warehouse_path, "ab") as warehouse:
        warehouse.write(b"a decision recorded by a command")


CHANGES = {
    "a file waits in landing": _land_a_file,
    "a director answered": _answer_in_the_portal,
    "a customer uploaded a remittance advice": _upload_a_remittance_advice,
    "the policy changed": _edit_the_policy,
    "a contact was added": _add_a_contact,
    "an invoice copy was kept in documents/": _keep_an_invoice_copy,
    "a payment was decided": _decide_a_payment,
    "a draft was approved": _approve_a_draft,
    "the warehouse was written": _write_the_warehouse,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_anything_new_after_the_refresh_makes_the_next_run(settings, change):
    refresh(settings)
    change(settings)
    assert not is_current(settings)


@pytest.mark.parametrize("change", [_answer_in_the_portal, _add_a_contact, _decide_a_payment,
                                    _edit_the_policy], ids=["portal answer", "contact", "decision", "policy"])
def test_what_came_in_while_the_refresh_ran_is_new_to_the_next(settings, change):
    refresh(settings, while_running=lambda: change(settings))
    assert not is_current(settings)


def test_a_new_day_is_new(settings):
    refresh(settings)
    assert not is_current(settings, DAY + dt.timedelta(days=1))


def test_a_live_salesforce_org_is_never_known_without_asking_it(settings, monkeypatch):
    monkeypatch.setenv("SALESFORCE_USERNAME", "ops@example.com")
    refresh(settings)
    assert not is_current(settings)


def test_a_file_still_waiting_when_the_refresh_ended_is_taken_by_the_next(settings):
    refresh(settings, while_running=lambda: _land_a_file(settings))
    assert not is_current(settings)


def test_a_refresh_that_began_and_did_not_finish_leaves_nothing_current(settings):
    refresh(settings)
    begin_refresh(settings, settings.policy(), DAY, "run-2")  # failed or still running
    assert not is_current(settings)
    finish_refresh(settings, settings.policy(), "run-3", ENDED)  # never begun: records nothing
    assert not is_current(settings)
