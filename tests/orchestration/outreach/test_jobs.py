"""Which open invoices each director is asked about, by the policy's rules."""

import datetime as dt
from decimal import Decimal

import pytest

from orchestration.outreach.jobs import select_director_jobs
from orchestration.policy import load_policy
from orchestration.settings import REPO_ROOT
from orchestration.storage.warehouse import connect
from tests.orchestration.outreach.ledger_fixture import build_warehouse, invoice

POLICY = load_policy(REPO_ROOT / "ledgerloop.yaml")  # Reminder Sent..Disputed, >= 30 days, >= 500


def select(tmp_path, invoices, answers=()):
    path = build_warehouse(tmp_path / "warehouse.duckdb", invoices)
    with connect(path) as con:
        for n, (key, status, note, at) in enumerate(answers, start=1):
            con.execute(
                "insert into raw.director_updates values (?, ?, 'dana@example.com', ?, ?, ?, null, "
                "null, null, null, ?, ?)", [n, f"s{n}", key, status, note, at, at])
        return select_director_jobs(con, POLICY)


def test_jobs_follow_every_rule_of_the_policy(tmp_path):
    selection = select(tmp_path, [
        invoice("1"),
        invoice("2", days_past_due=29, aging_bucket="1-30"),
        invoice("3", balance="499.99"),
        invoice("4", stage="Promised"),
        invoice("5", status="paid", balance="0.00"),
        invoice("6", days_past_due=30, balance="500.00", stage="Escalated"),
    ])
    assert [j.invoice_key for j in selection.jobs] == ["NYC:1", "NYC:6"]


def test_jobs_without_a_director_email_are_counted_not_published(tmp_path):
    selection = select(tmp_path, [invoice("1", director_email=None), invoice("2", director_email=" "),
                                  invoice("3", director_email="not an email"), invoice("4")])
    assert [j.invoice_key for j in selection.jobs] == ["NYC:4"]
    assert sorted(selection.without_director_email) == ["NYC:1", "NYC:2", "NYC:3"]


def test_jobs_carry_the_newest_portal_answer_and_the_question_for_their_stage(tmp_path):
    early, late = dt.datetime(2026, 11, 1, 9), dt.datetime(2026, 11, 2, 9)
    selection = select(
        tmp_path,
        [invoice("1", stage="Disputed"), invoice("2")],
        [("NYC:1", "Still chasing the client", "called", early),
         ("NYC:1", "Client disputes the invoice", None, late)],
    )
    first, second = selection.jobs
    assert first.last_answer == "Client disputes the invoice"
    assert first.last_answer_at == late.replace(tzinfo=dt.UTC)
    assert first.question == POLICY.portal.questions["Disputed"]
    assert second.last_answer is None and second.question == POLICY.portal.question


def test_jobs_group_by_director_with_normalized_emails_and_exact_money(tmp_path):
    selection = select(tmp_path, [
        invoice("1", days_past_due=40), invoice("2", days_past_due=90, balance="1234.56"),
        invoice("3", director_email="lee@example.com", project_director=None, project=None,
                currency=None),
    ])
    grouped = selection.by_director()
    assert list(grouped) == ["dana@example.com", "lee@example.com"]
    assert [j.invoice_key for j in grouped["dana@example.com"]] == ["NYC:2", "NYC:1"]
    assert grouped["dana@example.com"][0].balance == Decimal("1234.56")
    lee = grouped["lee@example.com"][0]
    assert (lee.director_name, lee.project, lee.currency) == ("lee@example.com", "", "")


@pytest.mark.parametrize("stages", [[], ["Promised"]])
def test_jobs_stage_rule_empty_means_any_stage(tmp_path, stages):
    policy = POLICY.model_copy(update={"portal": POLICY.portal.model_copy(update={
        "needs_answer": POLICY.portal.needs_answer.model_copy(update={"stages": stages})})})
    path = build_warehouse(tmp_path / "w.duckdb", [invoice("1"), invoice("2", stage="Promised")])
    with connect(path) as con:
        keys = [j.invoice_key for j in select_director_jobs(con, policy).jobs]
    assert keys == (["NYC:2"] if stages else ["NYC:1", "NYC:2"])


def test_jobs_never_show_another_directors_answer_as_the_last_answer(tmp_path):
    # The invoice moved from Erin to Dana: Erin's note must not reach Dana as "your last answer".
    path = build_warehouse(tmp_path / "warehouse.duckdb", [invoice("1")])
    with connect(path) as con:
        at = dt.datetime(2026, 11, 1, 9)
        con.execute(
            "insert into raw.director_updates values (1, 's1', 'erin@example.com', 'NYC:1', "
            "'Disputed', 'Erin private note', null, null, null, null, ?, ?)", [at, at])
        (job,) = select_director_jobs(con, POLICY).jobs
    assert job.director_email == "dana@example.com"
    assert job.last_answer is None and job.last_answer_at is None


def test_jobs_name_the_invoice_as_the_office_writes_it(tmp_path):
    selection = select(tmp_path, [invoice("7", invoice_number="inv 0007", display_number="INV-00000007")])
    assert [j.invoice_number for j in selection.jobs] == ["INV-00000007"]
